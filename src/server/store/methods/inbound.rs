//! A customer message from a platform, stored in one write.

use super::*;

/// The store's a customer message from a platform, stored in one write.
#[async_trait]
pub trait InboundStore: Send + Sync {
    async fn inbound(&self, msg: InboundMessage) -> StoreResult<InboundAccepted>;
}

#[async_trait]
impl<E: Engine> InboundStore for E {
    async fn inbound(&self, msg: InboundMessage) -> StoreResult<InboundAccepted> {
        validate_text(&msg.channel_user_id, "channel_user_id", 500)?;
        validate_text(&msg.external_id, "external_id", 500)?;
        validate_message_text(&msg.text, msg.attachment_id)?;
        if msg.customer_name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "customer_name is longer than 200 characters".into(),
            ));
        }
        self.write(move |db, events| {
                let account = match msg.account {
                    Some(a) => a,
                    None => api_account(db, msg.channel)?,
                };
                let dup: Option<i64> = db.value("SELECT message_id FROM inbound_dedupe
                         WHERE channel_account_id = ?1 AND external_id = ?2", &[&account, &msg.external_id])?;
                if let Some(message_id) = dup {
                    let (conversation_id, customer_id): (i64, i64) = db.query_row("SELECT m.conversation_id, cv.customer_id FROM messages m
                         JOIN conversations cv ON cv.id = m.conversation_id WHERE m.id = ?1", &[&message_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    return Ok(InboundAccepted {
                        conversation_id,
                        customer_id,
                        message_id,
                        duplicate: true,
                    });
                }
                let at = msg.at.map(|t| t.timestamp_millis()).unwrap_or_else(now_ms);
                let name = match msg.customer_name.trim() {
                    "" => msg.channel_user_id.trim().to_string(),
                    n => n.to_string(),
                };
                let existing: Option<i64> = db.value("SELECT id FROM customers WHERE channel_account_id = ?1 AND channel_user_id = ?2", &[&account, &msg.channel_user_id])?;
                let customer_id = match existing {
                    Some(id) => {
                        db.execute(&format!("UPDATE customers SET last_seen = {}(last_seen, ?2) WHERE id = ?1", db.greatest()), &[&id, &at])?;
                        id
                    }
                    None => {
                        let id: i64 = db.query_row("INSERT INTO customers (channel_account_id, channel_user_id, name, first_seen, last_seen)
                             VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id", &[&account, &msg.channel_user_id, &name, &at], |r| r.get(0))?;
                        events.push(EventKind::CustomerCreated {
                            customer: load_customer(db, id)?,
                        });
                        id
                    }
                };
                let conv: Option<i64> = db.value("SELECT id FROM conversations WHERE customer_id = ?1 AND channel_account_id = ?2", &[&customer_id, &account])?;
                let conversation_id = match conv {
                    Some(id) => id,
                    None => {
                        // Every new conversation starts with the bot.
                        let id: i64 = db.query_row("INSERT INTO conversations (customer_id, channel_account_id, bot_active, last_activity_at, created_at)
                             VALUES (?1, ?2, 1, ?3, ?3) RETURNING id", &[&customer_id, &account, &at], |r| r.get(0))?;
                        events.push(EventKind::ConversationCreated {
                            conversation: load_conversation(db, id)?,
                        });
                        id
                    }
                };
                // When the platform says when the customer wrote, that time
                // (not this arrival) is the customer's latest: read before the
                // message moves it.
                let customer_last: Option<i64> = match msg.sent_at {
                    Some(_) => db.query_row("SELECT customer_last_at FROM conversations WHERE id = ?1", &[&conversation_id], |r| r.get(0))?,
                    None => None,
                };
                // A follow or a block is a note in the conversation, not a
                // message: no unread count, nobody waiting, nothing reopened.
                let kind = if msg.reach.is_some() { MessageKind::System } else { MessageKind::Inbound };
                let mut message = insert_message_with(
                    db,
                    conversation_id,
                    kind,
                    &msg.text,
                    None,
                    None,
                    msg.attachment_id,
                    at,
                )?;
                if let Some(tap) = &msg.tap {
                    db.execute("UPDATE messages SET tap = ?2 WHERE id = ?1", &[&message.id, tap])?;
                    message.tap = Some(tap.clone());
                }
                match &msg.reach {
                    Some(Reach::Followed) => db.execute("UPDATE conversations SET blocked = NULL WHERE id = ?1", &[&conversation_id])?,
                    Some(Reach::Blocked(why)) => db.execute("UPDATE conversations SET blocked = ?2 WHERE id = ?1", &[&conversation_id, why])?,
                    None => 0,
                };
                if let Some(sent) = msg.sent_at {
                    let sent = sent.timestamp_millis();
                    db.execute("UPDATE conversations SET customer_last_at = ?2 WHERE id = ?1", &[&conversation_id, &(customer_last.map_or(sent, |c| c.max(sent)))])?;
                }
                db.execute("INSERT INTO inbound_dedupe (channel_account_id, external_id, message_id) VALUES (?1, ?2, ?3)", &[&account, &msg.external_id, &message.id])?;
                data::delivery::after_inbound(db, conversation_id, message.id, &msg)?;
                let message_id = message.id;
                let conversation = load_conversation(db, conversation_id)?;
                if let (true, Some(turn)) = (conversation.bot_active, &msg.bot) {
                    let due = turn.after.map_or_else(now_ms, |t| t.timestamp_millis());
                    data::bot::queue(db, conversation_id, message_id, turn.reads.as_deref(), due)?;
                }
                let status = conversation.status;
                events.push(EventKind::MessageCreated {
                    conversation,
                    message,
                });
                if msg.reach.is_none() {
                    data::triage::reopen_on_customer_message(db, events, conversation_id, status, at)?;
                }
                Ok(InboundAccepted {
                    conversation_id,
                    customer_id,
                    message_id,
                    duplicate: false,
                })
            })
            .await
    }
}
