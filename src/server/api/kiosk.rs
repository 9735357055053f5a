//! The kiosk: the ballot for a token, and casting.

use super::*;
use crate::codes::Code;
use crate::server::openapi::{allowed, answers, codes, components};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(kiosk_ballot, cast,);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "选票码 / a ballot token")]
pub struct TokenOnly {
    /// 选票码 / the ballot token
    token: String,
}

/// The ballot a token opens: the style's contests with candidates in 姓氏笔画 order (party
/// and congress lists) or in the approved order (secretary ballots).
#[utoipa::path(
    post,
    path = "/api/v1/kiosk/ballot",
    tag = "kiosk",
    summary = "按选票码取选票 / Ballot for a token",
    description = "核验选票码 (签名、未用、项目已开始) 并返回要显示的选票。按客户端地址限流。\
                    \n\nChecks the token (signature, unspent, contests open) and answers the \
                    ballot to show. Rate-limited per client address.",
    request_body = TokenOnly,
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::KioskBallot)),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "token_spent", "contest_not_open", "contest_closed"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!(codes::TOKEN)))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!(allowed::<KioskRole>()))),
)]
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
            let style = info.styles.get(token.style() as usize).ok_or_else(|| invalid(Code::UnknownStyle, "选票码的样式不存在 / the token's style does not exist"))?;
            token.verify(&info.election_key, &info.id, style.round, token.style()).map_err(|e| ApiError::Ledger(LedgerError::Token(e)))?;
            if s.state.spent().contains(token.serial()) {
                return Err(ApiError::Ledger(LedgerError::TokenSpent));
            }
            // A slip used to test a kiosk never casts (docs/E2E.md §8.6).
            s.state.challenges().check_cast(token.serial(), &[], &[]).map_err(LedgerError::from)?;
            s.state.style_open(style.round, token.style())?;
            let encrypted = s.state.admin().book.is_some();
            let contests: Vec<Value> = style.contests.iter().filter_map(|cid| info.election.contest_index(cid)).map(|ci| contest_json(info, &info.election.contests[ci], style, encrypted)).collect();
            // An encrypted election: what the kiosk encrypts with and binds each contest to.
            let e2e = match s.state.admin().book.as_deref() {
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
pub(crate) fn contest_json(
    info: &crate::ledger::ElectionInfo,
    c: &crate::rules::Contest,
    style: &crate::record::entry::Style,
    encrypted: bool,
) -> Value {
    let mut cands: Vec<&crate::rules::Candidate> = c.candidates().iter().collect();
    if c.kind() != crate::rules::ContestKind::PartySecretary {
        crate::rules::hanzi::sort_by_strokes(&mut cands, |x| x.name.as_str());
    }
    json!({"id": c.id(), "title": c.title(), "kind": c.kind().id(), "kind_label": c.kind().label_zh(), "seats": c.seats(),
           "max_marks": c.max_marks(), "against_label": c.kind().against_label(),
           "write_ins": c.write_ins() != crate::rules::kind::WriteIns::Refused,
           "candidates": cands.iter().map(|x| json!({"id": x.id, "name": x.name, "index": c.candidates().iter().position(|y| y.id == x.id)})).collect::<Vec<_>>(),
           "shape": if encrypted { crate::e2e::shape_of(c).ok().map(|sh| shape_json(&sh)) } else { None },
           "group": crate::e2e::kiosk::group_on(&info.election, c.id(), style),
           "scale": c.evaluation().as_ref().map(|e| match e.score {
               Some(_) => json!({"id": "score", "grades": [], "labels": []}),
               None => json!({"id": e.scale.id(), "grades": e.scale.keys(), "labels": e.scale.labels_zh()}),
           }),
           "score_max": c.evaluation().as_ref().and_then(|e| e.score.map(|r| r.max)),
           "subjects": c.evaluation().as_ref().map(|e| e.subjects.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>()),
           // What makes an evaluation ballot void that only the whole ballot shows:
           // an encrypting kiosk refuses it itself (the server never sees the grades).
           "uniform_void": c.evaluation().as_ref().map(|e| e.uniform_void),
           "excellent_limit": c.evaluation().as_ref().and_then(|e| e.excellent_limit())})
}

/// A contest's encrypted-ballot shape for the kiosk (docs/E2E.md §4.1; the field names
/// `web/js/e2e.js` reads).
pub(crate) fn shape_json(shape: &crate::crypto::ContestShape) -> Value {
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
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "加密选票的一个项目 / one contest of an encrypted ballot")]
pub struct EncryptedLineJson {
    /// 选举项目 / the contest id
    contest: String,
    /// 测评组 (按组计票的测评, 取自选票样式) / the evaluator group (from the style)
    #[serde(default)]
    group: String,
    // base64 of the `EncryptedContest` encoding.
    /// 加密选票 (base64, docs/E2E.md §7) / the encrypted contest, base64
    ballot: String,
}

/// A cast ballot: plaintext `ballots` (a plaintext election) or `encrypted` contests.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "投票 / a cast")]
pub struct Cast {
    /// 选票码 / the ballot token
    token: String,
    /// 明文选举: 样式中每个选举项目一张选票 / a plaintext election: one ballot per contest of the token's style
    #[serde(default)]
    #[schema(value_type = Option<Vec<components::Ballot>>)]
    ballots: Option<Vec<Value>>,
    /// 加密选举: 样式中每个选举项目一张加密选票, 在投票机上加密 (只能有 ballots 与 encrypted 之一) / an encrypted election: one
    /// encrypted contest per contest of the style, encrypted on the kiosk (exactly one of ballots
    /// and encrypted)
    #[serde(default)]
    encrypted: Option<Vec<EncryptedLineJson>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/ballots",
    tag = "kiosk",
    summary = "投票 / Cast a ballot",
    description = "用选票码投出样式中各项目的选票, 返回回执码。投票机不会提交废票: 多选等无效选票被拒绝 \
                    (422, 代码为废票原因)。\n\nCasts the ballots of the token's style and \
                    answers a receipt. Kiosks never submit void ballots: an over-marked or \
                    otherwise void ballot is refused (422 with the void reason as code).",
    request_body = Cast,
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::CastOk)),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "token_spent", "contest_not_open", "contest_closed",
                "tokens_voided", "pool_exhausted"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!([
                codes::TOKEN,
                codes::BALLOT,
                &[
                    "ballot_style_mismatch", "over_marked", "write_in_without_against",
                    "duplicate_write_in", "write_in_is_candidate", "uniform_grades",
                    "excellent_over_quota"
                ][..],
            ]
            .concat())))),
    ),
    extensions(("x-roles" = json!(allowed::<KioskRole>()))),
)]
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
                            invalid(Code::BadEncoding, "加密选票不是 base64 / the encrypted ballot is not base64")
                        })?,
                        contest: l.contest,
                        group: l.group,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(core.cast_encrypted(&body.token, lines)?)
        }
        _ => Err(invalid(
            Code::BadRequest,
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
            let mut answer = json!({"receipt": code, "index": a.index, "hash": hash, "checkpoint_size": a.size, "qr_svg": crate::present::slips::receipt_qr_svg(&code)});
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
