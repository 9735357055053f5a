//! The result, format `scrutineer.result/v1` (docs/FORMATS.md): built here from the rules'
//! types as a typed [`ResultV1`] (`result_v1.rs`).

use serde_json::Value;

use super::result_v1::{
    BallotsV1, CandidateV1, ContestV1, DroppedV1, GradeFiguresV1, GradedGroupV1, GradedSubjectV1,
    ListSizeV1, NoticeV1, OrderedMap, ParentV1, QuorumV1, RankingComponentV1, RankingEntryV1,
    RankingV1, ResultV1, RunoffV1, ScoreFiguresV1, ScoreRuleV1, ScoredGroupV1, ScoredSubjectV1,
    StructureCheckV1, StructureV1, SubjectsV1, ThresholdV1, TurnoutV1, WriteInV1,
};
use crate::rules::evaluation::{EvaluationSetup, Figures, ScoreFigures};
use crate::rules::kind::{Bar, Base, Comparison, Threshold};
use crate::rules::ranking::RankingResult;
use crate::rules::structure::StructureReport;
use crate::rules::tally::{ContestResult, ElectionResult};
use crate::rules::{Election, Notice, Ratio};

pub const RESULT_FORMAT: &str = "scrutineer.result/v1";

/// Notices in their serialized form (`{code, message}`), as results and answers carry them.
pub(crate) fn notices(n: &[Notice]) -> Vec<NoticeV1> {
    n.iter()
        .map(|n| NoticeV1 {
            code: n.code.to_string(),
            message: n.message.clone(),
        })
        .collect()
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
        Bar::Most => "most for (ties vote again)".to_string(),
    }
}

/// A fraction as its two-decimal text and its exact form.
fn ratio_pair(r: Option<Ratio>) -> (Option<String>, Option<String>) {
    match r {
        Some(r) => (Some(r.decimal_2dp()), Some(r.to_string())),
        None => (None, None),
    }
}

fn grade_figures(setup: &EvaluationSetup, f: &Figures, score: Option<Ratio>) -> GradeFiguresV1 {
    let keys = setup.scale.keys();
    let mut counts = Vec::new();
    let mut rates = Vec::new();
    let mut exact = Vec::new();
    for ((key, count), rate) in keys.iter().zip(f.counts).zip(f.rates) {
        counts.push(((*key).to_string(), count));
        rates.push(((*key).to_string(), rate.percent_2dp()));
        exact.push(((*key).to_string(), rate.to_string()));
    }
    counts.push(("abstain".to_string(), f.abstain));
    let (score, score_exact) = ratio_pair(score);
    let (points_score, points_score_exact) = ratio_pair(f.points_score);
    GradeFiguresV1 {
        valid: f.valid,
        counts: OrderedMap(counts),
        rates: OrderedMap(rates),
        rates_exact: OrderedMap(exact),
        favourable_rate: f.favourable_rate.percent_2dp(),
        favourable_rate_exact: f.favourable_rate.to_string(),
        points_score,
        points_score_exact,
        score,
        score_exact,
        flags: notices(&f.flags),
    }
}

/// One subject's scores (a group's, or pooled) in a rated-score evaluation.
fn score_figures(f: &ScoreFigures) -> ScoreFiguresV1 {
    let (mean, mean_exact) = ratio_pair(f.mean);
    ScoreFiguresV1 {
        valid: f.raters + f.unscored,
        raters: f.raters,
        unscored: f.unscored,
        dropped: f.dropped.map(|(lo, hi)| DroppedV1 {
            lowest: u64::from(lo),
            highest: u64::from(hi),
        }),
        counted: f.counted,
        sum: f.sum,
        mean,
        mean_exact,
    }
}

fn quorum_rule(q: &crate::rules::tally::QuorumCheck) -> String {
    let cmp = match q.rule.comparison {
        Comparison::MoreThan => ">",
        Comparison::AtLeast => "≥",
    };
    format!("{}·P {} {}·E", q.rule.den, cmp, q.rule.num)
}

