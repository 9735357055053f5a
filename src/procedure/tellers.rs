//! The tellers' entries of an encrypted election: the key ceremony (round 1, encrypted
//! shares, checks, a teller's restart of an attempt), the election key once every teller checked its shares without a
//! complaint that holds, and after a contest closes the shuffles of its write-in names and
//! the decryption shares of its totals. The tellers compute these on their own machines
//! (`e2e::teller`, `scrutineer teller run`); the service only checks and logs them. Each is
//! signed by its teller's registered key, or proved against the teller's verification key,
//! so whoever submits one cannot forge it.

use crate::codes::Code;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{invalid, Core, CoreError};
use crate::ledger::{Appended, LedgerError};
use crate::record::entry::{
    body_bytes, CeremonyCheck, CeremonyRestart, CeremonyRound1, CeremonyShares,
    DecryptionSharesBody, EntryKind, ShuffleBody,
};
use crate::rules::conduct::{ConductError, Phase};

/// The kinds a teller submits.
pub const TELLER_KINDS: [EntryKind; 6] = [
    EntryKind::CeremonyRound1,
    EntryKind::CeremonyShares,
    EntryKind::CeremonyCheck,
    EntryKind::CeremonyRestart,
    EntryKind::Shuffle,
    EntryKind::DecryptionShares,
];

/// Largest teller request accepted, in bytes: an entry body is at most 16 MiB
/// (docs/LOG_FORMAT.md), and the request wraps it in JSON. A shuffle is the largest: about
/// 384 bytes of base64 per write-in line with its proof (protocol ≤ 3), about 470 with the
/// line's flag (protocol 4), so a contest of some 35,000 write-in lines (ballots × lines)
/// reaches the entry's limit (README, "Not finished").
pub const TELLER_BODY_MAX: usize = 24 << 20;

fn typed<T: DeserializeOwned + serde::Serialize>(body: &Value) -> Result<Vec<u8>, CoreError> {
    let t: T = serde_json::from_value(body.clone()).map_err(|e| {
        invalid(
            Code::TellerBody,
            format!("计票人提交的内容格式不对: {e} / the teller's entry is malformed: {e}"),
        )
    })?;
    Ok(body_bytes(&t))
}

impl Core {
    /// Checks and logs a teller's entry (`kind` one of [`TELLER_KINDS`], by id). A check
    /// that completes the ceremony is followed by the election key.
    pub fn teller_entry(&self, kind: &str, body: &Value) -> Result<Appended, CoreError> {
        let kind = TELLER_KINDS
            .into_iter()
            .find(|k| k.id() == kind)
            .ok_or_else(|| {
                invalid(
                    Code::TellerKind,
                    format!(
                        "“{kind}” 不是计票人提交的条目 (可为 {}) / “{kind}” is not a teller's entry (one of {})",
                        TELLER_KINDS.map(|k| k.id()).join(", "),
                        TELLER_KINDS.map(|k| k.id()).join(", ")
                    ),
                )
            })?;
        let bytes = match kind {
            EntryKind::CeremonyRound1 => typed::<CeremonyRound1>(body)?,
            EntryKind::CeremonyShares => typed::<CeremonyShares>(body)?,
            EntryKind::CeremonyCheck => typed::<CeremonyCheck>(body)?,
            EntryKind::CeremonyRestart => typed::<CeremonyRestart>(body)?,
            EntryKind::Shuffle => typed::<ShuffleBody>(body)?,
            _ => typed::<DecryptionSharesBody>(body)?,
        };
        let a = match kind {
            EntryKind::Shuffle | EntryKind::DecryptionShares => {
                self.ledger.append_teller_step(kind, bytes)?
            }
            _ => self.ledger.append(kind, bytes)?,
        };
        if kind == EntryKind::CeremonyCheck {
            self.election_key()?;
        }
        Ok(a)
    }

    /// Logs the election key when every teller of the current attempt checked its shares
    /// and none complained; nothing when it is not due or already logged.
    pub fn election_key(&self) -> Result<Option<Appended>, CoreError> {
        let entry = self.ledger.read(|s| -> Result<_, CoreError> {
            let Ok(book) = s.state.admin().book() else {
                return Ok(None);
            };
            let c = s.state.conduct()?.ceremony();
            if c.key.is_some() || (c.checks.len() as u32) < book.params().tellers {
                return Ok(None);
            }
            Ok(Some(book.key_entry(c.attempt).map_err(LedgerError::from)?))
        })??;
        let Some(entry) = entry else { return Ok(None) };
        match self
            .ledger
            .append(EntryKind::ElectionKeySet, body_bytes(&entry))
        {
            Ok(a) => Ok(Some(a)),
            // Two checks finishing at once: the other one logged it.
            Err(e) if e.code() == ConductError::ElectionKeySet.code() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Where the encrypted election stands: the tellers, the threshold, the ceremony, the
    /// election key, and per closed contest the shuffles and decryption shares.
    pub fn ceremony_status(&self) -> Result<Value, CoreError> {
        self.ledger.read(|s| -> Result<Value, CoreError> {
            let info = s.state.info()?;
            let conduct = s.state.conduct()?;
            let Ok(book) = s.state.admin().book() else {
                return Ok(json!({"encrypted": false}));
            };
            let c = conduct.ceremony();
            let tellers: Vec<Value> = info
                .tellers
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let n = (i + 1) as u32;
                    json!({"index": n, "name": t.name(),
                           "round1": c.round1.contains(&n) || c.key.is_some(),
                           "shares": c.shares.contains(&n) || c.key.is_some(),
                           "checked": c.checks.contains(&n) || c.key.is_some()})
                })
                .collect();
            let k = book.params().threshold;
            let mut contests = Vec::new();
            for ((contest, group), t) in &book.tallies {
                let Ok(cc) = conduct.contest(contest) else {
                    continue;
                };
                let phase = match (cc.phase, cc.result) {
                    (_, Some(_)) => "counted",
                    (Phase::Closed, None) => "closed",
                    _ => "open",
                };
                let flags_first = conduct.names_after_flags();
                let names_due = if flags_first { t.names_due() } else { t.has_names() };
                contests.push(json!({"contest": contest, "group": group, "phase": phase,
                    "ballots": t.ballots, "write_in_lines": t.has_names(),
                    "shuffled_by": t.shufflers, "shares_from": t.share_tellers(),
                    "shuffles_needed": if names_due { k } else { 0 }, "shares_needed": k,
                    "names_after_flags": flags_first, "write_ins": t.flags,
                    "name_shares_from": t.name_share_tellers()}));
            }
            Ok(json!({
                "encrypted": true,
                "threshold": k,
                "tellers": tellers,
                "attempt": c.attempt,
                "restarts": restarts_json(c),
                "key": book.key().map(|key| json!({
                    "fingerprint": key.fingerprint(),
                    "key": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key.element().as_bytes()),
                })),
                "contests": contests,
            }))
        })?
    }
}

/// The ceremony's abandoned attempts for the pages: `[{attempt, teller, reason}]`.
pub fn restarts_json(c: &crate::rules::conduct::Ceremony) -> Vec<Value> {
    c.restarts
        .iter()
        .map(|(attempt, teller, reason)| json!({"attempt": attempt, "teller": teller, "reason": reason}))
        .collect()
}
