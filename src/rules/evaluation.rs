//! Democratic evaluation (民主测评, RULES.md section 3): scales, per-subject counts, exact
//! rates, favourable rate, points score, triggers, evaluator groups with weights, the
//! optional 优秀 quota and the optional "all the same grade ⇒ void" rule.

use super::ballot::EvaluationBallot;
use super::contest::check_name;
use super::notice::Notice;
use super::ratio::Ratio;
use super::totals::{EvaluationTotals, GroupTotals};
use super::RulesError;

/// Most subjects one evaluation may rate.
pub const SUBJECTS_PER_CONTEST_MAX: usize = 1_000;
/// Most evaluator groups.
pub const GROUPS_PER_CONTEST_MAX: usize = 50;

/// Default points per grade, best first (RULES.md section 3: 100/80/60/40).
pub const DEFAULT_POINTS: [u64; 4] = [100, 80, 60, 40];

/// The highest `score_max` a rated-score evaluation may have.
pub const SCORE_MAX_LIMIT: u32 = 1_000;
/// A subject's highest and lowest scores are dropped only when more raters than this scored
/// it (RULES.md section 3: "may drop the highest and lowest when more than 5 raters").
pub const DROP_EXTREMES_OVER: u64 = 5;

/// An evaluator group evaluated by fewer voters than this is reported when the roll is
/// imported (`small_group`, [`small_groups`]): a group's ballots are counted and published
/// separately (RULES.md section 3), so the figures of a group of one show that voter's
/// ballot, and those of a group of two show each of the two what the other marked, however
/// the ballots were cast or encrypted.
pub const SMALL_GROUP_VOTERS: u64 = 3;

/// The evaluator groups of `setup` that between 1 and [`SMALL_GROUP_VOTERS`] − 1 voters
/// evaluate in, as warnings: `voters` gives each group's count (the voters on the roll whose
/// ballot style puts them in it, or `None` where no style assigns that group, as with a
/// paper ballot that names its own group). Never blocking: the organiser decides (merge the
/// group with another by creating the election again before voting, or tell its members).
pub fn small_groups(
    contest: &str,
    setup: &EvaluationSetup,
    voters: impl Fn(&str) -> Option<u64>,
) -> Vec<Notice> {
    setup
        .groups
        .iter()
        .filter_map(|g| {
            let n = voters(&g.id)?;
            let name = if g.title.is_empty() { &g.id } else { &g.title };
            (n > 0 && n < SMALL_GROUP_VOTERS).then(|| {
                Notice::new(
                    "small_group",
                    format!(
                        "测评 “{contest}” 的测评组 “{name}” 只有 {n} 人: 各组分别计票公布, 该组的结果会让人看出组内每人的评价; 如需保密, 请在投票前合并测评组 (重新创建选举) 或告知该组成员 / evaluation “{contest}”: group “{name}” has only {n} voter(s); each group is counted and published separately, so its figures show how its members rated. To keep that secret, merge it with another group before voting (create the election again), or tell its members"
                    ),
                )
            })
        })
        .collect()
}

/// A rated-score evaluation (RULES.md section 3, local practice): each ballot gives each
/// subject a whole score from 0 to `max`, or leaves it unscored. A subject's score is the
/// mean of its scores, per evaluator group and pooled; with groups that have weights, the
/// weighted mean of the groups' means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoreRule {
    /// The highest score (default 100).
    pub max: u32,
    /// Drop one highest and one lowest score of a subject (in each group, and pooled) when
    /// more than [`DROP_EXTREMES_OVER`] raters scored it.
    pub drop_extremes: bool,
    /// Flag a subject whose score is below this (e.g. 60).
    pub below: Option<Ratio>,
}

