//! Pages and links over real HTTP (issue 11): every HTML answer carries the one
//! Content-Security-Policy, and the policy allows whatever inline style the page holds; every
//! answer carries `nosniff` and `no-referrer`; the results board's QR code and printed link
//! use the configured public address, or the bind address, or a trusted proxy's
//! `X-Forwarded-Host`, and never a Host or X-Forwarded-Host a client wrote.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use base64::Engine as _;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use service::Server;
use sha2::Digest;

use scrutineer::record::note::Signer;

/// An answer's status, headers and body.
type Answer = (u16, Vec<(String, String)>, String);

/// A small plaintext election through to one published result: its index, and the answer
/// that brought the slip sheet.
fn published(s: &Server) -> (u64, Answer) {
    let signer = Signer::new("teller-wang", SigningKey::from_bytes(&[11u8; 32])).unwrap();
    let org = s.login("organiser", &s.organiser_password);
    let password = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "teller", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let teller = s.login("teller", &password);
    let spec = json!({"format": "scrutineer.election/v1", "id": "pages-2026", "title": "链接测试", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
         "turnout": {"eligible": 3, "present": 3, "ballots_issued": 3}}]});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec,
            "election_date": "2026-12-01", "tellers": [signer.verifier().unwrap().to_text()], "signatures_required": 1})),
    );
    s.roll(&org, "一区", "V", 3);
    let sheet = fetch(
        ureq::post(&format!("{}/api/v1/pools", s.base))
            .set("Authorization", &format!("Bearer {org}")),
        Some(json!({"style": 0, "count": 3})),
    );
    let tokens = service::tokens_from_sheet(&sheet.2);
    assert_eq!(tokens.len(), 3, "{sheet:?}");
    s.ok("POST", "/api/v1/contests/d1/open", Some(&org), None);
    let kiosk = s.pair_kiosk(&org, "hall-1");
    let desk = s.registrar(&org, "desk");
    s.check_in_range(&desk, "V", 1, 3);
    for t in &tokens {
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "d1", "marks": {"a": "for"}}]})),
        );
    }
    s.ok("POST", "/api/v1/contests/d1/close", Some(&teller), None);
    let index = s.ok("POST", "/api/v1/contests/d1/tally", Some(&teller), None)["result_index"]
        .as_u64()
        .unwrap();
    let r = s.ok(
        "GET",
        &format!("/api/v1/results/{index}"),
        Some(&teller),
        None,
    );
    let line =
        scrutineer::ledger::teller_signature_line(r["checkpoint_text"].as_str().unwrap(), &signer)
            .unwrap();
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/signatures"),
        Some(&teller),
        Some(&json!({"line": line})),
    );
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/publish"),
        Some(&org),
        None,
    );
    (index, sheet)
}

fn port(s: &Server) -> u16 {
    s.base.rsplit(':').next().unwrap().parse().unwrap()
}

/// A raw `GET` from `source` (any 127.x.y.z reaches loopback on Linux) with exactly the given
/// header lines: the body of a 200 answer.
fn get_from(source: [u8; 4], port: u16, path: &str, headers: &str) -> String {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::from((source, 0)).into()).unwrap();
    socket
        .connect(&SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    let mut c: TcpStream = socket.into();
    write!(
        c,
        "GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer.split_once("\r\n\r\n").unwrap().1.to_string()
}

/// The board page the service must serve for result `index` with `link` in its QR code and
/// text (the page is deterministic, so equality covers the QR code's modules).
fn board_with(s: &Server, index: u64, link: &str) -> String {
    let signed: Value = s.ok(
        "GET",
        &format!("/api/v1/public/results/{index}"),
        None,
        None,
    );
    scrutineer::present::board::board_html(&signed, link, &|names: &mut Vec<String>| {
        scrutineer::rules::hanzi::sort_by_strokes(names, |n| n.as_str())
    })
    .unwrap()
}

const FORGED: &str =
    "Host: evil.example\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n";

#[test]
fn the_board_links_to_the_public_url_whatever_the_client_sends() {
    let s = Server::start(
        "pages-public",
        &[
            "--public-url",
            "https://vote.example.gov.cn/",
            "--trusted-proxies",
            "127.0.0.1",
        ],
    );
    let (index, _) = published(&s);
    let expected = board_with(
        &s,
        index,
        &format!("https://vote.example.gov.cn/api/v1/public/results/{index}"),
    );
    // From an untrusted peer with forged headers, and from the trusted proxy with its own:
    // the configured address wins.
    for (source, headers) in [
        ([127, 0, 0, 2], FORGED),
        (
            [127, 0, 0, 1],
            "Host: hall.local\r\nX-Forwarded-Host: hall.local\r\n",
        ),
    ] {
        let page = get_from(source, port(&s), &format!("/board/{index}"), headers);
        assert!(!page.contains("evil.example") && !page.contains("hall.local"));
        assert!(page == expected, "from {source:?} with {headers:?}: {page}");
    }
}

#[test]
fn without_a_public_url_the_board_links_to_the_bind_address_or_a_trusted_proxys_host() {
    let s = Server::start("pages-bind", &["--trusted-proxies", "127.0.0.1"]);
    let (index, _) = published(&s);
    let port = port(&s);
    let path = format!("/api/v1/public/results/{index}");
    // An untrusted peer's Host and X-Forwarded-Host are ignored.
    let page = get_from([127, 0, 0, 2], port, &format!("/board/{index}"), FORGED);
    assert!(!page.contains("evil.example"), "{page}");
    assert!(page == board_with(&s, index, &format!("http://127.0.0.1:{port}{path}")));
    // The trusted proxy names the host the hall uses.
    let page = get_from(
        [127, 0, 0, 1],
        port,
        &format!("/board/{index}"),
        "Host: x\r\nX-Forwarded-Host: hall.local\r\nX-Forwarded-Proto: https\r\n",
    );
    assert!(page == board_with(&s, index, &format!("https://hall.local{path}")));
}

/// `'sha256-…'` of an inline style element's text, as CSP writes it.
fn style_hash(css: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(css.as_bytes()))
    )
}

