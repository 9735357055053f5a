//! The ledger as a user drives it from the command line: keys, init, pool and slip sheet,
//! open, cast with receipts, a refused second use, close, void, tally, teller signatures,
//! export, verify (and verify failing on a tampered export).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_whole_election_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("scrutineer-ledger-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.as_path();
    let mut tellers = ok(
        d,
        &[
            "teller",
            "keygen",
            "--name",
            "teller-wang",
            "--out",
            "wang.key",
        ],
    );
    tellers += &ok(
        d,
        &["teller", "keygen", "--name", "teller-li", "--out", "li.key"],
    );
    std::fs::write(d.join("tellers.txt"), &tellers).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(d.join("wang.key"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/npc-direct-constituency/spec.json"
        ),
        d.join("spec.json"),
    )
    .unwrap();
    ok(
        d,
        &[
            "ledger",
            "init",
            "--spec",
            "spec.json",
            "--tellers",
            "tellers.txt",
            "--signatures-required",
            "2",
            "--election-date",
            "2026-12-01",
            "--plaintext-reason",
            "a test of plaintext ballots",
        ],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for k in ["keys/election.key", "keys/log.key"] {
            assert_eq!(
                std::fs::metadata(d.join(k)).unwrap().permissions().mode() & 0o777,
                0o600,
                "{k}"
            );
        }
    }
    // The roll (ten voters of the constituency) and the people who will correct a figure.
    let mut roll = "姓名,证件号码,选区,出生日期\n".to_string();
    for i in 1..=10 {
        roll.push_str(&format!(
            "选民{i},V{i:03},第十七选区,1980-01-0{}\n",
            i % 9 + 1
        ));
    }
    std::fs::write(d.join("roll.csv"), roll).unwrap();
    assert!(ok(d, &["ledger", "roll", "--csv", "roll.csv"]).contains("10 voters"));
    for (name, role) in [
        ("t-zhao", "teller"),
        ("t-qian", "teller"),
        ("o-sun", "organiser"),
    ] {
        assert!(ok(d, &["accounts", "add", name, "--role", role]).contains("one-time password"));
    }
    // A pool over the cap (10 voters + 5% = 11) is refused and registers nothing.
    let over = run(
        d,
        &[
            "ledger", "pool", "--style", "0", "--count", "12", "--sheet", "x.html",
        ],
    );
    assert_eq!(over.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&over.stderr).contains("[pool_over_cap]"));
    // A sheet that cannot be written (a mistyped folder), or a tokens file already there,
    // registers nothing either: the whole cap (11) is still there for the sheet below.
    std::fs::write(d.join("exists.txt"), "keep me").unwrap();
    for args in [
        vec!["--sheet", "no-such-folder/slips.html"],
        vec!["--sheet", "."],
        vec!["--sheet", "slips0.html", "--tokens-out", "exists.txt"],
    ] {
        let mut all = vec!["ledger", "pool", "--style", "0", "--count", "11"];
        all.extend(args);
        let refused = run(d, &all);
        assert_eq!(refused.status.code(), Some(2), "{all:?}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("[storage]"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }
    assert!(!d.join("slips0.html").exists() && !d.join("slips0.html.new").exists());
    assert_eq!(
        std::fs::read_to_string(d.join("exists.txt")).unwrap(),
        "keep me"
    );
    ok(
        d,
        &[
            "ledger",
            "pool",
            "--style",
            "0",
            "--count",
            "5",
            "--sheet",
            "slips.html",
            "--tokens-out",
            "tokens.txt",
        ],
    );
    let sheet = std::fs::read_to_string(d.join("slips.html")).unwrap();
    assert_eq!(sheet.matches("<svg").count(), 5);
    assert!(sheet.contains("第十七选区县人大代表"));
    let tokens = std::fs::read_to_string(d.join("tokens.txt")).unwrap();
    let tokens: Vec<&str> = tokens.lines().collect();
    ok(d, &["ledger", "open", "d017"]);
    // A slip nobody handed out cannot be spent: the desk has checked nobody in yet.
    let early = run(
        d,
        &[
            "ledger",
            "cast",
            "--token",
            tokens[0],
            "--ballot",
            r#"{"contest":"d017","marks":{"n1":"for"}}"#,
        ],
    );
    assert!(String::from_utf8_lossy(&early.stderr).contains("[slips_not_issued]"));
    // V001 carries a proxy for V002: two slips.
    assert!(ok(
        d,
        &[
            "ledger",
            "checkin",
            "V001",
            "--principal",
            "V002",
            "--desk",
            "desk-1"
        ]
    )
    .contains("发 2 张"));
    ok(d, &["ledger", "checkin", "V003"]);
    let twice = run(d, &["ledger", "checkin", "V002"]);
    assert!(String::from_utf8_lossy(&twice.stderr).contains("[already_checked_in]"));
    let receipt = ok(
        d,
        &[
            "ledger",
            "cast",
            "--token",
            tokens[0],
            "--ballot",
            r#"{"contest":"d017","marks":{"n1":"for"}}"#,
            "--receipt-qr",
            "r.svg",
        ],
    );
    assert!(receipt.starts_with("回执 receipt: R4-"), "{receipt}");
    assert!(std::fs::read_to_string(d.join("r.svg"))
        .unwrap()
        .contains("<svg"));
    let again = run(
        d,
        &[
            "ledger",
            "cast",
            "--token",
            tokens[0],
            "--ballot",
            r#"{"contest":"d017","marks":{}}"#,
        ],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("[token_spent]"));
    // Over-marked: an electronic ballot is never void.
    let over = run(
        d,
        &[
            "ledger",
            "cast",
            "--token",
            tokens[1],
            "--ballot",
            r#"{"contest":"d017","marks":{"n1":"for","n2":"for","n3":"for"}}"#,
        ],
    );
    assert!(String::from_utf8_lossy(&over.stderr).contains("[over_marked]"));
    ok(
        d,
        &[
            "ledger",
            "cast",
            "--token",
            tokens[1],
            "--ballot",
            r#"{"contest":"d017","marks":{"n1":"for"}}"#,
        ],
    );
    assert!(ok(d, &["ledger", "receipt", "4"]).contains("entry 4 is included"));
    assert!(ok(d, &["ledger", "desk"]).contains("应到 E 10 · 实到 P 3 · 发出 I 3"));
    // The close takes the desk's figures: nobody types them.
    let closed = ok(d, &["ledger", "close", "d017"]);
    assert!(
        closed.contains("应到 E 10 · 实到 P 3 · 发出 I 3"),
        "{closed}"
    );
    // A correction (two voters who voted on paper at the desk, say): one person proposes, a
    // person of another role approves. The same person, or the same role, cannot approve.
    let proposed = ok(
        d,
        &[
            "ledger",
            "correct",
            "--contest",
            "d017",
            "--eligible",
            "10",
            "--present",
            "8",
            "--issued",
            "8",
            "--reason",
            "流动票箱 5 人 mobile box: 5 voters",
            "--by",
            "t-zhao",
            // Protocol 8: the teller's registered key signs it.
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
    // Numbered from 1 across the commands' own processes (the README's walk-through
    // approves proposal 1).
    assert_eq!(n, "1", "{proposed}");
    for who in ["t-zhao", "t-qian"] {
        let same = run(d, &["ledger", "approve", &n, "--by", who]);
        assert!(
            String::from_utf8_lossy(&same.stderr).contains("[correction_needs_two]"),
            "{who}"
        );
    }
    ok(d, &["ledger", "approve", &n, "--by", "o-sun"]);
    let tally = ok(d, &["ledger", "tally", "--contest", "d017"]);
    let result: String = tally
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(tally.contains("\"present\": 8"), "{tally}");
    ok(
        d,
        &[
            "ledger",
            "sign",
            "--result",
            &result,
            "--teller-key",
            "wang.key",
        ],
    );
    // A key that is not a registered teller's is refused; so is a second signature by one key.
    ok(
        d,
        &["teller", "keygen", "--name", "intruder", "--out", "x.key"],
    );
    assert_eq!(
        run(
            d,
            &[
                "ledger",
                "sign",
                "--result",
                &result,
                "--teller-key",
                "x.key"
            ]
        )
        .status
        .code(),
        Some(2)
    );
    let twice = run(
        d,
        &[
            "ledger",
            "sign",
            "--result",
            &result,
            "--teller-key",
            "wang.key",
        ],
    );
    assert!(String::from_utf8_lossy(&twice.stderr).contains("[signature_duplicate]"));
    let early = run(d, &["ledger", "publish", &result]);
    assert!(String::from_utf8_lossy(&early.stderr).contains("[signatures_missing]"));
    ok(
        d,
        &[
            "ledger",
            "sign",
            "--result",
            &result,
            "--teller-key",
            "li.key",
        ],
    );
    ok(d, &["ledger", "publish", &result]);
    ok(d, &["ledger", "export", "audit"]);
    let v = ok(d, &["verify", "audit"]);
    assert!(v.contains("通过 OK"), "{v}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(d, &["verify", "audit", "--json"])).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["ballots"], 2);
    // The correction shows beside the desk's figures, with both people.
    assert_eq!(json["corrections"][0]["desk"]["present"], 3);
    assert_eq!(json["corrections"][0]["corrected"]["present"], 8);
    assert_eq!(json["corrections"][0]["approved_by"], "o-sun (organiser)");
    assert!(v.contains("更正 correction"), "{v}");
    // Tamper with the export: verify exits 1 and names the entry.
    let seg = std::fs::read_dir(d.join("audit/log"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&seg).unwrap();
    let n = bytes.len();
    bytes[n - 20] ^= 0x10;
    std::fs::write(&seg, bytes).unwrap();
    let bad = run(d, &["verify", "audit"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("失败 FAILED"));
    // Reindex from the segments.
    assert!(ok(d, &["reindex"]).contains("index rebuilt"));
    let _ = std::fs::remove_dir_all(&dir);
}
