//! `import-spark`: a factors directory as `examples/spark/train_als.py`
//! writes it → the `.shelf` file `train` writes. The proof that the assembly
//! is the trainer's own: the native trainer's f32 factors, exported in the
//! Spark layout and imported, give the native model file byte for byte.
//! Then every validation error, on small hand-written JSON-lines fixtures.

use shelfrank::Model;
use shelfrank_trainer::als::{self, AlsParams, Solver};
use shelfrank_trainer::catalog::Catalog;
use shelfrank_trainer::import_spark::{import_spark, ImportConfig};
use shelfrank_trainer::input::ReadOptions;
use shelfrank_trainer::train::{parse_event_weights, prepare, train, TrainConfig};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn spark_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/spark/fixtures")
        .join(name)
}

fn read_opts() -> ReadOptions {
    ReadOptions {
        progress: false,
        ..ReadOptions::default()
    }
}

fn cfg(factors: &Path, catalog: Option<PathBuf>, out: &Path) -> ImportConfig {
    ImportConfig {
        factors: factors.to_path_buf(),
        catalog,
        out: out.to_path_buf(),
        regularization: None,
        read: read_opts(),
    }
}

const META_4: &str = r#"{"format": "shelfrank-spark-factors", "version": 1, "rank": 4, "max_iter": 5, "reg_param": 0.01, "alpha": 10.0, "seed": 7, "implicit_prefs": true, "half_life_hours": 168.0, "event_weights": {"view_item": 1.0, "add_to_cart": 5.0}, "fold_in_lambda": 0.05, "events": 9, "sessions": 3, "nonzeros": 6, "spark_version": "test"}"#;

/// Writes a factors directory: metadata/part-00000.json and the given item files.
fn factors_dir(root: &Path, meta: &str, parts: &[(&str, &str)]) -> PathBuf {
    let dir = root.join("factors");
    std::fs::create_dir_all(dir.join("metadata")).unwrap();
    std::fs::create_dir_all(dir.join("items")).unwrap();
    std::fs::write(dir.join("metadata/part-00000.json"), format!("{meta}\n")).unwrap();
    std::fs::write(dir.join("metadata/_SUCCESS"), "").unwrap();
    std::fs::write(dir.join("items/_SUCCESS"), "").unwrap();
    std::fs::write(dir.join("items/.part-00000.json.crc"), "garbage").unwrap();
    for (name, text) in parts {
        std::fs::write(dir.join("items").join(name), text).unwrap();
    }
    dir
}

const ITEMS_OK: &str = r#"{"item_id":"p1","events":10,"factors":[1.0,0.0,0.5,-0.5]}
{"item_id":"p2","events":4,"factors":[0.0,1.0,0.5,0.5]}
{"item_id":"p3","events":1,"factors":[0.5,0.5,-1.0,0.0]}

{"item_id":"gone","events":2}
{"item_id":"unlisted","events":3,"factors":[0.25,0.25,0.25,0.25]}
"#;

const CATALOG: &str = "item_id,name,category,brand,price,in_stock\n\
    p1,Phone 1,phones,acme,100,1\n\
    p2,Phone 2,phones,acme,120,1\n\
    p3,Kettle,kitchen,boil,30,0\n\
    gone,Gone,kitchen,boil,31,1\n\
    new-phone,Phone 3,phones,acme,150,1\n\
    orphan,Orphan,toys,nobody,5,1\n";

