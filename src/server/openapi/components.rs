//! The hand-written schemas in `components.schemas`: the shared documents (the error, the
//! election spec, styles, ballots, results, the election summary), the procedure step's
//! request (its struct lives in `procedure`, which knows no HTTP), and, at the end, the request
//! fields whose Rust type does not say their shape (`schema_with` in the request structs'
//! `ToSchema` derive). `#[utoipa::path]` names the components through their marker types.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use super::schema::{hand_schemas, object, opt, req, schema, F, T};

pub const ROLE_IDS: &[&str] = &["organiser", "registrar", "kiosk", "teller", "auditor"];
pub const MARKS: &[&str] = &["for", "against", "abstain"];

pub const ID_NAME: &[F] = &[req("id", T::Str, "id"), req("name", T::Str, "名称 / name")];

/// A warning or problem: a stable code and a bilingual message (`rules::Notice`).
pub const NOTICE: &[F] = &[req("code", T::Str, ""), req("message", T::Str, "")];

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
    opt("warnings", T::List(&T::Obj(NOTICE)), "警告 / warnings"),
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
    req(
        "log_id",
        T::Str,
        "日志标识: 第 0 条的哈希 (十六进制), 协议 9 的纸质录入签名绑定它 / the log's identity: entry 0's hash (hex), which a protocol-9 paper keying's signature binds",
    ),
    req("ballots", T::Int, "已投选票数 / ballots cast"),
    req("tellers", T::List(&T::Str), "计票人名称 / teller names"),
    req(
        "signatures_required",
        T::Int,
        "公布所需签名数 / signatures needed to publish",
    ),
    req(
        "roll_warnings",
        T::List(&T::Obj(NOTICE)),
        "名单导入后的提示 (small_group: 只有一两人的测评组) / warnings about the roll \
         (small_group: an evaluator group of one or two voters)",
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
    (
        "ElectionSpec",
        "选举定义 `scrutineer.election/v1`, 见 docs/FORMATS.md / the election spec \
         `scrutineer.election/v1`, see docs/FORMATS.md",
        true,
        ELECTION_SPEC,
    ),
    ("Style", "选票样式 / ballot style", true, STYLE),
    (
        "Ballot",
        "一张选票 (JSON Lines 的一行), 见 docs/FORMATS.md / one ballot (a JSON Lines line), \
         see docs/FORMATS.md",
        true,
        BALLOT,
    ),
    (
        "ProcedureStepRequest",
        "程序下一轮的资料 / the data of a procedure's next round",
        true,
        PROCEDURE_STEP_REQUEST,
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
    ElectionSpec = component("ElectionSpec");
    Style = component("Style");
    Ballot = component("Ballot");
    ProcedureStepRequest = component("ProcedureStepRequest");
    Result = component("Result");
    SignedResult = component("SignedResult");
    ElectionSummary = component("ElectionSummary");
}

// ---------------------------------------------------------------- fields of derived requests

/// Request fields whose shape their Rust type does not say (`schema_with` in the derive).
pub fn new_account_role() -> RefOr<Schema> {
    schema(
        &T::Enum(&["registrar", "teller", "auditor"]),
        "角色; 组织者账号只在服务器上用命令行创建, 投票机用配对码 / the role; organiser \
         accounts are made on the server's command line only, kiosks are paired",
        false,
    )
}

pub fn kiosk_test_request_outcome() -> RefOr<Schema> {
    schema(
        &T::Enum(&["match", "mismatch"]),
        "打开的选票与监票人的选择是否一致 / whether the opened ballot showed the choices made",
        false,
    )
}

pub fn teller_entry_kind() -> RefOr<Schema> {
    schema(
        &T::Enum(&[
            "ceremony_round1",
            "ceremony_shares",
            "ceremony_check",
            "ceremony_restart",
            "shuffle",
            "decryption_shares",
        ]),
        "条目类别 / the entry kind (docs/LOG_FORMAT.md)",
        false,
    )
}

pub fn next_round_mode() -> RefOr<Schema> {
    schema(
        &T::Enum(&["electronic", "paper", "hybrid"]),
        "投票方式 / how ballots arrive",
        false,
    )
}
