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

/// Codes raised only in the pages (web/js), with where and what to do: they never come from
/// the service, so they are not rows of `src/codes.rs`.
const PAGE_CODES: &[(&str, &str, &str)] = &[
    ("already_signed", "teller page", "this key already signed this result: nothing to do"),
    ("ambiguous_key", "check and auditor pages", "two public keys were given under one name and key ID: give each once"),
    ("bad_answer", "check page", "the service's answer is not base64: the service or the network is at fault; try again, then tell the organiser"),
    ("bad_checkpoint", "teller page", "the checkpoint text to sign does not end with a newline: copy all of it"),
    ("bad_count", "organiser page", "the number of slips must be a positive whole number"),
    ("bad_entry", "check page", "a checked ballot's entry ends early: the service sent a damaged entry; tell the organiser"),
    ("bad_hex", "check and auditor pages", "a hash is not hexadecimal: check what was typed or pasted"),
    ("bad_hex_length", "check and auditor pages", "a hash has the wrong length: check what was typed or pasted"),
    ("bad_number", "check and auditor pages", "a size or index is not a whole number below 2^64"),
    ("bad_signature", "check and auditor pages", "a signature by a known key does not verify: the text or the signature was changed; do not trust it, tell an auditor"),
    ("bad_spec", "organiser page", "the election file could not be read: fix what the message names"),
    ("bad_styles", "organiser page", "the ballot styles must be a JSON array"),
    ("checkpoint_malformed", "check and auditor pages", "the checkpoint text is not a C2SP checkpoint (origin, size, root): copy it whole"),
    ("consistency_proof_length", "auditor page", "the consistency proof has the wrong number of hashes: the service's proof is wrong; tell an auditor"),
    ("correction_figures", "teller, organiser and desk pages", "choose a contest and give eligible, present and issued as whole numbers"),
    (
        "error",
        "teller page",
        "an unexpected failure inside the page: reload it; if it repeats, tell the organiser the message",
    ),
    ("entry_hash", "check page", "the entry the service sent is not the one the receipt proves: do not trust the page; tell an auditor"),
    ("import_header", "election builder", "the CSV or XLSX file's first row is not the expected header: use the template"),
    ("inclusion_proof_length", "check page", "the inclusion proof has the wrong number of hashes: the service's proof is wrong; tell an auditor"),
    ("inclusion_root_mismatch", "check page", "the receipt's entry is not in the signed log: tell an auditor at once"),
    ("index_out_of_range", "check and auditor pages", "the entry number is past the log's size: check the receipt code"),
    ("insecure_page", "teller page", "the page came over plain HTTP: open it over HTTPS, or sign with scrutineer teller sign"),
    ("key_id_mismatch", "check, auditor and teller pages", "a key's stated ID does not match the key: the key text or file is damaged; take it again from its source"),
    ("key_invalid", "check, auditor and teller pages", "the public key is not a usable Ed25519 key (not on the curve, not canonical, or of small order)"),
    ("key_malformed", "check, auditor and teller pages", "the key text is not NAME+KEYID+BASE64: copy it whole"),
    ("key_type", "check and auditor pages", "the key is not an Ed25519 key: only Ed25519 is used"),
    (
        "kiosk_key_changed",
        "kiosk",
        "the service offered a ballot under another election key than this kiosk's: the slip is unused; call the organiser (pairing the kiosk again resets it)",
    ),
    (
        "kiosk_plaintext_refused",
        "kiosk",
        "the service offered a plaintext ballot to a kiosk that encrypts: the slip is unused; call the organiser",
    ),
    ("key_not_registered", "teller page", "the key file loaded is not a registered teller key of this election: choose your own"),
    ("line_mismatch", "check page", "a checked ballot's entry and its description from the service differ: tell an auditor"),
    ("network", "every page", "the service cannot be reached: check the network cable or Wi-Fi, then reload"),
    ("new_root_mismatch", "auditor page", "the newer checkpoint does not extend the older one: the log was rewritten; tell every auditor at once"),
    ("no_ballot", "teller page", "open a checked ballot first"),
    ("no_file", "organiser page", "choose a CSV file first"),
    ("no_key", "teller page", "choose your key file first"),
    ("no_known_signature", "check and auditor pages", "no signature on the checkpoint is by a key the page knows: compare the log key with the board"),
    ("no_line", "teller page", "paste a signature line first"),
    ("note_control_character", "check and auditor pages", "the signed text holds a control character: it is not a checkpoint"),
    ("note_malformed", "check and auditor pages", "the signed text is not text"),
    ("note_too_large", "check and auditor pages", "the signed text is over 1 MiB: it is not a checkpoint"),
    ("old_root_mismatch", "auditor page", "the older checkpoint's root does not match the proof: the log was rewritten; tell every auditor at once"),
    ("origin_mismatch", "check and auditor pages", "the checkpoint is another election's log: check which election the page is for"),
    ("paper_place_went_back", "teller page", "the service reports a paper keying's place that is not past one this page already had acknowledged: a keying it said was recorded may be missing from the log; stop keying and check an export"),
    ("password_mismatch", "every sign-in", "the two new passwords differ: type them again"),
    ("receipt_hash", "teller page", "the receipt code does not match its log entry: check the code; if it is right, tell an auditor"),
    ("sizes_out_of_order", "auditor page", "the older checkpoint is larger than the newer one: take them in order"),
];

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
    s.push_str(
        "\n## raised only in the pages (web/js): no HTTP status\n\n\
         The pages check some things themselves (a receipt's proof, a checkpoint's signatures, \
         a key file, a form) and show these codes the same way, small after the sentence.\n\n\
         | code | where | what it means, what to do |\n|---|---|---|\n",
    );
    for (code, place, meaning) in PAGE_CODES {
        s.push_str(&format!("| `{code}` | {place} | {meaning} |\n"));
    }
    s
}

/// Every code a page raises is either a row of `src/codes.rs` or listed in [`PAGE_CODES`]
/// (so docs/ERRORS.md names it).
#[test]
fn every_code_the_pages_raise_is_documented() {
    let known: std::collections::BTreeSet<String> =
        Code::ALL.iter().map(|c| c.to_string()).collect();
    let listed: std::collections::BTreeSet<&str> = PAGE_CODES.iter().map(|(c, _, _)| *c).collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root().join("web/js")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "js") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for marker in ["localError(\"", "fail(\"", "code: \""] {
            for part in text.split(marker).skip(1) {
                let code: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !code.is_empty()
                    && part[code.len()..].starts_with('"')
                    && !known.contains(&code)
                    && !listed.contains(code.as_str())
                {
                    missing.push(format!("{}: {code}", path.display()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "codes the pages raise that docs/ERRORS.md does not name: {missing:?}"
    );
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
