//! Whole elections over real HTTP against the `scrutineer serve` binary: a township party
//! congress (delegates by unit, a committee with 差额, a secretary 等额) and an `npc_direct`
//! constituency with proxies and a runoff, from setup to published results; the exported log
//! passes the verifier.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use service::{tokens_from_sheet, Server};

use scrutineer::ledger::teller_signature_line;
use scrutineer::record::merkle::verify_inclusion;
use scrutineer::record::note::{Checkpoint, Note, Signer};

fn tellers() -> (Signer, Signer) {
    (
        Signer::new("teller-wang", SigningKey::from_bytes(&[11u8; 32])).unwrap(),
        Signer::new("teller-li", SigningKey::from_bytes(&[12u8; 32])).unwrap(),
    )
}

fn roll_csv(rows: &[(&str, &str, &str, &str)]) -> String {
    let mut s = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n".to_string();
    for (name, number, unit, membership) in rows {
        s.push_str(&format!(
            "{name},{number},{unit},1980-05-0{},是,{membership}\n",
            number.len() % 9 + 1
        ));
    }
    s
}

struct Staff {
    org: String,
    desk: String,
    kiosk: String,
    teller: String,
    /// A second teller's account: one account signs with one key.
    teller2: String,
}

fn staff(s: &Server) -> Staff {
    let org = s.login("organiser", &s.organiser_password);
    let mut pw = std::collections::HashMap::new();
    for (user, role) in [
        ("desk1", "registrar"),
        ("teller1", "teller"),
        ("teller2", "teller"),
        ("audit1", "auditor"),
    ] {
        let v = s.ok(
            "POST",
            "/api/v1/accounts",
            Some(&org),
            Some(&json!({"username": user, "role": role})),
        );
        pw.insert(user, v["password"].as_str().unwrap().to_string());
    }
    let code = s.ok("POST", "/api/v1/kiosks/pairing", Some(&org), None)["code"]
        .as_str()
        .unwrap()
        .to_string();
    let kiosk = s.ok(
        "POST",
        "/api/v1/kiosks/pair",
        None,
        Some(&json!({"code": code, "name": "hall-1"})),
    )["token"]
        .as_str()
        .unwrap()
        .to_string();
    // A pairing code works once.
    assert_eq!(
        s.call(
            "POST",
            "/api/v1/kiosks/pair",
            None,
            Some(&json!({"code": code, "name": "hall-2"}))
        )
        .0,
        422
    );
    Staff {
        desk: s.login("desk1", &pw["desk1"]),
        teller: s.login("teller1", &pw["teller1"]),
        teller2: s.login("teller2", &pw["teller2"]),
        kiosk,
        org,
    }
}

fn cast(s: &Server, kiosk: &str, token: &str, ballots: Value) -> String {
    let fetched = s.ok(
        "POST",
        "/api/v1/kiosk/ballot",
        Some(kiosk),
        Some(&json!({"token": token})),
    );
    assert!(fetched["contests"].as_array().unwrap().len() == ballots.as_array().unwrap().len());
    let r = s.ok(
        "POST",
        "/api/v1/ballots",
        Some(kiosk),
        Some(&json!({"token": token, "ballots": ballots})),
    );
    r["receipt"].as_str().unwrap().to_string()
}

