//! Reversible encoding of a write-in name into two ristretto255 elements
//! (try-and-increment, in the spirit of Boneh–Lynn–Shacham's MapToGroup, with
//! a 13-bit counter per element).
//!
//! The name is UTF-8 in Unicode NFC, at most [`MAX_NAME_BYTES`] = 60 bytes,
//! and contains no U+0000. It is written into a 60-byte buffer D and padded
//! with zero bytes (the empty name is 60 zero bytes, which is what an unused
//! write-in line holds). Element j ∈ {0, 1} is the first canonical
//! ristretto255 encoding among the 32-byte strings, for ctr = 0, 1, …, 8191:
//!
//! ```text
//! byte 0      = (ctr mod 128) · 2          (even: the sign bit of s must be 0)
//! bytes 1..31 = D[30·j .. 30·j + 30]        (30 data bytes)
//! byte 31     = ctr div 128                 (0..63, so s < 2^254 < p)
//! ```
//!
//! Decoding compresses each element, reads bytes 1..31 of both, and accepts
//! iff byte 31 ≤ 63, the 60 bytes are a run of non-zero bytes followed only by
//! zero bytes, and that run is valid UTF-8 in NFC.
//!
//! A random even 32-byte string below p decodes with probability ≈ 1/4 (each
//! of the ℓ ≈ 2^252 elements has exactly one encoding among the ≈ 2^254 even
//! strings below p; RFC 9496 §4.3.1), so
//! one element fails all 8192 counters with probability ≈ (3/4)^8192 ≈ 2^-3400;
//! a union bound over all 2^240 data blocks leaves ≈ 2^-3160. The test
//! `every_length_round_trips` encodes and decodes names of every length
//! 0..=60; the spec (E2E.md §Names) states this bound.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use unicode_normalization::{is_nfc, UnicodeNormalization};

use crate::crypto::error::{Error, Result};

/// Maximum length of a write-in name in UTF-8 bytes (after NFC).
pub const MAX_NAME_BYTES: usize = 60;
/// Data bytes carried by one element.
const CHUNK: usize = 30;
/// Number of counters tried per element.
const MAX_COUNTER: u16 = 8192;

/// NFC-normalises a name (what a client does before encrypting).
///
/// This layer checks only what the encoding needs (NFC, no U+0000, 60 bytes). The kiosks
/// encrypt a name already in `record::names::clean_name`'s canonical form (trimmed, NFC, no
/// control or invisible character), on which this is the identity; which decrypted names
/// count is decided by the count (`src/count.rs`), which cleans them again.
pub fn normalize_name(name: &str) -> String {
    name.nfc().collect()
}

/// Checks that a name can be encoded.
pub fn validate_name(name: &str) -> Result<()> {
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::InvalidName {
            reason: format!(
                "it has {} UTF-8 bytes and the maximum is {MAX_NAME_BYTES}",
                name.len()
            ),
        });
    }
    if name.as_bytes().contains(&0) {
        return Err(Error::InvalidName {
            reason: "it contains the character U+0000".into(),
        });
    }
    if !is_nfc(name) {
        return Err(Error::InvalidName {
            reason: "it is not in Unicode normalisation form NFC".into(),
        });
    }
    Ok(())
}

/// The 32-byte string tried for element `j` with counter `ctr`.
fn candidate(data: &[u8; MAX_NAME_BYTES], j: usize, ctr: u16) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[0] = ((ctr & 0x7f) as u8) << 1;
    s[1..31].copy_from_slice(&data[CHUNK * j..CHUNK * j + CHUNK]);
    s[31] = (ctr >> 7) as u8;
    s
}

/// An encoded name: the two elements and the counters that produced them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodedName {
    /// The two group elements.
    pub elements: [RistrettoPoint; 2],
    /// Their canonical encodings.
    pub encodings: [[u8; 32]; 2],
    /// The counters used (for test vectors).
    pub counters: [u16; 2],
}

