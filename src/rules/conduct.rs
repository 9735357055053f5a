//! The conduct of an election: the order its operations must follow and the limits they must
//! keep, as one state machine. The ledger runs it before it appends an entry; the verifier
//! runs it again while it replays an export. Both call this code and nothing else of each
//! other's, so "the service enforced it" and "the auditor checked it" are the same sentence.
//!
//! What it knows: which contests exist and their phase (draft, open, closed), the ballot
//! styles, the size of the roll per unit, token pools and how many tokens each style spent,
//! the desk's figures (E, P, I) per style, corrections of those figures approved by a second
//! person, results, teller signatures by key, publication.
//!
//! Architecture invariant: pure. No I/O, no clock, no serde; every check is a function of
//! what was logged before. A check that fails changes nothing.
//!
//! Protocol versions: logs written before these checks existed (protocol 1) replay with the
//! checks of their time; protocol 2 adds the roll, pool caps, desk figures that bind the
//! close, two-person corrections, one result per contest, one signature per teller key and
//! logged publication.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::ballot::{evaluation_void_reason, void_reason, Ballot};
use super::contest::Contest;
use super::procedure::{
    advance, step, Entrant, ProcedureDef, ProcedureError, ProcedureState, RoundKind, StepInput,
    StepOutcome,
};

/// The protocol a log follows (`ElectionRegistered.protocol`; absent means 1).
pub const PROTOCOL_CURRENT: u32 = 2;

/// A contest's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Draft,
    Open,
    Closed,
}

impl Phase {
    pub fn id(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }
}

/// How a contest's ballots arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Electronic,
    Paper,
    Hybrid,
}

impl Mode {
    pub fn from_id(id: &str) -> Option<Mode> {
        match id {
            "electronic" => Some(Mode::Electronic),
            "paper" => Some(Mode::Paper),
            "hybrid" => Some(Mode::Hybrid),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Mode::Electronic => "electronic",
            Mode::Paper => "paper",
            Mode::Hybrid => "hybrid",
        }
    }

    pub fn takes_paper(self) -> bool {
        matches!(self, Mode::Paper | Mode::Hybrid)
    }
}

/// How a contest's ballots arrive, and whether two tellers key each of its paper ballots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub mode: Mode,
    /// Double-entry keying (spec `paper_entry: "double"`): each paper sheet counts only once
    /// two different tellers have keyed it alike.
    pub double_entry: bool,
}

impl From<Mode> for Arrival {
    fn from(mode: Mode) -> Arrival {
        Arrival {
            mode,
            double_entry: false,
        }
    }
}

/// What one teller's keying of a paper sheet did (double-entry contests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keyed {
    /// No other teller has keyed this sheet yet.
    Waiting,
    /// Another teller keyed the same ballot: the sheet may be counted.
    Agreed,
    /// The other tellers keyed something else: the sheet stays stopped until two agree.
    Mismatch { tellers: Vec<String> },
    /// The teller withdrew their keying of the sheet.
    Withdrawn,
}

/// A ballot style as the conduct sees it: the contests one voter of one round and unit gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StyleDef {
    pub round: u8,
    /// The roll unit; empty: every voter of the round whose unit has no style of its own.
    pub unit: String,
    pub contests: Vec<String>,
}

/// The desk's figures for a style or a contest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// `E`: voters on the roll.
    pub eligible: u64,
    /// `P`: voters present (checked in, with the principals they carry).
    pub present: u64,
    /// `I`: slips (ballots) handed out.
    pub issued: u64,
}

impl Figures {
    fn add(self, o: Figures) -> Figures {
        Figures {
            eligible: self.eligible + o.eligible,
            present: self.present + o.present,
            issued: self.issued + o.issued,
        }
    }
}

/// Who did something, as the service authenticated them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub role: String,
}

/// How a contest came to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// In the election spec from the start.
    Spec,
    /// A runoff (另行选举) proposed by the published result of `parent`.
    Runoff { parent: String },
    /// A later round of a procedure, from the published result of `from`.
    NextRound { from: String },
    /// A re-vote (重新投票) of contest `of`, whose counted round was invalid (quorum not
    /// met, more ballots than issued, ...): the same list, a new round, a logged reason.
    Revote { of: String },
    /// A round of a multi-round procedure (RULES.md section 4), its list the one the
    /// procedure's last step passed on ([`Conduct::procedure_contest`]).
    Procedure { procedure: String, round: String },
}

