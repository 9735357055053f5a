//! The OpenAPI 3.1 description of the HTTP API, built at run time from the endpoint table
//! [`ENDPOINTS`] so that the document cannot miss an endpoint or get its roles wrong.
//!
//! What the table does not say (summaries, bodies, answers and error codes) is written here,
//! one entry per endpoint in [`doc`]; a test fails when an endpoint has no entry.
//!
//! * [`document`]: the document as a `utoipa` value.
//! * [`json`]: the document as pretty JSON, for `/api/openapi.json`.
//! * [`docs_html`]: a standalone HTML page listing every endpoint, with no external
//!   scripts, styles or fonts (the hall has no internet).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ComponentsBuilder, KnownFormat, ObjectBuilder,
    OneOfBuilder, Ref, RefBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, Paths, RefOr, Required};

use super::api::{Endpoint, ENDPOINTS};
use super::auth::Role;

/// Where the server serves [`json`]; the HTML page links here.
pub const JSON_PATH: &str = "/api/openapi.json";

/// The session cookie, as in `auth::SESSION_COOKIE`.
const COOKIE: &str = "scrutineer_session";
/// The CSRF header, as in `auth::CSRF_HEADER`.
const CSRF_HEADER: &str = "X-CSRF-Token";

/// Names of the security schemes in `components.securitySchemes`.
const SCHEME_COOKIE: &str = "cookie";
const SCHEME_CSRF: &str = "csrf";
const SCHEME_BEARER: &str = "bearer";

/// The extension on every operation that lists the role ids allowed (empty: public).
const ROLES_EXTENSION: &str = "x-roles";
/// The extension on every error response that lists its `code` values.
const CODES_EXTENSION: &str = "x-error-codes";

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const DESCRIPTION: &str = "\
Scrutineer 监票服务的 JSON 接口, 路径在 `/api/v1` 下 (另有 `/checkpoint`、`/healthz`、`/metrics`)。

**认证。** 浏览器用 `POST /api/v1/login` 登录, 得到会话 cookie `scrutineer_session` \
(HttpOnly, SameSite=Strict); 每个改变状态的请求 (GET、HEAD、OPTIONS 以外) 还须在请求头 \
`X-CSRF-Token` 中带上登录响应或 `GET /api/v1/session` 给出的 `csrf` 值。脚本登录时写 \
`\"bearer\": true`, 得到 `token`, 之后发送 `Authorization: Bearer <token>`: 不用 cookie, \
也不用 CSRF 令牌。投票机通过配对 (`POST /api/v1/kiosks/pair`) 取得会话。每个操作写明允许的角色 \
(扩展字段 `x-roles`); 公开操作无需登录。

**错误。** 所有错误都返回 JSON `{\"code\": \"...\", \"message\": \"...\"}`: `code` 是稳定的机器可读代码 \
(每个错误响应的 `x-error-codes` 列出可能的值), `message` 是中英双语说明。`429` 带 `Retry-After` \
头 (秒)。任何操作都可能返回 `500 internal` (或存储故障 `503 storage`), 详情只写入服务日志。

**格式。** 选举定义 `scrutineer.election/v1`、计票结果 `scrutineer.result/v1` 与选票 (JSON Lines) \
见源码仓库中的 docs/FORMATS.md; 同一版本内只会增加字段, 不会改名或改义。

---

The JSON API of the Scrutineer tallying service, under `/api/v1` (plus `/checkpoint`, \
`/healthz` and `/metrics`).

**Authentication.** Browsers sign in with `POST /api/v1/login` and receive the session \
cookie `scrutineer_session` (HttpOnly, SameSite=Strict); every state-changing request \
(anything but GET, HEAD and OPTIONS) must also send the session's `csrf` value, from the \
login answer or `GET /api/v1/session`, in the `X-CSRF-Token` header. Scripts sign in with \
`\"bearer\": true`, receive a `token` and send `Authorization: Bearer <token>`: no cookie, so \
no CSRF token. Kiosks get their session by pairing (`POST /api/v1/kiosks/pair`). Every \
operation lists the roles it allows (extension `x-roles`); public operations need no sign-in.

**Errors.** Every error answers JSON `{\"code\": \"...\", \"message\": \"...\"}`: `code` is a \
stable machine-readable code (each error response lists its values in `x-error-codes`), \
`message` a bilingual explanation. `429` carries `Retry-After` (seconds). Any operation may \
answer `500 internal` (or `503 storage` when storage fails); the detail goes to the service \
log only.

**Formats.** The election spec `scrutineer.election/v1`, the result `scrutineer.result/v1` \
and ballots (JSON Lines) are described in docs/FORMATS.md of the source repository; within a \
version fields are only ever added, never renamed or given a new meaning.";

/// The tags, in the order the document and the HTML page list them.
const TAGS: &[(&str, &str)] = &[
    ("session", "登录与会话 / Sign-in and sessions"),
    (
        "accounts",
        "账号与投票机配对码 / Accounts and kiosk pairing codes",
    ),
    (
        "election",
        "选举、选票码与开始投票 / The election, ballot tokens and opening contests",
    ),
    ("roll", "选民名单 / The voter roll"),
    ("desk", "签到台 / The check-in desk"),
    ("kiosk", "投票机 / Voting kiosks"),
    (
        "teller",
        "计票人: 结束投票、计票、签名 / Tellers: closing, tallying, signing",
    ),
    ("results", "计票结果与公布 / Results and publication"),
    ("public", "公开核验 / Public verification"),
    ("operations", "运维 / Operations"),
];

// ---------------------------------------------------------------- schema tables

