//! A teller who loses its state file in the middle of the key ceremony (after its round 1 is
//! logged) abandons the attempt with a reason (`scrutineer teller run --restart`): the
//! restart is logged, every teller starts again from round 1, the ceremony completes and
//! `verify` reports the restart with its reason. The restart is refused without a reason,
//! for another attempt, under another teller's index, and once the election key is set; a
//! changed reason in a re-signed export is named by `verify`. A restart computed and not
//! uploaded leaves the teller's state whole. A bad share (re-signed by its sender) draws a
//! complaint that holds, and the attempt it ends is reported naming whose share failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::path::{Path, PathBuf};

use serde_json::Value;

use e2e_support::{edit, example, find, forge, named, teller_run_args, Cli, Teller};
use scrutineer::record::entry::{CeremonyRestart, EntryKind};

const ELECTION: &str = "hexi-county-npc-2026-d017";
const REASON: &str =
    "第二号计票人的电脑硬盘损坏, 状态文件丢失 / teller 2's disk failed and its state file is lost";

fn init(cli: &Cli) -> Vec<Teller> {
    let tellers = cli.tellers(3);
    std::fs::copy(
        example("npc-direct-constituency/spec.json"),
        cli.path("spec.json"),
    )
    .unwrap();
    cli.init_encrypted("2", &["--threshold", "2"]);
    tellers
}

/// `teller run` arguments for `t` (its own state file) on `export`, writing to `out`.
fn run_args<'a>(t: &'a Teller, export: &'a Path, out: &'a Path) -> Vec<&'a str> {
    teller_run_args(t, &t.state, export, out)
}

fn steps_of(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Round 1 of every teller is logged, then teller 2 loses its state file; answers a fresh
/// export.
fn lose_state_after_round1(cli: &Cli, tellers: &[Teller]) -> PathBuf {
    let export = cli.export();
    for t in tellers {
        let steps = cli.teller_run(t, &export).unwrap();
        cli.submit(&steps);
    }
    std::fs::remove_file(&tellers[1].state).unwrap();
    cli.export()
}

#[test]
fn a_teller_who_lost_its_state_restarts_the_ceremony_and_it_completes() {
    let cli = Cli::new("ceremony-restart");
    let tellers = init(&cli);
    let export = lose_state_after_round1(&cli, &tellers);
    let out = cli.path("restart.json");

    // Without --restart the run stops and says how to go on.
    let err = cli.fail(&run_args(&tellers[1], &export, &out));
    assert!(err.contains("--restart"), "{err}");
    assert!(!out.exists());

    // A restart needs its reason.
    let mut args = run_args(&tellers[1], &export, &out);
    args.extend(["--restart", "   "]);
    let err = cli.fail(&args);
    assert!(err.contains("ceremony_restart_reason"), "{err}");
    assert!(!out.exists());

    // With a reason: one step, the restart of attempt 1.
    let mut args = run_args(&tellers[1], &export, &out);
    args.extend(["--restart", REASON]);
    cli.ok(&args);
    let doc = steps_of(&out);
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "{doc}");
    assert_eq!(steps[0]["kind"], "ceremony_restart");
    assert_eq!(steps[0]["body"]["attempt"], 1);
    assert_eq!(steps[0]["body"]["index"], 2);
    assert_eq!(steps[0]["body"]["reason"], REASON);
    let logged = cli.submit(&out);
    assert!(logged.contains("ceremony_restart"), "{logged}");

    // The same restart again is for an attempt that is over.
    let err = cli.fail(&["ledger", "submit", "--steps", out.to_str().unwrap()]);
    assert!(err.contains("ceremony_attempt"), "{err}");

    // Every teller starts again from round 1, teller 2 with a fresh state file; the
    // ceremony completes in attempt 2.
    let fp = cli.ceremony(&tellers);
    assert_eq!(fp.len(), 39);
    let export = cli.export();
    let (code, report) = cli.verify(&export);
    assert_eq!(code, 0, "{report}");
    let restarts = report["ceremony_restarts"].as_array().unwrap();
    assert_eq!(restarts.len(), 1, "{report}");
    assert_eq!(restarts[0]["attempt"], 1);
    assert_eq!(restarts[0]["teller"], 2);
    assert_eq!(restarts[0]["reason"], REASON);
    let entries = e2e_support::read_entries(&export);
    let key: Value = entries[find(&entries, EntryKind::ElectionKeySet, 0)]
        .body_as()
        .unwrap();
    assert_eq!(key["attempt"], 2);
    let text = cli.ok(&["verify", export.to_str().unwrap()]);
    assert!(
        text.contains("abandoned by teller 2") && text.contains(REASON),
        "{text}"
    );

    // Once the key is set, no restart.
    let out2 = cli.path("restart-late.json");
    let mut args = run_args(&tellers[0], &export, &out2);
    args.extend(["--restart", "太晚了 / too late"]);
    let err = cli.fail(&args);
    assert!(err.contains("election_key_set"), "{err}");

    // A re-signed export whose restart says another reason: the teller's signature does not
    // cover it, and verify names the entry.
    let keys = cli.server_keys(ELECTION);
    let forged = cli.path("forged");
    let at = find(&entries, EntryKind::CeremonyRestart, 0);
    let r = forge(&export, &forged, ELECTION, &keys.log, |es| {
        edit(&mut es[at], |b: &mut CeremonyRestart| {
            b.reason = "计票人自愿退出 / the teller withdrew".into();
        });
    });
    let msg = named(&r, &["teller_signature"], at);
    assert!(!msg.is_empty());
}

