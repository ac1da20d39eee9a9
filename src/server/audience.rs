//! Who may see an event on the stream: the same rules the REST API applies
//! to the same data. Broadcasts are for admins (as `/broadcasts` is);
//! a standard-message folder is for admins and for the agents in its scope
//! (as `/standard-messages` is); an agent out of a folder's scope hears that
//! it is gone, so a folder that leaves its scope also leaves its screen.
//! Everything else every agent may read through the API.

use crate::protocol::{Agent, AgentId, Event, EventKind, StandardFolder};
use std::sync::Arc;

/// Who an event is for, worked out once when it is published.
#[derive(Debug, Clone, Default)]
pub enum Audience {
    #[default]
    Everyone,
    Admins,
    /// One agent only (its own read marker: the API shows each agent only
    /// its own unread counts).
    Agent(AgentId),
    /// Admins and the agents in this folder's scope.
    Folder(Arc<StandardFolder>),
}

/// What one agent's stream does with an event.
#[derive(Debug, Clone, PartialEq)]
pub enum ForAgent {
    Send,
    Skip,
    /// Send this kind in its place (same sequence number).
    Instead(Box<EventKind>),
}

impl Audience {
    /// Every kind is listed (no wildcard): a new kind of event does not
    /// compile until someone decides who may see it.
    pub fn of(kind: &EventKind) -> Audience {
        use EventKind as K;
        match kind {
            // `/broadcasts` is for admins.
            K::BroadcastChanged { .. } => Audience::Admins,
            // `/standard-messages` shows an agent the folders in its scope.
            K::StandardFolderChanged { folder } => Audience::Folder(Arc::new(folder.clone())),
            K::ConversationRead { agent_id, .. } => Audience::Agent(*agent_id),
            // Conversations, their messages and triage: `/conversations`
            // shows every agent every conversation.
            K::MessageCreated { .. }
            | K::MessageUpdated { .. }
            | K::ConversationCreated { .. }
            | K::BotToggled { .. }
            | K::StatusChanged { .. }
            | K::PriorityChanged { .. }
            | K::AssigneeAdded { .. }
            | K::AssigneeRemoved { .. }
            // Customers, tags and notes: `/customers`, `/tags`, `/notes`.
            | K::CustomerCreated { .. }
            | K::CustomerUpdated { .. }
            | K::CustomersImported { .. }
            | K::TagCreated { .. }
            | K::TagUpdated { .. }
            | K::TagDeleted { .. }
            | K::TagsMerged { .. }
            | K::NoteCreated { .. }
            | K::NoteUpdated { .. }
            | K::NoteDeleted { .. }
            // Scheduled messages: `/conversations/{id}/scheduled`.
            | K::ScheduledChanged { .. }
            // Agents and shared macros: `/agents`, `/macros`.
            | K::AgentCreated { .. }
            | K::AgentUpdated { .. }
            | K::AgentRemoved { .. }
            | K::MacroChanged { .. }
            | K::MacroDeleted { .. }
            // An id only: an agent who never saw the folder ignores it.
            | K::StandardFolderDeleted { .. }
            | K::ResyncRequired { .. } => Audience::Everyone,
        }
    }

    pub fn for_agent(&self, agent: &Agent) -> ForAgent {
        match self {
            Audience::Everyone => ForAgent::Send,
            Audience::Agent(id) if *id == agent.id => ForAgent::Send,
            Audience::Agent(_) => ForAgent::Skip,
            _ if agent.is_admin() => ForAgent::Send,
            Audience::Admins => ForAgent::Skip,
            Audience::Folder(f) if f.visible_to(agent, None) => ForAgent::Send,
            Audience::Folder(f) => ForAgent::Instead(Box::new(EventKind::StandardFolderDeleted {
                folder_id: f.id,
            })),
        }
    }
}

/// The frame an agent receives for a stored event, if any.
pub fn frame_for(agent: &Agent, event: Event) -> Option<String> {
    match Audience::of(&event.kind).for_agent(agent) {
        ForAgent::Send => serde_json::to_string(&event).ok(),
        ForAgent::Skip => None,
        ForAgent::Instead(kind) => serde_json::to_string(&Event {
            kind: *kind,
            ..event
        })
        .ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Role, Team};

    fn agent(id: i64, role: Role, team: i64) -> Agent {
        Agent {
            id,
            name: format!("agent {id}"),
            login: format!("a{id}"),
            role,
            teams: vec![Team {
                id: team,
                name: format!("team {team}"),
            }],
            disabled: false,
        }
    }

    fn folder(team: Option<i64>) -> StandardFolder {
        serde_json::from_value(serde_json::json!({
            "id": 7, "name": "Refunds", "channels": [],
            "team": team.map(|t| serde_json::json!({"id": t, "name": "x"})),
            "assignees": [], "messages": []
        }))
        .expect("a folder")
    }

    #[test]
    fn admins_see_all_agents_see_their_scope_and_the_rest_see_it_go() {
        let admin = agent(1, Role::Admin, 9);
        let inside = agent(2, Role::Agent, 3);
        let outside = agent(3, Role::Agent, 4);
        let scoped = Audience::of(&EventKind::StandardFolderChanged {
            folder: folder(Some(3)),
        });
        assert_eq!(scoped.for_agent(&admin), ForAgent::Send);
        assert_eq!(scoped.for_agent(&inside), ForAgent::Send);
        assert_eq!(
            scoped.for_agent(&outside),
            ForAgent::Instead(Box::new(EventKind::StandardFolderDeleted { folder_id: 7 }))
        );
        let open = Audience::of(&EventKind::StandardFolderChanged {
            folder: folder(None),
        });
        assert_eq!(open.for_agent(&outside), ForAgent::Send);

        let admins = Audience::Admins;
        assert_eq!(admins.for_agent(&admin), ForAgent::Send);
        assert_eq!(admins.for_agent(&inside), ForAgent::Skip);
        assert_eq!(admins.for_agent(&outside), ForAgent::Skip);

        let read = Audience::of(&EventKind::ConversationRead {
            conversation_id: 1,
            agent_id: inside.id,
            inbound_count: 3,
        });
        assert_eq!(read.for_agent(&inside), ForAgent::Send);
        assert_eq!(read.for_agent(&admin), ForAgent::Skip, "not even admins");
        assert_eq!(read.for_agent(&outside), ForAgent::Skip);

        let everyone = Audience::of(&EventKind::MacroDeleted { name: "x".into() });
        for a in [&admin, &inside, &outside] {
            assert_eq!(everyone.for_agent(a), ForAgent::Send);
        }
    }

    #[test]
    fn a_stored_event_is_framed_per_agent() {
        let ev = Event {
            seq: 5,
            at: chrono::Utc::now(),
            kind: EventKind::StandardFolderChanged {
                folder: folder(Some(3)),
            },
        };
        let outside = agent(3, Role::Agent, 4);
        let frame = frame_for(&outside, ev.clone()).expect("a frame");
        let back: Event = serde_json::from_str(&frame).unwrap();
        assert_eq!(back.seq, 5);
        assert_eq!(back.kind, EventKind::StandardFolderDeleted { folder_id: 7 });
        assert!(!frame.contains("Refunds"));
        let inside = agent(2, Role::Agent, 3);
        assert!(frame_for(&inside, ev).unwrap().contains("Refunds"));
    }
}
