//! Every public rendering of the examples' results, byte for byte (issue 16: "each change keeps
//! every public format byte for byte"): the result JSON as `scrutineer tally --json` prints it
//! and as the service publishes it (compact), the readable table `scrutineer tally` prints, the
//! office CSV, the office XLSX (its cells read back with calamine, and every part of the
//! package except `docProps/core.xml`, which holds the time it was written), the public board
//! page of each result (plain, and with the record the service posts beside it), a printed
//! slip sheet of a small fixed pool (deterministic: Ed25519 signatures are), a receipt QR code
//! and the office exports' refusal codes.
//!
//! The expected bytes are plain files under `tests/snapshots/presentation/`, compared exactly.
//! `SCRUTINEER_BLESS=1 cargo test --test presentation_snapshots` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read};
use std::path::PathBuf;

use calamine::{Reader, Xlsx};
use serde_json::{json, Value};

use scrutineer::present::office::{result_csv, result_xlsx};
use scrutineer::record::{parse_ballots, parse_election, result_json};
use scrutineer::rules::tally_election;

const CHECKPOINT: &str = "scrutineer.example/qingshan\n42\n\
    3Yp8d0mF1s2X9Qe7rVtB5nH4kLwZcJaUoIgTyRxEvW0=\n\n\
    \u{2014} scrutineer.example/qingshan AAAAAXq4yGk0m0l9l7m2bXJ5U2lnbmF0dXJl\n\
    \u{2014} teller-张三 BBBBBWx3aGVsbG8gd29ybGQgc2lnbmF0dXJl\n\
    \u{2014} teller-李四 CCCCCWx3aGVsbG8gd29ybGQgc2lnbmF0dXJl\n";

/// The examples: snapshot name, directory, spec, ballots.
const EXAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        "township-party-congress",
        "township-party-congress",
        "spec.json",
        "ballots.jsonl",
    ),
    (
        "npc-direct-round-1",
        "npc-direct-constituency",
        "spec.json",
        "ballots.jsonl",
    ),
    (
        "npc-direct-runoff",
        "npc-direct-constituency",
        "runoff-spec.json",
        "runoff-ballots.jsonl",
    ),
    (
        "democratic-evaluation",
        "democratic-evaluation",
        "spec.json",
        "ballots.jsonl",
    ),
    (
        "rated-score-evaluation",
        "rated-score-evaluation",
        "spec.json",
        "ballots.jsonl",
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snapshots() -> PathBuf {
    root().join("tests/snapshots/presentation")
}

/// Compares `bytes` with the snapshot `name` (or writes it when blessing); a difference is
/// pushed to `failed`.
fn check(name: &str, bytes: &[u8], failed: &mut Vec<String>) {
    let path = snapshots().join(name);
    if std::env::var_os("SCRUTINEER_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(snapshots()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        return;
    }
    let want = match std::fs::read(&path) {
        Ok(w) => w,
        Err(e) => {
            failed.push(format!(
                "{name}: no snapshot ({e}); bless with SCRUTINEER_BLESS=1"
            ));
            return;
        }
    };
    if want != bytes {
        let at = want
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(want.len().min(bytes.len()));
        let from = at.saturating_sub(80);
        failed.push(format!(
            "{name}: differs at byte {at} (snapshot {} bytes, now {} bytes)\n  snapshot: {:?}\n  now:      {:?}",
            want.len(),
            bytes.len(),
            String::from_utf8_lossy(&want[from..(at + 80).min(want.len())]),
            String::from_utf8_lossy(&bytes[from..(at + 80).min(bytes.len())]),
        ));
        std::fs::write(path.with_extension("new"), bytes).unwrap();
    }
}

fn example_paths(dir: &str, spec: &str, ballots: &str) -> (PathBuf, PathBuf) {
    let d = root().join("examples").join(dir);
    (d.join(spec), d.join(ballots))
}

/// The result document, counted in-process as the service's `POST /api/v1/tally` does.
fn result_of(dir: &str, spec: &str, ballots: &str) -> Value {
    let (spec, ballots) = example_paths(dir, spec, ballots);
    let election = parse_election(&std::fs::read(spec).unwrap()).unwrap();
    let by_contest = parse_ballots(&election, &std::fs::read(ballots).unwrap()[..]).unwrap();
    result_json(&election, &tally_election(&election, &by_contest))
}

/// Every cell of every sheet, one line each: sheet, row, column, calamine's value.
fn xlsx_cells(bytes: &[u8]) -> String {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in book.sheet_names() {
        out.push_str(&format!("== {name}\n"));
        let range = book.worksheet_range(&name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            out.push_str(&format!(
                "{}\t{}\t{v:?}\n",
                r0 as usize + r,
                c0 as usize + c
            ));
        }
    }
    out
}

/// Every part of the XLSX package but `docProps/core.xml` (its creation time), in order.
fn xlsx_parts(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().to_string();
        out.push_str(&format!("== {name}\n"));
        if name == "docProps/core.xml" {
            out.push_str("(creation time: not compared)\n");
            continue;
        }
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        out.push_str(&text);
        out.push('\n');
    }
    out
}

