//! The stateless tally: a spec and ballots in, a result out; nothing is stored.

use super::*;
use crate::record::{parse_ballots, parse_election, result_json};
use crate::rules::tally_election;
use crate::server::openapi::{codes, components};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(tally,);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "离线计票 / stateless tally")]
pub struct TallyRequest {
    /// 选举定义 / the election spec
    #[schema(value_type = components::ElectionSpec)]
    spec: serde_json::Value,
    // Ballots as JSON Lines text.
    /// 选票, JSON Lines 文本 (每行一个 Ballot) / the ballots as JSON Lines text (one Ballot a line)
    ballots: String,
}

/// Public tallies running now, from all clients (at most one per core).
static TALLIES_RUNNING: crate::server::auth::Slots = crate::server::auth::Slots::new();

#[utoipa::path(
    post,
    path = "/api/v1/tally",
    tag = "public",
    summary = "离线计票 / Tally a spec and ballots",
    description = "不读写日志: 按给出的选举定义与 JSON Lines 选票计票, 返回结果。\n\nTouches no \
                    log: counts the given spec and JSON Lines ballots and answers the result.",
    request_body = TallyRequest,
    responses(
        (status = 200, description = "成功 / OK", body = components::Result),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
        (status = 422, extensions(("x-error-codes" = json!([
                codes::SPEC,
                codes::BALLOT,
            ]
            .concat())))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn tally(
    state: Data,
    req: HttpRequest,
    body: web::Json<TallyRequest>,
) -> Result<HttpResponse, ApiError> {
    // Public and CPU-bound: limited per client (`tallies_per_minute`), and at most one per
    // core at once from all clients together (they share the blocking threads with casting).
    limited(state.limits.tally.check(&client(&req)), &state)?;
    let max = std::thread::available_parallelism().map_or(1, |n| n.get());
    let Some(slot) = TALLIES_RUNNING.take(max) else {
        return limited(Err(1), &state).and(Err(ApiError::RateLimited { retry_after: 1 }));
    };
    let mut body = body.into_inner();
    // A check of a spec without ballots (the organiser page's surplus check): contests may
    // leave turnout to the desk, as the service's own registration does.
    if body.ballots.trim().is_empty() {
        crate::record::election::with_desk_turnout(&mut body.spec);
    }
    let spec_bytes =
        serde_json::to_vec(&body.spec).map_err(|e| ApiError::Internal(e.to_string()))?;
    // Counting is CPU work: keep it off the async workers.
    let doc = web::block(move || -> Result<serde_json::Value, ApiError> {
        let _slot = slot;
        let election = parse_election(&spec_bytes).map_err(ApiError::Spec)?;
        let ballots =
            parse_ballots(&election, body.ballots.as_bytes()).map_err(ApiError::Ballot)?;
        let result = tally_election(&election, &ballots);
        Ok(result_json(&election, &result))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(HttpResponse::Ok().json(doc))
}
