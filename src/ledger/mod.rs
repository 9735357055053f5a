//! The ledger: the append-only, hash-chained log of entries that is also an RFC 6962 Merkle
//! tree with signed C2SP checkpoints, the sled index derived from it, and token spending.
//!
//! Architecture invariant: `ledger` is the only code that touches the log files and the
//! database. The segment files are the record of truth; sled only holds what lookups need and
//! is rebuilt from the segments (`reindex`) or replayed at start-up: its own flush is not
//! trusted for durability (spacejam/sled#1452).
//!
//! Invariant: one sequencer thread appends. Submitters are batched (group commit, bounded by
//! `batch_max` and `batch_wait`); a batch is acknowledged only after `fdatasync` returned for
//! it, and the order of ballots inside a batch is randomised. Ballot entries carry no time and
//! no kiosk identity.

mod batch;
mod encrypted;
mod export;
mod group;
mod journal;
pub mod keys;
mod ops;
mod state;
mod store;

use crate::codes::Code;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};

use crate::e2e::book::{CheckedBallot, CheckedStep};
use crate::record::entry::{body_bytes, genesis, origin, BallotBody, Entry, EntryKind};
use crate::record::merkle::{Hash, Tree};
use crate::record::note::{Checkpoint, Note, Signer};
use crate::record::segment::push_frame;
use crate::record::token::{Token, TokenError};
use crate::rules::conduct::Phase;

mod sequencer;
use sequencer::*;

pub use export::{ExportFile, Source};
pub use ops::{default_styles, person, roll_commitment, teller_signature_line, Registration};
pub use state::{encrypted_confirmation, result_checkpoint_text, BallotKey, ElectionInfo, State};

/// The index's sled page cache (sled's default is 1 GiB; a county election's index works in far less).
const INDEX_CACHE_BYTES: u64 = 256 * 1024 * 1024;
/// Encrypted ballots at most in one proof batch at cast (as the verifier's batches).
const PROOF_BATCH: usize = 64;

/// Default most submissions in one commit batch.
pub const BATCH_MAX_DEFAULT: usize = 512;
/// Default longest a batch waits for more submissions, in milliseconds.
pub const BATCH_WAIT_MS_DEFAULT: u64 = 2;
/// Default largest segment file, in bytes.
pub const SEGMENT_BYTES_MAX_DEFAULT: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("存储出错 {path}: {detail} / Storage error at {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("日志已损坏 {path}: {detail} / The log is damaged at {path}: {detail}")]
    Damaged { path: String, detail: String },
    #[error("索引出错: {0} / Index error: {0}")]
    Index(String),
    #[error("密钥文件 {path} 无效 / The key file {path} is not valid.")]
    Key { path: String },
    #[error("日志密钥名为 “{found}”, 本选举应为 “{expected}” / The log key is named “{found}”, but this election needs “{expected}”.")]
    KeyName { found: String, expected: String },
    #[error("无法取得随机数 / The system random source failed.")]
    Random,
    #[error("尚未登记选举 / No election is registered in this log yet.")]
    NotInitialised,
    #[error("此选票码已经用过 / This token has already been used.")]
    TokenSpent,
    #[error("{0}")]
    Token(TokenError),
    #[error("{message}")]
    Refused { code: Code, message: String },
    #[error("{message}")]
    Spec { code: Code, message: String },
    #[error("{0}")]
    Ballot(crate::record::BallotError),
    #[error("日志服务已停止 / The ledger has stopped.")]
    Stopped,
}

/// The service records' errors as the ledger's, so the core and the service answer them
/// with the same codes and statuses (the records never import the ledger; the ledger may
/// import them).
impl From<crate::records::RecordsError> for LedgerError {
    fn from(e: crate::records::RecordsError) -> LedgerError {
        use crate::records::RecordsError as R;
        match e {
            R::Io { path, detail } => LedgerError::Io { path, detail },
            R::Index(m) => LedgerError::Index(m),
            R::Refused { code, message } => LedgerError::Refused { code, message },
        }
    }
}

