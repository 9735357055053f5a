//! The JSON API under `/api/v1`: one handler per endpoint, each checking its roles first.
//! The table of endpoints and roles is [`ENDPOINTS`]; `tests/http_roles.rs` walks it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{
    create_session, hash_password, hash_token, now, random_password, random_token, verify_password,
    As, Caller, Desk, KioskRole, Org, Registrar, Results, Role, TellerRole, SESSION_COOKIE,
};
use super::error::ApiError;
use super::state::AppState;
use crate::ledger::records::{Account, CheckIn, Voter};
use crate::ledger::{Ledger, LedgerError};
use crate::record::entry::{body_bytes, EntryKind, ResultBody, RunoffCreated, Style};
use crate::rules::kind::{Family, Proxies};

type Data = web::Data<AppState>;

/// One row of the endpoint table: method, path, roles allowed (`None` = public).
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub roles: Option<&'static [Role]>,
}

const ORG: &[Role] = &[Role::Organiser];
const DESK: &[Role] = &[Role::Organiser, Role::Registrar];
const KIOSK: &[Role] = &[Role::Kiosk];
const TELLER: &[Role] = &[Role::Teller];
const RESULTS: &[Role] = &[Role::Organiser, Role::Teller, Role::Auditor];
const ANY: &[Role] = &[
    Role::Organiser,
    Role::Registrar,
    Role::Kiosk,
    Role::Teller,
    Role::Auditor,
];

/// Every endpoint and who may call it. Paths use `{}` for parameters.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "POST",
        path: "/api/v1/login",
        roles: None,
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/logout",
        roles: Some(ANY),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/session",
        roles: Some(ANY),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/password",
        roles: Some(ANY),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/accounts",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/accounts",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/kiosks/pairing",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/kiosks/pair",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/election",
        roles: None,
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/election",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/roll",
        roles: Some(ORG),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/roll",
        roles: Some(DESK),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/checkins",
        roles: Some(&[Role::Registrar]),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/desk",
        roles: Some(DESK),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/pools",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/contests/{}/open",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/kiosk/ballot",
        roles: Some(KIOSK),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/ballots",
        roles: Some(KIOSK),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/contests/{}/close",
        roles: Some(TELLER),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/contests/{}/tally",
        roles: Some(TELLER),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/results",
        roles: Some(RESULTS),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/results/{}",
        roles: Some(RESULTS),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/results/{}/csv",
        roles: Some(RESULTS),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/results/{}/xlsx",
        roles: Some(RESULTS),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/results/{}/signatures",
        roles: Some(TELLER),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/results/{}/publish",
        roles: Some(ORG),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/public/results",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/public/results/{}",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/receipts/{}",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/checkpoints",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/export",
        roles: None,
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/tally",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/checkpoint",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/healthz",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/metrics",
        roles: None,
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/contests/{}/paper-ballots",
        roles: Some(TELLER),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/contests/{}/next-round",
        roles: Some(ORG),
    },
    Endpoint {
        method: "GET",
        path: "/board/{}",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/docs",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/openapi.json",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/assets",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/keys",
        roles: None,
    },
];

/// Unix seconds as `yyyy-mm-dd hh:mm:ss UTC` (days-from-civil, no time-zone database needed).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The client address rate limits count against: the peer, or, when the peer is a trusted
/// proxy, the address its `X-Forwarded-For` names (see [`client_address`]).
fn client(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let trusted = req
        .app_data::<Data>()
        .map(|s| s.config.trusted_proxies.as_slice())
        .unwrap_or_default();
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_address(peer, &forwarded, trusted).to_string()
}

/// The client behind a chain of proxies: the peer itself unless it is trusted; then the
/// right-most `X-Forwarded-For` address that is not a trusted proxy (proxies append, so what
/// is left of the last untrusted hop could be anything the client wrote). A header that does
/// not parse leaves the last trusted hop as the client.
pub fn client_address(
    peer: std::net::IpAddr,
    forwarded: &[&str],
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = forwarded.iter().flat_map(|h| h.split(','));
    let mut client = peer;
    for hop in hops.collect::<Vec<_>>().into_iter().rev() {
        match hop.trim().parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

async fn block<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

fn limited(r: Result<(), u64>, state: &AppState) -> Result<(), ApiError> {
    r.map_err(|retry_after| {
        state
            .metrics
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ApiError::RateLimited { retry_after }
    })
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid {
        code,
        message: message.into(),
    }
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        code,
        message: message.into(),
    }
}

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

pub async fn login(
    state: Data,
    req: HttpRequest,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.login.check(&client(&req)), &state)?;
    let body = body.into_inner();
    let st = state.clone();
    let account = block(move || {
        st.records
            .account(&body.username)
            .map_err(ApiError::Ledger)
            .map(|a| (a, body))
    })
    .await?;
    let (account, body) = account;
    let st = state.clone();
    let ok_account = block(move || {
        Ok(match account {
            Some(a) if verify_password(&body.password, &a.password_hash) => Some((a, body.bearer)),
            _ => None,
        })
    })
    .await?;
    let Some((account, bearer)) = ok_account else {
        st.metrics
            .logins_failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::BadLogin);
    };
    let role = Role::from_id(&account.role).ok_or(ApiError::BadLogin)?;
    let (token, csrf) =
        create_session(&state, &account.username, role, state.config.session_hours)?;
    let body = json!({"username": account.username, "role": role.id(), "csrf": csrf});
    if bearer {
        return Ok(HttpResponse::Ok()
            .json(json!({"username": account.username, "role": role.id(), "token": token})));
    }
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, &token))
        .json(body))
}

fn session_cookie<'a>(state: &AppState, token: &'a str) -> actix_web::cookie::Cookie<'a> {
    actix_web::cookie::Cookie::build(SESSION_COOKIE, token)
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path("/")
        .finish()
}

pub async fn logout(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    state.records.remove_session(&caller.token_hash)?;
    let mut gone = session_cookie(&state, "");
    gone.make_removal();
    Ok(HttpResponse::Ok().cookie(gone).json(json!({"ok": true})))
}

