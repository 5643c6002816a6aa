//! The JavaScript API: a thin `#[wasm_bindgen]` layer over
//! [`crate::recommender::Recommender`]. It converts JS values to checked
//! Rust types (with messages a shop developer understands), calls the
//! engine, and converts results back to plain JS objects. No logic lives here.

use crate::error::ShelfError;
use crate::events::{truncate_for_message, EventKind};
use crate::number_text::Num;
use crate::profile::{Event, ExportedProfile};
use crate::ranking::{RankOptions, Ranked, Reason};
use crate::recommender::Recommender as Engine;
use crate::settings::LoadOptions;
use js_sys::{Array, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Longest string accepted for an id or name (a page never needs more).
const MAX_STRING_LEN: usize = 4096;
/// Most items accepted in one GA4 `items` array.
const MAX_EVENT_ITEMS: u32 = 1000;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A GA4 e-commerce event name, or "dwell". */
export type EventName = "view_item" | "select_item" | "add_to_cart" | "remove_from_cart"
  | "add_to_wishlist" | "begin_checkout" | "purchase" | "dwell";

/** An event as GA4 spells it: a single `item_id`, or an `items` array (directly or under `ecommerce`). */
export interface TrackEvent {
  /** GA4 event name (`name` is accepted too). */
  event?: EventName;
  name?: EventName;
  item_id?: string;
  items?: Array<{ item_id: string }>;
  ecommerce?: { items?: Array<{ item_id: string }> };
  /** Milliseconds since 1970, like Date.now(). Defaults to now. */
  timestamp?: number;
  /** For "dwell": time on the product page, in milliseconds (`duration_ms` is accepted too). */
  engagement_time_msec?: number;
  duration_ms?: number;
}

export interface LoadOptions {
  /** Distinct items remembered (oldest fall out). Default 200. */
  maxItems?: number;
  /** Recency half-life in hours. Default: the model's. */
  halfLifeHours?: number;
  /** Override confidence weights per event kind, e.g. { add_to_cart: 6 }. */
  eventWeights?: Partial<Record<EventName, number>>;
  /**
   * Ed25519 public key (as printed by `shelfrank keygen`): base64 (44 characters,
   * standard or URL-safe alphabet), hex (64 characters) or the 32 raw bytes. When
   * given, a model whose signature is missing, wrong or does not verify is refused.
   * Without it a signature is ignored; the checksum is always verified.
   */
  publicKey?: string | Uint8Array;
}

export interface Filters {
  /** Category path prefixes to include ("electronics" matches "electronics.smartphone"). */
  categories?: string | string[];
  excludeCategories?: string | string[];
  brands?: string | string[];
  excludeBrands?: string | string[];
  minPrice?: number;
  maxPrice?: number;
  inStockOnly?: boolean;
}

export interface RecommendOptions {
  /** How many items to return, 1–1000. Default 10. */
  k?: number;
  filters?: Filters;
  /** Hide items the shopper viewed (recommend: default true; similar: false). */
  excludeViewed?: boolean;
  /** Hide items in the cart (recommend: default true; similar: false). */
  excludeInCart?: boolean;
  /** Hide purchased items (recommend: default true; similar: false). */
  excludePurchased?: boolean;
  /** Rank only these item ids. */
  items?: string[];
  /** Added to the score of the named items. */
  boosts?: Record<string, number>;
}

export interface Recommendation {
  itemId: string;
  score: number;
  /** "because you viewed Samsung smartphone", "popular", "similar to …". */
  reason: string;
  /** The history item behind the reason (or the query item for similar()), else null. */
  because: string | null;
  name: string;
  category: string;
  brand: string;
  price: number | null;
}

export interface ItemInfo {
  itemId: string; name: string; category: string; brand: string;
  price: number | null; inStock: boolean; popularity: number;
}

export interface Affinity { name: string; share: number }

export interface ProfileSummary {
  events: number;
  distinctItems: number;
  eventCounts: Partial<Record<EventName, number>>;
  categories: Affinity[];
  topCategories: Affinity[];
  brands: Affinity[];
  priceBand: { median: number; low: number; high: number } | null;
  intent: "browsing" | "comparing" | "buying";
  cart: string[];
  recent: Array<{ itemId: string; name: string; event: EventName; time: number }>;
}

export interface ExportedProfile {
  format: "shelfrank-profile";
  version: number;
  savedMinute: number;
  items: Array<{ id: string; lastMinute: number; counts: number[]; decayed: number[] }>;
  recent: Array<[string, number, number]>;
}

export interface Stats {
  eventsTracked: number;
  unknownItemEvents: number;
  evictedItems: number;
  droppedOnImport: number;
  distinctItems: number;
  maxItems: number;
  unknownCandidateIds: number;
  unknownBoostIds: number;
  recommendCalls: number;
  modelItems: number;
  modelDim: number;
  modelBytes: number;
}

export interface ModelInfo {
  items: number; dim: number; bytes: number; checksum: string;
  halfLifeHours: number; alpha: number; lambda: number;
  eventWeights: Record<EventName, number>;
}
"#;

fn err(e: ShelfError) -> JsError {
    JsError::new(&e.to_string())
}

fn bad(msg: impl AsRef<str>) -> JsError {
    JsError::new(msg.as_ref())
}

// JS built-ins that can run page code (getters, Proxy traps, iterators,
// `toJSON`) and so can throw. Imported with `catch`: a throw becomes an
// `Err` the caller turns into a clear Error, instead of unwinding through
// wasm (which aborts, or leaves the instance borrowed and unusable).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn try_object_keys(v: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    fn try_object_entries(v: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    fn try_array_from(v: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn try_is_array(v: &JsValue) -> Result<bool, JsValue>;
    /// `Date.prototype.getTime.call(date)`
    #[wasm_bindgen(catch, js_namespace = ["Date", "prototype", "getTime"], js_name = call)]
    fn try_get_time(date: &JsValue) -> Result<f64, JsValue>;
}

