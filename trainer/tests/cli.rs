//! The `shelfrank` binary: convert → split → train → eval → inspect.

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shelfrank"))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn rees46_convert_split_train_eval_inspect() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rees46_multicategory_head.csv");
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let out = run(bin()
        .args(["convert", "-q", "--format", "rees46", "--input"])
        .arg(&fixture)
        .arg("--out")
        .arg(d("all.csv"))
        .arg("--catalog-out")
        .arg(d("catalog.csv")));
    assert!(out.contains("300 events"), "{out}");
    let catalog = std::fs::read_to_string(d("catalog.csv")).unwrap();
    assert!(catalog.starts_with("item_id,name,category,brand,price,in_stock\n"));
    // Display name = brand + last part of the category code.
    assert!(
        catalog
            .lines()
            .any(|l| l.contains("Aqua water_heater") || l.contains("Aqua water heater")),
        "{catalog}"
    );
    run(bin()
        .args(["split", "-q", "--test-last", "3m", "--events"])
        .arg(d("all.csv"))
        .arg("--train-out")
        .arg(d("train.csv"))
        .arg("--test-out")
        .arg(d("test.csv")));
    let train_rows = std::fs::read_to_string(d("train.csv"))
        .unwrap()
        .lines()
        .count();
    let test_rows = std::fs::read_to_string(d("test.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(train_rows + test_rows, 302, "two headers plus 300 events");
    assert!(test_rows > 1 && train_rows > 1);
    let out = run(bin()
        .args([
            "train",
            "-q",
            "--factors",
            "8",
            "--iterations",
            "3",
            "--events",
        ])
        .arg(d("train.csv"))
        .arg("--catalog")
        .arg(d("catalog.csv"))
        .arg("--out")
        .arg(d("m.shelf")));
    assert!(out.contains("cold"), "{out}");
    assert!(out.contains("int8 score error"), "{out}");
    let out = run(bin().args(["inspect"]).arg(d("m.shelf")));
    assert!(
        out.contains("checksum  CRC-32") && out.contains(" ok"),
        "{out}"
    );
    assert!(out.contains("FACT"), "{out}");
    // A damaged file is reported as such, with a failing exit code.
    let mut bytes = std::fs::read(d("m.shelf")).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(d("bad.shelf"), bytes).unwrap();
    let bad = bin()
        .args(["inspect"])
        .arg(d("bad.shelf"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("MISMATCH"));
}

#[test]
fn a_malformed_events_file_fails_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("events.csv");
    std::fs::write(&e, "session_id,item_id,event_type\ns,a,view\ns,b,warp\n").unwrap();
    let out = bin()
        .args(["train", "-q", "--events"])
        .arg(&e)
        .arg("--out")
        .arg(dir.path().join("m.shelf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("events.csv, line 3, column 3 (event_type)"),
        "{err}"
    );
    assert!(!dir.path().join("m.shelf").exists());
}

#[test]
fn a_file_of_junk_with_skip_bad_rows_says_why_nothing_was_trained() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("events.csv");
    // A valid header, then binary junk: invalid UTF-8 and rows of one field.
    let mut junk = b"session_id,item_id,event_type,timestamp\n".to_vec();
    for i in 0..5_000u32 {
        junk.extend_from_slice(&[0xff, 0xfe, (i % 250) as u8 + 1, b'\n']);
    }
    std::fs::write(&e, junk).unwrap();
    let out = bin()
        .args(["train", "-q", "--skip-bad-rows", "--events"])
        .arg(&e)
        .arg("--out")
        .arg(dir.path().join("m.shelf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no events to train on"), "{err}");
    assert!(err.contains("data rows were skipped"), "{err}");
    assert!(err.contains("events.csv, line 2"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no model and no temporary file");
}
