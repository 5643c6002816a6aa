//! Hostile input through the JavaScript API, in headless Chrome
//! (`wasm-pack test --mode no-install --headless --chrome -- --test browser_hostile`).
//!
//! Every exported method of `Recommender` gets null, undefined, wrong types,
//! NaN, ±Infinity, negative numbers, a 10 MB string, 10 000-level nested
//! objects and arrays, objects whose getters or Proxy traps throw, cyclic
//! objects and look-alikes of Uint8Array/Date. Each call must either work
//! or throw a JS `Error` whose message names what was wrong, and the
//! instance must answer exactly as before afterwards. Models of 0 bytes and
//! with one flipped byte in every section are refused with a clear reason.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use js_sys::{Array, Function, Reflect, Uint8Array, JSON};
use shelfrank::format::reseal;
use shelfrank::signature::{sign_model, SigningKey};
use shelfrank::wasm_api::Recommender;
use shelfrank::Model;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Evaluates a JS expression (for values JSON cannot spell).
fn eval(expr: &str) -> JsValue {
    Function::new_no_args(&format!("return ({expr});"))
        .call0(&JsValue::NULL)
        .unwrap_or_else(|e| panic!("bad test expression {expr}: {e:?}"))
}

fn js(src: &str) -> JsValue {
    JSON::parse(src).unwrap_or_else(|_| panic!("bad test JSON: {src}"))
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn model_js(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

fn item_ids(list: &JsValue) -> Vec<String> {
    Array::from(list)
        .iter()
        .map(|x| get(&x, "itemId").as_string().unwrap())
        .collect()
}

/// The message of a thrown JS Error; fails the test for anything else.
fn message(e: JsError, what: &str) -> String {
    let v: JsValue = e.into();
    assert!(
        v.is_instance_of::<js_sys::Error>(),
        "{what}: threw a non-Error {v:?}"
    );
    let msg: String = js_sys::Error::from(v).message().into();
    assert!(
        (10..=600).contains(&msg.len()),
        "{what}: message of {} bytes: {}",
        msg.len(),
        &msg[..msg.len().min(300)]
    );
    for bad in ["unreachable", "recursive use", "internal error", "panicked"] {
        assert!(!msg.contains(bad), "{what}: {msg}");
    }
    msg
}

/// Asserts that a failed call's message contains one of `words`.
fn expect_words<T>(result: Result<T, JsError>, what: &str, words: &[&str]) {
    if let Err(e) = result {
        let msg = message(e, what);
        assert!(
            words.iter().any(|w| msg.contains(w)),
            "{what}: message does not say which argument was wrong: {msg}"
        );
    }
}

/// The hostile values, each with a label for failure messages.
fn hostile_values() -> Vec<(String, JsValue)> {
    let mut v: Vec<(String, JsValue)> = [
        "null",
        "undefined",
        "NaN",
        "Infinity",
        "-Infinity",
        "-1",
        "0",
        "-0",
        "1e308",
        "2.5",
        "true",
        "''",
        "'view_item'",
        "Symbol('s')",
        "10n",
        "function () {}",
        "[]",
        "[null]",
        "[1, 2, 3]",
        "{}",
        "Object.create(null)",
        "new Date(NaN)",
        "new Map([[1, 2]])",
        "new Uint8Array(0)",
        "new Float64Array([NaN, Infinity])",
        "Object.create(Uint8Array.prototype)",
        "Object.create(ArrayBuffer.prototype)",
        "Object.create(Date.prototype)",
        "({ k: NaN, filters: null, boosts: { x: -Infinity } })",
        "({ k: -1 })",
        "({ k: Infinity })",
        "({ maxItems: -5 })",
        "({ halfLifeHours: -Infinity })",
        "({ event: 'view_item', item_id: NaN })",
        "({ event: 'dwell', item_id: 'sku-0-1', engagement_time_msec: -Infinity })",
        "({ event: 'view_item', item_id: 'sku-0-1', timestamp: Infinity })",
        "({ event: 'view_item', item_id: 'sku-0-1', timestamp: Object.create(Date.prototype) })",
        "({ event: 'view_item', items: { length: 1e9 } })",
        "({ format: 'shelfrank-profile', version: NaN, savedMinute: Infinity, items: [], recent: [] })",
        // Getters and Proxy traps that throw.
        "({ get k() { throw new Error('boom from a getter'); } })",
        "({ boosts: { get x() { throw new Error('boom from a getter'); } } })",
        "({ items: { [Symbol.iterator]() { throw new Error('boom from an iterator'); } } })",
        "({ event: 'view_item', items: new Proxy([], { get() { throw new Error('boom'); } }) })",
        "new Proxy({}, { ownKeys() { throw new Error('boom from ownKeys'); } })",
        "new Proxy({}, { get() { throw new Error('boom from get'); }, ownKeys() { return ['k']; }, getOwnPropertyDescriptor() { return { value: 1, enumerable: true, configurable: true }; } })",
        "new Proxy({}, { getPrototypeOf() { throw new Error('boom from getPrototypeOf'); } })",
        "(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()",
        "(() => { const o = { format: 'shelfrank-profile' }; o.self = o; return o; })()",
        "({ toJSON() { throw new Error('boom from toJSON'); } })",
    ]
    .iter()
    .map(|s| (s.to_string(), eval(s)))
    .collect();
    v.push((
        "a 10 MB string".into(),
        JsValue::from_str(&"x".repeat(10 * 1024 * 1024)),
    ));
    v.push((
        "an object nested 10 000 levels".into(),
        eval("(() => { let o = {}; for (let i = 0; i < 10000; i++) o = { a: o }; return o; })()"),
    ));
    v.push((
        "options nested 10 000 levels".into(),
        eval("(() => { let o = {}; for (let i = 0; i < 10000; i++) o = { filters: o }; return o; })()"),
    ));
    v.push((
        "an array nested 10 000 levels".into(),
        eval("(() => { let a = []; for (let i = 0; i < 10000; i++) a = [a]; return a; })()"),
    ));
    v.push((
        "a profile nested 10 000 levels".into(),
        eval("(() => { let o = 'x'; for (let i = 0; i < 10000; i++) o = { format: 'shelfrank-profile', version: 1, savedMinute: 0, items: [{ id: o }], recent: [] }; return o; })()"),
    ));
    v.push((
        "a 10 MB JSON string".into(),
        JsValue::from_str(&format!("[{}1]", "1,".repeat(5 * 1024 * 1024))),
    ));
    v
}

/// A recommender with some history, and what it answers before any abuse.
fn warmed_up() -> (Recommender, Vec<String>, Vec<String>, String) {
    let mut r = Recommender::from_bytes(model_js(&fixture_bytes()), JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{:?}", JsValue::from(e)));
    for ev in [
        r#"{"event": "view_item", "item_id": "sku-1-2", "timestamp": 1700000000000}"#,
        r#"{"event": "add_to_cart", "item_id": "sku-1-4", "timestamp": 1700000100000}"#,
        r#"{"event": "dwell", "item_id": "sku-0-3", "engagement_time_msec": 20000, "timestamp": 1700000200000}"#,
    ] {
        r.track(js(ev)).unwrap();
    }
    let (rec, sim, export) = answers(&mut r);
    (r, rec, sim, export)
}

fn answers(r: &mut Recommender) -> (Vec<String>, Vec<String>, String) {
    let rec = item_ids(&r.recommend(js(r#"{"k": 8}"#)).unwrap());
    let sim = item_ids(&r.similar("sku-2-3".into(), JsValue::UNDEFINED).unwrap());
    let export = JSON::stringify(&r.export_profile().unwrap())
        .unwrap()
        .as_string()
        .unwrap();
    (rec, sim, export)
}

/// After the abuse, the instance must give the very same answers, and every
/// method without arguments must still work.
fn still_answers(r: &mut Recommender, before: &(Vec<String>, Vec<String>, String)) {
    let now = answers(r);
    assert_eq!(&now.0, &before.0, "recommend changed after bad calls");
    assert_eq!(&now.1, &before.1, "similar changed after bad calls");
    assert_eq!(&now.2, &before.2, "the profile changed after bad calls");
    r.profile().unwrap();
    r.stats().unwrap();
    r.model_info().unwrap();
    r.item("sku-0-0".into()).unwrap();
}

#[wasm_bindgen_test]
fn load_refuses_hostile_bytes_and_options_with_clear_errors() {
    let model = model_js(&fixture_bytes());
    for (label, v) in hostile_values() {
        let what = format!("fromBytes({label})");
        match Recommender::from_bytes(v.clone(), JsValue::UNDEFINED) {
            Ok(_) => panic!("{what}: accepted as a model"),
            Err(e) => {
                let msg = message(e, &what);
                assert!(
                    msg.contains("Uint8Array or ArrayBuffer") || msg.contains("model"),
                    "{what}: {msg}"
                );
            }
        }
        expect_words(
            Recommender::from_bytes(model.clone(), v.clone()).map(|_| ()),
            &format!("fromBytes(model, {label})"),
            &[
                "option",
                "maxItems",
                "halfLifeHours",
                "eventWeights",
                "publicKey",
                "plain object",
            ],
        );
    }
}

#[wasm_bindgen_test]
async fn async_load_rejects_with_an_error() {
    for (label, v) in [
        ("null", JsValue::NULL),
        ("a 0-byte model", Uint8Array::new_with_length(0).into()),
    ] {
        match Recommender::load(v, JsValue::UNDEFINED).await {
            Ok(_) => panic!("{label} accepted"),
            Err(e) => {
                let msg = message(e, label);
                assert!(
                    msg.contains("Uint8Array") || msg.contains("empty (0 bytes)"),
                    "{msg}"
                );
            }
        }
    }
}

#[wasm_bindgen_test]
fn a_zero_byte_model_and_a_flipped_byte_in_every_section_are_refused() {
    let msg = message(
        Recommender::from_bytes(Uint8Array::new_with_length(0).into(), JsValue::UNDEFINED)
            .map(|_| ())
            .unwrap_err(),
        "0 bytes",
    );
    assert!(msg.contains("empty (0 bytes)"), "{msg}");
    let bytes = fixture_bytes();
    let model = Model::from_bytes(bytes.clone()).unwrap();
    let sections = model.sections().to_vec();
    assert_eq!(sections.len(), 13);
    let mut regions: Vec<(String, usize, usize)> = sections
        .iter()
        .map(|s| (s.tag.clone(), s.offset, s.length))
        .collect();
    regions.push(("header".into(), 0, 64));
    regions.push(("section table".into(), 64, 16 * 13));
    regions.push(("checksum trailer".into(), bytes.len() - 8, 8));
    for (tag, offset, length) in regions {
        for at in [offset, offset + length / 2, offset + length - 1] {
            for mask in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[at] ^= mask;
                let what = format!("byte {at} of {tag} ^ {mask:#x}");
                let msg = message(
                    Recommender::from_bytes(model_js(&bad), JsValue::UNDEFINED)
                        .map(|_| ())
                        .expect_err(&what),
                    &what,
                );
                assert!(
                    [
                        "checksum mismatch",
                        "not a shelfrank model",
                        "format version",
                        "truncated",
                        "invalid",
                        "dimension mismatch",
                    ]
                    .iter()
                    .any(|w| msg.contains(w)),
                    "{what}: {msg}"
                );
                // With the checksum re-sealed (a deliberate edit), the reader
                // either accepts the content or names what is wrong.
                if reseal(&mut bad).is_ok() {
                    if let Err(e) = Recommender::from_bytes(model_js(&bad), JsValue::UNDEFINED) {
                        let msg = message(e, &format!("{what}, resealed"));
                        assert!(
                            msg.contains("model") || msg.contains(&tag) || msg.contains("header"),
                            "{what}, resealed: {msg}"
                        );
                    }
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn track_survives_hostile_events() {
    let (mut r, rec, sim, export) = warmed_up();
    let tracked = get(&r.stats().unwrap(), "eventsTracked");
    for (label, v) in hostile_values() {
        let what = format!("track({label})");
        match r.track(v) {
            Ok(n) => panic!("{what}: accepted ({n} items)"),
            Err(e) => {
                let msg = message(e, &what);
                assert!(
                    [
                        "event",
                        "item",
                        "timestamp",
                        "dwell",
                        "engagement_time_msec"
                    ]
                    .iter()
                    .any(|w| msg.contains(w)),
                    "{what}: {msg}"
                );
            }
        }
    }
    assert_eq!(get(&r.stats().unwrap(), "eventsTracked"), tracked);
    still_answers(&mut r, &(rec, sim, export));
}

#[wasm_bindgen_test]
fn recommend_and_similar_survive_hostile_arguments() {
    let (mut r, rec, sim, export) = warmed_up();
    let option_words = [
        "option",
        "k must",
        "k ",
        "filter",
        "boost",
        "items",
        "exclude",
        "plain object",
        "property",
    ];
    for (label, v) in hostile_values() {
        expect_words(
            r.recommend(v.clone()),
            &format!("recommend({label})"),
            &option_words,
        );
        match r.similar(v.clone(), JsValue::UNDEFINED) {
            Ok(_) => panic!("similar({label}) answered"),
            Err(e) => {
                let msg = message(e, &format!("similar({label})"));
                assert!(msg.contains("item id"), "similar({label}): {msg}");
            }
        }
        expect_words(
            r.similar("sku-0-1".into(), v.clone()),
            &format!("similar('sku-0-1', {label})"),
            &option_words,
        );
        // Inside an options object too.
        for key in ["k", "filters", "items", "boosts", "excludeViewed"] {
            let opts = js_sys::Object::new();
            Reflect::set(&opts, &key.into(), &v).unwrap();
            expect_words(
                r.recommend(opts.into()),
                &format!("recommend({{{key}: {label}}})"),
                &option_words,
            );
        }
    }
    still_answers(&mut r, &(rec, sim, export));
}

#[wasm_bindgen_test]
fn item_and_import_profile_survive_hostile_arguments() {
    let (mut r, rec, sim, export) = warmed_up();
    for (label, v) in hostile_values() {
        match r.item(v.clone()) {
            Ok(_) => panic!("item({label}) answered"),
            Err(e) => {
                let msg = message(e, &format!("item({label})"));
                assert!(msg.contains("item id"), "item({label}): {msg}");
            }
        }
        match r.import_profile(v.clone()) {
            Ok(()) => panic!("importProfile({label}) accepted"),
            Err(e) => {
                let msg = message(e, &format!("importProfile({label})"));
                assert!(msg.contains("profile"), "importProfile({label}): {msg}");
            }
        }
    }
    still_answers(&mut r, &(rec, sim, export));
}

#[wasm_bindgen_test]
fn a_signed_model_loads_with_its_key_and_a_tampered_one_is_refused() {
    let key = SigningKey::from_seed([5; 32]);
    let mut signed = fixture_bytes();
    sign_model(&mut signed, &key).unwrap();
    let with_key = |k: JsValue| {
        let o = js_sys::Object::new();
        Reflect::set(&o, &"publicKey".into(), &k).unwrap();
        JsValue::from(o)
    };
    // base64, hex and raw bytes all work.
    for k in [
        JsValue::from_str(&key.public_key_base64()),
        JsValue::from_str(&key.public_key_hex()),
        Uint8Array::from(&key.public_key()[..]).into(),
    ] {
        Recommender::from_bytes(model_js(&signed), with_key(k))
            .map_err(|e| message(e, "signed"))
            .unwrap();
    }
    let pk = JsValue::from_str(&key.public_key_base64());
    // A price edited and the checksum fixed: only the signature notices.
    let model = Model::from_bytes(signed.clone()).unwrap();
    let pric = model.sections().iter().find(|s| s.tag == "PRIC").unwrap();
    let mut tampered = signed.clone();
    tampered[pric.offset] ^= 0x10;
    reseal(&mut tampered).unwrap();
    assert!(Recommender::from_bytes(model_js(&tampered), JsValue::UNDEFINED).is_ok());
    let msg = message(
        Recommender::from_bytes(model_js(&tampered), with_key(pk.clone()))
            .map(|_| ())
            .unwrap_err(),
        "tampered",
    );
    assert!(
        msg.contains("signature") && msg.contains("altered"),
        "{msg}"
    );
    // Another key, and an unsigned model.
    let other = SigningKey::from_seed([6; 32]).public_key_hex();
    let msg = message(
        Recommender::from_bytes(model_js(&signed), with_key(other.into()))
            .map(|_| ())
            .unwrap_err(),
        "other key",
    );
    assert!(msg.contains("does not verify"), "{msg}");
    let msg = message(
        Recommender::from_bytes(model_js(&fixture_bytes()), with_key(pk))
            .map(|_| ())
            .unwrap_err(),
        "unsigned",
    );
    assert!(msg.contains("not signed"), "{msg}");
    // Malformed keys say what a key looks like.
    for bad in [
        JsValue::from_str("abc"),
        JsValue::from_f64(3.0),
        Uint8Array::new_with_length(31).into(),
    ] {
        let msg = message(
            Recommender::from_bytes(model_js(&signed), with_key(bad))
                .map(|_| ())
                .unwrap_err(),
            "bad key",
        );
        assert!(msg.contains("publicKey"), "{msg}");
    }
}
