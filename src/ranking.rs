//! Ranking: filters, exact top-k over the int8 factor block, and the reason
//! shown with each result.

use crate::catalog::{category_has_prefix, NO_ENTRY};
use crate::error::{invalid, Result};
use crate::factors::QueryKernel;
use crate::foldin::UserVector;
use crate::model::Model;
use crate::number_text::Num;
use crate::profile::SessionProfile;
use crate::topk::TopK;

/// Largest `k` a caller may ask for; pages show tens, not thousands.
pub const MAX_K: usize = 1000;
/// Largest per-item boost magnitude (scores are O(1)).
pub const MAX_BOOST: f32 = 1.0e6;
/// Most entries accepted in any filter list.
pub const MAX_LIST_LEN: usize = 1_000_000;

/// Options for `recommend` and `similar`, validated by [`RankOptions::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct RankOptions {
    pub k: usize,
    pub exclude_viewed: bool,
    pub exclude_in_cart: bool,
    pub exclude_purchased: bool,
    pub include_categories: Vec<String>,
    pub exclude_categories: Vec<String>,
    pub include_brands: Vec<String>,
    pub exclude_brands: Vec<String>,
    pub min_price: Option<f32>,
    pub max_price: Option<f32>,
    pub in_stock_only: bool,
    /// Rank only these items (unknown ids are skipped and counted).
    pub candidates: Option<Vec<String>>,
    /// Added to the score of the named items.
    pub boosts: Vec<(String, f32)>,
}

impl RankOptions {
    /// Defaults for `recommend`: hide what the shopper already viewed, has
    /// in the cart or bought.
    pub fn for_recommend() -> RankOptions {
        RankOptions {
            k: 10,
            exclude_viewed: true,
            exclude_in_cart: true,
            exclude_purchased: true,
            include_categories: Vec::new(),
            exclude_categories: Vec::new(),
            include_brands: Vec::new(),
            exclude_brands: Vec::new(),
            min_price: None,
            max_price: None,
            in_stock_only: false,
            candidates: None,
            boosts: Vec::new(),
        }
    }

    /// Defaults for `similar`: the same filters, but history is not hidden.
    pub fn for_similar() -> RankOptions {
        RankOptions {
            exclude_viewed: false,
            exclude_in_cart: false,
            exclude_purchased: false,
            ..RankOptions::for_recommend()
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.k == 0 || self.k > MAX_K {
            return Err(invalid(format!(
                "k must be a whole number from 1 to {MAX_K}, got {}",
                self.k
            )));
        }
        for (name, v) in [("minPrice", self.min_price), ("maxPrice", self.max_price)] {
            if let Some(p) = v {
                if !p.is_finite() || p < 0.0 {
                    return Err(invalid(format!(
                        "{name} must be a finite number >= 0, got {}",
                        Num::from(p)
                    )));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_price, self.max_price) {
            if lo > hi {
                return Err(invalid(format!(
                    "minPrice ({}) is greater than maxPrice ({})",
                    Num::from(lo),
                    Num::from(hi)
                )));
            }
        }
        for (id, b) in &self.boosts {
            if !b.is_finite() || b.abs() > MAX_BOOST {
                return Err(invalid(format!(
                    "boost for \"{}\" must be a finite number within ±{}, got {}",
                    crate::events::truncate_for_message(id),
                    Num::from(MAX_BOOST),
                    Num::from(*b)
                )));
            }
        }
        let lens = [
            self.include_categories.len(),
            self.exclude_categories.len(),
            self.include_brands.len(),
            self.exclude_brands.len(),
            self.boosts.len(),
            self.candidates.as_ref().map_or(0, Vec::len),
        ];
        if lens.iter().any(|&l| l > MAX_LIST_LEN) {
            return Err(invalid(format!(
                "filter lists may hold at most {MAX_LIST_LEN} entries"
            )));
        }
        Ok(())
    }
}

/// Why an item is recommended.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Popular overall (no history, or no history item contributed).
    Popular,
    /// The history item that contributed most, and what the shopper did with it.
    Because {
        index: usize,
        kind: crate::events::EventKind,
    },
    /// `similar`: close to this item in factor space.
    SimilarTo { index: usize },
}

/// One ranked item.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub index: usize,
    pub score: f32,
    pub reason: Reason,
}

/// The catalogue part of the options (everything that does not depend on
/// the shopper), used as the key of the cached [`AllowedItems`] bitset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogueFilter {
    pub include_categories: Vec<String>,
    pub exclude_categories: Vec<String>,
    pub include_brands: Vec<String>,
    pub exclude_brands: Vec<String>,
    pub min_price: Option<f32>,
    pub max_price: Option<f32>,
    pub in_stock_only: bool,
    pub candidates: Option<Vec<String>>,
}

impl CatalogueFilter {
    pub fn of(opts: &RankOptions) -> CatalogueFilter {
        CatalogueFilter {
            include_categories: opts.include_categories.clone(),
            exclude_categories: opts.exclude_categories.clone(),
            include_brands: opts.include_brands.clone(),
            exclude_brands: opts.exclude_brands.clone(),
            min_price: opts.min_price,
            max_price: opts.max_price,
            in_stock_only: opts.in_stock_only,
            candidates: opts.candidates.clone(),
        }
    }

