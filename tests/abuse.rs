//! Abuse while an election runs: floods of invalid tokens, oversize and malformed requests,
//! slow clients that trickle bytes, replayed ballots and another role's credentials, all at
//! once. The service stays up, answers each with its error code, and a legitimate kiosk keeps
//! casting meanwhile (its latency is printed, and bounded only by what would mean starvation:
//! speed belongs to the benchmarks).
//!
//! The stalled clients (issue 11) come from other source addresses than the kiosk (Linux
//! routes all of 127.0.0.0/8 to loopback): hundreds of bodies that announce 100 bytes and send
//! one, on every kind of route that reads a body; more connections from one address than
//! `connections_per_client_max`; connections idle after a response; a second request whose head
//! never ends. The service is started with short limits so the test takes seconds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use service::Server;

/// The limits the service runs with here (flags below).
const HEAD_TIMEOUT: Duration = Duration::from_millis(1000);
const BODY_TIMEOUT: Duration = Duration::from_secs(2);
const KEEP_ALIVE: Duration = Duration::from_secs(2);
const CONNECTIONS_PER_CLIENT_MAX: usize = 150;
/// How much later than its limit the server may close a connection: generous, for a loaded
/// machine; a server without the limit never closes it.
const SLACK: Duration = Duration::from_secs(3);

/// A connection to the service from `source`.
fn connect_from(source: [u8; 4], port: u16) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((source, 0)).into())?;
    socket.connect(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    Ok(socket.into())
}

/// What the server did with a stalled connection.
#[derive(Debug)]
struct Cut {
    /// What was sent (the request line).
    sent: String,
    /// The last response's status and error code, e.g. "408 body_timeout" ("408" without a body).
    answer: String,
    /// The last response said `Connection: close`.
    close: bool,
    /// When the server closed the connection, counted from the stall; `None` if it had not
    /// closed it after the limit and the slack.
    closed_after: Option<Duration>,
}

/// Reads one whole response (with a `Content-Length`).
fn read_response(c: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    loop {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed before the response ended");
        bytes.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&bytes).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// Opens `count` connections from `source`; on each sends `prelude` (a whole request, whose
/// response it reads) if any, then `stalls[i % len]` and nothing more; then reads until the
/// server closes each one or `limit + SLACK` has passed.
fn stall(source: [u8; 4], port: u16, count: usize, stalls: &[String], limit: Duration) -> Vec<Cut> {
    stall_after(source, port, count, None, stalls, limit)
}

fn stall_after(
    source: [u8; 4],
    port: u16,
    count: usize,
    prelude: Option<&str>,
    stalls: &[String],
    limit: Duration,
) -> Vec<Cut> {
    let mut open = Vec::new();
    for i in 0..count {
        let sent = &stalls[i % stalls.len()];
        let mut c = connect_from(source, port).unwrap();
        if let Some(p) = prelude {
            c.write_all(p.as_bytes()).unwrap();
            read_response(&mut c);
        }
        c.write_all(sent.as_bytes()).unwrap();
        open.push((
            c,
            sent.lines().next().unwrap_or("").to_string(),
            Instant::now(),
        ));
    }
    open.into_iter()
        .map(|(mut c, sent, stalled)| {
            let mut bytes = Vec::new();
            let mut buf = [0u8; 4096];
            let closed_after = loop {
                let left = (stalled + limit + SLACK).saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break None;
                }
                c.set_read_timeout(Some(left)).unwrap();
                match c.read(&mut buf) {
                    Ok(0) => break Some(stalled.elapsed()),
                    Ok(n) => bytes.extend_from_slice(&buf[..n]),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        break None
                    }
                    Err(_) => break Some(stalled.elapsed()),
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            // The last response on the connection (an idle one answered a request first).
            let last = text.rsplit("HTTP/1.1 ").next().unwrap_or("");
            let status = last.get(..3).unwrap_or("").to_string();
            let (head, body) = last.split_once("\r\n\r\n").unwrap_or((last, ""));
            let code = serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["code"].as_str().map(String::from));
            Cut {
                sent,
                answer: match code {
                    Some(code) => format!("{status} {code}"),
                    None => status,
                },
                close: head.to_ascii_lowercase().contains("connection: close"),
                closed_after,
            }
        })
        .collect()
}

/// A request head with `Content-Length: 100` and one byte of its body.
fn stalled_body(path: &str, token: Option<&str>, content_type: &str) -> String {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!("POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: {content_type}\r\nContent-Length: 100\r\n\r\n{{")
}