/// Why an operation is out of order or out of bounds. Every variant has a stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConductError {
    #[error("选举项目 “{0}” 不存在 / There is no contest “{0}”.")]
    UnknownContest(String),
    #[error("{0}")]
    Procedure(#[from] ProcedureError),
    #[error("程序 “{0}” 不存在 / There is no procedure “{0}”.")]
    UnknownProcedure(String),
    #[error("选票样式 {0} 不存在 / There is no ballot style {0}.")]
    UnknownStyle(u16),
    #[error("选举项目 “{0}” 尚未开始投票 / Contest “{0}” is not open.")]
    ContestNotOpen(String),
    #[error("选举项目 “{0}” 已结束投票 / Contest “{0}” is closed.")]
    ContestClosed(String),
    #[error("选举项目 “{0}” 已开始 / Contest “{0}” is already open.")]
    ContestAlreadyOpen(String),
    #[error("选举项目 “{0}” 尚未结束投票 / Contest “{0}” is not closed.")]
    ContestNotClosed(String),
    #[error("选举项目 “{contest}” 不收纸质选票 (方式: {mode}) / Contest “{contest}” takes no paper ballots (mode: {mode}).")]
    NotAPaperContest { contest: String, mode: &'static str },
    #[error("选举项目 “{0}” 只收纸质选票, 不能电子投票 / Contest “{0}” takes paper ballots only, not electronic ones.")]
    NotAnElectronicContest(String),
    #[error("选举项目 “{0}” 不是双人录入 (paper_entry 不是 double) / Contest “{0}” is not keyed by two tellers (its paper_entry is not double).")]
    NotDoubleEntry(String),
    #[error("选举项目 “{0}” 由两名计票人分别录入每张纸质选票: 请写明是第几张 (sheet) / Two tellers key each paper ballot of contest “{0}”: say which sheet it is.")]
    PaperSheetMissing(String),
    #[error("“{contest}” 正在录入第 {open} 张纸质选票, 不是第 {sheet} 张; 请刷新后重新录入 / Sheet {open} of “{contest}” is being keyed, not sheet {sheet}; reload and key it again.")]
    PaperSheet {
        contest: String,
        sheet: u64,
        open: u64,
    },
    #[error("录入人不能为空 / The teller who keyed the sheet must be named.")]
    PaperTeller,
    #[error("“{teller}” 没有录入 “{contest}” 的第 {sheet} 张, 无可撤回 / “{teller}” has not keyed sheet {sheet} of “{contest}”: nothing to withdraw.")]
    PaperNothingToWithdraw {
        contest: String,
        sheet: u64,
        teller: String,
    },
    #[error("“{contest}” 的第 {sheet} 张没有两名计票人一致的录入, 不能计入 / Sheet {sheet} of “{contest}” was not keyed alike by two tellers: it cannot be counted.")]
    PaperNotAgreed { contest: String, sheet: u64 },
    #[error("“{contest}” 的第 {sheet} 张纸质选票已有录入但尚未一致, 请先录完或撤回 / Sheet {sheet} of “{contest}” has been keyed but not agreed: finish it or withdraw the keyings first.")]
    PaperSheetOpen { contest: String, sheet: u64 },
    #[error("尚未登记选民名单, 不能生成选票码 / The roll has not been registered: no tokens can be generated yet.")]
    RollMissing,
    #[error("投票已开始, 选民名单不能再改 / Voting has started: the roll can no longer change.")]
    RollLocked,
    #[error("样式 {style} 的选票码最多 {cap} 张 (名单 {voters} 人另加 {spare}%), 已有 {registered} 张, 又要 {asked} 张 / Style {style} may have at most {cap} tokens ({voters} on the roll plus {spare}%); {registered} exist and {asked} more were asked for.")]
    PoolOverCap {
        style: u16,
        cap: u64,
        voters: u64,
        spare: u32,
        registered: u64,
        asked: u64,
    },
    #[error("投票开始后补印选票码须写明原因 / Tokens printed after voting started need a written reason.")]
    PoolReasonMissing,
    #[error("样式 {0} 的选举项目都已结束, 不能再生成选票码 / Every contest of style {0} is closed: no more tokens.")]
    PoolAfterClose(u16),
    #[error("此选票样式的选票码已作废 / The tokens of this style were voided at close.")]
    TokensVoided,
    #[error("样式 {style} 已用选票码 {spent} 张, 只登记了 {registered} 张 / Style {style}: {spent} tokens spent of {registered} registered.")]
    PoolExhausted {
        style: u16,
        spent: u64,
        registered: u64,
    },
    #[error("选票中的 “{contest}” 不属于此选票样式 / “{contest}” is not on this ballot style.")]
    BallotContestNotOnStyle { contest: String },
    #[error("选票中的 “{contest}” 出现了两次 / “{contest}” appears twice on one ballot.")]
    BallotContestTwice { contest: String },
    #[error("选票缺少 “{contest}”: 一张选票须含样式中的每个选举项目各一次 / The ballot lacks “{contest}”: a ballot holds each contest of its style once.")]
    BallotContestMissing { contest: String },
    #[error("{message} (电子选票不能是废票, 投票机应拒绝 / an electronic ballot cannot be void: the kiosk refuses it)")]
    ElectronicBallotVoid {
        /// The void reason's own code (`over_marked`, ...).
        code: &'static str,
        message: String,
    },
    #[error("样式 {style} 的签到数中应到 {logged} 人, 名单为 {roll} 人 / Style {style}: the desk count says {logged} eligible, the roll holds {roll}.")]
    DeskEligibleMismatch { style: u16, logged: u64, roll: u64 },
    #[error("样式 {style} 的签到数不一致: 实到 {present} 人多于应到 {eligible} 人 / Style {style}: {present} present exceeds {eligible} eligible.")]
    DeskPresentExceedsEligible {
        style: u16,
        present: u64,
        eligible: u64,
    },
    #[error("选举项目 “{contest}” 的结束数字 (E {close_e}, P {close_p}, I {close_i}) 与签到处记录 (E {desk_e}, P {desk_p}, I {desk_i}) 不符 / Contest “{contest}” closed with E {close_e}, P {close_p}, I {close_i}, but the desk logged E {desk_e}, P {desk_p}, I {desk_i}.")]
    CloseFiguresMismatch {
        contest: String,
        close_e: u64,
        close_p: u64,
        close_i: u64,
        desk_e: u64,
        desk_p: u64,
        desk_i: u64,
    },
    #[error("选举项目 “{contest}” 结束前没有记录样式 {style} 的签到数 / Contest “{contest}” closed without the desk count of style {style}.")]
    DeskCountMissing { contest: String, style: u16 },
    #[error("更正须由两个不同角色的人完成: 提出 {proposer} ({proposer_role}), 批准 {approver} ({approver_role}) / A correction needs two people of different roles: proposed by {proposer} ({proposer_role}), approved by {approver} ({approver_role}).")]
    CorrectionNeedsTwo {
        proposer: String,
        proposer_role: String,
        approver: String,
        approver_role: String,
    },
    #[error("更正须写明原因 / A correction needs a reason.")]
    CorrectionReasonMissing,
    #[error("选举项目 “{0}” 只能在开始投票后、计票前更正 / Contest “{0}” can be corrected only after it opened and before it is counted.")]
    CorrectionOutOfOrder(String),
    #[error("选举项目 “{0}” 已计票 / Contest “{0}” has already been counted.")]
    AlreadyTallied(String),
    #[error("第 {0} 条不是计票结果 / Entry {0} is not a result.")]
    UnknownResult(u64),
    #[error("计票人 {teller} 已经签署第 {result} 条结果 / Teller {teller} has already signed result {result}.")]
    SignatureDuplicate { teller: String, result: u64 },
    #[error("第 {result} 条结果需要 {required} 名计票人签名, 现有 {have} 名 / Result {result} needs {required} teller signatures; {have} are present.")]
    SignaturesMissing {
        result: u64,
        have: u64,
        required: u64,
    },
    #[error("第 {0} 条结果已公布 / Result {0} is already published.")]
    AlreadyPublished(u64),
    #[error("样式 {style} 作废记录为 作废 {voided_logged} 张、已用 {spent_logged} 张, 实际应为 作废 {voided} 张、已用 {spent} 张 / Style {style}: the voiding says {voided_logged} voided and {spent_logged} spent; the log implies {voided} and {spent}.")]
    VoidMismatch {
        style: u16,
        voided_logged: u64,
        spent_logged: u64,
        voided: u64,
        spent: u64,
    },
    #[error("“{0}” 还没有公布的结果 / “{0}” has no published result yet.")]
    NotPublished(String),
    #[error("选举项目 “{0}” 已存在 / Contest “{0}” already exists.")]
    ContestExists(String),
    #[error("“{0}” 的计票结果有效 (或尚未计票), 不能重新投票 / The count of “{0}” is valid (or not done yet): there is nothing to re-vote.")]
    RoundNotInvalid(String),
    #[error("“{0}” 的无效轮次已经安排了重新投票 / A re-vote of the invalid round of “{0}” already exists.")]
    RevoteExists(String),
    #[error("重新投票须写明原因 (1 至 500 个字符, 不含控制字符) / A re-vote needs its reason (1 to 500 characters, no control characters).")]
    RevoteReason,
    #[error("“{0}” 不是党内选举, 未选足的名额须另行选举, 不能减少名额 (选举法第45条; 地方组织法第29条) / “{0}” is not a party election: its unfilled seats need a new round and cannot be reduced (EL Art. 45; LOL Art. 29).")]
    SeatsNotReducible(String),
    #[error("“{0}” 已公布的结果没有未选足的名额 / The published result of “{0}” leaves no seat unfilled.")]
    NoUnfilledSeats(String),
    #[error("“{contest}” 未选足 {unfilled} 名; 减少名额的决定须减少全部 {unfilled} 名, 不再选举 (这次写的是 {reduced_by} 名) / “{contest}” has {unfilled} unfilled seat(s): a reduction removes all {unfilled} and ends the election of this contest (this one says {reduced_by}).")]
    ReductionMismatch {
        contest: String,
        unfilled: u32,
        reduced_by: u32,
    },
    #[error("“{contest}” 应选 {seats_before} 名, 减少 {reduced_by} 名后应为 {expected} 名, 这次写的是 {seats} 名 / “{contest}” had {seats_before} seats: less {reduced_by} is {expected}, not {seats}.")]
    ReductionSeats {
        contest: String,
        seats_before: u32,
        reduced_by: u32,
        expected: u32,
        seats: u32,
    },
    #[error("“{0}” 未选足的名额已有处理 (另行选举或减少名额), 不能再作另一种决定 / The unfilled seats of “{0}” are already dealt with (a new round or a reduction).")]
    ShortfallDecided(String),
    #[error("另行选举 “{0}” 已由减少名额的决定取代, 不能开始 / The runoff “{0}” was withdrawn by a seat reduction: it cannot open.")]
    RunoffSuperseded(String),
    #[error("减少名额须写明依据 (大会的决定, 1 至 500 个字符, 不含控制字符) / A seat reduction needs its basis (the meeting's decision; 1 to 500 characters, no control characters).")]
    ReductionBasis,
    #[error("纸质选票已达发出数 {issued} 张; 票箱中的选票多于发出数时本轮无效 (选举法第44条) / Paper ballots have reached the {issued} issued; more ballots than were issued makes the round invalid (EL Art. 44).")]
    PaperPastIssued { issued: u64 },
    #[error("本选举的选票{expected}, 这张选票不是 / This election's ballots are {expected_en}; this one is not.")]
    BallotKindMismatch {
        expected: &'static str,
        expected_en: &'static str,
    },
    #[error("本选举不加密选票, 没有密钥仪式 / This election does not encrypt ballots: there is no key ceremony.")]
    NotEncrypted,
    #[error("选举密钥尚未生成 (密钥仪式未完成), 不能开始电子投票 / The election key is not set yet (the key ceremony is not complete): electronic voting cannot open.")]
    ElectionKeyMissing,
    #[error("选举密钥已生成 / The election key is already set.")]
    ElectionKeySet,
    #[error("密钥仪式第 {expected} 轮进行中, 这条属于第 {got} 轮 / The key ceremony is at attempt {expected}; this is for attempt {got}.")]
    CeremonyAttempt { expected: u32, got: u32 },
    #[error("计票人序号 {index} 不在 1 至 {tellers} 之间 / Teller index {index} is outside 1 to {tellers}.")]
    TellerIndex { index: u32, tellers: u32 },
    #[error("第 {index} 号计票人已提交过此步骤 ({step}) / Teller {index} already did this step ({step}).")]
    CeremonyRepeated { index: u32, step: &'static str },
    #[error("密钥仪式此步骤须等所有计票人完成上一步 (还差 {missing}) / This step of the key ceremony waits for every teller's previous step ({missing} missing).")]
    CeremonyWaiting { missing: u32 },
    #[error("“{contest}” 的写入姓名须先由 {needed} 名计票人各混洗一次, 现有 {have} 次 / The write-in names of “{contest}” need shuffles by {needed} tellers first; {have} so far.")]
    ShufflesMissing {
        contest: String,
        have: u32,
        needed: u32,
    },
    #[error("第 {index} 号计票人已混洗过 “{contest}” 的写入姓名 / Teller {index} already shuffled the write-in names of “{contest}”.")]
    ShuffleRepeated { contest: String, index: u32 },
    #[error(
        "“{0}” 已有解密份额, 不能再混洗 / “{0}” already has decryption shares; no more shuffles."
    )]
    ShuffleAfterShares(String),
    #[error("第 {index} 号计票人已提交过 “{contest}” 的解密份额 / Teller {index} already gave decryption shares for “{contest}”.")]
    SharesRepeated { contest: String, index: u32 },
    #[error("“{contest}” 的解密份额只有 {have} 份, 需要 {needed} 份 / “{contest}” has {have} decryption shares; {needed} are needed.")]
    SharesMissing {
        contest: String,
        have: u32,
        needed: u32,
    },
}

impl ConductError {
    pub fn code(&self) -> &'static str {
        use ConductError::*;
        match self {
            UnknownContest(_) => "unknown_contest",
            Procedure(e) => e.code(),
            UnknownProcedure(_) => "unknown_procedure",
            UnknownStyle(_) => "unknown_style",
            ContestNotOpen(_) => "contest_not_open",
            ContestClosed(_) => "contest_closed",
            ContestAlreadyOpen(_) => "contest_already_open",
            ContestNotClosed(_) => "contest_not_closed",
            NotAPaperContest { .. } => "not_a_paper_contest",
            NotAnElectronicContest(_) => "not_an_electronic_contest",
            NotDoubleEntry(_) => "not_double_entry",
            PaperSheetMissing(_) => "paper_sheet_missing",
            PaperSheet { .. } => "paper_sheet",
            PaperTeller => "paper_teller",
            PaperNothingToWithdraw { .. } => "paper_nothing_to_withdraw",
            PaperNotAgreed { .. } => "paper_not_agreed",
            PaperSheetOpen { .. } => "paper_sheet_open",
            RollMissing => "roll_missing",
            RollLocked => "roll_locked",
            PoolOverCap { .. } => "pool_over_cap",
            PoolReasonMissing => "pool_reason_missing",
            PoolAfterClose(_) => "pool_after_close",
            TokensVoided => "tokens_voided",
            PoolExhausted { .. } => "pool_exhausted",
            BallotContestNotOnStyle { .. }
            | BallotContestTwice { .. }
            | BallotContestMissing { .. } => "ballot_style_mismatch",
            ElectronicBallotVoid { code, .. } => code,
            DeskEligibleMismatch { .. } => "desk_eligible_mismatch",
            DeskPresentExceedsEligible { .. } => "present_exceeds_eligible",
            CloseFiguresMismatch { .. } => "close_figures_mismatch",
            DeskCountMissing { .. } => "desk_count_missing",
            CorrectionNeedsTwo { .. } => "correction_needs_two",
            CorrectionReasonMissing => "correction_reason_missing",
            CorrectionOutOfOrder(_) => "correction_out_of_order",
            AlreadyTallied(_) => "already_tallied",
            UnknownResult(_) => "unknown_result",
            SignatureDuplicate { .. } => "signature_duplicate",
            SignaturesMissing { .. } => "signatures_missing",
            AlreadyPublished(_) => "already_published",
            VoidMismatch { .. } => "void_mismatch",
            NotPublished(_) => "not_published",
            ContestExists(_) => "contest_exists",
            RoundNotInvalid(_) => "round_not_invalid",
            RevoteExists(_) => "revote_exists",
            RevoteReason => "revote_reason",
            SeatsNotReducible(_) => "seats_not_reducible",
            NoUnfilledSeats(_) => "no_unfilled_seats",
            ReductionMismatch { .. } => "reduction_mismatch",
            ReductionSeats { .. } => "reduction_seats",
            ShortfallDecided(_) => "shortfall_decided",
            ReductionBasis => "reduction_basis",
            RunoffSuperseded(_) => "runoff_superseded",
            PaperPastIssued { .. } => "paper_past_issued",
            BallotKindMismatch { .. } => "ballot_kind_mismatch",
            NotEncrypted => "not_encrypted",
            ElectionKeyMissing => "election_key_missing",
            ElectionKeySet => "election_key_set",
            CeremonyAttempt { .. } => "ceremony_attempt",
            TellerIndex { .. } => "teller_index",
            CeremonyRepeated { .. } => "ceremony_repeated",
            CeremonyWaiting { .. } => "ceremony_waiting",
            ShufflesMissing { .. } => "shuffles_missing",
            ShuffleRepeated { .. } => "shuffle_repeated",
            ShuffleAfterShares(_) => "shuffle_after_shares",
            SharesRepeated { .. } => "shares_repeated",
            SharesMissing { .. } => "shares_missing",
        }
    }
}

