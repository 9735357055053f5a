//! Contest totals: everything the rules need from a contest's ballots, as counts.
//!
//! With end-to-end encryption the tellers decrypt per-contest totals, never a single ballot,
//! so a contest must be countable from its totals alone. [`ContestTotals`] holds them;
//! [`super::tally::tally_totals`] decides a contest from them, and counting from ballots
//! (`tally_contest`, `tally_election`) is "the totals of the ballots, then the same decision".
//! There is one deciding path, so both give the same result. A hybrid contest adds the totals
//! of its paper ballots ([`ContestTotals::of_ballots`]) to the decrypted electronic totals
//! ([`ContestTotals::checked_add`]).
//!
//! What an encrypted tally can know: `R` (ballots cast); how many of them are void; per listed
//! candidate the votes for and against; each written-in name with its votes; for an
//! evaluation, per evaluator group the valid ballots and per subject the count of each grade.
//!
//! What it cannot know:
//! - Why a ballot is void. The breakdown (`void_reasons`) then stays empty, or covers the
//!   paper ballots only. The result lists the known reasons, then the unexplained rest under
//!   one code, [`VOID_REASON_UNKNOWN`] (`reason_unknown`), so that the reasons still add up to
//!   the void count (`FORMATS.md`: `void_reasons`). Counted from ballots, every reason is
//!   known and `reason_unknown` never appears.
//! - Anything that needs one ballot whole: a name written in twice on one ballot, a party
//!   write-in without a 不赞成 on the same ballot, more marks in favour than seats, every
//!   subject given the same grade, more top grades than the quota. Once ballots are
//!   encrypted and shuffled these cannot be detected in the totals: the kiosk must refuse
//!   such a ballot (or count it void) before it encrypts it, by the same rules
//!   (`ballot::void_reason`, `conduct::check_electronic_ballot`). A write-in that names a
//!   listed candidate is refused by the kiosk too; that one stays visible in the totals, and
//!   [`ContestTotals::check`] rejects totals that hold it.
//!
//! [`ContestTotals::check`] rejects totals that no set of ballots could produce, as far as
//! totals show it (counts beyond the valid ballots or beyond the marks a ballot may carry, a
//! written-in name that is a listed candidate, shapes that do not fit the contest). It tests
//! necessary conditions only: totals that pass it are not thereby proven to come from valid
//! ballots. `tally_totals` runs it and counts no totals that fail it.
//!
//! Architecture invariant: pure, like the rest of `rules`; counts are `u64`, sums that could
//! overflow are taken in `u128` or checked.

use crate::codes::Code;
use std::collections::BTreeMap;

use super::ballot::{evaluation_void_reason, void_reason, Ballot, EvaluationBallot, Mark};
use super::ballot::{CandidateBallot, VoidReason};
use super::contest::Contest;
use super::evaluation::EvaluationSetup;
use super::kind::{ContestKind, WriteIns};

/// The void-reason code for void ballots whose reason is not known (an encrypted tally
/// knows how many ballots were void, not why). Listed after the known reasons.
pub const VOID_REASON_UNKNOWN: &str = "reason_unknown";

/// The void-reason code of a ballot of the wrong shape for its contest.
const WRONG_SHAPE: &str = "wrong_shape";

/// Votes for and against one listed candidate. Abstentions are `valid − for − against`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CandidateMarks {
    /// 赞成.
    pub votes_for: u64,
    /// 反对 / 不赞成.
    pub against: u64,
}

/// The valid ballots of a candidate contest, as counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CandidateTotals {
    /// One entry per listed candidate, in the contest's candidate order.
    pub candidates: Vec<CandidateMarks>,
    /// Written-in name (另选他人) → votes for that person. A name with no votes is ignored.
    pub write_ins: BTreeMap<String, u64>,
}

/// The ballots of one evaluator group (or of no group), as counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupTotals {
    /// Valid ballots of the group: the denominator of its rates.
    pub valid: u64,
    /// Void evaluation ballots of the group.
    pub void: u64,
    /// One entry per subject, in the setup's subject order: how many valid ballots gave each
    /// grade, best first. Unrated is `valid − Σ grades`.
    pub grades: Vec<[u64; 4]>,
    /// A rated-score evaluation: one histogram per subject (score → valid ballots that gave
    /// it). Empty in a graded evaluation.
    pub scores: Vec<BTreeMap<u32, u64>>,
}

/// The evaluation ballots of an evaluation contest, as counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvaluationTotals {
    /// One entry per evaluator group, in the setup's group order.
    pub groups: Vec<GroupTotals>,
    /// Ballots of no group: every ballot of a contest without groups. The pooled figures of
    /// a subject are the sum of `groups` and `ungrouped`.
    pub ungrouped: GroupTotals,
}

impl EvaluationTotals {
    /// Zero totals shaped like `setup`.
    pub fn empty(setup: &EvaluationSetup) -> EvaluationTotals {
        let group = GroupTotals {
            valid: 0,
            void: 0,
            grades: vec![[0; 4]; setup.subjects.len()],
            scores: match setup.score {
                Some(_) => vec![BTreeMap::new(); setup.subjects.len()],
                None => Vec::new(),
            },
        };
        EvaluationTotals {
            groups: vec![group.clone(); setup.groups.len()],
            ungrouped: group,
        }
    }

    /// Counts one evaluation ballot in its group; returns why it is void, if it is.
    pub fn add_ballot(
        &mut self,
        setup: &EvaluationSetup,
        ballot: &EvaluationBallot,
    ) -> Option<VoidReason> {
        let group = match ballot.group.and_then(|g| self.groups.get_mut(g)) {
            Some(g) => g,
            None => &mut self.ungrouped,
        };
        if let Some(reason) = evaluation_void_reason(setup, ballot) {
            group.void += 1;
            return Some(reason);
        }
        group.valid += 1;
        for &(s, grade) in &ballot.ratings {
            if let Some(count) = group.grades.get_mut(s).and_then(|g| g.get_mut(grade)) {
                *count += 1;
            }
        }
        for &(s, score) in &ballot.scores {
            if let Some(h) = group.scores.get_mut(s) {
                *h.entry(score).or_default() += 1;
            }
        }
        None
    }

