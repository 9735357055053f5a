//! Ballots as the rules engine sees them (ids already resolved to indexes), and the
//! validity rules of RULES.md section 1: over-marking, write-ins, evaluation options.

use super::contest::Contest;
use super::evaluation::EvaluationSetup;
use super::kind::{ContestKind, WriteIns};
use crate::codes::Code;

/// A mark next to a listed candidate. An unmarked candidate is an abstention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mark {
    /// 赞成.
    For,
    /// 反对 / 不赞成.
    Against,
    /// 弃权.
    Abstain,
}

/// A ballot of a candidate contest.
///
/// Invariant: each candidate index appears at most once in `marks` and is below the
/// contest's candidate count (the parser guarantees it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CandidateBallot {
    pub marks: Vec<(usize, Mark)>,
    /// Other persons written in (另选他人), non-empty: in the canonical form of
    /// `record::names::clean_name` (trimmed, spacing collapsed, NFC, no invisible or control
    /// character) when cast or keyed in, as logged (trimmed) when read back from an old log.
    pub write_ins: Vec<String>,
}

/// A ballot of an evaluation contest.
///
/// Invariant: subject indexes are unique and in range; grade indexes are below 4; `group`
/// is set exactly when the contest has evaluator groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvaluationBallot {
    pub group: Option<usize>,
    pub ratings: Vec<(usize, usize)>,
    /// A rated-score evaluation: (subject, score), each subject at most once, every score at
    /// most the contest's `score_max`. Empty in a graded evaluation (and `ratings` empty in
    /// a rated-score one).
    pub scores: Vec<(usize, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ballot {
    Candidates(CandidateBallot),
    Evaluation(EvaluationBallot),
}

impl Ballot {
    /// The ballot as two readings of the same paper must agree on it (double-entry keying):
    /// marks and ratings in index order, an explicit 弃权 dropped (an unmarked candidate is an
    /// abstention), write-ins in sorted order. Counting a ballot and its canonical form gives
    /// the same totals and the same kind of void reason.
    pub fn canonical(&self) -> Ballot {
        match self {
            Ballot::Candidates(b) => {
                let mut marks: Vec<(usize, Mark)> = b
                    .marks
                    .iter()
                    .copied()
                    .filter(|(_, m)| *m != Mark::Abstain)
                    .collect();
                marks.sort_by_key(|(i, _)| *i);
                let mut write_ins = b.write_ins.clone();
                write_ins.sort();
                Ballot::Candidates(CandidateBallot { marks, write_ins })
            }
            Ballot::Evaluation(b) => {
                let mut ratings = b.ratings.clone();
                ratings.sort_unstable();
                let mut scores = b.scores.clone();
                scores.sort_unstable();
                Ballot::Evaluation(EvaluationBallot {
                    group: b.group,
                    ratings,
                    scores,
                })
            }
        }
    }
}

/// Why a ballot is void (作废) for its contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoidReason {
    /// `for + write-ins > limit` (EL Art. 44; 1990 BER Art. 20), or over `k` names for a
    /// recommendation.
    OverMarked { marks: usize, limit: u32 },
    /// More write-ins than 不赞成 marks on a party ballot (BER Art. 25; 1990).
    WriteInWithoutAgainst { write_ins: usize, against: usize },
    /// The same person written in twice on one ballot.
    DuplicateWriteIn { name: String },
    /// A write-in that names a listed candidate (a second mark for them).
    WriteInIsCandidate { name: String },
    /// Every subject given the same grade, under a contest's `uniform_void` option.
    UniformGrades,
    /// More top grades than the contest's quota allows on one ballot.
    ExcellentOverQuota { count: usize, limit: u64 },
    /// A ballot of the wrong shape for its contest (candidate marks on an evaluation).
    WrongShape,
}

impl VoidReason {
    pub fn code(&self) -> Code {
        match self {
            VoidReason::OverMarked { .. } => Code::OverMarked,
            VoidReason::WriteInWithoutAgainst { .. } => Code::WriteInWithoutAgainst,
            VoidReason::DuplicateWriteIn { .. } => Code::DuplicateWriteIn,
            VoidReason::WriteInIsCandidate { .. } => Code::WriteInIsCandidate,
            VoidReason::UniformGrades => Code::UniformGrades,
            VoidReason::ExcellentOverQuota { .. } => Code::ExcellentOverQuota,
            VoidReason::WrongShape => Code::WrongShape,
        }
    }

