//! The last known inbox, for a start while the server is away: the list's
//! conversations and the histories recently opened, kept in the state
//! folder (bounded, readable only by this user; `chatsmart cache clear` and
//! `chatsmart logout` remove it). Started without the server, the inbox
//! shows them, read-only and marked as such, while it keeps trying; once the
//! server answers it catches up from the sequence the cache was taken at.

use super::app::{App, Conv, MessageLog};
use super::event::Effect;
use crate::protocol::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// At most this many conversations are kept, newest first.
pub const MAX_CONVERSATIONS: usize = 300;
/// The histories of this many conversations, the ones opened last.
pub const MAX_HISTORIES: usize = 30;
/// And the newest messages of each.
pub const MAX_MESSAGES: usize = 100;
/// How often the cache is written while things change.
pub const EVERY_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptConversation {
    pub conversation: Conversation,
    pub my_read: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptHistory {
    pub conversation: ConversationId,
    pub messages: Vec<Message>,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptInbox {
    pub version: u32,
    /// When it was taken, and the last event it holds.
    pub at: DateTime<Utc>,
    pub seq: Seq,
    pub me: Agent,
    pub conversations: Vec<KeptConversation>,
    pub histories: Vec<KeptHistory>,
    pub customers: Vec<Customer>,
}

/// Shown while the inbox is the last known one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cached {
    pub at: DateTime<Utc>,
    pub seq: Seq,
}

/// `$XDG_STATE_HOME/chatsmart/cache/<server>.json`.
pub fn path(server: &str) -> std::path::PathBuf {
    super::kept::path("cache", server)
}

/// The inbox as it is now, bounded.
pub fn snapshot(app: &App) -> Option<KeptInbox> {
    let me = app.mirror.me.clone()?;
    let seq = app.mirror.last_seq?;
    let mut convs: Vec<&Conv> = app.mirror.convs.values().collect();
    convs.sort_by(|a, b| {
        b.conversation
            .last_activity_at
            .cmp(&a.conversation.last_activity_at)
            .then(b.conversation.id.cmp(&a.conversation.id))
    });
    convs.truncate(MAX_CONVERSATIONS);
    // The histories opened last: the open one, then back through history.
    let mut recent: Vec<ConversationId> = app.open.into_iter().collect();
    recent.extend(app.history.iter().rev().copied());
    recent.dedup();
    let histories: Vec<KeptHistory> = recent
        .iter()
        .filter_map(|id| {
            let log = app.mirror.logs.get(id).filter(|l| l.loaded)?;
            let skip = log.messages.len().saturating_sub(MAX_MESSAGES);
            Some(KeptHistory {
                conversation: *id,
                messages: log.messages[skip..].to_vec(),
                has_more: log.has_more || skip > 0,
            })
        })
        .take(MAX_HISTORIES)
        .collect();
    let customers = histories
        .iter()
        .filter_map(|h| app.mirror.convs.get(&h.conversation))
        .filter_map(|c| {
            app.mirror
                .customers
                .get(&c.conversation.customer_id)
                .cloned()
        })
        .collect();
    Some(KeptInbox {
        version: 1,
        at: app.now,
        seq,
        me,
        conversations: convs
            .into_iter()
            .map(|c| KeptConversation {
                conversation: c.conversation.clone(),
                my_read: c.my_read,
            })
            .collect(),
        histories,
        customers,
    })
}

/// Shows the last known inbox until the server answers.
pub fn restore(app: &mut App, kept: KeptInbox) {
    app.mirror.me = Some(kept.me);
    app.mirror.last_seq = Some(kept.seq);
    for c in kept.conversations {
        app.mirror.convs.insert(
            c.conversation.id,
            Conv {
                conversation: c.conversation,
                my_read: c.my_read,
                seq: kept.seq,
            },
        );
    }
    for h in kept.histories {
        // The outbox (restored with the drafts) stays with its conversation.
        let pending = app
            .mirror
            .logs
            .remove(&h.conversation)
            .map(|l| l.pending)
            .unwrap_or_default();
        app.mirror.logs.insert(
            h.conversation,
            MessageLog {
                messages: h.messages,
                has_more: h.has_more,
                loading: false,
                loaded: true,
                pending,
            },
        );
    }
    for c in kept.customers {
        app.mirror.customers.insert(c.id, c);
    }
    app.cached = Some(Cached {
        at: kept.at,
        seq: kept.seq,
    });
    app.rebuild_view();
}

/// While the inbox is the last known one, what goes to the server waits:
/// only asking who we are (to find it again) and keeping things on disk go
/// out. Says so once per refused action.
pub fn read_only(app: &mut App, fx: &mut Vec<Effect>) {
    if app.cached.is_none() {
        return;
    }
    let before = fx.len();
    fx.retain(|e| {
        matches!(
            e,
            Effect::LoadMe
                | Effect::KeepDrafts(_)
                | Effect::KeepSession(_)
                | Effect::KeepCache(_)
                | Effect::Notify(_)
                | Effect::OpenFile { .. }
        )
    });
    if fx.len() < before {
        app.notify(
            "offline: this is the last known inbox, read-only until the server answers",
            super::app::Level::Info,
        );
    }
}

/// After each change: keep the inbox now and then while it is live.
pub fn after_change(app: &mut App, fx: &mut Vec<Effect>) {
    if app.cached.is_some() || app.mirror.me.is_none() {
        return;
    }
    let due = app
        .cache_saved_at
        .is_none_or(|at| app.now - at >= chrono::Duration::seconds(EVERY_SECONDS));
    if due && app.mirror.last_seq != app.cache_seq {
        if let Some(k) = snapshot(app) {
            app.cache_saved_at = Some(app.now);
            app.cache_seq = app.mirror.last_seq;
            fx.push(Effect::KeepCache(Box::new(k)));
        }
    }
}
