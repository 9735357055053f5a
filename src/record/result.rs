//! The result, format `scrutineer.result/v1` (docs/FORMATS.md).

use serde_json::{json, Map, Value};

use crate::rules::evaluation::{EvaluationSetup, Figures, ScoreFigures};
use crate::rules::kind::{Bar, Base, Comparison, Threshold};
use crate::rules::ranking::RankingResult;
use crate::rules::structure::StructureReport;
use crate::rules::tally::{ContestResult, ElectionResult};
use crate::rules::{Election, Notice, Ratio};

pub const RESULT_FORMAT: &str = "scrutineer.result/v1";

fn notices(n: &[Notice]) -> Value {
    Value::Array(
        n.iter()
            .map(|n| json!({ "code": n.code, "message": n.message }))
            .collect(),
    )
}

fn base_id(b: Base) -> &'static str {
    match b {
        Base::Present => "present",
        Base::Returned => "returned",
        Base::Eligible => "eligible",
    }
}

/// The threshold as a formula: `2·for > P`, `3·for ≥ P`, `most for`.
pub fn threshold_formula(t: Threshold) -> String {
    match t.bar {
        Bar::MoreThanHalf => format!("2·for > {}", t.base.symbol()),
        Bar::AtLeastThird => format!("3·for ≥ {} (most for)", t.base.symbol()),
        Bar::Plurality => "most for".to_string(),
    }
}

fn ratio_pair(r: Option<Ratio>) -> (Value, Value) {
    match r {
        Some(r) => (json!(r.decimal_2dp()), json!(r.to_string())),
        None => (Value::Null, Value::Null),
    }
}

fn figures_json(setup: &EvaluationSetup, f: &Figures, score: Option<Ratio>) -> Map<String, Value> {
    let keys = setup.scale.keys();
    let mut counts = Map::new();
    let mut rates = Map::new();
    let mut exact = Map::new();
    for ((key, count), rate) in keys.iter().zip(f.counts).zip(f.rates) {
        counts.insert((*key).into(), json!(count));
        rates.insert((*key).into(), json!(rate.percent_2dp()));
        exact.insert((*key).into(), json!(rate.to_string()));
    }
    counts.insert("abstain".into(), json!(f.abstain));
    let (score_text, score_exact) = ratio_pair(score);
    let (points_text, points_exact) = ratio_pair(f.points_score);
    let mut m = Map::new();
    m.insert("valid".into(), json!(f.valid));
    m.insert("counts".into(), Value::Object(counts));
    m.insert("rates".into(), Value::Object(rates));
    m.insert("rates_exact".into(), Value::Object(exact));
    m.insert(
        "favourable_rate".into(),
        json!(f.favourable_rate.percent_2dp()),
    );
    m.insert(
        "favourable_rate_exact".into(),
        json!(f.favourable_rate.to_string()),
    );
    m.insert("points_score".into(), points_text);
    m.insert("points_score_exact".into(), points_exact);
    m.insert("score".into(), score_text);
    m.insert("score_exact".into(), score_exact);
    m.insert("flags".into(), notices(&f.flags));
    m
}

/// One subject's scores (a group's, or pooled) in a rated-score evaluation.
fn score_json(f: &ScoreFigures) -> Map<String, Value> {
    let (mean_text, mean_exact) = ratio_pair(f.mean);
    let mut m = Map::new();
    m.insert("valid".into(), json!(f.raters + f.unscored));
    m.insert("raters".into(), json!(f.raters));
    m.insert("unscored".into(), json!(f.unscored));
    m.insert(
        "dropped".into(),
        match f.dropped {
            Some((lo, hi)) => json!({"lowest": lo, "highest": hi}),
            None => Value::Null,
        },
    );
    m.insert("counted".into(), json!(f.counted));
    m.insert("sum".into(), json!(f.sum));
    m.insert("mean".into(), mean_text);
    m.insert("mean_exact".into(), mean_exact);
    m
}

