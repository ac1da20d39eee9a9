//! The bot's queue: each customer message in a conversation whose bot is
//! on is queued in the same write that stores it, and leaves the queue
//! only when the bot has answered it, so a crash between the two loses no
//! answer. Only the oldest message of each conversation is ever due: the
//! bot answers a conversation's messages in order.

use super::now_ms;
use crate::protocol::*;
use crate::server::store::{BotWork, StoreResult};
use rusqlite::{params, Connection, Transaction};

pub fn queue(
    tx: &Transaction,
    conversation: ConversationId,
    message: MessageId,
    reads: Option<&str>,
    due: i64,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO bot_work (message_id, conversation_id, reads, due_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![message, conversation, reads, due])?;
    Ok(())
}

pub fn due(conn: &Connection, now: i64, limit: u32) -> StoreResult<Vec<BotWork>> {
    let rows = conn
        .prepare_cached(
            "SELECT w.message_id, w.conversation_id, w.reads, w.attempts FROM bot_work w
             WHERE w.due_at <= ?1
               AND w.message_id = (SELECT MIN(e.message_id) FROM bot_work e
                                   WHERE e.conversation_id = w.conversation_id)
             ORDER BY w.message_id LIMIT ?2",
        )?
        .query_map(params![now, limit], |r| {
            Ok(BotWork {
                message_id: r.get(0)?,
                conversation_id: r.get(1)?,
                reads: r.get(2)?,
                attempts: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn now(tx: &Transaction, message: MessageId) -> StoreResult<()> {
    tx.prepare_cached("UPDATE bot_work SET due_at = MIN(due_at, ?2) WHERE message_id = ?1")?
        .execute(params![message, now_ms()])?;
    Ok(())
}

pub fn done(tx: &Transaction, message: MessageId, retry_at: Option<i64>) -> StoreResult<()> {
    match retry_at {
        Some(at) => tx
            .prepare_cached(
                "UPDATE bot_work SET attempts = attempts + 1, due_at = ?2 WHERE message_id = ?1",
            )?
            .execute(params![message, at])?,
        None => tx
            .prepare_cached("DELETE FROM bot_work WHERE message_id = ?1")?
            .execute([message])?,
    };
    Ok(())
}
