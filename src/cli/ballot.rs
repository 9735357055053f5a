//! `scrutineer ballot encrypt`: a ballot encrypted as a kiosk encrypts it, for scripts, tests
//! and benchmarks that cast over HTTP without a browser. The election key, the spec and the
//! ballot styles come from an export this command verifies first (a directory, or the tar
//! of `GET /api/v1/export`), never from the service's word alone. It prints the body of
//! `POST /api/v1/ballots`: `{"token", "encrypted": [{contest, group, ballot}]}`.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

fn e(code: &str, message: impl std::fmt::Display) -> String {
    format!("错误 error [{code}]: {message}")
}

/// Encrypts `lines` (ballot lines, docs/FORMATS.md) for `token` under the election key of
/// the verified export at `export`. Returns the request body as JSON text.
pub fn encrypt(export: &Path, token: &str, lines: &[String]) -> Result<String, String> {
    let lines: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l))
        .collect::<Result<_, _>>()
        .map_err(|err| e("ballot_json", err))?;
    let token = crate::record::token::Token::parse(token).map_err(|err| e(err.code(), err))?;
    let r = crate::cli::teller::verified(export)?;
    let key = r.book.as_ref().and_then(|b| b.key()).ok_or_else(|| {
        e(
            "election_key_missing",
            "此选举不加密选票, 或密钥仪式尚未完成 / this election does not encrypt ballots, or its key ceremony is not complete",
        )
    })?;
    let style = r.styles.get(usize::from(token.style())).ok_or_else(|| {
        e(
            "unknown_style",
            format!("no ballot style {}", token.style()),
        )
    })?;
    let election = crate::record::parse_logged_election(r.spec.to_string().as_bytes())
        .map_err(|err| e(err.code(), err))?;
    let out = crate::e2e::kiosk::encrypt_lines(
        &election,
        &r.election_id,
        style,
        key,
        *token.serial(),
        &lines,
        &mut crate::crypto::SystemRng,
    )
    .map_err(|err| e(err.code(), err))?;
    let encrypted: Vec<Value> = out
        .into_iter()
        .map(|(l, _)| json!({"contest": l.contest, "group": l.group, "ballot": BASE64.encode(&l.ballot)}))
        .collect();
    Ok(json!({"token": token.to_text(), "encrypted": encrypted}).to_string() + "\n")
}
