//! The ledger and the verifier (issue: the ledger). Tokens are refused when forged, altered,
//! replayed or for another election; double spends lose under concurrency; the verifier
//! catches every single-byte change, truncation, reordering and swapped checkpoint at the
//! right entry; proofs verify and fail when tampered; a torn tail is cut on restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use ed25519_dalek::SigningKey;
use serde_json::json;

use scrutineer::ledger::{teller_signature_line, Ledger, LedgerConfig};
use scrutineer::record::entry::{body_bytes, EntryKind, ResultBody, Style};
use scrutineer::record::merkle::verify_inclusion;
use scrutineer::record::note::{Checkpoint, Note, Signer};
use scrutineer::record::segment::frames;
use scrutineer::record::token::Token;
use scrutineer::rules::conduct::Figures;
use scrutineer::verify::verify_export;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "scrutineer-ledger-{}-{}-{}",
        name,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn spec(id: &str) -> Vec<u8> {
    json!({"format": "scrutineer.election/v1", "id": id, "title": "测试", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1,
         "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
         "turnout": {"eligible": 100, "present": 60, "ballots_issued": 60}}]})
    .to_string()
    .into_bytes()
}

struct Setup {
    dir: PathBuf,
    ledger: Ledger,
    tokens: Vec<Token>,
    teller: Signer,
}

/// The desk's figures of a one-style contest.
fn desk(style: u16, eligible: u64, present: u64, issued: u64) -> Vec<(u16, Figures)> {
    vec![(
        style,
        Figures {
            eligible,
            present,
            issued,
        },
    )]
}

/// A roll of `n` voters in one unit (the default style covers every unit).
fn roll(l: &Ledger, units: &[(&str, u64)]) {
    l.register_roll(
        units.iter().map(|(u, n)| (u.to_string(), *n)).collect(),
        [0; 32],
    )
    .unwrap();
}

fn config(dir: &Path) -> LedgerConfig {
    LedgerConfig::new(dir.join("data"), dir.join("keys"))
}

fn setup(name: &str, pool: usize) -> Setup {
    let dir = temp(name);
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let tellers = vec![teller.verifier().unwrap().to_text()];
    let ledger = Ledger::init(config(&dir), &spec("e-test"), None, tellers, 1).unwrap();
    roll(&ledger, &[("一", 100)]);
    let (tokens, _) = ledger.register_pool(0, pool, None).unwrap();
    ledger.open_contest("d1").unwrap();
    Setup {
        dir,
        ledger,
        tokens,
        teller,
    }
}

fn vote(for_: &str) -> Vec<serde_json::Value> {
    vec![json!({"contest": "d1", "marks": {for_: "for"}})]
}

/// Casts `n` ballots, closes, tallies and signs; returns the result's index.
fn counted_and_signed(s: &Setup, n: usize) -> u64 {
    for (i, t) in s.tokens.iter().take(n).enumerate() {
        s.ledger
            .cast(&t.to_text(), &vote(if i % 3 == 0 { "b" } else { "a" }))
            .unwrap();
    }
    s.ledger.close_contest("d1", &desk(0, 100, 60, 60)).unwrap();
    let (result, _) = s.ledger.tally(&["d1".to_string()]).unwrap();
    let text = s.ledger.result_checkpoint_text(result.index).unwrap();
    s.ledger
        .add_teller_signature(
            result.index,
            &teller_signature_line(&text, &s.teller).unwrap(),
        )
        .unwrap();
    result.index
}

