//! Several elections per service (issue 14, item 4) over real HTTP: an election run to its
//! published result is archived (not while a contest is open); the service then takes a new
//! election; the archived one stays listed, its export verifies with `scrutineer verify`, its
//! board is still served as printed, across a restart; the roll and check-ins of the old
//! election do not leak into the new one; an archived id cannot be reused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use serde_json::{json, Value};

use e2e_support::Server;

fn spec(id: &str, title: &str) -> Value {
    json!({"format": "scrutineer.election/v1", "id": id, "title": title,
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

fn create(s: &Server, org: &str, id: &str, title: &str) -> (u16, Value) {
    s.create_plaintext(org, &spec(id, title))
}

#[test]
fn an_election_is_archived_and_the_next_one_begins() {
    let dir = e2e_support::temp("elections");
    let mut s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");
    let teller = s.account(&org, "teller1", "teller");
    let kiosk = s.pair_kiosk(&org, "hall-1");
    assert_eq!(create(&s, &org, "first-2026", "第一次 the first").0, 201);
    let (code, v) = s.post_text("/api/v1/roll", &org, &roll(5));
    assert_eq!(code, 200, "{v}");
    let tokens = s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    for i in 1..=5 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("M{i:03}")})),
        );
    }
    for t in tokens.iter().take(5) {
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "c", "marks": {"a": "for", "b": "for", "d": "for"}}]})),
        );
    }
    // Not while voting is open; a second election not while one is current.
    let (code, v) = s.call("POST", "/api/v1/election/archive", Some(&org), None);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("contest_open")),
        "{v}"
    );
    let (code, v) = create(&s, &org, "second-2026", "第二次");
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("election_exists")),
        "{v}"
    );
    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None);
    let index = r["result_index"].as_u64().unwrap();
    s.sign_and_publish(&teller, &org, index);
    let board_before = ureq::get(&format!("{}/board/{index}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let (code, _) = s.call("POST", "/api/v1/election/archive", Some(&teller), None);
    assert_eq!(code, 403, "a teller archives");

    let meta = s.ok("POST", "/api/v1/election/archive", Some(&org), None);
    assert_eq!(meta["id"], "first-2026", "{meta}");
    assert_eq!(meta["results"][0]["index"], index);
    let (code, v) = s.call("GET", "/api/v1/election", None, None);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("no_election")),
        "{v}"
    );
    assert!(
        !dir.join("data/log").exists(),
        "the data directory still holds the old log"
    );

    // The archived election: its board as printed, its result, its export that verifies.
    let check = |s: &Server| {
        let list = s.ok("GET", "/api/v1/elections", None, None);
        assert_eq!(list["archived"][0]["id"], "first-2026", "{list}");
        let board = ureq::get(&format!("{}/elections/first-2026/board/{index}", s.base))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(
            board.contains("第一次") && board.contains("王芳"),
            "the archived board"
        );
        assert_eq!(
            board.split("<svg").next().map(str::len),
            board_before.split("<svg").next().map(str::len)
        );
        let signed = s.ok(
            "GET",
            &format!("/api/v1/elections/first-2026/results/{index}"),
            None,
            None,
        );
        assert_eq!(signed["result_index"], index);
        let resp = ureq::get(&format!("{}/api/v1/elections/first-2026/export", s.base))
            .call()
            .unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
        let tar = dir.join("first.tar");
        std::fs::write(&tar, &bytes).unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["verify", tar.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["results"], 1, "{r}");
        for bad in ["../etc", "nope", "first-2026%2F..%2F.."] {
            let (code, _) = s.call(
                "GET",
                &format!("/api/v1/elections/{bad}/export"),
                None,
                None,
            );
            assert_eq!(code, 404, "{bad}");
        }
    };
    check(&s);

    // The next election: a fresh roll, fresh check-ins; the archived id is taken.
    let (code, v) = create(&s, &org, "first-2026", "又一次");
    assert_eq!(
        (code, v["code"].as_str()),
        (422, Some("election_id_used")),
        "{v}"
    );
    assert_eq!(create(&s, &org, "second-2026", "第二次 the second").0, 201);
    let desk_rows = s.ok("GET", "/api/v1/desk", Some(&desk), None);
    assert_eq!(desk_rows["roll_size"], 0, "{desk_rows}");
    let (code, v) = s.post_text("/api/v1/roll", &org, &roll(3));
    assert_eq!(code, 200, "{v}");
    s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    // M001 checked in for the first election; here it is their first check-in.
    s.ok(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "M001"})),
    );
    let list = s.ok("GET", "/api/v1/elections", None, None);
    assert_eq!(list["current"]["id"], "second-2026", "{list}");

    // After a restart: both still there.
    s.restart();
    let list = s.ok("GET", "/api/v1/elections", None, None);
    assert_eq!(list["current"]["id"], "second-2026", "{list}");
    check(&s);
    // An archived election's export is limited per client as the live one is
    // (`exports_per_minute`): it was once built whole in memory for anyone, as often as asked.
    s.restart_with_exports_per_minute(2);
    let limited = (0..3).any(|_| {
        let (code, v) = s.call("GET", "/api/v1/elections/first-2026/export", None, None);
        code == 429 && v["code"] == "rate_limited"
    });
    assert!(limited, "the archived export is never limited");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An id as one URL path segment (as the organiser page's `encodeURIComponent`).
fn segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn an_election_with_any_accepted_id_is_archived_and_the_next_one_begins() {
    // Any id a spec may have (up to 100 characters, no control characters) is archived: one
    // with Han characters and a `/` once answered 404 here, so the service could never take a
    // new election.
    let id = "城关镇/2026";
    let dir = e2e_support::temp("elections-any-id");
    let s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let teller = s.account(&org, "teller1", "teller");
    assert_eq!(create(&s, &org, id, "城关镇 2026").0, 201);
    // The roll first (conduct protocol 7: no contest opens without it).
    let (code, v) = s.post_text("/api/v1/roll", &org, &roll(3));
    assert_eq!(code, 200, "{v}");
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None);
    let index = r["result_index"].as_u64().unwrap();
    s.sign_and_publish(&teller, &org, index);

    // A storage failure answers 503 `storage` and leaves nothing behind: the retry archives.
    std::fs::write(dir.join("data/archive"), b"not a directory").unwrap();
    let (code, v) = s.call("POST", "/api/v1/election/archive", Some(&org), None);
    assert_eq!((code, v["code"].as_str()), (503, Some("storage")), "{v}");
    std::fs::remove_file(dir.join("data/archive")).unwrap();
    let meta = s.ok("POST", "/api/v1/election/archive", Some(&org), None);
    assert_eq!(meta["id"], id, "{meta}");
    let list = s.ok("GET", "/api/v1/elections", None, None);
    assert_eq!(list["archived"][0]["id"], id, "{list}");
    let names: Vec<String> = std::fs::read_dir(dir.join("data/archive"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        names.len() == 1 && names[0].starts_with("x-") && !names[0].contains('/'),
        "{names:?}"
    );
    // Served by its id; the board's link to its result is a working URL.
    let seg = segment(id);
    let board = ureq::get(&format!("{}/elections/{seg}/board/{index}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        board.contains(&format!("/api/v1/elections/{seg}/results/{index}")),
        "the archived board links to its result"
    );
    let signed = s.ok(
        "GET",
        &format!("/api/v1/elections/{seg}/results/{index}"),
        None,
        None,
    );
    assert_eq!(signed["result_index"], index);
    let (code, _) = s.call(
        "GET",
        &format!("/api/v1/elections/{seg}/export"),
        None,
        None,
    );
    assert_eq!(code, 200);

    // The next election; the archived id stays taken.
    let (code, v) = create(&s, &org, id, "又一次");
    assert_eq!(
        (code, v["code"].as_str()),
        (422, Some("election_id_used")),
        "{v}"
    );
    assert_eq!(create(&s, &org, "second-2026", "第二次").0, 201);

    // A build left half done by a crash (`.building-<name>`) does not block archiving, and is
    // never listed.
    let leftover = dir.join("data/archive/.building-second-2026");
    std::fs::create_dir_all(leftover.join("export")).unwrap();
    std::fs::write(leftover.join("archive.json"), b"{}").unwrap();
    let meta = s.ok("POST", "/api/v1/election/archive", Some(&org), None);
    assert_eq!(meta["id"], "second-2026", "{meta}");
    assert!(!leftover.exists());
    let list = s.ok("GET", "/api/v1/elections", None, None);
    assert_eq!(list["archived"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(create(&s, &org, "third-2026", "第三次").0, 201);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An election's creation that does not finish leaves nothing in the way of the next try:
/// a refused registration takes back the keys it made (named for its id: a retry under
/// another id was refused `bad_key` until someone deleted them by hand), and a log whose
/// first entry was never written whole (a crash while creating) is set aside at the next
/// start instead of stopping the service (`not_initialised`), which then takes a new election.
#[test]
fn an_unfinished_creation_leaves_nothing_in_the_way() {
    let dir = std::env::temp_dir().join(format!("scrutineer-unfinished-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    // Refused by the registration's own checks (two signatures of one teller), after the
    // log and its keys were made for "first-2026".
    let (code, v) = s.call(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"spec": spec("first-2026", "第一次"),
            "tellers": [e2e_support::plain_teller().verifier().unwrap().to_text()],
            "signatures_required": 2, "election_date": "2026-12-01",
            "secrecy": {"mode": "plaintext", "reason": "测试 test"}})),
    );
    assert!((400..500).contains(&code), "{code} {v}");
    assert!(
        !dir.join("keys/log.key").exists(),
        "the refused attempt's log key stayed"
    );
    let (code, v) = create(&s, &org, "second-2026", "第二次");
    assert_eq!(code, 201, "{v}");
    // A creation cut off before its first entry: an empty log directory and no index.
    s.stop();
    let data = dir.join("data");
    std::fs::remove_dir_all(data.join("log")).unwrap();
    std::fs::remove_dir_all(data.join("index")).unwrap();
    std::fs::create_dir_all(data.join("log")).unwrap();
    s.restart();
    let (code, v) = s.call("GET", "/api/v1/checkpoints", None, None);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("no_election")),
        "{v}"
    );
    let aside: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("incomplete-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    let org = s.login("organiser", &s.organiser_password);
    let (code, v) = create(&s, &org, "third-2026", "第三次");
    assert_eq!(code, 201, "{v}");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
