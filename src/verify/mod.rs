//! The independent verifier: `scrutineer verify EXPORT`.
//!
//! Architecture invariant: `verify` depends only on `record` and `rules`. It shares no code
//! path with the ledger's write path: it re-reads the segments, re-links the chain, rebuilds
//! the tree, checks every checkpoint and token signature itself, replays the election's
//! conduct (`rules::conduct`, the same rules the ledger enforces before it appends: the order
//! of operations, pools within their caps, the desk's figures at close, corrections by two
//! people, one result per contest, signatures by distinct teller keys, publication), checks
//! every ballot against its token's style and the ballot rules, recounts every result from
//! the logged spec and figures, and checks that the export's side files say what the log says.
//! It stops at the first failure and names the entry (index, kind, what failed).

mod files;
mod replay;
mod source;
pub use replay::Replayed;
pub use source::{export_bytes_max, Archive, Source, EXPORT_ENTRIES_MAX};

use crate::codes::Code;
use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::record::entry::{Entry, EntryKind};
use crate::record::merkle::{verify_consistency, verify_inclusion, Tree};
use crate::record::note::{self, Checkpoint, Note, Verifier};
use crate::record::segment::{frames, parse_segment_header};

/// Ballot signatures verified per Ed25519 batch.
pub const SIGNATURE_BATCH: usize = 256;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Failure {
    /// The first bad entry, when the failure is about one.
    pub index: Option<u64>,
    pub kind: Option<&'static str>,
    pub check: Code,
    pub message: String,
}

/// The desk's figures or a correction of them.
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, Eq)]
pub struct FiguresReport {
    pub eligible: u64,
    pub present: u64,
    pub ballots_issued: u64,
}

/// A correction of a contest's figures, shown beside the desk's.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CorrectionReport {
    pub index: u64,
    pub contest: String,
    pub desk: Option<FiguresReport>,
    pub corrected: FiguresReport,
    pub reason: String,
    pub proposed_by: String,
    pub approved_by: String,
    /// Protocol 8: the registered teller whose key signed it (`ℓ key-name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attested_by: Option<String>,
}

/// A re-vote of an invalid round, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RevoteReport {
    pub index: u64,
    pub source: String,
    pub reason: String,
}

/// A key-ceremony attempt a teller abandoned, with its logged reason.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CeremonyRestartReport {
    pub index: u64,
    pub attempt: u32,
    pub teller: u32,
    pub reason: String,
}

/// A recorded decision to reduce a contest's seats instead of a new round.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SeatReductionReport {
    pub index: u64,
    pub contest: String,
    pub reduced_by: u32,
    pub seats: u32,
    pub basis: String,
    /// Protocol 8: the registered teller whose key signed it (`ℓ key-name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attested_by: Option<String>,
}

/// A step of a multi-round procedure, checked against the rules.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProcedureStepReport {
    pub index: u64,
    pub procedure: String,
    pub round: String,
    pub posts: u32,
    /// Who went on, by name.
    pub people: Vec<String>,
}

/// Tokens printed after voting in their style had started.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LatePoolReport {
    pub index: u64,
    pub style: u16,
    pub count: u64,
    pub reason: String,
}