/// Casts `n` ballots, closes, tallies, signs and exports; returns the export directory.
fn full_export(s: &Setup, n: usize) -> PathBuf {
    counted_and_signed(s, n);
    let out = s.dir.join("export");
    s.ledger.export(&out, true).unwrap();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// The one segment of a data directory's log.
fn only_segment(dir: &Path) -> PathBuf {
    let segs: Vec<PathBuf> = std::fs::read_dir(dir.join("data/log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    assert_eq!(segs.len(), 1, "{segs:?}");
    segs[0].clone()
}

fn segment_path(export: &Path) -> PathBuf {
    std::fs::read_dir(export.join("log"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

#[test]
fn a_whole_election_verifies() {
    let s = setup("whole", 10);
    let out = full_export(&s, 7);
    let report = verify_export(&out, &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert_eq!(report.ballots, 7);
    assert_eq!(report.results, 1);
    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::fs::read_dir(out.join("results"))
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(result["contests"][0]["candidates"][0]["for"], 4);
    assert_eq!(result["contests"][0]["ballots"]["returned"], 7);
    // Files the verifier does not read are named, inside log/ and keys/ too.
    std::fs::write(out.join("log/notes.txt"), "not a segment").unwrap();
    std::fs::write(out.join("keys/teller-x.pub"), "not compared").unwrap();
    let report = verify_export(&out, &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert!(
        report.ignored_files.contains(&"log/notes.txt".to_string())
            && report
                .ignored_files
                .contains(&"keys/teller-x.pub".to_string()),
        "{:?}",
        report.ignored_files
    );
}

#[test]
fn forged_altered_replayed_and_foreign_tokens_are_refused() {
    let s = setup("tokens", 3);
    let good = &s.tokens[0];
    // Forged: signed by a key that is not the election key.
    let forger = SigningKey::from_bytes(&[9u8; 32]);
    let forged = Token::sign(&forger, "e-test", good.round(), good.style(), [1u8; 16]);
    assert_eq!(
        s.ledger
            .cast(&forged.to_text(), &vote("a"))
            .unwrap_err()
            .code(),
        "token_signature"
    );
    // Altered: one serial bit changed, re-encoded with valid check characters.
    let mut bytes = good.to_bytes();
    bytes[10] ^= 1;
    let altered = Token::from_bytes(&bytes).unwrap();
    assert_eq!(
        s.ledger
            .cast(&altered.to_text(), &vote("a"))
            .unwrap_err()
            .code(),
        "token_signature"
    );
    // Mistyped: a check character catches it before any signature check.
    let mut text: Vec<char> = good.to_text().chars().collect();
    text[20] = if text[20] == 'A' { 'B' } else { 'A' };
    assert_eq!(
        s.ledger
            .cast(&text.iter().collect::<String>(), &vote("a"))
            .unwrap_err()
            .code(),
        "token_check"
    );
    // Another election, signed with this very key.
    let foreign = Token::sign(
        s.ledger.election_signing_key(),
        "e-other",
        good.round(),
        good.style(),
        [2u8; 16],
    );
    assert_eq!(
        s.ledger
            .cast(&foreign.to_text(), &vote("a"))
            .unwrap_err()
            .code(),
        "token_wrong_election"
    );
    // Another round of this election.
    let other_round = Token::sign(
        s.ledger.election_signing_key(),
        "e-test",
        2,
        good.style(),
        [3u8; 16],
    );
    assert_eq!(
        s.ledger
            .cast(&other_round.to_text(), &vote("a"))
            .unwrap_err()
            .code(),
        "token_wrong_round"
    );
    // Replayed.
    s.ledger.cast(&good.to_text(), &vote("a")).unwrap();
    let e = s.ledger.cast(&good.to_text(), &vote("b")).unwrap_err();
    assert_eq!(e.code(), "token_spent");
    assert!(e.to_string().contains("已经用过"));
    // A ballot that does not match the style.
    assert_eq!(
        s.ledger
            .cast(&s.tokens[1].to_text(), &[])
            .unwrap_err()
            .code(),
        "ballot_style_mismatch"
    );
    assert_eq!(
        s.ledger
            .cast(
                &s.tokens[1].to_text(),
                &[json!({"contest": "d1", "marks": {"zz": "for"}})]
            )
            .unwrap_err()
            .code(),
        "unknown_candidate"
    );
    // An over-marked ballot: an electronic ballot is never void.
    assert_eq!(
        s.ledger
            .cast(
                &s.tokens[1].to_text(),
                &[json!({"contest": "d1", "marks": {"a": "for", "b": "for"}})]
            )
            .unwrap_err()
            .code(),
        "over_marked"
    );
    // Nothing refused reached the log: registration, roll, pool, open, 1 ballot.
    assert_eq!(s.ledger.read(|x| x.tree.size()).unwrap(), 5);
}

#[test]
fn double_spend_under_concurrency_admits_exactly_one() {
    let s = setup("concurrent", 4);
    let text = s.tokens[0].to_text();
    let ok = AtomicUsize::new(0);
    let spent = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| match s.ledger.cast(&text, &vote("a")) {
                Ok(_) => {
                    ok.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) if e.code() == "token_spent" => {
                    spent.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => panic!("{e}"),
            });
        }
    });
    assert_eq!(ok.load(Ordering::SeqCst), 1);
    assert_eq!(spent.load(Ordering::SeqCst), 15);
    assert_eq!(s.ledger.read(|x| x.state.ballots()).unwrap(), 1);
}

#[test]
fn closed_contests_and_exhausted_pools_refuse_ballots() {
    let s = setup("closed", 2);
    s.ledger.cast(&s.tokens[0].to_text(), &vote("a")).unwrap();
    s.ledger.close_contest("d1", &desk(0, 100, 60, 60)).unwrap();
    assert_eq!(
        s.ledger
            .cast(&s.tokens[1].to_text(), &vote("a"))
            .unwrap_err()
            .code(),
        "contest_closed"
    );
    assert_eq!(
        s.ledger
            .close_contest("d1", &desk(0, 100, 60, 60))
            .unwrap_err()
            .code(),
        "contest_closed"
    );
}

#[test]
fn every_single_byte_flip_is_caught_at_its_entry() {
    let s = setup("flip", 6);
    let out = full_export(&s, 4);
    let seg = segment_path(&out);
    let original = std::fs::read(&seg).unwrap();
    let (found, _) = frames(&original);
    let entry_of = |pos: usize| {
        found
            .iter()
            .rposition(|f| f.offset as usize <= pos)
            .map(|i| i as u64)
    };
    let work = s.dir.join("flip-work");
    copy_dir(&out, &work);
    let target = segment_path(&work);
    for pos in 0..original.len() {
        let mut bytes = original.clone();
        bytes[pos] ^= 0x01;
        std::fs::write(&target, &bytes).unwrap();
        let report = verify_export(&work, &|_, _| {});
        assert!(!report.ok, "flip at byte {pos} was not caught");
        let f = report.failure.unwrap();
        match entry_of(pos) {
            Some(i) => assert_eq!(
                f.index,
                Some(i),
                "flip at byte {pos} (entry {i}) reported as {f:?}"
            ),
            None => assert!(
                f.index == Some(0) || f.index.is_none(),
                "header flip at {pos}: {f:?}"
            ),
        }
    }
}

#[test]
fn truncation_reordering_and_a_rewritten_entry_are_caught() {
    let s = setup("reorder", 6);
    let out = full_export(&s, 4);
    let seg = segment_path(&out);
    let original = std::fs::read(&seg).unwrap();
    let (found, _) = frames(&original);
    let spans: Vec<(usize, usize)> = found
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let end = found
                .get(i + 1)
                .map(|n| n.offset as usize)
                .unwrap_or(original.len());
            (f.offset as usize, end)
        })
        .collect();

    // Truncated in the middle of entry 5.
    std::fs::write(&seg, &original[..spans[5].0 + 10]).unwrap();
    let f = verify_export(&out, &|_, _| {}).failure.unwrap();
    assert_eq!((f.index, f.check.as_str()), (Some(5), "frame"));

    // Entries 4 and 5 swapped (both intact frames).
    let mut swapped = original[..spans[4].0].to_vec();
    swapped.extend_from_slice(&original[spans[5].0..spans[5].1]);
    swapped.extend_from_slice(&original[spans[4].0..spans[4].1]);
    swapped.extend_from_slice(&original[spans[5].1..]);
    std::fs::write(&seg, &swapped).unwrap();
    let f = verify_export(&out, &|_, _| {}).failure.unwrap();
    assert_eq!((f.index, f.check.as_str()), (Some(4), "chain"));

    // Entry 4 rewritten with a valid frame (as an attacker with file access would): the chain
    // breaks at entry 5, which no longer links to it.
    let mut entry4 = original[spans[4].0 + 4..spans[4].1 - 4].to_vec();
    let n = entry4.len();
    entry4[n - 5] ^= 0x02;
    let mut rewritten = original[..spans[4].0].to_vec();
    scrutineer::record::segment::push_frame(&mut rewritten, &entry4);
    rewritten.extend_from_slice(&original[spans[4].1..]);
    std::fs::write(&seg, &rewritten).unwrap();
    let f = verify_export(&out, &|_, _| {}).failure.unwrap();
    assert!(f.index == Some(4) || f.index == Some(5), "{f:?}");
    assert!(
        matches!(
            f.check.as_str(),
            "chain" | "body" | "token" | "token_signature"
        ),
        "{f:?}"
    );
}

/// A checkpoint looked up by its size is the one the list of all checkpoints holds at that
/// size, for every size: with one, without one, the latest, and beyond the log.
#[test]
fn a_checkpoint_looked_up_by_size_is_the_listed_one() {
    let s = setup("checkpoint-at", 6);
    for t in s.tokens.iter().take(4) {
        s.ledger.cast(&t.to_text(), &vote("a")).unwrap();
    }
    let list = s.ledger.checkpoints().unwrap();
    let size = s.ledger.read(|x| x.tree.size()).unwrap();
    assert_eq!(list.last().map(|(n, _)| *n), Some(size));
    for n in 0..=size + 2 {
        let listed = list.iter().find(|(m, _)| *m == n).map(|(_, t)| t.clone());
        assert_eq!(s.ledger.checkpoint_at(n).unwrap(), listed, "size {n}");
    }
    assert!(list.len() > 2, "{list:?}");
    // The public list's cheap form (sizes from the index's keys, the latest note from
    // memory) is the full list's.
    let (sizes, latest) = s.ledger.checkpoint_sizes().unwrap();
    assert_eq!(sizes, list.iter().map(|(n, _)| *n).collect::<Vec<_>>());
    assert_eq!(latest.as_ref(), list.last());
}

#[test]
fn a_swapped_or_foreign_checkpoint_is_caught() {
    // Two logs of the same election with the same keys fork after the pool: a checkpoint from
    // the other fork does not match this log.
    let a = setup("fork-a", 6);
    let out = full_export(&a, 4);
    let b_dir = temp("fork-b");
    copy_dir(&a.dir.join("keys"), &b_dir.join("keys"));
    let b = Ledger::init(
        config(&b_dir),
        &spec("e-test"),
        None,
        vec![a.teller.verifier().unwrap().to_text()],
        1,
    )
    .unwrap();
    roll(&b, &[("一", 100)]);
    let (tokens, _) = b.register_pool(0, 6, None).unwrap();
    b.open_contest("d1").unwrap();
    for t in tokens.iter().take(4) {
        b.cast(&t.to_text(), &vote("b")).unwrap();
    }
    let foreign = b
        .checkpoints()
        .unwrap()
        .into_iter()
        .find(|(n, _)| *n == 6)
        .unwrap()
        .1;
    std::fs::write(
        out.join("checkpoints").join(format!("{:020}.note", 6)),
        &foreign,
    )
    .unwrap();
    let f = verify_export(&out, &|_, _| {}).failure.unwrap();
    assert_eq!((f.index, f.check.as_str()), (Some(5), "checkpoint_root"));

    // A checkpoint signed by another key.
    let other = Signer::new("scrutineer/e-test", SigningKey::from_bytes(&[5u8; 32])).unwrap();
    let cp = Checkpoint::parse(&Note::parse(foreign.as_bytes()).unwrap().text).unwrap();
    let mut note = Note::new(cp.to_text().unwrap()).unwrap();
    note.sign(&other).unwrap();
    std::fs::write(
        out.join("checkpoints").join(format!("{:020}.note", 6)),
        note.encode().unwrap(),
    )
    .unwrap();
    let f = verify_export(&out, &|_, _| {}).failure.unwrap();
    assert_eq!(f.check.as_str(), "checkpoint_signature");
}

#[test]
fn a_second_result_for_a_counted_contest_is_refused() {
    let s = setup("recount", 6);
    for t in s.tokens.iter().take(3) {
        s.ledger.cast(&t.to_text(), &vote("a")).unwrap();
    }
    s.ledger.close_contest("d1", &desk(0, 100, 60, 60)).unwrap();
    let (_, mut result) = s.ledger.tally(&["d1".to_string()]).unwrap();
    // A second "result" that claims b won: the ledger refuses it (one result per contest);
    // the verifier's refusal of such a result written by a forger is in tests/forgery.rs.
    result["contests"][0]["elected"] = json!(["b"]);
    let size = s.ledger.read(|x| x.tree.size()).unwrap();
    let refused = s
        .ledger
        .append(
            EntryKind::Result,
            body_bytes(&ResultBody {
                contests: vec!["d1".into()],
                covers_size: size,
                result,
                decrypted: Vec::new(),
            }),
        )
        .unwrap_err();
    assert_eq!(refused.code(), "already_tallied");
    assert_eq!(s.ledger.read(|x| x.tree.size()).unwrap(), size);
}

#[test]
fn receipts_prove_inclusion_and_fail_when_tampered() {
    let s = setup("receipt", 4);
    let a = s.ledger.cast(&s.tokens[0].to_text(), &vote("a")).unwrap();
    s.ledger.cast(&s.tokens[1].to_text(), &vote("b")).unwrap();
    let (leaf, proof, size, note) = s.ledger.inclusion(a.index).unwrap();
    assert_eq!(leaf, a.hash);
    let cp = Checkpoint::parse(&Note::parse(note.as_bytes()).unwrap().text).unwrap();
    assert_eq!(cp.size, size);
    verify_inclusion(&leaf, a.index, size, &proof, &cp.root).unwrap();
    let mut bad = proof.clone();
    bad[0][0] ^= 1;
    assert!(verify_inclusion(&leaf, a.index, size, &bad, &cp.root).is_err());
    assert!(verify_inclusion(&leaf, a.index + 1, size, &proof, &cp.root).is_err());
    let code = scrutineer::tokens::receipt_code(a.index, &a.hash);
    assert_eq!(
        scrutineer::tokens::parse_receipt_code(&code).unwrap().0,
        a.index
    );
}

#[test]
fn a_torn_tail_is_cut_on_restart_and_the_index_rebuilds() {
    let s = setup("torn", 6);
    for t in s.tokens.iter().take(3) {
        s.ledger.cast(&t.to_text(), &vote("a")).unwrap();
    }
    let size = s.ledger.read(|x| x.tree.size()).unwrap();
    s.ledger.close().unwrap();
    drop(s.ledger);
    let seg = std::fs::read_dir(s.dir.join("data/log"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let len = std::fs::metadata(&seg).unwrap().len();
    // Half a frame: a length prefix and a few bytes, as a crash mid-write leaves it.
    let mut f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
    std::io::Write::write_all(&mut f, &[0, 0, 1, 0, 1, 2, 3]).unwrap();
    drop(f);
    let l = Ledger::open_existing(config(&s.dir)).unwrap();
    assert_eq!(l.read(|x| x.tree.size()).unwrap(), size);
    assert_eq!(std::fs::metadata(&seg).unwrap().len(), len);
    // Still refuses the spent tokens, and accepts a new one.
    assert_eq!(
        l.cast(&s.tokens[0].to_text(), &vote("a"))
            .unwrap_err()
            .code(),
        "token_spent"
    );
    l.cast(&s.tokens[3].to_text(), &vote("a")).unwrap();
    l.close().unwrap();
    drop(l);
    // Delete the index: it is rebuilt from the segments.
    std::fs::remove_dir_all(s.dir.join("data/index")).unwrap();
    let l = Ledger::open_existing(config(&s.dir)).unwrap();
    assert_eq!(
        l.read(|x| (x.tree.size(), x.state.ballots())).unwrap(),
        (size + 1, 4)
    );
    assert_eq!(
        l.cast(&s.tokens[3].to_text(), &vote("a"))
            .unwrap_err()
            .code(),
        "token_spent"
    );
    assert_eq!(l.entry(size).unwrap().kind, EntryKind::Ballot);
    assert_eq!(
        l.contest_state("d1").unwrap(),
        scrutineer::rules::conduct::Phase::Open
    );
}

/// A crash before a group's sync returned can keep a prefix of its frames, each whole (a
/// close's desk count without the close; a publication without its runoffs). Nobody was told
/// of any of them, and start-up cuts the whole group (the mark in `log/group`); without the
/// mark the prefix would stay and be applied.
#[test]
fn a_crash_inside_a_group_of_entries_cuts_the_whole_group_on_restart() {
    let s = setup("group", 6);
    for t in s.tokens.iter().take(3) {
        s.ledger.cast(&t.to_text(), &vote("a")).unwrap();
    }
    let size = s.ledger.read(|x| x.tree.size()).unwrap();
    s.ledger.close().unwrap();
    drop(s.ledger);
    // The data directory as the crash found it, before the group's write.
    let before = temp("group-before");
    copy_dir(&s.dir, &before);
    let l = Ledger::open_existing(config(&s.dir)).unwrap();
    // One group: the desk's count, the close, the pool's unspent tokens voided.
    let closed = l.close_contest("d1", &desk(0, 100, 60, 60)).unwrap();
    assert_eq!(closed.len(), 3);
    l.close().unwrap();
    drop(l);
    let mark = std::fs::read(s.dir.join("data/log/group")).unwrap();
    assert_eq!(mark[..8], size.to_be_bytes());
    assert_eq!(mark[8..16], 3u64.to_be_bytes());
    let bytes = std::fs::read(only_segment(&s.dir)).unwrap();
    let (found, torn) = frames(&bytes);
    assert!(torn.is_none());
    let offset_of = |i: u64| {
        found
            .get(i as usize)
            .map_or(bytes.len(), |f| f.offset as usize)
    };
    let group = &bytes[offset_of(size)..];
    let start_len = offset_of(size) as u64;

    // A crash with the mark synced and part of the group's frames on disk: `keep` whole
    // frames and, for `torn`, half of the next one.
    let crashed = |name: &str, keep: u64, torn: bool, with_mark: bool| {
        let work = temp(name);
        copy_dir(&before, &work);
        let seg = only_segment(&work);
        let mut cut = offset_of(size + keep) - offset_of(size);
        if torn {
            cut += 5;
        }
        let mut f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
        std::io::Write::write_all(&mut f, &group[..cut]).unwrap();
        drop(f);
        if with_mark {
            std::fs::write(work.join("data/log/group"), &mark).unwrap();
        }
        (work, seg)
    };
    for keep in [1u64, 2] {
        let (work, seg) = crashed(&format!("group-{keep}"), keep, keep == 2, true);
        let l = Ledger::open_existing(config(&work)).unwrap();
        assert_eq!(
            l.read(|x| x.tree.size()).unwrap(),
            size,
            "keeping {keep} of the group's 3 entries"
        );
        assert_eq!(std::fs::metadata(&seg).unwrap().len(), start_len);
        assert_eq!(
            l.contest_state("d1").unwrap(),
            scrutineer::rules::conduct::Phase::Open
        );
        // The desk closes again, and the election counts and verifies.
        assert_eq!(
            l.close_contest("d1", &desk(0, 100, 60, 60)).unwrap().len(),
            3
        );
        l.tally(&["d1".to_string()]).unwrap();
        let out = work.join("export");
        l.export(&out, true).unwrap();
        let r = verify_export(&out, &|_, _| {});
        assert!(r.ok, "{r:?}");
        l.close().unwrap();
        drop(l);

        // Without the mark the same prefix stays (what start-up did before it).
        let (work, _) = crashed(&format!("group-nomark-{keep}"), keep, false, false);
        let l = Ledger::open_existing(config(&work)).unwrap();
        assert_eq!(l.read(|x| x.tree.size()).unwrap(), size + keep);
        l.close().unwrap();
    }
    // A crash after the mark, before any of the group's frames: nothing to cut, and the mark
    // is cleared, so a ballot appended in the group's place survives the next restart.
    let (work, _) = crashed("group-none", 0, false, true);
    let l = Ledger::open_existing(config(&work)).unwrap();
    assert_eq!(l.read(|x| x.tree.size()).unwrap(), size);
    let cleared = std::fs::read(work.join("data/log/group")).unwrap();
    assert_eq!(
        cleared[8..16],
        0u64.to_be_bytes(),
        "the stale mark is cleared"
    );
    l.cast(&s.tokens[3].to_text(), &vote("b")).unwrap();
    l.close().unwrap();
    drop(l);
    // Even with the stale mark back (a clearing that failed), the entry at its place is not
    // the group's first (the mark holds that entry's hash), and nothing is cut.
    std::fs::write(work.join("data/log/group"), &mark).unwrap();
    let l = Ledger::open_existing(config(&work)).unwrap();
    assert_eq!(l.read(|x| x.tree.size()).unwrap(), size + 1);
    l.close().unwrap();
    drop(l);

    // The whole group on disk is kept, the mark notwithstanding.
    let (work, seg) = crashed("group-whole", 3, false, true);
    let l = Ledger::open_existing(config(&work)).unwrap();
    assert_eq!(l.read(|x| x.tree.size()).unwrap(), size + 3);
    assert_eq!(std::fs::metadata(seg).unwrap().len(), bytes.len() as u64);
    assert_eq!(
        l.contest_state("d1").unwrap(),
        scrutineer::rules::conduct::Phase::Closed
    );
    l.close().unwrap();
}

/// Protocol 11: a close comes with the voiding of the pools it closes, in the same append. A
/// close built from a state that changed before its append (another close of the same style,
/// a pool registered) would lack it: the sequencer refuses it and logs nothing. A close
/// overtaken so (here by a ballot, which changes a voiding's figures) is built again from
/// the state as it is, and goes through.
#[test]
fn a_close_without_the_pools_it_voids_is_refused_and_one_overtaken_is_built_again() {
    let s = setup("close-voids", 6);
    s.ledger.cast(&s.tokens[0].to_text(), &vote("a")).unwrap();
    let size = s.ledger.read(|x| x.tree.size()).unwrap();
    let round = s
        .ledger
        .read(|x| x.state.conduct().unwrap().style(0).unwrap().round)
        .unwrap();
    let err = s
        .ledger
        .append_all(vec![
            (
                EntryKind::CheckInCount,
                body_bytes(&json!({"style": 0, "round": round, "present": 60, "slips_issued": 60, "eligible": 100})),
            ),
            (
                EntryKind::ContestClosed,
                body_bytes(&json!({"contest": "d1", "eligible": 100, "present": 60, "ballots_issued": 60, "by": ""})),
            ),
        ])
        .unwrap_err();
    assert_eq!(err.code(), "group_incomplete", "{err}");
    assert_eq!(s.ledger.read(|x| x.tree.size()).unwrap(), size);
    // A ballot cast between the close's build and its append changes the pool's spent figure:
    // the first build is refused (`void_mismatch`), the second goes through.
    let mut builds = 0;
    let closed = s
        .ledger
        .close_contest_pausing("d1", &desk(0, 100, 60, 60), "", || {
            builds += 1;
            if builds == 1 {
                s.ledger.cast(&s.tokens[1].to_text(), &vote("b")).unwrap();
            }
        })
        .unwrap();
    assert_eq!(builds, 2, "built again after the ballot");
    assert_eq!(closed.len(), 3);
    assert_eq!(closed[0].index, size + 1, "after the ballot cast meanwhile");
    let voided: scrutineer::record::entry::TokensVoided =
        s.ledger.entry(size + 3).unwrap().body_as().unwrap();
    assert_eq!((voided.spent, voided.voided), (2, 4));
}

/// A crash (or a full disk) while the next segment was being created leaves it empty or with
/// part of its header: it holds no entry, so the ledger opens, removes it and appends again.
#[test]
fn a_headerless_last_segment_is_cut_on_restart() {
    for (name, stub_len) in [("stub-empty", 0usize), ("stub-partial", 10)] {
        let s = setup(name, 4);
        s.ledger.cast(&s.tokens[0].to_text(), &vote("a")).unwrap();
        let size = s.ledger.read(|x| x.tree.size()).unwrap();
        s.ledger.close().unwrap();
        drop(s.ledger);
        let stub = s.dir.join(format!("data/log/{size:020}.seg"));
        let header = scrutineer::record::segment::segment_header(size);
        std::fs::write(&stub, &header[..stub_len]).unwrap();
        let l = Ledger::open_existing(config(&s.dir)).unwrap();
        assert_eq!(l.read(|x| x.tree.size()).unwrap(), size, "{name}");
        assert!(!stub.exists(), "{name}: the stub is removed");
        l.cast(&s.tokens[1].to_text(), &vote("a")).unwrap();
        l.close().unwrap();
        drop(l);
        let l = Ledger::open_existing(config(&s.dir)).unwrap();
        assert_eq!(l.read(|x| x.tree.size()).unwrap(), size + 1, "{name}");
    }
}

/// A contest whose ballots are a small share of the log is counted from its own entries
/// (through the index), the same after a restart, and the verifier's recount agrees.
#[test]
fn a_tally_reads_only_its_contests_ballots_and_agrees_with_the_recount() {
    let dir = temp("styles");
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let tellers = vec![teller.verifier().unwrap().to_text()];
    let contest = |id: &str| {
        json!({"id": id, "kind": "npc_direct", "seats": 1,
               "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
               "turnout": {"eligible": 100, "present": 60, "ballots_issued": 60}})
    };
    let spec = json!({"format": "scrutineer.election/v1", "id": "e-styles", "title": "测试",
                      "contests": [contest("small"), contest("big")]})
    .to_string();
    let style = |c: &str, unit: &str| Style {
        round: 1,
        contests: vec![c.to_string()],
        title: c.to_string(),
        unit: unit.to_string(),
        group: String::new(),
    };
    let styles = vec![style("small", "一"), style("big", "二")];
    let ledger = Ledger::init(config(&dir), spec.as_bytes(), Some(styles), tellers, 1).unwrap();
    roll(&ledger, &[("一", 5), ("二", 50)]);
    let (small, _) = ledger.register_pool(0, 5, None).unwrap();
    let (big, _) = ledger.register_pool(1, 40, None).unwrap();
    ledger.open_contest("small").unwrap();
    ledger.open_contest("big").unwrap();
    let ballot = |c: &str, f: &str| vec![json!({"contest": c, "marks": {f: "for"}})];
    // Interleaved so the small contest's entries are scattered through the log.
    for (i, t) in big.iter().enumerate() {
        ledger.cast(&t.to_text(), &ballot("big", "b")).unwrap();
        if i % 10 == 0 {
            let s = &small[i / 10];
            let pick = if i == 0 { "b" } else { "a" };
            ledger.cast(&s.to_text(), &ballot("small", pick)).unwrap();
        }
    }
    ledger.close_contest("small", &desk(0, 5, 4, 4)).unwrap();
    ledger.close_contest("big", &desk(1, 50, 40, 40)).unwrap();
    let votes = |r: &serde_json::Value| r.to_string();
    let (first, result) = ledger.tally(&["small".to_string()]).unwrap();
    let text = votes(&result);
    // 3 for a, 1 for b, out of 4: a elected. Only the small contest's four ballots were read.
    assert!(text.contains("\"elected\":[\"a\"]"), "{text}");
    assert!(!text.contains("\"big\""), "{text}");
    let size = ledger.read(|x| x.tree.size()).unwrap();
    assert!(
        4 * 4 < size,
        "the small contest is a small share of {size} entries"
    );
    ledger.close().unwrap();
    drop(ledger);
    // After a restart (state replayed from the log) the same count.
    std::fs::remove_dir_all(dir.join("data/index")).unwrap();
    let ledger = Ledger::open_existing(config(&dir)).unwrap();
    let replayed = ledger
        .read(|x| {
            x.state
                .results()
                .iter()
                .find(|(i, _)| *i == first.index)
                .map(|(_, r)| r.result.clone())
        })
        .unwrap();
    assert_eq!(replayed, Some(result));
    let (second, big_result) = ledger.tally(&["big".to_string()]).unwrap();
    assert!(votes(&big_result).contains("\"elected\":[\"b\"]"));
    for index in [first.index, second.index] {
        let text = ledger.result_checkpoint_text(index).unwrap();
        ledger
            .add_teller_signature(index, &teller_signature_line(&text, &teller).unwrap())
            .unwrap();
    }
    let out = dir.join("export");
    ledger.export(&out, true).unwrap();
    let report = verify_export(&out, &|_, _| {});
    assert!(report.failure.is_none(), "{:?}", report.failure);
}

/// An entry the log could not read back (a body over `ENTRY_BODY_BYTES_MAX`, 16 MiB) is
/// refused before it is written, whatever its kind: a teller's shuffle of a huge contest,
/// or any admin entry. Nothing is appended, and the log still opens.
#[test]
fn an_entry_too_large_for_the_log_is_refused_and_the_log_still_opens() {
    let s = setup("entry-too-large", 3);
    let size = s.ledger.read(|x| x.tree.size()).unwrap();
    let max = scrutineer::record::entry::ENTRY_BODY_BYTES_MAX;
    for kind in [EntryKind::Shuffle, EntryKind::ContestOpened] {
        // A JSON body one byte over the limit.
        let mut body = b"{\"contest\":\"".to_vec();
        body.resize(max - 1, b'x');
        body.extend_from_slice(b"\"}");
        assert_eq!(body.len(), max + 1);
        let err = s.ledger.append(kind, body).unwrap_err();
        assert_eq!(err.code().as_str(), "entry_too_large", "{kind:?}: {err}");
    }
    assert_eq!(s.ledger.read(|x| x.tree.size()).unwrap(), size);
    s.ledger.close().unwrap();
    drop(s.ledger);
    // The dropped ledger's threads let go of the index's lock a moment later; on a loaded
    // machine the first open can still find it held (`data_in_use`, seen once in CI).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let reopened = loop {
        match Ledger::open_existing(config(&s.dir)) {
            Err(e)
                if e.code().as_str() == "data_in_use" && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => break other.unwrap(),
        }
    };
    assert_eq!(reopened.read(|x| x.tree.size()).unwrap(), size);
}

/// An export taken while the sequencer writes a batch that is not yet durable nor applied
/// ends where the last applied entry ends, not at the segment file's length: bytes past it
/// (here written by hand, as a batch in flight would be) are in no export, which verifies.
/// Before, the export copied them: a torn frame, or an unpublished result, in the export.
#[test]
fn an_export_ends_at_the_last_applied_entry_not_at_the_files_end() {
    let s = setup("export-end", 10);
    for t in s.tokens.iter().take(3) {
        s.ledger.cast(&t.to_text(), &vote("a")).unwrap();
    }
    let last = std::fs::read_dir(s.ledger.log_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .max()
        .unwrap();
    let before = std::fs::metadata(&last).unwrap().len();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&last)
            .unwrap();
        // The first bytes of a frame whose entry has not arrived yet.
        f.write_all(&[0, 0, 1, 0, 9, 9, 9]).unwrap();
    }
    let out = s.dir.join("export-in-flight");
    s.ledger.export(&out, true).unwrap();
    let exported = std::fs::read_dir(out.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max()
        .unwrap();
    assert_eq!(std::fs::metadata(&exported).unwrap().len(), before);
    let report = verify_export(&out, &|_, _| {});
    assert!(report.ok, "{report:?}");
}

/// A result's checkpoint lost from both the index and the journal (their last writes gone
/// in a power cut) is signed again from the log when the ledger opens: the same note, so the
/// tellers' signature lines still verify. Before, the result was served with an empty
/// checkpoint and could not be signed.
#[test]
fn a_results_lost_checkpoint_is_signed_again_at_open() {
    let s = setup("lost-checkpoint", 10);
    let size = counted_and_signed(&s, 3) + 1;
    let note = s.ledger.checkpoint_at(size).unwrap().unwrap();
    s.ledger.close().unwrap();
    drop(s.ledger);
    // Both copies of that checkpoint lost.
    let data = s.dir.join("data");
    {
        let db = sled::open(data.join("index")).unwrap();
        db.open_tree("checkpoints")
            .unwrap()
            .remove(size.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let journal = data.join("log/checkpoints.log");
    let kept: String = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with(&format!("{size} ")))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&journal, kept).unwrap();
    let l = Ledger::open_existing(config(&s.dir)).unwrap();
    assert_eq!(l.checkpoint_at(size).unwrap(), Some(note));
}

/// While an election is being archived its ledger takes nothing (`archiving`: a ballot or an
/// open landing after the archive's check would be in no archived file), and takes entries
/// again if the archive is refused.
#[test]
fn a_frozen_ledger_refuses_every_append_until_thawed() {
    let s = setup("frozen", 4);
    assert!(s.ledger.freeze());
    assert!(
        !s.ledger.freeze(),
        "a second freeze (another archive) is refused"
    );
    let refused = s.ledger.cast(&s.tokens[0].to_text(), &vote("a"));
    assert_eq!(refused.unwrap_err().code(), "archiving");
    assert_eq!(
        s.ledger
            .close_contest("d1", &desk(0, 100, 60, 60))
            .unwrap_err()
            .code(),
        "archiving"
    );
    s.ledger.thaw();
    s.ledger.cast(&s.tokens[0].to_text(), &vote("a")).unwrap();
}

/// What start-up takes for an election's creation cut off (set aside, the service starts with
/// no election) and what it takes for a damaged real log (refused, never set aside): only a
/// log with no journaled checkpoint whose one segment holds nothing, or entry 0's frame cut
/// short, is the first.
#[test]
fn only_a_creation_cut_off_is_taken_for_one() {
    use scrutineer::record::segment::{push_frame, segment_header, segment_name};
    let dir = temp("creation-cut-off");
    let data = dir.join("data");
    let log = data.join("log");
    std::fs::create_dir_all(&log).unwrap();
    assert!(Ledger::creation_incomplete(&data), "an empty log directory");
    let seg = log.join(segment_name(0));
    let mut whole = segment_header(0).to_vec();
    push_frame(&mut whole, b"an entry that is not a real one");
    std::fs::write(&seg, &whole[..whole.len() - 5]).unwrap();
    assert!(Ledger::creation_incomplete(&data), "entry 0 cut short");
    // A whole frame that fails its check is damage, not a creation cut off.
    let mut damaged = whole.clone();
    let n = damaged.len();
    damaged[n - 1] ^= 1;
    std::fs::write(&seg, &damaged).unwrap();
    assert!(!Ledger::creation_incomplete(&data), "a damaged frame");
    // With a checkpoint journaled, entry 0 was durable: a real election's log.
    std::fs::write(&seg, &whole[..whole.len() - 5]).unwrap();
    std::fs::write(log.join("checkpoints.log"), "1 AAAA\n").unwrap();
    assert!(
        !Ledger::creation_incomplete(&data),
        "a journaled checkpoint"
    );
}