pub async fn session(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state
        .records
        .session(&caller.token_hash)?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(HttpResponse::Ok().json(json!({"username": caller.username, "role": caller.role.id(), "role_label": caller.role.label_zh(), "csrf": s.csrf})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    old: String,
    new: String,
}

pub async fn password(
    state: Data,
    caller: Caller,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.new.chars().count() < 10 {
        return Err(invalid(
            "password_too_short",
            "新密码至少 10 个字符 / the new password needs at least 10 characters",
        ));
    }
    let st = state.clone();
    block(move || {
        let mut a = st
            .records
            .account(&caller.username)?
            .ok_or(ApiError::Unauthenticated)?;
        if !verify_password(&body.old, &a.password_hash) {
            return Err(ApiError::BadLogin);
        }
        a.password_hash = hash_password(&body.new)?;
        st.records.set_account(&a)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
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
        .map(|a| json!({"username": a.username, "role": a.role}))
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
            "unknown_role",
            format!(
                "角色 “{}” 不存在; 可用: organiser, registrar, teller, auditor / unknown role “{}”",
                body.role, body.role
            ),
        )
    })?;
    if role == Role::Kiosk {
        return Err(invalid(
            "kiosk_by_pairing",
            "投票机通过配对码登记, 不用账号 / kiosks are paired with a code, not given accounts",
        ));
    }
    let name_ok = !body.username.is_empty()
        && body.username.len() <= 40
        && body
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(invalid("bad_username", "用户名只能用字母、数字、- 和 _, 最多 40 个 / user names use letters, digits, - and _, at most 40"));
    }
    let password = random_password()?;
    let st = state.clone();
    let pw = password.clone();
    block(move || {
        st.records.create_account(&Account {
            username: body.username.clone(),
            role: role.id().into(),
            password_hash: hash_password(&pw)?,
        })?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"role": role.id(), "password": password, "note": "密码只显示这一次 / the password is shown this once"})))
}

/// Pairing codes live 10 minutes.
const PAIRING_SECS: u64 = 600;

pub async fn pairing(state: Data, _caller: As<Org>) -> Result<HttpResponse, ApiError> {
    let mut b = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .map_err(|_| ApiError::Internal("random".into()))?;
    let code = format!("{:08}", u64::from_le_bytes(b) % 100_000_000);
    state
        .records
        .put_pairing(&hash_token(&code), now() + PAIRING_SECS)?;
    Ok(HttpResponse::Created().json(json!({"code": code, "expires_in_seconds": PAIRING_SECS})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    code: String,
    name: String,
}

pub async fn pair(
    state: Data,
    req: HttpRequest,
    body: web::Json<Pair>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.pairing.check(&client(&req)), &state)?;
    let body = body.into_inner();
    if body.name.trim().is_empty() || body.name.chars().count() > 40 {
        return Err(invalid(
            "bad_kiosk_name",
            "投票机名称须为 1 至 40 个字符 / a kiosk name needs 1 to 40 characters",
        ));
    }
    if !state
        .records
        .take_pairing(&hash_token(body.code.trim()), now())?
    {
        return Err(invalid(
            "bad_pairing_code",
            "配对码无效或已过期 / the pairing code is wrong, used or expired",
        ));
    }
    let username = format!("kiosk-{}", body.name.trim());
    // A kiosk's device credential lasts a long election day and a night.
    let (token, csrf) = create_session(&state, &username, Role::Kiosk, 48)?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, &token))
        .json(json!({"role": "kiosk", "token": token, "csrf": csrf})))
}

// ---------------------------------------------------------------- election

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewElection {
    spec: Value,
    #[serde(default)]
    styles: Option<Vec<Style>>,
    #[serde(default)]
    tellers: Vec<String>,
    #[serde(default)]
    signatures_required: u32,
    /// ISO date of election day, for the roll's age check.
    #[serde(default)]
    election_date: Option<String>,
}

pub async fn create_election(
    state: Data,
    _caller: As<Org>,
    body: web::Json<NewElection>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let st = state.clone();
    let summary = block(move || {
        let mut slot = st.ledger.write().map_err(|_| ApiError::Internal("lock".into()))?;
        if slot.is_some() {
            return Err(conflict("election_exists", "本服务已有选举; 一个数据目录只办一次选举 / this service already holds an election; one data directory holds one election"));
        }
        if let Some(d) = &body.election_date {
            st.records.set_setting("election_date", d)?;
        }
        let spec_bytes = body.spec.to_string().into_bytes();
        let ledger = Ledger::init(super::state::ledger_config(&st.config), &spec_bytes, body.styles, body.tellers, body.signatures_required)?;
        let summary = election_summary(&ledger)?;
        *slot = Some(ledger);
        Ok(summary)
    })
    .await?;
    Ok(HttpResponse::Created().json(summary))
}

fn election_summary(l: &Ledger) -> Result<Value, ApiError> {
    l.read(|s| -> Result<Value, ApiError> {
        let info = s.state.info()?;
        let contests: Vec<Value> = info
            .election
            .contests
            .iter()
            .map(|c| {
                let state = if s.state.closed.contains_key(&c.id) {
                    "closed"
                } else if s.state.opened.contains(&c.id) {
                    "open"
                } else {
                    "draft"
                };
                json!({"id": c.id, "title": c.title, "kind": c.kind.id(), "kind_label": c.kind.label_zh(), "seats": c.seats,
                       "candidates": c.candidates.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>(),
                       "state": state, "parent": c.runoff_of.as_ref().map(|r| r.parent.clone())})
            })
            .collect();
        Ok(json!({"id": info.id, "title": info.election.title, "contests": contests, "styles": info.styles,
                  "log_size": s.tree.size(), "ballots": s.state.ballots,
                  "tellers": info.tellers.iter().map(|t| t.name().to_string()).collect::<Vec<_>>(),
                  "signatures_required": info.signatures_required}))
    })?
}

pub async fn election(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    Ok(HttpResponse::Ok().json(block(move || election_summary(&l)).await?))
}

// ---------------------------------------------------------------- desk

fn style_of_voter(styles: &[Style], round: u8, unit: &str) -> Option<u16> {
    let in_round: Vec<(usize, &Style)> = styles
        .iter()
        .enumerate()
        .filter(|(_, s)| s.round == round)
        .collect();
    in_round
        .iter()
        .find(|(_, s)| s.unit == unit)
        .or_else(|| in_round.iter().find(|(_, s)| s.unit.is_empty()))
        .map(|(i, _)| *i as u16)
}

#[derive(Deserialize)]
pub struct RollQuery {
    #[serde(default)]
    q: String,
}

/// Most roll rows one search returns.
const SEARCH_ROWS_MAX: usize = 50;