fn board(signed: &Value) -> String {
    scrutineer::present::board::board_html(
        signed,
        "https://scrutineer.example/api/v1/elections/qingshan/results/12",
        &|names: &mut Vec<String>| scrutineer::rules::hanzi::sort_by_strokes(names, |n| n.as_str()),
    )
    .unwrap()
}

fn signed(result: &Value) -> Value {
    json!({
        "format": "scrutineer.signed-result/v1",
        "result_index": 12,
        "number": 1,
        "result": result,
        "checkpoint": CHECKPOINT,
        "signers": ["teller-张三", "teller-李四"],
        "desk_figures": [],
        "corrections": [],
        "late_pools": [],
        "secrecy": null,
        "revotes": [],
        "seat_reductions": [],
        "paper_entry": [],
        "procedures": [],
    })
}

#[test]
fn every_public_rendering_of_the_examples_is_unchanged() {
    let mut failed = Vec::new();
    for (name, dir, spec, ballots) in EXAMPLES {
        let (spec_path, ballots_path) = example_paths(dir, spec, ballots);
        let json_text = scrutineer::cli::tally(&spec_path, &ballots_path, true).unwrap();
        check(
            &format!("{name}.result.json"),
            json_text.as_bytes(),
            &mut failed,
        );
        let table = scrutineer::cli::tally(&spec_path, &ballots_path, false).unwrap();
        check(&format!("{name}.table.txt"), table.as_bytes(), &mut failed);

        let result = result_of(dir, spec, ballots);
        assert_eq!(
            serde_json::from_str::<Value>(&json_text).unwrap(),
            result,
            "{name}: the CLI and the service count alike"
        );
        check(
            &format!("{name}.result.compact.json"),
            &serde_json::to_vec(&result).unwrap(),
            &mut failed,
        );
        check(
            &format!("{name}.csv"),
            result_csv(&result).unwrap().as_bytes(),
            &mut failed,
        );
        let xlsx = result_xlsx(&result).unwrap();
        check(
            &format!("{name}.xlsx-cells.txt"),
            xlsx_cells(&xlsx).as_bytes(),
            &mut failed,
        );
        check(
            &format!("{name}.xlsx-parts.txt"),
            xlsx_parts(&xlsx).as_bytes(),
            &mut failed,
        );
        check(
            &format!("{name}.board.html"),
            board(&signed(&result)).as_bytes(),
            &mut failed,
        );
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The board with everything the service posts beside a result: corrections of the desk's
/// figures, late pools, plaintext and encrypted secrecy, a re-vote, a seat reduction, double
/// entry and a procedure's steps, and text that must be escaped.
#[test]
fn the_board_with_the_record_is_unchanged() {
    let mut failed = Vec::new();
    let party = result_of("township-party-congress", "spec.json", "ballots.jsonl");
    let mut s = signed(&party);
    s["desk_figures"] =
        json!([{"contest": "committee", "eligible": 151, "present": 142, "ballots_issued": 142}]);
    s["corrections"] = json!([{"entry": 30, "contest": "committee", "eligible": 150, "present": 142,
        "ballots_issued": 142, "reason": "一人已迁出 <b>&</b>",
        "proposed_by": {"name": "王书记", "role": "organiser"},
        "approved_by": {"name": "李主任", "role": "observer"}}]);
    s["late_pools"] =
        json!([{"entry": 41, "style": 1, "count": 20, "reason": "选票码印错 \"重印\""}]);
    s["secrecy"] = json!({"encrypted": false, "reason": "镇上没有投票机 / no kiosks"});
    s["revotes"] = json!([{"entry": 50, "contest": "committee", "source": "committee-0", "reason": "收回选票多于发出选票"}]);
    s["seat_reductions"] = json!([{"entry": 60, "contest": "committee", "reduced_by": 1, "seats": 6, "basis": "大会决定 <i>'减少'</i>"}]);
    s["paper_entry"] =
        json!([{"contest": "committee", "sheets": 140, "keyings": 282, "rekeyed_sheets": 2}]);
    s["procedures"] = json!([{"id": "cadre", "title": "干部选拔", "posts": 1, "steps": [
        {"entry": 5, "round": "r1", "title": "民主推荐", "kind": "recommendation", "ratio": "3",
         "posts": 1, "widened": true, "basis": "组织部", "people": ["王建国", "李秀英", "张伟"]},
        {"entry": 9, "round": "r2", "title": "考察", "kind": "recommendation", "ratio": null,
         "posts": 1, "widened": false, "basis": "党委会", "people": ["王建国"]}]}]);
    check(
        "record-plaintext.board.html",
        board(&s).as_bytes(),
        &mut failed,
    );

    let npc = result_of("npc-direct-constituency", "spec.json", "ballots.jsonl");
    let mut s = signed(&npc);
    s["secrecy"] = json!({"encrypted": true, "fingerprint": "ab12 cd34 ef56", "threshold": 2, "tellers": 3,
        "cast": 812, "spoiled": 9, "kiosk_tests": 4, "kiosk_test_mismatches": 0,
        "decrypted": [{"contest": "district-7", "group": null, "ballots": 812, "tellers": ["teller-张三", "teller-李四"]}]});
    s.as_object_mut().unwrap().remove("signers");
    check(
        "record-encrypted.board.html",
        board(&s).as_bytes(),
        &mut failed,
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A printed slip sheet of ten fixed tokens (two pages), and a receipt's QR code.
#[test]
fn the_slip_sheet_and_the_receipt_code_are_unchanged() {
    use scrutineer::present::slips::slip_sheet_html;
    use scrutineer::tokens::pool::SlipSheet;
    use scrutineer::tokens::token::Token;
    let mut failed = Vec::new();
    let key = ed25519_dalek::SigningKey::from_bytes(&[11u8; 32]);
    let tokens: Vec<Token> = (0u8..10)
        .map(|i| Token::sign(&key, "qingshan-party-congress-2026", 1, 2, [i; 16]))
        .collect();
    let sheet = SlipSheet {
        title: "选票码 Ballot tokens <1>".into(),
        election_title: "青山镇第十六次党代会 & \"示例\"".into(),
        round: 1,
        style_name: "党员 'A'".into(),
        contest_names: vec!["镇党委委员".into(), "镇纪委委员 <b>".into()],
        key_fingerprint: Some("ab12 cd34 ef56".into()),
    };
    check(
        "slips.html",
        slip_sheet_html(&sheet, &tokens).unwrap().as_bytes(),
        &mut failed,
    );
    let plain = SlipSheet {
        key_fingerprint: None,
        contest_names: vec![],
        ..sheet
    };
    check(
        "slips-plain.html",
        slip_sheet_html(&plain, &tokens[..1]).unwrap().as_bytes(),
        &mut failed,
    );
    check(
        "receipt-qr.svg",
        scrutineer::present::slips::receipt_qr_svg("R1234-ABCDEFGH")
            .unwrap()
            .as_bytes(),
        &mut failed,
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// What the office exports refuse, and with which code.
#[test]
fn the_office_exports_refuse_with_the_same_codes() {
    let mut failed = Vec::new();
    let mut out = String::new();
    for doc in [
        json!(null),
        json!(42),
        json!("text"),
        json!([]),
        json!({}),
        json!({"format": "scrutineer.result/v1"}),
        json!({"format": "scrutineer.result/v1", "contests": {}}),
        json!({"format": "scrutineer.result/v1", "contests": []}),
        json!({"format": "other/v9", "contests": [{}]}),
    ] {
        let csv = result_csv(&doc).map(|_| ()).map_err(|e| e.code());
        let xlsx = result_xlsx(&doc).map(|_| ()).map_err(|e| e.code());
        out.push_str(&format!("{doc}\tcsv {csv:?}\txlsx {xlsx:?}\n"));
    }
    check("office-refusals.txt", out.as_bytes(), &mut failed);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
