//! The JSON API under `/api/v1`: one handler per endpoint, each checking its roles first.
//! The table of endpoints and roles is [`ENDPOINTS`]; `tests/http_roles.rs` walks it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{
    As, Caller, Desk, DeskView, KioskRole, Org, Registrar, Results, Role, Staff, TellerRole,
};
use super::error::ApiError;
use super::state::AppState;
use crate::ledger::{Ledger, LedgerError};
use crate::procedure;
use crate::record::entry::{ResultBody, Style};
use crate::rules::conduct::{Figures, Person, Phase};
use actix_web::FromRequest;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

pub(super) type Data = web::Data<AppState>;

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
const STAFF: &[Role] = &[
    Role::Organiser,
    Role::Registrar,
    Role::Teller,
    Role::Auditor,
];
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
        roles: Some(STAFF),
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
        path: "/api/v1/kiosks",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/kiosks/{}/unpair",
        roles: Some(ORG),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/sessions",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/sessions/{}/revoke",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/accounts/{}/disable",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/accounts/{}/enable",
        roles: Some(ORG),
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
        roles: Some(STAFF),
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
        path: "/api/v1/contests/{}/revote",
        roles: Some(ORG),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/contests/{}/reduce-seats",
        roles: Some(ORG),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/procedures",
        roles: None,
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/procedures/{}/steps",
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
        path: "/api/v1/kiosk/spoil",
        roles: Some(KIOSK),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/spoiled/{}",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/confirmations/{}",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/kiosk-tests",
        roles: Some(RESULTS),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/kiosk-tests",
        roles: Some(TELLER),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/teller/entries",
        roles: Some(TELLER),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/ceremony",
        roles: None,
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
        method: "POST",
        path: "/api/v1/contests/{}/corrections",
        roles: Some(STAFF),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/corrections",
        roles: Some(STAFF),
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/corrections/{}/approve",
        roles: Some(STAFF),
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
        path: "/api/v1/kinds",
        roles: None,
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/election/archive",
        roles: Some(ORG),
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/elections",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/elections/{}/export",
        roles: None,
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/elections/{}/results/{}",
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
        method: "GET",
        path: "/api/v1/contests/{}/paper-sheet",
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
        path: "/elections/{}/board/{}",
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

pub use crate::procedure::utc;

/// The client address rate limits count against: the peer, or, when the peer is a trusted
/// proxy, the address its `X-Forwarded-For` names (see [`client_address`]).
pub(super) fn client(req: &HttpRequest) -> String {
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

pub(super) async fn block<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

pub(super) fn limited(r: Result<(), u64>, state: &AppState) -> Result<(), ApiError> {
    r.map_err(|retry_after| {
        state
            .metrics
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ApiError::RateLimited { retry_after }
    })
}

pub(super) fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid {
        code,
        message: message.into(),
    }
}

pub(super) fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        code,
        message: message.into(),
    }
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
    /// `{"mode": "encrypted", "threshold": k}` (the default, with a majority of the tellers)
    /// or `{"mode": "plaintext", "reason": "..."}`.
    #[serde(default)]
    secrecy: Option<crate::record::entry::Secrecy>,
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
            return Err(conflict("election_exists", "本服务已有选举; 先归档它 (POST /api/v1/election/archive, 组织者页面的“选举列表”) 再新建 / this service already holds an election: archive it first (POST /api/v1/election/archive, the organiser page's election list)"));
        }
        if let Some(id) = body.spec.get("id").and_then(|v| v.as_str()) {
            super::elections::check_new_id(&st.config.data_dir, id)?;
        }
        let n_tellers = body.tellers.len();
        let ledger = procedure::create_election(
            super::state::ledger_config(&st.config),
            &st.records,
            procedure::NewElection {
                spec: body.spec,
                styles: body.styles,
                tellers: body.tellers,
                signatures_required: body.signatures_required,
                election_date: body.election_date,
                pool_spare_percent: u32::try_from(st.config.pool_spare_percent).unwrap_or(100),
                secrecy: body.secrecy.unwrap_or(crate::record::entry::Secrecy::Encrypted {
                    threshold: procedure::default_threshold(n_tellers),
                }),
            },
        )?;
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
        let conduct = s.state.conduct()?;
        let contests: Vec<Value> = info
            .election
            .contests
            .iter()
            .map(|c| {
                let phase = conduct.phase(&c.id).unwrap_or(Phase::Draft);
                let cc = conduct.contest(&c.id).ok();
                json!({"id": c.id, "title": c.title, "kind": c.kind.id(), "kind_label": c.kind.label_zh(), "seats": c.seats,
                       "candidates": c.candidates.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>(),
                       "state": phase.id(), "mode": info.mode(&c.id).id(), "parent": c.runoff_of.as_ref().map(|r| r.parent.clone()),
                       "seats_reduced_by": cc.map_or(0, |x| x.reduced_by), "superseded": cc.is_some_and(|x| x.superseded),
                       "reducible": c.kind.family() == crate::rules::kind::Family::Party && cc.is_some_and(|x| x.unfilled > 0),
                       "scale": c.evaluation.as_ref().map(|e| if e.score.is_some() { "score" } else { e.scale.id() }),
                       "subjects": c.evaluation.as_ref().map(|e| e.subjects.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>()),
                       "groups": c.evaluation.as_ref().map(|e| e.groups.iter().map(|g| json!({"id": g.id, "title": g.title})).collect::<Vec<_>>()),
                       "grades": c.evaluation.as_ref().filter(|e| e.score.is_none()).map(|e| e.scale.keys().iter().zip(e.scale.labels_zh()).map(|(k, l)| json!({"id": k, "label": l})).collect::<Vec<_>>()),
                       "score_max": c.evaluation.as_ref().and_then(|e| e.score.map(|r| r.max)),
                       "paper_entry": if cc.is_some_and(|x| x.double_entry) { "double" } else { "single" },
                       "paper_sheet": cc.map_or(1, |x| x.paper_ballots + 1),
                       "paper_keyed_by": cc.map(|x| x.keyings.keys().cloned().collect::<Vec<_>>()).unwrap_or_default(),
                       "paper_mismatch": conduct.paper_sheet(&c.id).is_ok_and(|(_, _, m)| m)})
            })
            .collect();
        let pools: Vec<Value> = (0..info.styles.len())
            .filter_map(|n| u16::try_from(n).ok())
            .map(|n| {
                let p = conduct.pool(n);
                json!({"style": n, "registered": p.registered, "spent": p.spent, "late": p.late,
                       "cap": conduct.pool_cap(n), "voided": p.voided})
            })
            .collect();
        Ok(json!({"id": info.id, "title": info.election.title, "contests": contests, "styles": info.styles,
                  "log_size": s.tree.size(), "ballots": s.state.ballots, "protocol": info.protocol,
                  "pools": pools, "roll_registered": conduct.roll().map(|r| r.values().sum::<u64>()),
                  "tellers": info.tellers.iter().map(|t| t.name().to_string()).collect::<Vec<_>>(),
                  "signatures_required": info.signatures_required,
                  "secrecy": secrecy_summary(s)}))
    })?
}