#[test]
fn abuse_does_not_stop_a_legitimate_kiosk() {
    let s = Server::start(
        "abuse",
        &[
            "--request-bytes-max",
            "65536",
            "--request-head-timeout-ms",
            &HEAD_TIMEOUT.as_millis().to_string(),
            "--body-read-timeout-seconds",
            &BODY_TIMEOUT.as_secs().to_string(),
            "--keep-alive-seconds",
            &KEEP_ALIVE.as_secs().to_string(),
            "--connections-per-client-max",
            &CONNECTIONS_PER_CLIENT_MAX.to_string(),
        ],
    );
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
    let teller_password = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "teller", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let teller = s.login("teller", &teller_password);
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
    let slow_heads = std::thread::spawn(move || {
        let head = "POST /api/v1/ballots HTTP/1.1\r\nHost: x\r\nContent-Le".to_string();
        stall([127, 0, 0, 1], port, 20, &[head], HEAD_TIMEOUT)
    });
    // Stalled bodies on every kind of route that reads one: public JSON, a (stolen) kiosk's
    // JSON, the roll's CSV, the tellers' entries with their larger limit. From 127.0.0.9 more
    // than the cap, from 127.0.0.10 as many as the cap.
    let bodies = vec![
        stalled_body("/api/v1/tally", None, "application/json"),
        stalled_body("/api/v1/ballots", Some(&attacker), "application/json"),
        stalled_body("/api/v1/roll", Some(&org), "text/csv"),
        stalled_body("/api/v1/teller/entries", Some(&teller), "application/json"),
    ];
    let over_cap = {
        let bodies = bodies.clone();
        std::thread::spawn(move || {
            stall(
                [127, 0, 0, 9],
                port,
                CONNECTIONS_PER_CLIENT_MAX + 50,
                &bodies,
                BODY_TIMEOUT,
            )
        })
    };
    let at_cap = std::thread::spawn(move || {
        stall(
            [127, 0, 0, 10],
            port,
            CONNECTIONS_PER_CLIENT_MAX,
            &bodies,
            BODY_TIMEOUT,
        )
    });
    // Connections idle after a response, and second requests whose heads never end (pipelined
    // behind the first, or sent after its response): actix times only a connection's first
    // head; the service's idle watch closes these.
    let idle = std::thread::spawn(move || {
        let get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".to_string();
        let half = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".to_string();
        let mut cuts = stall(
            [127, 0, 0, 11],
            port,
            10,
            &[get.clone(), format!("{get}{half}")],
            KEEP_ALIVE + HEAD_TIMEOUT,
        );
        cuts.extend(stall_after(
            [127, 0, 0, 11],
            port,
            10,
            Some(&get),
            &[half],
            KEEP_ALIVE + HEAD_TIMEOUT,
        ));
        cuts
    });
    // Health checks all the while, from the kiosk's address.
    let health = {
        let (stop, base) = (stop.clone(), base.clone());
        std::thread::spawn(move || {
            let agent = ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(5))
                .build();
            let (mut ok, mut failed) = (0usize, Vec::new());
            while !stop.load(Ordering::SeqCst) {
                match agent.get(&format!("{base}/healthz")).call() {
                    Ok(r) if r.status() == 200 => ok += 1,
                    Ok(r) => failed.push(format!("{}", r.status())),
                    Err(e) => failed.push(e.to_string()),
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            (ok, failed)
        })
    };

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
        // Only starvation could take this long: a stalled client holds its connection no
        // longer than the body timeout.
        assert!(
            started.elapsed() < BODY_TIMEOUT + SLACK,
            "a legitimate cast took {:?}",
            started.elapsed()
        );
        ok.fetch_add(1, Ordering::SeqCst);
    }
    let slow_heads = slow_heads.join().unwrap();
    let over_cap = over_cap.join().unwrap();
    let at_cap = at_cap.join().unwrap();
    let idle = idle.join().unwrap();
    stop.store(true, Ordering::SeqCst);
    for a in abusers {
        a.join().unwrap();
    }
    let (health_ok, health_failed) = health.join().unwrap();
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

    // Every stalled connection was answered and closed by the server within its limit.
    let summary = |cuts: &[Cut]| {
        let mut m = std::collections::BTreeMap::<String, usize>::new();
        for c in cuts {
            *m.entry(format!("{} -> {}", c.sent, c.answer)).or_default() += 1;
        }
        m
    };
    let slowest = |cuts: &[Cut]| cuts.iter().filter_map(|c| c.closed_after).max();
    for (name, cuts, limit) in [
        ("slow heads", &slow_heads, HEAD_TIMEOUT),
        ("stalled bodies over the cap", &over_cap, BODY_TIMEOUT),
        ("stalled bodies at the cap", &at_cap, BODY_TIMEOUT),
        ("idle connections", &idle, KEEP_ALIVE + HEAD_TIMEOUT),
    ] {
        println!(
            "{name}: {} connections, closed after at most {:?} (limit {limit:?}): {:#?}",
            cuts.len(),
            slowest(cuts),
            summary(cuts)
        );
        let open: Vec<_> = cuts.iter().filter(|c| c.closed_after.is_none()).collect();
        assert!(
            open.is_empty(),
            "{name}: {} connections still open {:?} after their limit: {:?}",
            open.len(),
            limit + SLACK,
            open.first()
        );
    }
    assert!(
        slow_heads.iter().all(|c| c.answer == "408"),
        "{slow_heads:?}"
    );
    // Past the cap, the connections from one address are refused at once with a stable code;
    // within it, each stalled body answers 408 body_timeout. Both close the connection.
    let refused = |cuts: &[Cut]| {
        cuts.iter()
            .filter(|c| c.answer == "429 too_many_connections")
            .count()
    };
    for c in over_cap.iter().chain(&at_cap) {
        assert!(
            c.answer == "408 body_timeout" || c.answer == "429 too_many_connections",
            "{c:?}"
        );
        assert!(c.close, "no Connection: close: {c:?}");
    }
    assert_eq!(refused(&at_cap), 0, "{:?}", summary(&at_cap));
    assert!(
        refused(&over_cap) >= 40 && refused(&over_cap) <= 50,
        "{} refused of {} over a cap of {CONNECTIONS_PER_CLIENT_MAX}: {:?}",
        refused(&over_cap),
        over_cap.len(),
        summary(&over_cap)
    );
    // Every kind of body-reading route timed out the same way.
    for path in [
        "/api/v1/tally",
        "/api/v1/ballots",
        "/api/v1/roll",
        "/api/v1/teller/entries",
    ] {
        assert!(
            at_cap
                .iter()
                .any(|c| c.sent.contains(path) && c.answer == "408 body_timeout"),
            "{path}: {:?}",
            summary(&at_cap)
        );
    }
    // The idle ones had their answer (the second heads none) before they were closed.
    assert!(
        idle.iter()
            .all(|c| c.answer == "200" || c.answer.is_empty()),
        "{idle:?}"
    );
    // Health checks answered throughout.
    println!("health checks during abuse: {health_ok} ok, failed: {health_failed:?}");
    assert!(health_failed.is_empty(), "{health_failed:?}");
    assert!(health_ok > 0);

    // The service is still up and the log holds exactly the legitimate ballots.
    assert_eq!(s.ok("GET", "/healthz", None, None)["status"], "ok");
    assert_eq!(s.ok("GET", "/api/v1/election", None, None)["ballots"], 101);
}

