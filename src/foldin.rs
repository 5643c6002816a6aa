//! Implicit-ALS fold-in: the user vector that the model would have learnt for
//! this session, solved in the browser from the item factors.
//!
//! Solves (YᵀY + Yᵀ(Cᵤ − I)Y + λI) x = YᵀCᵤ p, where only the items in the
//! session have p = 1 and confidence c = 1 + α·strength. YᵀY comes
//! precomputed in the model and [`FoldInState`] keeps the history's share
//! between calls, so an event costs one k×k rank-1 update plus one k×k
//! Cholesky factorisation: independent of the catalogue and history sizes.

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
}

/// The solved user state: the vector, its quantised query and the history
/// terms whose sum it is.
#[derive(Debug, Clone)]
pub struct UserVector {
    pub x: Vec<f32>,
    pub query: QuantizedQuery,
    pub terms: Vec<HistoryTerm>,
    /// The history items' factors, one column per term (one allocation).
    pub history: DMatrix<f64>,
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
        let dots = self.history.tr_mul(&wy);
        self.terms
            .iter()
            .zip(dots.iter())
            .map(|(t, d)| t.confidence * d)
            .collect()
    }

    /// True when there is no signal to rank with (empty or all-zero history).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() || self.query.scale == 0.0
    }
}

/// Fold-ins start over from zero after this many incremental updates, so
/// rounding in the running sums never accumulates.
const REBUILD_AFTER_UPDATES: usize = 4096;

/// Relative change of an item's β below which it counts as unchanged: the
/// β of an item without new events is constant in exact arithmetic and only
/// moves by f32 rounding (~1e-7) as the clock advances.
const UNCHANGED: f64 = 1e-5;

/// The running sums of the fold-in, kept between calls so that an event
/// costs one k×k rank-1 update instead of a pass over the whole history.
///
/// Every remembered item's strength decays at the same rate, so
/// α·sᵢ(t) = d(t)·βᵢ with d(t) = 2^(−(t − t_ref)/half-life) and βᵢ constant
/// until item i sees another event. The state holds Σ βᵢyᵢyᵢᵀ, Σ βᵢyᵢ and
/// Σ yᵢ (over items with βᵢ > 0) in that reference frame; a fold-in updates
/// the items whose β changed (new events, evictions, a replaced profile) and
/// then needs only A = YᵀY + λI + d·Σ βᵢyᵢyᵢᵀ and one k×k Cholesky solve.
#[derive(Debug, Clone, Default)]
pub struct FoldInState {
    dim: usize,
    reference_ms: f64,
    /// (item index, β) of every item in the sums, sorted by index.
    betas: Vec<(u32, f64)>,
    outer: DMatrix<f64>,
    weighted: DVector<f64>,
    plain: DVector<f64>,
    updates: usize,
}

impl FoldInState {
    /// Forgets the running sums (the next fold-in starts from zero).
    pub fn clear(&mut self) {
        *self = FoldInState::default();
    }

    fn restart(&mut self, dim: usize, reference_ms: f64) {
        *self = FoldInState {
            dim,
            reference_ms,
            betas: Vec::new(),
            outer: DMatrix::zeros(dim, dim),
            weighted: DVector::zeros(dim),
            plain: DVector::zeros(dim),
            updates: 0,
        };
    }

    /// Moves item `y`'s β from `old` to `new` in the sums.
    fn update(&mut self, y: &DVector<f64>, old: f64, new: f64) {
        let delta = new - old;
        self.outer.ger(delta, y, y, 1.0);
        self.weighted.axpy(delta, y, 1.0);
        match (old > 0.0, new > 0.0) {
            (false, true) => self.plain += y,
            (true, false) => self.plain -= y,
            _ => {}
        }
        self.updates += 1;
    }