/// `Array.isArray`, false for a revoked Proxy (which makes it throw).
fn is_array(v: &JsValue) -> bool {
    try_is_array(v).unwrap_or(false)
}

/// What a page's getter, trap or iterator threw, shortened for a message.
fn thrown(e: &JsValue) -> String {
    // Read `message` through Reflect (with `catch`): even it may be a getter.
    let text = e
        .as_string()
        .or_else(|| {
            e.is_object()
                .then(|| Reflect::get(e, &JsValue::from_str("message")).ok())
                .flatten()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| type_name(e));
    truncate_for_message(&text)
}

/// A JS array's elements, copied by `Array.from` after checking its length
/// (a sparse `new Array(1e9)` must not be materialised).
fn array_items(v: &JsValue, name: &str, max: usize) -> Result<Array, JsError> {
    let len = Reflect::get(v, &JsValue::from_str("length"))
        .map_err(|e| bad(format!("cannot read {name}.length: {}", thrown(&e))))?
        .as_f64()
        .unwrap_or(0.0);
    if len > max as f64 {
        return Err(bad(format!(
            "{name} has {len} entries; at most {max} are accepted"
        )));
    }
    try_array_from(v).map_err(|e| bad(format!("cannot read the entries of {name}: {}", thrown(&e))))
}

/// Describes a JS value's type for error messages.
fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if v.is_undefined() {
        "undefined".into()
    } else if is_array(v) {
        "an array".into()
    } else {
        v.js_typeof()
            .as_string()
            .unwrap_or_else(|| "unknown".into())
    }
}

/// A plain object's property, `None` when absent, null or undefined.
fn field(obj: &JsValue, name: &str) -> Result<Option<JsValue>, JsError> {
    let v = Reflect::get(obj, &JsValue::from_str(name)).map_err(|e| {
        bad(format!(
            "cannot read property \"{name}\": reading it threw \"{}\"",
            thrown(&e)
        ))
    })?;
    Ok(if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(v)
    })
}

