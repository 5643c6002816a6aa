//! The JavaScript-facing API end to end, in headless Chrome
//! (`wasm-pack test --headless --chrome -- --test browser`).
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use shelfrank::wasm_api::Recommender;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(src: &str) -> JsValue {
    JSON::parse(src).unwrap_or_else(|_| panic!("bad test JSON: {src}"))
}

fn model_js() -> JsValue {
    Uint8Array::from(fixture_bytes().as_slice()).into()
}

fn rec() -> Recommender {
    Recommender::from_bytes(model_js(), JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{:?}", JsValue::from(e)))
}

fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    assert!(v.is_instance_of::<js_sys::Error>(), "a JS Error is thrown");
    js_sys::Error::from(v).message().into()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn item_ids(list: &JsValue) -> Vec<String> {
    Array::from(list)
        .iter()
        .map(|x| get(&x, "itemId").as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn load_accepts_uint8array_and_arraybuffer() {
    let a = Recommender::load(model_js(), JsValue::UNDEFINED)
        .await
        .map_err(message)
        .unwrap();
    let info = a.model_info().map_err(message).unwrap();
    assert_eq!(get(&info, "items").as_f64(), Some(48.0));
    let buffer = Uint8Array::from(fixture_bytes().as_slice()).buffer();
    let b = Recommender::load(buffer.into(), js(r#"{"maxItems": 50}"#))
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(get(&b.stats().unwrap(), "maxItems").as_f64(), Some(50.0));
}

#[wasm_bindgen_test]
fn load_errors_are_js_errors_with_useful_messages() {
    let cases: Vec<(JsValue, &str)> = vec![
        (
            JsValue::NULL,
            "needs the model file as a Uint8Array or ArrayBuffer",
        ),
        (JsValue::from_str("model.shelf"), "got string"),
        (Uint8Array::new_with_length(0).into(), "empty (0 bytes)"),
        (
            Uint8Array::from(&b"<html>404</html>"[..]).into(),
            "not a shelfrank model",
        ),
    ];
    for (input, expected) in cases {
        let msg = Recommender::from_bytes(input, JsValue::UNDEFINED)
            .map(|_| ())
            .map_err(message)
            .unwrap_err();
        assert!(msg.contains(expected), "{msg}");
    }
    let mut flipped = fixture_bytes();
    let len = flipped.len();
    flipped[len / 2] ^= 1;
    let msg = Recommender::from_bytes(
        Uint8Array::from(flipped.as_slice()).into(),
        JsValue::UNDEFINED,
    )
    .map(|_| ())
    .map_err(message)
    .unwrap_err();
    assert!(msg.contains("checksum mismatch"), "{msg}");
    let msg = Recommender::from_bytes(model_js(), js(r#"{"maxItem": 5}"#))
        .map(|_| ())
        .map_err(message)
        .unwrap_err();
    assert!(
        msg.contains("unknown load option property \"maxItem\""),
        "{msg}"
    );
    let msg = Recommender::from_bytes(model_js(), js(r#"{"eventWeights": {"purchase": "lots"}}"#))
        .map(|_| ())
        .map_err(message)
        .unwrap_err();
    assert!(
        msg.contains("eventWeights.purchase must be a number"),
        "{msg}"
    );
}

#[wasm_bindgen_test]
fn ga4_events_drive_recommendations_with_reasons() {
    let mut r = rec();
    let before = r.recommend(js(r#"{"k": 3}"#)).map_err(message).unwrap();
    assert_eq!(
        get(&Array::from(&before).get(0), "reason")
            .as_string()
            .unwrap(),
        "popular"
    );

    assert_eq!(
        r.track(js(r#"{"event": "view_item", "item_id": "sku-2-1"}"#))
            .map_err(message)
            .unwrap(),
        1
    );
    // GA4 dataLayer shape: ecommerce.items
    let n = r.track(js(r#"{"event": "view_item", "ecommerce": {"items": [{"item_id": "sku-2-2"}, {"item_id": "sku-2-6"}]}}"#)).map_err(message).unwrap();
    assert_eq!(n, 2);
    // gtag shape: name + items
    r.track(js(
        r#"{"name": "dwell", "items": [{"item_id": "sku-2-2"}], "engagement_time_msec": 25000}"#,
    ))
    .map_err(message)
    .unwrap();

    let list = r.recommend(js(r#"{"k": 5}"#)).map_err(message).unwrap();
    let ids = item_ids(&list);
    assert_eq!(ids.len(), 5);
    assert!(ids.iter().all(|id| category_of(id) == 2), "{ids:?}");
    for x in Array::from(&list).iter() {
        let reason = get(&x, "reason").as_string().unwrap();
        assert!(reason.starts_with("because you viewed "), "{reason}");
        let because = get(&x, "because").as_string().unwrap();
        assert!(["sku-2-1", "sku-2-2", "sku-2-6"].contains(&because.as_str()));
        assert!(get(&x, "score").as_f64().unwrap().is_finite());
        assert_eq!(
            get(&x, "category").as_string().unwrap(),
            "appliances.kitchen.kettle"
        );
    }
}

#[wasm_bindgen_test]
fn filters_and_options_use_js_names() {
    let mut r = rec();
    r.track(js(r#"{"event": "view_item", "item_id": "sku-0-0"}"#))
        .unwrap();
    let list = r
        .recommend(js(r#"{"k": 50, "filters": {"categories": "electronics", "excludeBrands": ["apple"], "maxPrice": 80, "inStockOnly": true}}"#))
        .map_err(message)
        .unwrap();
    let arr = Array::from(&list);
    assert!(arr.length() > 0);
    for x in arr.iter() {
        assert!(get(&x, "category")
            .as_string()
            .unwrap()
            .starts_with("electronics."));
        assert_ne!(get(&x, "brand").as_string().unwrap(), "apple");
        assert!(get(&x, "price").as_f64().unwrap() <= 80.0);
        let info = r.item(get(&x, "itemId")).unwrap();
        assert_eq!(get(&info, "inStock").as_bool(), Some(true));
    }
    let subset = r
        .recommend(js(
            r#"{"items": ["sku-3-1", "sku-3-2"], "boosts": {"sku-3-2": 5}}"#,
        ))
        .map_err(message)
        .unwrap();
    assert_eq!(item_ids(&subset), vec!["sku-3-2", "sku-3-1"]);
}

#[wasm_bindgen_test]
fn bad_options_throw_and_the_instance_keeps_working() {
    let mut r = rec();
    let cases = [
        (r#"{"k": -1}"#, "k must be a whole number from 1 to 1000"),
        (r#"{"k": 2.5}"#, "k must be a whole number"),
        (r#"{"k": "10"}"#, "k must be a number, got string"),
        (r#"{"kk": 3}"#, "unknown option property \"kk\""),
        (
            r#"{"filters": {"minPrice": 50, "maxPrice": 10}}"#,
            "greater than maxPrice",
        ),
        (
            r#"{"filters": {"category": "x"}}"#,
            "unknown filter property \"category\"",
        ),
        (r#"{"boosts": [1, 2]}"#, "boosts must be an object"),
        (r#"{"items": 42}"#, "items must be a string or an array"),
        (r#"[1, 2, 3]"#, "must be a plain object, got an array"),
    ];
    for (opts, expected) in cases {
        let msg = r
            .recommend(js(opts))
            .map(|_| ())
            .map_err(message)
            .unwrap_err();
        assert!(msg.contains(expected), "{opts}: {msg}");
    }
    let msg = r
        .recommend(JsValue::from_f64(f64::NAN))
        .map(|_| ())
        .map_err(message)
        .unwrap_err();
    assert!(msg.contains("plain object"), "{msg}");
    let nan_k = Object::new();
    Reflect::set(&nan_k, &"k".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    assert!(message(r.recommend(nan_k.into()).unwrap_err()).contains("finite"));
    let inf_boost = js(r#"{"boosts": {}}"#);
    Reflect::set(
        &get(&inf_boost, "boosts"),
        &"sku-0-1".into(),
        &JsValue::from_f64(f64::INFINITY),
    )
    .unwrap();
    assert!(message(r.recommend(inf_boost).unwrap_err()).contains("finite"));
    // Still answers correctly.
    assert_eq!(
        Array::from(&r.recommend(JsValue::UNDEFINED).unwrap()).length(),
        10
    );
}

#[wasm_bindgen_test]
fn bad_events_throw_clear_errors_and_unknown_items_are_only_counted() {
    let mut r = rec();
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::NULL, "track() needs an event object"),
        (JsValue::from_str("view_item"), "got string"),
        (js(r#"{"item_id": "sku-0-1"}"#), "has no \"event\" name"),
        (
            js(r#"{"event": "page_view", "item_id": "sku-0-1"}"#),
            "unknown event name \"page_view\"",
        ),
        (js(r#"{"event": "view_item"}"#), "names no item"),
        (
            js(r#"{"event": "view_item", "item_id": "sku-0-1", "timestamp": -5}"#),
            "timestamp must be milliseconds",
        ),
        (
            js(r#"{"event": "dwell", "item_id": "sku-0-1"}"#),
            "needs engagement_time_msec",
        ),
        (
            js(r#"{"event": "view_item", "items": "sku-0-1"}"#),
            "items must be an array",
        ),
        (
            js(r#"{"event": "view_item", "items": [{"id": "x"}]}"#),
            "items[0] has no item_id",
        ),
    ];
    for (ev, expected) in cases {
        let msg = r.track(ev).map(|_| ()).map_err(message).unwrap_err();
        assert!(msg.contains(expected), "{msg}");
    }
    let huge = "x".repeat(10 * 1024 * 1024);
    let ev = Object::new();
    Reflect::set(&ev, &"event".into(), &"view_item".into()).unwrap();
    Reflect::set(&ev, &"item_id".into(), &huge.into()).unwrap();
    let msg = message(r.track(ev.into()).unwrap_err());
    assert!(msg.contains("at most 4096") && msg.len() < 200, "{msg}");

    assert_eq!(
        r.track(js(r#"{"event": "view_item", "item_id": "not-in-model"}"#))
            .unwrap(),
        0
    );
    assert_eq!(
        get(&r.stats().unwrap(), "unknownItemEvents").as_f64(),
        Some(1.0)
    );
    assert_eq!(
        get(&r.stats().unwrap(), "eventsTracked").as_f64(),
        Some(0.0)
    );
    // Numeric ids are accepted like GA4 does.
    let msg = r
        .similar(JsValue::from_f64(123.0), JsValue::UNDEFINED)
        .map(|_| ())
        .map_err(message)
        .unwrap_err();
    assert!(msg.contains("unknown item id \"123\""), "{msg}");
}

#[wasm_bindgen_test]
fn profile_export_import_and_forget() {
    let mut r = rec();
    r.track(js(
        r#"{"event": "view_item", "item_id": "sku-1-1", "timestamp": 1700000000000}"#,
    ))
    .unwrap();
    r.track(js(
        r#"{"event": "add_to_cart", "item_id": "sku-1-2", "timestamp": 1700000060000}"#,
    ))
    .unwrap();
    let p = r.profile().unwrap();
    assert_eq!(get(&p, "intent").as_string().unwrap(), "buying");
    assert_eq!(
        get(&Array::from(&get(&p, "categories")).get(0), "name")
            .as_string()
            .unwrap(),
        "electronics.audio.headphone"
    );
    assert_eq!(
        get(&get(&p, "eventCounts"), "add_to_cart").as_f64(),
        Some(1.0)
    );

    let exported = r.export_profile().unwrap();
    let text = JSON::stringify(&exported).unwrap().as_string().unwrap();
    assert!(
        !text.contains("1700000060000"),
        "times are stored coarsely: {text}"
    );
    let mut other = rec();
    other
        .import_profile(JsValue::from_str(&text))
        .map_err(message)
        .unwrap();
    assert_eq!(
        item_ids(&other.recommend(JsValue::UNDEFINED).unwrap()),
        item_ids(&r.recommend(JsValue::UNDEFINED).unwrap())
    );

    for (bad, expected) in [
        (JsValue::from_str("{not json"), "not valid JSON"),
        (
            js(r#"{"format": "other", "version": 1, "savedMinute": 0, "items": [], "recent": []}"#),
            "expected \"shelfrank-profile\"",
        ),
        (
            js(
                r#"{"format": "shelfrank-profile", "version": 99, "savedMinute": 0, "items": [], "recent": []}"#,
            ),
            "version 99",
        ),
        (js(r#"{"format": "shelfrank-profile"}"#), "missing field"),
        (JsValue::from_f64(3.0), "expected an object"),
    ] {
        let msg = other.import_profile(bad).map_err(message).unwrap_err();
        assert!(msg.starts_with("saved profile cannot be used"), "{msg}");
        assert!(msg.contains(expected), "{msg}");
    }
    // A failed import leaves the previous profile intact.
    assert_eq!(
        get(&other.stats().unwrap(), "distinctItems").as_f64(),
        Some(2.0)
    );

    other.forget();
    let p = other.profile().unwrap();
    assert_eq!(get(&p, "events").as_f64(), Some(0.0));
    assert_eq!(Array::from(&get(&p, "recent")).length(), 0);
    let list = other.recommend(JsValue::UNDEFINED).unwrap();
    assert!(Array::from(&list)
        .iter()
        .all(|x| get(&x, "reason").as_string().unwrap() == "popular"));
}

#[wasm_bindgen_test]
fn similar_returns_neighbours_in_the_same_category() {
    let mut r = rec();
    let list = r
        .similar("sku-1-3".into(), js(r#"{"k": 4}"#))
        .map_err(message)
        .unwrap();
    let ids = item_ids(&list);
    assert_eq!(ids.len(), 4);
    assert!(
        ids.iter().all(|id| category_of(id) == 1 && id != "sku-1-3"),
        "{ids:?}"
    );
    assert!(get(&Array::from(&list).get(0), "reason")
        .as_string()
        .unwrap()
        .starts_with("similar to "));
}

#[cfg(target_feature = "simd128")]
#[wasm_bindgen_test]
fn simd_and_scalar_kernels_agree() {
    use shelfrank::factors::{dot_scalar, dot_simd};
    let mut noise = Noise::new(3);
    for len in [16usize, 32, 48, 64, 128, 1024] {
        let row: Vec<u8> = (0..len)
            .map(|_| ((noise.next() * 127.0) as i8) as u8)
            .collect();
        let q: Vec<i8> = (0..len).map(|_| (noise.next() * 127.0) as i8).collect();
        assert_eq!(dot_simd(&row, &q), dot_scalar(&row, &q), "length {len}");
    }
    // The kernel ranking uses (query widened once) agrees too.
    let row: Vec<u8> = (0..64)
        .map(|_| ((noise.next() * 127.0) as i8) as u8)
        .collect();
    let q: Vec<i8> = (0..64).map(|_| (noise.next() * 127.0) as i8).collect();
    let kernel = shelfrank::factors::QueryKernel::new(&q);
    assert_eq!(kernel.dot(&row), dot_scalar(&row, &q));
    assert_eq!(kernel.dot(&row), kernel.dot_portable(&row));
    let extremes = vec![0x80u8; 64];
    assert_eq!(
        dot_simd(&extremes, &[-127i8; 64]),
        dot_scalar(&extremes, &[-127i8; 64])
    );
}
