//! API errors: every error answers `{ "code": ..., "message": ... }` with the status its code
//! has in the one table of codes (`crate::codes`); internal failures (status 500) answer a
//! generic message and log the detail.

use crate::codes::Code;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::ledger::LedgerError;
use crate::record::{BallotError, SpecError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Spec(SpecError),
    #[error("{0}")]
    Ballot(BallotError),
    #[error("{0}")]
    Ledger(LedgerError),
    #[error("请求体超过 {max} 字节 / The request body exceeds {max} bytes.")]
    TooLarge { max: usize },
    /// A body or query that does not parse; the text is the whole bilingual message.
    #[error("{0}")]
    BadJson(String),
    #[error("没有这个地址或记录 / No such endpoint or record.")]
    NotFound,
    #[error("请先登录 / Sign in first.")]
    Unauthenticated,
    #[error("用户名或密码错误 / Wrong user name or password.")]
    BadLogin,
    /// A password change whose current password is wrong (`bad_login`, said as such).
    #[error(
        "当前密码不对, 密码未修改 / The current password is wrong: the password was not changed."
    )]
    BadCurrentPassword,
    #[error("{role} 角色不能做此操作, 需要: {allowed} / The {role} role may not do this; it needs: {allowed}.")]
    Forbidden { role: &'static str, allowed: String },
    #[error("缺少或错误的 CSRF 令牌, 请刷新页面 / Missing or wrong CSRF token: reload the page.")]
    Csrf,
    #[error("请先修改一次性密码 (POST /api/v1/password), 然后才能继续 / Change the one-time password first (POST /api/v1/password).")]
    PasswordChangeRequired,
    #[error("此账号已停用: 请组织者在组织者页面恢复; 组织者账号在服务器上用 scrutineer accounts reset-password 恢复 / This account is disabled: an organiser enables it again on the organiser page; an organiser's account is restored on the server machine with scrutineer accounts reset-password.")]
    AccountDisabled,
    #[error("请求过于频繁, 请 {retry_after} 秒后再试 / Too many requests: try again in {retry_after} s.")]
    RateLimited { retry_after: u64 },
    #[error("请求体未在 {seconds} 秒内传完 / The request body did not arrive within {seconds} s.")]
    BodyTimeout { seconds: u64 },
    #[error("来自此地址的连接超过 {max} 个 / More than {max} connections from this address.")]
    TooManyConnections { max: u32 },
    #[error("尚未创建选举 / No election has been created yet.")]
    NoElection,
    #[error("{message}")]
    Conflict { code: Code, message: String },
    #[error("{message}")]
    Invalid { code: Code, message: String },
    #[error("名单有 {} 处问题, 未导入任何一行 / {} problems: nothing was imported", .0.len(), .0.len())]
    RollRefused(Vec<crate::rules::roll::Refusal>),
    #[error("{0}")]
    Internal(String),
}

impl From<crate::records::RecordsError> for ApiError {
    fn from(e: crate::records::RecordsError) -> ApiError {
        ApiError::Ledger(e.into())
    }
}

impl ApiError {
    pub fn code(&self) -> Code {
        match self {
            ApiError::Spec(e) => e.code(),
            ApiError::Ballot(e) => e.code,
            ApiError::Ledger(e) => e.code(),
            ApiError::TooLarge { .. } => Code::RequestTooLarge,
            ApiError::BadJson(_) => Code::BadJson,
            ApiError::NotFound => Code::NotFound,
            ApiError::Unauthenticated => Code::Unauthenticated,
            ApiError::BadLogin | ApiError::BadCurrentPassword => Code::BadLogin,
            ApiError::Forbidden { .. } => Code::Forbidden,
            ApiError::Csrf => Code::Csrf,
            ApiError::PasswordChangeRequired => Code::PasswordChangeRequired,
            ApiError::AccountDisabled => Code::AccountDisabled,
            ApiError::RateLimited { .. } => Code::RateLimited,
            ApiError::BodyTimeout { .. } => Code::BodyTimeout,
            ApiError::TooManyConnections { .. } => Code::TooManyConnections,
            ApiError::NoElection => Code::NoElection,
            ApiError::Conflict { code, .. } | ApiError::Invalid { code, .. } => *code,
            ApiError::RollRefused(_) => Code::RollRefused,
            ApiError::Internal(_) => Code::Internal,
        }
    }

    pub fn from_json_error(err: &actix_web::error::JsonPayloadError) -> ApiError {
        use actix_web::error::JsonPayloadError as J;
        match err {
            J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => {
                ApiError::TooLarge { max: *limit }
            }
            J::Deserialize(e) => ApiError::BadJson(json_problem(e)),
            J::ContentType => ApiError::BadJson(
                "请求须带 Content-Type: application/json / send the request with Content-Type: application/json".into(),
            ),
            other => ApiError::bad_json(other),
        }
    }

    /// A body that may be empty: `None` when it is, else the JSON it must be (a body that
    /// does not parse is refused with what is wrong, never read as absent).
    pub fn optional_json<T: serde::de::DeserializeOwned>(
        body: &[u8],
    ) -> Result<Option<T>, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(body)
            .map(Some)
            .map_err(|e| ApiError::BadJson(json_problem(&e)))
    }

    /// A request that does not parse, with the parser's own words after the sentence.
    pub fn bad_json(detail: impl std::fmt::Display) -> ApiError {
        ApiError::BadJson(format!(
            "请求不是有效的 JSON: {detail} / The request is not valid JSON: {detail}"
        ))
    }
}

