//! Why totals cannot be added or counted for a contest, each with its stable code.

use super::*;

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
