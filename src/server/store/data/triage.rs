//! Status, snooze and priority in SQL: each change is a system note in the
//! conversation and an event, in the caller's transaction.

use super::agents::who;
use super::conversations::load_conversation;
use super::messages::system_message;
use crate::protocol::*;
use crate::server::store::sql::Db;
use crate::server::store::{StoreError, StoreResult};
use chrono::{DateTime, Utc};

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An agent sets the status; snoozing needs a wake time in the future, or
/// none (until the customer writes).
pub fn set_status(
    db: Db,
    events: &mut Vec<EventKind>,
    id: ConversationId,
    req: SetStatus,
    by: Option<AgentId>,
    at: i64,
) -> StoreResult<Conversation> {
    let conv = load_conversation(db, id)?;
    let until = match (req.status, req.snooze_until) {
        (ConvStatus::Snoozed, Some(t)) if t.timestamp_millis() <= at => {
            return Err(StoreError::Invalid(
                "snooze_until must be in the future".into(),
            ))
        }
        (ConvStatus::Snoozed, t) => t,
        (_, Some(_)) => {
            return Err(StoreError::Invalid(
                "snooze_until goes only with the status snoozed".into(),
            ))
        }
        (_, None) => None,
    };
    if conv.status == req.status && conv.snoozed_until == until {
        return Ok(conv);
    }
    db.execute(
        "UPDATE conversations SET status = ?2, snoozed_until = ?3 WHERE id = ?1",
        &[
            &id,
            &req.status.as_str(),
            &(until.map(|t| t.timestamp_millis())),
        ],
    )?;
    let name = who(db, by)?;
    let text = match (req.status, until) {
        (ConvStatus::Open, _) => format!("reopened by {name}"),
        (ConvStatus::Pending, _) => format!("marked pending (waiting on the customer) by {name}"),
        (ConvStatus::Resolved, _) => format!("resolved by {name}"),
        (ConvStatus::Snoozed, Some(t)) => format!("snoozed until {} by {name}", when(t)),
        (ConvStatus::Snoozed, None) => {
            format!("snoozed until the customer writes, by {name}")
        }
    };
    system_message(db, events, id, by, text, at)?;
    let conversation = load_conversation(db, id)?;
    events.push(EventKind::StatusChanged {
        conversation: conversation.clone(),
        from: conv.status,
        reason: StatusReason::Agent,
        by,
    });
    Ok(conversation)
}

pub fn set_priority(
    db: Db,
    events: &mut Vec<EventKind>,
    id: ConversationId,
    priority: Priority,
    by: Option<AgentId>,
    at: i64,
) -> StoreResult<Conversation> {
    let conv = load_conversation(db, id)?;
    if conv.priority == priority {
        return Ok(conv);
    }
    db.execute(
        "UPDATE conversations SET priority = ?2 WHERE id = ?1",
        &[&id, &priority.rank()],
    )?;
    let text = match priority {
        Priority::None => format!("priority cleared by {}", who(db, by)?),
        p => format!("priority set to {p} by {}", who(db, by)?),
    };
    system_message(db, events, id, by, text, at)?;
    let conversation = load_conversation(db, id)?;
    events.push(EventKind::PriorityChanged {
        conversation: conversation.clone(),
        by,
    });
    Ok(conversation)
}

/// A customer message to a resolved or snoozed conversation opens it
/// again (pending ones stay pending until an agent looks: the list shows
/// them as waiting). `status` is the conversation's, as loaded after the
/// message was stored.
pub fn reopen_on_customer_message(
    db: Db,
    events: &mut Vec<EventKind>,
    id: ConversationId,
    status: ConvStatus,
    at: i64,
) -> StoreResult<()> {
    if !matches!(status, ConvStatus::Resolved | ConvStatus::Snoozed) {
        return Ok(());
    }
    reopen(
        db,
        events,
        status,
        id,
        StatusReason::CustomerReplied,
        "reopened: the customer wrote",
        at,
    )
}

fn reopen(
    db: Db,
    events: &mut Vec<EventKind>,
    from: ConvStatus,
    id: ConversationId,
    reason: StatusReason,
    text: &str,
    at: i64,
) -> StoreResult<()> {
    db.execute(
        "UPDATE conversations SET status = 'open', snoozed_until = NULL WHERE id = ?1",
        &[&id],
    )?;
    system_message(db, events, id, None, text.to_string(), at)?;
    events.push(EventKind::StatusChanged {
        conversation: load_conversation(db, id)?,
        from,
        reason,
        by: None,
    });
    Ok(())
}

/// Wakes every snooze whose time has come. The status test and the change
/// are one statement per conversation in one transaction, so each wakes
/// once, whether the server was running at the time or starts later.
pub fn wake_snoozed(
    db: Db,
    events: &mut Vec<EventKind>,
    now: i64,
) -> StoreResult<Vec<ConversationId>> {
    let due: Vec<ConversationId> = db.query(
        "SELECT id FROM conversations
             WHERE status = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= ?1
             ORDER BY snoozed_until, id LIMIT 500",
        &[&now],
        |r| r.get(0),
    )?;
    for &id in &due {
        reopen(
            db,
            events,
            ConvStatus::Snoozed,
            id,
            StatusReason::SnoozeEnded,
            "the snooze ended; open again",
            now,
        )?;
    }
    Ok(due)
}
