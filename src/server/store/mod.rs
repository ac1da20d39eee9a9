//! The storage interface. All SQL lives behind [`Store`]; routes and the
//! event hub only ever see this trait.
//!
//! The layers, top down: `methods/` (each `Store` method, by resource:
//! checks its input, then one read or one write on an [`engine::Engine`];
//! every engine is a `Store`), `data/` (the SQL and the rules that must
//! hold in one transaction, by resource), `sql/` (one SQL layer both
//! backends speak), `writer.rs` (the group commit both engines use: one
//! transaction per batch of writes, each in its savepoint, events appended
//! before the commit), and the engines: `sqlite/` (its schema is
//! `migrations.rs`) and `postgres/` (its schema is `postgres/schema.rs`;
//! writes serialised across replicas by an advisory lock, the whole log
//! streamed to every replica by `postgres/tail.rs`). `location.rs` reads
//! `--db`. Some methods (broadcasts, attachments, customers,
//! inbound, channels) still carry part of their SQL inline, and a few
//! shared checks sit in `methods/mod.rs`; tags are the model of where it
//! goes: `methods/tags.rs` only hands each call to `data/tags.rs`.
//!
//! Every mutating call commits before it returns and appends the events it
//! caused to the event log in the same transaction; the backend then hands
//! those events, in sequence order, to its [`EventSink`] (the server's hub,
//! which fans them out to the WebSockets; nothing, for a tool that opens
//! the database offline).

pub mod copy;
pub mod data;
pub mod engine;
pub mod location;
pub mod methods;
pub mod migrations;
pub mod postgres;
pub mod secrets;
pub mod sql;
pub mod sqlite;
mod writer;

use crate::protocol::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use data::platform_tokens::PlatformToken;
pub use location::Database;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// How a database is opened.
#[derive(Default, Clone)]
pub struct OpenOptions {
    pub durability: Durability,
    /// The key channel credentials are sealed with, instead of
    /// `CHATSMART_SECRET_KEY` (or, for SQLite, the key file beside the
    /// database).
    pub keys: Option<secrets::Keys>,
}

/// Opens the database `db` names, running its migrations: a SQLite file or
/// a PostgreSQL database.
pub fn open(
    db: &Database,
    sink: impl EventSink + 'static,
    options: OpenOptions,
) -> StoreResult<std::sync::Arc<dyn Store>> {
    Ok(match db {
        Database::Sqlite(path) => {
            std::sync::Arc::new(SqliteStore::open_with(path, sink, options.durability)?)
        }
        Database::Postgres(url) => {
            std::sync::Arc::new(PgStore::open(url, sink, options.durability, options.keys)?)
        }
    })
}

/// Where a store sends what it committed, after the commit and in sequence
/// order.
pub trait EventSink: Send + Sync {
    /// One committed event, with its kind as the log stores it (serialised
    /// once) and who may see it.
    fn committed(
        &self,
        seq: Seq,
        at: DateTime<Utc>,
        kind_json: &str,
        audience: crate::server::audience::Audience,
    );
    /// A committed write left work for a worker.
    fn work_waiting(&self, work: Work);
}

/// Work a committed write can leave for the server's workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// A message to send through its platform.
    Outbox,
    /// A customer message for the bot to answer.
    Bot,
}

/// The sink of a store opened offline (admin commands, benchmarks): nobody
/// is listening, and the log keeps every event for whoever reads it later.
pub struct Offline;

impl EventSink for Offline {
    fn committed(&self, _: Seq, _: DateTime<Utc>, _: &str, _: crate::server::audience::Audience) {}
    fn work_waiting(&self, _: Work) {}
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("storage failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// How hard a commit waits for the disk before it is acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Every commit is on disk before it is acknowledged (fsync on each
    /// group commit): nothing acknowledged is lost to a power cut.
    #[default]
    Full,
    /// Commits survive the process crashing, but the last ones before a
    /// power cut or kernel crash may be lost, acknowledged or not.
    Normal,
}

impl std::str::FromStr for Durability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(Durability::Full),
            "normal" => Ok(Durability::Normal),
            other => Err(format!("durability is full or normal, not {other:?}")),
        }
    }
}

impl Durability {
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::Full => "full",
            Durability::Normal => "normal",
        }
    }
}

/// A new agent. The password, when given, is already hashed.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub name: String,
    pub login: String,
    pub role: Role,
    pub teams: Vec<String>,
    pub password_hash: Option<String>,
}

