//! The roll: import and search.

use super::*;
use crate::server::openapi::{allowed, answers};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(import_roll, result_csv, result_xlsx,);

/// Imports the roll from CSV (docs in `record::roll`): all rows or none. Every refused row is
/// reported with its line and reason.
#[utoipa::path(
    post,
    path = "/api/v1/roll",
    tag = "roll",
    summary = "导入选民名单 / Import the voter roll",
    description = "UTF-8 CSV (可带 BOM), 表头列: name/姓名, number/证件号码, unit/选区, \
                    birth_date/出生日期, 可选 rights、membership、flags。全部导入或全部不导入; \
                    `roll_refused` 在 `rows` 中列出每处问题。替换已有名单。\n\nUTF-8 CSV (a BOM \
                    is accepted) with the header columns name, number, unit, birth_date and \
                    optionally rights, membership, flags. All rows or none: `roll_refused` \
                    lists every problem in `rows`. Replaces the roll.",
    request_body(
        content = String,
        content_type = "text/csv",
        description = "UTF-8 CSV, 首行为表头 / UTF-8 CSV with a header row"
    ),
    responses(
        (status = 200, description = "成功 / OK", body = inline(answers::Imported)),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 413, extensions(("x-error-codes" = json!(["request_too_large"])))),
        (status = 422, extensions(("x-error-codes" = json!([
                "roll_refused", "election_date_missing", "not_utf8", "bad_header", "too_large",
                "too_many_rows", "pool_over_cap"
            ])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn import_roll(
    state: Data,
    _caller: As<Org>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // A county's roll is larger than the service's other requests (`request_bytes_max`): the
    // roll has its own limit, the format's (`ROLL_CSV_BYTES_MAX`), answered with our code.
    let max = crate::record::roll::ROLL_CSV_BYTES_MAX;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut payload).await {
        let chunk = chunk.map_err(|e| {
            ApiError::BadJson(format!(
                "请求体未能读完: {e} / the request body could not be read: {e}"
            ))
        })?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::TooLarge { max });
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let core = state.core()?;
    let (n, warnings) = block(move || Ok(core.import_roll(&body)?)).await?;
    let warnings = crate::record::result::notices(&warnings);
    Ok(HttpResponse::Ok().json(json!({"imported": n, "warnings": warnings})))
}

/// The result as CSV (UTF-8 with BOM, for Excel).
#[utoipa::path(
    get,
    path = "/api/v1/results/{index}/csv",
    tag = "results",
    summary = "结果导出 CSV / Result as CSV",
    description = "UTF-8 带 BOM, 供 Excel 打开。\n\nUTF-8 with a BOM, for Excel.",
    responses(
        (status = 200, description = "结果表 (附件 result-{index}.csv) / result table (attachment result-{index}.csv)", content_type = "text/csv", body = String),
        (status = 404, extensions(("x-error-codes" = json!(["unknown_result"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 422, extensions(("x-error-codes" = json!(["office_input", "office_too_large", "office_csv"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Results>()))),
)]
pub async fn result_csv(
    state: Data,
    caller: As<Results>,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    result_office(state, caller, path.into_inner(), "csv").await
}

/// The result as XLSX for the office.
#[utoipa::path(
    get,
    path = "/api/v1/results/{index}/xlsx",
    tag = "results",
    summary = "结果导出 Excel / Result as XLSX",
    responses(
        (status = 200, description = "结果工作簿 (附件 result-{index}.xlsx) / result workbook (attachment \
                 result-{index}.xlsx)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, extensions(("x-error-codes" = json!(["unknown_result"])))),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
        (status = 422, extensions(("x-error-codes" = json!(["office_input", "office_too_large", "office_xlsx"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Results>()))),
)]
pub async fn result_xlsx(
    state: Data,
    caller: As<Results>,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    result_office(state, caller, path.into_inner(), "xlsx").await
}

/// The result as CSV (UTF-8 with BOM, for Excel) or XLSX for the office.
async fn result_office(
    state: Data,
    _caller: As<Results>,
    index: u64,
    format: &str,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let r = block(move || result_entry(&l, index)).await?;
    let office = |e: crate::present::office::OfficeError| invalid(e.code(), e.to_string());
    match format {
        "csv" => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"result-{index}.csv\""),
            ))
            .body(crate::present::office::result_csv(&r.result).map_err(office)?)),
        "xlsx" => Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"result-{index}.xlsx\""),
            ))
            .body(crate::present::office::result_xlsx(&r.result).map_err(office)?)),
        _ => Err(ApiError::NotFound),
    }
}
