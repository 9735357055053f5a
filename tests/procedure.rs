//! The election core (`scrutineer::procedure`) under races and partial failures: two desks
//! racing for one principal, operations of several entries written whole or not at all, and a
//! publication that carries its runoff in the same append.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::path::PathBuf;

use ed25519_dalek::SigningKey;
use serde_json::json;

use scrutineer::ledger::{teller_signature_line, Ledger, LedgerConfig, Registration};
use scrutineer::procedure::{CheckInRequest, Core};
use scrutineer::record::entry::{body_bytes, EntryKind, ResultPublished, RunoffCreated, Style};
use scrutineer::record::note::Signer;
use scrutineer::records::{Records, Voter};

fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "scrutineer-procedure-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Teller t-zhao proposes contest d's figures corrected to E 20 and P = I = `present` (a
/// mobile ballot box), signed with `teller`'s registered key (protocol 8) as the log stands:
/// the proposal's number and the signature.
fn propose_signed(
    core: &Core,
    teller: &Signer,
    present: u64,
) -> (u64, scrutineer::record::attest::Attested) {
    let figures = scrutineer::rules::conduct::Figures {
        eligible: 20,
        present,
        issued: present,
    };
    let reason = "流动票箱 mobile ballot box";
    let attested = core
        .attest_with(
            teller,
            &scrutineer::procedure::Attesting::Correction {
                contest: "d".into(),
                figures,
                reason: reason.into(),
            },
        )
        .unwrap();
    let by = scrutineer::rules::conduct::Person {
        name: "t-zhao".into(),
        role: "teller".into(),
    };
    let n = core
        .propose_correction("d", figures, reason, &by, Some(attested.clone()))
        .unwrap();
    (n, attested)
}

/// `n` voters of unit 一区, numbered V01, V02, …
fn voters(n: usize) -> Vec<Voter> {
    (1..=n)
        .map(|i| Voter {
            line: i + 1,
            name: format!("选民{i}"),
            number: format!("V{i:02}"),
            unit: "一区".into(),
            birth: "1980-01-01".into(),
            flags: vec![],
        })
        .collect()
}

/// A plaintext election of `spec` on `styles` in `dir`, with these teller keys and the
/// signatures a result needs; its ledger and its core.
fn register(
    dir: &std::path::Path,
    spec: &serde_json::Value,
    styles: Vec<Style>,
    (tellers, signatures_required): (&[&Signer], u32),
) -> (Ledger, Core) {
    let l = Ledger::register(
        LedgerConfig::new(dir.join("data"), dir.join("keys")),
        Registration {
            spec: spec.to_string().into_bytes(),
            styles: Some(styles),
            tellers: tellers
                .iter()
                .map(|t| t.verifier().unwrap().to_text())
                .collect(),
            signatures_required,
            pool_spare_percent: 5,
            secrecy: scrutineer::record::entry::Secrecy::Plaintext {
                reason: "a test of plaintext ballots".into(),
            },
        },
    )
    .unwrap();
    let core = Core::new(l.clone(), Records::open(&dir.join("data")).unwrap());
    (l, core)
}

fn core(name: &str, seats: u32, teller: &Signer) -> (PathBuf, Core) {
    core_with_tellers(name, seats, &[teller], 1)
}

