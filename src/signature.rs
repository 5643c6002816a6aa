//! Ed25519 model signatures: the optional `SIG1` block after the checksum
//! trailer (see `docs/FORMAT.md` and `SECURITY.md`).
//!
//! The signature covers bytes `[0, body_len + 8)`: the whole body and the
//! `CRC1` trailer. A page that passes a public key to `Recommender.load`
//! gets [`verify_model`]; the trainer signs with [`sign_model`], the one
//! function every model writer goes through. Pure Rust (`ed25519-compact`,
//! no randomness needed: signing is deterministic and key generation takes
//! the seed from the caller), so it builds for wasm32 without `getrandom`.

use crate::error::{invalid, Result, ShelfError};
use crate::format::{CHECKSUM_TAG, HEADER_LEN, MAGIC, SIGNATURE_TAG};
use ed25519_compact::{KeyPair, PublicKey, Seed, Signature};

/// Bytes in an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Bytes in an Ed25519 secret seed (what the key file stores).
pub const SEED_LEN: usize = 32;
/// Bytes in an Ed25519 signature, the payload of a `SIG1` block.
pub const SIGNATURE_LEN: usize = 64;
/// `SIG1`, u32 length, signature.
pub const SIGNATURE_BLOCK_LEN: usize = 8 + SIGNATURE_LEN;

/// First line of a secret key file written by `shelfrank keygen`.
pub const SECRET_KEY_HEADER: &str = "# shelfrank Ed25519 secret key";

/// A secret signing key (the 32-byte seed) with its public half.
#[derive(Clone)]
pub struct SigningKey {
    pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "SigningKey(public {})", self.public_key_base64())
    }
}

impl SigningKey {
    /// The key for a 32-byte seed (from a key file or fresh OS randomness).
    pub fn from_seed(seed: [u8; SEED_LEN]) -> SigningKey {
        SigningKey {
            pair: KeyPair::from_seed(Seed::new(seed)),
        }
    }

    /// The public key pages pass to `Recommender.load`.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        *self.pair.pk
    }

    pub fn public_key_base64(&self) -> String {
        base64_encode(&self.public_key())
    }

    pub fn public_key_hex(&self) -> String {
        hex_encode(&self.public_key())
    }

    /// The secret seed as the key file stores it (hex).
    pub fn seed_hex(&self) -> String {
        hex_encode(self.pair.sk.seed().as_ref())
    }

    /// The text of a secret key file: comment lines, then the seed in hex.
    pub fn to_key_file(&self) -> String {
        format!(
            "{SECRET_KEY_HEADER}: keep this file private (anyone holding it can sign models).\n\
             # public key (base64): {}\n\
             # public key (hex): {}\n\
             {}\n",
            self.public_key_base64(),
            self.public_key_hex(),
            self.seed_hex()
        )
    }

    /// Reads a key file written by [`SigningKey::to_key_file`]: lines
    /// starting with `#` are comments; the one other line is 64 hex digits.
    pub fn from_key_file(text: &str) -> Result<SigningKey> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let (Some(line), None) = (lines.next(), lines.next()) else {
            return Err(invalid(
                "a secret key file holds exactly one line of 64 hex digits (besides # comments); make one with `shelfrank keygen --out FILE`",
            ));
        };
        let seed: [u8; SEED_LEN] = hex_decode(line)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                invalid(
                    "the secret key is not 64 hex digits; make one with `shelfrank keygen --out FILE`",
                )
            })?;
        Ok(SigningKey::from_seed(seed))
    }
}

/// Where the checksum trailer ends (= the signed length), read from a model
/// header. Only a light check: [`crate::format::read_model`] validates fully.
fn signed_len(bytes: &[u8]) -> Result<usize> {
    if bytes.len() < HEADER_LEN || bytes[..8] != MAGIC {
        return Err(ShelfError::BadMagic);
    }
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[24..32]);
    let body_len = u64::from_le_bytes(raw);
    let end = body_len
        .checked_add(8)
        .filter(|&e| e <= bytes.len() as u64)
        .ok_or_else(|| ShelfError::Truncated {
            what: "checksum trailer".into(),
            needed: body_len.saturating_add(8).min(usize::MAX as u64) as usize,
            available: bytes.len(),
        })? as usize;
    if bytes[end - 8..end - 4] != CHECKSUM_TAG {
        return Err(ShelfError::Corrupt {
            section: "trailer".into(),
            detail: "checksum tag CRC1 missing after the last section".into(),
        });
    }
    Ok(end)
}

/// The `SIG1` payload of a model, `None` when the file is unsigned.
fn signature_block(bytes: &[u8]) -> Result<Option<(usize, &[u8])>> {
    let end = signed_len(bytes)?;
    if end == bytes.len() {
        return Ok(None);
    }
    let rest = &bytes[end..];
    if rest.len() < 8 || rest[..4] != SIGNATURE_TAG {
        return Err(ShelfError::Corrupt {
            section: "trailer".into(),
            detail: format!("{} unexpected bytes after the checksum", rest.len()),
        });
    }
    let len = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
    if rest.len() - 8 != len {
        return Err(ShelfError::Corrupt {
            section: "SIG1".into(),
            detail: format!(
                "announces {len} signature bytes but {} follow",
                rest.len() - 8
            ),
        });
    }
    Ok(Some((end, &rest[8..])))
}