fn sign_and_publish(s: &Server, st: &Staff, index: u64, signers: &[&Signer]) -> Value {
    let r = s.ok(
        "GET",
        &format!("/api/v1/results/{index}"),
        Some(&st.teller),
        None,
    );
    let text = r["checkpoint_text"].as_str().unwrap();
    for (n, signer) in signers.iter().enumerate() {
        let line = if n == 0 {
            teller_signature_line(text, signer).unwrap()
        } else {
            // The second teller signs on their own machine with `scrutineer teller sign`.
            let key = s.dir.join(format!("teller-{n}.key"));
            std::fs::write(&key, signer.to_text()).unwrap();
            let cp = s.dir.join(format!("checkpoint-{index}.txt"));
            std::fs::write(&cp, text).unwrap();
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
                .args(["teller", "sign", "--key"])
                .arg(&key)
                .arg("--text")
                .arg(&cp)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).unwrap().trim_end().to_string()
        };
        let account = if n == 0 { &st.teller } else { &st.teller2 };
        if n > 0 {
            // The first teller's account cannot hand in a second teller's signature.
            let (code, v) = s.call(
                "POST",
                &format!("/api/v1/results/{index}/signatures"),
                Some(&st.teller),
                Some(&json!({"line": line})),
            );
            assert_eq!(
                (code, v["code"].as_str()),
                (409, Some("key_not_yours")),
                "{v}"
            );
        }
        s.ok(
            "POST",
            &format!("/api/v1/results/{index}/signatures"),
            Some(account),
            Some(&json!({"line": line})),
        );
    }
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/publish"),
        Some(&st.org),
        None,
    )
}

