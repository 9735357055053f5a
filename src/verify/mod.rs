//! The independent verifier: `scrutineer verify EXPORT_DIR`.
//!
//! Architecture invariant: `verify` depends only on `record` and `rules`. It shares no code
//! path with the ledger's write path: it re-reads the segments, re-links the chain, rebuilds
//! the tree, checks every checkpoint and token signature itself, and recounts every result.
//! It stops at the first failure and names the entry (index, kind, what failed).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::Serialize;

use crate::record::entry::{
    genesis, origin, BallotBody, ContestClosed, ContestCreated, ContestOpened, ElectionRegistered,
    Entry, EntryKind, PaperBallot, PoolRegistered, ResultBody, RunoffCreated, Style,
    TellerSignature,
};
use crate::record::merkle::{verify_consistency, verify_inclusion, Tree};
use crate::record::note::{self, Checkpoint, Note, Verifier};
use crate::record::segment::{frames, parse_segment_header};
use crate::record::token::{election_tag, signing_message, Token};
use crate::record::{parse_ballots, parse_election, result_json};
use crate::rules::tally_election;

/// Ballot signatures verified per Ed25519 batch.
pub const SIGNATURE_BATCH: usize = 256;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Failure {
    /// The first bad entry, when the failure is about one.
    pub index: Option<u64>,
    pub kind: Option<&'static str>,
    pub check: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub ok: bool,
    pub election: String,
    pub entries: u64,
    pub ballots: u64,
    pub checkpoints: u64,
    pub results: u64,
    pub root: String,
    pub failure: Option<Failure>,
}

fn fail(
    index: Option<u64>,
    kind: Option<EntryKind>,
    check: &'static str,
    message: impl Into<String>,
) -> Failure {
    Failure {
        index,
        kind: kind.map(EntryKind::id),
        check,
        message: message.into(),
    }
}

/// Progress callback: (entries done, entries total).
pub type Progress<'a> = &'a dyn Fn(u64, u64);

/// Verifies an export directory.
pub fn verify_export(dir: &Path, progress: Progress<'_>) -> Report {
    let mut report = Report::default();
    match run(dir, progress, &mut report) {
        Ok(()) => report.ok = true,
        Err(f) => report.failure = Some(f),
    }
    report
}

struct Decoded {
    entries: Vec<Entry>,
}

fn read_segments(dir: &Path) -> Result<Decoded, Failure> {
    let log = dir.join("log");
    let mut files: Vec<_> = fs::read_dir(&log)
        .map_err(|e| {
            fail(
                None,
                None,
                "export",
                format!(
                    "无法读取 {}: {e} / cannot read {}: {e}",
                    log.display(),
                    log.display()
                ),
            )
        })?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(fail(
            None,
            None,
            "export",
            "导出目录中没有日志段 / the export holds no log segments",
        ));
    }
    let mut entries = Vec::new();
    for path in files {
        let bytes = fs::read(&path)
            .map_err(|e| fail(None, None, "export", format!("{}: {e}", path.display())))?;
        let first = parse_segment_header(&bytes).map_err(|e| {
            fail(
                Some(entries.len() as u64),
                None,
                "segment",
                format!("{}: {e}", path.display()),
            )
        })?;
        if first != entries.len() as u64 {
            return Err(fail(Some(entries.len() as u64), None, "segment", format!("段 {} 从第 {first} 条开始, 应为第 {} 条 / segment {} starts at entry {first}, expected {}", path.display(), entries.len(), path.display(), entries.len())));
        }
        let (found, err) = frames(&bytes);
        for f in found {
            let index = entries.len() as u64;
            let e = Entry::decode(f.entry).map_err(|err| {
                fail(
                    Some(index),
                    None,
                    "decode",
                    format!("第 {index} 条无法解码: {err} / entry {index} does not decode: {err}"),
                )
            })?;
            entries.push(e);
        }
        if let Some(err) = err {
            let index = entries.len() as u64;
            return Err(fail(Some(index), None, "frame", format!("第 {index} 条所在的帧损坏或被截断 ({}): {err} / the frame of entry {index} is damaged or truncated", path.display())));
        }
    }
    Ok(Decoded { entries })
}

fn body<T: for<'de> serde::Deserialize<'de>>(i: u64, e: &Entry) -> Result<T, Failure> {
    e.body_as().map_err(|err| {
        fail(
            Some(i),
            Some(e.kind),
            "body",
            format!("第 {i} 条正文无效: {err} / entry {i} has an invalid body: {err}"),
        )
    })
}

