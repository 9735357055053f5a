//! Paper ballots (double entry included), next rounds, re-votes, seat reductions, procedures.

use super::*;
use crate::codes::Code;
use crate::server::openapi::{allowed, answers, components};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(
    paper_ballot,
    procedures,
    procedure_step,
    paper_sheet,
    next_round,
    revote,
    reduce_seats,
    board,
    teller_entry with teller_json,
    ceremony,
    public_keys,
    kinds,
);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "纸质选票录入 / a paper ballot")]
pub struct PaperBallotRequest {
    /// 唱票时录入的一张纸质选票 (撤回时不带) / one paper ballot as it is read aloud (absent in a withdrawal)
    #[serde(default)]
    #[schema(value_type = Option<components::Ballot>)]
    ballot: Option<Value>,
    // The sheet being keyed (1, 2, ...); required in a double-entry contest.
    /// 正在录入的第几张 (双人录入项目必填) / the sheet being keyed (required in a double-entry contest)
    #[serde(default)]
    #[schema(minimum = 1)]
    sheet: Option<u64>,
    // Withdraw the caller's keying of `sheet` (double entry); no ballot then.
    /// 撤回本人对该张的录入 (双人录入) / withdraw the caller's keying of the sheet (double entry)
    #[serde(default)]
    withdraw: bool,
    // Protocol 9: the ballot line's JSON text as the teller keyed and signed it, in place of
    // `ballot` (docs/LOG_FORMAT.md, "Protocol 9").
    /// 协议 9: 计票人录入并签署的选票 JSON 原文, 代替 ballot (撤回时不带) / protocol 9: the ballot line's JSON text as the teller keyed and signed it, in place of ballot (absent in a withdrawal)
    #[serde(default)]
    keyed: Option<String>,
    // Protocol 9: the registered teller's signature of the keying.
    /// 协议 9: 登记的计票人对这次录入 (或撤回) 的签名 / protocol 9: the registered teller's signature of the keying (or the withdrawal)
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    attested: Option<crate::record::attest::Attested>,
}

