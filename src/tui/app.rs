//! The state of the terminal inbox, in three parts: [`Mirror`], what the
//! server said (loads and events keep it current); [`Config`], what the
//! agent configured; and the rest of [`App`], the UI's own state (filters,
//! the selection, focus, popups, drafts, what is kept on disk). Only
//! [`update`](super::update) changes it; drawing only reads it.

use super::editor::Editor;
use super::keymap::{Context, Keymap};
use crate::protocol::*;
use chrono::{DateTime, FixedOffset, Utc};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Chat,
    Customer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Inbox,
    Settings,
    /// No server or token configured: the sign-in form.
    SignIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Pane(Pane),
    Compose,
    Search,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Connected,
    Reconnecting {
        retry_in: Duration,
        since: DateTime<Utc>,
    },
    /// The server refused the token.
    Unauthorized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// A notification in the top-right corner (for example when an import
/// finishes), with a few lines of detail.
#[derive(Debug, Clone)]
pub struct Toast {
    pub title: String,
    pub lines: Vec<String>,
    pub level: Level,
    pub until: DateTime<Utc>,
}

/// A file going to or coming from the server, for the progress gauge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub what: String,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone)]
pub struct Notice {
    pub text: String,
    pub level: Level,
    pub until: DateTime<Utc>,
}

/// A conversation as this agent sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv {
    pub conversation: Conversation,
    /// How many customer messages this agent has read.
    pub my_read: i64,
    /// The event sequence that last changed it (0: from a page load).
    pub seq: Seq,
}

impl Conv {
    pub fn unread(&self) -> i64 {
        (self.conversation.inbound_count - self.my_read).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingState {
    Sending,
    /// The server could not be reached: kept (also across restarts) and
    /// sent, in order, when it can.
    Queued,
    Failed(String),
}

/// A reply typed here that the server has not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub text: String,
    pub state: PendingState,
    pub created_at: DateTime<Utc>,
    /// The file it carries, already uploaded.
    pub attachment: Option<Attachment>,
}

/// The loaded part of a conversation's history.
#[derive(Debug, Clone, Default)]
pub struct MessageLog {
    /// Chronological, no duplicates.
    pub messages: Vec<Message>,
    pub has_more: bool,
    pub loading: bool,
    pub loaded: bool,
    pub pending: Vec<Pending>,
}

impl MessageLog {
    /// Adds or replaces a message, keeping the order by id.
    pub fn upsert(&mut self, m: Message) {
        if let Some(cid) = &m.client_id {
            self.pending.retain(|p| &p.client_id != cid);
        }
        match self.messages.binary_search_by_key(&m.id, |x| x.id) {
            Ok(i) => self.messages[i] = m,
            Err(i) => self.messages.insert(i, m),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    pub channel: Option<ChannelKind>,
    /// One connected account (a kind with several has a tab for each).
    pub account: Option<ChannelAccountId>,
    pub section: Option<Section>,
    pub assignee: Option<AssigneeFilter>,
    pub tag: Option<TagId>,
    /// None: every status. Open and pending by default.
    pub status: Option<StatusSet>,
    pub sort: ListSort,
    pub q: String,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            channel: None,
            account: None,
            section: None,
            assignee: None,
            tag: None,
            status: Some(StatusSet::active()),
            sort: ListSort::Activity,
            q: String::new(),
        }
    }
}

/// A channel tab: every channel, one kind, or one account of a kind that
/// has several connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelTab {
    All,
    Kind(ChannelKind),
    Account(ChannelKind, ChannelAccountId),
}

impl ChannelTab {
    /// The filters' channel and account for this tab.
    pub fn filter(self) -> (Option<ChannelKind>, Option<ChannelAccountId>) {
        match self {
            ChannelTab::All => (None, None),
            ChannelTab::Kind(k) => (Some(k), None),
            ChannelTab::Account(k, id) => (Some(k), Some(id)),
        }
    }
}

/// A tab as drawn: its label and the agent's unread messages behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabInfo {
    pub tab: ChannelTab,
    pub label: String,
    pub unread: i64,
}

/// The status views the list steps through, with their tab labels.
pub const STATUS_VIEWS: [(&str, Option<&[ConvStatus]>); 6] = [
    ("Active", Some(&[ConvStatus::Open, ConvStatus::Pending])),
    ("Open", Some(&[ConvStatus::Open])),
    ("Pending", Some(&[ConvStatus::Pending])),
    ("Snoozed", Some(&[ConvStatus::Snoozed])),
    ("Resolved", Some(&[ConvStatus::Resolved])),
    ("All", None),
];