    /// Every group and the ungrouped ballots.
    pub fn all(&self) -> impl Iterator<Item = &GroupTotals> {
        self.groups.iter().chain(std::iter::once(&self.ungrouped))
    }

    /// Valid evaluation ballots over every group.
    pub fn valid(&self) -> u64 {
        self.all().fold(0u64, |n, g| n.saturating_add(g.valid))
    }

    /// Void evaluation ballots over every group (ballots of the wrong shape are not here).
    pub fn void(&self) -> u64 {
        self.all().fold(0u64, |n, g| n.saturating_add(g.void))
    }
}

impl CandidateTotals {
    /// Zero totals shaped like `contest`.
    pub fn empty(contest: &Contest) -> CandidateTotals {
        CandidateTotals {
            candidates: vec![CandidateMarks::default(); contest.candidates().len()],
            write_ins: BTreeMap::new(),
        }
    }

    /// Counts one candidate ballot; returns why it is void, if it is (then nothing is
    /// counted here).
    pub fn add_ballot(
        &mut self,
        contest: &Contest,
        ballot: &CandidateBallot,
    ) -> Option<VoidReason> {
        if let Some(reason) = void_reason(contest, ballot) {
            return Some(reason);
        }
        for &(i, mark) in &ballot.marks {
            let Some(c) = self.candidates.get_mut(i) else {
                continue;
            };
            match mark {
                Mark::For => c.votes_for += 1,
                Mark::Against => c.against += 1,
                Mark::Abstain => {}
            }
        }
        for w in &ballot.write_ins {
            match self.write_ins.get_mut(w.as_str()) {
                Some(votes) => *votes += 1,
                None => {
                    self.write_ins.insert(w.clone(), 1);
                }
            }
        }
        None
    }
}

/// The counts of a contest, by the shape of its ballots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Counts {
    Candidates(CandidateTotals),
    Evaluation(EvaluationTotals),
}

/// Everything the rules need from the ballots of one contest.
///
/// Invariant (checked by [`ContestTotals::check`], which `tally_totals` runs): `void ≤
/// returned`; the reasons add up to at most `void`; the counts have the contest's shape; no
/// count exceeds the valid ballots it is drawn from. For an evaluation, the groups' valid
/// ballots add up to `returned − void`, and void ballots beyond the groups' are ballots of
/// the wrong shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestTotals {
    /// `R`: ballots returned (cast) for the contest, valid or void.
    pub returned: u64,
    /// Void ballots (作废票) among them, of any shape.
    pub void: u64,
    /// Why, where known: reason code → ballots. Empty from an encrypted tally.
    pub void_reasons: BTreeMap<&'static str, u64>,
    pub counts: Counts,
}

/// Why totals cannot be added or cannot be counted for a contest. Each variant has a stable
/// [`TotalsError::code`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("两份总数一份是候选人选票, 一份是测评票, 不能相加 / The totals cannot be added: one counts candidate ballots, the other evaluation ballots.")]
    KindsDiffer,
    #[error("两份总数的{what_zh}数不同 ({left} 与 {right}), 不能相加 / The totals cannot be added: they have {left} and {right} {what_en}.")]
    ShapesDiffer {
        what_zh: &'static str,
        what_en: &'static str,
        left: usize,
        right: usize,
    },
    #[error("两份总数相加溢出 / Adding the totals overflows a count.")]
    Overflow,
    #[error("选举项目 “{contest}” 的总数形状不符 (应为{expected_zh}) / The totals of contest “{contest}” do not have its shape ({expected_en} expected).")]
    WrongKind {
        contest: String,
        expected_zh: &'static str,
        expected_en: &'static str,
    },
    #[error("选举项目 “{contest}” 有 {expected} 个{what_zh}, 总数中有 {found} 个 / Contest “{contest}” has {expected} {what_en}, its totals {found}.")]
    WrongCount {
        contest: String,
        what_zh: &'static str,
        what_en: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("选举项目 “{contest}”: 废票 {void} 张多于收回选票 {returned} 张 / Contest “{contest}”: {void} void ballots exceed the {returned} returned.")]
    VoidExceedsReturned {
        contest: String,
        void: u64,
        returned: u64,
    },
    #[error("选举项目 “{contest}”: 列明原因的废票 {reasons} 张多于废票 {void} 张 / Contest “{contest}”: void reasons account for {reasons} ballots, more than the {void} void ballots they explain.")]
    ReasonsExceedVoid {
        contest: String,
        reasons: u128,
        void: u64,
    },
    #[error("选举项目 “{contest}”: 候选人 “{candidate}” 赞成 {votes_for} 票加反对 {against} 票多于有效票 {valid} 张 / Contest “{contest}”: candidate “{candidate}” has {votes_for} for and {against} against, more than the {valid} valid ballots.")]
    MarksExceedValid {
        contest: String,
        candidate: String,
        votes_for: u64,
        against: u64,
        valid: u64,
    },
    #[error("选举项目 “{contest}”: 另选的 “{name}” 是候选人 (投票机应拒绝此类选票) / Contest “{contest}”: the write-in “{name}” is a listed candidate (the kiosk refuses such ballots).")]
    WriteInIsCandidate { contest: String, name: String },
    #[error("选举项目 “{contest}”: 另选的 “{name}” 得 {votes} 票, 多于有效票 {valid} 张 / Contest “{contest}”: the write-in “{name}” has {votes} votes, more than the {valid} valid ballots.")]
    WriteInExceedsValid {
        contest: String,
        name: String,
        votes: u64,
        valid: u64,
    },
    #[error("选举项目 “{contest}”: 赞成与另选共 {marks} 票, 多于有效票 {valid} 张每张最多 {limit} 票 / Contest “{contest}”: {marks} marks in favour exceed {valid} valid ballots of at most {limit} each.")]
    MarksExceedLimit {
        contest: String,
        marks: u128,
        valid: u64,
        limit: u32,
    },
    #[error("选举项目 “{contest}”: 另选 {write_ins} 人, 多于不赞成票 {against} 张 (每个另选须有一个不赞成) / Contest “{contest}”: {write_ins} write-ins exceed the {against} 不赞成 marks (each write-in needs one).")]
    WriteInsExceedAgainst {
        contest: String,
        write_ins: u128,
        against: u128,
    },
    #[error("测评项目 “{contest}”: 各组有效票共 {groups} 张, 但收回选票减废票为 {valid} 张 / Evaluation “{contest}”: the groups hold {groups} valid ballots, but returned minus void is {valid}.")]
    GroupsValidMismatch {
        contest: String,
        groups: u128,
        valid: u64,
    },
    #[error("测评项目 “{contest}”: 各组废票共 {groups} 张, 多于废票 {void} 张 / Evaluation “{contest}”: the groups hold {groups} void ballots, more than the {void} void in all.")]
    GroupsVoidExceedsVoid {
        contest: String,
        groups: u128,
        void: u64,
    },
    #[error("测评项目 “{contest}”, 测评组 “{group}”: 对象 “{subject}” 的评价共 {rated} 票, 多于该组有效票 {valid} 张 / Evaluation “{contest}”, group “{group}”: subject “{subject}” has {rated} grades, more than the group's {valid} valid ballots.")]
    GradesExceedValid {
        contest: String,
        group: String,
        subject: String,
        rated: u128,
        valid: u64,
    },
    #[error("测评项目 “{contest}”, 测评组 “{group}”, 对象 “{subject}”: 得分 {score} 超过最高分 {max} / Evaluation “{contest}”, group “{group}”, subject “{subject}”: a score of {score} exceeds the top score {max}.")]
    ScoreOutOfRange {
        contest: String,
        group: String,
        subject: String,
        score: u32,
        max: u32,
    },
    #[error("测评项目 “{contest}”, 测评组 “{group}”: 最高等次共 {top} 票, 多于有效票 {valid} 张每张最多 {limit} 票 / Evaluation “{contest}”, group “{group}”: {top} top grades exceed {valid} valid ballots of at most {limit} each.")]
    ExcellentOverQuota {
        contest: String,
        group: String,
        top: u128,
        valid: u64,
        limit: u64,
    },
}

