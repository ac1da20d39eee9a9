//! Standard messages: folders with scope and their messages; the
//! spreadsheet template, import and export.

use crate::protocol::*;
use crate::server::auth::Authed;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{Json, Path, Query, RawBody};
use crate::server::store::{FolderGuard, StoreError};
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

/// What the caller may change: a folder it may keep (its own, its teams';
/// admins: all) passes; one it may not is refused with the reason (403),
/// unless it cannot even see it: then for the caller it does not exist (404).
fn guard(state: &AppState, me: Agent) -> FolderGuard {
    let editing = state.standard_editing;
    Box::new(move |f: &StandardFolder| {
        if !me.is_admin() && !f.visible_to(&me, None) {
            return Err(StoreError::NotFound("standard-message folder"));
        }
        let ids: Vec<AgentId> = f.assignees.iter().map(|a| a.id).collect();
        may_manage(&me, editing, f.team.as_ref().map(|t| t.id), &ids).map_err(StoreError::Forbidden)
    })
}

pub async fn create_folder(
    State(state): State<AppState>,
    Authed(me): Authed,
    Json(input): Json<FolderInput>,
) -> ApiResult<(StatusCode, axum::Json<StandardFolder>)> {
    // Said before anything is written, with the reason.
    may_manage(
        &me,
        state.standard_editing,
        input.team_id,
        &input.assignee_ids,
    )
    .map_err(ApiError::forbidden)?;
    let guard = guard(&state, me);
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.create_folder(input, guard).await?),
    ))
}

pub async fn update_folder(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<FolderId>,
    Json(patch): Json<FolderPatch>,
) -> Out<StandardFolder> {
    let guard = guard(&state, me);
    Ok(axum::Json(
        state.store.update_folder(id, patch, guard).await?,
    ))
}

pub async fn delete_folder(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<FolderId>,
) -> ApiResult<StatusCode> {
    let guard = guard(&state, me);
    state.store.delete_folder(id, guard).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_message(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<FolderId>,
    Json(body): Json<StandardText>,
) -> ApiResult<(StatusCode, axum::Json<StandardMessage>)> {
    let guard = guard(&state, me);
    Ok((
        StatusCode::CREATED,
        axum::Json(
            state
                .store
                .add_standard_message(id, body.text, guard)
                .await?,
        ),
    ))
}

pub async fn edit_message(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<StandardMessageId>,
    Json(body): Json<StandardText>,
) -> Out<StandardMessage> {
    let guard = guard(&state, me);
    Ok(axum::Json(
        state
            .store
            .update_standard_message(id, body.text, guard)
            .await?,
    ))
}

pub async fn delete_message(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<StandardMessageId>,
) -> ApiResult<StatusCode> {
    let guard = guard(&state, me);
    state.store.delete_standard_message(id, guard).await?;
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

/// Every folder for an admin; an agent's own: those it sees.
pub async fn export(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Response> {
    let mut folders = state.store.list_standard_folders().await?;
    if !me.is_admin() {
        folders.retain(|f| f.visible_to(&me, None));
    }
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
    Authed(me): Authed,
    Query(q): Query<ImportQuery>,
    RawBody(body): RawBody,
) -> Out<ImportReport> {
    if !me.is_admin() && state.standard_editing == StandardEditing::Admins {
        return Err(ApiError::forbidden(
            "only admins change standard messages on this server",
        ));
    }
    let name = q.filename.unwrap_or_else(|| "upload.xlsx".into());
    let teams = state.store.list_teams().await?;
    let agents = state.store.list_agents().await?;
    let dry_run = q.dry_run;
    let (plan, report) = tokio::task::spawn_blocking(move || {
        sheets::standard::plan(&body, &name, &teams, &agents, dry_run)
    })
    .await
    .map_err(|e| ApiError::bad_request(e.to_string()))??;
    // Each row goes into a folder the caller may keep: an agent imports
    // for themselves and their teams.
    let mut report = report;
    for f in &plan {
        if let Err(why) = may_manage(&me, state.standard_editing, f.team_id, &f.assignee_ids) {
            let column = if f.team_id.is_some() { "Team" } else { "User" };
            for row in &f.rows {
                report.errors.push(RowError {
                    row: *row,
                    column: column.into(),
                    message: why.clone(),
                });
            }
        }
    }
    if !report.errors.is_empty() {
        report.errors.sort_by_key(|e| e.row);
        return Ok(axum::Json(report.refused()));
    }
    let guard = guard(&state, me);
    Ok(axum::Json(
        state.store.import_standard(plan, report, guard).await?,
    ))
}