/// What is wrong with a request body, in words a person fixing it can act on (the field
/// named, the type asked for as Chinese and English words, the line and column), in place of
/// serde's own wording.
fn json_problem(e: &serde_json::Error) -> String {
    let raw = e.to_string();
    // serde's text ends " at line L column C"; keep only its message.
    let text = raw
        .rsplit_once(" at line ")
        .map_or(raw.as_str(), |(m, _)| m);
    let (line, column) = (e.line(), e.column());
    let between = |s: &str| s.split('`').nth(1).map(str::to_string).unwrap_or_default();
    let wanted = |s: &str| -> (String, String) {
        let w = s.rsplit_once("expected ").map_or("", |(_, w)| w).trim();
        let n = match w {
            "u8" => Some(u64::from(u8::MAX)),
            "u16" => Some(u64::from(u16::MAX)),
            "u32" => Some(u64::from(u32::MAX)),
            "u64" | "usize" => Some(u64::MAX),
            _ => None,
        };
        match (n, w) {
            (Some(n), _) => (
                format!("0 到 {n} 的整数"),
                format!("a whole number from 0 to {n}"),
            ),
            (None, "a string") => ("文字 (加引号)".into(), "text (in quotes)".into()),
            (None, "a boolean") => ("true 或 false".into(), "true or false".into()),
            (None, w) if w.starts_with("a sequence") => {
                ("列表 [...]".into(), "a list [...]".into())
            }
            (None, w) if w.starts_with("struct") || w.starts_with("a map") => {
                ("对象 {...}".into(), "an object {...}".into())
            }
            (None, w) => (w.to_string(), w.to_string()),
        }
    };
    match e.classify() {
        serde_json::error::Category::Syntax => format!(
            "请求不是有效的 JSON (第 {line} 行第 {column} 列) / the request is not valid JSON (line {line} column {column}: {text})"
        ),
        serde_json::error::Category::Eof => format!(
            "JSON 不完整, 在第 {line} 行第 {column} 列中断 / the JSON ends early, at line {line} column {column}"
        ),
        _ if text.starts_with("missing field") => {
            let f = between(text);
            format!("缺少字段 {f} / the field {f} is missing")
        }
        _ if text.starts_with("unknown field") => {
            let f = between(text);
            let expected = text.split_once("expected ").map_or("", |(_, x)| x);
            format!(
                "没有字段 {f} (第 {line} 行第 {column} 列); 可用的字段: {expected} / there is no field {f} (line {line} column {column}); the fields are {expected}"
            )
        }
        _ if text.starts_with("invalid type") || text.starts_with("invalid value") => {
            let got = text
                .split_once(": ")
                .and_then(|(_, r)| r.split_once(", expected"))
                .map_or("", |(g, _)| g);
            let (zh, en) = wanted(text);
            format!(
                "第 {line} 行第 {column} 列的值 {got} 不对, 应为{zh} / the value {got} at line {line} column {column} is wrong: it must be {en}"
            )
        }
        _ => format!("请求的内容不对 (第 {line} 行第 {column} 列) / the request is wrong ({text}, line {line} column {column})"),
    }
}

impl ApiError {
    /// The error as a response (for handlers that answer `HttpResponse` directly).
    pub fn into_response(self) -> HttpResponse {
        self.error_response()
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> ApiError {
        ApiError::Ledger(e)
    }
}

impl From<crate::procedure::CoreError> for ApiError {
    fn from(e: crate::procedure::CoreError) -> ApiError {
        use crate::procedure::CoreError;
        match e {
            CoreError::Ledger(e) => ApiError::Ledger(e),
            CoreError::Invalid { code, message } => ApiError::Invalid { code, message },
            CoreError::Conflict { code, message } => ApiError::Conflict { code, message },
            CoreError::RollRefused(rows) => ApiError::RollRefused(rows),
        }
    }
}

impl ResponseError for ApiError {
    /// The status is the code's, from the one table (`crate::codes`).
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status().as_u16())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let internal = self.code().is_internal();
        let message = if internal {
            tracing::error!(detail = %self, "internal error");
            "内部错误, 详情见服务日志 / Internal error; the detail is in the service log."
                .to_string()
        } else {
            self.to_string()
        };
        let mut b = HttpResponse::build(self.status_code());
        if let ApiError::RateLimited { retry_after } = self {
            b.insert_header(("Retry-After", retry_after.to_string()));
        }
        // The connection cannot be trusted to carry another request: a body that stalled left
        // unread bytes, and a connection over the cap must go.
        if matches!(
            self,
            ApiError::BodyTimeout { .. } | ApiError::TooManyConnections { .. }
        ) {
            b.force_close();
        }
        if let ApiError::RollRefused(rows) = self {
            return b.json(serde_json::json!({
                "code": self.code(),
                "message": message,
                "rows": rows.iter().map(|r| serde_json::json!({"line": r.line, "code": r.code, "message": r.message})).collect::<Vec<_>>(),
            }));
        }
        b.json(serde_json::json!({ "code": self.code(), "message": message }))
    }
}