fn contest_json(election: &Election, r: &ContestResult) -> Value {
    let c = &election.contests[r.contest];
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id()));
    m.insert("title".into(), json!(c.title()));
    m.insert("kind".into(), json!(c.kind().id()));
    m.insert("seats".into(), json!(c.seats()));
    m.insert(
        "parent".into(),
        match c.runoff_of() {
            None => Value::Null,
            Some(p) => json!({ "contest": p.parent, "reason": p.reason.id(), "boundary_tie": p.boundary_tie }),
        },
    );
    m.insert("valid".into(), json!(r.valid));
    m.insert("problems".into(), notices(&r.problems));
    m.insert("warnings".into(), notices(&r.warnings));
    m.insert(
        "turnout".into(),
        json!({ "eligible": c.turnout().eligible, "present": c.turnout().present, "ballots_issued": c.turnout().issued }),
    );
    m.insert(
        "ballots".into(),
        json!({ "issued": r.ballots.issued, "returned": r.ballots.returned, "valid": r.ballots.valid, "void": r.ballots.void }),
    );
    let mut voids = Map::new();
    for (code, n) in &r.void_reasons {
        voids.insert((*code).into(), json!(n));
    }
    m.insert("void_reasons".into(), Value::Object(voids));
    m.insert(
        "quorum".into(),
        match r.quorum {
            None => Value::Null,
            Some(q) => json!({
                "rule": format!("{}·P {} {}·E", q.rule.den, match q.rule.comparison { Comparison::MoreThan => ">", Comparison::AtLeast => "≥" }, q.rule.num),
                "met": q.met,
            }),
        },
    );
    m.insert(
        "threshold".into(),
        match r.threshold {
            None => Value::Null,
            Some(t) => json!({
                "rule": threshold_formula(t),
                "base": base_id(t.base),
                "base_count": r.threshold_base_count,
                "votes_needed": r.threshold_votes,
                "description": t.describe_both(),
            }),
        },
    );
    let candidates: Vec<Value> = c
        .candidates()
        .iter()
        .zip(&r.candidates)
        .map(|(cand, t)| {
            json!({
                "id": cand.id, "name": cand.name,
                "for": t.votes_for, "against": t.against, "abstain": t.abstain,
                "status": t.status.id(), "rank": t.rank,
            })
        })
        .collect();
    m.insert("candidates".into(), Value::Array(candidates));
    let write_ins: Vec<Value> = r
        .write_ins
        .iter()
        .map(|w| json!({ "name": w.name, "for": w.votes_for, "status": w.status.id(), "rank": w.rank }))
        .collect();
    m.insert("write_ins".into(), Value::Array(write_ins));
    m.insert("elected".into(), json!(r.elected));
    m.insert("unfilled_seats".into(), json!(r.unfilled_seats));
    m.insert(
        "runoff".into(),
        match &r.runoff {
            None => Value::Null,
            Some(p) => json!({
                "seats": p.seats,
                "candidates": p.candidates,
                "reason": p.reason.id(),
                "message": p.message,
                "threshold": p.threshold.map(threshold_formula),
                "list_size": p.list_bounds.map(|b| json!({ "min": b.min, "max": b.max })),
                "boundary_tie": p.boundary_tie,
                "short_list": p.short_list,
            }),
        },
    );
    if let (Some(setup), Some(outcome), Some(rule)) = (
        c.evaluation(),
        &r.evaluation,
        c.evaluation().as_ref().and_then(|e| e.score),
    ) {
        m.insert("scale".into(), json!("score"));
        m.insert(
            "score_rule".into(),
            json!({"max": rule.max, "drop_extremes": rule.drop_extremes,
                   "score_below": rule.below.map(|b| b.to_string())}),
        );
        let subjects: Vec<Value> = outcome
            .subjects
            .iter()
            .map(|s| {
                let subject = &setup.subjects[s.subject];
                let mut sm = Map::new();
                sm.insert("id".into(), json!(subject.id));
                sm.insert("name".into(), json!(subject.name));
                let (score_text, score_exact) = ratio_pair(s.score);
                let empty = ScoreFigures::new(&Default::default(), 0, &rule);
                let report = s.scores.as_ref();
                sm.extend(score_json(report.map_or(&empty, |r| &r.pooled)));
                sm.insert("score".into(), score_text);
                sm.insert("score_exact".into(), score_exact);
                sm.insert(
                    "flags".into(),
                    notices(report.map_or(&[][..], |r| &r.flags)),
                );
                let groups: Vec<Value> = setup
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(g, group)| {
                        let mut gm = Map::new();
                        gm.insert("id".into(), json!(group.id));
                        gm.insert("weight".into(), json!(group.weight.map(|w| w.to_string())));
                        gm.extend(score_json(
                            report.and_then(|r| r.groups.get(g)).unwrap_or(&empty),
                        ));
                        Value::Object(gm)
                    })
                    .collect();
                sm.insert("groups".into(), Value::Array(groups));
                Value::Object(sm)
            })
            .collect();
        m.insert("subjects".into(), Value::Array(subjects));
    } else if let (Some(setup), Some(outcome)) = (c.evaluation(), &r.evaluation) {
        m.insert("scale".into(), json!(setup.scale.id()));
        let subjects: Vec<Value> = outcome
            .subjects
            .iter()
            .map(|s| {
                let subject = &setup.subjects[s.subject];
                let mut sm = Map::new();
                sm.insert("id".into(), json!(subject.id));
                sm.insert("name".into(), json!(subject.name));
                sm.extend(figures_json(setup, &s.figures, s.score));
                let groups: Vec<Value> = s
                    .groups
                    .iter()
                    .map(|g| {
                        let group = &setup.groups[g.group];
                        let mut gm = Map::new();
                        gm.insert("id".into(), json!(group.id));
                        gm.insert("weight".into(), json!(group.weight.map(|w| w.to_string())));
                        gm.extend(figures_json(setup, &g.figures, g.figures.points_score));
                        Value::Object(gm)
                    })
                    .collect();
                sm.insert("groups".into(), Value::Array(groups));
                Value::Object(sm)
            })
            .collect();
        m.insert("subjects".into(), Value::Array(subjects));
    }
    Value::Object(m)
}

