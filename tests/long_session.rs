//! A long session in headless Chrome
//! (`wasm-pack test --mode no-install --headless --chrome -- --test long_session`):
//! one million GA4 events through the JS API keep the wasm heap bounded and
//! the profile capped. Ranking latency before and after is measured and
//! printed (not asserted: timings depend on the machine).
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use shelfrank::wasm_api::Recommender;
use shelfrank::EventKind;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const EVENTS: usize = 1_000_000;
const MAX_ITEMS: usize = 20;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn wasm_heap_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

fn now_ms() -> f64 {
    let performance = get(&js_sys::global(), "performance");
    let now: js_sys::Function = get(&performance, "now").unchecked_into();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

/// Mean and worst milliseconds of `recommend` (the user vector is
/// re-folded first: each round tracks one event, as a page would).
fn ranking_latency(r: &mut Recommender, t: &mut f64) -> (f64, f64) {
    let opts = JSON::parse(r#"{"k": 10}"#).unwrap();
    let rounds = 200;
    let (mut total, mut worst) = (0.0, 0.0f64);
    for i in 0..rounds {
        *t += 1000.0;
        r.track(event("view_item", &format!("sku-{}-{}", i % 4, i % 12), *t))
            .unwrap();
        let start = now_ms();
        let list = r.recommend(opts.clone()).unwrap();
        let took = now_ms() - start;
        assert_eq!(Array::from(&list).length(), 10);
        total += took;
        worst = worst.max(took);
    }
    (total / rounds as f64, worst)
}

fn event(name: &str, id: &str, t: f64) -> JsValue {
    let e = Object::new();
    Reflect::set(&e, &"event".into(), &name.into()).unwrap();
    Reflect::set(&e, &"item_id".into(), &id.into()).unwrap();
    Reflect::set(&e, &"timestamp".into(), &t.into()).unwrap();
    if name == "dwell" {
        Reflect::set(&e, &"engagement_time_msec".into(), &15_000.0.into()).unwrap();
    }
    e.into()
}

/// Lets the browser breathe (the test runner polls the page meanwhile).
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function = get(&js_sys::global(), "setTimeout").unchecked_into();
        set_timeout.call1(&JsValue::NULL, &resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Needs a test timeout above the runner's default 20 s:
/// `WASM_BINDGEN_TEST_TIMEOUT=600 wasm-pack test … -- --test long_session`.
#[wasm_bindgen_test]
async fn a_million_events_keep_memory_bounded_and_the_profile_capped() {
    let options = JSON::parse(&format!(r#"{{"maxItems": {MAX_ITEMS}}}"#)).unwrap();
    let mut r =
        Recommender::from_bytes(Uint8Array::from(fixture_bytes().as_slice()).into(), options)
            .unwrap_or_else(|e| panic!("{:?}", JsValue::from(e)));
    let mut t = 1.7e12;
    // Warm up every code path once, so that the "before" heap includes
    // the caches a page would have too.
    r.similar("sku-0-1".into(), JsValue::UNDEFINED).unwrap();
    r.profile().unwrap();
    r.export_profile().unwrap();
    ranking_latency(&mut r, &mut t); // warm-up (JIT, first allocations)
    let (mean_before, worst_before) = ranking_latency(&mut r, &mut t);
    let heap_before = wasm_heap_bytes();

    let kinds = EventKind::ALL.map(EventKind::name);
    // 48 known ids and a stream of ids the model has never seen.
    let ids: Vec<String> = (0..PER_CATEGORY * CATEGORIES.len())
        .map(|i| format!("sku-{}-{}", i / PER_CATEGORY, i % PER_CATEGORY))
        .collect();
    let mut known = 0u64;
    let start = now_ms();
    for i in 0..EVENTS {
        t += 250.0;
        let kind = kinds[(i * 7 + i / 13) % kinds.len()];
        let id = if i % 10 == 9 {
            format!("unknown-{i}")
        } else {
            ids[(i * 31 + i / 97) % ids.len()].clone()
        };
        known += r.track(event(kind, &id, t)).unwrap() as u64;
        if i % 100_000 == 0 {
            // Reading the profile mid-session must not accumulate anything.
            r.profile().unwrap();
            r.recommend(JsValue::UNDEFINED).unwrap();
        }
        if i % 20_000 == 0 {
            yield_to_browser().await;
        }
    }
    let track_seconds = (now_ms() - start) / 1000.0;
    let heap_after = wasm_heap_bytes();
    let (mean_after, worst_after) = ranking_latency(&mut r, &mut t);

    let stats = r.stats().unwrap();
    let num = |k: &str| get(&stats, k).as_f64().unwrap();
    assert_eq!(num("eventsTracked") as u64, known + 600);
    assert_eq!(num("unknownItemEvents") as usize, EVENTS / 10);
    assert!(
        num("distinctItems") as usize <= MAX_ITEMS,
        "profile over its cap"
    );
    assert!(num("evictedItems") > 0.0);
    let profile = r.profile().unwrap();
    assert!(Array::from(&get(&profile, "recent")).length() <= 20);
    let exported = JSON::stringify(&r.export_profile().unwrap())
        .unwrap()
        .as_string()
        .unwrap();
    assert!(
        exported.len() < 16 * 1024,
        "export of {} bytes",
        exported.len()
    );
    let growth = heap_after - heap_before;
    let report = format!(
        "long session: {EVENTS} events in {track_seconds:.1} s; wasm heap {heap_before} → {heap_after} bytes (growth {growth}); \
         recommend mean {mean_before:.3} ms (worst {worst_before:.3}) before, {mean_after:.3} ms (worst {worst_after:.3}) after; \
         profile {} items (cap {MAX_ITEMS}), export {} bytes",
        num("distinctItems"),
        exported.len()
    );
    wasm_bindgen_test::console_log!("{report}");
    // Bounded: a million events may not grow the heap by more than 1 MiB
    // (the wasm memory grows in 64 KiB pages and never shrinks).
    assert!(growth <= 1024.0 * 1024.0, "{report}");
}