fn run(dir: &Path, progress: Progress<'_>, report: &mut Report) -> Result<(), Failure> {
    let Decoded { entries } = read_segments(dir)?;
    let total = entries.len() as u64;
    report.entries = total;

    // The first entry registers the election and its keys.
    let first = &entries[0];
    if first.kind != EntryKind::ElectionRegistered {
        return Err(fail(
            Some(0),
            Some(first.kind),
            "genesis",
            "第 0 条不是选举登记 / entry 0 does not register the election",
        ));
    }
    let reg: ElectionRegistered = body(0, first)?;
    let mut spec = reg.spec.clone();
    let election_id = spec
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    report.election = election_id.clone();
    let election_key = BASE64
        .decode(&reg.election_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| {
            fail(
                Some(0),
                Some(first.kind),
                "keys",
                "选举公钥无效 / the election key is invalid",
            )
        })?;
    let log_key = Verifier::parse(&reg.log_key)
        .map_err(|e| fail(Some(0), Some(first.kind), "keys", e.to_string()))?;
    // The published keys must be the keys the log registered.
    let published_log = fs::read_to_string(dir.join("keys/log.pub")).unwrap_or_default();
    if published_log.trim() != reg.log_key.trim() {
        return Err(fail(Some(0), Some(first.kind), "keys", "导出的 keys/log.pub 与日志登记的检查点公钥不同 / keys/log.pub differs from the log key the log registered"));
    }
    let published_election = fs::read_to_string(dir.join("keys/election.pub")).unwrap_or_default();
    if published_election.trim() != reg.election_key.trim() {
        return Err(fail(Some(0), Some(first.kind), "keys", "导出的 keys/election.pub 与日志登记的选举公钥不同 / keys/election.pub differs from the election key the log registered"));
    }
    let tellers: Vec<Verifier> = reg
        .tellers
        .iter()
        .map(|t| Verifier::parse(t))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(Some(0), Some(first.kind), "keys", e.to_string()))?;
    let mut styles: Vec<Style> = reg.styles.clone();

    // Chain, tree, and the state checks that need the order of entries.
    let mut tree = Tree::new();
    let mut head = genesis(&election_id);
    let mut opened: HashSet<String> = HashSet::new();
    let mut closed: HashMap<String, ContestClosed> = HashMap::new();
    let mut pools: HashMap<(u8, u16), u64> = HashMap::new();
    let mut spent_per_style: HashMap<(u8, u16), u64> = HashMap::new();
    let mut serials: HashMap<[u8; 16], u64> = HashMap::new();
    let mut pending: Vec<(u64, Token)> = Vec::new();
    let mut ballot_lines: Vec<(u64, Vec<serde_json::Value>)> = Vec::new();
    let mut results: Vec<(u64, ResultBody)> = Vec::new();
    let mut signatures: Vec<(u64, TellerSignature)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let i = i as u64;
        if e.prev != head {
            return Err(fail(
                Some(i),
                Some(e.kind),
                "chain",
                format!(
                    "第 {i} 条的前一条哈希与第 {} 条不符 / entry {i} does not link to entry {}",
                    i.wrapping_sub(1),
                    i.wrapping_sub(1)
                ),
            ));
        }
        head = e.hash();
        tree.push(head);
        match e.kind {
            EntryKind::ElectionRegistered if i != 0 => {
                return Err(fail(
                    Some(i),
                    Some(e.kind),
                    "genesis",
                    "选举只能登记一次 / the election is registered twice",
                ));
            }
            EntryKind::ContestOpened => {
                let b: ContestOpened = body(i, e)?;
                opened.insert(b.contest);
            }
            EntryKind::PoolRegistered => {
                let b: PoolRegistered = body(i, e)?;
                *pools.entry((b.round, b.style)).or_default() += b.count;
            }
            EntryKind::ContestClosed => {
                let b: ContestClosed = body(i, e)?;
                closed.insert(b.contest.clone(), b);
            }
            EntryKind::RunoffCreated => {
                let b: RunoffCreated = body(i, e)?;
                if let Some(c) = spec.get_mut("contests").and_then(|c| c.as_array_mut()) {
                    c.push(b.contest.clone());
                }
                styles.push(b.style);
            }
            EntryKind::Ballot => {
                let b: BallotBody = body(i, e)?;
                let t = BASE64
                    .decode(&b.token)
                    .ok()
                    .and_then(|bytes| Token::from_bytes(&bytes).ok())
                    .ok_or_else(|| fail(Some(i), Some(e.kind), "token", format!("第 {i} 条的选票码无法解码 / the token of entry {i} does not decode")))?;
                let style = styles
                    .get(t.style() as usize)
                    .filter(|s| s.round == t.round())
                    .ok_or_else(|| fail(Some(i), Some(e.kind), "token", format!("第 {i} 条的选票码样式 {} 第 {} 轮不存在 / entry {i}: no style {} in round {}", t.style(), t.round(), t.style(), t.round())))?;
                if t.election_tag() != election_tag(&election_id) {
                    return Err(fail(Some(i), Some(e.kind), "token", format!("第 {i} 条的选票码属于其他选举 / entry {i} holds a token of another election")));
                }
                if let Some(c) = style
                    .contests
                    .iter()
                    .find(|c| !opened.contains(*c) || closed.contains_key(*c))
                {
                    return Err(fail(Some(i), Some(e.kind), "contest_state", format!("第 {i} 条选票投在未开始或已结束的 “{c}” / entry {i} is a ballot for “{c}”, which was not open")));
                }
                if let Some(first) = serials.insert(*t.serial(), i) {
                    return Err(fail(Some(i), Some(e.kind), "double_spend", format!("第 {i} 条重复使用了第 {first} 条的选票码 / entry {i} reuses the token of entry {first}")));
                }
                let spent = spent_per_style.entry((t.round(), t.style())).or_default();
                *spent += 1;
                let issued = pools.get(&(t.round(), t.style())).copied().unwrap_or(0);
                if *spent > issued {
                    return Err(fail(Some(i), Some(e.kind), "pool", format!("样式 {} 已用 {} 张选票码, 只登记了 {issued} 张 / style {}: {} tokens spent, {issued} issued", t.style(), *spent, t.style(), *spent)));
                }
                pending.push((i, t));
                if pending.len() >= SIGNATURE_BATCH {
                    verify_tokens(&pending, &election_key, &election_id, &entries)?;
                    pending.clear();
                }
                ballot_lines.push((i, b.ballots));
                report.ballots += 1;
            }
            EntryKind::ContestCreated => {
                let b: ContestCreated = body(i, e)?;
                if let Some(c) = spec.get_mut("contests").and_then(|c| c.as_array_mut()) {
                    c.push(b.contest.clone());
                }
                styles.push(b.style);
            }
            EntryKind::PaperBallot => {
                let b: PaperBallot = body(i, e)?;
                if !opened.contains(&b.contest) || closed.contains_key(&b.contest) {
                    return Err(fail(Some(i), Some(e.kind), "contest_state", format!("第 {i} 条纸质选票投在未开始或已结束的 “{}” / entry {i} is a paper ballot for “{}”, which was not open", b.contest, b.contest)));
                }
                ballot_lines.push((i, vec![b.ballot]));
            }
            EntryKind::Result => results.push((i, body(i, e)?)),
            EntryKind::TellerSignature => signatures.push((i, body(i, e)?)),
            _ => {}
        }
        if i.is_multiple_of(4096) {
            progress(i, total);
        }
    }
    verify_tokens(&pending, &election_key, &election_id, &entries)?;
    progress(total, total);
    report.root = hex(&tree.root());

    check_checkpoints(dir, &election_id, &log_key, &tree, report)?;
    report.results = results.len() as u64;
    recount(&spec, &entries, &ballot_lines, &closed, &results)?;
    check_signatures(
        &election_id,
        &tellers,
        reg.signatures_required,
        &tree,
        &results,
        &signatures,
        &entries,
    )?;
    Ok(())
}