/// A result and where it stands.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResultReport {
    pub index: u64,
    pub contests: Vec<String>,
    /// Teller keys whose signature verified, by name.
    pub signers: Vec<String>,
    pub required: u32,
    /// Whether a publication was logged; `None` in protocol 1, which did not log it.
    pub published: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub ok: bool,
    pub election: String,
    /// The conduct protocol of the log (1: written before the conduct checks).
    pub protocol: u32,
    pub entries: u64,
    pub ballots: u64,
    /// Of `ballots`, those encrypted.
    pub encrypted_ballots: u64,
    pub paper_ballots: u64,
    /// Double-entry keyings of paper sheets replayed (each checked: the sheet being keyed,
    /// a named teller; a sheet counted only when two tellers' keyings agree with it).
    pub paper_keyings: u64,
    /// Paper keyings and single-entry paper ballots whose registered teller's signature
    /// verified (protocol 9: every one).
    pub paper_attested: u64,
    /// The election key's fingerprint (encrypted elections).
    pub election_key_fingerprint: Option<String>,
    /// Shuffles of write-in names verified.
    pub shuffles: u64,
    /// Ballots voters (or 监票人) checked instead of casting: opened, verified, never counted.
    pub spoiled_ballots: u64,
    /// Test challenges of kiosks by 监票人, and of them those whose opening did not match.
    pub kiosk_tests: u64,
    pub kiosk_test_mismatches: u64,
    /// Why the ballots are plaintext, when the organiser chose so.
    pub plaintext_reason: Option<String>,
    pub checkpoints: u64,
    pub results: u64,
    pub root: String,
    /// Every result, with its verified signers and whether it was published.
    pub result_status: Vec<ResultReport>,
    /// Results in the export that are not (yet) published, or lack signatures: reported,
    /// not a failure (an export may be taken between a tally and its signatures).
    pub not_yet_signed: Vec<u64>,
    /// Contests opened (voting, or closed) that no result counts yet, with their phase
    /// (`open`, `closed`): normal while an election runs; at its end, ballots left uncounted.
    pub not_counted: Vec<(String, String)>,
    pub corrections: Vec<CorrectionReport>,
    pub late_pools: Vec<LatePoolReport>,
    /// Re-votes of invalid rounds, with their logged reasons.
    pub revotes: Vec<RevoteReport>,
    /// Seat reductions decided by the meeting, with their logged basis.
    pub seat_reductions: Vec<SeatReductionReport>,
    /// Steps of multi-round procedures, each hand-over checked.
    pub procedure_steps: Vec<ProcedureStepReport>,
    /// Key-ceremony attempts abandoned by a teller, with their reasons (encrypted elections).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ceremony_restarts: Vec<CeremonyRestartReport>,
    /// Files in the export the verifier does not read.
    pub ignored_files: Vec<String>,
    pub failure: Option<Failure>,
    /// Entries whose proofs a teller had verified before (its own replay; always 0 for
    /// `scrutineer verify`, and then not written).
    #[serde(skip_serializing_if = "is_zero")]
    pub trusted_below: u64,
    /// Whether a teller's saved tallies of its trusted prefix were installed instead of
    /// decoding that prefix's ballots again (`verify_export_resuming`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resumed_tallies: bool,
    /// Whether `scrutineer verify` held the export to a checkpoint or log key confirmed
    /// outside the service (`--checkpoint`, `--log-key`). Without them a log is checked
    /// against the keys its own entry 0 registers: it is consistent, not necessarily the
    /// log everyone else was shown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

pub(crate) fn fail(
    index: Option<u64>,
    kind: Option<EntryKind>,
    check: Code,
    message: impl Into<String>,
) -> Failure {
    Failure {
        index,
        kind: kind.map(EntryKind::id),
        check,
        message: message.into(),
    }
}

/// Whether the reader takes a log of `protocol`: the current protocol always; an older one
/// only when the reader names it (`--allow-protocol N`). Entry 0 says which protocol the
/// log follows, and an older one is checked by that protocol's rules, which leave out
/// checks added since (runoff lists, teller signatures, flagged corrections, write-in
/// flags…): anyone who writes a new log could claim an old protocol to escape them. Only
/// an auditor or teller who knows the election was held with an older release should take
/// one (docs/LOG_FORMAT.md, "An older protocol is taken only when named").
pub fn check_protocol(protocol: u32, allowed: Option<u32>) -> Result<(), Failure> {
    let current = crate::rules::conduct::PROTOCOL_CURRENT;
    if protocol >= current || allowed == Some(protocol) {
        return Ok(());
    }
    Err(fail(
        Some(0),
        Some(EntryKind::ElectionRegistered),
        Code::ProtocolOld,
        format!(
            "日志声明旧协议 {protocol} (当前为 {current}): 按旧协议核验会漏掉此后增加的检查, 任何人写一份新日志都可以这样声明。只有确知这次选举用的是旧版本时, 才加 --allow-protocol {protocol} 再核验 / the log claims the older protocol {protocol} (current: {current}): checked by its rules, the checks added since are left out, and anyone writing a new log could claim it. Only if you know this election was held with an older release, verify again with --allow-protocol {protocol}"
        ),
    ))
}

/// Progress callback: (entries done, entries total).
pub type Progress<'a> = &'a dyn Fn(u64, u64);

/// Verifies an export: a directory, or an archive read into memory ([`with_export`]).
pub fn verify_export<'a>(dir: impl Into<Source<'a>>, progress: Progress<'_>) -> Report {
    verify_export_replayed(dir, progress).0
}

