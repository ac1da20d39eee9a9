//! Broadcasts to tagged customers.

use super::*;

/// The store's broadcasts to tagged customers.
#[async_trait]
pub trait BroadcastStore: Send + Sync {
    async fn broadcast_audience(&self, audience: BroadcastAudience) -> StoreResult<i64>;
    async fn create_broadcast(
        &self,
        by: AgentId,
        new: NewBroadcast,
        now: DateTime<Utc>,
    ) -> StoreResult<Broadcast>;
    async fn list_broadcasts(&self) -> StoreResult<Vec<Broadcast>>;
    async fn get_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast>;
    async fn cancel_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast>;
    /// Starts broadcasts due at `now` (fixing their recipients) and sends
    /// to at most `batch` pending recipients; returns how many it sent to.
    async fn run_broadcasts(&self, now: DateTime<Utc>, batch: u32) -> StoreResult<usize>;
}

#[async_trait]
impl<E: Engine> BroadcastStore for E {
    async fn broadcast_audience(&self, a: BroadcastAudience) -> StoreResult<i64> {
        self.read(move |db| {
            data::tags::info(db, a.tag_id)?;
            Ok(data::broadcasts::audience(db, a.tag_id, &a.channels)?.len() as i64)
        })
        .await
    }

    async fn create_broadcast(
        &self,
        by: AgentId,
        new: NewBroadcast,
        now: DateTime<Utc>,
    ) -> StoreResult<Broadcast> {
        validate_text(&new.text, "a broadcast", MAX_MESSAGE_CHARS)?;
        check_placeholders(&new.text).map_err(StoreError::Invalid)?;
        let send_at = new.send_at.unwrap_or(now);
        if send_at.timestamp_millis() < now.timestamp_millis() - SCHEDULE_GRACE_MS {
            return Err(StoreError::Invalid(
                "the send time has already passed".into(),
            ));
        }
        self.write(move |db, events| {
                let tag = data::tags::info(db, new.tag_id)?.tag;
                let new_id: i64 = db.query_row("INSERT INTO broadcasts (tag_id, tag_name, tag_color, channels, text, send_at, created_by, created_at, status)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'scheduled') RETURNING id", &[&tag.id, &tag.name, &tag.color, &(channels_to_db(&new.channels)), &new.text.trim_end(), &send_at.timestamp_millis(), &by, &now.timestamp_millis()], |r| r.get(0))?;
                let b = data::broadcasts::load(db, new_id)?;
                events.push(EventKind::BroadcastChanged { broadcast: b.clone() });
                Ok(b)
            })
            .await
    }

    async fn list_broadcasts(&self) -> StoreResult<Vec<Broadcast>> {
        self.read(|db| {
            let ids: Vec<i64> = db.query(
                "SELECT id FROM broadcasts ORDER BY created_at DESC, id DESC LIMIT 200",
                &[],
                |r| r.get(0),
            )?;
            ids.into_iter()
                .map(|id| data::broadcasts::load(db, id))
                .collect()
        })
        .await
    }

    async fn get_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast> {
        self.read(move |db| data::broadcasts::load(db, id)).await
    }

    async fn cancel_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast> {
        self.write(move |db, events| {
            let b = data::broadcasts::load(db, id)?;
            if matches!(b.status, BroadcastStatus::Done | BroadcastStatus::Cancelled) {
                return Err(StoreError::Conflict(
                    "this broadcast has already finished".into(),
                ));
            }
            db.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ?2 WHERE id = ?1",
                &[&id, &now_ms()],
            )?;
            let b = data::broadcasts::load(db, id)?;
            events.push(EventKind::BroadcastChanged {
                broadcast: b.clone(),
            });
            Ok(b)
        })
        .await
    }

    async fn run_broadcasts(&self, now: DateTime<Utc>, batch: u32) -> StoreResult<usize> {
        self.write(move |db, events| {
                let now_ms = now.timestamp_millis();
                // Start what is due: its recipients are fixed now.
                let due: Vec<i64> = db.query("SELECT id FROM broadcasts WHERE status = 'scheduled' AND send_at <= ?1 ORDER BY send_at, id", &[&now_ms], |r| r.get(0))?;
                for id in due {
                    let b = data::broadcasts::load(db, id)?;
                    let who = data::broadcasts::audience(db, b.tag.id, &b.channels)?;
                    for conv in &who {
                        db.execute("INSERT INTO broadcast_recipients (broadcast_id, conversation_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", &[&id, conv])?;
                    }
                    db.execute("UPDATE broadcasts SET status = 'running', total = ?2 WHERE id = ?1", &[&id, &(who.len() as i64)])?;
                }
                // Send a batch.
                let pending: Vec<(i64, i64)> = db.query("SELECT r.broadcast_id, r.conversation_id FROM broadcast_recipients r
                         JOIN broadcasts b ON b.id = r.broadcast_id
                         WHERE b.status = 'running' AND r.status = 'pending'
                         ORDER BY r.broadcast_id, r.conversation_id LIMIT ?1", &[&(i64::from(batch))], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let mut touched = std::collections::BTreeSet::new();
                let mut sent = 0;
                for (bid, conv_id) in pending {
                    touched.insert(bid);
                    let b = data::broadcasts::load(db, bid)?;
                    // One recipient's failure is theirs alone.
                    let outcome = db.savepoint(|| -> StoreResult<(Message, Conversation)> {
                        let conv = load_conversation(db, conv_id)?;
                        data::conversations::refuse_if_blocked(&conv)?;
                        let customer = load_customer(db, conv.customer_id)?;
                        let author = load_agent(db, b.created_by.id)?;
                        let text = fill_placeholders(&b.text, Some(&customer), Some(&author), Some(conv.channel));
                        let m = insert_message(db, conv_id, MessageKind::Agent, &text, Some(author.id), None, now_ms)?;
                        Ok((m, load_conversation(db, conv_id)?))
                    })?;
                    match outcome {
                        Ok((message, conversation)) => {
                            sent += 1;
                            let mid = message.id;
                            events.push(EventKind::MessageCreated { conversation, message });
                            db.execute("UPDATE broadcast_recipients SET status = 'sent', message_id = ?3 WHERE broadcast_id = ?1 AND conversation_id = ?2", &[&bid, &conv_id, &mid])?;
                            db.execute("UPDATE broadcasts SET sent = sent + 1 WHERE id = ?1", &[&bid])?;
                        }
                        Err(e) => {
                            db.execute("UPDATE broadcast_recipients SET status = 'failed', error = ?3 WHERE broadcast_id = ?1 AND conversation_id = ?2", &[&bid, &conv_id, &e.to_string()])?;
                            db.execute("UPDATE broadcasts SET failed = failed + 1 WHERE id = ?1", &[&bid])?;
                        }
                    }
                }
                // Finish what has no one left to send to.
                let running: Vec<i64> = db.query("SELECT id FROM broadcasts WHERE status = 'running'", &[], |r| r.get(0))?;
                for id in running {
                    let left: i64 = db.query_row("SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1 AND status = 'pending'", &[&id], |r| r.get(0))?;
                    if left == 0 {
                        db.execute("UPDATE broadcasts SET status = 'done', finished_at = ?2 WHERE id = ?1", &[&id, &now_ms])?;
                        touched.insert(id);
                    }
                }
                for id in touched {
                    events.push(EventKind::BroadcastChanged {
                        broadcast: data::broadcasts::load(db, id)?,
                    });
                }
                Ok(sent)
            })
            .await
    }
}