fn verify_tokens(
    batch: &[(u64, Token)],
    key: &VerifyingKey,
    election_id: &str,
    entries: &[Entry],
) -> Result<(), Failure> {
    if batch.is_empty() {
        return Ok(());
    }
    let messages: Vec<Vec<u8>> = batch
        .iter()
        .map(|(_, t)| signing_message(election_id, t.round(), t.style(), t.serial()))
        .collect();
    let sigs: Vec<Signature> = batch
        .iter()
        .map(|(_, t)| Signature::from_bytes(t.signature_bytes()))
        .collect();
    let msgs: Vec<&[u8]> = messages.iter().map(|m| m.as_slice()).collect();
    let keys = vec![*key; batch.len()];
    if ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok() {
        return Ok(());
    }
    // Find the first bad one to name it.
    for ((i, _), (m, s)) in batch.iter().zip(msgs.iter().zip(&sigs)) {
        if key.verify_strict(m, s).is_err() {
            let kind = entries.get(*i as usize).map(|e| e.kind);
            return Err(fail(
                Some(*i),
                kind,
                "token_signature",
                format!("第 {i} 条的选票码签名无效 / the token signature of entry {i} is invalid"),
            ));
        }
    }
    Err(fail(
        None,
        None,
        "token_signature",
        "一批选票码签名无效 / a batch of token signatures is invalid",
    ))
}

