//! Composite ranking for competitive posts (竞争上岗, RULES.md section 3, seeds 000 and 002):
//! weighted components, one of which may be an evaluation contest's score; a named
//! tie-break key; ties that survive it are reported, never broken.

use super::contest::check_name;
use super::evaluation::Subject;
use super::notice::Notice;
use super::ratio::Ratio;
use super::RulesError;

/// Where a component's scores come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Imported scores per subject id (理论测试, 学历文凭 ...).
    Scores(Vec<(String, Ratio)>),
    /// The `score` of each subject in an evaluation contest of the same election.
    Evaluation(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub id: String,
    pub title: String,
    pub weight: Ratio,
    pub source: Source,
}

/// The secondary key that breaks ties on the total (seed 002: 近三年考核优秀票平均得票率高者优先).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TieBreak {
    pub key: String,
    pub scores: Vec<(String, Ratio)>,
}

/// A validated ranking setup.
///
/// Invariant: subject and component ids are unique; every `Scores` component and the tie
/// break have a score for every subject; weights sum to more than zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankingSetup {
    pub id: String,
    pub title: String,
    pub subjects: Vec<Subject>,
    pub components: Vec<Component>,
    pub tie_break: Option<TieBreak>,
}

impl RankingSetup {
    pub fn new(
        id: String,
        title: String,
        subjects: Vec<Subject>,
        components: Vec<Component>,
        tie_break: Option<TieBreak>,
    ) -> Result<RankingSetup, RulesError> {
        check_name("ranking id", &id)?;
        let err = |message: String| RulesError::Ranking {
            ranking: id.clone(),
            message,
        };
        if subjects.is_empty() || components.is_empty() {
            return Err(err(
                "须有参加排名的人 (subjects) 和计分项目 (components) / needs subjects and components".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &subjects {
            check_name("subject id", &s.id)?;
            if !seen.insert(s.id.as_str()) {
                return Err(err(format!("“{}” 重复 / “{}” appears twice", s.id, s.id)));
            }
        }
        let mut comp_ids = std::collections::HashSet::new();
        let mut weights = Ratio::ZERO;
        let has_all = |scores: &[(String, Ratio)], what: &str| -> Result<(), RulesError> {
            for s in &subjects {
                if !scores.iter().any(|(id, _)| *id == s.id) {
                    return Err(err(format!(
                        "{what} 缺少 “{}” 的分数 / {what} has no score for “{}”",
                        s.id, s.id
                    )));
                }
            }
            for (sid, _) in scores {
                if !subjects.iter().any(|s| s.id == *sid) {
                    return Err(err(format!(
                        "{what} 中的 “{sid}” 不在排名名单中 / {what} scores “{sid}”, who is not ranked"
                    )));
                }
            }
            Ok(())
        };
        for c in &components {
            check_name("component id", &c.id)?;
            if !comp_ids.insert(c.id.as_str()) {
                return Err(err(format!(
                    "计分项目 “{}” 重复 / component “{}” appears twice",
                    c.id, c.id
                )));
            }
            weights = weights
                .checked_add(c.weight)
                .map_err(|e| err(e.to_string()))?;
            if let Source::Scores(scores) = &c.source {
                has_all(scores, &c.id)?;
            }
        }
        if weights.is_zero() {
            return Err(err(
                "权重之和须大于 0 / the weights must not all be zero".into()
            ));
        }
        if let Some(tb) = &tie_break {
            has_all(&tb.scores, &tb.key)?;
        }
        Ok(RankingSetup {
            id,
            title,
            subjects,
            components,
            tie_break,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankEntry {
    pub subject: usize,
    /// Component scores in component order; `None` when an evaluation had no score.
    pub components: Vec<Option<Ratio>>,
    /// `Σ weight·score / Σ weight`.
    pub total: Option<Ratio>,
    pub tie_break: Option<Ratio>,
    pub rank: u32,
    /// Tied with another subject on both the total and the tie-break key.
    pub tied: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankingResult {
    pub entries: Vec<RankEntry>,
    /// Groups of subject ids whose tie survives the tie-break key.
    pub unresolved_ties: Vec<Vec<String>>,
    pub problems: Vec<Notice>,
}

/// Ranks the subjects. `evaluation_score(contest, subject_id)` looks up an evaluation's score.
pub fn rank(
    setup: &RankingSetup,
    evaluation_score: &dyn Fn(&str, &str) -> Option<Ratio>,
) -> RankingResult {
    let mut problems = Vec::new();
    let weights = setup
        .components
        .iter()
        .try_fold(Ratio::ZERO, |acc, c| acc.checked_add(c.weight))
        .unwrap_or(Ratio::ZERO);
    let mut entries: Vec<RankEntry> = setup
        .subjects
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let components: Vec<Option<Ratio>> = setup
                .components
                .iter()
                .map(|c| match &c.source {
                    Source::Scores(scores) => {
                        scores.iter().find(|(id, _)| *id == s.id).map(|(_, v)| *v)
                    }
                    Source::Evaluation(contest) => evaluation_score(contest, &s.id),
                })
                .collect();
            let mut total = Some(Ratio::ZERO);
            for (c, v) in setup.components.iter().zip(&components) {
                total = match (total, v) {
                    (Some(t), Some(v)) => {
                        c.weight.checked_mul(*v).and_then(|x| t.checked_add(x)).ok()
                    }
                    _ => None,
                };
            }
            let total = total.and_then(|t| t.checked_div(weights).ok());
            let tie_break = setup.tie_break.as_ref().and_then(|tb| {
                tb.scores
                    .iter()
                    .find(|(id, _)| *id == s.id)
                    .map(|(_, v)| *v)
            });
            RankEntry {
                subject: i,
                components,
                total,
                tie_break,
                rank: 0,
                tied: false,
            }
        })
        .collect();
    for e in &entries {
        if e.total.is_none() {
            let id = &setup.subjects[e.subject].id;
            problems.push(Notice::new(
                "ranking_score_missing",
                format!("“{id}” 缺少测评得分, 无法计算总分 / “{id}” has no evaluation score, so no total"),
            ));
        }
    }
    // Highest total first, then the tie-break key; `None` sorts last. Subject order only
    // fixes the display order inside a tie, never a rank.
    let key = |e: &RankEntry| (e.total, e.tie_break);
    entries.sort_by(|a, b| key(b).cmp(&key(a)).then(a.subject.cmp(&b.subject)));
    let mut unresolved_ties = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let mut j = i + 1;
        while j < entries.len() && key(&entries[j]) == key(&entries[i]) {
            j += 1;
        }
        let rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let tied = j - i > 1;
        for e in &mut entries[i..j] {
            e.rank = rank;
            e.tied = tied;
        }
        if tied {
            unresolved_ties.push(
                entries[i..j]
                    .iter()
                    .map(|e| setup.subjects[e.subject].id.clone())
                    .collect(),
            );
        }
        i = j;
    }
    RankingResult {
        entries,
        unresolved_ties,
        problems,
    }
}