impl LedgerError {
    pub fn code(&self) -> Code {
        match self {
            LedgerError::Io { .. } => Code::Storage,
            LedgerError::Damaged { .. } => Code::LogDamaged,
            LedgerError::Index(_) => Code::Index,
            LedgerError::Key { .. } | LedgerError::KeyName { .. } => Code::BadKey,
            LedgerError::Random => Code::Random,
            LedgerError::NotInitialised => Code::NotInitialised,
            LedgerError::TokenSpent => Code::TokenSpent,
            LedgerError::Token(e) => e.code(),
            LedgerError::Refused { code, .. } | LedgerError::Spec { code, .. } => *code,
            LedgerError::Ballot(e) => e.code,
            LedgerError::Stopped => Code::Stopped,
        }
    }
}

#[derive(Clone, Debug)]
pub struct LedgerConfig {
    pub data_dir: PathBuf,
    pub keys_dir: PathBuf,
    pub batch_max: usize,
    pub batch_wait: Duration,
    pub segment_bytes_max: u64,
}

impl LedgerConfig {
    pub fn new(data_dir: impl Into<PathBuf>, keys_dir: impl Into<PathBuf>) -> LedgerConfig {
        LedgerConfig {
            data_dir: data_dir.into(),
            keys_dir: keys_dir.into(),
            batch_max: BATCH_MAX_DEFAULT,
            batch_wait: Duration::from_millis(BATCH_WAIT_MS_DEFAULT),
            segment_bytes_max: SEGMENT_BYTES_MAX_DEFAULT,
        }
    }

    fn log_dir(&self) -> PathBuf {
        self.data_dir.join("log")
    }

    fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}

/// What a submitter gets back once its entry is durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    pub index: u64,
    pub hash: Hash,
    /// The size of the log after the batch (the checkpoint that covers the entry).
    pub size: u64,
}

enum Request {
    Ballot {
        key: BallotKey,
        entry_body: Vec<u8>,
        /// The slips the desk handed out for the ballot's style, when known.
        issued: Option<u64>,
        /// An encrypted ballot's kind and checked contents.
        encrypted: Option<Arc<CheckedBallot>>,
        reply: mpsc::Sender<Result<Appended, LedgerError>>,
    },
    /// Entries that are appended together or not at all (one is the common case).
    Admin {
        entries: Vec<(EntryKind, Vec<u8>)>,
        /// The first entry's shuffle or decryption shares, checked off the lock
        /// (`Ledger::append_teller_step`).
        pre: Option<CheckedStep>,
        reply: mpsc::Sender<Result<Vec<Appended>, LedgerError>>,
    },
}

/// The shared read side.
pub struct Shared {
    pub state: State,
    pub tree: Tree,
    /// The latest signed checkpoint note.
    pub checkpoint: Option<(u64, String)>,
    head: Hash,
    /// Where the last applied entry's frame ends: (its segment's first index, byte offset).
    /// An export at the log's end stops here, not at the file's length, past which the
    /// sequencer may be writing a batch not yet durable nor applied. Kept with the tree
    /// (the index may lag it when storage fails).
    pub(crate) end: Option<(u64, u64)>,
}

struct Inner {
    /// Encrypted ballots arriving at once, their proofs verified as one batch.
    proofs: batch::Batcher<(Arc<CheckedBallot>, [u8; 16]), crate::e2e::E2eError>,
    /// The election and key ballots' proofs are checked under, once the key is set
    /// (cloning the key rebuilds its tables, so it is kept).
    ballot_proofs: Mutex<Option<Arc<crate::e2e::book::BallotProofs>>>,
    tx: Mutex<Option<mpsc::Sender<Request>>>,
    shared: Arc<RwLock<Shared>>,
    db: sled::Db,
    log_dir: PathBuf,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    election_key: ed25519_dalek::SigningKey,
    keys_dir: PathBuf,
    /// Held by a tally from the state it counts until its result is appended, and by every
    /// append of an entry that changes what a closed contest's count reads (a correction of
    /// the figures, a seat reduction, a teller's shares or shuffle, a paper ballot), so that
    /// no such entry lands between the state a result was counted from and the result (the
    /// verifier recounts at the result's index and would refuse it).
    counting: Mutex<()>,
    /// Set while the election is being archived: every append is refused (`archiving`), so
    /// that nothing lands after the archive's check and outside its export.
    frozen: std::sync::atomic::AtomicBool,
}

/// Entries that change what a closed contest's count reads ([`Inner::counting`]).
fn changes_a_count(kind: EntryKind) -> bool {
    matches!(
        kind,
        EntryKind::TurnoutCorrected
            | EntryKind::SeatsReduced
            | EntryKind::Shuffle
            | EntryKind::DecryptionShares
            | EntryKind::PaperBallot
            | EntryKind::PaperKeyed
    )
}