pub fn status_view_index(status: &Option<StatusSet>) -> usize {
    STATUS_VIEWS
        .iter()
        .position(|(_, v)| v.map(<[ConvStatus]>::to_vec) == status.as_ref().map(|s| s.0.clone()))
        .unwrap_or(0)
}

impl Filters {
    /// The tags shown in the tags popup for `q`, by name.
    pub fn tag_matches<'a>(tags: &'a [TagInfo], q: &str) -> Vec<&'a TagInfo> {
        let q = q.trim().to_lowercase();
        tags.iter()
            .filter(|t| t.tag.name.to_lowercase().contains(&q))
            .collect()
    }

    pub fn query(&self) -> ConversationQuery {
        ConversationQuery {
            channel: self.channel,
            channel_account: self.account,
            section: self.section,
            assignee: self.assignee,
            tag: self.tag,
            status: self.status.clone(),
            priority: None,
            sort: Some(self.sort).filter(|s| *s != ListSort::Activity),
            q: Some(self.q.trim().to_string()).filter(|q| !q.is_empty()),
            cursor: None,
            limit: Some(100),
        }
    }

    /// Whether a conversation belongs in the list, as the server decides it
    /// (text search here covers the name and the last message only; the
    /// server's answer adds matches deeper in the history).
    pub fn matches(&self, c: &Conversation, me: AgentId) -> bool {
        if self.channel.is_some_and(|ch| ch != c.channel) {
            return false;
        }
        if self.account.is_some_and(|a| a != c.channel_account_id) {
            return false;
        }
        match self.section {
            Some(Section::Bot) if !c.bot_active => return false,
            Some(Section::Agent) if c.bot_active => return false,
            _ => {}
        }
        match self.assignee {
            Some(AssigneeFilter::Me) if !c.is_assigned_to(me) => return false,
            Some(AssigneeFilter::Unassigned) if !c.assignees.is_empty() => return false,
            Some(AssigneeFilter::Others) if c.assignees.is_empty() || c.is_assigned_to(me) => {
                return false
            }
            _ => {}
        }
        if self.tag.is_some_and(|t| !c.tag_ids.contains(&t)) {
            return false;
        }
        if self.status.as_ref().is_some_and(|s| !s.contains(c.status)) {
            return false;
        }
        let q = self.q.trim().to_lowercase();
        if !q.is_empty() {
            let name = c.customer_name.to_lowercase().contains(&q);
            let last = c
                .last_message
                .as_ref()
                .is_some_and(|m| m.text.to_lowercase().contains(&q));
            if !name && !last {
                return false;
            }
        }
        true
    }

    pub fn describe(&self) -> String {
        let mut channel = self
            .channel
            .map(super::super::protocol::model::ChannelKind::display_name)
            .unwrap_or("All channels")
            .to_string();
        if let Some(id) = self.account {
            channel.push_str(&format!(" account {id}"));
        }
        let section = match self.section {
            None => "Agent + Bot",
            Some(Section::Agent) => "Chat with Agent",
            Some(Section::Bot) => "Chat with Bot",
        };
        let assignee = match self.assignee {
            None => "All",
            Some(AssigneeFilter::Me) => "Assigned to me",
            Some(AssigneeFilter::Unassigned) => "New requests",
            Some(AssigneeFilter::Others) => "Assigned to others",
        };
        let status = STATUS_VIEWS[status_view_index(&self.status)].0;
        let mut s = format!("{channel} · {section} · {assignee} · {status}");
        match self.sort {
            ListSort::Activity => {}
            ListSort::Waiting => s.push_str(" · longest waiting first"),
            ListSort::Priority => s.push_str(" · by priority"),
        }
        if let Some(t) = self.tag {
            s.push_str(&format!(" · tag {t}"));
        }
        if !self.q.trim().is_empty() {
            s.push_str(&format!(" · “{}”", self.q.trim()));
        }
        s
    }
}

