use crate::protocol::*;
use crate::server::auth::{new_token, token_hash, Authed, ClientAddr, Session};
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::Json;
use crate::server::hub::Revoked;
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// Longest password the server checks; longer ones are simply wrong.
const MAX_PASSWORD_BYTES: usize = 1024;

/// `POST /api/v1/login`. Every refusal reads the same and takes as long,
/// whether the login exists or not; tries are budgeted per address and per
/// login (429 with `Retry-After`), and checks wait their turn for a core.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(req): Json<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    let refused = || ApiError::unauthorized("wrong login or password");
    let guard = &state.security.login;
    let attempt = guard.attempt(addr, &req.login)?;
    let found = state.store.agent_login(&req.login).await?;
    let (agent, hash) = match found {
        Some((agent, hash)) => (Some(agent), hash),
        None => (None, None),
    };
    let mut password = req.password;
    let hash = if password.len() > MAX_PASSWORD_BYTES {
        // Checked against the stand-in, so a long password costs the same
        // and is simply wrong.
        let mut cut = MAX_PASSWORD_BYTES;
        while !password.is_char_boundary(cut) {
            cut -= 1;
        }
        password.truncate(cut);
        None
    } else {
        hash
    };
    let ok = match guard.verify(password, hash).await {
        Ok(ok) => ok,
        Err(busy) => {
            // Never checked: it does not count.
            attempt.give_back();
            return Err(busy);
        }
    };
    if !ok {
        return Err(refused());
    }
    let agent = agent.ok_or_else(refused)?;
    if agent.disabled {
        return Err(ApiError::forbidden(
            "this agent is disabled; ask an admin to enable it",
        ));
    }
    attempt.give_back();
    let token = new_token();
    state
        .store
        .add_token(agent.id, token_hash(&token), state.clock.now())
        .await?;
    Ok(axum::Json(LoginResponse { token, agent }))
}

/// `POST /api/v1/logout`: the token that asks stops working at once (204),
/// and the event streams it opened close.
pub async fn logout(State(state): State<AppState>, session: Session) -> ApiResult<StatusCode> {
    state.store.revoke_token(&session.token_hash).await?;
    state.hub.revoke(Revoked::Token(session.token_hash));
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/unread`: the caller's unread messages, per account.
pub async fn unread(
    State(state): State<AppState>,
    Authed(agent): Authed,
) -> ApiResult<axum::Json<UnreadCounts>> {
    let accounts = state.store.unread_by_account(agent.id).await?;
    Ok(axum::Json(UnreadCounts {
        total: accounts.iter().map(|a| a.unread).sum(),
        accounts,
    }))
}

pub async fn me(State(state): State<AppState>, Authed(agent): Authed) -> ApiResult<axum::Json<Me>> {
    let total_unread = state.store.total_unread(agent.id).await?;
    let (latest_seq, _) = state.store.seq_bounds().await?;
    Ok(axum::Json(Me {
        agent,
        total_unread,
        latest_seq,
        upload_limits: (*state.uploads).clone(),
        standard_editing: state.standard_editing,
    }))
}
