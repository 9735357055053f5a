//! The service's own records, kept apart from the ballot log: accounts, sessions, kiosk
//! devices and pairing codes, the voter roll, check-ins and proxies, published results.
//!
//! Invariant: nothing here can link a voter to a ballot. The roll and check-ins say who came;
//! the log says what was cast; the slips in between are anonymous and never recorded.
//! Check-ins are flushed before they are confirmed, so a voter cannot check in twice across a
//! restart (sled's flush is not trusted as the only copy of ballots, but the roll is not the
//! record of truth of anything the verifier checks); a check-in whose flush failed is taken
//! back before the failure is answered.
//!
//! `people.rs`: accounts, sessions, kiosk pairing; `desk.rs`: the roll, check-ins and the
//! desk's turnout, corrections waiting for a second person; here: the types, the database,
//! its group-committed flush, publication flags and settings.

use crate::codes::Code;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// The records' sled page cache (sled's default is 1 GiB, which a county roll import would fill).
const RECORDS_CACHE_BYTES: u64 = 128 * 1024 * 1024;

/// Why the service records refused or failed. The records never import the ledger: the
/// roll and check-ins on one side, ballots on the other (ARCHITECTURE.md; `tests/architecture.rs`).
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("存储错误: {path}: {detail} / Storage error: {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("服务记录索引错误: {0} / The service records failed: {0}")]
    Index(String),
    #[error("{message}")]
    Refused { code: Code, message: String },
}

impl RecordsError {
    pub fn code(&self) -> Code {
        match self {
            RecordsError::Io { .. } => Code::Storage,
            RecordsError::Index(_) => Code::Index,
            RecordsError::Refused { code, .. } => *code,
        }
    }
}

fn index_err(e: sled::Error) -> RecordsError {
    match e {
        // The disk (full, failing): a storage error the caller can retry later (503
        // `storage`), not a fault of the service.
        sled::Error::Io(io) => RecordsError::Io {
            path: "数据目录中的 service / service in the data directory".into(),
            detail: if io.kind() == std::io::ErrorKind::StorageFull {
                // sled stays failed after a write error: the records take writes again only
                // once the service is started again (tests/faults.rs).
                "磁盘已满: 请腾出空间, 再重启服务 (在此之前服务记录不能写入) / the disk is full: \
                 free some space, then restart the service (until then its records cannot be \
                 written)"
                    .into()
            } else {
                io.to_string()
            },
        },
        e => RecordsError::Index(e.to_string()),
    }
}

/// Opens the sled index at `path` (the service's records, or the ledger's index). Another
/// process holding it (the running service, when a command-line tool opens the same data
/// directory, or a second service) is named as such with what to do (`data_in_use`), not
/// as sled's lock error.
pub(crate) fn open_index(path: &Path, cache_bytes: u64) -> Result<sled::Db, RecordsError> {
    sled::Config::new()
        .cache_capacity(cache_bytes)
        .path(path)
        .open()
        .map_err(|e| match &e {
            sled::Error::Io(io) if io.to_string().starts_with("could not acquire lock") => {
                let dir = path
                    .parent()
                    .unwrap_or(path)
                    .display()
                    .to_string();
                RecordsError::Refused {
                    code: Code::DataInUse,
                    message: format!(
                        "数据目录 {dir} 正被另一个 scrutineer 进程使用 (通常是正在运行的服务): 请先停止它 \
                         (systemctl stop scrutineer, 或在其窗口按 Ctrl-C) 再运行; 服务运行时的最新检查点\
                         见审计页或 GET /checkpoint / the data directory {dir} is in use by another \
                         scrutineer process (usually the running service): stop it first \
                         (systemctl stop scrutineer, or Ctrl-C in its window) and run this again; \
                         while the service runs, the latest checkpoint is on the auditor page and \
                         at GET /checkpoint"
                    ),
                }
            }
            sled::Error::Io(io) => RecordsError::Io {
                path: path.display().to_string(),
                detail: io.to_string(),
            },
            _ => index_err(e),
        })
}

fn json_err(e: serde_json::Error) -> RecordsError {
    RecordsError::Index(e.to_string())
}

/// A session's id: the first 16 hex digits of its key (the SHA-256 of its token).
pub fn session_id(token_hash: &[u8]) -> String {
    token_hash
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Constant-time equality for secrets of equal length.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub role: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// The password is a one-time password (first start, a new account, a reset): until it
    /// is changed, the account's sessions may only change it, read the session or sign out.
    #[serde(default)]
    pub must_change_password: bool,
    /// A disabled account cannot sign in; disabling it ended its sessions.
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub username: String,
    pub role: String,
    pub csrf: String,
    /// Unix seconds.
    pub expires: u64,
    /// Unix seconds; 0 for sessions stored before this field.
    #[serde(default)]
    pub created: u64,
    /// The client address that signed in or paired.
    #[serde(default)]
    pub client: String,
    /// Copied from the account when the session began; cleared by the password change.
    #[serde(default)]
    pub must_change_password: bool,
}