/// The three scales of RULES.md section 3. Grades are indexed 0 (best) to 3 (worst).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Individual cadres: 优秀 / 称职 / 基本称职 / 不称职.
    Individual,
    /// Leadership teams: 好 / 较好 / 一般 / 差.
    Team,
    /// Party members: 优秀 / 合格 / 基本合格 / 不合格.
    Member,
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::Individual, Scale::Team, Scale::Member];

    pub fn id(self) -> &'static str {
        match self {
            Scale::Individual => "individual",
            Scale::Team => "team",
            Scale::Member => "member",
        }
    }

    pub fn from_id(id: &str) -> Option<Scale> {
        Scale::ALL.into_iter().find(|s| s.id() == id)
    }

    /// Grade keys as used in ballots and results, best first.
    pub fn keys(self) -> [&'static str; 4] {
        match self {
            Scale::Individual => ["excellent", "competent", "basic", "incompetent"],
            Scale::Team => ["good", "fairly_good", "average", "poor"],
            Scale::Member => ["excellent", "qualified", "basic", "unqualified"],
        }
    }

    pub fn labels_zh(self) -> [&'static str; 4] {
        match self {
            Scale::Individual => ["优秀", "称职", "基本称职", "不称职"],
            Scale::Team => ["好", "较好", "一般", "差"],
            Scale::Member => ["优秀", "合格", "基本合格", "不合格"],
        }
    }

    pub fn grade_index(self, key: &str) -> Option<usize> {
        self.keys().iter().position(|k| *k == key)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub weight: Option<Ratio>,
}

/// Review triggers; `None` disables one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Triggers {
    /// Flag when `(top two grades) / valid < favourable_below` (default 2/3).
    pub favourable_below: Option<Ratio>,
    /// Flag when `(worst grade) / valid > unfavourable_above` (default 1/3).
    pub unfavourable_above: Option<Ratio>,
}

impl Default for Triggers {
    fn default() -> Triggers {
        Triggers {
            favourable_below: Some(Ratio::of_counts(2, 3)),
            unfavourable_above: Some(Ratio::of_counts(1, 3)),
        }
    }
}

/// Unvalidated evaluation settings.
#[derive(Clone, Debug, Default)]
pub struct EvaluationParams {
    pub scale: Option<Scale>,
    pub subjects: Vec<Subject>,
    pub groups: Vec<Group>,
    /// Points per grade, best first; defaults to [`DEFAULT_POINTS`].
    pub points: Option<[Ratio; 4]>,
    pub triggers: Triggers,
    /// At most this share of the subjects may get the top grade on one ballot (rounded down).
    pub excellent_quota: Option<Ratio>,
    pub uniform_void: bool,
    /// A rated-score evaluation instead of grades (then `scale` is absent).
    pub score: Option<ScoreRule>,
}

/// Validated evaluation settings.
///
/// Invariant: subject and group ids are unique; either every group has a weight or none has
/// one; the weights' sum is positive when present (and, for a spec given as input, every
/// weight is, [`EvaluationSetup::check_input`]). With `score` set, ballots
/// carry scores, never grades; `scale`, `points` and `excellent_quota` then play no part
/// (`scale` is `Individual`, the rest default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationSetup {
    pub scale: Scale,
    pub subjects: Vec<Subject>,
    pub groups: Vec<Group>,
    pub points: [Ratio; 4],
    pub triggers: Triggers,
    pub excellent_quota: Option<Ratio>,
    pub uniform_void: bool,
    pub score: Option<ScoreRule>,
}

impl EvaluationSetup {
    /// What a spec given as input must also meet (checked with the statute's rules, never on
    /// a logged spec, which replays as it was registered): a review trigger is a share, at
    /// most 1 (`60` for 60% would flag every subject, or none); a weighted group weighs more
    /// than 0 (a group of weight 0 with no ballots left the composite score uncomputable).
    pub fn check_input(&self, contest: &str) -> Result<(), RulesError> {
        let err = |message: String| RulesError::Evaluation {
            contest: contest.to_string(),
            message,
        };
        for (name, t) in [
            ("favourable_below", self.triggers.favourable_below),
            ("unfavourable_above", self.triggers.unfavourable_above),
        ] {
            if let Some(r) = t.filter(|r| *r > Ratio::integer(1)) {
                return Err(err(format!(
                    "触发线 triggers.{name} = {r} 大于 1: 请写成比例, 如 0.6 或 3/5, 而不是 60 / the trigger triggers.{name} = {r} exceeds 1: write a share such as 0.6 or 3/5, not 60"
                )));
            }
        }
        if let Some(g) = self
            .groups
            .iter()
            .find(|g| g.weight.is_some_and(|w| w.is_zero()))
        {
            return Err(err(format!(
                "测评组 “{}” 的权重为 0: 不计入的组请删去 / group “{}” has weight 0: leave out a group that does not count",
                g.id, g.id
            )));
        }
        Ok(())
    }

