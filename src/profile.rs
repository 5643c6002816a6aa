//! The session profile (用户画像): what the shopper did on this page, kept as
//! per-item, per-kind decayed counters with a hard cap on remembered items.
//! It stores item ids, event kinds and coarse times only — never vectors —
//! so an exported profile survives a model update.

use crate::error::{invalid, Result, ShelfError};
use crate::events::{event_units, EventKind, EventWeights, EVENT_KIND_COUNT};
use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Default cap on distinct items remembered.
pub const DEFAULT_MAX_ITEMS: usize = 200;
/// Hard ceiling on the cap a page may ask for.
pub const MAX_ITEMS_CEILING: usize = 10_000;
/// How many recent events are kept for display.
pub const RECENT_EVENTS: usize = 20;
/// Current version of the exported profile format.
pub const PROFILE_VERSION: u32 = 1;
/// Milliseconds in the coarse time unit used on export (one minute).
const MS_PER_MINUTE: f64 = 60_000.0;

/// One validated event, as the engine consumes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub item_id: String,
    /// Milliseconds since the Unix epoch.
    pub time_ms: f64,
    /// For `dwell`: milliseconds on the product page.
    pub dwell_ms: Option<f64>,
}

impl Event {
    pub fn new(kind: EventKind, item_id: impl Into<String>, time_ms: f64) -> Event {
        Event {
            kind,
            item_id: item_id.into(),
            time_ms,
            dwell_ms: None,
        }
    }
}

/// Latest accepted timestamp (ms since 1970, about the year 5000).
pub const MAX_TIME_MS: f64 = 9.5e13;
/// Largest per-kind counter an exported profile may carry.
pub const MAX_DECAYED: f32 = 1.0e7;

/// Accepts millisecond timestamps between 1970 and the year 5000.
pub fn check_time_ms(t: f64) -> Result<f64> {
    if t.is_finite() && (0.0..=MAX_TIME_MS).contains(&t) {
        Ok(t)
    } else {
        Err(invalid(format!(
            "timestamp must be milliseconds since 1970 (like Date.now()), got {}",
            crate::number_text::Num(t)
        )))
    }
}

/// What the profile remembers about one item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemTrace {
    pub index: u32,
    /// Per-kind event units, decayed to `last_ms`.
    pub decayed: [f32; EVENT_KIND_COUNT],
    pub counts: [u32; EVENT_KIND_COUNT],
    pub last_ms: f64,
}

impl ItemTrace {
    /// Weighted, decayed interaction strength at time `now_ms` (never negative).
    pub fn strength(&self, weights: &EventWeights, half_life_ms: f64, now_ms: f64) -> f32 {
        let raw: f32 = self.decayed.iter().zip(weights.0).map(|(d, w)| d * w).sum();
        (raw * decay(now_ms - self.last_ms, half_life_ms)).max(0.0)
    }

    /// Net units in the cart (adds minus removes).
    pub fn in_cart(&self) -> bool {
        self.counts[EventKind::AddToCart as usize] > self.counts[EventKind::RemoveFromCart as usize]
    }

    pub fn viewed(&self) -> bool {
        [EventKind::ViewItem, EventKind::SelectItem, EventKind::Dwell]
            .iter()
            .any(|&k| self.counts[k as usize] > 0)
    }

    pub fn purchased(&self) -> bool {
        self.counts[EventKind::Purchase as usize] > 0
    }

    /// The most telling thing the shopper did with this item, for explanations.
    pub fn headline_kind(&self) -> EventKind {
        const ORDER: [EventKind; 7] = [
            EventKind::Purchase,
            EventKind::BeginCheckout,
            EventKind::AddToCart,
            EventKind::AddToWishlist,
            EventKind::SelectItem,
            EventKind::ViewItem,
            EventKind::Dwell,
        ];
        ORDER
            .into_iter()
            .find(|&k| self.counts[k as usize] > 0 && (k != EventKind::AddToCart || self.in_cart()))
            .unwrap_or(EventKind::ViewItem)
    }
}

/// 2^(−age / half-life); ages below zero (out-of-order events) count as now.
pub(crate) fn decay(age_ms: f64, half_life_ms: f64) -> f32 {
    if age_ms <= 0.0 {
        1.0
    } else {
        (-age_ms / half_life_ms * std::f64::consts::LN_2).exp() as f32
    }
}

/// A recent event kept for the "what this page knows" panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecentEvent {
    pub index: u32,
    pub kind: EventKind,
    pub time_ms: f64,
}

/// Counters reported by `stats()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCounters {
    pub events_tracked: u64,
    pub unknown_item_events: u64,
    pub evicted_items: u64,
    pub dropped_on_import: u64,
}