/// A client that starts an export and stops reading it (issue 11's slow reader, on the one
/// route that streams a large answer): after `response_stall_seconds` the export is cut and
/// its place among `exports_concurrent_max` is freed, so a few stalled downloads cannot
/// refuse every auditor's and teller's export. The spec is made large (long titles, about
/// 7 MB) so that the export cannot fit in the connection's socket buffers.
#[test]
fn an_export_left_unread_frees_its_place() {
    const STALL: Duration = Duration::from_secs(2);
    let s = Server::start(
        "abuse-export-stall",
        &[
            "--exports-concurrent-max",
            "1",
            "--exports-per-minute",
            "1000",
            "--response-stall-seconds",
            &STALL.as_secs().to_string(),
        ],
    );
    let org = s.login("organiser", &s.organiser_password);
    let contests: Vec<_> = (0..400)
        .map(|c| {
            json!({"id": format!("d{c}"), "title": format!("第{c}选区 {}", "长".repeat(6000)),
                "kind": "npc_direct", "seats": 1,
                "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
                "turnout": {"eligible": 10, "present": 10, "ballots_issued": 10}})
        })
        .collect();
    let spec =
        json!({"format": "scrutineer.election/v1", "id": "stall-2026", "contests": contests});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of a stalled export"}, "spec": spec, "election_date": "2026-12-01"})),
    );
    let export_status = || {
        let (status, _) = s.call("GET", "/api/v1/export", None, None);
        status
    };
    assert_eq!(export_status(), 200);
    // (Its export thread ends just after the last byte is handed over.)
    std::thread::sleep(Duration::from_millis(300));

    // A client asks for the export, reads the answer's first bytes, then nothing more.
    let addr: SocketAddr = s.base.trim_start_matches("http://").parse().unwrap();
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /api/v1/export HTTP/1.1\r\nHost: hall\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    stalled.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let since = Instant::now();
    // Its export holds the one place: another is refused for now.
    assert_eq!(export_status(), 429);
    // But not to a teller, auditor or organiser, who has places of its own (a slow public
    // download must not hold back the export a teller needs to decrypt).
    let (status, _) = s.call("GET", "/api/v1/export", Some(&org), None);
    assert_eq!(
        status, 200,
        "a staff export refused while a public one holds its place"
    );
    // Once the stall time is over, the place is free again (the stalled connection stays
    // open; the per-address cap bounds those).
    let deadline = since + STALL + SLACK;
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let status = export_status();
        if status == 200 {
            assert!(since.elapsed() >= STALL, "freed before the stall time");
            break;
        }
        assert_eq!(status, 429);
        assert!(
            Instant::now() < deadline,
            "a stalled export still holds its place after {:?}",
            since.elapsed()
        );
    }
    // The stalled client reading again gets what was queued, then a cut connection: never
    // the end of a chunked body, which would pass a truncated archive off as whole.
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match stalled.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => rest.extend_from_slice(&buf[..n]),
        }
    }
    assert!(!rest.is_empty());
    assert!(
        !rest.ends_with(b"\r\n0\r\n\r\n"),
        "the cut export ended like a whole one ({} bytes read after the stall)",
        rest.len()
    );
}
