//! Token pools, printable slip sheets and receipt codes. The token format itself lives in
//! `record::token` so the verifier can read it without this module.

pub mod pool;
pub mod qr;

pub use crate::record::token;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::record::token::{Token, TokenError};

/// Decodes a token stored in a ballot entry (base64 of its 85 bytes).
pub fn token_from_base64(text: &str) -> Result<Token, TokenError> {
    let bytes = BASE64.decode(text).map_err(|_| TokenError::ByteLength {
        found: 0,
        expected: crate::record::token::TOKEN_BYTES,
    })?;
    Token::from_bytes(&bytes)
}

/// Crockford base32 alphabet, as on the token slips.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The short receipt code a voter takes away: `R<index>-<first 10 bytes of the entry hash>`
/// in Crockford base32, e.g. `R42-5Q3ZK8M1T0C7W2H4`. The index finds the entry; the hash
/// part lets the voter see it is their ballot.
pub fn receipt_code(index: u64, hash: &[u8; 32]) -> String {
    let mut out = format!("R{index}-");
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in &hash[..10] {
        acc = (acc << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    out
}

/// Parses a receipt code back into (index, hash prefix text).
pub fn parse_receipt_code(code: &str) -> Option<(u64, String)> {
    let code = code.trim().to_ascii_uppercase();
    let rest = code.strip_prefix('R')?;
    let (index, hash) = rest.split_once('-')?;
    Some((index.parse().ok()?, hash.to_string()))
}