/// How an election keeps its ballots secret (the conduct's view: counts, no keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secrecy {
    /// Plaintext ballots (logs before encryption, or the organiser's logged choice).
    Plaintext,
    /// Ballots encrypted under a key `threshold` of `tellers` hold together.
    Encrypted { tellers: u32, threshold: u32 },
}

/// Where the key ceremony stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ceremony {
    /// The attempt in progress (from 1); a complaint that holds starts the next.
    pub attempt: u32,
    pub round1: BTreeSet<u32>,
    pub shares: BTreeSet<u32>,
    pub checks: BTreeSet<u32>,
    /// The attempt whose key was set.
    pub key: Option<u32>,
}

/// The counting of an encrypted contest after its close.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decryption {
    /// Tellers who shuffled the write-in names, in order.
    pub shuffles: Vec<u32>,
    /// Tellers who gave decryption shares, per evaluator group ("" when none).
    pub shares: BTreeMap<String, BTreeSet<u32>>,
}

/// An approved correction of a contest's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    pub figures: Figures,
    pub reason: String,
    pub proposer: Person,
    pub approver: Person,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestConduct {
    pub phase: Phase,
    pub mode: Mode,
    pub origin: Origin,
    /// The figures logged at close.
    pub closed: Option<Figures>,
    /// The latest approved correction, if any.
    pub correction: Option<Correction>,
    /// The result entry that counted this contest.
    pub result: Option<u64>,
    /// Paper ballots keyed in.
    pub paper_ballots: u64,
    /// Two tellers key each paper ballot (`Arrival::double_entry`).
    pub double_entry: bool,
    /// Double entry: each teller's latest keying of the open sheet (number
    /// `paper_ballots + 1`), canonical ([`Ballot::canonical`]).
    pub keyings: BTreeMap<String, Ballot>,
    /// Double entry: sheets on which two tellers' keyings disagreed before two agreed.
    pub rekeyed_sheets: u64,
    /// Double entry: keyings logged (withdrawals included).
    pub keyings_logged: u64,
    /// Shuffles and decryption shares (encrypted elections).
    pub decryption: Decryption,
    /// Its counted round was invalid (the result says `valid: false`).
    pub invalid: bool,
    /// A re-vote of that invalid round was created.
    pub revoted: bool,
    /// Seats its latest counted result left unfilled.
    pub unfilled: u32,
    /// A runoff withdrawn before it opened, because the meeting reduced its parent's seats.
    pub superseded: bool,
    /// Seats removed by a recorded decision of the meeting (0: none).
    pub reduced_by: u32,
}

impl ContestConduct {
    /// The figures the count uses: the corrected ones when a correction was approved.
    pub fn counting_figures(&self) -> Option<Figures> {
        self.correction.as_ref().map(|c| c.figures).or(self.closed)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolConduct {
    pub registered: u64,
    pub spent: u64,
    pub voided: bool,
    /// Tokens registered after voting in the style had started (each with a logged reason).
    pub late: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultConduct {
    pub contests: Vec<String>,
    /// Names of the teller keys whose signatures were verified, one per key.
    pub signers: BTreeSet<String>,
    pub published: bool,
}

/// The conduct state machine. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conduct {
    protocol: u32,
    spare_percent: u32,
    styles: Vec<StyleDef>,
    contests: BTreeMap<String, ContestConduct>,
    roll: Option<BTreeMap<String, u64>>,
    pools: HashMap<u16, PoolConduct>,
    desk: HashMap<u16, Figures>,
    results: BTreeMap<u64, ResultConduct>,
    secrecy: Secrecy,
    ceremony: Ceremony,
    /// Multi-round procedures and where each stands.
    procedures: BTreeMap<String, (ProcedureDef, ProcedureState)>,
    /// A procedure round's contest: its latest result entry and whom that result passes on.
    round_results: BTreeMap<String, (u64, Vec<String>)>,
}

/// One step of a procedure as logged, in the rules' types (see `record::procedure`).
#[derive(Clone, Debug)]
pub struct LoggedStep<'a> {
    pub procedure: &'a str,
    pub round: &'a str,
    pub input: StepInput<'a>,
    pub posts: u32,
    pub people: &'a [Entrant],
    pub widened: bool,
    /// A round held as a contest: the result entry it takes.
    pub result: Option<u64>,
}

impl Conduct {
    /// The conduct of a newly registered election: its styles and its contests with their
    /// ballot modes, all in draft.
    pub fn new(
        protocol: u32,
        spare_percent: u32,
        styles: Vec<StyleDef>,
        contests: &[(String, Arrival)],
    ) -> Conduct {
        let contests = contests
            .iter()
            .map(|(id, arrival)| {
                (
                    id.clone(),
                    ContestConduct {
                        phase: Phase::Draft,
                        mode: arrival.mode,
                        origin: Origin::Spec,
                        closed: None,
                        correction: None,
                        result: None,
                        paper_ballots: 0,
                        double_entry: arrival.double_entry,
                        keyings: BTreeMap::new(),
                        rekeyed_sheets: 0,
                        keyings_logged: 0,
                        decryption: Decryption::default(),
                        invalid: false,
                        revoted: false,
                        unfilled: 0,
                        superseded: false,
                        reduced_by: 0,
                    },
                )
            })
            .collect();
        Conduct {
            protocol,
            spare_percent,
            styles,
            contests,
            roll: None,
            pools: HashMap::new(),
            desk: HashMap::new(),
            results: BTreeMap::new(),
            procedures: BTreeMap::new(),
            round_results: BTreeMap::new(),
            secrecy: Secrecy::Plaintext,
            ceremony: Ceremony {
                attempt: 1,
                ..Ceremony::default()
            },
        }
    }

    /// The conduct of an election whose ballots are kept secret as `secrecy` says.
    pub fn with_secrecy(mut self, secrecy: Secrecy) -> Conduct {
        self.secrecy = secrecy;
        self
    }

    pub fn secrecy(&self) -> Secrecy {
        self.secrecy
    }

    pub fn ceremony(&self) -> &Ceremony {
        &self.ceremony
    }

    fn encrypted(&self) -> Result<(u32, u32), ConductError> {
        match self.secrecy {
            Secrecy::Encrypted { tellers, threshold } => Ok((tellers, threshold)),
            Secrecy::Plaintext => Err(ConductError::NotEncrypted),
        }
    }

    fn ceremony_step(
        &self,
        attempt: u32,
        index: u32,
        done: &BTreeSet<u32>,
        step: &'static str,
    ) -> Result<u32, ConductError> {
        let (tellers, _) = self.encrypted()?;
        if self.ceremony.key.is_some() {
            return Err(ConductError::ElectionKeySet);
        }
        if attempt != self.ceremony.attempt {
            return Err(ConductError::CeremonyAttempt {
                expected: self.ceremony.attempt,
                got: attempt,
            });
        }
        if index == 0 || index > tellers {
            return Err(ConductError::TellerIndex { index, tellers });
        }
        if done.contains(&index) {
            return Err(ConductError::CeremonyRepeated { index, step });
        }
        Ok(tellers)
    }

    fn waiting(done: &BTreeSet<u32>, tellers: u32) -> Result<(), ConductError> {
        let missing = tellers.saturating_sub(done.len() as u32);
        if missing > 0 {
            return Err(ConductError::CeremonyWaiting { missing });
        }
        Ok(())
    }

    /// A teller's round-1 message of the key ceremony (the proofs are checked by the caller).
    pub fn ceremony_round1(&mut self, attempt: u32, index: u32) -> Result<(), ConductError> {
        self.ceremony_step(attempt, index, &self.ceremony.round1, "round1")?;
        self.ceremony.round1.insert(index);
        Ok(())
    }

    /// A teller's encrypted shares: once every teller's round 1 is in.
    pub fn ceremony_shares(&mut self, attempt: u32, index: u32) -> Result<(), ConductError> {
        let tellers = self.ceremony_step(attempt, index, &self.ceremony.shares, "shares")?;
        Conduct::waiting(&self.ceremony.round1, tellers)?;
        self.ceremony.shares.insert(index);
        Ok(())
    }

    /// A teller's check of its shares: once every teller's shares are in. A complaint that
    /// holds (checked by the caller) fails the attempt: the next one starts afresh.
    pub fn ceremony_check(
        &mut self,
        attempt: u32,
        index: u32,
        complaint_holds: bool,
    ) -> Result<(), ConductError> {
        let tellers = self.ceremony_step(attempt, index, &self.ceremony.checks, "check")?;
        Conduct::waiting(&self.ceremony.shares, tellers)?;
        if complaint_holds {
            self.ceremony = Ceremony {
                attempt: attempt + 1,
                ..Ceremony::default()
            };
        } else {
            self.ceremony.checks.insert(index);
        }
        Ok(())
    }

    /// The election key of a ceremony attempt every teller checked without complaint.
    pub fn election_key(&mut self, attempt: u32) -> Result<(), ConductError> {
        let (tellers, _) = self.encrypted()?;
        if self.ceremony.key.is_some() {
            return Err(ConductError::ElectionKeySet);
        }
        if attempt != self.ceremony.attempt {
            return Err(ConductError::CeremonyAttempt {
                expected: self.ceremony.attempt,
                got: attempt,
            });
        }
        Conduct::waiting(&self.ceremony.checks, tellers)?;
        self.ceremony.key = Some(attempt);
        Ok(())
    }

    /// Whether a ballot of this kind belongs in this election.
    pub fn check_ballot_kind(&self, encrypted: bool) -> Result<(), ConductError> {
        match (self.secrecy, encrypted) {
            (Secrecy::Encrypted { .. }, true) | (Secrecy::Plaintext, false) => Ok(()),
            (Secrecy::Encrypted { .. }, false) => Err(ConductError::BallotKindMismatch {
                expected: "须加密",
                expected_en: "encrypted",
            }),
            (Secrecy::Plaintext, true) => Err(ConductError::BallotKindMismatch {
                expected: "为明文",
                expected_en: "plaintext",
            }),
        }
    }

    /// A teller's shuffle of a closed, uncounted contest's write-in names.
    pub fn shuffle(&mut self, contest: &str, index: u32) -> Result<(), ConductError> {
        let (tellers, _) = self.encrypted()?;
        if index == 0 || index > tellers {
            return Err(ConductError::TellerIndex { index, tellers });
        }
        let c = self.contest(contest)?;
        if c.phase != Phase::Closed {
            return Err(ConductError::ContestNotClosed(contest.to_string()));
        }
        if c.result.is_some() {
            return Err(ConductError::AlreadyTallied(contest.to_string()));
        }
        if c.decryption.shares.values().any(|s| !s.is_empty()) {
            return Err(ConductError::ShuffleAfterShares(contest.to_string()));
        }
        if c.decryption.shuffles.contains(&index) {
            return Err(ConductError::ShuffleRepeated {
                contest: contest.to_string(),
                index,
            });
        }
        self.contest_mut(contest)?.decryption.shuffles.push(index);
        Ok(())
    }