/// A teller keys in one paper ballot as it is read aloud (唱票). Well-formed ballots are
/// recorded even when void; the answer says whether and why, so the reader can call it out.
/// In a double-entry contest the keying is logged under the caller's account and the sheet
/// counts once another teller's keying agrees (201, `state: counted`); until then 200 with
/// `state: waiting`, or `mismatch` with the other keyings to compare against the paper.
#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/paper-ballots",
    tag = "teller",
    summary = "录入纸质选票 (唱票) / Enter a paper ballot",
    description = "仅限 paper 或 hybrid 项目; 格式正确的选票即使是废票也记录, 回答说明是否作废及原因。\
                    双人录入的项目 (paper_entry: double): 每名计票人以本人账号录入同一张 (sheet), \
                    两人一致时计入 (201, state: counted); 否则 200, state 为 waiting (等待另一人) 或 \
                    mismatch (不一致, 附其他人的录入, 核对原票后重录)。\n\n\
                    Only for paper or hybrid contests; a well-formed ballot is recorded even when \
                    void, and the answer says whether and why it is void. In a double-entry contest \
                    (paper_entry: double) each teller keys the same sheet under their own account; \
                    it counts when two agree (201, state: counted); otherwise 200 with state \
                    waiting, or mismatch with the other keyings to check against the paper.\n\n\
                    协议 9 (2026-12-05 起登记、有计票人密钥的选举): 每次录入与撤回须由登记的计票人密钥签署 \
                    (attested), 选票以签署的 JSON 原文 keyed 给出; 同一张的两次一致录入须来自两把\
                    不同的计票人密钥。Protocol 9 (elections registered from 2026-12-05 with teller keys): every \
                    keying and withdrawal is signed by a registered teller's key (attested), the \
                    ballot given as the JSON text signed (keyed); the two agreeing keyings of a \
                    sheet come from two different teller keys (docs/LOG_FORMAT.md, Protocol 9).",
    request_body = PaperBallotRequest,
    responses(
        (status = 201, description = "已创建 / Created", body = Object),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "contest_not_open", "contest_closed", "paper_sheet",
                "paper_nothing_to_withdraw", "paper_past_issued", "paper_key_twice"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "not_a_paper_contest", "unknown_candidate", "ballot_style_mismatch",
                "paper_sheet_missing", "not_double_entry", "ballot_missing",
                "withdraw_with_ballot", "ballot_json", "unattested", "attestation_invalid"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<TellerRole>()))),
)]
pub async fn paper_ballot(
    state: Data,
    caller: As<TellerRole>,
    path: web::Path<String>,
    body: web::Json<PaperBallotRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let id = path.into_inner();
    let b = body.into_inner();
    let keyed = b.keyed.is_some();
    let ballot = match (b.withdraw, b.ballot) {
        (false, Some(ballot)) => Some(ballot),
        (true, None) if !keyed => None,
        (false, None) if keyed => None,
        (true, None) => {
            return Err(ApiError::Invalid {
                code: Code::WithdrawWithBallot,
                message: "撤回录入时不带选票 / a withdrawal carries no ballot".into(),
            })
        }
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
    let by = crate::record::attest::KeyedBy {
        keyed: b.keyed,
        attested: b.attested,
    };
    let o = block(move || Ok(core.paper_ballot(&id, ballot, b.sheet, &teller, by)?)).await?;
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
#[utoipa::path(
    get,
    path = "/api/v1/procedures",
    tag = "election",
    summary = "多轮程序及其进度 / Multi-round procedures and where they stand",
    description = "每个程序的各轮 (资格审查、面试、民主测评、民主推荐、批准、直接选举)、已完成轮次的名单与依据、\
                    当前轮次和进入它的名单。\n\nEach procedure's rounds, the lists and bases of the \
                    rounds done, the current round and the list going into it.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn procedures(state: Data) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let v = block(move || Ok(core.procedures()?)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// POST /api/v1/procedures/{id}/steps: the organiser records the next round of a procedure
/// (the qualified list, the interview scores, the approved candidates, or a round's
/// published result); the next round's contest is created with the list it passes on.
#[utoipa::path(
    post,
    path = "/api/v1/procedures/{param}/steps",
    tag = "election",
    summary = "记录程序的下一轮 / Record a procedure's next round",
    description = "资格审查: people (合格名单); 面试: scores (每人得分); 批准: approved (正式候选人 id); \
                    测评、推荐、选举轮: 取该轮选举项目已公布的结果。比例按规则检查; 下一轮是选举项目时, \
                    以本轮名单创建它。\n\nQualification: people (who passed); interview: scores; \
                    approval: approved ids; a round held as a contest takes its published result. \
                    Ratios are checked by the rules; when the next round is a contest, it is created \
                    with this round's list.",
    request_body = components::ProcedureStepRequest,
    responses(
        (status = 201, description = "已创建 / Created", body = Object),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "procedure_order", "procedure_complete",
                "procedure_result_missing", "procedure_round_invalid",
                "procedure_round_not_made", "rounds_exhausted"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "procedure_input", "procedure_basis", "procedure_too_few",
                "procedure_ratio", "unknown_procedure"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/contests/{id}/paper-sheet",
    tag = "teller",
    summary = "双人录入: 正在录入的一张 / Double entry: the sheet being keyed",
    description = "正在录入第几张、谁已录入、是否不一致; 各人录入的内容只在不一致时、且只给已录入该张的计票人看。\n\n\
                    The sheet being keyed, who has keyed it and whether the keyings differ; what \
                    each teller keyed is shown only when they differ, and only to a teller who \
                    keyed the sheet.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 422, extensions(("x-error-codes" = json!(["unknown_contest"])))),
    ),
    extensions(("x-roles" = json!(allowed::<TellerRole>()))),
)]
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
        "keyings_logged": sheet.keyings_logged,
        "paper_signed": sheet.paper_signed,
        "you": caller.username,
        "keyings": keyings,
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "多轮程序的下一轮 / the next round of a procedure")]
pub struct NextRound {
    /// 新选举项目的 id / the new contest's id
    id: String,
    /// 新选举项目的类型 / the new contest's kind
    kind: String,
    /// 应选名额 / seats
    #[schema(minimum = 1)]
    seats: u32,
    /// 标题 / title
    #[serde(default)]
    title: String,
    #[serde(default)]
    #[schema(schema_with = components::next_round_mode)]
    mode: Option<String>,
}