#[derive(Debug, Clone)]
pub enum Popup {
    /// The open conversation's files, newest first.
    Files {
        /// The chosen file (the first when it is gone).
        selected: Option<AttachmentId>,
    },
    /// The path prompt for a file to attach.
    Attach(super::attach::AttachForm),
    Help {
        scroll: usize,
    },
    Assign {
        selected: usize,
    },
    Emoji {
        filter: Editor,
        selected: usize,
    },
    /// The standard replies, as the help centre's folder in the live chat:
    /// the folders in scope, then a folder's messages; or, searching,
    /// every reply in scope.
    Standard {
        filter: Editor,
        selected: usize,
        /// The folder being browsed; none: the folders.
        folder: Option<FolderId>,
        /// Typing filters every reply in scope.
        searching: bool,
    },
    Confirm {
        message: String,
        action: ConfirmAction,
    },
    /// The rows an import refused, with their reasons.
    ImportErrors {
        report: ImportReport,
        scroll: usize,
    },
    /// Add a tag to the customer: filter as you type, or create one.
    TagPicker {
        filter: Editor,
        selected: usize,
    },
    /// Every tag with its count: filter the list by one, or manage them.
    Tags {
        filter: Editor,
        selected: usize,
        mode: TagsMode,
    },
    Note(super::popups::note::NoteForm),
    Broadcast(super::popups::broadcast::BroadcastForm),
    Schedule(super::popups::schedule::ScheduleForm),
    /// Broadcasts, newest first, with their progress and results.
    Broadcasts {
        selected: usize,
    },
    Snooze(super::triage::SnoozeMenu),
    Palette(super::palette::Palette),
    Priority(super::triage::PriorityMenu),
}

