//! The OpenAPI 3.1 description of the HTTP API, derived from the handlers.
//!
//! Every handler carries `#[utoipa::path]` (method, path, tag, summary, description, body,
//! answers, its specific error codes and the roles it allows as `x-roles`). Each area of the
//! API lists its handlers once, with [`area!`]: that list both routes them (at the method and
//! path of their annotation) and gives the area's part of the document, so a handler cannot be
//! routed without being documented. [`document`] merges the areas (`super::AREAS`) and adds
//! what every operation shares, derived from its annotation:
//!
//! * the roles line of the description and the security requirements, from `x-roles`;
//! * the path parameters, from the path;
//! * the error codes every endpoint of its kind may answer (`bad_json`, `unauthenticated`,
//!   `forbidden`, `csrf`, `password_change_required`, `body_timeout`, `request_too_large`),
//!   merged into `x-error-codes`, and each error answer's description and `Error` body;
//! * the operation ids (`post_contests_id_open`).
//!
//! Request bodies derive `ToSchema` on the request structs. What is still written by hand: the
//! frame here (info, description, tags, security schemes), the schemas of the answers that
//! handlers build as JSON values ([`answers`]), and of the shared documents (election spec,
//! ballot, style, result, error) and the few request fields whose Rust type does not say their
//! shape ([`components`]), all written with [`schema`].
//!
//! * [`document`]: the document as a `utoipa` value.
//! * [`json`]: the document as pretty JSON, for `/api/openapi.json`.
//! * [`docs_html`]: a standalone HTML page listing every endpoint, with no external
//!   scripts, styles or fonts (the hall has no internet).

pub mod answers;
mod area;
pub mod codes;
pub mod components;
pub mod schema;

use area::item_operations;
pub(crate) use area::{area, route};

use std::collections::{BTreeMap, BTreeSet, HashSet};

use actix_web::HttpResponse;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ComponentsBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, Ref, RefOr, Required};

use super::auth::{Allowed, Role};

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
pub const ROLES_EXTENSION: &str = "x-roles";
/// The extension on every error response that lists its `code` values.
pub const CODES_EXTENSION: &str = "x-error-codes";

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

/// The role ids the extractor `As<R>` admits, for `x-roles` in `#[utoipa::path]`.
pub fn allowed<R: Allowed>() -> Vec<&'static str> {
    role_ids(R::ROLES)
}

/// Every role id: what the extractor `Caller` (any signed-in session) admits, for `x-roles`.
pub fn any_role() -> Vec<&'static str> {
    role_ids(&[
        Role::Organiser,
        Role::Registrar,
        Role::Kiosk,
        Role::Teller,
        Role::Auditor,
    ])
}

/// The role ids of `roles`, for `x-roles` in `#[utoipa::path]`.
pub fn role_ids(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.id()).collect()
}

/// The HTML page of the document.
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "operations",
    summary = "接口文档 / API documentation",
    responses(
        (status = 200, description = "HTML 页面 / an HTML page", content_type = "text/html", body = String),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(docs_html())
}

/// The document itself.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    summary = "OpenAPI 文档 / OpenAPI document",
    responses(
        (status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = String),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json())
}

area!(docs_page, openapi_json);

// ---------------------------------------------------------------- building the document

