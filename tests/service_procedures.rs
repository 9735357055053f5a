//! Over real HTTP: a democratic evaluation end to end, a two-ballot procedure (两票制: a
//! recommendation poll whose shortlist becomes the next round's candidate list), and a hybrid
//! contest where tellers key in paper ballots (唱票) beside the kiosks; the export verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;
mod service;

use serde_json::{json, Value};
use service::{tokens_from_sheet, Server};

#[test]
fn evaluation_two_ballot_procedure_and_paper_ballots() {
    let s = Server::start("procedures", &[]);
    let org = s.login("organiser", &s.organiser_password);
    let mut tok = std::collections::HashMap::new();
    for (user, role) in [("desk", "registrar"), ("teller", "teller")] {
        let pw = s.ok(
            "POST",
            "/api/v1/accounts",
            Some(&org),
            Some(&json!({"username": user, "role": role})),
        )["password"]
            .as_str()
            .unwrap()
            .to_string();
        tok.insert(user, s.login(user, &pw));
    }
    let kiosk = s.pair_kiosk(&org, "k");
    let (desk, teller) = (tok["desk"].clone(), tok["teller"].clone());
    let names = ["王芳", "李强", "张军", "刘洋", "陈静"];
    let spec = json!({"format": "scrutineer.election/v1", "id": "lanhe-2026", "title": "兰河村换届", "contests": [
        {"id": "poll", "title": "村委会候选人民意测验", "kind": "recommendation", "seats": 2, "max_marks": 2,
         "shortlist": {"posts": 2, "candidates": 3},
         "candidates": names.iter().enumerate().map(|(i, n)| json!({"id": format!("p{i}"), "name": n})).collect::<Vec<_>>(),
         "turnout": {"eligible": 10, "present": 10, "ballots_issued": 10}},
        {"id": "eval", "title": "村干部民主测评", "kind": "evaluation", "seats": 1, "scale": "individual",
         "subjects": [{"id": "s1", "name": "赵主任"}, {"id": "s2", "name": "钱会计"}],
         "turnout": {"eligible": 10, "present": 10, "ballots_issued": 10}}]});
    s.ok("POST", "/api/v1/election", Some(&org), Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "election_date": "2026-12-01", "styles": [{"round": 1, "unit": "兰河村", "contests": ["poll", "eval"]}]})));
    let mut csv = "姓名,身份证号,选区,出生日期\n".to_string();
    for i in 1..=10 {
        csv.push_str(&format!("村民{i},X{i:03},兰河村,1970-01-0{}\n", i % 9 + 1));
    }
    assert_eq!(s.post_text("/api/v1/roll", &org, &csv).0, 200);
    let pool = |style: u16| {
        tokens_from_sheet(
            &ureq::post(&format!("{}/api/v1/pools", s.base))
                .set("Authorization", &format!("Bearer {org}"))
                .send_json(json!({"style": style}))
                .unwrap()
                .into_string()
                .unwrap(),
        )
    };
    let t1 = pool(0);
    s.ok("POST", "/api/v1/contests/poll/open", Some(&org), None);
    s.ok("POST", "/api/v1/contests/eval/open", Some(&org), None);
    for i in 1..=10 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("X{i:03}")})),
        );
    }
    // Poll: 王芳 10, 李强 6, 张军 4; evaluation: 赵主任 mostly 优秀, 钱会计 mostly 基本称职.
    for (i, t) in t1.iter().take(10).enumerate() {
        let second = if i < 6 { "p1" } else { "p2" };
        let fetched = s.ok(
            "POST",
            "/api/v1/kiosk/ballot",
            Some(&kiosk),
            Some(&json!({"token": t})),
        );
        assert_eq!(fetched["contests"][1]["scale"]["labels"][0], "优秀");
        let eval_grade = if i < 8 { "basic" } else { "competent" };
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [
            {"contest": "poll", "marks": {"p0": "for", second: "for"}},
            {"contest": "eval", "ratings": {"s1": "excellent", "s2": eval_grade}}]})),
        );
    }
    let mut published = Vec::new();
    for c in ["poll", "eval"] {
        s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/close"),
            Some(&teller),
            None,
        );
        let r = s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/tally"),
            Some(&teller),
            None,
        );
        let index = r["result_index"].as_u64().unwrap();
        s.ok(
            "POST",
            &format!("/api/v1/results/{index}/publish"),
            Some(&org),
            None,
        );
        published.push(r["result"]["contests"][0].clone());
    }
    assert_eq!(published[0]["elected"], json!(["p0", "p1", "p2"]));
    let s2 = published[1]["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "s2")
        .unwrap()
        .clone();
    assert_eq!(s2["favourable_rate"], "20.00");
    assert_eq!(s2["flags"][0]["code"], "favourable_below");

    // Round two: the poll's shortlist becomes the villager committee's list (C = 3 > s = 2).
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/poll/next-round",
        Some(&org),
        Some(&json!({"id": "vc", "kind": "villager_committee", "seats": 3})),
    );
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (422, "surplus_rule_broken"),
        "{v}"
    );
    let v = s.ok("POST", "/api/v1/contests/poll/next-round", Some(&org), Some(&json!({"id": "vc", "title": "村委会委员", "kind": "villager_committee", "seats": 2, "mode": "hybrid"})));
    assert_eq!(v["contest"]["candidates"].as_array().unwrap().len(), 3);
    let t2 = pool(1);
    s.ok("POST", "/api/v1/contests/vc/open", Some(&org), None);
    for i in 1..=9 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("X{i:03}"), "round": 2})),
        );
    }
    for t in t2.iter().take(6) {
        s.ok("POST", "/api/v1/ballots", Some(&kiosk), Some(&json!({"token": t, "ballots": [{"contest": "vc", "marks": {"p0": "for", "p1": "for"}}]})));
    }
    // Three paper ballots read aloud; one marks three names for two seats and is void.
    let paper = |marks: Value| {
        s.ok(
            "POST",
            "/api/v1/contests/vc/paper-ballots",
            Some(&teller),
            Some(&json!({"ballot": {"contest": "vc", "marks": marks}})),
        )
    };
    assert_eq!(
        paper(json!({"p0": "for", "p2": "for"}))["void"],
        Value::Null
    );
    assert_eq!(paper(json!({"p2": "for"}))["void"], Value::Null);
    assert_eq!(
        paper(json!({"p0": "for", "p1": "for", "p2": "for"}))["void"],
        "over_marked"
    );
    // Paper entry is refused for electronic contests and with the wrong role.
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/poll/paper-ballots",
        Some(&teller),
        Some(&json!({"ballot": {"contest": "poll", "marks": {}}})),
    );
    assert!(code == 409 || code == 422, "{v}");
    assert_eq!(
        s.call(
            "POST",
            "/api/v1/contests/vc/paper-ballots",
            Some(&kiosk),
            Some(&json!({"ballot": {}}))
        )
        .0,
        403
    );
    s.ok("POST", "/api/v1/contests/vc/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/vc/tally", Some(&teller), None);
    let c = &r["result"]["contests"][0];
    assert_eq!(
        c["ballots"],
        json!({"issued": 9, "returned": 9, "valid": 8, "void": 1})
    );
    assert_eq!(c["elected"], json!(["p0", "p1"]));
    s.ok(
        "POST",
        &format!("/api/v1/results/{}/publish", r["result_index"]),
        Some(&org),
        None,
    );

    let resp = ureq::get(&format!("{}/api/v1/export", s.base))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    tar::Archive::new(bytes.as_slice())
        .unpack(s.dir.join("x"))
        .unwrap();
    let report = scrutineer::verify::verify_export(&s.dir.join("x/scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert_eq!(report.results, 3);

    // A forger holding the log key cannot list someone else in the next round: its list is
    // whom the published poll passed on, rebuilt by the verifier (`record::rounds`).
    let export = s.dir.join("x/scrutineer-export");
    let log_key = scrutineer::ledger::keys::load_or_create(
        &s.dir.join("keys"),
        &scrutineer::record::entry::origin(&report.election),
    )
    .unwrap()
    .log;
    let entries = e2e_support::read_entries(&export);
    let at = e2e_support::find(
        &entries,
        scrutineer::record::entry::EntryKind::ContestCreated,
        0,
    );
    let r = e2e_support::forge(
        &export,
        &s.dir.join("forged-next"),
        &report.election,
        &log_key,
        |es| {
            e2e_support::edit(
                &mut es[at],
                |b: &mut scrutineer::record::entry::ContestCreated| {
                    b.contest["candidates"][0]["name"] = json!("别人");
                },
            )
        },
    );
    e2e_support::named(&r, &["round_contest"], at);
}

#[test]
fn demo_loads_a_party_congress_with_every_role() {
    let s = Server::start("demo", &["--demo"]);
    let e = s.ok("GET", "/api/v1/election", None, None);
    assert_eq!(e["id"], "qingshan-party-congress-2026");
    // The demo leaves printing the slips and opening to the organiser, in that order.
    assert!(e["contests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["state"] == "draft"));
    let org = s.login("organiser", &s.organiser_password);
    assert_eq!(
        s.ok("GET", "/api/v1/desk", Some(&org), None)["roll_size"],
        150
    );
    let accounts = s.ok("GET", "/api/v1/accounts", Some(&org), None);
    let roles: Vec<&str> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    for r in ["organiser", "registrar", "teller", "auditor"] {
        assert!(roles.contains(&r), "{roles:?}");
    }
    // No slip sheet is written into the data directory: slips come from the organiser page.
    assert!(!s.dir.join("data/demo-slips.html").exists());
    let tokens = s.sheet(&org, &json!({"style": 0}));
    assert_eq!(tokens.len(), 158, "150 members plus 5%");
}

#[test]
fn a_runoff_that_cannot_meet_its_surplus_rule_is_reported_not_forced() {
    // Seed 003's 7 seats ⇒ 差额 1 committee; nobody reaches a majority, so all 7 seats are
    // unfilled, and the 8 not-elected candidates are fewer than the 9 a new round needs.
    let s = Server::start("short-runoff", &[]);
    let org = s.login("organiser", &s.organiser_password);
    let pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "t", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let teller = s.login("t", &pw);
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/township-party-congress/spec.json"
        ))
        .unwrap(),
    )
    .unwrap();
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "election_date": "2026-12-01"})),
    );
    let kiosk = s.pair_kiosk(&org, "k");
    // Ten members on the roll, nine present: the quorum (5·P > 4·E) is met.
    s.roll(&org, "青山镇", "D", 10);
    let desk = s.registrar(&org, "desk");
    s.check_in_range(&desk, "D", 1, 9);
    let tokens = s.sheet(&org, &json!({"style": 0, "count": 3}));
    s.ok("POST", "/api/v1/contests/committee/open", Some(&org), None);
    s.ok("POST", "/api/v1/contests/discipline/open", Some(&org), None);
    s.ok("POST", "/api/v1/ballots", Some(&kiosk), Some(&json!({"token": tokens[0], "ballots": [
        {"contest": "committee", "marks": {"c1": "for"}}, {"contest": "discipline", "marks": {"d1": "for"}}]})));
    s.ok(
        "POST",
        "/api/v1/contests/committee/close",
        Some(&teller),
        None,
    );
    let r = s.ok(
        "POST",
        "/api/v1/contests/committee/tally",
        Some(&teller),
        None,
    );
    assert_eq!(r["result"]["contests"][0]["runoff"]["short_list"], true);
    let p = s.ok(
        "POST",
        &format!("/api/v1/results/{}/publish", r["result_index"]),
        Some(&org),
        None,
    );
    assert_eq!(p["runoffs"], json!([]));
    assert_eq!(p["runoffs_blocked"][0]["code"], "runoff_list_short");
    assert_eq!(
        s.ok("GET", "/api/v1/public/results", None, None)["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
