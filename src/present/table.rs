//! The readable result of `scrutineer tally` (the CLI table): Chinese labels first, English
//! second, aligned for CJK text.
//!
//! It is rendered from the typed result ([`ResultV1`], the document the ledger logs) and the
//! election spec, which holds what the document does not repeat: the evaluator groups'
//! titles and weights and whether a recommendation has a shortlist. The one count the table
//! prints that neither carries, each evaluator group's valid and void ballots, is passed in
//! as [`GroupBallots`]. Labels come from the one table (`present::labels`).

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use crate::present::labels;
use crate::record::result_v1::{
    ContestV1, GradedSubjectV1, NoticeV1, ResultV1, ScoredSubjectV1, SubjectsV1,
};
use crate::rules::evaluation::EvaluationSetup;
use crate::rules::ratio::Ratio;
use crate::rules::tally::ElectionResult;
use crate::rules::{Contest, Election};

/// A dash for a figure that is not there.
const DASH: &str = "—";

/// Each evaluator group's valid and void ballots, per evaluation contest (by contest id), in
/// the order of the spec's groups: what the table prints that the result document does not
/// carry (the rules engine's `EvaluationOutcome::group_ballots`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupBallots(pub Vec<(String, Vec<(u64, u64)>)>);

impl GroupBallots {
    /// The groups' ballots of every evaluation contest of a tally.
    pub fn of_tally(election: &Election, result: &ElectionResult) -> GroupBallots {
        GroupBallots(
            result
                .contests
                .iter()
                .filter_map(|r| {
                    let id = election.contests.get(r.contest)?.id().clone();
                    Some((id, r.evaluation.as_ref()?.group_ballots.clone()))
                })
                .collect(),
        )
    }

    /// The `(valid, void)` ballots of group `group` of contest `contest`, or `(0, 0)`.
    fn of(&self, contest: &str, group: usize) -> (u64, u64) {
        self.0
            .iter()
            .find(|(id, _)| id == contest)
            .and_then(|(_, groups)| groups.get(group).copied())
            .unwrap_or((0, 0))
    }
}

/// Pads `s` to `width` terminal columns (CJK characters take two).
fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// Pads `s` on the left to `width` terminal columns.
fn lpad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{}{s}", " ".repeat(width.saturating_sub(w)))
}

