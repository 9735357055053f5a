//! One contest on the board: heading, turnout, validity, votes, the elected, the runoff.

use super::evaluation::render_evaluation;
use super::*;
use crate::record::result_v1::{ContestV1, ParentV1};

/// One contest: heading, turnout, validity, votes, elected, run-off, warnings.
pub(super) fn render_contest(
    out: &mut String,
    contest: &ContestV1,
    all: &[ContestV1],
    order: &dyn Fn(&mut Vec<String>),
) {
    let kind = contest.kind.as_str();
    let (kind_zh, kind_en) = kind_label(kind);
    let is_evaluation = contest.subjects.is_some() || kind == "evaluation";
    let mut title = esc(&contest.title);
    if title.is_empty() {
        title.clone_from(&kind_zh);
    }

    // A contest taller than a page may break inside (rows and subject tables
    // still do not); otherwise it would leave an empty page before it.
    let long = if is_evaluation {
        contest.subjects.as_ref().map_or(0, |s| s.len()) > EVALUATION_SUBJECTS_SHORT_MAX
    } else {
        contest.candidates.len() + contest.write_ins.len() > VOTE_ROWS_SHORT_MAX
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
        let seats = contest.seats;
        put!(
            out,
            "<p class=\"meta\">应选 {seats} 名 <span class=\"en\">seats: {seats}</span></p>\n"
        );
    }
    render_parent(out, contest.parent.as_ref(), all);
    render_turnout(out, contest);
    render_validity(out, contest);

    if is_evaluation {
        render_evaluation(out, contest);
    } else {
        render_votes(out, contest, kind);
        render_elected(out, contest, kind, order);
    }

    let warnings = &contest.warnings;
    if !warnings.is_empty() {
        out.push_str("<div class=\"warnings small\">\n");
        put!(out, "<strong>{}</strong>\n<ul>\n", bi("说明", "Notes"));
        for w in warnings {
            put!(out, "<li>{}</li>\n", message(&w.message));
        }
        out.push_str("</ul>\n</div>\n");
    }
    out.push_str("</section>\n");
}

