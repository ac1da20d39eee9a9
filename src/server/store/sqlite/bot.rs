//! The bot's queue: each customer message in a conversation whose bot is
//! on is queued in the same write that stores it, and leaves the queue
//! only when the bot has answered it, so a crash between the two loses no
//! answer. Only the oldest message of each conversation is ever due: the
//! bot answers a conversation's messages in order. A try claims its message
//! first (in the writer, so two tries never overlap, here or on another
//! replica); a conversation holds at most [`MAX_QUEUED`] messages for the
//! bot (a customer writing faster than it answers gets answers to those);
//! turning the bot off forgets the conversation's queue.

use super::now_ms;
use crate::protocol::*;
use crate::server::store::{BotWork, StoreResult};
use rusqlite::{params, Connection, Transaction};

/// The most messages a conversation holds for the bot at once.
pub const MAX_QUEUED: i64 = 20;

pub fn queue(
    tx: &Transaction,
    conversation: ConversationId,
    message: MessageId,
    reads: Option<&str>,
    due: i64,
) -> StoreResult<()> {
    let queued: i64 = tx
        .prepare_cached("SELECT COUNT(*) FROM bot_work WHERE conversation_id = ?1")?
        .query_row([conversation], |r| r.get(0))?;
    if queued >= MAX_QUEUED {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO bot_work (message_id, conversation_id, reads, due_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![message, conversation, reads, due])?;
    Ok(())
}

pub fn due(conn: &Connection, now: i64, limit: u32) -> StoreResult<Vec<BotWork>> {
    let rows = conn
        .prepare_cached(
            "SELECT w.message_id, w.conversation_id, w.reads, w.attempts
             FROM (SELECT MIN(message_id) AS head FROM bot_work GROUP BY conversation_id) h
             JOIN bot_work w ON w.message_id = h.head
             WHERE w.due_at <= ?1
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

/// The bot need not wait any longer for `message`: unless a try has
/// begun (a claim or a retry counts as one).
pub fn now(tx: &Transaction, message: MessageId) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE bot_work SET due_at = MIN(due_at, ?2) WHERE message_id = ?1 AND attempts = 0",
    )?
    .execute(params![message, now_ms()])?;
    Ok(())
}

/// Claims `message` for one try until `until`: false when it is gone
/// (answered meanwhile) or claimed by another try that has not run out.
pub fn claim(tx: &Transaction, message: MessageId, until: i64) -> StoreResult<bool> {
    let n = tx
        .prepare_cached(
            "UPDATE bot_work SET due_at = ?2, attempts = attempts + 1
             WHERE message_id = ?1 AND due_at <= ?3",
        )?
        .execute(params![message, until, now_ms()])?;
    Ok(n == 1)
}

/// Forgets what the bot had still to answer in `conversation` (it is off).
pub fn forget(tx: &Transaction, conversation: ConversationId) -> StoreResult<()> {
    tx.prepare_cached("DELETE FROM bot_work WHERE conversation_id = ?1")?
        .execute([conversation])?;
    Ok(())
}

pub fn done(tx: &Transaction, message: MessageId, retry_at: Option<i64>) -> StoreResult<()> {
    match retry_at {
        Some(at) => tx
            // The claim counted the try.
            .prepare_cached("UPDATE bot_work SET due_at = ?2 WHERE message_id = ?1")?
            .execute(params![message, at])?,
        None => tx
            .prepare_cached("DELETE FROM bot_work WHERE message_id = ?1")?
            .execute([message])?,
    };
    Ok(())
}
