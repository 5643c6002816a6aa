//! Training end to end: cold items, atomic writes, determinism of the file,
//! and a train → eval round trip on the committed fixtures.

use shelfrank::{LoadOptions, Model, Recommender};
use shelfrank_trainer::als::{AlsParams, Solver};
use shelfrank_trainer::baselines::SknnParams;
use shelfrank_trainer::eval::{evaluate, EvalConfig};
use shelfrank_trainer::input::ReadOptions;
use shelfrank_trainer::train::{parse_event_weights, train, TrainConfig};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn config(events: PathBuf, catalog: Option<PathBuf>, out: PathBuf) -> TrainConfig {
    TrainConfig {
        events,
        catalog,
        out,
        als: AlsParams {
            factors: 16,
            iterations: 8,
            lambda: 1.0,
            alpha: 40.0,
            solver: Solver::Cg,
            cg_steps: 3,
            seed: 42,
        },
        weights: parse_event_weights("").unwrap(),
        half_life_hours: 168.0,
        threads: Some(2),
        read: ReadOptions {
            progress: false,
            ..ReadOptions::default()
        },
        track_loss: true,
    }
}

fn row(m: &Model, id: &str) -> Vec<f32> {
    let i = m.index_of(id).unwrap();
    m.factor_block().row_f32(m.raw_bytes(), i)
}

#[test]
fn cold_items_get_the_mean_of_their_category_and_brand() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("e.csv");
    let mut text = String::from("session_id,item_id,event_type\n");
    for s in 0..30 {
        let (a, b) = if s % 2 == 0 {
            ("p1", "p2")
        } else {
            ("p3", "p4")
        };
        text.push_str(&format!("s{s},{a},view\ns{s},{b},view\n"));
    }
    std::fs::write(&events, text).unwrap();
    let catalog = dir.path().join("c.csv");
    std::fs::write(
        &catalog,
        "item_id,name,category,brand,price,in_stock\n\
         p1,Phone 1,phones,acme,100,1\n\
         p2,Phone 2,phones,acme,120,1\n\
         p3,Kettle,kitchen,boil,30,1\n\
         p4,Toaster,kitchen,heat,40,0\n\
         new-phone,Phone 3,phones,acme,150,1\n\
         new-kettle,Kettle 2,kitchen,other,35,1\n\
         new-heat,Heater,garden,heat,80,1\n\
         orphan,Orphan,toys,nobody,5,1\n",
    )
    .unwrap();
    let out = dir.path().join("m.shelf");
    let s = train(&config(events, Some(catalog), out.clone())).unwrap();
    assert_eq!(
        (
            s.coverage.items,
            s.coverage.warm_items,
            s.coverage.cold_items
        ),
        (8, 4, 4)
    );
    assert_eq!(
        (
            s.coverage.cold_by_category_brand,
            s.coverage.cold_by_category,
            s.coverage.cold_by_brand,
            s.coverage.cold_zero
        ),
        (1, 1, 1, 1)
    );
    let m = Model::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    let close = |a: &[f32], b: &[f32]| {
        let scale = a.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 0.02 * scale)
    };
    let mean = |a: Vec<f32>, b: Vec<f32>| -> Vec<f32> {
        a.iter().zip(&b).map(|(x, y)| (x + y) / 2.0).collect()
    };
    assert!(close(
        &row(&m, "new-phone"),
        &mean(row(&m, "p1"), row(&m, "p2"))
    ));
    assert!(close(
        &row(&m, "new-kettle"),
        &mean(row(&m, "p3"), row(&m, "p4"))
    ));
    assert!(close(&row(&m, "new-heat"), &row(&m, "p4")));
    assert!(row(&m, "orphan").iter().all(|v| *v == 0.0));
    assert!(row(&m, "new-phone").iter().any(|v| *v != 0.0));
    // Catalogue metadata and the popularity prior made it into the file.
    let i = m.index_of("p4").unwrap();
    assert_eq!(
        (m.name(i), m.category(i), m.brand(i)),
        ("Toaster", "kitchen", "heat")
    );
    assert_eq!(m.price(i), Some(40.0));
    assert!(!m.in_stock(i));
    assert_eq!(m.popularity(m.index_of("orphan").unwrap()), 0.0);
    assert!(m.popularity(i) > 0.0);
    // Training loss went down.
    assert!(
        s.losses.last().unwrap() < s.losses.first().unwrap(),
        "{:?}",
        s.losses
    );
}

