//! Evaluations (graded and rated-score) and composite rankings on the board (the data of
//! `templates/board/{graded,scored,ranking}.html`; the templates write the markup).

use super::*;
use crate::record::result_v1::{DroppedV1, GradeFiguresV1, RankingV1, ScoreFiguresV1, SubjectsV1};

/// The scope of a row: the whole (`id` `None`, 合计) or an evaluator group with its weight.
pub(super) struct Scope {
    pub(super) id: Option<String>,
    pub(super) weight: Option<String>,
}

impl Scope {
    /// The whole.
    fn all() -> Scope {
        Scope {
            id: None,
            weight: None,
        }
    }

    /// An evaluator group (an empty weight is not shown).
    fn group(id: &str, weight: Option<&str>) -> Scope {
        Scope {
            id: Some(id.to_string()),
            weight: non_empty(weight),
        }
    }
}

/// Text that is shown only when present and not empty (otherwise a dash or nothing).
fn non_empty(t: Option<&str>) -> Option<String> {
    t.filter(|t| !t.is_empty()).map(str::to_string)
}

/// A graded evaluation: the scale's grades, the subjects' tables.
pub(super) struct GradedView {
    pub(super) grades: Vec<Grade>,
    /// The favourable rate's Chinese heading (the two best grades, or 好评率).
    pub(super) favourable_zh: String,
    /// Whether a group has a weight (the total is then a weighted score).
    pub(super) weighted: bool,
    pub(super) subjects: Vec<GradedSubject>,
}

/// One subject of a graded evaluation: its table's rows (the whole, then each group) and
/// its flags (the subject's, then the groups').
pub(super) struct GradedSubject {
    pub(super) name: String,
    pub(super) valid: u64,
    pub(super) rows: Vec<GradeRow>,
    pub(super) flags: Vec<Flag>,
}

/// A flag of a subject, or of one of its groups (`group`).
pub(super) struct Flag {
    pub(super) group: Option<String>,
    pub(super) message: Bilingual,
}

/// One row of a subject table: valid ballots, counts with rates per grade, unrated,
/// favourable rate and score.
pub(super) struct GradeRow {
    pub(super) scope: Scope,
    pub(super) valid: u64,
    pub(super) cells: Vec<GradeCell>,
    pub(super) abstain: Option<u64>,
    pub(super) favourable: Option<String>,
    pub(super) score: Option<String>,
}

/// A grade's count and rate (a dash when absent).
pub(super) struct GradeCell {
    pub(super) count: Option<u64>,
    pub(super) rate: Option<String>,
}

/// The view of a graded evaluation.
pub(super) fn graded(contest: &ContestV1) -> GradedView {
    let subjects = match &contest.subjects {
        Some(SubjectsV1::Graded(s)) => s.as_slice(),
        _ => &[],
    };
    let grades = scale_grades(contest.scale.as_deref().unwrap_or(""), subjects);
    let favourable_zh = match grades.as_slice() {
        [a, b, ..] => format!("{}+{}率", a.zh, b.zh),
        _ => "好评率".to_string(),
    };
    let weighted = subjects
        .iter()
        .flat_map(|s| &s.groups)
        .any(|g| g.weight.as_deref().is_some_and(|w| !w.is_empty()));
    let row = |scope, f: &GradeFiguresV1| GradeRow {
        scope,
        valid: f.valid,
        cells: grades
            .iter()
            .map(|g| GradeCell {
                count: f.counts.get(&g.key).copied(),
                rate: non_empty(f.rates.get(&g.key).map(String::as_str)),
            })
            .collect(),
        abstain: f.counts.get("abstain").copied(),
        favourable: non_empty(Some(&f.favourable_rate)),
        score: non_empty(f.score.as_deref()),
    };
    let subjects = subjects
        .iter()
        .map(|s| GradedSubject {
            name: s.name.clone(),
            valid: s.figures.valid,
            rows: std::iter::once(row(Scope::all(), &s.figures))
                .chain(
                    s.groups
                        .iter()
                        .map(|g| row(Scope::group(&g.id, g.weight.as_deref()), &g.figures)),
                )
                .collect(),
            flags: s
                .figures
                .flags
                .iter()
                .map(|f| Flag {
                    group: None,
                    message: Bilingual::of(&f.message),
                })
                .chain(s.groups.iter().flat_map(|g| {
                    g.figures.flags.iter().map(|f| Flag {
                        group: Some(g.id.clone()),
                        message: Bilingual::of(&f.message),
                    })
                }))
                .collect(),
        })
        .collect();
    GradedView {
        grades,
        favourable_zh,
        weighted,
        subjects,
    }
}

