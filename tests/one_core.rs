//! One election core: the same election run through the command line and through HTTP writes
//! the same entries (kinds, in order, and the same figures), because both call
//! `scrutineer::procedure` and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use service::Server;

use scrutineer::record::entry::{Entry, EntryKind};
use scrutineer::record::segment::frames;

fn cli(dir: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn entries(export: &Path) -> Vec<Entry> {
    let mut segs: Vec<_> = std::fs::read_dir(export.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    segs.sort();
    segs.iter()
        .flat_map(|s| {
            let bytes = std::fs::read(s).unwrap();
            let (found, _) = frames(&bytes);
            found
                .iter()
                .map(|f| Entry::decode(f.entry).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

const ROLL: usize = 10;
const BALLOTS: [&str; 3] = [
    r#"{"contest":"d017","marks":{"n1":"for","n2":"for"}}"#,
    r#"{"contest":"d017","marks":{"n1":"for","n3":"against"}}"#,
    r#"{"contest":"d017","marks":{"n2":"for"}}"#,
];

fn roll_csv() -> String {
    service::roll_csv("第十七选区", "V", ROLL)
}

fn spec() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/npc-direct-constituency/spec.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

fn through_the_cli(dir: &Path) -> Vec<Entry> {
    let tellers = cli(
        dir,
        &[
            "teller",
            "keygen",
            "--name",
            "teller-wang",
            "--out",
            "wang.key",
        ],
    );
    std::fs::write(dir.join("tellers.txt"), tellers).unwrap();
    std::fs::write(dir.join("spec.json"), spec().to_string()).unwrap();
    std::fs::write(dir.join("roll.csv"), roll_csv()).unwrap();
    cli(
        dir,
        &[
            "ledger",
            "init",
            "--spec",
            "spec.json",
            "--tellers",
            "tellers.txt",
            "--signatures-required",
            "1",
            "--election-date",
            "2026-12-01",
            "--plaintext-reason",
            "a test of plaintext ballots",
        ],
    );
    cli(dir, &["ledger", "roll", "--csv", "roll.csv"]);
    cli(dir, &["accounts", "add", "t-zhao", "--role", "teller"]);
    cli(
        dir,
        &[
            "ledger",
            "pool",
            "--style",
            "0",
            "--count",
            "6",
            "--sheet",
            "s.html",
            "--tokens-out",
            "t.txt",
        ],
    );
    let tokens: Vec<String> = std::fs::read_to_string(dir.join("t.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    cli(dir, &["ledger", "open", "d017"]);
    // A slip spoiled at the desk: one more printed, with its reason, after voting started.
    let refused = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args([
            "ledger", "pool", "--style", "0", "--count", "1", "--sheet", "s2.html",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("[pool_reason_missing]"));
    cli(
        dir,
        &[
            "ledger",
            "pool",
            "--style",
            "0",
            "--count",
            "1",
            "--sheet",
            "s2.html",
            "--reason",
            "一张选票码污损 a slip was spoiled",
        ],
    );
    cli(dir, &["ledger", "checkin", "V0001", "--principal", "V0002"]);
    cli(dir, &["ledger", "checkin", "V0003"]);
    for (t, b) in tokens.iter().zip(BALLOTS) {
        cli(dir, &["ledger", "cast", "--token", t, "--ballot", b]);
    }
    cli(dir, &["ledger", "close", "d017", "--by", "t-zhao"]);
    let proposed = cli(
        dir,
        &[
            "ledger",
            "correct",
            "--contest",
            "d017",
            "--eligible",
            "10",
            "--present",
            "4",
            "--issued",
            "4",
            "--reason",
            "流动票箱 mobile box",
            "--by",
            "t-zhao",
            "--teller-key",
            "wang.key",
        ],
    );
    let n: String = proposed
        .split("correction ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    // The organiser account the service created at its first start has no CLI twin here:
    // create one of that role.
    cli(
        dir,
        &["accounts", "add", "organiser", "--role", "organiser"],
    );
    cli(dir, &["ledger", "approve", &n, "--by", "organiser"]);
    let tally = cli(dir, &["ledger", "tally", "--contest", "d017"]);
    let result = tally
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    cli(
        dir,
        &[
            "ledger",
            "sign",
            "--result",
            &result,
            "--teller-key",
            "wang.key",
        ],
    );
    cli(dir, &["ledger", "publish", &result]);
    cli(dir, &["ledger", "export", "audit"]);
    entries(&dir.join("audit"))
}

fn through_http(s: &Server, dir: &Path) -> Vec<Entry> {
    let org = s.login("organiser", &s.organiser_password);
    let key = dir.join("wang.key");
    let verifier = cli(
        dir,
        &[
            "teller",
            "keygen",
            "--name",
            "teller-wang",
            "--out",
            key.to_str().unwrap(),
        ],
    );
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec(), "tellers": [verifier.trim()], "signatures_required": 1, "election_date": "2026-12-01"})),
    );
    assert_eq!(s.post_text("/api/v1/roll", &org, &roll_csv()).0, 200);
    let pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "t-zhao", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let teller = s.login("t-zhao", &pw);
    let desk = s.registrar(&org, "desk");
    let kiosk = s.pair_kiosk(&org, "k");
    let tokens = s.sheet(&org, &json!({"style": 0, "count": 6}));
    s.ok("POST", "/api/v1/contests/d017/open", Some(&org), None);
    let (code, v) = s.call(
        "POST",
        "/api/v1/pools",
        Some(&org),
        Some(&json!({"style": 0, "count": 1})),
    );
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (422, "pool_reason_missing"),
        "{v}"
    );
    s.sheet(
        &org,
        &json!({"style": 0, "count": 1, "reason": "一张选票码污损 a slip was spoiled"}),
    );
    s.ok(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "V0001", "principals": ["V0002"]})),
    );
    s.ok(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "V0003"})),
    );
    for (t, b) in tokens.iter().zip(BALLOTS) {
        let b: Value = serde_json::from_str(b).unwrap();
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [b]})),
        );
    }
    // While voting goes on, no correction (protocol 6): one logged then would replace the
    // figures the close takes from the desk.
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/d017/corrections",
        Some(&teller),
        Some(&json!({"eligible": 10, "present": 4, "ballots_issued": 4, "reason": "流动票箱 mobile box"})),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("correction_out_of_order")),
        "{v}"
    );
    s.ok("POST", "/api/v1/contests/d017/close", Some(&teller), None);
    // Protocol 8: the teller signs the correction with their key, on their own machine, from
    // an export (`scrutineer teller attest`).
    let attested = s.attest(
        &teller,
        &key,
        &[
            "--contest",
            "d017",
            "--eligible",
            "10",
            "--present",
            "4",
            "--issued",
            "4",
            "--reason",
            "流动票箱 mobile box",
        ],
    );
    let n = s.ok(
        "POST",
        "/api/v1/contests/d017/corrections",
        Some(&teller),
        Some(&json!({"eligible": 10, "present": 4, "ballots_issued": 4, "reason": "流动票箱 mobile box", "attested": attested})),
    )["proposal"]
        .as_u64()
        .unwrap();
    assert_eq!(n, 1, "proposals are numbered from 1");
    // An auditor verifies and corrects nothing: neither proposes nor approves (403 at the
    // door, `correction_role` in the rules for the CLI and the verifier).
    let pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "audit-li", "role": "auditor"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let auditor = s.login("audit-li", &pw);
    for (method, path, body) in [
        (
            "POST",
            "/api/v1/contests/d017/corrections".to_string(),
            Some(json!({"eligible": 10, "present": 4, "ballots_issued": 4, "reason": "x"})),
        ),
        ("POST", format!("/api/v1/corrections/{n}/approve"), None),
    ] {
        let (code, v) = s.call(method, &path, Some(&auditor), body.as_ref());
        assert_eq!(
            (code, v["code"].as_str()),
            (403, Some("forbidden")),
            "{path}: {v}"
        );
    }
    // The proposer cannot approve it; a person of another role can.
    let (code, v) = s.call(
        "POST",
        &format!("/api/v1/corrections/{n}/approve"),
        Some(&teller),
        None,
    );
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (422, "correction_needs_two"),
        "{v}"
    );
    s.ok(
        "POST",
        &format!("/api/v1/corrections/{n}/approve"),
        Some(&org),
        None,
    );
    let r = s.ok("POST", "/api/v1/contests/d017/tally", Some(&teller), None);
    let index = r["result_index"].as_u64().unwrap();
    let text = s.ok(
        "GET",
        &format!("/api/v1/results/{index}"),
        Some(&teller),
        None,
    )["checkpoint_text"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(dir.join("cp.txt"), text).unwrap();
    let line = cli(
        dir,
        &[
            "teller",
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--text",
            "cp.txt",
        ],
    );
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/signatures"),
        Some(&teller),
        Some(&json!({"line": line.trim()})),
    );
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/publish"),
        Some(&org),
        None,
    );
    // The board posts the verified signer, the correction beside the desk's figures with both
    // people, and the late slips with their reason.
    let board = ureq::get(&format!("{}/board/{index}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    for want in [
        "teller-wang",
        "人数更正",
        "t-zhao (teller)",
        "organiser (organiser)",
        "流动票箱",
        "投票开始后补印选票码",
        "一张选票码污损",
    ] {
        assert!(board.contains(want), "the board lacks {want}");
    }
    let bytes = ureq::get(&format!("{}/api/v1/export", s.base))
        .call()
        .unwrap()
        .into_reader();
    tar::Archive::new(bytes).unpack(dir.join("x")).unwrap();
    entries(&dir.join("x/scrutineer-export"))
}

