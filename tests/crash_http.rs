//! SIGKILL the service at random moments while kiosks cast over HTTP, 20 times
//! (`SCRUTINEER_CRASH_CYCLES` for more): after every restart each acknowledged ballot is in the
//! log with the hash its receipt named, no token is spent twice (a replayed token is refused),
//! and at the end the exported log verifies with at least every acknowledged ballot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn start(dir: &std::path::Path, port: u16) -> (Child, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--receipts-per-minute",
            "1000000",
            "--data-dir",
        ])
        .arg(dir.join("data"))
        .arg("--keys-dir")
        .arg(dir.join("keys"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let t = line.trim().to_string();
            if t.len() == 19 && t.chars().filter(|c| *c == '-').count() == 3 {
                let _ = tx.send(t);
            }
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && ureq::get(&format!("{base}/healthz")).call().is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, rx.recv_timeout(Duration::from_millis(300)).ok())
}

fn call(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Result<(u16, Value), String> {
    let req = ureq::request(method, &format!("{base}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .timeout(Duration::from_secs(10));
    let res = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    match res {
        Ok(r) => Ok((r.status(), r.into_json().unwrap_or(Value::Null))),
        Err(ureq::Error::Status(code, r)) => Ok((code, r.into_json().unwrap_or(Value::Null))),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn sigkill_under_http_casting_loses_no_acknowledged_ballot() {
    let cycles: usize = std::env::var("SCRUTINEER_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("scrutineer-crash-http-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let (mut child, password) = start(&dir, port);
    let password = password.expect("first start prints the organiser password");
    let org = ureq::post(&format!("{base}/api/v1/login"))
        .send_json(json!({"username": "organiser", "password": password, "bearer": true}))
        .unwrap()
        .into_json::<Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    first_password_change(&base, &org, &password);
    let spec = json!({"format": "scrutineer.election/v1", "id": "crash-http-2026", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
         "turnout": {"eligible": 100000, "present": 90000, "ballots_issued": 90000}}]});
    assert_eq!(
        call(
            &base,
            "POST",
            "/api/v1/election",
            &org,
            Some(json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "election_date": "2026-12-01"}))
        )
        .unwrap()
        .0,
        201
    );
    // A roll as large as the pool, every voter checked in (from several desks at once), and
    // the pool printed as several sheets of at most 10,000 slips: the long run
    // (`SCRUTINEER_CRASH_CYCLES=200`) needs 30,000.
    let pool = 150 * cycles.max(1);
    let mut roll = "姓名,证件号码,选区,出生日期\n".to_string();
    for i in 1..=pool {
        roll.push_str(&format!("选民{i},V{i:06},一区,1980-01-0{}\n", i % 9 + 1));
    }
    let r = ureq::post(&format!("{base}/api/v1/roll"))
        .set("Authorization", &format!("Bearer {org}"))
        .send_string(&roll)
        .unwrap();
    assert_eq!(r.status(), 200);
    let desk_pw = call(
        &base,
        "POST",
        "/api/v1/accounts",
        &org,
        Some(json!({"username": "desk", "role": "registrar"})),
    )
    .unwrap()
    .1["password"]
        .as_str()
        .unwrap()
        .to_string();
    let desk = ureq::post(&format!("{base}/api/v1/login"))
        .send_json(json!({"username": "desk", "password": desk_pw, "bearer": true}))
        .unwrap()
        .into_json::<Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    first_password_change(&base, &desk, &desk_pw);
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (base, desk) = (&base, &desk);
            scope.spawn(move || {
                for i in (1..=pool).filter(|i| i % 8 == t) {
                    let r = call(
                        base,
                        "POST",
                        "/api/v1/checkins",
                        desk,
                        Some(json!({"number": format!("V{i:06}")})),
                    )
                    .unwrap();
                    assert_eq!(r.0, 201, "{}", r.1);
                }
            });
        }
    });
    let mut tokens: Vec<String> = Vec::with_capacity(pool);
    while tokens.len() < pool {
        let count = (pool - tokens.len()).min(10_000);
        let sheet = ureq::post(&format!("{base}/api/v1/pools"))
            .set("Authorization", &format!("Bearer {org}"))
            .send_json(json!({"style": 0, "count": count}))
            .unwrap();
        let mut sheet_text = String::new();
        std::io::Read::read_to_string(&mut sheet.into_reader(), &mut sheet_text).unwrap();
        tokens.extend(sheet_text.split("<div class=\"code\">").skip(1).map(|s| {
            s.split("</div>")
                .next()
                .unwrap_or("")
                .replace("<span class=\"line\">", " ")
                .replace("</span>", " ")
                .split_whitespace()
                .collect::<String>()
        }));
    }
    assert_eq!(tokens.len(), pool);
    assert_eq!(
        call(&base, "POST", "/api/v1/contests/d1/open", &org, None)
            .unwrap()
            .0,
        200
    );
    let code = call(&base, "POST", "/api/v1/kiosks/pairing", &org, None)
        .unwrap()
        .1["code"]
        .as_str()
        .unwrap()
        .to_string();
    let kiosk = ureq::post(&format!("{base}/api/v1/kiosks/pair"))
        .send_json(json!({"code": code, "name": "k"}))
        .unwrap()
        .into_json::<Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();

    let acked: Arc<Mutex<Vec<(String, String, String)>>> = Arc::new(Mutex::new(Vec::new())); // (token, receipt, hash)
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tokens = Arc::new(tokens);
    let mut rng = Rng(0xc4a5_11e1_0000_0003);
    let mut kills_during_load = 0;
    for cycle in 0..cycles {
        if cycle > 0 {
            let (c, _) = start(&dir, port);
            child = c;
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut workers = Vec::new();
        for _ in 0..4 {
            let (acked, next, tokens, stop, base, kiosk) = (
                acked.clone(),
                next.clone(),
                tokens.clone(),
                stop.clone(),
                base.clone(),
                kiosk.clone(),
            );
            workers.push(std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(t) = tokens.get(i) else { break };
                    if let Ok((201, v)) = call(&base, "POST", "/api/v1/ballots", &kiosk, Some(json!({"token": t, "ballots": [{"contest": "d1", "marks": {"a": "for"}}]}))) {
                        acked.lock().unwrap().push((t.clone(), v["receipt"].as_str().unwrap().to_string(), v["hash"].as_str().unwrap().to_string()));
                    }
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(30 + rng.next() % 150));
        let running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for w in workers {
            w.join().unwrap();
        }
        if running {
            kills_during_load += 1;
        }
        // Restart and check every acknowledged ballot so far by its receipt.
        let (c, _) = start(&dir, port);
        child = c;
        let list = acked.lock().unwrap().clone();
        for (_, receipt, hash) in &list {
            let (code, v) = call(
                &base,
                "GET",
                &format!("/api/v1/receipts/{receipt}"),
                "",
                None,
            )
            .unwrap();
            assert_eq!(
                code, 200,
                "cycle {cycle}: acknowledged receipt {receipt} not found: {v}"
            );
            assert_eq!(
                v["hash"].as_str().unwrap(),
                hash,
                "cycle {cycle}: {receipt} changed"
            );
        }
        // A token already acknowledged cannot be used again.
        if let Some((t, _, _)) = list.last() {
            let (code, v) = call(
                &base,
                "POST",
                "/api/v1/ballots",
                &kiosk,
                Some(json!({"token": t, "ballots": [{"contest": "d1", "marks": {"b": "for"}}]})),
            )
            .unwrap();
            assert_eq!(
                (code, v["code"].as_str().unwrap_or("")),
                (409, "token_spent"),
                "cycle {cycle}"
            );
        }
        let e = call(&base, "GET", "/api/v1/election", "", None).unwrap().1;
        assert!(
            e["ballots"].as_u64().unwrap() >= list.len() as u64,
            "cycle {cycle}: {} in the log, {} acknowledged",
            e["ballots"],
            list.len()
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert!(
        kills_during_load * 2 >= cycles,
        "kills during load: {kills_during_load} of {cycles}"
    );
    let (c, _) = start(&dir, port);
    child = c;
    // While the contest is open the full export is for auditors (and the organiser) only.
    assert_eq!(
        ureq::get(&format!("{base}/api/v1/export"))
            .call()
            .unwrap_err()
            .into_response()
            .map(|r| r.status()),
        Some(403)
    );
    let resp = ureq::get(&format!("{base}/api/v1/export"))
        .set("Authorization", &format!("Bearer {org}"))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    let out = dir.join("export");
    tar::Archive::new(bytes.as_slice()).unpack(&out).unwrap();
    let report = scrutineer::verify::verify_export(&out.join("scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert!(report.ballots >= acked.lock().unwrap().len() as u64);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A one-time password must be changed before the session may do anything else.
fn first_password_change(base: &str, token: &str, one_time: &str) {
    let r = ureq::post(&format!("{base}/api/v1/password"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(
            json!({"old": one_time, "new": format!("{one_time} renewed at the first sign-in")}),
        )
        .unwrap();
    assert_eq!(r.status(), 200);
}
