//! `shelfrank keygen`, `train --sign-key` and `sign`: the signed model loads
//! in the engine with the printed public key and with no other.

use shelfrank::signature::{parse_public_key, verify_model};
use shelfrank::{LoadOptions, Recommender};
use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shelfrank"))
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn public_key_from(stdout: &str) -> [u8; 32] {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("public key: "))
        .unwrap_or_else(|| panic!("no public key printed: {stdout}"));
    parse_public_key(line).unwrap()
}

#[test]
fn keygen_train_sign_and_verify() {
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/yoochoose_train.tsv");
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);

    let (ok, out, err) = run(bin().arg("keygen").arg("--out").arg(d("shop.key")));
    assert!(ok, "{err}");
    let pk = public_key_from(&out);
    let pub_file = std::fs::read_to_string(d("shop.key.pub")).unwrap();
    assert_eq!(parse_public_key(pub_file.trim()).unwrap(), pk);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d("shop.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "secret key readable by others: {mode:o}");
    }
    // Never overwrite a key by accident.
    let (ok, _, err) = run(bin().arg("keygen").arg("--out").arg(d("shop.key")));
    assert!(!ok && err.contains("--force"), "{err}");

    let (ok, out, err) = run(bin()
        .args([
            "train",
            "-q",
            "--factors",
            "8",
            "--iterations",
            "2",
            "--events",
        ])
        .arg(&events)
        .arg("--out")
        .arg(d("m.shelf"))
        .arg("--sign-key")
        .arg(d("shop.key")));
    assert!(ok, "{err}");
    assert!(out.contains("signed"), "{out}");
    let bytes = std::fs::read(d("m.shelf")).unwrap();
    verify_model(&bytes, &pk).unwrap();
    let options = LoadOptions {
        public_key: Some(pk),
        ..Default::default()
    };
    Recommender::load(bytes.clone(), &options).unwrap();

    // `sign` re-signs an existing model with another key.
    let (ok, _, err) = run(bin().arg("keygen").arg("--out").arg(d("other.key")));
    assert!(ok, "{err}");
    let (ok, out, err) = run(bin()
        .arg("sign")
        .arg(d("m.shelf"))
        .arg("--sign-key")
        .arg(d("other.key"))
        .arg("--out")
        .arg(d("m2.shelf")));
    assert!(ok, "{err}");
    let other = public_key_from(&format!(
        "public key: {}",
        out.split("public key ")
            .nth(1)
            .unwrap()
            .trim_end_matches([')', '\n'])
    ));
    let resigned = std::fs::read(d("m2.shelf")).unwrap();
    assert_eq!(resigned.len(), bytes.len());
    verify_model(&resigned, &other).unwrap();
    assert!(Recommender::load(resigned, &options).is_err());

    // A missing or broken key file stops training before it starts.
    std::fs::write(d("bad.key"), "not a key\n").unwrap();
    let (ok, _, err) = run(bin()
        .args(["train", "-q", "--events"])
        .arg(&events)
        .arg("--out")
        .arg(d("never.shelf"))
        .arg("--sign-key")
        .arg(d("bad.key")));
    assert!(
        !ok && err.contains("bad.key") && err.contains("hex"),
        "{err}"
    );
    assert!(!d("never.shelf").exists());
}

/// `import-spark --sign-key`: the other command that writes models signs
/// through the same function.
#[test]
fn import_spark_signs_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let factors = d("factors");
    std::fs::create_dir_all(factors.join("metadata")).unwrap();
    std::fs::create_dir_all(factors.join("items")).unwrap();
    std::fs::write(
        factors.join("metadata/part-00000.json"),
        r#"{"format": "shelfrank-spark-factors", "version": 1, "rank": 2, "max_iter": 5, "reg_param": 0.01, "alpha": 10.0, "seed": 7, "implicit_prefs": true, "half_life_hours": 168.0, "event_weights": {}, "fold_in_lambda": 0.05, "events": 3, "sessions": 1, "nonzeros": 2, "spark_version": "test"}"#,
    )
    .unwrap();
    std::fs::write(
        factors.join("items/part-00000.json"),
        "{\"item_id\":\"a\",\"events\":2,\"factors\":[1.0,0.5]}\n{\"item_id\":\"b\",\"events\":1,\"factors\":[0.0,1.0]}\n",
    )
    .unwrap();
    let (ok, out, err) = run(bin().arg("keygen").arg("--out").arg(d("k")));
    assert!(ok, "{err}");
    let pk = public_key_from(&out);
    let (ok, out, err) = run(bin()
        .arg("import-spark")
        .arg("--factors")
        .arg(&factors)
        .arg("--out")
        .arg(d("m.shelf"))
        .arg("--sign-key")
        .arg(d("k")));
    assert!(ok, "{out}{err}");
    assert!(out.contains("signed"), "{out}");
    verify_model(&std::fs::read(d("m.shelf")).unwrap(), &pk).unwrap();
}