#[test]
fn bad_input_leaves_no_model_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("e.csv");
    std::fs::write(
        &events,
        "session_id,item_id,event_type\ns,a,view\ns,b,fly\n",
    )
    .unwrap();
    let out = dir.path().join("m.shelf");
    let err = train(&config(events.clone(), None, out.clone())).unwrap_err();
    assert!(format!("{err:#}").contains("line 3"), "{err:#}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "only the events file may remain: {names:?}");
    // With --skip-bad-rows it trains and nothing but the model is added.
    let mut cfg = config(events, None, out.clone());
    cfg.read.skip_bad_rows = true;
    let s = train(&cfg).unwrap();
    assert_eq!(s.bad_rows, 1);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn the_model_file_is_identical_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.shelf");
    let b = dir.path().join("b.shelf");
    let mut c1 = config(fixture("yoochoose_train.tsv"), None, a.clone());
    c1.threads = Some(1);
    let mut c2 = config(fixture("yoochoose_train.tsv"), None, b.clone());
    c2.threads = Some(2);
    train(&c1).unwrap();
    train(&c2).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn train_then_eval_round_trip_on_the_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("yc.shelf");
    let s = train(&config(fixture("yoochoose_train.tsv"), None, model.clone())).unwrap();
    assert_eq!(s.events, 1500);
    assert!(
        s.quantisation_rel_error < 0.05,
        "{}",
        s.quantisation_rel_error
    );
    // The engine loads what the trainer wrote.
    let bytes = std::fs::read(&model).unwrap();
    assert_eq!(bytes.len(), s.model_bytes);
    Recommender::load(bytes, &LoadOptions::default()).unwrap();
    let r = evaluate(&EvalConfig {
        model,
        test: fixture("yoochoose_test.tsv"),
        train: Some(fixture("yoochoose_train.tsv")),
        ks: vec![5, 20],
        sknn: SknnParams::default(),
        blend: None,
        threads: Some(2),
        read: ReadOptions {
            progress: false,
            ..ReadOptions::default()
        },
        max_sessions: None,
    })
    .unwrap();
    let names: Vec<&str> = r.methods.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["shelfrank", "most-popular", "co-occurrence", "V-SKNN"]
    );
    assert!(r.predictions > 20, "{}", r.predictions);
    assert!(r.test_events_dropped_unknown > 0);
    for m in &r.methods {
        assert_eq!(m.predictions, r.predictions);
        let (a5, a20) = (m.at_k(5).unwrap(), m.at_k(20).unwrap());
        assert!(a5.recall <= a20.recall && a5.mrr <= a20.mrr);
        assert!((0.0..=1.0).contains(&a20.recall));
    }
    let recall = |n: &str| {
        r.methods
            .iter()
            .find(|m| m.name == n)
            .unwrap()
            .at_k(20)
            .unwrap()
            .recall
    };
    assert!(recall("shelfrank") > recall("most-popular"), "{r:?}");
    // Reports are written and readable.
    let rep = dir.path().join("report");
    shelfrank_trainer::report::write_report(&rep, &r, Some(&s)).unwrap();
    for f in [
        "report.md",
        "report.json",
        "metrics.svg",
        "recall_curve.svg",
        "coverage_popularity.svg",
    ] {
        assert!(rep.join(f).metadata().unwrap().len() > 100, "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rep.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["evaluation"]["methods"][0]["at"][1]["k"], 20);
    assert_eq!(json["training"]["factors"], 16);
    let table = shelfrank_trainer::report::summarize(&[("yc".into(), rep)], 20).unwrap();
    assert!(table.contains("| V-SKNN |"), "{table}");
}
