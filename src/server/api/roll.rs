//! The roll: import and search.

use super::*;

/// Imports the roll from CSV (docs in `record::roll`): all rows or none. Every refused row is
/// reported with its line and reason.
pub async fn import_roll(
    state: Data,
    _caller: As<Org>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let core = state.core()?;
    let n = block(move || Ok(core.import_roll(&body)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"imported": n})))
}

/// The result as CSV (UTF-8 with BOM, for Excel) or XLSX for the office.
pub async fn result_office(
    state: Data,
    _caller: As<Results>,
    path: web::Path<(u64, String)>,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let (index, format) = path.into_inner();
    let r = block(move || result_entry(&l, index)).await?;
    let office = |e: crate::present::office::OfficeError| invalid(e.code(), e.to_string());
    match format.as_str() {
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
