//! Per-instance settings: the model's training defaults, optionally
//! overridden by the page at load time, checked once here at the edge.

use crate::error::{invalid, Result};
use crate::events::{EventKind, EventWeights};
use crate::model::{ModelDefaults, MAX_HALF_LIFE_HOURS};
use crate::profile::{DEFAULT_MAX_ITEMS, MAX_ITEMS_CEILING};

/// What a page may override when loading a model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// Cap on distinct remembered items (default 200).
    pub max_items: Option<usize>,
    /// Recency half-life in hours (default: the model's).
    pub half_life_hours: Option<f64>,
    /// Per-kind weight overrides, by GA4 event name.
    pub event_weights: Vec<(String, f64)>,
    /// Ed25519 public key: when given, the model must carry a `SIG1`
    /// signature that verifies with it (see `crate::signature`).
    pub public_key: Option<[u8; crate::signature::PUBLIC_KEY_LEN]>,
}

/// Validated settings the engine runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub alpha: f32,
    pub lambda: f32,
    pub weights: EventWeights,
    pub half_life_ms: f64,
    pub max_items: usize,
}

impl Settings {
    pub fn new(defaults: &ModelDefaults, options: &LoadOptions) -> Result<Settings> {
        let max_items = options.max_items.unwrap_or(DEFAULT_MAX_ITEMS);
        if max_items == 0 || max_items > MAX_ITEMS_CEILING {
            return Err(invalid(format!(
                "maxItems must be between 1 and {MAX_ITEMS_CEILING}, got {max_items}"
            )));
        }
        let half_life_hours = options
            .half_life_hours
            .unwrap_or(defaults.half_life_hours as f64);
        if !(half_life_hours.is_finite()
            && half_life_hours > 0.0
            && half_life_hours <= MAX_HALF_LIFE_HOURS)
        {
            return Err(invalid(format!(
                "halfLifeHours must be a number of hours between 0 and {}, got {}",
                crate::number_text::Num(MAX_HALF_LIFE_HOURS),
                crate::number_text::Num(half_life_hours)
            )));
        }
        let mut weights = defaults.weights;
        for (name, w) in &options.event_weights {
            weights.set(EventKind::parse(name)?, *w as f32)?;
        }
        Ok(Settings {
            alpha: defaults.alpha,
            lambda: defaults.lambda,
            weights,
            half_life_ms: half_life_hours * 3_600_000.0,
            max_items,
        })
    }
}
