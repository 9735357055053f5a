//! Accounts, sessions and kiosks over HTTP: signing in and out, the one-time password's
//! change, the password policy's gate, the organiser's accounts, sessions and kiosks (list,
//! revoke, disable, unpair), and kiosk pairing with its per-code and all-client limits.
//! The mechanisms (hashes, sessions, the policy) are in `auth.rs`; the records in
//! `ledger::records`.

use crate::codes::Code;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::{block, client, conflict, invalid, limited, utc, Data};
use super::auth::{
    check_new_password, check_username, create_session, hash_password, hash_token, now,
    random_password, verify_login, As, Caller, Org, Role, Staff, SESSION_COOKIE,
};
use super::error::ApiError;
use super::state::AppState;
use crate::records::Account;
use crate::server::openapi::{allowed, answers, any_role, components};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(
    login,
    logout,
    session,
    password,
    accounts,
    create_account,
    disable_account,
    enable_account,
    sessions,
    revoke_session,
    kiosks,
    unpair,
    pairing,
    pair,
);

// ---------------------------------------------------------------- sessions

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "登录 / sign-in")]
pub struct Login {
    /// 用户名 / user name
    username: String,
    /// 密码 / password
    password: String,
    // Scripts ask for a bearer token instead of a cookie.
    /// true: 返回 `token` 而不设 cookie (脚本用); 默认 false / true: answer a bearer `token` instead of
    /// setting the cookie (for scripts); default false
    #[serde(default)]
    bearer: bool,
}

/// Signs in. Every attempt runs one Argon2 verification, against the account's hash or, for a
/// name with no account, against a dummy hash, so the answer's timing does not say which
/// names exist. A disabled account is told so only after its password was right.
/// A place among the password checks running at once (`auth::password_slot`), or 429
/// `rate_limited` (counted as such) when they are all taken.
fn password_slot(state: &Data) -> Result<super::auth::Slot, ApiError> {
    match super::auth::password_slot() {
        Some(slot) => Ok(slot),
        None => limited(Err(1), state).and(Err(ApiError::RateLimited { retry_after: 1 })),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "session",
    summary = "登录 / Sign in",
    description = "成功时设置会话 cookie 并返回 `csrf`; `bearer: true` 时不设 cookie, 返回 \
                    `token`。按客户端地址限流。\n\nOn success sets the session cookie and \
                    answers `csrf`; with `bearer: true` sets no cookie and answers a `token`. \
                    Rate-limited per client address.",
    request_body = Login,
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::LoginOk),
            headers((
                "Set-Cookie" = String,
                description = "会话 cookie `scrutineer_session` (HttpOnly, SameSite=Strict) / \
                               the session cookie"
            ))),
        (status = 401, extensions(("x-error-codes" = json!(["bad_login"])))),
        (status = 403, extensions(("x-error-codes" = json!(["account_disabled"])))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn login(
    state: Data,
    req: HttpRequest,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let from = client(&req);
    limited(state.limits.login.check(&from), &state)?;
    let body = body.into_inner();
    if body.password.chars().count() > super::auth::PASSWORD_CHARS_MAX || body.username.len() > 200
    {
        state
            .metrics
            .logins_failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::BadLogin);
    }
    // Failed sign-ins of one name from all addresses together (known and unknown names
    // alike, so that the answer tells nothing of which exist): guesses spread over many
    // addresses are bounded per account too.
    let name_key = body.username.to_lowercase();
    // ... but an address the name signed in from lately is not held back by them, so that
    // a flood of wrong passwords cannot lock the hall's own staff out (`KnownSignIns`).
    if !state.limits.known_sign_ins.knows(&body.username, &from) {
        limited(state.limits.login_failures.peek(&name_key), &state)?;
    }
    let slot = password_slot(&state)?;
    let st = state.clone();
    let checked = block(move || {
        let _slot = slot;
        let account = st.records.account(&body.username)?;
        let ok = verify_login(&body.password, account.as_ref());
        Ok(account.filter(|_| ok).map(|a| (a, body.bearer)))
    })
    .await?;
    let Some((account, bearer)) = checked else {
        state
            .metrics
            .logins_failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = state.limits.login_failures.check(&name_key);
        return Err(ApiError::BadLogin);
    };
    if account.disabled {
        return Err(ApiError::AccountDisabled);
    }
    state
        .limits
        .known_sign_ins
        .remember(&account.username, &from);
    let role = Role::from_id(&account.role).ok_or(ApiError::BadLogin)?;
    let expires = now() + state.config.session_hours * 3600;
    let must_change = account.must_change_password;
    // The session is written and flushed (an fsync) off the async workers, which serve the
    // kiosks' casts meanwhile.
    let (token, csrf) = {
        let st = state.clone();
        let user = account.username.clone();
        block(move || create_session(&st, &user, role, expires, &from, must_change)).await?
    };
    let mut body = json!({"username": account.username, "role": role.id(), "must_change_password": must_change});
    if bearer {
        body["token"] = json!(token);
        return Ok(HttpResponse::Ok().json(body));
    }
    body["csrf"] = json!(csrf);
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, &token, None))
        .json(body))
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure over TLS. Staff cookies end with the
/// browser; a kiosk's (`persist_until`) lasts until its credential expires, so a kiosk that
/// reboots is still paired.
fn session_cookie<'a>(
    state: &AppState,
    token: &'a str,
    persist_until: Option<u64>,
) -> actix_web::cookie::Cookie<'a> {
    let mut c = actix_web::cookie::Cookie::build(SESSION_COOKIE, token)
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path("/")
        .finish();
    if let Some(until) = persist_until {
        let seconds = until.saturating_sub(now()).min(i64::MAX as u64) as i64;
        c.set_max_age(actix_web::cookie::time::Duration::seconds(seconds));
    }
    c
}

