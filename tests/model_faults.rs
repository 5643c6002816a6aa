//! Fault tests for model loading: every validation path gives a clear,
//! specific error and never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use shelfrank::format::{reseal, MAGIC};
use shelfrank::{Model, ShelfError};

fn load_err(bytes: Vec<u8>) -> String {
    match Model::from_bytes(bytes) {
        Ok(_) => panic!("expected the model to be rejected"),
        Err(e) => e.to_string(),
    }
}

fn section(bytes: &[u8], tag: &str) -> (usize, usize) {
    let model = Model::from_bytes(bytes.to_vec()).unwrap();
    let s = model
        .sections()
        .iter()
        .find(|s| s.tag == tag)
        .unwrap()
        .clone();
    (s.offset, s.length)
}

#[test]
fn empty_input_says_so() {
    assert!(load_err(vec![]).contains("empty (0 bytes)"));
}

#[test]
fn wrong_magic_is_named() {
    let err = load_err(b"<!doctype html><html>not a model</html>".to_vec());
    assert!(err.contains("not a shelfrank model"), "{err}");
    assert!(matches!(
        Model::from_bytes(b"PK\x03\x04".to_vec()),
        Err(ShelfError::BadMagic)
    ));
}

#[test]
fn newer_version_is_refused_with_upgrade_advice() {
    let mut b = fixture_bytes();
    b[8] = 7;
    let err = load_err(b);
    assert!(err.contains("unsupported .shelf format version 7"), "{err}");
}

#[test]
fn truncation_names_the_section() {
    let b = fixture_bytes();
    let (fact, _) = section(&b, "FACT");
    let err = load_err(b[..fact + 10].to_vec());
    assert!(err.contains("truncated at section FACT"), "{err}");
    let err = load_err(b[..40].to_vec());
    assert!(err.contains("truncated at header"), "{err}");
    let err = load_err(b[..b.len() - 3].to_vec());
    assert!(err.contains("truncated at checksum trailer"), "{err}");
    let err = load_err(MAGIC[..5].to_vec());
    assert!(err.contains("truncated at magic bytes"), "{err}");
}

#[test]
fn a_flipped_byte_in_every_section_is_caught() {
    let b = fixture_bytes();
    let model = Model::from_bytes(b.clone()).unwrap();
    for s in model.sections() {
        for at in [s.offset, s.offset + s.length / 2, s.offset + s.length - 1] {
            let mut bad = b.clone();
            bad[at] ^= 0x40;
            let err = load_err(bad);
            assert!(
                err.contains("checksum mismatch"),
                "section {} byte {at}: {err}",
                s.tag
            );
        }
    }
}

#[test]
fn nan_in_scales_is_reported_even_with_a_valid_checksum() {
    let mut b = fixture_bytes();
    let (scal, _) = section(&b, "SCAL");
    b[scal + 8..scal + 12].copy_from_slice(&f32::NAN.to_le_bytes());
    reseal(&mut b).unwrap();
    let err = load_err(b);
    assert!(
        err.contains("SCAL holds NaN or infinity at position 2"),
        "{err}"
    );
}

#[test]
fn infinite_gramian_is_reported() {
    let mut b = fixture_bytes();
    let (gram, _) = section(&b, "GRAM");
    b[gram..gram + 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
    reseal(&mut b).unwrap();
    assert!(load_err(b).contains("GRAM holds NaN"));
}

#[test]
fn dimension_mismatch_between_header_and_sections() {
    let mut b = fixture_bytes();
    b[16] = 9; // dim 8 -> 9 keeps the stride of 16
    reseal(&mut b).unwrap();
    let err = load_err(b);
    assert!(err.contains("dimension mismatch"), "{err}");
    let mut b = fixture_bytes();
    b[18] = 32; // stride no longer matches dim
    reseal(&mut b).unwrap();
    assert!(load_err(b).contains("row stride"));
}

#[test]
fn duplicate_ids_are_rejected() {
    let mut spec = fixture_spec();
    spec.items[3].id = spec.items[1].id.clone();
    let err = shelfrank::write_model(&spec).unwrap_err().to_string();
    assert!(err.contains("appears twice"), "{err}");
}

#[test]
fn out_of_range_category_index_is_rejected() {
    let mut b = fixture_bytes();
    let (icat, _) = section(&b, "ICAT");
    b[icat..icat + 4].copy_from_slice(&99u32.to_le_bytes());
    reseal(&mut b).unwrap();
    let err = load_err(b);
    assert!(err.contains("ICAT") && err.contains("entry 99"), "{err}");
}

#[test]
fn section_offsets_outside_the_body_are_rejected() {
    let mut b = fixture_bytes();
    // Section table entry 1 (ITID): point it back into the header.
    let e = 64 + 16;
    b[e + 8..e + 12].copy_from_slice(&8u32.to_le_bytes());
    reseal(&mut b).unwrap();
    let err = load_err(b);
    assert!(err.contains("outside the body"), "{err}");
}

#[test]
fn trailing_garbage_is_rejected_but_a_signature_block_is_allowed() {
    let mut b = fixture_bytes();
    b.extend_from_slice(b"junk");
    assert!(load_err(b).contains("unexpected bytes after the checksum"));
    let mut b = fixture_bytes();
    b.extend_from_slice(b"SIG1");
    b.extend_from_slice(&64u32.to_le_bytes());
    b.extend_from_slice(&[0u8; 64]);
    assert!(Model::from_bytes(b).is_ok());
}

#[test]
fn writer_rejects_nan_factors_and_bad_metadata() {
    let mut spec = fixture_spec();
    spec.factors[5] = f32::NAN;
    assert!(shelfrank::write_model(&spec)
        .unwrap_err()
        .to_string()
        .contains("NaN"));
    let mut spec = fixture_spec();
    spec.items[0].price = Some(-3.0);
    assert!(shelfrank::write_model(&spec).is_err());
    let mut spec = fixture_spec();
    spec.factors.pop();
    assert!(matches!(
        shelfrank::write_model(&spec),
        Err(ShelfError::DimensionMismatch { .. })
    ));
}

#[test]
fn an_empty_catalogue_is_a_valid_model_that_recommends_nothing() {
    let spec = shelfrank::ModelSpec {
        dim: 4,
        items: vec![],
        factors: vec![],
        defaults: Default::default(),
    };
    let bytes = shelfrank::write_model(&spec).unwrap();
    let mut r = shelfrank::Recommender::load(bytes, &Default::default()).unwrap();
    assert!(r
        .recommend(&shelfrank::RankOptions::for_recommend())
        .unwrap()
        .is_empty());
}

#[test]
fn random_mutations_never_panic() {
    let b = fixture_bytes();
    let mut noise = Noise::new(99);
    for round in 0..2000 {
        let mut bad = b.clone();
        let flips = 1 + round % 4;
        for _ in 0..flips {
            let at = ((noise.next() + 1.0) / 2.0 * (bad.len() - 1) as f32) as usize;
            bad[at] = (noise.next() * 127.0) as i8 as u8;
        }
        if round % 3 == 0 {
            let _ = reseal(&mut bad);
        }
        if round % 5 == 0 {
            let cut = ((noise.next() + 1.0) / 2.0 * bad.len() as f32) as usize;
            bad.truncate(cut);
        }
        let _ = Model::from_bytes(bad); // must return, never panic
    }
}
