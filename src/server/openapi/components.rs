//! The hand-written schemas in `components.schemas`: request bodies and the shapes answers
//! share. `#[utoipa::path]` names them through the marker types at the end.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use super::schema::{hand_schemas, object, opt, req, F, T};

pub const ROLE_IDS: &[&str] = &["organiser", "registrar", "kiosk", "teller", "auditor"];
pub const MARKS: &[&str] = &["for", "against", "abstain"];

pub const ID_NAME: &[F] = &[req("id", T::Str, "id"), req("name", T::Str, "名称 / name")];

pub const ERROR: &[F] = &[
    req(
        "code",
        T::Str,
        "稳定的机器可读错误代码 / stable machine-readable error code",
    ),
    req("message", T::Str, "中英双语说明 / bilingual explanation"),
    opt(
        "rows",
        T::List(&T::Obj(&[
            req(
                "line",
                T::Int,
                "文件行号 (表头为第 1 行) / file line (the header is line 1)",
            ),
            req("code", T::Str, "此行的问题代码 / the row's problem code"),
            req("message", T::Str, "说明 / explanation"),
        ])),
        "仅 `roll_refused`: 名单的每处问题 / `roll_refused` only: every problem of the roll",
    ),
];

pub const LOGIN: &[F] = &[
    req("username", T::Str, "用户名 / user name"),
    req("password", T::Str, "密码 / password"),
    opt(
        "bearer",
        T::Bool,
        "true: 返回 `token` 而不设 cookie (脚本用); 默认 false / true: answer a bearer `token` \
         instead of setting the cookie (for scripts); default false",
    ),
];

pub const PASSWORD_CHANGE: &[F] = &[
    req("old", T::Str, "当前密码 / the current password"),
    req(
        "new",
        T::Len(10, None),
        "新密码, 至少 10 个字符 / the new password, at least 10 characters",
    ),
];

pub const NEW_ACCOUNT: &[F] = &[
    req(
        "username",
        T::Pattern("^[A-Za-z0-9_-]{1,40}$"),
        "字母、数字、- 和 _, 最多 40 个 / letters, digits, - and _, at most 40",
    ),
    req(
        "role",
        T::Enum(&["organiser", "registrar", "teller", "auditor"]),
        "角色; 投票机用配对码, 不建账号 / the role; kiosks are paired, not given accounts",
    ),
];

pub const PAIR: &[F] = &[
    req(
        "code",
        T::Str,
        "组织者生成的 8 位配对码, 10 分钟内有效, 只能用一次 / the 8-digit pairing code from \
         the organiser, valid 10 minutes, once",
    ),
    req(
        "name",
        T::Len(1, Some(40)),
        "投票机名称, 1 至 40 个字符 / the kiosk's name, 1 to 40 characters",
    ),
];

pub const STYLE: &[F] = &[
    req("round", T::IntMin(1), "轮次 / round"),
    req(
        "contests",
        T::List(&T::Str),
        "本样式包含的选举项目 id / ids of the contests on this ballot style",
    ),
    opt("title", T::Str, "样式名称 / title"),
    opt(
        "unit",
        T::Str,
        "领取此样式的选区; 空: 所有选民 / the roll unit whose voters get this style; empty: \
         every voter",
    ),
];

pub const NEW_ELECTION: &[F] = &[
    req(
        "spec",
        T::Ref("ElectionSpec"),
        "选举定义 / the election spec",
    ),
    opt(
        "styles",
        T::Null(&T::List(&T::Ref("Style"))),
        "选票样式; 缺省: 第 1 轮一个样式, 含所有首轮项目 / ballot styles; default: one \
         round-1 style holding every first-round contest",
    ),
    opt(
        "tellers",
        T::List(&T::Str),
        "计票人的 signed-note 验证公钥; 默认 [] / the tellers' signed-note verifier keys; \
         default []",
    ),
    opt(
        "signatures_required",
        T::Int,
        "公布结果前所需的计票人签名数; 默认 0 / teller signatures needed before a result can \
         be published; default 0",
    ),
    opt(
        "election_date",
        T::Null(&T::Date),
        "选举日, 导入名单时用于核对年龄 / election day, used to check ages when the roll is \
         imported",
    ),
];

