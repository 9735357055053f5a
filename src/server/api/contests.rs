//! Slip pools, and contests opened, closed, corrected and counted.

use super::*;
use crate::codes::Code;

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
        crate::present::slips::slip_sheet_html(&p.sheet, &p.tokens)
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
            Code::FiguresFromDesk,
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
        let logged = core.ledger.read(|s| s.state.corrections().clone())?;
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
    let number = l.read(|s| s.state.results().len())?;
    Ok(HttpResponse::Ok()
        .json(json!({"result_index": a.index, "number": number, "result": result})))
}
