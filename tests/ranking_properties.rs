//! Property tests: for random catalogues, sessions and options, `recommend`
//! returns exactly the brute-force top-k of the eligible items.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use shelfrank::factors::dot_scalar;
use shelfrank::foldin::fold_in;
use shelfrank::{
    write_model, Event, EventKind, ItemRecord, LoadOptions, ModelDefaults, ModelSpec, RankOptions,
    Recommender,
};

const CATS: [&str; 4] = ["a.x", "a.y", "b", ""];
const BRANDS: [&str; 3] = ["p", "q", ""];

#[derive(Debug, Clone)]
struct Case {
    items: Vec<(usize, usize, Option<u8>, bool, u8)>,
    dim: usize,
    factors: Vec<i8>,
    events: Vec<(u8, usize)>,
    k: usize,
    flags: (bool, bool, bool, bool),
    include_cat: Option<usize>,
    exclude_brand: Option<usize>,
    price: Option<(u8, u8)>,
    candidates: Option<Vec<usize>>,
    boosts: Vec<(usize, i8)>,
}

fn case() -> impl Strategy<Value = Case> {
    (0usize..40, 1usize..20).prop_flat_map(|(n, dim)| {
        (
            prop::collection::vec(
                (
                    0..CATS.len(),
                    0..BRANDS.len(),
                    prop::option::of(any::<u8>()),
                    any::<bool>(),
                    any::<u8>(),
                ),
                n,
            ),
            Just(dim),
            prop::collection::vec(any::<i8>(), n * dim),
            prop::collection::vec((0u8..8, 0..n.max(1) + 2), 0..12),
            1usize..60,
            any::<(bool, bool, bool, bool)>(),
            prop::option::of(0..CATS.len() - 1),
            prop::option::of(0..BRANDS.len() - 1),
            prop::option::of((any::<u8>(), any::<u8>())),
            prop::option::of(prop::collection::vec(0..n.max(1) + 2, 0..10)),
            prop::collection::vec((0..n.max(1) + 2, any::<i8>()), 0..4),
        )
            .prop_map(
                |(
                    items,
                    dim,
                    factors,
                    events,
                    k,
                    flags,
                    include_cat,
                    exclude_brand,
                    price,
                    candidates,
                    boosts,
                )| Case {
                    items,
                    dim,
                    factors,
                    events,
                    k,
                    flags,
                    include_cat,
                    exclude_brand,
                    price,
                    candidates,
                    boosts,
                },
            )
    })
}

fn id(i: usize) -> String {
    format!("i{i}")
}

fn build(c: &Case) -> (Recommender, RankOptions) {
    let items = c
        .items
        .iter()
        .enumerate()
        .map(|(i, &(cat, brand, price, stock, pop))| ItemRecord {
            id: id(i),
            name: String::new(),
            category: CATS[cat].into(),
            brand: BRANDS[brand].into(),
            price: price.map(f32::from),
            in_stock: stock,
            popularity: pop as f32 % 7.0,
        })
        .collect();
    let spec = ModelSpec {
        dim: c.dim,
        items,
        factors: c.factors.iter().map(|&f| f as f32 / 50.0).collect(),
        defaults: ModelDefaults::default(),
    };
    let mut r = Recommender::load(write_model(&spec).unwrap(), &LoadOptions::default()).unwrap();
    for (t, &(kind, item)) in c.events.iter().enumerate() {
        let kind = EventKind::from_code(kind).unwrap();
        let mut e = Event::new(kind, id(item), 1.7e12 + t as f64 * 60_000.0);
        e.dwell_ms = Some(15_000.0);
        r.track(&e).unwrap();
    }
    let (ev, ec, ep, stock) = c.flags;
    let opts = RankOptions {
        k: c.k,
        exclude_viewed: ev,
        exclude_in_cart: ec,
        exclude_purchased: ep,
        in_stock_only: stock,
        include_categories: c
            .include_cat
            .map(|x| vec![CATS[x].split('.').next().unwrap().to_string()])
            .unwrap_or_default(),
        exclude_brands: c
            .exclude_brand
            .map(|x| vec![BRANDS[x].to_string()])
            .unwrap_or_default(),
        min_price: c.price.map(|(a, b)| a.min(b) as f32),
        max_price: c.price.map(|(a, b)| a.max(b) as f32),
        candidates: c
            .candidates
            .as_ref()
            .map(|v| v.iter().map(|&i| id(i)).collect()),
        boosts: c
            .boosts
            .iter()
            .map(|&(i, b)| (id(i), b as f32 / 10.0))
            .collect(),
        ..RankOptions::for_recommend()
    };
    (r, opts)
}

