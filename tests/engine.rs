//! Native tests of the engine's behaviour as a page relies on it.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use nalgebra::{DMatrix, DVector};
use shelfrank::foldin::fold_in;
use shelfrank::{Event, EventKind, LoadOptions, Model, RankOptions, Reason, Recommender};

const T0: f64 = 1.7e12;

fn engine() -> Recommender {
    Recommender::load(fixture_bytes(), &LoadOptions::default()).unwrap()
}

fn ids(r: &Recommender, ranked: &[shelfrank::Ranked]) -> Vec<String> {
    ranked
        .iter()
        .map(|x| r.model().item_id(x.index).to_string())
        .collect()
}

fn view(r: &mut Recommender, id: &str, minute: f64) {
    assert!(r
        .track(&Event::new(EventKind::ViewItem, id, T0 + minute * 60_000.0))
        .unwrap());
}

#[test]
fn format_round_trip_keeps_every_item_field() {
    let spec = fixture_spec();
    let model = Model::from_bytes(fixture_bytes()).unwrap();
    assert_eq!(model.item_count(), spec.items.len());
    assert_eq!(model.dim(), DIM);
    for (i, item) in spec.items.iter().enumerate() {
        assert_eq!(model.index_of(&item.id), Some(i));
        assert_eq!(model.item_id(i), item.id);
        assert_eq!(model.name(i), item.name);
        assert_eq!(model.category(i), item.category);
        assert_eq!(model.brand(i), item.brand);
        assert_eq!(model.price(i), item.price);
        assert_eq!(model.in_stock(i), item.in_stock);
        assert_eq!(model.popularity(i), item.popularity);
        let row = model.factor_block().row_f32(model.raw_bytes(), i);
        for (a, b) in row.iter().zip(&spec.factors[i * DIM..(i + 1) * DIM]) {
            assert!((a - b).abs() < 0.01, "factor {a} vs {b}");
        }
    }
    assert_eq!(model.index_of("sku-9-9"), None);
    assert_eq!(*model.defaults(), spec.defaults);
}

#[test]
fn factor_rows_are_aligned_for_simd() {
    let model = Model::from_bytes(fixture_bytes()).unwrap();
    let fb = model.factor_block();
    assert_eq!(fb.offset % 64, 0);
    assert_eq!(fb.stride % 16, 0);
    assert!(fb.stride >= DIM);
}

#[test]
fn fold_in_matches_dense_weighted_least_squares() {
    let mut r = engine();
    view(&mut r, "sku-0-1", 0.0);
    view(&mut r, "sku-0-2", 1.0);
    r.track(&Event::new(EventKind::AddToCart, "sku-1-4", T0 + 120_000.0))
        .unwrap();
    view(&mut r, "sku-0-1", 3.0);
    let settings = r.settings().clone();
    let user = fold_in(r.model(), r.session(), &settings).unwrap();

    // Direct solution: minimise Σ_i c_i (p_i − y_iᵀx)² + λ|x|² over the whole
    // catalogue, as the stacked system [√C Y; √λ I] x = [√C p; 0], by SVD.
    let model = r.model();
    let n = model.item_count();
    let mut a = DMatrix::<f64>::zeros(n + DIM, DIM);
    let mut b = DVector::<f64>::zeros(n + DIM);
    let now = r.session().reference_time_ms();
    let half = settings.half_life_ms;
    let w = settings.weights;
    let strength = |id: &str, events: &[(EventKind, f64)]| -> f64 {
        let _ = id;
        events
            .iter()
            .map(|(k, t)| w.get(*k) as f64 * 0.5f64.powf((now - t) / half))
            .sum::<f64>()
            .max(0.0)
    };
    let history = [
        (
            "sku-0-1",
            vec![
                (EventKind::ViewItem, T0),
                (EventKind::ViewItem, T0 + 180_000.0),
            ],
        ),
        ("sku-0-2", vec![(EventKind::ViewItem, T0 + 60_000.0)]),
        ("sku-1-4", vec![(EventKind::AddToCart, T0 + 120_000.0)]),
    ];
    for i in 0..n {
        let y = model.factor_block().row_f32(model.raw_bytes(), i);
        let hit = history.iter().find(|(id, _)| model.index_of(id) == Some(i));
        let (c, p) = match hit {
            Some((id, ev)) => (1.0 + settings.alpha as f64 * strength(id, ev), 1.0),
            None => (1.0, 0.0),
        };
        for d in 0..DIM {
            a[(i, d)] = c.sqrt() * y[d] as f64;
        }
        b[i] = c.sqrt() * p;
    }
    for d in 0..DIM {
        a[(n + d, d)] = (settings.lambda as f64).sqrt();
    }
    let direct = a.svd(true, true).solve(&b, 1e-12).unwrap();
    for d in 0..DIM {
        assert!(
            (user.x[d] as f64 - direct[d]).abs() < 1e-4,
            "dimension {d}: fold-in {} vs direct {}",
            user.x[d],
            direct[d]
        );
    }
}

