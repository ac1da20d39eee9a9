//! The store's methods, written once for every backend: each checks its
//! input, then runs one read or one write on the engine (`Engine`). The
//! SQL and the rules that must hold in one transaction are in `data/`
//! (tags, triage, bot, delivery and others hand each call there; agents,
//! attachments, broadcasts, channels, customers and inbound still hold
//! some of their SQL here, in the one dialect both backends run). Grouped
//! by resource: each file holds one group's trait (`AgentStore`,
//! `TagStore`, ...) and its implementation for every engine; `Store` is
//! all of them together.

mod agents;
mod attachments;
mod bot;
mod broadcasts;
mod channels;
mod conversations;
mod customers;
mod delivery;
mod events;
mod inbound;
mod macros;
mod messages;
mod notes;
mod scheduled;
mod sessions;
mod standard;
mod tags;
mod triage;

pub use agents::AgentStore;
pub use attachments::AttachmentStore;
pub use bot::BotStore;
pub use broadcasts::BroadcastStore;
pub use channels::ChannelStore;
pub use conversations::ConversationStore;
pub use customers::CustomerStore;
pub use delivery::DeliveryStore;
pub use events::EventStore;
pub use inbound::InboundStore;
pub use macros::MacroStore;
pub use messages::MessageStore;
pub use notes::NoteStore;
pub use scheduled::ScheduledStore;
pub use sessions::SessionStore;
pub use standard::StandardStore;
pub use tags::TagStore;
pub use triage::TriageStore;

use super::data;
use super::data::agents::{agent_name, ensure_team, load_agent, who};
use super::data::attachments::load_attachment;
use super::data::channels::{api_account, channels_to_db};
use super::data::conversations::{bot_off, load_conversation, unread_for};
use super::data::customers::load_customer;
use super::data::messages::{
    insert_message, insert_message_with, load_message, message_from_row, system_message,
    validate_message_text, validate_text, MESSAGE_COLUMNS, MESSAGE_JOINS,
};
use super::data::notes::load_note;
use super::data::scheduled::load_scheduled;
use super::data::{now_ms, to_dt};
use super::engine::Engine;
use super::sql::{Dialect, Param, Value};
use super::*;
use crate::protocol::validate;
use std::collections::HashMap;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

/// 404 for an unknown conversation before anything else is looked at.
async fn load_conversation_checked(store: &impl Engine, id: ConversationId) -> StoreResult<()> {
    store
        .read(move |db| load_conversation(db, id).map(drop))
        .await
}

/// `q` as one FTS5 phrase: matched as a substring, quotes doubled.
fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

/// A LIKE pattern matching text that holds `q` (PostgreSQL's LIKE, whose
/// escape character is the backslash).
fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

enum Cursor {
    /// After this (last_activity_ms, id), newest activity first.
    After(i64, i64),
    /// Skip this many rows (other sort orders).
    Offset(i64),
}

/// Conversation list cursor: "<last_activity_ms>.<id>" for the activity
/// order, "o<offset>" for the others.
fn parse_cursor(cursor: &str, sort: ListSort) -> StoreResult<Cursor> {
    let bad = || StoreError::Invalid(format!("bad cursor {cursor:?}"));
    match (sort, cursor.strip_prefix('o')) {
        (ListSort::Activity, _) => {
            let (a, b) = cursor.split_once('.').ok_or_else(bad)?;
            Ok(Cursor::After(
                a.parse().map_err(|_| bad())?,
                b.parse().map_err(|_| bad())?,
            ))
        }
        (_, Some(n)) => match n.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Cursor::Offset(n)),
            _ => Err(bad()),
        },
        (_, None) => Err(bad()),
    }
}

/// A scheduled message goes out in its author's name: only the author, or
/// an admin, may change or cancel it.
fn author_or_admin(s: &Scheduled, by: &Agent) -> StoreResult<()> {
    if s.created_by.id == by.id || by.is_admin() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "only {} (who wrote it) or an admin may change this scheduled message",
            s.created_by.name
        )))
    }
}

/// How far in the past a send time may be when it is saved (clock skew).
const SCHEDULE_GRACE_MS: i64 = 60_000;

fn check_schedule(
    name: &str,
    text: &str,
    send_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    validate_text(name, "a scheduled message's name", 200)?;
    validate_text(text, "a scheduled message", MAX_MESSAGE_CHARS)?;
    check_placeholders(text).map_err(StoreError::Invalid)?;
    if send_at.timestamp_millis() < now.timestamp_millis() - SCHEDULE_GRACE_MS {
        return Err(StoreError::Invalid(format!(
            "the send time {} has already passed",
            send_at.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    Ok(())
}

fn pending_only(s: &Scheduled) -> StoreResult<()> {
    match s.status {
        ScheduledStatus::Pending => Ok(()),
        ScheduledStatus::Sent => Err(StoreError::Conflict(
            "this scheduled message has already been sent".into(),
        )),
        ScheduledStatus::Cancelled => Err(StoreError::Conflict(
            "this scheduled message was cancelled".into(),
        )),
    }
}

impl<E: Engine> Store for E {
    fn keys(&self) -> &super::secrets::Keys {
        Engine::keys(self)
    }

    fn keeps_file_bytes(&self) -> bool {
        Engine::keeps_file_bytes(self)
    }
}
