//! Evaluations (graded and rated-score) and composite rankings on the board.

use super::*;
use crate::record::result_v1::{
    GradeFiguresV1, RankingV1, ScoreFiguresV1, ScoredSubjectV1, SubjectsV1,
};

/// The weight of an evaluator group under its id, or the id alone.
fn scope_of(id: &str, weight: Option<&str>) -> String {
    let mut scope = esc(id);
    if let Some(w) = weight.filter(|w| !w.is_empty()) {
        put!(
            scope,
            "<br><span class=\"en nw\">权重 weight {}</span>",
            esc(w)
        );
    }
    scope
}

/// Evaluation contests: one table per subject, rows for the whole and for
/// each evaluator group, then the subject's flags.
pub(super) fn render_evaluation(out: &mut String, contest: &ContestV1) {
    let scale = contest.scale.as_deref().unwrap_or("");
    if contest.is_scored() {
        let subjects = match &contest.subjects {
            Some(SubjectsV1::Scored(s)) => s.as_slice(),
            _ => &[],
        };
        return render_scores(out, contest, subjects);
    }
    let subjects = match &contest.subjects {
        Some(SubjectsV1::Graded(s)) => s.as_slice(),
        _ => &[],
    };
    let grades = scale_grades(scale, subjects);
    let favourable_zh = match grades.as_slice() {
        [a, b, ..] => format!("{}+{}率", a.zh, b.zh),
        _ => "好评率".to_string(),
    };
    if subjects.is_empty() {
        put!(
            out,
            "<p class=\"meta\">{}</p>\n",
            bi("无测评对象", "no subjects")
        );
        return;
    }
    let weighted = subjects
        .iter()
        .flat_map(|s| &s.groups)
        .any(|g| g.weight.as_deref().is_some_and(|w| !w.is_empty()));
    if weighted {
        put!(
            out,
            "<p class=\"meta small\">{}</p>\n",
            bi(
                "合计得分为各组得分按权重加权所得。",
                "The total score weighs the groups' scores by their weights."
            )
        );
    }

    for subject in subjects {
        out.push_str("<div class=\"subject\">\n");
        put!(
            out,
            "<h4>{} <span class=\"en\">有效票 {} 张 / valid ballots</span></h4>\n",
            esc(&subject.name),
            subject.figures.valid
        );
        out.push_str("<table class=\"grades\">\n<thead><tr>");
        put!(
            out,
            "<th>范围<br><span class=\"en\">scope</span></th>\
             <th><span class=\"nw\">有效票</span><br><span class=\"en\">valid</span></th>"
        );
        for g in &grades {
            put!(
                out,
                "<th><span class=\"nw\">{}</span><br><span class=\"en\">{}</span></th>",
                g.zh,
                g.en
            );
        }
        put!(
            out,
            "<th>未评<br><span class=\"en\">unrated</span></th>\
             <th><span class=\"nw\">{favourable_zh}</span><br><span class=\"en\">favourable</span></th>\
             <th>得分<br><span class=\"en\">score</span></th>"
        );
        out.push_str("</tr></thead>\n<tbody>\n");
        grade_row(out, &subject.figures, &grades, &bi("合计", "all"), true);
        for group in &subject.groups {
            let scope = scope_of(&group.id, group.weight.as_deref());
            grade_row(out, &group.figures, &grades, &scope, false);
        }
        out.push_str("</tbody>\n</table>\n");

        let flags = &subject.figures.flags;
        let group_flags: Vec<(&str, &str)> = subject
            .groups
            .iter()
            .flat_map(|g| {
                g.figures
                    .flags
                    .iter()
                    .map(move |f| (g.id.as_str(), f.message.as_str()))
            })
            .collect();
        if !flags.is_empty() || !group_flags.is_empty() {
            out.push_str("<ul class=\"flags\">\n");
            for f in flags {
                put!(out, "<li>※ {}</li>\n", message(&f.message));
            }
            for (group, m) in group_flags {
                put!(
                    out,
                    "<li class=\"small\">※ [{}] {}</li>\n",
                    esc(group),
                    message(m)
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</div>\n");
    }
}

/// A rated-score evaluation: one table of the subjects, with raters, the extremes dropped,
/// the mean and the score; a row per evaluator group under each subject; then the flags.
pub(super) fn render_scores(out: &mut String, contest: &ContestV1, subjects: &[ScoredSubjectV1]) {
    let rule = contest.score_rule.as_ref();
    let max = rule.map_or_else(|| "—".to_string(), |r| r.max.to_string());
    let mut how = format!("满分 {max} 分, 取平均分 / scores 0 to {max}, averaged");
    if rule.is_some_and(|r| r.drop_extremes) {
        how.push_str(
            "; 打分人数多于 5 人时去掉一个最高分和一个最低分 / with more than 5 raters the highest and the lowest score are dropped",
        );
    }
    put!(out, "<p class=\"meta small\">{}</p>\n", esc(&how));
    out.push_str("<table class=\"grades scores\">\n<thead><tr>");
    out.push_str(
        "<th>测评对象<br><span class=\"en\">subject</span></th>\
         <th>范围<br><span class=\"en\">scope</span></th>\
         <th><span class=\"nw\">打分人数</span><br><span class=\"en\">raters</span></th>\
         <th>未打分<br><span class=\"en\">unscored</span></th>\
         <th><span class=\"nw\">去掉的最高/最低分</span><br><span class=\"en\">dropped high/low</span></th>\
         <th>平均分<br><span class=\"en\">mean</span></th>\
         <th>得分<br><span class=\"en\">score</span></th>",
    );
    out.push_str("</tr></thead>\n<tbody>\n");
    let row = |out: &mut String,
               name: &str,
               scope: &str,
               f: &ScoreFiguresV1,
               score: &str,
               total: bool| {
        let dropped = match &f.dropped {
            None => "—".to_string(),
            Some(d) => format!("{} / {}", d.highest, d.lowest),
        };
        put!(
            out,
            "<tr{}><td>{name}</td><td class=\"scope\">{scope}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{dropped}</td><td class=\"n\">{}</td><td class=\"n\">{score}</td></tr>\n",
            if total { " class=\"total\"" } else { "" },
            f.raters,
            f.unscored,
            opt_dash(f.mean.as_deref()),
        );
    };
    for subject in subjects {
        let name = esc(&subject.name);
        let score = opt_dash(subject.score.as_deref());
        row(
            out,
            &name,
            &bi("合计", "all"),
            &subject.figures,
            &score,
            true,
        );
        for group in &subject.groups {
            let scope = scope_of(&group.id, group.weight.as_deref());
            row(out, "", &scope, &group.figures, "", false);
        }
    }
    out.push_str("</tbody>\n</table>\n");
    let flags: Vec<(&str, &str)> = subjects
        .iter()
        .flat_map(|s| {
            s.flags
                .iter()
                .map(move |f| (s.name.as_str(), f.message.as_str()))
        })
        .collect();
    if !flags.is_empty() {
        out.push_str("<ul class=\"flags\">\n");
        for (name, m) in flags {
            put!(out, "<li>※ {}: {}</li>\n", esc(name), message(m));
        }
        out.push_str("</ul>\n");
    }
}

/// One row of a subject table: valid ballots, counts with rates per grade,
/// unrated, favourable rate and score.
pub(super) fn grade_row(
    out: &mut String,
    figures: &GradeFiguresV1,
    grades: &[Grade],
    scope: &str,
    total: bool,
) {
    let class = if total { " class=\"total\"" } else { "" };
    let count = |key: &str| {
        figures
            .counts
            .get(key)
            .map_or_else(|| "—".to_string(), u64::to_string)
    };
    put!(
        out,
        "<tr{class}><td class=\"scope\">{scope}</td><td class=\"n\">{}</td>",
        figures.valid
    );
    for g in grades {
        put!(
            out,
            "<td class=\"n\">{}<span class=\"rate\">{}</span></td>",
            count(&g.key),
            percent(figures.rates.get(&g.key).map(String::as_str))
        );
    }
    put!(
        out,
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        count("abstain"),
        percent(Some(&figures.favourable_rate)),
        opt_dash(figures.score.as_deref())
    );
}

/// A composite ranking (competitive posts): rank, name, component scores,
/// total, and the unresolved ties.
pub(super) fn render_ranking(out: &mut String, ranking: &RankingV1) {
    let components = &ranking.components;
    out.push_str("<section class=\"ranking\">\n");
    put!(
        out,
        "<h3>{} <span class=\"kind\">综合排名 <span class=\"en\">composite ranking</span></span></h3>\n",
        esc(&ranking.title)
    );
    out.push_str("<table class=\"votes\">\n<thead><tr>");
    out.push_str(
        "<th>名次<br><span class=\"en\">rank</span></th><th>姓名<br><span class=\"en\">name</span></th>",
    );
    for c in components {
        put!(
            out,
            "<th>{}<br><span class=\"en\">权重 weight {}</span></th>",
            esc(&c.title),
            dash(&c.weight)
        );
    }
    out.push_str("<th>总分<br><span class=\"en\">total</span></th></tr></thead>\n<tbody>\n");
    for e in &ranking.entries {
        put!(
            out,
            "<tr><td class=\"c\">{}</td><td class=\"name\">{}{}</td>",
            e.rank,
            esc(&e.name),
            if e.tied {
                format!("<span class=\"tag\">{}</span>", bi("并列", "tied"))
            } else {
                String::new()
            }
        );
        for c in components {
            put!(
                out,
                "<td class=\"n\">{}</td>",
                opt_dash(e.components.get(&c.id).and_then(Option::as_deref))
            );
        }
        put!(
            out,
            "<td class=\"n\">{}</td></tr>\n",
            opt_dash(e.total.as_deref())
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(key) = ranking.tie_break_key.as_deref().filter(|k| !k.is_empty()) {
        put!(
            out,
            "<p class=\"meta small\">{}: {}</p>\n",
            bi("总分相同时依据", "tie-break"),
            esc(key)
        );
    }
    for p in &ranking.problems {
        put!(
            out,
            "<p class=\"meta small\">※ {}</p>\n",
            message(&p.message)
        );
    }
    out.push_str("</section>\n");
}
