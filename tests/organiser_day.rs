//! An organiser's day over real HTTP (issue 14): a roll import reports every problem of the
//! file in one answer (a malformed date and a duplicate number together); the contest kinds
//! and their rules in words for the election builder; an election created without typing
//! turnout (the desk supplies it); times in the hall's zone (Asia/Shanghai by default) in a
//! refusal the registrar reads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use serde_json::{json, Value};

use e2e_support::Server;

fn spec() -> Value {
    // No turnout anywhere: the desk supplies E, P and I.
    json!({"format": "scrutineer.election/v1", "id": "day-2026", "title": "一天 a day",
        "contests": [{"id": "c", "title": "镇党委委员", "kind": "party_committee", "seats": 3,
            "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"},
                           {"id": "d", "name": "张军"}, {"id": "e", "name": "陈静"}]}]})
}

#[test]
fn an_organisers_day_without_dead_ends() {
    let dir = e2e_support::temp("organiser-day");
    let s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");

    // The kinds, each with its rules in one sentence (from the rules engine).
    let kinds = s.ok("GET", "/api/v1/kinds", None, None);
    let party = kinds["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "party_committee")
        .unwrap()
        .clone();
    assert_eq!(
        party["quorum"]["zh"], "到会人数须超过应到会人数的五分之四",
        "{party}"
    );
    assert_eq!(party["quorum"]["formula"], "5·P > 4·E");
    assert!(party["surplus"]["zh"].as_str().unwrap().contains("20%"));
    assert_eq!(party["proxies"], false);
    let npc = kinds["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "npc_direct")
        .unwrap()
        .clone();
    assert_eq!(npc["proxies"], true, "{npc}");
    assert_eq!(kinds["kinds"].as_array().unwrap().len(), 11);

    // The surplus check the builder runs as the organiser types needs no turnout either.
    let check = s.ok(
        "POST",
        "/api/v1/tally",
        None,
        Some(&json!({"spec": spec(), "ballots": ""})),
    );
    assert_eq!(check["contests"][0]["id"], "c", "{check}");
    assert_eq!(s.create_plaintext(&org, &spec()).0, 201);

    // One answer lists every problem of the file: a malformed birth date (a format problem)
    // and a duplicate number (a rule over the rows), which used to come in two passes.
    let roll = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n\
                党员1,M001,一支部,1980-05-01,是,正式党员\n\
                党员2,M002,一支部,1980/05/01,是,正式党员\n\
                党员3,M003,一支部,1980-05-01,是,正式党员\n\
                党员4,M003,一支部,1981-05-01,是,正式党员\n";
    let (code, v) = s.post_text("/api/v1/roll", &org, roll);
    assert_eq!(
        (code, v["code"].as_str()),
        (422, Some("roll_refused")),
        "{v}"
    );
    let lines: Vec<u64> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert!(lines.contains(&3), "the malformed date is not listed: {v}");
    assert!(
        lines.iter().any(|l| *l == 4 || *l == 5),
        "the duplicate number is not listed with it: {v}"
    );
    // Nothing was imported: the fixed file goes in whole.
    let fixed = roll
        .replace("1980/05/01", "1980-05-01")
        .replace("党员4,M003", "党员4,M004");
    let (code, v) = s.post_text("/api/v1/roll", &org, &fixed);
    assert_eq!(code, 200, "{v}");
    // A county's roll is larger than the service's other requests (8 MiB): it is read up to
    // the roll's own limit (64 MiB), past which the answer has its code, not a bare 413.
    let big = format!("x,y\n{}", "a,b\n".repeat(9 << 18));
    assert!(big.len() > 9 << 20);
    let (code, v) = s.post_text("/api/v1/roll", &org, &big);
    assert_eq!((code, v["code"].as_str()), (422, Some("bad_header")), "{v}");
    let huge = "a,b\n".repeat((64 << 20) / 4 + 1);
    let (code, v) = s.post_text("/api/v1/roll", &org, &huge);
    assert_eq!(
        (code, v["code"].as_str()),
        (413, Some("request_too_large")),
        "{v}"
    );

    // The hall's zone: /healthz says it, and a refusal shows the wall-clock time with it.
    let h = s.ok("GET", "/healthz", None, None);
    assert_eq!(
        (h["timezone"].as_str(), h["utc_offset_minutes"].as_i64()),
        (Some("Asia/Shanghai"), Some(480))
    );
    s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    s.ok(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "M001"})),
    );
    let (code, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "M001"})),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("already_checked_in")),
        "{v}"
    );
    let m = v["message"].as_str().unwrap();
    assert!(m.contains("(UTC+8)") && !m.contains(" UTC "), "{m}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An evaluator group that one or two voters evaluate in is published on its own (RULES.md
/// section 3), so its figures show how they rated: the roll's import warns the organiser
/// (`small_group`) while it can still be changed, and never refuses the roll for it.
#[test]
fn a_roll_that_leaves_an_evaluator_group_of_two_is_imported_with_a_warning() {
    let dir = e2e_support::temp("organiser-small-group");
    let s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let spec = json!({"format": "scrutineer.election/v1", "id": "eval-2026", "title": "测评",
        "contests": [{"id": "eval", "title": "年度民主测评", "kind": "evaluation",
            "scale": "individual",
            "subjects": [{"id": "s1", "name": "王芳"}, {"id": "s2", "name": "李强"}],
            "groups": [{"id": "leaders", "title": "分管领导", "weight": 1},
                       {"id": "staff", "title": "干部职工", "weight": 2},
                       {"id": "panel", "weight": 1}]}]});
    let styles: Vec<Value> = [("领导", "leaders"), ("职工", "staff"), ("考核组", "panel")]
        .iter()
        .map(|(u, g)| json!({"round": 1, "contests": ["eval"], "unit": u, "group": g}))
        .collect();
    let (code, v) = s.call(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"spec": spec, "styles": styles,
            "tellers": [e2e_support::plain_teller().verifier().unwrap().to_text()],
            "signatures_required": 1, "election_date": "2026-12-01",
            "secrecy": {"mode": "plaintext", "reason": "测试 test"}})),
    );
    assert_eq!(code, 201, "{v}");
    let warnings = |v: &Value| -> Vec<(String, String)> {
        v["warnings"]
            .as_array()
            .unwrap_or_else(|| panic!("no warnings list: {v}"))
            .iter()
            .map(|w| {
                (
                    w["code"].as_str().unwrap().to_string(),
                    w["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    // Two leaders and one panel member: both groups are named, with their counts.
    let roll = e2e_support::public_roll(&[("领导", "L", 2), ("职工", "S", 9), ("考核组", "P", 1)]);
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["imported"], 12);
    let w = warnings(&v);
    assert_eq!(w.len(), 2, "{v}");
    assert!(w.iter().all(|(code, _)| code == "small_group"), "{v}");
    assert!(
        w[0].1.contains("分管领导") && w[0].1.contains("只有 2 人"),
        "{v}"
    );
    assert!(
        w[1].1.contains("“panel”") && w[1].1.contains("only 1 voter"),
        "{v}"
    );
    // They stay on the organiser's election summary, not only in the import's answer.
    let summary = s.ok("GET", "/api/v1/election", Some(&org), None);
    assert_eq!(
        warnings(&json!({"warnings": summary["roll_warnings"]})),
        w,
        "{summary}"
    );

    // Three in every group: nothing to warn about.
    let roll = e2e_support::public_roll(&[("领导", "L", 3), ("职工", "S", 9), ("考核组", "P", 3)]);
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll);
    assert_eq!(st, 200, "{v}");
    assert_eq!(warnings(&v), vec![]);
    let summary = s.ok("GET", "/api/v1/election", Some(&org), None);
    assert_eq!(summary["roll_warnings"], json!([]));

    // A plaintext ballot of the leaders' style is a leaders' ballot: logged under another
    // group it would take that group's weight (the service and the verifier both refuse it).
    let desk = s.account(&org, "desk1", "registrar");
    let kiosk = s.pair_kiosk(&org, "hall-1");
    let tokens = s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/eval/open", Some(&org), None);
    s.ok(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "L0001"})),
    );
    let ballot = |group: &str| {
        json!({"token": tokens[0], "ballots": [{"contest": "eval", "group": group,
            "ratings": {"s1": "excellent", "s2": "competent"}}]})
    };
    let (code, v) = s.call(
        "POST",
        "/api/v1/ballots",
        Some(&kiosk),
        Some(&ballot("staff")),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (422, Some("ballot_style_mismatch")),
        "{v}"
    );
    let (code, v) = s.call(
        "POST",
        "/api/v1/ballots",
        Some(&kiosk),
        Some(&ballot("leaders")),
    );
    assert_eq!(code, 201, "{v}");
}

