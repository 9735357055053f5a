//! Evaluations (graded and rated-score) and composite rankings on the board.

use super::*;

/// Evaluation contests: one table per subject, rows for the whole and for
/// each evaluator group, then the subject's flags.
pub(super) fn render_evaluation(out: &mut String, contest: &Value) {
    let subjects = list(get(contest, "subjects"));
    let scale = text(get(contest, "scale"));
    if scale == "score" {
        return render_scores(out, contest, subjects);
    }
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
        .flat_map(|s| list(get(s, "groups")))
        .any(|g| !num(get(g, "weight")).is_empty());
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
            esc(text(get(subject, "name"))),
            num_or_dash(get(subject, "valid"))
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
        grade_row(out, subject, &grades, &bi("合计", "all"), true);
        for group in list(get(subject, "groups")) {
            let mut scope = esc(text(get(group, "id")));
            let weight = num(get(group, "weight"));
            if !weight.is_empty() {
                put!(
                    scope,
                    "<br><span class=\"en nw\">权重 weight {}</span>",
                    esc(&weight)
                );
            }
            grade_row(out, group, &grades, &scope, false);
        }
        out.push_str("</tbody>\n</table>\n");

        let flags = list(get(subject, "flags"));
        let group_flags: Vec<(&str, &Value)> = list(get(subject, "groups"))
            .iter()
            .flat_map(|g| {
                list(get(g, "flags"))
                    .iter()
                    .map(move |f| (text(get(g, "id")), f))
            })
            .collect();
        if !flags.is_empty() || !group_flags.is_empty() {
            out.push_str("<ul class=\"flags\">\n");
            for f in flags {
                put!(out, "<li>※ {}</li>\n", message(text(get(f, "message"))));
            }
            for (group, f) in group_flags {
                put!(
                    out,
                    "<li class=\"small\">※ [{}] {}</li>\n",
                    esc(group),
                    message(text(get(f, "message")))
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</div>\n");
    }
}

/// A rated-score evaluation: one table of the subjects, with raters, the extremes dropped,
/// the mean and the score; a row per evaluator group under each subject; then the flags.
pub(super) fn render_scores(out: &mut String, contest: &Value, subjects: &[Value]) {
    let rule = get(contest, "score_rule");
    let max = num_or_dash(get(rule, "max"));
    let mut how = format!("满分 {max} 分, 取平均分 / scores 0 to {max}, averaged");
    if get(rule, "drop_extremes") == &Value::Bool(true) {
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
    let row = |out: &mut String, name: &str, scope: &str, f: &Value, score: &str, total: bool| {
        let dropped = get(f, "dropped");
        let dropped = if dropped.is_null() {
            "—".to_string()
        } else {
            format!(
                "{} / {}",
                num_or_dash(get(dropped, "highest")),
                num_or_dash(get(dropped, "lowest"))
            )
        };
        put!(
            out,
            "<tr{}><td>{name}</td><td class=\"scope\">{scope}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{dropped}</td><td class=\"n\">{}</td><td class=\"n\">{score}</td></tr>\n",
            if total { " class=\"total\"" } else { "" },
            num_or_dash(get(f, "raters")),
            num_or_dash(get(f, "unscored")),
            num_or_dash(get(f, "mean")),
        );
    };
    for subject in subjects {
        let name = esc(text(get(subject, "name")));
        let score = num_or_dash(get(subject, "score"));
        row(out, &name, &bi("合计", "all"), subject, &score, true);
        for group in list(get(subject, "groups")) {
            let mut scope = esc(text(get(group, "id")));
            let weight = num(get(group, "weight"));
            if !weight.is_empty() {
                put!(
                    scope,
                    "<br><span class=\"en nw\">权重 weight {}</span>",
                    esc(&weight)
                );
            }
            row(out, "", &scope, group, "", false);
        }
    }
    out.push_str("</tbody>\n</table>\n");
    let flags: Vec<(&str, &Value)> = subjects
        .iter()
        .flat_map(|s| {
            list(get(s, "flags"))
                .iter()
                .map(move |f| (text(get(s, "name")), f))
        })
        .collect();
    if !flags.is_empty() {
        out.push_str("<ul class=\"flags\">\n");
        for (name, f) in flags {
            put!(
                out,
                "<li>※ {}: {}</li>\n",
                esc(name),
                message(text(get(f, "message")))
            );
        }
        out.push_str("</ul>\n");
    }
}

/// One row of a subject table: valid ballots, counts with rates per grade,
/// unrated, favourable rate and score.
pub(super) fn grade_row(
    out: &mut String,
    figures: &Value,
    grades: &[Grade],
    scope: &str,
    total: bool,
) {
    let counts = get(figures, "counts");
    let rates = get(figures, "rates");
    let class = if total { " class=\"total\"" } else { "" };
    put!(
        out,
        "<tr{class}><td class=\"scope\">{scope}</td><td class=\"n\">{}</td>",
        num_or_dash(get(figures, "valid"))
    );
    for g in grades {
        put!(
            out,
            "<td class=\"n\">{}<span class=\"rate\">{}</span></td>",
            num_or_dash(get(counts, &g.key)),
            percent(get(rates, &g.key))
        );
    }
    put!(
        out,
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        num_or_dash(get(counts, "abstain")),
        percent(get(figures, "favourable_rate")),
        num_or_dash(get(figures, "score"))
    );
}

/// A composite ranking (competitive posts): rank, name, component scores,
/// total, and the unresolved ties.
pub(super) fn render_ranking(out: &mut String, ranking: &Value) {
    let components = list(get(ranking, "components"));
    out.push_str("<section class=\"ranking\">\n");
    put!(
        out,
        "<h3>{} <span class=\"kind\">综合排名 <span class=\"en\">composite ranking</span></span></h3>\n",
        esc(text(get(ranking, "title")))
    );
    out.push_str("<table class=\"votes\">\n<thead><tr>");
    out.push_str(
        "<th>名次<br><span class=\"en\">rank</span></th><th>姓名<br><span class=\"en\">name</span></th>",
    );
    for c in components {
        put!(
            out,
            "<th>{}<br><span class=\"en\">权重 weight {}</span></th>",
            esc(text(get(c, "title"))),
            num_or_dash(get(c, "weight"))
        );
    }
    out.push_str("<th>总分<br><span class=\"en\">total</span></th></tr></thead>\n<tbody>\n");
    for e in list(get(ranking, "entries")) {
        let tied = matches!(get(e, "tied"), Value::Bool(true));
        put!(
            out,
            "<tr><td class=\"c\">{}</td><td class=\"name\">{}{}</td>",
            num_or_dash(get(e, "rank")),
            esc(text(get(e, "name"))),
            if tied {
                format!("<span class=\"tag\">{}</span>", bi("并列", "tied"))
            } else {
                String::new()
            }
        );
        let scores = get(e, "components");
        for c in components {
            put!(
                out,
                "<td class=\"n\">{}</td>",
                num_or_dash(get(scores, text(get(c, "id"))))
            );
        }
        put!(
            out,
            "<td class=\"n\">{}</td></tr>\n",
            num_or_dash(get(e, "total"))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    let key = text(get(ranking, "tie_break_key"));
    if !key.is_empty() {
        put!(
            out,
            "<p class=\"meta small\">{}: {}</p>\n",
            bi("总分相同时依据", "tie-break"),
            esc(key)
        );
    }
    for p in list(get(ranking, "problems")) {
        put!(
            out,
            "<p class=\"meta small\">※ {}</p>\n",
            message(text(get(p, "message")))
        );
    }
    out.push_str("</section>\n");
}