    /// A teller's decryption shares of a closed, uncounted contest (for one evaluator group).
    /// When the contest has write-in names, they must have been shuffled by `threshold`
    /// tellers first.
    pub fn decryption_shares(
        &mut self,
        contest: &str,
        group: &str,
        index: u32,
        has_names: bool,
    ) -> Result<(), ConductError> {
        let (tellers, threshold) = self.encrypted()?;
        if index == 0 || index > tellers {
            return Err(ConductError::TellerIndex { index, tellers });
        }
        let c = self.contest(contest)?;
        if c.phase != Phase::Closed {
            return Err(ConductError::ContestNotClosed(contest.to_string()));
        }
        if c.result.is_some() {
            return Err(ConductError::AlreadyTallied(contest.to_string()));
        }
        let have = c.decryption.shuffles.len() as u32;
        if has_names && have < threshold {
            return Err(ConductError::ShufflesMissing {
                contest: contest.to_string(),
                have,
                needed: threshold,
            });
        }
        if c.decryption
            .shares
            .get(group)
            .is_some_and(|s| s.contains(&index))
        {
            return Err(ConductError::SharesRepeated {
                contest: contest.to_string(),
                index,
            });
        }
        self.contest_mut(contest)?
            .decryption
            .shares
            .entry(group.to_string())
            .or_default()
            .insert(index);
        Ok(())
    }

    pub fn protocol(&self) -> u32 {
        self.protocol
    }

    fn strict(&self) -> bool {
        self.protocol >= 2
    }

    pub fn spare_percent(&self) -> u32 {
        self.spare_percent
    }

    pub fn styles(&self) -> &[StyleDef] {
        &self.styles
    }

    pub fn style(&self, style: u16) -> Result<&StyleDef, ConductError> {
        self.styles
            .get(usize::from(style))
            .ok_or(ConductError::UnknownStyle(style))
    }

    pub fn contest(&self, id: &str) -> Result<&ContestConduct, ConductError> {
        self.contests
            .get(id)
            .ok_or_else(|| ConductError::UnknownContest(id.to_string()))
    }

    pub fn contests(&self) -> impl Iterator<Item = (&String, &ContestConduct)> {
        self.contests.iter()
    }

    pub fn phase(&self, id: &str) -> Option<Phase> {
        self.contests.get(id).map(|c| c.phase)
    }

    pub fn pool(&self, style: u16) -> PoolConduct {
        self.pools.get(&style).copied().unwrap_or_default()
    }

    pub fn pools(&self) -> impl Iterator<Item = (u16, &PoolConduct)> {
        self.pools.iter().map(|(s, p)| (*s, p))
    }

    pub fn desk(&self, style: u16) -> Option<Figures> {
        self.desk.get(&style).copied()
    }

    pub fn roll(&self) -> Option<&BTreeMap<String, u64>> {
        self.roll.as_ref()
    }

    pub fn result(&self, index: u64) -> Option<&ResultConduct> {
        self.results.get(&index)
    }

    pub fn results(&self) -> impl Iterator<Item = (&u64, &ResultConduct)> {
        self.results.iter()
    }

    /// The styles that hold a contest.
    pub fn styles_of(&self, contest: &str) -> Vec<u16> {
        self.styles
            .iter()
            .enumerate()
            .filter(|(_, s)| s.contests.iter().any(|c| c == contest))
            .filter_map(|(i, _)| u16::try_from(i).ok())
            .collect()
    }

    fn phase_of(&self, id: &str) -> Result<Phase, ConductError> {
        Ok(self.contest(id)?.phase)
    }

    fn contest_mut(&mut self, id: &str) -> Result<&mut ContestConduct, ConductError> {
        self.contests
            .get_mut(id)
            .ok_or_else(|| ConductError::UnknownContest(id.to_string()))
    }

    // ------------------------------------------------------------ contests

    /// Adds a contest of a later round (a runoff or the next round of a procedure) with its
    /// ballot style. Protocol 2: the result it comes from must be published.
    pub fn add_contest(
        &mut self,
        id: &str,
        arrival: impl Into<Arrival>,
        origin: Origin,
        style: StyleDef,
    ) -> Result<(), ConductError> {
        let arrival: Arrival = arrival.into();
        if self.contests.contains_key(id) {
            return Err(ConductError::ContestExists(id.to_string()));
        }
        let revote_of = match &origin {
            Origin::Revote { of } => Some(of.clone()),
            _ => None,
        };
        let source = match &origin {
            Origin::Spec => None,
            Origin::Runoff { parent } => Some(parent),
            Origin::NextRound { from } => Some(from),
            Origin::Procedure { procedure, round } => {
                // Only the contest the procedure's last step made ready, once.
                let (def, st) = self
                    .procedures
                    .get(procedure)
                    .ok_or_else(|| ConductError::UnknownProcedure(procedure.clone()))?;
                let r = def.rounds.get(st.done);
                if !st.contest_created
                    || r.map(|r| r.id.as_str()) != Some(round.as_str())
                    || r.and_then(|r| r.contest.as_deref()) != Some(id)
                {
                    return Err(ProcedureError::OutOfOrder {
                        procedure: procedure.clone(),
                        round: round.clone(),
                        expected: r.map(|r| r.id.clone()).unwrap_or_default(),
                    }
                    .into());
                }
                None
            }
            Origin::Revote { of } => {
                let c = self.contest(of)?;
                if c.result.is_none() || !c.invalid {
                    return Err(ConductError::RoundNotInvalid(of.clone()));
                }
                if c.revoted {
                    return Err(ConductError::RevoteExists(of.clone()));
                }
                // The invalid round is posted first (its board says 本轮无效), as a runoff's
                // source is: every export then holds both rounds.
                if self.strict() && self.published_result_of(of).is_none() {
                    return Err(ConductError::NotPublished(of.clone()));
                }
                None
            }
        };
        if let Origin::Runoff { parent } = &origin {
            let p = self.contest(parent)?;
            if p.reduced_by > 0 {
                return Err(ConductError::ShortfallDecided(parent.clone()));
            }
        }
        if let Some(source) = source {
            self.contest(source)?;
            if self.strict() && self.published_result_of(source).is_none() {
                return Err(ConductError::NotPublished(source.clone()));
            }
        }
        self.contests.insert(
            id.to_string(),
            ContestConduct {
                phase: Phase::Draft,
                mode: arrival.mode,
                origin,
                closed: None,
                correction: None,
                result: None,
                paper_ballots: 0,
                double_entry: arrival.double_entry,
                keyings: BTreeMap::new(),
                rekeyed_sheets: 0,
                keyings_logged: 0,
                decryption: Decryption::default(),
                invalid: false,
                revoted: false,
                unfilled: 0,
                superseded: false,
                reduced_by: 0,
            },
        );
        if let Some(of) = revote_of {
            self.contest_mut(&of)?.revoted = true;
        }
        self.styles.push(style);
        Ok(())
    }

    /// Records the seats each contest's latest count left unfilled (its `unfilled_seats`).
    /// Call right after [`Conduct::tally`].
    pub fn mark_unfilled(&mut self, unfilled: &[(String, u32)]) -> Result<(), ConductError> {
        for (id, u) in unfilled {
            self.contest_mut(id)?.unfilled = *u;
        }
        Ok(())
    }

    /// A recorded decision of the meeting to reduce the seats of `contest` instead of a new
    /// round for its unfilled ones (RULES.md section 2, party kinds: 如接近应选名额, 也可以
    /// 由大会讨论决定减少名额, 不再选举). The strict reading, and the only one: the reduction
    /// removes every unfilled seat and ends the contest: it withdraws the runoffs the publication
    /// prepared while they are still in draft (they can no longer open), is refused once one
    /// has opened, and no runoff may follow it. `reducible` is the contest kind's say.
    pub fn reduce_seats(
        &mut self,
        contest: &str,
        reduced_by: u32,
        reducible: bool,
        basis: &str,
    ) -> Result<(), ConductError> {
        check_reduction_basis(basis)?;
        let c = self.contest(contest)?;
        if !reducible {
            return Err(ConductError::SeatsNotReducible(contest.to_string()));
        }
        if self.published_result_of(contest).is_none() {
            return Err(ConductError::NotPublished(contest.to_string()));
        }
        // The runoffs prepared for its shortfall (created with the publication): withdrawn
        // while still in draft; once one opened, the new round is under way.
        let runoffs: Vec<String> = self
            .contests
            .iter()
            .filter(|(_, r)| matches!(&r.origin, Origin::Runoff { parent } if parent == contest))
            .map(|(id, _)| id.clone())
            .collect();
        let started = runoffs.iter().any(|id| {
            self.contests
                .get(id)
                .is_some_and(|r| r.phase != Phase::Draft)
        });
        if c.reduced_by > 0 || started {
            return Err(ConductError::ShortfallDecided(contest.to_string()));
        }
        if c.unfilled == 0 {
            return Err(ConductError::NoUnfilledSeats(contest.to_string()));
        }
        if reduced_by != c.unfilled {
            return Err(ConductError::ReductionMismatch {
                contest: contest.to_string(),
                unfilled: c.unfilled,
                reduced_by,
            });
        }
        self.contest_mut(contest)?.reduced_by = reduced_by;
        for id in runoffs {
            self.contest_mut(&id)?.superseded = true;
        }
        Ok(())
    }

    /// [`Conduct::reduce_seats`] for a logged `seats_reduced`: the kind and the seat count
    /// come from the contest of `contest` as registered, and `seats` must be what is left.
    pub fn reduce_seats_logged(
        &mut self,
        contest: &Contest,
        reduced_by: u32,
        seats: u32,
        basis: &str,
    ) -> Result<(), ConductError> {
        let reducible = contest.kind.family() == super::kind::Family::Party;
        let expected = contest.seats.saturating_sub(reduced_by);
        if seats != expected {
            return Err(ConductError::ReductionSeats {
                contest: contest.id.clone(),
                seats_before: contest.seats,
                reduced_by,
                expected,
                seats,
            });
        }
        self.reduce_seats(&contest.id, reduced_by, reducible, basis)
    }

    /// Marks the contests a result counted as an invalid round (its `valid: false`), which
    /// a re-vote may then repeat. Call right after [`Conduct::tally`].
    pub fn mark_invalid(&mut self, contests: &[String]) -> Result<(), ConductError> {
        for id in contests {
            self.contest_mut(id)?.invalid = true;
        }
        Ok(())
    }

    pub fn open(&mut self, id: &str) -> Result<(), ConductError> {
        match self.phase_of(id)? {
            Phase::Draft => {}
            Phase::Open => return Err(ConductError::ContestAlreadyOpen(id.to_string())),
            Phase::Closed => return Err(ConductError::ContestClosed(id.to_string())),
        }
        if self.contest(id)?.superseded {
            return Err(ConductError::RunoffSuperseded(id.to_string()));
        }
        if matches!(self.secrecy, Secrecy::Encrypted { .. })
            && self.contest(id)?.mode != Mode::Paper
            && self.ceremony.key.is_none()
        {
            return Err(ConductError::ElectionKeyMissing);
        }
        self.contest_mut(id)?.phase = Phase::Open;
        Ok(())
    }

