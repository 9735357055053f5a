//! Every endpoint × every role, and bad input of every endpoint class: each refusal has its
//! status and code, and the log and the counts are unchanged afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use serde_json::{json, Value};
use service::{tokens_from_sheet, Server};

use scrutineer::server::api::endpoints;
use scrutineer::server::auth::Role;

fn spec() -> Value {
    json!({"format": "scrutineer.election/v1", "id": "roles-2026", "title": "角色测试", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
         "turnout": {"eligible": 100, "present": 90, "ballots_issued": 90}}]})
}

/// Logs in one session per role (the kiosk by pairing).
fn sessions(s: &Server) -> Vec<(Role, String)> {
    let org = s.login("organiser", &s.organiser_password);
    let mut out = vec![(Role::Organiser, org.clone())];
    for (user, role) in [
        ("r1", Role::Registrar),
        ("t1", Role::Teller),
        ("u1", Role::Auditor),
    ] {
        let pw = s.ok(
            "POST",
            "/api/v1/accounts",
            Some(&org),
            Some(&json!({"username": user, "role": role.id()})),
        )["password"]
            .as_str()
            .unwrap()
            .to_string();
        out.push((role, s.login(user, &pw)));
    }
    out.push((Role::Kiosk, s.pair_kiosk(&org, "k1")));
    out
}

#[test]
fn every_endpoint_by_every_role() {
    let s = Server::start("roles", &[]);
    let sessions = sessions(&s);
    let org = &sessions[0].1;
    s.ok(
        "POST",
        "/api/v1/election",
        Some(org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec(), "election_date": "2026-12-01"})),
    );
    let mut table =
        String::from("endpoint | public | organiser | registrar | kiosk | teller | auditor\n");
    let mut checked = 0;
    // Reads first: the POSTs below open and close d1, and while a contest is open the export
    // is not public.
    let mut endpoints = endpoints();
    endpoints.sort_by_key(|e| e.method != "GET");
    for e in endpoints {
        let path = e
            .path
            .replace("{}/csv", "1/csv")
            .replace("{}/xlsx", "1/xlsx")
            .replace("results/{}", "results/1")
            .replace("receipts/{}", "receipts/R1-AAAA")
            .replace("{}", "d1");
        // Never log the organiser out mid-test, nor change a password.
        if e.path == "/api/v1/logout"
            || e.path == "/api/v1/password"
            || e.path == "/api/v1/login"
            || e.path == "/api/v1/kiosks/pair"
        {
            continue;
        }
        let body = if e.method == "POST" {
            Some(json!({}))
        } else {
            None
        };
        let mut row = format!("{} {path}", e.method);
        let (code, v) = s.call(e.method, &path, None, body.as_ref());
        match &e.roles {
            Some(_) => assert_eq!(
                (code, v["code"].as_str()),
                (401, Some("unauthenticated")),
                "public {path}"
            ),
            None => assert!(code != 401 && code != 403, "public {path}: {code} {v}"),
        }
        row.push_str(&format!(" | {code}"));
        for (role, token) in &sessions {
            let (code, v) = s.call(e.method, &path, Some(token), body.as_ref());
            let allowed = e.roles.as_ref().is_none_or(|r| r.contains(role));
            if allowed {
                assert!(
                    code != 401 && code != 403,
                    "{} {path}: {code} {v}",
                    role.id()
                );
            } else {
                assert_eq!(
                    (code, v["code"].as_str()),
                    (403, Some("forbidden")),
                    "{} {path}",
                    role.id()
                );
                assert!(v["message"].as_str().unwrap().contains(role.id()));
            }
            row.push_str(&format!(" | {code}"));
            checked += 1;
        }
        table.push_str(&row);
        table.push('\n');
    }
    println!("{table}");
    // Routes come from the same lists as the document (`openapi::area!`), so the matrix walks
    // every routed API endpoint; tests/openapi_surface.rs checks what the router serves.
    assert!(checked >= 5 * 28, "{checked}");
}