/// Rejects misspelt option names instead of silently ignoring them.
fn check_keys(obj: &JsValue, allowed: &[&str], what: &str) -> Result<(), JsError> {
    if !obj.is_object() || is_array(obj) || obj.is_function() {
        return Err(bad(format!(
            "{what} must be a plain object, got {}",
            type_name(obj)
        )));
    }
    let keys = try_object_keys(obj)
        .map_err(|e| bad(format!("cannot list the {what} properties: {}", thrown(&e))))?;
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(bad(format!(
                "unknown {what} property \"{}\"; accepted: {}",
                truncate_for_message(&key),
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

fn number(v: &JsValue, name: &str) -> Result<f64, JsError> {
    let n = v
        .as_f64()
        .ok_or_else(|| bad(format!("{name} must be a number, got {}", type_name(v))))?;
    if !n.is_finite() {
        return Err(bad(format!(
            "{name} must be a finite number, got {}",
            Num(n)
        )));
    }
    Ok(n)
}

fn whole_number(v: &JsValue, name: &str, lo: f64, hi: f64) -> Result<usize, JsError> {
    let n = number(v, name)?;
    if n.fract() != 0.0 || n < lo || n > hi {
        return Err(bad(format!(
            "{name} must be a whole number from {} to {}, got {}",
            Num(lo),
            Num(hi),
            Num(n)
        )));
    }
    Ok(n as usize)
}

fn boolean(v: &JsValue, name: &str) -> Result<bool, JsError> {
    v.as_bool().ok_or_else(|| {
        bad(format!(
            "{name} must be true or false, got {}",
            type_name(v)
        ))
    })
}

fn string(v: &JsValue, name: &str) -> Result<String, JsError> {
    let s = v
        .as_string()
        .ok_or_else(|| bad(format!("{name} must be a string, got {}", type_name(v))))?;
    if s.len() > MAX_STRING_LEN {
        return Err(bad(format!(
            "{name} is {} characters long; at most {MAX_STRING_LEN} are accepted",
            s.len()
        )));
    }
    Ok(s)
}

/// Item ids may be given as numbers too (GA4 allows both); they are compared as strings.
fn item_id(v: &JsValue, name: &str) -> Result<String, JsError> {
    if let Some(n) = v.as_f64() {
        if n.is_finite() && n.fract() == 0.0 {
            return Ok(format!("{n}"));
        }
    }
    let s = string(v, name)?;
    if s.is_empty() {
        return Err(bad(format!("{name} must not be empty")));
    }
    Ok(s)
}

/// A string or an array of strings.
fn string_list(v: &JsValue, name: &str) -> Result<Vec<String>, JsError> {
    if v.is_string() {
        return Ok(vec![string(v, name)?]);
    }
    if !is_array(v) {
        return Err(bad(format!(
            "{name} must be a string or an array of strings, got {}",
            type_name(v)
        )));
    }
    array_items(v, name, crate::ranking::MAX_LIST_LEN)?
        .iter()
        .enumerate()
        .map(|(i, x)| item_id(&x, &format!("{name}[{i}]")))
        .collect()
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| bad(format!("internal error converting a result: {e}")))
}

fn load_options(v: &JsValue) -> Result<LoadOptions, JsError> {
    let mut o = LoadOptions::default();
    if v.is_undefined() || v.is_null() {
        return Ok(o);
    }
    check_keys(
        v,
        &["maxItems", "halfLifeHours", "eventWeights", "publicKey"],
        "load option",
    )?;
    if let Some(k) = field(v, "publicKey")? {
        o.public_key = Some(public_key(&k)?);
    }
    if let Some(x) = field(v, "maxItems")? {
        o.max_items = Some(whole_number(
            &x,
            "maxItems",
            1.0,
            crate::profile::MAX_ITEMS_CEILING as f64,
        )?);
    }
    if let Some(x) = field(v, "halfLifeHours")? {
        o.half_life_hours = Some(number(&x, "halfLifeHours")?);
    }
    if let Some(w) = field(v, "eventWeights")? {
        let names = EventKind::ALL.map(|k| k.name());
        check_keys(&w, &names, "eventWeights")?;
        for name in names {
            if let Some(x) = field(&w, name)? {
                o.event_weights.push((
                    name.to_string(),
                    number(&x, &format!("eventWeights.{name}"))?,
                ));
            }
        }
    }
    Ok(o)
}

fn rank_options(v: &JsValue, mut o: RankOptions) -> Result<RankOptions, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(o);
    }
    check_keys(
        v,
        &[
            "k",
            "filters",
            "excludeViewed",
            "excludeInCart",
            "excludePurchased",
            "items",
            "boosts",
        ],
        "option",
    )?;
    if let Some(x) = field(v, "k")? {
        o.k = whole_number(&x, "k", 1.0, crate::ranking::MAX_K as f64)?;
    }
    for (name, slot) in [
        ("excludeViewed", &mut o.exclude_viewed),
        ("excludeInCart", &mut o.exclude_in_cart),
        ("excludePurchased", &mut o.exclude_purchased),
    ] {
        if let Some(x) = field(v, name)? {
            *slot = boolean(&x, name)?;
        }
    }
    if let Some(x) = field(v, "items")? {
        o.candidates = Some(string_list(&x, "items")?);
    }
    if let Some(b) = field(v, "boosts")? {
        if !b.is_object() || is_array(&b) || b.is_function() {
            return Err(bad(format!(
                "boosts must be an object like {{\"SKU-1\": 0.5}}, got {}",
                type_name(&b)
            )));
        }
        let entries = try_object_entries(&b)
            .map_err(|e| bad(format!("cannot read the boosts: {}", thrown(&e))))?;
        if entries.length() as usize > crate::ranking::MAX_LIST_LEN {
            return Err(bad("boosts has too many entries"));
        }
        for e in entries.iter() {
            let pair = Array::from(&e);
            let id = string(&pair.get(0), "boost item id")?;
            let value = number(
                &pair.get(1),
                &format!("boosts[\"{}\"]", truncate_for_message(&id)),
            )?;
            o.boosts.push((id, value as f32));
        }
    }
    if let Some(f) = field(v, "filters")? {
        check_keys(
            &f,
            &[
                "categories",
                "excludeCategories",
                "brands",
                "excludeBrands",
                "minPrice",
                "maxPrice",
                "inStockOnly",
            ],
            "filter",
        )?;
        for (name, slot) in [
            ("categories", &mut o.include_categories),
            ("excludeCategories", &mut o.exclude_categories),
            ("brands", &mut o.include_brands),
            ("excludeBrands", &mut o.exclude_brands),
        ] {
            if let Some(x) = field(&f, name)? {
                *slot = string_list(&x, &format!("filters.{name}"))?;
            }
        }
        if let Some(x) = field(&f, "minPrice")? {
            o.min_price = Some(number(&x, "filters.minPrice")? as f32);
        }
        if let Some(x) = field(&f, "maxPrice")? {
            o.max_price = Some(number(&x, "filters.maxPrice")? as f32);
        }
        if let Some(x) = field(&f, "inStockOnly")? {
            o.in_stock_only = boolean(&x, "filters.inStockOnly")?;
        }
    }
    o.validate().map_err(err)?;
    Ok(o)
}

/// Turns one GA4-shaped JS event into engine events (one per item).
fn parse_events(v: &JsValue) -> Result<Vec<Event>, JsError> {
    const EXAMPLE: &str = "{event: \"view_item\", item_id: \"SKU-1\"}";
    if !v.is_object() || is_array(v) {
        return Err(bad(format!(
            "track() needs an event object like {EXAMPLE}, got {}",
            type_name(v)
        )));
    }
    let name = match (field(v, "event")?, field(v, "name")?) {
        (Some(n), _) | (None, Some(n)) => string(&n, "event")?,
        (None, None) => {
            return Err(bad(format!(
                "the event has no \"event\" name; expected something like {EXAMPLE}"
            )))
        }
    };
    let kind = EventKind::parse(&name).map_err(err)?;
    let time_ms = match field(v, "timestamp")? {
        Some(t) if t.is_instance_of::<js_sys::Date>() => try_get_time(&t)
            .map_err(|e| bad(format!("timestamp is not a usable Date: {}", thrown(&e))))?,
        Some(t) => number(&t, "timestamp")?,
        None => js_sys::Date::now(),
    };
    crate::profile::check_time_ms(time_ms).map_err(err)?;
    let dwell_ms = match (field(v, "engagement_time_msec")?, field(v, "duration_ms")?) {
        (Some(d), _) | (None, Some(d)) => {
            let d = number(&d, "engagement_time_msec")?;
            if d < 0.0 {
                return Err(bad(format!("dwell time must be >= 0 ms, got {}", Num(d))));
            }
            Some(d)
        }
        (None, None) => None,
    };
    if kind == EventKind::Dwell && dwell_ms.is_none() {
        return Err(bad(
            "a dwell event needs engagement_time_msec (milliseconds on the page)",
        ));
    }
    let mut ids = Vec::new();
    if let Some(id) = field(v, "item_id")? {
        ids.push(item_id(&id, "item_id")?);
    }
    let items = match field(v, "items")? {
        Some(items) => Some(items),
        None => match field(v, "ecommerce")? {
            Some(ec) => field(&ec, "items")?,
            None => None,
        },
    };
    if let Some(items) = items {
        if !is_array(&items) {
            return Err(bad(format!(
                "items must be an array of {{item_id}} objects, got {}",
                type_name(&items)
            )));
        }
        let arr = array_items(&items, "the event's items", MAX_EVENT_ITEMS as usize)?;
        for (i, it) in arr.iter().enumerate() {
            if !it.is_object() {
                return Err(bad(format!(
                    "items[{i}] must be an object with item_id, got {}",
                    type_name(&it)
                )));
            }
            let id =
                field(&it, "item_id")?.ok_or_else(|| bad(format!("items[{i}] has no item_id")))?;
            ids.push(item_id(&id, &format!("items[{i}].item_id"))?);
        }
    }
    if ids.is_empty() {
        return Err(bad(format!(
            "the event names no item: give item_id or an items array, like {EXAMPLE}"
        )));
    }
    Ok(ids
        .into_iter()
        .map(|item_id| Event {
            kind,
            item_id,
            time_ms,
            dwell_ms,
        })
        .collect())
}

/// The `publicKey` load option: base64 or hex text, or 32 raw bytes.
fn public_key(v: &JsValue) -> Result<[u8; crate::signature::PUBLIC_KEY_LEN], JsError> {
    if let Some(u8a) = as_uint8array(v) {
        return <[u8; crate::signature::PUBLIC_KEY_LEN]>::try_from(u8a.to_vec()).map_err(|b| {
            bad(format!(
                "publicKey as a Uint8Array must hold 32 bytes, got {}",
                b.len()
            ))
        });
    }
    match v.as_string() {
        Some(text) if text.len() <= MAX_STRING_LEN => {
            crate::signature::parse_public_key(&text).map_err(err)
        }
        Some(text) => Err(bad(format!(
            "publicKey must be a 32-byte Ed25519 key as base64 or hex; got a string of {} characters",
            text.len()
        ))),
        None => Err(bad(format!(
            "publicKey must be a base64 or hex string (as printed by `shelfrank keygen`) or a Uint8Array of 32 bytes, got {}",
            type_name(v)
        ))),
    }
}

/// A real Uint8Array: `instanceof` alone also passes look-alikes such as
/// `Object.create(Uint8Array.prototype)`, whose length getter throws.
fn as_uint8array(v: &JsValue) -> Option<&Uint8Array> {
    if js_sys::ArrayBuffer::is_view(v) {
        v.dyn_ref::<Uint8Array>()
    } else {
        None
    }
}

/// A real ArrayBuffer (its `byteLength` getter throws for look-alikes).
fn as_array_buffer(v: &JsValue) -> Option<&js_sys::ArrayBuffer> {
    let buf = v.dyn_ref::<js_sys::ArrayBuffer>()?;
    Reflect::get(v, &JsValue::from_str("byteLength"))
        .ok()
        .and_then(|n| n.as_f64())
        .map(|_| buf)
}

/// Model bytes from a Uint8Array or ArrayBuffer, copied once into wasm memory.
fn model_bytes(v: &JsValue) -> Result<Vec<u8>, JsError> {
    if let Some(u8a) = as_uint8array(v) {
        Ok(u8a.to_vec())
    } else if let Some(buf) = as_array_buffer(v) {
        Ok(Uint8Array::new(buf).to_vec())
    } else {
        Err(bad(format!(
            "Recommender.load() needs the model file as a Uint8Array or ArrayBuffer (for example new Uint8Array(await (await fetch(url)).arrayBuffer())), got {}",
            type_name(v)
        )))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecommendationOut<'a> {
    item_id: &'a str,
    score: f32,
    reason: String,
    because: Option<&'a str>,
    name: &'a str,
    category: &'a str,
    brand: &'a str,
    price: Option<f32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemOut<'a> {
    item_id: &'a str,
    name: &'a str,
    category: &'a str,
    brand: &'a str,
    price: Option<f32>,
    in_stock: bool,
    popularity: f32,
}

/// Recommendations for one shopper, computed on this device.
#[wasm_bindgen]
pub struct Recommender {
    engine: Engine,
}

#[wasm_bindgen]
impl Recommender {
    /// Loads a `.shelf` model (Uint8Array or ArrayBuffer). Rejects with an
    /// Error naming what is wrong when the bytes are not a valid model. With
    /// `{ publicKey }`, also refuses a model whose Ed25519 signature is
    /// missing or does not verify with that key.
    pub async fn load(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] options: JsValue,
    ) -> Result<Recommender, JsError> {
        Recommender::from_bytes(bytes, options)
    }

    /// Synchronous `load`, for Web Workers and tests.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] options: JsValue,
    ) -> Result<Recommender, JsError> {
        let options = load_options(&options)?;
        let bytes = model_bytes(&bytes)?;
        Ok(Recommender {
            engine: Engine::load(bytes, &options).map_err(err)?,
        })
    }

    /// Records a GA4-style event. Returns how many of its items the model
    /// knew; unknown ids are counted in `stats()` and otherwise ignored.
    pub fn track(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "TrackEvent")] event: JsValue,
    ) -> Result<u32, JsError> {
        let events = parse_events(&event)?;
        let mut known = 0;
        for e in &events {
            if self.engine.track(e).map_err(err)? {
                known += 1;
            }
        }
        Ok(known)
    }

    /// Personalised top-k with reasons (popularity before the first event).
    #[wasm_bindgen(unchecked_return_type = "Recommendation[]")]
    pub fn recommend(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let opts = rank_options(&options, RankOptions::for_recommend())?;
        let ranked = self.engine.recommend(&opts).map_err(err)?;
        self.results(&ranked)
    }

    /// Items most similar to `itemId` (cosine over the factors), same filters.
    #[wasm_bindgen(unchecked_return_type = "Recommendation[]")]
    pub fn similar(
        &mut self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let id = item_id(&item, "similar() item id")?;
        let opts = rank_options(&options, RankOptions::for_similar())?;
        let ranked = self.engine.similar(&id, &opts).map_err(err)?;
        self.results(&ranked)
    }

    /// Catalogue metadata of one item.
    #[wasm_bindgen(unchecked_return_type = "ItemInfo")]
    pub fn item(
        &self,
        #[wasm_bindgen(js_name = itemId, unchecked_param_type = "string")] item: JsValue,
    ) -> Result<JsValue, JsError> {
        let id = item_id(&item, "item id")?;
        let model = self.engine.model();
        let i = model
            .index_of(&id)
            .ok_or_else(|| err(ShelfError::UnknownItem(truncate_for_message(&id))))?;
        to_js(&item_out(model, i))
    }

    /// What the page knows about the shopper, as a plain object.
    #[wasm_bindgen(unchecked_return_type = "ProfileSummary")]
    pub fn profile(&self) -> Result<JsValue, JsError> {
        to_js(&self.engine.profile_summary())
    }

    /// A compact, versioned copy of the session (ids, kinds, minute-level times; no vectors).
    #[wasm_bindgen(js_name = exportProfile, unchecked_return_type = "ExportedProfile")]
    pub fn export_profile(&self) -> Result<JsValue, JsError> {
        to_js(&self.engine.export_profile())
    }

    /// Restores an exported profile (object or JSON string), re-folded
    /// against this model; items it lacks are dropped and counted in `stats()`.
    #[wasm_bindgen(js_name = importProfile)]
    pub fn import_profile(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ExportedProfile | string")] data: JsValue,
    ) -> Result<(), JsError> {
        let value = if let Some(text) = data.as_string() {
            js_sys::JSON::parse(&text).map_err(|_| {
                err(ShelfError::BadProfile(
                    "the string is not valid JSON".into(),
                ))
            })?
        } else {
            data
        };
        if !value.is_object() || value.is_function() {
            return Err(err(ShelfError::BadProfile(format!(
                "expected an object from exportProfile(), got {}",
                type_name(&value)
            ))));
        }
        // A JSON round trip first: what is read below is then plain data,
        // with no getters, Proxy traps or cycles left to throw or recurse.
        let text = js_sys::JSON::stringify(&value)
            .map_err(|e| {
                err(ShelfError::BadProfile(format!(
                    "it cannot be read as JSON: {}",
                    thrown(&e)
                )))
            })?
            .as_string()
            .unwrap_or_default();
        let value = js_sys::JSON::parse(&text).map_err(|e| {
            err(ShelfError::BadProfile(format!(
                "it cannot be read as JSON: {}",
                thrown(&e)
            )))
        })?;
        let parsed: ExportedProfile = serde_wasm_bindgen::from_value(value)
            .map_err(|e| err(ShelfError::BadProfile(truncate_for_message(&e.to_string()))))?;
        self.engine.import_profile(&parsed).map_err(err)
    }

    /// Forgets the session at once: history, counters and cached vectors.
    pub fn forget(&mut self) {
        self.engine.forget();
    }

    /// Counters: events tracked, unknown ids ignored, items evicted, …
    #[wasm_bindgen(unchecked_return_type = "Stats")]
    pub fn stats(&self) -> Result<JsValue, JsError> {
        to_js(&self.engine.stats())
    }

    /// Size, dimension and training defaults of the loaded model.
    #[wasm_bindgen(js_name = modelInfo, unchecked_return_type = "ModelInfo")]
    pub fn model_info(&self) -> Result<JsValue, JsError> {
        let m = self.engine.model();
        let d = m.defaults();
        let s = self.engine.settings();
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Info {
            items: usize,
            dim: usize,
            bytes: usize,
            checksum: String,
            half_life_hours: f64,
            alpha: f32,
            lambda: f32,
            event_weights: std::collections::BTreeMap<&'static str, f32>,
        }
        to_js(&Info {
            items: m.item_count(),
            dim: m.dim(),
            bytes: m.byte_len(),
            checksum: format!("{:08x}", m.checksum()),
            half_life_hours: s.half_life_ms / 3_600_000.0,
            alpha: d.alpha,
            lambda: d.lambda,
            event_weights: EventKind::ALL
                .iter()
                .map(|k| (k.name(), s.weights.get(*k)))
                .collect(),
        })
    }
}

