//! The readable result: Chinese labels first, English second, aligned for CJK text.

use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

use crate::present::labels;
use crate::record::result::threshold_formula;
use crate::rules::evaluation::EvaluationSetup;
use crate::rules::kind::Comparison;
use crate::rules::tally::{ContestResult, ElectionResult, Status};
use crate::rules::{Contest, Election, Notice};

/// Pads `s` to `width` terminal columns (CJK characters take two).
fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

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
            let cell = if right.get(i).copied().unwrap_or(false) {
                lpad(cell, widths[i])
            } else {
                pad(cell, widths[i])
            };
            line.push_str(&cell);
            line.push_str("  ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn notices(out: &mut String, label: &str, list: &[Notice]) {
    for n in list {
        let _ = writeln!(out, "  {label} [{}] {}", n.code, n.message);
    }
}

/// A status as the table shows it: its Chinese label (the one table, `present::labels`) and
/// its code.
fn status_text(s: Status) -> String {
    format!("{} {}", labels::status(s.id()).map_or("", |l| l.zh), s.id())
}

pub fn render(election: &Election, result: &ElectionResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "选举 Election: {} ({})",
        if election.title.is_empty() {
            &election.id
        } else {
            &election.title
        },
        election.id
    );
    for r in &result.contests {
        let c = &election.contests[r.contest];
        out.push('\n');
        render_contest(&mut out, c, r);
    }
    for (i, rr) in result.rankings.iter().enumerate() {
        let setup = &election.rankings[i];
        let _ = writeln!(
            out,
            "\n━━ 综合排名 Composite ranking: {} ({}) ━━",
            setup.title, setup.id
        );
        let mut header = vec!["名次 rank".to_string(), "姓名 name".to_string()];
        for c in &setup.components {
            header.push(format!("{} ×{}", c.title, c.weight));
        }
        header.push("总分 total".into());
        if let Some(tb) = &setup.tie_break {
            header.push(tb.key.clone());
        }
        let mut rows = vec![header];
        for e in &rr.entries {
            let mut row = vec![
                format!("{}{}", e.rank, if e.tied { "=" } else { "" }),
                setup.subjects[e.subject].name.clone(),
            ];
            for v in &e.components {
                row.push(v.map(|v| v.decimal_2dp()).unwrap_or_else(|| "—".into()));
            }
            row.push(
                e.total
                    .map(|v| v.decimal_2dp())
                    .unwrap_or_else(|| "—".into()),
            );
            if setup.tie_break.is_some() {
                row.push(
                    e.tie_break
                        .map(|v| v.decimal_2dp())
                        .unwrap_or_else(|| "—".into()),
                );
            }
            rows.push(row);
        }
        let right: Vec<bool> = (0..rows[0].len()).map(|i| i != 1).collect();
        columns(&mut out, &rows, &right);
        for tie in &rr.unresolved_ties {
            let _ = writeln!(
                out,
                "  并列未决 unresolved tie: {} (按 {} 仍相同, 须另行决定 / still equal after the tie-break key)",
                tie.join(", "),
                setup.tie_break.as_ref().map(|t| t.key.as_str()).unwrap_or("—")
            );
        }
        notices(&mut out, "问题 problem", &rr.problems);
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
                c.label.to_string(),
                c.target.clone(),
                format!("{}% ({}/{})", c.share.percent_2dp(), c.known, c.total),
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

fn render_contest(out: &mut String, c: &Contest, r: &ContestResult) {
    let _ = writeln!(
        out,
        "━━ {} [{} {}] ━━ {}",
        c.title(),
        c.kind().label_zh(),
        c.kind().id(),
        c.id()
    );
    if let Some(p) = c.runoff_of() {
        let _ = writeln!(
            out,
            "  上一轮 parent: {} ({})",
            p.parent,
            match p.reason {
                crate::rules::RunoffReason::Tie => "票数相等再次投票 tie",
                crate::rules::RunoffReason::Shortfall => "另行选举 shortfall",
            }
        );
    }
    if c.evaluation().is_none() {
        let _ = writeln!(
            out,
            "  应选 seats {} · 候选人 candidates {}",
            c.seats(),
            c.candidates().len()
        );
    }
    let t = c.turnout();
    let b = r.ballots;
    let voids = if r.void_reasons.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            r.void_reasons
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
    if let Some(q) = r.quorum {
        let op = match q.rule.comparison {
            Comparison::MoreThan => ">",
            Comparison::AtLeast => "≥",
        };
        let _ = writeln!(
            out,
            "  法定人数 quorum: {}·P {op} {}·E — {}",
            q.rule.den,
            q.rule.num,
            if q.met {
                "已达到 met"
            } else {
                "未达到 not met"
            }
        );
    }
    if let (Some(th), Some(base), Some(votes)) =
        (r.threshold, r.threshold_base_count, r.threshold_votes)
    {
        let _ = writeln!(
            out,
            "  当选票数 threshold: {} ({} = {base}) ⇒ 至少 {votes} 票 at least {votes} votes",
            threshold_formula(th),
            th.base.symbol()
        );
    }
    if let (Some(setup), Some(_)) = (c.evaluation(), &r.evaluation) {
        render_evaluation(out, setup, r);
    } else {
        let mut rows = vec![vec![
            "名次".to_string(),
            "候选人 candidate".to_string(),
            "赞成 for".to_string(),
            format!("{} against", c.kind().against_label()),
            "弃权 abstain".to_string(),
            "结果 status".to_string(),
        ]];
        let mut order: Vec<usize> = (0..c.candidates().len()).collect();
        order.sort_by_key(|i| (r.candidates[*i].rank, *i));
        for i in order {
            let t = &r.candidates[i];
            rows.push(vec![
                t.rank.to_string(),
                c.candidates()[i].name.clone(),
                t.votes_for.to_string(),
                t.against.to_string(),
                t.abstain.to_string(),
                status_text(t.status),
            ]);
        }
        for w in &r.write_ins {
            rows.push(vec![
                w.rank.to_string(),
                format!("{} (另选 write-in)", w.name),
                w.votes_for.to_string(),
                String::new(),
                String::new(),
                status_text(w.status),
            ]);
        }
        columns(out, &rows, &[true, false, true, true, true, false]);
        let names: Vec<String> = r
            .elected
            .iter()
            .map(|id| {
                c.candidates()
                    .iter()
                    .find(|x| x.id == *id)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| id.clone())
            })
            .collect();
        let label = if c.kind() == crate::rules::ContestKind::Recommendation {
            status_text(Status::Shortlisted)
        } else {
            status_text(Status::Elected)
        };
        if c.kind() != crate::rules::ContestKind::Recommendation || c.shortlist().is_some() {
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
        if r.unfilled_seats > 0 && r.valid {
            let _ = writeln!(out, "  未选足名额 unfilled seats: {}", r.unfilled_seats);
        }
        if let Some(p) = &r.runoff {
            let names: Vec<String> = p
                .candidates
                .iter()
                .map(|id| {
                    c.candidates()
                        .iter()
                        .find(|x| x.id == *id)
                        .map(|x| x.name.clone())
                        .unwrap_or_else(|| id.clone())
                })
                .collect();
            let _ = writeln!(
                out,
                "  {} {} 名 seats, 候选人 candidates: {}",
                match p.reason {
                    crate::rules::RunoffReason::Tie => "再次投票 new vote (tie):",
                    crate::rules::RunoffReason::Shortfall => "另行选举 runoff:",
                },
                p.seats,
                names.join("、")
            );
            let _ = writeln!(out, "    {}", p.message);
        }
    }
    notices(out, "问题 problem", &r.problems);
    notices(out, "警告 warning", &r.warnings);
}

/// A rated-score evaluation: per subject the raters, the extremes dropped, the mean, and the
/// score (the groups' weighted composite, or the pooled mean), each to 2 decimals.
fn render_scores(out: &mut String, setup: &EvaluationSetup, r: &ContestResult) {
    let Some(outcome) = &r.evaluation else { return };
    let dash = || "—".to_string();
    let two = |v: Option<crate::rules::Ratio>| v.map(|v| v.decimal_2dp()).unwrap_or_else(dash);
    let mut rows = vec![vec![
        "测评对象 subject".to_string(),
        "打分人数 raters".into(),
        "未打分 unscored".into(),
        "去掉 dropped".into(),
        "平均分 mean".into(),
        "得分 score".into(),
        "提示 flags".into(),
    ]];
    for s in &outcome.subjects {
        let Some(sc) = &s.scores else { continue };
        let f = &sc.pooled;
        rows.push(vec![
            setup.subjects[s.subject].name.clone(),
            f.raters.to_string(),
            f.unscored.to_string(),
            f.dropped
                .map(|(lo, hi)| format!("{hi} / {lo}"))
                .unwrap_or_else(dash),
            two(f.mean),
            two(s.score),
            sc.flags
                .iter()
                .map(|n| n.code)
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    let right: Vec<bool> = (0..rows[0].len())
        .map(|i| i != 0 && i != rows[0].len() - 1)
        .collect();
    columns(out, &rows, &right);
    for (gi, g) in setup.groups.iter().enumerate() {
        let (valid, void) = outcome.group_ballots.get(gi).copied().unwrap_or((0, 0));
        let means: Vec<String> = outcome
            .subjects
            .iter()
            .map(|s| {
                let f = s.scores.as_ref().and_then(|x| x.groups.get(gi));
                format!(
                    "{} {}{}",
                    setup.subjects[s.subject].name,
                    two(f.and_then(|f| f.mean)),
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
            g.weight.map(|w| w.to_string()).unwrap_or_else(dash),
            means.join(", ")
        );
    }
    for s in &outcome.subjects {
        for f in s.scores.iter().flat_map(|x| &x.flags) {
            let _ = writeln!(
                out,
                "  提示 flag {}: [{}] {}",
                setup.subjects[s.subject].name, f.code, f.message
            );
        }
    }
}

fn render_evaluation(out: &mut String, setup: &EvaluationSetup, r: &ContestResult) {
    if setup.score.is_some() {
        return render_scores(out, setup, r);
    }
    let Some(outcome) = &r.evaluation else { return };
    let labels = setup.scale.labels_zh();
    let mut header = vec!["测评对象 subject".to_string()];
    header.extend(labels.iter().map(|l| l.to_string()));
    header.push("未评 abstain".into());
    header.push(format!("{}+{} 率", labels[0], labels[1]));
    header.push(format!("{}率", labels[3]));
    header.push("得分 score".into());
    header.push("提示 flags".into());
    let mut rows = vec![header];
    for s in &outcome.subjects {
        let f = &s.figures;
        let mut row = vec![setup.subjects[s.subject].name.clone()];
        row.extend(f.counts.iter().map(|c| c.to_string()));
        row.push(f.abstain.to_string());
        row.push(format!("{}%", f.favourable_rate.percent_2dp()));
        row.push(format!("{}%", f.rates[3].percent_2dp()));
        row.push(
            s.score
                .map(|v| v.decimal_2dp())
                .unwrap_or_else(|| "—".into()),
        );
        row.push(
            f.flags
                .iter()
                .map(|n| n.code)
                .collect::<Vec<_>>()
                .join(", "),
        );
        rows.push(row);
    }
    let right: Vec<bool> = (0..rows[0].len())
        .map(|i| i != 0 && i != rows[0].len() - 1)
        .collect();
    columns(out, &rows, &right);
    if !setup.groups.is_empty() {
        let _ = writeln!(out, "  分组 groups:");
        for (gi, g) in setup.groups.iter().enumerate() {
            let (valid, void) = outcome.group_ballots.get(gi).copied().unwrap_or((0, 0));
            let scores: Vec<String> = outcome
                .subjects
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        setup.subjects[s.subject].name,
                        s.groups
                            .get(gi)
                            .and_then(|gf| gf.figures.points_score)
                            .map(|v| v.decimal_2dp())
                            .unwrap_or_else(|| "—".into())
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "    {} ({}) 权重 weight {} · 有效 valid {valid} · 无效 void {void} · 得分 {}",
                g.title,
                g.id,
                g.weight
                    .map(|w| w.to_string())
                    .unwrap_or_else(|| "—".into()),
                scores.join(", ")
            );
        }
    }
    for s in &outcome.subjects {
        for f in &s.figures.flags {
            let _ = writeln!(
                out,
                "  提示 flag {}: [{}] {}",
                setup.subjects[s.subject].name, f.code, f.message
            );
        }
    }
}
