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