#[test]
fn bad_input_changes_nothing() {
    let s = Server::start(
        "bad",
        &["--request-bytes-max", "8192", "--logins-per-minute", "5"],
    );
    let sessions = sessions(&s);
    let org = sessions[0].1.clone();
    let desk = sessions[1].1.clone();
    let teller = sessions[2].1.clone();
    let kiosk = sessions[4].1.clone();
    // Before an election exists.
    let (code, v) = s.call("GET", "/api/v1/election", None, None);
    assert_eq!((code, v["code"].as_str().unwrap()), (409, "no_election"));
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec(), "election_date": "2026-12-01"})),
    );
    let csv = "姓名,身份证号,选区,出生日期\n王一,V1,一区,1980-01-01\n李二,V2,一区,1981-01-01\n";
    assert_eq!(s.post_text("/api/v1/roll", &org, csv).0, 200);
    let sheet = ureq::post(&format!("{}/api/v1/pools", s.base))
        .set("Authorization", &format!("Bearer {org}"))
        .send_json(json!({"style": 0, "count": 3}))
        .unwrap()
        .into_string()
        .unwrap();
    let tokens = tokens_from_sheet(&sheet);
    let snapshot = || {
        let e = s.ok("GET", "/api/v1/election", None, None);
        (
            e["log_size"].clone(),
            e["ballots"].clone(),
            s.ok("GET", "/api/v1/desk", Some(&org), None),
        )
    };
    let before = snapshot();
    let raw = |method: &str, path: &str, token: &str, body: &str| -> (u16, Value) {
        let res = ureq::request(method, &format!("{}{path}", s.base))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "application/json")
            .send_string(body);
        let r = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        (
            r.status(),
            serde_json::from_str(&r.into_string().unwrap()).unwrap(),
        )
    };
    let ballot = json!([{"contest": "d1", "marks": {"a": "for"}}]);
    let cases: Vec<(&str, (u16, Value), u16, &str)> = vec![
        (
            "malformed JSON",
            raw("POST", "/api/v1/checkins", &desk, "{not json"),
            400,
            "bad_json",
        ),
        (
            "oversize body",
            raw(
                "POST",
                "/api/v1/ballots",
                &kiosk,
                &format!("{{\"token\":\"{}\",\"ballots\":[]}}", "A".repeat(10_000)),
            ),
            413,
            "request_too_large",
        ),
        (
            "wrong type",
            s.call(
                "POST",
                "/api/v1/checkins",
                Some(&desk),
                Some(&json!({"number": 5})),
            ),
            400,
            "bad_json",
        ),
        (
            "unknown field",
            s.call(
                "POST",
                "/api/v1/checkins",
                Some(&desk),
                Some(&json!({"number": "V1", "extra": 1})),
            ),
            400,
            "bad_json",
        ),
        (
            "unknown voter",
            s.call(
                "POST",
                "/api/v1/checkins",
                Some(&desk),
                Some(&json!({"number": "nobody"})),
            ),
            422,
            "not_on_roll",
        ),
        (
            "unknown contest",
            s.call("POST", "/api/v1/contests/nope/open", Some(&org), None),
            422,
            "unknown_contest",
        ),
        (
            "unknown result",
            s.call("GET", "/api/v1/results/999", Some(&org), None),
            404,
            "unknown_result",
        ),
        (
            "unknown receipt",
            s.call("GET", "/api/v1/receipts/R999-ABCDEFGH", None, None),
            404,
            "unknown_receipt",
        ),
        (
            "bad receipt",
            s.call("GET", "/api/v1/receipts/hello", None, None),
            422,
            "bad_receipt",
        ),
        (
            "unknown style",
            s.call(
                "POST",
                "/api/v1/pools",
                Some(&org),
                Some(&json!({"style": 9})),
            ),
            422,
            "unknown_style",
        ),
        (
            "oversize sheet",
            s.call(
                "POST",
                "/api/v1/pools",
                Some(&org),
                Some(&json!({"style": 0, "count": 10_001})),
            ),
            422,
            "sheet_too_many",
        ),
        (
            "pool over its cap (2 on the roll + 5%: 3)",
            s.call(
                "POST",
                "/api/v1/pools",
                Some(&org),
                Some(&json!({"style": 0, "count": 1})),
            ),
            422,
            "pool_over_cap",
        ),
        (
            "pool full",
            s.call(
                "POST",
                "/api/v1/pools",
                Some(&org),
                Some(&json!({"style": 0})),
            ),
            422,
            "pool_full",
        ),
        (
            "figures typed at close",
            s.call(
                "POST",
                "/api/v1/contests/d1/close",
                Some(&teller),
                Some(&json!({"eligible": 100, "present": 99, "ballots_issued": 99})),
            ),
            422,
            "figures_from_desk",
        ),
        (
            "a correction before the contest opened",
            s.call(
                "POST",
                "/api/v1/contests/d1/corrections",
                Some(&teller),
                Some(&json!({"eligible": 2, "present": 2, "ballots_issued": 2, "reason": "x"})),
            ),
            409,
            "correction_out_of_order",
        ),
        (
            "an organiser made by an organiser",
            s.call(
                "POST",
                "/api/v1/accounts",
                Some(&org),
                Some(&json!({"username": "org2", "role": "organiser"})),
            ),
            422,
            "organiser_by_command_line",
        ),
        (
            "unknown role",
            s.call(
                "POST",
                "/api/v1/accounts",
                Some(&org),
                Some(&json!({"username": "x", "role": "king"})),
            ),
            422,
            "unknown_role",
        ),
        (
            "second election",
            s.call(
                "POST",
                "/api/v1/election",
                Some(&org),
                Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec()})),
            ),
            409,
            "election_exists",
        ),
        (
            "cast before open",
            s.call(
                "POST",
                "/api/v1/ballots",
                Some(&kiosk),
                Some(&json!({"token": tokens[0], "ballots": ballot})),
            ),
            409,
            "contest_not_open",
        ),
        (
            "close before open",
            s.call("POST", "/api/v1/contests/d1/close", Some(&teller), None),
            409,
            "contest_not_open",
        ),
        (
            "tally before close",
            s.call("POST", "/api/v1/contests/d1/tally", Some(&teller), None),
            409,
            "contest_not_closed",
        ),
        (
            "garbage token",
            s.call(
                "POST",
                "/api/v1/kiosk/ballot",
                Some(&kiosk),
                Some(&json!({"token": "hello"})),
            ),
            422,
            "token_length",
        ),
        (
            "wrong role",
            s.call("POST", "/api/v1/contests/d1/open", Some(&kiosk), None),
            403,
            "forbidden",
        ),
        (
            "no session",
            s.call("POST", "/api/v1/contests/d1/open", None, None),
            401,
            "unauthenticated",
        ),
        (
            "unknown path",
            s.call("GET", "/api/v1/nothing-here", None, None),
            404,
            "not_found",
        ),
    ];
    for (what, (code, v), status, expected) in cases {
        assert_eq!(
            (code, v["code"].as_str().unwrap_or("")),
            (status, expected),
            "{what}: {v}"
        );
        assert!(!v["message"].as_str().unwrap_or("").is_empty(), "{what}");
    }
    assert_eq!(
        snapshot(),
        before,
        "refused requests changed the log or the counts"
    );

    // Now open, and refuse forged, over-marked and replayed ballots.
    s.ok("POST", "/api/v1/contests/d1/open", Some(&org), None);
    let before = snapshot();
    let key = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let good = scrutineer::record::token::Token::parse(&tokens[0]).unwrap();
    let forged = scrutineer::record::token::Token::sign(
        &key,
        "roles-2026",
        good.round(),
        good.style(),
        [7u8; 16],
    )
    .to_text();
    let cases: Vec<(&str, (u16, Value), u16, &str)> = vec![
        ("forged token", s.call("POST", "/api/v1/ballots", Some(&kiosk), Some(&json!({"token": forged, "ballots": ballot}))), 422, "token_signature"),
        ("over-marked", s.call("POST", "/api/v1/ballots", Some(&kiosk), Some(&json!({"token": tokens[0], "ballots": [{"contest": "d1", "marks": {"a": "for", "b": "for"}}]}))), 422, "over_marked"),
        ("unknown candidate", s.call("POST", "/api/v1/ballots", Some(&kiosk), Some(&json!({"token": tokens[0], "ballots": [{"contest": "d1", "marks": {"z": "for"}}]}))), 422, "unknown_candidate"),
        ("missing contest", s.call("POST", "/api/v1/ballots", Some(&kiosk), Some(&json!({"token": tokens[0], "ballots": []}))), 422, "ballot_style_mismatch"),
        ("a slip nobody handed out", s.call("POST", "/api/v1/ballots", Some(&kiosk), Some(&json!({"token": tokens[0], "ballots": ballot}))), 409, "slips_not_issued"),
        ("a roll once voting started", s.post_text("/api/v1/roll", &org, csv), 409, "roll_locked"),
    ];
    for (what, (code, v), status, expected) in cases {
        assert_eq!(
            (code, v["code"].as_str().unwrap_or("")),
            (status, expected),
            "{what}: {v}"
        );
    }
    assert_eq!(
        snapshot(),
        before,
        "refused ballots changed the log or the counts"
    );
    // A roll with one more voter, refused once voting started: the desk still checks voters
    // in against the registered roll (the records were put back), not the refused one.
    let more = format!("{csv}张三,V3,一区,1982-01-01\n");
    let (st, v) = s.post_text("/api/v1/roll", &org, &more);
    assert_eq!((st, v["code"].as_str()), (409, Some("roll_locked")), "{v}");
    let (st, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "V3"})),
    );
    assert_eq!((st, v["code"].as_str()), (422, Some("not_on_roll")), "{v}");
    s.ok(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "V1"})),
    );
    s.ok(
        "POST",
        "/api/v1/ballots",
        Some(&kiosk),
        Some(&json!({"token": tokens[0], "ballots": ballot})),
    );
    let after_one = snapshot();
    let (code, v) = s.call(
        "POST",
        "/api/v1/ballots",
        Some(&kiosk),
        Some(&json!({"token": tokens[0], "ballots": ballot})),
    );
    assert_eq!((code, v["code"].as_str().unwrap()), (409, "token_spent"));
    assert_eq!(snapshot(), after_one);

    // CSRF: a cookie session must echo its token on state-changing requests.
    let agent = ureq::AgentBuilder::new().build();
    let login = agent
        .post(&format!("{}/api/v1/login", s.base))
        .send_json(
            json!({"username": "organiser", "password": service::renewed(&s.organiser_password)}),
        )
        .unwrap();
    let csrf = login.into_json::<Value>().unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    let cookie_url = format!("{}/api/v1/kiosks/pairing", s.base);
    match agent.post(&cookie_url).call() {
        Err(ureq::Error::Status(403, r)) => {
            assert_eq!(r.into_json::<Value>().unwrap()["code"], "csrf")
        }
        other => panic!("expected 403 csrf, got {other:?}"),
    }
    assert_eq!(
        agent
            .post(&cookie_url)
            .set("X-CSRF-Token", &csrf)
            .call()
            .unwrap()
            .status(),
        201
    );

    // Rate limits: the sixth wrong login within a minute gets 429 with Retry-After.
    let mut last = None;
    for _ in 0..6 {
        match ureq::post(&format!("{}/api/v1/login", s.base))
            .send_json(json!({"username": "organiser", "password": "wrong-password"}))
        {
            Err(ureq::Error::Status(code, r)) => {
                last = Some((code, r.header("Retry-After").map(String::from)))
            }
            other => panic!("{other:?}"),
        }
    }
    let (code, retry) = last.unwrap();
    assert_eq!(code, 429);
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
}

