//! Broadcasts: one message to every customer with a tag (admins).

use crate::protocol::*;
use crate::server::auth::Admin;
use crate::server::error::ApiResult;
use crate::server::extract::{Json, Path};
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;

type Out<T> = ApiResult<axum::Json<T>>;

/// How many conversations a broadcast would reach, before confirming.
pub async fn preview(
    State(state): State<AppState>,
    _: Admin,
    Json(a): Json<BroadcastAudience>,
) -> Out<BroadcastPreview> {
    Ok(axum::Json(BroadcastPreview {
        recipients: state.store.broadcast_audience(a).await?,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    Admin(me): Admin,
    Json(new): Json<NewBroadcast>,
) -> ApiResult<(StatusCode, axum::Json<Broadcast>)> {
    let b = state
        .store
        .create_broadcast(me.id, new, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(b)))
}

/// The newest 200, kept for review.
pub async fn list(State(state): State<AppState>, _: Admin) -> Out<Vec<Broadcast>> {
    Ok(axum::Json(state.store.list_broadcasts().await?))
}

pub async fn get(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<BroadcastId>,
) -> Out<Broadcast> {
    Ok(axum::Json(state.store.get_broadcast(id).await?))
}

pub async fn cancel(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<BroadcastId>,
) -> Out<Broadcast> {
    Ok(axum::Json(state.store.cancel_broadcast(id).await?))
}