#[test]
fn the_cli_and_the_service_write_the_same_entries() {
    let base = std::env::temp_dir().join(format!("scrutineer-one-core-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("cli")).unwrap();
    std::fs::create_dir_all(base.join("http")).unwrap();
    let by_cli = through_the_cli(&base.join("cli"));
    let s = Server::start("one-core", &[]);
    let by_http = through_http(&s, &base.join("http"));
    for (name, dir) in [
        ("cli", base.join("cli/audit")),
        ("http", base.join("http/x/scrutineer-export")),
    ] {
        let r = scrutineer::verify::verify_export(&dir, &|_, _| {});
        assert!(r.ok, "{name}: {r:?}");
        assert_eq!((r.corrections.len(), r.late_pools.len()), (1, 1), "{name}");
    }
    let kinds = |es: &[Entry]| es.iter().map(|e| e.kind).collect::<Vec<_>>();
    assert_eq!(kinds(&by_cli), kinds(&by_http));
    // The kinds the CLI used not to write are there.
    for k in [
        EntryKind::RollRegistered,
        EntryKind::CheckInCount,
        EntryKind::TurnoutCorrected,
        EntryKind::ResultPublished,
    ] {
        assert!(kinds(&by_cli).contains(&k), "{k:?}");
    }
    // The desk's figures, the correction and the result are the same too.
    for k in [
        EntryKind::CheckInCount,
        EntryKind::ContestClosed,
        EntryKind::Result,
    ] {
        let pick = |es: &[Entry]| -> Vec<Value> {
            es.iter()
                .filter(|e| e.kind == k)
                .map(|e| e.body_as::<Value>().unwrap())
                .collect()
        };
        assert_eq!(pick(&by_cli), pick(&by_http), "{k:?}");
    }
    let _ = std::fs::remove_dir_all(&base);
}