/// The election's secrecy for the pages: encrypted (threshold, the ceremony's progress and,
/// once set, the key's fingerprint) or plaintext with the logged reason.
fn secrecy_summary(s: &crate::ledger::Shared) -> Value {
    match (s.state.admin.book.as_deref(), s.state.conduct()) {
        (Some(book), Ok(conduct)) => {
            let c = conduct.ceremony();
            json!({"encrypted": true, "threshold": book.params().threshold, "tellers": book.params().tellers,
                   "fingerprint": book.key().map(|k| k.fingerprint()),
                   "ceremony": {"attempt": c.attempt, "round1": c.round1.len(), "shares": c.shares.len(), "checks": c.checks.len()}})
        }
        _ => match s.state.info().ok().and_then(|i| i.secrecy.clone()) {
            Some(crate::record::entry::Secrecy::Plaintext { reason }) => {
                json!({"encrypted": false, "reason": reason})
            }
            _ => json!({"encrypted": false}),
        },
    }
}

pub async fn election(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    Ok(HttpResponse::Ok().json(block(move || election_summary(&l)).await?))
}

// ---------------------------------------------------------------- desk

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
    // The query in the names' canonical form, so "选民　1" (an ideographic space) or a
    // decomposed letter finds the voter; a query hiding invisible characters is refused.
    let raw = query.into_inner().q;
    let q = if raw.trim().is_empty() {
        String::new()
    } else {
        crate::record::names::clean_name(&raw)
            .map_err(|e| ApiError::Invalid {
                code: e.code(),
                message: e.to_string(),
            })?
            .to_lowercase()
    };
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
    let core = state.core()?;
    let body = body.into_inner();
    let desk = caller.username.clone();
    let c = block(move || {
        Ok(core.check_in(
            &procedure::CheckInRequest {
                number: body.number,
                principals: body.principals,
                round: body.round,
            },
            &desk,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(
        json!({"name": c.name, "unit": c.unit, "style": c.style, "slips": c.slips, "at": c.at}),
    ))
}

pub async fn desk(state: Data, _caller: As<DeskView>) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let rows = block(move || Ok(core.desk_rows(None)?)).await?;
    let list: Vec<Value> = rows
        .into_iter()
        .map(|r| json!({"contest": r.contest, "state": r.phase.id(), "eligible": r.figures.eligible, "present": r.figures.present, "slips_issued": r.figures.issued, "quorum": r.quorum,
                        "ballots_received": r.received}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"contests": list, "roll_size": state.records.roll_size()?})))
}

// ---------------------------------------------------------------- pools and contests

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolRequest {
    style: u16,
    #[serde(default)]
    count: Option<usize>,
    /// Why tokens are printed after voting in the style started (required then).
    #[serde(default)]
    reason: Option<String>,
}

pub async fn pools(
    state: Data,
    _caller: As<Org>,
    body: web::Json<PoolRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let body = body.into_inner();
    let html = block(move || {
        let p = core.print_pool(body.style, body.count, body.reason)?;
        crate::tokens::pool::slip_sheet_html(&p.sheet, &p.tokens)
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
    let core = state.core()?;
    let id = path.into_inner();
    let a = block(move || Ok(core.open_contest(&id)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"entry": a.index})))
}

