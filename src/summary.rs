//! The readable side of the profile: affinities, price band, intent stage
//! and recent events, as `profile()` returns them to the page.

use crate::events::EventKind;
use crate::model::Model;
use crate::profile::SessionProfile;
use crate::settings::Settings;
use serde::Serialize;
use std::collections::BTreeMap;

/// How far along the shopper seems to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// Looking around.
    Browsing,
    /// Several items of one category, or a wishlist: weighing options.
    Comparing,
    /// Something in the cart, a checkout or a purchase.
    Buying,
}

/// A share of the shopper's attention (shares sum to 1 per list).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Affinity {
    pub name: String,
    pub share: f32,
}

/// Median and interquartile range of the prices interacted with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceBand {
    pub median: f32,
    pub low: f32,
    pub high: f32,
}

/// One recent event, for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentItem {
    pub item_id: String,
    pub name: String,
    pub event: &'static str,
    /// Milliseconds since 1970.
    pub time: f64,
}

/// What `profile()` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    pub events: u64,
    pub distinct_items: usize,
    pub event_counts: BTreeMap<&'static str, u64>,
    pub categories: Vec<Affinity>,
    pub top_categories: Vec<Affinity>,
    pub brands: Vec<Affinity>,
    pub price_band: Option<PriceBand>,
    pub intent: Intent,
    pub cart: Vec<String>,
    pub recent: Vec<RecentItem>,
}

/// Shares of the top entries, largest first, ties by name.
fn shares(weights: BTreeMap<String, f32>, limit: usize) -> Vec<Affinity> {
    let total: f32 = weights.values().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut v: Vec<Affinity> = weights
        .into_iter()
        .filter(|(_, w)| *w > 0.0)
        .map(|(name, w)| Affinity {
            name,
            share: w / total,
        })
        .collect();
    crate::sorting::sort_by(&mut v, |a, b| {
        b.share.total_cmp(&a.share).then(a.name.cmp(&b.name)) == std::cmp::Ordering::Less
    });
    v.truncate(limit);
    v
}

/// Weighted quantile of (value, weight) pairs sorted by value.
fn quantile(sorted: &[(f32, f32)], q: f32) -> f32 {
    let total: f32 = sorted.iter().map(|p| p.1).sum();
    let mut acc = 0.0;
    for &(v, w) in sorted {
        acc += w;
        if acc >= q * total {
            return v;
        }
    }
    sorted.last().map_or(0.0, |p| p.0)
}

pub fn summarize(model: &Model, profile: &SessionProfile, settings: &Settings) -> ProfileSummary {
    let now = profile.reference_time_ms();
    let mut categories = BTreeMap::new();
    let mut top_categories = BTreeMap::new();
    let mut brands = BTreeMap::new();
    let mut prices = Vec::new();
    let mut cart = Vec::new();
    for t in &profile.items {
        let i = t.index as usize;
        let w = t.strength(&settings.weights, settings.half_life_ms, now);
        let category = model.category(i);
        if !category.is_empty() {
            *categories.entry(category.to_string()).or_insert(0.0) += w;
            let top = category
                .split(['.', '/', '>'])
                .next()
                .unwrap_or(category)
                .trim();
            *top_categories.entry(top.to_string()).or_insert(0.0) += w;
        }
        let brand = model.brand(i);
        if !brand.is_empty() {
            *brands.entry(brand.to_string()).or_insert(0.0) += w;
        }
        if let Some(p) = model.price(i) {
            if w > 0.0 {
                prices.push((p, w));
            }
        }
        if t.in_cart() {
            cart.push(model.item_id(i).to_string());
        }
    }
    crate::sorting::sort_by(&mut prices, |a, b| {
        a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)) == std::cmp::Ordering::Less
    });
    let price_band = (!prices.is_empty()).then(|| PriceBand {
        median: quantile(&prices, 0.5),
        low: quantile(&prices, 0.25),
        high: quantile(&prices, 0.75),
    });
    let totals = &profile.kind_totals;
    let intent = if !cart.is_empty()
        || totals[EventKind::BeginCheckout as usize] > 0
        || totals[EventKind::Purchase as usize] > 0
    {
        Intent::Buying
    } else if totals[EventKind::AddToWishlist as usize] > 0
        || categories_with_several_items(model, profile)
    {
        Intent::Comparing
    } else {
        Intent::Browsing
    };
    ProfileSummary {
        events: totals.iter().sum(),
        distinct_items: profile.items.len(),
        event_counts: EventKind::ALL
            .iter()
            .filter(|k| totals[**k as usize] > 0)
            .map(|k| (k.name(), totals[*k as usize]))
            .collect(),
        categories: shares(categories, 10),
        top_categories: shares(top_categories, 10),
        brands: shares(brands, 10),
        price_band,
        intent,
        cart,
        recent: profile
            .recent
            .iter()
            .rev()
            .map(|e| RecentItem {
                item_id: model.item_id(e.index as usize).to_string(),
                name: model.label(e.index as usize).to_string(),
                event: e.kind.name(),
                time: e.time_ms,
            })
            .collect(),
    }
}

/// Three or more distinct viewed items in one category means comparing.
fn categories_with_several_items(model: &Model, profile: &SessionProfile) -> bool {
    let mut per_category: BTreeMap<u32, usize> = BTreeMap::new();
    for t in profile.items.iter().filter(|t| t.viewed()) {
        let c = model.category_code(t.index as usize);
        if c != crate::catalog::NO_ENTRY {
            *per_category.entry(c).or_insert(0) += 1;
        }
    }
    per_category.values().any(|&n| n >= 3)
}
