//! Standard messages: folders with scope and their messages; the
//! spreadsheet template, import and export.

use crate::protocol::*;
use crate::server::auth::{Admin, Authed};
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{Json, Path, Query, RawBody};
use crate::server::AppState;
use crate::sheets;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

type Out<T> = ApiResult<axum::Json<T>>;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Folders the caller may use; for a conversation, those in scope for its
/// channel. Admins without a conversation get every folder (to manage them).
pub async fn list(
    State(state): State<AppState>,
    Authed(me): Authed,
    Query(q): Query<StandardQuery>,
) -> Out<Vec<StandardFolder>> {
    let channel = match q.conversation {
        Some(id) => Some(
            state
                .store
                .get_conversation(me.id, id)
                .await?
                .conversation
                .channel,
        ),
        None => q.channel,
    };
    let all = state.store.list_standard_folders().await?;
    let manage_all = me.is_admin() && q.conversation.is_none();
    Ok(axum::Json(
        all.into_iter()
            .filter(|f| {
                if manage_all {
                    channel.is_none_or(|c| f.serves(c))
                } else {
                    f.visible_to(&me, channel)
                }
            })
            .collect(),
    ))
}

pub async fn create_folder(
    State(state): State<AppState>,
    _: Admin,
    Json(input): Json<FolderInput>,
) -> ApiResult<(StatusCode, axum::Json<StandardFolder>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.create_folder(input).await?),
    ))
}

pub async fn update_folder(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<FolderId>,
    Json(patch): Json<FolderPatch>,
) -> Out<StandardFolder> {
    Ok(axum::Json(state.store.update_folder(id, patch).await?))
}

pub async fn delete_folder(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<FolderId>,
) -> ApiResult<StatusCode> {
    state.store.delete_folder(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_message(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<FolderId>,
    Json(body): Json<StandardText>,
) -> ApiResult<(StatusCode, axum::Json<StandardMessage>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.add_standard_message(id, body.text).await?),
    ))
}

pub async fn edit_message(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<StandardMessageId>,
    Json(body): Json<StandardText>,
) -> Out<StandardMessage> {
    Ok(axum::Json(
        state.store.update_standard_message(id, body.text).await?,
    ))
}

pub async fn delete_message(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<StandardMessageId>,
) -> ApiResult<StatusCode> {
    state.store.delete_standard_message(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn template(_: Authed) -> ApiResult<Response> {
    let bytes = tokio::task::spawn_blocking(sheets::standard::template)
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))??;
    Ok(xlsx(bytes, "standard-messages-template.xlsx"))
}

pub async fn export(State(state): State<AppState>, _: Admin) -> ApiResult<Response> {
    let folders = state.store.list_standard_folders().await?;
    let bytes = tokio::task::spawn_blocking(move || sheets::standard::export(&folders))
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))??;
    Ok(xlsx(bytes, "standard-messages.xlsx"))
}

#[derive(Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    /// The file's name, for its extension (.xlsx or .xls).
    #[serde(default)]
    filename: Option<String>,
}

/// The spreadsheet is the request body. Every row is checked first; with
/// any bad row nothing is imported and the report lists them all.
pub async fn import(
    State(state): State<AppState>,
    _: Admin,
    Query(q): Query<ImportQuery>,
    RawBody(body): RawBody,
) -> Out<ImportReport> {
    let name = q.filename.unwrap_or_else(|| "upload.xlsx".into());
    let teams = state.store.list_teams().await?;
    let agents = state.store.list_agents().await?;
    let dry_run = q.dry_run;
    let (plan, report) = tokio::task::spawn_blocking(move || {
        sheets::standard::plan(&body, &name, &teams, &agents, dry_run)
    })
    .await
    .map_err(|e| ApiError::bad_request(e.to_string()))??;
    if !report.errors.is_empty() {
        return Ok(axum::Json(report));
    }
    Ok(axum::Json(state.store.import_standard(plan, report).await?))
}