#[test]
fn a_restart_under_another_tellers_index_is_refused() {
    let cli = Cli::new("ceremony-restart-forged");
    let tellers = init(&cli);
    let export = lose_state_after_round1(&cli, &tellers);

    // A restart computed but never uploaded costs nothing: teller 1, whose state is whole,
    // goes on with the attempt afterwards (its shares of attempt 1).
    let unsent = cli.path("restart-unsent.json");
    let mut args = run_args(&tellers[0], &export, &unsent);
    args.extend(["--restart", "试一下 / trying it"]);
    cli.ok(&args);
    let next = cli.teller_run(&tellers[0], &export).unwrap();
    let doc = steps_of(&next);
    assert_eq!(doc["steps"][0]["kind"], "ceremony_shares", "{doc}");
    assert_eq!(doc["steps"][0]["body"]["attempt"], 1, "{doc}");

    let out = cli.path("restart.json");
    let mut args = run_args(&tellers[1], &export, &out);
    args.extend(["--restart", REASON]);
    cli.ok(&args);

    // Teller 2's signed restart, claimed as teller 3's: refused at submit, nothing logged.
    let mut doc = steps_of(&out);
    doc["steps"][0]["body"]["index"] = 3.into();
    let forged = cli.path("restart-as-3.json");
    std::fs::write(&forged, doc.to_string()).unwrap();
    let before = cli.log_size();
    let err = cli.fail(&["ledger", "submit", "--steps", forged.to_str().unwrap()]);
    assert!(err.contains("teller_signature"), "{err}");
    assert_eq!(cli.log_size(), before);

    // A restart with an unknown teller index: refused.
    doc["steps"][0]["body"]["index"] = 9.into();
    std::fs::write(&forged, doc.to_string()).unwrap();
    let err = cli.fail(&["ledger", "submit", "--steps", forged.to_str().unwrap()]);
    assert!(err.contains("teller_index"), "{err}");
    assert_eq!(cli.log_size(), before);
}