#[test]
fn no_history_ranks_by_popularity_and_says_so() {
    let mut r = engine();
    let top = r
        .recommend(&RankOptions {
            k: 4,
            ..RankOptions::for_recommend()
        })
        .unwrap();
    assert_eq!(top.len(), 4);
    assert!(top.iter().all(|x| x.reason == Reason::Popular));
    // Item 0 of the last category has the highest prior.
    assert_eq!(r.model().item_id(top[0].index), "sku-3-0");
    assert!(top.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn viewing_a_category_pulls_it_to_the_top_with_a_reason() {
    let mut r = engine();
    for (m, id) in ["sku-2-1", "sku-2-2", "sku-2-6"].iter().enumerate() {
        view(&mut r, id, m as f64);
    }
    let top = r
        .recommend(&RankOptions {
            k: 5,
            ..RankOptions::for_recommend()
        })
        .unwrap();
    let got = ids(&r, &top);
    assert!(got.iter().all(|id| category_of(id) == 2), "{got:?}");
    assert!(
        !got.iter()
            .any(|id| ["sku-2-1", "sku-2-2", "sku-2-6"].contains(&id.as_str())),
        "viewed items are excluded"
    );
    for x in &top {
        match x.reason {
            Reason::Because { index, kind } => {
                assert_eq!(category_of(r.model().item_id(index)), 2);
                assert_eq!(kind, EventKind::ViewItem);
            }
            ref other => panic!("expected a history reason, got {other:?}"),
        }
    }
}

#[test]
fn exclusions_are_switchable() {
    let mut r = engine();
    view(&mut r, "sku-1-0", 0.0);
    r.track(&Event::new(EventKind::AddToCart, "sku-1-1", T0 + 60_000.0))
        .unwrap();
    r.track(&Event::new(EventKind::Purchase, "sku-1-2", T0 + 120_000.0))
        .unwrap();
    let all = RankOptions {
        k: 48,
        ..RankOptions::for_recommend()
    };
    let top = r.recommend(&all).unwrap();
    let got = ids(&r, &top);
    for hidden in ["sku-1-0", "sku-1-1", "sku-1-2"] {
        assert!(
            !got.contains(&hidden.to_string()),
            "{hidden} should be hidden"
        );
    }
    assert_eq!(got.len(), 45);
    let keep = RankOptions {
        exclude_viewed: false,
        exclude_in_cart: false,
        exclude_purchased: false,
        ..all.clone()
    };
    assert_eq!(r.recommend(&keep).unwrap().len(), 48);
    // Removing from the cart makes the item eligible again (it was not viewed).
    r.track(&Event::new(
        EventKind::RemoveFromCart,
        "sku-1-1",
        T0 + 180_000.0,
    ))
    .unwrap();
    let top = r.recommend(&all).unwrap();
    let got = ids(&r, &top);
    assert!(got.contains(&"sku-1-1".to_string()));
}

#[test]
fn every_filter_is_honoured() {
    let mut r = engine();
    view(&mut r, "sku-0-0", 0.0);
    let base = RankOptions {
        k: 100,
        ..RankOptions::for_recommend()
    };
    let check = |r: &mut Recommender, opts: RankOptions, ok: &dyn Fn(&Model, usize) -> bool| {
        let top = r.recommend(&opts).unwrap();
        assert!(!top.is_empty());
        for x in &top {
            assert!(
                ok(r.model(), x.index),
                "{} violates the filter",
                r.model().item_id(x.index)
            );
        }
        top.len()
    };
    let n = check(
        &mut r,
        RankOptions {
            include_categories: vec!["electronics".into()],
            ..base.clone()
        },
        &|m, i| m.category(i).starts_with("electronics."),
    );
    assert_eq!(n, 2 * PER_CATEGORY - 1);
    check(
        &mut r,
        RankOptions {
            exclude_categories: vec!["electronics.audio".into()],
            ..base.clone()
        },
        &|m, i| !m.category(i).starts_with("electronics.audio"),
    );
    check(
        &mut r,
        RankOptions {
            include_brands: vec!["Bosch".into()],
            ..base.clone()
        },
        &|m, i| m.brand(i) == "bosch",
    );
    check(
        &mut r,
        RankOptions {
            exclude_brands: vec!["apple".into()],
            ..base.clone()
        },
        &|m, i| m.brand(i) != "apple",
    );
    check(
        &mut r,
        RankOptions {
            min_price: Some(30.0),
            max_price: Some(60.0),
            ..base.clone()
        },
        &|m, i| m.price(i).is_some_and(|p| (30.0..=60.0).contains(&p)),
    );
    check(
        &mut r,
        RankOptions {
            in_stock_only: true,
            ..base.clone()
        },
        &|m, i| m.in_stock(i),
    );
    let subset = vec!["sku-3-1".to_string(), "sku-2-2".into(), "nope".into()];
    let n = check(
        &mut r,
        RankOptions {
            candidates: Some(subset),
            ..base.clone()
        },
        &|m, i| ["sku-3-1", "sku-2-2"].contains(&m.item_id(i)),
    );
    assert_eq!(n, 2);
    assert_eq!(r.stats().unknown_candidate_ids, 1);
    // A filter that matches nothing gives an empty list, not an error.
    let none = r
        .recommend(&RankOptions {
            include_categories: vec!["toys".into()],
            ..base.clone()
        })
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn boosts_move_items_up() {
    let mut r = engine();
    view(&mut r, "sku-0-0", 0.0);
    let opts = RankOptions {
        k: 3,
        boosts: vec![("sku-3-7".into(), 100.0)],
        ..RankOptions::for_recommend()
    };
    let top = r.recommend(&opts).unwrap();
    assert_eq!(r.model().item_id(top[0].index), "sku-3-7");
}

#[test]
fn ranking_is_deterministic_and_ties_break_by_index() {
    let run = || {
        let mut r = engine();
        view(&mut r, "sku-1-3", 0.0);
        view(&mut r, "sku-2-3", 1.0);
        let top = r
            .recommend(&RankOptions {
                k: 20,
                ..RankOptions::for_recommend()
            })
            .unwrap();
        top.iter()
            .map(|x| (x.index, x.score.to_bits()))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
    // Equal boosts on an empty profile's prior: ties resolve to lower index.
    let mut r = engine();
    let tied = vec!["sku-2-4".to_string(), "sku-1-4".into(), "sku-0-4".into()];
    let top = r
        .recommend(&RankOptions {
            k: 3,
            candidates: Some(tied),
            boosts: vec![("sku-0-4".into(), 0.01), ("sku-1-4".into(), 0.0)],
            ..RankOptions::for_recommend()
        })
        .unwrap();
    // sku-c-4 priors differ only by 0.01*c; the boost makes sku-0-4 tie with sku-1-4.
    let got = ids(&r, &top);
    assert_eq!(got, ["sku-2-4", "sku-0-4", "sku-1-4"], "{got:?}");
}

#[test]
fn similar_items_share_the_category() {
    let mut r = engine();
    let top = r
        .similar(
            "sku-3-2",
            &RankOptions {
                k: 5,
                ..RankOptions::for_similar()
            },
        )
        .unwrap();
    assert_eq!(top.len(), 5);
    for x in &top {
        assert_eq!(category_of(r.model().item_id(x.index)), 3);
        assert_ne!(
            r.model().item_id(x.index),
            "sku-3-2",
            "the query item itself is excluded"
        );
        assert!(x.score <= 1.0001 && x.score > 0.9, "cosine {}", x.score);
    }
    let err = r
        .similar("missing", &RankOptions::for_similar())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown item id \"missing\""), "{err}");
}

#[test]
fn unknown_items_are_counted_not_fatal() {
    let mut r = engine();
    assert!(!r
        .track(&Event::new(EventKind::ViewItem, "ghost", T0))
        .unwrap());
    assert_eq!(r.stats().profile.unknown_item_events, 1);
    assert_eq!(r.stats().profile.events_tracked, 0);
    assert!(r.session().is_empty());
}

#[test]
fn memory_is_capped_and_the_oldest_item_falls_out() {
    let mut r = Recommender::load(
        fixture_bytes(),
        &LoadOptions {
            max_items: Some(5),
            ..Default::default()
        },
    )
    .unwrap();
    for k in 0..30 {
        let id = format!("sku-{}-{}", k % 4, k % PER_CATEGORY);
        r.track(&Event::new(EventKind::ViewItem, id, T0 + k as f64 * 1000.0))
            .unwrap();
    }
    assert_eq!(r.session().distinct_items(), 5);
    assert!(r.stats().profile.evicted_items >= 25);
    let summary = r.profile_summary();
    assert_eq!(summary.distinct_items, 5);
    assert!(summary.recent.len() <= 20);
    // The five most recent items are the ones kept.
    let exported = r.export_profile();
    let kept: Vec<_> = exported.items.iter().map(|i| i.id.clone()).collect();
    for k in 25..30 {
        assert!(
            kept.contains(&format!("sku-{}-{}", k % 4, k % PER_CATEGORY)),
            "{kept:?}"
        );
    }
}

#[test]
fn profile_summary_reports_affinities_price_band_and_intent() {
    let mut r = engine();
    assert_eq!(
        r.profile_summary().intent,
        shelfrank::summary::Intent::Browsing
    );
    for (m, id) in ["sku-0-1", "sku-0-2", "sku-0-3", "sku-2-1"]
        .iter()
        .enumerate()
    {
        view(&mut r, id, m as f64);
    }
    let s = r.profile_summary();
    assert_eq!(s.categories[0].name, "electronics.smartphone");
    assert!((s.categories.iter().map(|a| a.share).sum::<f32>() - 1.0).abs() < 1e-5);
    assert_eq!(s.top_categories[0].name, "electronics");
    assert_eq!(s.intent, shelfrank::summary::Intent::Comparing);
    let band = s.price_band.unwrap();
    assert!(band.low <= band.median && band.median <= band.high);
    assert_eq!(s.recent[0].item_id, "sku-2-1", "most recent first");
    r.track(&Event::new(EventKind::AddToCart, "sku-2-1", T0 + 600_000.0))
        .unwrap();
    let s = r.profile_summary();
    assert_eq!(s.intent, shelfrank::summary::Intent::Buying);
    assert_eq!(s.cart, vec!["sku-2-1".to_string()]);
}

#[test]
fn export_import_round_trip_reproduces_the_ranking() {
    let mut a = engine();
    view(&mut a, "sku-1-1", 0.0);
    a.track(&Event::new(EventKind::AddToCart, "sku-1-2", T0 + 30_000.0))
        .unwrap();
    view(&mut a, "sku-3-3", 2.0);
    let opts = RankOptions {
        k: 10,
        ..RankOptions::for_recommend()
    };
    let before = a.recommend(&opts).unwrap();
    let exported = a.export_profile();
    let mut b = engine();
    b.import_profile(&exported).unwrap();
    let after = b.recommend(&opts).unwrap();
    assert_eq!(
        before.iter().map(|x| x.index).collect::<Vec<_>>(),
        after.iter().map(|x| x.index).collect::<Vec<_>>()
    );
    assert_eq!(b.profile_summary().cart, vec!["sku-1-2".to_string()]);
}

#[test]
fn a_tampered_negative_counter_is_refused_on_import_and_nothing_changes() {
    let mut a = engine();
    view(&mut a, "sku-1-1", 0.0);
    let mut exported = a.export_profile();
    exported.items[0].decayed[0] = -5.0;
    let mut b = engine();
    view(&mut b, "sku-2-2", 0.0);
    let before = b.export_profile();
    let err = b.import_profile(&exported).unwrap_err().to_string();
    assert!(err.contains("invalid counter"), "{err}");
    assert!(err.contains("sku-1-1"), "{err}");
    assert_eq!(b.export_profile(), before, "the session is untouched");
}

#[test]
fn profile_survives_a_model_update_dropping_unknown_items() {
    let mut a = engine();
    view(&mut a, "sku-0-1", 0.0);
    view(&mut a, "sku-0-2", 1.0);
    let exported = a.export_profile();
    // The new model no longer sells sku-0-2 and has retrained factors.
    let mut spec = fixture_spec();
    spec.items.remove(2);
    spec.factors.drain(2 * DIM..3 * DIM);
    for f in spec.factors.iter_mut() {
        *f *= 1.1;
    }
    let mut b = Recommender::load(
        shelfrank::write_model(&spec).unwrap(),
        &LoadOptions::default(),
    )
    .unwrap();
    b.import_profile(&exported).unwrap();
    assert_eq!(b.stats().profile.dropped_on_import, 1);
    assert_eq!(b.session().distinct_items(), 1);
    let top = b
        .recommend(&RankOptions {
            k: 3,
            ..RankOptions::for_recommend()
        })
        .unwrap();
    assert!(top
        .iter()
        .all(|x| category_of(b.model().item_id(x.index)) == 0));
}

#[test]
fn forget_clears_everything() {
    let mut r = engine();
    view(&mut r, "sku-2-1", 0.0);
    r.track(&Event::new(EventKind::ViewItem, "ghost", T0))
        .unwrap();
    r.forget();
    assert!(r.session().is_empty());
    assert_eq!(r.stats().profile, Default::default());
    assert!(r.export_profile().items.is_empty());
    let top = r.recommend(&RankOptions::for_recommend()).unwrap();
    assert!(top.iter().all(|x| x.reason == Reason::Popular));
}

#[test]
fn recency_decay_favours_recent_interest() {
    let day = 24.0 * 60.0;
    let mut r = engine();
    view(&mut r, "sku-0-1", 0.0);
    view(&mut r, "sku-0-2", 1.0);
    view(&mut r, "sku-3-1", 30.0 * day);
    let top = r
        .recommend(&RankOptions {
            k: 3,
            ..RankOptions::for_recommend()
        })
        .unwrap();
    assert!(
        ids(&r, &top).iter().all(|id| category_of(id) == 3),
        "a month-old interest is outweighed"
    );
}

#[test]
fn option_validation_messages_are_helpful() {
    let mut r = engine();
    let msg = |o: RankOptions, r: &mut Recommender| r.recommend(&o).unwrap_err().to_string();
    assert!(msg(
        RankOptions {
            k: 0,
            ..RankOptions::for_recommend()
        },
        &mut r
    )
    .contains("k must be"));
    assert!(msg(
        RankOptions {
            k: 5000,
            ..RankOptions::for_recommend()
        },
        &mut r
    )
    .contains("1 to 1000"));
    assert!(msg(
        RankOptions {
            min_price: Some(f32::NAN),
            ..RankOptions::for_recommend()
        },
        &mut r
    )
    .contains("minPrice"));
    assert!(msg(
        RankOptions {
            min_price: Some(9.0),
            max_price: Some(1.0),
            ..RankOptions::for_recommend()
        },
        &mut r
    )
    .contains("greater than maxPrice"));
    assert!(msg(
        RankOptions {
            boosts: vec![("a".into(), f32::INFINITY)],
            ..RankOptions::for_recommend()
        },
        &mut r
    )
    .contains("boost"));
    let bad_time = r
        .track(&Event::new(EventKind::ViewItem, "sku-0-0", f64::NAN))
        .unwrap_err()
        .to_string();
    assert!(bad_time.contains("timestamp"), "{bad_time}");
    // The instance still works after errors.
    assert_eq!(
        r.recommend(&RankOptions::for_recommend()).unwrap().len(),
        10
    );
}