    /// True when every item passes (no bitset needed).
    pub fn is_empty(&self) -> bool {
        *self == CatalogueFilter::default()
    }
}

/// Items passing a [`CatalogueFilter`], one bit per item. Built once per
/// distinct filter and reused: ranking then costs no string comparison and
/// no allocation per item, and sparse sets (a candidate list) are scanned by
/// their set bits only.
#[derive(Debug, Clone)]
pub struct AllowedItems {
    bits: Vec<u64>,
    /// Ids in `candidates` that the model does not have.
    pub unknown_ids: u64,
}

impl AllowedItems {
    pub fn contains(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    pub fn build(model: &Model, filter: &CatalogueFilter) -> AllowedItems {
        let n = model.item_count();
        let mut unknown_ids = 0;
        let mut pass = match &filter.candidates {
            None => vec![true; n],
            Some(ids) => {
                let mut a = vec![false; n];
                for id in ids {
                    match model.index_of(id) {
                        Some(i) => a[i] = true,
                        None => unknown_ids += 1,
                    }
                }
                a
            }
        };
        // Category and brand tests run once per distinct value, not per item.
        let category_ok = table_filter(
            model.category_table_len(),
            |c| model.category_by_code(c),
            &filter.include_categories,
            &filter.exclude_categories,
            category_has_prefix,
        );
        let brand_ok = table_filter(
            model.brand_table_len(),
            |b| model.brand_by_code(b),
            &filter.include_brands,
            &filter.exclude_brands,
            |v, want| v.eq_ignore_ascii_case(want),
        );
        let price_filter = filter.min_price.is_some() || filter.max_price.is_some();
        let lo = filter.min_price.unwrap_or(0.0);
        let hi = filter.max_price.unwrap_or(f32::INFINITY);
        let mut bits = vec![0u64; n.div_ceil(64)];
        for (i, ok) in pass.iter_mut().enumerate() {
            if let Some(t) = &category_ok {
                *ok &= code_allowed(
                    t,
                    model.category_code(i),
                    !filter.include_categories.is_empty(),
                );
            }
            if let Some(t) = &brand_ok {
                *ok &= code_allowed(t, model.brand_code(i), !filter.include_brands.is_empty());
            }
            if price_filter {
                *ok &= model.price(i).is_some_and(|p| p >= lo && p <= hi);
            }
            if filter.in_stock_only {
                *ok &= model.in_stock(i);
            }
            if *ok {
                bits[i / 64] |= 1u64 << (i % 64);
            }
        }
        AllowedItems { bits, unknown_ids }
    }
}

/// Items the shopper's history hides under `opts`, sorted.
pub fn history_exclusions(profile: &SessionProfile, opts: &RankOptions) -> Vec<usize> {
    let mut out: Vec<usize> = profile
        .items
        .iter()
        .filter(|t| {
            (opts.exclude_viewed && t.viewed())
                || (opts.exclude_in_cart && t.in_cart())
                || (opts.exclude_purchased && t.purchased())
        })
        .map(|t| t.index as usize)
        .collect();
    crate::sorting::sort_by(&mut out, |a, b| a < b);
    out
}

/// Evaluates include/exclude lists against each distinct table entry.
/// `None` means "no filter on this column".
fn table_filter<'m>(
    len: usize,
    get: impl Fn(usize) -> &'m str,
    include: &[String],
    exclude: &[String],
    matches: impl Fn(&str, &str) -> bool,
) -> Option<Vec<bool>> {
    if include.is_empty() && exclude.is_empty() {
        return None;
    }
    Some(
        (0..len)
            .map(|c| {
                let v = get(c);
                (include.is_empty() || include.iter().any(|w| matches(v, w)))
                    && !exclude.iter().any(|w| matches(v, w))
            })
            .collect(),
    )
}

/// An item without a value passes only when nothing is required.
fn code_allowed(table: &[bool], code: u32, has_include: bool) -> bool {
    if code == NO_ENTRY {
        !has_include
    } else {
        table.get(code as usize).copied().unwrap_or(false)
    }
}

/// Resolves boosts to item indices, summing repeats; sorted by index.
/// Returns the number of unknown ids too.
pub fn resolve_boosts(model: &Model, boosts: &[(String, f32)]) -> (Vec<(usize, f32)>, u64) {
    let mut out: Vec<(usize, f32)> = Vec::with_capacity(boosts.len());
    let mut unknown = 0;
    for (id, b) in boosts {
        match model.index_of(id) {
            Some(i) => out.push((i, *b)),
            None => unknown += 1,
        }
    }
    // The sort is deterministic for a given input, so repeated ids sum the same way every call.
    crate::sorting::sort_by(&mut out, |a, b| a.0 < b.0);
    out.dedup_by(|later, first| {
        if later.0 == first.0 {
            first.1 += later.1;
            true
        } else {
            false
        }
    });
    (out, unknown)
}