pub async fn roll_search(
    state: Data,
    _caller: As<Desk>,
    query: web::Query<RollQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner().q.trim().to_lowercase();
    let st = state.clone();
    let rows = block(move || {
        let roll = st.records.roll()?;
        let mut out = Vec::new();
        for v in &roll.voters {
            if q.is_empty() || v.number.to_lowercase().contains(&q) || crate::rules::hanzi::matches_query(&v.name, &q) {
                let c = st.records.checked_in(1, &v.number)?;
                out.push(json!({"name": v.name, "number": v.number, "unit": v.unit, "checked_in_at": c.map(|c| c.at)}));
                if out.len() >= SEARCH_ROWS_MAX {
                    break;
                }
            }
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"voters": rows})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    number: String,
    #[serde(default)]
    principals: Vec<String>,
    #[serde(default = "round_one")]
    round: u8,
}

fn round_one() -> u8 {
    1
}

pub async fn check_in(
    state: Data,
    caller: As<Registrar>,
    body: web::Json<CheckInRequest>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let body = body.into_inner();
    let st = state.clone();
    let desk = caller.username.clone();
    let out = block(move || {
        let voter = st.records.voter(&body.number)?.ok_or_else(|| invalid("not_on_roll", format!("编号 {} 不在选民名单上 / number {} is not on the roll", body.number, body.number)))?;
        let (styles, style_info) = l.read(|s| -> Result<_, ApiError> {
            let info = s.state.info()?;
            let style = style_of_voter(&info.styles, body.round, &voter.unit).ok_or_else(|| invalid("no_style", format!("第 {} 轮没有 “{}” 的选票样式 / no ballot style for unit “{}” in round {}", body.round, voter.unit, voter.unit, body.round)))?;
            let st = &info.styles[style as usize];
            let proxies: Vec<Proxies> = st.contests.iter().filter_map(|c| info.election.contest_index(c)).map(|i| info.election.contests[i].kind.proxies()).collect();
            let party = st.contests.iter().filter_map(|c| info.election.contest_index(c)).any(|i| info.election.contests[i].kind.family() == Family::Party);
            Ok((style, (proxies, party)))
        })??;
        let (proxies, party) = style_info;
        if !body.principals.is_empty() {
            if party {
                return Err(invalid("proxy_refused_party", "党内选举不得委托投票 (党内选举条例第24条) / party elections forbid proxy voting (BER Art. 24)"));
            }
            let max = proxies.iter().map(|p| match p { Proxies::ToVoter { principals_max } => *principals_max, Proxies::ToCloseRelative => 3, Proxies::Refused => 0 }).min().unwrap_or(0);
            if body.principals.len() as u32 > max {
                return Err(invalid("too_many_principals", format!("每人接受委托不得超过 {max} 人 (选举法第42条) / at most {max} principals per proxy (EL Art. 42)")));
            }
            for p in &body.principals {
                let pv = st.records.voter(p)?.ok_or_else(|| invalid("not_on_roll", format!("委托人 {p} 不在选民名单上 / principal {p} is not on the roll")))?;
                if pv.unit != voter.unit || p == &body.number {
                    return Err(invalid("proxy_unit", format!("委托人 {p} 须是同一选区的其他选民 / principal {p} must be another voter of the same unit")));
                }
                if let Some(c) = st.records.checked_in(body.round, p)? {
                    return Err(conflict("already_checked_in", format!("委托人 {p} 已于 {} 签到 / principal {p} already checked in at {}", utc(c.at), utc(c.at))));
                }
            }
        }
        let record = CheckIn { number: body.number.clone(), round: body.round, at: now(), desk, principals: body.principals.clone(), slips: 1 + body.principals.len() as u64 };
        if let Err(earlier) = st.records.check_in(&record)? {
            return Err(conflict("already_checked_in", format!("{} 已于 {} 由 {} 签到, 不能重复签到 / {} already checked in at {} (desk {})", voter.name, utc(earlier.at), earlier.desk, voter.name, utc(earlier.at), earlier.desk)));
        }
        for p in &body.principals {
            let proxy_record = CheckIn { number: p.clone(), round: body.round, at: record.at, desk: format!("proxy:{}", body.number), principals: vec![], slips: 0 };
            let _ = st.records.check_in(&proxy_record)?;
        }
        Ok(json!({"name": voter.name, "unit": voter.unit, "style": styles, "slips": record.slips, "at": record.at}))
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

/// One contest's live turnout at the desk: (contest, E, P, I, quorum status).
type DeskRow = (String, u64, u64, u64, String);

/// Turnout per contest from the roll and check-ins (E from the spec when no roll is loaded).
fn desk_counts(state: &AppState, l: &Ledger, only: Option<&str>) -> Result<Vec<DeskRow>, ApiError> {
    // Aggregates per unit, kept by the records: O(contests × units), not a scan of the roll.
    let turnout = state.records.turnout()?;
    let roll_empty = turnout.unit_voters.is_empty();
    l.read(|s| -> Result<_, ApiError> {
        let info = s.state.info()?;
        let mut out = Vec::new();
        for c in &info.election.contests {
            if only.is_some_and(|id| id != c.id) {
                continue;
            }
            let styles: Vec<&Style> = info
                .styles
                .iter()
                .filter(|st| st.contests.contains(&c.id))
                .collect();
            let round = styles.first().map(|s| s.round).unwrap_or(1);
            let all_units = styles.iter().any(|s| s.unit.is_empty());
            let mut units: Vec<&str> = styles.iter().map(|s| s.unit.as_str()).collect();
            units.sort_unstable();
            units.dedup();
            let in_units = |unit: &str| all_units || units.binary_search(&unit).is_ok();
            let e = if roll_empty {
                c.turnout.eligible
            } else {
                turnout
                    .unit_voters
                    .iter()
                    .filter(|(u, _)| in_units(u))
                    .map(|(_, n)| n)
                    .sum()
            };
            let (p, i) = turnout
                .checked
                .iter()
                .filter(|((r, u), _)| *r == round && in_units(u))
                .fold((0, 0), |(p, i), (_, (dp, di))| (p + dp, i + di));
            let quorum = match c.rules.quorum {
                None => "none".to_string(),
                Some(q) if q.is_met(p, e) => "met".to_string(),
                Some(_) => "not_met".to_string(),
            };
            out.push((c.id.clone(), e, p, i, quorum));
        }
        Ok(out)
    })?
}

pub async fn desk(state: Data, _caller: As<Desk>) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let st = state.clone();
    let rows = block(move || desk_counts(&st, &l, None)).await?;
    let list: Vec<Value> = rows.into_iter().map(|(id, e, p, i, q)| json!({"contest": id, "eligible": e, "present": p, "slips_issued": i, "quorum": q})).collect();
    Ok(HttpResponse::Ok().json(json!({"contests": list, "roll_size": state.records.roll_size()?})))
}

// ---------------------------------------------------------------- pools and contests

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolRequest {
    style: u16,
    #[serde(default)]
    count: Option<usize>,
}

pub async fn pools(
    state: Data,
    _caller: As<Org>,
    body: web::Json<PoolRequest>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let body = body.into_inner();
    let st = state.clone();
    let html = block(move || {
        let (unit, sheet) = l.read(|s| -> Result<_, ApiError> {
            let info = s.state.info()?;
            let style = info.styles.get(body.style as usize).ok_or_else(|| {
                invalid(
                    "unknown_style",
                    format!(
                        "没有选票样式 {} / no ballot style {}",
                        body.style, body.style
                    ),
                )
            })?;
            let names = style
                .contests
                .iter()
                .filter_map(|c| {
                    info.election
                        .contest_index(c)
                        .map(|i| info.election.contests[i].title.clone())
                })
                .collect();
            Ok((
                style.unit.clone(),
                crate::tokens::pool::SlipSheet {
                    title: "选票码 Ballot tokens".into(),
                    election_title: if info.election.title.is_empty() {
                        info.id.clone()
                    } else {
                        info.election.title.clone()
                    },
                    round: style.round,
                    style_name: if style.title.is_empty() {
                        format!("样式 style {}", body.style)
                    } else {
                        style.title.clone()
                    },
                    contest_names: names,
                },
            ))
        })??;
        let count = match body.count {
            Some(n) => n,
            None => {
                let turnout = st.records.turnout()?;
                let n: u64 = turnout
                    .unit_voters
                    .iter()
                    .filter(|(u, _)| unit.is_empty() || **u == unit)
                    .map(|(_, n)| n)
                    .sum();
                if n == 0 {
                    return Err(invalid(
                        "roll_empty",
                        "请先导入选民名单, 或写明 count / import the roll first, or give a count",
                    ));
                }
                (n + (n * st.config.pool_spare_percent).div_ceil(100)) as usize
            }
        };
        // Refuse before anything reaches the log: a refused sheet must not register tokens.
        let max = crate::tokens::pool::SHEET_TOKENS_MAX;
        if count == 0 || count > max {
            return Err(invalid(
                "sheet_too_many",
                format!("一次生成的选票码须为 1 至 {max} 张, 请求 {count} 张; 请分批生成 / a sheet holds 1 to {max} tokens, {count} asked: generate in batches"),
            ));
        }
        let (tokens, _) = l.register_pool(body.style, count)?;
        crate::tokens::pool::slip_sheet_html(&sheet, &tokens)
            .map_err(|e| invalid(e.code(), e.to_string()))
    })
    .await?;
    Ok(HttpResponse::Created()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub async fn open_contest(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let id = path.into_inner();
    let a = block(move || Ok(l.open_contest(&id)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"entry": a.index})))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    #[serde(default)]
    eligible: Option<u64>,
    #[serde(default)]
    present: Option<u64>,
    #[serde(default)]
    ballots_issued: Option<u64>,
}

pub async fn close_contest(
    state: Data,
    _caller: As<TellerRole>,
    path: web::Path<String>,
    body: Option<web::Json<CloseRequest>>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let id = path.into_inner();
    let body = body.map(|b| b.into_inner()).unwrap_or_default();
    let st = state.clone();
    let out = block(move || {
        let counts = desk_counts(&st, &l, Some(&id))?;
        let (_, e, p, i, _) = counts.into_iter().find(|r| r.0 == id).ok_or_else(|| {
            invalid(
                "unknown_contest",
                format!("没有选举项目 “{id}” / no contest “{id}”"),
            )
        })?;
        let roll_empty = st.records.roll_size()? == 0;
        let spec_turnout = l.read(|s| {
            s.state.info().ok().and_then(|i| {
                i.election
                    .contest_index(&id)
                    .map(|ci| i.election.contests[ci].turnout)
            })
        })?;
        let (e, p, i) = match (roll_empty, spec_turnout) {
            (true, Some(t)) => (t.eligible, t.present, t.issued),
            _ => (e, p, i),
        };
        let (e, p, i) = (
            body.eligible.unwrap_or(e),
            body.present.unwrap_or(p),
            body.ballots_issued.unwrap_or(i),
        );
        if p > e {
            return Err(invalid(
                "present_exceeds_eligible",
                format!("实到 {p} 多于应到 {e} / {p} present exceeds {e} eligible"),
            ));
        }
        // Refuse a contest that cannot close before writing anything.
        l.read(|s| -> Result<(), ApiError> {
            if !s.state.opened.contains(&id) {
                return Err(conflict(
                    "contest_not_open",
                    format!("选举项目 “{id}” 尚未开始 / contest “{id}” is not open"),
                ));
            }
            if s.state.closed.contains_key(&id) {
                return Err(conflict(
                    "contest_closed",
                    format!("选举项目 “{id}” 已结束 / contest “{id}” is already closed"),
                ));
            }
            Ok(())
        })??;
        // The desk's counts go into the log first, so the log shows where P and I came from.
        let styles: Vec<(u16, u8)> = l.read(|s| {
            s.state.info().map(|info| {
                info.styles
                    .iter()
                    .enumerate()
                    .filter(|(_, st)| st.contests.contains(&id))
                    .map(|(n, st)| (n as u16, st.round))
                    .collect()
            })
        })??;
        for (style, round) in styles {
            l.append(
                EntryKind::CheckInCount,
                body_bytes(&crate::record::entry::CheckInCount {
                    style,
                    round,
                    present: p,
                    slips_issued: i,
                }),
            )?;
        }
        let a = l.close_contest(&id, e, p, i)?;
        // Void the unspent tokens of every style whose contests are now all closed.
        let voidable: Vec<u16> = l.read(|s| {
            s.state.info().map(|info| {
                info.styles
                    .iter()
                    .enumerate()
                    .filter(|(_, st)| st.contests.iter().all(|c| s.state.closed.contains_key(c)))
                    .filter(|(_, st)| s.state.pools.get(&(st.round, 0)).is_none_or(|_| true))
                    .map(|(i, _)| i as u16)
                    .filter(|i| {
                        s.state
                            .pools
                            .iter()
                            .any(|((_, st), p)| st == i && !p.voided)
                    })
                    .collect()
            })
        })??;
        for sty in voidable {
            l.void_tokens(sty)?;
        }
        Ok(json!({"entry": a.index, "eligible": e, "present": p, "ballots_issued": i}))
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub async fn tally_contest(
    state: Data,
    _caller: As<TellerRole>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let id = path.into_inner();
    let (a, result) = block(move || Ok(l.tally(&[id])?)).await?;
    Ok(HttpResponse::Ok().json(json!({"result_index": a.index, "result": result})))
}

// ---------------------------------------------------------------- kiosk

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenOnly {
    token: String,
}

/// The ballot a token opens: the style's contests with candidates in 姓氏笔画 order (party
/// and congress lists) or in the approved order (secretary ballots).
pub async fn kiosk_ballot(
    state: Data,
    _caller: As<KioskRole>,
    req: HttpRequest,
    body: web::Json<TokenOnly>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.token_check.check(&client(&req)), &state)?;
    let l = state.ledger()?;
    let token_text = body.into_inner().token;
    let out = block(move || {
        let token = crate::record::token::Token::parse(&token_text).map_err(|e| ApiError::Ledger(LedgerError::Token(e)))?;
        l.read(|s| -> Result<Value, ApiError> {
            let info = s.state.info()?;
            let style = info.styles.get(token.style() as usize).ok_or_else(|| invalid("unknown_style", "选票码的样式不存在 / the token's style does not exist"))?;
            token.verify(&info.election_key, &info.id, style.round, token.style()).map_err(|e| ApiError::Ledger(LedgerError::Token(e)))?;
            if s.state.spent.contains(token.serial()) {
                return Err(ApiError::Ledger(LedgerError::TokenSpent));
            }
            s.state.style_open(style.round, token.style())?;
            let contests: Vec<Value> = style.contests.iter().filter_map(|cid| info.election.contest_index(cid)).map(|ci| {
                let c = &info.election.contests[ci];
                let mut cands: Vec<&crate::rules::Candidate> = c.candidates.iter().collect();
                if c.kind != crate::rules::ContestKind::PartySecretary {
                    crate::rules::hanzi::sort_by_strokes(&mut cands, |x| x.name.as_str());
                }
                json!({"id": c.id, "title": c.title, "kind": c.kind.id(), "kind_label": c.kind.label_zh(), "seats": c.seats,
                       "max_marks": c.max_marks, "against_label": c.kind.against_label(),
                       "write_ins": c.kind.write_ins() != crate::rules::kind::WriteIns::Refused,
                       "candidates": cands.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>(),
                       "scale": c.evaluation.as_ref().map(|e| json!({"id": e.scale.id(), "grades": e.scale.keys(), "labels": e.scale.labels_zh()})),
                       "subjects": c.evaluation.as_ref().map(|e| e.subjects.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>())})
            }).collect();
            Ok(json!({"style": token.style(), "round": style.round, "contests": contests}))
        })?
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cast {
    token: String,
    ballots: Vec<Value>,
}

pub async fn cast(
    state: Data,
    _caller: As<KioskRole>,
    body: web::Json<Cast>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let body = body.into_inner();
    let st = state.clone();
    let result = block(move || {
        // Kiosks never submit a void ballot: over-marking is refused here, not counted void.
        l.read(|s| -> Result<(), ApiError> {
            let info = s.state.info()?;
            for (i, b) in body.ballots.iter().enumerate() {
                let (ci, ballot) =
                    crate::record::ballot::parse_ballot_line(&info.election, i + 1, &b.to_string())
                        .map_err(ApiError::Ballot)?;
                let contest = &info.election.contests[ci];
                let reason = match &ballot {
                    crate::rules::Ballot::Candidates(cb) => {
                        crate::rules::ballot::void_reason(contest, cb)
                    }
                    crate::rules::Ballot::Evaluation(eb) => contest
                        .evaluation
                        .as_ref()
                        .and_then(|e| crate::rules::ballot::evaluation_void_reason(e, eb)),
                };
                if let Some(r) = reason {
                    return Err(invalid(
                        r.code(),
                        format!("“{}”: {}", contest.title, r.message()),
                    ));
                }
            }
            Ok(())
        })??;
        Ok(l.cast(&body.token, &body.ballots)?)
    })
    .await;
    match result {
        Ok(a) => {
            st.metrics
                .ballots_cast
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let code = crate::tokens::receipt_code(a.index, &a.hash);
            let hash: String = a.hash.iter().map(|b| format!("{b:02x}")).collect();
            Ok(HttpResponse::Created().json(json!({"receipt": code, "index": a.index, "hash": hash, "checkpoint_size": a.size, "qr_svg": crate::tokens::receipt_qr_svg(&code)})))
        }
        Err(e) => {
            st.metrics
                .ballots_refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Err(e)
        }
    }
}

// ---------------------------------------------------------------- results

fn result_entry(l: &Ledger, index: u64) -> Result<ResultBody, ApiError> {
    l.read(|s| {
        s.state
            .results
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, r)| r.clone())
    })?
    .ok_or_else(|| ApiError::Conflict {
        code: "unknown_result",
        message: format!("第 {index} 条不是计票结果 / entry {index} is not a result"),
    })
}

fn signature_lines(l: &Ledger, index: u64) -> Result<Vec<String>, ApiError> {
    Ok(l.read(|s| {
        s.state
            .signatures
            .iter()
            .filter(|(_, t)| t.result_index == index)
            .map(|(_, t)| t.line.clone())
            .collect()
    })?)
}

/// The signed result: the result document and the checkpoint right after it with the log's
/// signature and every teller's signature line.
fn signed_result(l: &Ledger, index: u64) -> Result<Value, ApiError> {
    let r = result_entry(l, index)?;
    let note = l
        .checkpoints()?
        .into_iter()
        .find(|(n, _)| *n == index + 1)
        .map(|(_, t)| t)
        .unwrap_or_default();
    let mut note = note.trim_end().to_string();
    for line in signature_lines(l, index)? {
        note.push('\n');
        note.push_str(&line);
    }
    note.push('\n');
    Ok(
        json!({"format": "scrutineer.signed-result/v1", "result_index": index, "result": r.result, "checkpoint": note}),
    )
}

pub async fn results(state: Data, _caller: As<Results>) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let st = state.clone();
    let list = block(move || {
        let (results, required) = l.read(|s| (s.state.results.clone(), s.state.info().map(|i| i.signatures_required).unwrap_or(0)))?;
        let mut out = Vec::new();
        for (i, r) in results {
            let sigs = signature_lines(&l, i)?;
            out.push(json!({"index": i, "contests": r.contests, "signatures": sigs.len(), "required": required, "published": st.records.is_published(i)?}));
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"results": list})))
}

pub async fn result(
    state: Data,
    _caller: As<Results>,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let index = path.into_inner();
    let out = block(move || {
        let mut v = signed_result(&l, index)?;
        v["checkpoint_text"] = json!(l.result_checkpoint_text(index)?);
        Ok(v)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureLine {
    line: String,
}

pub async fn sign_result(
    state: Data,
    _caller: As<TellerRole>,
    path: web::Path<u64>,
    body: web::Json<SignatureLine>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let index = path.into_inner();
    let line = body.into_inner().line;
    let a = block(move || Ok(l.add_teller_signature(index, &line)?)).await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index})))
}

pub async fn publish(
    state: Data,
    _caller: As<Org>,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let index = path.into_inner();
    let st = state.clone();
    let out = block(move || {
        let r = result_entry(&l, index)?;
        let required = l.read(|s| s.state.info().map(|i| i.signatures_required))??;
        let have = l.read(|s| {
            s.state.signatures.iter().filter(|(_, t)| t.result_index == index).map(|(_, t)| t.line.split_whitespace().nth(1).unwrap_or("").to_string()).collect::<std::collections::HashSet<_>>().len() as u32
        })?;
        if have < required {
            return Err(conflict("signatures_missing", format!("需要 {required} 名计票人签名, 现有 {have} 名 / {required} teller signatures required, {have} present")));
        }
        if st.records.is_published(index)? {
            return Err(conflict("already_published", "此结果已公布 / this result is already published"));
        }
        st.records.publish(index)?;
        let (runoffs, blocked) = create_runoffs(&l, &r)?;
        Ok(json!({"published": index, "runoffs": runoffs, "runoffs_blocked": blocked}))
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A runoff contest (and its ballot style) for every contest whose result proposes one.
/// Returns the runoffs created and those that could not be formed under the rules (a short
/// list, or a list that breaks the kind's surplus rule): those need the meeting's recorded
/// decision (reduce the seats, or nominate), so they are reported, never forced.
fn create_runoffs(l: &Ledger, r: &ResultBody) -> Result<(Vec<String>, Vec<Value>), ApiError> {
    let mut created = Vec::new();
    let mut blocked = Vec::new();
    for c in r
        .result
        .get("contests")
        .and_then(|c| c.as_array())
        .cloned()
        .unwrap_or_default()
    {
        let Some(proposal) = c.get("runoff").filter(|p| !p.is_null()) else {
            continue;
        };
        let parent = c
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        if proposal
            .get("short_list")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
        {
            blocked.push(json!({"contest": parent, "code": "runoff_list_short",
                "message": "未当选的候选人不足法定差额, 须由大会决定减少名额或另行提名 (须有记录) / too few not-elected candidates for the surplus rule: the meeting must decide to reduce the seats or nominate (recorded decision)"}));
            continue;
        }
        let (spec_contest, parent_style, n) = l.read(|s| -> Result<_, ApiError> {
            let info = s.state.info()?;
            let spec_c = info
                .spec
                .get("contests")
                .and_then(|cs| cs.as_array())
                .and_then(|cs| {
                    cs.iter()
                        .find(|x| x.get("id").and_then(|v| v.as_str()) == Some(parent.as_str()))
                })
                .cloned()
                .unwrap_or(Value::Null);
            let style = info
                .styles
                .iter()
                .find(|st| st.contests.contains(&parent))
                .cloned();
            let n = info
                .election
                .contests
                .iter()
                .filter(|x| x.runoff_of.as_ref().is_some_and(|ro| ro.parent == parent))
                .count()
                + 1;
            Ok((spec_c, style, n))
        })??;
        let ids: Vec<String> = proposal
            .get("candidates")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let parent_cands = spec_contest
            .get("candidates")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        let candidates: Vec<Value> = ids
            .iter()
            .enumerate()
            .map(
                |(i, id)| match id.strip_prefix(crate::rules::tally::WRITE_IN_PREFIX) {
                    Some(name) => json!({"id": format!("w{}", i + 1), "name": name}),
                    None => parent_cands
                        .iter()
                        .find(|pc| pc.get("id").and_then(|v| v.as_str()) == Some(id.as_str()))
                        .cloned()
                        .unwrap_or(json!({"id": id, "name": id})),
                },
            )
            .collect();
        let id = format!("{parent}-r{n}");
        let mut contest = spec_contest.clone();
        contest["id"] = json!(id);
        contest["title"] = json!(format!(
            "{} (第 {} 次另行投票)",
            spec_contest
                .get("title")
                .and_then(|v| v.as_str())
                .unwrap_or(&parent),
            n
        ));
        contest["seats"] = proposal.get("seats").cloned().unwrap_or(json!(1));
        contest["candidates"] = Value::Array(candidates);
        contest["parent"] = json!(parent);
        contest["runoff_reason"] = proposal
            .get("reason")
            .cloned()
            .unwrap_or(json!("shortfall"));
        contest["boundary_tie"] = proposal
            .get("boundary_tie")
            .cloned()
            .unwrap_or(json!(false));
        if let Some(o) = contest.as_object_mut() {
            o.remove("overrides");
            o.remove("only_one_nominated");
        }
        let style = Style {
            round: parent_style
                .as_ref()
                .map(|s| s.round.saturating_add(1))
                .unwrap_or(2),
            contests: vec![id.clone()],
            title: String::new(),
            unit: parent_style.map(|s| s.unit).unwrap_or_default(),
        };
        match l.append(
            EntryKind::RunoffCreated,
            body_bytes(&RunoffCreated {
                parent: parent.clone(),
                contest,
                style,
            }),
        ) {
            Ok(_) => created.push(id),
            Err(e) => {
                blocked.push(json!({"contest": parent, "code": e.code(), "message": e.to_string()}))
            }
        }
    }
    Ok((created, blocked))
}

pub async fn public_results(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let st = state.clone();
    let list = block(move || {
        let results = l.read(|s| s.state.results.clone())?;
        let mut out = Vec::new();
        for (i, r) in results {
            if st.records.is_published(i)? {
                out.push(json!({"index": i, "contests": r.contests, "url": format!("/api/v1/public/results/{i}"), "board": format!("/board/{i}")}));
            }
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"results": list})))
}

pub async fn public_result(state: Data, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let index = path.into_inner();
    if !state.records.is_published(index)? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok().json(block(move || signed_result(&l, index)).await?))
}

pub async fn receipt(
    state: Data,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.receipt.check(&client(&req)), &state)?;
    let l = state.ledger()?;
    let code = path.into_inner();
    let out = block(move || {
        let (index, _) = crate::tokens::parse_receipt_code(&code).ok_or_else(|| invalid("bad_receipt", "回执码格式不对, 应如 R42-5Q3ZK8M1T0C7W2H4 / a receipt code looks like R42-5Q3ZK8M1T0C7W2H4"))?;
        let (leaf, proof, size, note) = l.inclusion(index).map_err(|_| ApiError::NotFound)?;
        if crate::tokens::receipt_code(index, &leaf) != code.trim().to_ascii_uppercase() {
            return Err(ApiError::NotFound);
        }
        let hex = |h: &[u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
        Ok(json!({"receipt": code, "index": index, "hash": hex(&leaf), "tree_size": size, "proof": proof.iter().map(hex).collect::<Vec<_>>(), "checkpoint": note}))
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub async fn checkpoints(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let list = block(move || Ok(l.checkpoints()?)).await?;
    let latest = list.last().map(|(n, t)| json!({"size": n, "note": t}));
    let sizes: Vec<u64> = list.iter().map(|(n, _)| *n).collect();
    Ok(HttpResponse::Ok().json(json!({"latest": latest, "sizes": sizes})))
}

pub async fn checkpoint_text(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let note = l
        .read(|s| s.checkpoint.clone())?
        .map(|(_, t)| t)
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(note))
}

pub async fn export(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let dir = state.config.data_dir.join("exports").join(format!(
        "export-{}-{}",
        now(),
        random_token(6)?
    ));
    let file = block(move || {
        l.export(&dir)?;
        // The tar goes to a file next to the export and is streamed from it: a county log's
        // tar (tens to hundreds of MB) is never held in memory.
        let internal = |e: std::io::Error| ApiError::Internal(e.to_string());
        let tar_path = dir.with_extension("tar");
        let built = (|| -> Result<std::fs::File, ApiError> {
            let f = std::fs::File::create(&tar_path).map_err(internal)?;
            let mut tar = tar::Builder::new(std::io::BufWriter::new(f));
            tar.append_dir_all("scrutineer-export", &dir)
                .map_err(internal)?;
            tar.into_inner()
                .map_err(internal)?
                .into_inner()
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            std::fs::File::open(&tar_path).map_err(internal)
        })();
        // The open file outlives its name (unlinked here), so nothing is left behind.
        let _ = std::fs::remove_file(&tar_path);
        let _ = std::fs::remove_dir_all(&dir);
        built
    })
    .await?;
    let body = FileBody::new(file).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"scrutineer-export.tar\"",
        ))
        .body(body))
}

/// A response body read from an open file in 64 KiB chunks. The file was just written, so its
/// reads come from the page cache and do not stall the worker.
struct FileBody {
    file: std::fs::File,
    left: u64,
}

impl FileBody {
    fn new(file: std::fs::File) -> std::io::Result<FileBody> {
        let left = file.metadata()?.len();
        Ok(FileBody { file, left })
    }
}

impl actix_web::body::MessageBody for FileBody {
    type Error = std::io::Error;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.left)
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        use std::io::Read;
        const CHUNK_BYTES: u64 = 64 * 1024;
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        let mut buf = vec![0u8; self.left.min(CHUNK_BYTES) as usize];
        let read = self.file.read(&mut buf);
        std::task::Poll::Ready(Some(match read {
            Ok(0) => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the export file ended early",
            )),
            Ok(n) => {
                buf.truncate(n);
                self.left -= n as u64;
                Ok(web::Bytes::from(buf))
            }
            Err(e) => Err(e),
        }))
    }
}