/// Multi-round procedures (RULES.md section 4): the next round's contest takes as its
/// candidates the shortlist (or the elected) of this contest's published result.
#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/next-round",
    tag = "election",
    summary = "多轮程序: 由公布的结果产生下一轮 / Next round from a published result",
    description = "下一轮的候选人取自本项目已公布结果的入围 (或当选) 名单, 新项目须符合其类型的差额规定。\n\n\
                    The next round's candidates are the shortlist (or the elected) of this \
                    contest's published result; the new contest must pass its kind's surplus rule.",
    request_body = NextRound,
    responses(
        (status = 201, description = "已创建 / Created", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "not_published", "next_round_of_procedure", "round_contest_reserved", "contest_id_reserved", "rounds_exhausted"])))),
        (status = 422, extensions(("x-error-codes" = json!(["surplus_rule_broken", "unknown_kind"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "重新投票的原因 / why the round is re-run")]
pub struct RevoteRequest {
    /// 原因 (1 至 500 字), 记入日志并在公示页显示 / the reason (1 to 500 characters), logged and shown on the
    /// board
    reason: String,
}

/// POST /api/v1/contests/{id}/revote: a re-vote of a contest whose counted round was invalid.
#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/revote",
    tag = "election",
    summary = "重新投票 (无效轮次) / Re-vote an invalid round",
    description = "计票结果为本轮无效 (未达法定人数、收回票数多于发出票数等) 时, 以同一名单、同一名额另起一轮, \
                    记录原因; 新一轮有自己的选票样式 (协议 9 起每个投过该项目的选举单位一个) 和选票码。\n\nWhen the count declared the round \
                    invalid (quorum not met, more ballots returned than issued, ...), the same list \
                    and seats as a new round with its own styles (from protocol 9 one per unit \
                    that voted the contest) and slips; the reason is logged.",
    request_body = RevoteRequest,
    responses(
        (status = 201, description = "已创建 / Created", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "round_not_invalid", "revote_exists", "rounds_exhausted"])))),
        (status = 422, extensions(("x-error-codes" = json!(["revote_reason", "unknown_contest"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "减少名额的决定 / the decision to reduce the seats")]
pub struct ReduceSeatsRequest {
    /// 大会减少名额的决定 (1 至 500 字), 记入日志并在公示页显示 / the meeting's decision (1 to 500 characters), logged
    /// and shown on the board
    basis: String,
    /// 计票人签名 (协议 8 起必需; 协议 9 起无计票人密钥的选举不用) / a registered teller's signature
    /// of the decision (required from protocol 8; from protocol 9 not in an election without
    /// teller keys; docs/LOG_FORMAT.md, "Protocol 8")
    #[serde(default)]
    #[schema(value_type = Option<super::contests::Attested>)]
    attested: Option<crate::record::attest::Attested>,
}

/// POST /api/v1/contests/{id}/reduce-seats: the meeting's decision to reduce a party
/// contest's seats by those left unfilled, instead of a new round.
#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/reduce-seats",
    tag = "election",
    summary = "减少名额 (不再选举) / Reduce the seats instead of a new round",
    description = "党内选举当选人数少于应选名额而接近应选名额时, 大会可以决定减少名额, 不再选举: 记录该决定及其依据, \
                    减少的名额等于已公布结果中未选足的名额; 之后不能再另行选举。\n\nA party contest whose \
                    published result left seats unfilled: the meeting's decision to reduce the seats by \
                    exactly those, with no new round, logged with its basis; no runoff may follow.",
    request_body = ReduceSeatsRequest,
    responses(
        (status = 201, description = "已创建 / Created", body = Object),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "no_unfilled_seats", "shortfall_decided", "not_published",
                "reduction_invalid_round", "reduction_tie", "reduction_all_seats"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "reduction_basis", "seats_not_reducible", "unknown_contest", "unattested",
                "attestation_invalid"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<OrgTeller>()))),
)]
pub async fn reduce_seats(
    state: Data,
    caller: As<OrgTeller>,
    path: web::Path<String>,
    body: web::Json<ReduceSeatsRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    // A teller records a reduction from protocol 8, signing it; before, only an organiser
    // did (an election begun under an older protocol keeps its rules).
    let protocol = state
        .ledger()?
        .read(|s| s.state.info().map(|i| i.protocol))??;
    if caller.role.id() == "teller" && protocol < 8 {
        return Err(ApiError::Forbidden {
            role: "teller",
            allowed: format!("organiser (协议 {protocol} / protocol {protocol})"),
        });
    }
    let contest = path.into_inner();
    let b = body.into_inner();
    let c = contest.clone();
    let a = block(move || Ok(core.reduce_seats(&c, &b.basis, b.attested)?)).await?;
    Ok(HttpResponse::Created().json(json!({"entry": a.index, "contest": contest})))
}

