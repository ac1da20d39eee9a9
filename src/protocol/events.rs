//! The event log, as streamed over `GET /api/v1/events`.
//!
//! Every change the server commits is appended to a log with a monotonic
//! sequence number. Each WebSocket text frame carries one [`Event`] as JSON:
//! `{"seq": 42, "at": "...", "type": "message_created", "data": {...}}`.
//! A client remembers the last `seq` it applied and reconnects with
//! `?since=SEQ` to receive exactly what it missed, in order.

use super::broadcast::*;
use super::macros::*;
use super::model::*;
use super::scheduled::*;
use super::standard::*;
use super::triage::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: Seq,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// The frame for an event whose kind is already serialised (as the
    /// server stores it in its log): the kind's object with `seq` and `at`
    /// put in front, so the kind is serialised once per event, not once
    /// for the log and again for the stream.
    pub fn frame(seq: Seq, at: DateTime<Utc>, kind_json: &str) -> String {
        let body = kind_json.trim_start().strip_prefix('{').unwrap_or("}");
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let sep = if body.trim_start().starts_with('}') {
            ""
        } else {
            ","
        };
        format!("{{\"seq\":{seq},\"at\":\"{at}\"{sep}{body}")
    }
}

// The message variants carry a whole conversation; events are built once
// and serialised at once, so boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EventKind {
    /// A message was stored: from a customer, an agent, the bot, or a system
    /// note. Carries the conversation as it is after the message.
    MessageCreated {
        conversation: Conversation,
        message: Message,
    },
    /// A stored message changed (for example its delivery status).
    MessageUpdated {
        message: Message,
    },
    /// A conversation appeared (its first customer message follows).
    ConversationCreated {
        conversation: Conversation,
    },
    /// The bot was turned on or off.
    BotToggled {
        conversation: Conversation,
        active: bool,
        by: Option<AgentId>,
    },
    /// The status changed: by an agent, the customer writing, or a snooze
    /// ending.
    StatusChanged {
        conversation: Conversation,
        from: ConvStatus,
        reason: StatusReason,
        by: Option<AgentId>,
    },
    PriorityChanged {
        conversation: Conversation,
        by: Option<AgentId>,
    },
    /// A shared macro was created or changed.
    MacroChanged {
        shared: SharedMacro,
    },
    MacroDeleted {
        name: String,
    },
    /// An agent was assigned to the conversation.
    AssigneeAdded {
        conversation: Conversation,
        agent_id: AgentId,
        by: Option<AgentId>,
    },
    /// An agent was removed from the conversation.
    AssigneeRemoved {
        conversation: Conversation,
        agent_id: AgentId,
        by: Option<AgentId>,
    },
    /// An agent read the conversation up to `inbound_count` customer messages.
    ConversationRead {
        conversation_id: ConversationId,
        agent_id: AgentId,
        inbound_count: i64,
    },
    CustomerCreated {
        customer: Customer,
    },
    /// A customer's profile or tags changed.
    CustomerUpdated {
        customer: Customer,
    },
    TagCreated {
        tag: Tag,
    },
    NoteCreated {
        note: Note,
    },
    NoteUpdated {
        note: Note,
    },
    NoteDeleted {
        note_id: NoteId,
        customer_id: CustomerId,
    },
    AgentCreated {
        agent: Agent,
    },
    /// An agent was disabled or enabled again.
    AgentUpdated {
        agent: Agent,
    },
    /// An agent was removed: it no longer signs in, is no longer assigned,
    /// and is not listed; its messages keep its name.
    AgentRemoved {
        agent_id: AgentId,
    },
    /// A standard-message folder was created or changed (its messages too).
    StandardFolderChanged {
        folder: StandardFolder,
    },
    StandardFolderDeleted {
        folder_id: FolderId,
    },
    /// A tag was renamed or recoloured.
    TagUpdated {
        tag: Tag,
    },
    /// A tag was deleted; customers lost it.
    TagDeleted {
        tag_id: TagId,
    },
    /// Customers with `from` now carry `into`; `from` is gone.
    TagsMerged {
        from: TagId,
        into: Tag,
    },
    /// Customers were imported in bulk: reload what is shown.
    CustomersImported {
        created: usize,
        updated: usize,
    },
    /// A broadcast was created, started, progressed, finished or cancelled.
    BroadcastChanged {
        broadcast: Broadcast,
    },
    /// A scheduled message was created, changed, cancelled or sent.
    ScheduledChanged {
        scheduled: Scheduled,
    },
    /// Not stored in the log: the `since` a client asked for is older than the
    /// log keeps (or newer than it has). Reload state, then continue from
    /// this event's `seq`.
    ResyncRequired {
        reason: String,
    },
}

