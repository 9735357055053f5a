//! Multi-round procedures as one chain (RULES.md section 4, seed 002, 公推直选): a procedure
//! holds its rounds in order, each round's output is the next round's list, and each ratio is
//! checked like a surplus rule.
//!
//! Rounds held outside the system (资格审查, 面试, 县委批准) are recorded as steps with their
//! data (the qualified list, the interview scores, the approved candidates); rounds held in
//! it (民主测评, 民主推荐, 直接选举) are contests the chain creates with the list as their
//! subjects or candidates, and their step takes what the published result passes on. The
//! conduct (`rules::conduct`) keeps each procedure's state; the ledger runs it before it
//! appends a step and `verify` runs it again.
//!
//! Readings (strict where the text leaves room; docs/FORMATS.md):
//! - qualification: with `q` qualified and ratio `x`, the posts stay when `q ≥ x·posts`,
//!   else they reduce to `floor(q / x)` (若低于规定比例, 相应减少名额); none left refuses;
//! - interview: the `ceil(x·posts)` best scores go on, and everyone tied with the last of
//!   them (a tie at the boundary widens the list, and the step says so); all go on when
//!   fewer took part;
//! - evaluation: the subjects the result does not flag (the two cut-offs are the contest's
//!   `favourable_below` and `unfavourable_above`) go on;
//! - recommendation: the result's shortlist goes on;
//! - approval: the approved are among the list and at least `ceil(x·posts)` (按比例批准);
//! - election: the elected end the procedure.

use super::ratio::Ratio;
use crate::codes::Code;

/// Most rounds one procedure may hold.
pub const ROUNDS_MAX: usize = 20;
/// Most entrants one round may list.
pub const ENTRANTS_MAX: usize = 1_000;

/// The kinds of round of RULES.md section 4, in their usual order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundKind {
    /// 资格审查: qualified : posts ≥ x : 1, else the posts reduce.
    Qualification,
    /// 面试: a shortlist at x : 1 by score.
    Interview,
    /// 民主测评 (组织考察): an evaluation contest; its two cut-offs drop entrants.
    Evaluation,
    /// 民主推荐: a recommendation contest; its shortlist goes on.
    Recommendation,
    /// 批准正式候选人: at least x : 1 approved.
    Approval,
    /// 直接选举: the election contest; the elected end the procedure.
    Election,
}

impl RoundKind {
    pub const ALL: [RoundKind; 6] = [
        RoundKind::Qualification,
        RoundKind::Interview,
        RoundKind::Evaluation,
        RoundKind::Recommendation,
        RoundKind::Approval,
        RoundKind::Election,
    ];

    pub fn id(self) -> &'static str {
        match self {
            RoundKind::Qualification => "qualification",
            RoundKind::Interview => "interview",
            RoundKind::Evaluation => "evaluation",
            RoundKind::Recommendation => "recommendation",
            RoundKind::Approval => "approval",
            RoundKind::Election => "election",
        }
    }

    pub fn from_id(id: &str) -> Option<RoundKind> {
        RoundKind::ALL.into_iter().find(|k| k.id() == id)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RoundKind::Qualification => "资格审查",
            RoundKind::Interview => "面试",
            RoundKind::Evaluation => "民主测评",
            RoundKind::Recommendation => "民主推荐",
            RoundKind::Approval => "批准正式候选人",
            RoundKind::Election => "直接选举",
        }
    }

    /// Held in the system as a contest (its result decides who goes on).
    pub fn is_contest(self) -> bool {
        matches!(
            self,
            RoundKind::Evaluation | RoundKind::Recommendation | RoundKind::Election
        )
    }

    /// Needs a ratio `x` (x : 1 against the posts).
    pub fn needs_ratio(self) -> bool {
        matches!(
            self,
            RoundKind::Qualification | RoundKind::Interview | RoundKind::Approval
        )
    }
}

/// One round of a procedure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundDef {
    pub id: String,
    pub title: String,
    pub kind: RoundKind,
    /// `x` of x : 1 (qualification, interview, approval).
    pub ratio: Option<Ratio>,
    /// The contest this round creates (evaluation, recommendation, election).
    pub contest: Option<String>,
}

