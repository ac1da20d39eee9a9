//! Messages: the columns a message is read from, loading one, storing one
//! (which moves its conversation along), system notes.

use super::super::sql::{Db, Row};
use super::attachments::{attachment_at, load_attachment};
use super::conversations::load_conversation;
use super::to_dt;
use crate::protocol::*;
use crate::server::store::{StoreError, StoreResult};

/// A message's columns, read by [`message_from_row`].
pub const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.kind, m.text, m.attachment_id,
    m.author_id, ag.name, m.created_at, m.status, m.client_id, m.scheduled_id,
    att.name, att.mime, att.kind, att.size, att.sha256, att.created_at, m.failure, m.tap";

/// The joins [`MESSAGE_COLUMNS`] reads from, after `FROM messages m`.
pub const MESSAGE_JOINS: &str = "LEFT JOIN agents ag ON ag.id = m.author_id
    LEFT JOIN attachments att ON att.id = m.attachment_id";

pub fn message_from_row(r: &Row) -> StoreResult<Message> {
    let kind: String = r.get(2)?;
    let status: String = r.get(8)?;
    Ok(Message {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        kind: kind.parse().unwrap_or(MessageKind::System),
        text: r.get(3)?,
        attachment: attachment_at(r, 4)?,
        author_id: r.get(5)?,
        author_name: r.get(6)?,
        created_at: to_dt(r.get(7)?),
        status: status.parse().unwrap_or(DeliveryStatus::Sent),
        failure: r.get(17)?,
        client_id: r.get(9)?,
        scheduled_id: r.get(10)?,
        tap: r.get(18)?,
    })
}

pub fn load_message(db: Db, id: MessageId) -> StoreResult<Message> {
    db.query_one(
        "message",
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages m {MESSAGE_JOINS} WHERE m.id = ?1"),
        &[&id],
        message_from_row,
    )
}

/// Inserts a message and moves the conversation's last activity forward.
pub fn insert_message(
    db: Db,
    conversation: ConversationId,
    kind: MessageKind,
    text: &str,
    author: Option<AgentId>,
    client_id: Option<&str>,
    at: i64,
) -> StoreResult<Message> {
    insert_message_with(db, conversation, kind, text, author, client_id, None, at)
}

/// [`insert_message`] with a file; the attachment must exist.
#[allow(clippy::too_many_arguments)]
pub fn insert_message_with(
    db: Db,
    conversation: ConversationId,
    kind: MessageKind,
    text: &str,
    author: Option<AgentId>,
    client_id: Option<&str>,
    attachment: Option<AttachmentId>,
    at: i64,
) -> StoreResult<Message> {
    if let Some(a) = attachment {
        if load_attachment(db, a)?.is_none() {
            return Err(StoreError::Invalid(format!(
                "attachment {a} does not exist; upload the file first (POST /api/v1/uploads)"
            )));
        }
    }
    let status = match kind {
        // Outbound messages on a real channel wait for the delivery worker
        // (server/workers/delivery.rs) to send them; the API channel has no
        // platform behind it, so they count as sent.
        MessageKind::Agent | MessageKind::Bot => {
            let is_api = db.query_one(
                "conversation",
                "SELECT a.is_api FROM conversations cv
                 JOIN channel_accounts a ON a.id = cv.channel_account_id WHERE cv.id = ?1",
                &[&conversation],
                |r| r.flag(0),
            )?;
            if is_api {
                DeliveryStatus::Sent
            } else {
                DeliveryStatus::Pending
            }
        }
        MessageKind::Inbound | MessageKind::System => DeliveryStatus::Delivered,
    };
    let next_attempt = (status == DeliveryStatus::Pending).then_some(at);
    let id: MessageId = db.query_one(
        "message",
        "INSERT INTO messages (conversation_id, kind, text, author_id, created_at, status,
                               client_id, attachment_id, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        &[
            &conversation,
            &kind.as_str(),
            &text,
            &author,
            &at,
            &status.as_str(),
            &client_id,
            &attachment,
            &next_attempt,
        ],
        |r| r.get(0),
    )?;
    let inbound = i64::from(kind == MessageKind::Inbound);
    // Waiting: since the customer's first unanswered message; an answer
    // from an agent or the bot ends it; system notes change nothing.
    let waiting = match kind {
        MessageKind::Inbound => "COALESCE(waiting_since, ?3)",
        MessageKind::Agent | MessageKind::Bot => "NULL",
        MessageKind::System => "waiting_since",
    };
    // System notes ("resolved by Bob") are in the history but are not the
    // conversation's latest message: they neither replace the preview nor
    // move it up the list.
    if kind != MessageKind::System {
        let max = db.greatest();
        db.execute(
            &format!(
                "UPDATE conversations SET last_message_id = ?2,
                     last_activity_at = {max}(last_activity_at, ?3),
                     inbound_count = inbound_count + ?4,
                     waiting_since = {waiting},
                     customer_last_at = CASE WHEN ?4 = 1
                         THEN {max}(COALESCE(customer_last_at, ?3), ?3) ELSE customer_last_at END
                 WHERE id = ?1"
            ),
            &[&conversation, &id, &at, &inbound],
        )?;
    }
    load_message(db, id)
}

/// Adds a system note ("assigned to Bob") and its event.
pub fn system_message(
    db: Db,
    events: &mut Vec<EventKind>,
    conversation: ConversationId,
    by: Option<AgentId>,
    text: String,
    at: i64,
) -> StoreResult<()> {
    let message = insert_message(db, conversation, MessageKind::System, &text, by, None, at)?;
    events.push(EventKind::MessageCreated {
        conversation: load_conversation(db, conversation)?,
        message,
    });
    Ok(())
}

/// A message's text: may be empty only when it carries a file.
pub fn validate_message_text(text: &str, attachment: Option<AttachmentId>) -> StoreResult<()> {
    if attachment.is_some() && text.trim().is_empty() {
        return Ok(());
    }
    validate_text(text, "a message", MAX_MESSAGE_CHARS)
}

pub fn validate_text(text: &str, what: &str, max: usize) -> StoreResult<()> {
    if text.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} cannot be empty")));
    }
    if text.chars().count() > max {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    Ok(())
}