/// The OpenAPI 3.1 document of every area of the API.
pub fn document() -> OpenApi {
    let info = InfoBuilder::new()
        .title("Scrutineer 监票 API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .build();
    let mut components = ComponentsBuilder::new();
    for (name, description, closed, fields) in components::COMPONENTS {
        components = components.schema(*name, schema::object(fields, description, *closed, false));
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
    let mut doc = utoipa::openapi::OpenApiBuilder::new()
        .info(info)
        .components(Some(components))
        .tags(Some(tags))
        .build();
    for area in super::AREAS {
        doc.merge((area.paths)());
    }
    let mut ids = HashSet::new();
    for (key, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("OPTIONS", &mut item.options),
            ("HEAD", &mut item.head),
            ("PATCH", &mut item.patch),
            ("TRACE", &mut item.trace),
        ] {
            if let Some(op) = op {
                complete(method, key, op, &mut ids);
            }
        }
    }
    doc
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

/// Every operation of the document: path, method (upper case) and operation, by path.
pub fn operations(doc: &OpenApi) -> Vec<(&str, &'static str, &Operation)> {
    let mut out = Vec::new();
    for (key, item) in &doc.paths.paths {
        for (method, op) in item_operations(item) {
            let method = match method {
                HttpMethod::Get => "GET",
                HttpMethod::Post => "POST",
                HttpMethod::Put => "PUT",
                HttpMethod::Delete => "DELETE",
                HttpMethod::Options => "OPTIONS",
                HttpMethod::Head => "HEAD",
                HttpMethod::Patch => "PATCH",
                HttpMethod::Trace => "TRACE",
            };
            out.push((key.as_str(), method, op));
        }
    }
    out
}

/// The role ids an operation's `x-roles` lists (empty: public).
pub fn operation_roles(op: &Operation) -> Vec<String> {
    op.extensions
        .as_ref()
        .and_then(|x| x.get(ROLES_EXTENSION))
        .and_then(|v| v.as_array())
        .map(|ids| {
            ids.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Adds to one handler's operation what every operation of its kind shares.
fn complete(method: &str, key: &str, op: &mut Operation, ids: &mut HashSet<String>) {
    let roles = operation_roles(op);
    let public = roles.is_empty();
    let state_changing = !matches!(method, "GET" | "HEAD" | "OPTIONS");
    op.operation_id = Some(operation_id(method, key, ids));
    let mut description = roles_line(&roles);
    if !public && state_changing {
        description.push_str(
            "\n\ncookie 会话须带 `X-CSRF-Token`; bearer 令牌不需要。/ Cookie sessions send \
             `X-CSRF-Token`; bearer tokens need not.",
        );
    }
    if let Some(notes) = op.description.as_deref().filter(|d| !d.is_empty()) {
        description.push_str("\n\n");
        description.push_str(notes);
    }
    op.description = Some(description);
    let names: Vec<&str> = key
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    let mut parameters: Vec<_> = names.iter().map(|n| path_parameter(n).build()).collect();
    let query = op.parameters.take().unwrap_or_default();
    let has_query = !query.is_empty();
    parameters.extend(query);
    op.parameters = (!parameters.is_empty()).then_some(parameters);
    if !public {
        let cookie = SecurityRequirement::new(SCHEME_COOKIE, Vec::<String>::new());
        let cookie = if state_changing {
            cookie.add(SCHEME_CSRF, Vec::<String>::new())
        } else {
            cookie
        };
        op.security = Some(vec![
            cookie,
            SecurityRequirement::new(SCHEME_BEARER, Vec::<String>::new()),
        ]);
    }
    let media: Vec<String> = op
        .request_body
        .as_ref()
        .map(|b| b.content.keys().cloned().collect())
        .unwrap_or_default();
    let json_body = media.iter().any(|m| m == "application/json");
    let csv_body = media.iter().any(|m| m == "text/csv");
    // The codes every endpoint of this kind may answer, then the handler's own.
    let mut codes: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    let mut add = |status: u16, code: &str| {
        let list = codes.entry(status).or_default();
        if !list.iter().any(|c| c == code) {
            list.push(code.to_string());
        }
    };
    if json_body || !names.is_empty() || has_query {
        add(400, "bad_json");
    }
    if !public {
        add(401, "unauthenticated");
        add(403, "forbidden");
        if state_changing {
            add(403, "csrf");
        }
        if !crate::server::auth::ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&key) {
            add(403, "password_change_required");
        }
    }
    if json_body || csv_body {
        add(408, "body_timeout");
        add(413, "request_too_large");
    }
    let mut headers = BTreeMap::new();
    for (status, response) in op.responses.responses.iter() {
        let Ok(status) = status.parse::<u16>() else {
            continue;
        };
        let RefOr::T(response) = response else {
            continue;
        };
        let Some(listed) = response
            .extensions
            .as_ref()
            .and_then(|x| x.get(CODES_EXTENSION))
            .and_then(|v| v.as_array())
        else {
            continue;
        };
        for code in listed.iter().filter_map(|c| c.as_str()) {
            add(status, code);
        }
        headers.insert(status, response.headers.clone());
    }
    for (status, list) in codes {
        let mut response = error_response(status, &list, csv_body);
        for (name, header) in headers.remove(&status).unwrap_or_default() {
            response.headers.insert(name, header);
        }
        op.responses
            .responses
            .insert(status.to_string(), RefOr::T(response));
    }
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

fn roles_line(roles: &[String]) -> String {
    if roles.is_empty() {
        return "**角色 / Roles:** 公开, 无需登录 / public, no sign-in".to_string();
    }
    let list: Vec<String> = roles
        .iter()
        .map(|id| match role_label(id) {
            Some(label) => format!("{label} `{id}`"),
            None => format!("`{id}`"),
        })
        .collect();
    format!("**角色 / Roles:** {}", list.join(", "))
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

/// An error answer: its codes in the description and in `x-error-codes` (codes written as
/// prose, with a space, only in the description), the `Error` body, `Retry-After` on 429.
fn error_response(status: u16, codes: &[String], csv_body: bool) -> Response {
    let listed: Vec<String> = codes
        .iter()
        .map(|c| {
            if c.contains(' ') {
                c.clone()
            } else {
                format!("`{c}`")
            }
        })
        .collect();
    let mut description = format!("{}: {}", status_label(status), listed.join(", "));
    let machine: Vec<&str> = codes
        .iter()
        .map(String::as_str)
        .filter(|c| !c.contains(' '))
        .collect();
    let mut r = ResponseBuilder::new();
    if status == 413 && csv_body {
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

// ---------------------------------------------------------------- the HTML page

use crate::present::html::escape;

/// The Chinese label of a role id.
fn role_label(id: &str) -> Option<&'static str> {
    Role::from_id(id).map(|r| r.label_zh())
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
    // Rows by tag, in the order of the paths.
    let mut by_tag: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, method, op) in operations(&doc) {
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
        let class = match method {
            "GET" => "m-get",
            "POST" => "m-post",
            _ => "m-other",
        };
        let row = format!(
            "<tr><td><span class=\"method {class}\">{method}</span></td><td><code>{path}</code></td>\
             <td>{roles}</td><td>{summary}</td></tr>\n",
            method = escape(method),
            path = escape(key),
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

    /// Every operation of the JSON document: method, path and operation.
    fn operations_json(v: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (key, item) in v["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                out.push((method.to_uppercase(), key.clone(), op));
            }
        }
        out
    }

    #[test]
    fn is_openapi_31() {
        let v = parsed();
        assert_eq!(v["openapi"], "3.1.0");
        assert_eq!(v["info"]["title"], "Scrutineer 监票 API");
        assert_eq!(v["info"]["version"], env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn no_area_repeats_an_operation_of_another() {
        // `OpenApi::merge` keeps the first of two operations with the same method and path:
        // the areas' operations must all arrive.
        let listed: usize = crate::server::AREAS
            .iter()
            .map(|a| operations(&(a.paths)()).len())
            .sum();
        assert_eq!(operations(&document()).len(), listed);
        assert!(listed >= 68, "{listed}");
    }

    #[test]
    fn every_operation_is_described() {
        let v = parsed();
        for (method, key, op) in operations_json(&v) {
            let summary = op["summary"].as_str().expect("summary");
            assert!(summary.contains(" / "), "{method} {key}: {summary}");
            assert!(op["x-roles"].is_array(), "{method} {key}: x-roles");
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let v = parsed();
        let mut ids = HashSet::new();
        for (_, _, op) in operations_json(&v) {
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
        for (method, key, op) in operations_json(&v) {
            let security = op.get("security").and_then(|s| s.as_array());
            let roles: Vec<&str> = op["x-roles"]
                .as_array()
                .expect("x-roles")
                .iter()
                .filter_map(|r| r.as_str())
                .collect();
            match !roles.is_empty() {
                true => {
                    let s = security.expect("security on a non-public endpoint");
                    assert!(s.iter().any(|r| r.get("cookie").is_some()));
                    assert!(s.iter().any(|r| r.get("bearer").is_some()));
                    assert!(
                        roles.iter().all(|r| Role::from_id(r).is_some()),
                        "{method} {key}: {roles:?}"
                    );
                    assert!(op["responses"].get("401").is_some());
                    assert!(op["responses"].get("403").is_some());
                }
                false => {
                    assert!(
                        security.is_none_or(|s| s.is_empty()),
                        "{method} {key} is public"
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
                .get("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
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
        assert_ne!(close["requestBody"]["required"], true);
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
        for (_, _, op) in operations_json(&v) {
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
        let v = parsed();
        for (_, key, op) in operations_json(&v) {
            assert!(
                html.contains(&format!("<code>{}</code>", escape(&key))),
                "{key}"
            );
            assert!(html.contains(&escape(op["summary"].as_str().expect("summary"))));
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
    fn operation_ids() {
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
