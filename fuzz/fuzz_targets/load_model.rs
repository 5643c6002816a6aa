//! Model loading: arbitrary bytes through the validating reader, the
//! signature check and, when a model loads, every engine entry point.
//! Each input is tried as given and again with its CRC-32 re-sealed, so that
//! mutations get past the checksum into the structural checks behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfrank::format::reseal;
use shelfrank::signature::{is_signed, verify_model, SigningKey};
use shelfrank::Model;

fn check(bytes: Vec<u8>) {
    let key = SigningKey::from_seed([1; 32]).public_key();
    let verified = verify_model(&bytes, &key);
    if verified.is_ok() {
        assert!(is_signed(&bytes));
    }
    match Model::from_bytes(bytes) {
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty() && msg.len() < 1000, "message: {msg}");
        }
        Ok(model) => shelfrank_fuzz::exercise(model),
    }
}

fuzz_target!(|data: &[u8]| {
    check(data.to_vec());
    let mut sealed = data.to_vec();
    if reseal(&mut sealed).is_ok() && sealed != data {
        check(sealed);
    }
});