/// A session as the organiser sees it: its id is the first 16 hex digits of the SHA-256 of
/// its token (the token itself is never stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub session: Session,
}

/// A live kiosk pairing code: `{slot}{secret}`, 4 + 8 digits. The slot finds the code, so a
/// wrong secret counts against that code, which dies after a few wrong tries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    /// SHA-256 of the 8-digit secret.
    pub secret_hash: Vec<u8>,
    /// Unix seconds.
    pub expires: u64,
    /// Wrong secrets tried so far.
    pub failures: u32,
}

/// What taking a pairing code found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairingOutcome {
    /// The code was right and is now used up.
    Paired,
    /// No live code has this slot (never issued, used, expired or dead).
    Unknown,
    /// The secret was wrong; `left` more wrong tries kill the code.
    Wrong { left: u32 },
    /// The secret was wrong and the code is now dead.
    Dead,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voter {
    pub line: usize,
    pub name: String,
    pub number: String,
    pub unit: String,
    pub birth: String,
    pub flags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub number: String,
    /// The election round (a runoff is a new round: voters check in again).
    pub round: u8,
    /// Unix seconds of the check-in (shown if the voter comes again).
    pub at: u64,
    pub desk: String,
    /// Principals this voter carries a proxy for (委托投票).
    pub principals: Vec<String>,
    /// Slips handed out: 1 + principals.
    pub slips: u64,
}

/// A correction of a contest's figures proposed by one person, waiting for a second person
/// of another role to approve it (only then is it logged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: u64,
    pub contest: String,
    pub eligible: u64,
    pub present: u64,
    pub ballots_issued: u64,
    pub reason: String,
    pub proposed_by: String,
    pub proposer_role: String,
    /// Unix seconds.
    pub at: u64,
    /// A registered teller's signature given with the proposal (protocol 8), as the log's
    /// `attested` holds it (`record::attest::Attested`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested: Option<ProposalAttested>,
}

/// A teller's signature kept with a proposal: the teller's index and the base64 signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalAttested {
    pub teller: u32,
    pub signature: String,
}

fn checkin_key(round: u8, number: &str) -> Vec<u8> {
    let mut k = vec![round];
    k.extend_from_slice(number.as_bytes());
    k
}

/// Turnout aggregates the desk needs on every poll and every close, kept in memory so they
/// cost O(units) instead of a scan of the roll and every check-in (derived from sled: rebuilt
/// on first use after start-up, updated on each check-in, dropped when the roll is replaced).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Turnout {
    /// Voters on the roll per unit.
    pub unit_voters: HashMap<String, u64>,
    /// Per (round, unit): check-ins (voters and the principals they carry) and slips handed out.
    pub checked: HashMap<(u8, String), (u64, u64)>,
}

/// The voter roll in memory, in import order, with a lookup by number.
#[derive(Debug, Default)]
pub struct Roll {
    pub voters: Vec<Voter>,
    by_number: HashMap<String, usize>,
}

impl Roll {
    fn new(voters: Vec<Voter>) -> Roll {
        let by_number = voters
            .iter()
            .enumerate()
            .map(|(i, v)| (v.number.clone(), i))
            .collect();
        Roll { voters, by_number }
    }

    pub fn voter(&self, number: &str) -> Option<&Voter> {
        self.by_number.get(number).and_then(|i| self.voters.get(*i))
    }

    pub fn len(&self) -> usize {
        self.voters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.voters.is_empty()
    }
}

/// The service records, in their own sled database (`data/service`).
#[derive(Clone)]
pub struct Records {
    db: sled::Db,
    turnout: Arc<Mutex<Option<Turnout>>>,
    roll: Arc<Mutex<Option<Arc<Roll>>>>,
    flusher: Arc<Flusher>,
    /// Check-ins taken back after a failed flush whose removal the disk refused too (key →
    /// the row's bytes): not check-ins, removed by the next check-in (`desk.rs`).
    withdrawn: Arc<Mutex<Withdrawn>>,
}

/// Withdrawn check-in rows: key → the row's bytes.
type Withdrawn = HashMap<Vec<u8>, Vec<u8>>;

/// Group commit for the records: callers that need their write durable take a ticket after
/// writing; one of them flushes sled for everyone whose ticket was taken before that flush
/// began, the others wait. Many desks checking in at once then share one flush.
#[derive(Default)]
struct Flusher {
    /// (tickets handed out, tickets covered by a finished flush, a flush is running).
    state: Mutex<(u64, u64, bool)>,
    done: Condvar,
}