/// One contest's write-in lines are shuffled in one log entry, which holds at most
/// `e2e::shuffle_lines_max` lines (README, "Not finished"): a roll that puts more voters ×
/// lines into an encrypted contest is imported with a warning (`write_ins_too_many`) naming
/// the figures, while the contest can still be split; a contest within the limit, and the
/// same roll in a plaintext election, are not warned of.
#[test]
fn a_roll_too_large_for_one_write_in_shuffle_is_imported_with_a_warning() {
    let max = scrutineer::e2e::shuffle_lines_max(true);
    // Three seats: three write-in lines per ballot.
    let voters = max / 3 + 1;
    let spec = json!({"format": "scrutineer.election/v1", "id": "big-2026", "title": "大选区",
        "contests": [
            {"id": "big", "title": "第一选区", "kind": "npc_direct", "seats": 3,
             "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"},
                            {"id": "c", "name": "张军"}, {"id": "d", "name": "陈静"}]},
            {"id": "one", "title": "第二选区", "kind": "npc_direct", "seats": 1,
             "candidates": [{"id": "e", "name": "刘洋"}, {"id": "f", "name": "赵敏"}]}]});
    let styles = json!([{"round": 1, "contests": ["big"], "unit": "一区"},
                        {"round": 1, "contests": ["one"], "unit": "二区"}]);
    let tellers: Vec<String> = (1..=3u8)
        .map(|i| {
            scrutineer::record::note::Signer::new(
                &format!("teller-{i}"),
                ed25519_dalek::SigningKey::from_bytes(&[i; 32]),
            )
            .unwrap()
            .verifier()
            .unwrap()
            .to_text()
        })
        .collect();
    // Both contests get the same number of voters: the one-seat contest has one line each.
    let roll = e2e_support::public_roll(&[
        ("一区", "A", voters as usize),
        ("二区", "B", voters as usize),
    ]);
    for encrypted in [true, false] {
        let dir = e2e_support::temp("organiser-write-ins");
        let s = Server::start(&dir);
        let org = s.login("organiser", &s.organiser_password);
        let mut body = json!({"spec": spec, "styles": styles, "tellers": tellers,
            "election_date": "2026-12-01"});
        if !encrypted {
            body["secrecy"] = json!({"mode": "plaintext", "reason": "测试 test"});
            body["signatures_required"] = json!(1);
        }
        let (code, v) = s.call("POST", "/api/v1/election", Some(&org), Some(&body));
        assert_eq!(code, 201, "{v}");
        let (st, v) = s.post_text("/api/v1/roll", &org, &roll);
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["imported"], voters * 2);
        let w = v["warnings"].as_array().unwrap();
        if encrypted {
            assert_eq!(w.len(), 1, "{v}");
            assert_eq!(w[0]["code"], "write_ins_too_many", "{v}");
            let m = w[0]["message"].as_str().unwrap();
            assert!(
                m.contains("第一选区")
                    && m.contains(&format!("{voters} voters × 3 write-in lines"))
                    && m.contains(&format!("({max})")),
                "{m}"
            );
        } else {
            assert!(w.is_empty(), "{v}");
        }
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