fn read_segments(src: Source<'_>) -> Result<Vec<Entry>, Failure> {
    let log = src.show("log");
    let mut files: Vec<String> = src
        .list("log")
        .map_err(|e| {
            fail(
                None,
                None,
                Code::Export,
                format!("无法读取 {log}: {e} / cannot read {log}: {e}"),
            )
        })?
        .into_iter()
        .filter(|n| n.ends_with(".seg"))
        .map(|n| format!("log/{n}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(fail(
            None,
            None,
            Code::Export,
            "导出目录中没有日志段 / the export holds no log segments",
        ));
    }
    let mut entries = Vec::new();
    for rel in files {
        let path = src.show(&rel);
        let bytes = src
            .take(&rel)
            .map_err(|e| fail(None, None, Code::Export, format!("{path}: {e}")))?;
        let first = parse_segment_header(&bytes).map_err(|e| {
            fail(
                Some(entries.len() as u64),
                None,
                Code::Segment,
                format!("{}: {e}", path),
            )
        })?;
        if first != entries.len() as u64 {
            return Err(fail(Some(entries.len() as u64), None, Code::Segment, format!("段 {} 从第 {first} 条开始, 应为第 {} 条 / segment {} starts at entry {first}, expected {}", path, entries.len(), path, entries.len())));
        }
        let (found, err) = frames(&bytes);
        for f in found {
            let index = entries.len() as u64;
            let e = Entry::decode(f.entry).map_err(|err| {
                fail(
                    Some(index),
                    None,
                    Code::Decode,
                    format!("第 {index} 条无法解码: {err} / entry {index} does not decode: {err}"),
                )
            })?;
            entries.push(e);
        }
        if let Some(err) = err {
            let index = entries.len() as u64;
            return Err(fail(Some(index), None, Code::Frame, format!("第 {index} 条所在的帧损坏或被截断 ({}): {err} / the frame of entry {index} is damaged or truncated", path)));
        }
    }
    Ok(entries)
}

/// Verifies an export directory and hands back what the replay learned (a teller computes
/// its next steps from it): `None` when verification failed (the report says why).
pub fn verify_export_replayed<'a>(
    dir: impl Into<Source<'a>>,
    progress: Progress<'_>,
) -> (Report, Option<Replayed>) {
    verify_export_trusting(dir, progress, None)
}

/// [`verify_export_replayed`] for a teller that verified a prefix of this log before:
/// `trusted` is (size, Merkle root) of the log it verified last. When the export's first
/// `size` entries have exactly that root, their zero-knowledge proofs (ballots, shuffles,
/// decryption shares) are not verified again, since the same bytes passed this teller's own
/// check before; everything else (chain, conduct, signatures, sums, recount) is checked as
/// always. When the root differs, nothing is skipped (and the teller then refuses the log as
/// a fork). `report.trusted_below` says how many entries were trusted. The public `verify`
/// never trusts anything.
pub fn verify_export_trusting<'a>(
    dir: impl Into<Source<'a>>,
    progress: Progress<'_>,
    trusted: Option<(u64, [u8; 32])>,
) -> (Report, Option<Replayed>) {
    verify_export_resuming(dir, progress, trusted, None)
}

/// [`verify_export_trusting`] for a teller that also saved what the encrypted ballots of
/// that prefix add up to (`Book::save_tallies`, docs/E2E.md §11.2): when the prefix is
/// trusted (the same root), the tallies are installed and the prefix's ballots are not
/// decoded again; their tokens, serials and contests are still checked. Saved tallies that
/// do not decode are not used (everything is decoded, as without them); they are never
/// used for a prefix that is not trusted. `report.resumed_tallies` says whether they were.
pub fn verify_export_resuming<'a>(
    dir: impl Into<Source<'a>>,
    progress: Progress<'_>,
    trusted: Option<(u64, [u8; 32])>,
    tallies: Option<&[u8]>,
) -> (Report, Option<Replayed>) {
    let mut report = Report::default();
    match run(dir.into(), progress, &mut report, trusted, tallies) {
        Ok(r) => {
            report.ok = true;
            (report, Some(r))
        }
        Err(f) => {
            report.failure = Some(f);
            (report, None)
        }
    }
}