/// A teller who sends another a bad share of its polynomial (re-signed, so the service logs
/// it): the recipient's tool complains, the complaint holds, the attempt ends, and the log
/// says whose share failed, in the verifier's report and on the pages. The next attempt
/// completes.
#[test]
fn a_bad_share_is_complained_of_and_the_attempt_names_its_sender() {
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;

    let cli = Cli::new("ceremony-complaint");
    let tellers = init(&cli);
    let export = cli.export();
    for t in &tellers {
        cli.submit(&cli.teller_run(t, &export).unwrap());
    }
    // Round 2: teller 1's shares, the one to teller 2 (the first) changed in its ciphertext,
    // and the entry signed again with teller 1's key.
    let export = cli.export();
    let (_, replayed) = scrutineer::verify::verify_export_replayed(&export, &|_, _| {});
    let election = replayed.unwrap().election_id;
    let out = cli.teller_run(&tellers[0], &export).unwrap();
    let mut doc = steps_of(&out);
    assert_eq!(doc["steps"][0]["kind"], "ceremony_shares", "{doc}");
    let body = &mut doc["steps"][0]["body"];
    let mut shares = BASE64.decode(body["shares"].as_str().unwrap()).unwrap();
    shares[45] ^= 1;
    let statement = scrutineer::record::entry::teller_statement(
        "ceremony_shares",
        &election,
        &body["attempt"].to_string(),
        &shares,
    );
    let signature = tellers[0]
        .signer()
        .signing_key()
        .sign(&statement)
        .to_bytes();
    body["shares"] = Value::from(BASE64.encode(&shares));
    body["signature"] = Value::from(BASE64.encode(signature));
    std::fs::write(&out, serde_json::to_vec(&doc).unwrap()).unwrap();
    cli.submit(&out);
    for t in &tellers[1..] {
        cli.submit(&cli.teller_run(t, &export).unwrap());
    }
    // Round 3: teller 2's tool finds the bad share and complains; the complaint holds.
    let export = cli.export();
    let out = cli.teller_run(&tellers[1], &export).unwrap();
    let doc = steps_of(&out);
    assert_eq!(doc["steps"][0]["kind"], "ceremony_check", "{doc}");
    assert_eq!(
        doc["steps"][0]["body"]["complaints"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{doc}"
    );
    cli.submit(&out);
    let export = cli.export();
    let (code, report) = cli.verify(&export);
    assert_eq!(code, 0, "{report}");
    let restarts = report["ceremony_restarts"].as_array().unwrap();
    assert_eq!(restarts.len(), 1, "{report}");
    assert_eq!(restarts[0]["attempt"], 1);
    assert_eq!(restarts[0]["teller"], 2, "the teller who complained");
    let reason = restarts[0]["reason"].as_str().unwrap();
    assert!(reason.contains("the share of teller 1 failed"), "{reason}");
    // Every teller starts again; the ceremony completes in attempt 2.
    let fp = cli.ceremony(&tellers);
    assert_eq!(fp.len(), 39);
    let (code, report) = cli.verify(&cli.export());
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["ceremony_restarts"].as_array().unwrap().len(), 1);
}

/// A teller whose round 1 was computed but not logged (the upload lost, or held back by the
/// server) runs again: it sends the same round-1 message, not new secrets, so the first
/// message, logged late, still matches this teller's secrets and the ceremony completes. A
/// state file whose saved round 1 is not the logged one is refused (it could not answer
/// for its commitments), and changes nothing.
#[test]
fn a_teller_run_again_before_its_round_1_is_logged_sends_the_same_round_1() {
    let cli = Cli::new("ceremony-round1-again");
    let tellers = init(&cli);
    let export = cli.export();
    let first = cli.teller_run(&tellers[0], &export).unwrap();
    let again = cli.teller_run(&tellers[0], &export).unwrap();
    let message = |p: &Path| steps_of(p)["steps"][0]["body"]["message"].clone();
    assert!(message(&first).is_string(), "{}", steps_of(&first));
    assert_eq!(message(&first), message(&again));
    // The first upload, late: every teller goes on and the key is set.
    cli.submit(&first);
    for t in &tellers[1..] {
        let steps = cli.teller_run(t, &cli.export()).unwrap();
        cli.submit(&steps);
    }
    for _ in 0..2 {
        for t in &tellers {
            if let Some(steps) = cli.teller_run(t, &cli.export()) {
                cli.submit(&steps);
            }
        }
    }
    let export = cli.export();
    let out_file = cli.path("tellers/after.json");
    let out = cli.ok(&run_args(&tellers[0], &export, &out_file));
    assert!(out.contains("the ceremony is complete"), "{out}");
}

/// The log holds a round 1 of this teller other than the one its state file saved (another
/// state file's, uploaded by someone): the tool refuses to go on with secrets that do not
/// answer for the logged commitments, and leaves the state file as it was.
#[test]
fn a_logged_round_1_other_than_the_saved_one_is_refused() {
    let cli = Cli::new("ceremony-round1-other");
    let tellers = init(&cli);
    let t = &tellers[0];
    let export = cli.export();
    let saved = cli.teller_run(t, &export).unwrap();
    let other_state = cli.path("tellers/other.state");
    let other = cli.teller_run_state(t, &other_state, &export).unwrap();
    assert_ne!(
        steps_of(&saved)["steps"][0]["body"]["message"],
        steps_of(&other)["steps"][0]["body"]["message"]
    );
    cli.submit(&other);
    let before = std::fs::read(&t.state).unwrap();
    let export = cli.export();
    let out_file = cli.path("tellers/refused.json");
    let e = cli.fail(&run_args(t, &export, &out_file));
    assert!(
        e.contains("other than the one this state file saved"),
        "{e}"
    );
    assert_eq!(std::fs::read(&t.state).unwrap(), before, "nothing recorded");
    assert!(!out_file.exists());
}