impl TotalsError {
    /// The stable error code scripts match on.
    pub fn code(&self) -> Code {
        match self {
            TotalsError::KindsDiffer => Code::TotalsKindsDiffer,
            TotalsError::ShapesDiffer { .. } => Code::TotalsShapesDiffer,
            TotalsError::Overflow => Code::TotalsOverflow,
            TotalsError::WrongKind { .. } => Code::TotalsWrongKind,
            TotalsError::WrongCount { .. } => Code::TotalsWrongCount,
            TotalsError::VoidExceedsReturned { .. } => Code::TotalsVoidExceedsReturned,
            TotalsError::ReasonsExceedVoid { .. } => Code::TotalsVoidReasonsExceedVoid,
            TotalsError::MarksExceedValid { .. } => Code::TotalsMarksExceedValid,
            TotalsError::WriteInIsCandidate { .. } => Code::TotalsWriteInIsCandidate,
            TotalsError::WriteInExceedsValid { .. } => Code::TotalsWriteInExceedsValid,
            TotalsError::MarksExceedLimit { .. } => Code::TotalsMarksExceedLimit,
            TotalsError::WriteInsExceedAgainst { .. } => Code::TotalsWriteInsExceedAgainst,
            TotalsError::GroupsValidMismatch { .. } => Code::TotalsGroupsValidMismatch,
            TotalsError::GroupsVoidExceedsVoid { .. } => Code::TotalsGroupsVoidExceedsVoid,
            TotalsError::GradesExceedValid { .. } => Code::TotalsGradesExceedValid,
            TotalsError::ExcellentOverQuota { .. } => Code::TotalsExcellentOverQuota,
            TotalsError::ScoreOutOfRange { .. } => Code::TotalsScoreOutOfRange,
        }
    }
}

impl ContestTotals {
    /// Zero totals shaped like `contest`: no ballot returned.
    pub fn empty(contest: &Contest) -> ContestTotals {
        ContestTotals {
            returned: 0,
            void: 0,
            void_reasons: BTreeMap::new(),
            counts: match contest.evaluation() {
                Some(setup) => Counts::Evaluation(EvaluationTotals::empty(setup)),
                None => Counts::Candidates(CandidateTotals::empty(contest)),
            },
        }
    }

    /// The totals of `ballots`, with every void ballot's reason. A ballot of the wrong shape
    /// for the contest is void (`wrong_shape`); an evaluation ballot counts in its group, or
    /// as ungrouped when it names none (or a group the setup does not have). Ballot order
    /// does not matter.
    pub fn of_ballots(contest: &Contest, ballots: &[Ballot]) -> ContestTotals {
        let mut totals = ContestTotals::empty(contest);
        for ballot in ballots {
            totals.returned += 1;
            let reason = match (&mut totals.counts, ballot, contest.evaluation()) {
                (Counts::Candidates(c), Ballot::Candidates(b), _) => c.add_ballot(contest, b),
                (Counts::Evaluation(e), Ballot::Evaluation(b), Some(setup)) => {
                    e.add_ballot(setup, b)
                }
                _ => Some(VoidReason::WrongShape),
            };
            if let Some(reason) = reason {
                totals.void += 1;
                *totals
                    .void_reasons
                    .entry(reason.code().as_str())
                    .or_default() += 1;
            }
        }
        totals
    }

    /// `returned − void`.
    pub fn valid(&self) -> u64 {
        self.returned.saturating_sub(self.void)
    }