/// A handle on an open ledger; cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

fn index_err(e: sled::Error) -> LedgerError {
    LedgerError::Index(e.to_string())
}

/// Entry location in the index: segment ‖ offset ‖ hash.
fn location(segment: u64, offset: u64, hash: &Hash) -> Vec<u8> {
    let mut v = Vec::with_capacity(48);
    v.extend_from_slice(&segment.to_be_bytes());
    v.extend_from_slice(&offset.to_be_bytes());
    v.extend_from_slice(hash);
    v
}

/// Where a new ledger's log key name comes from: the checkpoint origin of its election.
pub fn log_key_name(election_id: &str) -> String {
    origin(election_id)
}

/// Every signed checkpoint's size, and the latest's size and signed note.
pub type CheckpointSizes = (Vec<u64>, Option<(u64, String)>);

impl Ledger {
    /// Opens the ledger in `config.data_dir`: scans the segments (cutting a torn tail), checks
    /// the chain, rebuilds the tree and state, replays the index tail, and starts the
    /// sequencer. `election_id` names the election the keys belong to; a new data directory
    /// gets its keys created.
    pub fn open(config: LedgerConfig, election_id: &str) -> Result<Ledger, LedgerError> {
        let keys = keys::load_or_create(&config.keys_dir, &log_key_name(election_id))?;
        let log_dir = config.log_dir();
        // Read without repairing: a torn tail is cut only after the checkpoint journal has
        // confirmed that nothing acknowledged is missing (see below).
        let mut scan = store::scan(&log_dir, false)?;
        // A log that ends inside the group last marked ends in entries nobody was told about
        // (a crash before their sync kept part of them): they are dropped here and cut from
        // the file below, once the journal has confirmed that nothing acknowledged goes.
        let group_at_start = group::AtStart::read(&log_dir, &mut scan);
        let mut state = State::default();
        let mut tree = Tree::new();
        let mut head = genesis(election_id);
        let mut keys_of_ballots = Vec::with_capacity(scan.entries.len());
        for s in &scan.entries {
            let e = Entry::decode(&s.bytes).map_err(|err| LedgerError::Damaged {
                path: log_dir.display().to_string(),
                detail: format!("entry {}: {err}", s.index),
            })?;
            // Pair assertion: the chain checked on the way in is checked again on the way out.
            if e.prev != head {
                return Err(LedgerError::Damaged {
                    path: log_dir.display().to_string(),
                    detail: format!(
                        "entry {} does not link to entry {}",
                        s.index,
                        s.index.wrapping_sub(1)
                    ),
                });
            }
            let ballot = if e.kind == EntryKind::Ballot || e.kind == EntryKind::EncryptedBallot {
                Some(state::ballot_key(&e)?)
            } else {
                None
            };
            state.apply(s.index, &e, ballot, None, None, &tree)?;
            head = e.hash();
            tree.push(head);
            keys_of_ballots.push(ballot);
        }
        if let Some(info) = &state.admin.election {
            if info.id != election_id {
                return Err(LedgerError::Refused {
                    code: Code::WrongElection,
                    message: format!("此数据目录属于选举 “{}”, 不是 “{election_id}” / this data directory holds election “{}”, not “{election_id}”", info.id, info.id),
                });
            }
        }

        // Every checkpoint ever signed must still hold: none larger than the log, none with
        // another root. Otherwise acknowledged entries are gone or changed, and signing again
        // would fork the log.
        let (mut journal, journaled) = journal::open(&log_dir)?;
        let lost = |detail: String| {
            LedgerError::Damaged {
            path: log_dir.display().to_string(),
            detail: format!("{detail}: acknowledged entries are missing or changed. Restore data/log from a backup (deploy/restore.sh); do not start the service on this log / 已确认的条目缺失或被改动, 请从备份恢复, 不要在此日志上继续"),
        }
        };
        for (n, note) in &journaled {
            if *n > tree.size() {
                return Err(lost(format!(
                    "a checkpoint of size {n} was signed, but the log holds {} entries",
                    tree.size()
                )));
            }
            let root = Note::parse(note.as_bytes())
                .ok()
                .and_then(|parsed| Checkpoint::parse(&parsed.text).ok())
                .map(|cp| cp.root);
            if root != tree.root_at(*n).ok() {
                return Err(lost(format!(
                    "the checkpoint of size {n} that was signed has another root than the log"
                )));
            }
        }

        // The index: replay what it has not seen; rebuild it when it belongs to another
        // election. An index that claims more than the log is refused like a journaled
        // checkpoint: the index is written only after the log is durable.
        let db = crate::records::open_index(&config.index_dir(), INDEX_CACHE_BYTES)?;
        let meta = db.open_tree("meta").map_err(index_err)?;
        let indexed = meta
            .get("indexed")
            .map_err(index_err)?
            .and_then(|v| v.as_ref().try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        let same_election = meta
            .get("election")
            .map_err(index_err)?
            .is_none_or(|v| v.as_ref() == election_id.as_bytes());
        if indexed > scan.entries.len() as u64 && same_election {
            return Err(lost(format!(
                "the index recorded {indexed} entries, but the log holds {}",
                scan.entries.len()
            )));
        }
        if let Some((path, offset, why)) = &scan.torn {
            store::scan(&log_dir, true)?;
            tracing::warn!(path = %path.display(), offset, reason = %why, "cut a torn frame at the end of the log: it was never acknowledged");
        }
        group_at_start.finish(&log_dir)?;
        let from = if !same_election {
            tracing::warn!(
                indexed,
                log = scan.entries.len(),
                "the index does not match the log: rebuilding it"
            );
            for name in ["entries", "spent", "tree", "checkpoints", "contests"] {
                db.open_tree(name)
                    .and_then(|t| t.clear())
                    .map_err(index_err)?;
            }
            0
        } else {
            indexed
        };
        meta.insert("election", election_id.as_bytes())
            .map_err(index_err)?;
        let entries_tree = db.open_tree("entries").map_err(index_err)?;
        let spent_tree = db.open_tree("spent").map_err(index_err)?;
        for s in scan.entries.iter().skip(from as usize) {
            let hash = tree.leaf(s.index).unwrap_or([0; 32]);
            if let Ok(e) = Entry::decode(&s.bytes) {
                index_contest_state(&db, &e);
            }
            entries_tree
                .insert(s.index.to_be_bytes(), location(s.segment, s.offset, &hash))
                .map_err(index_err)?;
            if let Some(Some(k)) = keys_of_ballots.get(s.index as usize) {
                spent_tree
                    .insert(k.serial, &s.index.to_be_bytes())
                    .map_err(index_err)?;
            }
        }
        store_tree_nodes(&db, &tree, from)?;
        let cps = db.open_tree("checkpoints").map_err(index_err)?;
        if journaled.is_empty() {
            // A data directory from before the journal: its history is in the index.
            for (n, note) in history(&cps)? {
                if n <= tree.size() {
                    journal.append(n, &note)?;
                }
            }
        } else {
            // The index gets back from the journal every checkpoint it lacks: all of them
            // when it is rebuilt, and those of the last moments before a crash otherwise
            // (sled keeps its last writes only once it flushes; the journal is synced with
            // the log). A result's checkpoint is read from here for every signature.
            for (n, note) in &journaled {
                let key = n.to_be_bytes();
                if from == 0 || !cps.contains_key(key).map_err(index_err)? {
                    cps.insert(key, note.as_bytes()).map_err(index_err)?;
                }
            }
        }
        // Every result's checkpoint (the text its tellers sign) is in the index: one lost with
        // the last writes of both the index and the journal (a power cut) is signed again
        // from the log, the same note as before.
        for (r, _) in state.results() {
            let n = r.saturating_add(1);
            if n <= tree.size() && !cps.contains_key(n.to_be_bytes()).map_err(index_err)? {
                sequencer::sign_checkpoint_at(&db, &keys.log, election_id, &tree, n)?;
            }
        }
        meta.insert("indexed", &(scan.entries.len() as u64).to_be_bytes())
            .map_err(index_err)?;

        let end = scan.entries.last().map(|e| {
            (
                e.segment,
                e.offset + (crate::record::segment::FRAME_OVERHEAD_BYTES + e.bytes.len()) as u64,
            )
        });
        let shared = Arc::new(RwLock::new(Shared {
            state,
            tree,
            checkpoint: None,
            head,
            end,
        }));
        let latest = latest_checkpoint(&db)?;
        {
            let mut s = shared.write().map_err(|_| LedgerError::Stopped)?;
            let size = s.tree.size();
            s.checkpoint = match latest {
                Some((n, text)) if n == size => Some((n, text)),
                _ if size > 0 => Some(sign_checkpoint(&db, &keys.log, election_id, &s.tree)?),
                _ => None,
            };
            if let Some((n, note)) = &s.checkpoint {
                journal.append(*n, note)?;
            }
        }

        let writer = store::Writer::open(
            &log_dir,
            scan.entries.len() as u64,
            config.segment_bytes_max,
        )?;
        let (tx, rx) = mpsc::channel::<Request>();
        let seq = Sequencer {
            rx,
            writer,
            shared: shared.clone(),
            db: db.clone(),
            signer: keys.log,
            election_id: election_id.to_string(),
            batch_max: config.batch_max.max(1),
            batch_wait: config.batch_wait,
            rng: SystemRandom::new(),
            journal,
        };
        let thread = std::thread::Builder::new()
            .name("scrutineer-sequencer".into())
            .spawn(move || seq.run())
            .map_err(|e| LedgerError::Io {
                path: "sequencer thread".into(),
                detail: e.to_string(),
            })?;
        Ok(Ledger {
            inner: Arc::new(Inner {
                // Half the cores check batches; the rest decode and serve the next
                // requests meanwhile (measured on 2 cores: one batch at a time gave 0.90 ×
                // the CPU per cast and a lower p99 than two; BENCHMARKS.md).
                proofs: batch::Batcher::new(
                    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
                    PROOF_BATCH,
                ),
                ballot_proofs: Mutex::new(None),
                tx: Mutex::new(Some(tx)),
                shared,
                db,
                log_dir,
                thread: Mutex::new(Some(thread)),
                election_key: keys.election,
                keys_dir: config.keys_dir.clone(),
                counting: Mutex::new(()),
                frozen: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// Reads the shared state under a read lock.
    pub fn read<T>(&self, f: impl FnOnce(&Shared) -> T) -> Result<T, LedgerError> {
        let s = self.inner.shared.read().map_err(|_| LedgerError::Stopped)?;
        Ok(f(&s))
    }

    pub fn election_signing_key(&self) -> &ed25519_dalek::SigningKey {
        &self.inner.election_key
    }

    /// Whether the sequencer still takes appends (its thread has not ended, and the ledger
    /// was not closed): `/healthz` reports a service that can no longer write.
    pub fn sequencer_running(&self) -> bool {
        let open = self.inner.tx.lock().is_ok_and(|t| t.is_some());
        let alive = self
            .inner
            .thread
            .lock()
            .is_ok_and(|t| t.as_ref().is_some_and(|h| !h.is_finished()));
        open && alive
    }

    /// Refuses every append from now on (`archiving`) and returns once every append sent
    /// before is committed (a barrier through the sequencer), so that what the caller then
    /// reads is the log's last state: the archive's check, build and move see a log nobody
    /// changes meanwhile. `false` if the ledger is frozen already (another archive).
    pub fn freeze(&self) -> bool {
        let (reply, rx) = mpsc::channel();
        {
            let Ok(tx) = self.inner.tx.lock() else {
                return false;
            };
            if self
                .inner
                .frozen
                .compare_exchange(
                    false,
                    true,
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                )
                .is_err()
            {
                return false;
            }
            // An empty admin request: the sequencer drops its reply once it reaches it,
            // after everything queued before.
            if let Some(tx) = tx.as_ref() {
                let _ = tx.send(Request::Admin {
                    entries: Vec::new(),
                    pre: None,
                    reply,
                });
            }
        }
        let _ = rx.recv();
        true
    }

    /// Takes appends again after [`Ledger::freeze`].
    pub fn thaw(&self) {
        if let Ok(_tx) = self.inner.tx.lock() {
            self.inner
                .frozen
                .store(false, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn send(&self, req: Request) -> Result<(), LedgerError> {
        let tx = self.inner.tx.lock().map_err(|_| LedgerError::Stopped)?;
        // Checked under the channel's lock that `freeze` takes: nothing is queued after it.
        if self.inner.frozen.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(LedgerError::Refused {
                code: Code::Archiving,
                message: "选举正在归档, 不再记录任何条目 / the election is being archived: nothing more is recorded".into(),
            });
        }
        tx.as_ref()
            .ok_or(LedgerError::Stopped)?
            .send(req)
            .map_err(|_| LedgerError::Stopped)
    }

    /// Appends a non-ballot entry and waits until it is durable.
    pub fn append(&self, kind: EntryKind, body: Vec<u8>) -> Result<Appended, LedgerError> {
        self.append_all(vec![(kind, body)])?
            .pop()
            .ok_or(LedgerError::Stopped)
    }

    /// Appends entries that belong together (a close with its desk counts and voidings, a
    /// publication with its runoffs): each is checked against the state the ones before it
    /// leave, and they are written with one `fdatasync`, all or none.
    pub fn append_all(
        &self,
        entries: Vec<(EntryKind, Vec<u8>)>,
    ) -> Result<Vec<Appended>, LedgerError> {
        let _counting = entries
            .iter()
            .any(|(k, _)| changes_a_count(*k))
            .then(|| self.counting_lock());
        self.append_all_now(entries)
    }

    /// [`Inner::counting`], taken even if a holder panicked (it guards no data of its own).
    fn counting_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.inner
            .counting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// [`Ledger::append_all`] without the counting lock (a tally holds it already).
    fn append_all_now(
        &self,
        entries: Vec<(EntryKind, Vec<u8>)>,
    ) -> Result<Vec<Appended>, LedgerError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = mpsc::channel();
        self.send(Request::Admin {
            entries,
            pre: None,
            reply,
        })?;
        rx.recv().map_err(|_| LedgerError::Stopped)?
    }

    /// Appends a teller's shuffle or decryption shares. The body is decoded and the proofs
    /// verified here, on the caller's thread, against a copy of the contest's tally taken
    /// under the lock (`State::tally_book`), so that the sequencer, which every append waits on, does
    /// not verify them; it records the checked step if the tally is still the one it was
    /// checked against (`Book::holds`) and checks the entry itself otherwise, or if the
    /// check here failed (then it names the failure, conduct first, as for any entry).
    pub fn append_teller_step(
        &self,
        kind: EntryKind,
        body: Vec<u8>,
    ) -> Result<Appended, LedgerError> {
        let entry = Entry {
            kind,
            prev: [0; 32],
            body,
        };
        let pre = match state::TellerStep::decode(&entry) {
            Some(step) => {
                let (contest, group) = step.tally();
                let book = self.read(|s| s.state.tally_book(contest, group))?;
                match book.map(|b| (step.check(&b), b)) {
                    Some((Ok(checked), _)) => Some(checked),
                    // Proofs that fail here fail in the sequencer too, unless the tally
                    // changed meanwhile: answered here (the conduct's refusal first, as
                    // always), so that bad shares never cost the sequencer a second
                    // verification that every append would wait on.
                    Some((Err(err), b)) => {
                        let basis = b.tally_basis(contest, group);
                        let stands = self.read(|s| {
                            s.state.teller_refusal_stands(&entry, contest, group, basis)
                        })??;
                        if stands {
                            return Err(err.into());
                        }
                        None
                    }
                    None => None,
                }
            }
            None => None,
        };
        let _counting = changes_a_count(kind).then(|| self.counting_lock());
        let (reply, rx) = mpsc::channel();
        self.send(Request::Admin {
            entries: vec![(kind, entry.body)],
            pre,
            reply,
        })?;
        rx.recv()
            .map_err(|_| LedgerError::Stopped)??
            .pop()
            .ok_or(LedgerError::Stopped)
    }

    /// Checks a token and the ballot lines it admits, without touching the log: the token's
    /// signature, election, round and style; one well-formed ballot for each contest of the
    /// style (`rules::conduct::check_ballot_contests`), none of them void
    /// (`rules::conduct::check_electronic_ballot`). Safe to call from many threads at once.
    pub fn prepare_ballot(
        &self,
        token_text: &str,
        ballots: &[serde_json::Value],
    ) -> Result<(BallotKey, Vec<u8>), LedgerError> {
        let token = Token::parse(token_text).map_err(LedgerError::Token)?;
        self.read(|s| -> Result<(BallotKey, Vec<u8>), LedgerError> {
            let info = s.state.info()?;
            // An encrypted election takes encrypted ballots only.
            s.state.conduct()?.check_ballot_kind(false)?;
            let style = token_style(info, &token)?;
            let mut contests: Vec<&str> = Vec::with_capacity(ballots.len());
            // Each line is logged with its write-ins in canonical form (record::names); a
            // name that `clean_name` refuses refuses the ballot here, before anything is written.
            let mut logged = Vec::with_capacity(ballots.len());
            for (i, b) in ballots.iter().enumerate() {
                let (ci, ballot, line) =
                    crate::record::ballot::clean_ballot_line(&info.election, i + 1, b)
                        .map_err(LedgerError::Ballot)?;
                logged.push(line);
                let contest = &info.election.contests[ci];
                contests.push(contest.id().as_str());
                crate::rules::conduct::check_ballot_contests(&state::style_def(style), &contests)
                    .or_else(|e| match e {
                    // Completeness is checked once every line is in.
                    crate::rules::conduct::ConductError::BallotContestMissing { .. } => Ok(()),
                    e => Err(e),
                })?;
                crate::rules::conduct::check_electronic_ballot(contest, &ballot)?;
                crate::rules::conduct::check_ballot_group(contest, &ballot, &style.group)?;
            }
            crate::rules::conduct::check_ballot_contests(&state::style_def(style), &contests)?;
            let body = body_bytes(&BallotBody {
                token: BASE64.encode(token.to_bytes()),
                ballots: logged,
            });
            Ok((
                BallotKey {
                    serial: *token.serial(),
                    round: token.round(),
                    style: token.style(),
                    encrypted: false,
                },
                body,
            ))
        })?
    }

    /// Casts a ballot: checks it, then waits until its entry is durable.
    pub fn cast(
        &self,
        token_text: &str,
        ballots: &[serde_json::Value],
    ) -> Result<Appended, LedgerError> {
        self.cast_within(token_text, ballots, None)
    }

    /// Casts a ballot that must also stay within `issued`, the slips the desk has handed out
    /// for its style: a token that no check-in handed out cannot be spent.
    pub fn cast_within(
        &self,
        token_text: &str,
        ballots: &[serde_json::Value],
        issued: Option<u64>,
    ) -> Result<Appended, LedgerError> {
        let (key, entry_body) = self.prepare_ballot(token_text, ballots)?;
        let (reply, rx) = mpsc::channel();
        self.send(Request::Ballot {
            key,
            entry_body,
            issued,
            encrypted: None,
            reply,
        })?;
        rx.recv().map_err(|_| LedgerError::Stopped)?
    }

    /// Where entry `index` is stored: (segment, byte offset of its frame).
    pub fn location(&self, index: u64) -> Result<(u64, u64), LedgerError> {
        let t = self.inner.db.open_tree("entries").map_err(index_err)?;
        let loc = t
            .get(index.to_be_bytes())
            .map_err(index_err)?
            .ok_or_else(|| LedgerError::Refused {
                code: Code::UnknownEntry,
                message: format!("没有第 {index} 条 / no entry {index}"),
            })?;
        let seg = u64::from_be_bytes(
            loc.get(0..8)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| LedgerError::Index("bad location".into()))?,
        );
        let off = u64::from_be_bytes(
            loc.get(8..16)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| LedgerError::Index("bad location".into()))?,
        );
        Ok((seg, off))
    }

    /// The stored bytes of entry `index`.
    pub fn entry(&self, index: u64) -> Result<Entry, LedgerError> {
        let (seg, off) = self.location(index)?;
        let bytes = store::read_at(&self.inner.log_dir, seg, off)?;
        let e = Entry::decode(&bytes).map_err(|err| LedgerError::Damaged {
            path: self.inner.log_dir.display().to_string(),
            detail: err.to_string(),
        })?;
        // Pair assertion: what is read back hashes to what the tree holds.
        let expected = self.read(|s| s.tree.leaf(index))?;
        if Some(e.hash()) != expected {
            return Err(LedgerError::Damaged {
                path: self.inner.log_dir.display().to_string(),
                detail: format!("entry {index} does not match its tree hash"),
            });
        }
        Ok(e)
    }

    /// A contest's phase as the index records it: draft until it opens, then open, then
    /// closed. An index value that is no phase is a damaged index.
    pub fn contest_state(&self, contest: &str) -> Result<Phase, LedgerError> {
        let t = self.inner.db.open_tree("contests").map_err(index_err)?;
        match t.get(contest.as_bytes()).map_err(index_err)? {
            None => Ok(Phase::Draft),
            Some(v) => Phase::from_id(&String::from_utf8_lossy(&v)).ok_or_else(|| {
                LedgerError::Index(format!("contest “{contest}” has no phase in the index"))
            }),
        }
    }

    /// Every signed checkpoint in the index, oldest first, ending with the latest one published
    /// (which the index may lack after a storage error).
    pub fn checkpoints(&self) -> Result<Vec<(u64, String)>, LedgerError> {
        let mut out = self.indexed_checkpoints()?;
        if let Some(latest) = self.read(|s| s.checkpoint.clone())? {
            if out.last().map(|(n, _)| *n) != Some(latest.0) {
                out.retain(|(n, _)| *n < latest.0);
                out.push(latest);
            }
        }
        Ok(out)
    }

    /// The signed checkpoint of the log at `size` entries, as [`Ledger::checkpoints`] lists
    /// it, looked up by its size alone (a result's checkpoint, read for every signature,
    /// was found by listing all of a county's thousands).
    pub fn checkpoint_at(&self, size: u64) -> Result<Option<String>, LedgerError> {
        if let Some((latest, text)) = self.read(|s| s.checkpoint.clone())? {
            if size >= latest {
                return Ok((size == latest).then_some(text));
            }
        }
        let t = self.inner.db.open_tree("checkpoints").map_err(index_err)?;
        Ok(t.get(size.to_be_bytes())
            .map_err(index_err)?
            .map(|v| String::from_utf8_lossy(&v).to_string()))
    }

    /// The sizes of every signed checkpoint, and the latest's signed note, without reading the
    /// notes of the others (a public page asks for this; a county holds ~25,000 checkpoints).
    pub fn checkpoint_sizes(&self) -> Result<CheckpointSizes, LedgerError> {
        let mut sizes = Vec::new();
        for k in self
            .inner
            .db
            .open_tree("checkpoints")
            .map_err(index_err)?
            .iter()
            .keys()
        {
            let k = k.map_err(index_err)?;
            sizes.push(u64::from_be_bytes(
                k.as_ref()
                    .try_into()
                    .map_err(|_| LedgerError::Index("bad checkpoint key".into()))?,
            ));
        }
        let latest = self.read(|s| s.checkpoint.clone())?;
        if let Some((n, _)) = &latest {
            if sizes.last() != Some(n) {
                sizes.retain(|x| x < n);
                sizes.push(*n);
            }
        }
        Ok((sizes, latest))
    }

    fn indexed_checkpoints(&self) -> Result<Vec<(u64, String)>, LedgerError> {
        history(&self.inner.db.open_tree("checkpoints").map_err(index_err)?)
    }

    /// A receipt check: the inclusion proof of entry `index` against the latest checkpoint.
    pub fn inclusion(&self, index: u64) -> Result<(Hash, Vec<Hash>, u64, String), LedgerError> {
        self.read(|s| {
            let (size, note) = s.checkpoint.clone().ok_or(LedgerError::NotInitialised)?;
            let leaf = s.tree.leaf(index).ok_or_else(|| LedgerError::Refused { code: Code::UnknownEntry, message: format!("没有第 {index} 条 / no entry {index}") })?;
            if index >= size {
                return Err(LedgerError::Refused { code: Code::NotYetCheckpointed, message: format!("第 {index} 条尚未被签名检查点覆盖 / entry {index} is not yet covered by a signed checkpoint") });
            }
            let proof = s.tree.inclusion_proof(index, size).map_err(|e| LedgerError::Index(e.to_string()))?;
            Ok((leaf, proof, size, note))
        })?
    }

    /// Flushes the index and stops the sequencer, waiting for queued submissions.
    pub fn close(&self) -> Result<(), LedgerError> {
        if let Ok(mut tx) = self.inner.tx.lock() {
            tx.take();
        }
        if let Ok(mut t) = self.inner.thread.lock() {
            if let Some(handle) = t.take() {
                let _ = handle.join();
            }
        }
        self.inner.db.flush().map_err(index_err)?;
        Ok(())
    }

    pub fn log_dir(&self) -> &Path {
        &self.inner.log_dir
    }

    pub fn keys_dir(&self) -> &Path {
        &self.inner.keys_dir
    }
}
