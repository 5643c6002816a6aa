//! The fold-in keeps running sums between events (`FoldInState`); these
//! tests check that the incremental user vector always equals a fold-in
//! from scratch, through everything that changes a profile: repeated and
//! new items, removals from the cart, dwell, evictions at the memory cap,
//! out-of-order timestamps, long pauses, forget and import.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use shelfrank::foldin::fold_in;
use shelfrank::{Event, EventKind, LoadOptions, Recommender};

const T0: f64 = 1.7e12;
const MINUTE: f64 = 60_000.0;

fn assert_same_as_from_scratch(r: &mut Recommender, step: usize) {
    let settings = r.settings().clone();
    let scratch = fold_in(r.model(), r.session(), &settings).unwrap();
    let incremental = r.user_vector().unwrap();
    assert_eq!(incremental.terms.len(), scratch.terms.len(), "step {step}");
    let norm = scratch
        .x
        .iter()
        .map(|v| v * v)
        .sum::<f32>()
        .sqrt()
        .max(1e-6);
    for (a, b) in incremental.x.iter().zip(&scratch.x) {
        assert!(
            (a - b).abs() <= 1e-4 * norm,
            "step {step}: incremental {a} vs from scratch {b} (|x| = {norm})"
        );
    }
}

#[test]
fn incremental_fold_in_equals_fold_in_from_scratch_through_a_long_session() {
    let options = LoadOptions {
        max_items: Some(12),
        ..LoadOptions::default()
    };
    let mut r = Recommender::load(fixture_bytes(), &options).unwrap();
    let mut noise = Noise::new(99);
    let kinds = [
        EventKind::ViewItem,
        EventKind::ViewItem,
        EventKind::SelectItem,
        EventKind::AddToCart,
        EventKind::RemoveFromCart,
        EventKind::AddToWishlist,
        EventKind::BeginCheckout,
        EventKind::Purchase,
        EventKind::Dwell,
    ];
    let mut t = T0;
    for step in 0..800 {
        let pick = |x: f32, n: usize| ((x.abs() * 1000.0) as usize) % n;
        let c = pick(noise.next(), CATEGORIES.len());
        let j = pick(noise.next(), PER_CATEGORY);
        let kind = kinds[pick(noise.next(), kinds.len())];
        // Mostly minutes apart; sometimes out of order, sometimes weeks later.
        t += match step % 97 {
            13 => -5.0 * MINUTE,
            50 => 40.0 * 24.0 * 60.0 * MINUTE,
            _ => (1.0 + noise.next().abs() * 3.0) as f64 * MINUTE,
        };
        let mut event = Event::new(kind, format!("sku-{c}-{j}"), t);
        if kind == EventKind::Dwell {
            event.dwell_ms = Some(1_000.0 + noise.next().abs() as f64 * 60_000.0);
        }
        assert!(r.track(&event).unwrap());
        if step % 3 == 0 || step > 760 {
            assert_same_as_from_scratch(&mut r, step);
        }
    }
    assert!(r.stats().profile.evicted_items > 0, "the cap was exercised");
}

#[test]
fn forget_and_import_start_the_running_sums_afresh() {
    let mut r = Recommender::load(fixture_bytes(), &LoadOptions::default()).unwrap();
    for (i, id) in ["sku-0-1", "sku-0-2", "sku-2-3", "sku-0-1"]
        .iter()
        .enumerate()
    {
        r.track(&Event::new(
            EventKind::ViewItem,
            *id,
            T0 + i as f64 * MINUTE,
        ))
        .unwrap();
    }
    assert_same_as_from_scratch(&mut r, 0);
    let exported = r.export_profile();

    r.forget();
    r.track(&Event::new(EventKind::AddToCart, "sku-3-4", T0))
        .unwrap();
    assert_same_as_from_scratch(&mut r, 1);

    r.import_profile(&exported).unwrap();
    assert_same_as_from_scratch(&mut r, 2);
    r.track(&Event::new(
        EventKind::Purchase,
        "sku-2-3",
        T0 + 9.0 * MINUTE,
    ))
    .unwrap();
    assert_same_as_from_scratch(&mut r, 3);
}
