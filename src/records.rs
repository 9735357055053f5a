//! The service's own records, kept apart from the ballot log: accounts, sessions, kiosk
//! devices and pairing codes, the voter roll, check-ins and proxies, published results.
//!
//! Invariant: nothing here can link a voter to a ballot. The roll and check-ins say who came;
//! the log says what was cast; the slips in between are anonymous and never recorded.
//! Check-ins are flushed before they are confirmed, so a voter cannot check in twice across a
//! restart (sled's flush is not trusted as the only copy of ballots, but the roll is not the
//! record of truth of anything the verifier checks).

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
    RecordsError::Index(e.to_string())
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
}

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

    // ---- accounts ----
    pub fn account(&self, username: &str) -> Result<Option<Account>, RecordsError> {
        self.get("accounts", username.as_bytes())
    }

    pub fn accounts(&self) -> Result<Vec<Account>, RecordsError> {
        self.all("accounts")
    }

    /// Creates an account; refuses an existing name.
    pub fn create_account(&self, a: &Account) -> Result<(), RecordsError> {
        let t = self.tree("accounts")?;
        let bytes = serde_json::to_vec(a).map_err(json_err)?;
        match t
            .compare_and_swap(a.username.as_bytes(), None as Option<&[u8]>, Some(bytes))
            .map_err(index_err)?
        {
            Ok(()) => self.flush(),
            Err(_) => Err(RecordsError::Refused {
                code: Code::AccountExists,
                message: format!(
                    "账号 “{}” 已存在 / the account “{}” already exists",
                    a.username, a.username
                ),
            }),
        }
    }

    pub fn set_account(&self, a: &Account) -> Result<(), RecordsError> {
        self.put("accounts", a.username.as_bytes(), a)?;
        self.flush()
    }

    // ---- sessions (keyed by the SHA-256 of the token, never the token) ----
    pub fn session(&self, token_hash: &[u8]) -> Result<Option<Session>, RecordsError> {
        self.get("sessions", token_hash)
    }

    /// Stores a session and flushes it, so a paired kiosk stays paired across a crash.
    pub fn put_session(&self, token_hash: &[u8], s: &Session) -> Result<(), RecordsError> {
        self.put("sessions", token_hash, s)?;
        self.flush()
    }

    /// Ends every session of an account; returns how many there were.
    pub fn remove_sessions_of(&self, username: &str) -> Result<usize, RecordsError> {
        let t = self.tree("sessions")?;
        let mut gone = 0;
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
            if s.username == username {
                t.remove(k).map_err(index_err)?;
                gone += 1;
            }
        }
        self.flush()?;
        Ok(gone)
    }

    pub fn remove_session(&self, token_hash: &[u8]) -> Result<(), RecordsError> {
        self.tree("sessions")?
            .remove(token_hash)
            .map_err(index_err)?;
        Ok(())
    }

    /// Every live session, with its id; expired ones are removed on the way.
    pub fn sessions(&self, now: u64) -> Result<Vec<SessionInfo>, RecordsError> {
        let t = self.tree("sessions")?;
        let mut out = Vec::new();
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
            if s.expires < now {
                t.remove(k).map_err(index_err)?;
                continue;
            }
            out.push(SessionInfo {
                id: session_id(&k),
                session: s,
            });
        }
        out.sort_by(|a, b| (a.session.created, &a.id).cmp(&(b.session.created, &b.id)));
        Ok(out)
    }

    /// Ends the session with this id; returns it, or `None` if there is none.
    pub fn remove_session_by_id(&self, id: &str) -> Result<Option<Session>, RecordsError> {
        let t = self.tree("sessions")?;
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            if session_id(&k) == id {
                let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
                t.remove(k).map_err(index_err)?;
                self.flush()?;
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    /// Ends every session of an account but one (the caller's own, after a password change).
    pub fn remove_other_sessions_of(
        &self,
        username: &str,
        keep: &[u8],
    ) -> Result<usize, RecordsError> {
        let t = self.tree("sessions")?;
        let mut gone = 0;
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
            if s.username == username && k.as_ref() != keep {
                t.remove(k).map_err(index_err)?;
                gone += 1;
            }
        }
        self.flush()?;
        Ok(gone)
    }

    // ---- kiosk pairing codes (keyed by their 4-digit slot; the secret only as its SHA-256) ----
    /// Stores a new code under a free slot; `false` if the slot is taken by a live code.
    pub fn put_pairing(&self, slot: &str, p: &Pairing, now: u64) -> Result<bool, RecordsError> {
        let t = self.tree("pairing_slots")?;
        let bytes = serde_json::to_vec(p).map_err(json_err)?;
        loop {
            let current = t.get(slot.as_bytes()).map_err(index_err)?;
            if let Some(v) = &current {
                let live: Pairing = serde_json::from_slice(v).map_err(json_err)?;
                if live.expires >= now {
                    return Ok(false);
                }
            }
            match t
                .compare_and_swap(slot.as_bytes(), current, Some(bytes.clone()))
                .map_err(index_err)?
            {
                Ok(()) => return Ok(true),
                Err(_) => continue,
            }
        }
    }

    /// Whether `slot` holds a live pairing code whose secret hashes to `secret_hash`, without
    /// counting a try (a right code pairs while wrong ones from all clients are paused).
    pub fn pairing_is(
        &self,
        slot: &str,
        secret_hash: &[u8],
        now: u64,
    ) -> Result<bool, RecordsError> {
        let t = self.tree("pairing_slots")?;
        let Some(current) = t.get(slot.as_bytes()).map_err(index_err)? else {
            return Ok(false);
        };
        let p: Pairing = serde_json::from_slice(&current).map_err(json_err)?;
        Ok(p.expires >= now && ct_eq(&p.secret_hash, secret_hash))
    }

    /// Tries a pairing code. A right secret uses the code up; a wrong one counts against it,
    /// and the `tries_max`-th wrong one kills it. Atomic under concurrent tries.
    pub fn take_pairing(
        &self,
        slot: &str,
        secret_hash: &[u8],
        now: u64,
        tries_max: u32,
    ) -> Result<PairingOutcome, RecordsError> {
        let t = self.tree("pairing_slots")?;
        loop {
            let Some(current) = t.get(slot.as_bytes()).map_err(index_err)? else {
                return Ok(PairingOutcome::Unknown);
            };
            let mut p: Pairing = serde_json::from_slice(&current).map_err(json_err)?;
            if p.expires < now {
                t.remove(slot.as_bytes()).map_err(index_err)?;
                return Ok(PairingOutcome::Unknown);
            }
            let right = ct_eq(&p.secret_hash, secret_hash);
            let (next, outcome) = if right {
                (None, PairingOutcome::Paired)
            } else {
                p.failures += 1;
                if p.failures >= tries_max {
                    (None, PairingOutcome::Dead)
                } else {
                    let left = tries_max - p.failures;
                    (
                        Some(serde_json::to_vec(&p).map_err(json_err)?),
                        PairingOutcome::Wrong { left },
                    )
                }
            };
            match t
                .compare_and_swap(slot.as_bytes(), Some(current), next)
                .map_err(index_err)?
            {
                Ok(()) => {
                    self.flush()?;
                    return Ok(outcome);
                }
                Err(_) => continue,
            }
        }
    }

    // ---- roll ----
    /// The roll, loaded once: from the `roll` value of the `rolls` tree (one JSON array), or
    /// from the per-voter `roll` tree of data directories written before that.
    pub fn roll(&self) -> Result<Arc<Roll>, RecordsError> {
        let mut guard = self
            .roll
            .lock()
            .map_err(|_| RecordsError::Index("roll cache poisoned".into()))?;
        if let Some(r) = guard.as_ref() {
            return Ok(r.clone());
        }
        let voters: Vec<Voter> = match self.get("rolls", b"roll")? {
            Some(v) => v,
            None => self.all("roll")?,
        };
        let r = Arc::new(Roll::new(voters));
        *guard = Some(r.clone());
        Ok(r)
    }

    /// Replaces the roll with `voters`, all or nothing: the whole roll is one sled value,
    /// written with one insert and flushed. (One sled batch of a county's 267,216 per-voter
    /// rows held 1.3 GB of memory; as one value the import costs about its own size.)
    pub fn replace_roll(&self, voters: &[Voter]) -> Result<(), RecordsError> {
        let bytes = serde_json::to_vec(voters).map_err(json_err)?;
        // Lock order everywhere: turnout, then roll.
        let mut turnout = self.turnout_lock()?;
        let mut roll = self
            .roll
            .lock()
            .map_err(|_| RecordsError::Index("roll cache poisoned".into()))?;
        self.tree("rolls")?
            .insert(b"roll", bytes)
            .map_err(index_err)?;
        *roll = Some(Arc::new(Roll::new(voters.to_vec())));
        *turnout = None;
        drop(roll);
        drop(turnout);
        self.flush()?;
        // The per-voter tree of older data directories is superseded.
        self.tree("roll")?.clear().map_err(index_err)?;
        Ok(())
    }

    pub fn voter(&self, number: &str) -> Result<Option<Voter>, RecordsError> {
        Ok(self.roll()?.voter(number).cloned())
    }

    /// Voters on the roll.
    pub fn roll_size(&self) -> Result<u64, RecordsError> {
        Ok(self.roll()?.len() as u64)
    }

    // ---- check-ins ----
    /// Records a check-in atomically; returns the earlier check-in if there was one.
    pub fn check_in(&self, c: &CheckIn) -> Result<Result<(), CheckIn>, RecordsError> {
        let t = self.tree("checkins")?;
        let bytes = serde_json::to_vec(c).map_err(json_err)?;
        let unit = self.voter(&c.number)?.map(|v| v.unit);
        // The swap and the aggregate update happen under one lock, so a cache being built
        // from sled at the same moment cannot count this check-in twice.
        let mut guard = self.turnout_lock()?;
        let swapped = t
            .compare_and_swap(
                checkin_key(c.round, &c.number),
                None as Option<&[u8]>,
                Some(bytes),
            )
            .map_err(index_err)?;
        if let (Ok(()), Some(turnout), Some(unit)) = (&swapped, guard.as_mut(), unit) {
            let e = turnout.checked.entry((c.round, unit)).or_default();
            e.0 += 1;
            e.1 += c.slips;
        }
        drop(guard);
        match swapped {
            Ok(()) => {
                self.flush()?;
                Ok(Ok(()))
            }
            Err(e) => {
                let earlier = match e.current {
                    Some(v) => serde_json::from_slice(&v).map_err(json_err)?,
                    None => c.clone(),
                };
                Ok(Err(earlier))
            }
        }
    }

    /// Records a voter's check-in together with the principals they carry a proxy for, all
    /// or none: if any of them is already checked in for the round, nothing is written and
    /// that earlier check-in is returned. Two desks racing for one principal cannot both win.
    pub fn check_in_group(&self, group: &[CheckIn]) -> Result<Result<(), CheckIn>, RecordsError> {
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        let t = self.tree("checkins")?;
        let mut rows = Vec::with_capacity(group.len());
        for c in group {
            let bytes = serde_json::to_vec(c).map_err(json_err)?;
            let unit = self.voter(&c.number)?.map(|v| v.unit);
            rows.push((checkin_key(c.round, &c.number), bytes, unit, c));
        }
        // The transaction and the aggregate update happen under one lock (see `check_in`).
        let mut guard = self.turnout_lock()?;
        let outcome = t.transaction(|tx| {
            for (key, _, _, _) in &rows {
                if let Some(earlier) = tx.get(key)? {
                    return Err(ConflictableTransactionError::Abort(earlier));
                }
            }
            for (key, bytes, _, _) in &rows {
                tx.insert(key.as_slice(), bytes.as_slice())?;
            }
            Ok(())
        });
        match outcome {
            Ok(()) => {
                if let Some(turnout) = guard.as_mut() {
                    for (_, _, unit, c) in &rows {
                        if let Some(unit) = unit {
                            let e = turnout.checked.entry((c.round, unit.clone())).or_default();
                            e.0 += 1;
                            e.1 += c.slips;
                        }
                    }
                }
                drop(guard);
                self.flush()?;
                Ok(Ok(()))
            }
            Err(TransactionError::Abort(earlier)) => {
                Ok(Err(serde_json::from_slice(&earlier).map_err(json_err)?))
            }
            Err(TransactionError::Storage(e)) => Err(index_err(e)),
        }
    }

    /// Check-ins and slips handed out in `round` over the units `unit` accepts, from the
    /// in-memory aggregates (no copy of them).
    pub fn turnout_in(
        &self,
        round: u8,
        unit: &dyn Fn(&str) -> bool,
    ) -> Result<(u64, u64), RecordsError> {
        if self.turnout_lock()?.is_none() {
            self.turnout()?;
        }
        let guard = self.turnout_lock()?;
        Ok(guard
            .as_ref()
            .map(|t| {
                t.checked
                    .iter()
                    .filter(|((r, u), _)| *r == round && unit(u))
                    .fold((0, 0), |(p, i), (_, (dp, di))| (p + dp, i + di))
            })
            .unwrap_or((0, 0)))
    }

    // ---- corrections waiting for a second person ----
    /// Stores a proposed correction; returns its number.
    /// Keeps a proposal of a correction under the next number: 1, 2, 3 … in the order they
    /// were made, across restarts (what the pages show and `ledger approve N` takes).
    pub fn propose(&self, p: &Proposal) -> Result<u64, RecordsError> {
        // The counter starts past any proposal kept before it existed (those were numbered
        // by sled's id generator, from 0 and with gaps after a restart).
        let past = match self.tree("proposals")?.last().map_err(index_err)? {
            Some((k, _)) => <[u8; 8]>::try_from(k.as_ref()).map_or(0, u64::from_be_bytes) + 1,
            None => 1,
        };
        let next = self
            .db
            .update_and_fetch("next_proposal", |old| {
                let n = old
                    .and_then(|v| <[u8; 8]>::try_from(v).ok())
                    .map_or(1, u64::from_be_bytes);
                Some(n.max(past).saturating_add(1).to_be_bytes().to_vec())
            })
            .map_err(index_err)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| RecordsError::Index("proposal counter unreadable".into()))?;
        let id = next - 1;
        let mut p = p.clone();
        p.id = id;
        self.put("proposals", &id.to_be_bytes(), &p)?;
        self.flush()?;
        Ok(id)
    }

    pub fn proposal(&self, id: u64) -> Result<Option<Proposal>, RecordsError> {
        self.get("proposals", &id.to_be_bytes())
    }

    pub fn proposals(&self) -> Result<Vec<Proposal>, RecordsError> {
        self.all("proposals")
    }

    /// Removes a proposal once it was approved (and logged) or withdrawn.
    pub fn remove_proposal(&self, id: u64) -> Result<(), RecordsError> {
        self.tree("proposals")?
            .remove(id.to_be_bytes())
            .map_err(index_err)?;
        self.flush()
    }

    pub fn check_ins(&self) -> Result<Vec<CheckIn>, RecordsError> {
        self.all("checkins")
    }

    pub fn checked_in(&self, round: u8, number: &str) -> Result<Option<CheckIn>, RecordsError> {
        self.get("checkins", &checkin_key(round, number))
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn voter(number: &str, unit: &str) -> Voter {
        Voter {
            line: 0,
            name: format!("选民{number}"),
            number: number.into(),
            unit: unit.into(),
            birth: "1980-01-01".into(),
            flags: vec![],
        }
    }

    /// Opens the records again after a handle was dropped in this process: sled's flusher
    /// thread may hold the file lock for a moment after the last handle goes.
    fn reopen(dir: &std::path::Path) -> Records {
        for _ in 0..100 {
            if let Ok(r) = Records::open(dir) {
                return r;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Records::open(dir).unwrap()
    }

    fn check_in(number: &str, round: u8, slips: u64) -> CheckIn {
        CheckIn {
            number: number.into(),
            round,
            at: 1,
            desk: "d".into(),
            principals: vec![],
            slips,
        }
    }

    #[test]
    fn turnout_follows_check_ins_and_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!(
            "scrutineer-records-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let expected = {
            let r = Records::open(&dir).unwrap();
            r.replace_roll(&[voter("1", "一"), voter("2", "一"), voter("3", "二")])
                .unwrap();
            // Built before any check-in, then kept up to date by check_in.
            assert_eq!(r.turnout().unwrap().unit_voters.get("一"), Some(&2));
            assert_eq!(r.roll_size().unwrap(), 3);
            assert!(r.check_in(&check_in("1", 1, 2)).unwrap().is_ok());
            assert!(r.check_in(&check_in("2", 1, 0)).unwrap().is_ok());
            // A second check-in is refused and not counted; another round is its own count.
            assert!(r.check_in(&check_in("1", 1, 1)).unwrap().is_err());
            assert!(r.check_in(&check_in("3", 2, 1)).unwrap().is_ok());
            // Not on the roll: stored by the caller's choice, never counted for a unit.
            assert!(r.check_in(&check_in("9", 1, 1)).unwrap().is_ok());
            let t = r.turnout().unwrap();
            assert_eq!(t.checked.get(&(1, "一".to_string())), Some(&(2, 2)));
            assert_eq!(t.checked.get(&(2, "二".to_string())), Some(&(1, 1)));
            assert_eq!(t.checked.len(), 2);
            r.flush().unwrap();
            t
        };
        // Rebuilt from sled after a restart: the same aggregates.
        let r = reopen(&dir);
        assert_eq!(r.turnout().unwrap(), expected);
        // Replacing the roll drops the aggregates; they are rebuilt from the new roll.
        r.replace_roll(&[voter("1", "三")]).unwrap();
        let t = r.turnout().unwrap();
        assert_eq!(t.unit_voters.len(), 1);
        assert_eq!(t.checked.get(&(1, "三".to_string())), Some(&(1, 2)));
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn concurrent_check_ins_share_flushes_and_all_land() {
        let dir =
            std::env::temp_dir().join(format!("scrutineer-records-flush-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let r = Records::open(&dir).unwrap();
            let roll: Vec<Voter> = (0..400).map(|n| voter(&n.to_string(), "一")).collect();
            r.replace_roll(&roll).unwrap();
            std::thread::scope(|s| {
                for t in 0..8 {
                    let r = r.clone();
                    s.spawn(move || {
                        for n in (t * 50)..(t * 50 + 50) {
                            assert!(r.check_in(&check_in(&n.to_string(), 1, 1)).unwrap().is_ok());
                        }
                    });
                }
            });
            assert_eq!(
                r.turnout().unwrap().checked.get(&(1, "一".to_string())),
                Some(&(400, 400))
            );
        }
        let r = reopen(&dir);
        assert_eq!(r.check_ins().unwrap().len(), 400);
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_roll_written_per_voter_by_an_older_version_is_read() {
        let dir = std::env::temp_dir().join(format!(
            "scrutineer-records-old-roll-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let r = Records::open(&dir).unwrap();
            let v = voter("7", "一");
            r.put("roll", b"7", &v).unwrap();
            r.flush().unwrap();
        }
        let r = reopen(&dir);
        assert_eq!(
            r.voter("7").unwrap().map(|v| v.unit),
            Some("一".to_string())
        );
        assert_eq!(r.roll_size().unwrap(), 1);
        // A new import supersedes it, and survives a restart.
        r.replace_roll(&[voter("8", "二")]).unwrap();
        drop(r);
        let r = reopen(&dir);
        assert_eq!(r.voter("7").unwrap(), None);
        assert_eq!(
            r.voter("8").unwrap().map(|v| v.unit),
            Some("二".to_string())
        );
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
