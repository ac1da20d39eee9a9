//! A conversation's messages, and an agent's reply.

use super::*;

/// The store's a conversation's messages, and an agent's reply.
#[async_trait]
pub trait MessageStore: Send + Sync {
    async fn list_messages(
        &self,
        conversation: ConversationId,
        query: MessagesQuery,
    ) -> StoreResult<MessagePage>;
    /// Returns the message and whether it was created now (false: the
    /// client_id had been used before and the earlier message is returned).
    /// Stores an agent's, the bot's or a system message. An agent's reply
    /// while the bot is on turns the bot off.
    async fn add_message(&self, msg: OutboundMessage) -> StoreResult<(Message, bool)>;
}

#[async_trait]
impl<E: Engine> MessageStore for E {
    async fn list_messages(
        &self,
        conversation: ConversationId,
        query: MessagesQuery,
    ) -> StoreResult<MessagePage> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        self.read(move |db| {
            db.query_opt(
                "SELECT 1 FROM conversations WHERE id = ?1",
                &[&conversation],
                |_| Ok(()),
            )?
            .ok_or(StoreError::NotFound("conversation"))?;
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m {MESSAGE_JOINS}
                     WHERE m.conversation_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3"
            );
            let mut items: Vec<Message> = db.query(
                &sql,
                &[
                    &conversation,
                    &query.before.unwrap_or(i64::MAX),
                    &(i64::from(limit) + 1),
                ],
                message_from_row,
            )?;
            let has_more = items.len() > limit as usize;
            items.truncate(limit as usize);
            items.reverse();
            Ok(MessagePage { items, has_more })
        })
        .await
    }

    async fn add_message(&self, msg: OutboundMessage) -> StoreResult<(Message, bool)> {
        validate_message_text(&msg.text, msg.attachment_id)?;
        if let Some(cid) = &msg.client_id {
            if cid.trim().is_empty() || cid.len() > 200 {
                return Err(StoreError::Invalid(
                    "client_id must be 1 to 200 characters".into(),
                ));
            }
        }
        self.write(move |db, events| {
            let conv = load_conversation(db, msg.conversation_id)?;
            // The bot speaks only while it has the conversation: an agent
            // who took over while it was thinking has the last word.
            if msg.kind == MessageKind::Bot && !conv.bot_active {
                return Err(StoreError::Conflict(
                    "the bot is off in this conversation".into(),
                ));
            }
            data::conversations::refuse_if_blocked(&conv)?;
            // A file the platform cannot carry is refused now, not after
            // the reply was acknowledged.
            // (An unknown file is refused below, as before.)
            if let Some(a) = msg
                .attachment_id
                .map(|f| load_attachment(db, f))
                .transpose()?
                .flatten()
            {
                if let Carriage::Refused(why) = carriage(conv.channel, a.kind, &a.mime) {
                    return Err(StoreError::Invalid(why.to_string()));
                }
            }
            if let Some(cid) = &msg.client_id {
                let existing: Option<i64> = db.value(
                    "SELECT id FROM messages WHERE conversation_id = ?1 AND client_id = ?2",
                    &[&msg.conversation_id, &cid],
                )?;
                if let Some(id) = existing {
                    return Ok((load_message(db, id)?, false));
                }
            }
            let at = msg.at.map(|t| t.timestamp_millis()).unwrap_or_else(now_ms);
            let message = insert_message_with(
                db,
                msg.conversation_id,
                msg.kind,
                &msg.text,
                msg.author_id,
                msg.client_id.as_deref(),
                msg.attachment_id,
                at,
            )?;
            events.push(EventKind::MessageCreated {
                conversation: load_conversation(db, msg.conversation_id)?,
                message: message.clone(),
            });
            if msg.kind == MessageKind::Agent {
                if let Some(author) = msg.author_id {
                    let why = format!("bot turned off: {} replied", agent_name(db, author)?);
                    bot_off(db, events, msg.conversation_id, Some(author), why, at)?;
                }
            }
            Ok((message, true))
        })
        .await
    }
}