#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "session",
    summary = "退出登录 / Sign out",
    description = "删除会话并清除 cookie。\n\nDeletes the session and clears the cookie.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Done),
            headers((
                "Set-Cookie" = String,
                description = "会话 cookie `scrutineer_session` (HttpOnly, SameSite=Strict) / \
                               the session cookie"
            ))),
    ),
    extensions(("x-roles" = json!(any_role()))),
)]
pub async fn logout(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    block(move || {
        st.records.remove_session(&caller.token_hash)?;
        Ok(st.records.flush()?)
    })
    .await?;
    let mut gone = session_cookie(&state, "", None);
    gone.make_removal();
    Ok(HttpResponse::Ok().cookie(gone).json(json!({"ok": true})))
}

#[utoipa::path(
    get,
    path = "/api/v1/session",
    tag = "session",
    summary = "当前会话 / Current session",
    description = "返回用户、角色与 CSRF 令牌 (页面刷新后取回令牌用)。\n\nAnswers the user, \
                    the role and the CSRF token (for a page to recover it after a reload).",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::SessionOk)),
    ),
    extensions(("x-roles" = json!(any_role()))),
)]
pub async fn session(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state
        .records
        .session(&caller.token_hash)?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(HttpResponse::Ok().json(json!({
        "username": caller.username,
        "role": caller.role.id(),
        "role_label": caller.role.label_zh(),
        "csrf": s.csrf,
        "expires": s.expires,
        "must_change_password": s.must_change_password,
        // A teller account's signing key, once it has signed (one account, one key).
        "teller_key": state.records.setting(&format!("teller_key:{}", caller.username))?,
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "修改密码 / password change")]
pub struct PasswordChange {
    /// 当前密码 / the current password
    old: String,
    /// 新密码, 至少 10 个字符 / the new password, at least 10 characters
    #[schema(min_length = 10)]
    new: String,
}

/// Changes the caller's password: the policy of [`check_new_password`], then every other
/// session of the account ends (a thief's among them); the caller's own goes on.
#[utoipa::path(
    post,
    path = "/api/v1/password",
    tag = "session",
    summary = "修改密码 / Change password",
    description = "须提供当前密码。新密码至少 12 个字符, 欢迎用一句话; 常用密码、键盘顺序、\
                    日期和用户名会被拒绝 (zxcvbn 评分至少 3)。修改后本账号的其他会话全部结束。\
                    一次性密码 (首次启动、新账号、重置) 在修改前只能调用本接口、`GET /session` \
                    和 `POST /logout`。\n\nNeeds the current password. The new one has at least \
                    12 characters, passphrases welcome; common passwords, keyboard runs, dates \
                    and the user name are refused (a zxcvbn score of at least 3). Every other \
                    session of the account ends. With a one-time password (first start, a new \
                    account, a reset) only this, `GET /session` and `POST /logout` answer \
                    until it is changed.",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::PasswordOk)),
        (status = 401, extensions(("x-error-codes" = json!(["bad_login"])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "password_too_short", "password_too_long", "password_unchanged", "password_common"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Staff>()))),
)]
pub async fn password(
    state: Data,
    caller: As<Staff>,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let caller = caller.0;
    check_new_password(&caller.username, &body.old, &body.new)?;
    let slot = password_slot(&state)?;
    let st = state.clone();
    let ended = block(move || {
        let _slot = slot;
        let a = st
            .records
            .account(&caller.username)?
            .ok_or(ApiError::Unauthenticated)?;
        if !verify_login(&body.old, Some(&a)) {
            return Err(ApiError::BadCurrentPassword);
        }
        let hash = hash_password(&body.new)?;
        // Written over the account as it is now, under the lock that disabling takes: a
        // password change that began before an organiser disabled the account must not
        // write the account back enabled.
        let _one = account_state_lock();
        let mut a = st
            .records
            .account(&caller.username)?
            .ok_or(ApiError::Unauthenticated)?;
        if a.disabled {
            return Err(ApiError::AccountDisabled);
        }
        a.password_hash = hash;
        a.must_change_password = false;
        st.records.set_account(&a)?;
        st.limits.known_sign_ins.forget(&caller.username);
        let ended = st
            .records
            .remove_other_sessions_of(&caller.username, &caller.token_hash)?;
        if let Some(mut own) = st.records.session(&caller.token_hash)? {
            own.must_change_password = false;
            st.records.put_session(&caller.token_hash, &own)?;
        }
        Ok(ended)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true, "other_sessions_ended": ended})))
}

