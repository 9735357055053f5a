//! The crate's single error type.
//!
//! Every fallible function returns [`Error`]. Each variant has a stable
//! machine-readable [`Error::code`] (used by the test vectors and by the main
//! crate's API) and a full-sentence `Display` text for humans.

use crate::codes::Code;
use core::fmt;

/// Everything that can go wrong. Bad input never panics; it ends up here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A byte string does not have the exact length its structure requires.
    BadLength {
        /// What was being decoded.
        what: String,
        /// The required length in bytes.
        expected: usize,
        /// The length that was supplied.
        got: usize,
    },
    /// Bytes that are not a canonical encoding (a non-canonical or invalid
    /// ristretto255 point, a scalar not below the group order, an unknown
    /// version or kind byte, invalid UTF-8, …).
    BadEncoding {
        /// What was being decoded and why it was refused.
        what: String,
    },
    /// The identity element where the protocol forbids it.
    IdentityPoint {
        /// Which element.
        what: String,
    },
    /// A zero-knowledge proof (or a batch of them) does not verify.
    ProofInvalid {
        /// Which proof.
        what: String,
    },
    /// A contest shape that the protocol does not support.
    InvalidShape {
        /// Why.
        reason: String,
    },
    /// A plaintext ballot that does not fit its contest shape.
    InvalidPlaintext {
        /// Why.
        reason: String,
    },
    /// A write-in name that cannot be encoded (too long, contains NUL, not NFC).
    InvalidName {
        /// Why.
        reason: String,
    },
    /// A Benaloh opening (the revealed nonces) does not reproduce the ballot.
    OpeningMismatch {
        /// Which ciphertext did not match.
        what: String,
    },
    /// Protocol parameters (threshold, teller index, vector width, …) out of range.
    InvalidParameters {
        /// Why.
        reason: String,
    },
    /// A key-ceremony share that fails its MAC or its Feldman check.
    ShareInvalid {
        /// The teller that sent the share.
        from: u32,
        /// Why.
        reason: String,
    },
    /// A key-ceremony complaint that does not hold up.
    ComplaintRejected {
        /// Why.
        reason: String,
    },
    /// Fewer decryption shares than the threshold.
    NotEnoughShares {
        /// The threshold k.
        needed: usize,
        /// How many distinct shares were supplied.
        got: usize,
    },
    /// The same teller index appears twice.
    DuplicateIndex {
        /// The repeated index.
        index: u32,
    },
    /// A discrete logarithm above the bound of the baby-step giant-step table.
    DlogOutOfRange {
        /// The table's bound.
        bound: u64,
    },
}

impl Error {
    /// Stable machine-readable code of this error.
    pub fn code(&self) -> Code {
        match self {
            Error::BadLength { .. } => Code::BadLength,
            Error::BadEncoding { .. } => Code::BadEncoding,
            Error::IdentityPoint { .. } => Code::IdentityPoint,
            Error::ProofInvalid { .. } => Code::ProofInvalid,
            Error::InvalidShape { .. } => Code::InvalidShape,
            Error::InvalidPlaintext { .. } => Code::InvalidPlaintext,
            Error::InvalidName { .. } => Code::InvalidName,
            Error::OpeningMismatch { .. } => Code::OpeningMismatch,
            Error::InvalidParameters { .. } => Code::InvalidParameters,
            Error::ShareInvalid { .. } => Code::ShareInvalid,
            Error::ComplaintRejected { .. } => Code::ComplaintRejected,
            Error::NotEnoughShares { .. } => Code::NotEnoughShares,
            Error::DuplicateIndex { .. } => Code::DuplicateIndex,
            Error::DlogOutOfRange { .. } => Code::DlogOutOfRange,
        }
    }

    pub(crate) fn bad_encoding(what: impl Into<String>) -> Self {
        Error::BadEncoding { what: what.into() }
    }

    pub(crate) fn proof(what: impl Into<String>) -> Self {
        Error::ProofInvalid { what: what.into() }
    }

    pub(crate) fn params(reason: impl Into<String>) -> Self {
        Error::InvalidParameters {
            reason: reason.into(),
        }
    }

    pub(crate) fn plaintext(reason: impl Into<String>) -> Self {
        Error::InvalidPlaintext {
            reason: reason.into(),
        }
    }

    pub(crate) fn shape(reason: impl Into<String>) -> Self {
        Error::InvalidShape {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadLength {
                what,
                expected,
                got,
            } => write!(
                f,
                "The encoding of {what} has {got} bytes, but exactly {expected} bytes are required."
            ),
            Error::BadEncoding { what } => write!(f, "The encoding of {what} is not canonical."),
            Error::IdentityPoint { what } => {
                write!(
                    f,
                    "The {what} is the identity element, which is not allowed here."
                )
            }
            Error::ProofInvalid { what } => write!(f, "The {what} does not verify."),
            Error::InvalidShape { reason } => {
                write!(f, "The contest shape is not supported: {reason}.")
            }
            Error::InvalidPlaintext { reason } => {
                write!(
                    f,
                    "The plaintext ballot does not fit the contest: {reason}."
                )
            }
            Error::InvalidName { reason } => {
                write!(f, "The write-in name cannot be encoded: {reason}.")
            }
            Error::OpeningMismatch { what } => write!(
                f,
                "The revealed nonces do not reproduce the {what} of the encrypted ballot."
            ),
            Error::InvalidParameters { reason } => {
                write!(f, "The parameters are invalid: {reason}.")
            }
            Error::ShareInvalid { from, reason } => {
                write!(
                    f,
                    "The key share sent by teller {from} is invalid: {reason}."
                )
            }
            Error::ComplaintRejected { reason } => {
                write!(f, "The complaint is rejected: {reason}.")
            }
            Error::NotEnoughShares { needed, got } => write!(
                f,
                "Only {got} distinct decryption shares were supplied, but {needed} are required."
            ),
            Error::DuplicateIndex { index } => {
                write!(f, "Teller index {index} appears more than once.")
            }
            Error::DlogOutOfRange { bound } => write!(
                f,
                "The decrypted value is larger than the discrete-logarithm bound {bound}."
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Result alias of this crate.
pub type Result<T> = core::result::Result<T, Error>;
