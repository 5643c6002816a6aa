//! The event and option path: what `track`, `recommend`, `similar`,
//! `importProfile` and the load options receive once the JS layer has
//! turned its arguments into Rust values. Structured inputs (arbitrary ids,
//! kinds, timestamps, dwell times, k, prices, filters, boosts, profiles as
//! JSON or as values) drive one Recommender over the fixture model, and
//! every result is checked against the ranking invariants.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use shelfrank::profile::ExportedItem;
use shelfrank::signature::parse_public_key;
use shelfrank::{Event, EventKind, ExportedProfile, LoadOptions, Model, RankOptions, Recommender};
use shelfrank_fuzz::{check_ranked, fixture, history_hidden};

/// An item id: one the model has (by index) or any string.
#[derive(Arbitrary, Debug)]
enum Id {
    Known(u8),
    Raw(String),
}

impl Id {
    fn resolve(&self, m: &Model) -> String {
        match self {
            Id::Known(i) => m.item_id(*i as usize % m.item_count()).to_string(),
            Id::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Kind {
    Code(u8),
    Name(String),
}

#[derive(Arbitrary, Debug)]
struct Opts {
    k: u16,
    exclude: Option<(bool, bool, bool)>,
    include_categories: Vec<String>,
    exclude_categories: Vec<String>,
    include_brands: Vec<String>,
    exclude_brands: Vec<String>,
    min_price: Option<f32>,
    max_price: Option<f32>,
    in_stock_only: bool,
    candidates: Option<Vec<Id>>,
    boosts: Vec<(Id, f32)>,
}

impl Opts {
    fn build(&self, m: &Model, base: RankOptions) -> RankOptions {
        let mut o = base;
        o.k = self.k as usize;
        if let Some((v, c, p)) = self.exclude {
            (o.exclude_viewed, o.exclude_in_cart, o.exclude_purchased) = (v, c, p);
        }
        o.include_categories = self.include_categories.clone();
        o.exclude_categories = self.exclude_categories.clone();
        o.include_brands = self.include_brands.clone();
        o.exclude_brands = self.exclude_brands.clone();
        o.min_price = self.min_price;
        o.max_price = self.max_price;
        o.in_stock_only = self.in_stock_only;
        o.candidates = self
            .candidates
            .as_ref()
            .map(|c| c.iter().map(|id| id.resolve(m)).collect());
        o.boosts = self
            .boosts
            .iter()
            .map(|(id, b)| (id.resolve(m), *b))
            .collect();
        o
    }
}

#[derive(Arbitrary, Debug)]
struct Item {
    id: Id,
    last_minute: i64,
    counts: [u32; 8],
    decayed: [f32; 8],
}

#[derive(Arbitrary, Debug)]
enum Op {
    Track {
        kind: Kind,
        id: Id,
        time_ms: f64,
        dwell_ms: Option<f64>,
    },
    /// Many events of one kind at increasing times (long sessions).
    TrackBurst {
        kind: u8,
        first: u8,
        count: u16,
        start_ms: f64,
        step_ms: f32,
    },
    Recommend(Opts),
    Similar(Id, Opts),
    ImportJson(String),
    ImportValue {
        format: Option<String>,
        version: u32,
        saved_minute: i64,
        items: Vec<Item>,
        recent: Vec<(Id, u8, i64)>,
    },
    ExportImport,
    Forget,
    Summary,
    PublicKey(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    max_items: Option<u16>,
    half_life_hours: Option<f64>,
    event_weights: Vec<(Kind, f64)>,
    ops: Vec<Op>,
}

fn kind_name(k: &Kind) -> String {
    match k {
        Kind::Code(c) => EventKind::ALL[*c as usize % 8].name().to_string(),
        Kind::Name(s) => s.clone(),
    }
}

fn run(input: Input) {
    let model = Model::from_bytes(fixture().to_vec()).expect("fixture loads");
    let options = LoadOptions {
        max_items: input.max_items.map(usize::from),
        half_life_hours: input.half_life_hours,
        event_weights: input
            .event_weights
            .iter()
            .map(|(k, w)| (kind_name(k), *w))
            .collect(),
        public_key: None,
    };
    let Ok(mut r) = Recommender::new(model, &options) else {
        return;
    };
    let max_items = r.settings().max_items;
    for op in input.ops.iter().take(32) {
        match op {
            Op::Track {
                kind,
                id,
                time_ms,
                dwell_ms,
            } => {
                let Ok(kind) = EventKind::parse(&kind_name(kind)) else {
                    continue;
                };
                let event = Event {
                    kind,
                    item_id: id.resolve(r.model()),
                    time_ms: *time_ms,
                    dwell_ms: *dwell_ms,
                };
                let ok = r.track(&event);
                if shelfrank::profile::check_time_ms(*time_ms).is_ok() {
                    assert!(ok.is_ok(), "valid time refused: {ok:?}");
                }
            }
            Op::TrackBurst {
                kind,
                first,
                count,
                start_ms,
                step_ms,
            } => {
                let kind = EventKind::ALL[*kind as usize % 8];
                let n = r.model().item_count();
                for j in 0..(*count as usize).min(1000) {
                    let id = r.model().item_id((*first as usize + j) % n).to_string();
                    let t = start_ms + j as f64 * *step_ms as f64;
                    let mut e = Event::new(kind, id, t);
                    e.dwell_ms = Some(15_000.0);
                    let _ = r.track(&e);
                }
            }
            Op::Recommend(o) => {
                let opts = o.build(r.model(), RankOptions::for_recommend());
                let res = r.recommend(&opts);
                match (opts.validate(), res) {
                    (Ok(()), Ok(out)) => {
                        let hidden = history_hidden(&r, &opts);
                        check_ranked(r.model(), &opts, &out, &hidden);
                    }
                    (Ok(()), Err(e)) => panic!("valid options refused: {e}"),
                    (Err(_), Ok(_)) => panic!("invalid options accepted"),
                    (Err(_), Err(e)) => assert!(!e.to_string().is_empty()),
                }
            }
            Op::Similar(id, o) => {
                let opts = o.build(r.model(), RankOptions::for_similar());
                let target = id.resolve(r.model());
                let known = r.model().index_of(&target);
                let res = r.similar(&target, &opts);
                match (opts.validate(), known, res) {
                    (Ok(()), Some(t), Ok(out)) => {
                        let mut hidden = history_hidden(&r, &opts);
                        hidden.push(t);
                        check_ranked(r.model(), &opts, &out, &hidden);
                    }
                    (Ok(()), Some(_), Err(e)) => panic!("valid similar() refused: {e}"),
                    (_, None, Ok(_)) => panic!("similar() to an unknown id answered"),
                    (Err(_), _, Ok(_)) => panic!("invalid options accepted"),
                    _ => {}
                }
            }
            Op::ImportJson(text) => {
                if let Ok(p) = serde_json::from_str::<ExportedProfile>(text) {
                    import_and_check(&mut r, &p, max_items);
                }
            }
            Op::ImportValue {
                format,
                version,
                saved_minute,
                items,
                recent,
            } => {
                let m = r.model();
                let p = ExportedProfile {
                    format: format
                        .clone()
                        .unwrap_or_else(|| shelfrank::profile::PROFILE_FORMAT_NAME.into()),
                    version: *version % 3,
                    saved_minute: *saved_minute,
                    items: items
                        .iter()
                        .map(|it| ExportedItem {
                            id: it.id.resolve(m),
                            last_minute: it.last_minute,
                            counts: it.counts,
                            decayed: it.decayed,
                        })
                        .collect(),
                    recent: recent
                        .iter()
                        .map(|(id, c, t)| (id.resolve(m), *c, *t))
                        .collect(),
                };
                import_and_check(&mut r, &p, max_items);
            }
            Op::ExportImport => {
                let p = r.export_profile();
                let text = serde_json::to_string(&p).expect("export serialises");
                let back: ExportedProfile = serde_json::from_str(&text).expect("export parses");
                r.import_profile(&back)
                    .unwrap_or_else(|e| panic!("an exported profile must import: {e}"));
            }
            Op::Forget => {
                r.forget();
                assert_eq!(r.session().distinct_items(), 0);
            }
            Op::Summary => {
                let s = r.profile_summary();
                assert!(s.distinct_items <= max_items);
            }
            Op::PublicKey(text) => {
                let _ = parse_public_key(text);
            }
        }
        assert!(
            r.session().distinct_items() <= max_items,
            "profile over its cap"
        );
    }
}

fn import_and_check(r: &mut Recommender, p: &ExportedProfile, max_items: usize) {
    if r.import_profile(p).is_ok() {
        assert!(r.session().distinct_items() <= max_items);
        // What was imported must export and import again, unchanged.
        let again = r.export_profile();
        r.import_profile(&again)
            .unwrap_or_else(|e| panic!("a re-exported profile must import: {e}"));
        assert_eq!(r.export_profile(), again);
    }
}

fuzz_target!(|input: Input| run(input));
