//! Customers in bulk: export and import as .xlsx, .xls or .csv (admins).

use crate::protocol::*;
use crate::server::auth::Admin;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{Query, RawBody};
use crate::server::AppState;
use crate::sheets;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ExportQuery {
    /// xlsx (default) or csv.
    #[serde(default)]
    format: Option<String>,
}

pub async fn export(
    State(state): State<AppState>,
    _: Admin,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let csv = match q.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => false,
        "csv" => true,
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other:?}: use xlsx or csv"
            )))
        }
    };
    let customers = state.store.all_customers().await?;
    let bytes = tokio::task::spawn_blocking(move || {
        if csv {
            sheets::customers::export_csv(&customers)
        } else {
            sheets::customers::export_xlsx(&customers)
        }
    })
    .await
    .map_err(|e| ApiError::bad_request(e.to_string()))??;
    let (ctype, name) = if csv {
        ("text/csv; charset=utf-8", "customers.csv")
    } else {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "customers.xlsx",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    filename: Option<String>,
}

pub async fn import(
    State(state): State<AppState>,
    _: Admin,
    Query(q): Query<ImportQuery>,
    RawBody(body): RawBody,
) -> ApiResult<axum::Json<CustomerImportReport>> {
    let name = q.filename.unwrap_or_else(|| "upload.xlsx".into());
    let dry_run = q.dry_run;
    let (rows, report) =
        tokio::task::spawn_blocking(move || sheets::customers::parse(&body, &name, dry_run))
            .await
            .map_err(|e| ApiError::bad_request(e.to_string()))??;
    if !report.errors.is_empty() {
        return Ok(axum::Json(report));
    }
    Ok(axum::Json(
        state.store.import_customers(rows, report).await?,
    ))
}