/// A procedure as the spec declares it.
///
/// Invariant (checked by [`ProcedureDef::new`]): at least two rounds, the first a
/// qualification and the last an election; round ids unique; a ratio of at least 1 exactly
/// where the kind needs one; a contest id exactly for the rounds held as contests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcedureDef {
    pub id: String,
    pub title: String,
    pub posts: u32,
    pub rounds: Vec<RoundDef>,
}

/// A person taking part (报名者, then 人选, then 候选人).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entrant {
    pub id: String,
    pub name: String,
}

/// What a step brings: the round's own data, or what its published result passes on.
#[derive(Clone, Copy, Debug)]
pub enum StepInput<'a> {
    /// Qualification: everyone who passed the review.
    Qualified(&'a [Entrant]),
    /// Interview: one score per entrant of the list.
    Scores(&'a [(String, Ratio)]),
    /// Approval: the ids approved as formal candidates.
    Approved(&'a [String]),
    /// A round held as a contest: the ids its published result passes on.
    Passed(&'a [String]),
}

/// A step's outcome: the posts after it and who goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepOutcome {
    pub posts: u32,
    pub people: Vec<Entrant>,
    /// A boundary tie widened an interview shortlist.
    pub widened: bool,
}

/// Where a procedure stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcedureState {
    /// Rounds done.
    pub done: usize,
    /// The posts now (a qualification may reduce them).
    pub posts: u32,
    /// Who goes into the next round.
    pub people: Vec<Entrant>,
    /// The next round's contest was created (rounds held as contests).
    pub contest_created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureError {
    #[error("程序 “{procedure}”: {message} / procedure “{procedure}”: {message_en}")]
    Spec {
        procedure: String,
        message: String,
        message_en: String,
    },
    #[error("程序 “{procedure}” 的下一轮是 “{expected}”, 不是 “{round}” / The next round of procedure “{procedure}” is “{expected}”, not “{round}”.")]
    OutOfOrder {
        procedure: String,
        round: String,
        expected: String,
    },
    #[error("程序 “{0}” 已完成 / Procedure “{0}” is complete.")]
    Complete(String),
    #[error("“{round}” 的资料与本轮不符: {message} / The data of round “{round}” does not fit it: {message_en}")]
    Input {
        round: String,
        message: String,
        message_en: String,
    },
    #[error("“{round}”: 资格审查合格 {qualified} 人, 连 1 个职位的 {ratio}:1 都不足 / “{round}”: {qualified} qualified are too few for even one post at {ratio}:1.")]
    TooFew {
        round: String,
        qualified: usize,
        ratio: Ratio,
    },
    #[error("“{round}”: 批准正式候选人 {approved} 人, 少于 {posts} 个职位的 {ratio}:1 (至少 {needed} 人) / “{round}”: {approved} approved, fewer than {ratio}:1 for {posts} post(s) (at least {needed}).")]
    RatioShort {
        round: String,
        approved: usize,
        posts: u32,
        ratio: Ratio,
        needed: u64,
    },
    #[error("“{round}” 须先有已公布的 “{contest}” 结果 / Round “{round}” needs the published result of “{contest}”.")]
    ResultMissing { round: String, contest: String },
    #[error("“{round}” 的 “{contest}” 本轮无效, 须先重新投票 / Round “{round}”: “{contest}” was counted invalid; re-vote it first.")]
    RoundInvalid { round: String, contest: String },
    #[error("记录的 “{round}” 结果与规则算出的不同: {message} / The recorded outcome of “{round}” is not the one the rules give: {message}")]
    Mismatch { round: String, message: String },
}

impl ProcedureError {
    pub fn code(&self) -> Code {
        match self {
            ProcedureError::Spec { .. } => Code::ProcedureSpec,
            ProcedureError::OutOfOrder { .. } => Code::ProcedureOrder,
            ProcedureError::Complete(_) => Code::ProcedureComplete,
            ProcedureError::Input { .. } => Code::ProcedureInput,
            ProcedureError::TooFew { .. } => Code::ProcedureTooFew,
            ProcedureError::RatioShort { .. } => Code::ProcedureRatio,
            ProcedureError::ResultMissing { .. } => Code::ProcedureResultMissing,
            ProcedureError::RoundInvalid { .. } => Code::ProcedureRoundInvalid,
            ProcedureError::Mismatch { .. } => Code::ProcedureMismatch,
        }
    }
}

fn spec_err(procedure: &str, zh: &str, en: &str) -> ProcedureError {
    ProcedureError::Spec {
        procedure: procedure.to_string(),
        message: zh.to_string(),
        message_en: en.to_string(),
    }
}

fn input_err(round: &str, zh: String, en: String) -> ProcedureError {
    ProcedureError::Input {
        round: round.to_string(),
        message: zh,
        message_en: en,
    }
}

/// `ceil(x · posts)`.
fn needed(ratio: Ratio, posts: u32) -> u64 {
    let n = ratio.num() * u128::from(posts);
    u64::try_from(n.div_ceil(ratio.den())).unwrap_or(u64::MAX)
}

impl ProcedureDef {
    pub fn new(
        id: String,
        title: String,
        posts: u32,
        rounds: Vec<RoundDef>,
    ) -> Result<ProcedureDef, ProcedureError> {
        if posts == 0 {
            return Err(spec_err(&id, "职位数须至少为 1", "needs at least one post"));
        }
        if rounds.len() < 2 || rounds.len() > ROUNDS_MAX {
            return Err(spec_err(
                &id,
                &format!("须有 2 至 {ROUNDS_MAX} 轮"),
                &format!("needs 2 to {ROUNDS_MAX} rounds"),
            ));
        }
        if rounds.first().map(|r| r.kind) != Some(RoundKind::Qualification) {
            return Err(spec_err(
                &id,
                "第一轮须为资格审查 (qualification)",
                "the first round must be a qualification",
            ));
        }
        if rounds.last().map(|r| r.kind) != Some(RoundKind::Election) {
            return Err(spec_err(
                &id,
                "最后一轮须为直接选举 (election)",
                "the last round must be an election",
            ));
        }
        let mut ids = std::collections::HashSet::new();
        for (n, r) in rounds.iter().enumerate() {
            if r.id.trim().is_empty() || !ids.insert(r.id.as_str()) {
                return Err(spec_err(
                    &id,
                    &format!("第 {} 轮的 id 为空或重复", n + 1),
                    &format!("round {} has an empty or repeated id", n + 1),
                ));
            }
            match (r.kind.needs_ratio(), r.ratio) {
                (true, None) => {
                    return Err(spec_err(
                        &id,
                        &format!("“{}” 须写明比例 ratio (x:1 的 x)", r.id),
                        &format!("round “{}” needs its ratio (x of x:1)", r.id),
                    ))
                }
                (true, Some(x)) if x < Ratio::integer(1) => {
                    return Err(spec_err(
                        &id,
                        &format!("“{}” 的比例 {x} 小于 1", r.id),
                        &format!("the ratio {x} of round “{}” is below 1", r.id),
                    ))
                }
                (false, Some(_)) => {
                    return Err(spec_err(
                        &id,
                        &format!("“{}” 的比例由其选举项目的规则决定, 不写 ratio", r.id),
                        &format!(
                            "round “{}” takes its ratio from its contest's rules: no ratio",
                            r.id
                        ),
                    ))
                }
                _ => {}
            }
            if r.kind.is_contest() != r.contest.is_some() {
                return Err(spec_err(
                    &id,
                    &format!("“{}”: 测评、推荐和选举轮须有 contest, 其他轮不能有", r.id),
                    &format!(
                        "round “{}”: evaluation, recommendation and election rounds have a contest, the others none",
                        r.id
                    ),
                ));
            }
        }
        Ok(ProcedureDef {
            id,
            title,
            posts,
            rounds,
        })
    }

    pub fn round_index(&self, id: &str) -> Option<usize> {
        self.rounds.iter().position(|r| r.id == id)
    }

    /// The round whose contest is `contest`.
    pub fn round_of_contest(&self, contest: &str) -> Option<usize> {
        self.rounds
            .iter()
            .position(|r| r.contest.as_deref() == Some(contest))
    }
}

impl ProcedureState {
    pub fn start(def: &ProcedureDef) -> ProcedureState {
        ProcedureState {
            done: 0,
            posts: def.posts,
            people: Vec::new(),
            contest_created: false,
        }
    }

    pub fn complete(&self, def: &ProcedureDef) -> bool {
        self.done >= def.rounds.len()
    }
}

/// The outcome of the next round of `def` from `state` with `input`, without changing the
/// state. Refuses a round out of order, data that does not fit the round, and a ratio
/// that is not met.
pub fn step(
    def: &ProcedureDef,
    state: &ProcedureState,
    round: &str,
    input: StepInput<'_>,
) -> Result<StepOutcome, ProcedureError> {
    let Some(r) = def.rounds.get(state.done) else {
        return Err(ProcedureError::Complete(def.id.clone()));
    };
    if r.id != round {
        return Err(ProcedureError::OutOfOrder {
            procedure: def.id.clone(),
            round: round.to_string(),
            expected: r.id.clone(),
        });
    }
    let ratio = r.ratio.unwrap_or(Ratio::integer(1));
    let people_of = |ids: &[String]| -> Result<Vec<Entrant>, ProcedureError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let p = state.people.iter().find(|p| p.id == *id).ok_or_else(|| {
                input_err(
                    &r.id,
                    format!("“{id}” 不在本轮名单中"),
                    format!("“{id}” is not on this round's list"),
                )
            })?;
            if out.iter().any(|q: &Entrant| q.id == *id) {
                return Err(input_err(
                    &r.id,
                    format!("“{id}” 出现两次"),
                    format!("“{id}” appears twice"),
                ));
            }
            out.push(p.clone());
        }
        Ok(out)
    };
    let outcome = match (r.kind, input) {
        (RoundKind::Qualification, StepInput::Qualified(list)) => {
            if list.is_empty() || list.len() > ENTRANTS_MAX {
                return Err(input_err(
                    &r.id,
                    format!("合格名单须为 1 至 {ENTRANTS_MAX} 人"),
                    format!("the qualified list needs 1 to {ENTRANTS_MAX} people"),
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for p in list {
                if p.id.trim().is_empty() || p.name.trim().is_empty() || !seen.insert(&p.id) {
                    return Err(input_err(
                        &r.id,
                        "每人须有不重复的 id 和姓名".into(),
                        "each person needs a name and an id of their own".into(),
                    ));
                }
                // As a contest will list them: a name or id the contest would refuse would
                // stop the chain at the next round.
                for (what, v) in [("candidate id", &p.id), ("candidate name", &p.name)] {
                    if let Err(e) = super::contest::check_name(what, v) {
                        return Err(input_err(&r.id, e.to_string(), e.to_string()));
                    }
                }
                if state.done > 0 && !state.people.iter().any(|q| q.id == p.id) {
                    return Err(input_err(
                        &r.id,
                        format!("“{}” 不在上一轮名单中", p.name),
                        format!("“{}” is not on the previous round's list", p.name),
                    ));
                }
            }
            let q = list.len() as u64;
            let posts = if q >= needed(ratio, state.posts) {
                state.posts
            } else {
                // floor(q / x) = floor(q · den / num)
                let p = u128::from(q) * ratio.den() / ratio.num();
                u32::try_from(p).unwrap_or(u32::MAX).min(state.posts)
            };
            if posts == 0 {
                return Err(ProcedureError::TooFew {
                    round: r.id.clone(),
                    qualified: list.len(),
                    ratio,
                });
            }
            StepOutcome {
                posts,
                people: list.to_vec(),
                widened: false,
            }
        }
        (RoundKind::Interview, StepInput::Scores(scores)) => {
            if scores.len() != state.people.len()
                || state
                    .people
                    .iter()
                    .any(|p| scores.iter().filter(|(id, _)| *id == p.id).count() != 1)
            {
                return Err(input_err(
                    &r.id,
                    "须为本轮名单中每人给出一个得分".into(),
                    "give one score for each person on this round's list".into(),
                ));
            }
            let mut ranked: Vec<(&Entrant, Ratio)> = state
                .people
                .iter()
                .map(|p| {
                    let s = scores
                        .iter()
                        .find(|(id, _)| *id == p.id)
                        .map_or(Ratio::ZERO, |(_, s)| *s);
                    (p, s)
                })
                .collect();
            ranked.sort_by_key(|a| std::cmp::Reverse(a.1));
            let k = usize::try_from(needed(ratio, state.posts)).unwrap_or(usize::MAX);
            let (people, widened) = if ranked.len() <= k {
                (ranked.iter().map(|(p, _)| (*p).clone()).collect(), false)
            } else {
                let last = ranked[k - 1].1;
                let n = ranked.iter().filter(|(_, s)| *s >= last).count();
                (
                    ranked[..n].iter().map(|(p, _)| (*p).clone()).collect(),
                    n > k,
                )
            };
            StepOutcome {
                posts: state.posts,
                people,
                widened,
            }
        }
        (RoundKind::Approval, StepInput::Approved(ids)) => {
            let people = people_of(ids)?;
            let need = needed(ratio, state.posts);
            if (people.len() as u64) < need {
                return Err(ProcedureError::RatioShort {
                    round: r.id.clone(),
                    approved: people.len(),
                    posts: state.posts,
                    ratio,
                    needed: need,
                });
            }
            StepOutcome {
                posts: state.posts,
                people,
                widened: false,
            }
        }
        (kind, StepInput::Passed(ids)) if kind.is_contest() => StepOutcome {
            posts: state.posts,
            people: people_of(ids)?,
            widened: false,
        },
        (kind, _) => {
            return Err(input_err(
                &r.id,
                format!("{} 轮的资料类型不对", kind.label_zh()),
                format!("the data is not of the kind a {} round takes", kind.id()),
            ))
        }
    };
    Ok(outcome)
}

/// Applies a step's outcome: the round is done, its people and posts carry on.
pub fn advance(state: &mut ProcedureState, outcome: StepOutcome) {
    state.done += 1;
    state.posts = outcome.posts;
    state.people = outcome.people;
    state.contest_created = false;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn people(n: usize) -> Vec<Entrant> {
        (1..=n)
            .map(|i| Entrant {
                id: format!("e{i}"),
                name: format!("人选{i}"),
            })
            .collect()
    }

    fn def(posts: u32) -> ProcedureDef {
        let r = |id: &str, kind: RoundKind, ratio: Option<u64>| RoundDef {
            id: id.into(),
            title: id.into(),
            kind,
            ratio: ratio.map(Ratio::integer),
            contest: kind.is_contest().then(|| format!("c-{id}")),
        };
        ProcedureDef::new(
            "p".into(),
            "公推直选".into(),
            posts,
            vec![
                r("qualify", RoundKind::Qualification, Some(3)),
                r("interview", RoundKind::Interview, Some(2)),
                r("evaluate", RoundKind::Evaluation, None),
                r("recommend", RoundKind::Recommendation, None),
                r("approve", RoundKind::Approval, Some(2)),
                r("elect", RoundKind::Election, None),
            ],
        )
        .unwrap()
    }

    /// RULES.md section 4: qualified : posts ≥ 3 : 1, else the posts reduce.
    #[test]
    fn qualification_keeps_or_reduces_the_posts() {
        let d = def(2);
        let s = ProcedureState::start(&d);
        // (qualified, posts after): 6 ≥ 3·2 keeps 2; 5 < 6 reduces to floor(5/3) = 1.
        for (q, posts) in [(6, 2), (7, 2), (5, 1), (3, 1)] {
            let list = people(q);
            let o = step(&d, &s, "qualify", StepInput::Qualified(&list)).unwrap();
            assert_eq!(o.posts, posts, "{q} qualified");
        }
        let list = people(2);
        assert_eq!(
            step(&d, &s, "qualify", StepInput::Qualified(&list))
                .unwrap_err()
                .code(),
            "procedure_too_few"
        );
        assert_eq!(
            step(&d, &s, "interview", StepInput::Qualified(&list))
                .unwrap_err()
                .code(),
            "procedure_order"
        );
    }

    /// A name a contest would refuse is refused at the qualification, not at the contest.
    #[test]
    fn qualification_refuses_names_a_contest_would_refuse() {
        let d = def(1);
        let s = ProcedureState::start(&d);
        let mut list = people(3);
        list[1].name = "名".repeat(500);
        assert_eq!(
            step(&d, &s, "qualify", StepInput::Qualified(&list))
                .unwrap_err()
                .code(),
            "procedure_input"
        );
    }

    /// Interview shortlist at 2 : 1; a tie at the boundary widens it.
    #[test]
    fn interview_shortlists_by_score_and_widens_on_a_boundary_tie() {
        let d = def(2);
        let mut s = ProcedureState::start(&d);
        let list = people(6);
        let o = step(&d, &s, "qualify", StepInput::Qualified(&list)).unwrap();
        advance(&mut s, o);
        let score = |v: &[u64]| -> Vec<(String, Ratio)> {
            v.iter()
                .enumerate()
                .map(|(i, x)| (format!("e{}", i + 1), Ratio::integer(*x)))
                .collect()
        };
        let o = step(
            &d,
            &s,
            "interview",
            StepInput::Scores(&score(&[90, 80, 70, 60, 50, 40])),
        )
        .unwrap();
        let ids: Vec<&str> = o.people.iter().map(|p| p.id.as_str()).collect();
        assert_eq!((ids, o.widened), (vec!["e1", "e2", "e3", "e4"], false));
        let o = step(
            &d,
            &s,
            "interview",
            StepInput::Scores(&score(&[90, 80, 70, 60, 60, 40])),
        )
        .unwrap();
        assert_eq!((o.people.len(), o.widened), (5, true));
        let short = score(&[90, 80]);
        assert_eq!(
            step(&d, &s, "interview", StepInput::Scores(&short))
                .unwrap_err()
                .code(),
            "procedure_input"
        );
    }

    /// Approval of formal candidates at 2 : 1 (at least), from the list only.
    #[test]
    fn approval_needs_the_ratio_and_the_list() {
        let d = def(2);
        let s = ProcedureState {
            done: 4,
            posts: 2,
            people: people(5),
            contest_created: false,
        };
        let ids = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let o = step(
            &d,
            &s,
            "approve",
            StepInput::Approved(&ids(&["e1", "e2", "e3", "e4"])),
        )
        .unwrap();
        assert_eq!(o.people.len(), 4);
        assert_eq!(
            step(
                &d,
                &s,
                "approve",
                StepInput::Approved(&ids(&["e1", "e2", "e3"]))
            )
            .unwrap_err()
            .code(),
            "procedure_ratio"
        );
        assert_eq!(
            step(
                &d,
                &s,
                "approve",
                StepInput::Approved(&ids(&["e1", "e2", "e3", "x9"]))
            )
            .unwrap_err()
            .code(),
            "procedure_input"
        );
        assert_eq!(
            step(
                &d,
                &s,
                "approve",
                StepInput::Passed(&ids(&["e1", "e2", "e3", "e4"]))
            )
            .unwrap_err()
            .code(),
            "procedure_input"
        );
    }

    #[test]
    fn a_procedure_starts_with_a_qualification_and_ends_with_an_election() {
        let r = |kind: RoundKind| RoundDef {
            id: kind.id().into(),
            title: String::new(),
            kind,
            ratio: kind.needs_ratio().then(|| Ratio::integer(2)),
            contest: kind.is_contest().then(|| "c".into()),
        };
        for rounds in [
            vec![r(RoundKind::Interview), r(RoundKind::Election)],
            vec![r(RoundKind::Qualification), r(RoundKind::Approval)],
            vec![r(RoundKind::Qualification)],
        ] {
            assert_eq!(
                ProcedureDef::new("p".into(), String::new(), 1, rounds)
                    .unwrap_err()
                    .code(),
                "procedure_spec"
            );
        }
    }
}
