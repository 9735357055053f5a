//! Slip pools, and contests opened, closed, corrected and counted.

use super::*;
use crate::codes::Code;
use crate::server::openapi::{allowed, answers};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(
    pools,
    open_contest,
    close_contest,
    propose_correction,
    corrections,
    approve_correction,
    tally_contest,
);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "生成选票码 / token pool request")]
pub struct PoolRequest {
    /// 选票样式序号 (`GET /api/v1/election` 的 `styles` 下标) / ballot style index (into `styles` of `GET
    /// /api/v1/election`)
    style: u16,
    /// 选票码张数; 缺省: 该样式余下的上限 (名单人数加备用比例) / number of tokens; default: what is left of the style's cap
    /// (its voters on the roll plus the spare percentage)
    #[serde(default)]
    count: Option<usize>,
    // Why tokens are printed after voting in the style started (required then).
    /// 投票开始后补印时必填, 记入日志并公示 / required once voting in the style started; logged and posted
    #[serde(default)]
    reason: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/pools",
    tag = "election",
    summary = "生成选票码 / Generate ballot tokens",
    description = "为一个样式生成并登记一批选票码, 返回可打印的选票码页 (HTML)。日志只记数量与承诺, \
                    不记谁拿到哪张。\n\nGenerates and registers a pool of tokens for one style \
                    and answers the printable slip sheet (HTML). The log keeps the count and \
                    a commitment, never who gets which token.",
    request_body = PoolRequest,
    responses(
        (status = 201, description = "可打印的选票码页 / printable slip sheet", content_type = "text/html", body = String),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "unknown_style", "pool_too_many", "sheet_too_many",
                "sheet_wrong_round", "sheet_mixed_tokens", "sheet_qr", "sheet_qr_version"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn pools(
    state: Data,
    _caller: As<Org>,
    body: web::Json<PoolRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let body = body.into_inner();
    let html = block(move || {
        // The sheet is rendered before the tokens are registered: a sheet that cannot be
        // made registers nothing.
        let mut html = String::new();
        core.print_pool_staged(body.style, body.count, body.reason, &mut |sheet, tokens| {
            html = crate::present::slips::slip_sheet_html(sheet, tokens).map_err(|e| {
                crate::procedure::CoreError::Invalid {
                    code: e.code(),
                    message: e.to_string(),
                }
            })?;
            Ok(())
        })?;
        Ok::<_, ApiError>(html)
    })
    .await?;
    Ok(HttpResponse::Created()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/open",
    tag = "election",
    summary = "开始投票 / Open a contest",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Entry)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "contest_already_open", "contest_closed"])))),
        (status = 422, extensions(("x-error-codes" = json!(["unknown_contest"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
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
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "结束投票: 不带人数 (取自签到处) / close: no figures (they come from the desk)"
)]
pub struct CloseRequest {
    /// 不再接受: 人数取自签到处, 给出即拒绝 (`figures_from_desk`) / no longer accepted: the figures come from the
    /// desk; giving one is refused (`figures_from_desk`)
    #[serde(default)]
    eligible: Option<u64>,
    /// 不再接受 (同上) / no longer accepted (as above)
    #[serde(default)]
    present: Option<u64>,
    /// 不再接受 (同上) / no longer accepted (as above)
    #[serde(default)]
    ballots_issued: Option<u64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/close",
    tag = "teller",
    summary = "结束投票 / Close a contest",
    description = "把签到处的人数 (应到、实到、发出) 按样式原样记入日志, 结束投票, 并作废样式已全部\
                    结束的未用选票码, 一次写入, 要么全部要么全不。人数不能手填; 更正须由另一角色的人\
                    批准。\n\nLogs the desk's figures (eligible, present, issued) per style as \
                    they are, closes the contest and voids the unspent tokens of every style \
                    whose contests are all closed, in one append, all or nothing. The figures \
                    cannot be typed; a correction needs a person of another role to approve it.",
    request_body = Option<CloseRequest>,
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Closed)),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "contest_not_open", "contest_closed", "close_figures_mismatch",
                "void_mismatch", "group_incomplete"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "unknown_contest", "figures_from_desk", "desk_eligible_mismatch",
                "present_exceeds_eligible"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<TellerRole>()))),
)]
pub async fn close_contest(
    state: Data,
    caller: As<TellerRole>,
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
    let by = caller.0.username.clone();
    let c = block(move || Ok(core.close_contest_by(&id, &by)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"entry": c.entry, "eligible": c.figures.eligible, "present": c.figures.present, "ballots_issued": c.figures.issued, "voided_styles": c.voided_styles})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "人数更正 (需另一角色批准) / a correction of the figures (a person of another role \
         approves it)"
)]
pub struct CorrectionRequest {
    /// 更正后的应到人数 E / corrected eligible E
    eligible: u64,
    /// 更正后的实到人数 P / corrected present P
    present: u64,
    /// 更正后的发出选票数 I / corrected ballots issued I
    ballots_issued: u64,
    /// 原因, 记入日志并公示 / the reason, logged and posted
    reason: String,
    /// 计票人签名 (协议 8 起必需, 提出或批准时给出; 协议 9 起无计票人密钥的选举不用) / a registered
    /// teller's signature (required from protocol 8, given with the proposal or the approval; from
    /// protocol 9 not in an election without teller keys; docs/LOG_FORMAT.md, "Protocol 8")
    #[serde(default)]
    #[schema(value_type = Option<Attested>)]
    attested: Option<crate::record::attest::Attested>,
}