fn contest_v1(election: &Election, r: &ContestResult) -> ContestV1 {
    let c = &election.contests[r.contest];
    let mut out = ContestV1 {
        id: c.id().clone(),
        title: c.title().clone(),
        kind: c.kind().id().to_string(),
        seats: u64::from(c.seats()),
        parent: c.runoff_of().as_ref().map(|p| ParentV1 {
            contest: p.parent.clone(),
            reason: p.reason.id().to_string(),
            boundary_tie: p.boundary_tie,
        }),
        valid: r.valid,
        problems: notices(&r.problems),
        warnings: notices(&r.warnings),
        turnout: TurnoutV1 {
            eligible: c.turnout().eligible,
            present: c.turnout().present,
            ballots_issued: c.turnout().issued,
        },
        ballots: BallotsV1 {
            issued: r.ballots.issued,
            returned: r.ballots.returned,
            valid: r.ballots.valid,
            void: r.ballots.void,
        },
        void_reasons: OrderedMap(
            r.void_reasons
                .iter()
                .map(|(code, n)| ((*code).to_string(), *n))
                .collect(),
        ),
        quorum: r.quorum.as_ref().map(|q| QuorumV1 {
            rule: quorum_rule(q),
            met: q.met,
        }),
        threshold: r.threshold.map(|t| ThresholdV1 {
            rule: threshold_formula(t),
            base: base_id(t.base).to_string(),
            base_count: r.threshold_base_count,
            votes_needed: r.threshold_votes,
            description: t.describe_both(),
        }),
        candidates: c
            .candidates()
            .iter()
            .zip(&r.candidates)
            .map(|(cand, t)| CandidateV1 {
                id: cand.id.clone(),
                name: cand.name.clone(),
                votes_for: t.votes_for,
                against: t.against,
                abstain: t.abstain,
                status: t.status.id().to_string(),
                rank: u64::from(t.rank),
            })
            .collect(),
        write_ins: r
            .write_ins
            .iter()
            .map(|w| WriteInV1 {
                name: w.name.clone(),
                votes_for: w.votes_for,
                status: w.status.id().to_string(),
                rank: u64::from(w.rank),
            })
            .collect(),
        elected: r.elected.clone(),
        unfilled_seats: u64::from(r.unfilled_seats),
        runoff: r.runoff.as_ref().map(|p| RunoffV1 {
            seats: u64::from(p.seats),
            candidates: p.candidates.clone(),
            reason: p.reason.id().to_string(),
            message: p.message.clone(),
            threshold: p.threshold.map(threshold_formula),
            list_size: p.list_bounds.map(|b| ListSizeV1 {
                min: u64::from(b.min),
                max: b.max.map(u64::from),
            }),
            boundary_tie: p.boundary_tie,
            short_list: p.short_list,
        }),
        scale: None,
        score_rule: None,
        subjects: None,
    };
    if let (Some(setup), Some(outcome), Some(rule)) = (
        &c.evaluation(),
        &r.evaluation,
        c.evaluation().as_ref().and_then(|e| e.score),
    ) {
        out.scale = Some("score".to_string());
        out.score_rule = Some(ScoreRuleV1 {
            max: u64::from(rule.max),
            drop_extremes: rule.drop_extremes,
            score_below: rule.below.map(|b| b.to_string()),
        });
        let empty = ScoreFigures::new(&Default::default(), 0, &rule);
        let subjects = outcome
            .subjects
            .iter()
            .map(|s| {
                let subject = &setup.subjects[s.subject];
                let (score, score_exact) = ratio_pair(s.score);
                let report = s.scores.as_ref();
                ScoredSubjectV1 {
                    id: subject.id.clone(),
                    name: subject.name.clone(),
                    figures: score_figures(report.map_or(&empty, |r| &r.pooled)),
                    score,
                    score_exact,
                    flags: notices(report.map_or(&[][..], |r| &r.flags)),
                    groups: setup
                        .groups
                        .iter()
                        .enumerate()
                        .map(|(g, group)| ScoredGroupV1 {
                            id: group.id.clone(),
                            weight: group.weight.map(|w| w.to_string()),
                            figures: score_figures(
                                report.and_then(|r| r.groups.get(g)).unwrap_or(&empty),
                            ),
                        })
                        .collect(),
                }
            })
            .collect();
        out.subjects = Some(SubjectsV1::Scored(subjects));
    } else if let (Some(setup), Some(outcome)) = (&c.evaluation(), &r.evaluation) {
        out.scale = Some(setup.scale.id().to_string());
        let subjects = outcome
            .subjects
            .iter()
            .map(|s| {
                let subject = &setup.subjects[s.subject];
                GradedSubjectV1 {
                    id: subject.id.clone(),
                    name: subject.name.clone(),
                    figures: grade_figures(setup, &s.figures, s.score),
                    groups: s
                        .groups
                        .iter()
                        .map(|g| {
                            let group = &setup.groups[g.group];
                            GradedGroupV1 {
                                id: group.id.clone(),
                                weight: group.weight.map(|w| w.to_string()),
                                figures: grade_figures(setup, &g.figures, g.figures.points_score),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        out.subjects = Some(SubjectsV1::Graded(subjects));
    }
    out
}

fn ranking_v1(election: &Election, index: usize, r: &RankingResult) -> RankingV1 {
    let setup = &election.rankings[index];
    let entries = r
        .entries
        .iter()
        .map(|e| {
            let s = &setup.subjects[e.subject];
            let (total, total_exact) = ratio_pair(e.total);
            RankingEntryV1 {
                id: s.id.clone(),
                name: s.name.clone(),
                rank: e.rank as u64,
                total,
                total_exact,
                components: OrderedMap(
                    setup
                        .components
                        .iter()
                        .zip(&e.components)
                        .map(|(c, v)| (c.id.clone(), v.map(|v| v.decimal_2dp())))
                        .collect(),
                ),
                tie_break: e.tie_break.map(|v| v.to_string()),
                tied: e.tied,
            }
        })
        .collect();
    RankingV1 {
        id: setup.id.clone(),
        title: setup.title.clone(),
        components: setup
            .components
            .iter()
            .map(|c| RankingComponentV1 {
                id: c.id.clone(),
                title: c.title.clone(),
                weight: c.weight.to_string(),
            })
            .collect(),
        tie_break_key: setup.tie_break.as_ref().map(|t| t.key.clone()),
        entries,
        unresolved_ties: r.unresolved_ties.clone(),
        problems: notices(&r.problems),
    }
}

fn structure_v1(s: &StructureReport) -> StructureV1 {
    StructureV1 {
        scope: s.scope.to_string(),
        checks: s
            .checks
            .iter()
            .map(|c| StructureCheckV1 {
                id: c.id.to_string(),
                label: c.label.to_string(),
                target: c.target.clone(),
                share: c.share.percent_2dp(),
                known: c.known,
                total: c.total,
                met: c.met,
            })
            .collect(),
        warnings: notices(&s.warnings),
    }
}

/// The typed result of an election's tally.
pub fn result_v1(election: &Election, result: &ElectionResult) -> ResultV1 {
    ResultV1 {
        format: RESULT_FORMAT.to_string(),
        election: election.id.clone(),
        title: election.title.clone(),
        contests: result
            .contests
            .iter()
            .map(|r| contest_v1(election, r))
            .collect(),
        rankings: result
            .rankings
            .iter()
            .enumerate()
            .map(|(i, r)| ranking_v1(election, i, r))
            .collect(),
        structure: result.structure.iter().map(structure_v1).collect(),
        warnings: notices(&result.warnings),
    }
}

/// The result document for an election's tally, as the JSON value the ledger logs.
pub fn result_json(election: &Election, result: &ElectionResult) -> Value {
    result_v1(election, result).to_value()
}