fn err_of(root: &Path, meta: &str, parts: &[(&str, &str)]) -> String {
    let dir = factors_dir(root, meta, parts);
    let out = root.join("m.shelf");
    let e = import_spark(&cfg(&dir, None, &out)).unwrap_err();
    assert!(!out.exists(), "no model may be written on error");
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".shelfrank-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    format!("{e:#}")
}

#[test]
fn import_builds_the_model_with_catalogue_cold_items_and_prior() {
    let root = tempfile::tempdir().unwrap();
    let dir = factors_dir(root.path(), META_4, &[("part-00000.json", ITEMS_OK)]);
    let catalog = root.path().join("catalog.csv");
    std::fs::write(&catalog, CATALOG).unwrap();
    let out = root.path().join("m.shelf");
    let s = import_spark(&cfg(&dir, Some(catalog), &out)).unwrap();
    // 6 catalogue items + "unlisted" appended; gone/new-phone/orphan are cold.
    assert_eq!(
        (
            s.coverage.items,
            s.coverage.warm_items,
            s.coverage.cold_items
        ),
        (7, 4, 3)
    );
    assert_eq!(s.not_in_catalog, 1);
    assert_eq!(
        (
            s.coverage.cold_by_category_brand,
            s.coverage.cold_by_category,
            s.coverage.cold_by_brand,
            s.coverage.cold_zero
        ),
        (2, 0, 0, 1)
    );
    let m = Model::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(m.dim(), 4);
    assert_eq!(m.item_id(6), "unlisted");
    let row = |id: &str| {
        m.factor_block()
            .row_f32(m.raw_bytes(), m.index_of(id).unwrap())
    };
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.02);
    assert!(close(&row("p1"), &[1.0, 0.0, 0.5, -0.5]));
    // Cold: the mean of the warm items of the same category and brand.
    assert!(close(&row("new-phone"), &[0.5, 0.5, 0.5, 0.0]));
    assert!(close(&row("gone"), &row("p3")));
    assert!(row("orphan").iter().all(|v| *v == 0.0));
    // Prior: ln(1 + events) / ln(1 + max events), zero for unseen items.
    let pop = |id: &str| m.popularity(m.index_of(id).unwrap());
    assert_eq!(pop("p1"), 1.0);
    assert!((pop("p2") - (5f64.ln() / 11f64.ln()) as f32).abs() < 1e-6);
    assert_eq!(pop("orphan"), 0.0);
    assert!(pop("gone") > 0.0);
    // Catalogue metadata and the training defaults.
    let i = m.index_of("p3").unwrap();
    assert_eq!(
        (m.name(i), m.category(i), m.brand(i)),
        ("Kettle", "kitchen", "boil")
    );
    assert_eq!(m.price(i), Some(30.0));
    assert!(!m.in_stock(i));
    let d = m.defaults();
    assert_eq!((d.lambda, d.alpha, d.half_life_hours), (0.05, 10.0, 168.0));
    assert_eq!(d.weights.get(shelfrank::EventKind::AddToCart), 5.0);
    assert_eq!(d.weights.get(shelfrank::EventKind::Purchase), 8.0);
    // The λ override.
    let mut c = cfg(&dir, None, &out);
    c.regularization = Some(0.3);
    import_spark(&c).unwrap();
    let m = Model::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(m.defaults().lambda, 0.3);
    assert_eq!(m.item_count(), 5);
}