impl EventKind {
    /// The `type` string of this event.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::MessageCreated { .. } => "message_created",
            EventKind::MessageUpdated { .. } => "message_updated",
            EventKind::ConversationCreated { .. } => "conversation_created",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::MacroChanged { .. } => "macro_changed",
            EventKind::MacroDeleted { .. } => "macro_deleted",
            EventKind::BotToggled { .. } => "bot_toggled",
            EventKind::AssigneeAdded { .. } => "assignee_added",
            EventKind::AssigneeRemoved { .. } => "assignee_removed",
            EventKind::ConversationRead { .. } => "conversation_read",
            EventKind::CustomerCreated { .. } => "customer_created",
            EventKind::CustomerUpdated { .. } => "customer_updated",
            EventKind::TagCreated { .. } => "tag_created",
            EventKind::NoteCreated { .. } => "note_created",
            EventKind::NoteUpdated { .. } => "note_updated",
            EventKind::NoteDeleted { .. } => "note_deleted",
            EventKind::AgentCreated { .. } => "agent_created",
            EventKind::AgentUpdated { .. } => "agent_updated",
            EventKind::AgentRemoved { .. } => "agent_removed",
            EventKind::StandardFolderChanged { .. } => "standard_folder_changed",
            EventKind::StandardFolderDeleted { .. } => "standard_folder_deleted",
            EventKind::TagUpdated { .. } => "tag_updated",
            EventKind::TagDeleted { .. } => "tag_deleted",
            EventKind::TagsMerged { .. } => "tags_merged",
            EventKind::ScheduledChanged { .. } => "scheduled_changed",
            EventKind::BroadcastChanged { .. } => "broadcast_changed",
            EventKind::CustomersImported { .. } => "customers_imported",
            EventKind::ResyncRequired { .. } => "resync_required",
        }
    }

    /// The conversation this event is about, with its new state, if any.
    pub fn conversation(&self) -> Option<&Conversation> {
        match self {
            EventKind::MessageCreated { conversation, .. }
            | EventKind::ConversationCreated { conversation }
            | EventKind::BotToggled { conversation, .. }
            | EventKind::AssigneeAdded { conversation, .. }
            | EventKind::AssigneeRemoved { conversation, .. } => Some(conversation),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_json_has_seq_type_and_data() {
        let ev = Event {
            seq: 7,
            at: Utc::now(),
            kind: EventKind::NoteDeleted {
                note_id: 3,
                customer_id: 9,
            },
        };
        let v: serde_json::Value = serde_json::to_value(&ev).unwrap();
        assert_eq!(v["seq"], 7);
        assert_eq!(v["type"], "note_deleted");
        assert_eq!(v["data"]["note_id"], 3);
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, ev);
        assert_eq!(back.kind.type_name(), "note_deleted");
    }

    #[test]
    fn a_frame_from_a_stored_kind_reads_back_as_the_event() {
        let at = DateTime::from_timestamp_millis(1_764_000_000_123).unwrap();
        let kind = EventKind::NoteDeleted {
            note_id: 3,
            customer_id: 9,
        };
        let stored = serde_json::to_string(&kind).unwrap();
        let frame = Event::frame(42, at, &stored);
        let back: Event = serde_json::from_str(&frame).unwrap();
        assert_eq!(back, Event { seq: 42, at, kind });
        assert!(frame.starts_with("{\"seq\":42,"), "{frame}");
    }
}
