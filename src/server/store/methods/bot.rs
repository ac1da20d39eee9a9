//! The bot: its queue and its switch.

use super::*;

pub async fn due_bot_work<E: Engine>(
    store: &E,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<BotWork>> {
    let now = now.timestamp_millis();
    store.read(move |db| data::bot::due(db, now, limit)).await
}

pub async fn bot_work_now<E: Engine>(store: &E, message: MessageId) -> StoreResult<()> {
    store.write(move |db, _| data::bot::now(db, message)).await
}

pub async fn claim_bot_work<E: Engine>(
    store: &E,
    message: MessageId,
    until: DateTime<Utc>,
) -> StoreResult<bool> {
    let until = until.timestamp_millis();
    store
        .write(move |db, _| data::bot::claim(db, message, until))
        .await
}

pub async fn bot_work_done<E: Engine>(
    store: &E,
    message: MessageId,
    retry_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let at = retry_at.map(|t| t.timestamp_millis());
    store
        .write(move |db, _| data::bot::done(db, message, at))
        .await
}

pub async fn hand_over<E: Engine>(
    store: &E,
    id: ConversationId,
    why: String,
) -> StoreResult<Conversation> {
    store
        .write(move |db, events| {
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

pub async fn set_bot<E: Engine>(
    store: &E,
    actor: Actor,
    id: ConversationId,
    active: bool,
) -> StoreResult<Conversation> {
    let by = actor.by;
    let at = actor.at_ms();
    store
        .write(move |db, events| {
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