fn check_checkpoints(
    dir: &Path,
    election_id: &str,
    log_key: &Verifier,
    tree: &Tree,
    report: &mut Report,
) -> Result<(), Failure> {
    let cp_dir = dir.join("checkpoints");
    let mut files: Vec<_> = fs::read_dir(&cp_dir)
        .map_err(|e| {
            fail(
                None,
                None,
                "checkpoint",
                format!(
                    "无法读取 {}: {e} / cannot read {}",
                    cp_dir.display(),
                    cp_dir.display()
                ),
            )
        })?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut seen: Vec<(u64, [u8; 32])> = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let bytes =
            fs::read(&path).map_err(|e| fail(None, None, "checkpoint", format!("{name}: {e}")))?;
        let n = Note::parse(&bytes)
            .map_err(|e| fail(None, None, "checkpoint", format!("{name}: {e}")))?;
        note::verify(&n, std::slice::from_ref(log_key)).map_err(|e| {
            fail(
                None,
                None,
                "checkpoint_signature",
                format!("{name}: 检查点签名无效 / the checkpoint signature is invalid: {e}"),
            )
        })?;
        let cp = Checkpoint::parse(&n.text)
            .map_err(|e| fail(None, None, "checkpoint", format!("{name}: {e}")))?;
        if cp.origin != origin(election_id) {
            return Err(fail(
                None,
                None,
                "checkpoint",
                format!(
                    "{name}: 来源 “{}” 不是本选举 / origin “{}” is not this election's",
                    cp.origin, cp.origin
                ),
            ));
        }
        if cp.size == 0 || cp.size > tree.size() {
            return Err(fail(Some(cp.size), None, "checkpoint", format!("{name}: 检查点大小 {} 超出日志的 {} 条 / checkpoint size {} exceeds the {} entries", cp.size, tree.size(), cp.size, tree.size())));
        }
        let root = tree
            .root_at(cp.size)
            .map_err(|e| fail(Some(cp.size), None, "checkpoint", e.to_string()))?;
        if root != cp.root {
            let index = cp.size - 1;
            return Err(fail(Some(index), None, "checkpoint_root", format!("{name}: 大小为 {} 的检查点根哈希与日志不符 (前 {} 条中有改动) / the checkpoint of size {} does not match the log's first {} entries", cp.size, cp.size, cp.size, cp.size)));
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
            .map_err(|e| fail(Some(b), None, "consistency", e.to_string()))?;
        verify_consistency(a, b, &ra, &rb, &proof).map_err(|e| {
            fail(
                Some(b),
                None,
                "consistency",
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
            .map_err(|e| fail(Some(size - 1), None, "inclusion", e.to_string()))?;
        verify_inclusion(&leaf, size - 1, *size, &proof, root)
            .map_err(|e| fail(Some(size - 1), None, "inclusion", e.to_string()))?;
    }
    if seen.last().map(|(s, _)| *s) != Some(tree.size()) {
        return Err(fail(
            Some(tree.size().saturating_sub(1)),
            None,
            "checkpoint",
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

fn recount(
    spec: &serde_json::Value,
    entries: &[Entry],
    ballot_lines: &[(u64, Vec<serde_json::Value>)],
    closed: &HashMap<String, ContestClosed>,
    results: &[(u64, ResultBody)],
) -> Result<(), Failure> {
    // One pass over the ballots, grouped by contest, so each result reads only its own
    // contests' lines: O(ballots + results), not O(ballots × results).
    let mut lines_of: HashMap<&str, Vec<(u64, usize, String)>> = HashMap::new();
    for (bi, bl) in ballot_lines {
        for (pos, b) in bl.iter().enumerate() {
            if let Some(c) = b.get("contest").and_then(|c| c.as_str()) {
                lines_of
                    .entry(c)
                    .or_default()
                    .push((*bi, pos, b.to_string()));
            }
        }
    }
    let all_contests: Vec<serde_json::Value> = spec
        .get("contests")
        .and_then(|c| c.as_array())
        .cloned()
        .unwrap_or_default();
    let mut base = spec.clone();
    base["contests"] = serde_json::Value::Array(Vec::new());
    for (ri, r) in results {
        let kind = entries.get(*ri as usize).map(|e| e.kind);
        // The spec as it stood, with each closed contest's final turnout.
        let mut s = base.clone();
        let mut keep: Vec<serde_json::Value> = Vec::new();
        for c in &all_contests {
            let id = c
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            if !r.contests.contains(&id) {
                continue;
            }
            let close = closed.get(&id).ok_or_else(|| {
                fail(
                    Some(*ri),
                    kind,
                    "recount",
                    format!("结果中的 “{id}” 没有结束记录 / “{id}” in the result was never closed"),
                )
            })?;
            let mut c = c.clone();
            c["turnout"] = serde_json::json!({"eligible": close.eligible, "present": close.present, "ballots_issued": close.ballots_issued});
            keep.push(c);
        }
        s["contests"] = serde_json::Value::Array(keep);
        let election = parse_election(s.to_string().as_bytes())
            .map_err(|e| fail(Some(*ri), kind, "recount", e.to_string()))?;
        // The lines of this result's contests cast before it, in log order.
        let mut mine: Vec<&(u64, usize, String)> = Vec::new();
        let mut named: Vec<&str> = r.contests.iter().map(String::as_str).collect();
        named.sort_unstable();
        named.dedup();
        for c in named {
            if let Some(v) = lines_of.get(c) {
                let before = v.partition_point(|(bi, _, _)| bi < ri);
                mine.extend(&v[..before]);
            }
        }
        mine.sort_unstable_by_key(|(bi, pos, _)| (*bi, *pos));
        let mut lines = String::new();
        for (_, _, line) in mine {
            lines.push_str(line);
            lines.push('\n');
        }
        let by_contest = parse_ballots(&election, lines.as_bytes())
            .map_err(|e| fail(Some(*ri), kind, "recount", e.to_string()))?;
        let recounted = result_json(&election, &tally_election(&election, &by_contest));
        if recounted != r.result {
            return Err(fail(Some(*ri), kind, "recount", format!("第 {ri} 条签署的结果与重新计票不符 / the result in entry {ri} differs from the recount")));
        }
    }
    Ok(())
}

fn check_signatures(
    election_id: &str,
    tellers: &[Verifier],
    required: u32,
    tree: &Tree,
    results: &[(u64, ResultBody)],
    signatures: &[(u64, TellerSignature)],
    entries: &[Entry],
) -> Result<(), Failure> {
    let mut per_result: HashMap<u64, HashSet<String>> = HashMap::new();
    for (si, s) in signatures {
        let kind = entries.get(*si as usize).map(|e| e.kind);
        if s.checkpoint_size != s.result_index + 1 {
            return Err(fail(Some(*si), kind, "teller_signature", "签名的检查点不是紧随结果的那一个 / the signed checkpoint is not the one right after the result"));
        }
        let root = tree
            .root_at(s.checkpoint_size)
            .map_err(|e| fail(Some(*si), kind, "teller_signature", e.to_string()))?;
        let text = Checkpoint {
            origin: origin(election_id),
            size: s.checkpoint_size,
            root,
            extensions: Vec::new(),
        }
        .to_text()
        .map_err(|e| fail(Some(*si), kind, "teller_signature", e.to_string()))?;
        let signed = format!("{text}\n{}\n", s.line.trim_end());
        let n = Note::parse(signed.as_bytes())
            .map_err(|e| fail(Some(*si), kind, "teller_signature", e.to_string()))?;
        let names = note::verify(&n, tellers).map_err(|e| fail(Some(*si), kind, "teller_signature", format!("第 {si} 条的计票人签名无效 / the teller signature in entry {si} is invalid: {e}")))?;
        per_result.entry(s.result_index).or_default().extend(names);
    }
    for (ri, _) in results {
        let n = per_result.get(ri).map(|s| s.len()).unwrap_or(0) as u32;
        if n < required {
            let kind = entries.get(*ri as usize).map(|e| e.kind);
            return Err(fail(Some(*ri), kind, "signatures_required", format!("第 {ri} 条结果只有 {n} 个计票人签名, 需要 {required} 个 / the result in entry {ri} has {n} teller signatures, {required} required")));
        }
    }
    Ok(())
}

fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
