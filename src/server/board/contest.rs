//! One contest on the board: heading, turnout, validity, votes, the elected, the runoff.

use super::evaluation::render_evaluation;
use super::*;

/// One contest: heading, turnout, validity, votes, elected, run-off, warnings.
pub(super) fn render_contest(
    out: &mut String,
    contest: &Value,
    all: &[Value],
    order: &dyn Fn(&mut Vec<String>),
) {
    let kind = text(get(contest, "kind"));
    let (kind_zh, kind_en) = kind_label(kind);
    let subjects = get(contest, "subjects");
    let is_evaluation = subjects.is_array() || kind == "evaluation";
    let mut title = esc(text(get(contest, "title")));
    if title.is_empty() {
        title.clone_from(&kind_zh);
    }

    // A contest taller than a page may break inside (rows and subject tables
    // still do not); otherwise it would leave an empty page before it.
    let long = if is_evaluation {
        list(subjects).len() > EVALUATION_SUBJECTS_SHORT_MAX
    } else {
        list(get(contest, "candidates")).len() + list(get(contest, "write_ins")).len()
            > VOTE_ROWS_SHORT_MAX
    };
    let class = if long { "contest long" } else { "contest" };
    put!(out, "<section class=\"{class}\">\n");
    put!(out, "<h3>{title}");
    if !kind_zh.is_empty() && kind_zh != title {
        put!(
            out,
            " <span class=\"kind\">{kind_zh} <span class=\"en\">{kind_en}</span></span>"
        );
    } else if !kind_en.is_empty() {
        put!(out, " <span class=\"kind en\">{kind_en}</span>");
    }
    out.push_str("</h3>\n");

    if !is_evaluation {
        let seats = num_or_dash(get(contest, "seats"));
        put!(
            out,
            "<p class=\"meta\">应选 {seats} 名 <span class=\"en\">seats: {seats}</span></p>\n"
        );
    }
    render_parent(out, get(contest, "parent"), all);
    render_turnout(out, contest);
    render_validity(out, contest);

    if is_evaluation {
        render_evaluation(out, contest);
    } else {
        render_votes(out, contest, kind);
        render_elected(out, contest, kind, order);
    }

    let warnings = list(get(contest, "warnings"));
    if !warnings.is_empty() {
        out.push_str("<div class=\"warnings small\">\n");
        put!(out, "<strong>{}</strong>\n<ul>\n", bi("说明", "Notes"));
        for w in warnings {
            put!(out, "<li>{}</li>\n", message(text(get(w, "message"))));
        }
        out.push_str("</ul>\n</div>\n");
    }
    out.push_str("</section>\n");
}

/// The line naming the earlier round when this contest is a new round.
pub(super) fn render_parent(out: &mut String, parent: &Value, all: &[Value]) {
    let Some(obj) = parent.as_object() else {
        return;
    };
    let id = obj.get("contest").map(text).unwrap_or("");
    let earlier = all
        .iter()
        .find(|c| text(get(c, "id")) == id)
        .map(|c| text(get(c, "title")))
        .filter(|t| !t.is_empty())
        .unwrap_or(id);
    let reason = obj.get("reason").map(text).unwrap_or("");
    put!(
        out,
        "<p class=\"meta\">{} {}",
        bi("另行选举, 上一轮:", "new round of:"),
        esc(earlier)
    );
    if !reason.is_empty() {
        put!(out, " ({})", reason_label(reason));
    }
    out.push_str("</p>\n");
}