    /// Closes a contest with its figures. Protocol 2: the figures are the sum of the desk
    /// counts logged for the contest's styles (the desk's, not anyone's typing).
    pub fn close(&mut self, id: &str, figures: Figures) -> Result<(), ConductError> {
        match self.phase_of(id)? {
            Phase::Open => {}
            Phase::Draft => return Err(ConductError::ContestNotOpen(id.to_string())),
            Phase::Closed => return Err(ConductError::ContestClosed(id.to_string())),
        }
        let c = self.contest(id)?;
        if !c.keyings.is_empty() {
            return Err(ConductError::PaperSheetOpen {
                contest: id.to_string(),
                sheet: c.paper_ballots + 1,
            });
        }
        if self.strict() {
            let desk = self.desk_figures(id)?;
            if desk != figures {
                return Err(ConductError::CloseFiguresMismatch {
                    contest: id.to_string(),
                    close_e: figures.eligible,
                    close_p: figures.present,
                    close_i: figures.issued,
                    desk_e: desk.eligible,
                    desk_p: desk.present,
                    desk_i: desk.issued,
                });
            }
        }
        let c = self.contest_mut(id)?;
        c.phase = Phase::Closed;
        c.closed = Some(figures);
        Ok(())
    }

    /// The sum of the latest desk counts of a contest's styles.
    pub fn desk_figures(&self, contest: &str) -> Result<Figures, ConductError> {
        let mut sum = Figures::default();
        for s in self.styles_of(contest) {
            let f = self
                .desk
                .get(&s)
                .copied()
                .ok_or_else(|| ConductError::DeskCountMissing {
                    contest: contest.to_string(),
                    style: s,
                })?;
            sum = sum.add(f);
        }
        Ok(sum)
    }

    /// Records the desk's count of a style. Protocol 2: `E` equals the roll's voters for the
    /// style when a roll was registered, and `P ≤ E`.
    pub fn desk_count(&mut self, style: u16, figures: Figures) -> Result<(), ConductError> {
        self.style(style)?;
        if self.strict() {
            if let Some(roll) = self.style_voters(style) {
                if roll != figures.eligible {
                    return Err(ConductError::DeskEligibleMismatch {
                        style,
                        logged: figures.eligible,
                        roll,
                    });
                }
            }
            if figures.present > figures.eligible {
                return Err(ConductError::DeskPresentExceedsEligible {
                    style,
                    present: figures.present,
                    eligible: figures.eligible,
                });
            }
        }
        self.desk.insert(style, figures);
        Ok(())
    }

    /// Records a correction of an opened, uncounted contest's figures (for example the paper
    /// desk's figures merged in), made by one person and approved by a second person of
    /// another role. The latest correction is what the count uses.
    pub fn correct(&mut self, id: &str, correction: Correction) -> Result<(), ConductError> {
        let c = self.contest(id)?;
        if c.phase == Phase::Draft || c.result.is_some() {
            return Err(ConductError::CorrectionOutOfOrder(id.to_string()));
        }
        if correction.reason.trim().is_empty() {
            return Err(ConductError::CorrectionReasonMissing);
        }
        let (p, a) = (&correction.proposer, &correction.approver);
        if p.name.trim().is_empty()
            || a.name.trim().is_empty()
            || p.name == a.name
            || p.role == a.role
        {
            return Err(ConductError::CorrectionNeedsTwo {
                proposer: p.name.clone(),
                proposer_role: p.role.clone(),
                approver: a.name.clone(),
                approver_role: a.role.clone(),
            });
        }
        self.contest_mut(id)?.correction = Some(correction);
        Ok(())
    }

    // ------------------------------------------------------------ roll and pools

    /// Registers the roll's size per unit. Protocol 2: only before any contest opened.
    pub fn register_roll(&mut self, units: BTreeMap<String, u64>) -> Result<(), ConductError> {
        if self.strict() && self.contests.values().any(|c| c.phase != Phase::Draft) {
            return Err(ConductError::RollLocked);
        }
        self.roll = Some(units);
        Ok(())
    }

    /// Voters on the roll who get this style: the style's unit, or for a style without a
    /// unit, every unit that has no style of its own in that round. `None` without a roll.
    pub fn style_voters(&self, style: u16) -> Option<u64> {
        let roll = self.roll.as_ref()?;
        let s = self.styles.get(usize::from(style))?;
        Some(style_voters(&self.styles, s, roll))
    }

    /// The most tokens a style may have: its voters plus the spare percentage, rounded up.
    pub fn pool_cap(&self, style: u16) -> Option<u64> {
        self.style_voters(style)
            .map(|n| n + (n * u64::from(self.spare_percent)).div_ceil(100))
    }

    /// Whether any contest of a style has started.
    fn style_started(&self, s: &StyleDef) -> bool {
        s.contests.iter().any(|c| {
            self.contests
                .get(c)
                .is_some_and(|x| x.phase != Phase::Draft)
        })
    }

    /// Registers a pool of `count` tokens for a style. Protocol 2: within the cap, and with a
    /// reason once voting in the style has started.
    pub fn register_pool(
        &mut self,
        style: u16,
        count: u64,
        reason: Option<&str>,
    ) -> Result<(), ConductError> {
        let s = self.style(style)?.clone();
        let late = self.style_started(&s);
        if self.strict() {
            let cap = self.pool_cap(style).ok_or(ConductError::RollMissing)?;
            if s.contests.iter().all(|c| {
                self.contests
                    .get(c)
                    .is_some_and(|x| x.phase == Phase::Closed)
            }) {
                return Err(ConductError::PoolAfterClose(style));
            }
            let registered = self.pool(style).registered;
            if registered.saturating_add(count) > cap {
                return Err(ConductError::PoolOverCap {
                    style,
                    cap,
                    voters: self.style_voters(style).unwrap_or(0),
                    spare: self.spare_percent,
                    registered,
                    asked: count,
                });
            }
            if late && reason.is_none_or(|r| r.trim().is_empty()) {
                return Err(ConductError::PoolReasonMissing);
            }
        }
        let p = self.pools.entry(style).or_default();
        p.registered += count;
        if late {
            p.late += count;
        }
        Ok(())
    }

    /// Whether a ballot of this style may be cast now, with `pending` more of the style
    /// already accepted into the current batch.
    pub fn check_spend(&self, style: u16, pending: u64) -> Result<(), ConductError> {
        let s = self.style(style)?;
        for c in &s.contests {
            let cc = self.contest(c)?;
            match cc.phase {
                Phase::Open => {}
                Phase::Draft => return Err(ConductError::ContestNotOpen(c.clone())),
                Phase::Closed => return Err(ConductError::ContestClosed(c.clone())),
            }
            if self.strict() && cc.mode == Mode::Paper {
                return Err(ConductError::NotAnElectronicContest(c.clone()));
            }
        }
        let p = self.pool(style);
        if p.voided {
            return Err(ConductError::TokensVoided);
        }
        if p.spent + pending >= p.registered {
            return Err(ConductError::PoolExhausted {
                style,
                spent: p.spent + pending,
                registered: p.registered,
            });
        }
        Ok(())
    }

    /// Spends one token of a style (after [`Conduct::check_spend`]).
    pub fn spend(&mut self, style: u16) -> Result<(), ConductError> {
        self.check_spend(style, 0)?;
        self.pools.entry(style).or_default().spent += 1;
        Ok(())
    }

    /// Voids the unspent tokens of a style whose contests are all closed; the logged counts
    /// must be what the log implies.
    pub fn void(&mut self, style: u16, voided: u64, spent: u64) -> Result<(), ConductError> {
        let s = self.style(style)?.clone();
        if let Some(c) = s.contests.iter().find(|c| {
            self.contests
                .get(*c)
                .is_none_or(|x| x.phase != Phase::Closed)
        }) {
            return Err(ConductError::ContestNotClosed(c.clone()));
        }
        let p = self.pool(style);
        if p.voided {
            return Err(ConductError::TokensVoided);
        }
        let left = p.registered.saturating_sub(p.spent);
        if self.strict() && (voided != left || spent != p.spent) {
            return Err(ConductError::VoidMismatch {
                style,
                voided_logged: voided,
                spent_logged: spent,
                voided: left,
                spent: p.spent,
            });
        }
        self.pools.entry(style).or_default().voided = true;
        Ok(())
    }

    // ------------------------------------------------------------ procedures

    /// The election's multi-round procedures, each at its start.
    pub fn with_procedures(mut self, defs: &[ProcedureDef]) -> Conduct {
        self.procedures = defs
            .iter()
            .map(|d| (d.id.clone(), (d.clone(), ProcedureState::start(d))))
            .collect();
        self
    }

    /// A procedure and where it stands.
    pub fn procedure(&self, id: &str) -> Result<&(ProcedureDef, ProcedureState), ConductError> {
        self.procedures
            .get(id)
            .ok_or_else(|| ConductError::UnknownProcedure(id.to_string()))
    }

    pub fn procedures(&self) -> impl Iterator<Item = &(ProcedureDef, ProcedureState)> {
        self.procedures.values()
    }

    /// The kind of round whose contest is `contest`, if a procedure creates it.
    /// (A re-vote of a round's contest stands for it.)
    pub fn round_kind_of(&self, contest: &str) -> Option<RoundKind> {
        let base = self.revoted_from(contest);
        self.procedures.values().find_map(|(d, _)| {
            d.round_of_contest(&base)
                .and_then(|i| d.rounds.get(i))
                .map(|r| r.kind)
        })
    }

    /// The procedure a contest is a round of (its re-votes included).
    pub fn procedure_of(&self, contest: &str) -> Option<&ProcedureDef> {
        let base = self.revoted_from(contest);
        self.procedures
            .values()
            .map(|(d, _)| d)
            .find(|d| d.round_of_contest(&base).is_some())
    }

    /// The contest a re-vote chain started from (`contest` itself when it is no re-vote).
    fn revoted_from(&self, contest: &str) -> String {
        let mut cur = contest.to_string();
        while let Some(Origin::Revote { of }) = self.contests.get(&cur).map(|c| &c.origin) {
            if *of == cur {
                break;
            }
            cur = of.clone();
        }
        cur
    }

    /// The contest that stands for a round's contest: the latest re-vote of it, or itself.
    pub fn standing_contest(&self, contest: &str) -> String {
        let mut cur = contest.to_string();
        while let Some(next) = self
            .contests
            .iter()
            .find(|(_, c)| matches!(&c.origin, Origin::Revote { of } if *of == cur))
            .map(|(id, _)| id.clone())
        {
            cur = next;
        }
        cur
    }

    /// Records whom the result at `index` of a procedure round's contest passes on (the
    /// caller reads it from the result: `record::procedure::passed_on`).
    pub fn record_round_result(&mut self, index: u64, contest: &str, passed: Vec<String>) {
        self.round_results
            .insert(contest.to_string(), (index, passed));
    }

