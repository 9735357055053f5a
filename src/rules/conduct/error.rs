//! Why an operation of the conduct is refused: one variant per check, each with a stable code.

use super::*;
use crate::codes::Code;

/// Why an operation is out of order or out of bounds. Every variant has a stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConductError {
    #[error("选举项目 “{0}” 不存在 / There is no contest “{0}”.")]
    UnknownContest(String),
    #[error("选举项目 “{0}” 各票样的人数之和超出范围 / The figures of contest “{0}”'s styles add up to more than can be counted.")]
    FiguresOverflow(String),
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
    #[error("计票人 {key} 的密钥已以账号 “{account}” 录入 “{contest}” 的第 {sheet} 张: 同一张须由两名不同的计票人各用本人密钥录入 (先撤回那次录入才能换账号) / Teller {key}'s key already keyed sheet {sheet} of “{contest}” under the account “{account}”: a sheet is keyed by two different tellers, each with their own key (withdraw that keying first to key it from another account).")]
    PaperKeyTwice {
        contest: String,
        sheet: u64,
        key: u32,
        account: String,
    },
    #[error("账号 “{account}” 对 “{contest}” 第 {sheet} 张的录入由计票人 {held} 的密钥签署, 不能由计票人 {key} 的密钥更改或撤回: 请载入计票人 {held} 的密钥文件, 或请其本人撤回 / Account “{account}”'s keying of sheet {sheet} of “{contest}” was signed by teller {held}'s key: teller {key}'s key cannot replace or withdraw it. Load teller {held}'s key file, or ask teller {held} to withdraw it.")]
    PaperKeyingOfAnotherKey {
        contest: String,
        sheet: u64,
        account: String,
        held: u32,
        key: u32,
    },
    #[error("“{contest}” 的第 {sheet} 张纸质选票已有录入但尚未一致, 请先录完或撤回 / Sheet {sheet} of “{contest}” has been keyed but not agreed: finish it or withdraw the keyings first.")]
    PaperSheetOpen { contest: String, sheet: u64 },
    #[error("尚未登记选民名单, 不能生成选票码 / The roll has not been registered: no tokens can be generated yet.")]
    RollMissing,
    #[error("尚未登记选民名单, 不能开始 “{0}” 的投票: 请先导入名单 / The roll has not been registered: “{0}” cannot open before the roll is imported.")]
    OpenWithoutRoll(String),
    #[error("投票已开始, 选民名单不能再改 / Voting has started: the roll can no longer change.")]
    RollLocked,
    #[error("新轮次 “{contest}” 有 {styles} 个选票样式, 此处须为 1 至 {most} 个 / The new round “{contest}” has {styles} ballot styles; 1 to {most} are allowed here.")]
    RoundStyles {
        contest: String,
        styles: usize,
        most: usize,
    },
    #[error("新名册下样式 {style} 只有 {voters} 人, 票码上限 {cap} 张, 但已印 {registered} 张: 名册须在印票码之前定准, 或改用新选举 / Under the new roll style {style} has {voters} voters and a cap of {cap} tokens, but {registered} are printed: settle the roll before printing tokens, or start a new election.")]
    RollBelowPools {
        style: u16,
        registered: u64,
        cap: u64,
        voters: u64,
    },
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
    #[error("选票的 “{contest}” 不属于其样式的测评组 “{group}” / The ballot's “{contest}” is not of its style's evaluator group “{group}”.")]
    BallotGroupNotOnStyle { contest: String, group: String },
    #[error("{message} (电子选票不能是废票, 投票机应拒绝 / an electronic ballot cannot be void: the kiosk refuses it)")]
    ElectronicBallotVoid {
        /// The void reason's own code (`over_marked`, ...).
        code: Code,
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
    #[error("更正只能由组织者、签到员或计票人提出和批准, 不能由 {name} ({role}) / A correction is proposed and approved by an organiser, a registrar or a teller, not by {name} ({role}).")]
    CorrectionRole { name: String, role: String },
    #[error("{}须由一名登记的计票人参与并用其计票人密钥签署 ({}) / {} needs a registered teller taking part and signing it with their teller key ({}).", .0.what_zh, .0.how_zh, .0.what_en, .0.how_en)]
    Unattested(super::Act),
    #[error("{0}")]
    AttestationInvalid(String),
    #[error("更正须写明原因 / A correction needs a reason.")]
    CorrectionReasonMissing,
    #[error("选举项目 “{contest}” 的更正中实到 {present} 人多于应到 {eligible} 人 / The correction of contest “{contest}” has {present} present, more than {eligible} eligible.")]
    CorrectionPresentExceedsEligible {
        contest: String,
        present: u64,
        eligible: u64,
    },
    #[error("选举项目 “{0}” 只能在结束投票后、计票前更正 / Contest “{0}” can be corrected only once it is closed and before it is counted.")]
    CorrectionOutOfOrder(String),
    #[error("选举项目 “{contest}” 的更正中应到 {eligible} 人多于名单上的 {roll} 人: 应到人数只能减少 (例如名单上的人去世或被剥夺政治权利), 不能多于名单 / The correction of contest “{contest}” has {eligible} eligible, more than the {roll} on the roll: the eligible figure may only go down (a voter on the roll died or lost political rights), never above the roll.")]
    CorrectionEligibleAboveRoll {
        contest: String,
        eligible: u64,
        roll: u64,
    },
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
    #[error("“{0}” 已经有一个另行投票的项目 / “{0}” already has its runoff.")]
    RunoffExists(String),
    #[error("“{0}” 已经有下一轮 (再来一轮须走重新投票) / “{0}” already has its next round (another goes through a re-vote).")]
    NextRoundExists(String),
    #[error("第 {round} 轮 (单位 “{unit}”) 已有选票样式, 新的一轮须用新的轮次 / Round {round} (unit “{unit}”) already has a ballot style: a new round needs a round of its own.")]
    StyleRoundTaken { round: u8, unit: String },
    #[error("{0}的原因须为 1 至 500 个字符, 不含不可见、方向字符或换行以外的控制字符 (公示在结果公告上) / The {1} reason must be 1 to 500 characters without invisible or direction characters, or control characters other than line breaks (it is posted on the board).")]
    ReasonText(&'static str, &'static str),
    #[error("重新投票须写明原因 (1 至 500 个字符, 不含控制字符) / A re-vote needs its reason (1 to 500 characters, no control characters).")]
    RevoteReason,
    #[error("“{0}” 不是党内选举, 未选足的名额须另行选举, 不能减少名额 (选举法第45条; 地方组织法第29条) / “{0}” is not a party election: its unfilled seats need a new round and cannot be reduced (EL Art. 45; LOL Art. 29).")]
    SeatsNotReducible(String),
    #[error("“{0}” 已公布的结果没有未选足的名额 / The published result of “{0}” leaves no seat unfilled.")]
    NoUnfilledSeats(String),
    #[error("“{0}” 这一轮无效 (到会人数不足法定人数, 或收回选票多于发出选票), 须重新投票, 不能减少名额 (选举法第44条; 党内选举条例) / This round of “{0}” is invalid (no quorum, or more ballots returned than issued): it must be re-voted, and its seats cannot be reduced (EL Art. 44; BER).")]
    ReductionInvalidRound(String),
    #[error("“{0}” 有候选人票数相等争最后的名额: 应就票数相等的候选人再次投票, 不能以减少名额了结 (选举法第45条; 党内选举条例) / Candidates of “{0}” tied for the last seat(s): they go to a new vote, which a seat reduction cannot settle (EL Art. 45; BER).")]
    ReductionTie(String),
    #[error("“{0}” 没有人当选: 减少全部名额不是 “接近应选名额”, 须另行选举 (党内选举条例) / Nobody was elected in “{0}”: removing every seat is not “close to the seats”; it needs a new round (BER).")]
    ReductionAllSeats(String),
    #[error("程序 “{procedure}” 的轮次 “{round}” 须在程序自己创建的选举项目 “{contest}” 中投票 / round “{round}” of procedure “{procedure}” is voted in contest “{contest}” as the procedure creates it, not in a contest of that id made another way")]
    ProcedureRoundNotMade {
        procedure: String,
        round: String,
        contest: String,
    },
    #[error("“{0}” 是多轮程序的一轮 (或其重新投票、另行投票), 下一轮由程序决定: 请在组织者页面的 “多轮程序” 中记录这一步 (POST /api/v1/procedures/{{id}}/steps), 不能另建下一轮 / “{0}” is a round of a multi-round procedure (or its re-vote or runoff): its next round is the procedure's; record the procedure's step (the organiser page's procedure card, POST /api/v1/procedures/{{id}}/steps) instead of a next round made apart")]
    NextRoundOfProcedure(String),
    #[error("样式 {0} 的签到数字记在选民名单之前; 应到人数须按名单 / The desk's count of style {0} comes before the roll: the eligible figure is the roll's")]
    DeskCountBeforeRoll(u16),
    #[error("“{0}” 是多轮程序一轮的选举项目 id, 只能由程序创建: 请另选一个 id / “{0}” is the contest id of a procedure's round, which only the procedure creates: choose another id")]
    RoundContestReserved(String),
    #[error("“{0}” 形如另行投票或重新投票的 id (…-r数字、…-v数字), 这种 id 由规则在创建后续轮次时使用: 请另选一个 id / “{0}” has the form of a runoff's or a re-vote's id (…-r<number>, …-v<number>), which the rules give the later rounds they create: choose another id")]
    ContestIdReserved(String),
    #[error("核验或抽检的时间 {0} 不是整点: 协议 10 的日志只记到小时 / The time {0} of a check or a kiosk test is not a whole hour: a protocol-10 log keeps the hour only")]
    TimeNotHour(u64),
    #[error("“{contest}” 须在已有各轮之后的新一轮投票, 而本次选举已没有新的轮次编号 (选票码只能编到第 255 轮; 这次是第 {round} 轮): 请归档本次选举, 另行登记一次新的选举来投这一轮 / “{contest}” is voted in a round after every round so far, and this election has no round number left (a token numbers rounds up to 255; this one is {round}): archive this election and register a new one for this round")]
    RoundsExhausted { contest: String, round: u8 },
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
    #[error("密钥仪式已重来 {0} 次, 不能再重来: 请查明原因 (换计票人须新建选举) / The key ceremony was restarted {0} times and cannot be again: find out why (replacing a teller needs a new election).")]
    CeremonyAttemptsMax(u32),
    #[error("第 {0} 号计票人已重启密钥仪式 {1} 次, 不能再重启; 请查明原因, 必要时更换计票人 (重新创建选举) / Teller {0} has restarted the key ceremony {1} times and may not again: find the cause, and replace the teller if need be (create the election again).")]
    CeremonyRestartsMax(u32, usize),
    #[error("计票人序号 {index} 不在 1 至 {tellers} 之间 / Teller index {index} is outside 1 to {tellers}.")]
    TellerIndex { index: u32, tellers: u32 },
    #[error("第 {index} 号计票人已提交过此步骤 ({step}) / Teller {index} already did this step ({step}).")]
    CeremonyRepeated { index: u32, step: &'static str },
    #[error("重来密钥仪式须写明原因 (1 至 500 个字符, 不含控制字符) / Restarting the key ceremony needs its reason (1 to 500 characters, no control characters).")]
    CeremonyRestartReason,
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
    #[error("“{contest}” 的写入姓名已由 {threshold} 名计票人混洗, 不再接受混洗 / The write-in names of “{contest}” were shuffled by {threshold} tellers already; no more shuffles (another would change the names the tellers' shares are of).")]
    ShufflesComplete { contest: String, threshold: u32 },
    #[error("第 {index} 号计票人已提交过 “{contest}” 的解密份额 / Teller {index} already gave decryption shares for “{contest}”.")]
    SharesRepeated { contest: String, index: u32 },
    #[error("“{contest}” 的解密份额只有 {have} 份, 需要 {needed} 份 / “{contest}” has {have} decryption shares; {needed} are needed.")]
    SharesMissing {
        contest: String,
        have: u32,
        needed: u32,
    },
    #[error("“{contest}” 的写入姓名解密份额只有 {have} 份, 需要 {needed} 份 / “{contest}” has {have} tellers' decryption shares of its write-in names; {needed} are needed.")]
    NameSharesMissing {
        contest: String,
        have: u32,
        needed: u32,
    },
    #[error("“{0}” 现在没有要混洗或解密的写入姓名: 先由足够的计票人解密总数 (含写入标记之和), 只有写入数大于零的项目才混洗和解密姓名 / “{0}” has no write-in names due for a shuffle or decryption: the totals (with the write-in count) are decrypted first, by enough tellers' shares, and only a contest whose write-in count is above zero has its names shuffled and decrypted.")]
    NamesNotDue(String),
    #[error("协议 3 中, 一条解密份额只含总数的份额或只含写入姓名的份额 / In protocol 3 a decryption-shares entry holds either the totals' shares or the write-in names' shares, not both and not neither.")]
    SharesPart,
}

impl ConductError {
    pub fn code(&self) -> Code {
        use ConductError::*;
        match self {
            UnknownContest(_) => Code::UnknownContest,
            FiguresOverflow(_) => Code::TotalsOverflow,
            Procedure(e) => e.code(),
            UnknownProcedure(_) => Code::UnknownProcedure,
            UnknownStyle(_) => Code::UnknownStyle,
            ContestNotOpen(_) => Code::ContestNotOpen,
            ContestClosed(_) => Code::ContestClosed,
            ContestAlreadyOpen(_) => Code::ContestAlreadyOpen,
            ContestNotClosed(_) => Code::ContestNotClosed,
            NotAPaperContest { .. } => Code::NotAPaperContest,
            NotAnElectronicContest(_) => Code::NotAnElectronicContest,
            NotDoubleEntry(_) => Code::NotDoubleEntry,
            PaperSheetMissing(_) => Code::PaperSheetMissing,
            PaperSheet { .. } => Code::PaperSheet,
            PaperTeller => Code::PaperTeller,
            PaperNothingToWithdraw { .. } => Code::PaperNothingToWithdraw,
            PaperNotAgreed { .. } => Code::PaperNotAgreed,
            PaperKeyTwice { .. } => Code::PaperKeyTwice,
            PaperKeyingOfAnotherKey { .. } => Code::AttestationInvalid,
            PaperSheetOpen { .. } => Code::PaperSheetOpen,
            RollMissing | OpenWithoutRoll(_) => Code::RollMissing,
            RollLocked => Code::RollLocked,
            PoolOverCap { .. } | RollBelowPools { .. } => Code::PoolOverCap,
            RoundStyles { .. } => Code::Styles,
            PoolReasonMissing => Code::PoolReasonMissing,
            PoolAfterClose(_) => Code::PoolAfterClose,
            TokensVoided => Code::TokensVoided,
            PoolExhausted { .. } => Code::PoolExhausted,
            BallotContestNotOnStyle { .. }
            | BallotContestTwice { .. }
            | BallotContestMissing { .. }
            | BallotGroupNotOnStyle { .. } => Code::BallotStyleMismatch,
            ElectronicBallotVoid { code, .. } => *code,
            DeskEligibleMismatch { .. } => Code::DeskEligibleMismatch,
            DeskPresentExceedsEligible { .. } => Code::PresentExceedsEligible,
            CloseFiguresMismatch { .. } => Code::CloseFiguresMismatch,
            DeskCountMissing { .. } => Code::DeskCountMissing,
            CorrectionNeedsTwo { .. } => Code::CorrectionNeedsTwo,
            CorrectionRole { .. } => Code::CorrectionRole,
            Unattested(..) => Code::Unattested,
            AttestationInvalid(_) => Code::AttestationInvalid,
            CorrectionReasonMissing => Code::CorrectionReasonMissing,
            CorrectionPresentExceedsEligible { .. } => Code::PresentExceedsEligible,
            CorrectionEligibleAboveRoll { .. } => Code::CorrectionEligibleAboveRoll,
            CorrectionOutOfOrder(_) => Code::CorrectionOutOfOrder,
            AlreadyTallied(_) => Code::AlreadyTallied,
            UnknownResult(_) => Code::UnknownResult,
            SignatureDuplicate { .. } => Code::SignatureDuplicate,
            SignaturesMissing { .. } => Code::SignaturesMissing,
            AlreadyPublished(_) => Code::AlreadyPublished,
            VoidMismatch { .. } => Code::VoidMismatch,
            NotPublished(_) => Code::NotPublished,
            ContestExists(_) => Code::ContestExists,
            RoundNotInvalid(_) => Code::RoundNotInvalid,
            RevoteExists(_) => Code::RevoteExists,
            RunoffExists(_) => Code::RunoffExists,
            NextRoundExists(_) => Code::NextRoundExists,
            StyleRoundTaken { .. } => Code::StyleRoundTaken,
            ReasonText(..) => Code::ReasonText,
            RevoteReason => Code::RevoteReason,
            SeatsNotReducible(_) => Code::SeatsNotReducible,
            NoUnfilledSeats(_) => Code::NoUnfilledSeats,
            ReductionInvalidRound(_) => Code::ReductionInvalidRound,
            ReductionTie(_) => Code::ReductionTie,
            ReductionAllSeats(_) => Code::ReductionAllSeats,
            ProcedureRoundNotMade { .. } => Code::ProcedureRoundNotMade,
            NextRoundOfProcedure(_) => Code::NextRoundOfProcedure,
            DeskCountBeforeRoll(_) => Code::DeskCountBeforeRoll,
            RoundContestReserved(_) => Code::RoundContestReserved,
            ContestIdReserved(_) => Code::ContestIdReserved,
            TimeNotHour(_) => Code::TimeNotHour,
            RoundsExhausted { .. } => Code::RoundsExhausted,
            ReductionMismatch { .. } => Code::ReductionMismatch,
            ReductionSeats { .. } => Code::ReductionSeats,
            ShortfallDecided(_) => Code::ShortfallDecided,
            ReductionBasis => Code::ReductionBasis,
            RunoffSuperseded(_) => Code::RunoffSuperseded,
            PaperPastIssued { .. } => Code::PaperPastIssued,
            BallotKindMismatch { .. } => Code::BallotKindMismatch,
            NotEncrypted => Code::NotEncrypted,
            ElectionKeyMissing => Code::ElectionKeyMissing,
            ElectionKeySet => Code::ElectionKeySet,
            CeremonyAttempt { .. } => Code::CeremonyAttempt,
            CeremonyAttemptsMax(_) => Code::CeremonyAttemptsMax,
            CeremonyRestartsMax(..) => Code::CeremonyRestartsMax,
            TellerIndex { .. } => Code::TellerIndex,
            CeremonyRepeated { .. } => Code::CeremonyRepeated,
            CeremonyWaiting { .. } => Code::CeremonyWaiting,
            CeremonyRestartReason => Code::CeremonyRestartReason,
            ShufflesMissing { .. } => Code::ShufflesMissing,
            ShuffleRepeated { .. } => Code::ShuffleRepeated,
            ShuffleAfterShares(_) => Code::ShuffleAfterShares,
            ShufflesComplete { .. } => Code::ShufflesComplete,
            SharesRepeated { .. } => Code::SharesRepeated,
            SharesMissing { .. } => Code::SharesMissing,
            NameSharesMissing { .. } => Code::NameSharesMissing,
            NamesNotDue(_) => Code::NamesNotDue,
            SharesPart => Code::SharesPart,
        }
    }
}
