//! Shared macros: every agent reads them, admins write them.

use crate::protocol::*;
use crate::server::auth::{Admin, Authed};
use crate::server::error::ApiResult;
use crate::server::extract::{Json, Path};
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;

type Out<T> = ApiResult<axum::Json<T>>;

pub async fn list(State(state): State<AppState>, _: Authed) -> Out<Vec<SharedMacro>> {
    Ok(axum::Json(state.store.list_macros().await?))
}

pub async fn put(
    State(state): State<AppState>,
    Admin(me): Admin,
    Path(name): Path<String>,
    Json(input): Json<MacroInput>,
) -> Out<SharedMacro> {
    Ok(axum::Json(
        state.store.put_macro(me.id, name, input.steps).await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    _: Admin,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.delete_macro(name).await?;
    Ok(StatusCode::NO_CONTENT)
}
