use crate::protocol::*;
use crate::server::auth::Authed;
use crate::server::error::ApiResult;
use crate::server::extract::{Json, Path, Query};
use crate::server::store::{Actor, OutboundMessage};
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;

type Out<T> = ApiResult<axum::Json<T>>;

pub async fn list(
    State(state): State<AppState>,
    Authed(me): Authed,
    Query(q): Query<ConversationQuery>,
) -> Out<Page<ConversationRow>> {
    Ok(axum::Json(state.store.list_conversations(me.id, q).await?))
}

pub async fn get(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
) -> Out<ConversationRow> {
    Ok(axum::Json(state.store.get_conversation(me.id, id).await?))
}

pub async fn messages(
    State(state): State<AppState>,
    _: Authed,
    Path(id): Path<ConversationId>,
    Query(q): Query<MessagesQuery>,
) -> Out<MessagePage> {
    Ok(axum::Json(state.store.list_messages(id, q).await?))
}

pub async fn send(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
    Json(req): Json<SendMessage>,
) -> ApiResult<(StatusCode, axum::Json<Message>)> {
    // A repeated client_id answers with the message stored the first time,
    // exactly as the first answer was.
    let (message, _created) = state
        .store
        .add_message(OutboundMessage {
            conversation_id: id,
            kind: MessageKind::Agent,
            author_id: Some(me.id),
            text: req.text,
            client_id: Some(req.client_id),
            at: None,
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(message)))
}

pub async fn read(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
) -> Out<ReadMarker> {
    Ok(axum::Json(state.store.mark_read(me.id, id).await?))
}

pub async fn bot(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
    Json(req): Json<SetBot>,
) -> Out<Conversation> {
    Ok(axum::Json(
        state
            .store
            .set_bot(Actor::agent(me.id), id, req.active)
            .await?,
    ))
}

pub async fn assign(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
    Json(req): Json<AddAssignee>,
) -> Out<Conversation> {
    Ok(axum::Json(
        state
            .store
            .add_assignee(Actor::agent(me.id), id, req.agent_id)
            .await?,
    ))
}

pub async fn unassign(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((id, agent_id)): Path<(ConversationId, AgentId)>,
) -> Out<Conversation> {
    Ok(axum::Json(
        state
            .store
            .remove_assignee(Actor::agent(me.id), id, agent_id)
            .await?,
    ))
}
