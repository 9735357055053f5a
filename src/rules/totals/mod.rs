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
//!   [`ContestTotals::check`] rejects totals that hold it (from conduct protocol 6 the count
//!   takes such a decrypted name out first and counts it for no one, `count.rs`, so a kiosk
//!   that writes one cannot make the round invalid).
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

mod error;
pub use error::*;

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
    if contest.write_ins() == WriteIns::PerAgainst && write_ins > against {
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
mod tests;