    /// The outcome the rules give for the next round of a procedure, without recording it.
    /// A round held as a contest takes whom its contest's published result passes on
    /// (`result` must name that result; `input` is then not read).
    pub fn check_procedure_step(
        &self,
        procedure: &str,
        round: &str,
        input: StepInput<'_>,
        result: Option<u64>,
    ) -> Result<StepOutcome, ConductError> {
        let (def, st) = self.procedure(procedure)?;
        let i = def
            .round_index(round)
            .ok_or_else(|| ProcedureError::OutOfOrder {
                procedure: procedure.to_string(),
                round: round.to_string(),
                expected: def
                    .rounds
                    .get(st.done)
                    .map(|r| r.id.clone())
                    .unwrap_or_default(),
            })?;
        if let Some(round_contest) = def.rounds[i].contest.as_deref() {
            // A round counted invalid and re-voted goes on with its re-vote's result.
            let standing = self.standing_contest(round_contest);
            let contest = standing.as_str();
            if self.contests.get(contest).is_some_and(|c| c.invalid) {
                return Err(ProcedureError::RoundInvalid {
                    round: round.to_string(),
                    contest: contest.to_string(),
                }
                .into());
            }
            let published = self
                .contests
                .get(contest)
                .and_then(|_| self.published_result_of(contest));
            let passed = self
                .round_results
                .get(contest)
                .filter(|(at, _)| published == Some(*at) && result == Some(*at));
            let Some((_, passed)) = passed else {
                return Err(ProcedureError::ResultMissing {
                    round: round.to_string(),
                    contest: contest.to_string(),
                }
                .into());
            };
            return Ok(step(def, st, round, StepInput::Passed(passed))?);
        }
        Ok(step(def, st, round, input)?)
    }

    /// Records a logged step: the rules' outcome must be the one logged (posts, people in
    /// order, a widened list).
    pub fn procedure_step(&mut self, logged: &LoggedStep<'_>) -> Result<(), ConductError> {
        let outcome =
            self.check_procedure_step(logged.procedure, logged.round, logged.input, logged.result)?;
        if outcome.posts != logged.posts
            || outcome.people != logged.people
            || outcome.widened != logged.widened
        {
            return Err(ProcedureError::Mismatch {
                round: logged.round.to_string(),
                message: format!(
                    "{} post(s), {} person(s){} / logged {} post(s), {} person(s)",
                    outcome.posts,
                    outcome.people.len(),
                    if outcome.widened { ", widened" } else { "" },
                    logged.posts,
                    logged.people.len()
                ),
            }
            .into());
        }
        if let Some((_, st)) = self.procedures.get_mut(logged.procedure) {
            advance(st, outcome);
        }
        Ok(())
    }

    /// Accepts the contest the next round of a procedure creates: the round's contest id,
    /// listing exactly who the last step passed on (by id and name), and, for a
    /// recommendation or an election, the posts as its seats. Call before
    /// [`Conduct::add_contest`] with [`Origin::Procedure`].
    pub fn procedure_contest(
        &mut self,
        procedure: &str,
        round: &str,
        contest: &str,
        people: &[Entrant],
        seats: Option<u32>,
    ) -> Result<(), ConductError> {
        let (def, st) = self.procedure(procedure)?;
        let expected = def.rounds.get(st.done);
        let ok_round =
            expected.is_some_and(|r| r.id == round && r.contest.as_deref() == Some(contest));
        if !ok_round || st.done == 0 || st.contest_created {
            return Err(ProcedureError::OutOfOrder {
                procedure: procedure.to_string(),
                round: round.to_string(),
                expected: expected.map(|r| r.id.clone()).unwrap_or_default(),
            }
            .into());
        }
        let mut want = st.people.clone();
        want.sort();
        let mut got = people.to_vec();
        got.sort();
        let seats_ok = match expected.map(|r| r.kind) {
            Some(RoundKind::Evaluation) => true,
            _ => seats == Some(st.posts),
        };
        if want != got || !seats_ok {
            return Err(ProcedureError::Mismatch {
                round: round.to_string(),
                message: format!(
                    "“{contest}” 须列出上一轮的 {} 人, 应选 {} 名 / “{contest}” must list the {} people of the last step, for {} seat(s)",
                    want.len(),
                    st.posts,
                    want.len(),
                    st.posts
                ),
            }
            .into());
        }
        if let Some((_, st)) = self.procedures.get_mut(procedure) {
            st.contest_created = true;
        }
        Ok(())
    }

    // ------------------------------------------------------------ paper ballots

    /// Whether a paper ballot may be keyed in for a contest now.
    pub fn check_paper(&self, contest: &str) -> Result<(), ConductError> {
        let c = self.contest(contest)?;
        match c.phase {
            Phase::Open => {}
            Phase::Draft => return Err(ConductError::ContestNotOpen(contest.to_string())),
            Phase::Closed => return Err(ConductError::ContestClosed(contest.to_string())),
        }
        if !c.mode.takes_paper() {
            return Err(ConductError::NotAPaperContest {
                contest: contest.to_string(),
                mode: c.mode.id(),
            });
        }
        Ok(())
    }

    /// Counts one paper ballot. `sheet`, when given, must be the sheet being keyed (the
    /// contest's paper ballots so far plus one). In a double-entry contest it must be given,
    /// and two different tellers' latest keyings of it must both equal `ballot` (compared in
    /// canonical form); the sheet's keyings are then closed and the next sheet opens.
    pub fn paper(
        &mut self,
        contest: &str,
        sheet: Option<u64>,
        ballot: &Ballot,
    ) -> Result<(), ConductError> {
        self.check_paper(contest)?;
        let c = self.contest(contest)?;
        let open = c.paper_ballots + 1;
        if let Some(sheet) = sheet {
            if sheet != open {
                return Err(ConductError::PaperSheet {
                    contest: contest.to_string(),
                    sheet,
                    open,
                });
            }
        }
        if c.double_entry {
            if sheet.is_none() {
                return Err(ConductError::PaperSheetMissing(contest.to_string()));
            }
            let canonical = ballot.canonical();
            let alike = c.keyings.values().filter(|k| **k == canonical).count();
            if alike < 2 {
                return Err(ConductError::PaperNotAgreed {
                    contest: contest.to_string(),
                    sheet: open,
                });
            }
        }
        let c = self.contest_mut(contest)?;
        c.paper_ballots += 1;
        c.keyings.clear();
        Ok(())
    }

    /// Whether `teller` may key (or withdraw a keying of) `sheet` of a double-entry contest
    /// now: the contest is open, takes paper, is keyed twice, and `sheet` is the open one.
    pub fn check_key_paper(
        &self,
        contest: &str,
        sheet: u64,
        teller: &str,
    ) -> Result<(), ConductError> {
        self.check_paper(contest)?;
        let c = self.contest(contest)?;
        if !c.double_entry {
            return Err(ConductError::NotDoubleEntry(contest.to_string()));
        }
        if teller.trim().is_empty() {
            return Err(ConductError::PaperTeller);
        }
        let open = c.paper_ballots + 1;
        if sheet != open {
            return Err(ConductError::PaperSheet {
                contest: contest.to_string(),
                sheet,
                open,
            });
        }
        Ok(())
    }

    /// Records `teller`'s keying of the open sheet of a double-entry contest, replacing
    /// their earlier keying of it; `None` withdraws it. Says whether another teller's
    /// latest keying agrees.
    pub fn key_paper(
        &mut self,
        contest: &str,
        sheet: u64,
        teller: &str,
        ballot: Option<&Ballot>,
    ) -> Result<Keyed, ConductError> {
        self.check_key_paper(contest, sheet, teller)?;
        let c = self.contest_mut(contest)?;
        let Some(ballot) = ballot else {
            if c.keyings.remove(teller).is_none() {
                return Err(ConductError::PaperNothingToWithdraw {
                    contest: contest.to_string(),
                    sheet,
                    teller: teller.to_string(),
                });
            }
            c.keyings_logged += 1;
            return Ok(Keyed::Withdrawn);
        };
        let canonical = ballot.canonical();
        let was_split = split(&c.keyings);
        c.keyings.insert(teller.to_string(), canonical.clone());
        c.keyings_logged += 1;
        let others: Vec<&String> = c.keyings.keys().filter(|t| *t != teller).collect();
        if others.is_empty() {
            return Ok(Keyed::Waiting);
        }
        if c.keyings
            .iter()
            .any(|(t, k)| t != teller && *k == canonical)
        {
            return Ok(Keyed::Agreed);
        }
        let tellers = others.into_iter().cloned().collect();
        if !was_split {
            c.rekeyed_sheets += 1;
        }
        Ok(Keyed::Mismatch { tellers })
    }

    /// The open sheet of a paper contest (its paper ballots so far plus one) and the tellers
    /// who keyed it, with whether their keyings disagree.
    pub fn paper_sheet(&self, contest: &str) -> Result<(u64, Vec<String>, bool), ConductError> {
        let c = self.contest(contest)?;
        Ok((
            c.paper_ballots + 1,
            c.keyings.keys().cloned().collect(),
            split(&c.keyings),
        ))
    }

    // ------------------------------------------------------------ results

    /// Records a result entry at `index` for closed contests. Protocol 2: one result per
    /// contest.
    pub fn tally(&mut self, index: u64, contests: &[String]) -> Result<(), ConductError> {
        for id in contests {
            let c = self.contest(id)?;
            if c.phase != Phase::Closed {
                return Err(ConductError::ContestNotClosed(id.clone()));
            }
            if self.strict() && c.result.is_some() {
                return Err(ConductError::AlreadyTallied(id.clone()));
            }
        }
        for id in contests {
            self.contest_mut(id)?.result = Some(index);
        }
        self.results.insert(
            index,
            ResultConduct {
                contests: contests.to_vec(),
                signers: BTreeSet::new(),
                published: false,
            },
        );
        Ok(())
    }

    /// Records a verified teller signature on a result. Protocol 2: one per teller key.
    pub fn signature(&mut self, result: u64, teller: &str) -> Result<(), ConductError> {
        let strict = self.strict();
        let r = self
            .results
            .get_mut(&result)
            .ok_or(ConductError::UnknownResult(result))?;
        if !r.signers.insert(teller.to_string()) && strict {
            return Err(ConductError::SignatureDuplicate {
                teller: teller.to_string(),
                result,
            });
        }
        Ok(())
    }

    /// Publishes a result once enough distinct teller keys signed it.
    pub fn publish(&mut self, result: u64, required: u64) -> Result<(), ConductError> {
        let r = self
            .results
            .get_mut(&result)
            .ok_or(ConductError::UnknownResult(result))?;
        if r.published {
            return Err(ConductError::AlreadyPublished(result));
        }
        let have = r.signers.len() as u64;
        if have < required {
            return Err(ConductError::SignaturesMissing {
                result,
                have,
                required,
            });
        }
        r.published = true;
        Ok(())
    }

