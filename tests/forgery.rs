//! A forger who holds the log key and the election key (whoever runs the server does) rewrites
//! an honest export: edits, inserts, drops or moves entries, mints tokens, re-chains the log,
//! re-signs a consistent checkpoint and rewrites the side files to match. Each forgery class
//! must be named by `verify` (the check and, where it is about one entry, the entry). And the
//! other way round: every log the service writes verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use scrutineer::ledger::keys::load_or_create;
use scrutineer::ledger::{teller_signature_line, Ledger, LedgerConfig, Registration};
use scrutineer::procedure::{Attesting, CheckInRequest, Core};
use scrutineer::record::entry::{
    body_bytes, genesis, origin, BallotBody, CheckInCount, ContestClosed, Entry, EntryKind,
    PaperBallot, PoolRegistered, ResultBody, RollRegistered, RunoffCreated, Style, TellerSignature,
    TokensVoided, TurnoutCorrected,
};
use scrutineer::record::merkle::Tree;
use scrutineer::record::note::{Checkpoint, Note, Signer};
use scrutineer::record::segment::{frames, parse_segment_header, push_frame, segment_header};
use scrutineer::record::token::Token;
use scrutineer::records::{Records, Voter};
use scrutineer::rules::conduct::{Figures, Person};
use scrutineer::verify::{verify_export, Report};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

const ELECTION: &str = "forgery-2026";

fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "scrutineer-forgery-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// The honest election every forgery starts from, and what the forger holds.
struct Honest {
    dir: PathBuf,
    export: PathBuf,
    election_key: SigningKey,
    log_key: Signer,
    /// Unspent tokens of style 0 (the forger can read them off the slips it printed).
    unspent: Vec<Token>,
}

