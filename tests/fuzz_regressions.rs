//! Regression tests for what fuzzing (`npm run fuzz`, fuzz/) and the hostile
//! input review found: each case once panicked, overflowed or broke an
//! invariant, and must now give a clean error or the right answer.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use shelfrank::format::{read_model, reseal};
use shelfrank::profile::check_time_ms;
use shelfrank::{Event, EventKind, LoadOptions, Model, RankOptions, Recommender};

/// fuzz/load_model: `reseal` added 8 to a body length read from the file
/// and overflowed (a panic in debug builds, a wrap on wasm32 release).
#[test]
fn reseal_with_a_huge_body_length_is_an_error_not_an_overflow() {
    let mut b = fixture_bytes();
    b[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(reseal(&mut b).is_err());
    b[24..32].copy_from_slice(&(u64::MAX - 7).to_le_bytes());
    assert!(reseal(&mut b).is_err());
    let e = read_model(b).unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
}

/// Section offset + length are two u32s: on wasm32 their sum overflows
/// usize. The reader must call such a section truncated.
#[test]
fn a_section_whose_offset_plus_length_overflows_is_truncated() {
    let mut b = fixture_bytes();
    let e = 64; // first section entry
    b[e + 8..e + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    b[e + 12..e + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    reseal(&mut b).unwrap();
    let err = read_model(b).unwrap_err().to_string();
    assert!(err.contains("truncated at section DFLT"), "{err}");
}

/// A SIG1 length near u32::MAX must not wrap the trailer arithmetic.
#[test]
fn a_signature_block_with_a_huge_length_is_rejected() {
    let mut b = fixture_bytes();
    b.extend_from_slice(b"SIG1");
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    b.extend_from_slice(&[0; 64]);
    let err = read_model(b).unwrap_err().to_string();
    assert!(err.contains("unexpected bytes after the checksum"), "{err}");
}

/// A string table announcing ~2³⁰ strings: the offsets length must be
/// computed without overflow and refused, not allocated.
#[test]
fn a_string_count_near_the_limit_is_refused() {
    let b = fixture_bytes();
    let model = Model::from_bytes(b.clone()).unwrap();
    let itid = model
        .sections()
        .iter()
        .find(|s| s.tag == "ITID")
        .unwrap()
        .clone();
    for count in [u32::MAX, u32::MAX - 1, (1 << 30) - 2, 1 << 30] {
        let mut bad = b.clone();
        bad[itid.offset..itid.offset + 4].copy_from_slice(&count.to_le_bytes());
        reseal(&mut bad).unwrap();
        let err = read_model(bad).unwrap_err().to_string();
        assert!(err.contains("ITID"), "{count}: {err}");
    }
}

/// Review of fuzz/engine_ops' export → import invariant: `track` accepted
/// times up to 9.5e13 ms but `importProfile` only minutes up to 1.5e9
/// (9.0e13 ms), so a profile exported after a far-future event could not be
/// imported again.
#[test]
fn every_time_track_accepts_survives_export_and_import() {
    let mut r = Recommender::load(fixture_bytes(), &LoadOptions::default()).unwrap();
    for t in [0.0, 1.7e12, 9.2e13, 9.5e13] {
        assert!(check_time_ms(t).is_ok());
        r.track(&Event::new(EventKind::ViewItem, "sku-0-1", t))
            .unwrap();
        let exported = r.export_profile();
        r.import_profile(&exported)
            .unwrap_or_else(|e| panic!("time {t}: {e}"));
        assert_eq!(r.export_profile(), exported);
    }
}

/// A very long session on one item can count past what `import` accepts
/// per kind (1e7); the export clamps so that it still imports.
#[test]
fn a_huge_counter_is_clamped_on_export() {
    let mut r = Recommender::load(fixture_bytes(), &LoadOptions::default()).unwrap();
    r.track(&Event::new(EventKind::ViewItem, "sku-0-1", 1.7e12))
        .unwrap();
    let mut exported = r.export_profile();
    exported.items[0].decayed[0] = 1.0e7;
    r.import_profile(&exported).unwrap();
    // Push the same item past the limit with more events at the same time.
    let mut e = Event::new(EventKind::Dwell, "sku-0-1", 1.7e12);
    e.dwell_ms = Some(60_000.0);
    r.track(&e).unwrap();
    let again = r.export_profile();
    assert!(again.items[0].decayed.iter().all(|d| d.abs() <= 1.0e7));
    r.import_profile(&again).unwrap();
    assert!(!r
        .recommend(&RankOptions::for_recommend())
        .unwrap()
        .is_empty());
}

fn section(bytes: &[u8], tag: &str) -> (usize, usize) {
    let m = Model::from_bytes(bytes.to_vec()).unwrap();
    let s = m.sections().iter().find(|s| s.tag == tag).unwrap();
    (s.offset, s.length)
}

/// fuzz/load_model: a finite but enormous quantisation scale (4e37) made an
/// item's norm infinite, so `similar` scored it ∞/∞ = NaN and `recommend`
/// gave it an infinite score. Scales above MAX_SCALE are now refused.
#[test]
fn an_enormous_quantisation_scale_is_refused() {
    let mut b = fixture_bytes();
    let (scal, _) = section(&b, "SCAL");
    let at = scal + 4 * 8;
    b[at..at + 4].copy_from_slice(&4.19e37f32.to_le_bytes());
    reseal(&mut b).unwrap();
    let err = read_model(b).unwrap_err().to_string();
    assert!(err.contains("SCAL") && err.contains("item 8"), "{err}");
    // The writer refuses what the reader would.
    let mut spec = fixture_spec();
    spec.factors[0] = 1.0e9;
    let err = shelfrank::write_model(&spec).unwrap_err().to_string();
    assert!(err.contains("item 0 has factor values"), "{err}");
}

/// Found while reading the fuzz harness's "a model that loads must be
/// usable" check: a model could carry a half-life that the settings then
/// refused ("halfLifeHours must be …", though the page passed none).
#[test]
fn a_model_half_life_beyond_ten_years_is_refused_at_load() {
    let mut b = fixture_bytes();
    let (dflt, _) = section(&b, "DFLT");
    b[dflt + 8..dflt + 12].copy_from_slice(&1.0e6f32.to_le_bytes());
    reseal(&mut b).unwrap();
    let err = read_model(b).unwrap_err().to_string();
    assert!(err.contains("DFLT") && err.contains("half-life"), "{err}");
}
