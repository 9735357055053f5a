//! The body of an `encrypted_ballot` entry (docs/LOG_FORMAT.md): binary, not JSON, because
//! an encrypted ballot is mostly proofs and base64 would add a third to every one of them.
//!
//! ```text
//! body    = version u8 (= 1) ‖ token [85] ‖ count u16be ‖ line × count
//! line    = contest_len u16be ‖ contest (UTF-8) ‖ group_len u16be ‖ group (UTF-8, may be
//!           empty) ‖ ballot_len u32be ‖ ballot (an EncryptedContest, docs/E2E.md §7)
//! ```
//!
//! Decoding is strict: every length checked against what is left and against its limit,
//! nothing may follow the last line.

use super::token::{Token, TOKEN_BYTES};
use crate::codes::Code;

pub const ENCRYPTED_BALLOT_VERSION: u8 = 1;
/// Most contests one encrypted ballot carries.
pub const ENCRYPTED_LINES_MAX: usize = 1_000;
/// Longest contest or group id, in bytes.
pub const ENCRYPTED_ID_BYTES_MAX: usize = 1_024;
/// Largest encrypted contest, in bytes (a 1,000-candidate contest is about 0.9 MB).
pub const ENCRYPTED_CONTEST_BYTES_MAX: usize = 4 * 1024 * 1024;

/// One contest of an encrypted ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedLine {
    pub contest: String,
    /// The evaluator group (from the ballot style); empty when none.
    pub group: String,
    /// The `EncryptedContest` encoding.
    pub ballot: Vec<u8>,
}

impl EncryptedLine {
    /// `contest_len u16be ‖ contest ‖ group_len u16be ‖ group ‖ ballot_len u32be ‖ ballot`, as
    /// `encrypted_ballot` and `spoiled_ballot` bodies and the confirmation code hold a line.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.contest.len() as u16).to_be_bytes());
        out.extend_from_slice(self.contest.as_bytes());
        out.extend_from_slice(&(self.group.len() as u16).to_be_bytes());
        out.extend_from_slice(self.group.as_bytes());
        out.extend_from_slice(&(self.ballot.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.ballot);
    }
}

/// An encrypted ballot as logged: the token that admitted it and one encrypted contest per
/// contest of the token's style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedBallotBody {
    pub token: Token,
    pub lines: Vec<EncryptedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptedBodyError {
    #[error("加密选票的格式版本 {0} 未知 / Unknown encrypted-ballot format version {0}.")]
    Version(u8),
    #[error("加密选票在 {at} 处截断 / The encrypted ballot is truncated at {at}.")]
    Truncated { at: &'static str },
    #[error("加密选票的 {what} 超过上限 {max} / The encrypted ballot's {what} exceeds {max}.")]
    TooLarge { what: &'static str, max: usize },
    #[error("加密选票的 {0} 不是 UTF-8 / The encrypted ballot's {0} is not UTF-8.")]
    NotUtf8(&'static str),
    #[error("加密选票的选票码无效: {0} / The encrypted ballot's token is invalid: {0}")]
    Token(String),
    #[error("加密选票末尾有多余的 {0} 字节 / {0} extra bytes follow the encrypted ballot.")]
    Trailing(usize),
}

impl EncryptedBodyError {
    pub fn code(&self) -> Code {
        Code::EncryptedBallotFormat
    }
}

impl EncryptedBallotBody {
    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self
            .lines
            .iter()
            .map(|l| 8 + l.contest.len() + l.group.len() + l.ballot.len())
            .sum();
        let mut out = Vec::with_capacity(1 + TOKEN_BYTES + 2 + size);
        out.push(ENCRYPTED_BALLOT_VERSION);
        out.extend_from_slice(&self.token.to_bytes());
        out.extend_from_slice(&(self.lines.len() as u16).to_be_bytes());
        for l in &self.lines {
            l.encode_into(&mut out);
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<EncryptedBallotBody, EncryptedBodyError> {
        let mut r = Reader { bytes, at: 0 };
        let version = r.take(1, "version")?[0];
        if version != ENCRYPTED_BALLOT_VERSION {
            return Err(EncryptedBodyError::Version(version));
        }
        let token = Token::from_bytes(r.take(TOKEN_BYTES, "token")?)
            .map_err(|e| EncryptedBodyError::Token(e.to_string()))?;
        let count = r.u16("line count")? as usize;
        if count > ENCRYPTED_LINES_MAX {
            return Err(EncryptedBodyError::TooLarge {
                what: "line count",
                max: ENCRYPTED_LINES_MAX,
            });
        }
        let mut lines = Vec::with_capacity(count);
        for _ in 0..count {
            let contest = r.text("contest id")?;
            let group = r.text("group id")?;
            let len = r.u32("ballot length")? as usize;
            if len > ENCRYPTED_CONTEST_BYTES_MAX {
                return Err(EncryptedBodyError::TooLarge {
                    what: "contest ballot",
                    max: ENCRYPTED_CONTEST_BYTES_MAX,
                });
            }
            let ballot = r.take(len, "contest ballot")?.to_vec();
            lines.push(EncryptedLine {
                contest,
                group,
                ballot,
            });
        }
        if r.at != bytes.len() {
            return Err(EncryptedBodyError::Trailing(bytes.len() - r.at));
        }
        Ok(EncryptedBallotBody { token, lines })
    }
}

/// A strict reader of length-prefixed fields (shared with `record::spoiled`).
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(
        &mut self,
        n: usize,
        what: &'static str,
    ) -> Result<&'a [u8], EncryptedBodyError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or(EncryptedBodyError::Truncated { at: what })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, EncryptedBodyError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, EncryptedBodyError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn text(&mut self, what: &'static str) -> Result<String, EncryptedBodyError> {
        let len = self.u16(what)? as usize;
        if len > ENCRYPTED_ID_BYTES_MAX {
            return Err(EncryptedBodyError::TooLarge {
                what,
                max: ENCRYPTED_ID_BYTES_MAX,
            });
        }
        let b = self.take(len, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| EncryptedBodyError::NotUtf8(what))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn round_trip_and_strictness() {
        let token = Token::sign(&SigningKey::from_bytes(&[1; 32]), "e", 1, 0, [2; 16]);
        let body = EncryptedBallotBody {
            token,
            lines: vec![
                EncryptedLine {
                    contest: "委员".into(),
                    group: String::new(),
                    ballot: vec![1, 2, 3],
                },
                EncryptedLine {
                    contest: "eval".into(),
                    group: "staff".into(),
                    ballot: vec![9; 10],
                },
            ],
        };
        let bytes = body.encode();
        assert_eq!(EncryptedBallotBody::decode(&bytes).unwrap(), body);
        // Every truncation and a trailing byte are refused; nothing panics.
        for n in 0..bytes.len() {
            assert!(EncryptedBallotBody::decode(&bytes[..n]).is_err(), "{n}");
        }
        let mut more = bytes.clone();
        more.push(0);
        assert!(matches!(
            EncryptedBallotBody::decode(&more),
            Err(EncryptedBodyError::Trailing(1))
        ));
        let mut v = bytes;
        v[0] = 2;
        assert!(matches!(
            EncryptedBallotBody::decode(&v),
            Err(EncryptedBodyError::Version(2))
        ));
    }
}
