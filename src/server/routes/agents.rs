use crate::protocol::*;
use crate::server::auth::Authed;
use crate::server::error::ApiResult;
use crate::server::AppState;
use axum::extract::State;
use axum::Json;

pub async fn list(State(state): State<AppState>, _: Authed) -> ApiResult<Json<Vec<Agent>>> {
    Ok(Json(state.store.list_agents().await?))
}

pub async fn teams(State(state): State<AppState>, _: Authed) -> ApiResult<Json<Vec<Team>>> {
    Ok(Json(state.store.list_teams().await?))
}

pub async fn channels(
    State(state): State<AppState>,
    _: Authed,
) -> ApiResult<Json<Vec<ChannelAccount>>> {
    Ok(Json(state.store.list_channel_accounts().await?))
}
