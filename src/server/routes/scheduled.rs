//! Scheduled messages of a conversation.

use crate::protocol::*;
use crate::server::auth::Authed;
use crate::server::error::ApiResult;
use crate::server::extract::{Json, Path};
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;

type Out<T> = ApiResult<axum::Json<T>>;

/// Pending ones first, by send time; then the sent and cancelled.
pub async fn list(
    State(state): State<AppState>,
    _: Authed,
    Path(id): Path<ConversationId>,
) -> Out<Vec<Scheduled>> {
    Ok(axum::Json(state.store.list_scheduled(id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
    Json(new): Json<NewScheduled>,
) -> ApiResult<(StatusCode, axum::Json<Scheduled>)> {
    let s = state
        .store
        .create_scheduled(me.id, id, new, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(s)))
}

/// Only the author or an admin (403 otherwise): it goes in the author's name.
pub async fn update(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ScheduledId>,
    Json(patch): Json<ScheduledPatch>,
) -> Out<Scheduled> {
    Ok(axum::Json(
        state
            .store
            .update_scheduled(&me, id, patch, state.clock.now())
            .await?,
    ))
}

/// Only the author or an admin (403 otherwise).
pub async fn cancel(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ScheduledId>,
) -> Out<Scheduled> {
    Ok(axum::Json(state.store.cancel_scheduled(&me, id).await?))
}