pub async fn healthz(state: Data) -> HttpResponse {
    let election = state.ledger().ok().and_then(|l| {
        l.read(|s| s.state.info().map(|i| i.id.clone()).ok())
            .ok()
            .flatten()
    });
    HttpResponse::Ok()
        .json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "election": election}))
}

pub async fn metrics(state: Data) -> HttpResponse {
    use std::sync::atomic::Ordering::Relaxed;
    let m = &state.metrics;
    let (size, ballots) = state
        .ledger()
        .ok()
        .and_then(|l| l.read(|s| (s.tree.size(), s.state.ballots)).ok())
        .unwrap_or((0, 0));
    let text = format!(
        "# HELP scrutineer_requests_total HTTP requests served.\n# TYPE scrutineer_requests_total counter\nscrutineer_requests_total {}\n\
# HELP scrutineer_ballots_cast_total Ballots acknowledged by this process.\n# TYPE scrutineer_ballots_cast_total counter\nscrutineer_ballots_cast_total {}\n\
# HELP scrutineer_ballots_refused_total Ballot submissions refused.\n# TYPE scrutineer_ballots_refused_total counter\nscrutineer_ballots_refused_total {}\n\
# HELP scrutineer_logins_failed_total Failed logins.\n# TYPE scrutineer_logins_failed_total counter\nscrutineer_logins_failed_total {}\n\
# HELP scrutineer_rate_limited_total Requests refused by a rate limit.\n# TYPE scrutineer_rate_limited_total counter\nscrutineer_rate_limited_total {}\n\
# HELP scrutineer_log_entries Entries in the ballot log.\n# TYPE scrutineer_log_entries gauge\nscrutineer_log_entries {size}\n\
# HELP scrutineer_log_ballots Ballots in the ballot log.\n# TYPE scrutineer_log_ballots gauge\nscrutineer_log_ballots {ballots}\n",
        m.requests.load(Relaxed), m.ballots_cast.load(Relaxed), m.ballots_refused.load(Relaxed), m.logins_failed.load(Relaxed), m.rate_limited.load(Relaxed)
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}

// ---------------------------------------------------------------- roll import

/// Imports the roll from CSV (docs in `record::roll`): all rows or none. Every refused row is
/// reported with its line and reason.
pub async fn import_roll(
    state: Data,
    _caller: As<Org>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let st = state.clone();
    let out = block(move || {
        let day = st
            .records
            .setting("election_date")?
            .ok_or_else(|| invalid("election_date_missing", "创建选举时须写明选举日 (election_date), 用于核对年龄 / the election needs its election_date to check ages"))?;
        let day = crate::rules::roll::Date::parse(&day).map_err(|e| invalid("election_date_missing", e.to_string()))?;
        let kind = l.read(|s| {
            s.state.info().map(|i| {
                if i.election.contests.iter().any(|c| c.kind.family() == Family::Party) {
                    crate::rules::roll::RollKind::Party
                } else {
                    crate::rules::roll::RollKind::Public
                }
            })
        })??;
        let rows = match crate::record::roll::parse_roll_csv(&body) {
            Ok(rows) => rows,
            Err(crate::record::roll::RollCsvError::Rows(refused)) => return Ok(Err(refused)),
            Err(e) => return Err(invalid(e.code(), e.to_string())),
        };
        let report = crate::rules::roll::check_roll(&rows, kind, day);
        match report.into_clean() {
            Ok(accepted) => {
                let voters: Vec<Voter> = accepted
                    .into_iter()
                    .map(|r| Voter { line: r.line, name: r.name, number: r.number, unit: r.unit, birth: r.birth.map(|b| b.to_string()).unwrap_or_default(), flags: r.flags })
                    .collect();
                st.records.replace_roll(&voters)?;
                Ok(Ok(voters.len()))
            }
            Err(refused) => Ok(Err(refused)),
        }
    })
    .await?;
    match out {
        Ok(n) => Ok(HttpResponse::Ok().json(json!({"imported": n}))),
        Err(refused) => Ok(HttpResponse::UnprocessableEntity().json(json!({
            "code": "roll_refused",
            "message": format!("名单有 {} 处问题, 未导入任何一行 / {} problems: nothing was imported", refused.len(), refused.len()),
            "rows": refused.iter().map(|r| json!({"line": r.line, "code": r.code, "message": r.message})).collect::<Vec<_>>(),
        })))
    }
}

/// The result as CSV (UTF-8 with BOM, for Excel) or XLSX for the office.
pub async fn result_office(
    state: Data,
    _caller: As<Results>,
    path: web::Path<(u64, String)>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let (index, format) = path.into_inner();
    let r = block(move || result_entry(&l, index)).await?;
    let office = |e: crate::record::office::OfficeError| invalid(e.code(), e.to_string());
    match format.as_str() {
        "csv" => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"result-{index}.csv\""),
            ))
            .body(crate::record::office::result_csv(&r.result).map_err(office)?)),
        "xlsx" => Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"result-{index}.xlsx\""),
            ))
            .body(crate::record::office::result_xlsx(&r.result).map_err(office)?)),
        _ => Err(ApiError::NotFound),
    }
}