/// Renders rows as aligned columns; `right[i]` right-aligns column `i`.
fn columns(out: &mut String, rows: &[Vec<String>], right: &[bool]) {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|s| UnicodeWidthStr::width(s.as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::from("  ");
        for (i, cell) in r.iter().enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            let cell = if right.get(i).copied().unwrap_or(false) {
                lpad(cell, width)
            } else {
                pad(cell, width)
            };
            line.push_str(&cell);
            line.push_str("  ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// One line per notice: `label [code] message`.
fn notices(out: &mut String, label: &str, list: &[NoticeV1]) {
    for n in list {
        let _ = writeln!(out, "  {label} [{}] {}", n.code, n.message);
    }
}

/// A status as the table shows it: its Chinese label and its code.
fn status_text(code: &str) -> String {
    format!("{} {code}", labels::status(code).map_or("", |l| l.zh))
}

/// A label of the table's own words (`zh en`), or the code itself when unknown.
fn words(label: Option<labels::Label>, code: &str) -> String {
    label.map_or_else(|| code.to_string(), |l| format!("{} {}", l.zh, l.en))
}

/// Optional decimal text, or a dash.
fn or_dash(t: Option<&str>) -> String {
    t.unwrap_or(DASH).to_string()
}

/// The flags' codes, joined.
fn codes(flags: &[NoticeV1]) -> String {
    flags
        .iter()
        .map(|n| n.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Right-aligns every column but the first (names) and the last (flags).
fn numbers_right(rows: &[Vec<String>]) -> Vec<bool> {
    let n = rows.first().map_or(0, Vec::len);
    (0..n).map(|i| i != 0 && i + 1 != n).collect()
}

/// The table of a tally: `result` as the ledger logs it, `election` its spec, and the
/// evaluator groups' ballots (see [`GroupBallots`]).
pub fn render(result: &ResultV1, election: &Election, group_ballots: &GroupBallots) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "选举 Election: {} ({})",
        if result.title.is_empty() {
            &result.election
        } else {
            &result.title
        },
        result.election
    );
    for c in &result.contests {
        let spec = election.contests.iter().find(|s| s.id() == &c.id);
        out.push('\n');
        render_contest(&mut out, c, spec, group_ballots);
    }
    for r in &result.rankings {
        let _ = writeln!(
            out,
            "\n━━ 综合排名 Composite ranking: {} ({}) ━━",
            r.title, r.id
        );
        let mut header = vec!["名次 rank".to_string(), "姓名 name".to_string()];
        for c in &r.components {
            header.push(format!("{} ×{}", c.title, c.weight));
        }
        header.push("总分 total".into());
        if let Some(key) = &r.tie_break_key {
            header.push(key.clone());
        }
        let mut rows = vec![header];
        for e in &r.entries {
            let mut row = vec![
                format!("{}{}", e.rank, if e.tied { "=" } else { "" }),
                e.name.clone(),
            ];
            for c in &r.components {
                row.push(or_dash(e.components.get(&c.id).and_then(Option::as_deref)));
            }
            row.push(or_dash(e.total.as_deref()));
            if r.tie_break_key.is_some() {
                // The document keeps the tie-break value exact; the table shows 2 decimals.
                row.push(e.tie_break.as_deref().map_or_else(
                    || DASH.to_string(),
                    |t| Ratio::parse(t).map_or_else(|_| t.to_string(), |v| v.decimal_2dp()),
                ));
            }
            rows.push(row);
        }
        let right: Vec<bool> = (0..rows.first().map_or(0, Vec::len))
            .map(|i| i != 1)
            .collect();
        columns(&mut out, &rows, &right);
        for tie in &r.unresolved_ties {
            let _ = writeln!(
                out,
                "  并列未决 unresolved tie: {} (按 {} 仍相同, 须另行决定 / still equal after the tie-break key)",
                tie.join(", "),
                r.tie_break_key.as_deref().unwrap_or(DASH)
            );
        }
        notices(&mut out, "问题 problem", &r.problems);
    }
    for s in &result.structure {
        let _ = writeln!(out, "\n━━ 代表结构 Delegate structure ({}) ━━", s.scope);
        let mut rows = vec![vec![
            "项目 target".to_string(),
            "要求 rule".to_string(),
            "实际 actual".to_string(),
            "结论".to_string(),
        ]];
        for c in &s.checks {
            rows.push(vec![
                c.label.clone(),
                c.target.clone(),
                format!("{}% ({}/{})", c.share, c.known, c.total),
                if c.met {
                    "符合 met".into()
                } else {
                    "不符 missed".into()
                },
            ]);
        }
        columns(&mut out, &rows, &[false, false, true, false]);
        notices(&mut out, "警告 warning", &s.warnings);
    }
    notices(&mut out, "警告 warning", &result.warnings);
    out
}

/// Name of a candidate id of `c`, or the id itself.
fn name_of(c: &ContestV1, id: &str) -> String {
    c.candidates
        .iter()
        .find(|x| x.id == id)
        .map_or_else(|| id.to_string(), |x| x.name.clone())
}

/// One contest: heading, figures, the vote table or the evaluation, the outcome.
fn render_contest(
    out: &mut String,
    c: &ContestV1,
    spec: Option<&Contest>,
    group_ballots: &GroupBallots,
) {
    let _ = writeln!(
        out,
        "━━ {} [{} {}] ━━ {}",
        c.title,
        labels::kind(&c.kind).map_or("", |l| l.zh),
        c.kind,
        c.id
    );
    if let Some(p) = &c.parent {
        let _ = writeln!(
            out,
            "  上一轮 parent: {} ({})",
            p.contest,
            words(labels::new_round_reason(&p.reason), &p.reason)
        );
    }
    let evaluation = spec.and_then(|s| s.evaluation().as_ref());
    if evaluation.is_none() {
        let _ = writeln!(
            out,
            "  应选 seats {} · 候选人 candidates {}",
            c.seats,
            c.candidates.len()
        );
    }
    let (t, b) = (&c.turnout, &c.ballots);
    let voids = if c.void_reasons.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            c.void_reasons
                .0
                .iter()
                .map(|(code, n)| format!("{code} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = writeln!(
        out,
        "  应到 E {} · 实到 P {} · 发出 I {} · 收回 R {} · 有效 valid {} · 无效 void {}{voids}",
        t.eligible, t.present, b.issued, b.returned, b.valid, b.void
    );
    let _ = writeln!(
        out,
        "  收回 ≤ 发出 reconciliation: {}",
        if b.returned <= b.issued {
            "符合 ok (R ≤ I)"
        } else {
            "不符 R > I: 本轮无效 round invalid"
        }
    );
    if let Some(q) = &c.quorum {
        let _ = writeln!(
            out,
            "  法定人数 quorum: {} — {}",
            q.rule,
            if q.met {
                "已达到 met"
            } else {
                "未达到 not met"
            }
        );
    }
    if let Some(th) = &c.threshold {
        if let (Some(base), Some(votes)) = (th.base_count, th.votes_needed) {
            let symbol = match th.base.as_str() {
                "present" => "P",
                "returned" => "R",
                "eligible" => "E",
                other => other,
            };
            let _ = writeln!(
                out,
                "  当选票数 threshold: {} ({symbol} = {base}) ⇒ 至少 {votes} 票 at least {votes} votes",
                th.rule
            );
        }
    }
    match (evaluation, &c.subjects) {
        (Some(setup), Some(SubjectsV1::Scored(subjects))) => {
            render_scores(out, c, setup, subjects, group_ballots);
        }
        (Some(setup), Some(SubjectsV1::Graded(subjects))) => {
            render_grades(out, c, setup, subjects, group_ballots);
        }
        _ => render_votes(out, c, spec),
    }
    notices(out, "问题 problem", &c.problems);
    notices(out, "警告 warning", &c.warnings);
}

/// The vote table, the elected, unfilled seats and the proposed new round.
fn render_votes(out: &mut String, c: &ContestV1, spec: Option<&Contest>) {
    let mut rows = vec![vec![
        "名次".to_string(),
        "候选人 candidate".to_string(),
        "赞成 for".to_string(),
        format!("{} against", labels::against(&c.kind)),
        "弃权 abstain".to_string(),
        "结果 status".to_string(),
    ]];
    let mut order: Vec<usize> = (0..c.candidates.len()).collect();
    // Stable: equal ranks keep the spec's order.
    order.sort_by_key(|i| c.candidates.get(*i).map_or(0, |x| x.rank));
    for x in order.iter().filter_map(|i| c.candidates.get(*i)) {
        rows.push(vec![
            x.rank.to_string(),
            x.name.clone(),
            x.votes_for.to_string(),
            x.against.to_string(),
            x.abstain.to_string(),
            status_text(&x.status),
        ]);
    }
    for w in &c.write_ins {
        rows.push(vec![
            w.rank.to_string(),
            format!("{} (另选 write-in)", w.name),
            w.votes_for.to_string(),
            String::new(),
            String::new(),
            status_text(&w.status),
        ]);
    }
    columns(out, &rows, &[true, false, true, true, true, false]);
    let names: Vec<String> = c.elected.iter().map(|id| name_of(c, id)).collect();
    let recommendation = c.kind == "recommendation";
    let label = status_text(if recommendation {
        "shortlisted"
    } else {
        "elected"
    });
    let shortlist = spec.is_some_and(|s| s.shortlist().is_some());
    if !recommendation || shortlist {
        let _ = writeln!(
            out,
            "  {label} ({}): {}",
            names.len(),
            if names.is_empty() {
                "无 none".to_string()
            } else {
                names.join("、")
            }
        );
    }
    if c.unfilled_seats > 0 && c.valid {
        let _ = writeln!(out, "  未选足名额 unfilled seats: {}", c.unfilled_seats);
    }
    if let Some(p) = &c.runoff {
        let names: Vec<String> = p.candidates.iter().map(|id| name_of(c, id)).collect();
        let _ = writeln!(
            out,
            "  {} {} 名 seats, 候选人 candidates: {}",
            words(labels::proposal(&p.reason), &p.reason),
            p.seats,
            names.join("、")
        );
        let _ = writeln!(out, "    {}", p.message);
    }
}

/// A rated-score evaluation: per subject the raters, the extremes dropped, the mean, and the
/// score (the groups' weighted composite, or the pooled mean), each to 2 decimals; a line per
/// evaluator group; the flags.
fn render_scores(
    out: &mut String,
    c: &ContestV1,
    setup: &EvaluationSetup,
    subjects: &[ScoredSubjectV1],
    group_ballots: &GroupBallots,
) {
    let mut rows = vec![vec![
        "测评对象 subject".to_string(),
        "打分人数 raters".into(),
        "未打分 unscored".into(),
        "去掉 dropped".into(),
        "平均分 mean".into(),
        "得分 score".into(),
        "提示 flags".into(),
    ]];
    for s in subjects {
        let f = &s.figures;
        rows.push(vec![
            s.name.clone(),
            f.raters.to_string(),
            f.unscored.to_string(),
            f.dropped.map_or_else(
                || DASH.to_string(),
                |d| format!("{} / {}", d.highest, d.lowest),
            ),
            or_dash(f.mean.as_deref()),
            or_dash(s.score.as_deref()),
            codes(&s.flags),
        ]);
    }
    let right = numbers_right(&rows);
    columns(out, &rows, &right);
    for (gi, g) in setup.groups.iter().enumerate() {
        let (valid, void) = group_ballots.of(&c.id, gi);
        let means: Vec<String> = subjects
            .iter()
            .map(|s| {
                let f = s.groups.get(gi).map(|g| &g.figures);
                format!(
                    "{} {}{}",
                    s.name,
                    or_dash(f.and_then(|f| f.mean.as_deref())),
                    if f.is_some_and(|f| f.dropped.is_some()) {
                        " (去掉最高最低 extremes dropped)"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "    {} ({}) 权重 weight {} · 有效 valid {valid} · 无效 void {void} · 平均分 {}",
            g.title,
            g.id,
            g.weight.map_or_else(|| DASH.to_string(), |w| w.to_string()),
            means.join(", ")
        );
    }
    for s in subjects {
        for f in &s.flags {
            let _ = writeln!(out, "  提示 flag {}: [{}] {}", s.name, f.code, f.message);
        }
    }
}

/// A graded evaluation: per subject the counts per grade, the favourable and the lowest
/// grade's rate, the score; a line per evaluator group; the flags.
fn render_grades(
    out: &mut String,
    c: &ContestV1,
    setup: &EvaluationSetup,
    subjects: &[GradedSubjectV1],
    group_ballots: &GroupBallots,
) {
    let grades = labels::grades(c.scale.as_deref().unwrap_or("")).unwrap_or_default();
    let zh = |i: usize| grades.get(i).map_or("", |g| g.label.zh);
    let mut header = vec!["测评对象 subject".to_string()];
    header.extend(grades.iter().map(|g| g.label.zh.to_string()));
    header.push("未评 abstain".into());
    header.push(format!("{}+{} 率", zh(0), zh(1)));
    header.push(format!("{}率", zh(3)));
    header.push("得分 score".into());
    header.push("提示 flags".into());
    let mut rows = vec![header];
    for s in subjects {
        let f = &s.figures;
        let mut row = vec![s.name.clone()];
        row.extend(
            grades
                .iter()
                .map(|g| f.counts.get(&g.key).copied().unwrap_or(0).to_string()),
        );
        row.push(f.counts.get("abstain").copied().unwrap_or(0).to_string());
        row.push(format!("{}%", f.favourable_rate));
        row.push(format!(
            "{}%",
            f.rates.0.get(3).map_or("", |(_, r)| r.as_str())
        ));
        row.push(or_dash(f.score.as_deref()));
        row.push(codes(&f.flags));
        rows.push(row);
    }
    let right = numbers_right(&rows);
    columns(out, &rows, &right);
    if !setup.groups.is_empty() {
        let _ = writeln!(out, "  分组 groups:");
        for (gi, g) in setup.groups.iter().enumerate() {
            let (valid, void) = group_ballots.of(&c.id, gi);
            let scores: Vec<String> = subjects
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        s.name,
                        or_dash(
                            s.groups
                                .get(gi)
                                .and_then(|g| g.figures.points_score.as_deref())
                        )
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "    {} ({}) 权重 weight {} · 有效 valid {valid} · 无效 void {void} · 得分 {}",
                g.title,
                g.id,
                g.weight.map_or_else(|| DASH.to_string(), |w| w.to_string()),
                scores.join(", ")
            );
        }
    }
    for s in subjects {
        for f in &s.figures.flags {
            let _ = writeln!(out, "  提示 flag {}: [{}] {}", s.name, f.code, f.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ballots_by_contest_and_group() {
        let g = GroupBallots(vec![("eval".into(), vec![(5, 0), (30, 2)])]);
        assert_eq!(g.of("eval", 1), (30, 2));
        assert_eq!(g.of("eval", 2), (0, 0));
        assert_eq!(g.of("other", 0), (0, 0));
    }

    #[test]
    fn table_words_come_from_the_label_table() {
        assert_eq!(
            words(labels::new_round_reason("tie"), "tie"),
            "票数相等再次投票 tie"
        );
        assert_eq!(
            words(labels::proposal("shortfall"), "shortfall"),
            "另行选举 runoff:"
        );
        assert_eq!(words(labels::proposal("other"), "other"), "other");
        assert_eq!(status_text("elected"), "当选 elected");
        assert_eq!(labels::against("party_committee"), "不赞成");
        assert_eq!(labels::against("npc_direct"), "反对");
    }
}