/// The headers and the body of one answer (any status).
fn fetch(req: ureq::Request, body: Option<Value>) -> Answer {
    let res = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    let r = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = r.status();
    let headers = r
        .headers_names()
        .into_iter()
        .flat_map(|n| {
            r.all(&n)
                .into_iter()
                .map(|v| (n.clone(), v.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    (status, headers, r.into_string().unwrap())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn every_html_answer_carries_a_policy_that_lets_the_page_work() {
    let s = Server::start("pages-csp", &[]);
    let (index, sheet) = published(&s);
    let mut html = vec![("POST /api/v1/pools (slip sheet)".to_string(), sheet)];
    for path in [
        "/",
        "/kiosk",
        "/desk",
        "/organiser",
        "/teller",
        "/verify",
        "/auditor",
        &format!("/board/{index}"),
        "/api/docs",
    ] {
        html.push((
            path.to_string(),
            fetch(ureq::get(&format!("{}{path}", s.base)), None),
        ));
    }
    let mut policy = None;
    for (what, (status, headers, body)) in &html {
        assert!(*status == 200 || *status == 201, "{what}: {status} {body}");
        assert!(
            header(headers, "content-type")[0].starts_with("text/html"),
            "{what}"
        );
        let csp = header(headers, "content-security-policy");
        assert_eq!(csp.len(), 1, "{what}: {headers:?}");
        let csp = csp[0];
        // One policy for every page (a slip sheet opened from the organiser page as a blob:
        // document inherits the organiser page's).
        assert_eq!(*policy.get_or_insert(csp), csp, "{what}");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{what}: {directive} not in {csp}");
        }
        assert!(!csp.contains("unsafe"), "{what}: {csp}");
        assert_eq!(
            header(headers, "x-content-type-options"),
            ["nosniff"],
            "{what}"
        );
        assert_eq!(
            header(headers, "referrer-policy"),
            ["no-referrer"],
            "{what}"
        );
        // The page works under it: scripts only from files, no inline handler or style
        // attribute, and every inline style element allowed by its hash.
        let lower = body.to_ascii_lowercase();
        assert!(!lower.contains(" style="), "{what} has a style attribute");
        assert!(!lower.contains("javascript:"), "{what}");
        for tag in lower.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap();
            assert!(open.contains(" src="), "{what} has an inline script");
            assert!(
                tag.split('>').nth(1).unwrap().starts_with("</script"),
                "{what}"
            );
        }
        for part in body.split("<style>").skip(1) {
            let css = part.split("</style>").next().unwrap();
            assert!(
                csp.contains(&style_hash(css)),
                "{what}: its inline style is not allowed by {csp}"
            );
        }
        for attr in [
            " onclick=",
            " onload=",
            " onerror=",
            " onsubmit=",
            " oninput=",
        ] {
            assert!(!lower.contains(attr), "{what} has {attr}");
        }
    }
    // Everything else carries nosniff and no-referrer, and no policy it does not need.
    for path in ["/healthz", "/assets/js/common.js", "/api/v1/public/results"] {
        let (_, headers, _) = fetch(ureq::get(&format!("{}{path}", s.base)), None);
        assert_eq!(
            header(&headers, "x-content-type-options"),
            ["nosniff"],
            "{path}"
        );
        assert_eq!(
            header(&headers, "referrer-policy"),
            ["no-referrer"],
            "{path}"
        );
        assert!(
            header(&headers, "content-security-policy").is_empty(),
            "{path}"
        );
    }
    let (status, headers, _) = fetch(ureq::get(&format!("{}/no-such-page", s.base)), None);
    assert_eq!(status, 404);
    assert_eq!(header(&headers, "x-content-type-options"), ["nosniff"]);
}
