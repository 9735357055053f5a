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
    let receipt = ok(
        d,
        &[
            "ledger",
            "cast",
            "--token",
            tokens[0],
            "--ballot",
            r#"{"contest":"d017","marks":{"n1":"for","n2":"for"}}"#,
            "--receipt-qr",
            "r.svg",
        ],
    );
    assert!(receipt.starts_with("回执 receipt: R3-"), "{receipt}");
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
    assert!(ok(d, &["ledger", "receipt", "3"]).contains("entry 3 is included"));
    ok(
        d,
        &[
            "ledger",
            "close",
            "d017",
            "--eligible",
            "1200",
            "--present",
            "1090",
            "--issued",
            "1090",
        ],
    );
    ok(d, &["ledger", "void", "--style", "0"]);
    let tally = ok(d, &["ledger", "tally", "--contest", "d017"]);
    assert!(tally.contains("结果 result: entry 7"), "{tally}");
    ok(
        d,
        &[
            "ledger",
            "sign",
            "--result",
            "7",
            "--teller-key",
            "wang.key",
        ],
    );
    // A key that is not a registered teller's is refused.
    ok(
        d,
        &["teller", "keygen", "--name", "intruder", "--out", "x.key"],
    );
    assert_eq!(
        run(
            d,
            &["ledger", "sign", "--result", "7", "--teller-key", "x.key"]
        )
        .status
        .code(),
        Some(2)
    );
    ok(
        d,
        &["ledger", "sign", "--result", "7", "--teller-key", "li.key"],
    );
    ok(d, &["ledger", "export", "audit"]);
    let v = ok(d, &["verify", "audit"]);
    assert!(v.contains("通过 OK"), "{v}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(d, &["verify", "audit", "--json"])).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["ballots"], 2);
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
