//! The JSON API under `/api/v1`: one handler per endpoint, each checking its roles first.
//! The table of endpoints and roles is [`ENDPOINTS`]; `tests/http_roles.rs` walks it.

use crate::codes::Code;
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

mod contests;
mod desk;
mod election;
mod kiosk;
mod results;
mod roll;
mod rounds;
#[cfg(test)]
mod tests;

pub use contests::*;
pub use desk::*;
pub use election::*;
pub use kiosk::*;
pub use results::*;
pub use roll::*;
pub use rounds::*;

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

pub(super) fn invalid(code: Code, message: impl Into<String>) -> ApiError {
    ApiError::Invalid {
        code,
        message: message.into(),
    }
}

pub(super) fn conflict(code: Code, message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        code,
        message: message.into(),
    }
}
