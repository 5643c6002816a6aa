//! The engine a page talks to, in plain Rust: a model, a session profile and
//! the cached user vector. `wasm_api` wraps this one-to-one for JavaScript;
//! the trainer's offline evaluation drives it directly.

use crate::error::{Result, ShelfError};
use crate::factors::QuantizedQuery;
use crate::factors::QueryKernel;
use crate::foldin::{FoldInState, UserVector};
use crate::model::Model;
use crate::profile::{Event, ExportedProfile, ProfileCounters, SessionProfile};
use crate::ranking::{
    explain, history_exclusions, rank, resolve_boosts, AllowedItems, CatalogueFilter, RankOptions,
    Ranked, Reason, Scorer,
};
use crate::settings::{LoadOptions, Settings};
use crate::summary::{summarize, ProfileSummary};

/// Counters for `stats()`: what was ignored and why.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineStats {
    #[serde(flatten)]
    pub profile: ProfileCounters,
    pub distinct_items: usize,
    pub max_items: usize,
    pub unknown_candidate_ids: u64,
    pub unknown_boost_ids: u64,
    pub recommend_calls: u64,
    pub model_items: usize,
    pub model_dim: usize,
    pub model_bytes: usize,
}

/// A loaded model plus one shopper's session.
pub struct Recommender {
    model: Model,
    settings: Settings,
    profile: SessionProfile,
    /// User vector for `profile.revision`, recomputed lazily after events.
    user: Option<(u64, UserVector)>,
    /// The fold-in's running sums, so each event costs k×k, not k×k per remembered item.
    fold_in_state: FoldInState,
    /// Item norms for cosine similarity, computed on the first `similar`.
    norms: Option<Vec<f32>>,
    /// The last catalogue filter and its bitset (`None` = every item passes).
    filter_cache: Option<(CatalogueFilter, Option<AllowedItems>)>,
    unknown_candidate_ids: u64,
    unknown_boost_ids: u64,
    recommend_calls: u64,
}

impl Recommender {
    pub fn new(model: Model, options: &LoadOptions) -> Result<Recommender> {
        if let Some(key) = &options.public_key {
            crate::signature::verify_model(model.raw_bytes(), key)?;
        }
        let settings = Settings::new(model.defaults(), options)?;
        let profile = SessionProfile::new(settings.max_items)?;
        Ok(Recommender {
            model,
            settings,
            profile,
            user: None,
            fold_in_state: FoldInState::default(),
            norms: None,
            filter_cache: None,
            unknown_candidate_ids: 0,
            unknown_boost_ids: 0,
            recommend_calls: 0,
        })
    }