fn check_receipt(s: &Server, receipt: &str) {
    let r = s.ok("GET", &format!("/api/v1/receipts/{receipt}"), None, None);
    let note = Note::parse(r["checkpoint"].as_str().unwrap().as_bytes()).unwrap();
    let cp = Checkpoint::parse(&note.text).unwrap();
    let hex = |t: &str| -> [u8; 32] {
        (0..32)
            .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap()
    };
    let proof: Vec<[u8; 32]> = r["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| hex(p.as_str().unwrap()))
        .collect();
    verify_inclusion(
        &hex(r["hash"].as_str().unwrap()),
        r["index"].as_u64().unwrap(),
        cp.size,
        &proof,
        &cp.root,
    )
    .unwrap();
}

fn export_verifies(s: &Server) -> scrutineer::verify::Report {
    let resp = ureq::get(&format!("{}/api/v1/export", s.base))
        .call()
        .unwrap();
    // Streamed from the log as it is sent: no length up front, and nothing written to disk.
    assert!(resp.header("X-Scrutineer-Log-Size").is_some());
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    assert!(!s.dir.join("data/exports").exists());
    let out = s.dir.join("unpacked");
    tar::Archive::new(bytes.as_slice()).unpack(&out).unwrap();
    let report = scrutineer::verify::verify_export(&out.join("scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");
    // And the auditor's command on the same files.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .arg("verify")
        .arg(out.join("scrutineer-export"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    report
}

#[test]
fn township_party_congress_from_setup_to_verified_result() {
    let s = Server::start("party", &[]);
    let st = staff(&s);
    let (wang, li) = tellers();
    let cands = |ids: &[(&str, &str)]| {
        ids.iter()
            .map(|(i, n)| json!({"id": i, "name": n}))
            .collect::<Vec<_>>()
    };
    let t = json!({"eligible": 10, "present": 10, "ballots_issued": 10});
    let spec = json!({"format": "scrutineer.election/v1", "id": "heshan-party-2026", "title": "河山镇第十六次党代会", "contests": [
        {"id": "del-1", "title": "一支部党代会代表", "kind": "party_delegates", "seats": 2, "candidates": cands(&[("a1", "王一"), ("a2", "李二"), ("a3", "张三")]), "turnout": t},
        {"id": "del-2", "title": "二支部党代会代表", "kind": "party_delegates", "seats": 2, "candidates": cands(&[("b1", "赵四"), ("b2", "钱五"), ("b3", "孙六")]), "turnout": t},
        {"id": "committee", "title": "镇党委委员", "kind": "party_committee", "seats": 5, "candidates": cands(&[("c1", "周一"), ("c2", "吴二"), ("c3", "郑三"), ("c4", "冯四"), ("c5", "陈五"), ("c6", "褚六")]), "turnout": t},
        {"id": "secretary", "title": "镇党委书记", "kind": "party_secretary", "seats": 1, "candidates": cands(&[("s1", "周一")]), "turnout": t}
    ]});
    let styles = json!([
        {"round": 1, "unit": "一支部", "contests": ["del-1"]},
        {"round": 1, "unit": "二支部", "contests": ["del-2"]},
        {"round": 1, "unit": "代表大会", "contests": ["committee"]},
        {"round": 1, "unit": "全委会", "contests": ["secretary"]}
    ]);
    // A committee list that breaks 差额 cannot even be created.
    let mut broken = spec.clone();
    broken["contests"][2]["candidates"] = json!(cands(&[
        ("c1", "周一"),
        ("c2", "吴二"),
        ("c3", "郑三"),
        ("c4", "冯四"),
        ("c5", "陈五")
    ]));
    let (code, v) = s.call(
        "POST",
        "/api/v1/election",
        Some(&st.org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": broken, "styles": styles})),
    );
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (422, "surplus_rule_broken"),
        "{v}"
    );
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("党委委员 5 名应选, 候选人须不少于 6 名"));
    s.ok("POST", "/api/v1/election", Some(&st.org), Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "styles": styles, "election_date": "2026-12-01",
        "tellers": [wang.verifier().unwrap().to_text(), li.verifier().unwrap().to_text()], "signatures_required": 2})));

    // The roll: a probationary member refuses the whole file; fixed, it imports.
    let mut rows: Vec<(String, String, &str, &str)> = Vec::new();
    for (unit, prefix, n) in [
        ("一支部", "A", 10),
        ("二支部", "B", 10),
        ("代表大会", "C", 8),
        ("全委会", "S", 5),
    ] {
        for i in 1..=n {
            rows.push((
                format!("党员{prefix}{i}"),
                format!("{prefix}{i:03}"),
                unit,
                "正式",
            ));
        }
    }
    let as_refs = |rows: &[(String, String, &str, &str)]| -> String {
        roll_csv(
            &rows
                .iter()
                .map(|(a, b, c, d)| (a.as_str(), b.as_str(), *c, *d))
                .collect::<Vec<_>>(),
        )
    };
    let mut bad = rows.clone();
    bad.push(("预备甲".into(), "A999".into(), "一支部", "预备"));
    let (code, v) = s.post_text("/api/v1/roll", &st.org, &as_refs(&bad));
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (422, "roll_refused"),
        "{v}"
    );
    assert_eq!(v["rows"][0]["code"], "not_full_member");
    assert_eq!(
        s.ok("GET", "/api/v1/desk", Some(&st.desk), None)["roll_size"],
        0
    );
    let (code, v) = s.post_text("/api/v1/roll", &st.org, &as_refs(&rows));
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["imported"], 33);

    // Slips for each style, then open.
    let mut tokens = Vec::new();
    for style in 0..4 {
        let res = ureq::post(&format!("{}/api/v1/pools", s.base))
            .set("Authorization", &format!("Bearer {}", st.org))
            .send_json(json!({"style": style}))
            .unwrap();
        tokens.push(tokens_from_sheet(&res.into_string().unwrap()));
    }
    assert_eq!(tokens[0].len(), 11); // 10 + 5% spare, rounded up
    for c in ["del-1", "del-2", "committee", "secretary"] {
        s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/open"),
            Some(&st.org),
            None,
        );
    }

    // Check-in: proxies are refused in party elections; a second check-in is refused.
    let (code, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&st.desk),
        Some(&json!({"number": "A001", "principals": ["A002"]})),
    );
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (422, "proxy_refused_party")
    );
    let checkin = |n: &str| {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&st.desk),
            Some(&json!({"number": n})),
        )
    };
    for i in 1..=9 {
        checkin(&format!("A{i:03}"));
    }
    let (code, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&st.desk),
        Some(&json!({"number": "A001"})),
    );
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (409, "already_checked_in")
    );
    for i in 1..=10 {
        checkin(&format!("B{i:03}"));
    }
    for i in 1..=8 {
        checkin(&format!("C{i:03}"));
    }
    for i in 1..=5 {
        checkin(&format!("S{i:03}"));
    }
    let desk = s.ok("GET", "/api/v1/desk", Some(&st.desk), None);
    assert_eq!(
        desk["contests"][0],
        json!({"contest": "del-1", "state": "open", "eligible": 10, "present": 9, "slips_issued": 9, "quorum": "met", "ballots_received": 0})
    );
    // Search by pinyin initials and number.
    assert!(
        !s.ok("GET", "/api/v1/roll?q=dyA1", Some(&st.desk), None)["voters"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Casting.
    let mut receipts = Vec::new();
    let ballot = |c: &str, marks: &[&str]| json!([{"contest": c, "marks": marks.iter().map(|m| (m.to_string(), json!("for"))).collect::<serde_json::Map<_, _>>()}]);
    for (i, marks) in [
        &["a1", "a3"][..],
        &["a1", "a3"],
        &["a1", "a3"],
        &["a1", "a2"],
        &["a1", "a2"],
        &["a1", "a2"],
        &["a1", "a2"],
        &["a1", "a2"],
        &["a2"],
    ]
    .iter()
    .enumerate()
    {
        receipts.push(cast(&s, &st.kiosk, &tokens[0][i], ballot("del-1", marks)));
    }
    for tok in tokens[1].iter().take(10) {
        cast(&s, &st.kiosk, tok, ballot("del-2", &["b1", "b2"]));
    }
    // Over-marking is refused at the kiosk, and the token stays unspent.
    let over = json!({"token": tokens[2][0], "ballots": ballot("committee", &["c1", "c2", "c3", "c4", "c5", "c6"])});
    let (code, v) = s.call("POST", "/api/v1/ballots", Some(&st.kiosk), Some(&over));
    assert_eq!((code, v["code"].as_str().unwrap()), (422, "over_marked"));
    for tok in tokens[2].iter().take(8) {
        cast(
            &s,
            &st.kiosk,
            tok,
            ballot("committee", &["c1", "c2", "c3", "c4", "c5"]),
        );
    }
    for tok in tokens[3].iter().take(5) {
        cast(&s, &st.kiosk, tok, ballot("secretary", &["s1"]));
    }
    // A second use of a token is refused.
    let (code, v) = s.call(
        "POST",
        "/api/v1/ballots",
        Some(&st.kiosk),
        Some(&json!({"token": tokens[3][0], "ballots": ballot("secretary", &["s1"])})),
    );
    assert_eq!((code, v["code"].as_str().unwrap()), (409, "token_spent"));

    // Close, tally, sign, publish.
    let mut elected = std::collections::HashMap::new();
    for c in ["del-1", "del-2", "committee", "secretary"] {
        let closed = s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/close"),
            Some(&st.teller),
            None,
        );
        assert!(closed["present"].as_u64().unwrap() > 0);
        let r = s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/tally"),
            Some(&st.teller),
            None,
        );
        let index = r["result_index"].as_u64().unwrap();
        let contest = &r["result"]["contests"][0];
        assert_eq!(contest["valid"], true, "{contest}");
        elected.insert(c, contest["elected"].clone());
        // Publication waits for both tellers.
        let (code, v) = s.call(
            "POST",
            &format!("/api/v1/results/{index}/publish"),
            Some(&st.org),
            None,
        );
        assert_eq!(
            (code, v["code"].as_str().unwrap()),
            (409, "signatures_missing")
        );
        let p = sign_and_publish(&s, &st, index, &[&wang, &li]);
        assert_eq!(p["runoffs"], json!([]));
    }
    assert_eq!(elected["del-1"], json!(["a1", "a2"]));
    assert_eq!(elected["del-2"], json!(["b1", "b2"]));
    assert_eq!(elected["committee"], json!(["c1", "c2", "c3", "c4", "c5"]));
    assert_eq!(elected["secretary"], json!(["s1"]));

    let public = s.ok("GET", "/api/v1/public/results", None, None);
    assert_eq!(public["results"].as_array().unwrap().len(), 4);
    let first = public["results"][0]["index"].as_u64().unwrap();
    let signed = s.ok(
        "GET",
        &format!("/api/v1/public/results/{first}"),
        None,
        None,
    );
    assert_eq!(
        signed["checkpoint"]
            .as_str()
            .unwrap()
            .matches("— teller-")
            .count(),
        2
    );
    for r in &receipts {
        check_receipt(&s, r);
    }
    let board = ureq::get(&format!("{}/board/{first}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        board.contains("张榜公布") && board.contains("王一") && board.contains("teller-wang"),
        "{board}"
    );
    assert!(!board.contains("<script"));
    assert_eq!(s.call("GET", "/board/999", None, None).0, 404);
    let cp = s.ok("GET", "/checkpoint", None, None);
    assert!(cp
        .as_str()
        .unwrap()
        .starts_with("scrutineer/heshan-party-2026\n"));
    // Office exports.
    let csv = ureq::get(&format!("{}/api/v1/results/{first}/csv", s.base))
        .set("Authorization", &format!("Bearer {}", st.org))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(csv.contains("王一"));
    let report = export_verifies(&s);
    assert_eq!(report.ballots, 9 + 10 + 8 + 5);
    assert_eq!(report.results, 4);
}

