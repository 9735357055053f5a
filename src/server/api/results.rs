//! Results: lists, details, signatures, publication, public results, receipts, checkpoints, keys, exports.

use super::*;
use crate::codes::Code;
use crate::server::openapi::{allowed, answers, components};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(
    results,
    result,
    sign_result,
    publish,
    public_results,
    public_result,
    receipt,
    checkpoints,
    checkpoint_text,
    export,
    healthz,
    metrics,
);

pub(crate) fn result_entry(l: &Ledger, index: u64) -> Result<ResultBody, ApiError> {
    l.read(|s| {
        s.state
            .results()
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, r)| r.clone())
    })?
    .ok_or_else(|| ApiError::Conflict {
        code: Code::UnknownResult,
        message: format!("第 {index} 条不是计票结果 / entry {index} is not a result"),
    })
}

/// The verified signature lines of a result with the name of the key that verified each.
pub(crate) fn signature_lines(l: &Ledger, index: u64) -> Result<Vec<(String, String)>, ApiError> {
    Ok(l.read(|s| {
        s.state
            .signatures()
            .iter()
            .filter(|(_, t, _)| t.result_index == index)
            .map(|(_, t, name)| (name.clone(), t.line.clone()))
            .collect()
    })?)
}

/// The signed result: the result document and the checkpoint right after it with the log's
/// signature and every teller's verified signature line; the corrections of its contests'
/// figures beside the desk's; the verified signers by name.
pub(crate) fn signed_result(l: &Ledger, index: u64) -> Result<Value, ApiError> {
    let r = result_entry(l, index)?;
    let note = l.checkpoint_at(index + 1)?.unwrap_or_default();
    let mut note = note.trim_end().to_string();
    let lines = signature_lines(l, index)?;
    for (_, line) in &lines {
        note.push('\n');
        note.push_str(line);
    }
    note.push('\n');
    let number = l.read(|s| {
        s.state
            .results()
            .iter()
            .position(|(i, _)| *i == index)
            .map(|n| n + 1)
    })?;
    let (corrections, desk, late_pools, secrecy, revotes, reductions, paper_entry, procedures) = l.read(|s| {
        let corrections: Vec<Value> = s
            .state
            .corrections()
            .iter()
            .filter(|(_, c)| r.contests.contains(&c.contest))
            .map(|(i, c)| json!({"entry": i, "contest": c.contest, "eligible": c.eligible, "present": c.present, "ballots_issued": c.ballots_issued, "reason": c.reason, "proposed_by": c.proposed_by, "approved_by": c.approved_by, "attested": c.attested}))
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
            .late_pools()
            .iter()
            .filter(|(_, p)| styles.contains(&p.style))
            .map(|(i, p)| json!({"entry": i, "style": p.style, "count": p.count, "reason": p.reason}))
            .collect();
        // How the ballots were kept secret: the key and who decrypted, or the logged reason.
        let secrecy = match (s.state.admin().book.as_deref(), s.state.info().ok().and_then(|i| i.secrecy.clone())) {
            (Some(book), _) => {
                let names = |ts: &[u32]| -> Vec<String> {
                    ts.iter()
                        .filter_map(|t| book.teller(*t).map(|v| v.name().to_string()))
                        .collect()
                };
                // Cast, checked (spoiled) and test-challenged ballots of these contests' styles.
                let cast: usize = styles.iter().map(|st| s.state.style_ballots().get(st).map_or(0, Vec::len)).sum();
                let ch = &s.state.challenges();
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
            .revotes()
            .iter()
            .filter(|(_, rv)| rv.contest.get("id").and_then(|v| v.as_str()).is_some_and(|id| r.contests.iter().any(|c| c == id)))
            .map(|(i, rv)| json!({"entry": i, "contest": rv.contest.get("id"), "source": rv.source, "reason": rv.reason}))
            .collect();
        let reductions: Vec<Value> = s
            .state
            .seat_reductions()
            .iter()
            .filter(|(_, sr)| r.contests.contains(&sr.contest))
            .map(|(i, sr)| json!({"entry": i, "contest": sr.contest, "reduced_by": sr.reduced_by, "seats": sr.seats, "basis": sr.basis, "attested": sr.attested}))
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
                            .procedure_steps()
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

#[utoipa::path(
    get,
    path = "/api/v1/results",
    tag = "results",
    summary = "计票结果列表 / List results",
    description = "所有结果, 附签名数与是否公布。\n\nEvery result with its signature count \
                    and whether it is published.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::ResultsOk)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Results>()))),
)]
pub async fn results(state: Data, _caller: As<Results>) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let list = block(move || {
        let (results, required) = core.ledger.read(|s| (s.state.results().clone(), s.state.info().map(|i| i.signatures_required).unwrap_or(0)))?;
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

#[utoipa::path(
    get,
    path = "/api/v1/results/{index}",
    tag = "results",
    summary = "签名的计票结果 / Signed result",
    description = "结果、其后的签名检查点与计票人签名, 以及计票人须签名的检查点正文 \
                    `checkpoint_text`。\n\nThe result, the signed checkpoint after it with the \
                    tellers' signatures, and `checkpoint_text`, the text tellers sign.",
    responses(
        (status = 200, description = "成功 / OK", body = components::SignedResult),
        (status = 404, extensions(("x-error-codes" = json!(["unknown_entry", "unknown_result"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Results>()))),
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "计票人签名 / teller signature")]
pub struct SignatureLine {
    /// 计票人对该结果检查点的 signed-note 签名行 (`— 名称 base64`) / the teller's signed-note signature line (`—
    /// name base64`) over the result's checkpoint
    line: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/results/{index}/signatures",
    tag = "teller",
    summary = "计票人签名 / Add a teller signature",
    description = "计票人用自己的密钥对 `checkpoint_text` 签名后提交签名行; 服务核验后写入日志。\
                    \n\nA teller signs `checkpoint_text` with their own key and sends the \
                    signature line; the service verifies it and appends it to the log.",
    request_body = SignatureLine,
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::Entry)),
        (status = 404, extensions(("x-error-codes" = json!(["unknown_result", "unknown_entry"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "key_not_yours"])))),
        (status = 422, extensions(("x-error-codes" = json!(["teller_signature"])))),
    ),
    extensions(("x-roles" = json!(allowed::<TellerRole>()))),
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/results/{index}/publish",
    tag = "results",
    summary = "公布结果 / Publish a result",
    description = "签名数足够后公布; 结果提出另行投票时, 同时建立另行投票的项目与样式。\n\nPublishes \
                    once enough tellers have signed; when the result proposes a runoff, the \
                    runoff contest and its ballot style are created too.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Published)),
        (status = 404, extensions(("x-error-codes" = json!(["unknown_result"])))),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "signatures_missing", "already_published"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
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

#[utoipa::path(
    get,
    path = "/api/v1/public/results",
    tag = "public",
    summary = "已公布的结果 / Published results",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::PublicResults)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn public_results(state: Data) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let list = block(move || {
        let results = core.ledger.read(|s| s.state.results().clone())?;
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

#[utoipa::path(
    get,
    path = "/api/v1/public/results/{index}",
    tag = "public",
    summary = "已公布的签名结果 / A published signed result",
    description = "未公布的结果返回 404。\n\nAn unpublished result answers 404.",
    responses(
        (status = 200, description = "成功 / OK", body = components::SignedResult),
        (status = 404, extensions(("x-error-codes" = json!(["not_found", "unknown_result"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn public_result(state: Data, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let index = path.into_inner();
    if !core.is_published(index)? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok().json(block(move || signed_result(&core.ledger, index)).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/receipts/{code}",
    tag = "public",
    summary = "核验回执 / Verify a receipt",
    description = "返回选票条目的哈希、Merkle 包含证明与签名检查点, 任何人可离线核验。按客户端地址限流。\
                    \n\nAnswers the ballot entry's hash, its Merkle inclusion proof and the \
                    signed checkpoint, for anyone to check offline. Rate-limited per client \
                    address.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::ReceiptOk)),
        (status = 404, extensions(("x-error-codes" = json!(["unknown_receipt"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 422, extensions(("x-error-codes" = json!(["bad_receipt", "not_yet_checkpointed"])))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn receipt(
    state: Data,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.receipt.check(&client(&req)), &state)?;
    let l = state.ledger()?;
    let code = path.into_inner();
    let out = block(move || {
        let (index, _) = crate::tokens::parse_receipt_code(&code).ok_or_else(|| invalid(Code::BadReceipt, "回执码格式不对, 应如 R42-5Q3ZK8M1T0C7W2H4 / a receipt code looks like R42-5Q3ZK8M1T0C7W2H4"))?;
        let unknown = || {
            ApiError::Conflict {
                code: Code::UnknownReceipt,
                message: "没有与此回执码相符的选票: 请逐个字符核对回执码 / no ballot matches this receipt code: check it character by character".into(),
            }
        };
        let (leaf, proof, size, note) = l.inclusion(index).map_err(|e| match e {
            // A ballot cast a moment ago, before the next signed checkpoint: say so.
            e @ crate::ledger::LedgerError::Refused { code: Code::NotYetCheckpointed, .. } => ApiError::from(e),
            _ => unknown(),
        })?;
        if crate::tokens::receipt_code(index, &leaf) != code.trim().to_ascii_uppercase() {
            return Err(unknown());
        }
        let hex = |h: &[u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let (kind, confirmation) = crate::server::challenges::receipt_extras(&l.entry(index)?);
        let mut out = json!({"receipt": code, "index": index, "hash": hex(&leaf), "tree_size": size, "proof": proof.iter().map(hex).collect::<Vec<_>>(), "checkpoint": note, "kind": kind});
        if let (Some(c), Some(o)) = (confirmation, out.as_object_mut()) {
            o.insert("confirmation".into(), json!(c));
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(
    get,
    path = "/api/v1/checkpoints",
    tag = "public",
    summary = "检查点列表 / Checkpoints",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::CheckpointsOk)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn checkpoints(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    // The sizes only, and the latest note from memory: not every signed note, on a public
    // endpoint anyone may call.
    let (sizes, latest) = block(move || Ok(l.checkpoint_sizes()?)).await?;
    let latest = latest.map(|(n, t)| json!({"size": n, "note": t}));
    Ok(HttpResponse::Ok().json(json!({"latest": latest, "sizes": sizes})))
}

#[utoipa::path(
    get,
    path = "/checkpoint",
    tag = "public",
    summary = "最新检查点 / Latest checkpoint",
    description = "signed-note 文本, 供见证者抓取。\n\nThe signed-note text, for witnesses \
                    to fetch.",
    responses(
        (status = 200, description = "最新的签名检查点 / the latest signed checkpoint", content_type = "text/plain", body = String),
        (status = 404, extensions(("x-error-codes" = json!(["not_found"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
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
pub(crate) const AUDIT: &[Role] = &[Role::Auditor, Role::Organiser, Role::Teller];

/// The log as a tar for `scrutineer verify`, streamed from the segments as it is sent (no
/// copy on any disk). It never holds an unpublished result (it ends before the first one).
/// While a contest is open it is for auditors only; checkpoints stay public. Limited per
/// client and in how many run at once.
#[utoipa::path(
    get,
    path = "/api/v1/export",
    tag = "public",
    summary = "导出日志 / Export the log",
    description = "日志分段、所有检查点、公钥、选举定义与结果, 打包为 tar, 边读边发 (不在磁盘上另存); \
                    不含任何秘密, 也不含未公布的结果 (在第一个未公布的结果前截止)。投票进行中只给审计、\
                    组织者和计票人; 检查点始终公开。每个客户端有频率限制, 同时进行的导出数有上限。\n\n\
                    The log segments, every checkpoint, the public keys, the registered spec \
                    and the results as a tar archive, streamed from the log (no copy on any \
                    disk); nothing secret and no unpublished result (it ends before the first \
                    one). While a contest is open it is for auditors, organisers and tellers \
                    only; checkpoints stay public. Limited per client and in how many run at \
                    once.",
    responses(
        (status = 200, description = "scrutineer-export.tar", content_type = "application/x-tar"),
        (status = 403, extensions(("x-error-codes" = json!(["forbidden"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn export(state: Data, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    export_limited(&state, &req)?;
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
    let place = export_place(&state, staff_session(&req).await)?;
    let size = match l.export_size(false) {
        Ok(s) => s,
        Err(e) => return Err(e.into()),
    };
    let stream = stream_export(&state, place, move |w| {
        l.export_tar(w, size).map_err(|e| e.to_string())
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"scrutineer-export.tar\"",
        ))
        .insert_header(("X-Scrutineer-Log-Size", size.to_string()))
        .streaming(stream))
}

/// Whether the request comes from an auditor's, organiser's or teller's session (an export's
/// own pool of places, [`export_place`]).
pub(crate) async fn staff_session(req: &HttpRequest) -> bool {
    Caller::from_request(req, &mut actix_web::dev::Payload::None)
        .await
        .is_ok_and(|c| c.require(AUDIT).is_ok())
}

/// The per-client rate limit of exports (the live one and an archived election's).
pub(crate) fn export_limited(state: &Data, req: &HttpRequest) -> Result<(), ApiError> {
    limited(state.limits.export.check(&client(req)), state)
}

/// Takes one of the `exports_concurrent_max` places of an export, or answers 429: the live
/// export and an archived election's both count against it. A request from an auditor's,
/// organiser's or teller's session takes a place among as many again of their own
/// ([`staff_session`]), so that slow public downloads cannot refuse the export a teller needs.
pub(crate) fn export_place(state: &Data, staff: bool) -> Result<RunningExport, ApiError> {
    let running = if staff {
        state.staff_exports_running.clone()
    } else {
        state.exports_running.clone()
    };
    let max = u64::from(state.config.exports_concurrent_max);
    if running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= max {
        running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        state
            .metrics
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::RateLimited { retry_after: 10 });
    }
    Ok(RunningExport(running))
}

/// The response body of an export: what `write` writes, on a thread of its own that holds
/// `place` until it ends, in 64 KiB chunks ([`ChannelWriter`], cut after
/// `response_stall_seconds` unread). An export that stops early ends the stream with an
/// error (the connection is aborted), never as a complete-looking archive, even when the
/// error itself could not be queued because the client had stopped reading.
pub(crate) fn stream_export(
    state: &Data,
    place: RunningExport,
    write: impl FnOnce(&mut ChannelWriter) -> Result<(), String> + Send + 'static,
) -> Result<impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> + 'static, ApiError>
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    let stall = std::time::Duration::from_secs(state.config.response_stall_seconds);
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failed_w = failed.clone();
    std::thread::Builder::new()
        .name("scrutineer-export".into())
        .spawn(move || {
            let _place = place;
            let mut w = ChannelWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(EXPORT_CHUNK_BYTES),
                stall,
            };
            let done = write(&mut w)
                .and_then(|()| std::io::Write::flush(&mut w).map_err(|e| e.to_string()));
            if let Err(e) = done {
                tracing::warn!(error = %e, "an export stopped early");
                failed_w.store(true, std::sync::atomic::Ordering::SeqCst);
                // Never waits: a client that stopped reading must not hold the thread.
                let _ = tx.try_send(Err(std::io::Error::other(e)));
            }
        })
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(futures_util::stream::unfold(
        (rx, failed),
        |(mut rx, failed)| async move {
            match rx.recv().await {
                Some(item) => Some((item, (rx, failed))),
                None if failed.swap(false, std::sync::atomic::Ordering::SeqCst) => Some((
                    Err(std::io::Error::other("the export stopped early")),
                    (rx, failed),
                )),
                None => None,
            }
        },
    ))
}

/// Bytes sent to the client per chunk of an export.
pub(crate) const EXPORT_CHUNK_BYTES: usize = 64 * 1024;

/// Counts a running export down when its thread ends, however it ends.
pub(crate) struct RunningExport(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Drop for RunningExport {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A `Write` that hands 64 KiB chunks to the response stream; a client that goes away makes
/// the next write fail, which ends the export thread. So does a client that leaves the
/// stream unread for `stall` (`response_stall_seconds`): otherwise it would hold one of the
/// `exports_concurrent_max` places, and a few stalled downloads would refuse every export.
pub(crate) struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>,
    buf: Vec<u8>,
    stall: std::time::Duration,
}

/// How long a writer whose stream is full first waits before it looks again for room; each
/// wait doubles, up to [`STALL_POLL_MAX`], so a fast client is served at once and a stalled
/// one costs a wake-up every 20 ms.
const STALL_POLL_MIN: std::time::Duration = std::time::Duration::from_micros(50);
const STALL_POLL_MAX: std::time::Duration = std::time::Duration::from_millis(20);

impl ChannelWriter {
    /// Hands `chunk` to the stream, waiting at most `stall` for the client to make room.
    fn send(&self, chunk: web::Bytes) -> std::io::Result<()> {
        use tokio::sync::mpsc::error::TrySendError;
        let started = std::time::Instant::now();
        let mut item = Ok(chunk);
        let mut wait = STALL_POLL_MIN;
        loop {
            match self.tx.try_send(item) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(_)) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the client left",
                    ))
                }
                Err(TrySendError::Full(back)) => {
                    if started.elapsed() >= self.stall {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            format!(
                                "the client read nothing for {} s (response_stall_seconds)",
                                self.stall.as_secs()
                            ),
                        ));
                    }
                    item = back;
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(STALL_POLL_MAX);
                }
            }
        }
    }
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
        self.send(web::Bytes::from(chunk))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    /// A client that stops reading: the writer gives up after the stall time, its export's
    /// place is freed, and what was sent before is intact.
    #[test]
    fn an_unread_export_is_cut_after_the_stall_time_and_frees_its_place() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let running = Arc::new(AtomicU64::new(1));
        let guard = RunningExport(running.clone());
        let stall = std::time::Duration::from_millis(300);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _guard = guard;
            let mut w = ChannelWriter {
                tx,
                buf: Vec::new(),
                stall,
            };
            let started = std::time::Instant::now();
            let mut sent = 0;
            let err = loop {
                match w.write_all(&[7u8; EXPORT_CHUNK_BYTES]) {
                    Ok(()) => sent += 1,
                    Err(e) => break e,
                }
            };
            let took = started.elapsed();
            drop(_guard);
            let _ = done.send((sent, err, took));
        });
        // A writer that waits for the client for ever fails here instead of hanging.
        let (sent, err, took) = finished
            .recv_timeout(stall * 20)
            .expect("the writer still waits for a client that reads nothing");
        // The channel held two chunks; the third waited for the stall time, then failed.
        assert_eq!(sent, 2);
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
        assert!(err.to_string().contains("response_stall_seconds"), "{err}");
        assert!(took >= stall, "{took:?}");
        assert_eq!(
            running.load(Ordering::SeqCst),
            0,
            "the export's place is freed"
        );
        for _ in 0..2 {
            let chunk = rx.try_recv().unwrap().unwrap();
            assert_eq!(chunk.len(), EXPORT_CHUNK_BYTES);
        }
    }

    /// A slow client that keeps reading is not cut: each chunk waits for room, and the wait
    /// starts again with every chunk.
    #[test]
    fn a_slow_reader_is_not_cut() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let stall = std::time::Duration::from_millis(500);
        let thread = std::thread::spawn(move || {
            let mut w = ChannelWriter {
                tx,
                buf: Vec::new(),
                stall,
            };
            for _ in 0..6 {
                w.write_all(&[1u8; EXPORT_CHUNK_BYTES])?;
            }
            w.flush()
        });
        let mut got = 0;
        while got < 6 {
            std::thread::sleep(std::time::Duration::from_millis(150));
            while let Ok(c) = rx.try_recv() {
                assert_eq!(c.unwrap().len(), EXPORT_CHUNK_BYTES);
                got += 1;
            }
        }
        thread.join().unwrap().unwrap();
    }

    /// A client that left: the next write fails at once.
    #[test]
    fn a_client_that_left_ends_the_export_at_once() {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        drop(rx);
        let mut w = ChannelWriter {
            tx,
            buf: Vec::new(),
            stall: std::time::Duration::from_secs(3600),
        };
        let err = w.write_all(&[0u8; EXPORT_CHUNK_BYTES]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    }
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "健康检查 / Health check",
    description = "日志的写入线程停止时 (服务仍可读取, 但不能再记录任何条目) 返回 503, status 为 stopped。\n\n\
                    503 with status `stopped` when the log's writer has stopped (the service \
                    still reads, but can record nothing more).",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Health)),
        (status = 503, description = "日志写入已停止 / the log's writer has stopped", body = inline(answers::Health)),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn healthz(state: Data) -> HttpResponse {
    let ledger = state.ledger().ok();
    let election = ledger.as_ref().and_then(|l| {
        l.read(|s| s.state.info().map(|i| i.id.clone()).ok())
            .ok()
            .flatten()
    });
    // A service whose sequencer has stopped reads but can no longer write (every cast would
    // answer `stopped`): said, with 503, so that a monitor sees it.
    let writing = ledger.as_ref().is_none_or(|l| l.sequencer_running());
    let mut answer = if writing {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    answer.json(json!({"status": if writing { "ok" } else { "stopped" }, "version": env!("CARGO_PKG_VERSION"), "election": election,
                     "timezone": state.config.timezone.0, "utc_offset_minutes": state.config.timezone.1}))
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "运行指标 / Metrics",
    description = "Prometheus 文本格式 0.0.4。\n\nPrometheus text format 0.0.4.",
    responses(
        (status = 200, description = "请求、投票、登录失败、限流与日志计数 / counters of requests, ballots, failed \
                 sign-ins, rate limits and the log", content_type = "text/plain", body = String),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn metrics(state: Data) -> HttpResponse {
    use std::sync::atomic::Ordering::Relaxed;
    let m = &state.metrics;
    let (size, ballots) = state
        .ledger()
        .ok()
        .and_then(|l| l.read(|s| (s.tree.size(), s.state.ballots())).ok())
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
        crate::server::auth::PASSWORD_CHECKS.load(Relaxed),
        m.connections_refused.load(Relaxed), m.bodies_timed_out.load(Relaxed)
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
