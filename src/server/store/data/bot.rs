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
use crate::server::store::sql::Db;
use crate::server::store::{BotWork, StoreResult};

/// The most messages a conversation holds for the bot at once.
pub const MAX_QUEUED: i64 = 20;

pub fn queue(
    db: Db,
    conversation: ConversationId,
    message: MessageId,
    reads: Option<&str>,
    due: i64,
) -> StoreResult<()> {
    let queued = db
        .value::<i64>(
            "SELECT COUNT(*) FROM bot_work WHERE conversation_id = ?1",
            &[&conversation],
        )?
        .unwrap_or(0);
    if queued >= MAX_QUEUED {
        return Ok(());
    }
    db.execute(
        "INSERT INTO bot_work (message_id, conversation_id, reads, due_at) VALUES (?1, ?2, ?3, ?4)",
        &[&message, &conversation, &reads, &due],
    )?;
    Ok(())
}

pub fn due(db: Db, now: i64, limit: u32) -> StoreResult<Vec<BotWork>> {
    db.query(
        "SELECT w.message_id, w.conversation_id, w.reads, w.attempts
         FROM (SELECT MIN(message_id) AS head FROM bot_work GROUP BY conversation_id) h
         JOIN bot_work w ON w.message_id = h.head
         WHERE w.due_at <= ?1
         ORDER BY w.message_id LIMIT ?2",
        &[&now, &i64::from(limit)],
        |r| {
            Ok(BotWork {
                message_id: r.get(0)?,
                conversation_id: r.get(1)?,
                reads: r.get(2)?,
                attempts: r.count(3)?,
            })
        },
    )
}

/// The bot need not wait any longer for `message`: unless a try has
/// begun (a claim or a retry counts as one).
pub fn now(db: Db, message: MessageId) -> StoreResult<()> {
    db.execute(
        &format!(
            "UPDATE bot_work SET due_at = {}(due_at, ?2) WHERE message_id = ?1 AND attempts = 0",
            db.least()
        ),
        &[&message, &now_ms()],
    )?;
    Ok(())
}

/// Claims `message` for one try until `until`: false when it is gone
/// (answered meanwhile) or claimed by another try that has not run out.
pub fn claim(db: Db, message: MessageId, until: i64) -> StoreResult<bool> {
    let n = db.execute(
        "UPDATE bot_work SET due_at = ?2, attempts = attempts + 1
         WHERE message_id = ?1 AND due_at <= ?3",
        &[&message, &until, &now_ms()],
    )?;
    Ok(n == 1)
}

/// Forgets what the bot had still to answer in `conversation` (it is off).
pub fn forget(db: Db, conversation: ConversationId) -> StoreResult<()> {
    db.execute(
        "DELETE FROM bot_work WHERE conversation_id = ?1",
        &[&conversation],
    )?;
    Ok(())
}

pub fn done(db: Db, message: MessageId, retry_at: Option<i64>) -> StoreResult<()> {
    match retry_at {
        // The claim counted the try.
        Some(at) => db.execute(
            "UPDATE bot_work SET due_at = ?2 WHERE message_id = ?1",
            &[&message, &at],
        )?,
        None => db.execute("DELETE FROM bot_work WHERE message_id = ?1", &[&message])?,
    };
    Ok(())
}