/// The line naming the earlier round when this contest is a new round.
pub(super) fn render_parent(out: &mut String, parent: Option<&ParentV1>, all: &[ContestV1]) {
    let Some(parent) = parent else {
        return;
    };
    let id = parent.contest.as_str();
    let earlier = all
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.title.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or(id);
    let reason = parent.reason.as_str();
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
pub(super) fn render_turnout(out: &mut String, contest: &ContestV1) {
    let (turnout, ballots) = (&contest.turnout, &contest.ballots);
    let (eligible, present, issued) = (turnout.eligible, turnout.present, turnout.ballots_issued);
    let (returned, valid, void) = (ballots.returned, ballots.valid, ballots.void);
    put!(
        out,
        "<p class=\"meta turnout\">应到 {eligible} 人, 实到 {present} 人, 发出选票 {issued} 张, \
         收回 {returned} 张, 有效 {valid} 张, 无效 {void} 张<br>\
         <span class=\"en\">eligible {eligible}, present {present}, ballots issued {issued}, \
         returned {returned}, valid {valid}, void {void}</span></p>\n"
    );
    {
        let parts: Vec<String> = contest
            .void_reasons
            .0
            .iter()
            .map(|(code, count)| format!("{} {count}", void_reason_label(code)))
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
pub(super) fn render_validity(out: &mut String, contest: &ContestV1) {
    match contest.valid {
        true => {
            put!(
                out,
                "<p class=\"validity ok\">{}</p>\n",
                bi("本轮选举有效", "this round is valid")
            );
        }
        false => {
            put!(
                out,
                "<div class=\"validity bad\">{}\n",
                bi(
                    "本轮无效, 须重新投票",
                    "this round is invalid and must be re-run"
                )
            );
            let problems = &contest.problems;
            if !problems.is_empty() {
                out.push_str("<ul>\n");
                for p in problems {
                    put!(out, "<li>{}</li>\n", message(&p.message));
                }
                out.push_str("</ul>\n");
            }
            out.push_str("</div>\n");
        }
    }
    if let Some(quorum) = &contest.quorum {
        let formula = quorum.rule.as_str();
        let met = if quorum.met {
            bi("到会人数符合规定", "quorum met")
        } else {
            bi("到会人数不足", "quorum not met")
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
    if let Some(threshold) = &contest.threshold {
        let description = threshold.description.as_str();
        let shown = if description.is_empty() {
            esc(&threshold.rule)
        } else {
            message(description)
        };
        put!(
            out,
            "<p class=\"meta small\">{}: {shown}",
            bi("当选条件", "to be elected")
        );
        if let Some(needed) = threshold.votes_needed {
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
    name: &'a str,
    votes_for: u64,
    /// A candidate's votes against and abstentions; `None` for a write-in.
    against_abstain: Option<(u64, u64)>,
    status: &'a str,
    rank: u64,
}

/// The table of candidates and write-ins in vote order (by `rank`).
pub(super) fn render_votes(out: &mut String, contest: &ContestV1, kind: &str) {
    let mut rows: Vec<VoteRow> = contest
        .candidates
        .iter()
        .map(|c| VoteRow {
            name: &c.name,
            votes_for: c.votes_for,
            against_abstain: Some((c.against, c.abstain)),
            status: &c.status,
            rank: c.rank,
        })
        .chain(contest.write_ins.iter().map(|w| VoteRow {
            name: &w.name,
            votes_for: w.votes_for,
            against_abstain: None,
            status: &w.status,
            rank: w.rank,
        }))
        .collect();
    if rows.is_empty() {
        return;
    }
    // Stable: equal ranks keep the document's order.
    rows.sort_by_key(|r| r.rank);

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
        let class = if row.status == "elected" || row.status == "shortlisted" {
            " class=\"won\""
        } else {
            ""
        };
        put!(
            out,
            "<tr{class}><td class=\"c\">{}</td><td class=\"name\">{}",
            row.rank,
            esc(row.name)
        );
        if row.against_abstain.is_none() {
            put!(
                out,
                "<span class=\"tag\">{}</span>",
                bi("另选他人", "write-in")
            );
        }
        let (against_cell, abstain_cell) = match row.against_abstain {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => ("—".to_string(), "—".to_string()),
        };
        put!(
            out,
            "</td><td class=\"n\">{}</td><td class=\"n\">{against_cell}</td>\
             <td class=\"n\">{abstain_cell}</td><td class=\"c\">{}</td></tr>\n",
            row.votes_for,
            status_label(row.status)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The elected list in stroke order, unfilled seats and the run-off proposal.
pub(super) fn render_elected(
    out: &mut String,
    contest: &ContestV1,
    kind: &str,
    order: &dyn Fn(&mut Vec<String>),
) {
    let elected = &contest.elected;
    let invalid = !contest.valid;
    let (zh, en) = if kind == "recommendation" {
        (labels::status("shortlisted"), "Shortlisted")
    } else {
        (labels::status("elected"), "Elected")
    };
    let zh = zh.map_or("", |l| l.zh);
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

    let u = contest.unfilled_seats;
    if u > 0 {
        put!(
            out,
            "<p class=\"meta\"><strong>未选足名额 {u} 名</strong> <span class=\"en\">unfilled seats: {u}</span></p>\n"
        );
    }

    if let Some(runoff) = &contest.runoff {
        out.push_str("<div class=\"runoff\">\n");
        let seats = runoff.seats;
        put!(
            out,
            "<p><strong>另行选举建议</strong> <span class=\"en\">proposed new round</span>: \
             {seats} 名 <span class=\"en\">seat(s)</span>"
        );
        if !runoff.reason.is_empty() {
            put!(out, " ({})", reason_label(&runoff.reason));
        }
        out.push_str("</p>\n");
        if !runoff.candidates.is_empty() {
            put!(
                out,
                "<p>候选人 (按姓氏笔画为序) <span class=\"en\">candidates (in order of surname strokes)</span>: {}</p>\n",
                ordered_names(contest, &runoff.candidates, order)
            );
        }
        if !runoff.message.is_empty() {
            put!(out, "<p class=\"small\">{}</p>\n", message(&runoff.message));
        }
        out.push_str("</div>\n");
    }
}
