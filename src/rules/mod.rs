//! The rules engine: contest kinds, candidate-list checks, ballot validity, contest totals,
//! tallies, evaluations, composite rankings and structure targets, exactly as `RULES.md`
//! states them.
//!
//! Architecture invariant: this module is pure. No I/O, no async, no clock, no randomness, no
//! database, no HTTP or serde types; integer and exact-fraction arithmetic only. Every function
//! is deterministic in its arguments, so the server, the offline `tally` command and the
//! auditor's verifier all get the same answer from the same input.

use crate::codes::Code;

pub mod ballot;
pub mod conduct;
pub mod contest;
pub mod election;
pub mod evaluation;
pub mod hanzi;
pub mod kind;
pub mod notice;
pub mod procedure;
pub mod ranking;
pub mod ratio;
pub mod roll;
pub mod structure;
pub mod tally;
pub mod totals;

pub use ballot::{Ballot, CandidateBallot, EvaluationBallot, Mark};
pub use contest::{Candidate, Contest, ContestParams, Overrides, RunoffOf, RunoffReason, Turnout};
pub use election::{Election, ElectionParams};
pub use kind::ContestKind;
pub use notice::Notice;
pub use ratio::Ratio;
pub use tally::{
    tally_election, tally_election_totals, tally_totals, ContestResult, ElectionResult, Status,
};
pub use totals::{ContestTotals, TotalsError};

