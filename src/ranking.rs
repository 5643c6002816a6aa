//! Ranking: filters, exact top-k over the int8 factor block, and the reason
//! shown with each result.

use crate::catalog::{category_has_prefix, NO_ENTRY};
use crate::error::{invalid, Result};
use crate::factors::{dot, QuantizedQuery};
use crate::foldin::UserVector;
use crate::model::Model;
use crate::profile::SessionProfile;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

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
                        "{name} must be a finite number >= 0, got {p}"
                    )));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_price, self.max_price) {
            if lo > hi {
                return Err(invalid(format!(
                    "minPrice ({lo}) is greater than maxPrice ({hi})"
                )));
            }
        }
        for (id, b) in &self.boosts {
            if !b.is_finite() || b.abs() > MAX_BOOST {
                return Err(invalid(format!(
                    "boost for \"{}\" must be a finite number within ±{MAX_BOOST}, got {b}",
                    crate::events::truncate_for_message(id)
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

/// Heap entry ordered so that the *worst* candidate sits on top of a
/// max-heap: lower score is worse; on equal scores the higher index is worse.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f32,
    index: u32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.index.cmp(&other.index))
    }
}

/// Exact top-k in O(n log k): a bounded heap, no sort of the catalogue.
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Candidate>,
}

impl TopK {
    pub fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    #[inline]
    pub fn push(&mut self, index: usize, score: f32) {
        let c = Candidate {
            score,
            index: index as u32,
        };
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if let Some(worst) = self.heap.peek() {
            if c < *worst {
                self.heap.pop();
                self.heap.push(c);
            }
        }
    }

    /// Best first; ties broken by the lower item index.
    pub fn into_sorted(self) -> Vec<(usize, f32)> {
        let mut v = self.heap.into_vec();
        v.sort();
        v.into_iter().map(|c| (c.index as usize, c.score)).collect()
    }
}

/// Which items may appear in a result, built once per option set.
pub struct ItemMask {
    allowed: Vec<bool>,
    /// Items named in `candidates` but absent from the model.
    pub unknown_ids: u64,
}

impl ItemMask {
    /// Removes one item (the query item of `similar`).
    pub fn deny(&mut self, i: usize) {
        if let Some(slot) = self.allowed.get_mut(i) {
            *slot = false;
        }
    }

    pub fn allows(&self, i: usize) -> bool {
        self.allowed.get(i).copied().unwrap_or(false)
    }

    pub fn build(model: &Model, profile: &SessionProfile, opts: &RankOptions) -> ItemMask {
        let n = model.item_count();
        let mut unknown_ids = 0;
        let mut allowed = match &opts.candidates {
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
            &opts.include_categories,
            &opts.exclude_categories,
            category_has_prefix,
        );
        let brand_ok = table_filter(
            model.brand_table_len(),
            |b| model.brand_by_code(b),
            &opts.include_brands,
            &opts.exclude_brands,
            |v, want| v.eq_ignore_ascii_case(want),
        );
        let price_filter = opts.min_price.is_some() || opts.max_price.is_some();
        let lo = opts.min_price.unwrap_or(0.0);
        let hi = opts.max_price.unwrap_or(f32::INFINITY);
        for (i, slot) in allowed.iter_mut().enumerate() {
            if !*slot {
                continue;
            }
            let mut ok = true;
            if let Some(t) = &category_ok {
                ok &= code_allowed(
                    t,
                    model.category_code(i),
                    !opts.include_categories.is_empty(),
                );
            }
            if let Some(t) = &brand_ok {
                ok &= code_allowed(t, model.brand_code(i), !opts.include_brands.is_empty());
            }
            if price_filter {
                ok &= model.price(i).is_some_and(|p| p >= lo && p <= hi);
            }
            if opts.in_stock_only {
                ok &= model.in_stock(i);
            }
            *slot = ok;
        }
        for t in &profile.items {
            let hide = (opts.exclude_viewed && t.viewed())
                || (opts.exclude_in_cart && t.in_cart())
                || (opts.exclude_purchased && t.purchased());
            if hide {
                if let Some(slot) = allowed.get_mut(t.index as usize) {
                    *slot = false;
                }
            }
        }
        ItemMask {
            allowed,
            unknown_ids,
        }
    }
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

/// Resolves boosts to item indices (unknown ids skipped and counted).
pub fn resolve_boosts(model: &Model, boosts: &[(String, f32)]) -> (HashMap<usize, f32>, u64) {
    let mut out = HashMap::new();
    let mut unknown = 0;
    for (id, b) in boosts {
        match model.index_of(id) {
            Some(i) => *out.entry(i).or_insert(0.0) += *b,
            None => unknown += 1,
        }
    }
    (out, unknown)
}

/// Scores every allowed item with `score(i)` and keeps the best `k`.
fn top_k_by(
    n: usize,
    k: usize,
    mask: &ItemMask,
    boosts: &HashMap<usize, f32>,
    score: impl Fn(usize) -> f32,
) -> Vec<(usize, f32)> {
    let mut top = TopK::new(k);
    for i in 0..n {
        if mask.allows(i) {
            let s = score(i) + boosts.get(&i).copied().unwrap_or(0.0);
            top.push(i, s);
        }
    }
    top.into_sorted()
}

/// Factor scores: int8 dot products with i32 accumulation, then one multiply.
/// With `norms`, each score is divided by the item's norm (cosine similarity).
pub fn rank_by_query(
    model: &Model,
    query: &QuantizedQuery,
    k: usize,
    mask: &ItemMask,
    boosts: &HashMap<usize, f32>,
    norms: Option<&[f32]>,
) -> Vec<(usize, f32)> {
    let block = model.factor_block();
    let bytes = model.raw_bytes();
    let qs = query.scale;
    let no_boosts = boosts.is_empty();
    let mut top = TopK::new(k);
    for i in 0..block.items {
        if !mask.allows(i) {
            continue;
        }
        let mut s = dot(block.row(bytes, i), &query.values) as f32 * (qs * block.scales[i]);
        if let Some(norms) = norms {
            let n = norms[i];
            s = if n > 0.0 { s / n } else { 0.0 };
        }
        if !no_boosts {
            s += boosts.get(&i).copied().unwrap_or(0.0);
        }
        top.push(i, s);
    }
    top.into_sorted()
}

/// Ranks by the popularity prior (no history yet).
pub fn rank_by_popularity(
    model: &Model,
    k: usize,
    mask: &ItemMask,
    boosts: &HashMap<usize, f32>,
) -> Vec<(usize, f32)> {
    top_k_by(model.item_count(), k, mask, boosts, |i| model.popularity(i))
}

/// Picks the history item with the largest contribution to item `i`'s score.
pub fn explain(model: &Model, user: &UserVector, i: usize) -> Reason {
    let y = model.factor_block().row_f32(model.raw_bytes(), i);
    user.terms
        .iter()
        .map(|t| (t, t.explain.iter().zip(&y).map(|(a, b)| a * b).sum::<f32>()))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.index.cmp(&a.0.index)))
        .filter(|(_, contribution)| *contribution > 0.0)
        .map_or(Reason::Popular, |(t, _)| Reason::Because {
            index: t.index,
            kind: t.kind,
        })
}