/// The printable 张榜公布 page of a published result (A4). Its QR code leads to the signed
/// result, which anyone can check against the log, at the service's public address.
#[utoipa::path(
    get,
    path = "/board/{param}",
    tag = "public",
    summary = "张榜公布页 (A4) / Printable results board",
    description = "已公布结果的可打印页面, 附检查点、计票人签名和核验二维码。\n\nThe printable page \
                    of a published result with its checkpoint, tellers' signatures and a QR code.",
    responses(
        (status = 200, description = "HTML 页面 / an HTML page", content_type = "text/html", body = String),
        (status = 404, extensions(("x-error-codes" = json!(["not_found"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 422, extensions(("x-error-codes" = json!(["result_invalid", "result_format"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn board(
    state: Data,
    req: HttpRequest,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let index = path.into_inner();
    if !core.is_published(index)? {
        // A browser (or the printer behind one) gets a page it can show, with the way back;
        // a script gets the JSON error as everywhere.
        let wants_html = req
            .headers()
            .get(actix_web::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        if wants_html {
            return Ok(HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .body(format!(
                    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>没有这份公告 / No such board</title>\
                     <link rel=\"stylesheet\" href=\"/assets/css/app.css\"></head><body><main><div class=\"card\">\
                     <h1>没有第 {index} 条结果的公告 / No board for result {index}</h1>\
                     <p>这条结果不存在, 或尚未公布。/ That result does not exist, or is not published yet.</p>\
                     <p><a href=\"/\">返回首页, 查看已公布的结果 / Back to the start page and the published results</a></p>\
                     </div></main></body></html>"
                )));
        }
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
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "计票人条目 / a teller's entry")]
pub struct TellerEntry {
    #[schema(schema_with = components::teller_entry_kind)]
    kind: String,
    /// 条目正文, 由 scrutineer teller run 在计票人自己的电脑上算出 / the entry body, computed by scrutineer teller
    /// run on the teller's own machine
    #[schema(value_type = Object)]
    body: Value,
}

/// The teller entries' JSON limits: a keyed sheet may be larger than other bodies.
fn teller_json(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(crate::procedure::TELLER_BODY_MAX.max(limit))
        .error_handler(|err, _req| ApiError::from_json_error(&err).into())
}

/// A teller's entry of an encrypted election (key ceremony, shuffle, decryption shares),
/// computed on the teller's own machine; checked and logged.
#[utoipa::path(
    post,
    path = "/api/v1/teller/entries",
    tag = "teller",
    summary = "提交计票人条目 / Submit a teller's entry",
    description = "加密选举的密钥仪式 (三轮, 或由一位计票人写明原因作废本次尝试)、写入姓名混洗与解密份额。\
                    由计票人在自己的电脑上用 scrutineer teller run 核验导出后算出; 服务核对签名与证明\
                    后记入日志。最后一位计票人无申诉地核对份额后, 服务随即记入选举密钥。\n\nThe key \
                    ceremony (three rounds, or a teller's restart of the attempt with its reason), \
                    shuffles of write-in names and decryption shares of an encrypted \
                    election, computed by scrutineer teller run on the teller's own machine \
                    from a verified export; the service checks signatures and proofs and logs \
                    them. After the last clean check the service logs the election key. \
                    Bodies up to 24 MiB.",
    request_body = TellerEntry,
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::Entry)),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "ceremony_attempt", "ceremony_repeated", "ceremony_waiting",
                "election_key_set", "contest_not_closed", "already_tallied", "shuffles_missing",
                "shuffle_repeated", "shuffle_after_shares", "shares_repeated", "not_encrypted",
                "names_not_due"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "teller_kind", "teller_body", "teller_signature", "teller_index",
                "proof_invalid", "e2e_refused", "shares_part", "ceremony_restart_reason"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<TellerRole>()))),
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/ceremony",
    tag = "public",
    summary = "密钥仪式与解密进度 / Key ceremony and decryption",
    description = "加密选举: 计票人与门限、密钥仪式各轮进度、选举密钥及其指纹、各项目的混洗与解密份额。\
                    全部来自公开日志。\n\nAn encrypted election: the tellers and threshold, each \
                    round of the key ceremony, the election key and its fingerprint, per \
                    contest the shuffles and decryption shares. All of it is in the public log.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn ceremony(state: Data) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let v = block(move || Ok(core.ceremony_status()?)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(
    get,
    path = "/api/v1/keys",
    tag = "public",
    summary = "公钥 / Public keys",
    description = "选举公钥、日志公钥、计票人公钥与所需签名数。\n\nThe election key, the log key, \
                    the tellers' keys and the signatures a result needs.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/kinds",
    tag = "public",
    summary = "选举项目类型及其规则 / Contest kinds and their rules",
    description = "每种类型的差额、法定人数和当选票数规则, 各一句话 (取自规则引擎)。\n\nEach kind's \
                    surplus, quorum and threshold rules in one sentence each, from the rules engine.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
    ),
    extensions(("x-roles" = json!([]))),
)]
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
                   "against_label": k.against_label(),
                   // The law fixes its quorum, threshold and list range: no local override
                   // of the first two, the list only within the statutory range.
                   "fixed_by_law": k.rules_fixed_by_law()})
        })
        .collect();
    HttpResponse::Ok().json(json!({"kinds": list}))
}