pub const ELECTION_SPEC: &[F] = &[
    req(
        "format",
        T::Enum(&["scrutineer.election/v1"]),
        "格式版本 / format version",
    ),
    req("id", T::Str, "选举 id / election id"),
    opt("title", T::Str, "选举名称 / title"),
    req(
        "contests",
        T::List(&T::AnyObj),
        "选举项目, 字段见 docs/FORMATS.md / contests, fields in docs/FORMATS.md",
    ),
    opt(
        "rankings",
        T::List(&T::AnyObj),
        "综合排名 / composite rankings",
    ),
    opt(
        "structure",
        T::Null(&T::AnyObj),
        "结构目标 / structure targets",
    ),
];

pub const CHECK_IN: &[F] = &[
    req(
        "number",
        T::Str,
        "选民证件号码或党员编号 / the voter's number on the roll",
    ),
    opt(
        "principals",
        T::List(&T::Str),
        "委托人的编号 (委托投票); 默认 [] / numbers of the voters who gave this voter their \
         proxy; default []",
    ),
    opt("round", T::IntMin(1), "轮次; 默认 1 / round; default 1"),
];

pub const POOL_REQUEST: &[F] = &[
    req(
        "style",
        T::Int,
        "选票样式序号 (`GET /api/v1/election` 的 `styles` 下标) / ballot style index (into \
         `styles` of `GET /api/v1/election`)",
    ),
    opt(
        "count",
        T::Null(&T::Int),
        "选票码张数; 缺省: 该样式余下的上限 (名单人数加备用比例) / number of tokens; default: \
         what is left of the style's cap (its voters on the roll plus the spare percentage)",
    ),
    opt(
        "reason",
        T::Null(&T::Str),
        "投票开始后补印时必填, 记入日志并公示 / required once voting in the style started; \
         logged and posted",
    ),
];

pub const CLOSE_REQUEST: &[F] = &[
    opt(
        "eligible",
        T::Null(&T::Int),
        "不再接受: 人数取自签到处, 给出即拒绝 (`figures_from_desk`) / no longer accepted: the \
         figures come from the desk; giving one is refused (`figures_from_desk`)",
    ),
    opt(
        "present",
        T::Null(&T::Int),
        "不再接受 (同上) / no longer accepted (as above)",
    ),
    opt(
        "ballots_issued",
        T::Null(&T::Int),
        "不再接受 (同上) / no longer accepted (as above)",
    ),
];

pub const CORRECTION_REQUEST: &[F] = &[
    req(
        "eligible",
        T::Int,
        "更正后的应到人数 E / corrected eligible E",
    ),
    req(
        "present",
        T::Int,
        "更正后的实到人数 P / corrected present P",
    ),
    req(
        "ballots_issued",
        T::Int,
        "更正后的发出选票数 I / corrected ballots issued I",
    ),
    req(
        "reason",
        T::Str,
        "原因, 记入日志并公示 / the reason, logged and posted",
    ),
];

pub const TOKEN_ONLY: &[F] = &[req("token", T::Str, "选票码 / the ballot token")];

pub const BALLOT: &[F] = &[
    req("contest", T::Str, "选举项目 id / contest id"),
    opt(
        "marks",
        T::Map(&T::Enum(MARKS)),
        "候选人 id → for/against/abstain; 未标记即弃权 / candidate id → mark; unmarked \
         means abstain",
    ),
    opt(
        "write_ins",
        T::List(&T::Str),
        "另选他人的姓名 / names written in",
    ),
    opt(
        "group",
        T::Str,
        "测评人分组 (测评有分组时必填) / evaluator group (required when the evaluation has \
         groups)",
    ),
    opt(
        "ratings",
        T::Map(&T::Str),
        "测评对象 id → 等次 / subject id → grade",
    ),
];

pub const CAST: &[F] = &[
    req("token", T::Str, "选票码 / the ballot token"),
    opt(
        "ballots",
        T::List(&T::Ref("Ballot")),
        "明文选举: 样式中每个选举项目一张选票 / a plaintext election: one ballot per contest of \
         the token's style",
    ),
    opt(
        "encrypted",
        T::List(&T::Obj(&[
            req("contest", T::Str, "选举项目 / the contest id"),
            opt(
                "group",
                T::Str,
                "测评组 (按组计票的测评, 取自选票样式) / the evaluator group (from the style)",
            ),
            req(
                "ballot",
                T::Str,
                "加密选票 (base64, docs/E2E.md §7) / the encrypted contest, base64",
            ),
        ])),
        "加密选举: 样式中每个选举项目一张加密选票, 在投票机上加密 (只能有 ballots 与 encrypted 之一) / \
         an encrypted election: one encrypted contest per contest of the style, encrypted on \
         the kiosk (exactly one of ballots and encrypted)",
    ),
];