// ---------------------------------------------------------------- accounts and kiosks

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "新账号 / new account")]
pub struct NewAccount {
    /// 字母、数字、- 和 _, 最多 40 个 / letters, digits, - and _, at most 40
    #[schema(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    username: String,
    #[schema(schema_with = components::new_account_role)]
    role: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "accounts",
    summary = "账号列表 / List accounts",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::AccountsOk)),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn accounts(state: Data, _caller: As<Org>) -> Result<HttpResponse, ApiError> {
    let list: Vec<Value> = state
        .records
        .accounts()?
        .into_iter()
        .map(|a| json!({"username": a.username, "role": a.role, "disabled": a.disabled, "must_change_password": a.must_change_password}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"accounts": list})))
}

#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    tag = "accounts",
    summary = "创建账号 / Create an account",
    description = "生成随机初始密码, 只在此响应中出现一次。投票机不建账号, 用配对码。\n\nGenerates \
                    a random initial password, shown in this answer only. Kiosks get no \
                    account: they are paired with a code.",
    request_body = NewAccount,
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::AccountCreated)),
        (status = 409, extensions(("x-error-codes" = json!(["account_exists"])))),
        (status = 422, extensions(("x-error-codes" = json!(["unknown_role", "kiosk_by_pairing", "organiser_by_command_line", "bad_username"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn create_account(
    state: Data,
    _caller: As<Org>,
    body: web::Json<NewAccount>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let role = Role::from_id(&body.role).ok_or_else(|| {
        invalid(
            Code::UnknownRole,
            format!(
                "角色 “{}” 不存在; 可用: organiser, registrar, teller, auditor / unknown role “{}”",
                body.role, body.role
            ),
        )
    })?;
    if role == Role::Kiosk {
        return Err(invalid(
            Code::KioskByPairing,
            "投票机通过配对码登记, 不用账号 / kiosks are paired with a code, not given accounts",
        ));
    }
    // A stolen organiser session must not be able to leave an organiser of its own behind
    // (one that outlives a password change): more organisers come only from the server's
    // own command line.
    if role == Role::Organiser {
        return Err(invalid(
            Code::OrganiserByCommandLine,
            "组织者账号只能在服务器上创建: scrutineer accounts add 名称 --role organiser / an organiser account is created on the server machine only: scrutineer accounts add NAME --role organiser",
        ));
    }
    check_username(&body.username)?;
    let password = random_password()?;
    let st = state.clone();
    let pw = password.clone();
    block(move || {
        st.records.create_account(&Account {
            username: body.username.clone(),
            role: role.id().into(),
            password_hash: hash_password(&pw)?,
            must_change_password: true,
            disabled: false,
        })?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"role": role.id(), "password": password, "must_change_password": true, "note": "密码只显示这一次, 首次登录时须修改 / the password is shown this once and must be changed at the first sign-in"})))
}

fn unknown_account(name: &str) -> ApiError {
    conflict(
        Code::UnknownAccount,
        format!("没有账号 “{name}” / no account “{name}”"),
    )
}

/// Disables an account: it cannot sign in, and its sessions end at once.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{param}/disable",
    tag = "accounts",
    summary = "停用账号 / Disable an account",
    description = "不能再登录, 其会话立即结束。\n\nIt can no longer sign in; its sessions end \
                    at once.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::AccountStateOk)),
        (status = 409, extensions(("x-error-codes" = json!(["unknown_account"])))),
        (status = 422, extensions(("x-error-codes" = json!(["cannot_disable_self", "last_organiser"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn disable_account(
    state: Data,
    caller: As<Org>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_disabled(state, caller, path.into_inner(), true).await
}

/// Enables a disabled account again.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{param}/enable",
    tag = "accounts",
    summary = "恢复账号 / Enable an account",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::AccountStateOk)),
        (status = 409, extensions(("x-error-codes" = json!(["unknown_account"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn enable_account(
    state: Data,
    caller: As<Org>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_disabled(state, caller, path.into_inner(), false).await
}

/// Held while an account is disabled or enabled ([`set_disabled`]) or its password written
/// ([`password`]), so that neither writes back a stale copy of the other's change.
static ACCOUNT_STATE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// [`ACCOUNT_STATE`], taken even if a holder panicked (it guards no data of its own).
fn account_state_lock() -> std::sync::MutexGuard<'static, ()> {
    ACCOUNT_STATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn set_disabled(
    state: Data,
    caller: As<Org>,
    name: String,
    disable: bool,
) -> Result<HttpResponse, ApiError> {
    if disable && name == caller.username {
        return Err(invalid(
            Code::CannotDisableSelf,
            "不能停用自己的账号 / you cannot disable your own account",
        ));
    }
    let st = state.clone();
    let ended = block(move || {
        // One change of an account's state at a time: two organisers disabling each other at
        // once would otherwise both pass the check below and leave none.
        let _one = account_state_lock();
        let mut a = st
            .records
            .account(&name)?
            .ok_or_else(|| unknown_account(&name))?;
        if disable && a.role == Role::Organiser.id() {
            let others = st
                .records
                .accounts()?
                .into_iter()
                .filter(|x| x.role == a.role && !x.disabled && x.username != name)
                .count();
            if others == 0 {
                return Err(invalid(
                    Code::LastOrganiser,
                    format!("“{name}” 是最后一个可用的组织者账号, 不能停用 / “{name}” is the last enabled organiser account and cannot be disabled"),
                ));
            }
        }
        a.disabled = disable;
        st.records.set_account(&a)?;
        if disable {
            st.limits.known_sign_ins.forget(&name);
        }
        Ok(if disable {
            st.records.remove_sessions_of(&name)?
        } else {
            0
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true, "disabled": disable, "sessions_ended": ended})))
}

fn session_json(i: &crate::records::SessionInfo, current: &[u8]) -> Value {
    let s = &i.session;
    json!({
        "id": i.id,
        "username": s.username,
        "role": s.role,
        "created": s.created,
        "created_utc": if s.created > 0 { utc(s.created) } else { String::new() },
        "expires": s.expires,
        "expires_utc": utc(s.expires),
        "client": s.client,
        "current": i.id == crate::records::session_id(current),
    })
}

/// Every live session: staff sign-ins and paired kiosks.
#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "accounts",
    summary = "全部会话 / All sessions",
    description = "工作人员的登录与投票机, 含开始、结束时间与客户端地址。\n\nStaff sign-ins \
                    and kiosks, with when they began and end and the client address.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::SessionsOk)),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn sessions(state: Data, caller: As<Org>) -> Result<HttpResponse, ApiError> {
    let list: Vec<Value> = state
        .records
        .sessions(now())?
        .iter()
        .map(|i| session_json(i, &caller.token_hash))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"sessions": list})))
}

/// Ends one session by its id; the next request that uses it is refused.
#[utoipa::path(
    post,
    path = "/api/v1/sessions/{param}/revoke",
    tag = "accounts",
    summary = "结束一个会话 / Revoke a session",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::RevokedOk)),
        (status = 409, extensions(("x-error-codes" = json!(["unknown_session"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn revoke_session(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    match state.records.remove_session_by_id(&id)? {
        Some(s) => Ok(
            HttpResponse::Ok().json(json!({"ok": true, "username": s.username, "role": s.role}))
        ),
        None => Err(conflict(
            Code::UnknownSession,
            format!("没有会话 “{id}” (已结束或已过期) / no session “{id}” (ended or expired)"),
        )),
    }
}

/// The paired kiosks (one per name).
#[utoipa::path(
    get,
    path = "/api/v1/kiosks",
    tag = "accounts",
    summary = "已配对的投票机 / Paired kiosks",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::KiosksOk)),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn kiosks(state: Data, caller: As<Org>) -> Result<HttpResponse, ApiError> {
    let list: Vec<Value> = state
        .records
        .sessions(now())?
        .iter()
        .filter(|i| i.session.role == Role::Kiosk.id())
        .map(|i| {
            let mut v = session_json(i, &caller.token_hash);
            v["name"] = json!(i
                .session
                .username
                .strip_prefix(KIOSK_PREFIX)
                .unwrap_or(&i.session.username));
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"kiosks": list})))
}

/// Unpairs a kiosk by the name it was paired with: its credential ends at once.
#[utoipa::path(
    post,
    path = "/api/v1/kiosks/{param}/unpair",
    tag = "accounts",
    summary = "解除投票机配对 / Unpair a kiosk",
    description = "该投票机的凭据立即失效, 下一个请求即被拒绝。\n\nThe kiosk's credential ends \
                    at once: its next request is refused.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::UnpairedOk)),
        (status = 409, extensions(("x-error-codes" = json!(["unknown_kiosk"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn unpair(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let ended = state
        .records
        .remove_sessions_of(&format!("{KIOSK_PREFIX}{name}"))?;
    if ended == 0 {
        return Err(conflict(
            Code::UnknownKiosk,
            format!("没有已配对的投票机 “{name}” / no paired kiosk “{name}”"),
        ));
    }
    Ok(HttpResponse::Ok().json(json!({"ok": true, "name": name})))
}

/// Pairing codes live 10 minutes.
const PAIRING_SECS: u64 = 600;
/// A kiosk's user name is this prefix and the name it was paired with.
const KIOSK_PREFIX: &str = "kiosk-";

/// A new pairing code: 12 digits, shown as `SSSS SSSS SSSS`; the first four are its slot
/// (which code a try is for), the last eight its secret (stored only as its SHA-256).
#[utoipa::path(
    post,
    path = "/api/v1/kiosks/pairing",
    tag = "accounts",
    summary = "生成投票机配对码 / Issue a kiosk pairing code",
    description = "12 位数字, 10 分钟内有效, 只能用一次; 错几次 (`tries`) 即作废。\n\nTwelve \
                    digits, valid 10 minutes, usable once; void after `tries` wrong tries.",
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::PairingOk)),
        (status = 409, extensions(("x-error-codes" = json!(["pairing_slots_full"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn pairing(state: Data, _caller: As<Org>) -> Result<HttpResponse, ApiError> {
    let rng = ring::rand::SystemRandom::new();
    let draw = |modulus: u64| -> Result<u64, ApiError> {
        let mut b = [0u8; 8];
        ring::rand::SecureRandom::fill(&rng, &mut b)
            .map_err(|_| ApiError::Internal("random".into()))?;
        Ok(u64::from_le_bytes(b) % modulus)
    };
    let secret = format!("{:08}", draw(100_000_000)?);
    let record = crate::records::Pairing {
        secret_hash: hash_token(&secret),
        expires: now() + PAIRING_SECS,
        failures: 0,
    };
    for _ in 0..64 {
        let slot = format!("{:04}", draw(10_000)?);
        if state.records.put_pairing(&slot, &record, now())? {
            let code = format!("{slot}{secret}");
            let shown = format!("{} {} {}", &code[..4], &code[4..8], &code[8..]);
            return Ok(HttpResponse::Created().json(json!({
                "code": shown,
                "expires_in_seconds": PAIRING_SECS,
                "tries": state.config.pairing_tries_per_code,
            })));
        }
    }
    Err(conflict(
        Code::PairingSlotsFull,
        "同时有效的配对码太多, 请稍后再试 / too many pairing codes are live at once; try again in a few minutes",
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "投票机配对 / kiosk pairing")]
pub struct Pair {
    /// 组织者生成的 8 位配对码, 10 分钟内有效, 只能用一次 / the 8-digit pairing code from the organiser, valid 10
    /// minutes, once
    code: String,
    /// 投票机名称, 1 至 40 个字符 / the kiosk's name, 1 to 40 characters
    #[schema(min_length = 1, max_length = 40)]
    name: String,
}

/// When a newly paired kiosk's credential ends: `kiosk_session_hours` from now if set; else
/// 24:00 China time (UTC+8) of the election day if that is ahead; else 24 hours from now.
fn kiosk_expiry(state: &AppState) -> Result<u64, ApiError> {
    let t = now();
    if let Some(h) = state.config.kiosk_session_hours {
        return Ok(t + h * 3600);
    }
    let day_end = state
        .records
        .setting("election_date")?
        .and_then(|d| crate::rules::roll::Date::parse(&d).ok())
        .map(|d| {
            let days = days_from_civil(i64::from(d.year), i64::from(d.month), i64::from(d.day));
            (days + 1) * 86_400 - 8 * 3600
        })
        .filter(|end| *end > t as i64 + 3600);
    Ok(day_end.map(|e| e as u64).unwrap_or(t + 24 * 3600))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Pairs a kiosk with a code. A wrong code counts against its slot's code (the last allowed
/// wrong try kills it) and against a limit for all clients together, besides the per-client
/// limit. A name already paired is re-paired: the old credential ends.
#[utoipa::path(
    post,
    path = "/api/v1/kiosks/pair",
    tag = "kiosk",
    summary = "投票机配对 / Pair a kiosk",
    description = "投票机用配对码换取 kiosk 凭据 (持久 cookie 与 `token`), 默认到选举日 24:00 \
                    (北京时间)。同名投票机再次配对时旧凭据失效。按客户端地址限流, 全部客户端的\
                    错误次数另有上限 (超过后正确的配对码仍可配对)。\n\nA kiosk trades a pairing code for a kiosk credential \
                    (a persistent cookie and `token`), by default until 24:00 China time of the \
                    election day. Pairing a name again ends the old credential. Rate-limited per \
                    client address, and wrong codes from all clients together are capped \
                    (past the cap a right code still pairs).",
    request_body = Pair,
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::PairOk),
            headers((
                "Set-Cookie" = String,
                description = "会话 cookie `scrutineer_session` (HttpOnly, SameSite=Strict) / \
                               the session cookie"
            ))),
        (status = 422, extensions(("x-error-codes" = json!(["bad_kiosk_name", "bad_pairing_code"])))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn pair(
    state: Data,
    req: HttpRequest,
    body: web::Json<Pair>,
) -> Result<HttpResponse, ApiError> {
    let from = client(&req);
    limited(state.limits.pairing.check(&from), &state)?;
    let body = body.into_inner();
    // The kiosk's name is shown to the organiser and logged with its ballots' sessions: the
    // same canonical form as every other name (NFC, no invisible or direction characters).
    let name = crate::record::names::clean_name(&body.name).map_err(|e| ApiError::Invalid {
        code: e.code(),
        message: e.to_string(),
    })?;
    if name.is_empty()
        || name.chars().count() > 40
        || name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | '?' | '#' | '%'))
    {
        return Err(invalid(
            Code::BadKioskName,
            "投票机名称须为 1 至 40 个字符, 不含 / \\ ? # % 和控制字符 / a kiosk name needs 1 to 40 characters, without / \\ ? # % or control characters",
        ));
    }
    let digits: String = body
        .code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let wrong = |message: String| {
        let _ = state.limits.pairing_failures.check("all");
        invalid(Code::BadPairingCode, message)
    };
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong(
            "配对码应为 12 位数字 / the pairing code has 12 digits".into(),
        ));
    }
    let (slot, secret) = digits.split_at(4);
    // Wrong codes from all clients together pause pairing, but not a right code: a flood of
    // wrong ones from a few addresses must not keep every kiosk in the hall from pairing. A
    // wrong code past the cap still spends one of its code's tries (so guesses stay bounded
    // per code) and is answered as paused, whether its slot is live or not.
    if state.limits.pairing_failures.peek("all").is_err()
        && !state.records.pairing_is(slot, &hash_token(secret), now())?
    {
        let _ = state.records.take_pairing(
            slot,
            &hash_token(secret),
            now(),
            state.config.pairing_tries_per_code,
        )?;
        limited(state.limits.pairing_failures.peek("all"), &state)?;
    }
    let outcome = state.records.take_pairing(
        slot,
        &hash_token(secret),
        now(),
        state.config.pairing_tries_per_code,
    )?;
    use crate::records::PairingOutcome;
    match outcome {
        PairingOutcome::Paired => {}
        PairingOutcome::Unknown => {
            return Err(wrong(
                "配对码无效、已用过或已过期 / the pairing code is wrong, used or expired".into(),
            ))
        }
        PairingOutcome::Wrong { left } => {
            return Err(wrong(format!(
                "配对码错误; 再错 {left} 次此码作废 / wrong pairing code; {left} more wrong tries and it is void"
            )))
        }
        PairingOutcome::Dead => {
            return Err(wrong(
                "配对码错误次数过多, 已作废; 请组织者重新生成 / too many wrong tries: the code is void; ask the organiser for a new one".into(),
            ))
        }
    }
    let username = format!("{KIOSK_PREFIX}{name}");
    state.records.remove_sessions_of(&username)?;
    let expires = kiosk_expiry(&state)?;
    let (token, csrf) = create_session(&state, &username, Role::Kiosk, expires, &from, false)?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, &token, Some(expires)))
        .json(json!({"role": "kiosk", "token": token, "csrf": csrf, "expires": expires, "expires_utc": utc(expires)})))
}
