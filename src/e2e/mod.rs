//! End-to-end encrypted ballots at the level of an election: what the ledger checks before
//! it appends an encrypted entry and what the verifier checks again over an export. It joins
//! the rules (which contest, which shape), the formats (`record`) and the cryptography
//! (`crypto`, docs/E2E.md):
//!
//! - the shape of a contest's encrypted ballot, from the contest ([`shape_of`]), and the
//!   plaintext of a ballot line ([`plaintext_of`]);
//! - the key ceremony as logged: round-1 messages, encrypted shares, checks and complaints,
//!   each signed by its teller's registered key; the joint key ([`Book`]);
//! - per contest (and evaluator group), the homomorphic sum of every encrypted ballot, the
//!   write-in names in log order, their shuffles by the tellers in turn, and the decryption
//!   shares, so that only totals (and shuffled names) are ever decrypted.
//!
//! Architecture invariant: pure, like `rules`: no I/O, no clock; randomness only where a
//! caller passes an RNG. The order of these steps is `rules::conduct`'s; this module checks
//! the cryptography of each step. The ledger and the verifier both call it; neither shares
//! anything else with the other.

pub mod book;
pub mod challenges;
pub mod kiosk;
mod shape;
pub mod teller;

pub use book::{Book, ContestTally, Decrypted};
pub use shape::{context, plaintext_of, shape_of, shuffle_lines_max, WRITE_IN_LINES_MAX};

use crate::codes::Code;
use crate::crypto::Error as CryptoError;

/// Why an encrypted entry is refused. Every variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum E2eError {
    #[error("{what}: {source} / {what_en}: {source}")]
    Crypto {
        what: &'static str,
        what_en: &'static str,
        source: CryptoError,
    },
    #[error("{0}")]
    Refused(String),
    #[error("第 {index} 号计票人的签名无效 / The signature of teller {index} does not verify.")]
    Signature { index: u32 },
    #[error("“{contest}” 没有加密选票形状: {reason} / “{contest}” has no encrypted-ballot shape: {reason}")]
    Shape { contest: String, reason: String },
    #[error("写入姓名 {names} 个, 但写入标记之和为 {flags} / {names} write-in names decrypted, but the write-in flags add up to {flags}.")]
    WriteInCount { names: u64, flags: u64 },
    #[error("选举密钥尚未生成 / The election key is not set.")]
    NoKey,
}

impl E2eError {
    pub fn code(&self) -> Code {
        match self {
            E2eError::Crypto { source, .. } => source.code(),
            E2eError::Refused(_) => Code::E2eRefused,
            E2eError::Signature { .. } => Code::TellerSignature,
            E2eError::Shape { .. } => Code::E2eShape,
            E2eError::WriteInCount { .. } => Code::WriteInCount,
            E2eError::NoKey => Code::ElectionKeyMissing,
        }
    }
}

pub(crate) fn crypto(
    what: &'static str,
    what_en: &'static str,
) -> impl Fn(CryptoError) -> E2eError {
    move |source| E2eError::Crypto {
        what,
        what_en,
        source,
    }
}
