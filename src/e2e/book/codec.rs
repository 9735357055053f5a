//! The bytes of shuffled vectors and decryption shares in entries, and the shuffle proof's context.

use super::*;

/// The shuffle proof's context: the election, the contest, the teller and the position of
/// the shuffle in the chain.
pub fn shuffle_context(election_id: &str, contest: &str, index: u32, position: u32) -> Vec<u8> {
    let mut c = Vec::new();
    c.extend_from_slice(b"scrutineer.e2e/v1/shuffle-context\0");
    c.extend_from_slice(election_id.as_bytes());
    c.push(0);
    c.extend_from_slice(contest.as_bytes());
    c.push(0);
    c.extend_from_slice(&index.to_be_bytes());
    c.extend_from_slice(&position.to_be_bytes());
    c
}

/// Encodes ciphertext vectors as one byte string (64 bytes a ciphertext).
pub fn encode_vectors(v: &[CiphertextVector]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 128);
    for x in v {
        for c in x {
            c.write(&mut out);
        }
    }
    out
}

pub(super) fn decode_vectors(
    bytes: &[u8],
    width: usize,
    n: usize,
) -> Result<Vec<CiphertextVector>, E2eError> {
    if bytes.len() != n * width * 64 {
        return Err(E2eError::Refused(format!(
            "混洗输出长度不对 / the shuffle output holds {} bytes, {} expected",
            bytes.len(),
            n * width * 64
        )));
    }
    bytes
        .chunks(width * 64)
        .map(|v| {
            v.chunks(64)
                .map(|c| Ciphertext::from_bytes(c, "shuffled name"))
                .collect::<Result<Vec<_>, _>>()
                .map_err(crypto("混洗输出", "shuffle output"))
        })
        .collect()
}

pub(super) fn decode_shares(
    bytes: &[u8],
    n: usize,
    index: u32,
) -> Result<Vec<DecryptionShare>, E2eError> {
    if bytes.len() != n * DecryptionShare::LEN {
        return Err(E2eError::Refused(format!(
            "解密份额数不对: {} 字节, 应为 {} 份 / {} bytes of decryption shares, {n} shares expected",
            bytes.len(),
            n,
            bytes.len()
        )));
    }
    let shares: Vec<DecryptionShare> = bytes
        .chunks(DecryptionShare::LEN)
        .map(DecryptionShare::from_bytes)
        .collect::<Result<_, _>>()
        .map_err(crypto("解密份额", "decryption share"))?;
    if shares.iter().any(|s| s.index != index) {
        return Err(E2eError::Refused(
            "解密份额的计票人序号与条目不符 / a share's teller index differs from the entry's"
                .into(),
        ));
    }
    Ok(shares)
}
