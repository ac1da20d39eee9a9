//! Status, snooze and priority.

use super::*;

/// The store's status, snooze and priority.
#[async_trait]
pub trait TriageStore: Send + Sync {
    async fn set_status(
        &self,
        actor: Actor,
        id: ConversationId,
        req: SetStatus,
    ) -> StoreResult<Conversation>;
    async fn set_priority(
        &self,
        actor: Actor,
        id: ConversationId,
        priority: Priority,
    ) -> StoreResult<Conversation>;
    /// Opens every snoozed conversation whose wake time is at or before
    /// `now`, each exactly once; returns them.
    async fn wake_snoozed(&self, now: DateTime<Utc>) -> StoreResult<Vec<ConversationId>>;
}

#[async_trait]
impl<E: Engine> TriageStore for E {
    async fn set_status(
        &self,
        actor: Actor,
        id: ConversationId,
        req: SetStatus,
    ) -> StoreResult<Conversation> {
        let at = actor.at_ms();
        self.write(move |db, events| data::triage::set_status(db, events, id, req, actor.by, at))
            .await
    }

    async fn set_priority(
        &self,
        actor: Actor,
        id: ConversationId,
        priority: Priority,
    ) -> StoreResult<Conversation> {
        let at = actor.at_ms();
        self.write(move |db, events| {
            data::triage::set_priority(db, events, id, priority, actor.by, at)
        })
        .await
    }

    async fn wake_snoozed(&self, now: DateTime<Utc>) -> StoreResult<Vec<ConversationId>> {
        let now = now.timestamp_millis();
        self.write(move |db, events| data::triage::wake_snoozed(db, events, now))
            .await
    }
}