pub const SPOIL: &[F] = &[
    req(
        "token",
        T::Str,
        "选票码 (不会用掉) / the ballot token (not used up)",
    ),
    req(
        "encrypted",
        T::List(&T::Obj(&[
            req("contest", T::Str, "选举项目 / the contest id"),
            opt("group", T::Str, "测评组 / the evaluator group"),
            req(
                "ballot",
                T::Str,
                "加密选票 (base64, docs/E2E.md §7) / the encrypted contest, base64",
            ),
            req(
                "opening",
                T::Str,
                "随机数 (base64, docs/E2E.md §8.4) / the opening, base64",
            ),
        ])),
        "样式中每个选举项目一张加密选票及其随机数 / one encrypted contest per contest of the \
         style, with its opening",
    ),
];

pub const REVOTE_REQUEST: &[F] = &[req(
    "reason",
    T::Str,
    "原因 (1 至 500 字), 记入日志并在公示页显示 / the reason (1 to 500 characters), logged and shown on the board",
)];

pub const PROCEDURE_STEP_REQUEST: &[F] = &[
    req("round", T::Str, "轮次 id / the round's id"),
    opt(
        "people",
        T::List(&T::AnyObj),
        "资格审查: 合格名单 [{id?, name}] / qualification: who passed [{id?, name}]",
    ),
    opt(
        "scores",
        T::List(&T::List(&T::Str)),
        "面试: [[id, 得分]] / interview: [[id, score]]",
    ),
    opt(
        "approved",
        T::List(&T::Str),
        "批准: 正式候选人的 id / approval: the ids of the formal candidates",
    ),
    req(
        "basis",
        T::Str,
        "依据 (1 至 500 字) / the basis (1 to 500 characters)",
    ),
];

pub const REDUCE_SEATS_REQUEST: &[F] = &[req(
    "basis",
    T::Str,
    "大会减少名额的决定 (1 至 500 字), 记入日志并在公示页显示 / the meeting's decision (1 to 500 characters), logged and shown on the board",
)];

pub const KIOSK_TEST_REQUEST: &[F] = &[
    req(
        "spoiled",
        T::Int,
        "抽检所作废选票的日志序号 / log index of the spoiled ballot the test made",
    ),
    req(
        "outcome",
        T::Enum(&["match", "mismatch"]),
        "打开的选票与监票人的选择是否一致 / whether the opened ballot showed the choices made",
    ),
    opt(
        "note",
        T::Str,
        "备注 (最多 500 字) / a note (up to 500 characters)",
    ),
];

pub const TELLER_ENTRY: &[F] = &[
    req(
        "kind",
        T::Enum(&[
            "ceremony_round1",
            "ceremony_shares",
            "ceremony_check",
            "shuffle",
            "decryption_shares",
        ]),
        "条目类别 / the entry kind (docs/LOG_FORMAT.md)",
    ),
    req(
        "body",
        T::AnyObj,
        "条目正文, 由 scrutineer teller run 在计票人自己的电脑上算出 / the entry body, \
         computed by scrutineer teller run on the teller's own machine",
    ),
];

pub const SIGNATURE_LINE: &[F] = &[req(
    "line",
    T::Str,
    "计票人对该结果检查点的 signed-note 签名行 (`— 名称 base64`) / the teller's signed-note \
     signature line (`— name base64`) over the result's checkpoint",
)];

pub const PAPER_BALLOT_REQUEST: &[F] = &[
    opt(
        "ballot",
        T::Ref("Ballot"),
        "唱票时录入的一张纸质选票 (撤回时不带) / one paper ballot as it is read aloud (absent in a withdrawal)",
    ),
    opt(
        "sheet",
        T::IntMin(1),
        "正在录入的第几张 (双人录入项目必填) / the sheet being keyed (required in a double-entry contest)",
    ),
    opt(
        "withdraw",
        T::Bool,
        "撤回本人对该张的录入 (双人录入) / withdraw the caller's keying of the sheet (double entry)",
    ),
];

pub const NEXT_ROUND: &[F] = &[
    req("id", T::Str, "新选举项目的 id / the new contest's id"),
    req("kind", T::Str, "新选举项目的类型 / the new contest's kind"),
    req("seats", T::IntMin(1), "应选名额 / seats"),
    opt("title", T::Str, "标题 / title"),
    opt(
        "mode",
        T::Enum(&["electronic", "paper", "hybrid"]),
        "投票方式 / how ballots arrive",
    ),
];