/// The close takes no figures: they come from the desk. Old clients that still send them get
/// a clear refusal instead of having them silently ignored.
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
    let core = state.core()?;
    let id = path.into_inner();
    let body = body.map(|b| b.into_inner()).unwrap_or_default();
    if body.eligible.is_some() || body.present.is_some() || body.ballots_issued.is_some() {
        return Err(invalid(
            "figures_from_desk",
            "结束投票时的应到、实到、发出数取自签到处, 不能手填; 如需更正, 请提交更正并由另一角色的人批准 (POST /api/v1/contests/{id}/corrections) / the figures at close come from the desk and cannot be typed; to correct them, propose a correction for a person of another role to approve",
        ));
    }
    let c = block(move || Ok(core.close_contest(&id)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"entry": c.entry, "eligible": c.figures.eligible, "present": c.figures.present, "ballots_issued": c.figures.issued, "voided_styles": c.voided_styles})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    eligible: u64,
    present: u64,
    ballots_issued: u64,
    reason: String,
}

/// Proposes a correction of a contest's figures; a person of another role must approve it.
pub async fn propose_correction(
    state: Data,
    caller: As<Staff>,
    path: web::Path<String>,
    body: web::Json<CorrectionRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let b = body.into_inner();
    let by = Person {
        name: caller.username.clone(),
        role: caller.role.id().to_string(),
    };
    let n = block(move || {
        Ok(core.propose_correction(
            &id,
            Figures {
                eligible: b.eligible,
                present: b.present,
                issued: b.ballots_issued,
            },
            &b.reason,
            &by,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"proposal": n, "note": "须由另一角色的人批准后才生效 / takes effect once a person of another role approves it"})))
}

pub async fn corrections(state: Data, _caller: As<Staff>) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let (pending, logged) = block(move || {
        let pending = core.records.proposals()?;
        let logged = core.ledger.read(|s| s.state.corrections.clone())?;
        Ok((pending, logged))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "pending": pending.iter().map(|p| json!({"id": p.id, "contest": p.contest, "eligible": p.eligible, "present": p.present, "ballots_issued": p.ballots_issued, "reason": p.reason, "proposed_by": p.proposed_by, "proposer_role": p.proposer_role, "at": p.at})).collect::<Vec<_>>(),
        "approved": logged.iter().map(|(i, c)| json!({"entry": i, "correction": c})).collect::<Vec<_>>(),
    })))
}

pub async fn approve_correction(
    state: Data,
    caller: As<Staff>,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let by = Person {
        name: caller.username.clone(),
        role: caller.role.id().to_string(),
    };
    let a = block(move || Ok(core.approve_correction(id, &by)?)).await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index})))
}

pub async fn tally_contest(
    state: Data,
    _caller: As<TellerRole>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let l = state.ledger()?;
    let (a, result) = block(move || Ok(core.tally(&[id])?)).await?;
    let number = l.read(|s| s.state.results.len())?;
    Ok(HttpResponse::Ok()
        .json(json!({"result_index": a.index, "number": number, "result": result})))
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
            // A slip used to test a kiosk never casts (docs/E2E.md §8.6).
            s.state.challenges.check_cast(token.serial(), &[]).map_err(LedgerError::from)?;
            s.state.style_open(style.round, token.style())?;
            let encrypted = s.state.admin.book.is_some();
            let contests: Vec<Value> = style.contests.iter().filter_map(|cid| info.election.contest_index(cid)).map(|ci| contest_json(info, &info.election.contests[ci], style, encrypted)).collect();
            // An encrypted election: what the kiosk encrypts with and binds each contest to.
            let e2e = match s.state.admin.book.as_deref() {
                Some(book) => {
                    let key = book.key().ok_or_else(|| ApiError::Ledger(LedgerError::from(crate::e2e::E2eError::NoKey)))?;
                    Some(json!({"protocol": "scrutineer.e2e/v1", "election_id": info.id,
                        "key": BASE64.encode(key.element().as_bytes()), "fingerprint": key.fingerprint(),
                        "token_serial": token.serial().iter().map(|b| format!("{b:02x}")).collect::<String>()}))
                }
                None => None,
            };
            Ok(json!({"style": token.style(), "round": style.round, "contests": contests, "e2e": e2e}))
        })?
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A contest as a kiosk shows it (and a check device names an opened ballot's choices):
/// candidates in 姓氏笔画 order with their index on the ballot, the encrypted shape and group.
pub(super) fn contest_json(
    info: &crate::ledger::ElectionInfo,
    c: &crate::rules::Contest,
    style: &crate::record::entry::Style,
    encrypted: bool,
) -> Value {
    let mut cands: Vec<&crate::rules::Candidate> = c.candidates.iter().collect();
    if c.kind != crate::rules::ContestKind::PartySecretary {
        crate::rules::hanzi::sort_by_strokes(&mut cands, |x| x.name.as_str());
    }
    json!({"id": c.id, "title": c.title, "kind": c.kind.id(), "kind_label": c.kind.label_zh(), "seats": c.seats,
           "max_marks": c.max_marks, "against_label": c.kind.against_label(),
           "write_ins": c.kind.write_ins() != crate::rules::kind::WriteIns::Refused,
           "candidates": cands.iter().map(|x| json!({"id": x.id, "name": x.name, "index": c.candidates.iter().position(|y| y.id == x.id)})).collect::<Vec<_>>(),
           "shape": if encrypted { crate::e2e::shape_of(c).ok().map(|sh| shape_json(&sh)) } else { None },
           "group": crate::e2e::kiosk::group_on(&info.election, &c.id, style),
           "scale": c.evaluation.as_ref().map(|e| match e.score {
               Some(_) => json!({"id": "score", "grades": [], "labels": []}),
               None => json!({"id": e.scale.id(), "grades": e.scale.keys(), "labels": e.scale.labels_zh()}),
           }),
           "score_max": c.evaluation.as_ref().and_then(|e| e.score.map(|r| r.max)),
           "subjects": c.evaluation.as_ref().map(|e| e.subjects.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>()),
           // What makes an evaluation ballot void that only the whole ballot shows:
           // an encrypting kiosk refuses it itself (the server never sees the grades).
           "uniform_void": c.evaluation.as_ref().map(|e| e.uniform_void),
           "excellent_limit": c.evaluation.as_ref().and_then(|e| e.excellent_limit())})
}

/// A contest's encrypted-ballot shape for the kiosk (docs/E2E.md §4.1; the field names
/// `web/js/e2e.js` reads).
fn shape_json(shape: &crate::crypto::ContestShape) -> Value {
    match shape {
        crate::crypto::ContestShape::Candidate(c) => {
            json!({"kind": "candidate", "candidates": c.candidates,
            "max_marks": c.max_marks, "against": c.against, "write_in_lines": c.write_in_lines,
            "write_in_needs_against": c.write_in_needs_against})
        }
        crate::crypto::ContestShape::Evaluation(e) => {
            json!({"kind": "evaluation", "subjects": e.subjects, "grade0_quota": e.grade0_quota})
        }
    }
}

/// One contest of an encrypted ballot as a kiosk sends it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedLineJson {
    contest: String,
    #[serde(default)]
    group: String,
    /// base64 of the `EncryptedContest` encoding.
    ballot: String,
}

