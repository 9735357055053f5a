//! The re-vote of an invalid round (issue 14, item 1) over real HTTP: a party committee vote
//! whose quorum is not met (5·P > 4·E fails, BER Art. 7) is counted as "本轮无效"; the organiser
//! starts a re-vote of the same list with a logged reason; it gets its own round, style and
//! slips, is cast, closed and counted like any contest, and both rounds are on their boards.
//! A re-vote of a valid round, a second re-vote, one without a reason are refused; the
//! verifier names a forged re-vote of a valid round.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use serde_json::{json, Value};

use e2e_support::{forge, named, read_entries, Server};
use scrutineer::record::entry::{EntryKind, RevoteCreated};

const ELECTION: &str = "revote-2026";

fn spec() -> Value {
    json!({"format": "scrutineer.election/v1", "id": ELECTION, "title": "重新投票测试 re-vote test",
        "contests": [{"id": "c", "title": "镇党委委员", "kind": "party_committee", "seats": 3,
            "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"},
                           {"id": "d", "name": "张军"}, {"id": "e", "name": "陈静"}]}]})
}

fn roll(n: usize) -> String {
    let mut s = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n".to_string();
    for i in 1..=n {
        s.push_str(&format!("党员{i},M{i:03},一支部,1980-05-01,是,正式党员\n"));
    }
    s
}

fn ballot(for_: &[&str]) -> Value {
    let marks: serde_json::Map<String, Value> =
        for_.iter().map(|c| (c.to_string(), json!("for"))).collect();
    json!([{"contest": "", "marks": marks}])
}

