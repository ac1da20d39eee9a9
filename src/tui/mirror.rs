//! What the server said, as this client last heard it, and how each event
//! changes it. The UI's own state lives beside it in [`App`](super::app::App)
//! and follows what [`Mirror::apply`] says changed.

use super::app::{Conv, MessageLog};
use crate::protocol::*;
use std::collections::HashMap;

/// What the server said, as this client last heard it: the signed-in
/// agent, conversations, histories, customers, folders, tags and the rest.
/// Loads and events keep it current; the UI state points into it by id.
#[derive(Default)]
pub struct Mirror {
    pub me: Option<Agent>,
    pub agents: Vec<Agent>,
    pub convs: HashMap<ConversationId, Conv>,
    pub logs: HashMap<ConversationId, MessageLog>,
    pub customers: HashMap<CustomerId, Customer>,
    pub notes: HashMap<CustomerId, Vec<Note>>,
    /// Standard-message folders the agent may use (admins: all).
    pub standard: Vec<StandardFolder>,
    pub teams: Vec<Team>,
    /// Every tag with its customer count.
    pub tags: Vec<TagInfo>,
    /// Broadcasts (admins), newest first, kept current by events.
    pub broadcasts: Vec<Broadcast>,
    /// Scheduled messages per conversation, once loaded.
    pub scheduled: HashMap<ConversationId, Vec<Scheduled>>,
    /// Macros kept on the server.
    pub shared_macros: Vec<SharedMacro>,
    /// The connected accounts: the channel tabs come from them.
    pub accounts: Vec<ChannelAccount>,
    /// The agent's unread customer messages per account, from the server.
    pub unread_accounts: HashMap<ChannelAccountId, i64>,
    /// See [`App::total_unread`].
    pub unread_total: i64,
    /// The server's file size limits (from `/me`).
    pub upload_limits: UploadLimits,
    /// Who may change standard messages on this server.
    pub standard_editing: StandardEditing,
    pub last_seq: Option<Seq>,
}

/// What an event changed that the UI may have to follow.
#[derive(Debug, PartialEq)]
pub enum Changed {
    /// Nothing the UI shows beyond the mirror itself.
    Nothing,
    /// A message in a conversation; `inbound` when a customer wrote it.
    Message { id: ConversationId, inbound: bool },
    /// A conversation's place in the list, or what the list shows of it.
    Conversation(ConversationId),
    /// A tag went away.
    TagGone(TagId),
    /// Two tags became one (their counts are to be asked again).
    TagsMerged,
    /// Many customers changed at once (what is shown is to be loaded again).
    CustomersReloaded,
    /// A broadcast moved on.
    Broadcast(Broadcast),
    /// The shared macros changed.
    Macros,
    /// The server cannot replay what was missed: start again from now.
    Resync,
}