/// The native trainer's own f32 factors, written in the Spark layout and
/// imported, give exactly the file `train` writes.
#[test]
fn native_factors_imported_give_the_native_file_byte_for_byte() {
    let root = tempfile::tempdir().unwrap();
    let native = root.path().join("native.shelf");
    let tc = TrainConfig {
        events: spark_fixture("train.csv"),
        catalog: Some(spark_fixture("catalog.csv")),
        out: native.clone(),
        als: AlsParams {
            factors: 8,
            iterations: 4,
            lambda: 0.1,
            alpha: 10.0,
            solver: Solver::Cg,
            cg_steps: 3,
            seed: 42,
        },
        weights: parse_event_weights("add_to_cart=5").unwrap(),
        half_life_hours: 2.0,
        threads: Some(2),
        read: read_opts(),
        track_loss: false,
    };
    train(&tc).unwrap();
    // The same preparation and ALS run, by hand.
    let catalog = Catalog::read(&spark_fixture("catalog.csv"), &tc.read).unwrap();
    let prep = prepare(&tc, catalog).unwrap();
    let f = als::train(&prep.matrix, &tc.als, |_, _| {});
    let mut lines = String::new();
    let mut cold = 0;
    for (i, it) in prep.items.iter().enumerate() {
        if prep.counts[i] == 0 {
            continue; // the job lists only items seen in the events
        }
        write!(
            lines,
            "{{\"item_id\":\"{}\",\"events\":{}",
            it.id, prep.counts[i]
        )
        .unwrap();
        match prep.column_of[i] {
            Some(c) => {
                let v: Vec<String> = f.item(c as usize).iter().map(|x| x.to_string()).collect();
                writeln!(lines, ",\"factors\":[{}]}}", v.join(",")).unwrap();
            }
            None => {
                cold += 1;
                lines.push_str("}\n");
            }
        }
    }
    let meta = r#"{"format":"shelfrank-spark-factors","version":1,"rank":8,"alpha":10.0,"half_life_hours":2.0,"event_weights":{"add_to_cart":5.0},"fold_in_lambda":0.1,"seed":42}"#;
    // Split over two part files, as Spark would.
    let cut = lines[..lines.len() / 2].rfind('\n').unwrap() + 1;
    let dir = factors_dir(
        root.path(),
        meta,
        &[
            ("part-00000.json", &lines[..cut]),
            ("part-00001.json", &lines[cut..]),
        ],
    );
    let imported = root.path().join("imported.shelf");
    let s = import_spark(&cfg(&dir, Some(spark_fixture("catalog.csv")), &imported)).unwrap();
    assert!(
        s.coverage.cold_items > 0 && s.coverage.warm_items > 0,
        "{s:?}"
    );
    let _ = cold;
    assert!(
        std::fs::read(&native).unwrap() == std::fs::read(&imported).unwrap(),
        "the imported model differs from the native one"
    );
}

#[test]
fn dimension_mismatch_names_file_and_line() {
    let root = tempfile::tempdir().unwrap();
    let items = "{\"item_id\":\"a\",\"events\":1,\"factors\":[1,2,3,4]}\n{\"item_id\":\"b\",\"events\":1,\"factors\":[1,2,3]}\n";
    let e = err_of(root.path(), META_4, &[("part-00000.json", items)]);
    assert!(
        e.contains("part-00000.json, line 2")
            && e.contains("3 factors")
            && e.contains("rank is 4")
            && e.contains("dimension mismatch"),
        "{e}"
    );
}