/// Eligibility, written out plainly from the documented semantics.
fn eligible(r: &Recommender, c: &Case, o: &RankOptions, i: usize) -> bool {
    let m = r.model();
    let (_, _, _, stock) = c.flags;
    let trace = r.export_profile().items.into_iter().find(|t| t.id == id(i));
    let counts = trace.map(|t| t.counts).unwrap_or_default();
    let viewed = counts[0] + counts[1] + counts[7] > 0;
    let in_cart = counts[2] > counts[3];
    let purchased = counts[6] > 0;
    let cat_ok = o.include_categories.is_empty()
        || o.include_categories
            .iter()
            .any(|p| m.category(i) == p || m.category(i).starts_with(&format!("{p}.")));
    let brand_ok = !o.exclude_brands.iter().any(|b| m.brand(i) == b);
    let price_ok = o.min_price.is_none()
        || m.price(i)
            .is_some_and(|p| p >= o.min_price.unwrap() && p <= o.max_price.unwrap());
    let cand_ok = o.candidates.as_ref().is_none_or(|v| v.contains(&id(i)));
    cat_ok
        && brand_ok
        && price_ok
        && cand_ok
        && (!stock || m.in_stock(i))
        && !(o.exclude_viewed && viewed)
        && !(o.exclude_in_cart && in_cart)
        && !(o.exclude_purchased && purchased)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn recommend_is_the_exact_top_k_of_eligible_items(c in case()) {
        let (mut r, o) = build(&c);
        let got = r.recommend(&o).unwrap();
        let again = r.recommend(&o).unwrap();
        prop_assert_eq!(&got, &again, "deterministic");

        // Brute force: score every eligible item the documented way.
        let settings = r.settings().clone();
        let user = fold_in(r.model(), r.session(), &settings).unwrap();
        let m = r.model();
        let n = m.item_count();
        let boost = |i: usize| o.boosts.iter().filter(|b| b.0 == id(i)).map(|b| b.1).sum::<f32>();
        let mut expected: Vec<(usize, f32)> = (0..n)
            .filter(|&i| eligible(&r, &c, &o, i))
            .map(|i| {
                let base = if user.is_empty() {
                    m.popularity(i)
                } else {
                    let block = m.factor_block();
                    dot_scalar(block.row(m.raw_bytes(), i), &user.query.values) as f32 * (user.query.scale * block.scales[i])
                };
                (i, base + boost(i))
            })
            .collect();
        expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        expected.truncate(o.k);

        prop_assert!(got.len() <= o.k);
        prop_assert_eq!(got.len(), expected.len(), "k respected, never an empty list when items pass");
        let got_pairs: Vec<(usize, f32)> = got.iter().map(|x| (x.index, x.score)).collect();
        prop_assert_eq!(got_pairs, expected);
        let mut seen = std::collections::HashSet::new();
        prop_assert!(got.iter().all(|x| seen.insert(x.index)), "no duplicates");
        prop_assert!(got.windows(2).all(|w| w[0].score >= w[1].score), "sorted");
    }

    #[test]
    fn similar_never_returns_the_query_item_and_honours_filters(c in case(), q in 0usize..40) {
        let (mut r, mut o) = build(&c);
        o.boosts.clear();
        let n = r.model().item_count();
        if n == 0 {
            return Ok(());
        }
        let target = q % n;
        let got = r.similar(&id(target), &o).unwrap();
        prop_assert!(got.len() <= o.k);
        for x in &got {
            prop_assert!(x.index != target);
            prop_assert!(eligible(&r, &c, &o, x.index));
            prop_assert!(x.score.is_finite());
        }
    }
}
