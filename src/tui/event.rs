//! What flows through the event loop: messages in (terminal input, server
//! events, answers to requests, time) and effects out (requests to make).

use crate::client::{ClientError, StreamUpdate};
use crate::protocol::*;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

/// Everything that can change the state.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Server(StreamUpdate),
    Reply(Box<Reply>),
    Tick(DateTime<Utc>),
    /// SIGTERM or SIGHUP: leave now, cleanly.
    Terminate,
}

pub type Res<T> = Result<T, String>;

pub fn err(e: ClientError) -> String {
    e.to_string()
}

/// A password on its way to the server: never printed, not even in a
/// debug dump of the effects.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password(s)
    }
}

/// A change the agent is told went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Bot(bool),
    Assigned(AgentId),
    Unassigned(AgentId),
}

impl Confirm {
    /// The line shown once the server has the change: the help centre's
    /// "Agent successfully assigned" / "Bot successfully assigned".
    pub fn text(self, conv: &Conversation, agents: &[Agent]) -> String {
        let name = |id: AgentId| {
            conv.assignees
                .iter()
                .find(|a| a.agent_id == id)
                .map(|a| a.name.clone())
                .or_else(|| agents.iter().find(|a| a.id == id).map(|a| a.name.clone()))
                .unwrap_or_else(|| "the agent".to_string())
        };
        match self {
            Confirm::Bot(true) => "Bot successfully assigned".to_string(),
            Confirm::Bot(false) => {
                "Bot turned off: the conversation is with the agents".to_string()
            }
            Confirm::Assigned(id) if conv.bot_active => {
                format!("Agent successfully assigned: {}", name(id))
            }
            Confirm::Assigned(id) => {
                format!("Agent successfully assigned: {} (bot off)", name(id))
            }
            Confirm::Unassigned(id) => format!("{} removed from the assignees", name(id)),
        }
    }
}

/// The answer to an [`Effect`].
#[derive(Debug)]
pub enum Reply {
    Me(Res<Me>),
    Agents(Res<Vec<Agent>>),
    Conversations {
        generation: u64,
        append: bool,
        /// The last event sequence applied when the request went out.
        as_of: Seq,
        result: Res<Page<ConversationRow>>,
    },
    Messages {
        conversation: ConversationId,
        older: bool,
        result: Res<MessagePage>,
    },
    Customer(CustomerId, Res<Customer>),
    Notes(CustomerId, Res<Vec<Note>>),
    Sent {
        conversation: ConversationId,
        client_id: String,
        result: Res<Message>,
        /// The server could not be reached (or was overloaded): worth
        /// sending again when it can be.
        away: bool,
    },
    /// What opening or saving a file did.
    FileDone(Res<String>),
    Preview(AttachmentId, Res<super::preview::Ready>),
    UploadProgress {
        conversation: ConversationId,
        upload: u64,
        sent: u64,
    },
    Uploaded {
        conversation: ConversationId,
        upload: u64,
        result: Res<Attachment>,
    },
    /// Bot toggles and assignments answer with the conversation.
    Changed {
        what: String,
        /// Said on success, in the help centre's words.
        confirm: Option<Confirm>,
        result: Res<Conversation>,
    },
    /// Requests whose success shows through events.
    Done {
        what: String,
        result: Res<()>,
    },
    Standard(Res<Vec<StandardFolder>>),
    Teams(Res<Vec<Team>>),
    Channels(Res<Vec<ChannelAccount>>),
    /// The conversation the last session had open.
    Reopened(ConversationId, Res<ConversationRow>),
    /// Signed in on this server (the token is kept), or why not.
    SignedIn(Res<String>),
    Unread(Res<UnreadCounts>),
    Tags(Res<Vec<TagInfo>>),
    Broadcasts(Res<Vec<Broadcast>>),
    Macros(Res<Vec<SharedMacro>>),
    /// Conversations found for the palette (added to what is loaded).
    Found(Res<Vec<ConversationRow>>),
    MacroDone(super::macros::MacroReport),
    /// What a bulk action did to each conversation.
    BulkDone {
        what: String,
        result: Res<BulkReport>,
    },
    Scheduled(ConversationId, Res<Vec<Scheduled>>),
    /// A field save: the customer, or the status and reason it was refused.
    CustomerSaved {
        customer: CustomerId,
        result: Result<Customer, (Option<u16>, String)>,
    },
    /// A tag added or removed.
    CustomerChanged(Res<Customer>),
    BroadcastPreview(BroadcastAudience, Res<BroadcastPreview>),
    /// A tag renamed, recoloured, merged or deleted.
    TagsChanged(Res<String>),
    /// A note or scheduled message saved (Ok: what was done) or refused.
    PopupSaved(Res<String>),
    /// A settings form was saved (Ok: what was done) or refused (Err: why).
    SettingsSaved(Res<String>),
    /// Progress of a file going up.
    Progress {
        done: u64,
        total: u64,
    },
    /// What [`Effect::CheckFile`] found for the path `typed`.
    FileChecked {
        typed: String,
        result: Res<super::attach::FileCheck>,
        attach: bool,
    },
    /// What [`Effect::CompletePath`] found for the path `typed`.
    PathCompleted {
        typed: String,
        done: super::paths::Completion,
        target: PathTarget,
    },
    /// A standard-message import (or its dry run) of this file.
    Imported(std::path::PathBuf, Res<ImportReport>),
    CustomersImported(Res<CustomerImportReport>),
}