#[test]
fn non_finite_factors_are_rejected() {
    for (bad, what) in [
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "Infinity"),
        ("\"NaN\"", "\"NaN\""),
        ("null", "null"),
        ("1e39", "1e+39"),
    ] {
        let root = tempfile::tempdir().unwrap();
        let items = format!(
            "{{\"item_id\":\"a\",\"events\":1,\"factors\":[1,2,3,4]}}\n\n{{\"item_id\":\"b\",\"events\":1,\"factors\":[1,{bad},3,4]}}\n"
        );
        let e = err_of(root.path(), META_4, &[("part-00007.json", &items)]);
        assert!(e.contains("part-00007.json, line 3"), "{bad}: {e}");
        assert!(
            e.contains("non-finite") || e.contains("not a finite number"),
            "{bad}: {e}"
        );
        assert!(
            e.contains(what) || e.contains("NaN or Infinity"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn missing_ids_and_counts_are_rejected() {
    for (line, want) in [
        (r#"{"events":1,"factors":[1,2,3,4]}"#, "missing item_id"),
        (
            r#"{"item_id":null,"events":1,"factors":[1,2,3,4]}"#,
            "missing item_id",
        ),
        (
            r#"{"item_id":"  ","events":1,"factors":[1,2,3,4]}"#,
            "empty item_id",
        ),
        (r#"{"item_id":"x","factors":[1,2,3,4]}"#, "missing events"),
        (
            r#"{"item_id":"x","events":-3,"factors":[1,2,3,4]}"#,
            "whole number",
        ),
        (r#"{"item_id":"x","events":1,"factors":"1,2"}"#, "array"),
        (r#"["x",1]"#, "JSON object"),
        (
            r#"{"item_id":"x","events":1,"factors":[1,2"#,
            "not valid JSON",
        ),
    ] {
        let root = tempfile::tempdir().unwrap();
        let items = format!("{{\"item_id\":\"a\",\"events\":1,\"factors\":[1,2,3,4]}}\n{line}\n");
        let e = err_of(root.path(), META_4, &[("part-00000.json", &items)]);
        assert!(
            e.contains("part-00000.json, line 2") && e.contains(want),
            "{line}: {e}"
        );
    }
}

#[test]
fn duplicate_ids_across_files_name_both_places() {
    let root = tempfile::tempdir().unwrap();
    let a = "{\"item_id\":\"a\",\"events\":1,\"factors\":[1,2,3,4]}\n{\"item_id\":\"dup\",\"events\":1,\"factors\":[1,2,3,4]}\n";
    let b = "{\"item_id\":\"dup\",\"events\":2}\n";
    let e = err_of(
        root.path(),
        META_4,
        &[("part-00000.json", a), ("part-00001.json", b)],
    );
    assert!(
        e.contains("part-00001.json, line 1")
            && e.contains("duplicate item_id \"dup\"")
            && e.contains("part-00000.json, line 2"),
        "{e}"
    );
}

#[test]
fn empty_and_incomplete_directories_are_explained() {
    // Only _SUCCESS and .crc files: the job did not finish (or wrote nothing).
    let root = tempfile::tempdir().unwrap();
    let e = err_of(root.path(), META_4, &[]);
    assert!(e.contains("items") && e.contains("no data files"), "{e}");
    // Data files without a line.
    let root = tempfile::tempdir().unwrap();
    let e = err_of(root.path(), META_4, &[("part-00000.json", "\n\n")]);
    assert!(e.contains("no item lines"), "{e}");
    // Items but none with factors.
    let root = tempfile::tempdir().unwrap();
    let e = err_of(
        root.path(),
        META_4,
        &[("part-00000.json", "{\"item_id\":\"a\",\"events\":1}\n")],
    );
    assert!(e.contains("no item has factors"), "{e}");
    // A completely empty directory.
    let root = tempfile::tempdir().unwrap();
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = format!(
        "{:#}",
        import_spark(&cfg(&empty, None, &root.path().join("m.shelf"))).unwrap_err()
    );
    assert!(
        e.contains("no metadata/ folder") && e.contains("empty"),
        "{e}"
    );
    // A directory that does not exist.
    let e = format!(
        "{:#}",
        import_spark(&cfg(
            &root.path().join("nope"),
            None,
            &root.path().join("m.shelf")
        ))
        .unwrap_err()
    );
    assert!(e.contains("no such directory"), "{e}");
    // Compressed parts.
    let root = tempfile::tempdir().unwrap();
    let e = err_of(root.path(), META_4, &[("part-00000.json.gz", "x")]);
    assert!(e.contains("compressed"), "{e}");
}

#[test]
fn bad_metadata_is_explained() {
    let items = [(
        "part-00000.json",
        "{\"item_id\":\"a\",\"events\":1,\"factors\":[1,2,3,4]}\n",
    )];
    for (meta, want) in [
        (
            META_4.replace("shelfrank-spark-factors", "something-else"),
            "format is \"something-else\"",
        ),
        (
            META_4.replace("\"version\": 1", "\"version\": 9"),
            "version 9",
        ),
        (META_4.replace("\"rank\": 4", "\"rank\": 0"), "rank must be"),
        (
            META_4.replace("\"alpha\": 10.0, ", ""),
            "missing field `alpha`",
        ),
        (
            META_4.replace("\"view_item\"", "\"page_view\""),
            "unknown event name \"page_view\"",
        ),
        (
            META_4.replace("\"fold_in_lambda\": 0.05", "\"fold_in_lambda\": 0"),
            "lambda must be > 0",
        ),
        (format!("{META_4}\n{META_4}"), "a second metadata line"),
    ] {
        let root = tempfile::tempdir().unwrap();
        let e = err_of(root.path(), &meta, &items);
        assert!(e.contains(want), "{want}: {e}");
        if !want.contains("lambda") && !want.contains("event name") {
            assert!(e.contains("metadata/part-00000.json, line"), "{e}");
        }
    }
}

#[test]
fn the_cli_imports_and_inspect_reads_the_model() {
    let root = tempfile::tempdir().unwrap();
    let dir = factors_dir(root.path(), META_4, &[("part-00000.json", ITEMS_OK)]);
    let catalog = root.path().join("catalog.csv");
    std::fs::write(&catalog, CATALOG).unwrap();
    let out = root.path().join("m.shelf");
    let run = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_shelfrank"))
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        "import-spark".as_ref(),
        "--factors".as_ref(),
        dir.as_os_str(),
        "--catalog".as_ref(),
        catalog.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("7 total: 4 trained, 3 cold"), "{stdout}");
    let o = run(&["inspect".as_ref(), out.as_os_str()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("GRAM"));
    // An error exits non-zero with the message on stderr.
    std::fs::write(
        dir.join("items/part-00001.json"),
        "{\"item_id\":\"p1\",\"events\":1}\n",
    )
    .unwrap();
    let o = run(&[
        "import-spark".as_ref(),
        "--factors".as_ref(),
        dir.as_os_str(),
        "--out".as_ref(),
        root.path().join("x.shelf").as_os_str(),
    ]);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("duplicate item_id \"p1\""),
        "{stderr}"
    );
}

/// Run by scripts/test-spark.sh on the model the real Spark job produced:
/// `SPARK_MODEL=… SPARK_CATALOG=… cargo test --test import_spark -- --ignored`.
#[test]
#[ignore = "needs SPARK_MODEL and SPARK_CATALOG (scripts/test-spark.sh)"]
fn spark_model_is_complete() {
    use shelfrank::{Event, EventKind, LoadOptions, RankOptions, Recommender};
    let model = std::env::var("SPARK_MODEL").expect("SPARK_MODEL");
    let catalog = std::env::var("SPARK_CATALOG").expect("SPARK_CATALOG");
    let bytes = std::fs::read(&model).unwrap();
    let m = Model::from_bytes(bytes.clone()).unwrap();
    let cat = Catalog::read(Path::new(&catalog), &read_opts()).unwrap();
    assert!(!cat.items.is_empty());
    for it in &cat.items {
        let i = m
            .index_of(&it.id)
            .unwrap_or_else(|| panic!("catalogue item {} is missing from {model}", it.id));
        assert_eq!(m.name(i), it.name, "{}", it.id);
    }
    let block = m.factor_block();
    for i in 0..m.item_count() {
        assert!(block.scales[i].is_finite(), "scale of item {i}");
        assert!(
            block
                .row_f32(m.raw_bytes(), i)
                .iter()
                .all(|v| v.is_finite()),
            "factors of item {i}"
        );
        assert!(m.popularity(i).is_finite() && m.popularity(i) >= 0.0);
    }
    assert!(m.gramian().iter().all(|g| g.is_finite()));
    let warm = (0..m.item_count())
        .filter(|&i| m.popularity(i) > 0.0)
        .count();
    assert!(warm > 0);
    // Scores through the engine, as the browser computes them.
    let mut rec = Recommender::load(bytes, &LoadOptions::default()).unwrap();
    let mut checked = 0;
    for (n, it) in cat.items.iter().take(200).enumerate() {
        rec.forget();
        rec.track(&Event::new(
            EventKind::ViewItem,
            it.id.clone(),
            1.0e12 + n as f64,
        ))
        .unwrap();
        let mut opts = RankOptions::for_recommend();
        opts.k = 50;
        for r in rec.recommend(&opts).unwrap() {
            assert!(r.score.is_finite(), "score {} for {}", r.score, it.id);
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked} scores checked");
    println!(
        "{model}: {} items ({} catalogue, {warm} with events), {checked} finite scores",
        m.item_count(),
        cat.items.len()
    );
}
