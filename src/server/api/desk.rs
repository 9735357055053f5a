//! The desk: check-ins and the live turnout.

use super::*;
use crate::server::openapi::{allowed, answers};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(roll_search, check_in, desk,);

#[derive(Deserialize)]
pub struct RollQuery {
    #[serde(default)]
    q: String,
}

/// Most roll rows one search returns.
pub(crate) const SEARCH_ROWS_MAX: usize = 50;

/// Longest search text, in characters: longer than any name or number on a roll, and every
/// search scans the whole roll.
pub(crate) const SEARCH_QUERY_CHARS_MAX: usize = 64;

#[utoipa::path(
    get,
    path = "/api/v1/roll",
    tag = "roll",
    summary = "查找选民 / Search the roll",
    description = "按编号或姓名 (含拼音首字母) 查找, 至多 50 人, 附第 1 轮签到时间。\n\nSearches \
                    by number or name (pinyin initials too); at most 50 voters, with their \
                    round-1 check-in time.",
    params((
        "q" = Option<String>,
        Query,
        description = "查找词; 空: 名单开头 / search text; empty: the start of the roll"
    )),
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Voters)),
        (status = 422, extensions(("x-error-codes" = json!([
                "name_control_character", "name_format_character", "name_too_long"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Desk>()))),
)]
pub async fn roll_search(
    state: Data,
    _caller: As<Desk>,
    query: web::Query<RollQuery>,
) -> Result<HttpResponse, ApiError> {
    // The query in the names' canonical form, so "选民　1" (an ideographic space) or a
    // decomposed letter finds the voter; a query hiding invisible characters is refused.
    let raw = query.into_inner().q;
    if raw.chars().count() > SEARCH_QUERY_CHARS_MAX {
        return Err(ApiError::Invalid {
            code: crate::codes::Code::NameTooLong,
            message: format!("查找词最多 {SEARCH_QUERY_CHARS_MAX} 个字符 / a search holds at most {SEARCH_QUERY_CHARS_MAX} characters"),
        });
    }
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "签到 / check-in")]
pub struct CheckInRequest {
    /// 选民证件号码或党员编号 / the voter's number on the roll
    number: String,
    /// 委托人的编号 (委托投票); 默认 [] / numbers of the voters who gave this voter their proxy; default []
    #[serde(default)]
    principals: Vec<String>,
    /// 轮次; 默认 1 / round; default 1
    #[serde(default = "round_one")]
    #[schema(minimum = 1)]
    round: u8,
}

pub(crate) fn round_one() -> u8 {
    1
}

#[utoipa::path(
    post,
    path = "/api/v1/checkins",
    tag = "desk",
    summary = "选民签到 / Check a voter in",
    description = "登记选民 (及其委托人) 到场, 返回应发的样式与选票码张数。同一轮不能重复签到。\
                    \n\nRecords that a voter (and their principals) came, and answers the \
                    style and number of tokens to hand out. Nobody checks in twice a round.",
    request_body = CheckInRequest,
    responses(
        (status = 201, description = "已创建 / Created", body = inline(answers::CheckedIn)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "already_checked_in"])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "not_on_roll", "no_style", "proxy_refused_party", "too_many_principals",
                "proxy_unit"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Registrar>()))),
)]
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

#[utoipa::path(
    get,
    path = "/api/v1/desk",
    tag = "desk",
    summary = "签到台统计 / Desk turnout",
    description = "每个项目的应到、实到、已发选票码与法定人数; 结束投票后为记入日志的数字。\n\n\
                    Eligible, present, tokens issued and quorum per contest; once a contest \
                    is closed, the figures logged.",
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::DeskOk)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!(allowed::<DeskView>()))),
)]
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
