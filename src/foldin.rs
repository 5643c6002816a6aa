//! Implicit-ALS fold-in: the user vector that the model would have learnt for
//! this session, solved in the browser from the item factors.
//!
//! Solves (YᵀY + Yᵀ(Cᵤ − I)Y + λI) x = YᵀCᵤ p, where only the items in the
//! session have p = 1 and confidence c = 1 + α·strength. YᵀY comes
//! precomputed in the model, so the cost is k×k per remembered item plus one
//! k×k Cholesky factorisation: independent of the catalogue size.

use crate::error::{Result, ShelfError};
use crate::events::EventKind;
use crate::factors::QuantizedQuery;
use crate::model::Model;
use crate::profile::SessionProfile;
use crate::settings::Settings;
use nalgebra::{Cholesky, DMatrix, DVector, Dyn};

/// One history item's share of the user vector, used to explain scores:
/// with W = (YᵀCᵤY + λI)⁻¹, x = Σⱼ cⱼ W yⱼ, so item i's score splits into
/// contributions cⱼ · (W yᵢ)ᵀ yⱼ (W is symmetric).
#[derive(Debug, Clone)]
pub struct HistoryTerm {
    pub index: usize,
    pub kind: EventKind,
    pub confidence: f64,
    pub y: DVector<f64>,
}

/// The solved user state: the vector, its quantised query and the history
/// terms whose sum it is.
#[derive(Debug, Clone)]
pub struct UserVector {
    pub x: Vec<f32>,
    pub query: QuantizedQuery,
    pub terms: Vec<HistoryTerm>,
    /// Cholesky factor of YᵀCᵤY + λI, kept to explain results.
    pub system: Option<Cholesky<f64, Dyn>>,
}

impl UserVector {
    /// Score contribution of each history term to item factors `y_i`.
    pub fn contributions(&self, y_i: &[f32]) -> Vec<f64> {
        let Some(system) = &self.system else {
            return Vec::new();
        };
        let wy = system.solve(&DVector::from_iterator(
            y_i.len(),
            y_i.iter().map(|&v| v as f64),
        ));
        self.terms
            .iter()
            .map(|t| t.confidence * wy.dot(&t.y))
            .collect()
    }

    /// True when there is no signal to rank with (empty or all-zero history).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() || self.query.scale == 0.0
    }
}

/// Folds the profile into a user vector against `model`.
pub fn fold_in(model: &Model, profile: &SessionProfile, settings: &Settings) -> Result<UserVector> {
    let (alpha, lambda) = (settings.alpha, settings.lambda);
    let dim = model.dim();
    let block = model.factor_block();
    let bytes = model.raw_bytes();
    let now = profile.reference_time_ms();
    let mut a = DMatrix::<f64>::zeros(dim, dim);
    for (r, c) in (0..dim).flat_map(|r| (0..dim).map(move |c| (r, c))) {
        a[(r, c)] = model.gramian()[r * dim + c] as f64;
    }
    for d in 0..dim {
        a[(d, d)] += lambda as f64;
    }
    let mut b = DVector::<f64>::zeros(dim);
    let mut used = Vec::new();
    for trace in &profile.items {
        let strength = trace.strength(&settings.weights, settings.half_life_ms, now);
        if strength <= 0.0 {
            continue;
        }
        let c = 1.0 + alpha as f64 * strength as f64;
        let y = DVector::from_iterator(
            dim,
            block
                .row_f32(bytes, trace.index as usize)
                .into_iter()
                .map(f64::from),
        );
        // a += (c − 1) y yᵀ, b += c y
        a.ger(c - 1.0, &y, &y, 1.0);
        b.axpy(c, &y, 1.0);
        used.push((trace.index as usize, trace.headline_kind(), c, y));
    }
    let stride = block.stride;
    if used.is_empty() {
        return Ok(UserVector {
            x: vec![0.0; dim],
            query: QuantizedQuery::new(&[], stride),
            terms: Vec::new(),
            system: None,
        });
    }
    let chol = a.cholesky().ok_or_else(|| {
        ShelfError::Numerical(
            "the fold-in system is not positive definite (is the model's Gramian damaged?)".into(),
        )
    })?;
    let x = chol.solve(&b);
    let terms = used
        .into_iter()
        .map(|(index, kind, confidence, y)| HistoryTerm {
            index,
            kind,
            confidence,
            y,
        })
        .collect();
    let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    if xf.iter().any(|v| !v.is_finite()) {
        return Err(ShelfError::Numerical(
            "the user vector is not finite".into(),
        ));
    }
    let query = QuantizedQuery::new(&xf, stride);
    Ok(UserVector {
        x: xf,
        query,
        terms,
        system: Some(chol),
    })
}