/// Behind nginx every request comes from 127.0.0.1: with the proxy trusted, one client
/// exhausting its login limit does not lock out another; without it, `X-Forwarded-For` is
/// ignored, so a client cannot escape its limit by writing the header itself.
#[test]
fn rate_limits_count_the_client_behind_a_trusted_proxy() {
    let wrong = |s: &Server, from: &str| -> u16 {
        match ureq::post(&format!("{}/api/v1/login", s.base))
            .set("X-Forwarded-For", from)
            .send_json(json!({"username": "organiser", "password": "wrong-password"}))
        {
            Err(ureq::Error::Status(code, _)) => code,
            other => panic!("{other:?}"),
        }
    };
    let proxied = Server::start(
        "proxied",
        &["--logins-per-minute", "3", "--trusted-proxies", "127.0.0.1"],
    );
    let codes: Vec<u16> = (0..4).map(|_| wrong(&proxied, "198.51.100.1")).collect();
    assert_eq!(codes, [401, 401, 401, 429]);
    assert_eq!(
        wrong(&proxied, "198.51.100.2"),
        401,
        "another client behind the proxy"
    );
    // A forged left part does not make a new client: nginx appends the real one.
    assert_eq!(wrong(&proxied, "203.0.113.9, 198.51.100.1"), 429);

    let direct = Server::start("direct", &["--logins-per-minute", "3"]);
    let codes: Vec<u16> = (0..4)
        .map(|n| wrong(&direct, &format!("198.51.100.{n}")))
        .collect();
    assert_eq!(
        codes,
        [401, 401, 401, 429],
        "the header is ignored from an untrusted peer"
    );
}

#[test]
fn every_route_goes_through_an_area() {
    // The role matrix walks the document; a route registered beside the areas' lists would be
    // neither documented nor tested. Only the pages are routed by hand, in server/mod.rs.
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut pages = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        for (n, line) in text.lines().enumerate() {
            let routes = [".route(", "web::resource(", ".service(", "web::scope("]
                .iter()
                .any(|r| line.contains(r));
            if !routes || name == "openapi/area.rs" {
                continue;
            }
            assert_eq!(name, "mod.rs", "{name}:{}: {line}", n + 1);
            // A page: its handler serves a file of web/.
            let call: String = text.lines().skip(n).take(4).collect();
            assert!(call.contains("assets::"), "mod.rs:{}: {line}", n + 1);
            pages += 1;
        }
    }
    assert!(pages >= 9, "{pages}");
}
