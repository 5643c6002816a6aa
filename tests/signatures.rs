//! Ed25519 model signatures: a signed model loads with its public key; any
//! change, another key or a missing signature is refused with a clear error;
//! without a key the signature is ignored (the checksum never is).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use shelfrank::format::reseal;
use shelfrank::signature::{
    is_signed, parse_public_key, sign_model, verify_model, SigningKey, SIGNATURE_BLOCK_LEN,
};
use shelfrank::{LoadOptions, Model, Recommender, ShelfError};

fn key() -> SigningKey {
    SigningKey::from_seed(*b"shelfrank test signing key seed!")
}

fn signed_fixture() -> Vec<u8> {
    let mut bytes = fixture_bytes();
    sign_model(&mut bytes, &key()).unwrap();
    bytes
}

fn with_key(public_key: [u8; 32]) -> LoadOptions {
    LoadOptions {
        public_key: Some(public_key),
        ..Default::default()
    }
}

fn load_err(bytes: Vec<u8>, options: &LoadOptions) -> ShelfError {
    match Recommender::load(bytes, options) {
        Ok(_) => panic!("expected the model to be refused"),
        Err(e) => e,
    }
}

#[test]
fn a_valid_signature_loads_with_its_key_in_every_spelling() {
    let bytes = signed_fixture();
    assert_eq!(bytes.len(), fixture_bytes().len() + SIGNATURE_BLOCK_LEN);
    assert!(is_signed(&bytes));
    let k = key();
    for text in [k.public_key_base64(), k.public_key_hex()] {
        let pk = parse_public_key(&text).unwrap();
        let r = Recommender::load(bytes.clone(), &with_key(pk)).unwrap();
        assert_eq!(r.model().item_count(), 48);
    }
}

#[test]
fn one_flipped_byte_anywhere_is_refused() {
    let bytes = signed_fixture();
    let options = with_key(key().public_key());
    for at in 0..bytes.len() {
        for mask in [0x01, 0x80] {
            let mut bad = bytes.clone();
            bad[at] ^= mask;
            let e = load_err(bad, &options);
            // Body bytes trip the checksum first; trailer and signature
            // bytes trip the signature (or the block's framing).
            assert!(
                matches!(
                    e,
                    ShelfError::ChecksumMismatch { .. }
                        | ShelfError::Signature(_)
                        | ShelfError::Corrupt { .. }
                        | ShelfError::Truncated { .. }
                        | ShelfError::BadMagic
                        | ShelfError::UnsupportedVersion(_)
                        | ShelfError::DimensionMismatch { .. }
                ),
                "byte {at}: {e}"
            );
        }
    }
}

#[test]
fn a_tampered_model_with_a_fixed_checksum_fails_the_signature() {
    // What an attacker who edits prices would do: change the body, then
    // recompute the CRC so that only the signature can notice.
    let bytes = signed_fixture();
    let model = Model::from_bytes(bytes.clone()).unwrap();
    let pric = model
        .sections()
        .iter()
        .find(|s| s.tag == "PRIC")
        .unwrap()
        .clone();
    let mut bad = bytes.clone();
    bad[pric.offset..pric.offset + 4].copy_from_slice(&0.01f32.to_le_bytes());
    reseal(&mut bad).unwrap();
    // Without a key the tampered file loads: the CRC only catches accidents.
    assert!(Recommender::load(bad.clone(), &LoadOptions::default()).is_ok());
    let e = load_err(bad, &with_key(key().public_key())).to_string();
    assert!(
        e.contains("signature") && e.contains("altered after signing"),
        "{e}"
    );
}

#[test]
fn another_key_is_refused() {
    let other = SigningKey::from_seed([9; 32]);
    let e = load_err(signed_fixture(), &with_key(other.public_key())).to_string();
    assert!(
        e.contains("does not verify") && e.contains("another key"),
        "{e}"
    );
}

#[test]
fn an_unsigned_model_is_refused_when_a_key_is_given() {
    let e = load_err(fixture_bytes(), &with_key(key().public_key()));
    assert!(matches!(e, ShelfError::Signature(_)), "{e}");
    let e = e.to_string();
    assert!(e.contains("not signed") && e.contains("publicKey"), "{e}");
}

#[test]
fn without_a_key_a_signature_is_ignored_but_the_checksum_is_not() {
    let bytes = signed_fixture();
    assert!(Recommender::load(bytes.clone(), &LoadOptions::default()).is_ok());
    let mut bad = bytes;
    bad[100] ^= 1;
    let e = load_err(bad, &LoadOptions::default()).to_string();
    assert!(e.contains("checksum mismatch"), "{e}");
}

#[test]
fn a_malformed_signature_block_is_named() {
    let mut bytes = fixture_bytes();
    bytes.extend_from_slice(b"SIG1");
    bytes.extend_from_slice(&3u32.to_le_bytes());
    bytes.extend_from_slice(&[1, 2, 3]);
    // Well-formed framing: version-1 readers without a key accept it.
    assert!(Model::from_bytes(bytes.clone()).is_ok());
    let e = load_err(bytes, &with_key(key().public_key())).to_string();
    assert!(e.contains("SIG1") && e.contains("64"), "{e}");
}

#[test]
fn signing_again_replaces_the_signature_and_junk_is_not_signed() {
    let mut bytes = signed_fixture();
    let other = SigningKey::from_seed([3; 32]);
    sign_model(&mut bytes, &other).unwrap();
    assert_eq!(bytes.len(), fixture_bytes().len() + SIGNATURE_BLOCK_LEN);
    verify_model(&bytes, &other.public_key()).unwrap();
    assert!(verify_model(&bytes, &key().public_key()).is_err());
    let mut junk = b"<html>not a model</html>".to_vec();
    assert!(sign_model(&mut junk, &key()).is_err());
    let mut broken = fixture_bytes();
    broken[200] ^= 1;
    assert!(sign_model(&mut broken, &key()).is_err());
}

#[test]
fn verify_never_panics_on_short_or_odd_input() {
    let pk = key().public_key();
    let signed = signed_fixture();
    for len in 0..signed.len() {
        let _ = verify_model(&signed[..len], &pk);
    }
    assert!(verify_model(&[], &pk).is_err());
}