pub const TALLY_REQUEST: &[F] = &[
    req(
        "spec",
        T::Ref("ElectionSpec"),
        "选举定义 / the election spec",
    ),
    req(
        "ballots",
        T::Str,
        "选票, JSON Lines 文本 (每行一个 Ballot) / the ballots as JSON Lines text (one Ballot \
         a line)",
    ),
];

pub const RESULT: &[F] = &[
    req(
        "format",
        T::Enum(&["scrutineer.result/v1"]),
        "格式版本 / format version",
    ),
    req("election", T::Str, "选举 id / election id"),
    req("title", T::Str, "选举名称 / title"),
    req(
        "contests",
        T::List(&T::AnyObj),
        "各项目结果, 字段见 docs/FORMATS.md / contest results, fields in docs/FORMATS.md",
    ),
    opt(
        "rankings",
        T::List(&T::AnyObj),
        "综合排名结果 / ranking results",
    ),
    opt(
        "structure",
        T::List(&T::AnyObj),
        "结构报告 / structure reports",
    ),
    opt(
        "warnings",
        T::List(&T::Obj(&[
            req("code", T::Str, ""),
            req("message", T::Str, ""),
        ])),
        "警告 / warnings",
    ),
];

pub const SIGNED_RESULT: &[F] = &[
    req(
        "format",
        T::Enum(&["scrutineer.signed-result/v1"]),
        "格式版本 / format version",
    ),
    req(
        "result_index",
        T::Int,
        "结果在日志中的序号 / log index of the result entry",
    ),
    req("result", T::Ref("Result"), "计票结果 / the result"),
    req(
        "checkpoint",
        T::Str,
        "紧随结果的签名检查点, 附计票人签名行 / the signed checkpoint right after the result, \
         with every teller's signature line",
    ),
    opt(
        "checkpoint_text",
        T::Str,
        "仅 `/api/v1/results/{index}`: 计票人须签名的检查点正文 / only \
         `/api/v1/results/{index}`: the checkpoint text tellers sign",
    ),
];

pub const ELECTION_SUMMARY: &[F] = &[
    req("id", T::Str, "选举 id / election id"),
    req("title", T::Str, "选举名称 / title"),
    req(
        "contests",
        T::List(&T::Obj(&[
            req("id", T::Str, ""),
            req("title", T::Str, ""),
            req("kind", T::Str, "种类 / kind"),
            req("kind_label", T::Str, "种类中文名 / kind in Chinese"),
            req("seats", T::Int, "应选名额 / seats"),
            req(
                "candidates",
                T::List(&T::Obj(ID_NAME)),
                "候选人 / candidates",
            ),
            req(
                "state",
                T::Enum(&["draft", "open", "closed"]),
                "投票状态 / voting state",
            ),
            req(
                "parent",
                T::Null(&T::Str),
                "另行投票的上一轮项目 / parent contest of a runoff",
            ),
        ])),
        "选举项目 / contests",
    ),
    req(
        "styles",
        T::List(&T::Ref("Style")),
        "选票样式 / ballot styles",
    ),
    req("log_size", T::Int, "日志条数 / entries in the log"),
    req("ballots", T::Int, "已投选票数 / ballots cast"),
    req("tellers", T::List(&T::Str), "计票人名称 / teller names"),
    req(
        "signatures_required",
        T::Int,
        "公布所需签名数 / signatures needed to publish",
    ),
];

