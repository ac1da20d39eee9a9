use crate::protocol::*;
use crate::server::auth::Authed;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{Json, Path, Query};
use crate::server::store::{Actor, OutboundMessage, StoreError};
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
    if req.as_bot && !me.is_admin() {
        return Err(ApiError::forbidden(
            "only an admin's token can answer as the bot",
        ));
    }
    // A repeated client_id answers with the message stored the first time,
    // exactly as the first answer was.
    let (message, _created) = state
        .store
        .add_message(OutboundMessage {
            conversation_id: id,
            kind: if req.as_bot {
                MessageKind::Bot
            } else {
                MessageKind::Agent
            },
            author_id: (!req.as_bot).then_some(me.id),
            text: req.text,
            client_id: Some(req.client_id),
            at: None,
            attachment_id: req.attachment_id,
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

pub async fn status(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
    Json(req): Json<SetStatus>,
) -> Out<Conversation> {
    let actor = Actor::agent(me.id).at(state.clock.now());
    Ok(axum::Json(state.store.set_status(actor, id, req).await?))
}

pub async fn priority(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
    Json(req): Json<SetPriority>,
) -> Out<Conversation> {
    let actor = Actor::agent(me.id).at(state.clock.now());
    Ok(axum::Json(
        state.store.set_priority(actor, id, req.priority).await?,
    ))
}

/// One action on many conversations, applied to each on its own: one that
/// fails (unknown id, bad agent) does not stop the others, and the report
/// says which failed and why.
pub async fn bulk(
    State(state): State<AppState>,
    Authed(me): Authed,
    Json(req): Json<BulkRequest>,
) -> Out<BulkReport> {
    if req.ids.is_empty() {
        return Err(ApiError::unprocessable(
            "ids: give at least one conversation",
        ));
    }
    if req.ids.len() > MAX_BULK {
        return Err(ApiError::unprocessable(format!(
            "ids: at most {MAX_BULK} conversations at once"
        )));
    }
    let mut results = Vec::with_capacity(req.ids.len());
    for &id in &req.ids {
        let actor = Actor::agent(me.id).at(state.clock.now());
        let store = &state.store;
        let done: Result<(), StoreError> = match &req.action {
            BulkAction::Assign { agent_id } => {
                store.add_assignee(actor, id, *agent_id).await.map(drop)
            }
            BulkAction::Unassign { agent_id } => {
                store.remove_assignee(actor, id, *agent_id).await.map(drop)
            }
            BulkAction::Bot { active } => store.set_bot(actor, id, *active).await.map(drop),
            BulkAction::Tag { tag_id, name } => match store.get_conversation(me.id, id).await {
                Ok(row) => store
                    .tag_customer(
                        row.conversation.customer_id,
                        TagCustomer {
                            tag_id: *tag_id,
                            name: name.clone(),
                        },
                    )
                    .await
                    .map(drop),
                Err(e) => Err(e),
            },
            BulkAction::Status {
                status,
                snooze_until,
            } => store
                .set_status(
                    actor,
                    id,
                    SetStatus {
                        status: *status,
                        snooze_until: *snooze_until,
                    },
                )
                .await
                .map(drop),
            BulkAction::Priority { priority } => {
                store.set_priority(actor, id, *priority).await.map(drop)
            }
        };
        results.push(match done {
            Ok(()) => BulkItem {
                id,
                ok: true,
                error: None,
            },
            Err(e) => BulkItem {
                id,
                ok: false,
                error: Some(e.to_string()),
            },
        });
    }
    let succeeded = results.iter().filter(|r| r.ok).count();
    Ok(axum::Json(BulkReport {
        succeeded,
        failed: results.len() - succeeded,
        results,
    }))
}

pub async fn assign_team(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<ConversationId>,
    Json(req): Json<AssignTeam>,
) -> Out<Conversation> {
    let actor = Actor::agent(me.id).at(state.clock.now());
    Ok(axum::Json(
        state.store.assign_team(actor, id, req.team).await?,
    ))
}

/// `POST /messages/{id}/retry`: a failed reply goes back in the outbound
/// queue (its author or an admin; the bot's replies, any agent).
pub async fn retry_message(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<MessageId>,
) -> ApiResult<axum::Json<Message>> {
    Ok(axum::Json(state.store.retry_message(&me, id).await?))
}