/// 应到 / 实到 / 发出 / 收回 / 有效 / 无效, and the void reasons.
pub(super) fn render_turnout(out: &mut String, contest: &Value) {
    let turnout = get(contest, "turnout");
    let ballots = get(contest, "ballots");
    let eligible = num_or_dash(get(turnout, "eligible"));
    let present = num_or_dash(get(turnout, "present"));
    let issued_value = match get(turnout, "ballots_issued") {
        Value::Null => get(ballots, "issued"),
        v => v,
    };
    let issued = num_or_dash(issued_value);
    let returned = num_or_dash(get(ballots, "returned"));
    let valid = num_or_dash(get(ballots, "valid"));
    let void = num_or_dash(get(ballots, "void"));
    put!(
        out,
        "<p class=\"meta turnout\">应到 {eligible} 人, 实到 {present} 人, 发出选票 {issued} 张, \
         收回 {returned} 张, 有效 {valid} 张, 无效 {void} 张<br>\
         <span class=\"en\">eligible {eligible}, present {present}, ballots issued {issued}, \
         returned {returned}, valid {valid}, void {void}</span></p>\n"
    );
    if let Some(reasons) = get(contest, "void_reasons").as_object() {
        let parts: Vec<String> = reasons
            .iter()
            .map(|(code, count)| format!("{} {}", void_reason_label(code), num_or_dash(count)))
            .collect();
        if !parts.is_empty() {
            put!(
                out,
                "<p class=\"meta small\">{}: {}</p>\n",
                bi("无效票原因", "void ballots"),
                parts.join("; ")
            );
        }
    }
}

/// Whether the round is valid (with the problems when not), the quorum and
/// the threshold to be elected.
pub(super) fn render_validity(out: &mut String, contest: &Value) {
    match get(contest, "valid") {
        Value::Bool(true) => {
            put!(
                out,
                "<p class=\"validity ok\">{}</p>\n",
                bi("本轮选举有效", "this round is valid")
            );
        }
        Value::Bool(false) => {
            put!(
                out,
                "<div class=\"validity bad\">{}\n",
                bi(
                    "本轮无效, 须重新投票",
                    "this round is invalid and must be re-run"
                )
            );
            let problems = list(get(contest, "problems"));
            if !problems.is_empty() {
                out.push_str("<ul>\n");
                for p in problems {
                    put!(out, "<li>{}</li>\n", message(text(get(p, "message"))));
                }
                out.push_str("</ul>\n");
            }
            out.push_str("</div>\n");
        }
        _ => {}
    }
    let quorum = get(contest, "quorum");
    if quorum.is_object() {
        let formula = text(get(quorum, "rule"));
        let met = match get(quorum, "met") {
            Value::Bool(true) => bi("到会人数符合规定", "quorum met"),
            Value::Bool(false) => bi("到会人数不足", "quorum not met"),
            _ => String::new(),
        };
        // The rule in words, its formula on hover (and in the printed English half).
        let rule = match crate::rules::kind::quorum_words(formula) {
            Some((zh, en)) => {
                let f = esc(formula);
                format!(
                    "<abbr title=\"{f}\">{}</abbr>",
                    bi(&esc(&zh), &format!("{} ({f})", esc(&en)))
                )
            }
            None => esc(formula),
        };
        put!(out, "<p class=\"meta small\">{met}: {rule}</p>\n");
    }
    let threshold = get(contest, "threshold");
    if threshold.is_object() {
        let description = text(get(threshold, "description"));
        let shown = if description.is_empty() {
            esc(text(get(threshold, "rule")))
        } else {
            message(description)
        };
        put!(
            out,
            "<p class=\"meta small\">{}: {shown}",
            bi("当选条件", "to be elected")
        );
        let needed = num(get(threshold, "votes_needed"));
        if !needed.is_empty() {
            let needed = esc(&needed);
            put!(
                out,
                "; 至少 {needed} 票 <span class=\"en\">at least {needed} votes</span>"
            );
        }
        out.push_str("</p>\n");
    }
}

/// One row of the vote table: a candidate or a write-in.
struct VoteRow<'a> {
    entry: &'a Value,
    write_in: bool,
}

