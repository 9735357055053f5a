//! The hand-written schemas of the answers that handlers build as JSON values: one table per
//! answer, and a marker type per table for `body = inline(...)` in `#[utoipa::path]`.

use super::components::{ID_NAME, NOTICE, ROLE_IDS};
use super::schema::{hand_schemas, object, opt, req, F, T};

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

const IMPORTED: &[F] = &[
    req("imported", T::Int, "导入的选民数 / voters imported"),
    req(
        "warnings",
        T::List(&T::Obj(NOTICE)),
        "提示, 不阻止导入 (small_group: 只有一两人的测评组) / warnings, never blocking \
         (small_group: an evaluator group of one or two voters)",
    ),
];

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
        "加密选票的确认码, 如 7K2Q-M9XD-4T1B-ZC08 (docs/E2E.md §8.6) / an encrypted ballot's \
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
    req(
        "status",
        T::Enum(&["ok", "stopped"]),
        "ok; 日志写入已停止时为 stopped (503) / ok; stopped (503) when the log's writer has stopped",
    ),
    req("version", T::Str, "服务版本 / service version"),
    req(
        "election",
        T::Null(&T::Str),
        "选举 id, 未创建时为 null / election id, null before one is created",
    ),
];

hand_schemas! {
    Done = object(OK, "", false, false);
    EntryIndex = object(ENTRY_INDEX, "", false, false);
    Entry = object(ENTRY, "", false, false);
    LoginOk = object(LOGIN_OK, "", false, false);
    SessionOk = object(SESSION_OK, "", false, false);
    PasswordOk = object(PASSWORD_OK, "", false, false);
    AccountsOk = object(ACCOUNTS_OK, "", false, false);
    AccountStateOk = object(ACCOUNT_STATE_OK, "", false, false);
    SessionRow = object(SESSION_ROW, "", false, false);
    SessionsOk = object(SESSIONS_OK, "", false, false);
    KioskRow = object(KIOSK_ROW, "", false, false);
    KiosksOk = object(KIOSKS_OK, "", false, false);
    RevokedOk = object(REVOKED_OK, "", false, false);
    UnpairedOk = object(UNPAIRED_OK, "", false, false);
    AccountCreated = object(ACCOUNT_CREATED, "", false, false);
    PairingOk = object(PAIRING_OK, "", false, false);
    PairOk = object(PAIR_OK, "", false, false);
    Imported = object(IMPORTED, "", false, false);
    Voters = object(VOTERS, "", false, false);
    CheckedIn = object(CHECKED_IN, "", false, false);
    DeskOk = object(DESK_OK, "", false, false);
    KioskBallot = object(KIOSK_BALLOT, "", false, false);
    CastOk = object(CAST_OK, "", false, false);
    Closed = object(CLOSED, "", false, false);
    Tallied = object(TALLIED, "", false, false);
    ResultsOk = object(RESULTS_OK, "", false, false);
    Published = object(PUBLISHED, "", false, false);
    PublicResults = object(PUBLIC_RESULTS, "", false, false);
    ReceiptOk = object(RECEIPT_OK, "", false, false);
    CheckpointsOk = object(CHECKPOINTS_OK, "", false, false);
    Health = object(HEALTH, "", false, false);
}