/// One pass over the factor block: scores every allowed row and keeps the
/// best `fetch`. Without a bitset the rows are walked in order with no
/// per-row bounds checks; with one, only set bits are visited.
fn scan(
    model: &Model,
    allowed: Option<&AllowedItems>,
    fetch: usize,
    scorer: &Scorer,
) -> Vec<(usize, f32)> {
    let block = model.factor_block();
    let stride = block.stride.max(1);
    let rows = model
        .raw_bytes()
        .get(block.offset..block.offset + block.items * block.stride)
        .unwrap_or(&[]);
    let mut top = TopK::new(fetch);
    if fetch == 0 {
        return Vec::new();
    }
    match allowed {
        None if matches!(scorer, Scorer::Factors { norms: None, .. }) => {
            if let Scorer::Factors {
                kernel,
                query_scale,
                ..
            } = scorer
            {
                kernel.scan_rows(rows, &model.factor_block().scales, *query_scale, &mut top);
            }
        }
        None => {
            // Rows come in index order, so once the heap is full a later row
            // must beat the worst score strictly (it loses ties): one float
            // compare per row on the common path.
            let mut threshold = f32::NEG_INFINITY;
            for (i, row) in rows.chunks_exact(stride).enumerate() {
                let s = scorer.score(model, i, row);
                if s > threshold || !top.is_full() {
                    top.push(i, s);
                    threshold = top.worst_score();
                }
            }
        }
        Some(a) => {
            let mut threshold = f32::NEG_INFINITY;
            for (w, &word) in a.bits.iter().enumerate() {
                let mut word = word;
                while word != 0 {
                    let i = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    if let Some(row) = rows.get(i * stride..(i + 1) * stride) {
                        let s = scorer.score(model, i, row);
                        if s > threshold || !top.is_full() {
                            top.push(i, s);
                            threshold = top.worst_score();
                        }
                    }
                }
            }
        }
    }
    top.into_sorted()
}

/// Exact top-k of `score` over the allowed items, minus `excluded`, with
/// `boosts` added. The scan fetches `k + |excluded| + |boosted|` so that
/// dropping excluded items and re-scoring boosted ones afterwards is still
/// exact; the hot loop itself never looks at either list.
pub fn rank(
    model: &Model,
    allowed: Option<&AllowedItems>,
    excluded: &[usize],
    boosts: &[(usize, f32)],
    k: usize,
    scorer: &Scorer,
) -> Vec<(usize, f32)> {
    let fetch = k
        .saturating_add(excluded.len())
        .saturating_add(boosts.len());
    let pass = scan(model, allowed, fetch, scorer);
    let is_boosted = |i: usize| boosts.binary_search_by_key(&i, |b| b.0).is_ok();
    let is_excluded = |i: usize| excluded.binary_search(&i).is_ok();
    let mut top = TopK::new(k);
    for (i, s) in pass {
        if !is_excluded(i) && !is_boosted(i) {
            top.push(i, s);
        }
    }
    let block = model.factor_block();
    for &(i, b) in boosts {
        let passes = i < block.items && allowed.is_none_or(|a| a.contains(i)) && !is_excluded(i);
        if passes {
            top.push(
                i,
                scorer.score(model, i, block.row(model.raw_bytes(), i)) + b,
            );
        }
    }
    top.into_sorted()
}

/// How items are scored in one ranking call.
pub enum Scorer<'a> {
    /// The popularity prior (no history yet).
    Popularity,
    /// int8 dot products with the query, i32 accumulation, one multiply;
    /// with `norms`, divided by each item's norm (cosine, for `similar`).
    Factors {
        kernel: &'a QueryKernel<'a>,
        query_scale: f32,
        norms: Option<&'a [f32]>,
    },
}

impl Scorer<'_> {
    #[inline(always)]
    fn score(&self, model: &Model, i: usize, row: &[u8]) -> f32 {
        match self {
            Scorer::Popularity => model.popularity(i),
            Scorer::Factors {
                kernel,
                query_scale,
                norms,
            } => {
                let scale = model.factor_block().scales.get(i).copied().unwrap_or(0.0);
                let s = kernel.dot(row) as f32 * (query_scale * scale).min(f32::MAX);
                match norms.map(|n| n.get(i).copied().unwrap_or(0.0)) {
                    Some(n) if n > 0.0 => s / n,
                    Some(_) => 0.0,
                    None => s,
                }
            }
        }
    }
}

/// Picks the history item with the largest contribution to item `i`'s score.
pub fn explain(model: &Model, user: &UserVector, i: usize) -> Reason {
    let y = model.factor_block().row_f32(model.raw_bytes(), i);
    user.contributions(&y)
        .into_iter()
        .zip(&user.terms)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.index.cmp(&a.1.index)))
        .filter(|(contribution, _)| *contribution > 0.0)
        .map_or(Reason::Popular, |(_, t)| Reason::Because {
            index: t.index,
            kind: t.kind,
        })
}