fn ranking_json(election: &Election, index: usize, r: &RankingResult) -> Value {
    let setup = &election.rankings[index];
    let entries: Vec<Value> = r
        .entries
        .iter()
        .map(|e| {
            let s = &setup.subjects[e.subject];
            let mut comps = Map::new();
            for (c, v) in setup.components.iter().zip(&e.components) {
                comps.insert(c.id.clone(), json!(v.map(|v| v.decimal_2dp())));
            }
            let (total, total_exact) = ratio_pair(e.total);
            json!({
                "id": s.id, "name": s.name, "rank": e.rank,
                "total": total, "total_exact": total_exact,
                "components": comps,
                "tie_break": e.tie_break.map(|v| v.to_string()),
                "tied": e.tied,
            })
        })
        .collect();
    json!({
        "id": setup.id,
        "title": setup.title,
        "components": setup.components.iter().map(|c| json!({ "id": c.id, "title": c.title, "weight": c.weight.to_string() })).collect::<Vec<_>>(),
        "tie_break_key": setup.tie_break.as_ref().map(|t| t.key.clone()),
        "entries": entries,
        "unresolved_ties": r.unresolved_ties,
        "problems": notices(&r.problems),
    })
}

fn structure_json(s: &StructureReport) -> Value {
    json!({
        "scope": s.scope,
        "checks": s.checks.iter().map(|c| json!({
            "id": c.id, "label": c.label, "target": c.target,
            "share": c.share.percent_2dp(), "known": c.known, "total": c.total, "met": c.met,
        })).collect::<Vec<_>>(),
        "warnings": notices(&s.warnings),
    })
}

/// The result document for an election's tally.
pub fn result_json(election: &Election, result: &ElectionResult) -> Value {
    json!({
        "format": RESULT_FORMAT,
        "election": election.id,
        "title": election.title,
        "contests": result.contests.iter().map(|r| contest_json(election, r)).collect::<Vec<_>>(),
        "rankings": result.rankings.iter().enumerate().map(|(i, r)| ranking_json(election, i, r)).collect::<Vec<_>>(),
        "structure": result.structure.iter().map(structure_json).collect::<Vec<_>>(),
        "warnings": notices(&result.warnings),
    })
}