/// A JSON type, written as a constant so that the tables below stay declarative.
#[derive(Clone, Copy)]
enum T {
    /// Any string.
    Str,
    /// A string of at least `.0` and at most `.1` characters.
    Len(usize, Option<usize>),
    /// A string matching a regular expression.
    Pattern(&'static str),
    /// An ISO date `yyyy-mm-dd`.
    Date,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// An integer ≥ 0.
    Int,
    /// An integer ≥ `.0`.
    IntMin(i64),
    Bool,
    /// `T` or `null`.
    Null(&'static T),
    List(&'static T),
    /// An object with these fields; more may be added in later versions. Request objects
    /// that refuse unknown fields are components (`T::Ref`), built closed.
    Obj(&'static [F]),
    /// An object whose keys are free and whose values are `T`.
    Map(&'static T),
    /// Any JSON object.
    AnyObj,
    /// A schema in `components.schemas`.
    Ref(&'static str),
}

/// One field of an object.
#[derive(Clone, Copy)]
struct F {
    name: &'static str,
    t: T,
    required: bool,
    doc: &'static str,
}

/// A field that is always present (answers) or must be sent (requests).
const fn req(name: &'static str, t: T, doc: &'static str) -> F {
    F {
        name,
        t,
        required: true,
        doc,
    }
}

/// A field that may be absent.
const fn opt(name: &'static str, t: T, doc: &'static str) -> F {
    F {
        name,
        t,
        required: false,
        doc,
    }
}

const ROLE_IDS: &[&str] = &["organiser", "registrar", "kiosk", "teller", "auditor"];
const MARKS: &[&str] = &["for", "against", "abstain"];

const ID_NAME: &[F] = &[req("id", T::Str, "id"), req("name", T::Str, "名称 / name")];

const ERROR: &[F] = &[
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

const LOGIN: &[F] = &[
    req("username", T::Str, "用户名 / user name"),
    req("password", T::Str, "密码 / password"),
    opt(
        "bearer",
        T::Bool,
        "true: 返回 `token` 而不设 cookie (脚本用); 默认 false / true: answer a bearer `token` \
         instead of setting the cookie (for scripts); default false",
    ),
];

const PASSWORD_CHANGE: &[F] = &[
    req("old", T::Str, "当前密码 / the current password"),
    req(
        "new",
        T::Len(10, None),
        "新密码, 至少 10 个字符 / the new password, at least 10 characters",
    ),
];

const NEW_ACCOUNT: &[F] = &[
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

const PAIR: &[F] = &[
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

const STYLE: &[F] = &[
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

const NEW_ELECTION: &[F] = &[
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

const ELECTION_SPEC: &[F] = &[
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

const CHECK_IN: &[F] = &[
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

const POOL_REQUEST: &[F] = &[
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

const CLOSE_REQUEST: &[F] = &[
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

const CORRECTION_REQUEST: &[F] = &[
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

const TOKEN_ONLY: &[F] = &[req("token", T::Str, "选票码 / the ballot token")];

const BALLOT: &[F] = &[
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

const CAST: &[F] = &[
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

const SPOIL: &[F] = &[
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

const REVOTE_REQUEST: &[F] = &[req(
    "reason",
    T::Str,
    "原因 (1 至 500 字), 记入日志并在公示页显示 / the reason (1 to 500 characters), logged and shown on the board",
)];

const PROCEDURE_STEP_REQUEST: &[F] = &[
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

const REDUCE_SEATS_REQUEST: &[F] = &[req(
    "basis",
    T::Str,
    "大会减少名额的决定 (1 至 500 字), 记入日志并在公示页显示 / the meeting's decision (1 to 500 characters), logged and shown on the board",
)];

const KIOSK_TEST_REQUEST: &[F] = &[
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

const TELLER_ENTRY: &[F] = &[
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

const SIGNATURE_LINE: &[F] = &[req(
    "line",
    T::Str,
    "计票人对该结果检查点的 signed-note 签名行 (`— 名称 base64`) / the teller's signed-note \
     signature line (`— name base64`) over the result's checkpoint",
)];

const PAPER_BALLOT_REQUEST: &[F] = &[
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

const NEXT_ROUND: &[F] = &[
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

const TALLY_REQUEST: &[F] = &[
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

const RESULT: &[F] = &[
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

const SIGNED_RESULT: &[F] = &[
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

const ELECTION_SUMMARY: &[F] = &[
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
const COMPONENTS: &[(&str, &str, bool, &[F])] = &[
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

// ---------------------------------------------------------------- answers of the endpoints

const OK: &[F] = &[req("ok", T::Bool, "总是 true / always true")];
const ENTRY_INDEX: &[F] = &[req(
    "index",
    T::Int,
    "新日志条目的序号 / index of the new log entry",
)];

const ENTRY: &[F] = &[req(
    "entry",
    T::Int,
    "新日志条目的序号 / index of the new log entry",
)];

const LOGIN_OK: &[F] = &[
    req("username", T::Str, "用户名 / user name"),
    req("role", T::Enum(ROLE_IDS), "角色 / role"),
    opt(
        "csrf",
        T::Str,
        "cookie 登录: 放进 X-CSRF-Token / cookie sign-in: send it as X-CSRF-Token",
    ),
    opt(
        "token",
        T::Str,
        "`bearer: true` 时: 会话令牌 / with `bearer: true`: the session token",
    ),
    req(
        "must_change_password",
        T::Bool,
        "一次性密码: 先改密码才能做别的 / a one-time password: change it before anything else",
    ),
];

const SESSION_OK: &[F] = &[
    req("username", T::Str, "用户名 / user name"),
    req("role", T::Enum(ROLE_IDS), "角色 / role"),
    req("role_label", T::Str, "角色中文名 / role in Chinese"),
    req("csrf", T::Str, "CSRF 令牌 / the CSRF token"),
    req(
        "expires",
        T::Int,
        "会话结束时间 (Unix 秒) / when the session ends (Unix seconds)",
    ),
    req(
        "must_change_password",
        T::Bool,
        "须先修改一次性密码 / the one-time password must be changed first",
    ),
];

const PASSWORD_OK: &[F] = &[
    req("ok", T::Bool, "总是 true / always true"),
    req(
        "other_sessions_ended",
        T::Int,
        "结束的本账号其他会话数 / the account's other sessions that were ended",
    ),
];

const ACCOUNTS_OK: &[F] = &[req(
    "accounts",
    T::List(&T::Obj(&[
        req("username", T::Str, ""),
        req("role", T::Enum(ROLE_IDS), ""),
        req("disabled", T::Bool, "已停用 / disabled"),
        req(
            "must_change_password",
            T::Bool,
            "一次性密码尚未修改 / the one-time password is not changed yet",
        ),
    ])),
    "账号 / accounts",
)];

const ACCOUNT_STATE_OK: &[F] = &[
    req("ok", T::Bool, "总是 true / always true"),
    req("disabled", T::Bool, "现在是否停用 / disabled now"),
    req("sessions_ended", T::Int, "结束的会话数 / sessions ended"),
];

const SESSION_ROW: &[F] = &[
    req("id", T::Str, "会话编号 (令牌 SHA-256 的前 16 位十六进制) / session id (first 16 hex digits of the token's SHA-256)"),
    req("username", T::Str, "用户名 / user name"),
    req("role", T::Enum(ROLE_IDS), "角色 / role"),
    req("created", T::Int, "开始 (Unix 秒; 0 = 未记录) / began (Unix seconds; 0 = not recorded)"),
    req("created_utc", T::Str, ""),
    req("expires", T::Int, "结束 (Unix 秒) / ends (Unix seconds)"),
    req("expires_utc", T::Str, ""),
    req("client", T::Str, "登录或配对时的客户端地址 / client address at sign-in or pairing"),
    req("current", T::Bool, "是调用者自己的会话 / the caller's own session"),
];

const SESSIONS_OK: &[F] = &[req(
    "sessions",
    T::List(&T::Obj(SESSION_ROW)),
    "会话 / sessions",
)];

const KIOSK_ROW: &[F] = &[
    req("name", T::Str, "配对时的名称 / the name it was paired with"),
    req("id", T::Str, "会话编号 / session id"),
    req("username", T::Str, "kiosk-名称 / kiosk-name"),
    req("role", T::Enum(ROLE_IDS), "总是 kiosk / always kiosk"),
    req("created", T::Int, ""),
    req("created_utc", T::Str, ""),
    req("expires", T::Int, ""),
    req("expires_utc", T::Str, ""),
    req("client", T::Str, ""),
    req("current", T::Bool, ""),
];

const KIOSKS_OK: &[F] = &[req(
    "kiosks",
    T::List(&T::Obj(KIOSK_ROW)),
    "已配对的投票机 / paired kiosks",
)];

const REVOKED_OK: &[F] = &[
    req("ok", T::Bool, "总是 true / always true"),
    req("username", T::Str, "会话的用户 / the session's user"),
    req("role", T::Enum(ROLE_IDS), "角色 / role"),
];

const UNPAIRED_OK: &[F] = &[
    req("ok", T::Bool, "总是 true / always true"),
    req("name", T::Str, "投票机名称 / kiosk name"),
];

const ACCOUNT_CREATED: &[F] = &[
    req("role", T::Enum(ROLE_IDS), "角色 / role"),
    req(
        "password",
        T::Str,
        "初始密码, 只显示这一次 / the initial password, shown this once",
    ),
    req(
        "must_change_password",
        T::Bool,
        "总是 true: 首次登录须修改 / always true: to be changed at the first sign-in",
    ),
    req("note", T::Str, "提示 / note"),
];

const PAIRING_OK: &[F] = &[
    req(
        "code",
        T::Pattern("^[0-9]{4} [0-9]{4} [0-9]{4}$"),
        "12 位配对码 (前 4 位标识此码, 后 8 位为秘密) / 12-digit code (4 digits name the code, 8 are its secret)",
    ),
    req("expires_in_seconds", T::Int, "有效秒数 / seconds valid"),
    req(
        "tries",
        T::Int,
        "可错次数, 错满即作废 / wrong tries it survives; the last kills it",
    ),
];

const PAIR_OK: &[F] = &[
    req("role", T::Enum(&["kiosk"]), "总是 kiosk / always kiosk"),
    req("token", T::Str, "会话令牌 / session token"),
    req("csrf", T::Str, "CSRF 令牌 / the CSRF token"),
    req(
        "expires",
        T::Int,
        "凭据到期 (Unix 秒) / the credential ends (Unix seconds)",
    ),
    req("expires_utc", T::Str, ""),
];

const IMPORTED: &[F] = &[req("imported", T::Int, "导入的选民数 / voters imported")];

const VOTERS: &[F] = &[req(
    "voters",
    T::List(&T::Obj(&[
        req("name", T::Str, "姓名 / name"),
        req("number", T::Str, "编号 / number"),
        req("unit", T::Str, "选区 / unit"),
        req(
            "checked_in_at",
            T::Null(&T::Int),
            "第 1 轮签到时间 (Unix 秒) / round-1 check-in time (Unix seconds)",
        ),
    ])),
    "至多 50 人 / at most 50 voters",
)];

const CHECKED_IN: &[F] = &[
    req("name", T::Str, "姓名 / name"),
    req("unit", T::Str, "选区 / unit"),
    req("style", T::Int, "应发的选票样式 / ballot style to hand out"),
    req(
        "slips",
        T::Int,
        "应发选票码张数 (本人加委托人) / tokens to hand out (the voter plus principals)",
    ),
    req("at", T::Int, "签到时间 (Unix 秒) / time (Unix seconds)"),
];

const DESK_OK: &[F] = &[
    req(
        "contests",
        T::List(&T::Obj(&[
            req("contest", T::Str, "选举项目 id / contest id"),
            req(
                "state",
                T::Enum(&["draft", "open", "closed"]),
                "项目状态; 结束后数字冻结为记入日志的数字 / the contest's phase; once \
                 closed the figures are the ones logged",
            ),
            req("eligible", T::Int, "应到 E / eligible"),
            req("present", T::Int, "实到 P / present"),
            req("slips_issued", T::Int, "已发选票码 I / tokens issued"),
            req(
                "quorum",
                T::Enum(&["none", "met", "not_met"]),
                "法定人数 / quorum",
            ),
        ])),
        "各项目的到会情况 / turnout per contest",
    ),
    req("roll_size", T::Int, "名单人数 / voters on the roll"),
];

const KIOSK_BALLOT: &[F] = &[
    req("style", T::Int, "选票样式 / ballot style"),
    req("round", T::Int, "轮次 / round"),
    req(
        "contests",
        T::List(&T::Obj(&[
            req("id", T::Str, ""),
            req("title", T::Str, ""),
            req("kind", T::Str, ""),
            req("kind_label", T::Str, ""),
            req("seats", T::Int, ""),
            req(
                "max_marks",
                T::Int,
                "最多可赞成的人数 / most names in favour",
            ),
            req(
                "against_label",
                T::Str,
                "反对/不赞成 / the word for against",
            ),
            req("write_ins", T::Bool, "可否另选他人 / write-ins allowed"),
            req(
                "candidates",
                T::List(&T::Obj(&[
                    req("id", T::Str, ""),
                    req("name", T::Str, ""),
                    req(
                        "index",
                        T::Int,
                        "在选举规格中的位置 (加密选票按此顺序) / the position in the spec (the \
                         encrypted ballot's order)",
                    ),
                ])),
                "候选人, 按姓氏笔画或批准的顺序 / candidates in stroke or approved order",
            ),
            opt(
                "shape",
                T::Null(&T::AnyObj),
                "加密选票的形状 (加密选举) / the encrypted ballot's shape (encrypted elections; \
                 docs/E2E.md §4.1)",
            ),
            opt(
                "group",
                T::Str,
                "加密选票绑定的测评组 / the evaluator group the encrypted ballot binds",
            ),
            req(
                "scale",
                T::Null(&T::Obj(&[
                    req("id", T::Str, ""),
                    req("grades", T::List(&T::Str), ""),
                    req("labels", T::List(&T::Str), ""),
                ])),
                "测评等次 (仅测评) / evaluation scale (evaluations only)",
            ),
            req(
                "subjects",
                T::Null(&T::List(&T::Obj(ID_NAME))),
                "测评对象 (仅测评) / subjects (evaluations only)",
            ),
        ])),
        "选票上的项目 / the contests on the ballot",
    ),
    opt(
        "e2e",
        T::Null(&T::Obj(&[
            req("protocol", T::Str, "scrutineer.e2e/v1"),
            req("election_id", T::Str, ""),
            req(
                "key",
                T::Str,
                "选举密钥 (base64) / the election key, base64",
            ),
            req(
                "fingerprint",
                T::Str,
                "选举密钥指纹 / the key's fingerprint",
            ),
            req(
                "token_serial",
                T::Str,
                "选票码序号 (hex), 绑定于每个证明 / the token serial (hex) every proof binds",
            ),
        ])),
        "加密选举: 投票机据此加密 / an encrypted election: what the kiosk encrypts with",
    ),
];

const CAST_OK: &[F] = &[
    req(
        "receipt",
        T::Str,
        "回执码, 如 R42-5Q3ZK8M1T0C7W2H4 / receipt code, e.g. R42-5Q3ZK8M1T0C7W2H4",
    ),
    req("index", T::Int, "日志序号 / log index"),
    req("hash", T::Str, "条目哈希 (hex) / entry hash (hex)"),
    req("checkpoint_size", T::Int, "日志条数 / log size"),
    req(
        "qr_svg",
        T::Str,
        "回执码二维码 (SVG) / receipt QR code (SVG)",
    ),
    opt(
        "confirmation",
        T::Str,
        "加密选票的确认码, 如 7K2Q-M9XD (docs/E2E.md §8.6) / an encrypted ballot's \
         confirmation code",
    ),
];

const CLOSED: &[F] = &[
    req(
        "entry",
        T::Int,
        "新日志条目的序号 / index of the new log entry",
    ),
    req("eligible", T::Int, "记录的应到人数 / eligible recorded"),
    req("present", T::Int, "记录的实到人数 / present recorded"),
    req(
        "ballots_issued",
        T::Int,
        "记录的发出选票数 / ballots issued recorded",
    ),
];

const TALLIED: &[F] = &[
    req(
        "result_index",
        T::Int,
        "结果条目的序号 / log index of the result entry",
    ),
    req("result", T::Ref("Result"), "计票结果 / the result"),
];

const RESULTS_OK: &[F] = &[req(
    "results",
    T::List(&T::Obj(&[
        req("index", T::Int, "结果条目的序号 / log index of the result"),
        req("contests", T::List(&T::Str), "选举项目 / contests"),
        req("signatures", T::Int, "已有签名 / signatures present"),
        req("required", T::Int, "所需签名 / signatures required"),
        req("published", T::Bool, "是否已公布 / published"),
    ])),
    "计票结果 / results",
)];

const PUBLISHED: &[F] = &[
    req("published", T::Int, "公布的结果序号 / index published"),
    req(
        "runoffs",
        T::List(&T::Str),
        "因此新建的另行投票项目 id / runoff contests created",
    ),
];

const PUBLIC_RESULTS: &[F] = &[req(
    "results",
    T::List(&T::Obj(&[
        req("index", T::Int, "结果条目的序号 / log index of the result"),
        req("contests", T::List(&T::Str), "选举项目 / contests"),
        req(
            "url",
            T::Str,
            "签名结果的地址 / address of the signed result",
        ),
        req("board", T::Str, "公告页 / results board page"),
    ])),
    "已公布的结果 / published results",
)];

const RECEIPT_OK: &[F] = &[
    req("receipt", T::Str, "回执码 / receipt code"),
    req("index", T::Int, "日志序号 / log index"),
    req("hash", T::Str, "条目哈希 (hex) / entry hash (hex)"),
    req(
        "tree_size",
        T::Int,
        "检查点的日志条数 / log size of the checkpoint",
    ),
    req(
        "proof",
        T::List(&T::Str),
        "Merkle 包含证明 (hex) / Merkle inclusion proof (hex)",
    ),
    req("checkpoint", T::Str, "签名检查点 / the signed checkpoint"),
    opt(
        "kind",
        T::Str,
        "条目类型, 如 encrypted_ballot、spoiled_ballot / the entry's kind",
    ),
    opt(
        "confirmation",
        T::Str,
        "加密或核验作废选票的确认码 / the confirmation code of an encrypted or spoiled ballot",
    ),
];

const CHECKPOINTS_OK: &[F] = &[
    req(
        "latest",
        T::Null(&T::Obj(&[
            req("size", T::Int, "日志条数 / log size"),
            req("note", T::Str, "签名检查点 / the signed checkpoint note"),
        ])),
        "最新检查点 / latest checkpoint",
    ),
    req(
        "sizes",
        T::List(&T::Int),
        "所有检查点的日志条数 / log size of every checkpoint",
    ),
];

const HEALTH: &[F] = &[
    req("status", T::Enum(&["ok"]), "总是 ok / always ok"),
    req("version", T::Str, "服务版本 / service version"),
    req(
        "election",
        T::Null(&T::Str),
        "选举 id, 未创建时为 null / election id, null before one is created",
    ),
];

// ---------------------------------------------------------------- the endpoints

/// The request body an endpoint takes.
#[derive(Clone, Copy)]
enum Body {
    None,
    /// JSON matching a component schema.
    Json(&'static str),
    /// JSON matching a component schema, or no body at all.
    OptionalJson(&'static str),
    /// CSV text.
    Csv,
}

/// The success answer of an endpoint.
#[derive(Clone, Copy)]
enum Out {
    /// Status and JSON schema.
    Json(u16, T),
    /// Status, media type, whether the bytes are binary, and a description.
    Bytes(u16, &'static str, bool, &'static str),
}

/// What the document says about one endpoint beyond its row in [`ENDPOINTS`].
#[derive(Clone, Copy)]
struct Doc {
    summary: &'static str,
    tag: &'static str,
    /// More description (Markdown), after the roles line.
    notes: &'static str,
    body: Body,
    out: Out,
    /// Optional string query parameters: name and description.
    query: &'static [(&'static str, &'static str)],
    /// The error codes particular to this endpoint, by status.
    errors: &'static [(u16, &'static [&'static str])],
    /// Needs the election to exist (`409 no_election` otherwise).
    election: bool,
    /// Limited per client address (`429 rate_limited`).
    limited: bool,
    /// Sets (or removes) the session cookie.
    cookie: bool,
}

const BASE: Doc = Doc {
    summary: "",
    tag: "operations",
    notes: "",
    body: Body::None,
    out: Out::Json(200, T::AnyObj),
    query: &[],
    errors: &[],
    election: false,
    limited: false,
    cookie: false,
};

const SPEC_CODES: &[&str] = &[
    "spec_json",
    "spec_format",
    "spec_too_large",
    "spec_field",
    "unknown_kind",
    "name_format_character",
    "name_control_character",
    "(其他规则代码见 docs/FORMATS.md / other rule codes in docs/FORMATS.md)",
];

const BALLOT_CODES: &[&str] = &[
    "ballot_json",
    "unknown_contest",
    "unknown_candidate",
    "unknown_mark",
    "unknown_subject",
    "unknown_grade",
    "unknown_group",
    "group_missing",
    "ballot_shape",
    "bad_write_in",
    "name_format_character",
    "name_control_character",
    "line_too_long",
    "not_utf8",
];

const TOKEN_CODES: &[&str] = &[
    "token_characters",
    "token_length",
    "token_byte_length",
    "token_check",
    "token_version",
    "token_wrong_election",
    "token_wrong_round",
    "token_wrong_style",
    "token_signature",
    "unknown_style",
];

/// The entry of one endpoint, or `None` for an endpoint this module does not know yet.
fn doc(method: &str, path: &str) -> Option<Doc> {
    let d = match (method, path) {
        ("POST", "/api/v1/login") => Doc {
            summary: "登录 / Sign in",
            tag: "session",
            notes: "成功时设置会话 cookie 并返回 `csrf`; `bearer: true` 时不设 cookie, 返回 \
                    `token`。按客户端地址限流。\n\nOn success sets the session cookie and \
                    answers `csrf`; with `bearer: true` sets no cookie and answers a `token`. \
                    Rate-limited per client address.",
            body: Body::Json("Login"),
            out: Out::Json(200, T::Obj(LOGIN_OK)),
            errors: &[(401, &["bad_login"]), (403, &["account_disabled"])],
            limited: true,
            cookie: true,
            ..BASE
        },
        ("POST", "/api/v1/logout") => Doc {
            summary: "退出登录 / Sign out",
            tag: "session",
            notes: "删除会话并清除 cookie。\n\nDeletes the session and clears the cookie.",
            out: Out::Json(200, T::Obj(OK)),
            cookie: true,
            ..BASE
        },
        ("GET", "/api/v1/session") => Doc {
            summary: "当前会话 / Current session",
            tag: "session",
            notes: "返回用户、角色与 CSRF 令牌 (页面刷新后取回令牌用)。\n\nAnswers the user, \
                    the role and the CSRF token (for a page to recover it after a reload).",
            out: Out::Json(200, T::Obj(SESSION_OK)),
            ..BASE
        },
        ("POST", "/api/v1/password") => Doc {
            summary: "修改密码 / Change password",
            tag: "session",
            notes: "须提供当前密码。新密码至少 12 个字符, 欢迎用一句话; 常用密码、键盘顺序、\
                    日期和用户名会被拒绝 (zxcvbn 评分至少 3)。修改后本账号的其他会话全部结束。\
                    一次性密码 (首次启动、新账号、重置) 在修改前只能调用本接口、`GET /session` \
                    和 `POST /logout`。\n\nNeeds the current password. The new one has at least \
                    12 characters, passphrases welcome; common passwords, keyboard runs, dates \
                    and the user name are refused (a zxcvbn score of at least 3). Every other \
                    session of the account ends. With a one-time password (first start, a new \
                    account, a reset) only this, `GET /session` and `POST /logout` answer \
                    until it is changed.",
            body: Body::Json("PasswordChange"),
            out: Out::Json(200, T::Obj(PASSWORD_OK)),
            errors: &[
                (401, &["bad_login"]),
                (
                    422,
                    &[
                        "password_too_short",
                        "password_too_long",
                        "password_unchanged",
                        "password_common",
                    ],
                ),
            ],
            ..BASE
        },
        ("GET", "/api/v1/accounts") => Doc {
            summary: "账号列表 / List accounts",
            tag: "accounts",
            out: Out::Json(200, T::Obj(ACCOUNTS_OK)),
            ..BASE
        },
        ("POST", "/api/v1/accounts") => Doc {
            summary: "创建账号 / Create an account",
            tag: "accounts",
            notes: "生成随机初始密码, 只在此响应中出现一次。投票机不建账号, 用配对码。\n\nGenerates \
                    a random initial password, shown in this answer only. Kiosks get no \
                    account: they are paired with a code.",
            body: Body::Json("NewAccount"),
            out: Out::Json(201, T::Obj(ACCOUNT_CREATED)),
            errors: &[
                (409, &["account_exists"]),
                (422, &["unknown_role", "kiosk_by_pairing", "bad_username"]),
            ],
            ..BASE
        },
        ("POST", "/api/v1/kiosks/pairing") => Doc {
            summary: "生成投票机配对码 / Issue a kiosk pairing code",
            tag: "accounts",
            notes: "12 位数字, 10 分钟内有效, 只能用一次; 错几次 (`tries`) 即作废。\n\nTwelve \
                    digits, valid 10 minutes, usable once; void after `tries` wrong tries.",
            out: Out::Json(201, T::Obj(PAIRING_OK)),
            errors: &[(409, &["pairing_slots_full"])],
            ..BASE
        },
        ("GET", "/api/v1/kiosks") => Doc {
            summary: "已配对的投票机 / Paired kiosks",
            tag: "accounts",
            out: Out::Json(200, T::Obj(KIOSKS_OK)),
            ..BASE
        },
        ("POST", "/api/v1/kiosks/{}/unpair") => Doc {
            summary: "解除投票机配对 / Unpair a kiosk",
            tag: "accounts",
            notes: "该投票机的凭据立即失效, 下一个请求即被拒绝。\n\nThe kiosk's credential ends \
                    at once: its next request is refused.",
            out: Out::Json(200, T::Obj(UNPAIRED_OK)),
            errors: &[(409, &["unknown_kiosk"])],
            ..BASE
        },
        ("GET", "/api/v1/sessions") => Doc {
            summary: "全部会话 / All sessions",
            tag: "accounts",
            notes: "工作人员的登录与投票机, 含开始、结束时间与客户端地址。\n\nStaff sign-ins \
                    and kiosks, with when they began and end and the client address.",
            out: Out::Json(200, T::Obj(SESSIONS_OK)),
            ..BASE
        },
        ("POST", "/api/v1/sessions/{}/revoke") => Doc {
            summary: "结束一个会话 / Revoke a session",
            tag: "accounts",
            out: Out::Json(200, T::Obj(REVOKED_OK)),
            errors: &[(409, &["unknown_session"])],
            ..BASE
        },
        ("POST", "/api/v1/accounts/{}/disable") => Doc {
            summary: "停用账号 / Disable an account",
            tag: "accounts",
            notes: "不能再登录, 其会话立即结束。\n\nIt can no longer sign in; its sessions end \
                    at once.",
            out: Out::Json(200, T::Obj(ACCOUNT_STATE_OK)),
            errors: &[(409, &["unknown_account"]), (422, &["cannot_disable_self"])],
            ..BASE
        },
        ("POST", "/api/v1/accounts/{}/enable") => Doc {
            summary: "恢复账号 / Enable an account",
            tag: "accounts",
            out: Out::Json(200, T::Obj(ACCOUNT_STATE_OK)),
            errors: &[(409, &["unknown_account"])],
            ..BASE
        },
        ("POST", "/api/v1/kiosks/pair") => Doc {
            summary: "投票机配对 / Pair a kiosk",
            tag: "kiosk",
            notes: "投票机用配对码换取 kiosk 凭据 (持久 cookie 与 `token`), 默认到选举日 24:00 \
                    (北京时间)。同名投票机再次配对时旧凭据失效。按客户端地址限流, 全部客户端的\
                    错误次数另有上限。\n\nA kiosk trades a pairing code for a kiosk credential \
                    (a persistent cookie and `token`), by default until 24:00 China time of the \
                    election day. Pairing a name again ends the old credential. Rate-limited per \
                    client address, and wrong codes from all clients together are capped.",
            body: Body::Json("Pair"),
            out: Out::Json(200, T::Obj(PAIR_OK)),
            errors: &[(422, &["bad_kiosk_name", "bad_pairing_code"])],
            limited: true,
            cookie: true,
            ..BASE
        },
        ("GET", "/api/v1/election") => Doc {
            summary: "选举概况 / Election summary",
            tag: "election",
            notes: "项目、候选人、投票状态、样式与日志大小。\n\nContests, candidates, voting \
                    state, styles and log size.",
            out: Out::Json(200, T::Ref("ElectionSummary")),
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/procedures") => Doc {
            summary: "多轮程序及其进度 / Multi-round procedures and where they stand",
            tag: "election",
            notes: "每个程序的各轮 (资格审查、面试、民主测评、民主推荐、批准、直接选举)、已完成轮次的名单与依据、\
                    当前轮次和进入它的名单。\n\nEach procedure's rounds, the lists and bases of the \
                    rounds done, the current round and the list going into it.",
            out: Out::Json(200, T::AnyObj),
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/procedures/{}/steps") => Doc {
            summary: "记录程序的下一轮 / Record a procedure's next round",
            tag: "election",
            notes: "资格审查: people (合格名单); 面试: scores (每人得分); 批准: approved (正式候选人 id); \
                    测评、推荐、选举轮: 取该轮选举项目已公布的结果。比例按规则检查; 下一轮是选举项目时, \
                    以本轮名单创建它。\n\nQualification: people (who passed); interview: scores; \
                    approval: approved ids; a round held as a contest takes its published result. \
                    Ratios are checked by the rules; when the next round is a contest, it is created \
                    with this round's list.",
            body: Body::Json("ProcedureStepRequest"),
            out: Out::Json(201, T::AnyObj),
            errors: &[
                (
                    409,
                    &[
                        "procedure_order",
                        "procedure_complete",
                        "procedure_result_missing",
                        "procedure_round_invalid",
                    ],
                ),
                (
                    422,
                    &[
                        "procedure_input",
                        "procedure_basis",
                        "procedure_too_few",
                        "procedure_ratio",
                        "unknown_procedure",
                    ],
                ),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/election") => Doc {
            summary: "创建选举 / Create the election",
            tag: "election",
            notes: "一个数据目录只办一次选举: 在日志中登记选举定义、样式与计票人公钥。\n\nOne \
                    data directory holds one election: registers the spec, the styles and \
                    the tellers' keys in the log.",
            body: Body::Json("NewElection"),
            out: Out::Json(201, T::Ref("ElectionSummary")),
            errors: &[(409, &["election_exists"]), (422, SPEC_CODES), (422, &["bad_key"])],
            ..BASE
        },
        ("POST", "/api/v1/roll") => Doc {
            summary: "导入选民名单 / Import the voter roll",
            tag: "roll",
            notes: "UTF-8 CSV (可带 BOM), 表头列: name/姓名, number/证件号码, unit/选区, \
                    birth_date/出生日期, 可选 rights、membership、flags。全部导入或全部不导入; \
                    `roll_refused` 在 `rows` 中列出每处问题。替换已有名单。\n\nUTF-8 CSV (a BOM \
                    is accepted) with the header columns name, number, unit, birth_date and \
                    optionally rights, membership, flags. All rows or none: `roll_refused` \
                    lists every problem in `rows`. Replaces the roll.",
            body: Body::Csv,
            out: Out::Json(200, T::Obj(IMPORTED)),
            errors: &[(
                422,
                &[
                    "roll_refused",
                    "election_date_missing",
                    "not_utf8",
                    "bad_header",
                    "too_large",
                    "too_many_rows",
                ],
            )],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/roll") => Doc {
            summary: "查找选民 / Search the roll",
            tag: "roll",
            notes: "按编号或姓名 (含拼音首字母) 查找, 至多 50 人, 附第 1 轮签到时间。\n\nSearches \
                    by number or name (pinyin initials too); at most 50 voters, with their \
                    round-1 check-in time.",
            out: Out::Json(200, T::Obj(VOTERS)),
            query: &[(
                "q",
                "查找词; 空: 名单开头 / search text; empty: the start of the roll",
            )],
            ..BASE
        },
        ("POST", "/api/v1/checkins") => Doc {
            summary: "选民签到 / Check a voter in",
            tag: "desk",
            notes: "登记选民 (及其委托人) 到场, 返回应发的样式与选票码张数。同一轮不能重复签到。\
                    \n\nRecords that a voter (and their principals) came, and answers the \
                    style and number of tokens to hand out. Nobody checks in twice a round.",
            body: Body::Json("CheckInRequest"),
            out: Out::Json(201, T::Obj(CHECKED_IN)),
            errors: &[
                (409, &["already_checked_in"]),
                (
                    422,
                    &[
                        "not_on_roll",
                        "no_style",
                        "proxy_refused_party",
                        "too_many_principals",
                        "proxy_unit",
                    ],
                ),
            ],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/desk") => Doc {
            summary: "签到台统计 / Desk turnout",
            tag: "desk",
            notes: "每个项目的应到、实到、已发选票码与法定人数; 结束投票后为记入日志的数字。\n\n\
                    Eligible, present, tokens issued and quorum per contest; once a contest \
                    is closed, the figures logged.",
            out: Out::Json(200, T::Obj(DESK_OK)),
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/pools") => Doc {
            summary: "生成选票码 / Generate ballot tokens",
            tag: "election",
            notes: "为一个样式生成并登记一批选票码, 返回可打印的选票码页 (HTML)。日志只记数量与承诺, \
                    不记谁拿到哪张。\n\nGenerates and registers a pool of tokens for one style \
                    and answers the printable slip sheet (HTML). The log keeps the count and \
                    a commitment, never who gets which token.",
            body: Body::Json("PoolRequest"),
            out: Out::Bytes(
                201,
                "text/html",
                false,
                "可打印的选票码页 / printable slip sheet",
            ),
            errors: &[
                (
                    422,
                    &[
                        "unknown_style",
                        "pool_too_many",
                        "sheet_too_many",
                        "sheet_wrong_round",
                        "sheet_mixed_tokens",
                        "sheet_qr",
                        "sheet_qr_version",
                    ],
                ),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/open") => Doc {
            summary: "开始投票 / Open a contest",
            tag: "election",
            out: Out::Json(200, T::Obj(ENTRY)),
            errors: &[
                (409, &["contest_already_open", "contest_closed"]),
                (422, &["unknown_contest"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/reduce-seats") => Doc {
            summary: "减少名额 (不再选举) / Reduce the seats instead of a new round",
            tag: "election",
            notes: "党内选举当选人数少于应选名额而接近应选名额时, 大会可以决定减少名额, 不再选举: 记录该决定及其依据, \
                    减少的名额等于已公布结果中未选足的名额; 之后不能再另行选举。\n\nA party contest whose \
                    published result left seats unfilled: the meeting's decision to reduce the seats by \
                    exactly those, with no new round, logged with its basis; no runoff may follow.",
            body: Body::Json("ReduceSeatsRequest"),
            out: Out::Json(201, T::AnyObj),
            errors: &[
                (409, &["no_unfilled_seats", "shortfall_decided", "not_published"]),
                (
                    422,
                    &["reduction_basis", "seats_not_reducible", "unknown_contest"],
                ),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/revote") => Doc {
            summary: "重新投票 (无效轮次) / Re-vote an invalid round",
            tag: "election",
            notes: "计票结果为本轮无效 (未达法定人数、收回票数多于发出票数等) 时, 以同一名单、同一名额另起一轮, \
                    记录原因; 新一轮有自己的选票样式和选票码。\n\nWhen the count declared the round \
                    invalid (quorum not met, more ballots returned than issued, ...), the same list \
                    and seats as a new round with its own style and slips; the reason is logged.",
            body: Body::Json("RevoteRequest"),
            out: Out::Json(201, T::AnyObj),
            errors: &[
                (409, &["round_not_invalid", "revote_exists"]),
                (422, &["revote_reason", "unknown_contest"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/kiosk/ballot") => Doc {
            summary: "按选票码取选票 / Ballot for a token",
            tag: "kiosk",
            notes: "核验选票码 (签名、未用、项目已开始) 并返回要显示的选票。按客户端地址限流。\
                    \n\nChecks the token (signature, unspent, contests open) and answers the \
                    ballot to show. Rate-limited per client address.",
            body: Body::Json("TokenOnly"),
            out: Out::Json(200, T::Obj(KIOSK_BALLOT)),
            errors: &[
                (409, &["token_spent", "contest_not_open", "contest_closed"]),
                (422, TOKEN_CODES),
            ],
            election: true,
            limited: true,
            ..BASE
        },
        ("POST", "/api/v1/ballots") => Doc {
            summary: "投票 / Cast a ballot",
            tag: "kiosk",
            notes: "用选票码投出样式中各项目的选票, 返回回执码。投票机不会提交废票: 多选等无效选票被拒绝 \
                    (422, 代码为废票原因)。\n\nCasts the ballots of the token's style and \
                    answers a receipt. Kiosks never submit void ballots: an over-marked or \
                    otherwise void ballot is refused (422 with the void reason as code).",
            body: Body::Json("Cast"),
            out: Out::Json(201, T::Obj(CAST_OK)),
            errors: &[
                (
                    409,
                    &[
                        "token_spent",
                        "contest_not_open",
                        "contest_closed",
                        "tokens_voided",
                        "pool_exhausted",
                    ],
                ),
                (422, TOKEN_CODES),
                (422, BALLOT_CODES),
                (
                    422,
                    &[
                        "ballot_style_mismatch",
                        "over_marked",
                        "write_in_without_against",
                        "duplicate_write_in",
                        "write_in_is_candidate",
                        "uniform_grades",
                        "excellent_over_quota",
                    ],
                ),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/close") => Doc {
            summary: "结束投票 / Close a contest",
            tag: "teller",
            notes: "把签到处的人数 (应到、实到、发出) 按样式原样记入日志, 结束投票, 并作废样式已全部\
                    结束的未用选票码, 一次写入, 要么全部要么全不。人数不能手填; 更正须由另一角色的人\
                    批准。\n\nLogs the desk's figures (eligible, present, issued) per style as \
                    they are, closes the contest and voids the unspent tokens of every style \
                    whose contests are all closed, in one append, all or nothing. The figures \
                    cannot be typed; a correction needs a person of another role to approve it.",
            body: Body::OptionalJson("CloseRequest"),
            out: Out::Json(200, T::Obj(CLOSED)),
            errors: &[
                (
                    409,
                    &["contest_not_open", "contest_closed", "close_figures_mismatch", "void_mismatch"],
                ),
                (422, &["unknown_contest", "figures_from_desk", "desk_eligible_mismatch", "present_exceeds_eligible"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/corrections") => Doc {
            summary: "提出人数更正 / Propose a correction of the figures",
            tag: "teller",
            notes: "提出更正 (例如并入纸质选票发放处的数字), 须写明原因; 由另一角色的另一人批准后才\
                    记入日志, 与签到处的数字并列, 并显示在结果、张榜与核验中。\n\nProposes a \
                    correction (for example a paper desk's figures merged in) with a reason; \
                    it is logged only once a second person of another role approves it, \
                    beside the desk's figures, and shows in the result, on the board and in \
                    `verify`.",
            body: Body::Json("CorrectionRequest"),
            out: Out::Json(201, T::AnyObj),
            errors: &[
                (409, &["correction_out_of_order"]),
                (422, &["unknown_contest", "correction_reason_missing", "present_exceeds_eligible"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/teller/entries") => Doc {
            summary: "提交计票人条目 / Submit a teller's entry",
            tag: "teller",
            notes: "加密选举的密钥仪式 (三轮)、写入姓名混洗与解密份额。由计票人在自己的电脑上用 \
                    scrutineer teller run 核验导出后算出; 服务核对签名与证明后记入日志。最后一位\
                    计票人无申诉地核对份额后, 服务随即记入选举密钥。\n\nThe key ceremony (three \
                    rounds), shuffles of write-in names and decryption shares of an encrypted \
                    election, computed by scrutineer teller run on the teller's own machine \
                    from a verified export; the service checks signatures and proofs and logs \
                    them. After the last clean check the service logs the election key. \
                    Bodies up to 24 MiB.",
            body: Body::Json("TellerEntry"),
            out: Out::Json(201, T::Obj(ENTRY)),
            errors: &[
                (
                    409,
                    &[
                        "ceremony_attempt",
                        "ceremony_repeated",
                        "ceremony_waiting",
                        "election_key_set",
                        "contest_not_closed",
                        "already_tallied",
                        "shuffles_missing",
                        "shuffle_repeated",
                        "shuffle_after_shares",
                        "shares_repeated",
                        "not_encrypted",
                    ],
                ),
                (
                    422,
                    &[
                        "teller_kind",
                        "teller_body",
                        "teller_signature",
                        "teller_index",
                        "proof_invalid",
                        "e2e_refused",
                    ],
                ),
            ],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/ceremony") => Doc {
            summary: "密钥仪式与解密进度 / Key ceremony and decryption",
            tag: "public",
            notes: "加密选举: 计票人与门限、密钥仪式各轮进度、选举密钥及其指纹、各项目的混洗与解密份额。\
                    全部来自公开日志。\n\nAn encrypted election: the tellers and threshold, each \
                    round of the key ceremony, the election key and its fingerprint, per \
                    contest the shuffles and decryption shares. All of it is in the public log.",
            out: Out::Json(200, T::AnyObj),
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/corrections") => Doc {
            summary: "人数更正 / Corrections",
            tag: "teller",
            notes: "待批准的更正提议与已记入日志的更正。\n\nProposed corrections waiting for \
                    approval and the corrections logged.",
            out: Out::Json(200, T::AnyObj),
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/corrections/{}/approve") => Doc {
            summary: "批准人数更正 / Approve a correction",
            tag: "teller",
            notes: "由与提出人不同角色的另一人批准; 批准后写入日志, 记下两人的姓名与角色。\n\n\
                    Approved by a second person of a role other than the proposer's; then \
                    logged with both names and roles.",
            out: Out::Json(201, T::Obj(ENTRY)),
            errors: &[
                (409, &["correction_out_of_order"]),
                (422, &["unknown_proposal", "correction_needs_two"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/tally") => Doc {
            summary: "计票 / Tally a contest",
            tag: "teller",
            notes: "对已结束的项目计票, 把结果写入日志。\n\nCounts a closed contest and \
                    appends the result to the log.",
            out: Out::Json(200, T::Obj(TALLIED)),
            errors: &[(409, &["contest_not_closed"]), (422, &["unknown_contest"])],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/results") => Doc {
            summary: "计票结果列表 / List results",
            tag: "results",
            notes: "所有结果, 附签名数与是否公布。\n\nEvery result with its signature count \
                    and whether it is published.",
            out: Out::Json(200, T::Obj(RESULTS_OK)),
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/results/{}") => Doc {
            summary: "签名的计票结果 / Signed result",
            tag: "results",
            notes: "结果、其后的签名检查点与计票人签名, 以及计票人须签名的检查点正文 \
                    `checkpoint_text`。\n\nThe result, the signed checkpoint after it with the \
                    tellers' signatures, and `checkpoint_text`, the text tellers sign.",
            out: Out::Json(200, T::Ref("SignedResult")),
            errors: &[(404, &["unknown_result", "unknown_entry"])],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/results/{}/csv") => Doc {
            summary: "结果导出 CSV / Result as CSV",
            tag: "results",
            notes: "UTF-8 带 BOM, 供 Excel 打开。\n\nUTF-8 with a BOM, for Excel.",
            out: Out::Bytes(
                200,
                "text/csv",
                false,
                "结果表 (附件 result-{index}.csv) / result table (attachment result-{index}.csv)",
            ),
            errors: &[
                (404, &["unknown_result"]),
                (422, &["office_input", "office_too_large", "office_csv"]),
            ],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/results/{}/xlsx") => Doc {
            summary: "结果导出 Excel / Result as XLSX",
            tag: "results",
            out: Out::Bytes(
                200,
                XLSX,
                true,
                "结果工作簿 (附件 result-{index}.xlsx) / result workbook (attachment \
                 result-{index}.xlsx)",
            ),
            errors: &[
                (404, &["unknown_result"]),
                (422, &["office_input", "office_too_large", "office_xlsx"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/results/{}/signatures") => Doc {
            summary: "计票人签名 / Add a teller signature",
            tag: "teller",
            notes: "计票人用自己的密钥对 `checkpoint_text` 签名后提交签名行; 服务核验后写入日志。\
                    \n\nA teller signs `checkpoint_text` with their own key and sends the \
                    signature line; the service verifies it and appends it to the log.",
            body: Body::Json("SignatureLine"),
            out: Out::Json(201, T::Obj(ENTRY)),
            errors: &[
                (404, &["unknown_result", "unknown_entry"]),
                (409, &["key_not_yours"]),
                (422, &["teller_signature"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/results/{}/publish") => Doc {
            summary: "公布结果 / Publish a result",
            tag: "results",
            notes: "签名数足够后公布; 结果提出另行投票时, 同时建立另行投票的项目与样式。\n\nPublishes \
                    once enough tellers have signed; when the result proposes a runoff, the \
                    runoff contest and its ballot style are created too.",
            out: Out::Json(200, T::Obj(PUBLISHED)),
            errors: &[
                (404, &["unknown_result"]),
                (409, &["signatures_missing", "already_published"]),
            ],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/public/results") => Doc {
            summary: "已公布的结果 / Published results",
            tag: "public",
            out: Out::Json(200, T::Obj(PUBLIC_RESULTS)),
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/public/results/{}") => Doc {
            summary: "已公布的签名结果 / A published signed result",
            tag: "public",
            notes: "未公布的结果返回 404。\n\nAn unpublished result answers 404.",
            out: Out::Json(200, T::Ref("SignedResult")),
            errors: &[(404, &["not_found", "unknown_result"])],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/receipts/{}") => Doc {
            summary: "核验回执 / Verify a receipt",
            tag: "public",
            notes: "返回选票条目的哈希、Merkle 包含证明与签名检查点, 任何人可离线核验。按客户端地址限流。\
                    \n\nAnswers the ballot entry's hash, its Merkle inclusion proof and the \
                    signed checkpoint, for anyone to check offline. Rate-limited per client \
                    address.",
            out: Out::Json(200, T::Obj(RECEIPT_OK)),
            errors: &[(404, &["not_found"]), (422, &["bad_receipt"])],
            election: true,
            limited: true,
            ..BASE
        },
        ("POST", "/api/v1/kiosk/spoil") => Doc {
            summary: "核验本机加密 (作废选票) / Check the kiosk's encryption (spoil the ballot)",
            tag: "kiosk",
            notes: "选民选择“核验”: 加密选票连同随机数记入日志, 永不计入; 选票码不会用掉, 选民用它重新投票。\
                    返回回执码、确认码和核验页链接 (及其二维码)。\n\nThe voter chose to check: the \
                    encrypted ballot is logged with its openings and never counted; the slip is \
                    not used up and the voter votes again with it. Answers the receipt code, the \
                    confirmation code and the check page's link (and its QR code).",
            body: Body::Json("Spoil"),
            out: Out::Json(201, T::AnyObj),
            errors: &[
                (
                    409,
                    &[
                        "ballot_already_cast",
                        "ballot_spoiled",
                        "spoils_exhausted",
                        "token_tested",
                        "contest_not_open",
                        "contest_closed",
                        "not_encrypted",
                    ],
                ),
                (422, TOKEN_CODES),
                (422, &["opening_mismatch", "bad_encoding"]),
            ],
            election: true,
            limited: true,
            ..BASE
        },
        ("GET", "/api/v1/spoiled/{}") => Doc {
            summary: "核验作废的选票 / A spoiled ballot",
            tag: "public",
            notes: "返回日志条目原文、选举公钥、各项目的形状与名单, 供任何设备自行打开并显示选择。\
                    \n\nAnswers the stored entry, the election key and each contest's shape and \
                    names, for any device to open it and show the choices itself.",
            out: Out::Json(200, T::AnyObj),
            errors: &[(404, &["not_found"])],
            election: true,
            limited: true,
            ..BASE
        },
        ("GET", "/api/v1/confirmations/{}") => Doc {
            summary: "按确认码查找选票 / Ballots by confirmation code",
            tag: "public",
            notes: "返回确认码相同的加密选票与核验作废选票的回执码。\n\nAnswers the receipt codes of \
                    the encrypted and spoiled ballots with this confirmation code.",
            out: Out::Json(200, T::AnyObj),
            errors: &[(404, &["not_found"]), (422, &["bad_confirmation"])],
            election: true,
            limited: true,
            ..BASE
        },
        ("GET", "/api/v1/kiosk-tests") => Doc {
            summary: "投票机抽检与核验作废的选票 / Kiosk tests and spoiled ballots",
            tag: "teller",
            out: Out::Json(200, T::AnyObj),
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/kiosk-tests") => Doc {
            summary: "记录投票机抽检结果 / Record a kiosk test",
            tag: "teller",
            notes: "抽检所用的选票码从此不能投票。\n\nThe slip the test used can never be cast afterwards.",
            body: Body::Json("KioskTestRequest"),
            out: Out::Json(201, T::Obj(ENTRY_INDEX)),
            errors: &[
                (409, &["already_tested"]),
                (422, &["not_spoiled", "bad_outcome", "bad_note"]),
            ],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/election/archive") => Doc {
            summary: "归档当前选举 / Archive the current election",
            tag: "election",
            notes: "没有正在投票的项目时, 把当前选举 (日志、密钥、导出、已公布结果的公示页) 移入归档, 只读; \
                    之后可以新建选举。\n\nWith no contest open, moves the current election (log, \
                    keys, export, the boards of its published results) into the read-only \
                    archive; a new election can then be created.",
            out: Out::Json(200, T::AnyObj),
            errors: &[(409, &["contest_open", "archive_exists"])],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/elections") => Doc {
            summary: "选举列表 / Elections",
            tag: "public",
            notes: "当前选举与已归档的选举。\n\nThe current election and the archived ones.",
            out: Out::Json(200, T::AnyObj),
            ..BASE
        },
        ("GET", "/api/v1/elections/{}/export") => Doc {
            summary: "已归档选举的导出 / An archived election's export",
            tag: "public",
            out: Out::Bytes(200, "application/x-tar", false, "导出 tar 包 / the export as a tar archive"),
            errors: &[(404, &["not_found"])],
            ..BASE
        },
        ("GET", "/api/v1/elections/{}/results/{}") => Doc {
            summary: "已归档选举的签名结果 / An archived signed result",
            tag: "public",
            out: Out::Json(200, T::AnyObj),
            errors: &[(404, &["not_found"])],
            ..BASE
        },
        ("GET", "/api/v1/kinds") => Doc {
            summary: "选举项目类型及其规则 / Contest kinds and their rules",
            tag: "public",
            notes: "每种类型的差额、法定人数和当选票数规则, 各一句话 (取自规则引擎)。\n\nEach kind's \
                    surplus, quorum and threshold rules in one sentence each, from the rules engine.",
            out: Out::Json(200, T::AnyObj),
            ..BASE
        },
        ("GET", "/api/v1/checkpoints") => Doc {
            summary: "检查点列表 / Checkpoints",
            tag: "public",
            out: Out::Json(200, T::Obj(CHECKPOINTS_OK)),
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/export") => Doc {
            summary: "导出日志 / Export the log",
            tag: "public",
            notes: "日志分段、所有检查点、公钥、选举定义与结果, 打包为 tar, 边读边发 (不在磁盘上另存); \
                    不含任何秘密, 也不含未公布的结果 (在第一个未公布的结果前截止)。投票进行中只给审计、\
                    组织者和计票人; 检查点始终公开。每个客户端有频率限制, 同时进行的导出数有上限。\n\n\
                    The log segments, every checkpoint, the public keys, the registered spec \
                    and the results as a tar archive, streamed from the log (no copy on any \
                    disk); nothing secret and no unpublished result (it ends before the first \
                    one). While a contest is open it is for auditors, organisers and tellers \
                    only; checkpoints stay public. Limited per client and in how many run at \
                    once.",
            out: Out::Bytes(
                200,
                "application/x-tar",
                true,
                "scrutineer-export.tar",
            ),
            errors: &[(403, &["forbidden"])],
            election: true,
            limited: true,
            ..BASE
        },
        ("POST", "/api/v1/tally") => Doc {
            summary: "离线计票 / Tally a spec and ballots",
            tag: "public",
            notes: "不读写日志: 按给出的选举定义与 JSON Lines 选票计票, 返回结果。\n\nTouches no \
                    log: counts the given spec and JSON Lines ballots and answers the result.",
            body: Body::Json("TallyRequest"),
            out: Out::Json(200, T::Ref("Result")),
            errors: &[(422, SPEC_CODES), (422, BALLOT_CODES)],
            ..BASE
        },
        ("GET", "/checkpoint") => Doc {
            summary: "最新检查点 / Latest checkpoint",
            tag: "public",
            notes: "signed-note 文本, 供见证者抓取。\n\nThe signed-note text, for witnesses \
                    to fetch.",
            out: Out::Bytes(
                200,
                "text/plain",
                false,
                "最新的签名检查点 / the latest signed checkpoint",
            ),
            errors: &[(404, &["not_found"])],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/paper-ballots") => Doc {
            summary: "录入纸质选票 (唱票) / Enter a paper ballot",
            tag: "teller",
            notes: "仅限 paper 或 hybrid 项目; 格式正确的选票即使是废票也记录, 回答说明是否作废及原因。\
                    双人录入的项目 (paper_entry: double): 每名计票人以本人账号录入同一张 (sheet), \
                    两人一致时计入 (201, state: counted); 否则 200, state 为 waiting (等待另一人) 或 \
                    mismatch (不一致, 附其他人的录入, 核对原票后重录)。\n\n\
                    Only for paper or hybrid contests; a well-formed ballot is recorded even when \
                    void, and the answer says whether and why it is void. In a double-entry contest \
                    (paper_entry: double) each teller keys the same sheet under their own account; \
                    it counts when two agree (201, state: counted); otherwise 200 with state \
                    waiting, or mismatch with the other keyings to check against the paper.",
            body: Body::Json("PaperBallotRequest"),
            out: Out::Json(201, T::AnyObj),
            errors: &[
                (
                    409,
                    &[
                        "contest_not_open",
                        "contest_closed",
                        "paper_sheet",
                        "paper_nothing_to_withdraw",
                        "paper_past_issued",
                    ],
                ),
                (
                    422,
                    &[
                        "not_a_paper_contest",
                        "unknown_candidate",
                        "ballot_style_mismatch",
                        "paper_sheet_missing",
                        "not_double_entry",
                        "ballot_missing",
                        "withdraw_with_ballot",
                    ],
                ),
            ],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/contests/{}/paper-sheet") => Doc {
            summary: "双人录入: 正在录入的一张 / Double entry: the sheet being keyed",
            tag: "teller",
            notes: "正在录入第几张、谁已录入、是否不一致; 各人录入的内容只在不一致时、且只给已录入该张的计票人看。\n\n\
                    The sheet being keyed, who has keyed it and whether the keyings differ; what \
                    each teller keyed is shown only when they differ, and only to a teller who \
                    keyed the sheet.",
            out: Out::Json(200, T::AnyObj),
            errors: &[(422, &["unknown_contest"])],
            election: true,
            ..BASE
        },
        ("POST", "/api/v1/contests/{}/next-round") => Doc {
            summary: "多轮程序: 由公布的结果产生下一轮 / Next round from a published result",
            tag: "election",
            notes: "下一轮的候选人取自本项目已公布结果的入围 (或当选) 名单, 新项目须符合其类型的差额规定。\n\n\
                    The next round's candidates are the shortlist (or the elected) of this \
                    contest's published result; the new contest must pass its kind's surplus rule.",
            body: Body::Json("NextRound"),
            out: Out::Json(201, T::AnyObj),
            errors: &[(409, &["not_published"]), (422, &["surplus_rule_broken", "unknown_kind"])],
            election: true,
            ..BASE
        },
        ("GET", "/elections/{}/board/{}") => Doc {
            summary: "已归档选举的张榜公布页 / An archived election's board",
            tag: "public",
            notes: "归档时保存的公示页, 原样。\n\nThe board as it was saved at archiving.",
            out: Out::Bytes(200, "text/html", false, "HTML 页面 / an HTML page"),
            errors: &[(404, &["not_found"])],
            ..BASE
        },
        ("GET", "/board/{}") => Doc {
            summary: "张榜公布页 (A4) / Printable results board",
            tag: "public",
            notes: "已公布结果的可打印页面, 附检查点、计票人签名和核验二维码。\n\nThe printable page \
                    of a published result with its checkpoint, tellers' signatures and a QR code.",
            out: Out::Bytes(200, "text/html", false, "HTML 页面 / an HTML page"),
            errors: &[(404, &["not_found"])],
            election: true,
            ..BASE
        },
        ("GET", "/api/v1/assets") => Doc {
            summary: "网页文件及其 SHA-256 / Served page files and their SHA-256",
            tag: "public",
            notes: "任何人都可核对投票机运行的是哪些文件。\n\nAnyone can check what a kiosk runs.",
            out: Out::Json(200, T::AnyObj),
            ..BASE
        },
        ("GET", "/api/v1/keys") => Doc {
            summary: "公钥 / Public keys",
            tag: "public",
            notes: "选举公钥、日志公钥、计票人公钥与所需签名数。\n\nThe election key, the log key, \
                    the tellers' keys and the signatures a result needs.",
            out: Out::Json(200, T::AnyObj),
            election: true,
            ..BASE
        },
        ("GET", "/api/docs") => Doc {
            summary: "接口文档 / API documentation",
            tag: "operations",
            out: Out::Bytes(200, "text/html", false, "HTML 页面 / an HTML page"),
            ..BASE
        },
        ("GET", "/api/openapi.json") => Doc {
            summary: "OpenAPI 文档 / OpenAPI document",
            tag: "operations",
            out: Out::Bytes(200, "application/json", false, "OpenAPI 3.1"),
            ..BASE
        },
        ("GET", "/healthz") => Doc {
            summary: "健康检查 / Health check",
            tag: "operations",
            out: Out::Json(200, T::Obj(HEALTH)),
            ..BASE
        },
        ("GET", "/metrics") => Doc {
            summary: "运行指标 / Metrics",
            tag: "operations",
            notes: "Prometheus 文本格式 0.0.4。\n\nPrometheus text format 0.0.4.",
            out: Out::Bytes(
                200,
                "text/plain",
                false,
                "请求、投票、登录失败、限流与日志计数 / counters of requests, ballots, failed \
                 sign-ins, rate limits and the log",
            ),
            ..BASE
        },
        _ => return None,
    };
    Some(d)
}

/// The summary of an endpoint, Chinese / English.
fn summary(method: &str, path: &str) -> &'static str {
    doc(method, path)
        .map(|d| d.summary)
        .unwrap_or("未写说明 / Not yet described")
}

// ---------------------------------------------------------------- building the document

/// The OpenAPI 3.1 document of every endpoint in [`ENDPOINTS`].
pub fn document() -> OpenApi {
    let info = InfoBuilder::new()
        .title("Scrutineer 监票 API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .build();
    let mut paths = Paths::new();
    let mut ids = HashSet::new();
    for e in ENDPOINTS {
        let (key, params) = path_key(e.path);
        let op = operation(e, &params, &mut ids);
        paths.add_path_operation(key, vec![http_method(e.method)], op);
    }
    let mut components = ComponentsBuilder::new();
    for (name, description, closed, fields) in COMPONENTS {
        components = components.schema(*name, object(fields, description, *closed, false));
    }
    let components = components
        .security_scheme(
            SCHEME_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                COOKIE,
                "会话 cookie (HttpOnly, SameSite=Strict), 由 POST /api/v1/login 设置 / the \
                 session cookie (HttpOnly, SameSite=Strict) set by POST /api/v1/login",
            ))),
        )
        .security_scheme(
            SCHEME_CSRF,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                CSRF_HEADER,
                "cookie 会话的改变状态请求须带会话的 csrf 值 / state-changing requests of a \
                 cookie session send the session's csrf value",
            ))),
        )
        .security_scheme(
            SCHEME_BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "POST /api/v1/login 带 \"bearer\": true 时返回的 token; 不需要 CSRF 令牌 \
                         / the token from POST /api/v1/login with \"bearer\": true; no CSRF \
                         token needed",
                    ))
                    .build(),
            ),
        )
        .build();
    let tags = TAGS.iter().map(|(name, description)| {
        TagBuilder::new()
            .name(*name)
            .description(Some(*description))
            .build()
    });
    OpenApiBuilder::new()
        .info(info)
        .paths(paths)
        .components(Some(components))
        .tags(Some(tags))
        .build()
}

/// The document as pretty JSON.
pub fn json() -> String {
    document().to_pretty_json().unwrap_or_else(|e| {
        serde_json::json!({
            "code": "internal",
            "message": format!("OpenAPI 文档无法序列化 / the OpenAPI document failed to serialize: {e}"),
        })
        .to_string()
    })
}

fn http_method(method: &str) -> HttpMethod {
    match method {
        "GET" => HttpMethod::Get,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        "HEAD" => HttpMethod::Head,
        "OPTIONS" => HttpMethod::Options,
        "TRACE" => HttpMethod::Trace,
        _ => HttpMethod::Post,
    }
}

/// A path parameter's name, from the segment before it.
fn param_name(previous: &str) -> &'static str {
    match previous {
        "contests" => "id",
        "results" => "index",
        "receipts" => "code",
        "spoiled" => "index",
        "confirmations" => "code",
        "elections" => "id",
        _ => "param",
    }
}

/// The document's path key (`{}` replaced by `{name}`) and the parameter names in order.
fn path_key(path: &str) -> (String, Vec<String>) {
    let mut previous = "";
    let mut names: Vec<String> = Vec::new();
    let mut segments = Vec::new();
    for segment in path.split('/') {
        if segment == "{}" {
            let base = param_name(previous);
            let mut name = base.to_string();
            let mut n = 2;
            while names.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            segments.push(format!("{{{name}}}"));
            names.push(name);
        } else {
            segments.push(segment.to_string());
        }
        previous = segment;
    }
    (segments.join("/"), names)
}

/// `method` and the path's words, e.g. `post_contests_id_open`; unique within the document.
fn operation_id(method: &str, key: &str, taken: &mut HashSet<String>) -> String {
    let mut words = vec![method.to_ascii_lowercase()];
    for segment in key.split('/') {
        if segment.is_empty() || segment == "api" || segment == "v1" {
            continue;
        }
        let word: String = segment
            .chars()
            .filter(|c| *c != '{' && *c != '}')
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        words.push(word);
    }
    let base = words.join("_");
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}_{n}");
        n += 1;
    }
    taken.insert(id.clone());
    id
}

fn roles_line(roles: Option<&[Role]>) -> String {
    match roles {
        None => "**角色 / Roles:** 公开, 无需登录 / public, no sign-in".to_string(),
        Some(rs) => {
            let list: Vec<String> = rs
                .iter()
                .map(|r| format!("{} `{}`", r.label_zh(), r.id()))
                .collect();
            format!("**角色 / Roles:** {}", list.join(", "))
        }
    }
}

fn operation(e: &Endpoint, params: &[String], ids: &mut HashSet<String>) -> Operation {
    let d = doc(e.method, e.path).unwrap_or(BASE);
    let (key, _) = path_key(e.path);
    let state_changing = !matches!(e.method, "GET" | "HEAD" | "OPTIONS");
    let mut description = roles_line(e.roles);
    if e.roles.is_some() && state_changing {
        description.push_str(
            "\n\ncookie 会话须带 `X-CSRF-Token`; bearer 令牌不需要。/ Cookie sessions send \
             `X-CSRF-Token`; bearer tokens need not.",
        );
    }
    if !d.notes.is_empty() {
        description.push_str("\n\n");
        description.push_str(d.notes);
    }
    let role_ids: Vec<&str> = e.roles.unwrap_or(&[]).iter().map(|r| r.id()).collect();
    let mut op = OperationBuilder::new()
        .operation_id(Some(operation_id(e.method, &key, ids)))
        .summary(Some(summary(e.method, e.path)))
        .description(Some(description))
        .tag(d.tag)
        .extensions(Some(
            ExtensionsBuilder::new()
                .add(ROLES_EXTENSION, role_ids)
                .build(),
        ));
    for name in params {
        op = op.parameter(path_parameter(name));
    }
    for (name, description) in d.query {
        op = op.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(*description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    if let Some(body) = request_body(d.body) {
        op = op.request_body(Some(body));
    }
    if e.roles.is_some() {
        let cookie = SecurityRequirement::new(SCHEME_COOKIE, Vec::<String>::new());
        let cookie = if state_changing {
            cookie.add(SCHEME_CSRF, Vec::<String>::new())
        } else {
            cookie
        };
        op = op.security(cookie).security(SecurityRequirement::new(
            SCHEME_BEARER,
            Vec::<String>::new(),
        ));
    }
    let mut responses = ResponsesBuilder::new().response(d.out_status(), success(&d));
    for (status, codes) in error_codes(e, &d, !params.is_empty(), state_changing) {
        responses = responses.response(status.to_string(), error_response(status, &codes, &d));
    }
    op.responses(responses.build()).build()
}

impl Doc {
    fn out_status(&self) -> String {
        match self.out {
            Out::Json(status, _) | Out::Bytes(status, ..) => status.to_string(),
        }
    }
}

fn path_parameter(name: &str) -> ParameterBuilder {
    let (description, schema, example) = match name {
        "id" => (
            "选举项目 id / contest id",
            ObjectBuilder::new().schema_type(Type::String),
            serde_json::json!("committee"),
        ),
        "index" => (
            "结果条目在日志中的序号 / log index of the result entry",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(0)),
            serde_json::json!(42),
        ),
        "code" => (
            "投票回执码 / ballot receipt code",
            ObjectBuilder::new().schema_type(Type::String),
            serde_json::json!("R42-5Q3ZK8M1T0C7W2H4"),
        ),
        _ => (
            "路径参数 / path parameter",
            ObjectBuilder::new().schema_type(Type::String),
            serde_json::Value::Null,
        ),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
        .example((!example.is_null()).then_some(example))
}

fn request_body(body: Body) -> Option<utoipa::openapi::request_body::RequestBody> {
    let (media, schema, required): (&str, RefOr<Schema>, bool) = match body {
        Body::None => return None,
        Body::Json(name) => ("application/json", Ref::from_schema_name(name).into(), true),
        Body::OptionalJson(name) => (
            "application/json",
            Ref::from_schema_name(name).into(),
            false,
        ),
        Body::Csv => (
            "text/csv",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("UTF-8 CSV, 首行为表头 / UTF-8 CSV with a header row"))
                .into(),
            true,
        ),
    };
    Some(
        RequestBodyBuilder::new()
            .required(Some(if required {
                Required::True
            } else {
                Required::False
            }))
            .content(media, ContentBuilder::new().schema(Some(schema)).build())
            .build(),
    )
}

fn set_cookie_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(
            "会话 cookie `scrutineer_session` (HttpOnly, SameSite=Strict) / the session cookie",
        ))
        .build()
}

fn success(d: &Doc) -> Response {
    let mut r = ResponseBuilder::new();
    match d.out {
        Out::Json(status, t) => {
            r = r
                .description(if status == 201 {
                    "已创建 / Created"
                } else {
                    "成功 / OK"
                })
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(schema(&t, "", false)))
                        .build(),
                );
        }
        Out::Bytes(_, media, binary, description) => {
            let content = if binary {
                ContentBuilder::new().build()
            } else {
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build()
            };
            r = r.description(description).content(media, content);
        }
    }
    if d.cookie {
        r = r.header("Set-Cookie", set_cookie_header());
    }
    r.build()
}

/// Every error code an endpoint may answer, by status.
fn error_codes(
    e: &Endpoint,
    d: &Doc,
    has_path_params: bool,
    state_changing: bool,
) -> BTreeMap<u16, Vec<&'static str>> {
    let mut out: BTreeMap<u16, Vec<&'static str>> = BTreeMap::new();
    let json_body = matches!(d.body, Body::Json(_) | Body::OptionalJson(_));
    if json_body || has_path_params || !d.query.is_empty() {
        out.entry(400).or_default().push("bad_json");
    }
    if e.roles.is_some() {
        out.entry(401).or_default().push("unauthenticated");
        let forbidden = out.entry(403).or_default();
        forbidden.push("forbidden");
        if state_changing {
            forbidden.push("csrf");
        }
        if !crate::server::auth::ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&e.path) {
            forbidden.push("password_change_required");
        }
    }
    if d.election {
        out.entry(409).or_default().push("no_election");
    }
    if json_body || matches!(d.body, Body::Csv) {
        out.entry(408).or_default().push("body_timeout");
        out.entry(413).or_default().push("request_too_large");
    }
    if d.limited {
        out.entry(429).or_default().push("rate_limited");
    }
    for (status, codes) in d.errors {
        let list = out.entry(*status).or_default();
        for c in *codes {
            if !list.contains(c) {
                list.push(c);
            }
        }
    }
    out
}

fn status_label(status: u16) -> &'static str {
    match status {
        400 => "请求格式错误 / Bad request",
        401 => "未登录或登录失败 / Not signed in or wrong credentials",
        403 => "角色不允许或 CSRF 令牌错误 / Role not allowed or wrong CSRF token",
        404 => "不存在 / Not found",
        408 => "请求体未按时传完 / Request body too slow",
        409 => "与当前状态冲突 / Conflicts with the current state",
        413 => "请求体过大 / Request body too large",
        422 => "输入无效 / Invalid input",
        429 => "请求过于频繁 / Too many requests",
        _ => "错误 / Error",
    }
}

fn error_response(status: u16, codes: &[&str], d: &Doc) -> Response {
    let listed: Vec<String> = codes
        .iter()
        .map(|c| {
            if c.contains(' ') {
                (*c).to_string()
            } else {
                format!("`{c}`")
            }
        })
        .collect();
    let mut description = format!("{}: {}", status_label(status), listed.join(", "));
    let machine: Vec<&str> = codes.iter().copied().filter(|c| !c.contains(' ')).collect();
    let mut r = ResponseBuilder::new();
    if status == 413 && matches!(d.body, Body::Csv) {
        // A raw body over the limit is refused by the framework before the handler runs, so
        // the answer is not guaranteed to be the JSON error shape.
        description.push_str(
            " (CSV 请求体过大时由框架直接拒绝, 响应体不一定是 JSON / an oversized CSV body is \
             refused by the framework; the answer may not be JSON)",
        );
    } else {
        r = r.content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        );
    }
    if status == 429 {
        r = r.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0)),
                )
                .description(Some("几秒后可重试 / seconds until a retry may succeed"))
                .build(),
        );
    }
    r.description(description)
        .extensions(Some(
            ExtensionsBuilder::new()
                .add(CODES_EXTENSION, machine)
                .build(),
        ))
        .build()
}

// ---------------------------------------------------------------- schemas from the tables

fn ty(t: Type, nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::Array(vec![t, Type::Null])
    } else {
        SchemaType::Type(t)
    }
}

fn described(doc: &str) -> Option<&str> {
    (!doc.is_empty()).then_some(doc)
}

fn object(fields: &[F], doc: &str, closed: bool, nullable: bool) -> RefOr<Schema> {
    let mut o = ObjectBuilder::new()
        .schema_type(ty(Type::Object, nullable))
        .description(described(doc));
    for f in fields {
        o = o.property(f.name, schema(&f.t, f.doc, false));
        if f.required {
            o = o.required(f.name);
        }
    }
    if closed {
        o = o.additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
    }
    o.into()
}

fn schema(t: &T, doc: &str, nullable: bool) -> RefOr<Schema> {
    let string = || {
        ObjectBuilder::new()
            .schema_type(ty(Type::String, nullable))
            .description(described(doc))
    };
    match *t {
        T::Str => string().into(),
        T::Len(min, max) => string().min_length(Some(min)).max_length(max).into(),
        T::Pattern(p) => string().pattern(Some(p)).into(),
        T::Date => string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .into(),
        T::Enum(values) => {
            let mut values: Vec<serde_json::Value> =
                values.iter().map(|v| serde_json::json!(v)).collect();
            if nullable {
                values.push(serde_json::Value::Null);
            }
            string().enum_values(Some(values)).into()
        }
        T::Int | T::IntMin(_) => {
            let min = if let T::IntMin(m) = *t { m } else { 0 };
            ObjectBuilder::new()
                .schema_type(ty(Type::Integer, nullable))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(min))
                .description(described(doc))
                .into()
        }
        T::Bool => ObjectBuilder::new()
            .schema_type(ty(Type::Boolean, nullable))
            .description(described(doc))
            .into(),
        T::Null(inner) => schema(inner, doc, true),
        T::List(inner) => ArrayBuilder::new()
            .schema_type(ty(Type::Array, nullable))
            .items(schema(inner, "", false))
            .description(described(doc))
            .into(),
        T::Obj(fields) => object(fields, doc, false, nullable),
        T::Map(inner) => ObjectBuilder::new()
            .schema_type(ty(Type::Object, nullable))
            .additional_properties(Some(schema(inner, "", false)))
            .description(described(doc))
            .into(),
        T::AnyObj => ObjectBuilder::new()
            .schema_type(ty(Type::Object, nullable))
            .description(described(doc))
            .into(),
        T::Ref(name) => {
            let r: RefOr<Schema> = RefBuilder::new()
                .ref_location_from_schema_name(name)
                .description(described(doc))
                .build()
                .into();
            if nullable {
                OneOfBuilder::new()
                    .item(r)
                    .item(ObjectBuilder::new().schema_type(Type::Null))
                    .description(described(doc))
                    .into()
            } else {
                r
            }
        }
    }
}

// ---------------------------------------------------------------- the HTML page

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The Chinese label of a role id, from the roles the endpoint table uses.
fn role_label(id: &str) -> Option<&'static str> {
    ENDPOINTS
        .iter()
        .filter_map(|e| e.roles)
        .flatten()
        .find(|r| r.id() == id)
        .map(|r| r.label_zh())
}

/// The docs page's only style element holds exactly this text, whose hash the
/// Content-Security-Policy allows.
pub const STYLE_CSS: &str = "
body { font-family: system-ui, -apple-system, \"PingFang SC\", \"Noto Sans CJK SC\",
  \"Microsoft YaHei\", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
  color: #1b1f24; line-height: 1.5; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h2 small { font-weight: normal; color: #57606a; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th:nth-child(1) { width: 6.5rem; }
th:nth-child(2) { width: 32%; }
th:nth-child(3) { width: 30%; }
td { overflow-wrap: anywhere; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; font-weight: 600; }
code { font-family: ui-monospace, \"SFMono-Regular\", Menlo, Consolas, monospace;
  font-size: .9em; }
.method { display: inline-block; min-width: 3.5rem; text-align: center; border-radius: 4px;
  font-weight: 600; font-size: .8rem; padding: .1rem .3rem; color: #fff; }
.m-get { background: #1f6feb; }
.m-post { background: #1a7f37; }
.m-other { background: #6e7781; }
.public { color: #57606a; }
nav a { margin-right: .8rem; }
";

/// A standalone HTML page listing every endpoint of the document, grouped by tag.
pub fn docs_html() -> String {
    let doc = document();
    // Rows by tag, in the order of the endpoint table.
    let mut by_tag: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in ENDPOINTS {
        let (key, _) = path_key(e.path);
        let Some(op) = doc.paths.get_path_operation(&key, http_method(e.method)) else {
            continue;
        };
        let tag = op
            .tags
            .as_ref()
            .and_then(|t| t.first())
            .cloned()
            .unwrap_or_else(|| "operations".to_string());
        let roles: Vec<String> = op
            .extensions
            .as_ref()
            .and_then(|x| x.get(ROLES_EXTENSION))
            .and_then(|v| v.as_array())
            .map(|ids| {
                ids.iter()
                    .filter_map(|v| v.as_str())
                    .map(|id| match role_label(id) {
                        Some(label) => format!("{} <code>{}</code>", escape(label), escape(id)),
                        None => format!("<code>{}</code>", escape(id)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let roles = if roles.is_empty() {
            "<span class=\"public\">公开 / public</span>".to_string()
        } else {
            roles.join(", ")
        };
        let class = match e.method {
            "GET" => "m-get",
            "POST" => "m-post",
            _ => "m-other",
        };
        let row = format!(
            "<tr><td><span class=\"method {class}\">{method}</span></td><td><code>{path}</code></td>\
             <td>{roles}</td><td>{summary}</td></tr>\n",
            method = escape(e.method),
            path = escape(&key),
            summary = escape(op.summary.as_deref().unwrap_or("")),
        );
        by_tag.entry(tag).or_default().push(row);
    }
    let mut order: Vec<(String, String)> = TAGS
        .iter()
        .map(|(n, d)| ((*n).to_string(), (*d).to_string()))
        .collect();
    let known: BTreeSet<&str> = TAGS.iter().map(|(n, _)| *n).collect();
    for tag in by_tag.keys() {
        if !known.contains(tag.as_str()) {
            order.push((tag.clone(), String::new()));
        }
    }
    let mut nav = String::new();
    let mut sections = String::new();
    for (tag, description) in &order {
        let Some(rows) = by_tag.get(tag) else {
            continue;
        };
        nav.push_str(&format!("<a href=\"#tag-{t}\">{t}</a>", t = escape(tag)));
        sections.push_str(&format!(
            "<section id=\"tag-{t}\">\n<h2>{t} <small>{d}</small></h2>\n<table>\n\
             <thead><tr><th>方法 Method</th><th>路径 Path</th><th>角色 Roles</th>\
             <th>说明 Summary</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n",
            t = escape(tag),
            d = escape(description),
            rows = rows.concat(),
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{css}</style>\n</head>\n<body>\n\
         <h1>{title} <small>{version}</small></h1>\n\
         <p>机器可读的 OpenAPI 3.1 文档 / machine-readable OpenAPI 3.1 document: \
         <a href=\"{json}\"><code>{json}</code></a></p>\n\
         <p>认证: 浏览器用 <code>POST /api/v1/login</code> 取得会话 cookie \
         <code>scrutineer_session</code> (HttpOnly, SameSite=Strict), 改变状态的请求须带请求头 \
         <code>X-CSRF-Token</code>; 脚本登录时写 <code>\"bearer\": true</code>, 之后发送 \
         <code>Authorization: Bearer &lt;token&gt;</code>。错误都返回 \
         <code>{{\"code\", \"message\"}}</code>。</p>\n\
         <p>Authentication: browsers sign in with <code>POST /api/v1/login</code> and get the \
         session cookie <code>scrutineer_session</code> (HttpOnly, SameSite=Strict); \
         state-changing requests also send <code>X-CSRF-Token</code>. Scripts sign in with \
         <code>\"bearer\": true</code> and send <code>Authorization: Bearer &lt;token&gt;</code>. \
         Every error answers <code>{{\"code\", \"message\"}}</code>. Formats: \
         <code>scrutineer.election/v1</code>, <code>scrutineer.result/v1</code> \
         (docs/FORMATS.md).</p>\n\
         <nav>{nav}</nav>\n{sections}</body>\n</html>\n",
        title = escape(&doc.info.title),
        version = escape(&doc.info.version),
        css = STYLE_CSS,
        json = JSON_PATH,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parsed() -> Value {
        serde_json::from_str(&json()).expect("the document is JSON")
    }

    fn operation_json<'a>(v: &'a Value, e: &Endpoint) -> Option<&'a Value> {
        let (key, _) = path_key(e.path);
        v["paths"][key.as_str()].get(e.method.to_ascii_lowercase())
    }

    #[test]
    fn is_openapi_31() {
        let v = parsed();
        assert_eq!(v["openapi"], "3.1.0");
        assert_eq!(v["info"]["title"], "Scrutineer 监票 API");
        assert_eq!(v["info"]["version"], env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn every_endpoint_once_with_its_method() {
        let v = parsed();
        for e in ENDPOINTS {
            assert!(
                operation_json(&v, e).is_some(),
                "{} {} missing",
                e.method,
                e.path
            );
        }
        let methods = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        let count: usize = v["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|item| methods.iter().filter(|m| item.get(**m).is_some()).count())
            .sum();
        assert_eq!(count, ENDPOINTS.len());
        let mut seen = HashSet::new();
        for e in ENDPOINTS {
            assert!(
                seen.insert((e.method, e.path)),
                "{} {} twice",
                e.method,
                e.path
            );
        }
    }

    #[test]
    fn every_endpoint_is_described() {
        for e in ENDPOINTS {
            assert!(
                doc(e.method, e.path).is_some(),
                "{} {} has no entry in openapi::doc",
                e.method,
                e.path
            );
            assert!(summary(e.method, e.path).contains(" / "));
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let v = parsed();
        let mut ids = HashSet::new();
        for e in ENDPOINTS {
            let op = operation_json(&v, e).expect("operation");
            let id = op["operationId"].as_str().expect("operationId").to_string();
            assert!(ids.insert(id.clone()), "duplicate operationId {id}");
        }
        assert!(ids.contains("post_contests_id_open"));
        assert!(ids.contains("get_checkpoint"));
        assert!(ids.contains("get_checkpoints"));
    }

    #[test]
    fn security_only_on_non_public_endpoints() {
        let v = parsed();
        for e in ENDPOINTS {
            let op = operation_json(&v, e).expect("operation");
            let security = op.get("security").and_then(|s| s.as_array());
            match e.roles {
                Some(roles) => {
                    let s = security.expect("security on a non-public endpoint");
                    assert!(s.iter().any(|r| r.get("cookie").is_some()));
                    assert!(s.iter().any(|r| r.get("bearer").is_some()));
                    let ids: Vec<&str> = op["x-roles"]
                        .as_array()
                        .expect("x-roles")
                        .iter()
                        .filter_map(|r| r.as_str())
                        .collect();
                    let want: Vec<&str> = roles.iter().map(|r| r.id()).collect();
                    assert_eq!(ids, want, "{} {}", e.method, e.path);
                    assert!(op["responses"].get("401").is_some());
                    assert!(op["responses"].get("403").is_some());
                }
                None => {
                    assert!(
                        security.is_none_or(|s| s.is_empty()),
                        "{} {} is public",
                        e.method,
                        e.path
                    );
                    assert_eq!(op["x-roles"], serde_json::json!([]));
                }
            }
        }
        assert!(v.get("security").is_none());
        let schemes = &v["components"]["securitySchemes"];
        assert_eq!(schemes["cookie"]["type"], "apiKey");
        assert_eq!(schemes["cookie"]["in"], "cookie");
        assert_eq!(schemes["cookie"]["name"], "scrutineer_session");
        assert_eq!(schemes["bearer"]["type"], "http");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
    }

    #[test]
    fn path_parameters_declared() {
        let v = parsed();
        for (key, item) in v["paths"].as_object().expect("paths") {
            assert!(!key.contains("{}"), "{key}");
            let names: Vec<&str> = key
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            for (method, op) in item.as_object().expect("path item") {
                let params = op.get("parameters").and_then(|p| p.as_array());
                for name in &names {
                    let found = params.is_some_and(|ps| {
                        ps.iter().any(|p| {
                            p["name"] == *name && p["in"] == "path" && p["required"] == true
                        })
                    });
                    assert!(found, "{method} {key}: parameter {name} missing");
                }
                let declared =
                    params.map_or(0, |ps| ps.iter().filter(|p| p["in"] == "path").count());
                assert_eq!(declared, names.len(), "{method} {key}");
            }
        }
        assert!(v["paths"].get("/api/v1/contests/{id}/open").is_some());
        assert!(v["paths"].get("/api/v1/results/{index}/csv").is_some());
        assert!(v["paths"].get("/api/v1/receipts/{code}").is_some());
    }

    #[test]
    fn refs_resolve_and_error_schema_is_shared() {
        fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        if k == "$ref" {
                            if let Some(s) = x.as_str() {
                                out.push(s);
                            }
                        }
                        walk(x, out);
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let v = parsed();
        let mut refs = Vec::new();
        walk(&v, &mut refs);
        assert!(refs.contains(&"#/components/schemas/Error"));
        for r in refs {
            let name = r.strip_prefix("#/components/schemas/").expect("schema ref");
            assert!(
                v["components"]["schemas"].get(name).is_some(),
                "{r} does not resolve"
            );
        }
        let error = &v["components"]["schemas"]["Error"];
        assert_eq!(error["required"], serde_json::json!(["code", "message"]));
        assert_eq!(error["properties"]["code"]["type"], "string");
    }

    #[test]
    fn bodies_and_answers() {
        let v = parsed();
        let op = |m: &str, p: &str| v["paths"][p][m].clone();
        let login = op("post", "/api/v1/login");
        assert_eq!(
            login["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Login"
        );
        let schemas = &v["components"]["schemas"];
        assert_eq!(schemas["Login"]["additionalProperties"], false);
        assert_eq!(
            schemas["Login"]["required"],
            serde_json::json!(["username", "password"])
        );
        assert_eq!(schemas["Cast"]["additionalProperties"], false);
        assert!(op("post", "/api/v1/roll")["requestBody"]["content"]
            .get("text/csv")
            .is_some());
        assert!(op("post", "/api/v1/pools")["responses"]["201"]["content"]
            .get("text/html")
            .is_some());
        assert!(
            op("get", "/api/v1/results/{index}/csv")["responses"]["200"]["content"]
                .get("text/csv")
                .is_some()
        );
        assert!(
            op("get", "/api/v1/results/{index}/xlsx")["responses"]["200"]["content"]
                .get(XLSX)
                .is_some()
        );
        assert!(op("get", "/api/v1/export")["responses"]["200"]["content"]
            .get("application/x-tar")
            .is_some());
        assert!(op("get", "/metrics")["responses"]["200"]["content"]
            .get("text/plain")
            .is_some());
        assert!(op("get", "/checkpoint")["responses"]["200"]["content"]
            .get("text/plain")
            .is_some());
        let limited = &login["responses"]["429"];
        assert!(limited["headers"].get("Retry-After").is_some());
        assert_eq!(
            limited["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Error"
        );
        let close = op("post", "/api/v1/contests/{id}/close");
        assert_eq!(close["requestBody"]["required"], false);
        let codes = &op("post", "/api/v1/accounts")["responses"]["422"]["x-error-codes"];
        assert!(codes
            .as_array()
            .expect("codes")
            .contains(&serde_json::json!("bad_username")));
        let forbidden = &op("post", "/api/v1/accounts")["responses"]["403"]["x-error-codes"];
        assert_eq!(
            *forbidden,
            serde_json::json!(["forbidden", "csrf", "password_change_required"])
        );
        let get_forbidden = &op("get", "/api/v1/accounts")["responses"]["403"]["x-error-codes"];
        assert_eq!(
            *get_forbidden,
            serde_json::json!(["forbidden", "password_change_required"])
        );
        let roll_search = op("get", "/api/v1/roll");
        assert_eq!(roll_search["parameters"][0]["name"], "q");
        assert_eq!(roll_search["parameters"][0]["in"], "query");
    }

    #[test]
    fn every_operation_is_tagged_with_a_known_tag() {
        let v = parsed();
        let known: Vec<&str> = TAGS.iter().map(|(n, _)| *n).collect();
        for e in ENDPOINTS {
            let op = operation_json(&v, e).expect("operation");
            let tag = op["tags"][0].as_str().expect("tag");
            assert!(known.contains(&tag), "{tag}");
            let summary = op["summary"].as_str().expect("summary");
            assert!(!summary.is_empty());
            assert!(op["description"]
                .as_str()
                .expect("description")
                .contains("Roles"));
        }
    }

    #[test]
    fn docs_html_lists_every_path_and_is_offline() {
        let html = docs_html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<html lang=\"zh-CN\">"));
        for e in ENDPOINTS {
            let (key, _) = path_key(e.path);
            assert!(
                html.contains(&format!("<code>{}</code>", escape(&key))),
                "{key}"
            );
            assert!(html.contains(&escape(summary(e.method, e.path))));
        }
        assert!(html.contains("href=\"/api/openapi.json\""));
        assert!(!html.contains("http://"));
        assert!(!html.contains("https://"));
        assert!(!html.contains("<script"));
        // One style element, exactly the sheet the Content-Security-Policy allows by hash.
        assert_eq!(html.matches("<style").count(), 1);
        assert!(html.contains(&format!("<style>{STYLE_CSS}</style>")));
        assert!(!html.contains(" style="));
        assert!(!html.contains("@import"));
        assert!(!html.contains("url("));
        assert!(html.contains("组织者 <code>organiser</code>"));
        for (tag, _) in TAGS {
            assert!(html.contains(&format!("id=\"tag-{tag}\"")), "{tag}");
        }
    }

    #[test]
    fn escape_escapes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn path_keys_and_ids() {
        assert_eq!(
            path_key("/api/v1/results/{}/csv"),
            (
                "/api/v1/results/{index}/csv".to_string(),
                vec!["index".to_string()]
            )
        );
        let (key, names) = path_key("/x/{}/{}");
        assert_eq!(key, "/x/{param}/{param2}");
        assert_eq!(names, vec!["param", "param2"]);
        let mut taken = HashSet::new();
        assert_eq!(
            operation_id("GET", "/api/v1/results/{index}/csv", &mut taken),
            "get_results_index_csv"
        );
        assert_eq!(
            operation_id("GET", "/api/v1/results/{index}/csv", &mut taken),
            "get_results_index_csv_2"
        );
    }
}
