//! Abuse while an election runs: floods of invalid tokens, oversize and malformed requests,
//! slow clients that trickle bytes, replayed ballots and another role's credentials, all at
//! once. The service stays up, answers each with its error code, and a legitimate kiosk keeps
//! casting meanwhile (its latency is printed, not asserted: speed belongs to the benchmarks).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use service::Server;

#[test]
fn abuse_does_not_stop_a_legitimate_kiosk() {
    let s = Server::start("abuse", &["--request-bytes-max", "65536"]);
    let org = s.login("organiser", &s.organiser_password);
    let spec = json!({"format": "scrutineer.election/v1", "id": "abuse-2026", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
         "turnout": {"eligible": 1000, "present": 900, "ballots_issued": 900}}]});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "election_date": "2026-12-01"})),
    );
    s.roll(&org, "一区", "V", 1000);
    let tokens = s.sheet(&org, &json!({"style": 0, "count": 120}));
    s.ok("POST", "/api/v1/contests/d1/open", Some(&org), None);
    let kiosk = s.pair_kiosk(&org, "legit");
    let attacker = s.pair_kiosk(&org, "stolen");
    let desk = s.registrar(&org, "desk");
    // The voters whose slips the legitimate kiosk casts were checked in.
    s.check_in_range(&desk, "V", 1, 110);
    // One ballot cast early, to be replayed.
    s.ok(
        "POST",
        "/api/v1/ballots",
        Some(&kiosk),
        Some(&json!({"token": tokens[0], "ballots": [{"contest": "d1", "marks": {"a": "for"}}]})),
    );

    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<std::sync::Mutex<std::collections::BTreeMap<String, usize>>> = Arc::default();
    let port: u16 = s.base.rsplit(':').next().unwrap().parse().unwrap();
    let mut abusers = Vec::new();
    let base = s.base.clone();
    let spent = tokens[0].clone();
    for kind in 0..6 {
        let (stop, seen, base, attacker, desk, spent) = (
            stop.clone(),
            seen.clone(),
            base.clone(),
            attacker.clone(),
            desk.clone(),
            spent.clone(),
        );
        abusers.push(std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let result = match kind {
                    // Invalid tokens, as a scanner flood would send them.
                    0 => ureq::post(&format!("{base}/api/v1/kiosk/ballot")).set("Authorization", &format!("Bearer {attacker}")).send_json(json!({"token": format!("GARBAGE{n}")})),
                    // Oversize bodies.
                    1 => ureq::post(&format!("{base}/api/v1/ballots")).set("Authorization", &format!("Bearer {attacker}")).set("Content-Type", "application/json").send_string(&"x".repeat(200_000)),
                    // Malformed JSON.
                    2 => ureq::post(&format!("{base}/api/v1/ballots")).set("Authorization", &format!("Bearer {attacker}")).set("Content-Type", "application/json").send_string("{\"token\": [1, 2"),
                    // A replayed ballot.
                    3 => ureq::post(&format!("{base}/api/v1/ballots")).set("Authorization", &format!("Bearer {attacker}")).send_json(json!({"token": spent, "ballots": [{"contest": "d1", "marks": {"b": "for"}}]})),
                    // Another role's credentials: a registrar trying to cast and to open.
                    4 => ureq::post(&format!("{base}/api/v1/contests/d1/open")).set("Authorization", &format!("Bearer {desk}")).call(),
                    // Forged session tokens.
                    _ => ureq::post(&format!("{base}/api/v1/ballots")).set("Authorization", "Bearer not-a-session").send_json(json!({"token": "x", "ballots": []})),
                };
                let code = match result {
                    Ok(r) => format!("{} ok", r.status()),
                    Err(ureq::Error::Status(st, r)) => format!("{st} {}", r.into_json::<serde_json::Value>().ok().and_then(|v| v["code"].as_str().map(String::from)).unwrap_or_default()),
                    Err(e) => format!("transport {}", e.kind()),
                };
                *seen.lock().unwrap().entry(format!("{kind}: {code}")).or_default() += 1;
            }
        }));
    }
    // Slow clients: connections that send a few header bytes and then stall.
    let slow: Vec<_> = (0..20)
        .filter_map(|_| {
            let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
            c.write_all(b"POST /api/v1/ballots HTTP/1.1\r\nHost: x\r\nContent-Le")
                .ok()?;
            Some(c)
        })
        .collect();

    // The legitimate kiosk casts 100 ballots through all of this.
    let ok = AtomicUsize::new(0);
    let mut latencies = Vec::new();
    for t in tokens.iter().skip(1).take(100) {
        let started = Instant::now();
        let (code, v) = s.call(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "d1", "marks": {"a": "for"}}]})),
        );
        latencies.push(started.elapsed());
        assert_eq!(
            code, 201,
            "a legitimate ballot was refused during abuse: {v}"
        );
        ok.fetch_add(1, Ordering::SeqCst);
    }
    stop.store(true, Ordering::SeqCst);
    for a in abusers {
        a.join().unwrap();
    }
    drop(slow);
    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "legitimate casts during abuse: {} ok, p50 {:?}, p99 {:?}",
        ok.load(Ordering::SeqCst),
        p(0.5),
        p(0.99)
    );
    let seen = seen.lock().unwrap();
    println!("abuse answers: {seen:#?}");
    // Each kind of abuse got its own error code, and nothing else.
    let expect = [
        (0, "422 token_length"),
        (1, "413 request_too_large"),
        (2, "400 bad_json"),
        (3, "409 token_spent"),
        (4, "403 forbidden"),
        (5, "401 unauthenticated"),
    ];
    for (kind, answer) in expect {
        let count = seen.get(&format!("{kind}: {answer}")).copied().unwrap_or(0);
        assert!(count > 0, "abuse {kind} never got {answer}: {seen:?}");
        let others: Vec<_> = seen
            .iter()
            .filter(|(k, _)| {
                k.starts_with(&format!("{kind}: "))
                    && !k.ends_with(answer)
                    && !k.contains("429 rate_limited")
                    && !k.contains("transport")
            })
            .collect();
        assert!(
            others.is_empty(),
            "abuse {kind} got unexpected answers: {others:?}"
        );
    }
    // The flood of invalid tokens is rate-limited per client address.
    assert!(
        seen.get("0: 429 rate_limited").copied().unwrap_or(0) > 0,
        "{seen:?}"
    );
    // The service is still up and the log holds exactly the legitimate ballots.
    assert_eq!(s.ok("GET", "/healthz", None, None)["status"], "ok");
    assert_eq!(s.ok("GET", "/api/v1/election", None, None)["ballots"], 101);
}
