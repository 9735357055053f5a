//! `scrutineer ballot encrypt`: a ballot encrypted as a kiosk encrypts it, for scripts, tests
//! and benchmarks that cast over HTTP without a browser. The election key, the spec and the
//! ballot styles come from an export this command verifies first (a directory, or the tar
//! of `GET /api/v1/export`), never from the service's word alone. It prints the body of
//! `POST /api/v1/ballots`: `{"token", "encrypted": [{contest, group, ballot}]}`.

use crate::cli::CommandError;
use crate::codes::Code;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

fn e(code: Code, message: impl std::fmt::Display) -> CommandError {
    CommandError::new(code, message)
}

/// Encrypts `lines` (ballot lines, docs/FORMATS.md) for `token` under the election key of
/// the verified export at `export`. Returns the request body as JSON text.
pub fn encrypt(export: &Path, token: &str, lines: &[String]) -> Result<String, CommandError> {
    let lines: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l))
        .collect::<Result<_, _>>()
        .map_err(|err| e(Code::BallotJson, err))?;
    let token = crate::record::token::Token::parse(token).map_err(|err| e(err.code(), err))?;
    let r = crate::cli::teller::verified_any_protocol(export)?;
    let key = r.book.as_ref().and_then(|b| b.key()).ok_or_else(|| {
        e(
            Code::ElectionKeyMissing,
            "此选举不加密选票, 或密钥仪式尚未完成 / this election does not encrypt ballots, or its key ceremony is not complete",
        )
    })?;
    let style = r.styles.get(usize::from(token.style())).ok_or_else(|| {
        e(
            Code::UnknownStyle,
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

/// `scrutineer ballot check`: opens a spoiled ballot (a voter's 核验, docs/E2E.md §8.6) from a
/// verified export and prints its confirmation code and its choices in words, for a 监票人's
/// laptop or anyone else's machine. `which` is the receipt code the kiosk showed
/// (`R<index>-…`, its hash part checked against the log) or the entry index.
///
/// `pins` (`--checkpoint`, `--log-key`) hold the export to the log posted in the hall, as
/// `verify` does: without them a server could hand the 监票人 a log of its own making (the
/// candidates listed in another order, say) in which the opened ballot reads as the kiosk
/// wanted. The spoiled ballot must lie within a pinned checkpoint; the log's size and root
/// are printed either way, to compare with the board.
pub fn check(
    export: &Path,
    which: &str,
    pins: &crate::cli::verify::Pins,
) -> Result<String, CommandError> {
    let r = crate::cli::teller::verified_any_protocol(export)?;
    crate::cli::verify::check_pins(&r, pins).map_err(|f| e(f.check, f.message))?;
    let index = match crate::tokens::parse_receipt_code(which) {
        Some((index, _)) => {
            let leaf = r.tree.leaf(index).ok_or_else(|| {
                e(Code::NotFound, format!("导出中没有第 {index} 条 / the export has no entry {index}"))
            })?;
            if crate::tokens::receipt_code(index, &leaf) != which.trim().to_ascii_uppercase() {
                return Err(e(
                    Code::BadReceipt,
                    format!("回执码与第 {index} 条不符 / the receipt code does not match entry {index}"),
                ));
            }
            index
        }
        None => which.trim().parse::<u64>().map_err(|_| {
            e(
                Code::BadReceipt,
                "须给出回执码 (如 R42-5Q3ZK8M1T0C7W2H4) 或条目序号 / give a receipt code (like R42-5Q3ZK8M1T0C7W2H4) or an entry index",
            )
        })?,
    };
    if let Some(size) = pins
        .checkpoint
        .as_deref()
        .and_then(|p| p.split(':').next())
        .and_then(|n| n.trim().parse::<u64>().ok())
    {
        if index >= size {
            return Err(e(
                Code::NotYetCheckpointed,
                format!("第 {index} 条不在核对过的检查点 (共 {size} 条) 之内 / entry {index} is not within the confirmed checkpoint ({size} entries)"),
            ));
        }
    }
    let (_, body) = r.spoiled.iter().find(|(i, _)| *i == index).ok_or_else(|| {
        e(
            Code::NotSpoiled,
            format!("第 {index} 条不是核验作废的选票 / entry {index} is not a spoiled ballot"),
        )
    })?;
    let book = r.book.as_ref().ok_or_else(|| {
        e(
            Code::NotEncrypted,
            "此选举不加密选票 / this election does not encrypt ballots",
        )
    })?;
    let style = r.styles.get(usize::from(body.style)).ok_or_else(|| {
        e(
            Code::UnknownStyle,
            format!("no ballot style {}", body.style),
        )
    })?;
    let election = crate::record::parse_logged_election(r.spec.to_string().as_bytes())
        .map_err(|err| e(err.code(), err))?;
    let opened = book
        .open_spoiled(&election, style, body)
        .map_err(|err| e(err.code(), err))?;
    let code = crate::record::spoiled::code_of(&body.confirmation_hash());
    let mut out = format!(
        "核验作废的选票 第 {index} 条 (不计入) / Spoiled ballot, entry {index} (not counted)\n\
         投票机 kiosk: {}   时间 time: {}\n\
         确认码 confirmation code: {code}\n\
         请与投票机在您按“核验”之前显示的确认码核对。/ Compare it with the code the kiosk showed before you pressed Check.\n",
        body.kiosk,
        crate::procedure::local(body.time),
    );
    for (contest, plain) in &opened {
        out.push_str(&describe(&election, contest, plain));
    }
    if let Some(fp) = book.key().map(|k| k.fingerprint()) {
        out.push_str(&format!("选举密钥指纹 election key fingerprint: {fp}\n"));
    }
    out.push_str(&format!(
        "核验的日志 the log checked: {}:{}\n",
        r.tree.size(),
        crate::verify::hex(&r.tree.root())
    ));
    if pins.checkpoint.is_none() && pins.log_key.is_none() {
        out.push_str("注意: 没有核对这就是会场公示的日志; 请与公告栏上的检查点核对, 或加 --checkpoint 条数:根 再运行 / note: this log was not confirmed to be the one posted in the hall: compare it with the board's checkpoint, or run again with --checkpoint SIZE:ROOT\n");
    }
    Ok(out)
}

/// One opened contest in words: each candidate's mark, the names written in, the grades.
fn describe(
    election: &crate::rules::Election,
    contest: &str,
    plain: &crate::crypto::ContestPlaintext,
) -> String {
    use crate::crypto::{ContestPlaintext, Mark};
    let Some(c) = election
        .contest_index(contest)
        .map(|i| &election.contests[i])
    else {
        return format!("\n{contest}: ?\n");
    };
    let mut out = format!("\n{} ({})\n", c.title(), c.id());
    match plain {
        ContestPlaintext::Candidate(p) => {
            for (cand, m) in c.candidates().iter().zip(&p.marks) {
                let mark = match m {
                    Mark::For => "赞成 for".to_string(),
                    Mark::Against => format!("{} against", c.kind().against_label()),
                    Mark::Abstain => "弃权 (未标记) abstain".to_string(),
                };
                out.push_str(&format!("  {}: {mark}\n", cand.name));
            }
            for name in p.write_ins.iter().flatten() {
                out.push_str(&format!("  另选他人 written in: {name}\n"));
            }
            if p.void {
                out.push_str("  本项选票为废票 / this contest's ballot is void\n");
            }
        }
        ContestPlaintext::Evaluation(p) => {
            let (subjects, labels) = match c.evaluation() {
                Some(ev) => (
                    ev.subjects
                        .iter()
                        .map(|s| s.name.clone())
                        .collect::<Vec<_>>(),
                    ev.scale.labels_zh(),
                ),
                None => (Vec::new(), ["?"; 4]),
            };
            for (i, g) in p.grades.iter().enumerate() {
                let name = subjects.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
                let grade = g
                    .and_then(|g| labels.get(usize::from(g)).copied())
                    .unwrap_or("未评 unrated");
                out.push_str(&format!("  {name}: {grade}\n"));
            }
        }
    }
    out
}
