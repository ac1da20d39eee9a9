use crate::protocol::*;
use crate::server::auth::{Admin, Authed};
use crate::server::error::ApiResult;
use crate::server::hub::Revoked;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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

/// `POST /api/v1/channels`: an admin connects a platform account. The
/// answer names where its webhooks go; the credentials are never returned.
pub async fn create_channel(
    State(state): State<AppState>,
    _: Admin,
    crate::server::extract::Json(new): crate::server::extract::Json<NewChannel>,
) -> ApiResult<(StatusCode, Json<ChannelCreated>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_channel(new).await?),
    ))
}

/// `PATCH /api/v1/channels/{id}`: rename, or rotate credentials; the
/// webhook path stays. The answer names the keys, never their values.
pub async fn update_channel(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<ChannelAccountId>,
    crate::server::extract::Json(patch): crate::server::extract::Json<ChannelPatch>,
) -> ApiResult<Json<ChannelAccount>> {
    // A token got with the old app secret is forgotten with the change.
    let account = state.store.update_channel(id, patch).await?;
    Ok(Json(account))
}

/// `DELETE /api/v1/channels/{id}`
pub async fn remove_channel(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<ChannelAccountId>,
) -> ApiResult<StatusCode> {
    state.store.remove_channel(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/agents/{id}/disable`: the agent's tokens stop working on
/// its next request, its event streams close, it cannot sign in.
pub async fn disable(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<AgentId>,
) -> ApiResult<Json<Agent>> {
    let agent = state.store.set_agent_disabled(id, true).await?;
    state.hub.revoke(Revoked::Agent(id));
    Ok(Json(agent))
}

/// `POST /api/v1/agents/{id}/enable`: it may sign in again (its old tokens
/// stay revoked only if they were revoked).
pub async fn enable(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<AgentId>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(state.store.set_agent_disabled(id, false).await?))
}

/// `DELETE /api/v1/agents/{id}`: unassigned everywhere, signed out, gone
/// from the listing; its messages keep its name.
pub async fn remove(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<AgentId>,
) -> ApiResult<StatusCode> {
    state
        .store
        .remove_agent(crate::server::store::Actor::agent(admin.id), id)
        .await?;
    state.hub.revoke(Revoked::Agent(id));
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/agents/{id}/tokens`: signs the agent out everywhere.
pub async fn revoke_tokens(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<AgentId>,
) -> ApiResult<Json<TokensRevoked>> {
    let revoked = state.store.revoke_tokens(id).await?;
    state.hub.revoke(Revoked::Agent(id));
    Ok(Json(TokensRevoked { revoked }))
}
