//! Sending through the platforms: the outbound queue, the platforms'
//! delivery statuses, LINE's reply tokens, customers' files still to fetch
//! and names from the platforms' profiles.

use super::customers::load_customer;
use super::messages::load_message;
use super::{now_ms, to_dt};
use crate::protocol::*;
use crate::server::store::sql::Db;
use crate::server::store::{
    Delivery, DeliveryOutcome, InboundMessage, MediaFetch, MediaOutcome, StoreError, StoreResult,
};

/// Keeps what a platform sent beside a customer message: LINE's reply
/// token, and the file still to fetch.
pub fn after_inbound(
    db: Db,
    conversation: ConversationId,
    message: MessageId,
    msg: &InboundMessage,
) -> StoreResult<()> {
    if let Some(token) = &msg.reply_token {
        db.execute(
            "UPDATE conversations SET reply_token = ?2, reply_token_at = ?3 WHERE id = ?1",
            &[&conversation, &token, &now_ms()],
        )?;
    }
    if let Some(media) = &msg.media {
        db.execute(
            "INSERT INTO media_fetches (message_id, media, next_attempt_at) VALUES (?1, ?2, ?3)",
            &[&message, &media, &now_ms()],
        )?;
    }
    Ok(())
}

/// Message, account, kind, customer id, customer's last message, reply
/// token and its time, tries so far, parts sent.
type DueRow = (
    MessageId,
    ChannelAccountId,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    u32,
    u32,
);

/// Claims what is due: each message is this caller's until `until` (its
/// next try is put then), so no other worker (on this replica or another)
/// takes it meanwhile; one that dies leaves it to be taken again then.
pub fn claim(db: Db, now: i64, until: i64, limit: u32) -> StoreResult<Vec<Delivery>> {
    let due = due(db, now, limit)?;
    for d in &due {
        db.execute(
            "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1 AND status = 'pending'",
            &[&d.message.id, &until],
        )?;
    }
    Ok(due)
}

/// Records that a message still being sent has made `parts` of its calls
/// (before it makes the next): whoever takes it over, if this try never
/// ends, starts after them.
pub fn parts_sent(db: Db, id: MessageId, parts: u32) -> StoreResult<()> {
    db.execute(
        "UPDATE messages SET parts_sent = ?2
             WHERE id = ?1 AND status = 'pending' AND parts_sent < ?2",
        &[&id, &i64::from(parts)],
    )?;
    Ok(())
}

/// Keeps the claims on messages still being sent until `until` (a retry
/// already put later stays there).
pub fn renew(db: Db, messages: &[MessageId], media: &[MessageId], until: i64) -> StoreResult<()> {
    let greatest = db.greatest();
    for id in messages {
        db.execute(
            &format!(
                "UPDATE messages SET next_attempt_at = {greatest}(next_attempt_at, ?2)
                 WHERE id = ?1 AND status = 'pending'"
            ),
            &[id, &until],
        )?;
    }
    for id in media {
        db.execute(
            &format!(
                "UPDATE media_fetches SET next_attempt_at = {greatest}(next_attempt_at, ?2)
                 WHERE message_id = ?1"
            ),
            &[id, &until],
        )?;
    }
    Ok(())
}