/// Why an election spec cannot be accepted. Each variant has a stable [`RulesError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("{what} 不能为空 / The {what} must not be empty.")]
    EmptyName { what: &'static str },
    #[error("{what} “{value}…” 太长, 最多 {max} 个字符 / The {what} “{value}…” is longer than {max} characters.")]
    NameTooLong {
        what: &'static str,
        value: String,
        max: usize,
    },
    #[error("{what} “{value}” 含有控制字符 / The {what} “{value}” contains a control character.")]
    ControlCharacter { what: &'static str, value: String },
    #[error(
        "选举 id 为空或选举没有任何选举项目 / The election needs an id and at least one contest."
    )]
    ElectionEmpty,
    #[error("选举项目 {count} 个, 超过上限 {max} / {count} contests exceed the limit of {max}.")]
    TooManyContests { count: usize, max: usize },
    #[error("选举项目 id “{contest}” 重复 / The contest id “{contest}” appears twice.")]
    DuplicateContest { contest: String },
    #[error("选举项目 “{contest}” 未指明类型 (kind) / Contest “{contest}” has no kind.")]
    KindMissing { contest: String },
    #[error("选举项目 “{contest}” 缺少投票情况 (turnout: eligible, present, ballots_issued) / Contest “{contest}” has no turnout.")]
    TurnoutMissing { contest: String },
    #[error("选举项目 “{contest}”: 实到 {present} 人多于应到 {eligible} 人 / Contest “{contest}”: {present} present exceeds {eligible} eligible.")]
    PresentExceedsEligible {
        contest: String,
        present: u64,
        eligible: u64,
    },
    #[error("选举项目 “{contest}”: 应选名额 {seats} 不在 1 至 {max} 之间 / Contest “{contest}”: {seats} seats is outside 1 to {max}.")]
    SeatsOutOfRange {
        contest: String,
        seats: u32,
        max: u32,
    },
    #[error("选举项目 “{contest}”: 候选人 {count} 名, 超过上限 {max} / Contest “{contest}”: {count} candidates exceed the limit of {max}.")]
    TooManyCandidates {
        contest: String,
        count: usize,
        max: usize,
    },
    #[error("选举项目 “{contest}”: 候选人 id “{candidate}” 重复 / Contest “{contest}”: candidate id “{candidate}” appears twice.")]
    DuplicateCandidate { contest: String, candidate: String },
    #[error("选举项目 “{contest}”: {message}")]
    SurplusRuleBroken { contest: String, message: String },
    #[error("选举项目 “{contest}”: 本地规定 (overrides) 必须写明文件依据 (basis) / Contest “{contest}”: an override needs its documentary basis (basis).")]
    OverrideWithoutBasis { contest: String },
    #[error("选举项目 “{contest}”: 本项目类型没有可改的 {field} / Contest “{contest}”: the override {field} does not apply to this kind.")]
    OverrideNotApplicable {
        contest: String,
        field: &'static str,
    },
    #[error("选举项目 “{contest}”: {kind} 的 {field} 由法律规定, 不能以本地规定改变 / Contest “{contest}”: the law fixes {field} for {kind}; no local override may change it.")]
    OverrideStatutory {
        contest: String,
        kind: &'static str,
        field: &'static str,
    },
    #[error("选举项目 “{contest}”: {kind} 有法定的法定人数, 只能用 overrides.quorum_comparison 调整 / Contest “{contest}”: {kind} has a statutory quorum; only overrides.quorum_comparison may change it.")]
    QuorumIsStatutory { contest: String, kind: &'static str },
    #[error("选举项目 “{contest}”: 法定人数比例 {num}/{den} 无效 / Contest “{contest}”: the quorum fraction {num}/{den} is not between 0 and 1.")]
    QuorumFraction { contest: String, num: u64, den: u64 },
    #[error("选举项目 “{contest}”: max_marks 不能为 0 / Contest “{contest}”: max_marks must be at least 1.")]
    MaxMarksZero { contest: String },
    #[error("选举项目 “{contest}”: 入围比例 {posts}:{candidates} 无效 / Contest “{contest}”: the shortlist ratio {posts}:{candidates} is invalid.")]
    ShortlistRatio {
        contest: String,
        posts: u32,
        candidates: u32,
    },
    #[error("选举项目 “{contest}”: {kind} 不能有 max_marks 或 shortlist (只用于 recommendation) / Contest “{contest}”: max_marks and shortlist belong to recommendation contests, not {kind}.")]
    RecommendationFieldsElsewhere { contest: String, kind: &'static str },
    #[error("测评项目 “{contest}” 缺少 scale 和 subjects / Evaluation “{contest}” needs a scale and subjects.")]
    EvaluationSetupMissing { contest: String },
    #[error("选举项目 “{contest}”: {kind} 不能有测评字段, 测评不能有候选人 / Contest “{contest}”: evaluation fields belong to evaluation contests only ({kind}).")]
    EvaluationFieldsOnCandidateContest { contest: String, kind: &'static str },
    #[error("测评项目 “{contest}”: {message}")]
    Evaluation { contest: String, message: String },
    #[error("另行选举 “{contest}” 的上一轮 “{parent}” {reason} / Runoff “{contest}”: parent “{parent}” {reason_en}.")]
    RunoffParent {
        contest: String,
        parent: String,
        reason: &'static str,
        reason_en: &'static str,
    },
    #[error("另行选举 “{contest}” 的候选人 “{candidate}” 不是上一轮 “{parent}” 的候选人 / Runoff “{contest}”: candidate “{candidate}” is not a candidate of “{parent}”.")]
    RunoffCandidateUnknown {
        contest: String,
        parent: String,
        candidate: String,
    },
    #[error("综合排名 “{ranking}”: {message}")]
    Ranking { ranking: String, message: String },
    #[error("结构比例设置: {message} / Structure targets: {message}")]
    Structure { message: String },
    #[error("程序 “{procedure}”: {message}")]
    Procedure { procedure: String, message: String },
}

impl RulesError {
    /// The stable error code scripts and the server match on.
    pub fn code(&self) -> Code {
        match self {
            RulesError::EmptyName { .. } => Code::EmptyName,
            RulesError::NameTooLong { .. } => Code::NameTooLong,
            RulesError::ControlCharacter { .. } => Code::ControlCharacter,
            RulesError::ElectionEmpty => Code::ElectionEmpty,
            RulesError::TooManyContests { .. } => Code::TooManyContests,
            RulesError::DuplicateContest { .. } => Code::DuplicateContest,
            RulesError::KindMissing { .. } => Code::KindMissing,
            RulesError::TurnoutMissing { .. } => Code::TurnoutMissing,
            RulesError::PresentExceedsEligible { .. } => Code::PresentExceedsEligible,
            RulesError::SeatsOutOfRange { .. } => Code::SeatsOutOfRange,
            RulesError::TooManyCandidates { .. } => Code::TooManyCandidates,
            RulesError::DuplicateCandidate { .. } => Code::DuplicateCandidate,
            RulesError::SurplusRuleBroken { .. } => Code::SurplusRuleBroken,
            RulesError::OverrideWithoutBasis { .. } => Code::OverrideWithoutBasis,
            RulesError::OverrideNotApplicable { .. } => Code::OverrideNotApplicable,
            RulesError::OverrideStatutory { .. } => Code::OverrideStatutory,
            RulesError::QuorumIsStatutory { .. } => Code::QuorumIsStatutory,
            RulesError::QuorumFraction { .. } => Code::QuorumFraction,
            RulesError::MaxMarksZero { .. } => Code::MaxMarksZero,
            RulesError::ShortlistRatio { .. } => Code::ShortlistRatio,
            RulesError::RecommendationFieldsElsewhere { .. } => Code::RecommendationFields,
            RulesError::EvaluationSetupMissing { .. } => Code::EvaluationSetupMissing,
            RulesError::EvaluationFieldsOnCandidateContest { .. } => Code::EvaluationFields,
            RulesError::Evaluation { .. } => Code::EvaluationSetup,
            RulesError::RunoffParent { .. } => Code::RunoffParent,
            RulesError::RunoffCandidateUnknown { .. } => Code::RunoffCandidateUnknown,
            RulesError::Ranking { .. } => Code::RankingSetup,
            RulesError::Procedure { .. } => Code::ProcedureSpec,
            RulesError::Structure { .. } => Code::StructureSetup,
        }
    }
}
