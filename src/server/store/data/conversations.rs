//! Conversations: one loaded with its assignees and tags, what an agent
//! has not read, the bot stepping aside.

use super::super::sql::Db;
use super::messages::system_message;
use super::{bot, to_dt};
use crate::protocol::*;
use crate::server::store::StoreResult;

/// Refuses a reply to a customer who blocked the account, saying why
/// (before it is stored: it could never reach them).
pub fn refuse_if_blocked(conv: &Conversation) -> StoreResult<()> {
    match &conv.blocked {
        Some(why) => Err(crate::server::store::StoreError::Conflict(why.clone())),
        None => Ok(()),
    }
}

pub fn load_conversation(db: Db, id: ConversationId) -> StoreResult<Conversation> {
    let mut conv = db.query_one(
        "conversation",
        "SELECT cv.id, cv.customer_id, cu.name, a.kind, cv.channel_account_id, cv.bot_active,
                cv.last_activity_at, cv.created_at, cv.inbound_count,
                m.id, m.kind, m.text, m.created_at,
                cv.status, cv.snoozed_until, cv.priority, cv.waiting_since, att.name,
                cv.customer_last_at, a.is_api, cv.blocked
         FROM conversations cv
         JOIN customers cu ON cu.id = cv.customer_id
         JOIN channel_accounts a ON a.id = cv.channel_account_id
         LEFT JOIN messages m ON m.id = cv.last_message_id
         LEFT JOIN attachments att ON att.id = m.attachment_id
         WHERE cv.id = ?1",
        &[&id],
        |r| {
            let kind: String = r.get(3)?;
            let last_id: Option<i64> = r.get(9)?;
            let last_message = match last_id {
                Some(mid) => {
                    let mkind: String = r.get(10)?;
                    let text: String = r.get(11)?;
                    // A file without a caption is previewed by its name.
                    let text = match r.get::<Option<String>>(17)? {
                        Some(file) if text.trim().is_empty() => format!("📎 {file}"),
                        _ => text,
                    };
                    Some(MessagePreview {
                        id: mid,
                        kind: mkind.parse().unwrap_or(MessageKind::System),
                        text: preview_text(&text, PREVIEW_CHARS),
                        created_at: to_dt(r.get(12)?),
                    })
                }
                None => None,
            };
            Ok(Conversation {
                id: r.get(0)?,
                customer_id: r.get(1)?,
                customer_name: r.get(2)?,
                channel: kind.parse().unwrap_or(ChannelKind::Messenger),
                channel_account_id: r.get(4)?,
                bot_active: r.flag(5)?,
                assignees: Vec::new(),
                last_message,
                last_activity_at: to_dt(r.get(6)?),
                created_at: to_dt(r.get(7)?),
                inbound_count: r.get(8)?,
                tag_ids: Vec::new(),
                status: r.get::<String>(13)?.parse().unwrap_or_default(),
                snoozed_until: r.get::<Option<i64>>(14)?.map(to_dt),
                priority: Priority::from_rank(r.get(15)?),
                waiting_since: r.get::<Option<i64>>(16)?.map(to_dt),
                customer_last_at: r.get::<Option<i64>>(18)?.map(to_dt),
                via_platform: !r.flag(19)?,
                blocked: r.get(20)?,
            })
        },
    )?;
    conv.assignees = db.query(
        "SELECT ca.agent_id, ag.name, ca.assigned_at FROM conversation_assignees ca
         JOIN agents ag ON ag.id = ca.agent_id
         WHERE ca.conversation_id = ?1 ORDER BY ca.assigned_at, ca.agent_id",
        &[&id],
        |r| {
            Ok(Assignee {
                agent_id: r.get(0)?,
                name: r.get(1)?,
                assigned_at: to_dt(r.get(2)?),
            })
        },
    )?;
    conv.tag_ids = db.query(
        "SELECT tag_id FROM customer_tags WHERE customer_id = ?1 ORDER BY tag_id",
        &[&conv.customer_id],
        |r| r.get(0),
    )?;
    Ok(conv)
}

/// The customer messages in `conv` that `agent` has not read.
pub fn unread_for(db: Db, agent: AgentId, conv: &Conversation) -> StoreResult<i64> {
    let read = db.value::<i64>(
        "SELECT inbound_count FROM read_markers WHERE agent_id = ?1 AND conversation_id = ?2",
        &[&agent, &conv.id],
    )?;
    Ok((conv.inbound_count - read.unwrap_or(0)).max(0))
}

/// Turns the bot off (if it is on) with a system note saying why; what it
/// still had to answer is forgotten.
pub fn bot_off(
    db: Db,
    events: &mut Vec<EventKind>,
    id: ConversationId,
    by: Option<AgentId>,
    why: String,
    at: i64,
) -> StoreResult<()> {
    let n = db.execute(
        "UPDATE conversations SET bot_active = 0 WHERE id = ?1 AND bot_active = 1",
        &[&id],
    )?;
    bot::forget(db, id)?;
    if n == 0 {
        return Ok(());
    }
    system_message(db, events, id, by, why, at)?;
    events.push(EventKind::BotToggled {
        conversation: load_conversation(db, id)?,
        active: false,
        by,
    });
    Ok(())
}