    /// The published result that counted a contest.
    pub fn published_result_of(&self, contest: &str) -> Option<u64> {
        let index = self.contests.get(contest)?.result?;
        self.results
            .get(&index)
            .filter(|r| r.published)
            .map(|_| index)
    }
}

/// Longest reason of a re-vote, in characters.
pub const REVOTE_REASON_CHARS_MAX: usize = 500;

/// A re-vote's reason: said, and short enough for the board.
pub fn check_revote_reason(reason: &str) -> Result<(), ConductError> {
    let n = reason.trim().chars().count();
    if n == 0 || n > REVOTE_REASON_CHARS_MAX || reason.chars().any(char::is_control) {
        return Err(ConductError::RevoteReason);
    }
    Ok(())
}

/// A seat reduction's basis: said, and short enough for the board.
pub fn check_reduction_basis(basis: &str) -> Result<(), ConductError> {
    let n = basis.trim().chars().count();
    if n == 0 || n > REVOTE_REASON_CHARS_MAX || basis.chars().any(char::is_control) {
        return Err(ConductError::ReductionBasis);
    }
    Ok(())
}

/// Voters on the roll who get style `s` (see [`Conduct::style_voters`]).
pub fn style_voters(styles: &[StyleDef], s: &StyleDef, roll: &BTreeMap<String, u64>) -> u64 {
    if !s.unit.is_empty() {
        return roll.get(&s.unit).copied().unwrap_or(0);
    }
    roll.iter()
        .filter(|(unit, _)| {
            !styles
                .iter()
                .any(|o| o.round == s.round && !o.unit.is_empty() && &o.unit == *unit)
        })
        .map(|(_, n)| n)
        .sum()
}

/// The style a voter of `unit` gets in `round`: the round's style for that unit, else the
/// round's style without a unit.
pub fn style_of_unit(styles: &[StyleDef], round: u8, unit: &str) -> Option<u16> {
    let in_round = || styles.iter().enumerate().filter(|(_, s)| s.round == round);
    in_round()
        .find(|(_, s)| s.unit == unit)
        .or_else(|| in_round().find(|(_, s)| s.unit.is_empty()))
        .and_then(|(i, _)| u16::try_from(i).ok())
}

/// A ballot holds each contest of its style exactly once, and nothing else.
pub fn check_ballot_contests(style: &StyleDef, contests: &[&str]) -> Result<(), ConductError> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for c in contests {
        if !style.contests.iter().any(|s| s == c) {
            return Err(ConductError::BallotContestNotOnStyle {
                contest: c.to_string(),
            });
        }
        if !seen.insert(c) {
            return Err(ConductError::BallotContestTwice {
                contest: c.to_string(),
            });
        }
    }
    if let Some(missing) = style.contests.iter().find(|c| !seen.contains(c.as_str())) {
        return Err(ConductError::BallotContestMissing {
            contest: missing.clone(),
        });
    }
    Ok(())
}

/// An electronic (plaintext) ballot is never void: the kiosk refuses an over-marked ballot
/// instead of casting it (paper ballots, by contrast, are recorded void as they are read).
pub fn check_electronic_ballot(contest: &Contest, ballot: &Ballot) -> Result<(), ConductError> {
    let reason = match ballot {
        Ballot::Candidates(b) => void_reason(contest, b),
        Ballot::Evaluation(b) => contest
            .evaluation
            .as_ref()
            .and_then(|e| evaluation_void_reason(e, b)),
    };
    match reason {
        Some(r) => Err(ConductError::ElectronicBallotVoid {
            code: r.code(),
            message: format!("“{}”: {}", contest.title, r.message()),
        }),
        None => Ok(()),
    }
}