    pub fn new(contest: &str, p: EvaluationParams) -> Result<EvaluationSetup, RulesError> {
        let err = |message: String| RulesError::Evaluation {
            contest: contest.to_string(),
            message,
        };
        let scale = match (p.scale, &p.score) {
            (Some(scale), None) => scale,
            (None, Some(rule)) => {
                if rule.max == 0 || rule.max > SCORE_MAX_LIMIT {
                    return Err(err(format!(
                        "最高分须为 1 至 {SCORE_MAX_LIMIT}, 现为 {} / the top score must be 1 to {SCORE_MAX_LIMIT}, not {}",
                        rule.max, rule.max
                    )));
                }
                if p.points.is_some() || p.excellent_quota.is_some() {
                    return Err(err("打分制测评没有等次, 不用 points 或 excellent_quota / a rated-score evaluation has no grades: points and excellent_quota do not apply".into()));
                }
                Scale::Individual
            }
            (Some(_), Some(_)) => {
                return Err(err("打分制测评 (scale: score) 没有等次 / a rated-score evaluation (scale: score) has no grade scale".into()))
            }
            (None, None) => {
                return Err(err("缺少 scale (individual, team, member, score) / the scale is missing (individual, team, member or score)".into()))
            }
        };
        if p.subjects.is_empty() || p.subjects.len() > SUBJECTS_PER_CONTEST_MAX {
            return Err(err(format!(
                "测评对象须为 1 至 {SUBJECTS_PER_CONTEST_MAX} 个, 现有 {} 个 / needs 1 to {SUBJECTS_PER_CONTEST_MAX} subjects, {} given",
                p.subjects.len(),
                p.subjects.len()
            )));
        }
        let mut ids = std::collections::HashSet::new();
        for s in &p.subjects {
            check_name("subject id", &s.id)?;
            check_name("subject name", &s.name)?;
            if !ids.insert(s.id.as_str()) {
                return Err(err(format!(
                    "测评对象 id “{}” 重复 / subject id “{}” appears twice",
                    s.id, s.id
                )));
            }
        }
        if p.groups.len() > GROUPS_PER_CONTEST_MAX {
            return Err(err(format!(
                "测评组超过 {GROUPS_PER_CONTEST_MAX} 个 / more than {GROUPS_PER_CONTEST_MAX} groups"
            )));
        }
        let mut gids = std::collections::HashSet::new();
        for g in &p.groups {
            check_name("group id", &g.id)?;
            if !gids.insert(g.id.as_str()) {
                return Err(err(format!(
                    "测评组 id “{}” 重复 / group id “{}” appears twice",
                    g.id, g.id
                )));
            }
        }
        let weighted = p.groups.iter().filter(|g| g.weight.is_some()).count();
        if weighted != 0 && weighted != p.groups.len() {
            return Err(err(
                "测评组要么都有权重, 要么都没有 / either every group has a weight or none has"
                    .into(),
            ));
        }
        if weighted > 0
            && p.groups
                .iter()
                .all(|g| g.weight.is_none_or(|w| w.is_zero()))
        {
            return Err(err(
                "权重之和须大于 0 / the weights must not all be zero".into()
            ));
        }
        if let Some(q) = p.excellent_quota {
            if q > Ratio::integer(1) {
                return Err(err(format!(
                    "优秀比例上限 {q} 大于 1 / the top-grade quota {q} exceeds 1"
                )));
            }
        }
        let points = p.points.unwrap_or(DEFAULT_POINTS.map(Ratio::integer));
        Ok(EvaluationSetup {
            scale,
            subjects: p.subjects,
            groups: p.groups,
            points,
            triggers: p.triggers,
            excellent_quota: p.excellent_quota,
            uniform_void: p.uniform_void,
            score: p.score,
        })
    }

    pub fn is_weighted(&self) -> bool {
        self.groups.iter().any(|g| g.weight.is_some())
    }

    /// Most top grades one ballot may give: `floor(subjects · quota)` (upper bounds round down).
    pub fn excellent_limit(&self) -> Option<u64> {
        self.excellent_quota.map(|q| {
            let n = q.num() * self.subjects.len() as u128;
            u64::try_from(n / q.den()).unwrap_or(u64::MAX)
        })
    }

