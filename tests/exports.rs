//! Exports leak nothing and cost little: no unpublished result is in any export; while a
//! contest is open the full export is for auditors (checkpoints stay public); exports stream
//! from the log without a copy on its disk; they are limited per client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use serde_json::json;
use service::Server;

use scrutineer::record::entry::{Entry, EntryKind};
use scrutineer::record::segment::frames;

fn dir_bytes(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    if e.path().is_dir() {
                        dir_bytes(&e.path())
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn export(s: &Server, token: Option<&str>) -> Result<Vec<u8>, (u16, String)> {
    let mut req = ureq::get(&format!("{}/api/v1/export", s.base));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    match req.call() {
        Ok(r) => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut r.into_reader(), &mut bytes).unwrap();
            Ok(bytes)
        }
        Err(ureq::Error::Status(code, r)) => Err((code, r.into_string().unwrap_or_default())),
        Err(e) => panic!("{e}"),
    }
}

fn kinds(tar_bytes: &[u8], into: &std::path::Path) -> Vec<EntryKind> {
    let _ = std::fs::remove_dir_all(into);
    tar::Archive::new(tar_bytes).unpack(into).unwrap();
    let seg = std::fs::read_dir(into.join("scrutineer-export/log"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bytes = std::fs::read(seg).unwrap();
    let (found, _) = frames(&bytes);
    found
        .iter()
        .map(|f| Entry::decode(f.entry).unwrap().kind)
        .collect()
}

#[test]
fn exports_hold_no_unpublished_result_and_no_open_contest_for_the_public() {
    let s = Server::start("exports", &["--exports-per-minute", "40"]);
    let org = s.login("organiser", &s.organiser_password);
    let spec = json!({"format": "scrutineer.election/v1", "id": "exports-2026", "contests": [
        {"id": "a", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "x", "name": "甲"}, {"id": "y", "name": "乙"}],
         "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}},
        {"id": "b", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "x", "name": "丙"}, {"id": "y", "name": "丁"}],
         "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}}]});
    let styles = json!([{"round": 1, "unit": "一区", "contests": ["a"]}, {"round": 1, "unit": "二区", "contests": ["b"]}]);
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "styles": styles, "election_date": "2026-12-01"})),
    );
    let roll = format!(
        "{}{}",
        service::roll_csv("一区", "A", 4),
        service::roll_csv("二区", "B", 4)
            .lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    assert_eq!(s.post_text("/api/v1/roll", &org, &roll).0, 200);
    let ta = s.sheet(&org, &json!({"style": 0}));
    let tb = s.sheet(&org, &json!({"style": 1}));
    let desk = s.registrar(&org, "desk");
    s.check_in_range(&desk, "A", 1, 4);
    s.check_in_range(&desk, "B", 1, 4);
    let pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "aud", "role": "auditor"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let auditor = s.login("aud", &pw);
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
    let kiosk = s.pair_kiosk(&org, "k");
    for c in ["a", "b"] {
        s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/open"),
            Some(&org),
            None,
        );
    }
    for t in ta.iter().take(4) {
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "a", "marks": {"x": "for"}}]})),
        );
    }
    // Voting is open: the public gets 403, the checkpoints stay public, an auditor exports.
    let (code, body) = export(&s, None).unwrap_err();
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("\"forbidden\""), "{body}");
    assert_eq!(s.call("GET", "/checkpoint", None, None).0, 200);
    assert_eq!(s.call("GET", "/api/v1/checkpoints", None, None).0, 200);
    let work = s.dir.join("unpacked");
    assert!(kinds(&export(&s, Some(&auditor)).unwrap(), &work).contains(&EntryKind::Ballot));
    // Contest a is counted but not yet published: no export holds its result, not even the
    // auditor's, and none holds anything after it.
    s.ok("POST", "/api/v1/contests/a/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/a/tally", Some(&teller), None);
    let index = r["result_index"].as_u64().unwrap();
    for t in tb.iter().take(2) {
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "b", "marks": {"y": "for"}}]})),
        );
    }
    let k = kinds(&export(&s, Some(&auditor)).unwrap(), &work);
    assert_eq!(
        k.len() as u64,
        index,
        "the export ends before the unpublished result"
    );
    assert!(!k.contains(&EntryKind::Result));
    assert!(!work
        .join("scrutineer-export/results")
        .read_dir()
        .map(|mut d| d.next().is_some())
        .unwrap_or(false));
    let report = scrutineer::verify::verify_export(&work.join("scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");
    // Published (no signatures are required here), the result is in the export.
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/publish"),
        Some(&org),
        None,
    );
    s.ok("POST", "/api/v1/contests/b/close", Some(&teller), None);
    let k = kinds(&export(&s, None).unwrap(), &work);
    assert!(k.contains(&EntryKind::Result) && k.contains(&EntryKind::ResultPublished));
    let report = scrutineer::verify::verify_export(&work.join("scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");

    // Exports stream from the log: twenty at once write nothing on the log's disk.
    let data = s.dir.join("data");
    let before = dir_bytes(&data);
    std::thread::scope(|sc| {
        for _ in 0..20 {
            sc.spawn(|| {
                // Some are turned away by the cap on exports running at once; none fails.
                match export(&s, None) {
                    Ok(bytes) => assert!(bytes.len() > 10_000),
                    Err((code, _)) => assert_eq!(code, 429),
                }
            });
        }
    });
    assert!(!data.join("exports").exists());
    let after = dir_bytes(&data);
    assert!(
        after < before + 64 * 1024,
        "exports grew the data directory from {before} to {after} bytes"
    );
}

#[test]
fn exports_are_limited_per_client() {
    let s = Server::start("exports-limit", &["--exports-per-minute", "2", "--demo"]);
    assert!(export(&s, None).is_ok());
    assert!(export(&s, None).is_ok());
    let resp = ureq::get(&format!("{}/api/v1/export", s.base)).call();
    match resp {
        Err(ureq::Error::Status(429, r)) => {
            assert!(r.header("Retry-After").is_some());
            assert_eq!(
                r.into_json::<serde_json::Value>().unwrap()["code"],
                "rate_limited"
            );
        }
        other => panic!("expected 429, got {other:?}"),
    }
}