    /// The sum of two totals of one contest (the paper ballots of a hybrid contest added to
    /// its decrypted electronic totals). Refuses totals of different shapes, and overflow.
    pub fn checked_add(&self, other: &ContestTotals) -> Result<ContestTotals, TotalsError> {
        let add = |a: u64, b: u64| a.checked_add(b).ok_or(TotalsError::Overflow);
        let mut void_reasons = self.void_reasons.clone();
        for (code, n) in &other.void_reasons {
            let entry = void_reasons.entry(*code).or_default();
            *entry = add(*entry, *n)?;
        }
        let counts = match (&self.counts, &other.counts) {
            (Counts::Candidates(a), Counts::Candidates(b)) => {
                same_len(
                    "候选人",
                    "candidates",
                    a.candidates.len(),
                    b.candidates.len(),
                )?;
                let candidates = a
                    .candidates
                    .iter()
                    .zip(&b.candidates)
                    .map(|(x, y)| {
                        Ok(CandidateMarks {
                            votes_for: add(x.votes_for, y.votes_for)?,
                            against: add(x.against, y.against)?,
                        })
                    })
                    .collect::<Result<Vec<_>, TotalsError>>()?;
                let mut write_ins = a.write_ins.clone();
                for (name, n) in &b.write_ins {
                    let entry = write_ins.entry(name.clone()).or_default();
                    *entry = add(*entry, *n)?;
                }
                Counts::Candidates(CandidateTotals {
                    candidates,
                    write_ins,
                })
            }
            (Counts::Evaluation(a), Counts::Evaluation(b)) => {
                same_len("测评组", "groups", a.groups.len(), b.groups.len())?;
                let groups = a
                    .groups
                    .iter()
                    .zip(&b.groups)
                    .map(|(x, y)| add_groups(x, y))
                    .collect::<Result<Vec<_>, TotalsError>>()?;
                Counts::Evaluation(EvaluationTotals {
                    groups,
                    ungrouped: add_groups(&a.ungrouped, &b.ungrouped)?,
                })
            }
            _ => return Err(TotalsError::KindsDiffer),
        };
        Ok(ContestTotals {
            returned: add(self.returned, other.returned)?,
            void: add(self.void, other.void)?,
            void_reasons,
            counts,
        })
    }

    /// Refuses totals that no set of ballots of `contest` could produce, as far as totals
    /// show it (necessary conditions only; see the module documentation).
    pub fn check(&self, contest: &Contest) -> Result<(), TotalsError> {
        if self.void > self.returned {
            return Err(TotalsError::VoidExceedsReturned {
                contest: contest.id().clone(),
                void: self.void,
                returned: self.returned,
            });
        }
        let reasons = sum(self.void_reasons.values().copied());
        if reasons > u128::from(self.void) {
            return Err(TotalsError::ReasonsExceedVoid {
                contest: contest.id().clone(),
                reasons,
                void: self.void,
            });
        }
        match (&self.counts, contest.evaluation()) {
            (Counts::Candidates(c), None) => check_candidates(contest, c, self.valid()),
            (Counts::Evaluation(e), Some(setup)) => self.check_evaluation(contest, setup, e),
            (_, None) => Err(TotalsError::WrongKind {
                contest: contest.id().clone(),
                expected_zh: "候选人选票",
                expected_en: "candidate ballots",
            }),
            (_, Some(_)) => Err(TotalsError::WrongKind {
                contest: contest.id().clone(),
                expected_zh: "测评票",
                expected_en: "evaluation ballots",
            }),
        }
    }

    fn check_evaluation(
        &self,
        contest: &Contest,
        setup: &EvaluationSetup,
        e: &EvaluationTotals,
    ) -> Result<(), TotalsError> {
        let id = || contest.id().clone();
        if e.groups.len() != setup.groups.len() {
            return Err(TotalsError::WrongCount {
                contest: id(),
                what_zh: "测评组",
                what_en: "evaluator groups",
                expected: setup.groups.len(),
                found: e.groups.len(),
            });
        }
        let groups_valid = sum(e.all().map(|g| g.valid));
        if groups_valid != u128::from(self.valid()) {
            return Err(TotalsError::GroupsValidMismatch {
                contest: id(),
                groups: groups_valid,
                valid: self.valid(),
            });
        }
        // Void evaluation ballots sit in their groups; the rest of `void` is of the wrong
        // shape, and the reasons must fit each part.
        let groups_void = sum(e.all().map(|g| g.void));
        if groups_void > u128::from(self.void) {
            return Err(TotalsError::GroupsVoidExceedsVoid {
                contest: id(),
                groups: groups_void,
                void: self.void,
            });
        }
        let wrong_shape = u128::from(self.void) - groups_void;
        let (shape_reasons, other_reasons): (Vec<_>, Vec<_>) = self
            .void_reasons
            .iter()
            .partition(|(code, _)| **code == WRONG_SHAPE);
        let shape_reasons = sum(shape_reasons.into_iter().map(|(_, n)| *n));
        let other_reasons = sum(other_reasons.into_iter().map(|(_, n)| *n));
        if shape_reasons > wrong_shape {
            return Err(TotalsError::ReasonsExceedVoid {
                contest: id(),
                reasons: shape_reasons,
                void: u64::try_from(wrong_shape).unwrap_or(u64::MAX),
            });
        }
        if other_reasons > groups_void {
            return Err(TotalsError::ReasonsExceedVoid {
                contest: id(),
                reasons: other_reasons,
                void: u64::try_from(groups_void).unwrap_or(u64::MAX),
            });
        }
        let limit = setup.excellent_limit();
        for (g, group) in e.all().enumerate() {
            let group_id = || match setup.groups.get(g) {
                Some(x) => x.id.clone(),
                None => "-".to_string(),
            };
            if group.grades.len() != setup.subjects.len() {
                return Err(TotalsError::WrongCount {
                    contest: id(),
                    what_zh: "测评对象",
                    what_en: "subjects",
                    expected: setup.subjects.len(),
                    found: group.grades.len(),
                });
            }
            let scored = match setup.score {
                Some(_) => setup.subjects.len(),
                None => 0,
            };
            if group.scores.len() != scored {
                return Err(TotalsError::WrongCount {
                    contest: id(),
                    what_zh: "打分对象",
                    what_en: "scored subjects",
                    expected: scored,
                    found: group.scores.len(),
                });
            }
            let subject_id = |s: usize| {
                setup
                    .subjects
                    .get(s)
                    .map(|x| x.id.clone())
                    .unwrap_or_default()
            };
            let max = setup.score.map_or(0, |r| r.max);
            for (s, h) in group.scores.iter().enumerate() {
                if let Some(score) = h.keys().copied().find(|v| *v > max) {
                    return Err(TotalsError::ScoreOutOfRange {
                        contest: id(),
                        group: group_id(),
                        subject: subject_id(s),
                        score,
                        max,
                    });
                }
            }
            // A subject is rated by grades or by scores (the other is empty or zero): either
            // way no more often than the group has valid ballots.
            for s in 0..setup.subjects.len() {
                let rated = group.grades.get(s).map_or(0, |g| sum(g.iter().copied()))
                    + group.scores.get(s).map_or(0, |h| sum(h.values().copied()));
                if rated > u128::from(group.valid) {
                    return Err(TotalsError::GradesExceedValid {
                        contest: id(),
                        group: group_id(),
                        subject: subject_id(s),
                        rated,
                        valid: group.valid,
                    });
                }
            }
            if let Some(limit) = limit {
                let top = sum(group.grades.iter().map(|grades| grades[0]));
                if top > u128::from(group.valid) * u128::from(limit) {
                    return Err(TotalsError::ExcellentOverQuota {
                        contest: id(),
                        group: group_id(),
                        top,
                        valid: group.valid,
                        limit,
                    });
                }
            }
        }
        Ok(())
    }