fn core_with_tellers(
    name: &str,
    seats: u32,
    tellers: &[&Signer],
    signatures_required: u32,
) -> (PathBuf, Core) {
    let dir = temp(name);
    let spec = json!({"format": "scrutineer.election/v1", "id": "core-2026", "contests": [
        {"id": "d", "kind": "npc_direct", "seats": seats,
         "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
         "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}}]});
    let style = Style {
        round: 1,
        contests: vec!["d".into()],
        title: String::new(),
        unit: "一区".into(),
        group: String::new(),
    };
    let (_, core) = register(&dir, &spec, vec![style], (tellers, signatures_required));
    let roll = voters(20);
    core.set_roll(&roll).unwrap();
    (dir, core)
}

fn check_in(core: &Core, number: &str, principals: &[&str]) -> Result<u64, String> {
    core.check_in(
        &CheckInRequest {
            number: number.into(),
            principals: principals.iter().map(|p| p.to_string()).collect(),
            round: 1,
        },
        "desk",
    )
    .map(|c| c.slips)
    .map_err(|e| e.code().to_string())
}

#[test]
fn two_desks_racing_for_one_principal_hand_out_one_proxy_slip() {
    // EL Art. 42: a principal is carried by one proxy. Two desks check in V01 and V02 at the
    // same moment, each claiming to carry V03: exactly one wins, the other changes nothing.
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let (dir, core) = core("race", 1, &teller);
    for round in 0..20 {
        let a = format!("V{:02}", 1 + (round % 5) * 3);
        let b = format!("V{:02}", 2 + (round % 5) * 3);
        let p = format!("V{:02}", 3 + (round % 5) * 3);
        if round >= 5 {
            break;
        }
        let results: Vec<Result<u64, String>> = std::thread::scope(|s| {
            let h1 = s.spawn(|| check_in(&core, &a, &[&p]));
            let h2 = s.spawn(|| check_in(&core, &b, &[&p]));
            vec![h1.join().unwrap(), h2.join().unwrap()]
        });
        let won: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
        assert_eq!(won.len(), 1, "round {round}: {results:?}");
        assert!(
            results
                .iter()
                .any(|r| r.as_ref().err().map(String::as_str) == Some("already_checked_in")),
            "{results:?}"
        );
        // The loser's voter is not half checked in: they can still come with no proxy.
        let loser = if results[0].is_ok() { &b } else { &a };
        assert_eq!(check_in(&core, loser, &[]), Ok(1));
    }
    // 15 voters checked in, 15 slips: never a slip for a principal carried twice.
    let f = core.style_figures(0).unwrap();
    assert_eq!((f.present, f.issued), (15, 15));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn entries_that_belong_together_are_written_whole_or_not_at_all() {
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let (dir, core) = core("whole", 1, &teller);
    let l = &core.ledger;
    let size = |l: &Ledger| l.read(|s| s.tree.size()).unwrap();
    let before = size(l);
    // The second entry is refused (a contest that does not exist): the first is not written.
    let e = l
        .append_all(vec![
            (
                EntryKind::ContestOpened,
                body_bytes(&json!({"contest": "d"})),
            ),
            (
                EntryKind::ContestOpened,
                body_bytes(&json!({"contest": "nope"})),
            ),
        ])
        .unwrap_err();
    assert_eq!(e.code(), "unknown_contest");
    assert_eq!(size(l), before);
    assert_eq!(
        l.read(|s| s.state.conduct().unwrap().phase("d")).unwrap(),
        Some(scrutineer::rules::conduct::Phase::Draft)
    );
    // A close whose desk count says more are eligible than the roll holds: nothing of the
    // close is written, the contest stays open.
    core.open_contest("d").unwrap();
    let before = size(l);
    let e = l
        .close_contest(
            "d",
            &[(
                0,
                scrutineer::rules::conduct::Figures {
                    eligible: 21,
                    present: 1,
                    issued: 1,
                },
            )],
        )
        .unwrap_err();
    assert_eq!(e.code(), "desk_eligible_mismatch");
    assert_eq!(size(l), before);
    assert_eq!(
        l.read(|s| s.state.conduct().unwrap().phase("d")).unwrap(),
        Some(scrutineer::rules::conduct::Phase::Open)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_publication_and_its_runoff_are_one_append() {
    // npc_direct, 1 seat: a 2:2 tie with a blank ballot leaves nobody above half (EL Art. 45),
    // so the result proposes a runoff between a and b.
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let (dir, core) = core("publish", 1, &teller);
    let l = core.ledger.clone();
    let pool = core.print_pool(0, Some(6), None).unwrap();
    core.open_contest("d").unwrap();
    for i in 1..=5 {
        check_in(&core, &format!("V{i:02}"), &[]).unwrap();
    }
    for (i, t) in pool.tokens.iter().take(5).enumerate() {
        let marks = match i {
            0 | 1 => json!({"a": "for"}),
            2 | 3 => json!({"b": "for"}),
            _ => json!({}),
        };
        core.cast(&t.to_text(), &[json!({"contest": "d", "marks": marks})])
            .unwrap();
    }
    // Quorum: 5 of 20 is not more than half: the round is invalid, no runoff. Check in more.
    for i in 6..=15 {
        check_in(&core, &format!("V{i:02}"), &[]).unwrap();
    }
    core.close_contest("d").unwrap();
    let (r, result) = core.tally(&["d".into()]).unwrap();
    assert_eq!(
        result["contests"][0]["runoff"]["candidates"],
        json!(["a", "b"]),
        "{result}"
    );
    let text = l.result_checkpoint_text(r.index).unwrap();
    core.sign(r.index, &teller_signature_line(&text, &teller).unwrap())
        .unwrap();
    // A publication whose group fails (here: a runoff that names a contest that does not
    // exist) writes nothing, so the result is not left published without its runoff.
    let before = l.read(|s| s.tree.size()).unwrap();
    let bad = RunoffCreated {
        parent: "nope".into(),
        contest: json!({"id": "x"}),
        style: Style {
            round: 2,
            contests: vec!["x".into()],
            title: String::new(),
            unit: "一区".into(),
            group: String::new(),
        },
        more_styles: Vec::new(),
    };
    assert!(l
        .append_all(vec![
            (
                EntryKind::ResultPublished,
                body_bytes(&ResultPublished {
                    result_index: r.index
                })
            ),
            (EntryKind::RunoffCreated, body_bytes(&bad)),
        ])
        .is_err());
    assert_eq!(l.read(|s| s.tree.size()).unwrap(), before);
    assert!(!core.is_published(r.index).unwrap());
    // The retry publishes, and the runoff comes in the same append, right after it.
    let p = core.publish(r.index).unwrap();
    assert_eq!(p.runoffs, vec!["d-r1".to_string()]);
    let kinds: Vec<EntryKind> = (before..before + 2)
        .map(|i| l.entry(i).unwrap().kind)
        .collect();
    assert_eq!(
        kinds,
        vec![EntryKind::ResultPublished, EntryKind::RunoffCreated]
    );
    // Publishing again is refused and writes nothing.
    let size = l.read(|s| s.tree.size()).unwrap();
    assert_eq!(
        core.publish(r.index).unwrap_err().code(),
        "already_published"
    );
    assert_eq!(l.read(|s| s.tree.size()).unwrap(), size);
    let _ = std::fs::remove_dir_all(dir);
}

/// A tallied result of contest `d` with a few ballots, ready for signatures.
fn tallied(core: &Core) -> u64 {
    let pool = core.print_pool(0, Some(4), None).unwrap();
    core.open_contest("d").unwrap();
    for i in 1..=3 {
        check_in(core, &format!("V{i:02}"), &[]).unwrap();
    }
    for t in pool.tokens.iter().take(3) {
        core.cast(
            &t.to_text(),
            &[json!({"contest": "d", "marks": {"a": "for"}})],
        )
        .unwrap();
    }
    core.close_contest("d").unwrap();
    core.tally(&["d".into()]).unwrap().0.index
}

#[test]
fn one_account_signing_with_two_keys_at_once_supplies_one_signature() {
    // One person, one signature: an account that hands in two teller keys' lines at the same
    // moment gets one accepted and the other refused (key_not_yours), never both.
    let keys: Vec<Signer> = (0..10u8)
        .map(|i| {
            Signer::new(
                &format!("teller-{i}"),
                SigningKey::from_bytes(&[40 + i; 32]),
            )
            .unwrap()
        })
        .collect();
    let (dir, core) = core_with_tellers("sign-race", 1, &keys.iter().collect::<Vec<_>>(), 10);
    let index = tallied(&core);
    let text = core.ledger.result_checkpoint_text(index).unwrap();
    // Each round: a fresh account and two fresh keys, the two lines sent at once.
    for (round, pair) in keys.chunks(2).enumerate() {
        let account = format!("account-{round}");
        let lines: Vec<String> = pair
            .iter()
            .map(|k| teller_signature_line(&text, k).unwrap())
            .collect();
        let start = std::sync::Barrier::new(2);
        let results: Vec<Result<u64, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = lines
                .iter()
                .map(|line| {
                    s.spawn(|| {
                        start.wait();
                        core.sign_as(index, line, &account)
                            .map(|a| a.index)
                            .map_err(|e| e.code().to_string())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        assert!(
            results
                .iter()
                .any(|r| r.as_ref().err().map(String::as_str) == Some("key_not_yours")),
            "round {round}: {results:?}"
        );
    }
    // Five accounts, five signatures in the log: none supplied two.
    let size = core.ledger.read(|s| s.tree.size()).unwrap();
    let signed = (index + 1..size)
        .filter(|i| core.ledger.entry(*i).unwrap().kind == EntryKind::TellerSignature)
        .count();
    assert_eq!(signed, keys.len() / 2);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_refused_signature_binds_no_key_to_the_account() {
    // The bindings are reserved before the append; a refused append withdraws them, so a
    // teller whose line was refused is not bound to that key, nor the key to them.
    let wang = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let li = Signer::new("teller-li", SigningKey::from_bytes(&[8u8; 32])).unwrap();
    let (dir, core) = core_with_tellers("sign-refused", 1, &[&wang, &li], 2);
    let index = tallied(&core);
    let text = core.ledger.result_checkpoint_text(index).unwrap();
    let line = teller_signature_line(&text, &wang).unwrap();
    // A line for another result: the ledger refuses it (no result there).
    let err = core.sign_as(index + 1, &line, "account-li").unwrap_err();
    assert_ne!(err.code().to_string(), "key_not_yours", "{err}");
    assert_eq!(
        core.records
            .setting("teller_key:account-li")
            .unwrap()
            .as_deref()
            .filter(|v| !v.is_empty()),
        None
    );
    // The key's owner signs with it, and the account that was refused signs with its own.
    core.sign_as(index, &line, "account-wang").unwrap();
    core.sign_as(
        index,
        &teller_signature_line(&text, &li).unwrap(),
        "account-li",
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// A correction approved while a tally counts waits for the result (the ledger's counting
/// lock) and is then refused, the contest being counted: the result stands on the figures it
/// was counted from, and the log verifies. Before, the correction landed between the count
/// and the result's append, and the verifier's recount at the result's index (with the
/// corrected figures) refused an honest log for good.
#[test]
fn a_correction_racing_a_tally_waits_for_the_result() {
    use scrutineer::rules::conduct::Person;
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let (dir, core) = core("tally-race", 1, &teller);
    let pool = core.print_pool(0, Some(4), None).unwrap();
    core.open_contest("d").unwrap();
    for i in 1..=3 {
        check_in(&core, &format!("V{i:02}"), &[]).unwrap();
    }
    for t in pool.tokens.iter().take(3) {
        core.cast(
            &t.to_text(),
            &[json!({"contest": "d", "marks": {"a": "for"}})],
        )
        .unwrap();
    }
    core.close_contest("d").unwrap();
    let (n, _) = propose_signed(&core, &teller, 4);
    let organiser = Person {
        name: "o-sun".into(),
        role: "organiser".into(),
    };
    let (approved, tallied) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut approval = None;
        let tallied = core.ledger.tally_pausing(&["d".into()], || {
            // Between the count and its result's append, a second person approves.
            let tx = tx.clone();
            let organiser = &organiser;
            let core = &core;
            approval = Some(scope.spawn(move || {
                let r = core.approve_correction(n, organiser, None);
                let _ = tx.send(());
                r
            }));
            let _ = rx.recv_timeout(std::time::Duration::from_millis(500));
        });
        (approval.unwrap().join().unwrap(), tallied)
    });
    tallied.unwrap();
    assert_eq!(
        approved.map(|a| a.index).map_err(|e| e.code().to_string()),
        Err("correction_out_of_order".to_string()),
        "the correction did not wait for the result"
    );
    verifies(&dir, &core.ledger);
    let _ = std::fs::remove_dir_all(dir);
}

/// Contests d and e on one round-1 ballot (npc, 1 seat each), with `extra` spec contests on
/// `extra_styles`; 15 of 20 voters check in and 5 vote a 2:2 tie with a blank in both, so
/// both results call for a runoff of a and b; counted and signed. Answers the result's index.
fn tied_pair(name: &str, extra: &[&str], extra_styles: Vec<Style>) -> (PathBuf, Core, Ledger, u64) {
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let dir = temp(name);
    let cands = json!([{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}]);
    let contest = |id: &str| {
        json!({"id": id, "kind": "npc_direct", "seats": 1, "candidates": cands,
               "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}})
    };
    let contests: Vec<serde_json::Value> = ["d", "e"]
        .iter()
        .chain(extra)
        .map(|id| contest(id))
        .collect();
    let spec = json!({"format": "scrutineer.election/v1", "id": "core-2026", "contests": contests});
    let mut styles = vec![Style {
        round: 1,
        contests: vec!["d".into(), "e".into()],
        title: String::new(),
        unit: "一区".into(),
        group: String::new(),
    }];
    styles.extend(extra_styles);
    let (l, core) = register(&dir, &spec, styles, (&[&teller], 1));
    let roll = voters(20);
    core.set_roll(&roll).unwrap();
    let pool = core.print_pool(0, Some(15), None).unwrap();
    core.open_contest("d").unwrap();
    core.open_contest("e").unwrap();
    for i in 1..=15 {
        check_in(&core, &format!("V{i:02}"), &[]).unwrap();
    }
    // 2:2 and a blank in both: nobody above half of those voting, a runoff of a and b each.
    for (i, t) in pool.tokens.iter().take(5).enumerate() {
        let marks = match i {
            0 | 1 => json!({"a": "for"}),
            2 | 3 => json!({"b": "for"}),
            _ => json!({}),
        };
        core.cast(
            &t.to_text(),
            &[
                json!({"contest": "d", "marks": marks}),
                json!({"contest": "e", "marks": marks}),
            ],
        )
        .unwrap();
    }
    core.close_contest("d").unwrap();
    core.close_contest("e").unwrap();
    let (r, _) = core.tally(&["d".into(), "e".into()]).unwrap();
    let text = l.result_checkpoint_text(r.index).unwrap();
    core.sign(r.index, &teller_signature_line(&text, &teller).unwrap())
        .unwrap();
    (dir, core, l, r.index)
}

/// The export of `l` verifies.
fn verifies(dir: &std::path::Path, l: &Ledger) {
    let out = dir.join("export");
    l.export(&out, true).unwrap();
    let report = scrutineer::verify::verify_export(&out, &|_, _| {});
    assert!(report.ok, "{report:?}");
}

/// Two contests of one ballot whose results both call for a runoff, published together: from
/// conduct protocol 7 each runoff is a round of its own (rounds 2 and 3, the same unit), so
/// the desk checks voters in for each and each has its own figures; the log verifies (the
/// verifier builds each runoff with the styles before it, as the publication did).
#[test]
fn two_runoffs_of_one_publication_are_two_rounds() {
    let (dir, core, l, result) = tied_pair("two-runoffs", &[], Vec::new());
    let p = core.publish(result).unwrap();
    assert_eq!(p.runoffs, vec!["d-r1".to_string(), "e-r1".to_string()]);
    let styles = l.read(|s| s.state.info().unwrap().styles.clone()).unwrap();
    let rounds: Vec<(u8, &str, &str)> = styles
        .iter()
        .map(|s| (s.round, s.unit.as_str(), s.contests[0].as_str()))
        .collect();
    assert_eq!(
        rounds,
        vec![(1, "一区", "d"), (2, "一区", "d-r1"), (3, "一区", "e-r1")]
    );
    verifies(&dir, &l);
    // What /healthz reads: a closed ledger's sequencer no longer takes appends.
    assert!(l.sequencer_running());
    l.close().unwrap();
    assert!(!l.sequencer_running());
    let _ = std::fs::remove_dir_all(dir);
}

/// A publication whose second runoff the rules refuse (no round number left: a style of
/// round 254 leaves d's runoff round 255 and none for e's) publishes the first and reports
/// the second blocked; `verify` owes the first only (protocol 11: it tries each as the
/// service does), so the log verifies (`tests/forgery.rs` drops an owed runoff).
#[test]
fn a_runoff_the_rules_refuse_is_reported_and_not_owed() {
    let last = Style {
        round: 254,
        contests: vec!["x".into()],
        title: String::new(),
        unit: "二区".into(),
        group: String::new(),
    };
    let (dir, core, l, result) = tied_pair("blocked-runoff", &["x"], vec![last]);
    let p = core.publish(result).unwrap();
    assert_eq!(p.runoffs, vec!["d-r1".to_string()], "{:?}", p.blocked);
    assert_eq!(p.blocked.len(), 1, "{:?}", p.blocked);
    assert_eq!(p.blocked[0]["contest"], "e", "{:?}", p.blocked);
    assert_eq!(p.blocked[0]["code"], "rounds_exhausted", "{:?}", p.blocked);
    verifies(&dir, &l);
    let _ = std::fs::remove_dir_all(dir);
}

/// A publication whose first runoff was refused (its id, "d-r1", a contest of the spec)
/// still published the second, built from the styles of the runoffs accepted before it
/// only: from protocol 7 a runoff's round follows every style's, and one built as if the
/// refused one had been appended was a round too far, which the verifier refused for good.
/// Since protocol 11 that id is the runoff's alone (`contest_id_reserved`): a contest
/// registered under it took the runoff's place, which then nothing owed (a review of
/// 2026-12-05). The registration is refused, so that refusal cannot happen any more.
#[test]
fn a_contest_under_a_runoffs_id_is_refused_at_registration() {
    let dir = temp("runoff-id");
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let contest = |id: &str| {
        json!({"id": id, "kind": "npc_direct", "seats": 1,
               "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
               "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}})
    };
    let spec = json!({"format": "scrutineer.election/v1", "id": "core-2026",
                      "contests": [contest("d"), contest("d-r1")]});
    let style = |round: u8, c: &str| Style {
        round,
        contests: vec![c.into()],
        title: String::new(),
        unit: "一区".into(),
        group: String::new(),
    };
    let err = Ledger::register(
        LedgerConfig::new(dir.join("data"), dir.join("keys")),
        Registration {
            spec: spec.to_string().into_bytes(),
            styles: Some(vec![style(1, "d"), style(2, "d-r1")]),
            tellers: vec![teller.verifier().unwrap().to_text()],
            signatures_required: 1,
            pool_spare_percent: 5,
            secrecy: scrutineer::record::entry::Secrecy::Plaintext {
                reason: "a test of plaintext ballots".into(),
            },
        },
    )
    .err()
    .expect("a contest under a runoff's id is refused");
    assert_eq!(err.code(), "contest_id_reserved", "{err}");
    assert!(err.to_string().contains("d-r1"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// An approval is logged first and its proposal removed after: a crash between the two leaves
/// a proposal whose correction is already logged. Approving it again is refused
/// (`correction_logged`), takes the proposal off, and logs nothing twice.
#[test]
fn a_correction_logged_before_a_crash_is_not_logged_twice() {
    use scrutineer::ledger::person;
    use scrutineer::record::entry::TurnoutCorrected;
    use scrutineer::rules::conduct::Person;
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let (dir, core) = core("correction-twice", 1, &teller);
    core.print_pool(0, Some(4), None).unwrap();
    core.open_contest("d").unwrap();
    check_in(&core, "V01", &[]).unwrap();
    core.close_contest("d").unwrap();
    let (n, attested) = propose_signed(&core, &teller, 2);
    // What the approval logs, written as it was before the crash; the proposal stays.
    core.ledger
        .correct_figures(TurnoutCorrected {
            contest: "d".into(),
            eligible: 20,
            present: 2,
            ballots_issued: 2,
            reason: "流动票箱 mobile ballot box".into(),
            proposed_by: person("t-zhao", "teller"),
            approved_by: person("o-sun", "organiser"),
            attested: Some(attested),
        })
        .unwrap();
    let size = core.ledger.read(|s| s.tree.size()).unwrap();
    let again = core.approve_correction(
        n,
        &Person {
            name: "o-sun".into(),
            role: "organiser".into(),
        },
        None,
    );
    assert_eq!(again.unwrap_err().code(), "correction_logged");
    assert_eq!(core.ledger.read(|s| s.tree.size()).unwrap(), size);
    assert!(core.records.proposal(n).unwrap().is_none());
    let _ = std::fs::remove_dir_all(dir);
}

/// A contest on two ballot styles (units 一区 and 二区, each with its own ballot), whose result
/// calls for a runoff: from conduct protocol 9 the runoff is on a style for each unit (before,
/// the first style's unit only, and the second unit's voters had no ballot in it), each unit's
/// voters check in for it and vote, and the log verifies; a log whose runoff leaves a unit out
/// is not the runoff the result proposes.
#[test]
fn a_runoff_of_a_contest_over_two_units_is_voted_in_both() {
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let dir = temp("two-unit-runoff");
    let spec = json!({"format": "scrutineer.election/v1", "id": "units-2026", "contests": [
        {"id": "d", "kind": "npc_direct", "seats": 1,
         "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
         "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}}]});
    let style = |unit: &str| Style {
        round: 1,
        contests: vec!["d".into()],
        title: String::new(),
        unit: unit.into(),
        group: String::new(),
    };
    let (l, core) = register(
        &dir,
        &spec,
        vec![style("一区"), style("二区")],
        (&[&teller], 1),
    );
    let voter = |unit: &str, prefix: &str, i: usize| Voter {
        line: i + 1,
        name: format!("选民{prefix}{i}"),
        number: format!("{prefix}{i:02}"),
        unit: unit.into(),
        birth: "1980-01-01".into(),
        flags: vec![],
    };
    let roll: Vec<Voter> = (1..=10)
        .map(|i| voter("一区", "V", i))
        .chain((1..=10).map(|i| voter("二区", "W", i + 10)))
        .collect();
    core.set_roll(&roll).unwrap();
    let check = |number: String, round: u8| {
        core.check_in(
            &CheckInRequest {
                number,
                principals: vec![],
                round,
            },
            "desk",
        )
        .map_err(|e| e.code().to_string())
    };
    let one = core.print_pool(0, Some(8), None).unwrap();
    let two = core.print_pool(1, Some(8), None).unwrap();
    core.open_contest("d").unwrap();
    for i in 1..=8 {
        check(format!("V{i:02}"), 1).unwrap();
        check(format!("W{:02}", i + 10), 1).unwrap();
    }
    // 2:2 and a blank: nobody above half of those voting, a runoff of a and b.
    let marks = [
        json!({"a": "for"}),
        json!({"b": "for"}),
        json!({"a": "for"}),
        json!({"b": "for"}),
        json!({}),
    ];
    for (i, m) in marks.iter().enumerate() {
        let t = if i % 2 == 0 {
            &one.tokens[i]
        } else {
            &two.tokens[i]
        };
        core.cast(&t.to_text(), &[json!({"contest": "d", "marks": m})])
            .unwrap();
    }
    core.close_contest("d").unwrap();
    let (r, _) = core.tally(&["d".into()]).unwrap();
    let text = l.result_checkpoint_text(r.index).unwrap();
    core.sign(r.index, &teller_signature_line(&text, &teller).unwrap())
        .unwrap();
    let p = core.publish(r.index).unwrap();
    assert_eq!(p.runoffs, vec!["d-r1".to_string()], "{:?}", p.blocked);
    let styles = l.read(|s| s.state.info().unwrap().styles.clone()).unwrap();
    let rounds: Vec<(u8, &str, &str)> = styles
        .iter()
        .map(|s| (s.round, s.unit.as_str(), s.contests[0].as_str()))
        .collect();
    assert_eq!(
        rounds,
        vec![
            (1, "一区", "d"),
            (1, "二区", "d"),
            (2, "一区", "d-r1"),
            (2, "二区", "d-r1")
        ]
    );
    // Both units' voters are checked in for the runoff and vote in it.
    let one = core.print_pool(2, Some(3), None).unwrap();
    let two = core.print_pool(3, Some(3), None).unwrap();
    core.open_contest("d-r1").unwrap();
    for i in 1..=3 {
        check(format!("V{i:02}"), 2).unwrap();
        check(format!("W{:02}", i + 10), 2).unwrap();
    }
    core.cast(
        &one.tokens[0].to_text(),
        &[json!({"contest": "d-r1", "marks": {"a": "for"}})],
    )
    .unwrap();
    core.cast(
        &two.tokens[0].to_text(),
        &[json!({"contest": "d-r1", "marks": {"a": "for"}})],
    )
    .unwrap();
    // The close sums the desk's figures of both styles.
    let closed = core.close_contest("d-r1").unwrap();
    assert_eq!(
        (closed.figures.eligible, closed.figures.present),
        (20, 6),
        "{closed:?}"
    );
    let out = dir.join("export");
    l.export(&out, true).unwrap();
    let report = scrutineer::verify::verify_export(&out, &|_, _| {});
    assert!(report.ok, "{report:?}");
    // The runoff with the second unit left out (as before protocol 9) is not the one the
    // result proposes.
    let keys = scrutineer::ledger::keys::load_or_create(
        &dir.join("keys"),
        &scrutineer::record::entry::origin("units-2026"),
    )
    .unwrap()
    .log;
    let at = e2e_support::read_entries(&out)
        .iter()
        .position(|e| e.kind == EntryKind::RunoffCreated)
        .unwrap();
    let forged = e2e_support::forge(&out, &dir.join("forged"), "units-2026", &keys, |es| {
        let mut b: RunoffCreated = serde_json::from_slice(&es[at].body).unwrap();
        assert_eq!(b.more_styles.len(), 1);
        b.more_styles.clear();
        es[at].body = body_bytes(&b);
    });
    e2e_support::named(&forged, &["round_contest"], at);
    let _ = std::fs::remove_dir_all(dir);
}

/// Protocol 11: a keying that makes a double-entry sheet's keyings agree is appended with the
/// sheet's paper ballot. The service's check before the append holds it to that, as `verify`
/// does: the agreeing keying alone (a caller that decided on a state another keying changed)
/// is refused and logs nothing; with its ballot it goes in.
#[test]
fn an_agreeing_keying_without_its_paper_ballot_is_refused() {
    use scrutineer::procedure::Attesting;
    use scrutineer::record::attest::KeyedBy;
    let dir = temp("keyed-alone");
    let wang = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let li = Signer::new("teller-li", SigningKey::from_bytes(&[8u8; 32])).unwrap();
    let spec = json!({"format": "scrutineer.election/v1", "id": "core-2026", "contests": [
        {"id": "p", "kind": "npc_direct", "seats": 1, "mode": "paper", "paper_entry": "double",
         "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
         "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}}]});
    let style = Style {
        round: 1,
        contests: vec!["p".into()],
        title: String::new(),
        unit: "一区".into(),
        group: String::new(),
    };
    let (l, core) = register(&dir, &spec, vec![style], (&[&wang, &li], 1));
    let roll = voters(5);
    core.set_roll(&roll).unwrap();
    core.open_contest("p").unwrap();
    for i in 1..=3 {
        check_in(&core, &format!("V{i:02}"), &[]).unwrap();
    }
    let keyed = json!({"contest": "p", "marks": {"a": "for"}}).to_string();
    core.key_paper_with(&wang, "p", Some(&keyed), Some(1), "teller-wang")
        .unwrap();
    let attested = core
        .attest_with(
            &li,
            &Attesting::Paper {
                contest: "p".into(),
                sheet: Some(1),
                keyed: Some(keyed.clone()),
            },
        )
        .unwrap();
    let by = KeyedBy {
        keyed: Some(keyed.clone()),
        attested: Some(attested),
    };
    let ballot: serde_json::Value = serde_json::from_str(&keyed).unwrap();
    let size = l.read(|s| s.tree.size()).unwrap();
    let err = l
        .key_paper_ballot("p", 1, "teller-li", Some(ballot.clone()), false, by.clone())
        .unwrap_err();
    assert_eq!(err.code(), "group_incomplete", "{err}");
    assert_eq!(l.read(|s| s.tree.size()).unwrap(), size, "nothing logged");
    let appended = l
        .key_paper_ballot("p", 1, "teller-li", Some(ballot), true, by)
        .unwrap();
    assert_eq!(appended.len(), 2);
    let _ = std::fs::remove_dir_all(dir);
}

/// Protocol 11: a procedure's step whose next round is held as a contest is appended with that
/// contest. The service's check before the append holds it to that, as `verify` does: the
/// step alone (here the interview, whose next round is the evaluation's contest) is refused
/// and logs nothing.
#[test]
fn a_procedure_step_without_its_next_rounds_contest_is_refused() {
    use scrutineer::procedure::StepRequest;
    use scrutineer::record::procedure::ProcedureStep;
    let dir = temp("step-alone");
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let spec = json!({"format": "scrutineer.election/v1", "id": "core-2026", "contests": [],
        "procedures": [{"id": "gtzx", "title": "公推直选", "posts": 1, "rounds": [
            {"id": "qualify", "kind": "qualification", "title": "资格审查", "ratio": "3"},
            {"id": "interview", "kind": "interview", "title": "面试", "ratio": "3"},
            {"id": "evaluate", "kind": "evaluation", "title": "民主测评",
             "contest": {"id": "kaocha", "title": "民主测评", "kind": "evaluation", "scale": "individual"}},
            {"id": "elect", "kind": "election", "title": "直接选举",
             "contest": {"id": "xuanju", "title": "直接选举", "kind": "party_secretary"}}]}]});
    let (l, core) = register(&dir, &spec, Vec::new(), (&[&teller], 1));
    let req = |v: serde_json::Value| -> StepRequest { serde_json::from_value(v).unwrap() };
    core.procedure_step(
        "gtzx",
        &req(json!({"round": "qualify", "basis": "资格审查", "people": [
            {"id": "a", "name": "王建国"}, {"id": "b", "name": "李秀英"},
            {"id": "c", "name": "张伟"}, {"id": "d", "name": "刘洋"}]})),
    )
    .unwrap();
    l.close().unwrap();
    drop((l, core));
    // The same log, twice: one takes the interview through the service (the step and the
    // evaluation's contest), the other is offered the step alone.
    let copy = temp("step-alone-copy");
    let o = std::process::Command::new("cp")
        .args(["-a"])
        .arg(dir.join("data"))
        .arg(dir.join("keys"))
        .arg(&copy)
        .output()
        .unwrap();
    assert!(o.status.success());
    let l = Ledger::open_existing(LedgerConfig::new(dir.join("data"), dir.join("keys"))).unwrap();
    let core = Core::new(l.clone(), Records::open(&dir.join("data")).unwrap());
    let (appended, _) = core
        .procedure_step(
            "gtzx",
            &req(json!({"round": "interview", "basis": "面试",
                "scores": [["a", "88.5"], ["b", "91"], ["c", "79"], ["d", "85"]]})),
        )
        .unwrap();
    assert_eq!(appended.len(), 2, "the step and the evaluation's contest");
    let step: ProcedureStep = l.entry(appended[0].index).unwrap().body_as().unwrap();
    l.close().unwrap();
    let l2 =
        Ledger::open_existing(LedgerConfig::new(copy.join("data"), copy.join("keys"))).unwrap();
    let size = l2.read(|s| s.tree.size()).unwrap();
    let err = l2.procedure_step(step, None).unwrap_err();
    assert_eq!(err.code(), "group_incomplete", "{err}");
    assert_eq!(l2.read(|s| s.tree.size()).unwrap(), size, "nothing logged");
    l2.close().unwrap();
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(copy);
}