fn spec() -> Value {
    json!({"format": "scrutineer.election/v1", "id": ELECTION, "title": "伪造测试", "contests": [
        {"id": "c", "title": "第一选区", "kind": "npc_direct", "seats": 1,
         "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
         "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}},
        {"id": "p", "title": "村委会 (纸质)", "kind": "villager_committee", "seats": 1, "mode": "paper",
         "candidates": [{"id": "x", "name": "赵一"}, {"id": "y", "name": "钱二"}],
         "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}}]})
}

fn voters(unit: &str, prefix: &str, n: usize) -> Vec<Voter> {
    (1..=n)
        .map(|i| Voter {
            line: i + 1,
            name: format!("{prefix}{i}"),
            number: format!("{prefix}{i:02}"),
            unit: unit.into(),
            birth: "1980-01-01".into(),
            flags: vec![],
        })
        .collect()
}

/// The honest log with its (first) correction edited by `f`, verified.
fn corrected(h: &Honest, name: &str, f: &dyn Fn(&mut TurnoutCorrected)) -> Report {
    forge(
        h,
        name,
        |es, _| {
            let i = find(es, EntryKind::TurnoutCorrected, 0);
            edit::<TurnoutCorrected>(&mut es[i], f);
        },
        no_side,
    )
}

/// Signs a forged correction again with teller 1's key (a teller who colludes with the
/// forger), as the `position`-th correction of its contest, so that the rules and not the
/// signature must refuse it (protocol 8).
fn resign(b: &mut TurnoutCorrected, position: u32) {
    let wang = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let signature = scrutineer::record::attest::Attestation::Correction { position, body: b }
        .sign(&wang, ELECTION);
    b.attested = Some(scrutineer::record::attest::Attested {
        teller: 1,
        signature,
    });
}

/// An election run honestly through the core: two tellers (both needed), a roll, a pool,
/// check-ins, six electronic ballots that tie (a runoff follows), paper ballots keyed in,
/// closes with the desk's figures, a correction by two people, tallies, signatures,
/// publication with its runoff. Exported whole.
fn honest() -> Honest {
    let dir = temp("honest");
    let config = LedgerConfig::new(dir.join("data"), dir.join("keys"));
    let wang = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let li = Signer::new("teller-li", SigningKey::from_bytes(&[8u8; 32])).unwrap();
    let style = |unit: &str, c: &str| Style {
        round: 1,
        contests: vec![c.to_string()],
        title: String::new(),
        unit: unit.to_string(),
        group: String::new(),
    };
    let l = Ledger::register(
        config,
        Registration {
            spec: spec().to_string().into_bytes(),
            styles: Some(vec![style("一区", "c"), style("二区", "p")]),
            tellers: vec![
                wang.verifier().unwrap().to_text(),
                li.verifier().unwrap().to_text(),
            ],
            signatures_required: 2,
            pool_spare_percent: 5,
            secrecy: scrutineer::record::entry::Secrecy::Plaintext {
                reason: "a test of plaintext ballots".into(),
            },
        },
    )
    .unwrap();
    let records = Records::open(&dir.join("data")).unwrap();
    let core = Core::new(l.clone(), records);
    let mut roll = voters("一区", "V", 8);
    roll.extend(voters("二区", "P", 6));
    core.set_roll(&roll).unwrap();
    let pool = core.print_pool(0, None, None).unwrap();
    assert_eq!(pool.tokens.len(), 9, "8 voters + 5%, rounded up");
    core.open_contest("c").unwrap();
    core.open_contest("p").unwrap();
    for n in (1..=7)
        .map(|i| format!("V{i:02}"))
        .chain((1..=5).map(|i| format!("P{i:02}")))
    {
        core.check_in(
            &CheckInRequest {
                number: n,
                principals: vec![],
                round: 1,
            },
            "desk-1",
        )
        .unwrap();
    }
    for (i, t) in pool.tokens.iter().take(6).enumerate() {
        let mark = match i {
            0 | 1 => json!({"a": "for"}),
            2 | 3 => json!({"b": "for"}),
            _ => json!({}),
        };
        core.cast(&t.to_text(), &[json!({"contest": "c", "marks": mark})])
            .unwrap();
    }
    // Protocol 9: the teller's key signs each paper ballot as it is keyed.
    for pick in ["x", "x", "y", "x"] {
        let keyed = json!({"contest": "p", "marks": {pick: "for"}}).to_string();
        core.key_paper_with(&wang, "p", Some(&keyed), None, "")
            .unwrap();
    }
    core.close_contest("c").unwrap();
    core.close_contest("p").unwrap();
    let teller = Person {
        name: "t-zhao".into(),
        role: "teller".into(),
    };
    let organiser = Person {
        name: "o-sun".into(),
        role: "organiser".into(),
    };
    let figures = Figures {
        eligible: 6,
        present: 6,
        issued: 6,
    };
    let reason = "纸质发票处另发 1 张 / the paper desk handed out one more";
    // Protocol 8: the teller's key signs it.
    let attested = core
        .attest_with(
            &wang,
            &Attesting::Correction {
                contest: "p".into(),
                figures,
                reason: reason.into(),
            },
        )
        .unwrap();
    let n = core
        .propose_correction("p", figures, reason, &teller, Some(attested))
        .unwrap();
    core.approve_correction(n, &organiser, None).unwrap();
    for c in ["c", "p"] {
        let (r, _) = core.tally(&[c.to_string()]).unwrap();
        let text = l.result_checkpoint_text(r.index).unwrap();
        for t in [&wang, &li] {
            core.sign(r.index, &teller_signature_line(&text, t).unwrap())
                .unwrap();
        }
        let p = core.publish(r.index).unwrap();
        if c == "c" {
            assert_eq!(p.runoffs, vec!["c-r1".to_string()], "{:?}", p.blocked);
        }
    }
    let export = dir.join("export");
    l.export(&export, true).unwrap();
    let keys = load_or_create(&dir.join("keys"), &origin(ELECTION)).unwrap();
    let spent: std::collections::HashSet<[u8; 16]> =
        pool.tokens.iter().take(6).map(|t| *t.serial()).collect();
    let unspent = pool
        .tokens
        .into_iter()
        .filter(|t| !spent.contains(t.serial()))
        .collect();
    l.close().unwrap();
    let report = verify_export(&export, &|_, _| {});
    assert!(report.ok, "the honest log must verify: {report:?}");
    Honest {
        dir,
        export,
        election_key: keys.election,
        log_key: keys.log,
        unspent,
    }
}

fn read_entries(export: &Path) -> Vec<Entry> {
    let mut segs: Vec<PathBuf> = std::fs::read_dir(export.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    segs.sort();
    let mut out = Vec::new();
    for s in segs {
        let bytes = std::fs::read(&s).unwrap();
        parse_segment_header(&bytes).unwrap();
        let (found, err) = frames(&bytes);
        assert!(err.is_none());
        out.extend(found.iter().map(|f| Entry::decode(f.entry).unwrap()));
    }
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

/// What the forger does to an export: change the entries, then make everything else agree.
/// The log is re-chained from genesis, written as one segment, and signed with the log key
/// at its new size (one checkpoint, consistent with itself); `results/` is rewritten from the
/// forged result entries and `election.json` from the forged registration. `side` may then
/// change side files.
fn forge(
    h: &Honest,
    name: &str,
    mutate: impl FnOnce(&mut Vec<Entry>, &Honest),
    side: impl FnOnce(&Path),
) -> Report {
    let out = h.dir.join(format!("forged-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    copy_dir(&h.export, &out);
    let mut entries = read_entries(&h.export);
    mutate(&mut entries, h);
    // A result moved earlier is made to cover only what comes before it.
    for (i, e) in entries.iter_mut().enumerate() {
        if e.kind == EntryKind::Result {
            edit::<ResultBody>(e, |b| b.covers_size = b.covers_size.min(i as u64));
        }
    }
    // Re-chain and rebuild the tree.
    let mut head = genesis(ELECTION);
    let mut tree = Tree::new();
    let mut seg = segment_header(0).to_vec();
    for e in entries.iter_mut() {
        e.prev = head;
        head = e.hash();
        tree.push(head);
        push_frame(&mut seg, &e.encode());
    }
    std::fs::remove_dir_all(out.join("log")).unwrap();
    std::fs::create_dir_all(out.join("log")).unwrap();
    std::fs::write(out.join("log/00000000000000000000.seg"), seg).unwrap();
    // One checkpoint, signed with the log key, over the forged log.
    std::fs::remove_dir_all(out.join("checkpoints")).unwrap();
    std::fs::create_dir_all(out.join("checkpoints")).unwrap();
    let cp = Checkpoint {
        origin: origin(ELECTION),
        size: tree.size(),
        root: tree.root(),
        extensions: vec![],
    };
    let mut note = Note::new(cp.to_text().unwrap()).unwrap();
    note.sign(&h.log_key).unwrap();
    std::fs::write(
        out.join(format!("checkpoints/{:020}.note", tree.size())),
        note.encode().unwrap(),
    )
    .unwrap();
    // Side files that agree with the forged log.
    std::fs::remove_dir_all(out.join("results")).unwrap();
    std::fs::create_dir_all(out.join("results")).unwrap();
    for (i, e) in entries.iter().enumerate() {
        if e.kind == EntryKind::Result {
            let r: ResultBody = e.body_as().unwrap();
            std::fs::write(
                out.join(format!("results/{i:020}.json")),
                serde_json::to_string_pretty(&r.result).unwrap(),
            )
            .unwrap();
        }
        if e.kind == EntryKind::ElectionRegistered {
            let reg: Value = e.body_as().unwrap();
            std::fs::write(
                out.join("election.json"),
                serde_json::to_string_pretty(&reg["spec"]).unwrap(),
            )
            .unwrap();
        }
    }
    side(&out);
    verify_export(&out, &|_, _| {})
}

fn no_side(_: &Path) {}

/// The index of the `nth` entry of a kind.
fn find(entries: &[Entry], kind: EntryKind, nth: usize) -> usize {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == kind)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {kind:?} number {nth}"))
}

fn entry<T: serde::Serialize>(kind: EntryKind, body: &T) -> Entry {
    Entry {
        kind,
        prev: [0; 32],
        body: body_bytes(body),
    }
}

fn edit<T>(e: &mut Entry, f: impl FnOnce(&mut T))
where
    T: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let mut b: T = e.body_as().unwrap();
    f(&mut b);
    e.body = body_bytes(&b);
}

/// A ballot entry of style 0 with a token the forger minted (or printed).
fn ballot(token: &Token, lines: Vec<Value>) -> Entry {
    entry(
        EntryKind::Ballot,
        &BallotBody {
            token: BASE64.encode(token.to_bytes()),
            ballots: lines,
        },
    )
}

fn mint(h: &Honest, style: u16, n: u8) -> Token {
    Token::sign(&h.election_key, ELECTION, 1, style, [0xF0 ^ n; 16])
}

/// Asserts the report names the check (and the entry, when given).
fn named(r: &Report, check: &str, index: Option<usize>) {
    let f = r
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("verify accepted a forgery meant to fail {check}: {r:?}"));
    assert_eq!(f.check.as_str(), check, "{f:?}\n{r:?}");
    if let Some(i) = index {
        assert_eq!(f.index, Some(i as u64), "{f:?}");
    }
    assert!(!f.message.is_empty());
}

#[test]
fn the_forgers_own_rewrite_of_an_honest_log_verifies() {
    // The control: re-chaining and re-signing alone is not a forgery the verifier objects to.
    let h = honest();
    let r = forge(&h, "control", |_, _| {}, no_side);
    assert!(r.ok, "{r:?}");
    assert_eq!(r.corrections.len(), 1);
    assert_eq!(r.not_yet_signed, Vec::<u64>::new());
}

#[test]
fn ballots_that_break_their_tokens_style() {
    let h = honest();
    // One token, two ballots for the same contest (one entry with two lines for "c").
    let r = forge(
        &h,
        "two-lines",
        |es, h| {
            let at = find(es, EntryKind::Ballot, 5) + 1;
            es.insert(
                at,
                ballot(
                    &h.unspent[0],
                    vec![
                        json!({"contest": "c", "marks": {"a": "for"}}),
                        json!({"contest": "c", "marks": {"a": "for"}}),
                    ],
                ),
            );
        },
        no_side,
    );
    named(&r, "ballot_style_mismatch", None);
    // A second line for a contest it already voted in, appended to an honest ballot.
    let r = forge(
        &h,
        "second-line",
        |es, _| {
            let i = find(es, EntryKind::Ballot, 2);
            edit::<BallotBody>(&mut es[i], |b| {
                b.ballots
                    .push(json!({"contest": "c", "marks": {"b": "for"}}))
            });
        },
        no_side,
    );
    named(&r, "ballot_style_mismatch", None);
    // A line for a contest that is not on the token's style.
    let r = forge(
        &h,
        "other-style",
        |es, _| {
            let i = find(es, EntryKind::Ballot, 2);
            edit::<BallotBody>(&mut es[i], |b| {
                b.ballots = vec![json!({"contest": "p", "marks": {"x": "for"}})]
            });
        },
        no_side,
    );
    named(&r, "ballot_style_mismatch", None);
    // An empty ballot.
    let r = forge(
        &h,
        "empty",
        |es, _| {
            let i = find(es, EntryKind::Ballot, 2);
            edit::<BallotBody>(&mut es[i], |b| b.ballots.clear());
        },
        no_side,
    );
    named(&r, "ballot_style_mismatch", None);
    // An over-marked electronic ballot (a kiosk never casts one).
    let r = forge(
        &h,
        "over-marked",
        |es, _| {
            let i = find(es, EntryKind::Ballot, 2);
            edit::<BallotBody>(&mut es[i], |b| {
                b.ballots = vec![json!({"contest": "c", "marks": {"a": "for", "b": "for"}})]
            });
        },
        no_side,
    );
    named(&r, "over_marked", None);
    // A token spent twice.
    let r = forge(
        &h,
        "double-spend",
        |es, _| {
            let i = find(es, EntryKind::Ballot, 0);
            let copy = es[i].clone();
            es.insert(find(es, EntryKind::Ballot, 5) + 1, copy);
        },
        no_side,
    );
    named(&r, "double_spend", None);
    // A token of an electronic style used for the paper contest's style number.
    let r = forge(
        &h,
        "paper-style-token",
        |es, h| {
            let at = find(es, EntryKind::Ballot, 5) + 1;
            es.insert(
                at,
                ballot(
                    &mint(h, 1, 1),
                    vec![json!({"contest": "p", "marks": {"x": "for"}})],
                ),
            );
        },
        no_side,
    );
    // Style 1 has no pool at all (its contest takes paper only).
    assert!(
        ["not_an_electronic_contest", "pool_exhausted"]
            .contains(&r.failure.as_ref().unwrap().check.as_str()),
        "{r:?}"
    );
}

#[test]
fn paper_ballots_out_of_place() {
    let h = honest();
    // A token-less paper ballot in an electronic contest.
    let r = forge(
        &h,
        "paper-in-electronic",
        |es, _| {
            let at = find(es, EntryKind::Ballot, 5) + 1;
            es.insert(
                at,
                entry(
                    EntryKind::PaperBallot,
                    &PaperBallot {
                        contest: "c".into(),
                        ballot: json!({"contest": "c", "marks": {"a": "for"}}),
                        sheet: None,
                        keyed: None,
                        attested: None,
                    },
                ),
            );
        },
        no_side,
    );
    named(&r, "not_a_paper_contest", None);
    // A paper ballot after its contest closed.
    let r = forge(
        &h,
        "paper-after-close",
        |es, _| {
            let close = es
                .iter()
                .position(|e| {
                    e.kind == EntryKind::ContestClosed
                        && e.body_as::<ContestClosed>().unwrap().contest == "p"
                })
                .unwrap();
            es.insert(
                close + 1,
                entry(
                    EntryKind::PaperBallot,
                    &PaperBallot {
                        contest: "p".into(),
                        ballot: json!({"contest": "p", "marks": {"y": "for"}}),
                        sheet: None,
                        keyed: None,
                        attested: None,
                    },
                ),
            );
        },
        no_side,
    );
    named(&r, "contest_closed", None);
    // A paper ballot that names another contest than its entry.
    let r = forge(
        &h,
        "paper-other-contest",
        |es, _| {
            let i = find(es, EntryKind::PaperBallot, 0);
            edit::<PaperBallot>(&mut es[i], |b| {
                b.ballot = json!({"contest": "c", "marks": {"a": "for"}})
            });
        },
        no_side,
    );
    named(&r, "ballot_style_mismatch", None);
}

/// Protocol 9: each paper ballot carries its teller's signature of the text keyed and of its
/// place among the ballots that teller's key signed. The server's operator, holding the log key, can neither change a
/// keyed ballot, nor drop the signature, nor put the same signed ballots in another order.
#[test]
fn signed_paper_ballots_cannot_be_changed_dropped_or_reordered() {
    let h = honest();
    // The ballot logged changed, its signed text left as it was.
    let r = forge(
        &h,
        "paper-ballot-changed",
        |es, _| {
            let i = find(es, EntryKind::PaperBallot, 2);
            edit::<PaperBallot>(&mut es[i], |b| {
                b.ballot = json!({"contest": "p", "marks": {"x": "for"}})
            });
        },
        no_side,
    );
    named(&r, "attestation_invalid", None);
    // Both changed alike: the teller did not sign that text.
    let r = forge(
        &h,
        "paper-keyed-changed",
        |es, _| {
            let i = find(es, EntryKind::PaperBallot, 2);
            edit::<PaperBallot>(&mut es[i], |b| {
                b.ballot = json!({"contest": "p", "marks": {"x": "for"}});
                b.keyed = Some(b.ballot.to_string());
            });
        },
        no_side,
    );
    named(&r, "attestation_invalid", None);
    // The signature dropped (and the text with it): a paper ballot of the server's own.
    let r = forge(
        &h,
        "paper-unsigned",
        |es, _| {
            let i = find(es, EntryKind::PaperBallot, 1);
            edit::<PaperBallot>(&mut es[i], |b| {
                b.keyed = None;
                b.attested = None;
            });
        },
        no_side,
    );
    named(&r, "unattested", None);
    // A signed ballot logged twice: each signature names its place among its key's.
    let r = forge(
        &h,
        "paper-twice",
        |es, _| {
            let i = find(es, EntryKind::PaperBallot, 1);
            let copy = es[i].clone();
            es.insert(i + 1, copy);
        },
        no_side,
    );
    named(&r, "attestation_invalid", None);
    // The third and fourth ballots swapped: each signature names its place.
    let r = forge(
        &h,
        "paper-swapped",
        |es, _| {
            let i = find(es, EntryKind::PaperBallot, 2);
            let j = find(es, EntryKind::PaperBallot, 3);
            let (a, b) = (es[i].body.clone(), es[j].body.clone());
            es[i].body = b;
            es[j].body = a;
        },
        no_side,
    );
    named(&r, "attestation_invalid", None);
}

/// Protocol 11: what the service writes in one append comes whole. The honest log's close of
/// "c" voids style 0's unused tokens in its append, and the publication of "c" brings its tie
/// runoff. Dropping either, moving it away, or ending the log before it was an operator's way
/// to leave a seat's new round out (the parity sweep, 2026-12-05).
#[test]
fn entries_written_in_one_append_come_whole() {
    let h = honest();
    let entries = read_entries(&h.export);
    let runoff = find(&entries, EntryKind::RunoffCreated, 0);
    assert_eq!(entries[runoff - 1].kind, EntryKind::ResultPublished);
    let voided = find(&entries, EntryKind::TokensVoided, 0);
    assert_eq!(entries[voided - 1].kind, EntryKind::ContestClosed);

    let r = forge(&h, "no-runoff", |es, _| drop(es.remove(runoff)), no_side);
    named(&r, "group_incomplete", Some(runoff));
    assert!(r.failure.as_ref().unwrap().message.contains("“c”"), "{r:?}");
    // The runoff moved one entry later: the entry after the publication is not it.
    let r = forge(
        &h,
        "runoff-later",
        |es, _| {
            let e = es.remove(runoff);
            es.insert(runoff + 1, e);
        },
        no_side,
    );
    named(&r, "group_incomplete", Some(runoff));
    // The log ends with the publication.
    let r = forge(
        &h,
        "ends-before-runoff",
        |es, _| es.truncate(runoff),
        no_side,
    );
    named(&r, "group_incomplete", None);
    let r = forge(&h, "no-voiding", |es, _| drop(es.remove(voided)), no_side);
    named(&r, "group_incomplete", Some(voided));
    // The runoff's id taken first by a contest of entry 0: the runoff could not be created,
    // so nothing owed it (a review of this change). The id is the runoff's alone.
    let r = forge(
        &h,
        "runoff-id-taken",
        |es, _| {
            edit::<Value>(&mut es[0], |b| {
                let mut taken = b["spec"]["contests"][0].clone();
                taken["id"] = json!("c-r1");
                b["spec"]["contests"].as_array_mut().unwrap().push(taken);
            });
        },
        no_side,
    );
    named(&r, "contest_id_reserved", Some(0));
}

#[test]
fn the_order_of_the_election() {
    let h = honest();
    // A result before its contest's close.
    let r = forge(
        &h,
        "result-before-close",
        |es, _| {
            let close = find(es, EntryKind::ContestClosed, 0);
            let result = find(es, EntryKind::Result, 0);
            let e = es.remove(result);
            es.insert(close, e);
        },
        no_side,
    );
    named(&r, "contest_not_closed", None);
    // A re-ordered close: moved before the last ballots, which then land in a closed contest
    // (with its desk count before it and its voided pool after it, as one append).
    let r = forge(
        &h,
        "close-early",
        |es, _| {
            let voided = find(es, EntryKind::TokensVoided, 0);
            let mut v = es.remove(voided);
            // Re-counted for the three ballots before it.
            edit::<TokensVoided>(&mut v, |b| {
                b.voided += b.spent - 3;
                b.spent = 3;
            });
            let close = find(es, EntryKind::ContestClosed, 0);
            let e = es.remove(close);
            let desk = find(es, EntryKind::CheckInCount, 0);
            let d = es.remove(desk);
            let first = find(es, EntryKind::Ballot, 3);
            es.insert(first, v);
            es.insert(first, e);
            es.insert(first, d);
        },
        no_side,
    );
    named(&r, "contest_closed", None);
    // A ballot before its contest opened.
    let r = forge(
        &h,
        "ballot-before-open",
        |es, _| {
            let b = find(es, EntryKind::Ballot, 0);
            let e = es.remove(b);
            let open = find(es, EntryKind::ContestOpened, 0);
            es.insert(open, e);
        },
        no_side,
    );
    named(&r, "contest_not_open", None);
    // A runoff created before the result that calls for it was published.
    let r = forge(
        &h,
        "runoff-unpublished",
        |es, _| {
            let runoff = find(es, EntryKind::RunoffCreated, 0);
            let e = es.remove(runoff);
            let publish = find(es, EntryKind::ResultPublished, 0);
            es.insert(publish, e);
        },
        no_side,
    );
    named(&r, "not_published", None);
    // A runoff that is not the one the published result proposes: a candidate renamed, or
    // the seats changed (re-signed; the runoff is built one way, `record::rounds`).
    let r = forge(
        &h,
        "runoff-renamed",
        |es, _| {
            let i = find(es, EntryKind::RunoffCreated, 0);
            edit::<RunoffCreated>(&mut es[i], |b| {
                b.contest["candidates"][0]["name"] = json!("王五");
            });
        },
        no_side,
    );
    named(&r, "round_contest", None);
    // A second result for a contest already counted (one that says b won).
    let r = forge(
        &h,
        "second-result",
        |es, _| {
            let i = find(es, EntryKind::Result, 0);
            let mut second = es[i].clone();
            edit::<ResultBody>(&mut second, |b| {
                b.result["contests"][0]["elected"] = json!(["b"])
            });
            let at = es.len();
            edit::<ResultBody>(&mut second, |b| b.covers_size = at as u64);
            es.push(second);
        },
        no_side,
    );
    named(&r, "already_tallied", None);
    // A roll replaced once voting started.
    let r = forge(
        &h,
        "late-roll",
        |es, _| {
            let i = find(es, EntryKind::RollRegistered, 0);
            let mut late = es[i].clone();
            edit::<RollRegistered>(&mut late, |b| {
                *b.units.get_mut("一区").unwrap() += 10;
                b.voters += 10;
            });
            let at = find(es, EntryKind::Ballot, 0);
            es.insert(at, late);
        },
        no_side,
    );
    named(&r, "roll_locked", None);
}

#[test]
fn pools_beyond_the_roll() {
    let h = honest();
    // A pool over its cap, with ballots from the minted tokens.
    let r = forge(
        &h,
        "pool-over-cap",
        |es, h| {
            let pool = find(es, EntryKind::PoolRegistered, 0);
            let mut more = es[pool].clone();
            edit::<PoolRegistered>(&mut more, |b| {
                b.count = 1_000;
                b.reason = Some("more".into());
            });
            es.insert(pool + 1, more);
            let at = find(es, EntryKind::Ballot, 5) + 1;
            es.insert(
                at,
                ballot(
                    &mint(h, 0, 2),
                    vec![json!({"contest": "c", "marks": {"b": "for"}})],
                ),
            );
        },
        no_side,
    );
    named(&r, "pool_over_cap", None);
    // Tokens printed after voting started, with no reason.
    let r = forge(
        &h,
        "late-pool",
        |es, _| {
            let i = find(es, EntryKind::PoolRegistered, 0);
            let e = es.remove(i);
            let at = find(es, EntryKind::ContestOpened, 1) + 1;
            es.insert(at, e);
        },
        no_side,
    );
    named(&r, "pool_reason_missing", None);
    // A ballot with a minted token beyond the registered pool.
    let r = forge(
        &h,
        "minted",
        |es, h| {
            let i = find(es, EntryKind::PoolRegistered, 0);
            edit::<PoolRegistered>(&mut es[i], |b| b.count = 6);
            let at = find(es, EntryKind::Ballot, 5) + 1;
            es.insert(
                at,
                ballot(
                    &mint(h, 0, 3),
                    vec![json!({"contest": "c", "marks": {"b": "for"}})],
                ),
            );
        },
        no_side,
    );
    named(&r, "pool_exhausted", None);
    // Voiding that hides how many tokens were spent.
    let r = forge(
        &h,
        "void-lies",
        |es, _| {
            let i = find(es, EntryKind::TokensVoided, 0);
            edit::<TokensVoided>(&mut es[i], |b| {
                b.voided += 2;
                b.spent -= 2;
            });
        },
        no_side,
    );
    named(&r, "void_mismatch", None);
}

#[test]
fn the_desks_figures_are_what_counts() {
    let h = honest();
    // A teller's own figures at close instead of the desk's (R > I made to look valid).
    let r = forge(
        &h,
        "close-figures",
        |es, _| {
            let i = find(es, EntryKind::ContestClosed, 0);
            edit::<ContestClosed>(&mut es[i], |b| {
                b.present += 3;
                b.ballots_issued += 3;
            });
        },
        no_side,
    );
    named(&r, "close_figures_mismatch", None);
    // The desk count and the close raised together: the roll still says how many are eligible.
    let r = forge(
        &h,
        "desk-eligible",
        |es, _| {
            let i = find(es, EntryKind::CheckInCount, 0);
            edit::<CheckInCount>(&mut es[i], |b| b.eligible = Some(b.eligible.unwrap() + 5));
            let j = find(es, EntryKind::ContestClosed, 0);
            edit::<ContestClosed>(&mut es[j], |b| b.eligible += 5);
        },
        no_side,
    );
    named(&r, "desk_eligible_mismatch", None);
    // Protocol 10 (the red-team review of 2026-12-05): the desk count logged before the roll,
    // with an eligible figure the roll never had, and the close to match it. The count's E
    // was checked only against a roll already there, and the close only against the count.
    let r = forge(
        &h,
        "desk-before-roll",
        |es, _| {
            let i = find(es, EntryKind::CheckInCount, 0);
            let mut count = es.remove(i);
            let mut lowered = 0;
            edit::<CheckInCount>(&mut count, |b| {
                let e = b.eligible.unwrap();
                lowered = e - b.present;
                b.eligible = Some(b.present);
            });
            let j = find(es, EntryKind::ContestClosed, 0);
            edit::<ContestClosed>(&mut es[j], |b| b.eligible -= lowered);
            let roll = find(es, EntryKind::RollRegistered, 0);
            es.insert(roll, count);
        },
        no_side,
    );
    named(&r, "desk_count_before_roll", None);
    // The desk count dropped: the close has nothing to stand on.
    let r = forge(
        &h,
        "desk-dropped",
        |es, _| {
            let i = find(es, EntryKind::CheckInCount, 0);
            es.remove(i);
        },
        no_side,
    );
    named(&r, "desk_count_missing", None);
    // A correction approved by the person who proposed it, or by the same role.
    for (name, approver) in [
        ("self-approved", ("t-zhao", "organiser")),
        ("same-role", ("t-qian", "teller")),
    ] {
        let r = corrected(
            &h,
            name,
            &(|b| {
                b.approved_by.name = approver.0.into();
                b.approved_by.role = approver.1.into();
                resign(b, 0);
            }),
        );
        named(&r, "correction_needs_two", None);
    }
    // Protocol 6: approved by an auditor (who verifies, and changes no figure).
    let r = corrected(
        &h,
        "auditor-approved",
        &(|b| {
            b.approved_by.name = "t-sun".into();
            b.approved_by.role = "auditor".into();
            resign(b, 0);
        }),
    );
    named(&r, "correction_role", None);
    // A correction logged after the count.
    let r = forge(
        &h,
        "late-correction",
        |es, _| {
            let i = find(es, EntryKind::TurnoutCorrected, 0);
            let mut late = es[i].clone();
            edit::<TurnoutCorrected>(&mut late, |b| {
                b.present = 1;
                resign(b, 1);
            });
            es.push(late);
        },
        no_side,
    );
    named(&r, "correction_out_of_order", None);
    // A correction with more present than eligible (the service refuses it; a forged one
    // would meet any "more than half of E" threshold).
    let r = corrected(
        &h,
        "correction-present",
        &(|b| {
            b.present = b.eligible + 1;
            resign(b, 0);
        }),
    );
    named(&r, "present_exceeds_eligible", None);
    // Protocol 6: a correction logged while the contest was still open (moved before its
    // close), which would replace the figures the close takes from the desk.
    let r = forge(
        &h,
        "correction-while-open",
        |es, _| {
            let i = find(es, EntryKind::TurnoutCorrected, 0);
            let c = find(es, EntryKind::ContestClosed, 0);
            assert!(c < i, "the honest log corrects after the close");
            let moved = es.remove(i);
            es.insert(c, moved);
        },
        no_side,
    );
    named(&r, "correction_out_of_order", None);
    // Protocol 7: a correction raising the eligible figure above the roll's count at the
    // close (which could only make a quorum, or a "more than half of E" threshold, fail).
    let r = forge(
        &h,
        "correction-eligible-above-roll",
        |es, _| {
            let i = find(es, EntryKind::TurnoutCorrected, 0);
            // Far above the roll of six the close counted (and the voters who vote).
            edit::<TurnoutCorrected>(&mut es[i], |b| {
                b.eligible += 1000;
                resign(b, 0);
            });
        },
        no_side,
    );
    named(&r, "correction_eligible_above_roll", None);
    // Protocol 8: without a registered teller's signature. Taken off; the figures changed
    // under it; a second correction that repeats the first's signature (signed as the
    // contest's first, so it cannot come back after a later one); signed by a key that is
    // not a registered teller's; naming a teller who does not exist.
    let r = corrected(&h, "correction-unattested", &(|b| b.attested = None));
    named(&r, "unattested", None);
    let r = corrected(
        &h,
        "correction-changed-under-signature",
        &(|b| b.present -= 1),
    );
    named(&r, "attestation_invalid", None);
    let r = forge(
        &h,
        "correction-replayed",
        |es, _| {
            let i = find(es, EntryKind::TurnoutCorrected, 0);
            let again = es[i].clone();
            es.insert(i + 1, again);
        },
        no_side,
    );
    named(&r, "attestation_invalid", None);
    for (name, teller, seed) in [
        ("correction-stranger", 1, 99u8),
        ("correction-no-teller", 3, 7u8),
    ] {
        let r = corrected(
            &h,
            name,
            &(|b| {
                let key = Signer::new("teller-wang", SigningKey::from_bytes(&[seed; 32])).unwrap();
                let signature = scrutineer::record::attest::Attestation::Correction {
                    position: 0,
                    body: b,
                }
                .sign(&key, ELECTION);
                b.attested = Some(scrutineer::record::attest::Attested { teller, signature });
            }),
        );
        named(&r, "attestation_invalid", None);
    }
}

#[test]
fn results_and_signatures() {
    let h = honest();
    // A different elected list, and the results/ file rewritten to match.
    let r = forge(
        &h,
        "elected",
        |es, _| {
            let i = find(es, EntryKind::Result, 1);
            edit::<ResultBody>(&mut es[i], |b| {
                b.result["contests"][0]["elected"] = json!(["y"])
            });
        },
        no_side,
    );
    named(&r, "recount", None);
    // A result counted over another spec (two seats instead of one).
    let r = forge(
        &h,
        "other-spec",
        |es, _| {
            let i = find(es, EntryKind::Result, 1);
            edit::<ResultBody>(&mut es[i], |b| b.result["contests"][0]["seats"] = json!(2));
        },
        no_side,
    );
    named(&r, "recount", None);
    // A smuggled teller line: a made-up teller's name on a line before a valid signature.
    let r = forge(
        &h,
        "smuggled-line",
        |es, _| {
            let i = find(es, EntryKind::TellerSignature, 0);
            edit::<TellerSignature>(&mut es[i], |b| {
                b.line = format!("— teller-zhang AAAAAAAA\n{}", b.line)
            });
        },
        no_side,
    );
    named(&r, "teller_signature", None);
    // One teller key signing a result twice, instead of two tellers.
    let r = forge(
        &h,
        "same-key-twice",
        |es, _| {
            let first = find(es, EntryKind::TellerSignature, 0);
            let second = find(es, EntryKind::TellerSignature, 1);
            es[second] = es[first].clone();
        },
        no_side,
    );
    named(&r, "signature_duplicate", None);
    // Publication with one signature where two are required.
    let r = forge(
        &h,
        "published-unsigned",
        |es, _| {
            let second = find(es, EntryKind::TellerSignature, 1);
            es.remove(second);
        },
        no_side,
    );
    named(&r, "signatures_missing", None);
    // Without the publication, the same log verifies and reports the result as not yet
    // signed (an export between a tally and its signatures).
    let r = forge(
        &h,
        "between-tally-and-signatures",
        |es, _| {
            let last = es.len();
            let second = find(es, EntryKind::TellerSignature, 3);
            es.truncate(second.min(last));
        },
        no_side,
    );
    assert!(r.ok, "{r:?}");
    assert_eq!(r.not_yet_signed.len(), 1, "{r:?}");
}

#[test]
fn side_files_must_say_what_the_log_says() {
    let h = honest();
    // election.json with a candidate renamed.
    let r = forge(
        &h,
        "election-json",
        |_, _| {},
        |out| {
            let p = out.join("election.json");
            let text = std::fs::read_to_string(&p).unwrap().replace("王芳", "王方");
            std::fs::write(p, text).unwrap();
        },
    );
    named(&r, "side_file", None);
    // election.json with the seats changed.
    let r = forge(
        &h,
        "election-seats",
        |_, _| {},
        |out| {
            let p = out.join("election.json");
            let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            v["contests"][0]["seats"] = json!(2);
            std::fs::write(p, v.to_string()).unwrap();
        },
    );
    named(&r, "side_file", None);
    // A results/ file with a different elected list.
    let r = forge(
        &h,
        "results-json",
        |_, _| {},
        |out| {
            let mut files: Vec<_> = std::fs::read_dir(out.join("results"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let mut v: Value =
                serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
            v["contests"][0]["elected"] = json!(["a"]);
            std::fs::write(&files[0], v.to_string()).unwrap();
        },
    );
    named(&r, "side_file", None);
    // A results/ file for no result entry.
    let r = forge(
        &h,
        "results-extra",
        |_, _| {},
        |out| {
            std::fs::write(out.join("results/00000000000000000001.json"), "{}").unwrap();
        },
    );
    named(&r, "side_file", None);
    // A side file that is left out is not a failure.
    let r = forge(
        &h,
        "no-side-files",
        |_, _| {},
        |out| {
            std::fs::remove_file(out.join("election.json")).unwrap();
            std::fs::remove_dir_all(out.join("results")).unwrap();
        },
    );
    assert!(r.ok, "{r:?}");
}

/// The first checkpoint file of an export.
fn first_checkpoint(out: &Path) -> PathBuf {
    let dir = out.join("checkpoints");
    std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

/// The checkpoints' signatures are verified while the log is replayed (on a thread of their
/// own), but a checkpoint signed by another key is still refused, and a log that fails its
/// replay is still named for that failure first, whatever the checkpoints hold.
#[test]
fn checkpoints_are_checked_beside_the_replay_and_named_after_it() {
    let h = honest();
    let resign = |out: &Path| {
        let file = first_checkpoint(out);
        let note = Note::parse(&std::fs::read(&file).unwrap()).unwrap();
        let mut other = Note::new(note.text.clone()).unwrap();
        let key = SigningKey::from_bytes(&[5u8; 32]);
        other
            .sign(&Signer::new(&note.signatures[0].name, key).unwrap())
            .unwrap();
        std::fs::write(&file, other.encode().unwrap()).unwrap();
    };
    let r = forge(&h, "checkpoint-other-key", |_, _| {}, resign);
    named(&r, "checkpoint_signature", None);
    let r = forge(
        &h,
        "checkpoint-not-a-note",
        |_, _| {},
        |out: &Path| std::fs::write(first_checkpoint(out), "not a note").unwrap(),
    );
    named(&r, "checkpoint", None);
    // A body the replay cannot read, and a checkpoint signed by another key: the log's
    // failure is the one named.
    let mut at = 0;
    let r = forge(
        &h,
        "body-and-checkpoint",
        |es, _| {
            at = find(es, EntryKind::Ballot, 1);
            es[at].body = b"{}".to_vec();
        },
        resign,
    );
    named(&r, "body", Some(at));
}

/// Every log the service writes verifies: random elections driven through the core with a
/// seeded walk of operations (refusals included), exported at random moments.
#[test]
fn every_log_the_core_writes_verifies() {
    let seeds: u64 = std::env::var("SCRUTINEER_WALKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    for seed in 1..=seeds {
        walk(seed);
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn walk(seed: u64) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let dir = temp(&format!("walk-{seed}"));
    let config = LedgerConfig::new(dir.join("data"), dir.join("keys"));
    let wang = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let l = Ledger::register(
        config,
        Registration {
            spec: spec().to_string().into_bytes(),
            styles: Some(vec![
                Style {
                    round: 1,
                    contests: vec!["c".into()],
                    title: String::new(),
                    unit: "一区".into(),
                    group: String::new(),
                },
                Style {
                    round: 1,
                    contests: vec!["p".into()],
                    title: String::new(),
                    unit: "二区".into(),
                    group: String::new(),
                },
            ]),
            tellers: vec![wang.verifier().unwrap().to_text()],
            signatures_required: 1,
            pool_spare_percent: 10,
            secrecy: scrutineer::record::entry::Secrecy::Plaintext {
                reason: "a test of plaintext ballots".into(),
            },
        },
    )
    .unwrap();
    let core = Core::new(l.clone(), Records::open(&dir.join("data")).unwrap());
    let mut roll = voters("一区", "V", 20);
    roll.extend(voters("二区", "P", 12));
    core.set_roll(&roll).unwrap();
    let mut tokens: Vec<Token> = Vec::new();
    let mut exports = 0;
    for step in 0..120 {
        let op = rng.below(13);
        let _ = match op {
            0 => core
                .print_pool(0, Some(1 + rng.below(6) as usize), Some("walk".into()))
                .map(|p| tokens.extend(p.tokens))
                .map_err(|e| e.code()),
            1 => core
                .open_contest(if rng.below(2) == 0 { "c" } else { "p" })
                .map(|_| ())
                .map_err(|e| e.code()),
            2 | 3 => {
                let (prefix, n) = if rng.below(2) == 0 { ("V", 20) } else { ("P", 12) };
                core.check_in(
                    &CheckInRequest {
                        number: format!("{prefix}{:02}", 1 + rng.below(n)),
                        principals: vec![],
                        round: 1,
                    },
                    "desk",
                )
                .map(|_| ())
                .map_err(|e| e.code())
            }
            4..=6 => {
                let Some(t) = tokens.get(rng.below(tokens.len() as u64 + 1) as usize) else {
                    continue;
                };
                let marks = match rng.below(5) {
                    0 => json!({"a": "for"}),
                    1 => json!({"b": "for"}),
                    2 => json!({"a": "against", "b": "for"}),
                    3 => json!({"a": "for", "b": "for"}),
                    _ => json!({}),
                };
                core.cast(&t.to_text(), &[json!({"contest": "c", "marks": marks})])
                    .map(|_| ())
                    .map_err(|e| e.code())
            }
            7 => core
                .key_paper_with(
                    &wang,
                    "p",
                    Some(&json!({"contest": "p", "marks": if rng.below(3) == 0 { json!({"x": "for", "y": "for"}) } else { json!({"y": "for"}) }}).to_string()),
                    None,
                    "",
                )
                .map(|_| ())
                .map_err(|e| e.code()),
            8 => core
                .close_contest(if rng.below(2) == 0 { "c" } else { "p" })
                .map(|_| ())
                .map_err(|e| e.code()),
            9 => {
                let figures = Figures {
                    eligible: 12,
                    present: rng.below(13),
                    issued: 12,
                };
                let attested = core
                    .attest_with(
                        &wang,
                        &Attesting::Correction {
                            contest: "p".into(),
                            figures,
                            reason: "walk".into(),
                        },
                    )
                    .ok();
                let id = core.propose_correction(
                    "p",
                    figures,
                    "walk",
                    &Person {
                        name: "t".into(),
                        role: "teller".into(),
                    },
                    attested,
                );
                match id {
                    Ok(id) => core
                        .approve_correction(
                            id,
                            &Person {
                                name: "o".into(),
                                role: "organiser".into(),
                            },
                            None,
                        )
                        .map(|_| ())
                        .map_err(|e| e.code()),
                    Err(e) => Err(e.code()),
                }
            }
            10 => {
                let c = if rng.below(2) == 0 { "c" } else { "p" };
                match core.tally(&[c.to_string()]) {
                    Ok((r, _)) => {
                        let text = l.result_checkpoint_text(r.index).unwrap();
                        core.sign(r.index, &teller_signature_line(&text, &wang).unwrap())
                            .unwrap();
                        if rng.below(2) == 0 {
                            core.publish(r.index).map(|_| ()).map_err(|e| e.code())
                        } else {
                            Ok(())
                        }
                    }
                    Err(e) => Err(e.code()),
                }
            }
            _ => {
                exports += 1;
                let out = dir.join(format!("export-{step}"));
                l.export(&out, rng.below(2) == 0).unwrap();
                let r = verify_export(&out, &|_, _| {});
                assert!(r.ok, "seed {seed} step {step}: {r:?}");
                Ok(())
            }
        };
    }
    let out = dir.join("export-final");
    l.export(&out, true).unwrap();
    let r = verify_export(&out, &|_, _| {});
    assert!(r.ok, "seed {seed} final: {r:?}");
    assert!(exports > 0 || r.entries > 0);
    l.close().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