impl Records {
    pub fn open(data_dir: &Path) -> Result<Records, RecordsError> {
        std::fs::create_dir_all(data_dir).map_err(|e| RecordsError::Io {
            path: data_dir.display().to_string(),
            detail: e.to_string(),
        })?;
        let db = open_index(&data_dir.join("service"), RECORDS_CACHE_BYTES)?;
        Ok(Records {
            db,
            turnout: Arc::new(Mutex::new(None)),
            roll: Arc::new(Mutex::new(None)),
            flusher: Arc::new(Flusher::default()),
            withdrawn: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    fn turnout_lock(&self) -> Result<MutexGuard<'_, Option<Turnout>>, RecordsError> {
        self.turnout
            .lock()
            .map_err(|_| RecordsError::Index("turnout cache poisoned".into()))
    }

    /// The turnout aggregates (see [`Turnout`]): built from the roll and check-ins on first use.
    pub fn turnout(&self) -> Result<Turnout, RecordsError> {
        let mut guard = self.turnout_lock()?;
        if let Some(t) = guard.as_ref() {
            return Ok(t.clone());
        }
        let mut t = Turnout::default();
        let roll = self.roll()?;
        for v in &roll.voters {
            *t.unit_voters.entry(v.unit.clone()).or_default() += 1;
        }
        for c in self.check_ins()? {
            if let Some(v) = roll.voter(&c.number) {
                let e = t.checked.entry((c.round, v.unit.clone())).or_default();
                e.0 += 1;
                e.1 += c.slips;
            }
        }
        *guard = Some(t.clone());
        Ok(t)
    }

    fn tree(&self, name: &str) -> Result<sled::Tree, RecordsError> {
        self.db.open_tree(name).map_err(index_err)
    }

    fn get<T: for<'de> Deserialize<'de>>(
        &self,
        tree: &str,
        key: &[u8],
    ) -> Result<Option<T>, RecordsError> {
        match self.tree(tree)?.get(key).map_err(index_err)? {
            Some(v) => Ok(Some(serde_json::from_slice(&v).map_err(json_err)?)),
            None => Ok(None),
        }
    }

    fn put<T: Serialize>(&self, tree: &str, key: &[u8], value: &T) -> Result<(), RecordsError> {
        let bytes = serde_json::to_vec(value).map_err(json_err)?;
        self.tree(tree)?.insert(key, bytes).map_err(index_err)?;
        Ok(())
    }

    fn all<T: for<'de> Deserialize<'de>>(&self, tree: &str) -> Result<Vec<T>, RecordsError> {
        let mut out = Vec::new();
        for kv in self.tree(tree)?.iter() {
            let (_, v) = kv.map_err(index_err)?;
            out.push(serde_json::from_slice(&v).map_err(json_err)?);
        }
        Ok(out)
    }

    /// Makes every write made before this call durable (shared with concurrent callers).
    pub fn flush(&self) -> Result<(), RecordsError> {
        let poisoned = |_| RecordsError::Index("records flusher poisoned".into());
        let f = &self.flusher;
        let mut g = f.state.lock().map_err(poisoned)?;
        g.0 += 1;
        let ticket = g.0;
        loop {
            if g.1 >= ticket {
                return Ok(());
            }
            if g.2 {
                g = f.done.wait(g).map_err(poisoned)?;
                continue;
            }
            // Flush for every ticket handed out so far: all their writes came before them.
            let covers = g.0;
            g.2 = true;
            drop(g);
            let flushed = self.db.flush().map_err(index_err);
            g = f.state.lock().map_err(poisoned)?;
            g.2 = false;
            if flushed.is_ok() {
                g.1 = g.1.max(covers);
            }
            f.done.notify_all();
            flushed?;
        }
    }

    // ---- publication ----
    pub fn publish(&self, result_index: u64) -> Result<(), RecordsError> {
        self.put("published", &result_index.to_be_bytes(), &true)?;
        self.flush()
    }

    /// A publication flag of a data directory from before publication was logged.
    pub fn is_published(&self, result_index: u64) -> Result<bool, RecordsError> {
        Ok(self
            .get::<bool>("published", &result_index.to_be_bytes())?
            .unwrap_or(false))
    }

    /// Small settings (election date, kiosk names ...).
    /// Forgets what belonged to the election that was archived: the roll, the check-ins, the
    /// proposed corrections and the settings (its date, the tellers' key bindings). Accounts,
    /// sessions and paired kiosks stay.
    pub fn clear_election(&self) -> Result<(), RecordsError> {
        let mut turnout = self.turnout_lock()?;
        let mut roll = self
            .roll
            .lock()
            .map_err(|_| RecordsError::Index("roll cache poisoned".into()))?;
        for name in ["rolls", "roll", "checkins", "proposals", "settings"] {
            self.tree(name)?.clear().map_err(index_err)?;
        }
        *roll = None;
        *turnout = None;
        if let Ok(mut w) = self.withdrawn.lock() {
            w.clear();
        }
        drop(roll);
        drop(turnout);
        self.flush()
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, RecordsError> {
        self.get("settings", key.as_bytes())
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), RecordsError> {
        self.put("settings", key.as_bytes(), &value.to_string())?;
        self.flush()
    }

    /// Removes a setting (absent afterwards, as if never set).
    pub fn remove_setting(&self, key: &str) -> Result<(), RecordsError> {
        self.tree("settings")?
            .remove(key.as_bytes())
            .map_err(index_err)?;
        self.flush()
    }
}

mod desk;
mod people;
#[cfg(test)]
mod tests;