    pub fn subject_index(&self, id: &str) -> Option<usize> {
        self.subjects.iter().position(|s| s.id == id)
    }

    pub fn group_index(&self, id: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.id == id)
    }
}

/// The figures of one subject over one set of valid ballots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figures {
    /// Counts per grade, best first.
    pub counts: [u64; 4],
    /// Valid ballots that did not rate this subject.
    pub abstain: u64,
    /// The denominator of every rate: valid ballots of the contest (or group).
    pub valid: u64,
    pub rates: [Ratio; 4],
    /// Top two grades over valid.
    pub favourable_rate: Ratio,
    /// `Σ count·points / valid`; `None` without valid ballots.
    pub points_score: Option<Ratio>,
    pub flags: Vec<Notice>,
}

impl Figures {
    fn new(counts: [u64; 4], valid: u64, setup: &EvaluationSetup) -> Figures {
        let rated: u64 = counts.iter().sum();
        let rates = counts.map(|c| Ratio::of_counts(c, valid));
        let favourable_rate = Ratio::of_counts(counts[0] + counts[1], valid);
        let points_score = if valid == 0 {
            None
        } else {
            let mut total = Ratio::ZERO;
            let mut ok = true;
            for (c, p) in counts.iter().zip(setup.points.iter()) {
                match Ratio::integer(*c)
                    .checked_mul(*p)
                    .and_then(|v| total.checked_add(v))
                {
                    Ok(t) => total = t,
                    Err(_) => ok = false,
                }
            }
            if ok {
                total.checked_div(Ratio::integer(valid)).ok()
            } else {
                None
            }
        };
        let labels = setup.scale.labels_zh();
        let mut flags = Vec::new();
        // A rated-score evaluation has no grades to flag (its flags are on the score).
        if valid > 0 && setup.score.is_none() {
            if let Some(t) = setup.triggers.favourable_below {
                if favourable_rate < t {
                    flags.push(Notice::new(
                        "favourable_below",
                        format!(
                            "{}+{} 率 {}% 低于 {} ({}%), 建议诫勉或调整 / favourable rate {}% below {} ({}%): review",
                            labels[0],
                            labels[1],
                            favourable_rate.percent_2dp(),
                            t,
                            t.percent_2dp(),
                            favourable_rate.percent_2dp(),
                            t,
                            t.percent_2dp()
                        ),
                    ));
                }
            }
            if let Some(t) = setup.triggers.unfavourable_above {
                if rates[3] > t {
                    flags.push(Notice::new(
                        "unfavourable_above",
                        format!(
                            "{} 率 {}% 超过 {} ({}%), 考虑免职或降职 / {} rate {}% above {} ({}%): review",
                            labels[3],
                            rates[3].percent_2dp(),
                            t,
                            t.percent_2dp(),
                            setup.scale.keys()[3],
                            rates[3].percent_2dp(),
                            t,
                            t.percent_2dp()
                        ),
                    ));
                }
            }
        }
        Figures {
            counts,
            abstain: valid.saturating_sub(rated),
            valid,
            rates,
            favourable_rate,
            points_score,
            flags,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupFigures {
    pub group: usize,
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectReport {
    pub subject: usize,
    /// Over all valid ballots, every group pooled.
    pub figures: Figures,
    /// The weighted composite of the groups' points scores when groups have weights,
    /// otherwise the pooled points score.
    pub score: Option<Ratio>,
    pub groups: Vec<GroupFigures>,
    /// A rated-score evaluation: the scores, pooled and per group, and the flags on `score`.
    pub scores: Option<ScoreReport>,
}

/// One subject's scores over one set of valid ballots (a group's, or all pooled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreFigures {
    /// Valid ballots that scored the subject.
    pub raters: u64,
    /// Valid ballots that left it unscored.
    pub unscored: u64,
    /// The lowest and the highest score dropped (more than [`DROP_EXTREMES_OVER`] raters and
    /// `drop_extremes`).
    pub dropped: Option<(u32, u32)>,
    /// Scores in the mean: `raters`, or `raters − 2` when two were dropped.
    pub counted: u64,
    /// Their sum.
    pub sum: u64,
    /// `sum / counted`, exact; `None` when no score counts.
    pub mean: Option<Ratio>,
}

impl ScoreFigures {
    /// From a histogram of scores (score → ballots) and the valid ballots it is drawn from.
    pub fn new(
        histogram: &std::collections::BTreeMap<u32, u64>,
        valid: u64,
        rule: &ScoreRule,
    ) -> ScoreFigures {
        let raters = histogram.values().fold(0u64, |n, c| n.saturating_add(*c));
        let total = histogram.iter().fold(0u64, |n, (v, c)| {
            n.saturating_add(u64::from(*v).saturating_mul(*c))
        });
        let lowest = histogram.iter().find(|(_, c)| **c > 0).map(|(v, _)| *v);
        let highest = histogram
            .iter()
            .rev()
            .find(|(_, c)| **c > 0)
            .map(|(v, _)| *v);
        let dropped = match (lowest, highest) {
            (Some(lo), Some(hi)) if rule.drop_extremes && raters > DROP_EXTREMES_OVER => {
                Some((lo, hi))
            }
            _ => None,
        };
        let (counted, sum) = match dropped {
            Some((lo, hi)) => (
                raters - 2,
                total.saturating_sub(u64::from(lo) + u64::from(hi)),
            ),
            None => (raters, total),
        };
        ScoreFigures {
            raters,
            unscored: valid.saturating_sub(raters),
            dropped,
            counted,
            sum,
            mean: (counted > 0).then(|| Ratio::of_counts(sum, counted)),
        }
    }
}

/// A subject's scores in a rated-score evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreReport {
    /// Over every valid ballot, all groups pooled (extremes dropped from the pool).
    pub pooled: ScoreFigures,
    /// One per evaluator group, in group order.
    pub groups: Vec<ScoreFigures>,
    /// `score_below` when the subject's score is below `ScoreRule::below`.
    pub flags: Vec<Notice>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationOutcome {
    pub subjects: Vec<SubjectReport>,
    /// Valid and void ballots per group, in group order.
    pub group_ballots: Vec<(u64, u64)>,
    pub warnings: Vec<Notice>,
    pub void_reasons: Vec<(&'static str, u64)>,
    pub valid: u64,
    pub void: u64,
}

/// Counts evaluation ballots: their totals, then [`evaluate`]. Ballot order does not matter.
pub fn tally_evaluation(
    setup: &EvaluationSetup,
    ballots: &[&EvaluationBallot],
) -> EvaluationOutcome {
    let mut totals = EvaluationTotals::empty(setup);
    let mut void_reasons: std::collections::BTreeMap<&'static str, u64> =
        std::collections::BTreeMap::new();
    for b in ballots {
        if let Some(reason) = totals.add_ballot(setup, b) {
            *void_reasons.entry(reason.code().as_str()).or_default() += 1;
        }
    }
    evaluate(setup, &totals, void_reasons.into_iter().collect())
}

/// Decides an evaluation from its totals: per subject the pooled figures (every group and
/// the ungrouped ballots), each group's figures, and the score (the weighted composite of
/// the groups' points scores when groups have weights, otherwise the pooled points score).
/// `void_reasons` are reported as given.
pub fn evaluate(
    setup: &EvaluationSetup,
    totals: &EvaluationTotals,
    void_reasons: Vec<(&'static str, u64)>,
) -> EvaluationOutcome {
    let n_subjects = setup.subjects.len();
    let n_groups = setup.groups.len();
    let grades = |g: &GroupTotals, s: usize| g.grades.get(s).copied().unwrap_or([0; 4]);
    let mut pooled = vec![[0u64; 4]; n_subjects];
    for group in totals.all() {
        for (s, counts) in pooled.iter_mut().enumerate() {
            for (c, n) in counts.iter_mut().zip(grades(group, s)) {
                *c = c.saturating_add(n);
            }
        }
    }
    let group_ballots: Vec<(u64, u64)> = (0..n_groups)
        .map(|g| totals.groups.get(g).map_or((0, 0), |t| (t.valid, t.void)))
        .collect();
    let valid = totals.valid();
    let void = totals.void();
    let mut warnings = Vec::new();
    let weighted = setup.is_weighted();
    if weighted {
        for (g, group) in setup.groups.iter().enumerate() {
            if group_ballots[g].0 == 0 {
                warnings.push(Notice::new(
                    "group_without_ballots",
                    format!(
                        "测评组 “{}” 没有有效票, 无法计算加权综合得分 / group “{}” has no valid ballots, so no weighted composite can be computed",
                        group.id, group.id
                    ),
                ));
            }
        }
    }
    let subjects = (0..n_subjects)
        .map(|s| {
            let figures = Figures::new(pooled[s], valid, setup);
            let groups: Vec<GroupFigures> = (0..n_groups)
                .map(|g| GroupFigures {
                    group: g,
                    figures: Figures::new(
                        totals.groups.get(g).map_or([0; 4], |t| grades(t, s)),
                        group_ballots[g].0,
                        setup,
                    ),
                })
                .collect();
            let (score, scores) = match &setup.score {
                None => (
                    if weighted {
                        weighted_score(setup, &groups)
                    } else {
                        figures.points_score
                    },
                    None,
                ),
                Some(rule) => {
                    let report = score_report(setup, rule, totals, s);
                    let score = if weighted {
                        weighted_mean(setup, report.groups.iter().map(|f| f.mean))
                    } else {
                        report.pooled.mean
                    };
                    let mut report = report;
                    report.flags = score_flags(rule, score);
                    (score, Some(report))
                }
            };
            SubjectReport {
                subject: s,
                figures,
                score,
                groups,
                scores,
            }
        })
        .collect();
    EvaluationOutcome {
        subjects,
        group_ballots,
        warnings,
        void_reasons,
        valid,
        void,
    }
}

/// `Σ w_g · score_g / Σ w_g`; `None` when any weighted group has no valid ballots.
fn weighted_score(setup: &EvaluationSetup, groups: &[GroupFigures]) -> Option<Ratio> {
    weighted_mean(setup, groups.iter().map(|gf| gf.figures.points_score))
}

/// `Σ w_g · x_g / Σ w_g` over the groups in order; `None` when any `x_g` is missing.
fn weighted_mean(
    setup: &EvaluationSetup,
    values: impl Iterator<Item = Option<Ratio>>,
) -> Option<Ratio> {
    let mut total = Ratio::ZERO;
    let mut weights = Ratio::ZERO;
    for (g, x) in values.enumerate() {
        let w = setup.groups.get(g)?.weight?;
        total = total.checked_add(w.checked_mul(x?).ok()?).ok()?;
        weights = weights.checked_add(w).ok()?;
    }
    total.checked_div(weights).ok()
}

/// Subject `s`'s scores: pooled over every group and the ungrouped ballots, and per group.
fn score_report(
    setup: &EvaluationSetup,
    rule: &ScoreRule,
    totals: &EvaluationTotals,
    s: usize,
) -> ScoreReport {
    let empty = std::collections::BTreeMap::new();
    let histogram = |g: &GroupTotals| g.scores.get(s).unwrap_or(&empty).clone();
    let mut pooled = std::collections::BTreeMap::<u32, u64>::new();
    for g in totals.all() {
        for (v, c) in histogram(g) {
            let n = pooled.entry(v).or_default();
            *n = n.saturating_add(c);
        }
    }
    let groups = (0..setup.groups.len())
        .map(|g| match totals.groups.get(g) {
            Some(t) => ScoreFigures::new(&histogram(t), t.valid, rule),
            None => ScoreFigures::new(&empty, 0, rule),
        })
        .collect();
    ScoreReport {
        pooled: ScoreFigures::new(&pooled, totals.valid(), rule),
        groups,
        flags: Vec::new(),
    }
}

/// `score_below` when the subject's score is below the rule's threshold.
fn score_flags(rule: &ScoreRule, score: Option<Ratio>) -> Vec<Notice> {
    match (rule.below, score) {
        (Some(t), Some(x)) if x < t => vec![Notice::new(
            "score_below",
            format!(
                "得分 {} 低于 {}, 建议诫勉或调整 / score {} below {}: review",
                x.decimal_2dp(),
                t,
                x.decimal_2dp(),
                t
            ),
        )],
        _ => Vec::new(),
    }
}