impl Popup {
    /// Whether it has a text field that takes the editing keys (a filter,
    /// a typed time, a command, a path, a tag's new name).
    pub fn takes_text(&self) -> bool {
        matches!(
            self,
            Popup::Standard {
                searching: true,
                ..
            } | Popup::Snooze(_)
                | Popup::Palette(_)
                | Popup::Attach(_)
                | Popup::TagPicker { .. }
                | Popup::Emoji { .. }
                | Popup::Tags { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagsMode {
    Browse,
    Rename(TagId, Editor),
    Recolor(TagId, Editor),
    /// Choosing the tag to merge `from` into.
    MergeInto(TagId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmAction {
    Quit,
    DeleteFolder(FolderId),
    DeleteStandardMessage(StandardMessageId),
    /// Import the file whose dry run was shown.
    ImportStandard(std::path::PathBuf),
    RemoveCustomField(CustomerId, String),
    DeleteNote(NoteId),
    CancelScheduled(ScheduledId),
    DeleteTag(TagId),
    MergeTags(TagId, TagId),
    CancelBroadcast(BroadcastId),
    /// One action on several conversations.
    Bulk(BulkRequest),
}

/// The list's loading state for the current filters.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    /// Ids in the current filters, newest activity first.
    pub view: Vec<ConversationId>,
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    /// Cursor of the server's next page for these filters.
    pub next_cursor: Option<String>,
    pub loading: bool,
    /// Bumped on every filter change, so stale pages are ignored.
    pub generation: u64,
    /// Conversations the server returned for the current filters (a text
    /// search matches deeper in the history than the client can see).
    pub server_ids: HashSet<ConversationId>,
}

pub use super::mirror::Mirror;

pub struct App {
    /// What the server said: a cache that events keep current.
    pub mirror: Mirror,
    /// What the agent configured: keys, notifications, time zone, files.
    pub config: Config,
    pub list: ListState,
    pub filters: Filters,
    pub open: Option<ConversationId>,
    /// Conversations marked for one action on them all.
    pub marked: BTreeSet<ConversationId>,
    /// Conversations opened before this one, most recent last.
    pub history: Vec<ConversationId>,
    /// Both, as offered (personal ones hide shared ones of the same name).
    pub macros: Vec<super::macros::MacroDef>,
    /// Lines typed after `:`, oldest first.
    pub palette_history: Vec<String>,
    /// Lines scrolled up from the newest message.
    pub chat_scroll: usize,
    pub screen: Screen,
    /// The sign-in form, while on that screen.
    pub signin: Option<super::signin::SignInForm>,
    pub settings: super::settings::SettingsState,
    pub customer_ui: super::customer::CustomerUi,
    pub toast: Option<Toast>,
    pub transfer: Option<Transfer>,
    pub drafts: HashMap<ConversationId, Editor>,
    /// Files on drafts, uploading or uploaded.
    pub draft_files: HashMap<ConversationId, super::attach::DraftFile>,
    /// When each draft last changed (old ones are pruned at start).
    pub draft_times: HashMap<ConversationId, DateTime<Utc>>,
    /// A digest of the drafts as last seen, to notice a change.
    pub drafts_fp: u64,
    /// The drafts changed since they were last handed to the writer.
    pub drafts_dirty: bool,
    /// When they last were.
    pub drafts_saved_at: Option<DateTime<Utc>>,
    /// The inbox shown is the last known one (the server has not answered
    /// yet): read-only, marked.
    pub cached: Option<super::offline::Cached>,
    /// When the inbox was last kept for an offline start, and at which
    /// event.
    pub cache_saved_at: Option<DateTime<Utc>>,
    pub cache_seq: Option<Seq>,
    /// Uploads kept from the last session, started again once signed in.
    pub uploads_to_retry: Vec<ConversationId>,
    /// When the queued replies were last sent (retried every few seconds
    /// while the server is overloaded).
    pub queue_sent_at: Option<DateTime<Utc>>,
    /// Where the agent was, still to put back once the server answers.
    pub restoring: Option<super::session::Restoring>,
    /// Where the agent was when last kept.
    pub kept_session: Option<super::session::KeptSession>,
    pub session_dirty: bool,
    pub session_saved_at: Option<DateTime<Utc>>,
    /// Counts uploads, to tell an upload's answers from an earlier one's.
    pub uploads_started: u64,
    /// The folder the last attached file came from, as typed.
    pub last_attach_dir: Option<String>,
    /// Something changed what is unread: ask the server again (at most
    /// every few seconds).
    pub unread_stale: bool,
    /// When the counts were last asked for.
    pub unread_asked: Option<DateTime<Utc>>,
    /// The popup to return to once a confirmation is answered (the
    /// standard replies, after deleting a message from them).
    pub after_confirm: Option<Box<Popup>>,
    /// Image previews, fetched or being fetched.
    pub previews: HashMap<AttachmentId, super::preview::Preview>,
    pub search: Editor,
    pub focus: Focus,
    pub popup: Option<Popup>,
    pub conn: ConnState,
    pub notice: Option<Notice>,
    pub now: DateTime<Utc>,
    /// Terminal size in cells.
    pub size: (u16, u16),
    pub quit: bool,
}

impl App {
    pub fn new(server: String, keymap: Keymap, now: DateTime<Utc>) -> Self {
        App {
            mirror: Mirror::default(),
            config: Config::new(server, keymap),
            list: ListState::default(),
            filters: Filters::default(),
            marked: BTreeSet::new(),
            history: Vec::new(),
            macros: Vec::new(),
            palette_history: Vec::new(),
            open: None,
            chat_scroll: 0,
            screen: Screen::Inbox,
            signin: None,
            settings: Default::default(),
            customer_ui: Default::default(),
            toast: None,
            transfer: None,
            drafts: HashMap::new(),
            cached: None,
            cache_saved_at: None,
            cache_seq: None,
            uploads_to_retry: Vec::new(),
            queue_sent_at: None,
            restoring: None,
            kept_session: None,
            session_dirty: false,
            session_saved_at: None,
            draft_times: HashMap::new(),
            drafts_fp: 0,
            drafts_dirty: false,
            drafts_saved_at: None,
            draft_files: HashMap::new(),
            uploads_started: 0,
            last_attach_dir: None,
            unread_stale: false,
            unread_asked: None,
            after_confirm: None,
            previews: HashMap::new(),
            search: Editor::new(),
            focus: Focus::Pane(Pane::List),
            popup: None,
            conn: ConnState::Connecting,
            notice: None,
            now,
            size: (120, 40),
            quit: false,
        }
    }

    pub fn me_id(&self) -> AgentId {
        self.mirror.me.as_ref().map(|a| a.id).unwrap_or(-1)
    }

    /// The channel tabs: All, then per kind connected one tab, or one per
    /// account where a kind has several (named by the account); each with
    /// the agent's unread messages. Before the accounts are known: the four
    /// kinds.
    pub fn channel_tabs(&self) -> Vec<TabInfo> {
        let unread =
            |id: ChannelAccountId| self.mirror.unread_accounts.get(&id).copied().unwrap_or(0);
        let mut tabs = vec![TabInfo {
            tab: ChannelTab::All,
            label: "All".into(),
            unread: self.mirror.unread_accounts.values().sum(),
        }];
        for kind in ChannelKind::ALL {
            let of_kind: Vec<&ChannelAccount> = self
                .mirror
                .accounts
                .iter()
                .filter(|a| a.kind == kind)
                .collect();
            let badge = super::format::badge(kind).0;
            match of_kind.len() {
                0 if self.mirror.accounts.is_empty() => tabs.push(TabInfo {
                    tab: ChannelTab::Kind(kind),
                    label: badge.into(),
                    unread: 0,
                }),
                0 => {}
                1 => tabs.push(TabInfo {
                    tab: ChannelTab::Kind(kind),
                    label: badge.into(),
                    unread: unread(of_kind[0].id),
                }),
                _ => tabs.extend(of_kind.iter().map(|a| TabInfo {
                    tab: ChannelTab::Account(kind, a.id),
                    label: format!(
                        "{badge} {}",
                        super::wrap::truncate(&crate::sanitize::line(&a.name), 14)
                    ),
                    unread: unread(a.id),
                })),
            }
        }
        tabs
    }

    /// The tab the filters are on (none when a kind with several accounts
    /// is filtered as a whole).
    pub fn channel_tab(&self) -> Option<ChannelTab> {
        let now = (self.filters.channel, self.filters.account);
        self.channel_tabs()
            .into_iter()
            .map(|t| t.tab)
            .find(|t| t.filter() == now)
    }

    /// The keymap context that has the keyboard now.
    /// The form being written, when one is open: quitting asks first.
    pub fn unsaved_form(&self) -> Option<&'static str> {
        if self.settings.form.is_some() {
            return Some("the form");
        }
        match &self.popup {
            Some(Popup::Note(_)) => Some("the note"),
            Some(Popup::Schedule(_)) => Some("the scheduled message"),
            Some(Popup::Broadcast(_)) => Some("the broadcast"),
            _ if self.customer_ui.edit.is_some() => Some("the customer field"),
            _ => None,
        }
    }

    pub fn context(&self) -> Context {
        if self.screen == Screen::SignIn {
            return Context::Form;
        }
        // A folder or message form, from the settings or from the picker.
        if self.settings.form.is_some() && matches!(self.popup, None | Some(Popup::Standard { .. }))
        {
            return Context::Form;
        }
        if self.screen == Screen::Settings && self.popup.is_none() {
            return if self.settings.form.is_some() {
                Context::Form
            } else {
                Context::Settings
            };
        }
        match &self.popup {
            Some(Popup::Standard {
                searching: false, ..
            }) => return Context::Standard,
            Some(
                Popup::Emoji { .. }
                | Popup::Standard { .. }
                | Popup::TagPicker { .. }
                | Popup::Snooze(_)
                | Popup::Palette(_)
                | Popup::Attach(_)
                | Popup::Tags { .. },
            ) => return Context::Picker,
            Some(Popup::Note(_) | Popup::Schedule(_) | Popup::Broadcast(_)) => {
                return Context::Form
            }
            Some(_) => return Context::Popup,
            None => {}
        }
        if self.customer_ui.edit.is_some() && self.focus == Focus::Pane(Pane::Customer) {
            return Context::Form;
        }
        match self.focus {
            Focus::Pane(Pane::List) => Context::List,
            Focus::Pane(Pane::Chat) => Context::Chat,
            Focus::Pane(Pane::Customer) => Context::Customer,
            Focus::Compose => Context::Compose,
            Focus::Search => Context::Search,
        }
    }

    /// Unread customer messages over every loaded conversation, as of the
    /// last change (kept by `update`, so drawing does not count).
    pub fn total_unread(&self) -> i64 {
        self.mirror.unread_total
    }

    pub fn count_unread(&self) -> i64 {
        self.mirror.convs.values().map(Conv::unread).sum()
    }

    pub fn selected_id(&self) -> Option<ConversationId> {
        self.list.view.get(self.list.selected).copied()
    }

    pub fn open_conv(&self) -> Option<&Conv> {
        self.open.and_then(|id| self.mirror.convs.get(&id))
    }

    /// What the agent should know before replying in the open
    /// conversation: the platform's reply window has closed, or only a
    /// person may still answer.
    pub fn reply_notice(&self) -> Option<String> {
        let c = &self.open_conv()?.conversation;
        // A customer who blocked the account hears nothing: said first.
        if let Some(why) = &c.blocked {
            return Some(why.clone());
        }
        c.reply_window(self.now).notice(c.channel)
    }

    pub fn open_customer(&self) -> Option<&Customer> {
        self.open_conv()
            .and_then(|c| self.mirror.customers.get(&c.conversation.customer_id))
    }

    pub fn draft(&self) -> Option<&Editor> {
        self.open.and_then(|id| self.drafts.get(&id))
    }

    pub fn agent_name(&self, id: AgentId) -> Option<&str> {
        self.mirror
            .agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.as_str())
    }

    /// Recomputes the list from what is loaded, keeping the selection on
    /// the same conversation where it can.
    pub fn rebuild_view(&mut self) {
        let keep = self.selected_id();
        let me = self.me_id();
        let without_q = Filters {
            q: String::new(),
            ..self.filters.clone()
        };
        let server_ids = &self.list.server_ids;
        let mut view: Vec<&Conversation> = self
            .mirror
            .convs
            .values()
            .filter(|c| {
                self.filters.matches(&c.conversation, me)
                    || (server_ids.contains(&c.conversation.id)
                        && without_q.matches(&c.conversation, me))
            })
            .map(|c| &c.conversation)
            .collect();
        // The server's orders, so pages and events agree.
        let newest = |a: &&Conversation, b: &&Conversation| {
            (b.last_activity_at, b.id).cmp(&(a.last_activity_at, a.id))
        };
        match self.filters.sort {
            ListSort::Activity => view.sort_unstable_by(newest),
            ListSort::Waiting => view.sort_unstable_by(|a, b| {
                (a.waiting_since.is_none(), a.waiting_since)
                    .cmp(&(b.waiting_since.is_none(), b.waiting_since))
                    .then_with(|| newest(a, b))
            }),
            ListSort::Priority => {
                view.sort_unstable_by(|a, b| {
                    b.priority.cmp(&a.priority).then_with(|| newest(a, b))
                });
            }
        }
        self.list.view = view.into_iter().map(|c| c.id).collect();
        if let Some(id) = keep {
            if let Some(i) = self.list.view.iter().position(|x| *x == id) {
                self.list.selected = i;
            }
        }
        if self.list.selected >= self.list.view.len() {
            self.list.selected = self.list.view.len().saturating_sub(1);
        }
    }

    pub fn notify(&mut self, text: impl Into<String>, level: Level) {
        let secs = if level == Level::Error { 8 } else { 4 };
        self.notice = Some(Notice {
            text: text.into(),
            level,
            until: self.now + chrono::Duration::seconds(secs),
        });
    }

    pub fn show_toast(&mut self, title: impl Into<String>, lines: Vec<String>, level: Level) {
        self.toast = Some(Toast {
            title: title.into(),
            lines,
            level,
            until: self.now + chrono::Duration::seconds(10),
        });
    }

    /// Drafts with text in them, for the quit confirmation.
    /// Replies the server has not acknowledged (sending, queued or
    /// refused): kept on disk, and said when quitting.
    pub fn unsent(&self) -> usize {
        self.mirror
            .logs
            .values()
            .map(|l| l.pending.len())
            .sum::<usize>()
    }
}

/// What the agent configured (config.toml, keymap.toml, macros.toml) and
/// what this machine can do; fixed while the inbox runs.
pub struct Config {
    pub server: String,
    pub keymap: Keymap,
    /// Which events ring or notify.
    pub notify: super::notify::NotifyConfig,
    /// Whether Enter sends (true) or inserts a newline.
    pub enter_sends: bool,
    /// The agent's time zone, for clock times.
    pub tz: FixedOffset,
    /// Where files are saved when they cannot be opened here.
    pub download_dir: std::path::PathBuf,
    /// Whether images get inline previews (the `images` setting).
    pub previews_enabled: bool,
    /// Whether files can be opened with a desktop program here (found once
    /// at start; otherwise they are saved).
    pub desktop_open: bool,
    /// Macros from `macros.toml`.
    pub personal_macros: Vec<Macro>,
}

impl Config {
    pub fn new(server: String, keymap: Keymap) -> Self {
        Config {
            server,
            keymap,
            notify: Default::default(),
            enter_sends: true,
            tz: FixedOffset::east_opt(0).expect("UTC is a valid offset"),
            download_dir: std::env::temp_dir(),
            previews_enabled: false,
            desktop_open: false,
            personal_macros: Vec::new(),
        }
    }
}