#[test]
fn an_invalid_round_is_re_voted_with_the_same_list() {
    let dir = e2e_support::temp("revote");
    let s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");
    let teller = s.account(&org, "teller1", "teller");
    let kiosk = s.pair_kiosk(&org, "hall-1");
    assert_eq!(s.create_plaintext(&org, &spec()).0, 201);
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll(10));
    assert_eq!(st, 200, "{v}");
    let tokens = s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    // Five of ten present: 5·5 = 25 is not more than 4·10 = 40.
    for i in 1..=5 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("M{i:03}")})),
        );
    }
    let cast = |token: &str, contest: &str, for_: &[&str]| {
        let mut b = ballot(for_);
        b[0]["contest"] = json!(contest);
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": token, "ballots": b})),
        )
    };
    for t in tokens.iter().take(5) {
        cast(t, "c", &["a", "b", "d"]);
    }
    // A re-vote before the count: nothing invalid yet.
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/c/revote",
        Some(&org),
        Some(&json!({"reason": "到会人数未超过应到会人数的五分之四"})),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("round_not_invalid")),
        "{v}"
    );
    let row = |s: &Server| {
        s.ok("GET", "/api/v1/desk", Some(&desk), None)["contests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["contest"] == "c")
            .unwrap()
            .clone()
    };
    let before = row(&s);
    assert_eq!(
        (
            before["present"].as_u64(),
            before["ballots_received"].as_u64(),
            before["quorum"].as_str()
        ),
        (Some(5), Some(5), Some("not_met")),
        "{before}"
    );
    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    // Guard rails: after the close the desk refuses check-ins for it and its figures freeze.
    let (code, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "M006"})),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("contest_closed")),
        "{v}"
    );
    assert_eq!(row(&s)["present"], 5);
    let r = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None);
    let first = r["index"].as_u64().or(r["result_index"].as_u64()).unwrap();
    let result = s.ok(
        "GET",
        &format!("/api/v1/results/{first}"),
        Some(&teller),
        None,
    );
    assert_eq!(result["result"]["contests"][0]["valid"], false, "{result}");

    // The invalid round is posted (signed, published) before its re-vote.
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/c/revote",
        Some(&org),
        Some(&json!({"reason": "到会人数未超过应到会人数的五分之四"})),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("not_published")),
        "{v}"
    );
    let publish = |index: u64| s.sign_and_publish(&teller, &org, index);
    publish(first);

    // Refusals: no reason, an unknown contest, a teller.
    for (who, path, body, want) in [
        (
            &org,
            "/api/v1/contests/c/revote",
            json!({"reason": "  "}),
            "revote_reason",
        ),
        (
            &org,
            "/api/v1/contests/zz/revote",
            json!({"reason": "x"}),
            "unknown_contest",
        ),
        (
            &teller,
            "/api/v1/contests/c/revote",
            json!({"reason": "x"}),
            "forbidden",
        ),
    ] {
        let (_, v) = s.call("POST", path, Some(who), Some(&body));
        assert_eq!(v["code"], want, "{path}: {v}");
    }
    let size_before = s.ok("GET", "/api/v1/checkpoints", None, None)["latest"]["size"].clone();
    let v = s.ok(
        "POST",
        "/api/v1/contests/c/revote",
        Some(&org),
        Some(&json!({"reason": "到会人数未超过应到会人数的五分之四, 重新投票"})),
    );
    assert_ne!(
        s.ok("GET", "/api/v1/checkpoints", None, None)["latest"]["size"],
        size_before
    );
    assert_eq!(v["contest"]["id"], "c-v1", "{v}");
    assert_eq!(v["contest"]["seats"], 3);
    assert_eq!(
        v["contest"]["candidates"],
        spec()["contests"][0]["candidates"]
    );
    assert!(v["contest"]["title"].as_str().unwrap().contains("重新投票"));
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/c/revote",
        Some(&org),
        Some(&json!({"reason": "again"})),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("revote_exists")),
        "{v}"
    );

    // The new round: its own style, slips, check-ins, ballots, count.
    let e = s.ok("GET", "/api/v1/election", None, None);
    let styles = e["styles"].as_array().unwrap();
    assert_eq!(styles.len(), 2, "{e}");
    assert_eq!(styles[1]["contests"], json!(["c-v1"]));
    assert_eq!(styles[1]["round"], 2);
    let tokens2 = s.sheet(&org, 1);
    s.ok("POST", "/api/v1/contests/c-v1/open", Some(&org), None);
    for i in 1..=9 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("M{i:03}"), "round": 2})),
        );
    }
    // A first-round slip does not vote in the re-vote.
    let (code, _) = s.call(
        "POST",
        "/api/v1/ballots",
        Some(&kiosk),
        Some(&json!({"token": tokens[6], "ballots": [{"contest": "c-v1", "marks": {}}]})),
    );
    assert!(code >= 400);
    for (n, t) in tokens2.iter().take(9).enumerate() {
        let choice: &[&str] = if n < 6 {
            &["a", "b", "d"]
        } else {
            &["a", "b", "e"]
        };
        cast(t, "c-v1", choice);
    }
    s.ok("POST", "/api/v1/contests/c-v1/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/c-v1/tally", Some(&teller), None);
    let second = r["index"].as_u64().or(r["result_index"].as_u64()).unwrap();
    let result = s.ok(
        "GET",
        &format!("/api/v1/results/{second}"),
        Some(&teller),
        None,
    );
    let c = &result["result"]["contests"][0];
    assert_eq!(c["valid"], true, "{result}");
    assert_eq!(c["elected"], json!(["a", "b", "d"]), "{result}");
    publish(second);
    // Both rounds on their boards.
    let board1 = ureq::get(&format!("{}/board/{first}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        board1.contains("到会人数须超过应到会人数的五分之四") && board1.contains("5·P &gt; 4·E"),
        "the board does not say the quorum in words with its formula"
    );
    assert!(
        board1.contains("本轮无效"),
        "the first board does not say the round was invalid"
    );
    let board2 = ureq::get(&format!("{}/board/{second}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        board2.contains("重新投票") && board2.contains("五分之四"),
        "the re-vote's board does not say it is a re-vote and why"
    );

    // The export verifies and names the re-vote with its reason.
    let tar = dir.join("export.tar");
    s.export_tar(Some(&teller), &tar);
    let unpacked = dir.join("unpacked");
    tar::Archive::new(std::fs::File::open(&tar).unwrap())
        .unpack(&unpacked)
        .unwrap();
    let export = unpacked.join("scrutineer-export");
    let report = scrutineer::verify::verify_export(&export, &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert_eq!(report.revotes.len(), 1);
    assert!(report.revotes[0].reason.contains("五分之四"));

    // An auditor verifies straight from the hall's address (or any page's), and the tar the
    // auditor page downloads, with the same command.
    for target in [
        s.base.clone(),
        format!("{}/verify", s.base),
        tar.display().to_string(),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["verify", &target, "--json"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "verify {target}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["revotes"][0]["source"], "c", "{r}");
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["verify", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("cannot connect"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // The forger holding the log key: a re-vote of a round whose result says it was valid.
    let keys = scrutineer::ledger::keys::load_or_create(
        &dir.join("keys"),
        &scrutineer::record::entry::origin(ELECTION),
    )
    .unwrap()
    .log;
    let entries = read_entries(&export);
    let result_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::Result)
        .unwrap();
    let revote_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::RevoteCreated)
        .unwrap();
    // A re-vote logged before the round was counted (so before anything said it was invalid).
    let closed_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::ContestClosed)
        .unwrap();
    assert!(closed_at < result_at);
    // Right after the close's append (the close and the pools it voids, protocol 11).
    let after_close = closed_at
        + 1
        + entries[closed_at + 1..]
            .iter()
            .take_while(|e| e.kind == EntryKind::TokensVoided)
            .count();
    let out = dir.join("forged-early");
    let r = forge(&export, &out, ELECTION, &keys, |es| {
        let e = es[revote_at].clone();
        es.insert(after_close, e);
    });
    named(&r, &["round_not_invalid"], after_close);
    let out = dir.join("forged-reason");
    let r = forge(&export, &out, ELECTION, &keys, |es| {
        let mut b: RevoteCreated = serde_json::from_slice(&es[revote_at].body).unwrap();
        b.reason = " ".into();
        es[revote_at].body = serde_json::to_vec(&b).unwrap();
    });
    named(&r, &["revote_reason"], revote_at);
    let out = dir.join("forged-twice");
    let r = forge(&export, &out, ELECTION, &keys, |es| {
        let mut b: RevoteCreated = serde_json::from_slice(&es[revote_at].body).unwrap();
        b.contest["id"] = json!("c-v2");
        b.style.contests = vec!["c-v2".into()];
        let mut e = es[revote_at].clone();
        e.body = serde_json::to_vec(&b).unwrap();
        es.insert(revote_at + 1, e);
    });
    named(&r, &["revote_exists"], revote_at + 1);
    // A re-vote whose contest is not the source as it was (its title changed).
    let out = dir.join("forged-content");
    let r = forge(&export, &out, ELECTION, &keys, |es| {
        let mut b: RevoteCreated = serde_json::from_slice(&es[revote_at].body).unwrap();
        b.contest["title"] = json!("另一个选举项目");
        es[revote_at].body = serde_json::to_vec(&b).unwrap();
    });
    named(&r, &["round_contest"], revote_at);
    let _ = std::fs::remove_dir_all(&dir);
}