/// A customer message entering the system, from the API channel or (later)
/// a platform webhook.
#[derive(Debug, Clone)]
pub struct InboundMessage {
    pub channel: ChannelKind,
    pub channel_user_id: String,
    pub customer_name: String,
    pub text: String,
    pub external_id: String,
    /// Its time in the history and the list; now when absent. The demo
    /// seeds history with it. Webhooks give the platform's time kept
    /// within minutes of now.
    pub at: Option<DateTime<Utc>>,
    /// When the platform says the customer sent it, if that differs from
    /// `at`: the platforms' reply windows run from it.
    pub sent_at: Option<DateTime<Utc>>,
    /// A file the customer sent, already stored.
    pub attachment_id: Option<AttachmentId>,
    /// The channel account it came through; the kind's API account when
    /// absent (the inbound route).
    pub account: Option<ChannelAccountId>,
    /// LINE's single-use token for answering this message for free.
    pub reply_token: Option<String>,
    /// A file still to fetch from the platform (JSON the platform client
    /// reads); the message is kept at once and the file follows.
    pub media: Option<String>,
    /// For the bot to answer, if it is on in the conversation (queued in
    /// the same write); None for history (seeding, benchmarks).
    pub bot: Option<BotTurn>,
}

/// How the bot is to answer a customer message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BotTurn {
    /// What it reads when the stored text is not what the customer wrote
    /// (a file on its way: its caption, or nothing).
    pub reads: Option<String>,
    /// It answers no sooner than this unless told sooner
    /// ([`Store::bot_work_now`]): the customer's name is being looked up.
    pub after: Option<DateTime<Utc>>,
}

/// An outbound message due to go out through its platform.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub message: Message,
    pub account: ChannelAccountId,
    pub kind: ChannelKind,
    /// The customer's id on the platform (PSID, wa_id, userId, OpenID).
    pub to: String,
    pub customer_last_at: Option<DateTime<Utc>>,
    /// LINE's reply token and when it arrived.
    pub reply_token: Option<(String, DateTime<Utc>)>,
    /// Tries so far.
    pub attempts: u32,
    /// Calls of the message earlier tries made (it may go in parts).
    pub parts_sent: u32,
}

/// What became of one try at sending.
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    Sent {
        external_id: Option<String>,
        /// The LINE reply token this used up, if any.
        spent_token: Option<String>,
    },
    /// Try again at `at`; the message stays pending.
    Retry {
        reason: String,
        at: DateTime<Utc>,
        parts_sent: u32,
        spent_token: Option<String>,
    },
    Failed {
        reason: String,
        parts_sent: u32,
        spent_token: Option<String>,
    },
}

/// What became of one try at fetching a customer's file.
#[derive(Debug, Clone)]
pub enum MediaOutcome {
    /// The file is stored: the message carries it, with `text` (its
    /// caption, possibly empty) in place of the placeholder.
    Attached {
        attachment: AttachmentId,
        text: String,
    },
    /// It will not come: the message says so in `text`.
    Failed { text: String },
    /// Try again at `at`.
    Retry { at: DateTime<Utc> },
}

/// A customer message the bot is to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotWork {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    /// What the bot reads in place of the stored text (a file's caption).
    pub reads: Option<String>,
    /// Tries that failed so far.
    pub attempts: u32,
}

/// A file a customer sent that is still to be fetched from the platform.
#[derive(Debug, Clone)]
pub struct MediaFetch {
    pub message_id: MessageId,
    pub account: ChannelAccountId,
    pub kind: ChannelKind,
    pub media: String,
    pub attempts: u32,
}

/// An uploaded file's record; its bytes are already in the file store.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub sha256: String,
    pub name: String,
    pub mime: String,
    pub kind: AttachmentKind,
    pub size: u64,
    pub uploaded_by: Option<AgentId>,
}

/// What removing a message's attachment left behind.
#[derive(Debug, Clone)]
pub struct RemovedAttachment {
    /// The message, without its attachment.
    pub message: Message,
    /// The content hash whose bytes nothing uses any more: the caller
    /// deletes the file.
    pub unused_sha256: Option<String>,
}

/// An outbound message written by an agent, the bot or the system, with an
/// explicit time (used by seeding and, later, scheduled messages).
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    pub conversation_id: ConversationId,
    pub kind: MessageKind,
    pub author_id: Option<AgentId>,
    pub text: String,
    pub client_id: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub attachment_id: Option<AttachmentId>,
}