/// A cast ballot: plaintext `ballots` (a plaintext election) or `encrypted` contests.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cast {
    token: String,
    #[serde(default)]
    ballots: Option<Vec<Value>>,
    #[serde(default)]
    encrypted: Option<Vec<EncryptedLineJson>>,
}

pub async fn cast(
    state: Data,
    _caller: As<KioskRole>,
    body: web::Json<Cast>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let body = body.into_inner();
    let st = state.clone();
    // Kiosks never submit a void ballot: over-marking is refused by the core, not counted void.
    let result = block(move || match (body.ballots, body.encrypted) {
        (Some(ballots), None) => Ok((core.cast(&body.token, &ballots)?, None)),
        (None, Some(lines)) => {
            let lines = lines
                .into_iter()
                .map(|l| {
                    Ok(crate::record::encrypted::EncryptedLine {
                        ballot: BASE64.decode(l.ballot.as_bytes()).map_err(|_| {
                            invalid("bad_encoding", "加密选票不是 base64 / the encrypted ballot is not base64")
                        })?,
                        contest: l.contest,
                        group: l.group,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(core.cast_encrypted(&body.token, lines)?)
        }
        _ => Err(invalid(
            "bad_request",
            "须提交 ballots (明文) 或 encrypted (加密) 之一 / send either ballots (plaintext) or encrypted",
        )),
    })
    .await;
    match result {
        Ok((a, confirmation)) => {
            st.metrics
                .ballots_cast
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let code = crate::tokens::receipt_code(a.index, &a.hash);
            let hash: String = a.hash.iter().map(|b| format!("{b:02x}")).collect();
            let mut answer = json!({"receipt": code, "index": a.index, "hash": hash, "checkpoint_size": a.size, "qr_svg": crate::tokens::receipt_qr_svg(&code)});
            if let (Some(c), Some(o)) = (confirmation, answer.as_object_mut()) {
                o.insert("confirmation".into(), json!(c));
            }
            Ok(HttpResponse::Created().json(answer))
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

/// The verified signature lines of a result with the name of the key that verified each.
fn signature_lines(l: &Ledger, index: u64) -> Result<Vec<(String, String)>, ApiError> {
    Ok(l.read(|s| {
        s.state
            .signatures
            .iter()
            .filter(|(_, t, _)| t.result_index == index)
            .map(|(_, t, name)| (name.clone(), t.line.clone()))
            .collect()
    })?)
}

/// The signed result: the result document and the checkpoint right after it with the log's
/// signature and every teller's verified signature line; the corrections of its contests'
/// figures beside the desk's; the verified signers by name.
pub(super) fn signed_result(l: &Ledger, index: u64) -> Result<Value, ApiError> {
    let r = result_entry(l, index)?;
    let note = l
        .checkpoints()?
        .into_iter()
        .find(|(n, _)| *n == index + 1)
        .map(|(_, t)| t)
        .unwrap_or_default();
    let mut note = note.trim_end().to_string();
    let lines = signature_lines(l, index)?;
    for (_, line) in &lines {
        note.push('\n');
        note.push_str(line);
    }
    note.push('\n');
    let number = l.read(|s| {
        s.state
            .results
            .iter()
            .position(|(i, _)| *i == index)
            .map(|n| n + 1)
    })?;
    let (corrections, desk, late_pools, secrecy, revotes, reductions, paper_entry, procedures) = l.read(|s| {
        let corrections: Vec<Value> = s
            .state
            .corrections
            .iter()
            .filter(|(_, c)| r.contests.contains(&c.contest))
            .map(|(i, c)| json!({"entry": i, "contest": c.contest, "eligible": c.eligible, "present": c.present, "ballots_issued": c.ballots_issued, "reason": c.reason, "proposed_by": c.proposed_by, "approved_by": c.approved_by}))
            .collect();
        let desk: Vec<Value> = s
            .state
            .conduct()
            .map(|conduct| {
                r.contests
                    .iter()
                    .filter_map(|c| {
                        let cc = conduct.contest(c).ok()?;
                        let f = cc.closed?;
                        Some(json!({"contest": c, "eligible": f.eligible, "present": f.present, "ballots_issued": f.issued}))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let styles: Vec<u16> = s
            .state
            .conduct()
            .map(|c| {
                r.contests
                    .iter()
                    .flat_map(|id| c.styles_of(id))
                    .collect()
            })
            .unwrap_or_default();
        let late_pools: Vec<Value> = s
            .state
            .late_pools
            .iter()
            .filter(|(_, p)| styles.contains(&p.style))
            .map(|(i, p)| json!({"entry": i, "style": p.style, "count": p.count, "reason": p.reason}))
            .collect();
        // How the ballots were kept secret: the key and who decrypted, or the logged reason.
        let secrecy = match (s.state.admin.book.as_deref(), s.state.info().ok().and_then(|i| i.secrecy.clone())) {
            (Some(book), _) => {
                let names = |ts: &[u32]| -> Vec<String> {
                    ts.iter()
                        .filter_map(|t| book.teller(*t).map(|v| v.name().to_string()))
                        .collect()
                };
                // Cast, checked (spoiled) and test-challenged ballots of these contests' styles.
                let cast: usize = styles.iter().map(|st| s.state.style_ballots.get(st).map_or(0, Vec::len)).sum();
                let ch = &s.state.challenges;
                let spoiled: Vec<u64> = ch.spoiled.iter().filter(|(_, sp)| styles.contains(&sp.style)).map(|(i, _)| *i).collect();
                let tests: Vec<&crate::record::spoiled::KioskTest> = ch.tests.values().filter(|t| spoiled.contains(&t.spoiled)).collect();
                let mismatches = tests.iter().filter(|t| t.outcome == crate::record::spoiled::TestOutcome::Mismatch).count();
                json!({"encrypted": true, "fingerprint": book.key().map(|k| k.fingerprint()),
                       "threshold": book.params().threshold, "tellers": book.params().tellers,
                       "cast": cast, "spoiled": spoiled.len(), "kiosk_tests": tests.len(), "kiosk_test_mismatches": mismatches,
                       "decrypted": r.decrypted.iter().map(|d| json!({"contest": d.contest, "group": d.group,
                           "ballots": d.ballots, "tellers": names(&d.tellers)})).collect::<Vec<_>>()})
            }
            (None, Some(crate::record::entry::Secrecy::Plaintext { reason })) => {
                json!({"encrypted": false, "reason": reason})
            }
            _ => Value::Null,
        };
        let revotes: Vec<Value> = s
            .state
            .revotes
            .iter()
            .filter(|(_, rv)| rv.contest.get("id").and_then(|v| v.as_str()).is_some_and(|id| r.contests.iter().any(|c| c == id)))
            .map(|(i, rv)| json!({"entry": i, "contest": rv.contest.get("id"), "source": rv.source, "reason": rv.reason}))
            .collect();
        let reductions: Vec<Value> = s
            .state
            .seat_reductions
            .iter()
            .filter(|(_, sr)| r.contests.contains(&sr.contest))
            .map(|(i, sr)| json!({"entry": i, "contest": sr.contest, "reduced_by": sr.reduced_by, "seats": sr.seats, "basis": sr.basis}))
            .collect();
        // Double-entry paper counting: how many sheets two tellers keyed alike, with how
        // many keyings, and how many sheets disagreed before they agreed.
        let paper_entry: Vec<Value> = s
            .state
            .conduct()
            .map(|conduct| {
                r.contests
                    .iter()
                    .filter_map(|c| {
                        let cc = conduct.contest(c).ok().filter(|cc| cc.double_entry)?;
                        Some(json!({"contest": c, "sheets": cc.paper_ballots, "keyings": cc.keyings_logged, "rekeyed_sheets": cc.rekeyed_sheets}))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The procedures these contests are rounds of: each round done so far, in order.
        let procedures: Vec<Value> = s
            .state
            .conduct()
            .map(|conduct| {
                let mut ds: Vec<&crate::rules::procedure::ProcedureDef> = Vec::new();
                for c in &r.contests {
                    if let Some(d) = conduct.procedure_of(c) {
                        if !ds.iter().any(|x| x.id == d.id) {
                            ds.push(d);
                        }
                    }
                }
                ds.into_iter()
                    .map(|d| {
                        let steps: Vec<Value> = s
                            .state
                            .procedure_steps
                            .iter()
                            .filter(|(at, p)| p.procedure == d.id && *at < index)
                            .filter_map(|(at, p)| {
                                let rd = d.rounds.iter().find(|x| x.id == p.round)?;
                                Some(json!({"entry": at, "round": p.round, "title": rd.title, "kind": rd.kind.id(),
                                            "ratio": rd.ratio.map(|x| x.to_string()), "posts": p.posts, "widened": p.widened,
                                            "basis": p.basis, "people": p.people.iter().map(|x| x.name.clone()).collect::<Vec<_>>()}))
                            })
                            .collect();
                        json!({"id": d.id, "title": d.title, "posts": d.posts, "steps": steps})
                    })
                    .collect()
            })
            .unwrap_or_default();
        (corrections, desk, late_pools, secrecy, revotes, reductions, paper_entry, procedures)
    })?;
    Ok(
        json!({"format": "scrutineer.signed-result/v1", "result_index": index, "number": number, "result": r.result, "checkpoint": note,
              "signers": lines.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
              "desk_figures": desk, "corrections": corrections, "late_pools": late_pools, "secrecy": secrecy,
              "revotes": revotes, "seat_reductions": reductions, "paper_entry": paper_entry,
              "procedures": procedures}),
    )
}

pub async fn results(state: Data, _caller: As<Results>) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let list = block(move || {
        let (results, required) = core.ledger.read(|s| (s.state.results.clone(), s.state.info().map(|i| i.signatures_required).unwrap_or(0)))?;
        let mut out = Vec::new();
        for (n, (i, r)) in results.into_iter().enumerate() {
            let sigs = signature_lines(&core.ledger, i)?;
            // `number`: the result's place in this election (结果 1, 2, ...); `index` its entry.
            out.push(json!({"index": i, "number": n + 1, "contests": r.contests, "signatures": sigs.len(), "signers": sigs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(), "required": required, "published": core.is_published(i)?}));
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
    caller: As<TellerRole>,
    path: web::Path<u64>,
    body: web::Json<SignatureLine>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let index = path.into_inner();
    let line = body.into_inner().line;
    let who = caller.0.username.clone();
    let a = block(move || Ok(core.sign_as(index, &line, &who)?)).await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index})))
}

pub async fn publish(
    state: Data,
    _caller: As<Org>,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let index = path.into_inner();
    let p = block(move || Ok(core.publish(index)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"published": index, "entry": p.entry, "runoffs": p.runoffs, "runoffs_blocked": p.blocked})))
}

pub async fn public_results(state: Data) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let list = block(move || {
        let results = core.ledger.read(|s| s.state.results.clone())?;
        let mut out = Vec::new();
        for (n, (i, r)) in results.into_iter().enumerate() {
            if core.is_published(i)? {
                out.push(json!({"index": i, "number": n + 1, "contests": r.contests, "url": format!("/api/v1/public/results/{i}"), "board": format!("/board/{i}")}));
            }
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"results": list})))
}

pub async fn public_result(state: Data, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let index = path.into_inner();
    if !core.is_published(index)? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok().json(block(move || signed_result(&core.ledger, index)).await?))
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
        let (kind, confirmation) = super::challenges::receipt_extras(&l.entry(index)?);
        let mut out = json!({"receipt": code, "index": index, "hash": hex(&leaf), "tree_size": size, "proof": proof.iter().map(hex).collect::<Vec<_>>(), "checkpoint": note, "kind": kind});
        if let (Some(c), Some(o)) = (confirmation, out.as_object_mut()) {
            o.insert("confirmation".into(), json!(c));
        }
        Ok(out)
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

/// Roles that may take the full export while a contest is open.
const AUDIT: &[Role] = &[Role::Auditor, Role::Organiser, Role::Teller];

/// The log as a tar for `scrutineer verify`, streamed from the segments as it is sent (no
/// copy on any disk). It never holds an unpublished result (it ends before the first one).
/// While a contest is open it is for auditors only; checkpoints stay public. Limited per
/// client and in how many run at once.
pub async fn export(state: Data, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    limited(state.limits.export.check(&client(&req)), &state)?;
    let l = state.ledger()?;
    let open = l.read(|s| {
        s.state
            .conduct()
            .map(|c| c.contests().any(|(_, x)| x.phase == Phase::Open))
            .unwrap_or(false)
    })?;
    if open {
        let caller = match Caller::from_request(&req, &mut actix_web::dev::Payload::None).await {
            Ok(c) => c,
            Err(_) => {
                return Err(ApiError::Forbidden {
                    role: "public",
                    allowed: "auditor, organiser, teller (投票进行中, 完整导出只给审计; 检查点仍公开 / while voting is open the full export is for auditors; checkpoints stay public)".into(),
                })
            }
        };
        caller.require(AUDIT)?;
    }
    let running = state.exports_running.clone();
    let max = u64::from(state.config.exports_concurrent_max);
    if running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= max {
        running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        state
            .metrics
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::RateLimited { retry_after: 10 });
    }
    let guard = RunningExport(running);
    let size = match l.export_size(false) {
        Ok(s) => s,
        Err(e) => return Err(e.into()),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    std::thread::Builder::new()
        .name("scrutineer-export".into())
        .spawn(move || {
            let _guard = guard;
            let mut w = ChannelWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(EXPORT_CHUNK_BYTES),
            };
            if let Err(e) = l.export_tar(&mut w, size) {
                tracing::warn!(error = %e, "an export stopped early");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        })
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"scrutineer-export.tar\"",
        ))
        .insert_header(("X-Scrutineer-Log-Size", size.to_string()))
        .streaming(stream))
}

/// Bytes sent to the client per chunk of an export.
const EXPORT_CHUNK_BYTES: usize = 64 * 1024;

/// Counts a running export down when its thread ends, however it ends.
struct RunningExport(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Drop for RunningExport {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A `Write` that hands 64 KiB chunks to the response stream; a client that goes away makes
/// the next write fail, which ends the export thread.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= EXPORT_CHUNK_BYTES {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(EXPORT_CHUNK_BYTES));
        self.tx
            .blocking_send(Ok(web::Bytes::from(chunk)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

pub async fn healthz(state: Data) -> HttpResponse {
    let election = state.ledger().ok().and_then(|l| {
        l.read(|s| s.state.info().map(|i| i.id.clone()).ok())
            .ok()
            .flatten()
    });
    HttpResponse::Ok()
        .json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "election": election,
                     "timezone": state.config.timezone.0, "utc_offset_minutes": state.config.timezone.1}))
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
# HELP scrutineer_password_checks_total Argon2 password verifications (sign-ins and password changes; an unknown name costs one too).\n# TYPE scrutineer_password_checks_total counter\nscrutineer_password_checks_total {}\n\
# HELP scrutineer_connections_refused_total Requests refused on connections over connections_per_client_max.\n# TYPE scrutineer_connections_refused_total counter\nscrutineer_connections_refused_total {}\n\
# HELP scrutineer_bodies_timed_out_total Request bodies cut by body_read_timeout_seconds.\n# TYPE scrutineer_bodies_timed_out_total counter\nscrutineer_bodies_timed_out_total {}\n\
# HELP scrutineer_log_entries Entries in the ballot log.\n# TYPE scrutineer_log_entries gauge\nscrutineer_log_entries {size}\n\
# HELP scrutineer_log_ballots Ballots in the ballot log.\n# TYPE scrutineer_log_ballots gauge\nscrutineer_log_ballots {ballots}\n",
        m.requests.load(Relaxed), m.ballots_cast.load(Relaxed), m.ballots_refused.load(Relaxed), m.logins_failed.load(Relaxed), m.rate_limited.load(Relaxed),
        super::auth::PASSWORD_CHECKS.load(Relaxed),
        m.connections_refused.load(Relaxed), m.bodies_timed_out.load(Relaxed)
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
    let core = state.core()?;
    let n = block(move || Ok(core.import_roll(&body)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"imported": n})))
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
    #[serde(default)]
    ballot: Option<Value>,
    /// The sheet being keyed (1, 2, ...); required in a double-entry contest.
    #[serde(default)]
    sheet: Option<u64>,
    /// Withdraw the caller's keying of `sheet` (double entry); no ballot then.
    #[serde(default)]
    withdraw: bool,
}

/// A teller keys in one paper ballot as it is read aloud (唱票). Well-formed ballots are
/// recorded even when void; the answer says whether and why, so the reader can call it out.
/// In a double-entry contest the keying is logged under the caller's account and the sheet
/// counts once another teller's keying agrees (201, `state: counted`); until then 200 with
/// `state: waiting`, or `mismatch` with the other keyings to compare against the paper.
pub async fn paper_ballot(
    state: Data,
    caller: As<TellerRole>,
    path: web::Path<String>,
    body: web::Json<PaperBallotRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let b = body.into_inner();
    let ballot = match (b.withdraw, b.ballot) {
        (false, Some(ballot)) => Some(ballot),
        (true, None) => None,
        (false, None) => {
            return Err(ApiError::Invalid {
                code: "ballot_missing",
                message: "请录入选票 (ballot) / the request needs a ballot".into(),
            })
        }
        (true, Some(_)) => {
            return Err(ApiError::Invalid {
                code: "withdraw_with_ballot",
                message: "撤回录入时不带选票 / a withdrawal carries no ballot".into(),
            })
        }
    };
    let teller = caller.username.clone();
    let o = block(move || Ok(core.paper_ballot(&id, ballot, b.sheet, &teller)?)).await?;
    let others: Vec<Value> = o
        .others
        .iter()
        .map(|(t, b)| json!({"teller": t, "ballot": b}))
        .collect();
    let body = json!({
        "state": o.state.id(),
        "sheet": o.sheet,
        "entry": o.counted.unwrap_or(o.entry),
        "keyed_entry": o.entry,
        "void": o.void.as_ref().map(|v| v.0.clone()),
        "message": o.void.map(|v| v.1),
        "others": others,
    });
    Ok(match o.state {
        crate::procedure::PaperState::Counted => HttpResponse::Created().json(body),
        _ => HttpResponse::Ok().json(body),
    })
}

/// GET /api/v1/procedures: every multi-round procedure, its rounds and where it stands.
pub async fn procedures(state: Data) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let v = block(move || Ok(core.procedures()?)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// POST /api/v1/procedures/{id}/steps: the organiser records the next round of a procedure
/// (the qualified list, the interview scores, the approved candidates, or a round's
/// published result); the next round's contest is created with the list it passes on.
pub async fn procedure_step(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
    body: web::Json<crate::procedure::StepRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let req = body.into_inner();
    let (appended, view) = block(move || Ok(core.procedure_step(&id, &req)?)).await?;
    Ok(HttpResponse::Created().json(json!({
        "entries": appended.iter().map(|a| a.index).collect::<Vec<_>>(),
        "procedures": view["procedures"],
    })))
}

/// GET /api/v1/contests/{id}/paper-sheet: the sheet being keyed, who keyed it and whether
/// the keyings disagree. What each teller keyed is shown only when they disagree and only
/// to a teller who has keyed the sheet, so a second teller keys from the paper.
pub async fn paper_sheet(
    state: Data,
    caller: As<TellerRole>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let me = caller.username.clone();
    let (sheet, keyings) = block(move || {
        let sheet = core.paper_sheet(&id)?;
        let keyings = if sheet.mismatch && sheet.keyed_by.contains(&me) {
            core.paper_keyings(&id)?
        } else {
            Vec::new()
        };
        Ok((sheet, keyings))
    })
    .await?;
    let keyings: Vec<Value> = keyings
        .into_iter()
        .map(|(t, b)| json!({"teller": t, "ballot": b}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "sheet": sheet.sheet,
        "double_entry": sheet.double_entry,
        "keyed_by": sheet.keyed_by,
        "mismatch": sheet.mismatch,
        "counted": sheet.counted,
        "rekeyed_sheets": sheet.rekeyed_sheets,
        "you": caller.username,
        "keyings": keyings,
    })))
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
/// candidates the shortlist (or the elected) of this contest's published result.
pub async fn next_round(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
    body: web::Json<NextRound>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let from = path.into_inner();
    let b = body.into_inner();
    let (a, c) = block(move || {
        Ok(core.next_round(
            &from,
            &procedure::NextRound {
                id: b.id,
                kind: b.kind,
                seats: b.seats,
                title: b.title,
                mode: b.mode,
            },
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index, "contest": c})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevoteRequest {
    reason: String,
}

/// POST /api/v1/contests/{id}/revote: a re-vote of a contest whose counted round was invalid.
pub async fn revote(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
    body: web::Json<RevoteRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let source = path.into_inner();
    let reason = body.into_inner().reason;
    let (a, c) = block(move || Ok(core.revote(&source, &reason)?)).await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index, "contest": c})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReduceSeatsRequest {
    basis: String,
}

/// POST /api/v1/contests/{id}/reduce-seats: the meeting's decision to reduce a party
/// contest's seats by those left unfilled, instead of a new round.
pub async fn reduce_seats(
    state: Data,
    _caller: As<Org>,
    path: web::Path<String>,
    body: web::Json<ReduceSeatsRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let contest = path.into_inner();
    let basis = body.into_inner().basis;
    let c = contest.clone();
    let a = block(move || Ok(core.reduce_seats(&c, &basis)?)).await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index, "contest": contest})))
}

/// The printable 张榜公布 page of a published result (A4). Its QR code leads to the signed
/// result, which anyone can check against the log, at the service's public address.
pub async fn board(
    state: Data,
    req: HttpRequest,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let index = path.into_inner();
    if !core.is_published(index)? {
        return Err(ApiError::NotFound);
    }
    // Never from the client's Host or X-Forwarded-Host: see `links`.
    let base = super::links::public_base(
        &state.config,
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
    );
    let verify_url = format!("{base}/api/v1/public/results/{index}");
    let signed = block(move || signed_result(&core.ledger, index)).await?;
    let html = super::board::board_html(&signed, &verify_url, &|names: &mut Vec<String>| {
        crate::rules::hanzi::sort_by_strokes(names, |n| n.as_str())
    });
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// The election's public keys: the election key (tokens), the log key (checkpoints), the
/// tellers' keys, and how many teller signatures a result needs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TellerEntry {
    kind: String,
    body: Value,
}

/// A teller's entry of an encrypted election (key ceremony, shuffle, decryption shares),
/// computed on the teller's own machine; checked and logged.
pub async fn teller_entry(
    state: Data,
    _caller: As<TellerRole>,
    body: web::Json<TellerEntry>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let body = body.into_inner();
    let a = block(move || Ok(core.teller_entry(&body.kind, &body.body)?)).await?;
    let hash: String = a.hash.iter().map(|b| format!("{b:02x}")).collect();
    Ok(HttpResponse::Created().json(json!({"index": a.index, "hash": hash, "size": a.size})))
}

/// Where an encrypted election stands: the tellers and the key ceremony, the election key,
/// and per contest the shuffles and decryption shares. Public: all of it is in the log.
pub async fn ceremony(state: Data) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let v = block(move || Ok(core.ceremony_status()?)).await?;
    Ok(HttpResponse::Ok().json(v))
}

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

/// GET /api/v1/kinds: every contest kind with its rules in one sentence each (差额, quorum,
/// threshold), for the organiser's election builder. From `rules::kind`, so the page says
/// what the rules engine enforces.
pub async fn kinds() -> HttpResponse {
    use crate::rules::kind::{Family, WriteIns};
    use crate::rules::ContestKind;
    let list: Vec<Value> = ContestKind::ALL
        .iter()
        .map(|k| {
            let (surplus_zh, surplus_en) = k.surplus().describe();
            let quorum = k.quorum().map(|q| {
                let more = q.comparison == crate::rules::kind::Comparison::MoreThan;
                json!({"num": q.num, "den": q.den, "more_than": more,
                       "zh": format!("到会人数须{}应到会人数的{}", if more { "超过" } else { "达到" }, crate::rules::kind::fraction_zh(q.num, q.den)),
                       "en": format!("those present must be {} {}/{} of those eligible", if more { "more than" } else { "at least" }, q.num, q.den),
                       "formula": format!("{}·P {} {}·E", q.den, if more { ">" } else { "≥" }, q.num)})
            });
            let threshold = k.threshold().map(|t| {
                let (zh, en) = t.describe();
                json!({"zh": zh, "en": en})
            });
            let family = match k.family() {
                Family::Party => "party",
                Family::Congress => "congress",
                Family::Villager => "villager",
                Family::Recommendation => "recommendation",
                Family::Evaluation => "evaluation",
            };
            json!({"id": k.id(), "label_zh": k.label_zh(), "label_en": k.label_en(), "family": family,
                   "surplus": {"zh": surplus_zh, "en": surplus_en},
                   "quorum": quorum, "threshold": threshold,
                   "write_ins": k.write_ins() != WriteIns::Refused,
                   "proxies": k.proxies() != crate::rules::kind::Proxies::Refused,
                   "candidates": k.is_candidate_contest(),
                   "against_label": k.against_label()})
        })
        .collect();
    HttpResponse::Ok().json(json!({"kinds": list}))
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
