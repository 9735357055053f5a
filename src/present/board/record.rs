//! What the log records beside the counts (secrecy, re-votes, seat reductions, procedures,
//! double entry, corrections, late pools), and the verification box with its QR code.

use super::*;

/// Shared `null` returned by [`get`] for a missing field.
static NULL: Value = Value::Null;

// The record beside the result is the service's own envelope (`server::api::results`), read
// as it comes: a missing or oddly typed field is shown as empty or a dash.

/// The field `key` of an object, or `null` when absent (or not an object).
pub(super) fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&NULL)
}

/// A string value, or "" for anything else.
pub(super) fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An array value as a slice, or empty for anything else.
pub(super) fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A number copied as its decimal text; strings are kept; anything else is empty. Not escaped.
fn num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// [`num`], escaped, or an em dash when empty.
fn num_or_dash(v: &Value) -> String {
    dash(&num(v))
}

/// The title of the contest `id` of the result, or the id when it has none.
fn title_of<'a>(result: &'a ResultV1, id: &'a str) -> &'a str {
    result
        .contests
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.title.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or(id)
}

/// What the log records beside the count, posted with it: corrections of the desk's figures
/// (with both people and the reason) and tokens printed after voting started (with why).
/// How the ballots were kept secret: encrypted (the key's fingerprint, k of n tellers and who
/// decrypted the totals), or plaintext with the organiser's logged reason.
pub(super) fn render_secrecy(out: &mut String, signed: &Value) {
    let s = get(signed, "secrecy");
    match get(s, "encrypted").as_bool() {
        Some(true) => {
            let tellers: Vec<String> = list(get(s, "decrypted"))
                .iter()
                .flat_map(|d| list(get(d, "tellers")).iter().map(|t| text(t).to_string()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            put!(
                out,
                "<p class=\"meta secrecy\">{} <span class=\"mono\">{}</span> · {} {} / {} · {}: {}</p>\n",
                bi("选票在投票机上加密, 只解密总数。选举密钥指纹", "Ballots were encrypted at the kiosk and only totals decrypted. Election key fingerprint"),
                esc(text(get(s, "fingerprint"))),
                bi("解密需计票人", "tellers needed to decrypt"),
                num(get(s, "threshold")),
                num(get(s, "tellers")),
                bi("解密者", "decrypted by"),
                esc(&tellers.join(", "))
            );
            // Cast-or-check (docs/E2E.md §8.6): what voters and 监票人 checked, never counted.
            if !get(s, "cast").is_null() {
                put!(
                    out,
                    "<p class=\"meta challenges\">{} {} · {} {} · {} {} ({} {})</p>\n",
                    bi("投出的电子选票", "Electronic ballots cast"),
                    num(get(s, "cast")),
                    bi(
                        "选民核验作废 (不计入)",
                        "checked by voters and spoiled (not counted)"
                    ),
                    num(get(s, "spoiled")),
                    bi("监票人抽检投票机", "kiosk tests by scrutineers"),
                    num(get(s, "kiosk_tests")),
                    bi("不一致", "mismatched"),
                    num(get(s, "kiosk_test_mismatches"))
                );
            }
        }
        Some(false) => {
            put!(
                out,
                "<p class=\"meta secrecy\">{}: {}</p>\n",
                bi(
                    "明文选票 (组织者记录的原因)",
                    "Plaintext ballots (the organiser's logged reason)"
                ),
                esc(text(get(s, "reason")))
            );
        }
        None => {}
    }
}

pub(super) fn render_record(out: &mut String, signed: &Value, result: &ResultV1) {
    render_secrecy(out, signed);
    // A re-vote of an invalid round says so, with the logged reason.
    for rv in list(get(signed, "revotes")) {
        let source = esc(text(get(rv, "source")));
        let entry = num(get(rv, "entry"));
        put!(
            out,
            "<p class=\"meta revote\">{}</p>\n",
            bi(
                &format!(
                    "本轮是 “{source}” 无效轮次的重新投票 (日志第 {entry} 条), 原因: {}",
                    esc(text(get(rv, "reason")))
                ),
                &format!("This round re-runs “{source}”, whose counted round was invalid (log entry {entry}).")
            )
        );
    }
    // A recorded decision to reduce the seats instead of a new round says so, with its basis.
    for sr in list(get(signed, "seat_reductions")) {
        let id = text(get(sr, "contest"));
        let contest = esc(title_of(result, id));
        let entry = num(get(sr, "entry"));
        let by = num(get(sr, "reduced_by"));
        let seats = num(get(sr, "seats"));
        put!(
            out,
            "<p class=\"meta reduction\"><strong>{}</strong></p>\n",
            bi(
                &format!(
                    "经大会决定, “{contest}” 减少名额 {by} 名, 应选名额改为 {seats} 名, 不再选举 (日志第 {entry} 条)。依据: {}",
                    esc(text(get(sr, "basis")))
                ),
                &format!("By decision of the meeting, “{contest}” is reduced by {by} seat(s) to {seats}; no new round follows (log entry {entry}).")
            )
        );
    }
    // A round of a multi-round procedure: the chain so far, round by round.
    for p in list(get(signed, "procedures")) {
        out.push_str("<section class=\"procedure\">\n");
        put!(
            out,
            "<h4>{} <span class=\"en\">multi-round procedure</span></h4>\n<ol>\n",
            esc(text(get(p, "title")))
        );
        for st in list(get(p, "steps")) {
            let ratio = text(get(st, "ratio"));
            let people: Vec<String> = list(get(st, "people"))
                .iter()
                .map(|n| esc(text(Some(n).map_or(&Value::Null, |v| v))))
                .collect();
            put!(
                out,
                "<li><strong>{}</strong>{} · {} · {}{} <span class=\"small\">(日志第 {} 条 / entry {}; {})</span></li>\n",
                esc(text(get(st, "title"))),
                if ratio.is_empty() { String::new() } else { format!(" ({}:1)", esc(ratio)) },
                bi(&format!("职位 {} 个", num(get(st, "posts"))), &format!("{} post(s)", num(get(st, "posts")))),
                people.join(NAME_SEPARATOR),
                if get(st, "widened") == &Value::Bool(true) { " (并列扩大 / widened by a tie)" } else { "" },
                num(get(st, "entry")),
                num(get(st, "entry")),
                esc(text(get(st, "basis")))
            );
        }
        out.push_str("</ol>\n</section>\n");
    }
    // Paper ballots keyed by two tellers: how many, and how many had to be read again.
    for pe in list(get(signed, "paper_entry")) {
        let id = text(get(pe, "contest"));
        let contest = esc(title_of(result, id));
        let (sheets, keyings, rekeyed) = (
            num(get(pe, "sheets")),
            num(get(pe, "keyings")),
            num(get(pe, "rekeyed_sheets")),
        );
        put!(
            out,
            "<p class=\"meta paper-entry\">{}</p>\n",
            bi(
                &format!("“{contest}” 的纸质选票由两名计票人分别录入, 两人一致才计入: 计入 {sheets} 张, 录入 {keyings} 次, 其中 {rekeyed} 张曾不一致, 重读原票后一致。"),
                &format!("The paper ballots of “{contest}” were keyed by two tellers each and counted only when both agreed: {sheets} counted, {keyings} keyings, {rekeyed} sheet(s) read again after a disagreement.")
            )
        );
    }
    let corrections = list(get(signed, "corrections"));
    let late = list(get(signed, "late_pools"));
    if corrections.is_empty() && late.is_empty() {
        return;
    }
    out.push_str("<section class=\"notes small\">\n");
    put!(out, "<h4>{}</h4>\n<ul>\n", bi("记录在案", "On the record"));
    let desk = list(get(signed, "desk_figures"));
    for c in corrections {
        let contest = text(get(c, "contest"));
        let d = desk
            .iter()
            .find(|d| text(get(d, "contest")) == contest)
            .map(|d| {
                format!(
                    "{} {} · {} {} · {} {}",
                    "应到 E",
                    num_or_dash(get(d, "eligible")),
                    "实到 P",
                    num_or_dash(get(d, "present")),
                    "发出 I",
                    num_or_dash(get(d, "ballots_issued"))
                )
            })
            .unwrap_or_else(|| "—".into());
        let who = |k: &str| {
            let p = get(c, k);
            format!(
                "{} ({})",
                esc(text(get(p, "name"))),
                esc(text(get(p, "role")))
            )
        };
        put!(
            out,
            "<li>{} “{}”: {} {} → {} 应到 E {} · 实到 P {} · 发出 I {}; {} {}; {} {}, {} {}</li>\n",
            bi("人数更正", "Correction of the figures"),
            esc(contest),
            bi("签到处", "the desk"),
            esc(&d),
            bi("更正为", "corrected to"),
            num_or_dash(get(c, "eligible")),
            num_or_dash(get(c, "present")),
            num_or_dash(get(c, "ballots_issued")),
            bi("原因", "reason"),
            esc(text(get(c, "reason"))),
            bi("提出", "proposed by"),
            who("proposed_by"),
            bi("批准", "approved by"),
            who("approved_by"),
        );
    }
    for p in late {
        put!(
            out,
            "<li>{}: {} {} · {} {}; {} {}</li>\n",
            bi(
                "投票开始后补印选票码",
                "Tokens printed after voting started"
            ),
            bi("样式", "style"),
            num_or_dash(get(p, "style")),
            num_or_dash(get(p, "count")),
            bi("张", "tokens"),
            bi("原因", "reason"),
            esc(text(get(p, "reason"))),
        );
    }
    out.push_str("</ul>\n</section>\n");
}

/// The lines of the verification box: checkpoint origin, size and root, the result's entry
/// index, the election, and the signers (values unescaped: the template escapes).
pub(super) fn verification_items(signed: &Value, result: &ResultV1) -> Vec<Item> {
    let cp = parse_checkpoint(text(get(signed, "checkpoint")));
    let dash = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.to_string()
        }
    };
    let item = |zh, en, value| Item {
        zh,
        en,
        value,
        mono: true,
    };
    let mut items = vec![
        item("日志", "log origin", dash(&cp.origin)),
        item("日志条目数", "tree size", dash(&cp.size)),
        item("根哈希", "root hash", dash(&cp.root)),
        item(
            "结果条目序号",
            "result entry index",
            dash(&num(get(signed, "result_index"))),
        ),
    ];
    if !result.election.is_empty() {
        items.push(item("选举编号", "election id", result.election.clone()));
    }
    items.push(item(
        "日志签名",
        "log signature",
        dash(cp.signers.first().map_or("", String::as_str)),
    ));
    // The signers the service verified, one per teller key; a document without that list
    // (written before it existed) falls back to the names on the signature lines.
    let tellers: Vec<String> = match get(signed, "signers").as_array() {
        Some(names) => names.iter().map(|n| text(n).to_string()).collect(),
        None => cp.signers.iter().skip(1).cloned().collect(),
    };
    items.push(Item {
        zh: "计票人签名",
        en: "tellers' signatures",
        mono: !tellers.is_empty(),
        value: if tellers.is_empty() {
            "—".to_string()
        } else {
            tellers.join(", ")
        },
    });
    items
}
