//! Status, snooze and priority.

use super::*;

pub async fn set_status<E: Engine>(
    store: &E,
    actor: Actor,
    id: ConversationId,
    req: SetStatus,
) -> StoreResult<Conversation> {
    let at = actor.at_ms();
    store
        .write(move |db, events| data::triage::set_status(db, events, id, req, actor.by, at))
        .await
}

pub async fn set_priority<E: Engine>(
    store: &E,
    actor: Actor,
    id: ConversationId,
    priority: Priority,
) -> StoreResult<Conversation> {
    let at = actor.at_ms();
    store
        .write(move |db, events| data::triage::set_priority(db, events, id, priority, actor.by, at))
        .await
}

pub async fn wake_snoozed<E: Engine>(
    store: &E,
    now: DateTime<Utc>,
) -> StoreResult<Vec<ConversationId>> {
    let now = now.timestamp_millis();
    store
        .write(move |db, events| data::triage::wake_snoozed(db, events, now))
        .await
}