fn item_out(model: &crate::model::Model, i: usize) -> ItemOut<'_> {
    ItemOut {
        item_id: model.item_id(i),
        name: model.name(i),
        category: model.category(i),
        brand: model.brand(i),
        price: model.price(i),
        in_stock: model.in_stock(i),
        popularity: model.popularity(i),
    }
}

impl Recommender {
    fn results(&self, ranked: &[Ranked]) -> Result<JsValue, JsError> {
        let model = self.engine.model();
        let out: Vec<RecommendationOut> = ranked
            .iter()
            .map(|r| {
                let (reason, because) = match r.reason {
                    Reason::Popular => ("popular".to_string(), None),
                    Reason::Because { index, kind } => (
                        format!("because you {} {}", kind.past_tense(), model.label(index)),
                        Some(model.item_id(index)),
                    ),
                    Reason::SimilarTo { index } => (
                        format!("similar to {}", model.label(index)),
                        Some(model.item_id(index)),
                    ),
                };
                RecommendationOut {
                    item_id: model.item_id(r.index),
                    score: r.score,
                    reason,
                    because,
                    name: model.name(r.index),
                    category: model.category(r.index),
                    brand: model.brand(r.index),
                    price: model.price(r.index),
                }
            })
            .collect();
        to_js(&out)
    }
}