/// Schemas in `components.schemas`: name, description, closed (unknown fields refused).
pub const COMPONENTS: &[(&str, &str, bool, &[F])] = &[
    (
        "Error",
        "所有错误的形状 / the shape of every error",
        false,
        ERROR,
    ),
    ("Login", "登录 / sign-in", true, LOGIN),
    (
        "PasswordChange",
        "修改密码 / password change",
        true,
        PASSWORD_CHANGE,
    ),
    ("NewAccount", "新账号 / new account", true, NEW_ACCOUNT),
    ("Pair", "投票机配对 / kiosk pairing", true, PAIR),
    ("NewElection", "创建选举 / new election", true, NEW_ELECTION),
    (
        "ElectionSpec",
        "选举定义 `scrutineer.election/v1`, 见 docs/FORMATS.md / the election spec \
         `scrutineer.election/v1`, see docs/FORMATS.md",
        true,
        ELECTION_SPEC,
    ),
    ("Style", "选票样式 / ballot style", true, STYLE),
    ("CheckInRequest", "签到 / check-in", true, CHECK_IN),
    (
        "PoolRequest",
        "生成选票码 / token pool request",
        true,
        POOL_REQUEST,
    ),
    (
        "CloseRequest",
        "结束投票: 不带人数 (取自签到处) / close: no figures (they come from the desk)",
        true,
        CLOSE_REQUEST,
    ),
    (
        "CorrectionRequest",
        "人数更正 (需另一角色批准) / a correction of the figures (a person of another role \
         approves it)",
        true,
        CORRECTION_REQUEST,
    ),
    ("TokenOnly", "选票码 / a ballot token", true, TOKEN_ONLY),
    (
        "Ballot",
        "一张选票 (JSON Lines 的一行), 见 docs/FORMATS.md / one ballot (a JSON Lines line), \
         see docs/FORMATS.md",
        true,
        BALLOT,
    ),
    ("Cast", "投票 / a cast", true, CAST),
    (
        "Spoil",
        "核验 (Benaloh 挑战): 带随机数的加密选票 / a check (Benaloh challenge): the encrypted \
         ballot with its openings",
        true,
        SPOIL,
    ),
    (
        "RevoteRequest",
        "重新投票的原因 / why the round is re-run",
        true,
        REVOTE_REQUEST,
    ),
    (
        "ProcedureStepRequest",
        "程序下一轮的资料 / the data of a procedure's next round",
        true,
        PROCEDURE_STEP_REQUEST,
    ),
    (
        "ReduceSeatsRequest",
        "减少名额的决定 / the decision to reduce the seats",
        true,
        REDUCE_SEATS_REQUEST,
    ),
    (
        "KioskTestRequest",
        "监票人的投票机抽检结果 / a 监票人's kiosk test outcome",
        true,
        KIOSK_TEST_REQUEST,
    ),
    (
        "TellerEntry",
        "计票人条目 / a teller's entry",
        true,
        TELLER_ENTRY,
    ),
    (
        "SignatureLine",
        "计票人签名 / teller signature",
        true,
        SIGNATURE_LINE,
    ),
    (
        "PaperBallotRequest",
        "纸质选票录入 / a paper ballot",
        true,
        PAPER_BALLOT_REQUEST,
    ),
    (
        "NextRound",
        "多轮程序的下一轮 / the next round of a procedure",
        true,
        NEXT_ROUND,
    ),
    (
        "TallyRequest",
        "离线计票 / stateless tally",
        true,
        TALLY_REQUEST,
    ),
    (
        "Result",
        "计票结果 `scrutineer.result/v1`, 见 docs/FORMATS.md / the result \
         `scrutineer.result/v1`, see docs/FORMATS.md",
        false,
        RESULT,
    ),
    (
        "SignedResult",
        "签名的计票结果 / a signed result",
        false,
        SIGNED_RESULT,
    ),
    (
        "ElectionSummary",
        "选举概况 / election summary",
        false,
        ELECTION_SUMMARY,
    ),
];

/// The schema of the component `name`, as [`COMPONENTS`] describes it.
fn component(name: &str) -> RefOr<Schema> {
    match COMPONENTS.iter().find(|(n, ..)| *n == name) {
        Some((_, description, closed, fields)) => object(fields, description, *closed, false),
        None => object(&[], "", false, false),
    }
}

hand_schemas! {
    Error = component("Error");
    Login = component("Login");
    PasswordChange = component("PasswordChange");
    NewAccount = component("NewAccount");
    Pair = component("Pair");
    NewElection = component("NewElection");
    ElectionSpec = component("ElectionSpec");
    Style = component("Style");
    CheckInRequest = component("CheckInRequest");
    PoolRequest = component("PoolRequest");
    CloseRequest = component("CloseRequest");
    CorrectionRequest = component("CorrectionRequest");
    TokenOnly = component("TokenOnly");
    Ballot = component("Ballot");
    Cast = component("Cast");
    Spoil = component("Spoil");
    RevoteRequest = component("RevoteRequest");
    ProcedureStepRequest = component("ProcedureStepRequest");
    ReduceSeatsRequest = component("ReduceSeatsRequest");
    KioskTestRequest = component("KioskTestRequest");
    TellerEntry = component("TellerEntry");
    SignatureLine = component("SignatureLine");
    PaperBallotRequest = component("PaperBallotRequest");
    NextRound = component("NextRound");
    TallyRequest = component("TallyRequest");
    Result = component("Result");
    SignedResult = component("SignedResult");
    ElectionSummary = component("ElectionSummary");
}
