//! The desk: check-ins and the live turnout.

use super::*;

#[derive(Deserialize)]
pub struct RollQuery {
    #[serde(default)]
    q: String,
}

/// Most roll rows one search returns.
pub(crate) const SEARCH_ROWS_MAX: usize = 50;

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

pub(crate) fn round_one() -> u8 {
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