    /// The void reasons a result reports: the known ones in code order, then the unexplained
    /// rest as [`VOID_REASON_UNKNOWN`]. They add up to `void` when the totals are consistent.
    pub fn reported_void_reasons(&self) -> Vec<(&'static str, u64)> {
        with_unknown_rest(self.void_reasons.iter().map(|(c, n)| (*c, *n)), self.void)
    }

    /// The void reasons of the evaluation ballots alone (every reason but `wrong_shape`),
    /// with the unexplained rest of `evaluation_void`.
    pub(crate) fn evaluation_void_reasons(&self, evaluation_void: u64) -> Vec<(&'static str, u64)> {
        with_unknown_rest(
            self.void_reasons
                .iter()
                .filter(|(c, _)| **c != WRONG_SHAPE)
                .map(|(c, n)| (*c, *n)),
            evaluation_void,
        )
    }
}

/// `known`, then `(VOID_REASON_UNKNOWN, void − Σ known)` when that is positive.
fn with_unknown_rest(
    known: impl Iterator<Item = (&'static str, u64)>,
    void: u64,
) -> Vec<(&'static str, u64)> {
    let mut reasons: Vec<(&'static str, u64)> = known.filter(|(_, n)| *n > 0).collect();
    let explained = sum(reasons.iter().map(|(_, n)| *n));
    let rest = u128::from(void).saturating_sub(explained);
    if rest > 0 {
        reasons.push((VOID_REASON_UNKNOWN, u64::try_from(rest).unwrap_or(u64::MAX)));
    }
    reasons
}

fn check_candidates(
    contest: &Contest,
    totals: &CandidateTotals,
    valid: u64,
) -> Result<(), TotalsError> {
    let id = || contest.id().clone();
    if totals.candidates.len() != contest.candidates().len() {
        return Err(TotalsError::WrongCount {
            contest: id(),
            what_zh: "候选人",
            what_en: "candidates",
            expected: contest.candidates().len(),
            found: totals.candidates.len(),
        });
    }
    for (marks, candidate) in totals.candidates.iter().zip(contest.candidates()) {
        if u128::from(marks.votes_for) + u128::from(marks.against) > u128::from(valid) {
            return Err(TotalsError::MarksExceedValid {
                contest: id(),
                candidate: candidate.id.clone(),
                votes_for: marks.votes_for,
                against: marks.against,
                valid,
            });
        }
    }
    for (name, votes) in &totals.write_ins {
        if *votes == 0 {
            continue;
        }
        // A valid ballot never names a listed candidate, nor a person twice.
        if contest.candidates().iter().any(|c| c.name == *name) {
            return Err(TotalsError::WriteInIsCandidate {
                contest: id(),
                name: name.clone(),
            });
        }
        if *votes > valid {
            return Err(TotalsError::WriteInExceedsValid {
                contest: id(),
                name: name.clone(),
                votes: *votes,
                valid,
            });
        }
    }
    // EL Art. 44; 1990 BER Art. 20: a valid ballot has at most `limit` marks in favour.
    let write_ins = sum(totals.write_ins.values().copied());
    let marks = sum(totals.candidates.iter().map(|c| c.votes_for)) + write_ins;
    let limit = if contest.kind() == ContestKind::Recommendation {
        contest.max_marks()
    } else {
        contest.seats()
    };
    if marks > u128::from(valid) * u128::from(limit) {
        return Err(TotalsError::MarksExceedLimit {
            contest: id(),
            marks,
            valid,
            limit,
        });
    }
    // BER Art. 25 (1990): each party write-in needs a 不赞成 on the same ballot.
    let against = sum(totals.candidates.iter().map(|c| c.against));
    if contest.kind().write_ins() == WriteIns::PerAgainst && write_ins > against {
        return Err(TotalsError::WriteInsExceedAgainst {
            contest: id(),
            write_ins,
            against,
        });
    }
    Ok(())
}

fn same_len(
    what_zh: &'static str,
    what_en: &'static str,
    left: usize,
    right: usize,
) -> Result<(), TotalsError> {
    if left == right {
        Ok(())
    } else {
        Err(TotalsError::ShapesDiffer {
            what_zh,
            what_en,
            left,
            right,
        })
    }
}

fn add_groups(a: &GroupTotals, b: &GroupTotals) -> Result<GroupTotals, TotalsError> {
    let add = |x: u64, y: u64| x.checked_add(y).ok_or(TotalsError::Overflow);
    same_len("测评对象", "subjects", a.grades.len(), b.grades.len())?;
    let grades = a
        .grades
        .iter()
        .zip(&b.grades)
        .map(|(x, y)| {
            Ok([
                add(x[0], y[0])?,
                add(x[1], y[1])?,
                add(x[2], y[2])?,
                add(x[3], y[3])?,
            ])
        })
        .collect::<Result<Vec<_>, TotalsError>>()?;
    same_len(
        "打分对象",
        "scored subjects",
        a.scores.len(),
        b.scores.len(),
    )?;
    let scores = a
        .scores
        .iter()
        .zip(&b.scores)
        .map(|(x, y)| {
            let mut h = x.clone();
            for (v, n) in y {
                let e = h.entry(*v).or_default();
                *e = add(*e, *n)?;
            }
            Ok(h)
        })
        .collect::<Result<Vec<_>, TotalsError>>()?;
    Ok(GroupTotals {
        valid: add(a.valid, b.valid)?,
        void: add(a.void, b.void)?,
        grades,
        scores,
    })
}

/// A sum that cannot overflow for fewer than 2^64 terms.
fn sum(values: impl Iterator<Item = u64>) -> u128 {
    values.map(u128::from).sum()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::rules::contest::{Candidate, ContestParams, Turnout};
    use crate::rules::evaluation::{EvaluationParams, Group, Scale, Subject};
    use crate::rules::ratio::Ratio;
    use crate::rules::tally::{tally_contest, tally_totals, Status};
    use crate::rules::CandidateBallot;

    const NAMES: [&str; 5] = ["张三", "李四", "王五", "赵六", "钱七"];

    /// A contest of `kind` listing the first `listed` of [`NAMES`] (ids c0, c1, ...).
    fn contest(kind: ContestKind, seats: u32, listed: usize) -> Contest {
        Contest::new(ContestParams {
            id: "x".into(),
            kind: Some(kind),
            seats,
            candidates: NAMES[..listed]
                .iter()
                .enumerate()
                .map(|(i, n)| Candidate {
                    id: format!("c{i}"),
                    name: n.to_string(),
                    attributes: Default::default(),
                })
                .collect(),
            turnout: Some(Turnout {
                eligible: 100,
                present: 100,
                issued: 100,
            }),
            ..ContestParams::default()
        })
        .unwrap()
    }

    /// An evaluation of three subjects, two weighted groups, at most one 优秀 per ballot.
    fn evaluation() -> Contest {
        let subject = |id: &str| Subject {
            id: id.into(),
            name: id.into(),
        };
        let group = |id: &str, w: u64| Group {
            id: id.into(),
            title: id.into(),
            weight: Some(Ratio::integer(w)),
        };
        Contest::new(ContestParams {
            id: "e".into(),
            kind: Some(ContestKind::Evaluation),
            seats: 1,
            turnout: Some(Turnout {
                eligible: 100,
                present: 100,
                issued: 100,
            }),
            evaluation: Some(EvaluationParams {
                scale: Some(Scale::Individual),
                subjects: vec![subject("s"), subject("t"), subject("u")],
                groups: vec![group("leaders", 2), group("staff", 3)],
                excellent_quota: Some(Ratio::of_counts(1, 3)),
                ..EvaluationParams::default()
            }),
            ..ContestParams::default()
        })
        .unwrap()
    }

    fn ballot(marks: &[(usize, Mark)], write_ins: &[&str]) -> Ballot {
        Ballot::Candidates(CandidateBallot {
            marks: marks.to_vec(),
            write_ins: write_ins.iter().map(|w| w.to_string()).collect(),
        })
    }

    fn rated(group: usize, ratings: &[(usize, usize)]) -> Ballot {
        Ballot::Evaluation(EvaluationBallot {
            group: Some(group),
            ratings: ratings.to_vec(),
            scores: Vec::new(),
        })
    }

    fn candidates(t: &mut ContestTotals) -> &mut CandidateTotals {
        match &mut t.counts {
            Counts::Candidates(c) => c,
            Counts::Evaluation(_) => panic!("candidate totals expected"),
        }
    }

    fn groups(t: &mut ContestTotals) -> &mut EvaluationTotals {
        match &mut t.counts {
            Counts::Evaluation(e) => e,
            Counts::Candidates(_) => panic!("evaluation totals expected"),
        }
    }

    /// Seven party-committee ballots, all valid: 4 seats, 5 listed, one write-in with its
    /// 不赞成.
    fn party_totals(c: &Contest) -> ContestTotals {
        let mut ballots = vec![ballot(&[(0, Mark::For), (1, Mark::Against)], &["孙八"]); 3];
        ballots.extend(vec![ballot(&[(2, Mark::For), (3, Mark::For)], &[]); 4]);
        let t = ContestTotals::of_ballots(c, &ballots);
        assert_eq!(t.check(c), Ok(()));
        t
    }

    /// Six evaluation ballots, all valid, 3 per group.
    fn evaluation_totals(c: &Contest) -> ContestTotals {
        let mut ballots = vec![rated(0, &[(0, 0), (1, 1)]); 3];
        ballots.extend(vec![rated(1, &[(0, 1), (2, 3)]); 3]);
        let t = ContestTotals::of_ballots(c, &ballots);
        assert_eq!(t.check(c), Ok(()));
        t
    }

    /// The code `check` answers after `change` on valid totals.
    fn check(
        contest: &Contest,
        valid: fn(&Contest) -> ContestTotals,
        change: fn(&mut ContestTotals),
        expected: &str,
    ) {
        let mut t = valid(contest);
        change(&mut t);
        let e = t.check(contest).unwrap_err();
        assert_eq!(e.code(), expected, "{e}");
        // Such totals are never counted: the round is invalid and no one is elected.
        let r = tally_totals(0, contest, &t);
        assert!(!r.valid);
        assert!(r.problems.iter().any(|p| p.code == "totals_inconsistent"));
        assert!(r.elected.is_empty());
    }

    #[test]
    fn candidate_totals_that_no_ballots_give_are_refused() {
        let c = contest(ContestKind::PartyCommittee, 4, 5);
        // EL Art. 44: void ballots are among the returned ones.
        check(
            &c,
            party_totals,
            |t| t.void = t.returned + 1,
            "totals_void_exceeds_returned",
        );
        // The breakdown of void ballots explains at most the void ballots.
        check(
            &c,
            party_totals,
            |t| {
                t.void = 1;
                t.void_reasons.insert("over_marked", 2);
            },
            "totals_void_reasons_exceed_void",
        );
        // One mark per listed candidate per valid ballot (7 valid).
        check(
            &c,
            party_totals,
            |t| candidates(t).candidates[0].against = 5,
            "totals_marks_exceed_valid",
        );
        // A write-in that names a listed candidate voids its ballot.
        check(
            &c,
            party_totals,
            |t| {
                candidates(t).write_ins.insert("王五".into(), 1);
            },
            "totals_write_in_is_candidate",
        );
        // A person written in twice on one ballot voids it: at most one vote per ballot.
        check(
            &c,
            party_totals,
            |t| {
                candidates(t).write_ins.insert("孙八".into(), 8);
            },
            "totals_write_in_exceeds_valid",
        );
        // EL Art. 44; 1990 BER Art. 20: at most `seats` marks in favour per ballot (7 · 4).
        check(
            &c,
            party_totals,
            |t| {
                let w = candidates(t);
                for m in &mut w.candidates {
                    m.votes_for = 7;
                    m.against = 0;
                }
                w.write_ins.clear();
            },
            "totals_marks_exceed_limit",
        );
        // BER Art. 25 (1990): each party write-in needs a 不赞成 on the same ballot.
        check(
            &c,
            party_totals,
            |t| candidates(t).candidates[1].against = 2,
            "totals_write_ins_exceed_against",
        );
        check(
            &c,
            party_totals,
            |t| {
                candidates(t).candidates.pop();
            },
            "totals_wrong_count",
        );
        check(
            &c,
            party_totals,
            |t| t.counts = Counts::Evaluation(EvaluationTotals::default()),
            "totals_wrong_kind",
        );
    }

    #[test]
    fn evaluation_totals_that_no_ballots_give_are_refused() {
        let c = evaluation();
        // Every valid ballot belongs to a group (or to none): they add up to R − void.
        check(
            &c,
            evaluation_totals,
            |t| groups(t).groups[0].valid += 1,
            "totals_groups_valid_mismatch",
        );
        check(
            &c,
            evaluation_totals,
            |t| groups(t).groups[1].void = 1,
            "totals_groups_void_exceeds_void",
        );
        // A void evaluation ballot has no reason `wrong_shape`.
        check(
            &c,
            evaluation_totals,
            |t| {
                t.returned += 1;
                t.void += 1;
                groups(t).groups[0].void = 1;
                t.void_reasons.insert("wrong_shape", 1);
            },
            "totals_void_reasons_exceed_void",
        );
        // RULES.md section 3: one grade per subject per valid ballot (3 per group).
        check(
            &c,
            evaluation_totals,
            |t| groups(t).groups[0].grades[1][3] = 1,
            "totals_grades_exceed_valid",
        );
        // The 优秀 quota: floor(3 · 1/3) = 1 top grade per ballot, 3 ballots.
        check(
            &c,
            evaluation_totals,
            |t| {
                let g = &mut groups(t).groups[0];
                g.grades[1] = [3, 0, 0, 0];
                g.grades[2] = [1, 0, 0, 0];
            },
            "totals_excellent_over_quota",
        );
        check(
            &c,
            evaluation_totals,
            |t| {
                groups(t).groups.pop();
            },
            "totals_wrong_count",
        );
        check(
            &c,
            evaluation_totals,
            |t| {
                groups(t).ungrouped.grades.pop();
            },
            "totals_wrong_count",
        );
        check(
            &c,
            evaluation_totals,
            |t| t.counts = Counts::Candidates(CandidateTotals::default()),
            "totals_wrong_kind",
        );
    }

    #[test]
    fn of_ballots_records_every_void_ballot_with_its_reason() {
        let c = contest(ContestKind::PartyCommittee, 4, 5);
        let ballots = [
            ballot(&[(0, Mark::For)], &[]),
            // BER Art. 25 (1990): a write-in without a 不赞成.
            ballot(&[(0, Mark::For)], &["孙八"]),
            // EL Art. 44: five marks in favour for four seats.
            ballot(
                &[
                    (0, Mark::For),
                    (1, Mark::For),
                    (2, Mark::For),
                    (3, Mark::For),
                    (4, Mark::For),
                ],
                &[],
            ),
            rated(0, &[(0, 0)]),
        ];
        let t = ContestTotals::of_ballots(&c, &ballots);
        assert_eq!((t.returned, t.void, t.valid()), (4, 3, 1));
        assert_eq!(
            t.reported_void_reasons(),
            vec![
                ("over_marked", 1),
                ("write_in_without_against", 1),
                ("wrong_shape", 1)
            ]
        );
        let mut expected = CandidateTotals::empty(&c);
        expected.candidates[0].votes_for = 1;
        assert_eq!(t.counts, Counts::Candidates(expected));
    }

    #[test]
    fn void_ballots_of_unknown_reason_are_reported_as_such() {
        // An encrypted tally knows how many ballots are void, not why: 2 known from paper,
        // 3 more from the electronic totals.
        let c = contest(ContestKind::NpcDirect, 3, 5);
        let paper = ContestTotals::of_ballots(
            &c,
            &[
                ballot(&[(0, Mark::For)], &["钱进", "钱进"]),
                ballot(&[(0, Mark::For)], &["张三"]),
                ballot(&[(0, Mark::For)], &[]),
            ],
        );
        let mut electronic = ContestTotals::empty(&c);
        electronic.returned = 4;
        electronic.void = 3;
        candidates(&mut electronic).candidates[0].votes_for = 1;
        let t = electronic.checked_add(&paper).unwrap();
        assert_eq!(t.check(&c), Ok(()));
        let r = tally_totals(0, &c, &t);
        assert_eq!(
            (r.ballots.returned, r.ballots.valid, r.ballots.void),
            (7, 2, 5)
        );
        assert_eq!(
            r.void_reasons,
            vec![
                ("duplicate_write_in", 1),
                ("write_in_is_candidate", 1),
                (VOID_REASON_UNKNOWN, 3)
            ]
        );
        assert_eq!(r.candidates[0].votes_for, 2);
        assert_eq!(r.candidates[1].abstain, 2);
    }

    #[test]
    fn paper_totals_add_to_electronic_ones_as_if_counted_together() {
        let c = contest(ContestKind::VillagerCommittee, 2, 3);
        let paper = [
            ballot(&[(0, Mark::For), (1, Mark::Against)], &["孙八"]),
            ballot(&[(0, Mark::For), (1, Mark::For), (2, Mark::For)], &[]),
        ];
        let electronic = [
            ballot(&[(0, Mark::For)], &["孙八"]),
            ballot(&[(2, Mark::Against)], &["周九"]),
        ];
        let all: Vec<Ballot> = paper.iter().chain(&electronic).cloned().collect();
        let sum = ContestTotals::of_ballots(&c, &electronic)
            .checked_add(&ContestTotals::of_ballots(&c, &paper))
            .unwrap();
        assert_eq!(sum, ContestTotals::of_ballots(&c, &all));
        assert_eq!(tally_totals(0, &c, &sum), tally_contest(0, &c, &all));
        let r = tally_contest(0, &c, &all);
        // VCL Art. 15: 2·for > P (100 present); no one is elected on 4 ballots.
        assert_eq!(r.candidates[0].status, Status::NotElected);
    }

    #[test]
    fn totals_of_different_shapes_do_not_add() {
        let c = contest(ContestKind::PartyCommittee, 4, 5);
        let small = contest(ContestKind::PartyCommittee, 3, 4);
        let e = evaluation();
        let code = |a: &ContestTotals, b: &ContestTotals| a.checked_add(b).unwrap_err().code();
        let t = party_totals(&c);
        assert_eq!(
            code(&t, &ContestTotals::empty(&small)),
            "totals_shapes_differ"
        );
        assert_eq!(code(&t, &ContestTotals::empty(&e)), "totals_kinds_differ");
        let mut full = t.clone();
        full.returned = u64::MAX;
        assert_eq!(code(&full, &t), "totals_overflow");
        let mut other = evaluation_totals(&e);
        groups(&mut other).ungrouped.grades.pop();
        assert_eq!(code(&evaluation_totals(&e), &other), "totals_shapes_differ");
        assert_eq!(
            t.checked_add(&ContestTotals::empty(&c)).unwrap(),
            t,
            "zero totals add nothing"
        );
    }

    #[test]
    fn a_write_in_without_votes_is_nobody() {
        let c = contest(ContestKind::Recommendation, 2, 3);
        let mut t = ContestTotals::of_ballots(&c, &[ballot(&[(0, Mark::For)], &["孙八"])]);
        let before = tally_totals(0, &c, &t);
        candidates(&mut t).write_ins.insert("周九".into(), 0);
        assert_eq!(t.check(&c), Ok(()));
        assert_eq!(tally_totals(0, &c, &t), before);
    }

    /// Rated scores: totals of two parts of the ballots add up to the totals of all of them
    /// (the pooled histogram, per group), and a histogram past the top score or above the
    /// group's valid ballots is refused.
    #[test]
    fn score_histograms_add_and_are_checked() {
        use crate::rules::evaluation::ScoreRule;
        let subject = |id: &str| Subject {
            id: id.into(),
            name: id.into(),
        };
        let group = |id: &str, w: u64| Group {
            id: id.into(),
            title: id.into(),
            weight: Some(Ratio::integer(w)),
        };
        let c = Contest::new(ContestParams {
            id: "e".into(),
            kind: Some(ContestKind::Evaluation),
            seats: 1,
            turnout: Some(Turnout {
                eligible: 10,
                present: 10,
                issued: 10,
            }),
            evaluation: Some(EvaluationParams {
                subjects: vec![subject("s"), subject("t")],
                groups: vec![group("leaders", 2), group("staff", 3)],
                score: Some(ScoreRule {
                    max: 100,
                    drop_extremes: true,
                    below: None,
                }),
                ..EvaluationParams::default()
            }),
            ..ContestParams::default()
        })
        .unwrap();
        let scored = |group: usize, scores: &[(usize, u32)]| {
            Ballot::Evaluation(EvaluationBallot {
                group: Some(group),
                ratings: Vec::new(),
                scores: scores.to_vec(),
            })
        };
        let all = [
            scored(0, &[(0, 90), (1, 70)]),
            scored(1, &[(0, 80)]),
            scored(1, &[(0, 80), (1, 100)]),
            scored(0, &[(1, 0)]),
        ];
        let whole = ContestTotals::of_ballots(&c, &all);
        let sum = ContestTotals::of_ballots(&c, &all[..2])
            .checked_add(&ContestTotals::of_ballots(&c, &all[2..]))
            .unwrap();
        assert_eq!(whole, sum);
        assert_eq!(whole.check(&c), Ok(()));
        let Counts::Evaluation(e) = &whole.counts else {
            panic!("evaluation totals expected")
        };
        assert_eq!(e.groups[1].scores[0].get(&80), Some(&2));
        let mut bad = whole.clone();
        if let Counts::Evaluation(e) = &mut bad.counts {
            e.groups[0].scores[1].insert(101, 1);
        }
        assert_eq!(
            bad.check(&c).unwrap_err().code(),
            "totals_score_out_of_range"
        );
        let mut bad = whole.clone();
        if let Counts::Evaluation(e) = &mut bad.counts {
            e.groups[1].scores[0].insert(50, 5);
        }
        assert_eq!(
            bad.check(&c).unwrap_err().code(),
            "totals_grades_exceed_valid"
        );
    }
}