    pub fn message(&self) -> String {
        match self {
            VoidReason::OverMarked { marks, limit } => format!(
                "所选人数 {marks} 多于应选人数 {limit}, 废票 / {marks} marks in favour exceed the {limit} allowed: void"
            ),
            VoidReason::WriteInWithoutAgainst { write_ins, against } => format!(
                "另选 {write_ins} 人, 但只投了 {against} 个不赞成票, 废票 / {write_ins} write-ins but only {against} 不赞成 marks: void"
            ),
            VoidReason::DuplicateWriteIn { name } => {
                format!("重复另选 “{name}”, 废票 / “{name}” written in twice: void")
            }
            VoidReason::WriteInIsCandidate { name } => format!(
                "另选的 “{name}” 是候选人, 废票 / the write-in “{name}” is a listed candidate: void"
            ),
            VoidReason::UniformGrades => {
                "对所有对象评为同一等次, 按本项目规定为废票 / every subject given the same grade: void under this contest's rule".to_string()
            }
            VoidReason::ExcellentOverQuota { count, limit } => format!(
                "评为最高等次 {count} 人, 超过限额 {limit} 人, 废票 / {count} top grades exceed the quota of {limit}: void"
            ),
            VoidReason::WrongShape => {
                "选票格式与选举项目不符 / ballot shape does not match the contest".to_string()
            }
        }
    }
}

/// The validity of one candidate ballot for its contest: `None` when valid.
///
/// Names are compared with `==`: the write-ins and the candidates' names are canonical
/// (`record::names`), so a decomposed or space-padded spelling of a listed candidate's name
/// is that candidate, and two spellings of one write-in are one person.
pub fn void_reason(contest: &Contest, ballot: &CandidateBallot) -> Option<VoidReason> {
    let for_marks = ballot.marks.iter().filter(|(_, m)| *m == Mark::For).count();
    let against = ballot
        .marks
        .iter()
        .filter(|(_, m)| *m == Mark::Against)
        .count();
    let mut names = std::collections::HashSet::new();
    for w in &ballot.write_ins {
        if !names.insert(w.as_str()) {
            return Some(VoidReason::DuplicateWriteIn { name: w.clone() });
        }
        if contest.candidates().iter().any(|c| c.name == *w) {
            return Some(VoidReason::WriteInIsCandidate { name: w.clone() });
        }
    }
    let marks = for_marks + ballot.write_ins.len();
    let limit = if contest.kind() == ContestKind::Recommendation {
        contest.max_marks()
    } else {
        contest.seats()
    };
    if marks > limit as usize {
        return Some(VoidReason::OverMarked { marks, limit });
    }
    match contest.write_ins() {
        WriteIns::PerAgainst if ballot.write_ins.len() > against => {
            Some(VoidReason::WriteInWithoutAgainst {
                write_ins: ballot.write_ins.len(),
                against,
            })
        }
        WriteIns::Refused if !ballot.write_ins.is_empty() => Some(VoidReason::WrongShape),
        _ => None,
    }
}

/// The validity of one evaluation ballot: `None` when valid.
pub fn evaluation_void_reason(
    setup: &EvaluationSetup,
    ballot: &EvaluationBallot,
) -> Option<VoidReason> {
    let subjects = setup.subjects.len();
    if setup.uniform_void && subjects >= 2 && ballot.ratings.len() == subjects {
        let first = ballot.ratings.first().map(|(_, g)| *g);
        if ballot.ratings.iter().all(|(_, g)| Some(*g) == first) {
            return Some(VoidReason::UniformGrades);
        }
    }
    // The same option over scores: every subject given the same score.
    if setup.uniform_void && subjects >= 2 && ballot.scores.len() == subjects {
        let first = ballot.scores.first().map(|(_, v)| *v);
        if ballot.scores.iter().all(|(_, v)| Some(*v) == first) {
            return Some(VoidReason::UniformGrades);
        }
    }
    if let Some(limit) = setup.excellent_limit() {
        let count = ballot.ratings.iter().filter(|(_, g)| *g == 0).count();
        if count as u64 > limit {
            return Some(VoidReason::ExcellentOverQuota { count, limit });
        }
    }
    None
}