/// Encodes a name (which must already be NFC) into two group elements.
pub fn encode_name(name: &str) -> Result<EncodedName> {
    validate_name(name)?;
    let mut data = [0u8; MAX_NAME_BYTES];
    data[..name.len()].copy_from_slice(name.as_bytes());
    let mut elements = [RistrettoPoint::default(); 2];
    let mut encodings = [[0u8; 32]; 2];
    let mut counters = [0u16; 2];
    for j in 0..2 {
        let mut found = false;
        for ctr in 0..MAX_COUNTER {
            let s = candidate(&data, j, ctr);
            if let Some(p) = CompressedRistretto(s).decompress() {
                elements[j] = p;
                encodings[j] = s;
                counters[j] = ctr;
                found = true;
                break;
            }
        }
        if !found {
            // Probability ≈ 2^-3400 per element; see the module documentation.
            return Err(Error::InvalidName {
                reason: "no counter yields a group element".into(),
            });
        }
    }
    Ok(EncodedName {
        elements,
        encodings,
        counters,
    })
}

/// Decodes two group elements back into the name.
pub fn decode_name(elements: &[RistrettoPoint; 2]) -> Result<String> {
    let mut data = [0u8; MAX_NAME_BYTES];
    for (j, p) in elements.iter().enumerate() {
        let s = p.compress().to_bytes();
        if s[31] > 63 {
            return Err(Error::bad_encoding(
                "write-in name element (byte 31 above 63)",
            ));
        }
        data[CHUNK * j..CHUNK * j + CHUNK].copy_from_slice(&s[1..31]);
    }
    let len = data.iter().position(|b| *b == 0).unwrap_or(MAX_NAME_BYTES);
    if data[len..].iter().any(|b| *b != 0) {
        return Err(Error::bad_encoding(
            "write-in name (non-zero byte after the zero padding)",
        ));
    }
    let name = core::str::from_utf8(&data[..len])
        .map_err(|_| Error::bad_encoding("write-in name (invalid UTF-8)"))?;
    if !is_nfc(name) {
        return Err(Error::bad_encoding("write-in name (not in NFC)"));
    }
    Ok(name.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::crypto::group::DeterministicRng;
    use rand_core::RngCore;

    #[test]
    fn every_length_round_trips() {
        let mut rng = DeterministicRng::new(b"names");
        let mut max_ctr = 0u16;
        let han = "张王李赵刘陈杨黄周吳徐孙马朱胡郭何高林罗";
        for len in 0..=MAX_NAME_BYTES {
            let mut samples: Vec<Vec<u8>> = vec![vec![b'a'; len], vec![0x7f; len], vec![0x01; len]];
            // random ASCII (non-zero)
            let mut v = vec![0u8; len];
            rng.fill_bytes(&mut v);
            samples.push(v.iter().map(|b| (b % 126) + 1).collect());
            for s in samples {
                let name = String::from_utf8(s).unwrap();
                let enc = encode_name(&name).unwrap();
                max_ctr = max_ctr.max(enc.counters[0]).max(enc.counters[1]);
                assert_eq!(decode_name(&enc.elements).unwrap(), name);
            }
            // CJK names of up to `len` bytes.
            let cjk: String = han.chars().take(len / 3).collect();
            let enc = encode_name(&cjk).unwrap();
            assert_eq!(decode_name(&enc.elements).unwrap(), cjk);
        }
        assert!(max_ctr < 200, "counter {max_ctr}");
    }

    #[test]
    fn empty_name_is_identity_at_counter_zero() {
        let enc = encode_name("").unwrap();
        assert_eq!(enc.encodings, [[0u8; 32]; 2]);
        assert_eq!(decode_name(&enc.elements).unwrap(), "");
    }

    #[test]
    fn refuses_bad_names() {
        assert_eq!(
            encode_name(&"x".repeat(61)).unwrap_err().code(),
            "invalid_name"
        );
        assert_eq!(encode_name("a\0b").unwrap_err().code(), "invalid_name");
        assert_eq!(encode_name("e\u{301}").unwrap_err().code(), "invalid_name");
        assert_eq!(normalize_name("e\u{301}"), "\u{e9}");
        // A random group element is (almost surely) not a name.
        let p = RistrettoPoint::from_uniform_bytes(&[7u8; 64]);
        assert!(decode_name(&[p, p]).is_err());
    }
}