/// 计票人签名 / a registered teller's signature of a correction or a seat reduction
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Attested {
    /// 计票人序号 ℓ (登记顺序, 从 1 起) / the teller's index ℓ among the registered tellers (from 1)
    teller: u32,
    /// Ed25519 签名的 base64 / base64 of the Ed25519 signature
    signature: String,
}

/// 批准人数更正 (可附计票人签名) / the approval of a correction (with a teller's signature)
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// 计票人签名 (提议没有时) / a registered teller's signature, when the proposal has none
    #[serde(default)]
    #[schema(value_type = Option<Attested>)]
    attested: Option<crate::record::attest::Attested>,
}

/// Proposes a correction of a contest's figures; a person of another role must approve it.
#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/corrections",
    tag = "teller",
    summary = "提出人数更正 / Propose a correction of the figures",
    description = "提出更正 (例如并入纸质选票发放处的数字), 须写明原因; 由另一角色的另一人批准后才\
                    记入日志, 与签到处的数字并列, 并显示在结果、张榜与核验中。\n\nProposes a \
                    correction (for example a paper desk's figures merged in) with a reason; \
                    it is logged only once a second person of another role approves it, \
                    beside the desk's figures, and shows in the result, on the board and in \
                    `verify`.",
    request_body = CorrectionRequest,
    responses(
        (status = 201, description = "已创建 / Created", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "correction_out_of_order"])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "unknown_contest", "correction_reason_missing", "present_exceeds_eligible",
                "attestation_invalid"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Correctors>()))),
)]
pub async fn propose_correction(
    state: Data,
    caller: As<Correctors>,
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
            b.attested,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"proposal": n, "note": "须由另一角色的人批准后才生效 / takes effect once a person of another role approves it"})))
}

#[utoipa::path(
    get,
    path = "/api/v1/corrections",
    tag = "teller",
    summary = "人数更正 / Corrections",
    description = "待批准的更正提议与已记入日志的更正。\n\nProposed corrections waiting for \
                    approval and the corrections logged.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Staff>()))),
)]
pub async fn corrections(state: Data, _caller: As<Staff>) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let (pending, logged) = block(move || {
        let pending = core.records.proposals()?;
        let logged = core.ledger.read(|s| s.state.corrections().clone())?;
        Ok((pending, logged))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "pending": pending.iter().map(|p| json!({"id": p.id, "contest": p.contest, "eligible": p.eligible, "present": p.present, "ballots_issued": p.ballots_issued, "reason": p.reason, "proposed_by": p.proposed_by, "proposer_role": p.proposer_role, "at": p.at, "attested": p.attested})).collect::<Vec<_>>(),
        "approved": logged.iter().map(|(i, c)| json!({"entry": i, "correction": c})).collect::<Vec<_>>(),
    })))
}

#[utoipa::path(
    post,
    path = "/api/v1/corrections/{param}/approve",
    tag = "teller",
    summary = "批准人数更正 / Approve a correction",
    description = "由与提出人不同角色的另一人批准; 批准后写入日志, 记下两人的姓名与角色。\n\n\
                    Approved by a second person of a role other than the proposer's; then \
                    logged with both names and roles. 协议 8 起须有一名登记计票人的签名 (随提议或批准给出; \
                    协议 9 起无计票人密钥的选举不用)。\n\n\
                    From protocol 8 a registered teller's signature goes with it, given with the \
                    proposal or with this approval (from protocol 9 not in an election without \
                    teller keys; docs/LOG_FORMAT.md, \"Protocol 8\").",
    request_body(content = Option<ApproveRequest>, description = "可省略 / may be empty"),
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::Entry)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "correction_out_of_order", "correction_logged"])))),
        (status = 422, extensions(("x-error-codes" = json!(["unknown_proposal", "correction_needs_two", "unattested", "attestation_invalid"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Correctors>()))),
)]
pub async fn approve_correction(
    state: Data,
    caller: As<Correctors>,
    path: web::Path<u64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let by = Person {
        name: caller.username.clone(),
        role: caller.role.id().to_string(),
    };
    let attested = ApiError::optional_json::<ApproveRequest>(&body)?.and_then(|b| b.attested);
    let a = block(move || Ok(core.approve_correction(id, &by, attested)?)).await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index})))
}

#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/tally",
    tag = "teller",
    summary = "计票 / Tally a contest",
    description = "对已结束的项目计票, 把结果写入日志。\n\nCounts a closed contest and \
                    appends the result to the log.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Tallied)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "contest_not_closed"])))),
        (status = 422, extensions(("x-error-codes" = json!(["unknown_contest"])))),
    ),
    extensions(("x-roles" = json!(allowed::<TellerRole>()))),
)]
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