// ---------------------------------------------------------------- paper ballots and rounds

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperBallotRequest {
    ballot: Value,
}

/// A teller keys in one paper ballot as it is read aloud (唱票). Well-formed ballots are
/// recorded even when void; the answer says whether and why, so the reader can call it out.
pub async fn paper_ballot(
    state: Data,
    _caller: As<TellerRole>,
    path: web::Path<String>,
    body: web::Json<PaperBallotRequest>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let id = path.into_inner();
    let ballot = body.into_inner().ballot;
    let out = block(move || {
        let void = l.read(|s| -> Result<Option<(String, String)>, ApiError> {
            let info = s.state.info()?;
            let (ci, b) = crate::record::ballot::parse_ballot_line(&info.election, 1, &ballot.to_string()).map_err(ApiError::Ballot)?;
            let contest = &info.election.contests[ci];
            let reason = match &b {
                crate::rules::Ballot::Candidates(cb) => crate::rules::ballot::void_reason(contest, cb),
                crate::rules::Ballot::Evaluation(eb) => contest.evaluation.as_ref().and_then(|e| crate::rules::ballot::evaluation_void_reason(e, eb)),
            };
            Ok(reason.map(|r| (r.code().to_string(), r.message())))
        })??;
        let a = l.add_paper_ballot(&id, ballot)?;
        Ok(json!({"entry": a.index, "void": void.as_ref().map(|v| v.0.clone()), "message": void.map(|v| v.1)}))
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextRound {
    id: String,
    kind: String,
    seats: u32,
    #[serde(default)]
    title: String,
    #[serde(default)]
    mode: Option<String>,
}

/// Multi-round procedures (RULES.md section 4): the next round's contest takes as its
/// candidates the shortlist (or the elected) of this contest's published result, e.g. a
/// recommendation poll feeding an election (两票制). The new contest must pass its own kind's
/// surplus rule.
pub async fn next_round(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
    body: web::Json<NextRound>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let from = path.into_inner();
    let body = body.into_inner();
    let st = state.clone();
    let out = block(move || {
        let results = l.read(|s| s.state.results.clone())?;
        let mut published = None;
        for (i, r) in results.iter().rev() {
            if r.contests.contains(&from) && st.records.is_published(*i)? {
                published = Some(r.clone());
                break;
            }
        }
        let r = published.ok_or_else(|| conflict("not_published", format!("“{from}” 还没有公布的结果 / “{from}” has no published result yet")))?;
        let contest = r.result.get("contests").and_then(|c| c.as_array()).and_then(|cs| cs.iter().find(|c| c.get("id").and_then(|v| v.as_str()) == Some(from.as_str()))).cloned().unwrap_or(Value::Null);
        let names: std::collections::HashMap<String, String> = contest.get("candidates").and_then(|c| c.as_array()).map(|cs| {
            cs.iter().filter_map(|c| Some((c.get("id")?.as_str()?.to_string(), c.get("name")?.as_str()?.to_string()))).collect()
        }).unwrap_or_default();
        let chosen: Vec<Value> = contest.get("elected").and_then(|e| e.as_array()).cloned().unwrap_or_default().iter().enumerate().filter_map(|(i, id)| {
            let id = id.as_str()?;
            Some(match id.strip_prefix(crate::rules::tally::WRITE_IN_PREFIX) {
                Some(name) => json!({"id": format!("p{}", i + 1), "name": name}),
                None => json!({"id": id, "name": names.get(id).cloned().unwrap_or_else(|| id.to_string())}),
            })
        }).collect();
        let (spec_contest, from_style) = l.read(|s| -> Result<_, ApiError> {
            let info = s.state.info()?;
            let c = info.spec.get("contests").and_then(|cs| cs.as_array()).and_then(|cs| cs.iter().find(|x| x.get("id").and_then(|v| v.as_str()) == Some(from.as_str()))).cloned().unwrap_or(Value::Null);
            Ok((c, info.styles.iter().find(|st| st.contests.contains(&from)).cloned()))
        })??;
        let mut c = json!({"id": body.id, "title": body.title, "kind": body.kind, "seats": body.seats, "candidates": chosen, "turnout": spec_contest.get("turnout").cloned().unwrap_or(json!({"eligible": 0, "present": 0, "ballots_issued": 0})), "from": from});
        if let Some(m) = body.mode {
            c["mode"] = json!(m);
        }
        let style = Style { round: from_style.as_ref().map(|s| s.round.saturating_add(1)).unwrap_or(2), contests: vec![body.id.clone()], title: String::new(), unit: from_style.map(|s| s.unit).unwrap_or_default() };
        let a = l.create_contest(&from, c.clone(), style)?;
        Ok(json!({"entry": a.index, "contest": c}))
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

/// The printable 张榜公布 page of a published result (A4). Its QR code leads to the signed
/// result, which anyone can check against the log.
pub async fn board(
    state: Data,
    req: HttpRequest,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let index = path.into_inner();
    if !state.records.is_published(index)? {
        return Err(ApiError::NotFound);
    }
    let info = req.connection_info().clone();
    let verify_url = format!(
        "{}://{}/api/v1/public/results/{index}",
        info.scheme(),
        info.host()
    );
    let signed = block(move || signed_result(&l, index)).await?;
    let html = super::board::board_html(&signed, &verify_url, &|names: &mut Vec<String>| {
        crate::rules::hanzi::sort_by_strokes(names, |n| n.as_str())
    });
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// The election's public keys: the election key (tokens), the log key (checkpoints), the
/// tellers' keys, and how many teller signatures a result needs.
pub async fn public_keys(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let v = l.read(|s| -> Result<Value, ApiError> {
        let info = s.state.info()?;
        Ok(json!({"election": info.id, "election_key": crate::ledger::keys::election_key_text(&info.election_key),
                  "log_key": info.log_key.to_text(), "origin": crate::record::entry::origin(&info.id),
                  "tellers": info.tellers.iter().map(|t| t.to_text()).collect::<Vec<_>>(), "signatures_required": info.signatures_required}))
    })??;
    Ok(HttpResponse::Ok().json(v))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_behind_trusted_proxies() {
        let proxy = ip("127.0.0.1");
        let trusted = [proxy, ip("10.0.0.9")];
        // Not a trusted peer: the header is whatever the client wrote, and is ignored.
        assert_eq!(
            client_address(ip("192.0.2.7"), &["198.51.100.1"], &trusted),
            ip("192.0.2.7")
        );
        assert_eq!(client_address(proxy, &["198.51.100.1"], &[]), proxy);
        // Through nginx: the right-most untrusted hop; a forged left part is skipped.
        assert_eq!(
            client_address(proxy, &["203.0.113.5, 198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_address(proxy, &["198.51.100.1", "10.0.0.9"], &trusted),
            ip("198.51.100.1")
        );
        // Garbage after the last good hop, or no header: the last trusted hop.
        assert_eq!(
            client_address(proxy, &["198.51.100.1, nonsense"], &trusted),
            proxy
        );
        assert_eq!(client_address(proxy, &[], &trusted), proxy);
        assert_eq!(client_address(proxy, &["::1"], &trusted), ip("::1"));
    }
}