/// Whether a standard-message folder may be changed by whoever asks: given
/// the folder as it is and as it would be, inside the write.
pub type FolderGuard = Box<dyn Fn(&StandardFolder) -> StoreResult<()> + Send>;

/// The guard for the server's own changes (seeding, admin commands).
pub fn any_folder() -> FolderGuard {
    Box::new(|_| Ok(()))
}

/// Who makes a change, and when (now unless given: seeding and scheduled
/// work give explicit times).
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor {
    pub by: Option<AgentId>,
    pub at: Option<DateTime<Utc>>,
}

impl Actor {
    /// When it happened, in the store's milliseconds: the time given, or
    /// now.
    pub fn at_ms(&self) -> i64 {
        self.at.map_or_else(data::now_ms, |t| t.timestamp_millis())
    }

    pub fn agent(id: AgentId) -> Self {
        Actor {
            by: Some(id),
            at: None,
        }
    }
    pub fn system() -> Self {
        Actor::default()
    }
    pub fn at(self, at: DateTime<Utc>) -> Self {
        Actor {
            at: Some(at),
            ..self
        }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The server's secret keys (the current one seals channel
    /// credentials and signs file links).
    fn keys(&self) -> &secrets::Keys;

    // Agents, teams and tokens.
    async fn create_agent(&self, new: NewAgent) -> StoreResult<Agent>;
    async fn list_agents(&self) -> StoreResult<Vec<Agent>>;
    async fn list_teams(&self) -> StoreResult<Vec<Team>>;
    /// Stores the hash of a bearer token for the agent, issued (and so
    /// last used) at `at`.
    async fn add_token(
        &self,
        agent_id: AgentId,
        token_hash: String,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The agent a token signs in: None when the token is unknown or
    /// revoked, has been idle longer than `idle`, or its agent is disabled
    /// or removed. A use is written down (at most hourly) as it happens.
    async fn agent_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> StoreResult<Option<Agent>>;
    /// Deletes tokens last used before `idle_since`; how many went.
    async fn prune_tokens(&self, idle_since: DateTime<Utc>) -> StoreResult<usize>;
    /// Deletes one token; false when there was no such token.
    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool>;
    /// Deletes every token of an agent; how many went.
    async fn revoke_tokens(&self, agent: AgentId) -> StoreResult<usize>;
    /// Disables an agent (no sign-in, no token works, not picked for team
    /// assignment) or enables it again; refuses to disable the last admin.
    async fn set_agent_disabled(&self, agent: AgentId, disabled: bool) -> StoreResult<Agent>;
    /// Removes an agent: unassigned everywhere, out of teams and folders,
    /// no tokens, login freed; its messages keep its name.
    async fn remove_agent(&self, actor: Actor, agent: AgentId) -> StoreResult<()>;
    /// The agent and its password hash, when it has one.
    async fn agent_login(&self, login: &str) -> StoreResult<Option<(Agent, Option<String>)>>;
    async fn set_password(&self, agent_id: AgentId, password_hash: String) -> StoreResult<()>;

    // Channels and customers.
    async fn list_channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>>;
    async fn create_channel(&self, new: NewChannel) -> StoreResult<ChannelCreated>;
    /// Stops a channel account taking webhooks; its conversations stay.
    async fn remove_channel(&self, id: ChannelAccountId) -> StoreResult<()>;
    /// Renames a connected account or changes its credentials (merged,
    /// then checked as a whole); API accounts are 404.
    async fn update_channel(
        &self,
        id: ChannelAccountId,
        patch: ChannelPatch,
    ) -> StoreResult<ChannelAccount>;
    /// Bytes an agent uploaded since `since`.
    async fn uploaded_bytes_since(&self, agent: AgentId, since: DateTime<Utc>) -> StoreResult<u64>;
    /// Whether the file went out in a message (an agent's or the bot's) of
    /// a conversation on this account.
    async fn attachment_sent_on(
        &self,
        account: ChannelAccountId,
        attachment: AttachmentId,
    ) -> StoreResult<bool>;
    /// A live (not removed) platform account's kind and credentials.
    async fn channel_credentials(
        &self,
        id: ChannelAccountId,
    ) -> StoreResult<Option<(ChannelKind, std::collections::BTreeMap<String, String>)>>;
    /// The account's platform access token while it is still good at
    /// `now` (see data/platform_tokens.rs).
    async fn platform_token(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PlatformToken>>;
    /// Claims the next fetch of the account's token until `until` (one
    /// fetch at a time across replicas): false while another holds it.
    async fn claim_platform_token_fetch(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The fetch claimed until `claimed_until` is over, with the token it
    /// got or without (nothing changes if the claim is no longer its).
    async fn platform_token_fetched(
        &self,
        account: ChannelAccountId,
        claimed_until: DateTime<Utc>,
        token: Option<PlatformToken>,
    ) -> StoreResult<()>;
    /// The platform refused the token fetched at `fetched_at_ms`.
    async fn platform_token_refused(
        &self,
        account: ChannelAccountId,
        fetched_at_ms: i64,
    ) -> StoreResult<()>;
    async fn get_customer(&self, id: CustomerId) -> StoreResult<Customer>;
    async fn search_customers(&self, query: CustomerQuery) -> StoreResult<Vec<Customer>>;
    async fn patch_customer(
        &self,
        by: AgentId,
        id: CustomerId,
        patch: CustomerPatch,
    ) -> StoreResult<Customer>;

    // Conversations and messages.
    async fn inbound(&self, msg: InboundMessage) -> StoreResult<InboundAccepted>;

    // Sending through the platforms (server/workers/delivery.rs).
    /// Pending outbound messages due by `now`, oldest first, never one
    /// behind an earlier pending message of its conversation, claimed for
    /// the caller until `until`: nobody else (on any replica) is given
    /// them before then, unless the claim is renewed or the try recorded.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>>;
    /// Keeps the claims on messages still being sent and files still
    /// being fetched until `until`.
    async fn renew_claims(
        &self,
        messages: Vec<MessageId>,
        media: Vec<MessageId>,
        until: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A message being sent has made `parts` of its calls, recorded before
    /// it makes the next, so a try that takes it over (this one's replica
    /// died) never makes them again.
    async fn parts_sent(&self, id: MessageId, parts: u32) -> StoreResult<()>;
    /// Records a try; the message's update goes out as an event.
    async fn delivery_done(&self, id: MessageId, outcome: DeliveryOutcome) -> StoreResult<Message>;
    /// A platform's status for the message it knows as `external_id`
    /// (delivered, read, failed): statuses only move forward.
    async fn platform_status(
        &self,
        account: ChannelAccountId,
        external_id: String,
        status: DeliveryStatus,
        reason: Option<String>,
    ) -> StoreResult<Option<Message>>;
    /// Messenger's watermarks: every message sent to the customer up to
    /// `until` is delivered (or read).
    async fn platform_status_until(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        until: DateTime<Utc>,
        status: DeliveryStatus,
    ) -> StoreResult<Vec<Message>>;
    /// A failed message goes back in the queue (its author or an admin).
    async fn retry_message(&self, by: &Agent, id: MessageId) -> StoreResult<Message>;
    /// Files still to fetch, due by `now`, claimed until `until`.
    async fn claim_media(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MediaFetch>>;
    /// Customer messages the bot is to answer, due by `now`: the oldest of
    /// each conversation's, oldest first.
    async fn due_bot_work(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<BotWork>>;
    /// The bot need not wait any longer before answering `message` (the
    /// customer's name is in, or the platform has none).
    async fn bot_work_now(&self, message: MessageId) -> StoreResult<()>;
    /// Claims `message` for one try of the bot until `until`: false when it
    /// was answered meanwhile or another try holds it.
    async fn claim_bot_work(&self, message: MessageId, until: DateTime<Utc>) -> StoreResult<bool>;
    /// The bot is done with `message` (it answered, or had nothing to
    /// say); with `retry_at`, it tries again then.
    async fn bot_work_done(
        &self,
        message: MessageId,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// What became of fetching a message's file.
    async fn media_done(&self, id: MessageId, outcome: MediaOutcome) -> StoreResult<()>;
    /// Replaces a customer's placeholder name (their platform id) with the
    /// name the platform's profile gives.
    async fn set_platform_name(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        name: String,
    ) -> StoreResult<()>;
    async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment>;
    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<Attachment>>;
    /// Deletes uploads that no message names and that are older than
    /// `before`; returns the content hashes they named, for the caller to
    /// delete the bytes nothing else uses.
    async fn prune_unused_attachments(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>>;
    /// Whether any attachment record still names these bytes.
    async fn sha256_in_use(&self, sha256: &str) -> StoreResult<bool>;

    // Files' bytes in the database, for every replica (PostgreSQL; see
    // data/file_bytes.rs). SQLite keeps them on its disk only.
    /// Whether this store keeps files' bytes.
    fn keeps_file_bytes(&self) -> bool;
    /// Marks the bytes `sha256` as in use now; whether all of them are in.
    async fn hold_file_bytes(&self, sha256: String, size: u64) -> StoreResult<bool>;
    /// Part `part` of the bytes (at most `data::file_bytes::PART` long).
    async fn put_file_bytes(&self, sha256: String, part: u32, bytes: Vec<u8>) -> StoreResult<()>;
    /// Every part of the bytes is in.
    async fn file_bytes_complete(&self, sha256: String) -> StoreResult<()>;
    /// The size of bytes kept whole.
    async fn file_bytes_size(&self, sha256: String) -> StoreResult<Option<u64>>;
    async fn file_bytes_part(&self, sha256: String, part: u32) -> StoreResult<Option<Vec<u8>>>;
    /// Deletes the bytes no attachment names and nobody used since
    /// `touched_before`; how many went.
    async fn prune_file_bytes(&self, touched_before: DateTime<Utc>) -> StoreResult<u64>;
    /// Takes the attachment off a message (by its author or an admin). The
    /// attachment's record goes when no message uses it, and its bytes when
    /// no record shares them.
    async fn remove_attachment(
        &self,
        by: &Agent,
        message: MessageId,
    ) -> StoreResult<RemovedAttachment>;
    async fn list_conversations(
        &self,
        agent: AgentId,
        query: ConversationQuery,
    ) -> StoreResult<Page<ConversationRow>>;
    async fn get_conversation(
        &self,
        agent: AgentId,
        id: ConversationId,
    ) -> StoreResult<ConversationRow>;
    async fn list_messages(
        &self,
        conversation: ConversationId,
        query: MessagesQuery,
    ) -> StoreResult<MessagePage>;
    /// Returns the message and whether it was created now (false: the
    /// client_id had been used before and the earlier message is returned).
    /// Stores an agent's, the bot's or a system message. An agent's reply
    /// while the bot is on turns the bot off.
    async fn add_message(&self, msg: OutboundMessage) -> StoreResult<(Message, bool)>;
    /// The bot steps aside: it is turned off and the conversation becomes a
    /// request for the agents, with a system note saying `why`. Nothing
    /// changes if the bot is already off.
    async fn hand_over(&self, id: ConversationId, why: String) -> StoreResult<Conversation>;
    async fn mark_read(&self, agent: AgentId, id: ConversationId) -> StoreResult<ReadMarker>;
    async fn set_bot(
        &self,
        actor: Actor,
        id: ConversationId,
        active: bool,
    ) -> StoreResult<Conversation>;
    async fn add_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation>;
    async fn remove_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation>;
    async fn total_unread(&self, agent: AgentId) -> StoreResult<i64>;
    /// The agent's unread customer messages per account (accounts with none
    /// left out).
    async fn unread_by_account(&self, agent: AgentId) -> StoreResult<Vec<AccountUnread>>;
    async fn set_status(
        &self,
        actor: Actor,
        id: ConversationId,
        req: SetStatus,
    ) -> StoreResult<Conversation>;
    async fn set_priority(
        &self,
        actor: Actor,
        id: ConversationId,
        priority: Priority,
    ) -> StoreResult<Conversation>;
    async fn list_macros(&self) -> StoreResult<Vec<SharedMacro>>;
    async fn put_macro(
        &self,
        by: AgentId,
        name: String,
        steps: Vec<MacroStep>,
    ) -> StoreResult<SharedMacro>;
    async fn delete_macro(&self, name: String) -> StoreResult<()>;
    /// Assigns the team member with the fewest open conversations (or
    /// keeps the one already on it).
    async fn assign_team(
        &self,
        actor: Actor,
        id: ConversationId,
        team: String,
    ) -> StoreResult<Conversation>;
    /// Opens every snoozed conversation whose wake time is at or before
    /// `now`, each exactly once; returns them.
    async fn wake_snoozed(&self, now: DateTime<Utc>) -> StoreResult<Vec<ConversationId>>;

    // Tags and notes.
    async fn list_tags(&self) -> StoreResult<Vec<Tag>>;
    async fn create_tag(&self, tag: NewTag) -> StoreResult<Tag>;
    async fn tag_customer(&self, customer: CustomerId, tag: TagCustomer) -> StoreResult<Customer>;
    async fn untag_customer(&self, customer: CustomerId, tag: TagId) -> StoreResult<Customer>;
    async fn list_notes(&self, customer: CustomerId) -> StoreResult<Vec<Note>>;
    async fn create_note(
        &self,
        author: AgentId,
        customer: CustomerId,
        text: String,
    ) -> StoreResult<Note>;
    /// Only the author or an admin may change or delete a note.
    async fn update_note(&self, by: &Agent, id: NoteId, text: String) -> StoreResult<Note>;
    async fn delete_note(&self, by: &Agent, id: NoteId) -> StoreResult<()>;

    // Standard messages. Scope is applied by the caller with
    // `StandardFolder::visible_to`; the store lists every folder.
    async fn list_standard_folders(&self) -> StoreResult<Vec<StandardFolder>>;
    // Each change passes `guard` inside its write, with the folder as it is
    // and as it would be; an `Err` refuses it (403) and nothing is written.
    async fn create_folder(
        &self,
        input: FolderInput,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder>;
    async fn update_folder(
        &self,
        id: FolderId,
        patch: FolderPatch,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder>;
    async fn delete_folder(&self, id: FolderId, guard: FolderGuard) -> StoreResult<()>;
    async fn add_standard_message(
        &self,
        folder: FolderId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage>;
    async fn update_standard_message(
        &self,
        id: StandardMessageId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage>;
    async fn delete_standard_message(
        &self,
        id: StandardMessageId,
        guard: FolderGuard,
    ) -> StoreResult<()>;
    /// Applies a validated import in one transaction (rolled back when
    /// `dry_run`): each planned folder goes into the folder of the same
    /// name and scope, made when there is none.
    async fn import_standard(
        &self,
        plan: Vec<PlannedFolder>,
        report: ImportReport,
        guard: FolderGuard,
    ) -> StoreResult<ImportReport>;

    // Tag management.
    async fn tag_infos(&self) -> StoreResult<Vec<TagInfo>>;
    async fn update_tag(&self, id: TagId, patch: TagPatch) -> StoreResult<Tag>;
    /// Returns how many customers lost it.
    async fn delete_tag(&self, id: TagId) -> StoreResult<i64>;
    async fn merge_tags(&self, from: TagId, into: TagId) -> StoreResult<TagInfo>;

    // Scheduled messages.
    async fn list_scheduled(&self, conversation: ConversationId) -> StoreResult<Vec<Scheduled>>;
    async fn create_scheduled(
        &self,
        by: AgentId,
        conversation: ConversationId,
        new: NewScheduled,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled>;
    /// Only its author or an admin may change or cancel one (Forbidden).
    async fn update_scheduled(
        &self,
        by: &Agent,
        id: ScheduledId,
        patch: ScheduledPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled>;
    async fn cancel_scheduled(&self, by: &Agent, id: ScheduledId) -> StoreResult<Scheduled>;
    /// Sends every pending scheduled message due at `now`, each exactly
    /// once: claimed, stored as a message and marked sent in one transaction.
    async fn send_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<MessageId>>;

    // Customers in bulk.
    /// Every customer with tags, ordered by id.
    async fn all_customers(&self) -> StoreResult<Vec<Customer>>;
    /// Creates or updates (matched by channel and channel user id) in one
    /// transaction; rolled back when `report.dry_run`.
    async fn import_customers(
        &self,
        rows: Vec<CustomerIn>,
        report: CustomerImportReport,
    ) -> StoreResult<CustomerImportReport>;

    // Broadcasts.
    async fn broadcast_audience(&self, audience: BroadcastAudience) -> StoreResult<i64>;
    async fn create_broadcast(
        &self,
        by: AgentId,
        new: NewBroadcast,
        now: DateTime<Utc>,
    ) -> StoreResult<Broadcast>;
    async fn list_broadcasts(&self) -> StoreResult<Vec<Broadcast>>;
    async fn get_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast>;
    async fn cancel_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast>;
    /// Starts broadcasts due at `now` (fixing their recipients) and sends
    /// to at most `batch` pending recipients; returns how many it sent to.
    async fn run_broadcasts(&self, now: DateTime<Utc>, batch: u32) -> StoreResult<usize>;

    // The event log.
    /// Events with `seq > since`, oldest first, at most `limit`.
    async fn events_since(&self, since: Seq, limit: u32) -> StoreResult<Vec<Event>>;
    /// The newest and the oldest sequence numbers still kept (0, 0 when empty).
    async fn seq_bounds(&self) -> StoreResult<(Seq, Seq)>;
    /// Drops all but the newest `keep` events; returns how many went.
    /// Clients asking for older ones are told to resync.
    async fn prune_events(&self, keep: u64) -> StoreResult<u64>;
}