/// The session profile itself.
#[derive(Debug, Clone)]
pub struct SessionProfile {
    pub(crate) items: Vec<ItemTrace>,
    pub(crate) recent: VecDeque<RecentEvent>,
    pub(crate) kind_totals: [u64; EVENT_KIND_COUNT],
    pub(crate) latest_ms: f64,
    pub(crate) max_items: usize,
    pub(crate) counters: ProfileCounters,
    /// Bumped on every change so derived state (the user vector) knows when to refresh.
    pub(crate) revision: u64,
}

impl SessionProfile {
    pub fn new(max_items: usize) -> Result<SessionProfile> {
        if max_items == 0 || max_items > MAX_ITEMS_CEILING {
            return Err(invalid(format!(
                "maxItems must be between 1 and {MAX_ITEMS_CEILING}, got {max_items}"
            )));
        }
        Ok(SessionProfile {
            items: Vec::new(),
            recent: VecDeque::with_capacity(RECENT_EVENTS),
            kind_totals: [0; EVENT_KIND_COUNT],
            latest_ms: 0.0,
            max_items,
            counters: ProfileCounters::default(),
            revision: 0,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn distinct_items(&self) -> usize {
        self.items.len()
    }

    /// Time that decay is measured against: the latest event seen, so that
    /// the same events always give the same ranking.
    pub fn reference_time_ms(&self) -> f64 {
        self.latest_ms
    }

    pub fn counters(&self) -> &ProfileCounters {
        &self.counters
    }

    /// Records one event. Unknown items are counted and ignored (returns
    /// `Ok(false)`), because a page must never break on a stale id.
    pub fn record(&mut self, model: &Model, event: &Event, half_life_ms: f64) -> Result<bool> {
        check_time_ms(event.time_ms)?;
        let Some(index) = model.index_of(&event.item_id) else {
            self.counters.unknown_item_events += 1;
            return Ok(false);
        };
        let units = event_units(event.kind, event.dwell_ms);
        self.apply(index as u32, event.kind, units, event.time_ms, half_life_ms);
        self.counters.events_tracked += 1;
        self.kind_totals[event.kind as usize] += 1;
        if self.recent.len() == RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(RecentEvent {
            index: index as u32,
            kind: event.kind,
            time_ms: event.time_ms,
        });
        Ok(true)
    }

    fn apply(&mut self, index: u32, kind: EventKind, units: f32, t: f64, half_life_ms: f64) {
        self.revision += 1;
        self.latest_ms = self.latest_ms.max(t);
        let k = kind as usize;
        if let Some(trace) = self.items.iter_mut().find(|tr| tr.index == index) {
            if t >= trace.last_ms {
                let d = decay(t - trace.last_ms, half_life_ms);
                trace.decayed.iter_mut().for_each(|x| *x *= d);
                trace.last_ms = t;
                trace.decayed[k] += units;
            } else {
                trace.decayed[k] += units * decay(trace.last_ms - t, half_life_ms);
            }
            trace.counts[k] = trace.counts[k].saturating_add(1);
            return;
        }
        if self.items.len() >= self.max_items {
            self.evict_oldest();
        }
        let mut trace = ItemTrace {
            index,
            decayed: [0.0; EVENT_KIND_COUNT],
            counts: [0; EVENT_KIND_COUNT],
            last_ms: t,
        };
        trace.decayed[k] = units;
        trace.counts[k] = 1;
        self.items.push(trace);
    }

    fn evict_oldest(&mut self) {
        // Oldest by last touch; ties go to the earliest inserted.
        let oldest = self
            .items
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.last_ms.total_cmp(&b.1.last_ms).then(a.0.cmp(&b.0)))
            .map(|(pos, _)| pos);
        if let Some(pos) = oldest {
            let gone = self.items.remove(pos).index;
            self.recent.retain(|e| e.index != gone);
            self.counters.evicted_items += 1;
        }
    }

    /// Clears everything the profile knows, counters included.
    pub fn forget(&mut self) {
        let max_items = self.max_items;
        let revision = self.revision + 1;
        *self = SessionProfile {
            revision,
            ..SessionProfile::new_unchecked(max_items)
        };
    }

    fn new_unchecked(max_items: usize) -> SessionProfile {
        SessionProfile {
            items: Vec::new(),
            recent: VecDeque::new(),
            kind_totals: [0; EVENT_KIND_COUNT],
            latest_ms: 0.0,
            max_items,
            counters: ProfileCounters::default(),
            revision: 0,
        }
    }

    pub(crate) fn trace_of(&self, index: usize) -> Option<&ItemTrace> {
        self.items.iter().find(|t| t.index as usize == index)
    }

    /// The exportable form: item ids, kinds, counts and minute-resolution times.
    pub fn export(&self, model: &Model) -> ExportedProfile {
        let minute = |ms: f64| (ms / MS_PER_MINUTE).floor() as i64;
        ExportedProfile {
            format: PROFILE_FORMAT_NAME.to_string(),
            version: PROFILE_VERSION,
            saved_minute: minute(self.latest_ms),
            items: self
                .items
                .iter()
                .map(|t| ExportedItem {
                    id: model.item_id(t.index as usize).to_string(),
                    last_minute: minute(t.last_ms),
                    counts: t.counts,
                    // Clamped to what `import` accepts (a very long session
                    // on one item can count past it).
                    decayed: t
                        .decayed
                        .map(|d| ((d * 1000.0).round() / 1000.0).clamp(-MAX_DECAYED, MAX_DECAYED)),
                })
                .collect(),
            recent: self
                .recent
                .iter()
                .map(|e| {
                    (
                        model.item_id(e.index as usize).to_string(),
                        e.kind as u8,
                        minute(e.time_ms),
                    )
                })
                .collect(),
        }
    }

    /// Rebuilds a profile from an export, against possibly another model:
    /// items the model lacks are dropped and counted.
    pub fn import(
        model: &Model,
        data: &ExportedProfile,
        max_items: usize,
    ) -> Result<SessionProfile> {
        if data.format != PROFILE_FORMAT_NAME {
            return Err(ShelfError::BadProfile(format!(
                "format is \"{}\", expected \"{PROFILE_FORMAT_NAME}\"",
                crate::events::truncate_for_message(&data.format)
            )));
        }
        if data.version != PROFILE_VERSION {
            return Err(ShelfError::BadProfile(format!(
                "version {} is not supported (this build reads version {PROFILE_VERSION})",
                data.version
            )));
        }
        // Every time `track` accepts must come back: the minute of MAX_TIME_MS.
        const MAX_MINUTE: i64 = (MAX_TIME_MS / MS_PER_MINUTE) as i64 + 1;
        let check_minute = |m: i64| -> Result<f64> {
            if (0..=MAX_MINUTE).contains(&m) {
                Ok(m as f64 * MS_PER_MINUTE)
            } else {
                Err(ShelfError::BadProfile(format!(
                    "time {m} (minutes since 1970) is out of range"
                )))
            }
        };
        let mut profile = SessionProfile::new(max_items)?;
        for item in &data.items {
            let last_ms = check_minute(item.last_minute)?;
            if item
                .decayed
                .iter()
                .any(|d| !d.is_finite() || *d < 0.0 || *d > MAX_DECAYED)
            {
                // Units are never negative (a removal is a positive count
                // with a negative weight), so a negative one was tampered with.
                return Err(ShelfError::BadProfile(format!(
                    "item \"{}\" has an invalid counter (each must be a number from 0 to the limit exportProfile() writes)",
                    crate::events::truncate_for_message(&item.id)
                )));
            }
            let Some(index) = model.index_of(&item.id) else {
                profile.counters.dropped_on_import += 1;
                continue;
            };
            if profile.items.iter().any(|t| t.index == index as u32) {
                return Err(ShelfError::BadProfile(format!(
                    "item \"{}\" appears twice",
                    crate::events::truncate_for_message(&item.id)
                )));
            }
            if profile.items.len() >= max_items {
                profile.evict_oldest();
            }
            profile.items.push(ItemTrace {
                index: index as u32,
                decayed: item.decayed,
                counts: item.counts,
                last_ms,
            });
            profile.latest_ms = profile.latest_ms.max(last_ms);
            for (total, c) in profile.kind_totals.iter_mut().zip(item.counts) {
                *total += c as u64;
            }
        }
        for (id, code, minute) in data.recent.iter().rev().take(RECENT_EVENTS).rev() {
            let kind = EventKind::from_code(*code)
                .ok_or_else(|| ShelfError::BadProfile(format!("unknown event code {code}")))?;
            let time_ms = check_minute(*minute)?;
            if let Some(index) = model.index_of(id) {
                if profile.trace_of(index).is_some() {
                    profile.recent.push_back(RecentEvent {
                        index: index as u32,
                        kind,
                        time_ms,
                    });
                }
            }
        }
        profile.counters.events_tracked = profile.kind_totals.iter().sum();
        profile.revision = 1;
        Ok(profile)
    }
}

/// Name stamped into exported profiles so foreign data is recognised.
pub const PROFILE_FORMAT_NAME: &str = "shelfrank-profile";

/// The compact, versioned profile a page can keep in localStorage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportedProfile {
    pub format: String,
    pub version: u32,
    pub saved_minute: i64,
    pub items: Vec<ExportedItem>,
    /// `[itemId, eventCode, minute]`, oldest first.
    pub recent: Vec<(String, u8, i64)>,
}

/// One remembered item in an exported profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportedItem {
    pub id: String,
    pub last_minute: i64,
    /// Event counts per kind, in the order of `EventKind::ALL`.
    pub counts: [u32; EVENT_KIND_COUNT],
    /// Decayed event units per kind at `lastMinute`.
    pub decayed: [f32; EVENT_KIND_COUNT],
}