/// True when the model carries a `SIG1` block (whether or not it verifies).
pub fn is_signed(bytes: &[u8]) -> bool {
    matches!(signature_block(bytes), Ok(Some(_)))
}

/// Checks the model's Ed25519 signature against `public_key`. Refuses an
/// unsigned model, a malformed block and a signature that does not verify
/// (the file was changed after signing, or signed with another key).
pub fn verify_model(bytes: &[u8], public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<()> {
    let Some((end, sig)) = signature_block(bytes)? else {
        return Err(ShelfError::Signature(
            "the model is not signed, but a publicKey was given: sign it with `shelfrank train --sign-key FILE` (or `shelfrank sign`), or load it without publicKey".into(),
        ));
    };
    if sig.len() != SIGNATURE_LEN {
        return Err(ShelfError::Signature(format!(
            "the SIG1 block holds {} bytes; an Ed25519 signature is {SIGNATURE_LEN}",
            sig.len()
        )));
    }
    let key = PublicKey::from_slice(public_key).map_err(|_| {
        invalid(
            "publicKey is not a valid Ed25519 public key (use the one `shelfrank keygen` printed)",
        )
    })?;
    let sig = Signature::from_slice(sig).map_err(|_| {
        ShelfError::Signature("the SIG1 block is not a well-formed Ed25519 signature".into())
    })?;
    key.verify(&bytes[..end], &sig).map_err(|_| {
        ShelfError::Signature(
            "the model's signature does not verify with the given publicKey: the file was altered after signing, or it was signed with another key".into(),
        )
    })
}

/// Signs a model in place: drops any existing `SIG1` block and appends a
/// fresh one over `[0, body_len + 8)`. The model must read back cleanly.
pub fn sign_model(bytes: &mut Vec<u8>, key: &SigningKey) -> Result<()> {
    // Refuse to sign something that is not a valid model.
    crate::format::read_model(bytes.clone())?;
    let end = signed_len(bytes)?;
    bytes.truncate(end);
    let sig = key.pair.sk.sign(&bytes[..end], None);
    bytes.extend_from_slice(&SIGNATURE_TAG);
    bytes.extend_from_slice(&(SIGNATURE_LEN as u32).to_le_bytes());
    bytes.extend_from_slice(sig.as_ref());
    Ok(())
}

/// Parses a public key given as text: 64 hex digits, or base64 (standard
/// or URL-safe alphabet, with or without `=` padding) of 32 bytes.
pub fn parse_public_key(text: &str) -> Result<[u8; PUBLIC_KEY_LEN]> {
    let t = text.trim();
    let decoded = if t.len() == 2 * PUBLIC_KEY_LEN {
        hex_decode(t)
    } else {
        base64_decode(t)
    };
    decoded
        .and_then(|b| <[u8; PUBLIC_KEY_LEN]>::try_from(b).ok())
        .ok_or_else(|| {
            invalid(format!(
                "publicKey must be a 32-byte Ed25519 key as base64 (44 characters), hex (64 characters) or a Uint8Array of length 32; got a string of {} characters",
                t.chars().count()
            ))
        })
}

fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks_exact(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    };
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= (value(c)? as u32) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_hex_round_trip() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
            assert_eq!(hex_decode(&hex_encode(&bytes)).unwrap(), bytes);
        }
        // RFC 4648 test vectors.
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64_encode(b"foob"), "Zm9vYg==");
        assert_eq!(base64_decode("Zm9vYg").unwrap(), b"foob");
        assert!(base64_decode("Zm9vY").is_none());
        assert!(base64_decode("Zm9v*g==").is_none());
        assert!(hex_decode("abc").is_none());
        assert!(hex_decode("zz").is_none());
    }

    #[test]
    fn public_keys_parse_from_hex_and_base64() {
        let key = SigningKey::from_seed([7; 32]);
        let raw = key.public_key();
        assert_eq!(parse_public_key(&key.public_key_hex()).unwrap(), raw);
        assert_eq!(parse_public_key(&key.public_key_base64()).unwrap(), raw);
        let url_safe = key
            .public_key_base64()
            .replace('+', "-")
            .replace('/', "_")
            .replace('=', "");
        assert_eq!(parse_public_key(&url_safe).unwrap(), raw);
        let err = parse_public_key("not a key").unwrap_err().to_string();
        assert!(err.contains("publicKey") && err.contains("base64"), "{err}");
    }

    #[test]
    fn key_files_round_trip_and_reject_junk() {
        let key = SigningKey::from_seed([42; 32]);
        let back = SigningKey::from_key_file(&key.to_key_file()).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert!(!format!("{key:?}").contains(&key.seed_hex()));
        for junk in ["", "# only a comment\n", "abcd\n", "00\n11\n"] {
            assert!(SigningKey::from_key_file(junk).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let seed: [u8; 32] =
            hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SigningKey::from_seed(seed);
        assert_eq!(
            key.public_key_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.pair.sk.sign(b"", None);
        assert_eq!(
            hex_encode(sig.as_ref()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }
}