#[test]
fn npc_direct_constituency_with_proxies_and_a_runoff() {
    let s = Server::start("npc", &[]);
    let st = staff(&s);
    let (wang, li) = tellers();
    let spec = json!({"format": "scrutineer.election/v1", "id": "hexi-d017-2026", "title": "河西县第十七选区", "contests": [
        {"id": "d017", "title": "第十七选区县人大代表", "kind": "npc_direct", "seats": 1,
         "candidates": [{"id": "n1", "name": "王芳"}, {"id": "n2", "name": "李强"}],
         "turnout": {"eligible": 12, "present": 12, "ballots_issued": 12}}]});
    s.ok("POST", "/api/v1/election", Some(&st.org), Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "styles": [{"round": 1, "unit": "第十七选区", "contests": ["d017"]}],
        "election_date": "2026-12-01", "tellers": [wang.verifier().unwrap().to_text(), li.verifier().unwrap().to_text()], "signatures_required": 2})));
    let rows: Vec<(String, String)> = (1..=12)
        .map(|i| (format!("选民{i}"), format!("V{i:03}")))
        .collect();
    let csv = roll_csv(
        &rows
            .iter()
            .map(|(n, num)| (n.as_str(), num.as_str(), "第十七选区", ""))
            .collect::<Vec<_>>(),
    );
    assert_eq!(s.post_text("/api/v1/roll", &st.org, &csv).0, 200);
    let sheet = ureq::post(&format!("{}/api/v1/pools", s.base))
        .set("Authorization", &format!("Bearer {}", st.org))
        .send_json(json!({"style": 0}))
        .unwrap()
        .into_string()
        .unwrap();
    let tokens = tokens_from_sheet(&sheet);
    s.ok("POST", "/api/v1/contests/d017/open", Some(&st.org), None);

    // V001 carries proxies for V002 and V003 (EL Art. 42): three slips; four principals are refused.
    let (code, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&st.desk),
        Some(&json!({"number": "V004", "principals": ["V005", "V006", "V007", "V008"]})),
    );
    assert_eq!(
        (code, v["code"].as_str().unwrap()),
        (422, "too_many_principals")
    );
    let v = s.ok(
        "POST",
        "/api/v1/checkins",
        Some(&st.desk),
        Some(&json!({"number": "V001", "principals": ["V002", "V003"]})),
    );
    assert_eq!(v["slips"], 3);
    let (code, _) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&st.desk),
        Some(&json!({"number": "V002"})),
    );
    assert_eq!(code, 409);
    for i in 4..=12 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&st.desk),
            Some(&json!({"number": format!("V{i:03}")})),
        );
    }
    let desk = s.ok("GET", "/api/v1/desk", Some(&st.desk), None);
    assert_eq!(desk["contests"][0]["present"], 12);
    assert_eq!(desk["contests"][0]["slips_issued"], 12);

    // 12 ballots: 王芳 5, 李强 4, 3 blank: nobody has more than half of 12.
    let b = |m: &[(&str, &str)]| json!([{"contest": "d017", "marks": m.iter().map(|(c, v)| (c.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()}]);
    for (i, tok) in tokens.iter().take(12).enumerate() {
        let marks: Vec<(&str, &str)> = if i < 5 {
            vec![("n1", "for")]
        } else if i < 9 {
            vec![("n2", "for")]
        } else {
            vec![]
        };
        cast(&s, &st.kiosk, tok, b(&marks));
    }
    s.ok(
        "POST",
        "/api/v1/contests/d017/close",
        Some(&st.teller),
        None,
    );
    let r = s.ok(
        "POST",
        "/api/v1/contests/d017/tally",
        Some(&st.teller),
        None,
    );
    let c = &r["result"]["contests"][0];
    assert_eq!(c["elected"], json!([]));
    assert_eq!(c["runoff"]["candidates"], json!(["n1", "n2"]));
    let p = sign_and_publish(&s, &st, r["result_index"].as_u64().unwrap(), &[&wang, &li]);
    assert_eq!(p["runoffs"], json!(["d017-r1"]));

    // The runoff: a new round with its own style, pool and check-in.
    let e = s.ok("GET", "/api/v1/election", None, None);
    let runoff = e["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "d017-r1")
        .unwrap()
        .clone();
    assert_eq!(runoff["parent"], "d017");
    assert_eq!(e["styles"][1]["round"], 2);
    let sheet = ureq::post(&format!("{}/api/v1/pools", s.base))
        .set("Authorization", &format!("Bearer {}", st.org))
        .send_json(json!({"style": 1}))
        .unwrap()
        .into_string()
        .unwrap();
    let tokens2 = tokens_from_sheet(&sheet);
    // A first-round token cannot vote in the runoff.
    let (code, v) = s.call(
        "POST",
        "/api/v1/kiosk/ballot",
        Some(&st.kiosk),
        Some(&json!({"token": tokens[12]})),
    );
    assert!(code >= 400, "{v}");
    s.ok("POST", "/api/v1/contests/d017-r1/open", Some(&st.org), None);
    for i in 1..=10 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&st.desk),
            Some(&json!({"number": format!("V{i:03}"), "round": 2})),
        );
    }
    let rb = |m: &str| json!([{"contest": "d017-r1", "marks": {m: "for"}}]);
    for (i, tok) in tokens2.iter().take(10).enumerate() {
        cast(&s, &st.kiosk, tok, rb(if i < 6 { "n1" } else { "n2" }));
    }
    s.ok(
        "POST",
        "/api/v1/contests/d017-r1/close",
        Some(&st.teller),
        None,
    );
    let r = s.ok(
        "POST",
        "/api/v1/contests/d017-r1/tally",
        Some(&st.teller),
        None,
    );
    let c = &r["result"]["contests"][0];
    assert_eq!(c["threshold"]["rule"], "3·for ≥ P (most for)");
    assert_eq!(c["elected"], json!(["n1"]));
    sign_and_publish(&s, &st, r["result_index"].as_u64().unwrap(), &[&wang, &li]);
    let report = export_verifies(&s);
    assert_eq!(report.ballots, 22);
    assert_eq!(report.results, 2);
}