/// Whether a sheet's keyings disagree: two or more tellers keyed it and no two alike.
fn split(keyings: &BTreeMap<String, Ballot>) -> bool {
    let all: Vec<&Ballot> = keyings.values().collect();
    all.len() >= 2
        && !all
            .iter()
            .enumerate()
            .any(|(i, a)| all[i + 1..].contains(a))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::rules::ballot::Mark;

    fn style(round: u8, unit: &str, contests: &[&str]) -> StyleDef {
        StyleDef {
            round,
            unit: unit.into(),
            contests: contests.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn conduct() -> Conduct {
        Conduct::new(
            2,
            5,
            vec![style(1, "一支部", &["a", "b"]), style(1, "", &["a"])],
            &[
                ("a".into(), Mode::Electronic.into()),
                ("b".into(), Mode::Hybrid.into()),
            ],
        )
    }

    fn roll() -> BTreeMap<String, u64> {
        [("一支部".to_string(), 40), ("二支部".to_string(), 60)]
            .into_iter()
            .collect()
    }

    fn f(e: u64, p: u64, i: u64) -> Figures {
        Figures {
            eligible: e,
            present: p,
            issued: i,
        }
    }

    /// Contest "a" closed, counted at result 10 with `unfilled` seats left, and published.
    fn counted_with_shortfall(unfilled: u32) -> Conduct {
        let mut c = conduct();
        c.register_roll(roll()).unwrap();
        c.open("a").unwrap();
        c.desk_count(0, f(40, 30, 30)).unwrap();
        c.desk_count(1, f(60, 50, 50)).unwrap();
        c.close("a", f(100, 80, 80)).unwrap();
        c.tally(10, &["a".into()]).unwrap();
        c.mark_unfilled(&[("a".into(), unfilled)]).unwrap();
        c.signature(10, "t1").unwrap();
        c.publish(10, 1).unwrap();
        c
    }

    // RULES.md section 2, party kinds: "or the meeting reduces the seats when close (needs a
    // recorded decision)"; the strict reading: by every unfilled seat, and no new round.
    #[test]
    fn a_seat_reduction_is_recorded_once_for_a_party_shortfall_and_withdraws_a_draft_runoff() {
        let basis = "大会表决通过减少名额";
        let mut c = counted_with_shortfall(1);
        let code = |r: Result<(), ConductError>| r.unwrap_err().code();
        assert_eq!(
            code(c.clone().reduce_seats("a", 1, false, basis)),
            "seats_not_reducible"
        );
        assert_eq!(
            code(c.clone().reduce_seats("a", 1, true, " ")),
            "reduction_basis"
        );
        assert_eq!(
            code(c.clone().reduce_seats("a", 2, true, basis)),
            "reduction_mismatch"
        );
        assert_eq!(
            code(counted_with_shortfall(0).reduce_seats("a", 0, true, basis)),
            "no_unfilled_seats"
        );
        // The runoff the publication prepared: withdrawn by the reduction, then cannot open.
        c.add_contest(
            "a-r1",
            Mode::Electronic,
            Origin::Runoff { parent: "a".into() },
            style(2, "", &["a-r1"]),
        )
        .unwrap();
        let mut opened = c.clone();
        opened.open("a-r1").unwrap();
        assert_eq!(
            code(opened.reduce_seats("a", 1, true, basis)),
            "shortfall_decided"
        );
        c.reduce_seats("a", 1, true, basis).unwrap();
        assert_eq!(c.contest("a").unwrap().reduced_by, 1);
        assert_eq!(code(c.open("a-r1")), "runoff_superseded");
        assert_eq!(
            code(c.reduce_seats("a", 1, true, basis)),
            "shortfall_decided"
        );
        let again = c.add_contest(
            "a-r2",
            Mode::Electronic,
            Origin::Runoff { parent: "a".into() },
            style(3, "", &["a-r2"]),
        );
        assert_eq!(code(again), "shortfall_decided");
    }

    #[test]
    fn a_seat_reduction_needs_a_published_result() {
        let mut c = conduct();
        assert_eq!(
            c.reduce_seats("a", 1, true, "大会决定").unwrap_err().code(),
            "not_published"
        );
    }

    #[test]
    fn pools_stay_within_the_roll_plus_spare_and_late_ones_need_a_reason() {
        let mut c = conduct();
        assert_eq!(
            c.register_pool(0, 10, None).unwrap_err().code(),
            "roll_missing"
        );
        c.register_roll(roll()).unwrap();
        // Style 1 (no unit) covers 二支部 only: 60 + ceil(3) = 63.
        assert_eq!(c.style_voters(0), Some(40));
        assert_eq!(c.style_voters(1), Some(60));
        assert_eq!(c.pool_cap(0), Some(42));
        assert_eq!(c.pool_cap(1), Some(63));
        c.register_pool(0, 40, None).unwrap();
        let e = c.register_pool(0, 3, None).unwrap_err();
        assert_eq!(e.code(), "pool_over_cap");
        c.register_pool(0, 2, None).unwrap();
        c.open("a").unwrap();
        assert_eq!(c.register_roll(roll()).unwrap_err().code(), "roll_locked");
        c.register_pool(1, 10, None).unwrap_err();
        assert_eq!(
            c.register_pool(1, 10, Some("  ")).unwrap_err().code(),
            "pool_reason_missing"
        );
        c.register_pool(1, 10, Some("slips damaged by rain"))
            .unwrap();
        assert_eq!(c.pool(1).late, 10);
    }

    #[test]
    fn ballots_need_open_contests_and_an_unspent_pool() {
        let mut c = conduct();
        c.register_roll(roll()).unwrap();
        c.register_pool(1, 2, None).unwrap();
        assert_eq!(c.check_spend(1, 0).unwrap_err().code(), "contest_not_open");
        c.open("a").unwrap();
        c.spend(1).unwrap();
        assert_eq!(c.check_spend(1, 1).unwrap_err().code(), "pool_exhausted");
        c.spend(1).unwrap();
        assert_eq!(c.spend(1).unwrap_err().code(), "pool_exhausted");
    }

    #[test]
    fn the_close_takes_the_desks_figures_and_nobody_elses() {
        let mut c = conduct();
        c.register_roll(roll()).unwrap();
        c.open("a").unwrap();
        assert_eq!(
            c.close("a", f(100, 90, 90)).unwrap_err().code(),
            "desk_count_missing"
        );
        assert_eq!(
            c.desk_count(0, f(41, 30, 30)).unwrap_err().code(),
            "desk_eligible_mismatch"
        );
        c.desk_count(0, f(40, 30, 30)).unwrap();
        c.desk_count(1, f(60, 50, 50)).unwrap();
        // A teller's own figures: refused.
        let e = c.close("a", f(100, 80, 89)).unwrap_err();
        assert_eq!(e.code(), "close_figures_mismatch");
        c.close("a", f(100, 80, 80)).unwrap();
        assert_eq!(
            c.close("a", f(100, 80, 80)).unwrap_err().code(),
            "contest_closed"
        );
    }

    #[test]
    fn corrections_need_two_people_of_two_roles_after_close_and_before_the_count() {
        let mut c = conduct();
        c.register_roll(roll()).unwrap();
        let person = |n: &str, r: &str| Person {
            name: n.into(),
            role: r.into(),
        };
        let fix = |p: Person, a: Person, reason: &str| Correction {
            figures: f(100, 95, 95),
            reason: reason.into(),
            proposer: p,
            approver: a,
        };
        let early = fix(
            person("wang", "teller"),
            person("li", "organiser"),
            "paper desk",
        );
        assert_eq!(
            c.correct("a", early.clone()).unwrap_err().code(),
            "correction_out_of_order"
        );
        c.open("a").unwrap();
        c.desk_count(0, f(40, 30, 30)).unwrap();
        c.desk_count(1, f(60, 50, 50)).unwrap();
        c.close("a", f(100, 80, 80)).unwrap();
        for bad in [
            fix(person("wang", "teller"), person("wang", "organiser"), "x"),
            fix(person("wang", "teller"), person("zhao", "teller"), "x"),
        ] {
            assert_eq!(
                c.correct("a", bad).unwrap_err().code(),
                "correction_needs_two"
            );
        }
        assert_eq!(
            c.correct(
                "a",
                fix(person("wang", "teller"), person("li", "organiser"), " ")
            )
            .unwrap_err()
            .code(),
            "correction_reason_missing"
        );
        c.correct("a", early).unwrap();
        assert_eq!(
            c.contest("a").unwrap().counting_figures(),
            Some(f(100, 95, 95))
        );
        c.tally(7, &["a".into()]).unwrap();
        assert_eq!(
            c.correct(
                "a",
                fix(person("wang", "teller"), person("li", "organiser"), "late")
            )
            .unwrap_err()
            .code(),
            "correction_out_of_order"
        );
    }

    #[test]
    fn results_signatures_and_publication() {
        let mut c = conduct();
        c.register_roll(roll()).unwrap();
        assert_eq!(
            c.tally(3, &["a".into()]).unwrap_err().code(),
            "contest_not_closed"
        );
        c.open("a").unwrap();
        c.desk_count(0, f(40, 1, 1)).unwrap();
        c.desk_count(1, f(60, 1, 1)).unwrap();
        c.close("a", f(100, 2, 2)).unwrap();
        c.tally(9, &["a".into()]).unwrap();
        assert_eq!(
            c.tally(10, &["a".into()]).unwrap_err().code(),
            "already_tallied"
        );
        c.signature(9, "teller-wang").unwrap();
        assert_eq!(
            c.signature(9, "teller-wang").unwrap_err().code(),
            "signature_duplicate"
        );
        assert_eq!(c.publish(9, 2).unwrap_err().code(), "signatures_missing");
        c.signature(9, "teller-li").unwrap();
        c.publish(9, 2).unwrap();
        assert_eq!(c.publish(9, 2).unwrap_err().code(), "already_published");
        assert_eq!(c.published_result_of("a"), Some(9));
        c.add_contest(
            "a-r1",
            Mode::Electronic,
            Origin::Runoff { parent: "a".into() },
            style(2, "", &["a-r1"]),
        )
        .unwrap();
        assert_eq!(
            c.add_contest(
                "b-2",
                Mode::Electronic,
                Origin::NextRound { from: "b".into() },
                style(2, "", &["b-2"]),
            )
            .unwrap_err()
            .code(),
            "not_published"
        );
    }

    #[test]
    fn voiding_must_say_what_the_log_implies() {
        let mut c = conduct();
        c.register_roll(roll()).unwrap();
        c.register_pool(1, 5, None).unwrap();
        c.open("a").unwrap();
        c.spend(1).unwrap();
        assert_eq!(c.void(1, 4, 1).unwrap_err().code(), "contest_not_closed");
        c.desk_count(0, f(40, 1, 1)).unwrap();
        c.desk_count(1, f(60, 1, 1)).unwrap();
        c.close("a", f(100, 2, 2)).unwrap();
        assert_eq!(c.void(1, 5, 0).unwrap_err().code(), "void_mismatch");
        c.void(1, 4, 1).unwrap();
        assert_eq!(c.void(1, 4, 1).unwrap_err().code(), "tokens_voided");
    }

    #[test]
    fn a_ballot_holds_each_contest_of_its_style_once() {
        let s = style(1, "", &["a", "b"]);
        check_ballot_contests(&s, &["b", "a"]).unwrap();
        for bad in [&["a", "a", "b"][..], &["a"], &["a", "b", "c"]] {
            assert_eq!(
                check_ballot_contests(&s, bad).unwrap_err().code(),
                "ballot_style_mismatch"
            );
        }
    }

    #[test]
    fn no_electronic_ballot_in_a_paper_contest() {
        let mut c = Conduct::new(
            2,
            5,
            vec![style(1, "", &["p"])],
            &[("p".into(), Mode::Paper.into())],
        );
        c.register_roll(roll()).unwrap();
        c.register_pool(0, 5, None).unwrap();
        c.open("p").unwrap();
        assert_eq!(
            c.check_spend(0, 0).unwrap_err().code(),
            "not_an_electronic_contest"
        );
    }

    #[test]
    fn paper_only_in_paper_contests_while_open() {
        let mut c = conduct();
        assert_eq!(
            c.paper("b", None, &blank()).unwrap_err().code(),
            "contest_not_open"
        );
        c.open("a").unwrap();
        c.open("b").unwrap();
        assert_eq!(
            c.paper("a", None, &blank()).unwrap_err().code(),
            "not_a_paper_contest"
        );
        c.paper("b", None, &blank()).unwrap();
        assert_eq!(c.contest("b").unwrap().paper_ballots, 1);
    }

    fn blank() -> Ballot {
        Ballot::Candidates(Default::default())
    }

    fn marks(m: &[(usize, Mark)], w: &[&str]) -> Ballot {
        Ballot::Candidates(super::super::ballot::CandidateBallot {
            marks: m.to_vec(),
            write_ins: w.iter().map(|s| s.to_string()).collect(),
        })
    }

    fn double() -> Conduct {
        let mut c = Conduct::new(
            2,
            5,
            vec![style(1, "", &["d"])],
            &[(
                "d".into(),
                Arrival {
                    mode: Mode::Paper,
                    double_entry: true,
                },
            )],
        );
        c.register_roll(roll()).unwrap();
        c.open("d").unwrap();
        c
    }

    /// Double-entry keying (issue 15.2): a sheet counts only once two different tellers
    /// keyed it alike; a disagreement stops it until they do; the close waits for it.
    #[test]
    fn double_entry_counts_a_sheet_only_when_two_tellers_agree() {
        let mut c = double();
        let a = marks(&[(0, Mark::For), (1, Mark::Against)], &[]);
        // The same ballot keyed in another order, with an explicit 弃权, is the same ballot.
        let a2 = marks(
            &[(2, Mark::Abstain), (1, Mark::Against), (0, Mark::For)],
            &[],
        );
        let b = marks(&[(0, Mark::For)], &[]);
        // A single keying never counts, nor a sheet without its number.
        assert_eq!(
            c.paper("d", None, &a).unwrap_err().code(),
            "paper_sheet_missing"
        );
        assert_eq!(c.key_paper("d", 1, "甲", Some(&a)).unwrap(), Keyed::Waiting);
        assert_eq!(
            c.paper("d", Some(1), &a).unwrap_err().code(),
            "paper_not_agreed"
        );
        // The same teller twice is not two tellers.
        assert_eq!(c.key_paper("d", 1, "甲", Some(&a)).unwrap(), Keyed::Waiting);
        assert_eq!(
            c.paper("d", Some(1), &a).unwrap_err().code(),
            "paper_not_agreed"
        );
        // A disagreement stops the sheet; the close waits for it.
        assert_eq!(
            c.key_paper("d", 1, "乙", Some(&b)).unwrap(),
            Keyed::Mismatch {
                tellers: vec!["甲".into()]
            }
        );
        assert_eq!(
            c.paper_sheet("d").unwrap(),
            (1, vec!["乙".into(), "甲".into()], true)
        );
        assert_eq!(
            c.paper("d", Some(1), &a).unwrap_err().code(),
            "paper_not_agreed"
        );
        assert_eq!(
            c.paper("d", Some(1), &b).unwrap_err().code(),
            "paper_not_agreed"
        );
        assert_eq!(
            c.close("d", f(100, 90, 90)).unwrap_err().code(),
            "paper_sheet_open"
        );
        // Another sheet cannot be keyed meanwhile.
        assert_eq!(
            c.key_paper("d", 2, "甲", Some(&a)).unwrap_err().code(),
            "paper_sheet"
        );
        // 乙 re-reads the paper and keys it again: now they agree and it counts.
        assert_eq!(c.key_paper("d", 1, "乙", Some(&a2)).unwrap(), Keyed::Agreed);
        assert_eq!(c.paper("d", Some(2), &a).unwrap_err().code(), "paper_sheet");
        assert_eq!(
            c.paper("d", Some(1), &b).unwrap_err().code(),
            "paper_not_agreed"
        );
        c.paper("d", Some(1), &a2).unwrap();
        let cc = c.contest("d").unwrap();
        assert_eq!(
            (cc.paper_ballots, cc.rekeyed_sheets, cc.keyings_logged),
            (1, 1, 4)
        );
        assert!(cc.keyings.is_empty());
        // Sheet 1 is closed: keying it again is refused.
        assert_eq!(
            c.key_paper("d", 1, "甲", Some(&a)).unwrap_err().code(),
            "paper_sheet"
        );
        // A withdrawal clears a keying made by mistake; a teller with none has nothing to withdraw.
        assert_eq!(c.key_paper("d", 2, "甲", Some(&b)).unwrap(), Keyed::Waiting);
        assert_eq!(
            c.key_paper("d", 2, "乙", None).unwrap_err().code(),
            "paper_nothing_to_withdraw"
        );
        assert_eq!(c.key_paper("d", 2, "甲", None).unwrap(), Keyed::Withdrawn);
        assert_eq!(
            c.key_paper("d", 2, " ", Some(&b)).unwrap_err().code(),
            "paper_teller"
        );
        c.close("d", f(100, 90, 90)).unwrap_or_else(|e| {
            // Only the desk's figures may refuse the close now, not the sheet.
            assert_ne!(e.code(), "paper_sheet_open");
        });
    }

    #[test]
    fn single_entry_refuses_keyings_and_checks_a_given_sheet() {
        let mut c = conduct();
        c.open("b").unwrap();
        assert_eq!(
            c.key_paper("b", 1, "甲", Some(&blank()))
                .unwrap_err()
                .code(),
            "not_double_entry"
        );
        assert_eq!(
            c.paper("b", Some(2), &blank()).unwrap_err().code(),
            "paper_sheet"
        );
        c.paper("b", Some(1), &blank()).unwrap();
        c.paper("b", None, &blank()).unwrap();
        assert_eq!(c.contest("b").unwrap().paper_ballots, 2);
    }

    #[test]
    fn protocol_one_keeps_the_checks_of_its_time() {
        let mut c = Conduct::new(
            1,
            5,
            vec![style(1, "", &["a"])],
            &[("a".into(), Mode::Electronic.into())],
        );
        // No roll, no cap, figures as typed.
        c.register_pool(0, 1_000, None).unwrap();
        c.open("a").unwrap();
        c.close("a", f(10, 9, 9)).unwrap();
        c.tally(5, &["a".into()]).unwrap();
        c.tally(6, &["a".into()]).unwrap();
    }
}