fn due(db: Db, now: i64, limit: u32) -> StoreResult<Vec<Delivery>> {
    let rows: Vec<DueRow> = db.query(
        "SELECT m.id, cv.channel_account_id, a.kind, cu.channel_user_id, cv.customer_last_at,
                    cv.reply_token, cv.reply_token_at, m.attempts, m.parts_sent
             FROM messages m
             JOIN conversations cv ON cv.id = m.conversation_id
             JOIN channel_accounts a ON a.id = cv.channel_account_id
             JOIN customers cu ON cu.id = cv.customer_id
             WHERE m.status = 'pending' AND m.next_attempt_at <= ?1
               AND NOT EXISTS (SELECT 1 FROM messages p WHERE p.conversation_id = m.conversation_id
                               AND p.status = 'pending' AND p.id < m.id)
             ORDER BY m.next_attempt_at, m.id LIMIT ?2",
        &[&now, &i64::from(limit)],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.count(7)?,
                r.count(8)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(
            |(id, account, kind, to, last, token, token_at, attempts, parts_sent)| {
                Ok(Delivery {
                    message: load_message(db, id)?,
                    account,
                    kind: kind.parse().map_err(|e: String| StoreError::Internal(e))?,
                    to,
                    customer_last_at: last.map(to_dt),
                    reply_token: token.zip(token_at.map(to_dt)),
                    attempts,
                    parts_sent,
                })
            },
        )
        .collect()
}

fn updated(db: Db, events: &mut Vec<EventKind>, id: MessageId) -> StoreResult<Message> {
    let message = load_message(db, id)?;
    events.push(EventKind::MessageUpdated {
        message: message.clone(),
    });
    Ok(message)
}

/// Forgets the reply token `spent`, unless a newer one has replaced it.
fn clear_reply_token(db: Db, message: MessageId, spent: &str) -> StoreResult<()> {
    db.execute(
        "UPDATE conversations SET reply_token = NULL, reply_token_at = NULL
         WHERE id = (SELECT conversation_id FROM messages WHERE id = ?1) AND reply_token = ?2",
        &[&message, &spent],
    )?;
    Ok(())
}

pub fn done(
    db: Db,
    events: &mut Vec<EventKind>,
    id: MessageId,
    outcome: DeliveryOutcome,
) -> StoreResult<Message> {
    let (status, external, failure, next, parts, spent) = match outcome {
        DeliveryOutcome::Sent {
            external_id,
            spent_token,
        } => (
            DeliveryStatus::Sent,
            external_id,
            None,
            None,
            None,
            spent_token,
        ),
        DeliveryOutcome::Retry {
            reason,
            at,
            parts_sent,
            spent_token,
        } => (
            DeliveryStatus::Pending,
            None,
            Some(reason),
            Some(at.timestamp_millis()),
            Some(parts_sent),
            spent_token,
        ),
        DeliveryOutcome::Failed {
            reason,
            parts_sent,
            spent_token,
        } => (
            DeliveryStatus::Failed,
            None,
            Some(reason),
            None,
            Some(parts_sent),
            spent_token,
        ),
    };
    // The parts that went out only ever grow: a try that knew of fewer
    // (it failed before making a call) never lowers the count.
    let max = db.greatest();
    let n = db.execute(
        &format!(
            "UPDATE messages SET status = ?2, external_id = COALESCE(?3, external_id), failure = ?4,
                    next_attempt_at = ?5, attempts = attempts + 1,
                    parts_sent = {max}(parts_sent, COALESCE(?6, parts_sent))
             WHERE id = ?1 AND status = 'pending'"
        ),
        &[
            &id,
            &status.as_str(),
            &external,
            &failure,
            &next,
            &parts.map(i64::from),
        ],
    )?;
    if n == 0 {
        return Err(StoreError::Conflict(
            "that message is not waiting to be sent".into(),
        ));
    }
    if let Some(spent) = spent {
        clear_reply_token(db, id, &spent)?;
    }
    let message = updated(db, events, id)?;
    match (&external, status) {
        (Some(ext), DeliveryStatus::Sent) => {
            apply_early(db, events, id, ext)?;
            load_message(db, id)
        }
        _ => Ok(message),
    }
}

fn rank(s: DeliveryStatus) -> u8 {
    match s {
        DeliveryStatus::Pending => 0,
        DeliveryStatus::Sent => 1,
        DeliveryStatus::Delivered => 2,
        DeliveryStatus::Read => 3,
        DeliveryStatus::Failed => 4,
    }
}

/// Moves a message to `status` if that is a step forward; failed is final
/// unless an agent retries.
fn advance(
    db: Db,
    events: &mut Vec<EventKind>,
    id: MessageId,
    current: DeliveryStatus,
    status: DeliveryStatus,
    reason: Option<String>,
) -> StoreResult<Option<Message>> {
    if current == DeliveryStatus::Failed || rank(status) <= rank(current) {
        return Ok(None);
    }
    db.execute(
        "UPDATE messages SET status = ?2, failure = ?3 WHERE id = ?1",
        &[&id, &status.as_str(), &reason],
    )?;
    updated(db, events, id).map(Some)
}

pub fn status(
    db: Db,
    events: &mut Vec<EventKind>,
    account: ChannelAccountId,
    external_id: &str,
    status: DeliveryStatus,
    reason: Option<String>,
) -> StoreResult<Option<Message>> {
    let found: Option<(MessageId, String)> = db.query_opt(
        "SELECT m.id, m.status FROM messages m
             JOIN conversations cv ON cv.id = m.conversation_id
             WHERE m.external_id = ?2 AND cv.channel_account_id = ?1",
        &[&account, &external_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some((id, current)) = found else {
        // Not recorded yet: the status may have beaten the answer to the
        // send. Kept a day for the id to arrive.
        let now = now_ms();
        db.execute(
            "DELETE FROM early_statuses WHERE at < ?1",
            &[&(now - EARLY_KEEP_MS)],
        )?;
        db.execute(
            "INSERT INTO early_statuses (channel_account_id, external_id, status, reason, at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            &[&account, &external_id, &status.as_str(), &reason, &now],
        )?;
        return Ok(None);
    };
    let current = current.parse().unwrap_or(DeliveryStatus::Sent);
    advance(db, events, id, current, status, reason)
}

/// How long a status for an unknown message id is kept.
const EARLY_KEEP_MS: i64 = 24 * 3600 * 1000;

/// Statuses that came for `external_id` before it was recorded, applied
/// in order.
fn apply_early(
    db: Db,
    events: &mut Vec<EventKind>,
    id: MessageId,
    external_id: &str,
) -> StoreResult<()> {
    let early: Vec<(String, Option<String>)> = db.query(
        "DELETE FROM early_statuses WHERE external_id = ?1 AND channel_account_id =
                 (SELECT cv.channel_account_id FROM messages m
                  JOIN conversations cv ON cv.id = m.conversation_id WHERE m.id = ?2)
             RETURNING status, reason",
        &[&external_id, &id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut early: Vec<(DeliveryStatus, Option<String>)> = early
        .into_iter()
        .filter_map(|(s, r)| s.parse().ok().map(|s| (s, r)))
        .collect();
    early.sort_by_key(|(s, _)| rank(*s));
    for (status, reason) in early {
        let current = load_message(db, id)?.status;
        advance(db, events, id, current, status, reason)?;
    }
    Ok(())
}

/// The most messages one watermark updates (older ones were long since
/// delivered or read).
const WATERMARK_LIMIT: u32 = 200;

pub fn status_until(
    db: Db,
    events: &mut Vec<EventKind>,
    account: ChannelAccountId,
    user: &str,
    until: i64,
    status: DeliveryStatus,
) -> StoreResult<Vec<Message>> {
    let rows: Vec<(MessageId, String)> = db.query(
        "SELECT m.id, m.status FROM messages m
             JOIN conversations cv ON cv.id = m.conversation_id
             JOIN customers cu ON cu.id = cv.customer_id
             WHERE cv.channel_account_id = ?1 AND cu.channel_user_id = ?2
               AND m.kind IN ('agent', 'bot') AND m.status IN ('sent', 'delivered')
               AND m.created_at <= ?3
             ORDER BY m.id DESC LIMIT ?4",
        &[&account, &user, &until, &i64::from(WATERMARK_LIMIT)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut out = Vec::new();
    for (id, current) in rows.into_iter().rev() {
        let current = current.parse().unwrap_or(DeliveryStatus::Sent);
        if let Some(m) = advance(db, events, id, current, status, None)? {
            out.push(m);
        }
    }
    Ok(out)
}

pub fn retry(
    db: Db,
    events: &mut Vec<EventKind>,
    by: &Agent,
    id: MessageId,
) -> StoreResult<Message> {
    let m = load_message(db, id)?;
    if !by.is_admin() && m.kind == MessageKind::Agent && m.author_id != Some(by.id) {
        return Err(StoreError::Forbidden(
            "only the message's author or an admin can send it again".into(),
        ));
    }
    if m.status != DeliveryStatus::Failed {
        return Err(StoreError::Conflict(format!(
            "only a failed message can be sent again; this one is {}",
            m.status.as_str()
        )));
    }
    super::conversations::refuse_if_blocked(&super::conversations::load_conversation(
        db,
        m.conversation_id,
    )?)?;
    db.execute(
        "UPDATE messages SET status = 'pending', failure = NULL, attempts = 0, next_attempt_at = ?2
         WHERE id = ?1",
        &[&id, &now_ms()],
    )?;
    updated(db, events, id)
}

/// Claims the files due to fetch until `until`, as [`claim`] does
/// messages.
pub fn claim_media(db: Db, now: i64, until: i64, limit: u32) -> StoreResult<Vec<MediaFetch>> {
    let due = due_media(db, now, limit)?;
    for f in &due {
        db.execute(
            "UPDATE media_fetches SET next_attempt_at = ?2 WHERE message_id = ?1",
            &[&f.message_id, &until],
        )?;
    }
    Ok(due)
}

fn due_media(db: Db, now: i64, limit: u32) -> StoreResult<Vec<MediaFetch>> {
    let rows: Vec<(MessageId, ChannelAccountId, String, String, u32)> = db.query(
        "SELECT f.message_id, cv.channel_account_id, a.kind, f.media, f.attempts
             FROM media_fetches f
             JOIN messages m ON m.id = f.message_id
             JOIN conversations cv ON cv.id = m.conversation_id
             JOIN channel_accounts a ON a.id = cv.channel_account_id
             WHERE f.next_attempt_at <= ?1 ORDER BY f.next_attempt_at LIMIT ?2",
        &[&now, &i64::from(limit)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.count(4)?)),
    )?;
    rows.into_iter()
        .map(|(message_id, account, kind, media, attempts)| {
            Ok(MediaFetch {
                message_id,
                account,
                kind: kind.parse().map_err(|e: String| StoreError::Internal(e))?,
                media,
                attempts,
            })
        })
        .collect()
}

pub fn media_done(
    db: Db,
    events: &mut Vec<EventKind>,
    id: MessageId,
    outcome: MediaOutcome,
) -> StoreResult<()> {
    match outcome {
        MediaOutcome::Retry { at } => {
            db.execute(
                "UPDATE media_fetches SET attempts = attempts + 1, next_attempt_at = ?2
                 WHERE message_id = ?1",
                &[&id, &at.timestamp_millis()],
            )?;
            return Ok(());
        }
        MediaOutcome::Attached { attachment, text } => {
            db.execute(
                "UPDATE messages SET attachment_id = ?2, text = ?3 WHERE id = ?1",
                &[&id, &attachment, &text],
            )?;
        }
        MediaOutcome::Failed { text } => {
            db.execute("UPDATE messages SET text = ?2 WHERE id = ?1", &[&id, &text])?;
        }
    }
    db.execute("DELETE FROM media_fetches WHERE message_id = ?1", &[&id])?;
    updated(db, events, id)?;
    Ok(())
}

pub fn set_platform_name(
    db: Db,
    events: &mut Vec<EventKind>,
    account: ChannelAccountId,
    user: &str,
    name: &str,
) -> StoreResult<()> {
    let name: String = name.trim().chars().take(200).collect();
    if name.is_empty() {
        return Ok(());
    }
    // Only a placeholder is replaced: a name an agent typed stays.
    let id: Option<CustomerId> = db.value(
        "UPDATE customers SET name = ?3, version = version + 1
             WHERE channel_account_id = ?1 AND channel_user_id = ?2 AND name = channel_user_id
             RETURNING id",
        &[&account, &user, &name],
    )?;
    if let Some(id) = id {
        events.push(EventKind::CustomerUpdated {
            customer: load_customer(db, id)?,
        });
    }
    Ok(())
}
