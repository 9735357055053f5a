//! Cast-or-check over HTTP (docs/E2E.md §8.6): the kiosk spoils a ballot the voter chose to
//! check, anyone fetches a spoiled ballot to open it on their own device, anyone finds a
//! ballot by its confirmation code, and 监票人 record their test challenges of kiosks.

use crate::codes::Code;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::{block, client, contest_json, invalid, limited, Data};
use super::auth::{As, KioskRole, Results, TellerRole};
use super::error::ApiError;
use crate::ledger::LedgerError;
use crate::procedure::rfc3339;
use crate::record::encrypted::EncryptedLine;
use crate::record::entry::EntryKind;
use crate::record::spoiled::{
    code_bytes, code_of, confirmation_code, parse_code, Confirmable, SpoiledBallotBody,
    SpoiledLine, TestOutcome,
};
use crate::server::openapi::{allowed, answers, codes, components};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(kiosk_spoil, spoiled, confirmation, record_test, tests,);

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One contest of a ballot the voter checks: the encrypted contest and its opening.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "作废查验的一个项目 / one contest of a spoiled ballot")]
pub struct SpoilLineJson {
    /// 选举项目 / the contest id
    contest: String,
    /// 测评组 / the evaluator group
    #[serde(default)]
    group: String,
    // base64 of the `EncryptedContest` encoding.
    /// 加密选票 (base64, docs/E2E.md §7) / the encrypted contest, base64
    ballot: String,
    // base64 of the opening (docs/E2E.md §8.4).
    /// 随机数 (base64, docs/E2E.md §8.4) / the opening, base64
    opening: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "核验 (Benaloh 挑战): 带随机数的加密选票 / a check (Benaloh challenge): the encrypted \
         ballot with its openings"
)]
pub struct Spoil {
    /// 选票码 (不会用掉) / the ballot token (not used up)
    token: String,
    /// 样式中每个选举项目一张加密选票及其随机数 / one encrypted contest per contest of the style, with its opening
    encrypted: Vec<SpoilLineJson>,
}

fn b64(text: &str, what: &str) -> Result<Vec<u8>, ApiError> {
    BASE64.decode(text.as_bytes()).map_err(|_| {
        invalid(
            Code::BadEncoding,
            format!("{what}不是 base64 / the {what} is not base64"),
        )
    })
}

/// The code a ballot's contests make with its token (`None` when the token does not parse:
/// the core refuses it with the reason).
fn code_for(token: &str, lines: &[EncryptedLine]) -> Option<String> {
    let t = crate::record::token::Token::parse(token).ok()?;
    Some(confirmation_code(&Confirmable {
        round: t.round(),
        style: t.style(),
        serial: t.serial(),
        lines,
    }))
}

/// POST /api/v1/kiosk/spoil: the voter chose 核验 (check) on the kiosk.
#[utoipa::path(
    post,
    path = "/api/v1/kiosk/spoil",
    tag = "kiosk",
    summary = "核验本机加密 (作废选票) / Check the kiosk's encryption (spoil the ballot)",
    description = "选民选择“核验”: 加密选票连同随机数记入日志, 永不计入; 选票码不会用掉, 选民用它重新投票。\
                    返回回执码、确认码和核验页链接 (及其二维码)。\n\nThe voter chose to check: the \
                    encrypted ballot is logged with its openings and never counted; the slip is \
                    not used up and the voter votes again with it. Answers the receipt code, the \
                    confirmation code and the check page's link (and its QR code).",
    request_body = Spoil,
    responses(
        (status = 201, description = "已创建 / Created", body = Object),
        (status = 409, extensions(("x-error-codes" = json!([
                "no_election", "ballot_already_cast", "ballot_spoiled", "spoils_exhausted",
                "token_tested", "contest_not_open", "contest_closed", "not_encrypted"
            ])))),
        (status = 422, extensions(("x-error-codes" = json!([
                codes::TOKEN,
                &["opening_mismatch", "bad_encoding"][..],
            ]
            .concat())))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!(allowed::<KioskRole>()))),
)]
pub async fn kiosk_spoil(
    state: Data,
    caller: As<KioskRole>,
    req: HttpRequest,
    body: web::Json<Spoil>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.token_check.check(&client(&req)), &state)?;
    let core = state.core()?;
    let body = body.into_inner();
    let mut lines = Vec::with_capacity(body.encrypted.len());
    for l in body.encrypted {
        lines.push(SpoiledLine {
            line: EncryptedLine {
                ballot: b64(&l.ballot, "加密选票 encrypted ballot")?,
                contest: l.contest,
                group: l.group,
            },
            opening: b64(&l.opening, "随机数 opening")?,
        });
    }
    let encrypted: Vec<EncryptedLine> = lines.iter().map(|l| l.line.clone()).collect();
    let confirmation = code_for(&body.token, &encrypted);
    let kiosk = caller.0.username.clone();
    let token = body.token;
    let a = block(move || Ok(core.spoil(&token, lines, &kiosk)?)).await?;
    let receipt = crate::tokens::receipt_code(a.index, &a.hash);
    let base = super::links::kiosk_base(
        &state.config,
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
    );
    let check_url = format!("{base}/verify?receipt={receipt}");
    Ok(HttpResponse::Created().json(json!({
        "index": a.index,
        "receipt": receipt,
        "hash": hex(&a.hash),
        "confirmation": confirmation,
        "check_url": check_url,
        "qr_svg": crate::present::slips::receipt_qr_svg(&check_url),
    })))
}