/// A rated-score evaluation: one table of the subjects, with raters, the extremes dropped,
/// the mean and the score; a row per evaluator group under each subject; then the flags.
pub(super) struct ScoredView {
    /// The highest score (a dash when the result has no score rule).
    pub(super) max: Option<u64>,
    pub(super) drop_extremes: bool,
    pub(super) rows: Vec<ScoreRow>,
    pub(super) flags: Vec<SubjectFlag>,
}

/// A row of the scores table: a subject (its name and score), or one of its groups.
pub(super) struct ScoreRow {
    /// The subject's name on its own row, empty on its groups' rows.
    pub(super) name: String,
    pub(super) scope: Scope,
    pub(super) raters: u64,
    pub(super) unscored: u64,
    pub(super) dropped: Option<DroppedV1>,
    pub(super) mean: Option<String>,
    /// The subject's score (shown on its own row only).
    pub(super) score: Option<String>,
}

/// A flag of a rated subject, with the subject's name.
pub(super) struct SubjectFlag {
    pub(super) name: String,
    pub(super) message: Bilingual,
}

/// The view of a rated-score evaluation.
pub(super) fn scored(contest: &ContestV1) -> ScoredView {
    let subjects = match &contest.subjects {
        Some(SubjectsV1::Scored(s)) => s.as_slice(),
        _ => &[],
    };
    let rule = contest.score_rule.as_ref();
    let row = |name: &str, scope, f: &ScoreFiguresV1, score: Option<&str>| ScoreRow {
        name: name.to_string(),
        scope,
        raters: f.raters,
        unscored: f.unscored,
        dropped: f.dropped,
        mean: non_empty(f.mean.as_deref()),
        score: non_empty(score),
    };
    ScoredView {
        max: rule.map(|r| r.max),
        drop_extremes: rule.is_some_and(|r| r.drop_extremes),
        rows: subjects
            .iter()
            .flat_map(|s| {
                std::iter::once(row(&s.name, Scope::all(), &s.figures, s.score.as_deref())).chain(
                    s.groups.iter().map(|g| {
                        row(
                            "",
                            Scope::group(&g.id, g.weight.as_deref()),
                            &g.figures,
                            None,
                        )
                    }),
                )
            })
            .collect(),
        flags: subjects
            .iter()
            .flat_map(|s| {
                s.flags.iter().map(|f| SubjectFlag {
                    name: s.name.clone(),
                    message: Bilingual::of(&f.message),
                })
            })
            .collect(),
    }
}

/// A composite ranking (competitive posts): rank, name, component scores, total, and the
/// unresolved ties.
pub(super) struct RankingView {
    pub(super) title: String,
    pub(super) components: Vec<Component>,
    pub(super) entries: Vec<Entry>,
    pub(super) tie_break: Option<String>,
    pub(super) problems: Vec<Bilingual>,
}

/// A component of a ranking: its title and weight.
pub(super) struct Component {
    pub(super) title: String,
    pub(super) weight: Option<String>,
}

/// A ranked person: rank, name, whether tied, the component scores in the components'
/// order and the total.
pub(super) struct Entry {
    pub(super) rank: u64,
    pub(super) name: String,
    pub(super) tied: bool,
    pub(super) cells: Vec<Option<String>>,
    pub(super) total: Option<String>,
}

/// The view of a composite ranking.
pub(super) fn ranking(ranking: &RankingV1) -> RankingView {
    let components = &ranking.components;
    RankingView {
        title: ranking.title.clone(),
        components: components
            .iter()
            .map(|c| Component {
                title: c.title.clone(),
                weight: non_empty(Some(&c.weight)),
            })
            .collect(),
        entries: ranking
            .entries
            .iter()
            .map(|e| Entry {
                rank: e.rank,
                name: e.name.clone(),
                tied: e.tied,
                cells: components
                    .iter()
                    .map(|c| non_empty(e.components.get(&c.id).and_then(Option::as_deref)))
                    .collect(),
                total: non_empty(e.total.as_deref()),
            })
            .collect(),
        tie_break: non_empty(ranking.tie_break_key.as_deref()),
        problems: ranking
            .problems
            .iter()
            .map(|p| Bilingual::of(&p.message))
            .collect(),
    }
}
