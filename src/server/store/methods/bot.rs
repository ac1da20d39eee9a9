//! The bot: its queue and its switch.

use super::*;

/// The store's the bot: its queue and its switch.
#[async_trait]
pub trait BotStore: Send + Sync {
    /// Customer messages the bot is to answer, due by `now`: the oldest of
    /// each conversation's, oldest first.
    async fn due_bot_work(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<BotWork>>;
    /// The bot need not wait any longer before answering `message` (the
    /// customer's name is in, or the platform has none).
    async fn bot_work_now(&self, message: MessageId) -> StoreResult<()>;
    /// Claims `message` for one try of the bot until `until`: false when it
    /// was answered meanwhile or another try holds it.
    async fn claim_bot_work(&self, message: MessageId, until: DateTime<Utc>) -> StoreResult<bool>;
    /// The bot is done with `message` (it answered, or had nothing to
    /// say); with `retry_at`, it tries again then.
    async fn bot_work_done(
        &self,
        message: MessageId,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// The bot steps aside: it is turned off and the conversation becomes a
    /// request for the agents, with a system note saying `why`. Nothing
    /// changes if the bot is already off.
    async fn hand_over(&self, id: ConversationId, why: String) -> StoreResult<Conversation>;
    async fn set_bot(
        &self,
        actor: Actor,
        id: ConversationId,
        active: bool,
    ) -> StoreResult<Conversation>;
}

#[async_trait]
impl<E: Engine> BotStore for E {
    async fn due_bot_work(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<BotWork>> {
        let now = now.timestamp_millis();
        self.read(move |db| data::bot::due(db, now, limit)).await
    }

    async fn bot_work_now(&self, message: MessageId) -> StoreResult<()> {
        self.write(move |db, _| data::bot::now(db, message)).await
    }

    async fn claim_bot_work(&self, message: MessageId, until: DateTime<Utc>) -> StoreResult<bool> {
        let until = until.timestamp_millis();
        self.write(move |db, _| data::bot::claim(db, message, until))
            .await
    }

    async fn bot_work_done(
        &self,
        message: MessageId,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let at = retry_at.map(|t| t.timestamp_millis());
        self.write(move |db, _| data::bot::done(db, message, at))
            .await
    }

    async fn hand_over(&self, id: ConversationId, why: String) -> StoreResult<Conversation> {
        self.write(move |db, events| {
            // The customer now waits for a person, from their last message.
            db.execute(
                "UPDATE conversations SET waiting_since = COALESCE(waiting_since, customer_last_at)
                     WHERE id = ?1 AND bot_active = 1",
                &[&id],
            )?;
            bot_off(db, events, id, None, why, now_ms())?;
            load_conversation(db, id)
        })
        .await
    }

    async fn set_bot(
        &self,
        actor: Actor,
        id: ConversationId,
        active: bool,
    ) -> StoreResult<Conversation> {
        let by = actor.by;
        let at = actor.at_ms();
        self.write(move |db, events| {
            let conv = load_conversation(db, id)?;
            if conv.bot_active == active {
                return Ok(conv);
            }
            db.execute(
                "UPDATE conversations SET bot_active = ?2 WHERE id = ?1",
                &[&id, &i64::from(active)],
            )?;
            if !active {
                data::bot::forget(db, id)?;
            }
            let text = format!(
                "bot turned {} by {}",
                if active { "on" } else { "off" },
                who(db, by)?
            );
            system_message(db, events, id, by, text, at)?;
            let conversation = load_conversation(db, id)?;
            events.push(EventKind::BotToggled {
                conversation: conversation.clone(),
                active,
                by,
            });
            Ok(conversation)
        })
        .await
    }
}
