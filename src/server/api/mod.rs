//! The JSON API under `/api/v1`: one handler per endpoint, each checking its roles first.
//! Each area module lists its handlers with `openapi::area!`, which routes them and documents
//! them; [`endpoints`] reads the document back for the role-matrix test.

use crate::codes::Code;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{
    As, Caller, Correctors, Desk, DeskView, KioskRole, Org, OrgTeller, Registrar, Results, Role,
    Staff, TellerRole,
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

pub(super) mod contests;
pub(super) mod desk;
pub(super) mod election;
pub(super) mod kiosk;
pub(super) mod results;
pub(super) mod roll;
pub(super) mod rounds;
pub(super) mod tally;
#[cfg(test)]
mod tests;

// Every area has its `configure` and `paths` (from `openapi::area!`), reached by module path;
// the globs share the areas' helpers.
#[allow(ambiguous_glob_reexports)]
pub use contests::*;
#[allow(ambiguous_glob_reexports)]
pub use desk::*;
#[allow(ambiguous_glob_reexports)]
pub use election::*;
#[allow(ambiguous_glob_reexports)]
pub use kiosk::*;
#[allow(ambiguous_glob_reexports)]
pub use results::*;
#[allow(ambiguous_glob_reexports)]
pub use roll::*;
#[allow(ambiguous_glob_reexports)]
pub use rounds::*;
#[allow(ambiguous_glob_reexports)]
pub use tally::*;

pub(super) type Data = web::Data<AppState>;

/// One operation of the API document: method, path (parameters as `{}`), roles allowed
/// (`None` = public). The role-matrix test (`tests/service_roles.rs`) walks [`endpoints`].
pub struct Endpoint {
    pub method: &'static str,
    pub path: String,
    pub roles: Option<Vec<Role>>,
}

/// Every operation of the API document, from the handlers' `#[utoipa::path]`, with the roles
/// its `x-roles` names.
pub fn endpoints() -> Vec<Endpoint> {
    let doc = super::openapi::document();
    super::openapi::operations(&doc)
        .into_iter()
        .map(|(key, method, op)| {
            let path = key
                .split('/')
                .map(|s| if s.starts_with('{') { "{}" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let roles: Vec<Role> = super::openapi::operation_roles(op)
                .iter()
                .filter_map(|id| Role::from_id(id))
                .collect();
            Endpoint {
                method,
                path,
                roles: (!roles.is_empty()).then_some(roles),
            }
        })
        .collect()
}

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