/// Which typed path a completion is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathTarget {
    /// The attach prompt.
    Attach,
    /// The path field of a settings form (import, export).
    SettingsForm,
}

/// A request for the runner to make; its answer comes back as a [`Reply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadMe,
    LoadAgents,
    /// Starts the event stream after `since`.
    StartStream(Option<Seq>),
    LoadConversations {
        generation: u64,
        query: ConversationQuery,
        append: bool,
        as_of: Seq,
    },
    LoadMessages {
        conversation: ConversationId,
        before: Option<MessageId>,
    },
    LoadCustomer(CustomerId),
    LoadNotes(CustomerId),
    /// Keeps the inbox as it is, for a start while the server is away.
    KeepCache(Box<super::offline::KeptInbox>),
    /// Stop waiting and reconnect to the server at once.
    ReconnectNow,
    /// Queued replies, sent one after the other in this order.
    SendInOrder(Vec<Effect>),
    Send {
        conversation: ConversationId,
        text: String,
        client_id: String,
        attachment_id: Option<AttachmentId>,
    },
    /// Fetches and decodes an image's preview.
    LoadPreview(Attachment),
    /// Opens a file with the desktop's opener, or saves it to the download
    /// folder when it cannot be opened here (or `save` asks for that).
    OpenFile {
        attachment: Attachment,
        save: bool,
        download_dir: std::path::PathBuf,
    },
    /// Checks the file at a typed path (it exists, is of an allowed type by
    /// name and content, fits the server's limit, the platform carries it);
    /// with `attach`, it is attached if it passes.
    CheckFile {
        typed: String,
        channel: Option<ChannelKind>,
        limits: UploadLimits,
        attach: bool,
    },
    /// Completes a typed path from the file system, as a shell's tab does.
    CompletePath {
        typed: String,
        target: PathTarget,
    },
    /// Uploads a file for a draft; progress and the answer come back with
    /// the same `upload` number.
    Upload {
        conversation: ConversationId,
        upload: u64,
        path: std::path::PathBuf,
    },
    MarkRead(ConversationId),
    /// Sends a reply the platform refused again (server side).
    RetryMessage(MessageId),
    SetBot {
        conversation: ConversationId,
        active: bool,
    },
    Assign {
        conversation: ConversationId,
        agent: AgentId,
    },
    Unassign {
        conversation: ConversationId,
        agent: AgentId,
    },
    LoadStandard,
    LoadTeams,
    /// The connected accounts (for the channel tabs).
    LoadChannels,
    /// Keeps the drafts on disk (the writer keeps the latest).
    KeepDrafts(super::drafts::KeptDrafts),
    /// Keeps where the agent is (filters, open conversation, scroll).
    KeepSession(super::session::KeptSession),
    /// One conversation, to reopen it where the last session left off.
    LoadConversation(ConversationId),
    /// Signs in (the sign-in screen) and keeps the token.
    SignIn {
        server: String,
        login: String,
        password: Password,
    },
    /// The agent's unread messages per account.
    LoadUnread,
    LoadTags,
    LoadScheduled(ConversationId),
    PatchCustomer(CustomerId, Box<CustomerPatch>),
    TagCustomer(CustomerId, TagCustomer),
    UntagCustomer(CustomerId, TagId),
    AddNote(CustomerId, String),
    EditNote(NoteId, String),
    DeleteNote(NoteId),
    Schedule(ConversationId, NewScheduled),
    UpdateScheduled(ScheduledId, ScheduledPatch),
    CancelScheduled(ScheduledId),
    CreateFolder(FolderInput),
    UpdateFolder(FolderId, FolderPatch),
    DeleteFolder(FolderId),
    AddStandardMessage(FolderId, String),
    EditStandardMessage(StandardMessageId, String),
    DeleteStandardMessage(StandardMessageId),
    /// Template or export saved to, or import read from, a file.
    StandardFile {
        action: super::settings::FileAction,
        path: std::path::PathBuf,
    },
    UpdateTag(TagId, TagPatch),
    MergeTag(TagId, TagId),
    DeleteTag(TagId),
    BroadcastPreview(BroadcastAudience),
    Broadcast(NewBroadcast),
    LoadBroadcasts,
    CancelBroadcast(BroadcastId),
    SetStatus(ConversationId, SetStatus),
    LoadMacros,
    /// Conversations whose customer or messages match, for the palette.
    FindConversations(String),
    /// Ring the bell and/or raise a desktop notification (done by the
    /// loop that owns the terminal, not the runner).
    Notify(super::notify::Notification),
    RunMacro(super::macros::MacroRun),
    SetPriority(ConversationId, Priority),
    Bulk(BulkRequest),
}