/// The latest checkpoint file an export holds, as `SIZE:ROOT` (the root in base64, as the
/// signed note holds it), read without verifying anything: for scripts and tests that stand
/// in for the board posted in the hall (`teller run --checkpoint`, `verify --checkpoint`).
pub fn export_checkpoint(path: &Path) -> Result<String, Failure> {
    let bad = |m: String| fail(None, None, Code::Checkpoint, m);
    with_export(path, |src| {
        let names = src.list("checkpoints").map_err(|e| bad(e.to_string()))?;
        let last = names
            .iter()
            .filter(|n| n.ends_with(".note"))
            .max()
            .ok_or_else(|| bad("导出中没有检查点 / the export holds no checkpoint".into()))?;
        let text = String::from_utf8(
            src.read(&format!("checkpoints/{last}"))
                .map_err(|e| bad(e.to_string()))?,
        )
        .map_err(|e| bad(e.to_string()))?;
        let mut lines = text.lines().skip(1);
        match (lines.next(), lines.next()) {
            (Some(size), Some(root)) => Ok(format!("{size}:{root}")),
            _ => Err(bad(format!("{last}: 不是检查点 / not a checkpoint"))),
        }
    })?
}

/// Runs `f` on an export: a directory as it is, or a tar archive (as `GET /api/v1/export`
/// streams it) read into memory ([`Archive`]; nothing is written to disk).
pub fn with_export<T>(path: &Path, f: impl FnOnce(Source<'_>) -> T) -> Result<T, Failure> {
    if path.is_dir() {
        return Ok(f(Source::Dir(path)));
    }
    let file = fs::File::open(path).map_err(|e| {
        fail(
            None,
            None,
            Code::Export,
            format!(
                "无法读取 {}: {e} / cannot read {}: {e}",
                path.display(),
                path.display()
            ),
        )
    })?;
    let name = path.display().to_string();
    let archive = Archive::read(&name, std::io::BufReader::new(file)).map_err(|e| {
        fail(
            None,
            None,
            Code::Export,
            format!(
                "{name} 不是导出目录或 tar 包: {e} / {name} is not an export directory or tar archive: {e}"
            ),
        )
    })?;
    Ok(f(Source::Archive(&archive)))
}

fn run(
    dir: Source<'_>,
    progress: Progress<'_>,
    report: &mut Report,
    trusted: Option<(u64, [u8; 32])>,
    tallies: Option<&[u8]>,
) -> Result<Replayed, Failure> {
    let entries = read_segments(dir)?;
    report.entries = entries.len() as u64;
    // A prefix the caller verified before is trusted only if it is the same bytes: the
    // Merkle root over its entries' hashes must be the one the caller recorded. Checked
    // before anything is skipped.
    let trusted_below = match trusted {
        Some((size, root)) if size > 0 && size <= entries.len() as u64 => {
            let mut prefix = Tree::new();
            for e in entries.iter().take(size as usize) {
                prefix.push(e.hash());
            }
            if prefix.root() == root {
                size
            } else {
                0
            }
        }
        _ => 0,
    };
    report.trusted_below = trusted_below;
    let seed = tallies.filter(|_| trusted_below > 0);
    // The checkpoints' signatures are verified on a thread of their own while the replay
    // runs, under the log key entry 0 registers (read here on its own); what the replay
    // fails on is still named first.
    let early_key = registered_log_key(&entries);
    let (replayed, signed) = std::thread::scope(|scope| {
        let signed = early_key
            .as_ref()
            .map(|key| scope.spawn(move || signed_checkpoints(dir, key)));
        let replayed = replay::replay(&entries, progress, report, trusted_below, seed);
        (replayed, signed.map(|h| h.join()))
    });
    let replayed = replayed?;
    report.root = hex(&replayed.tree.root());
    let signed = match signed {
        Some(Ok(signed)) if early_key.as_ref() == Some(&replayed.log_key) => signed,
        _ => signed_checkpoints(dir, &replayed.log_key),
    }?;
    check_checkpoints(signed, &replayed.election_id, &replayed.tree, report)?;
    files::check_side_files(dir, &entries, &replayed, report)?;
    Ok(replayed)
}

/// The log key entry 0 registers, or `None` when entry 0 does not give one (the replay
/// then names what is wrong).
fn registered_log_key(entries: &[Entry]) -> Option<Verifier> {
    let first = entries
        .first()
        .filter(|e| e.kind == EntryKind::ElectionRegistered)?;
    let reg: crate::record::entry::ElectionRegistered = first.body_as().ok()?;
    Verifier::parse(&reg.log_key).ok()
}

/// A checkpoint file's name as shown, and the file read, parsed and its signature verified.
type SignedCheckpoint = (String, Result<Note, Failure>);

/// Reads every checkpoint file and verifies its signature under `log_key`, in file order.
/// Only listing the directory fails here; each file's own failure waits in its place, so
/// that [`check_checkpoints`] names the first failing file as it meets it.
fn signed_checkpoints(
    dir: Source<'_>,
    log_key: &Verifier,
) -> Result<Vec<SignedCheckpoint>, Failure> {
    let cp_dir = dir.show("checkpoints");
    let files = dir.list("checkpoints").map_err(|e| {
        fail(
            None,
            None,
            Code::Checkpoint,
            format!("无法读取 {cp_dir}: {e} / cannot read {cp_dir}"),
        )
    })?;
    Ok(files
        .into_iter()
        .map(|n| {
            let rel = format!("checkpoints/{n}");
            let name = dir.show(&rel);
            let note = dir
                .read(&rel)
                .map_err(|e| fail(None, None, Code::Checkpoint, format!("{name}: {e}")))
                .and_then(|bytes| {
                    Note::parse(&bytes)
                        .map_err(|e| fail(None, None, Code::Checkpoint, format!("{name}: {e}")))
                })
                .and_then(|n| {
                    note::verify(&n, std::slice::from_ref(log_key)).map_err(|e| {
                        fail(
                            None,
                            None,
                            Code::CheckpointSignature,
                            format!(
                                "{name}: 检查点签名无效 / the checkpoint signature is invalid: {e}"
                            ),
                        )
                    })?;
                    Ok(n)
                });
            (name, note)
        })
        .collect())
}

fn check_checkpoints(
    signed: Vec<SignedCheckpoint>,
    election_id: &str,
    tree: &Tree,
    report: &mut Report,
) -> Result<(), Failure> {
    let mut seen: Vec<(u64, [u8; 32])> = Vec::new();
    for (name, n) in signed {
        let n = n?;
        let cp = Checkpoint::parse(&n.text)
            .map_err(|e| fail(None, None, Code::Checkpoint, format!("{name}: {e}")))?;
        if cp.origin != crate::record::entry::origin(election_id) {
            return Err(fail(
                None,
                None,
                Code::Checkpoint,
                format!(
                    "{name}: 来源 “{}” 不是本选举 / origin “{}” is not this election's",
                    cp.origin, cp.origin
                ),
            ));
        }
        if cp.size == 0 || cp.size > tree.size() {
            return Err(fail(Some(cp.size), None, Code::Checkpoint, format!("{name}: 检查点大小 {} 超出日志的 {} 条 / checkpoint size {} exceeds the {} entries", cp.size, tree.size(), cp.size, tree.size())));
        }
        let root = tree
            .root_at(cp.size)
            .map_err(|e| fail(Some(cp.size), None, Code::Checkpoint, e.to_string()))?;
        if root != cp.root {
            let index = cp.size - 1;
            return Err(fail(Some(index), None, Code::CheckpointRoot, format!("{name}: 大小为 {} 的检查点根哈希与日志不符 (前 {} 条中有改动) / the checkpoint of size {} does not match the log's first {} entries", cp.size, cp.size, cp.size, cp.size)));
        }
        seen.push((cp.size, cp.root));
    }
    seen.sort();
    // Each checkpoint is consistent with the next (append-only between them).
    for w in seen.windows(2) {
        let (a, ra) = w[0];
        let (b, rb) = w[1];
        let proof = tree
            .consistency_proof(a, b)
            .map_err(|e| fail(Some(b), None, Code::Consistency, e.to_string()))?;
        verify_consistency(a, b, &ra, &rb, &proof).map_err(|e| {
            fail(
                Some(b),
                None,
                Code::Consistency,
                format!(
                    "检查点 {a} 与 {b} 不一致 / checkpoints {a} and {b} are not consistent: {e}"
                ),
            )
        })?;
    }
    // Spot-check inclusion of the last entry in the latest checkpoint.
    if let Some((size, root)) = seen.last() {
        let leaf = tree.leaf(size - 1).unwrap_or([0; 32]);
        let proof = tree
            .inclusion_proof(size - 1, *size)
            .map_err(|e| fail(Some(size - 1), None, Code::Inclusion, e.to_string()))?;
        verify_inclusion(&leaf, size - 1, *size, &proof, root)
            .map_err(|e| fail(Some(size - 1), None, Code::Inclusion, e.to_string()))?;
    }
    if seen.last().map(|(s, _)| *s) != Some(tree.size()) {
        return Err(fail(
            Some(tree.size().saturating_sub(1)),
            None,
            Code::Checkpoint,
            format!(
                "没有覆盖全部 {} 条的检查点 / no checkpoint covers all {} entries",
                tree.size(),
                tree.size()
            ),
        ));
    }
    report.checkpoints = seen.len() as u64;
    Ok(())
}

pub(crate) fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
