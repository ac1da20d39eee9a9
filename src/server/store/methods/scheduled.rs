//! Scheduled messages.

use super::*;

/// The store's scheduled messages.
#[async_trait]
pub trait ScheduledStore: Send + Sync {
    async fn list_scheduled(&self, conversation: ConversationId) -> StoreResult<Vec<Scheduled>>;
    async fn create_scheduled(
        &self,
        by: AgentId,
        conversation: ConversationId,
        new: NewScheduled,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled>;
    /// Only its author or an admin may change or cancel one (Forbidden).
    async fn update_scheduled(
        &self,
        by: &Agent,
        id: ScheduledId,
        patch: ScheduledPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled>;
    async fn cancel_scheduled(&self, by: &Agent, id: ScheduledId) -> StoreResult<Scheduled>;
    /// Sends every pending scheduled message due at `now`, each exactly
    /// once: claimed, stored as a message and marked sent in one transaction.
    async fn send_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<MessageId>>;
}

#[async_trait]
impl<E: Engine> ScheduledStore for E {
    async fn list_scheduled(&self, conversation: ConversationId) -> StoreResult<Vec<Scheduled>> {
        self.read(move |db| {
            load_conversation(db, conversation)?;
            let ids: Vec<i64> = db.query(
                "SELECT id FROM scheduled_messages WHERE conversation_id = ?1
                         ORDER BY status != 'pending', send_at, id",
                &[&conversation],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_scheduled(db, id)).collect()
        })
        .await
    }

    async fn create_scheduled(
        &self,
        by: AgentId,
        conversation: ConversationId,
        new: NewScheduled,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled> {
        check_schedule(&new.name, &new.text, new.send_at, now)?;
        self.write(move |db, events| {
                load_conversation(db, conversation)?;
                let now_ms = now.timestamp_millis();
                let new_id: i64 = db.query_row("INSERT INTO scheduled_messages (conversation_id, name, text, send_at, created_by, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id", &[&conversation, &new.name.trim(), &new.text.trim_end(), &new.send_at.timestamp_millis(), &by, &now_ms], |r| r.get(0))?;
                let s = load_scheduled(db, new_id)?;
                events.push(EventKind::ScheduledChanged { scheduled: s.clone() });
                Ok(s)
            })
            .await
    }

    async fn update_scheduled(
        &self,
        by: &Agent,
        id: ScheduledId,
        patch: ScheduledPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled> {
        let by = by.clone();
        self.write(move |db, events| {
                let current = load_scheduled(db, id)?;
                author_or_admin(&current, &by)?;
                pending_only(&current)?;
                let name = patch.name.unwrap_or(current.name);
                let text = patch.text.unwrap_or(current.text);
                let send_at = patch.send_at.unwrap_or(current.send_at);
                check_schedule(&name, &text, send_at, now)?;
                db.execute("UPDATE scheduled_messages SET name = ?2, text = ?3, send_at = ?4, updated_at = ?5, updated_by = ?6 WHERE id = ?1", &[&id, &name.trim(), &text.trim_end(), &send_at.timestamp_millis(), &now.timestamp_millis(), &by.id])?;
                let s = load_scheduled(db, id)?;
                events.push(EventKind::ScheduledChanged { scheduled: s.clone() });
                Ok(s)
            })
            .await
    }

    async fn cancel_scheduled(&self, by: &Agent, id: ScheduledId) -> StoreResult<Scheduled> {
        let by = by.clone();
        self.write(move |db, events| {
                let current = load_scheduled(db, id)?;
                author_or_admin(&current, &by)?;
                pending_only(&current)?;
                db.execute("UPDATE scheduled_messages SET status = 'cancelled', updated_at = ?2, updated_by = ?3
                     WHERE id = ?1", &[&id, &now_ms(), &by.id])?;
                let s = load_scheduled(db, id)?;
                events.push(EventKind::ScheduledChanged {
                    scheduled: s.clone(),
                });
                Ok(s)
            })
            .await
    }

    async fn send_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<MessageId>> {
        self.write(move |db, events| {
                let due: Vec<i64> = db.query("SELECT id FROM scheduled_messages WHERE status = 'pending' AND send_at <= ?1
                         ORDER BY send_at, id LIMIT 500", &[&now.timestamp_millis()], |r| r.get(0))?;
                let mut sent = Vec::new();
                for id in due {
                    let s = load_scheduled(db, id)?;
                    let conv = load_conversation(db, s.conversation_id)?;
                    let customer = load_customer(db, conv.customer_id)?;
                    let author = load_agent(db, s.created_by.id)?;
                    let text = fill_placeholders(&s.text, Some(&customer), Some(&author), Some(conv.channel));
                    let text = if text.trim().is_empty() { s.text.clone() } else { text };
                    let message = insert_message(
                        db,
                        s.conversation_id,
                        MessageKind::Agent,
                        &text,
                        Some(author.id),
                        None,
                        now.timestamp_millis(),
                    )?;
                    db.execute("UPDATE messages SET scheduled_id = ?2 WHERE id = ?1", &[&message.id, &id])?;
                    // To a customer who blocked the account it fails at once,
                    // saying why; it can be sent again once they follow.
                    if let Some(why) = &conv.blocked {
                        db.execute("UPDATE messages SET status = 'failed', failure = ?2, next_attempt_at = NULL WHERE id = ?1", &[&message.id, why])?;
                    }
                    db.execute("UPDATE scheduled_messages SET status = 'sent', sent_message_id = ?2, updated_at = ?3 WHERE id = ?1", &[&id, &message.id, &now.timestamp_millis()])?;
                    events.push(EventKind::MessageCreated {
                        conversation: load_conversation(db, s.conversation_id)?,
                        message: load_message(db, message.id)?,
                    });
                    events.push(EventKind::ScheduledChanged {
                        scheduled: load_scheduled(db, id)?,
                    });
                    sent.push(message.id);
                }
                Ok(sent)
            })
            .await
    }
}
