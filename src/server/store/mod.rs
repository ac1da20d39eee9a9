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
pub use methods::{
    AgentStore, AttachmentStore, BotStore, BroadcastStore, ChannelStore, ConversationStore,
    CustomerStore, DeliveryStore, EventStore, InboundStore, MacroStore, MessageStore, NoteStore,
    ScheduledStore, SessionStore, StandardStore, TagStore, TriageStore,
};

/// Every group's trait, unnamed: `use store::prelude::*` lets a concrete
/// store (`SqliteStore`, `PgStore`) be called like `dyn Store`.
pub mod prelude {
    pub use super::methods::{
        AgentStore as _, AttachmentStore as _, BotStore as _, BroadcastStore as _,
        ChannelStore as _, ConversationStore as _, CustomerStore as _, DeliveryStore as _,
        EventStore as _, InboundStore as _, MacroStore as _, MessageStore as _, NoteStore as _,
        ScheduledStore as _, SessionStore as _, StandardStore as _, TagStore as _,
        TriageStore as _,
    };
    pub use super::Store as _;
}
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
    /// A tap on a button: its payload (`text` is its title).
    pub tap: Option<String>,
    /// Not a message but a change in whether replies reach the customer:
    /// `text` is then the system note that says so.
    pub reach: Option<Reach>,
}

/// A customer following or blocking the account (LINE's follow and
/// unfollow, WeChat's subscribe and unsubscribe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Followed or unblocked: replies reach them again.
    Followed,
    /// Blocked or unfollowed: replies are refused, saying this.
    Blocked(String),
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

/// The whole store: every resource's methods (each group's trait is in
/// methods/, beside its implementation), and the keys.
pub trait Store:
    AgentStore
    + AttachmentStore
    + BotStore
    + BroadcastStore
    + ChannelStore
    + ConversationStore
    + CustomerStore
    + DeliveryStore
    + EventStore
    + InboundStore
    + MacroStore
    + MessageStore
    + NoteStore
    + ScheduledStore
    + SessionStore
    + StandardStore
    + TagStore
    + TriageStore
    + Send
    + Sync
    + 'static
{
    /// The server's secret keys (the current one seals channel
    /// credentials and signs file links).
    fn keys(&self) -> &secrets::Keys;
    /// Whether this store keeps files' bytes in the database, for every
    /// replica (PostgreSQL; see data/file_bytes.rs). SQLite keeps them on
    /// its disk only.
    fn keeps_file_bytes(&self) -> bool;
}