    /// Loads model bytes (taking ownership: no copy of the factor block).
    pub fn load(bytes: Vec<u8>, options: &LoadOptions) -> Result<Recommender> {
        Recommender::new(Model::from_bytes(bytes)?, options)
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn session(&self) -> &SessionProfile {
        &self.profile
    }

    /// Records an event; returns whether the item was known to the model.
    pub fn track(&mut self, event: &Event) -> Result<bool> {
        self.profile
            .record(&self.model, event, self.settings.half_life_ms)
    }

    /// The folded-in user vector for the current profile (cached).
    pub fn user_vector(&mut self) -> Result<&UserVector> {
        let rev = self.profile.revision;
        let fresh = matches!(&self.user, Some((r, _)) if *r == rev);
        if !fresh {
            let u = self
                .fold_in_state
                .fold_in(&self.model, &self.profile, &self.settings)?;
            self.user = Some((rev, u));
        }
        match &self.user {
            Some((_, u)) => Ok(u),
            None => Err(ShelfError::Numerical("user vector unavailable".into())),
        }
    }

    /// The bitset for the catalogue part of `opts`, rebuilt only when it changes.
    fn allowed_items(&mut self, opts: &RankOptions) {
        let filter = CatalogueFilter::of(opts);
        if matches!(&self.filter_cache, Some((f, _)) if *f == filter) {
            return;
        }
        let allowed = (!filter.is_empty()).then(|| AllowedItems::build(&self.model, &filter));
        self.unknown_candidate_ids += allowed.as_ref().map_or(0, |a| a.unknown_ids);
        self.filter_cache = Some((filter, allowed));
    }

    fn cached_allowed(&self) -> Option<&AllowedItems> {
        self.filter_cache.as_ref().and_then(|(_, a)| a.as_ref())
    }

    /// Personalised top-k under `opts`; popularity when there is no history.
    pub fn recommend(&mut self, opts: &RankOptions) -> Result<Vec<Ranked>> {
        opts.validate()?;
        self.recommend_calls += 1;
        self.allowed_items(opts);
        let (boosts, unknown_boosts) = resolve_boosts(&self.model, &opts.boosts);
        self.unknown_boost_ids += unknown_boosts;
        let excluded = history_exclusions(&self.profile, opts);
        self.user_vector()?;
        let (Some((_, user)), Some(_)) = (&self.user, &self.filter_cache) else {
            return Err(ShelfError::Numerical("user vector unavailable".into()));
        };
        let allowed = self.cached_allowed();
        if user.is_empty() {
            return Ok(by_popularity(
                &self.model,
                allowed,
                &excluded,
                &boosts,
                opts.k,
            ));
        }
        let kernel = QueryKernel::new(&user.query.values);
        let top = rank(
            &self.model,
            allowed,
            &excluded,
            &boosts,
            opts.k,
            &Scorer::Factors {
                kernel: &kernel,
                query_scale: user.query.scale,
                norms: None,
            },
        );
        Ok(top
            .into_iter()
            .map(|(index, score)| Ranked {
                index,
                score,
                reason: explain(&self.model, user, index),
            })
            .collect())
    }

    /// Items closest to `item_id` by cosine over the factors.
    pub fn similar(&mut self, item_id: &str, opts: &RankOptions) -> Result<Vec<Ranked>> {
        opts.validate()?;
        let target = self
            .model
            .index_of(item_id)
            .ok_or_else(|| ShelfError::UnknownItem(crate::events::truncate_for_message(item_id)))?;
        if self.norms.is_none() {
            self.norms = Some(item_norms(&self.model));
        }
        self.allowed_items(opts);
        let (boosts, unknown_boosts) = resolve_boosts(&self.model, &opts.boosts);
        self.unknown_boost_ids += unknown_boosts;
        let mut excluded = history_exclusions(&self.profile, opts);
        if let Err(pos) = excluded.binary_search(&target) {
            excluded.insert(pos, target);
        }
        let norms = self.norms.as_deref().unwrap_or(&[]);
        let allowed = self.cached_allowed();
        let block = self.model.factor_block();
        let target_norm = norms.get(target).copied().unwrap_or(0.0);
        if target_norm == 0.0 {
            // A zero vector is similar to nothing: fall back to popularity.
            return Ok(by_popularity(
                &self.model,
                allowed,
                &excluded,
                &boosts,
                opts.k,
            ));
        }
        let mut query =
            QuantizedQuery::new(&block.row_f32(self.model.raw_bytes(), target), block.stride);
        query.scale /= target_norm;
        let kernel = QueryKernel::new(&query.values);
        let top = rank(
            &self.model,
            allowed,
            &excluded,
            &boosts,
            opts.k,
            &Scorer::Factors {
                kernel: &kernel,
                query_scale: query.scale,
                norms: Some(norms),
            },
        );
        Ok(top
            .into_iter()
            .map(|(index, score)| Ranked {
                index,
                score,
                reason: Reason::SimilarTo { index: target },
            })
            .collect())
    }

    /// A readable summary of the session profile.
    pub fn profile_summary(&self) -> ProfileSummary {
        summarize(&self.model, &self.profile, &self.settings)
    }

    pub fn export_profile(&self) -> ExportedProfile {
        self.profile.export(&self.model)
    }

    /// Replaces the session with an exported one (re-folded against this model).
    pub fn import_profile(&mut self, data: &ExportedProfile) -> Result<()> {
        let mut imported = SessionProfile::import(&self.model, data, self.settings.max_items)?;
        imported.revision = self.profile.revision + 1;
        self.profile = imported;
        self.fold_in_state.clear();
        Ok(())
    }

    /// Forgets the session entirely.
    pub fn forget(&mut self) {
        self.profile.forget();
        self.user = None;
        self.fold_in_state.clear();
        self.unknown_boost_ids = 0;
        self.unknown_candidate_ids = 0;
        self.recommend_calls = 0;
    }

    pub fn stats(&self) -> EngineStats {
        EngineStats {
            profile: self.profile.counters().clone(),
            distinct_items: self.profile.distinct_items(),
            max_items: self.settings.max_items,
            unknown_candidate_ids: self.unknown_candidate_ids,
            unknown_boost_ids: self.unknown_boost_ids,
            recommend_calls: self.recommend_calls,
            model_items: self.model.item_count(),
            model_dim: self.model.dim(),
            model_bytes: self.model.byte_len(),
        }
    }
}

/// Euclidean norms of the dequantised item rows.
fn item_norms(model: &Model) -> Vec<f32> {
    let block = model.factor_block();
    let bytes = model.raw_bytes();
    (0..block.items)
        .map(|i| {
            let row = block.row(bytes, i);
            let sq: i64 = row
                .iter()
                .map(|&b| {
                    let v = (b as i8) as i64;
                    v * v
                })
                .sum();
            (sq as f64).sqrt() as f32 * block.scales[i]
        })
        .collect()
}

/// The model's popularity prior, for a session with no signal yet (or an
/// item with no factors): never empty when items pass the filters.
fn by_popularity(
    model: &Model,
    allowed: Option<&AllowedItems>,
    excluded: &[usize],
    boosts: &[(usize, f32)],
    k: usize,
) -> Vec<Ranked> {
    rank(model, allowed, excluded, boosts, k, &Scorer::Popularity)
        .into_iter()
        .map(|(index, score)| Ranked {
            index,
            score,
            reason: Reason::Popular,
        })
        .collect()
}