    /// The user vector for `profile`, updating the running sums for what
    /// changed since the previous call.
    pub fn fold_in(
        &mut self,
        model: &Model,
        profile: &SessionProfile,
        settings: &Settings,
    ) -> Result<UserVector> {
        let dim = model.dim();
        let block = model.factor_block();
        let bytes = model.raw_bytes();
        let now = profile.reference_time_ms();
        let alpha = settings.alpha as f64;
        let half_life = settings.half_life_ms;
        let frame =
            |reference: f64| (-(now - reference) / half_life * std::f64::consts::LN_2).exp();
        let mut d = frame(self.reference_ms);
        if self.dim != dim || !(1e-3..=1e3).contains(&d) || self.updates > REBUILD_AFTER_UPDATES {
            self.restart(dim, now);
            d = 1.0;
        }
        let row = |index: u32| {
            DVector::from_iterator(
                dim,
                block
                    .row_f32(bytes, index as usize)
                    .into_iter()
                    .map(f64::from),
            )
        };

        // β of every remembered item now, and the history terms for explanations.
        let mut next: Vec<(u32, f64)> = Vec::with_capacity(profile.items.len());
        let mut terms = Vec::new();
        let mut history = Vec::new();
        for trace in &profile.items {
            let strength = trace.strength(&settings.weights, half_life, now) as f64;
            if strength <= 0.0 {
                continue;
            }
            next.push((trace.index, alpha * strength / d));
            terms.push(HistoryTerm {
                index: trace.index as usize,
                kind: trace.headline_kind(),
                confidence: 1.0 + alpha * strength,
            });
            history.extend(
                block
                    .row_f32(bytes, trace.index as usize)
                    .into_iter()
                    .map(f64::from),
            );
        }
        crate::sorting::sort_by(&mut next, |a, b| a.0 < b.0);

        // Merge the old and new β lists (both sorted) and update what moved.
        let old = std::mem::take(&mut self.betas);
        let (mut i, mut j) = (0, 0);
        loop {
            // (index, β in the sums, β now, position in `next` if still remembered)
            let (index, before, after, at) = match (old.get(i), next.get(j)) {
                (Some(&(a, ba)), Some(&(b, bb))) if a == b => {
                    i += 1;
                    j += 1;
                    (a, ba, bb, Some(j - 1))
                }
                (Some(&(a, ba)), Some(&(b, _))) if a < b => {
                    i += 1;
                    (a, ba, 0.0, None)
                }
                (Some(&(a, ba)), None) => {
                    i += 1;
                    (a, ba, 0.0, None)
                }
                (_, Some(&(b, bb))) => {
                    j += 1;
                    (b, 0.0, bb, Some(j - 1))
                }
                (None, None) => break,
            };
            if (after - before).abs() > UNCHANGED * before.abs().max(after.abs()) {
                self.update(&row(index), before, after);
            } else if let Some(at) = at {
                // Unchanged but for rounding: keep the β that is in the sums.
                next[at].1 = before;
            }
        }
        self.betas = next;

        let stride = block.stride;
        if terms.is_empty() {
            return Ok(UserVector {
                x: vec![0.0; dim],
                query: QuantizedQuery::new(&[], stride),
                terms,
                history: DMatrix::zeros(dim, 0),
                system: None,
            });
        }
        let gramian = model.gramian();
        let lambda = settings.lambda as f64;
        let a = DMatrix::<f64>::from_fn(dim, dim, |r, c| {
            let ridge = if r == c { lambda } else { 0.0 };
            gramian[r * dim + c] as f64 + ridge + d * self.outer[(r, c)]
        });
        let b = &self.plain + &self.weighted * d;
        let chol = a.cholesky().ok_or_else(|| {
            ShelfError::Numerical(
                "the fold-in system is not positive definite (is the model's Gramian damaged?)"
                    .into(),
            )
        })?;
        let x = chol.solve(&b);
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        if xf.iter().any(|v| !v.is_finite()) {
            self.clear();
            return Err(ShelfError::Numerical(
                "the user vector is not finite".into(),
            ));
        }
        let query = QuantizedQuery::new(&xf, stride);
        let history = DMatrix::from_vec(dim, terms.len(), history);
        Ok(UserVector {
            x: xf,
            query,
            terms,
            history,
            system: Some(chol),
        })
    }
}

/// Folds `profile` in from scratch (no state kept between calls).
pub fn fold_in(model: &Model, profile: &SessionProfile, settings: &Settings) -> Result<UserVector> {
    FoldInState::default().fold_in(model, profile, settings)
}
