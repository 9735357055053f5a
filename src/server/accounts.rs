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

// ---------------------------------------------------------------- sessions

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
    /// Scripts ask for a bearer token instead of a cookie.
    #[serde(default)]
    bearer: bool,
}

/// Signs in. Every attempt runs one Argon2 verification, against the account's hash or, for a
/// name with no account, against a dummy hash, so the answer's timing does not say which
/// names exist. A disabled account is told so only after its password was right.
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
    let st = state.clone();
    let checked = block(move || {
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
        return Err(ApiError::BadLogin);
    };
    if account.disabled {
        return Err(ApiError::AccountDisabled);
    }
    let role = Role::from_id(&account.role).ok_or(ApiError::BadLogin)?;
    let expires = now() + state.config.session_hours * 3600;
    let must_change = account.must_change_password;
    let (token, csrf) =
        create_session(&state, &account.username, role, expires, &from, must_change)?;
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

pub async fn logout(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    state.records.remove_session(&caller.token_hash)?;
    state.records.flush()?;
    let mut gone = session_cookie(&state, "", None);
    gone.make_removal();
    Ok(HttpResponse::Ok().cookie(gone).json(json!({"ok": true})))
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    old: String,
    new: String,
}

/// Changes the caller's password: the policy of [`check_new_password`], then every other
/// session of the account ends (a thief's among them); the caller's own goes on.
pub async fn password(
    state: Data,
    caller: As<Staff>,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let caller = caller.0;
    check_new_password(&caller.username, &body.old, &body.new)?;
    let st = state.clone();
    let ended = block(move || {
        let mut a = st
            .records
            .account(&caller.username)?
            .ok_or(ApiError::Unauthenticated)?;
        if !verify_login(&body.old, Some(&a)) {
            return Err(ApiError::BadLogin);
        }
        a.password_hash = hash_password(&body.new)?;
        a.must_change_password = false;
        st.records.set_account(&a)?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    username: String,
    role: String,
}

pub async fn accounts(state: Data, _caller: As<Org>) -> Result<HttpResponse, ApiError> {
    let list: Vec<Value> = state
        .records
        .accounts()?
        .into_iter()
        .map(|a| json!({"username": a.username, "role": a.role, "disabled": a.disabled, "must_change_password": a.must_change_password}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"accounts": list})))
}

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
pub async fn disable_account(
    state: Data,
    caller: As<Org>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_disabled(state, caller, path.into_inner(), true).await
}

/// Enables a disabled account again.
pub async fn enable_account(
    state: Data,
    caller: As<Org>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_disabled(state, caller, path.into_inner(), false).await
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
        let mut a = st
            .records
            .account(&name)?
            .ok_or_else(|| unknown_account(&name))?;
        a.disabled = disable;
        st.records.set_account(&a)?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    code: String,
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
pub async fn pair(
    state: Data,
    req: HttpRequest,
    body: web::Json<Pair>,
) -> Result<HttpResponse, ApiError> {
    let from = client(&req);
    limited(state.limits.pairing.check(&from), &state)?;
    limited(state.limits.pairing_failures.peek("all"), &state)?;
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
