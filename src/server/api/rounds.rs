//! Paper ballots (double entry included), next rounds, re-votes, seat reductions, procedures.

use super::*;
use crate::codes::Code;

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
                code: Code::BallotMissing,
                message: "请录入选票 (ballot) / the request needs a ballot".into(),
            })
        }
        (true, Some(_)) => {
            return Err(ApiError::Invalid {
                code: Code::WithdrawWithBallot,
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
    let sheet = block(move || Ok(core.paper_sheet(&id, &me)?)).await?;
    let keyings: Vec<Value> = sheet
        .keyings
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
    let base = crate::server::links::public_base(
        &state.config,
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
    );
    let verify_url = format!("{base}/api/v1/public/results/{index}");
    let signed = block(move || signed_result(&core.ledger, index)).await?;
    let html =
        crate::present::board::board_html(&signed, &verify_url, &|names: &mut Vec<String>| {
            crate::rules::hanzi::sort_by_strokes(names, |n| n.as_str())
        })
        .map_err(|e| invalid(e.code(), e.to_string()))?;
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