impl Mirror {
    /// Takes event `seq` in; says what changed for the UI.
    pub fn apply(&mut self, seq: Seq, kind: EventKind) -> Changed {
        let me = self.me.as_ref().map_or(-1, |a| a.id);
        self.last_seq = Some(seq);
        match kind {
            EventKind::MessageCreated {
                conversation,
                message,
            } => {
                let id = conversation.id;
                let inbound = message.kind == MessageKind::Inbound;
                self.upsert_conversation(conversation, seq);
                if let Some(log) = self.logs.get_mut(&id) {
                    if log.loaded {
                        log.upsert(message);
                    }
                }
                return Changed::Message { id, inbound };
            }
            EventKind::MessageUpdated { message } => {
                // A customer's file arrived: the list's preview follows.
                if let Some(c) = self.convs.get_mut(&message.conversation_id) {
                    if let Some(last) = c.conversation.last_message.as_mut() {
                        if last.id == message.id {
                            last.text = match &message.attachment {
                                Some(a) if message.text.trim().is_empty() => {
                                    format!("📎 {}", a.name)
                                }
                                _ => preview_text(&message.text, PREVIEW_CHARS),
                            };
                        }
                    }
                }
                if let Some(log) = self.logs.get_mut(&message.conversation_id) {
                    log.upsert(message);
                }
            }
            EventKind::ConversationCreated { conversation }
            | EventKind::BotToggled { conversation, .. }
            | EventKind::AssigneeAdded { conversation, .. }
            | EventKind::AssigneeRemoved { conversation, .. }
            | EventKind::StatusChanged { conversation, .. }
            | EventKind::PriorityChanged { conversation, .. } => {
                let id = conversation.id;
                self.upsert_conversation(conversation, seq);
                return Changed::Conversation(id);
            }
            EventKind::ConversationRead {
                conversation_id,
                agent_id,
                inbound_count,
            } => {
                if agent_id == me {
                    if let Some(c) = self.convs.get_mut(&conversation_id) {
                        c.my_read = c.my_read.max(inbound_count);
                    }
                }
            }
            EventKind::CustomerCreated { customer } | EventKind::CustomerUpdated { customer } => {
                for c in self.convs.values_mut() {
                    if c.conversation.customer_id == customer.id {
                        c.conversation.customer_name.clone_from(&customer.name);
                    }
                }
                if self.customers.contains_key(&customer.id) {
                    self.customers.insert(customer.id, customer);
                }
            }
            EventKind::NoteCreated { note } | EventKind::NoteUpdated { note } => {
                if let Some(notes) = self.notes.get_mut(&note.customer_id) {
                    notes.retain(|n| n.id != note.id);
                    notes.push(note);
                    notes.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
                }
            }
            EventKind::NoteDeleted {
                note_id,
                customer_id,
            } => {
                if let Some(notes) = self.notes.get_mut(&customer_id) {
                    notes.retain(|n| n.id != note_id);
                }
            }
            EventKind::AgentCreated { agent } | EventKind::AgentUpdated { agent } => {
                self.agents.retain(|a| a.id != agent.id);
                self.agents.push(agent);
                self.agents.sort_by(|a, b| a.name.cmp(&b.name));
            }
            EventKind::AgentRemoved { agent_id } => self.agents.retain(|a| a.id != agent_id),
            EventKind::TagCreated { .. } => {}
            EventKind::StandardFolderChanged { folder } => {
                self.standard.retain(|f| f.id != folder.id);
                let visible = self
                    .me
                    .as_ref()
                    .is_some_and(|me| folder.visible_to(me, None) || me.is_admin());
                if visible {
                    self.standard.push(folder);
                    self.standard.sort_by_key(|f| f.name.to_lowercase());
                }
            }
            EventKind::StandardFolderDeleted { folder_id } => {
                self.standard.retain(|f| f.id != folder_id);
            }
            EventKind::TagUpdated { tag } => {
                for c in self.customers.values_mut() {
                    for t in c.tags.iter_mut().filter(|t| t.id == tag.id) {
                        *t = tag.clone();
                    }
                }
                for t in self.tags.iter_mut().filter(|t| t.tag.id == tag.id) {
                    t.tag = tag.clone();
                }
            }
            EventKind::TagDeleted { tag_id } => {
                for c in self.customers.values_mut() {
                    c.tags.retain(|t| t.id != tag_id);
                }
                for c in self.convs.values_mut() {
                    c.conversation.tag_ids.retain(|t| *t != tag_id);
                }
                self.tags.retain(|t| t.tag.id != tag_id);
                return Changed::TagGone(tag_id);
            }
            EventKind::TagsMerged { from, into } => {
                for c in self.customers.values_mut() {
                    if c.tags.iter().any(|t| t.id == from) {
                        c.tags.retain(|t| t.id != from && t.id != into.id);
                        c.tags.push(into.clone());
                        c.tags.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                }
                for c in self.convs.values_mut() {
                    let ids = &mut c.conversation.tag_ids;
                    if ids.contains(&from) {
                        ids.retain(|t| *t != from && *t != into.id);
                        ids.push(into.id);
                        ids.sort_unstable();
                    }
                }
                self.tags.retain(|t| t.tag.id != from);
                return Changed::TagsMerged;
            }
            EventKind::CustomersImported { .. } => {
                self.customers.clear();
                return Changed::CustomersReloaded;
            }
            EventKind::BroadcastChanged { broadcast } => {
                self.broadcasts.retain(|b| b.id != broadcast.id);
                self.broadcasts.push(broadcast.clone());
                self.broadcasts.sort_by_key(|b| std::cmp::Reverse(b.id));
                return Changed::Broadcast(broadcast);
            }
            EventKind::MacroChanged { shared } => {
                self.shared_macros
                    .retain(|m| !m.name.eq_ignore_ascii_case(&shared.name));
                self.shared_macros.push(shared);
                self.shared_macros.sort_by_key(|m| m.name.to_lowercase());
                return Changed::Macros;
            }
            EventKind::MacroDeleted { name } => {
                self.shared_macros
                    .retain(|m| !m.name.eq_ignore_ascii_case(&name));
                return Changed::Macros;
            }
            EventKind::ScheduledChanged { scheduled } => {
                if let Some(list) = self.scheduled.get_mut(&scheduled.conversation_id) {
                    list.retain(|s| s.id != scheduled.id);
                    list.push(scheduled);
                    list.sort_by_key(|s| (s.status != ScheduledStatus::Pending, s.send_at, s.id));
                }
            }
            EventKind::ResyncRequired { .. } => return Changed::Resync,
        }
        Changed::Nothing
    }

    /// Takes in a conversation's new state, keeping this agent's read count;
    /// unless what is here is newer (a page that left the server before an
    /// event that came after it).
    pub fn upsert_conversation(&mut self, c: Conversation, seq: Seq) {
        match self.convs.get_mut(&c.id) {
            Some(existing) => {
                if seq > 0 && seq < existing.seq {
                    return;
                }
                existing.conversation = c;
                existing.seq = seq;
            }
            None => {
                // New to us: everything in it is unread.
                self.convs.insert(
                    c.id,
                    Conv {
                        my_read: 0,
                        conversation: c,
                        seq,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    #[test]
    fn events_change_the_mirror_and_say_what_the_ui_follows() {
        let mut m = fixtures::app(3).mirror;
        // Another agent's status change moves a conversation.
        let mut c = m.convs[&1].conversation.clone();
        c.status = ConvStatus::Pending;
        let got = m.apply(
            50,
            EventKind::StatusChanged {
                conversation: c.clone(),
                from: ConvStatus::Open,
                reason: StatusReason::Agent,
                by: Some(2),
            },
        );
        assert_eq!(got, Changed::Conversation(1));
        assert_eq!(m.convs[&1].conversation.status, ConvStatus::Pending);
        assert_eq!(m.last_seq, Some(50));
        // A page that left the server before that event does not undo it.
        let mut stale = c.clone();
        stale.status = ConvStatus::Open;
        m.upsert_conversation(stale, 40);
        assert_eq!(m.convs[&1].conversation.status, ConvStatus::Pending);
        // Reading is the agent's own only.
        let me = m.me.as_ref().unwrap().id;
        m.apply(
            51,
            EventKind::ConversationRead {
                conversation_id: 1,
                agent_id: me + 100,
                inbound_count: 9,
            },
        );
        assert_ne!(m.convs[&1].my_read, 9);
        m.apply(
            52,
            EventKind::ConversationRead {
                conversation_id: 1,
                agent_id: me,
                inbound_count: 9,
            },
        );
        assert_eq!(m.convs[&1].my_read, 9);
        // A tag going away leaves every conversation and says so.
        m.convs.get_mut(&2).unwrap().conversation.tag_ids = vec![7, 8];
        assert_eq!(
            m.apply(53, EventKind::TagDeleted { tag_id: 7 }),
            Changed::TagGone(7)
        );
        assert_eq!(m.convs[&2].conversation.tag_ids, vec![8]);
        assert_eq!(
            m.apply(
                54,
                EventKind::ResyncRequired {
                    reason: "too far behind".into()
                }
            ),
            Changed::Resync
        );
        assert_eq!(m.last_seq, Some(54));
    }
}