/// The table of candidates and write-ins in vote order (by `rank`).
pub(super) fn render_votes(out: &mut String, contest: &Value, kind: &str) {
    let mut rows: Vec<VoteRow> = list(get(contest, "candidates"))
        .iter()
        .map(|entry| VoteRow {
            entry,
            write_in: false,
        })
        .chain(list(get(contest, "write_ins")).iter().map(|entry| VoteRow {
            entry,
            write_in: true,
        }))
        .collect();
    if rows.is_empty() {
        return;
    }
    // Stable: equal ranks keep the document's order; no rank sorts last.
    rows.sort_by_key(|r| get(r.entry, "rank").as_u64().unwrap_or(u64::MAX));

    let against = if is_party_kind(kind) {
        bi("不赞成", "against")
    } else {
        bi("反对", "against")
    };
    out.push_str("<table class=\"votes\">\n<thead><tr>");
    put!(
        out,
        "<th>名次<br><span class=\"en\">rank</span></th>\
         <th>候选人<br><span class=\"en\">candidate</span></th>\
         <th>赞成<br><span class=\"en\">for</span></th>\
         <th>{}</th>\
         <th>弃权<br><span class=\"en\">abstain</span></th>\
         <th>结果<br><span class=\"en\">result</span></th>",
        against.replacen(' ', "<br>", 1)
    );
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let e = row.entry;
        let status = text(get(e, "status"));
        let class = if status == "elected" || status == "shortlisted" {
            " class=\"won\""
        } else {
            ""
        };
        put!(
            out,
            "<tr{class}><td class=\"c\">{}</td><td class=\"name\">{}",
            num_or_dash(get(e, "rank")),
            esc(text(get(e, "name")))
        );
        if row.write_in {
            put!(
                out,
                "<span class=\"tag\">{}</span>",
                bi("另选他人", "write-in")
            );
        }
        let (against_cell, abstain_cell) = if row.write_in {
            ("—".to_string(), "—".to_string())
        } else {
            (
                num_or_dash(get(e, "against")),
                num_or_dash(get(e, "abstain")),
            )
        };
        put!(
            out,
            "</td><td class=\"n\">{}</td><td class=\"n\">{against_cell}</td>\
             <td class=\"n\">{abstain_cell}</td><td class=\"c\">{}</td></tr>\n",
            num_or_dash(get(e, "for")),
            status_label(status)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The elected list in stroke order, unfilled seats and the run-off proposal.
pub(super) fn render_elected(
    out: &mut String,
    contest: &Value,
    kind: &str,
    order: &dyn Fn(&mut Vec<String>),
) {
    let elected = list(get(contest, "elected"));
    let invalid = matches!(get(contest, "valid"), Value::Bool(false));
    let (zh, en) = if kind == "recommendation" {
        ("入围", "Shortlisted")
    } else {
        ("当选", "Elected")
    };
    out.push_str("<div class=\"elected\">\n");
    put!(
        out,
        "<p class=\"label\">{zh} (按姓氏笔画为序) <span class=\"en\">{en} (in order of surname strokes)</span></p>\n"
    );
    if elected.is_empty() {
        let none = if invalid {
            bi("本轮无效, 无人当选", "round invalid: nobody elected")
        } else if kind == "recommendation" {
            bi(
                "无 (按得票排名, 见上表)",
                "none: ranked by votes, see the table",
            )
        } else {
            bi("无人当选", "nobody elected")
        };
        put!(out, "<p class=\"elected-names\">{none}</p>\n");
    } else {
        put!(
            out,
            "<p class=\"elected-names\">{}</p>\n",
            ordered_names(contest, elected, order)
        );
    }
    out.push_str("</div>\n");

    let unfilled = get(contest, "unfilled_seats");
    if unfilled.as_u64().is_some_and(|u| u > 0) {
        let u = num_or_dash(unfilled);
        put!(
            out,
            "<p class=\"meta\"><strong>未选足名额 {u} 名</strong> <span class=\"en\">unfilled seats: {u}</span></p>\n"
        );
    }

    let runoff = get(contest, "runoff");
    if runoff.is_object() {
        out.push_str("<div class=\"runoff\">\n");
        let seats = num_or_dash(get(runoff, "seats"));
        put!(
            out,
            "<p><strong>另行选举建议</strong> <span class=\"en\">proposed new round</span>: \
             {seats} 名 <span class=\"en\">seat(s)</span>"
        );
        let reason = text(get(runoff, "reason"));
        if !reason.is_empty() {
            put!(out, " ({})", reason_label(reason));
        }
        out.push_str("</p>\n");
        let ids = list(get(runoff, "candidates"));
        if !ids.is_empty() {
            put!(
                out,
                "<p>候选人 (按姓氏笔画为序) <span class=\"en\">candidates (in order of surname strokes)</span>: {}</p>\n",
                ordered_names(contest, ids, order)
            );
        }
        let msg = text(get(runoff, "message"));
        if !msg.is_empty() {
            put!(out, "<p class=\"small\">{}</p>\n", message(msg));
        }
        out.push_str("</div>\n");
    }
}