/// GET /api/v1/spoiled/{index}: a spoiled ballot with everything a check device needs to open
/// it by itself: the stored entry (whose hash the receipt's inclusion proof covers), the
/// election key, and the contests' shapes and names.
#[utoipa::path(
    get,
    path = "/api/v1/spoiled/{index}",
    tag = "public",
    summary = "核验作废的选票 / A spoiled ballot",
    description = "返回日志条目原文、选举公钥、各项目的形状与名单, 供任何设备自行打开并显示选择。\
                    \n\nAnswers the stored entry, the election key and each contest's shape and \
                    names, for any device to open it and show the choices itself.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 404, extensions(("x-error-codes" = json!(["not_found"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn spoiled(
    state: Data,
    req: HttpRequest,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.receipt.check(&client(&req)), &state)?;
    let l = state.ledger()?;
    let index = path.into_inner();
    let out = block(move || {
        let e = l.entry(index).map_err(|_| ApiError::NotFound)?;
        if e.kind != EntryKind::SpoiledBallot {
            return Err(ApiError::NotFound);
        }
        let b = SpoiledBallotBody::decode(&e.body).map_err(|err| {
            ApiError::Ledger(LedgerError::Damaged {
                path: format!("entry {index}"),
                detail: err.to_string(),
            })
        })?;
        let hash = e.hash();
        l.read(|s| -> Result<Value, ApiError> {
            let info = s.state.info()?;
            let book = s.state.admin().book()?;
            let key = book
                .key()
                .ok_or_else(|| LedgerError::from(crate::e2e::E2eError::NoKey))?;
            let style = info
                .styles
                .get(usize::from(b.style))
                .ok_or(ApiError::NotFound)?;
            let lines: Vec<Value> = b
                .lines
                .iter()
                .map(|x| {
                    let mut v = info
                        .election
                        .contest_index(&x.line.contest)
                        .map(|ci| contest_json(info, &info.election.contests[ci], style, true))
                        .unwrap_or_else(|| json!({"id": x.line.contest}));
                    if let Some(o) = v.as_object_mut() {
                        o.insert("contest".into(), json!(x.line.contest));
                        o.insert("group".into(), json!(x.line.group));
                        o.insert("ballot".into(), json!(BASE64.encode(&x.line.ballot)));
                        o.insert("opening".into(), json!(BASE64.encode(&x.opening)));
                    }
                    v
                })
                .collect();
            let test = s
                .state
                .challenges()
                .spoiled
                .get(&index)
                .and_then(|sp| sp.test)
                .and_then(|t| s.state.challenges().tests.get(&t).map(|x| (t, x)))
                .map(|(t, x)| {
                    json!({"index": t, "outcome": x.outcome.id(), "teller": x.teller,
                           "time": rfc3339(x.time), "note": x.note})
                });
            Ok(json!({
                "index": index,
                "kind": "spoiled_ballot",
                "receipt": crate::tokens::receipt_code(index, &hash),
                "hash": hex(&hash),
                "entry": BASE64.encode(e.encode()),
                "kiosk": b.kiosk,
                "time": rfc3339(b.time),
                "confirmation": code_of(&b.confirmation_hash()),
                "round": b.round,
                "style": b.style,
                "token_serial": hex(&b.serial),
                "election_id": info.id,
                "key": BASE64.encode(key.element().as_bytes()),
                "fingerprint": key.fingerprint(),
                "lines": lines,
                "test": test,
            }))
        })?
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// GET /api/v1/confirmations/{code}: the encrypted and spoiled ballots with this
/// confirmation code (a voter's lookup from the code the kiosk showed).
#[utoipa::path(
    get,
    path = "/api/v1/confirmations/{code}",
    tag = "public",
    summary = "按确认码查找选票 / Ballots by confirmation code",
    description = "返回确认码相同的加密选票与核验作废选票的回执码。\n\nAnswers the receipt codes of \
                    the encrypted and spoiled ballots with this confirmation code.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 404, extensions(("x-error-codes" = json!(["not_found"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 422, extensions(("x-error-codes" = json!(["bad_confirmation"])))),
        (status = 429, extensions(("x-error-codes" = json!(["rate_limited"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn confirmation(
    state: Data,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    limited(state.limits.receipt.check(&client(&req)), &state)?;
    let l = state.ledger()?;
    let code = parse_code(&path.into_inner()).ok_or_else(|| {
        invalid(
            Code::BadConfirmation,
            "确认码应为 16 个字母或数字, 如 7K2Q-M9XD-4T1B-ZC08 (2026-12-05 之前的投票机显示的 8 位也可) / a confirmation code is 16 letters or digits, e.g. 7K2Q-M9XD-4T1B-ZC08 (or the 8 that kiosks showed before 2026-12-05)",
        )
    })?;
    let out = block(move || {
        let bytes = code_bytes(&code).ok_or(ApiError::NotFound)?;
        // The index holds the first 40 bits; the rest of a code is checked against each
        // entry's own hash.
        let key: [u8; 5] = bytes
            .get(..5)
            .and_then(|b| b.try_into().ok())
            .ok_or(ApiError::NotFound)?;
        let candidates: Vec<u64> = l.read(|s| {
            s.state
                .confirmations()
                .get(&key)
                .cloned()
                .unwrap_or_default()
        })?;
        let mut entries = Vec::new();
        for index in candidates {
            let e = l.entry(index)?;
            if !confirmation_hash_of(&e).is_some_and(|h| h.starts_with(&bytes)) {
                continue;
            }
            entries.push(json!({"index": index, "kind": e.kind.id(),
                                "receipt": crate::tokens::receipt_code(index, &e.hash())}));
        }
        if entries.is_empty() {
            return Err(ApiError::NotFound);
        }
        Ok(json!({"code": code, "entries": entries}))
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The confirmation hash of an encrypted or spoiled ballot entry.
fn confirmation_hash_of(e: &crate::record::entry::Entry) -> Option<[u8; 32]> {
    match e.kind {
        EntryKind::EncryptedBallot => crate::ledger::encrypted_confirmation(&e.body),
        EntryKind::SpoiledBallot => SpoiledBallotBody::decode(&e.body)
            .ok()
            .map(|b| b.confirmation_hash()),
        _ => None,
    }
}

/// What `GET /api/v1/receipts/{code}` adds for encrypted and spoiled ballots: the entry's
/// kind and its confirmation code.
pub(super) fn receipt_extras(e: &crate::record::entry::Entry) -> (String, Option<String>) {
    (
        e.kind.id().to_string(),
        confirmation_hash_of(e).map(|h| code_of(&h)),
    )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "监票人的投票机抽检结果 / a 监票人's kiosk test outcome")]
pub struct KioskTestRequest {
    /// 抽检所作废选票的日志序号 / log index of the spoiled ballot the test made
    spoiled: u64,
    #[schema(schema_with = components::kiosk_test_request_outcome)]
    outcome: String,
    /// 备注 (最多 500 字) / a note (up to 500 characters)
    #[serde(default)]
    note: String,
    /// 抽检所用的选票码 (完整, 含签名): 须为作废选票所用的那一张 / the slip the test used, whole
    /// (signed): the one the spoiled ballot was made with
    #[serde(default)]
    #[schema(max_length = 200)]
    token: String,
}

/// POST /api/v1/kiosk-tests: a 监票人 records a test challenge of a kiosk.
#[utoipa::path(
    post,
    path = "/api/v1/kiosk-tests",
    tag = "teller",
    summary = "记录投票机抽检结果 / Record a kiosk test",
    description = "抽检所用的选票码从此不能投票。\n\nThe slip the test used can never be cast afterwards.",
    request_body = KioskTestRequest,
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::EntryIndex)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "already_tested", "ballot_already_cast"])))),
        (status = 422, extensions(("x-error-codes" = json!(["not_spoiled", "bad_outcome", "bad_note", "test_slip"])))),
    ),
    extensions(("x-roles" = json!(allowed::<TellerRole>()))),
)]
pub async fn record_test(
    state: Data,
    caller: As<TellerRole>,
    body: web::Json<KioskTestRequest>,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let b = body.into_inner();
    let outcome = match b.outcome.as_str() {
        "match" => TestOutcome::Match,
        "mismatch" => TestOutcome::Mismatch,
        _ => {
            return Err(invalid(
                Code::BadOutcome,
                "结果须为 match (一致) 或 mismatch (不一致) / the outcome is match or mismatch",
            ))
        }
    };
    let teller = caller.0.username.clone();
    let a =
        block(move || Ok(core.record_kiosk_test(b.spoiled, outcome, &teller, &b.note, &b.token)?))
            .await?;
    Ok(HttpResponse::Created().json(json!({"index": a.index})))
}

