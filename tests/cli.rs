//! The offline `scrutineer tally` command as a user runs it: the examples, the JSON result
//! (snapshotted), and exit code 2 with a clear message for bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn tally(dir: &str, spec: &str, ballots: &str, json: bool) -> Output {
    let spec = format!("examples/{dir}/{spec}");
    let ballots = format!("examples/{dir}/{ballots}");
    let mut args = vec![
        "tally",
        "--spec",
        spec.as_str(),
        "--ballots",
        ballots.as_str(),
    ];
    if json {
        args.push("--json");
    }
    run(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn township_party_congress_table() {
    let o = tally(
        "township-party-congress",
        "spec.json",
        "ballots.jsonl",
        false,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for expected in [
        "应到 E 150 · 实到 P 142 · 发出 I 142 · 收回 R 142 · 有效 valid 140 · 无效 void 2 (over_marked 2)",
        "法定人数 quorum: 5·P > 4·E — 已达到 met",
        "当选票数 threshold: 2·for > P (P = 142) ⇒ 至少 72 票",
        "当选 elected (7): 王建国、李秀英、张伟、刘洋、陈静、杨帆、赵磊",
        "[override_below_statute]",
        "再次投票 new vote (tie): 1 名 seats, 候选人 candidates: 徐强、孙丽",
    ] {
        assert!(text.contains(expected), "missing “{expected}” in:\n{text}");
    }
}

#[test]
fn npc_direct_first_round_and_runoff() {
    let o = tally(
        "npc-direct-constituency",
        "spec.json",
        "ballots.jsonl",
        false,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("当选 elected (1): 王芳"), "{text}");
    assert!(
        text.contains("另行选举 runoff: 1 名 seats, 候选人 candidates: 李强、张军"),
        "{text}"
    );
    let o = tally(
        "npc-direct-constituency",
        "runoff-spec.json",
        "runoff-ballots.jsonl",
        false,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("3·for ≥ P (most for) (P = 1010) ⇒ 至少 337 票"),
        "{text}"
    );
    assert!(text.contains("当选 elected (1): 李强"), "{text}");
}

#[test]
fn evaluation_table() {
    let o = tally("democratic-evaluation", "spec.json", "ballots.jsonl", false);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("[favourable_below] 优秀+称职 率 52.50% 低于 2/3 (66.67%)"),
        "{text}"
    );
    assert!(
        text.contains("综合排名 Composite ranking: 副乡长竞争上岗综合排名"),
        "{text}"
    );
}

fn json_of(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn example_results_as_json() {
    insta::assert_json_snapshot!(
        "township_party_congress",
        json_of(&tally(
            "township-party-congress",
            "spec.json",
            "ballots.jsonl",
            true
        ))
    );
    insta::assert_json_snapshot!(
        "npc_direct_round_1",
        json_of(&tally(
            "npc-direct-constituency",
            "spec.json",
            "ballots.jsonl",
            true
        ))
    );
    insta::assert_json_snapshot!(
        "npc_direct_runoff",
        json_of(&tally(
            "npc-direct-constituency",
            "runoff-spec.json",
            "runoff-ballots.jsonl",
            true
        ))
    );
    insta::assert_json_snapshot!(
        "democratic_evaluation",
        json_of(&tally(
            "democratic-evaluation",
            "spec.json",
            "ballots.jsonl",
            true
        ))
    );
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scrutineer-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn fails_with(args: &[&str], code: &str, words: &[&str]) {
    let o = run(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("[{code}]")), "{args:?}: {err}");
    for w in words {
        assert!(err.contains(w), "{args:?}: missing “{w}” in {err}");
    }
    assert!(stdout(&o).is_empty(), "nothing on stdout when refused");
}

#[test]
fn refusals_exit_2_with_a_clear_message() {
    let spec = "examples/township-party-congress/spec.json";
    let ballots = "examples/township-party-congress/ballots.jsonl";
    fails_with(
        &["tally", "--spec", "no/such/spec.json", "--ballots", ballots],
        "unreadable_file",
        &["no/such/spec.json"],
    );
    fails_with(
        &["tally", "--spec", spec, "--ballots", "no/such.jsonl"],
        "unreadable_file",
        &["no/such.jsonl"],
    );

    let bad_line = temp_file("bad.jsonl", "{\"contest\":\"committee\",\"marks\":{}}\n{\"contest\":\"committee\",\"marks\":{\"c9\":\"for\"}}\n");
    fails_with(
        &[
            "tally",
            "--spec",
            spec,
            "--ballots",
            bad_line.to_str().unwrap(),
        ],
        "unknown_candidate",
        &["第 2 行", "line 2", "c9"],
    );

    let broken = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(spec))
        .unwrap()
        .replace("\"min_surplus\": 1,", "");
    let broken = temp_file("broken.json", &broken);
    fails_with(
        &[
            "tally",
            "--spec",
            broken.to_str().unwrap(),
            "--ballots",
            ballots,
        ],
        "surplus_rule_broken",
        &["党委委员 7 名应选, 候选人须不少于 9 名 (差额不少于20%), 现有 8 名"],
    );
    let not_json = temp_file("not.json", "{ this is not json");
    fails_with(
        &[
            "tally",
            "--spec",
            not_json.to_str().unwrap(),
            "--ballots",
            ballots,
        ],
        "spec_json",
        &["JSON"],
    );
    // A teller's tools: a key file that is not there says so in both languages, and a text
    // that is not a checkpoint (here an empty one) is not signed.
    fails_with(
        &["teller", "sign", "--key", "no/such.key", "--text", "-"],
        "unreadable_file",
        &[
            "无法读取计票人密钥文件",
            "the file does not exist",
            "no/such.key",
        ],
    );
    let key = temp_file("t.key", "");
    std::fs::remove_file(&key).unwrap();
    assert!(run(&[
        "teller",
        "keygen",
        "--name",
        "t-wang",
        "--out",
        key.to_str().unwrap()
    ])
    .status
    .success());
    let empty = temp_file("empty.txt", "");
    fails_with(
        &[
            "teller",
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--text",
            empty.to_str().unwrap(),
        ],
        "checkpoint",
        &["不是检查点", "nothing signed"],
    );
    let data = not_json.with_file_name("ledger-data");
    let keys = not_json.with_file_name("ledger-keys");
    fails_with(
        &[
            "ledger",
            "--data",
            data.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "init",
            "--spec",
            not_json.to_str().unwrap(),
        ],
        "spec_json",
        &["不是有效的 JSON", "not.json", "line 1"],
    );
}

#[test]
fn an_invalid_round_still_exits_zero() {
    // R > I is a result (the round must be re-run), not a failure of the command.
    let spec = std::fs::read_to_string(root().join("examples/township-party-congress/spec.json"))
        .unwrap()
        .replacen("\"ballots_issued\": 142", "\"ballots_issued\": 141", 1);
    let spec = temp_file("r-gt-i.json", &spec);
    let o = run(&[
        "tally",
        "--spec",
        spec.to_str().unwrap(),
        "--ballots",
        "examples/township-party-congress/ballots.jsonl",
        "--json",
    ]);
    let doc = json_of(&o);
    assert_eq!(doc["contests"][0]["valid"], false);
    assert_eq!(
        doc["contests"][0]["problems"][0]["code"],
        "returned_exceeds_issued"
    );
}

/// `verify` reads its pins before anything else (a mistyped `--checkpoint` is said at once,
/// not after the whole export was checked) and prints no empty header when nothing was read.
#[test]
fn verify_says_what_is_wrong_before_reading_anything() {
    let o = run(&[
        "verify",
        "examples/township-party-congress",
        "--checkpoint",
        "5:zz",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("[checkpoint]") && out.contains("SIZE:ROOT"),
        "{out}"
    );
    assert!(!out.contains("选举 election:"), "{out}");
    let o = run(&["verify", "no/such/export"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("no/such/export") && !out.contains("条目 entries"),
        "{out}"
    );
}
