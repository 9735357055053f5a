//! Rated-score evaluations through the service (issue 15, item 1; RULES.md section 3): a
//! plaintext election whose kiosks cast scores 0 to 100; the close, the count, the result,
//! the board, the CSV and XLSX files and `scrutineer verify` all carry the scores; an
//! encrypted election refuses an electronic rated-score contest at creation (not built yet)
//! but takes one on paper.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use serde_json::{json, Value};

use e2e_support::{Cli, Server};

const ELECTION: &str = "scores-2026";

fn contest(mode: &str) -> Value {
    json!({"id": "s", "title": "村干部考核打分", "kind": "evaluation", "scale": "score",
        "mode": mode, "drop_extremes": true, "triggers": {"score_below": "60"},
        "subjects": [{"id": "a", "name": "赵村长"}, {"id": "b", "name": "孙主任"}]})
}

fn roll(n: usize) -> String {
    let mut s = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n".to_string();
    for i in 1..=n {
        s.push_str(&format!("党员{i},M{i:03},一支部,1980-05-01,是,正式党员\n"));
    }
    s
}

#[test]
fn kiosks_cast_scores_and_every_output_shows_them() {
    let dir = e2e_support::temp("rated-scores");
    let s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");
    let teller = s.account(&org, "teller1", "teller");
    let kiosk = s.pair_kiosk(&org, "hall-1");
    let spec = json!({"format": "scrutineer.election/v1", "id": ELECTION, "title": "打分测试 score test",
        "contests": [contest("electronic")]});
    let (code, v) = s.create_plaintext(&org, &spec);
    assert_eq!(code, 201, "{v}");
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll(8));
    assert_eq!(st, 200, "{v}");
    let tokens = s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/s/open", Some(&org), None);
    for i in 1..=7 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("M{i:03}")})),
        );
    }
    // The kiosk is told the contest takes scores up to 100.
    let b = s.ok(
        "POST",
        "/api/v1/kiosk/ballot",
        Some(&kiosk),
        Some(&json!({"token": tokens[0]})),
    );
    let c = &b["contests"][0];
    assert_eq!(
        (c["scale"]["id"].as_str(), c["score_max"].as_u64()),
        (Some("score"), Some(100)),
        "{b}"
    );
    let cast = |t: &str, scores: Value| {
        s.call(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "s", "scores": scores}]})),
        )
    };
    // Refused at the kiosk and nothing spent: a score over 100, a grade, a fraction.
    for (bad, want) in [
        (json!({"a": 101}), "score_out_of_range"),
        (json!({"a": 99.5}), "ballot_json"),
        (json!({"a": "excellent"}), "ballot_json"),
    ] {
        let (code, v) = cast(&tokens[0], bad.clone());
        assert_eq!((code, v["code"].as_str()), (422, Some(want)), "{bad}: {v}");
    }
    // Seven raters: a gets 95 90 88 85 100 60 87 (100 and 60 dropped: 89); b gets 55 62 58
    // 30 57 90 and one blank (90 and 30 dropped: 58, below 60).
    let a = [95, 90, 88, 85, 100, 60, 87];
    let bs = [
        Some(55),
        Some(62),
        Some(58),
        Some(30),
        Some(57),
        Some(90),
        None,
    ];
    for (i, t) in tokens.iter().take(7).enumerate() {
        let mut scores = json!({"a": a[i]});
        if let Some(v) = bs[i] {
            scores["b"] = json!(v);
        }
        let (code, v) = cast(t, scores);
        assert_eq!(code, 201, "{v}");
    }
    s.ok("POST", "/api/v1/contests/s/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/s/tally", Some(&teller), None);
    let index = r["index"].as_u64().or(r["result_index"].as_u64()).unwrap();
    let result = s.ok(
        "GET",
        &format!("/api/v1/results/{index}"),
        Some(&teller),
        None,
    );
    let rc = &result["result"]["contests"][0];
    assert_eq!(rc["scale"], "score", "{rc}");
    let subject = |id: &str| {
        rc["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            subject("a")["score"].as_str(),
            subject("a")["raters"].as_u64()
        ),
        (Some("89.00"), Some(7))
    );
    assert_eq!(
        subject("a")["dropped"],
        json!({"lowest": 60, "highest": 100})
    );
    assert_eq!(
        (
            subject("b")["score"].as_str(),
            subject("b")["unscored"].as_u64()
        ),
        (Some("58.00"), Some(1))
    );
    assert_eq!(subject("b")["flags"][0]["code"], "score_below");

    // The board, the CSV and the XLSX say the same.
    s.sign_and_publish(&teller, &org, index);
    let board = ureq::get(&format!("{}/board/{index}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    for want in [
        "打分人数",
        "去掉的最高/最低分",
        "89.00",
        "100 / 60",
        "58.00",
        "低于 60",
    ] {
        assert!(board.contains(want), "the board lacks {want}");
    }
    let csv = ureq::get(&format!("{}/api/v1/results/{index}/csv", s.base))
        .set("Authorization", &format!("Bearer {teller}"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        csv.contains("平均分") && csv.contains("89.00") && csv.contains("58.00"),
        "{csv}"
    );
    let xlsx = ureq::get(&format!("{}/api/v1/results/{index}/xlsx", s.base))
        .set("Authorization", &format!("Bearer {teller}"))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut xlsx.into_reader(), &mut bytes).unwrap();
    assert!(bytes.starts_with(b"PK"), "not an XLSX file");
    let sheets = zip_text(&bytes);
    assert!(
        sheets.contains("去掉的最高分") && sheets.contains("赵村长"),
        "the XLSX lacks the scores"
    );

    // The export verifies: the recount reaches the same scores.
    let tar = dir.join("export.tar");
    s.export_tar(Some(&teller), &tar);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["verify", &tar.display().to_string(), "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every shared string and sheet of an XLSX file (a zip), as one text.
fn zip_text(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().ends_with(".xml") {
            std::io::Read::read_to_string(&mut f, &mut out).unwrap();
        }
    }
    out
}

#[test]
fn an_encrypted_election_takes_scores_on_paper_only() {
    let cli = Cli::new("rated-scores-encrypted");
    cli.tellers(3);
    let write = |c: Value| {
        let spec = json!({"format": "scrutineer.election/v1", "id": "scores-e2e", "contests": [c]});
        std::fs::write(cli.path("spec.json"), spec.to_string()).unwrap();
    };
    let init = [
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
    ];
    write(contest("electronic"));
    let said = cli.fail(&init);
    assert!(
        said.contains("e2e_shape") && said.contains("scale: score"),
        "{said}"
    );
    write(contest("paper"));
    cli.ok(&init);
    let _ = std::fs::remove_dir_all(&cli.dir);
}