/// Hooks for `npm run bench` (feature `bench`, never in the published package):
/// the memory-bandwidth reference and raw material for the JS baselines.
#[cfg(feature = "bench")]
#[wasm_bindgen]
impl Recommender {
    /// Sums the whole int8 factor block with SIMD: the floor any scorer pays.
    #[wasm_bindgen(js_name = benchSumFactorBlock)]
    pub fn bench_sum_factor_block(&self) -> i32 {
        let m = self.engine.model();
        let b = m.factor_block();
        let block = m
            .raw_bytes()
            .get(b.offset..b.offset + b.items * b.stride)
            .unwrap_or(&[]);
        sum_block(block)
    }

    /// The dequantised factors, row-major (items × dim), for the JS baselines.
    #[wasm_bindgen(js_name = benchFactors)]
    pub fn bench_factors(&self) -> Vec<f32> {
        let m = self.engine.model();
        (0..m.item_count())
            .flat_map(|i| m.factor_block().row_f32(m.raw_bytes(), i))
            .collect()
    }

    /// The current user vector (after folding in the session).
    #[wasm_bindgen(js_name = benchUserVector)]
    pub fn bench_user_vector(&mut self) -> Result<Vec<f32>, JsError> {
        Ok(self.engine.user_vector().map_err(err)?.x.clone())
    }
}

#[cfg(feature = "bench")]
fn sum_block(block: &[u8]) -> i32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        let mut acc = i32x4_splat(0);
        for c in block.chunks_exact(16) {
            // SAFETY: `c` is exactly 16 bytes; v128_load is unaligned.
            let v = unsafe { v128_load(c.as_ptr() as *const v128) };
            acc = i32x4_add(
                acc,
                i32x4_extadd_pairwise_i16x8(i16x8_extadd_pairwise_i8x16(v)),
            );
        }
        i32x4_extract_lane::<0>(acc)
            + i32x4_extract_lane::<1>(acc)
            + i32x4_extract_lane::<2>(acc)
            + i32x4_extract_lane::<3>(acc)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        block.iter().map(|&b| (b as i8) as i32).sum()
    }
}