/// GET /api/v1/kiosk-tests: the test challenges and the spoiled ballots, for the teller page,
/// and per kiosk (every paired kiosk, tested or not) how often and when it was last tested.
#[utoipa::path(
    get,
    path = "/api/v1/kiosk-tests",
    tag = "teller",
    summary = "投票机抽检与核验作废的选票 / Kiosk tests and spoiled ballots",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Results>()))),
)]
pub async fn tests(state: Data, _caller: As<Results>) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let paired: Vec<String> = state
        .records
        .sessions(crate::procedure::now())?
        .into_iter()
        .filter(|i| i.session.role == super::auth::Role::Kiosk.id())
        .map(|i| i.session.username)
        .collect();
    let out = block(move || {
        Ok(l.read(|s| {
            let c = &s.state.challenges();
            let tests: Vec<Value> = c
                .tests
                .iter()
                .map(|(i, t)| {
                    let kiosk = c.spoiled.get(&t.spoiled).map(|sp| sp.kiosk.clone());
                    json!({"index": i, "spoiled": t.spoiled, "kiosk": kiosk, "time": rfc3339(t.time),
                           "outcome": t.outcome.id(), "teller": t.teller, "note": t.note})
                })
                .collect();
            let spoiled: Vec<Value> = c
                .spoiled
                .iter()
                .map(|(i, sp)| {
                    let hash = s.tree.leaf(*i).unwrap_or([0; 32]);
                    json!({"index": i, "kiosk": sp.kiosk, "time": rfc3339(sp.time),
                           "confirmation": code_of(&sp.confirmation),
                           "receipt": crate::tokens::receipt_code(*i, &hash),
                           "tested": sp.test.is_some()})
                })
                .collect();
            // Per kiosk: paired ones and any that spoiled a ballot.
            let mut per: std::collections::BTreeMap<String, (usize, usize, usize, u64)> =
                paired.iter().map(|k| (k.clone(), (0, 0, 0, 0))).collect();
            for sp in c.spoiled.values() {
                per.entry(sp.kiosk.clone()).or_default().0 += 1;
            }
            for t in c.tests.values() {
                if let Some(sp) = c.spoiled.get(&t.spoiled) {
                    let e = per.entry(sp.kiosk.clone()).or_default();
                    e.1 += 1;
                    e.2 += usize::from(t.outcome == TestOutcome::Mismatch);
                    e.3 = e.3.max(t.time);
                }
            }
            let kiosks: Vec<Value> = per
                .into_iter()
                .map(|(k, (spoiled, tests, mismatches, last))| {
                    json!({"kiosk": k, "paired": paired.contains(&k), "spoiled": spoiled,
                           "tests": tests, "mismatches": mismatches,
                           "last_test": if tests > 0 { Some(rfc3339(last)) } else { None }})
                })
                .collect();
            json!({"tests": tests, "spoiled": spoiled, "kiosks": kiosks,
                   "counts": {"spoiled": c.spoiled.len(), "tests": c.tests.len(), "mismatches": c.mismatches()}})
        })?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}
