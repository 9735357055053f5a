//! What a teller keeps between runs, on its own machine (a file of mode 0600, never sent):
//! its secrets, the log it verified last and what that log's ballots added up to.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::super::{Book, E2eError};

/// What a teller keeps between steps, on its own machine.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TellerState {
    pub election: String,
    pub index: u32,
    /// The ceremony attempt `secrets` belong to.
    pub attempt: u32,
    /// hex of the round-1 secrets (polynomial, share-encryption key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<String>,
    /// base64 of the teller's own round-1 message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round1: Option<String>,
    /// hex of the teller's share s_ℓ of the election secret, once the ceremony is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_share: Option<String>,
    /// The largest log this teller verified: its size and root (hex). A later log must
    /// extend it, so the service cannot show the teller a different history.
    #[serde(default)]
    pub seen_size: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub seen_root: String,
    /// base64 of what the encrypted ballots of that log add up to (`Book::save_tallies`,
    /// docs/E2E.md §11.2): the next run starts from them instead of decoding those ballots
    /// again. Saved with `seen_size` and `seen_root`, in the same write.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tallies: String,
    /// The revision of the proof checks that verified that log ([`CHECKS_REVISION`]): a
    /// prefix verified by an older tool is verified again, whole, by a newer one (absent in
    /// state files written before it: 0).
    #[serde(default)]
    pub checks: u32,
}

/// The revision of what the tool's verification checks in the log's proofs (ballots,
/// shuffles, decryption shares). Raised whenever a change would refuse something an older
/// tool accepted: a teller's trusted prefix (`verified_prefix`) and saved tallies are used
/// only when verified under this revision, so a fixed check reaches what was verified before.
pub const CHECKS_REVISION: u32 = 1;

impl TellerState {
    /// The log this teller verified last, as (size, Merkle root), if any: a later log must
    /// extend it, and its proofs need not be verified again when the later log's prefix has
    /// this root (`verify::verify_export_trusting`). `None` for a fresh state (or a damaged
    /// root, which then trusts nothing).
    pub fn verified_prefix(&self) -> Option<(u64, [u8; 32])> {
        if self.seen_size == 0 || self.checks != CHECKS_REVISION {
            return None;
        }
        let root = <[u8; 32]>::try_from(unhex(&self.seen_root).ok()?).ok()?;
        Some((self.seen_size, root))
    }

    /// The saved tallies of the log this teller verified last, if any (and decodable as
    /// base64; `verify::verify_export_resuming` checks the rest).
    pub fn saved_tallies(&self) -> Option<Vec<u8>> {
        if self.seen_size == 0 || self.tallies.is_empty() || self.checks != CHECKS_REVISION {
            return None;
        }
        BASE64.decode(&self.tallies).ok()
    }

    /// Records the log this teller just verified, and what its encrypted ballots add up to.
    pub fn verified(&mut self, size: u64, root: &[u8; 32], book: &Book) {
        self.seen_size = size;
        self.seen_root = hex(root);
        self.tallies = BASE64.encode(book.save_tallies());
        self.checks = CHECKS_REVISION;
    }
}

impl std::fmt::Debug for TellerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TellerState")
            .field("election", &self.election)
            .field("index", &self.index)
            .field("attempt", &self.attempt)
            .field("secrets", &self.secrets.as_ref().map(|_| "<secret>"))
            .field("key_share", &self.key_share.as_ref().map(|_| "<secret>"))
            .field("seen_size", &self.seen_size)
            .field("tallies", &self.tallies.len())
            .finish_non_exhaustive()
    }
}

impl Drop for TellerState {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        if let Some(s) = self.secrets.as_mut() {
            s.zeroize();
        }
        if let Some(s) = self.key_share.as_mut() {
            s.zeroize();
        }
    }
}

pub(super) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Hex digits to bytes; anything else (an odd length, a non-hex or non-ASCII character) is
/// a damaged state file, never a panic.
pub(super) fn unhex(s: &str) -> Result<Vec<u8>, E2eError> {
    let damaged = || E2eError::Refused("状态文件损坏 / the state file is damaged".into());
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(damaged());
    }
    b.chunks_exact(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16).ok_or_else(damaged);
            u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).map_err(|_| damaged())
        })
        .collect()
}
