use crate::protocol::*;
use crate::server::auth::{new_token, token_hash, verify_password, Authed};
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::Json;
use crate::server::AppState;
use axum::extract::State;

pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    let refused = || ApiError::unauthorized("wrong login or password");
    let (agent, hash) = state
        .store
        .agent_login(&req.login)
        .await?
        .ok_or_else(refused)?;
    let hash = hash.ok_or_else(refused)?;
    let password = req.password;
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        return Err(refused());
    }
    let token = new_token();
    state.store.add_token(agent.id, token_hash(&token)).await?;
    Ok(axum::Json(LoginResponse { token, agent }))
}

pub async fn me(State(state): State<AppState>, Authed(agent): Authed) -> ApiResult<axum::Json<Me>> {
    let total_unread = state.store.total_unread(agent.id).await?;
    let (latest_seq, _) = state.store.seq_bounds().await?;
    Ok(axum::Json(Me {
        agent,
        total_unread,
        latest_seq,
        upload_limits: (*state.uploads).clone(),
    }))
}
