//! The one table of error codes (`src/codes.rs`, issue 16 item 2) against what the service
//! says of it: `docs/ERRORS.md` lists exactly the table's codes and statuses, and every code
//! the OpenAPI document names under an error response answers with that response's status.
//! `SCRUTINEER_BLESS=1 cargo test --test error_codes` rewrites `docs/ERRORS.md` from the table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use scrutineer::codes::{Code, Status};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::BadRequest => "400 Bad Request",
        Status::Unauthorized => "401 Unauthorized",
        Status::Forbidden => "403 Forbidden",
        Status::NotFound => "404 Not Found",
        Status::RequestTimeout => "408 Request Timeout",
        Status::Conflict => "409 Conflict",
        Status::PayloadTooLarge => "413 Content Too Large",
        Status::Unprocessable => "422 Unprocessable Content",
        Status::TooManyRequests => "429 Too Many Requests",
        Status::Internal => "500 Internal Server Error",
        Status::Unavailable => "503 Service Unavailable",
    }
}

/// The table's groups, as the comments of `src/codes.rs` name them, in order.
fn groups() -> Vec<(String, Vec<Code>)> {
    let src = std::fs::read_to_string(root().join("src/codes.rs")).unwrap();
    let mut out: Vec<(String, Vec<Code>)> = Vec::new();
    for line in src.lines().map(str::trim) {
        if let Some(g) = line
            .strip_prefix("// ---- ")
            .and_then(|l| l.strip_suffix(" ----"))
        {
            out.push((g.to_string(), Vec::new()));
        } else if let Some((_, rest)) = line.split_once(" = \"") {
            if let Some((text, _)) = rest.split_once('"') {
                let code = Code::from_text(text).unwrap();
                out.last_mut().unwrap().1.push(code);
            }
        }
    }
    out
}

fn document() -> String {
    let mut s = String::from(
        "# Error codes\n\n\
         Every refusal or failure carries a stable `code`: in an HTTP answer \
         `{\"code\", \"message\"}`, in a command's `错误 error [code]: message`, in a refused \
         roll row, in a verify report's `check`. A code's text never changes meaning; a new \
         code is a new row. The HTTP status is the code's own, from the one table in \
         `src/codes.rs`: the same code answers the same status wherever it is raised. A \
         `500` answers a generic message and writes the detail to the service log only.\n\n\
         This page is generated from that table (`SCRUTINEER_BLESS=1 cargo test --test \
         error_codes`) and `tests/error_codes.rs` fails when the two differ.\n\n\
         | status | meaning |\n|---|---|\n\
         | 400 | the request is not JSON or not the shape asked for |\n\
         | 401 | no session, or a wrong password |\n\
         | 403 | the role may not do this, or the account must act first |\n\
         | 404 | no such endpoint or record |\n\
         | 408 | the body did not arrive in time |\n\
         | 409 | well formed, but the election's state refuses it now |\n\
         | 413 | the body is over its limit |\n\
         | 422 | well formed, but the content breaks a rule |\n\
         | 429 | too many requests or connections; see `Retry-After` |\n\
         | 500 | a fault of the service; the detail is in the service log |\n\
         | 503 | storage is failing (a full disk); retry later |\n",
    );
    for (group, codes) in groups() {
        s.push_str(&format!(
            "\n## {group}\n\n| code | HTTP status |\n|---|---|\n"
        ));
        for c in codes {
            s.push_str(&format!("| `{}` | {} |\n", c, status_name(c.status())));
        }
    }
    s
}

#[test]
fn the_doc_is_the_table() {
    let listed: Vec<Code> = groups().into_iter().flat_map(|(_, c)| c).collect();
    assert_eq!(
        listed,
        Code::ALL,
        "every row of src/codes.rs sits under a group"
    );
    let path = root().join("docs/ERRORS.md");
    let want = document();
    if std::env::var_os("SCRUTINEER_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/ERRORS.md is not the table of src/codes.rs; run SCRUTINEER_BLESS=1 cargo test --test error_codes"
    );
}

/// Every code the OpenAPI document lists under an error response is a code of the table,
/// with that response's status.
#[test]
fn the_openapi_codes_answer_their_response_status() {
    let doc: serde_json::Value =
        serde_json::from_str(&scrutineer::server::openapi::json()).unwrap();
    let mut seen: BTreeMap<String, u16> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op.get("responses").and_then(|r| r.as_object()) else {
                continue;
            };
            for (status, response) in responses {
                let Some(codes) = response.get("x-error-codes").and_then(|c| c.as_array()) else {
                    continue;
                };
                let status: u16 = status.parse().unwrap();
                for c in codes {
                    let text = c.as_str().unwrap();
                    match Code::from_text(text) {
                        None => wrong.push(format!("{method} {path}: {text} is not a code")),
                        Some(code) if code.status().as_u16() != status => wrong.push(format!(
                            "{method} {path}: {text} listed under {status}, answers {}",
                            code.status().as_u16()
                        )),
                        Some(_) => {
                            seen.insert(text.to_string(), status);
                        }
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(seen.len() > 50, "the document lists codes: {}", seen.len());
}
