//! The SQLite backend: one writer connection (SQLite allows one writer at a
//! time anyway) owned by its own thread, and a small pool of readers, WAL
//! mode, blocking calls moved off the async runtime.

mod channels;
mod private;
#[cfg(test)]
mod upgrades;

use super::data::agents::{agent_name, ensure_team, load_agent, who};
use super::data::attachments::load_attachment;
use super::data::channels::{api_account, channels_from_db, channels_to_db};
use super::data::conversations::{bot_off, load_conversation, unread_for};
use super::data::customers::load_customer;
use super::data::messages::{
    insert_message, insert_message_with, load_message, message_from_row, system_message,
    validate_message_text, validate_text, MESSAGE_COLUMNS, MESSAGE_JOINS,
};
use super::data::notes::load_note;
use super::data::scheduled::load_scheduled;
use super::data::{bot, delivery, macros, now_ms, sessions, standard, to_dt, triage};
use super::migrations::MIGRATIONS;
use super::secrets;
use super::sql::{Db, Param, Value};
use super::*;
use crate::protocol::validate;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

/// SQLite's errors, as the store's: kept here, so the store's interface
/// names no backend.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            // Data the schema refuses is bad input, not a broken store: a
            // webhook batch skips the item instead of failing whole.
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::Invalid(format!("refused by the database: {e}"))
            }
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;
/// Idle reader connections kept open. Enough for every blocking thread the
/// runtime runs at once under load: opening one (and preparing its
/// statements again) costs more than the read it serves.
const READERS: usize = 32;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Seals channel credentials at rest (see `store::secrets`).
    keys: secrets::Keys,
    /// Writes waiting for the writer thread, which commits whatever has
    /// queued up in one transaction (group commit).
    queue: Arc<WriteQueue>,
    /// The writer's and the checkpointer's threads, joined on close.
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
}

#[derive(Default)]
struct WriteQueue {
    state: Mutex<Queued>,
    /// Wakes the writer: a job was queued, or the store closed.
    ready: Condvar,
    /// Wakes the checkpointer when the store closes.
    closing: Condvar,
}

#[derive(Default)]
struct Queued {
    jobs: Vec<Job>,
    closed: bool,
}

impl Drop for Inner {
    /// The writer finishes what is queued, closes its connection and stops.
    fn drop(&mut self) {
        if let Ok(mut q) = self.queue.state.lock() {
            q.closed = true;
        }
        self.queue.ready.notify_all();
        self.queue.closing.notify_all();
        let threads = self
            .threads
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        for handle in threads {
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
    }
}

/// A write's outcome, delivered once the transaction holding it committed
/// (or failed to).
type Finish = Box<dyn FnOnce(StoreResult<()>) + Send>;

/// One queued write: runs in its own savepoint; says whether to keep its
/// changes, and how to answer its caller after the commit.
type Job = Box<dyn FnOnce(&Transaction, &mut Vec<EventKind>) -> (bool, Finish) + Send>;

/// At most this many writes share one transaction.
const GROUP: usize = 256;

fn open_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Readers and the checkpointer; the writer sets its own durability.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Statements are prepared once per connection and reused: parsing SQL
    // was a tenth of the time an inbound message took.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let version = version as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Internal(format!(
            "the database is at schema version {version}, newer than this chatsmart knows ({}); upgrade chatsmart",
            MIGRATIONS.len()
        )));
    }
    if version == MIGRATIONS.len() {
        return Ok(());
    }
    // A migration that rebuilds a table must not cascade its drop into the
    // tables that refer to it (SQLite's documented way: keys off, rebuild,
    // check, keys on). The setting cannot change inside a transaction.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let applied = (|| -> StoreResult<()> {
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            let broken: Option<String> = tx
                .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
                .optional()?;
            if let Some(table) = broken {
                return Err(StoreError::Internal(format!(
                    "migration {} left a broken reference in {table}",
                    i + 1
                )));
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
            tracing::info!("applied migration {}", i + 1);
        }
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", "ON")?;
    applied
}

impl SqliteStore {
    /// Opens (creating if needed) the database and brings its schema up to
    /// date, every commit synced to disk before it is acknowledged.
    pub fn open(path: &Path, sink: impl EventSink + 'static) -> StoreResult<Self> {
        Self::open_with(path, sink, Durability::Full)
    }

    /// Opens the database with the given durability. A folder it creates
    /// is readable only by this user, and so are the database and its log.
    pub fn open_with(
        path: &Path,
        sink: impl EventSink + 'static,
        durability: Durability,
    ) -> StoreResult<Self> {
        private::prepare(path)?;
        let mut conn = open_connection(path)?;
        let sealed = || {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM channel_accounts WHERE credentials LIKE 'enc1:%')",
                [],
                |r| r.get::<_, bool>(0),
            )
            .unwrap_or(false)
        };
        let (keys, source) =
            secrets::Keys::for_database_with(path, sealed).map_err(StoreError::Internal)?;
        // FULL syncs the log on every commit: an acknowledged message is on
        // disk. Group commit makes that one sync per group, not per write.
        conn.pragma_update(None, "synchronous", durability.as_str())?;
        migrate(&mut conn)?;
        private::restrict_log_files(path);
        channels::reseal(&mut conn, &keys)?;
        if let secrets::KeySource::File(file) = &source {
            // A rotation cut off after its commit: its key is now the key.
            let next = secrets::new_key_file(path);
            if next.exists() {
                std::fs::rename(&next, file).map_err(|e| {
                    StoreError::Internal(format!("cannot finish the key rotation: {e}"))
                })?;
                secrets::sync_dir(file.parent().unwrap_or(Path::new(".")));
            }
        }
        // Commits never checkpoint (which syncs the database file and was
        // the tail of ingest and fan-out latency); the checkpointer thread
        // does it beside them.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let queue = Arc::new(WriteQueue::default());
        let checkpointer = open_connection(path)?;
        let q = queue.clone();
        let checkpoints = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_until_closed(checkpointer, q))
            .map_err(|e| StoreError::Internal(format!("cannot start the checkpointer: {e}")))?;
        let writer = Writer {
            conn,
            queue: queue.clone(),
            sink: Box::new(sink),
        };
        let handle = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer.run());
        let handle = match handle {
            Ok(h) => h,
            Err(e) => {
                if let Ok(mut q) = queue.state.lock() {
                    q.closed = true;
                }
                queue.closing.notify_all();
                return Err(StoreError::Internal(format!(
                    "cannot start the writer: {e}"
                )));
            }
        };
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                keys,
                queue,
                threads: Mutex::new(vec![handle, checkpoints]),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The server's secret keys (the current one signs file links).
    pub fn keys(&self) -> &secrets::Keys {
        &self.inner.keys
    }

    /// Seals every channel's credentials under a new key, kept in the key
    /// file beside the database; the new key's id. Run with the server
    /// stopped (a running server keeps the old key). With the key in
    /// `CHATSMART_SECRET_KEY`, says how to rotate it instead.
    pub async fn rotate_key(&self) -> StoreResult<String> {
        let path = self.inner.path.clone();
        let old = self.inner.keys.clone();
        if std::env::var(secrets::KEY_VAR).is_ok_and(|v| !v.trim().is_empty()) {
            return Err(StoreError::Invalid(format!(
                "the key comes from {}: put the new key (64 hex digits) there and the old one in {}, then start the server; it seals everything again",
                secrets::KEY_VAR,
                secrets::OLD_KEY_VAR
            )));
        }
        // Not while a server runs on it: it would go on sealing with the
        // old key, which the rotation then throws away.
        let _lock = secrets::lock_database(&path).map_err(StoreError::Conflict)?;
        let new = secrets::Key::generate();
        let next = secrets::new_key_file(&path);
        secrets::write_key(&next, &new).map_err(StoreError::Internal)?;
        let keys = secrets::Keys {
            current: new.clone(),
            older: std::iter::once(old.current).chain(old.older).collect(),
        };
        self.write(move |db, _| channels::reseal_all(db, &keys))
            .await?;
        let file = secrets::key_file(&path);
        std::fs::rename(&next, &file)
            .map_err(|e| StoreError::Internal(format!("cannot put the new key in place: {e}")))?;
        secrets::sync_dir(file.parent().unwrap_or(Path::new(".")));
        Ok(new.id())
    }

    /// Runs `f` in one IMMEDIATE transaction on the writer. The events `f`
    /// pushes are appended to the log in the same transaction, and published
    /// after the commit while the writer is still held, so subscribers see
    /// them in sequence order.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db, &mut Vec<EventKind>) -> StoreResult<T> + Send + 'static,
    {
        self.write_or_roll_back(move |db, events| f(db, events).map(|t| (t, true)))
            .await
    }

    /// Like [`write`](Self::write), but `f` says whether to commit (true)
    /// or roll everything back (false: a dry run).
    ///
    /// Writes that arrive while another is committing wait in a queue; the
    /// writer thread then runs all of them in one IMMEDIATE transaction,
    /// each in its own savepoint, and commits once. A write that fails (or
    /// is a dry run) rolls back its savepoint alone; the others commit. Each
    /// caller hears back only after the commit, so nothing is acknowledged
    /// before it is on disk.
    async fn write_or_roll_back<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db, &mut Vec<EventKind>) -> StoreResult<(T, bool)> + Send + 'static,
    {
        let (send, recv) = tokio::sync::oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |tx, events| match f(Db::Sqlite(tx), events) {
            Ok((out, keep)) => {
                let finish: Finish = Box::new(move |committed| {
                    let _ = send.send(committed.map(|()| out));
                });
                (keep, finish)
            }
            Err(e) => {
                let finish: Finish = Box::new(move |_| {
                    let _ = send.send(Err(e));
                });
                (false, finish)
            }
        });
        {
            let mut q = self
                .inner
                .queue
                .state
                .lock()
                .map_err(|_| StoreError::Internal("write queue poisoned".into()))?;
            if q.closed {
                return Err(StoreError::Internal("the store is closed".into()));
            }
            q.jobs.push(job);
        }
        self.inner.queue.ready.notify_one();
        recv.await
            .map_err(|_| StoreError::Internal("the write was dropped".into()))?
    }

    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().ok().and_then(|mut p| p.pop());
            let conn = match pooled {
                Some(c) => c,
                None => open_connection(&inner.path)?,
            };
            let out = f(Db::Sqlite(&conn));
            if let Ok(mut pool) = inner.readers.lock() {
                if pool.len() < READERS {
                    pool.push(conn);
                }
            }
            out
        })
        .await
        .map_err(|e| StoreError::Internal(format!("storage task failed: {e}")))?
    }
}

/// How often the log is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Copies the write-ahead log into the database file every
/// [`CHECKPOINT_EVERY`], without blocking the writer (PASSIVE), until the
/// store closes; then once more, truncating the log.
fn checkpoint_until_closed(conn: Connection, queue: Arc<WriteQueue>) {
    let checkpoint = |mode: &str| {
        if let Err(e) = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(())) {
            tracing::warn!("checkpoint failed: {e}");
        }
    };
    loop {
        {
            let Ok(q) = queue.state.lock() else { return };
            if q.closed {
                break;
            }
            match queue.closing.wait_timeout(q, CHECKPOINT_EVERY) {
                Ok((q, _)) if q.closed => break,
                Ok(_) => {}
                Err(_) => return,
            }
        }
        checkpoint("PASSIVE");
    }
    checkpoint("TRUNCATE");
}

/// The writer thread: owns the one writing connection and commits queued
/// writes in groups, so concurrent requests never wait on a lock for it.
struct Writer {
    conn: Connection,
    queue: Arc<WriteQueue>,
    sink: Box<dyn EventSink>,
}

impl Writer {
    fn run(mut self) {
        loop {
            let jobs: Vec<Job> = {
                let Ok(mut q) = self.queue.state.lock() else {
                    tracing::error!("write queue poisoned; the writer stops");
                    return;
                };
                while q.jobs.is_empty() && !q.closed {
                    q = match self.queue.ready.wait(q) {
                        Ok(q) => q,
                        Err(_) => return,
                    };
                }
                if q.jobs.is_empty() {
                    return;
                }
                let n = q.jobs.len().min(GROUP);
                q.jobs.drain(..n).collect()
            };
            self.commit_group(jobs);
        }
    }

    fn commit_group(&mut self, jobs: Vec<Job>) {
        let tx = match self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => {
                // Nothing ran: every caller hears why.
                let why = e.to_string();
                for job in jobs {
                    drop(job);
                    tracing::error!("cannot start a write: {why}");
                }
                return;
            }
        };
        // Each caller's answer, and whether its own part went through.
        let mut done: Vec<(Finish, StoreResult<()>)> = Vec::with_capacity(jobs.len());
        let mut events: Vec<Logged> = Vec::new();
        let now = now_ms();
        let mut broken: Option<String> = None;
        for job in jobs {
            if broken.is_some() {
                // The transaction is unusable: the rest are not run (their
                // callers hear that the write was dropped).
                drop(job);
                continue;
            }
            if let Err(e) = savepoint(&tx, "SAVEPOINT job") {
                broken = Some(e.to_string());
                drop(job);
                continue;
            }
            let mut kinds = Vec::new();
            // A panicking write must not take the writer thread with it:
            // its savepoint is rolled back and its caller hears it dropped.
            let ran =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&tx, &mut kinds)));
            let Ok((keep, finish)) = ran else {
                tracing::error!("a write panicked; it was rolled back");
                if let Err(e) = rollback_to_savepoint(&tx) {
                    broken = Some(e.to_string());
                }
                continue;
            };
            let mut mine = Vec::new();
            let outcome = if keep {
                append_events(&tx, kinds, now, &mut mine)
            } else {
                Ok(())
            };
            let end = if keep && outcome.is_ok() {
                events.append(&mut mine);
                savepoint(&tx, "RELEASE job")
            } else {
                rollback_to_savepoint(&tx)
            };
            if let Err(e) = end {
                broken = Some(e.to_string());
            }
            done.push((finish, outcome));
        }
        let committed = match broken {
            Some(why) => {
                let _ = tx.rollback();
                events.clear();
                Err(StoreError::Internal(format!("the write failed: {why}")))
            }
            None => tx
                .commit()
                .map_err(|e| StoreError::Internal(format!("the commit failed: {e}"))),
        };
        match &committed {
            Ok(()) => {
                // Published in sequence order, before the writer is released.
                for ev in &mut events {
                    let audience = std::mem::take(&mut ev.audience);
                    self.sink
                        .committed(ev.seq, to_dt(now), &ev.payload, audience);
                }
                if events.iter().any(|e| e.outbox) {
                    self.sink.work_waiting(Work::Outbox);
                }
                if events.iter().any(|e| e.bot) {
                    self.sink.work_waiting(Work::Bot);
                }
                for (finish, outcome) in done {
                    finish(outcome);
                }
            }
            Err(e) => {
                let why = e.to_string();
                for (finish, _) in done {
                    finish(Err(StoreError::Internal(why.clone())));
                }
            }
        }
    }
}

/// Appends a write's events to the log; their sequence numbers come from
/// the log's rowid, in order.
fn append_events(
    tx: &Transaction,
    kinds: Vec<EventKind>,
    now: i64,
    out: &mut Vec<Logged>,
) -> StoreResult<()> {
    for kind in kinds {
        // A message waiting for the delivery worker wakes it after commit.
        let outbox = match &kind {
            EventKind::MessageCreated { message, .. } | EventKind::MessageUpdated { message } => {
                message.status == DeliveryStatus::Pending
            }
            _ => false,
        };
        // A customer message the bot is to answer wakes the bot.
        let bot = matches!(&kind, EventKind::MessageCreated { message, conversation }
            if message.kind == MessageKind::Inbound && conversation.bot_active);
        let payload =
            serde_json::to_string(&kind).map_err(|e| StoreError::Internal(e.to_string()))?;
        tx.prepare_cached("INSERT INTO events (type, payload, created_at) VALUES (?1, ?2, ?3)")?
            .execute(params![kind.type_name(), payload, now])?;
        out.push(Logged {
            seq: tx.last_insert_rowid(),
            payload,
            outbox,
            bot,
            audience: crate::server::audience::Audience::of(&kind),
        });
    }
    Ok(())
}

/// A savepoint statement, prepared once per connection (each group runs
/// hundreds of them).
fn savepoint(tx: &Transaction, sql: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute([]).map(drop)
}

fn rollback_to_savepoint(tx: &Transaction) -> rusqlite::Result<()> {
    savepoint(tx, "ROLLBACK TO job")?;
    savepoint(tx, "RELEASE job")
}

/// An event appended to the log in the open transaction, published once
/// it commits.
struct Logged {
    seq: Seq,
    payload: String,
    /// A message now waits to go out through its platform.
    outbox: bool,
    /// A customer message now waits for the bot.
    bot: bool,
    audience: crate::server::audience::Audience,
}

/// 404 for an unknown conversation before anything else is looked at.
async fn load_conversation_checked(store: &SqliteStore, id: ConversationId) -> StoreResult<()> {
    store
        .read(move |db| load_conversation(db, id).map(drop))
        .await
}

/// `q` as one FTS5 phrase: matched as a substring, quotes doubled.
fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
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

// ---- standard messages -----------------------------------------------------

// ---- scheduled messages ----------------------------------------------------

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

fn tag_info(db: Db, id: TagId) -> StoreResult<TagInfo> {
    db.query_opt("SELECT t.id, t.name, t.color, (SELECT COUNT(*) FROM customer_tags ct WHERE ct.tag_id = t.id)
         FROM tags t WHERE t.id = ?1", &[&id], |r| {
            Ok(TagInfo {
                tag: Tag {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    color: r.get(2)?,
                },
                customers: r.get(3)?,
            })
        })?
    .ok_or(StoreError::NotFound("tag"))
}

/// Bumps the version of every customer carrying a tag (their tags changed).
fn touch_tagged(db: Db, tag: TagId) -> StoreResult<()> {
    db.execute(
        "UPDATE customers SET version = version + 1
         WHERE id IN (SELECT customer_id FROM customer_tags WHERE tag_id = ?1)",
        &[&tag],
    )?;
    Ok(())
}

// ---- broadcasts --------------------------------------------------------------

fn load_broadcast(db: Db, id: BroadcastId) -> StoreResult<Broadcast> {
    db.query_opt("SELECT b.id, b.tag_id, b.tag_name, b.tag_color, b.channels, b.text, b.send_at, b.created_by,
                a.name, b.created_at, b.status, b.total, b.sent, b.failed, b.finished_at
         FROM broadcasts b JOIN agents a ON a.id = b.created_by WHERE b.id = ?1", &[&id], |r| {
            let channels: String = r.get(4)?;
            let status: String = r.get(10)?;
            Ok(Broadcast {
                id: r.get(0)?,
                tag: Tag {
                    id: r.get(1)?,
                    name: r.get(2)?,
                    color: r.get(3)?,
                },
                channels: channels_from_db(&channels),
                text: r.get(5)?,
                send_at: to_dt(r.get(6)?),
                created_by: AgentRef {
                    id: r.get(7)?,
                    name: r.get(8)?,
                },
                created_at: to_dt(r.get(9)?),
                status: match status.as_str() {
                    "running" => BroadcastStatus::Running,
                    "done" => BroadcastStatus::Done,
                    "cancelled" => BroadcastStatus::Cancelled,
                    _ => BroadcastStatus::Scheduled,
                },
                total: r.get(11)?,
                sent: r.get(12)?,
                failed: r.get(13)?,
                finished_at: r.get::<Option<i64>>(14)?.map(to_dt),
            })
        })?
    .ok_or(StoreError::NotFound("broadcast"))
}

/// The conversations a broadcast reaches: customers with the tag, on the
/// chosen channels (all when none).
fn audience(db: Db, tag: TagId, channels: &[ChannelKind]) -> StoreResult<Vec<ConversationId>> {
    let kinds = channels_to_db(channels);
    let ids = db.query(
        &format!(
            "SELECT cv.id FROM conversations cv
             JOIN customer_tags ct ON ct.customer_id = cv.customer_id AND ct.tag_id = ?1
             JOIN channel_accounts a ON a.id = cv.channel_account_id
             WHERE ?2 = '' OR {}(',' || ?2 || ',', ',' || a.kind || ',') > 0
             ORDER BY cv.id",
            db.instr()
        ),
        &[&tag, &kinds],
        |r| r.get(0),
    )?;
    Ok(ids)
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_agent(&self, new: NewAgent) -> StoreResult<Agent> {
        validate_text(&new.name, "an agent's name", 200)?;
        validate_text(&new.login, "a login", 200)?;
        self.write(move |db, events| {
            let exists: Option<i64> = db.value("SELECT id FROM agents WHERE login = ?1", &[&new.login.trim()])?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "an agent with the login {:?} already exists",
                    new.login.trim()
                )));
            }
            let id: i64 = db.query_one("row", "INSERT INTO agents (name, login, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id", &[&new.name.trim(), &new.login.trim(), &new.role.as_str(), &new.password_hash, &now_ms()], |r| r.get(0))?;
            for team in &new.teams {
                let team_id = ensure_team(db, team)?;
                db.execute("INSERT INTO agent_teams (agent_id, team_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", &[&id, &team_id])?;
            }
            let agent = load_agent(db, id)?;
            events.push(EventKind::AgentCreated {
                agent: agent.clone(),
            });
            Ok(agent)
        })
        .await
    }

    async fn list_agents(&self) -> StoreResult<Vec<Agent>> {
        self.read(|db| {
            let ids: Vec<i64> = db.query(
                "SELECT id FROM agents WHERE removed_at IS NULL ORDER BY name, id",
                &[],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_agent(db, id)).collect()
        })
        .await
    }

    async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        self.read(|db| {
            let rows = db.query("SELECT id, name FROM teams ORDER BY name", &[], |r| {
                Ok(Team {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?;
            Ok(rows)
        })
        .await
    }

    async fn add_token(
        &self,
        agent_id: AgentId,
        token_hash: String,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let at = at.timestamp_millis();
        self.write(move |db, _| {
            load_agent(db, agent_id)?;
            db.execute("INSERT INTO tokens (hash, agent_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3)", &[&token_hash, &agent_id, &at])?;
            Ok(())
        })
        .await
    }

    async fn agent_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> StoreResult<Option<Agent>> {
        let hash = token_hash.to_string();
        let now = now.timestamp_millis();
        let after = now - idle.num_milliseconds();
        let found = {
            let hash = hash.clone();
            self.read(move |db| sessions::agent_by_token(db, &hash, now, after))
                .await?
        };
        let Some(found) = found else { return Ok(None) };
        if found.stale {
            self.write(move |db, _| sessions::touch_token(db, &hash, now))
                .await?;
        }
        Ok(Some(found.agent))
    }

    async fn prune_tokens(&self, idle_since: DateTime<Utc>) -> StoreResult<usize> {
        let before = idle_since.timestamp_millis();
        self.write(move |db, _| sessions::prune_tokens(db, before))
            .await
    }

    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool> {
        let hash = token_hash.to_string();
        self.write(move |db, _| sessions::revoke_token(db, &hash))
            .await
    }

    async fn revoke_tokens(&self, agent: AgentId) -> StoreResult<usize> {
        self.write(move |db, _| sessions::revoke_tokens(db, agent))
            .await
    }

    async fn set_agent_disabled(&self, agent: AgentId, disabled: bool) -> StoreResult<Agent> {
        self.write(move |db, events| sessions::set_disabled(db, events, agent, disabled))
            .await
    }

    async fn remove_agent(&self, actor: Actor, agent: AgentId) -> StoreResult<()> {
        self.write(move |db, events| sessions::remove(db, events, actor.by, agent))
            .await
    }

    async fn agent_login(&self, login: &str) -> StoreResult<Option<(Agent, Option<String>)>> {
        let login = login.trim().to_string();
        self.read(move |db| {
            let row: Option<(i64, Option<String>)> = db.query_opt(
                "SELECT id, password_hash FROM agents WHERE login = ?1 AND removed_at IS NULL",
                &[&login],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            match row {
                Some((id, hash)) => Ok(Some((load_agent(db, id)?, hash))),
                None => Ok(None),
            }
        })
        .await
    }

    async fn set_password(&self, agent_id: AgentId, password_hash: String) -> StoreResult<()> {
        self.write(move |db, _| {
            let n = db.execute(
                "UPDATE agents SET password_hash = ?2 WHERE id = ?1",
                &[&agent_id, &password_hash],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("agent"));
            }
            Ok(())
        })
        .await
    }

    async fn list_channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>> {
        let keys = self.inner.keys.clone();
        self.read(move |db| {
            let rows = db.query(
                "SELECT id, kind, name, is_api, credentials FROM channel_accounts
                     WHERE removed_at IS NULL ORDER BY kind, id",
                &[],
                |r| {
                    let kind: String = r.get(1)?;
                    let kind = kind.parse().unwrap_or(ChannelKind::Messenger);
                    let id: i64 = r.get(0)?;
                    let is_api = r.flag(3)?;
                    let creds: Option<String> = r.get(4)?;
                    // Names of the keys only: the values never leave here.
                    let credential_keys = creds
                        .and_then(|c| channels::open(&keys, id, &c).ok())
                        .map(|m| m.into_keys().collect())
                        .unwrap_or_default();
                    Ok(ChannelAccount {
                        id,
                        kind,
                        name: r.get(2)?,
                        is_api,
                        webhook_path: (!is_api).then(|| webhook_path(kind, id)),
                        credential_keys,
                    })
                },
            )?;
            Ok(rows)
        })
        .await
    }

    async fn create_channel(&self, new: NewChannel) -> StoreResult<ChannelCreated> {
        let name = new.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "a channel's name must be 1 to 100 characters".into(),
            ));
        }
        check_credentials(new.kind, &new.credentials).map_err(StoreError::Invalid)?;
        let kind = new.kind;
        let keys = self.inner.keys.clone();
        self.write(move |db, _| {
            let id: i64 = db.query_one(
                "row",
                "INSERT INTO channel_accounts (kind, name, is_api, credentials, created_at)
                 VALUES (?1, ?2, 0, NULL, ?3) RETURNING id",
                &[&kind.as_str(), &name, &now_ms()],
                |r| r.get(0),
            )?;
            // Sealed bound to its account's id, so known only now.
            let creds = channels::seal(&keys, id, &new.credentials)?;
            db.execute(
                "UPDATE channel_accounts SET credentials = ?2 WHERE id = ?1",
                &[&id, &creds],
            )?;
            Ok(ChannelCreated {
                id,
                kind,
                name,
                webhook_path: webhook_path(kind, id),
            })
        })
        .await
    }

    async fn update_channel(
        &self,
        id: ChannelAccountId,
        patch: ChannelPatch,
    ) -> StoreResult<ChannelAccount> {
        let name = match &patch.name {
            Some(n) if n.trim().is_empty() || n.trim().chars().count() > 100 => {
                return Err(StoreError::Invalid(
                    "a channel's name must be 1 to 100 characters".into(),
                ))
            }
            other => other.as_ref().map(|n| n.trim().to_string()),
        };
        let keys = self.inner.keys.clone();
        self.write(move |db, _| {
            let row: Option<(String, Option<String>)> = db.query_opt("SELECT kind, credentials FROM channel_accounts
                     WHERE id = ?1 AND is_api = 0 AND removed_at IS NULL", &[&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let Some((kind, creds)) = row else {
                return Err(StoreError::NotFound("channel"));
            };
            let kind: ChannelKind = kind.parse().map_err(StoreError::Internal)?;
            let mut merged = match creds {
                Some(c) => channels::open(&keys, id, &c)?,
                None => Default::default(),
            };
            for (k, v) in patch.credentials {
                if v.trim().is_empty() && optional_credential_keys(kind).contains(&k.as_str()) {
                    merged.remove(&k);
                } else {
                    merged.insert(k, v);
                }
            }
            check_credentials(kind, &merged).map_err(StoreError::Invalid)?;
            let creds = channels::seal(&keys, id, &merged)?;
            db.execute("UPDATE channel_accounts SET name = COALESCE(?2, name), credentials = ?3 WHERE id = ?1", &[&id, &name, &creds])?;
            let name: String = db.query_one("row", "SELECT name FROM channel_accounts WHERE id = ?1", &[&id], |r| r.get(0))?;
            Ok(ChannelAccount {
                id,
                kind,
                name,
                is_api: false,
                webhook_path: Some(webhook_path(kind, id)),
                credential_keys: merged.into_keys().collect(),
            })
        })
        .await
    }

    async fn remove_channel(&self, id: ChannelAccountId) -> StoreResult<()> {
        self.write(move |db, _| {
            let n = db.execute(
                "UPDATE channel_accounts SET removed_at = ?2, credentials = NULL
                     WHERE id = ?1 AND is_api = 0 AND removed_at IS NULL",
                &[&id, &now_ms()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("channel"));
            }
            Ok(())
        })
        .await
    }

    async fn uploaded_bytes_since(&self, agent: AgentId, since: DateTime<Utc>) -> StoreResult<u64> {
        let since = since.timestamp_millis();
        self.read(move |db| {
            let n: i64 = db.query_one(
                "row",
                "SELECT COALESCE(SUM(size), 0) FROM attachments
                     WHERE uploaded_by = ?1 AND created_at >= ?2",
                &[&agent, &since],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        })
        .await
    }

    async fn attachment_sent_on(
        &self,
        account: ChannelAccountId,
        attachment: AttachmentId,
    ) -> StoreResult<bool> {
        self.read(move |db| {
            db.query_one(
                "row",
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM messages m
                        JOIN conversations cv ON cv.id = m.conversation_id
                        WHERE m.attachment_id = ?2 AND cv.channel_account_id = ?1
                          AND m.kind IN ('agent', 'bot')) THEN 1 ELSE 0 END",
                &[&account, &attachment],
                |r| r.flag(0),
            )
        })
        .await
    }

    async fn channel_credentials(
        &self,
        id: ChannelAccountId,
    ) -> StoreResult<Option<(ChannelKind, std::collections::BTreeMap<String, String>)>> {
        let keys = self.inner.keys.clone();
        self.read(move |db| {
            let row: Option<(String, Option<String>)> = db.query_opt(
                "SELECT kind, credentials FROM channel_accounts
                     WHERE id = ?1 AND is_api = 0 AND removed_at IS NULL",
                &[&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let Some((kind, Some(creds))) = row else {
                return Ok(None);
            };
            let Ok(kind) = kind.parse() else {
                return Ok(None);
            };
            Ok(Some((kind, channels::open(&keys, id, &creds)?)))
        })
        .await
    }

    async fn get_customer(&self, id: CustomerId) -> StoreResult<Customer> {
        self.read(move |db| load_customer(db, id)).await
    }

    async fn search_customers(&self, query: CustomerQuery) -> StoreResult<Vec<Customer>> {
        let q = query.q.trim().to_lowercase();
        if q.is_empty() {
            return Err(StoreError::Invalid("q: say what to look for".into()));
        }
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        self.read(move |db| {
            let ids: Vec<CustomerId> = db.query(
                &format!(
                    "SELECT id FROM customers
                     WHERE {instr}(lower(name), ?1) > 0
                        OR {instr}(lower(COALESCE(email, '')), ?1) > 0
                        OR {instr}(COALESCE(phone, ''), ?1) > 0
                        OR {instr}(lower(channel_user_id), ?1) > 0
                     ORDER BY last_seen DESC, id DESC LIMIT ?2",
                    instr = db.instr()
                ),
                &[&q, &i64::from(limit)],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_customer(db, id)).collect()
        })
        .await
    }

    async fn patch_customer(
        &self,
        _by: AgentId,
        id: CustomerId,
        patch: CustomerPatch,
    ) -> StoreResult<Customer> {
        self.write(move |db, events| {
            let current = load_customer(db, id)?;
            if let Some(v) = patch.version {
                if v != current.version {
                    return Err(StoreError::Conflict(format!(
                        "this customer was changed by someone else since you loaded it (version {} now, yours {v}); reload and try again",
                        current.version
                    )));
                }
            }
            let mut c = current.clone();
            if let Some(name) = patch.name {
                validate_text(&name, "a customer's name", 200)?;
                c.name = name.trim().to_string();
            }
            let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            let invalid = StoreError::Invalid;
            if let Some(email) = patch.email {
                c.email = clean(email);
                if let Some(e) = &c.email {
                    validate::email(e).map_err(invalid)?;
                }
            }
            if let Some(phone) = patch.phone {
                c.phone = clean(phone);
                if let Some(p) = &c.phone {
                    validate::phone(p).map_err(invalid)?;
                }
            }
            if let Some(gender) = patch.gender {
                c.gender = clean(gender);
                if let Some(g) = &c.gender {
                    validate::short_text("gender", g, 50).map_err(invalid)?;
                }
            }
            if let Some(age) = patch.age {
                if let Some(a) = age {
                    if a > 150 {
                        return Err(StoreError::Invalid(format!("age {a} is not plausible")));
                    }
                }
                c.age = age;
            }
            if let Some(language) = patch.language {
                c.language = clean(language);
                if let Some(l) = &c.language {
                    validate::short_text("language", l, 50).map_err(invalid)?;
                }
            }
            if let Some(fields) = patch.custom_fields {
                if fields.len() > 50 {
                    return Err(StoreError::Invalid("at most 50 custom fields".into()));
                }
                let mut clean_fields = std::collections::BTreeMap::new();
                for (k, v) in fields {
                    let k = k.trim().to_string();
                    if k.is_empty() {
                        return Err(StoreError::Invalid("a custom field needs a name".into()));
                    }
                    validate::short_text("a custom field's name", &k, 50).map_err(invalid)?;
                    validate::free_text("a custom field's value", &v, 500).map_err(invalid)?;
                    clean_fields.insert(k, v.trim().to_string());
                }
                c.custom_fields = clean_fields;
            }
            if c == current {
                return Ok(current);
            }
            let custom = serde_json::to_string(&c.custom_fields)
                .map_err(|e| StoreError::Internal(e.to_string()))?;
            db.execute("UPDATE customers SET name = ?2, email = ?3, phone = ?4, gender = ?5, age = ?6,
                     language = ?7, custom_fields = ?8, version = version + 1
                 WHERE id = ?1", &[&id, &c.name, &c.email, &c.phone, &c.gender, &c.age.map(i64::from), &c.language, &custom])?;
            let customer = load_customer(db, id)?;
            events.push(EventKind::CustomerUpdated {
                customer: customer.clone(),
            });
            Ok(customer)
        })
        .await
    }

    async fn inbound(&self, msg: InboundMessage) -> StoreResult<InboundAccepted> {
        validate_text(&msg.channel_user_id, "channel_user_id", 500)?;
        validate_text(&msg.external_id, "external_id", 500)?;
        validate_message_text(&msg.text, msg.attachment_id)?;
        if msg.customer_name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "customer_name is longer than 200 characters".into(),
            ));
        }
        self.write(move |db, events| {
            let account = match msg.account {
                Some(a) => a,
                None => api_account(db, msg.channel)?,
            };
            let dup: Option<i64> = db.value("SELECT message_id FROM inbound_dedupe
                     WHERE channel_account_id = ?1 AND external_id = ?2", &[&account, &msg.external_id])?;
            if let Some(message_id) = dup {
                let (conversation_id, customer_id): (i64, i64) = db.query_one("row", "SELECT m.conversation_id, cv.customer_id FROM messages m
                     JOIN conversations cv ON cv.id = m.conversation_id WHERE m.id = ?1", &[&message_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                return Ok(InboundAccepted {
                    conversation_id,
                    customer_id,
                    message_id,
                    duplicate: true,
                });
            }
            let at = msg.at.map(|t| t.timestamp_millis()).unwrap_or_else(now_ms);
            let name = match msg.customer_name.trim() {
                "" => msg.channel_user_id.trim().to_string(),
                n => n.to_string(),
            };
            let existing: Option<i64> = db.value("SELECT id FROM customers WHERE channel_account_id = ?1 AND channel_user_id = ?2", &[&account, &msg.channel_user_id])?;
            let customer_id = match existing {
                Some(id) => {
                    db.execute(&format!("UPDATE customers SET last_seen = {}(last_seen, ?2) WHERE id = ?1", db.greatest()), &[&id, &at])?;
                    id
                }
                None => {
                    let id: i64 = db.query_one("row", "INSERT INTO customers (channel_account_id, channel_user_id, name, first_seen, last_seen)
                         VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id", &[&account, &msg.channel_user_id, &name, &at], |r| r.get(0))?;
                    events.push(EventKind::CustomerCreated {
                        customer: load_customer(db, id)?,
                    });
                    id
                }
            };
            let conv: Option<i64> = db.value("SELECT id FROM conversations WHERE customer_id = ?1 AND channel_account_id = ?2", &[&customer_id, &account])?;
            let conversation_id = match conv {
                Some(id) => id,
                None => {
                    // Every new conversation starts with the bot.
                    let id: i64 = db.query_one("row", "INSERT INTO conversations (customer_id, channel_account_id, bot_active, last_activity_at, created_at)
                         VALUES (?1, ?2, 1, ?3, ?3) RETURNING id", &[&customer_id, &account, &at], |r| r.get(0))?;
                    events.push(EventKind::ConversationCreated {
                        conversation: load_conversation(db, id)?,
                    });
                    id
                }
            };
            let customer_last: Option<i64> = db.query_one("row", "SELECT customer_last_at FROM conversations WHERE id = ?1", &[&conversation_id], |r| r.get(0))?;
            let message = insert_message_with(
                db,
                conversation_id,
                MessageKind::Inbound,
                &msg.text,
                None,
                None,
                msg.attachment_id,
                at,
            )?;
            if let Some(sent) = msg.sent_at {
                let sent = sent.timestamp_millis();
                db.execute("UPDATE conversations SET customer_last_at = ?2 WHERE id = ?1", &[&conversation_id, &(customer_last.map_or(sent, |c| c.max(sent)))])?;
            }
            db.execute("INSERT INTO inbound_dedupe (channel_account_id, external_id, message_id) VALUES (?1, ?2, ?3)", &[&account, &msg.external_id, &message.id])?;
            delivery::after_inbound(db, conversation_id, message.id, &msg)?;
            let message_id = message.id;
            let conversation = load_conversation(db, conversation_id)?;
            if let (true, Some(turn)) = (conversation.bot_active, &msg.bot) {
                let due = turn.after.map_or_else(now_ms, |t| t.timestamp_millis());
                bot::queue(db, conversation_id, message_id, turn.reads.as_deref(), due)?;
            }
            let status = conversation.status;
            events.push(EventKind::MessageCreated {
                conversation,
                message,
            });
            triage::reopen_on_customer_message(db, events, conversation_id, status, at)?;
            Ok(InboundAccepted {
                conversation_id,
                customer_id,
                message_id,
                duplicate: false,
            })
        })
        .await
    }

    async fn due_deliveries(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Delivery>> {
        let now = now.timestamp_millis();
        self.read(move |db| delivery::due(db, now, limit)).await
    }

    async fn delivery_done(&self, id: MessageId, outcome: DeliveryOutcome) -> StoreResult<Message> {
        self.write(move |db, events| delivery::done(db, events, id, outcome))
            .await
    }

    async fn platform_status(
        &self,
        account: ChannelAccountId,
        external_id: String,
        status: DeliveryStatus,
        reason: Option<String>,
    ) -> StoreResult<Option<Message>> {
        self.write(move |db, events| {
            delivery::status(db, events, account, &external_id, status, reason)
        })
        .await
    }

    async fn platform_status_until(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        until: DateTime<Utc>,
        status: DeliveryStatus,
    ) -> StoreResult<Vec<Message>> {
        let until = until.timestamp_millis();
        self.write(move |db, events| {
            delivery::status_until(db, events, account, &channel_user_id, until, status)
        })
        .await
    }

    async fn retry_message(&self, by: &Agent, id: MessageId) -> StoreResult<Message> {
        let by = by.clone();
        self.write(move |db, events| delivery::retry(db, events, &by, id))
            .await
    }

    async fn due_media(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<MediaFetch>> {
        let now = now.timestamp_millis();
        self.read(move |db| delivery::due_media(db, now, limit))
            .await
    }

    async fn due_bot_work(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<BotWork>> {
        let now = now.timestamp_millis();
        self.read(move |db| bot::due(db, now, limit)).await
    }

    async fn bot_work_now(&self, message: MessageId) -> StoreResult<()> {
        self.write(move |db, _| bot::now(db, message)).await
    }

    async fn claim_bot_work(&self, message: MessageId, until: DateTime<Utc>) -> StoreResult<bool> {
        let until = until.timestamp_millis();
        self.write(move |db, _| bot::claim(db, message, until))
            .await
    }

    async fn bot_work_done(
        &self,
        message: MessageId,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let at = retry_at.map(|t| t.timestamp_millis());
        self.write(move |db, _| bot::done(db, message, at)).await
    }

    async fn media_done(&self, id: MessageId, outcome: MediaOutcome) -> StoreResult<()> {
        self.write(move |db, events| delivery::media_done(db, events, id, outcome))
            .await
    }

    async fn set_platform_name(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        name: String,
    ) -> StoreResult<()> {
        self.write(move |db, events| {
            delivery::set_platform_name(db, events, account, &channel_user_id, &name)
        })
        .await
    }

    async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment> {
        self.write(move |db, _| {
            let new_id: i64 = db.query_one(
                "row",
                "INSERT INTO attachments (sha256, name, mime, kind, size, uploaded_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                &[
                    &new.sha256,
                    &new.name,
                    &new.mime,
                    &new.kind.as_str(),
                    &(new.size as i64),
                    &new.uploaded_by,
                    &now_ms(),
                ],
                |r| r.get(0),
            )?;
            load_attachment(db, new_id)?.ok_or(StoreError::NotFound("attachment"))
        })
        .await
    }

    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<Attachment>> {
        self.read(move |db| load_attachment(db, id)).await
    }

    async fn prune_unused_attachments(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>> {
        let before = before.timestamp_millis();
        self.write(move |db, _| {
            let unused = "FROM attachments a WHERE a.created_at < ?1
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = a.id)";
            let shas: Vec<String> = db.query(
                &format!("SELECT DISTINCT a.sha256 {unused}"),
                &[&before],
                |r| r.get(0),
            )?;
            db.execute(
                &format!("DELETE FROM attachments WHERE id IN (SELECT a.id {unused})"),
                &[&before],
            )?;
            Ok(shas)
        })
        .await
    }

    async fn sha256_in_use(&self, sha256: &str) -> StoreResult<bool> {
        let sha = sha256.to_string();
        self.read(move |db| {
            db.query_one("row", "SELECT CASE WHEN EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1) THEN 1 ELSE 0 END", &[&sha], |r| r.flag(0))
        })
        .await
    }

    async fn remove_attachment(
        &self,
        by: &Agent,
        message: MessageId,
    ) -> StoreResult<RemovedAttachment> {
        let (by_id, admin) = (by.id, by.is_admin());
        self.write(move |db, events| {
            let m = load_message(db, message)?;
            if !admin && m.author_id != Some(by_id) {
                return Err(StoreError::Forbidden(
                    "only the message's author or an admin can remove its file".into(),
                ));
            }
            let attachment_id: Option<i64> = db.query_one("row", "SELECT attachment_id FROM messages WHERE id = ?1", &[&message], |r| r.get(0))?;
            let Some(attachment_id) = attachment_id else {
                return Err(StoreError::Invalid("that message has no file".into()));
            };
            db.execute("UPDATE messages SET attachment_id = NULL WHERE id = ?1", &[&message])?;
            let mut unused_sha256 = None;
            let still_used = db.query_one("row", "SELECT CASE WHEN EXISTS (SELECT 1 FROM messages WHERE attachment_id = ?1) THEN 1 ELSE 0 END", &[&attachment_id], |r| r.flag(0))?;
            if !still_used {
                let sha: Option<String> = db.value("SELECT sha256 FROM attachments WHERE id = ?1", &[&attachment_id])?;
                db.execute("DELETE FROM attachments WHERE id = ?1", &[&attachment_id])?;
                if let Some(sha) = sha {
                    let shared = db.query_one("row", "SELECT CASE WHEN EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1) THEN 1 ELSE 0 END", &[&sha], |r| r.flag(0))?;
                    if !shared {
                        unused_sha256 = Some(sha);
                    }
                }
            }
            let message = load_message(db, message)?;
            events.push(EventKind::MessageUpdated {
                message: message.clone(),
            });
            Ok(RemovedAttachment {
                message,
                unused_sha256,
            })
        })
        .await
    }

    async fn list_conversations(
        &self,
        agent: AgentId,
        query: ConversationQuery,
    ) -> StoreResult<Page<ConversationRow>> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let sort = query.sort.unwrap_or_default();
        let cursor = query
            .cursor
            .as_deref()
            .map(|c| parse_cursor(c, sort))
            .transpose()?;
        self.read(move |db| {
            let mut sql = String::from(
                "SELECT cv.id, cv.last_activity_at FROM conversations cv
                 JOIN channel_accounts a ON a.id = cv.channel_account_id
                 JOIN customers cu ON cu.id = cv.customer_id WHERE 1 = 1",
            );
            let mut args: Vec<Value> = Vec::new();
            let arg = |v: Value, args: &mut Vec<Value>| {
                args.push(v);
                format!("?{}", args.len())
            };
            if let Some(ch) = query.channel {
                let p = arg(ch.as_str().to_string().into(), &mut args);
                sql.push_str(&format!(" AND a.kind = {p}"));
            }
            if let Some(account) = query.channel_account {
                let p = arg(account.into(), &mut args);
                sql.push_str(&format!(" AND cv.channel_account_id = {p}"));
            }
            match query.section {
                Some(Section::Bot) => sql.push_str(" AND cv.bot_active = 1"),
                Some(Section::Agent) => sql.push_str(" AND cv.bot_active = 0"),
                None => {}
            }
            if let Some(filter) = query.assignee {
                let p = arg(agent.into(), &mut args);
                let mine = format!(
                    "EXISTS (SELECT 1 FROM conversation_assignees x WHERE x.conversation_id = cv.id AND x.agent_id = {p})"
                );
                let any = "EXISTS (SELECT 1 FROM conversation_assignees x WHERE x.conversation_id = cv.id)";
                match filter {
                    AssigneeFilter::Me => sql.push_str(&format!(" AND {mine}")),
                    AssigneeFilter::Unassigned => sql.push_str(&format!(" AND NOT {any}")),
                    AssigneeFilter::Others => {
                        sql.push_str(&format!(" AND {any} AND NOT {mine}"));
                    }
                }
            }
            if let Some(set) = query.status.as_ref().filter(|s| !s.0.is_empty()) {
                let ps: Vec<String> = set
                    .0
                    .iter()
                    .map(|s| arg(s.as_str().to_string().into(), &mut args))
                    .collect();
                sql.push_str(&format!(" AND cv.status IN ({})", ps.join(", ")));
            }
            if let Some(priority) = query.priority {
                let p = arg(priority.rank().into(), &mut args);
                sql.push_str(&format!(" AND cv.priority = {p}"));
            }
            if let Some(tag) = query.tag {
                let p = arg(tag.into(), &mut args);
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = cv.customer_id AND ct.tag_id = {p})"
                ));
            }
            if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                let p = arg(q.to_lowercase().into(), &mut args);
                // The trigram index suits rare text; text found in thousands
                // of messages is quicker to meet walking the newest
                // conversations, which stop at the first page.
                let rare = q.chars().count() >= 3
                    && db.query_one("row", "SELECT count(*) FROM (SELECT 1 FROM messages_fts
                             WHERE messages_fts MATCH ?1 LIMIT 2000)", &[&(fts_phrase(q))], |r| r.get::<i64>(0))?
                        < 2000;
                if rare {
                    // The trigram index finds the messages; names are few.
                    let pm = arg(fts_phrase(q).into(), &mut args);
                    sql.push_str(&format!(
                        " AND (instr(lower(cu.name), {p}) > 0 OR cv.id IN (
                            SELECT sm.conversation_id FROM messages_fts
                            JOIN messages sm ON sm.id = messages_fts.rowid
                            WHERE messages_fts MATCH {pm} AND sm.kind != 'system'))"
                    ));
                } else {
                    // Common text, or one or two characters (below what
                    // trigrams index).
                    sql.push_str(&format!(
                        " AND (instr(lower(cu.name), {p}) > 0 OR EXISTS (SELECT 1 FROM messages sm
                           WHERE sm.conversation_id = cv.id AND sm.kind != 'system'
                           AND instr(lower(sm.text), {p}) > 0))"
                    ));
                }
            }
            let mut offset = 0;
            match cursor {
                Some(Cursor::After(at, id)) => {
                    let pa = arg(at.into(), &mut args);
                    let pi = arg(id.into(), &mut args);
                    sql.push_str(&format!(
                        " AND (cv.last_activity_at < {pa} OR (cv.last_activity_at = {pa} AND cv.id < {pi}))"
                    ));
                }
                Some(Cursor::Offset(n)) => offset = n,
                None => {}
            }
            let order = match sort {
                ListSort::Activity => "cv.last_activity_at DESC, cv.id DESC",
                ListSort::Waiting => {
                    "cv.waiting_since IS NULL, cv.waiting_since ASC, cv.last_activity_at DESC, cv.id DESC"
                }
                ListSort::Priority => "cv.priority DESC, cv.last_activity_at DESC, cv.id DESC",
            };
            let pl = arg(i64::from(limit + 1).into(), &mut args);
            let po = arg(offset.into(), &mut args);
            sql.push_str(&format!(" ORDER BY {order} LIMIT {pl} OFFSET {po}"));
            let params: Vec<&dyn Param> = args.iter().map(|a| a as &dyn Param).collect();
            let mut found: Vec<(i64, i64)> =
                db.query(&sql, &params, |r| Ok((r.get(0)?, r.get(1)?)))?;
            let next_cursor = if found.len() > limit as usize {
                found.truncate(limit as usize);
                match sort {
                    ListSort::Activity => found.last().map(|(id, at)| format!("{at}.{id}")),
                    // Other orders page by position.
                    _ => Some(format!("o{}", offset + i64::from(limit))),
                }
            } else {
                None
            };
            let mut items = Vec::with_capacity(found.len());
            for (id, _) in found {
                let conversation = load_conversation(db, id)?;
                let unread = unread_for(db, agent, &conversation)?;
                items.push(ConversationRow {
                    conversation,
                    unread,
                });
            }
            Ok(Page { items, next_cursor })
        })
        .await
    }

    async fn get_conversation(
        &self,
        agent: AgentId,
        id: ConversationId,
    ) -> StoreResult<ConversationRow> {
        self.read(move |db| {
            let conversation = load_conversation(db, id)?;
            let unread = unread_for(db, agent, &conversation)?;
            Ok(ConversationRow {
                conversation,
                unread,
            })
        })
        .await
    }

    async fn list_messages(
        &self,
        conversation: ConversationId,
        query: MessagesQuery,
    ) -> StoreResult<MessagePage> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        self.read(move |db| {
            db.query_opt(
                "SELECT 1 FROM conversations WHERE id = ?1",
                &[&conversation],
                |_| Ok(()),
            )?
            .ok_or(StoreError::NotFound("conversation"))?;
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m {MESSAGE_JOINS}
                 WHERE m.conversation_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3"
            );
            let mut items: Vec<Message> = db.query(
                &sql,
                &[
                    &conversation,
                    &query.before.unwrap_or(i64::MAX),
                    &(i64::from(limit) + 1),
                ],
                message_from_row,
            )?;
            let has_more = items.len() > limit as usize;
            items.truncate(limit as usize);
            items.reverse();
            Ok(MessagePage { items, has_more })
        })
        .await
    }

    async fn add_message(&self, msg: OutboundMessage) -> StoreResult<(Message, bool)> {
        validate_message_text(&msg.text, msg.attachment_id)?;
        if let Some(cid) = &msg.client_id {
            if cid.trim().is_empty() || cid.len() > 200 {
                return Err(StoreError::Invalid(
                    "client_id must be 1 to 200 characters".into(),
                ));
            }
        }
        self.write(move |db, events| {
            let conv = load_conversation(db, msg.conversation_id)?;
            // The bot speaks only while it has the conversation: an agent
            // who took over while it was thinking has the last word.
            if msg.kind == MessageKind::Bot && !conv.bot_active {
                return Err(StoreError::Conflict(
                    "the bot is off in this conversation".into(),
                ));
            }
            // A file the platform cannot carry is refused now, not after
            // the reply was acknowledged.
            // (An unknown file is refused below, as before.)
            if let Some(a) = msg
                .attachment_id
                .map(|f| load_attachment(db, f))
                .transpose()?
                .flatten()
            {
                if let Carriage::Refused(why) = carriage(conv.channel, a.kind, &a.mime) {
                    return Err(StoreError::Invalid(why.to_string()));
                }
            }
            if let Some(cid) = &msg.client_id {
                let existing: Option<i64> = db.value(
                    "SELECT id FROM messages WHERE conversation_id = ?1 AND client_id = ?2",
                    &[&msg.conversation_id, &cid],
                )?;
                if let Some(id) = existing {
                    return Ok((load_message(db, id)?, false));
                }
            }
            let at = msg.at.map(|t| t.timestamp_millis()).unwrap_or_else(now_ms);
            let message = insert_message_with(
                db,
                msg.conversation_id,
                msg.kind,
                &msg.text,
                msg.author_id,
                msg.client_id.as_deref(),
                msg.attachment_id,
                at,
            )?;
            events.push(EventKind::MessageCreated {
                conversation: load_conversation(db, msg.conversation_id)?,
                message: message.clone(),
            });
            if msg.kind == MessageKind::Agent {
                if let Some(author) = msg.author_id {
                    let why = format!("bot turned off: {} replied", agent_name(db, author)?);
                    bot_off(db, events, msg.conversation_id, Some(author), why, at)?;
                }
            }
            Ok((message, true))
        })
        .await
    }

    async fn hand_over(&self, id: ConversationId, why: String) -> StoreResult<Conversation> {
        self.write(move |db, events| {
            // The customer now waits for a person, from their last message.
            db.execute(
                "UPDATE conversations SET waiting_since = COALESCE(waiting_since, customer_last_at)
                 WHERE id = ?1 AND bot_active = 1",
                &[&id],
            )?;
            bot_off(db, events, id, None, why, now_ms())?;
            load_conversation(db, id)
        })
        .await
    }

    async fn mark_read(&self, agent: AgentId, id: ConversationId) -> StoreResult<ReadMarker> {
        self.write(move |db, events| {
            let conv = load_conversation(db, id)?;
            let before = unread_for(db, agent, &conv)?;
            if before == 0 {
                return Ok(ReadMarker {
                    conversation_id: id,
                    unread: 0,
                });
            }
            db.execute(
                "INSERT INTO read_markers (agent_id, conversation_id, inbound_count, read_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (agent_id, conversation_id)
                 DO UPDATE SET inbound_count = excluded.inbound_count, read_at = excluded.read_at",
                &[&agent, &id, &conv.inbound_count, &now_ms()],
            )?;
            events.push(EventKind::ConversationRead {
                conversation_id: id,
                agent_id: agent,
                inbound_count: conv.inbound_count,
            });
            Ok(ReadMarker {
                conversation_id: id,
                unread: 0,
            })
        })
        .await
    }

    async fn set_status(
        &self,
        actor: Actor,
        id: ConversationId,
        req: SetStatus,
    ) -> StoreResult<Conversation> {
        let at = actor
            .at
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(now_ms);
        self.write(move |db, events| triage::set_status(db, events, id, req, actor.by, at))
            .await
    }

    async fn set_priority(
        &self,
        actor: Actor,
        id: ConversationId,
        priority: Priority,
    ) -> StoreResult<Conversation> {
        let at = actor
            .at
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(now_ms);
        self.write(move |db, events| triage::set_priority(db, events, id, priority, actor.by, at))
            .await
    }

    async fn list_macros(&self) -> StoreResult<Vec<SharedMacro>> {
        self.read(macros::list).await
    }

    async fn put_macro(
        &self,
        by: AgentId,
        name: String,
        steps: Vec<MacroStep>,
    ) -> StoreResult<SharedMacro> {
        self.write(move |db, events| macros::put(db, events, &name, steps, by))
            .await
    }

    async fn delete_macro(&self, name: String) -> StoreResult<()> {
        self.write(move |db, events| macros::delete(db, events, &name))
            .await
    }

    async fn assign_team(
        &self,
        actor: Actor,
        id: ConversationId,
        team: String,
    ) -> StoreResult<Conversation> {
        load_conversation_checked(self, id).await?;
        let agent = self
            .read(move |db| macros::team_member(db, id, &team))
            .await?;
        self.add_assignee(actor, id, agent).await
    }

    async fn wake_snoozed(&self, now: DateTime<Utc>) -> StoreResult<Vec<ConversationId>> {
        let now = now.timestamp_millis();
        self.write(move |db, events| triage::wake_snoozed(db, events, now))
            .await
    }

    async fn set_bot(
        &self,
        actor: Actor,
        id: ConversationId,
        active: bool,
    ) -> StoreResult<Conversation> {
        let by = actor.by;
        let at = actor
            .at
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(now_ms);
        self.write(move |db, events| {
            let conv = load_conversation(db, id)?;
            if conv.bot_active == active {
                return Ok(conv);
            }
            db.execute(
                "UPDATE conversations SET bot_active = ?2 WHERE id = ?1",
                &[&id, &i64::from(active)],
            )?;
            if !active {
                bot::forget(db, id)?;
            }
            let text = format!(
                "bot turned {} by {}",
                if active { "on" } else { "off" },
                who(db, by)?
            );
            system_message(db, events, id, by, text, at)?;
            let conversation = load_conversation(db, id)?;
            events.push(EventKind::BotToggled {
                conversation: conversation.clone(),
                active,
                by,
            });
            Ok(conversation)
        })
        .await
    }

    async fn add_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation> {
        let by = actor.by;
        let at = actor
            .at
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(now_ms);
        self.write(move |db, events| {
            let conv = load_conversation(db, id)?;
            if conv.is_assigned_to(agent) {
                // Given again to someone who has it while the bot talks (it
                // was turned back on): the person takes over, as on a
                // first assignment.
                if conv.bot_active {
                    let name = agent_name(db, agent)?;
                    let why = format!("bot turned off: assigned to {name} by {}", who(db, by)?);
                    bot_off(db, events, id, by, why, at)?;
                    return load_conversation(db, id);
                }
                return Ok(conv);
            }
            let name = sessions::assignable(db, agent)?.name;
            db.execute("INSERT INTO conversation_assignees (conversation_id, agent_id, assigned_at, assigned_by)
                 VALUES (?1, ?2, ?3, ?4)", &[&id, &agent, &at, &by])?;
            let text = match by {
                Some(b) if b == agent => format!("{name} took the conversation"),
                _ => format!("assigned to {name} by {}", who(db, by)?),
            };
            system_message(db, events, id, by, text.clone(), at)?;
            // A person has taken it: the bot steps back (the help centre
            // offers the bot *or* an agent), and the customer now waits for
            // that person, from their last message.
            if conv.bot_active {
                db.execute("UPDATE conversations SET waiting_since = COALESCE(waiting_since, customer_last_at)
                     WHERE id = ?1", &[&id])?;
                bot_off(db, events, id, by, format!("bot turned off: {text}"), at)?;
            }
            let conversation = load_conversation(db, id)?;
            events.push(EventKind::AssigneeAdded {
                conversation: conversation.clone(),
                agent_id: agent,
                by,
            });
            Ok(conversation)
        })
        .await
    }

    async fn remove_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation> {
        let by = actor.by;
        let at = actor
            .at
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(now_ms);
        self.write(move |db, events| {
            let conv = load_conversation(db, id)?;
            let name = agent_name(db, agent)?;
            if !conv.is_assigned_to(agent) {
                return Err(StoreError::NotFound("assignee"));
            }
            db.execute(
                "DELETE FROM conversation_assignees WHERE conversation_id = ?1 AND agent_id = ?2",
                &[&id, &agent],
            )?;
            let text = format!("{name} unassigned by {}", who(db, by)?);
            system_message(db, events, id, by, text, at)?;
            let conversation = load_conversation(db, id)?;
            events.push(EventKind::AssigneeRemoved {
                conversation: conversation.clone(),
                agent_id: agent,
                by,
            });
            Ok(conversation)
        })
        .await
    }

    async fn unread_by_account(&self, agent: AgentId) -> StoreResult<Vec<AccountUnread>> {
        self.read(move |db| {
            let max = db.greatest();
            let rows = db.query(&format!("SELECT cv.channel_account_id,
                            CAST(SUM({max}(cv.inbound_count - COALESCE(rm.inbound_count, 0), 0)) AS BIGINT)
                     FROM conversations cv
                     LEFT JOIN read_markers rm ON rm.conversation_id = cv.id AND rm.agent_id = ?1
                     GROUP BY cv.channel_account_id
                     HAVING SUM({max}(cv.inbound_count - COALESCE(rm.inbound_count, 0), 0)) > 0
                     ORDER BY cv.channel_account_id"), &[&agent], |r| {
                    Ok(AccountUnread {
                        channel_account_id: r.get(0)?,
                        unread: r.get(1)?,
                    })
                })?;
            Ok(rows)
        })
        .await
    }

    async fn total_unread(&self, agent: AgentId) -> StoreResult<i64> {
        self.read(move |db| {
            let n: i64 = db.query_one("row", &format!("SELECT CAST(COALESCE(SUM({}(cv.inbound_count - COALESCE(rm.inbound_count, 0), 0)), 0) AS BIGINT)
                 FROM conversations cv
                 LEFT JOIN read_markers rm ON rm.conversation_id = cv.id AND rm.agent_id = ?1", db.greatest()), &[&agent], |r| r.get(0))?;
            Ok(n)
        })
        .await
    }

    async fn list_tags(&self) -> StoreResult<Vec<Tag>> {
        self.read(|db| {
            let rows = db.query("SELECT id, name, color FROM tags ORDER BY name", &[], |r| {
                Ok(Tag {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    color: r.get(2)?,
                })
            })?;
            Ok(rows)
        })
        .await
    }

    async fn create_tag(&self, tag: NewTag) -> StoreResult<Tag> {
        self.write(move |db, events| create_tag_tx(db, events, &tag.name, tag.color, true))
            .await
    }

    async fn tag_customer(&self, customer: CustomerId, tag: TagCustomer) -> StoreResult<Customer> {
        self.write(move |db, events| {
            load_customer(db, customer)?;
            let tag_id = match (tag.tag_id, tag.name) {
                (Some(id), _) => {
                    db.query_opt("SELECT id FROM tags WHERE id = ?1", &[&id], |r| {
                        r.get::<i64>(0)
                    })?
                    .ok_or(StoreError::NotFound("tag"))?
                }
                (None, Some(name)) => create_tag_tx(db, events, &name, None, false)?.id,
                (None, None) => {
                    return Err(StoreError::Invalid("give a tag_id or a name".into()))
                }
            };
            let n = db.execute("INSERT INTO customer_tags (customer_id, tag_id, added_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", &[&customer, &tag_id, &now_ms()])?;
            if n > 0 {
                db.execute("UPDATE customers SET version = version + 1 WHERE id = ?1", &[&customer])?;
            }
            let c = load_customer(db, customer)?;
            if n > 0 {
                events.push(EventKind::CustomerUpdated { customer: c.clone() });
            }
            Ok(c)
        })
        .await
    }

    async fn untag_customer(&self, customer: CustomerId, tag: TagId) -> StoreResult<Customer> {
        self.write(move |db, events| {
            load_customer(db, customer)?;
            let n = db.execute(
                "DELETE FROM customer_tags WHERE customer_id = ?1 AND tag_id = ?2",
                &[&customer, &tag],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("tag on this customer"));
            }
            db.execute(
                "UPDATE customers SET version = version + 1 WHERE id = ?1",
                &[&customer],
            )?;
            let c = load_customer(db, customer)?;
            events.push(EventKind::CustomerUpdated {
                customer: c.clone(),
            });
            Ok(c)
        })
        .await
    }

    async fn list_notes(&self, customer: CustomerId) -> StoreResult<Vec<Note>> {
        self.read(move |db| {
            load_customer(db, customer)?;
            let ids: Vec<i64> = db.query(
                "SELECT id FROM notes WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC",
                &[&customer],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_note(db, id)).collect()
        })
        .await
    }

    async fn create_note(
        &self,
        author: AgentId,
        customer: CustomerId,
        text: String,
    ) -> StoreResult<Note> {
        validate_text(&text, "a note", MAX_MESSAGE_CHARS)?;
        self.write(move |db, events| {
            load_customer(db, customer)?;
            let now = now_ms();
            let new_id: i64 = db.query_one("row", "INSERT INTO notes (customer_id, author_id, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id", &[&customer, &author, &text.trim_end(), &now], |r| r.get(0))?;
            let note = load_note(db, new_id)?;
            events.push(EventKind::NoteCreated { note: note.clone() });
            Ok(note)
        })
        .await
    }

    async fn update_note(&self, by: &Agent, id: NoteId, text: String) -> StoreResult<Note> {
        validate_text(&text, "a note", MAX_MESSAGE_CHARS)?;
        let by = by.clone();
        self.write(move |db, events| {
            let note = load_note(db, id)?;
            if note.author_id != by.id && !by.is_admin() {
                return Err(StoreError::Forbidden(
                    "only the note's author or an admin may change it".into(),
                ));
            }
            db.execute(
                "UPDATE notes SET text = ?2, updated_at = ?3 WHERE id = ?1",
                &[&id, &text.trim_end(), &now_ms()],
            )?;
            let note = load_note(db, id)?;
            events.push(EventKind::NoteUpdated { note: note.clone() });
            Ok(note)
        })
        .await
    }

    async fn delete_note(&self, by: &Agent, id: NoteId) -> StoreResult<()> {
        let by = by.clone();
        self.write(move |db, events| {
            let note = load_note(db, id)?;
            if note.author_id != by.id && !by.is_admin() {
                return Err(StoreError::Forbidden(
                    "only the note's author or an admin may delete it".into(),
                ));
            }
            db.execute("DELETE FROM notes WHERE id = ?1", &[&id])?;
            events.push(EventKind::NoteDeleted {
                note_id: id,
                customer_id: note.customer_id,
            });
            Ok(())
        })
        .await
    }

    async fn list_standard_folders(&self) -> StoreResult<Vec<StandardFolder>> {
        self.read(standard::list).await
    }

    async fn create_folder(
        &self,
        input: FolderInput,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder> {
        self.write(move |db, events| standard::create(db, events, &input, &guard))
            .await
    }

    async fn update_folder(
        &self,
        id: FolderId,
        patch: FolderPatch,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder> {
        self.write(move |db, events| standard::update(db, events, id, &patch, &guard))
            .await
    }

    async fn delete_folder(&self, id: FolderId, guard: FolderGuard) -> StoreResult<()> {
        self.write(move |db, events| standard::delete(db, events, id, &guard))
            .await
    }

    async fn add_standard_message(
        &self,
        folder: FolderId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage> {
        standard::check_text(&text)?;
        self.write(move |db, events| standard::add_message(db, events, folder, &text, &guard))
            .await
    }

    async fn update_standard_message(
        &self,
        id: StandardMessageId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage> {
        standard::check_text(&text)?;
        self.write(move |db, events| standard::edit_message(db, events, id, &text, &guard))
            .await
    }

    async fn delete_standard_message(
        &self,
        id: StandardMessageId,
        guard: FolderGuard,
    ) -> StoreResult<()> {
        self.write(move |db, events| standard::delete_message(db, events, id, &guard))
            .await
    }

    async fn import_standard(
        &self,
        plan: Vec<PlannedFolder>,
        report: ImportReport,
        guard: FolderGuard,
    ) -> StoreResult<ImportReport> {
        self.write_or_roll_back(move |db, events| {
            standard::import(db, events, &plan, report, &guard)
        })
        .await
    }

    async fn tag_infos(&self) -> StoreResult<Vec<TagInfo>> {
        self.read(|db| {
            let ids: Vec<i64> =
                db.query("SELECT id FROM tags ORDER BY lower(name), name", &[], |r| {
                    r.get(0)
                })?;
            ids.into_iter().map(|id| tag_info(db, id)).collect()
        })
        .await
    }

    async fn update_tag(&self, id: TagId, patch: TagPatch) -> StoreResult<Tag> {
        self.write(move |db, events| {
            let current = tag_info(db, id)?.tag;
            if let Some(name) = &patch.name {
                let name = name.trim();
                validate_text(name, "a tag name", 64)?;
                let other: Option<i64> =
                    db.value("SELECT id FROM tags WHERE name = ?1", &[&name])?;
                if other.is_some_and(|o| o != id) {
                    return Err(StoreError::Conflict(format!(
                        "a tag named {name:?} already exists; merge into it instead"
                    )));
                }
                db.execute("UPDATE tags SET name = ?2 WHERE id = ?1", &[&id, &name])?;
            }
            if let Some(color) = &patch.color {
                let color = color.trim();
                validate_text(color, "a tag colour", 32)?;
                db.execute("UPDATE tags SET color = ?2 WHERE id = ?1", &[&id, &color])?;
            }
            let tag = tag_info(db, id)?.tag;
            if tag != current {
                touch_tagged(db, id)?;
                events.push(EventKind::TagUpdated { tag: tag.clone() });
            }
            Ok(tag)
        })
        .await
    }

    async fn delete_tag(&self, id: TagId) -> StoreResult<i64> {
        self.write(move |db, events| {
            let info = tag_info(db, id)?;
            touch_tagged(db, id)?;
            db.execute("DELETE FROM customer_tags WHERE tag_id = ?1", &[&id])?;
            db.execute("DELETE FROM tags WHERE id = ?1", &[&id])?;
            events.push(EventKind::TagDeleted { tag_id: id });
            Ok(info.customers)
        })
        .await
    }

    async fn merge_tags(&self, from: TagId, into: TagId) -> StoreResult<TagInfo> {
        if from == into {
            return Err(StoreError::Invalid(
                "a tag cannot be merged into itself".into(),
            ));
        }
        self.write(move |db, events| {
            tag_info(db, from)?;
            let target = tag_info(db, into)?.tag;
            touch_tagged(db, from)?;
            db.execute(
                "INSERT INTO customer_tags (customer_id, tag_id, added_at)
                 SELECT customer_id, ?2, added_at FROM customer_tags WHERE tag_id = ?1
                 ON CONFLICT DO NOTHING",
                &[&from, &into],
            )?;
            db.execute("DELETE FROM customer_tags WHERE tag_id = ?1", &[&from])?;
            db.execute("DELETE FROM tags WHERE id = ?1", &[&from])?;
            events.push(EventKind::TagsMerged { from, into: target });
            tag_info(db, into)
        })
        .await
    }

    async fn list_scheduled(&self, conversation: ConversationId) -> StoreResult<Vec<Scheduled>> {
        self.read(move |db| {
            load_conversation(db, conversation)?;
            let ids: Vec<i64> = db.query(
                "SELECT id FROM scheduled_messages WHERE conversation_id = ?1
                     ORDER BY status != 'pending', send_at, id",
                &[&conversation],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_scheduled(db, id)).collect()
        })
        .await
    }

    async fn create_scheduled(
        &self,
        by: AgentId,
        conversation: ConversationId,
        new: NewScheduled,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled> {
        check_schedule(&new.name, &new.text, new.send_at, now)?;
        self.write(move |db, events| {
            load_conversation(db, conversation)?;
            let now_ms = now.timestamp_millis();
            let new_id: i64 = db.query_one("row", "INSERT INTO scheduled_messages (conversation_id, name, text, send_at, created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id", &[&conversation, &new.name.trim(), &new.text.trim_end(), &new.send_at.timestamp_millis(), &by, &now_ms], |r| r.get(0))?;
            let s = load_scheduled(db, new_id)?;
            events.push(EventKind::ScheduledChanged { scheduled: s.clone() });
            Ok(s)
        })
        .await
    }

    async fn update_scheduled(
        &self,
        by: &Agent,
        id: ScheduledId,
        patch: ScheduledPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled> {
        let by = by.clone();
        self.write(move |db, events| {
            let current = load_scheduled(db, id)?;
            author_or_admin(&current, &by)?;
            pending_only(&current)?;
            let name = patch.name.unwrap_or(current.name);
            let text = patch.text.unwrap_or(current.text);
            let send_at = patch.send_at.unwrap_or(current.send_at);
            check_schedule(&name, &text, send_at, now)?;
            db.execute("UPDATE scheduled_messages SET name = ?2, text = ?3, send_at = ?4, updated_at = ?5, updated_by = ?6 WHERE id = ?1", &[&id, &name.trim(), &text.trim_end(), &send_at.timestamp_millis(), &now.timestamp_millis(), &by.id])?;
            let s = load_scheduled(db, id)?;
            events.push(EventKind::ScheduledChanged { scheduled: s.clone() });
            Ok(s)
        })
        .await
    }

    async fn cancel_scheduled(&self, by: &Agent, id: ScheduledId) -> StoreResult<Scheduled> {
        let by = by.clone();
        self.write(move |db, events| {
            let current = load_scheduled(db, id)?;
            author_or_admin(&current, &by)?;
            pending_only(&current)?;
            db.execute("UPDATE scheduled_messages SET status = 'cancelled', updated_at = ?2, updated_by = ?3
                 WHERE id = ?1", &[&id, &now_ms(), &by.id])?;
            let s = load_scheduled(db, id)?;
            events.push(EventKind::ScheduledChanged {
                scheduled: s.clone(),
            });
            Ok(s)
        })
        .await
    }

    async fn send_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<MessageId>> {
        self.write(move |db, events| {
            let due: Vec<i64> = db.query("SELECT id FROM scheduled_messages WHERE status = 'pending' AND send_at <= ?1
                     ORDER BY send_at, id LIMIT 500", &[&now.timestamp_millis()], |r| r.get(0))?;
            let mut sent = Vec::new();
            for id in due {
                let s = load_scheduled(db, id)?;
                let conv = load_conversation(db, s.conversation_id)?;
                let customer = load_customer(db, conv.customer_id)?;
                let author = load_agent(db, s.created_by.id)?;
                let text = fill_placeholders(&s.text, Some(&customer), Some(&author), Some(conv.channel));
                let text = if text.trim().is_empty() { s.text.clone() } else { text };
                let message = insert_message(
                    db,
                    s.conversation_id,
                    MessageKind::Agent,
                    &text,
                    Some(author.id),
                    None,
                    now.timestamp_millis(),
                )?;
                db.execute("UPDATE messages SET scheduled_id = ?2 WHERE id = ?1", &[&message.id, &id])?;
                db.execute("UPDATE scheduled_messages SET status = 'sent', sent_message_id = ?2, updated_at = ?3 WHERE id = ?1", &[&id, &message.id, &now.timestamp_millis()])?;
                events.push(EventKind::MessageCreated {
                    conversation: load_conversation(db, s.conversation_id)?,
                    message: load_message(db, message.id)?,
                });
                events.push(EventKind::ScheduledChanged {
                    scheduled: load_scheduled(db, id)?,
                });
                sent.push(message.id);
            }
            Ok(sent)
        })
        .await
    }

    async fn broadcast_audience(&self, a: BroadcastAudience) -> StoreResult<i64> {
        self.read(move |db| {
            tag_info(db, a.tag_id)?;
            Ok(audience(db, a.tag_id, &a.channels)?.len() as i64)
        })
        .await
    }

    async fn create_broadcast(
        &self,
        by: AgentId,
        new: NewBroadcast,
        now: DateTime<Utc>,
    ) -> StoreResult<Broadcast> {
        validate_text(&new.text, "a broadcast", MAX_MESSAGE_CHARS)?;
        check_placeholders(&new.text).map_err(StoreError::Invalid)?;
        let send_at = new.send_at.unwrap_or(now);
        if send_at.timestamp_millis() < now.timestamp_millis() - SCHEDULE_GRACE_MS {
            return Err(StoreError::Invalid(
                "the send time has already passed".into(),
            ));
        }
        self.write(move |db, events| {
            let tag = tag_info(db, new.tag_id)?.tag;
            let new_id: i64 = db.query_one("row", "INSERT INTO broadcasts (tag_id, tag_name, tag_color, channels, text, send_at, created_by, created_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'scheduled') RETURNING id", &[&tag.id, &tag.name, &tag.color, &(channels_to_db(&new.channels)), &new.text.trim_end(), &send_at.timestamp_millis(), &by, &now.timestamp_millis()], |r| r.get(0))?;
            let b = load_broadcast(db, new_id)?;
            events.push(EventKind::BroadcastChanged { broadcast: b.clone() });
            Ok(b)
        })
        .await
    }

    async fn list_broadcasts(&self) -> StoreResult<Vec<Broadcast>> {
        self.read(|db| {
            let ids: Vec<i64> = db.query(
                "SELECT id FROM broadcasts ORDER BY created_at DESC, id DESC LIMIT 200",
                &[],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_broadcast(db, id)).collect()
        })
        .await
    }

    async fn get_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast> {
        self.read(move |db| load_broadcast(db, id)).await
    }

    async fn cancel_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast> {
        self.write(move |db, events| {
            let b = load_broadcast(db, id)?;
            if matches!(b.status, BroadcastStatus::Done | BroadcastStatus::Cancelled) {
                return Err(StoreError::Conflict(
                    "this broadcast has already finished".into(),
                ));
            }
            db.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ?2 WHERE id = ?1",
                &[&id, &now_ms()],
            )?;
            let b = load_broadcast(db, id)?;
            events.push(EventKind::BroadcastChanged {
                broadcast: b.clone(),
            });
            Ok(b)
        })
        .await
    }

    async fn run_broadcasts(&self, now: DateTime<Utc>, batch: u32) -> StoreResult<usize> {
        self.write(move |db, events| {
            let now_ms = now.timestamp_millis();
            // Start what is due: its recipients are fixed now.
            let due: Vec<i64> = db.query("SELECT id FROM broadcasts WHERE status = 'scheduled' AND send_at <= ?1 ORDER BY send_at, id", &[&now_ms], |r| r.get(0))?;
            for id in due {
                let b = load_broadcast(db, id)?;
                let who = audience(db, b.tag.id, &b.channels)?;
                for conv in &who {
                    db.execute("INSERT INTO broadcast_recipients (broadcast_id, conversation_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", &[&id, conv])?;
                }
                db.execute("UPDATE broadcasts SET status = 'running', total = ?2 WHERE id = ?1", &[&id, &(who.len() as i64)])?;
            }
            // Send a batch.
            let pending: Vec<(i64, i64)> = db.query("SELECT r.broadcast_id, r.conversation_id FROM broadcast_recipients r
                     JOIN broadcasts b ON b.id = r.broadcast_id
                     WHERE b.status = 'running' AND r.status = 'pending'
                     ORDER BY r.broadcast_id, r.conversation_id LIMIT ?1", &[&(i64::from(batch))], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut touched = std::collections::BTreeSet::new();
            let mut sent = 0;
            for (bid, conv_id) in pending {
                touched.insert(bid);
                let b = load_broadcast(db, bid)?;
                let outcome = (|| -> StoreResult<MessageId> {
                    let conv = load_conversation(db, conv_id)?;
                    let customer = load_customer(db, conv.customer_id)?;
                    let author = load_agent(db, b.created_by.id)?;
                    let text = fill_placeholders(&b.text, Some(&customer), Some(&author), Some(conv.channel));
                    let m = insert_message(db, conv_id, MessageKind::Agent, &text, Some(author.id), None, now_ms)?;
                    events.push(EventKind::MessageCreated {
                        conversation: load_conversation(db, conv_id)?,
                        message: m.clone(),
                    });
                    Ok(m.id)
                })();
                match outcome {
                    Ok(mid) => {
                        sent += 1;
                        db.execute("UPDATE broadcast_recipients SET status = 'sent', message_id = ?3 WHERE broadcast_id = ?1 AND conversation_id = ?2", &[&bid, &conv_id, &mid])?;
                        db.execute("UPDATE broadcasts SET sent = sent + 1 WHERE id = ?1", &[&bid])?;
                    }
                    Err(e) => {
                        db.execute("UPDATE broadcast_recipients SET status = 'failed', error = ?3 WHERE broadcast_id = ?1 AND conversation_id = ?2", &[&bid, &conv_id, &e.to_string()])?;
                        db.execute("UPDATE broadcasts SET failed = failed + 1 WHERE id = ?1", &[&bid])?;
                    }
                }
            }
            // Finish what has no one left to send to.
            let running: Vec<i64> = db.query("SELECT id FROM broadcasts WHERE status = 'running'", &[], |r| r.get(0))?;
            for id in running {
                let left: i64 = db.query_one("row", "SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1 AND status = 'pending'", &[&id], |r| r.get(0))?;
                if left == 0 {
                    db.execute("UPDATE broadcasts SET status = 'done', finished_at = ?2 WHERE id = ?1", &[&id, &now_ms])?;
                    touched.insert(id);
                }
            }
            for id in touched {
                events.push(EventKind::BroadcastChanged {
                    broadcast: load_broadcast(db, id)?,
                });
            }
            Ok(sent)
        })
        .await
    }

    async fn all_customers(&self) -> StoreResult<Vec<Customer>> {
        self.read(|db| {
            let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
            for (c, t) in db.query(
                "SELECT ct.customer_id, t.id, t.name, t.color FROM customer_tags ct
                 JOIN tags t ON t.id = ct.tag_id ORDER BY t.name",
                &[],
                |r| {
                    Ok((
                        r.get::<i64>(0)?,
                        Tag {
                            id: r.get(1)?,
                            name: r.get(2)?,
                            color: r.get(3)?,
                        },
                    ))
                },
            )? {
                tags.entry(c).or_default().push(t);
            }
            let mut out = db.query(
                "SELECT c.id, c.name, a.kind, c.channel_account_id, c.channel_user_id, c.first_seen,
                        c.last_seen, c.email, c.phone, c.gender, c.age, c.language, c.custom_fields, c.version
                 FROM customers c JOIN channel_accounts a ON a.id = c.channel_account_id ORDER BY c.id",
                &[],
                |r| {
                    let kind: String = r.get(2)?;
                    let custom: String = r.get(12)?;
                    Ok(Customer {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        channel: kind.parse().unwrap_or(ChannelKind::Messenger),
                        channel_account_id: r.get(3)?,
                        channel_user_id: r.get(4)?,
                        first_seen: to_dt(r.get(5)?),
                        last_seen: to_dt(r.get(6)?),
                        email: r.get(7)?,
                        phone: r.get(8)?,
                        gender: r.get(9)?,
                        age: r.get::<Option<i64>>(10)?.map(|a| a.clamp(0, 150) as u32),
                        language: r.get(11)?,
                        custom_fields: serde_json::from_str(&custom).unwrap_or_default(),
                        tags: Vec::new(),
                        version: r.get(13)?,
                    })
                },
            )?;
            for c in &mut out {
                c.tags = tags.remove(&c.id).unwrap_or_default();
            }
            Ok(out)
        })
        .await
    }

    async fn import_customers(
        &self,
        rows: Vec<CustomerIn>,
        report: CustomerImportReport,
    ) -> StoreResult<CustomerImportReport> {
        self.write_or_roll_back(move |db, events| {
            let mut report = report;
            let now = now_ms();
            let mut accounts: HashMap<ChannelKind, i64> = HashMap::new();
            let mut tag_ids: HashMap<String, i64> = HashMap::new();
            // Accounts per channel kind, so each lookup uses the
            // (account, user id) index instead of scanning customers.
            let mut by_kind: HashMap<ChannelKind, Vec<i64>> = HashMap::new();
            for (id, kind) in db.query(
                "SELECT id, kind FROM channel_accounts ORDER BY id",
                &[],
                |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
            )? {
                if let Ok(k) = kind.parse() {
                    by_kind.entry(k).or_default().push(id);
                }
            }
            for row in rows {
                let mut existing: Option<i64> = None;
                for account in by_kind.get(&row.channel).map(std::vec::Vec::as_slice).unwrap_or(&[]) {
                    existing = db.value(
                        "SELECT id FROM customers WHERE channel_account_id = ?1 AND channel_user_id = ?2",
                        &[account, &row.channel_user_id],
                    )?;
                    if existing.is_some() {
                        break;
                    }
                }
                let id = match existing {
                    Some(id) => id,
                    None => {
                        let account = match accounts.get(&row.channel) {
                            Some(a) => *a,
                            None => {
                                let a = api_account(db, row.channel)?;
                                accounts.insert(row.channel, a);
                                let ids = by_kind.entry(row.channel).or_default();
                                if !ids.contains(&a) {
                                    ids.push(a);
                                }
                                a
                            }
                        };
                        let name = row
                            .name
                            .clone()
                            .filter(|n| !n.is_empty())
                            .unwrap_or_else(|| row.channel_user_id.clone());
                        let id: i64 = db.query_one("customer", "INSERT INTO customers (channel_account_id, channel_user_id, name, first_seen, last_seen)
                             VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id", &[&account, &row.channel_user_id, &name, &now], |r| r.get(0))?;
                        report.created += 1;
                        id
                    }
                };
                let before = load_customer(db, id)?;
                let mut c = before.clone();
                if let Some(n) = row.name.filter(|n| !n.is_empty()) {
                    c.name = n;
                }
                if let Some(v) = row.email {
                    c.email = v;
                }
                if let Some(v) = row.phone {
                    c.phone = v;
                }
                if let Some(v) = row.gender {
                    c.gender = v;
                }
                if let Some(v) = row.age {
                    c.age = v;
                }
                if let Some(v) = row.language {
                    c.language = v;
                }
                for (k, v) in row.custom {
                    match v {
                        Some(v) => c.custom_fields.insert(k, v),
                        None => c.custom_fields.remove(&k),
                    };
                }
                let fields_changed = c.name != before.name
                    || c.email != before.email
                    || c.phone != before.phone
                    || c.gender != before.gender
                    || c.age != before.age
                    || c.language != before.language
                    || c.custom_fields != before.custom_fields;
                if fields_changed {
                    let custom = serde_json::to_string(&c.custom_fields)
                        .map_err(|e| StoreError::Internal(e.to_string()))?;
                    db.execute("UPDATE customers SET name = ?2, email = ?3, phone = ?4, gender = ?5, age = ?6,
                             language = ?7, custom_fields = ?8, version = version + 1 WHERE id = ?1", &[&id, &c.name, &c.email, &c.phone, &c.gender, &c.age.map(i64::from), &c.language, &custom])?;
                }
                let mut tags_changed = false;
                if let Some(names) = row.tags {
                    let mut want = Vec::new();
                    for name in names {
                        let key = name.to_lowercase();
                        let tid = match tag_ids.get(&key) {
                            Some(t) => *t,
                            None => {
                                let t = create_tag_tx(db, events, &name, None, false)?.id;
                                tag_ids.insert(key, t);
                                t
                            }
                        };
                        want.push(tid);
                    }
                    want.sort_unstable();
                    want.dedup();
                    let mut have: Vec<i64> = before.tags.iter().map(|t| t.id).collect();
                    have.sort_unstable();
                    if want != have {
                        tags_changed = true;
                        db.execute("DELETE FROM customer_tags WHERE customer_id = ?1", &[&id])?;
                        for t in want {
                            db.execute("INSERT INTO customer_tags (customer_id, tag_id, added_at) VALUES (?1, ?2, ?3)", &[&id, &t, &now])?;
                        }
                        if !fields_changed {
                            db.execute("UPDATE customers SET version = version + 1 WHERE id = ?1", &[&id])?;
                        }
                    }
                }
                if existing.is_some() {
                    if fields_changed || tags_changed {
                        report.updated += 1;
                    } else {
                        report.unchanged += 1;
                    }
                }
            }
            let commit = !report.dry_run && report.errors.is_empty();
            report.applied = commit;
            if commit && report.created + report.updated > 0 {
                events.push(EventKind::CustomersImported {
                    created: report.created,
                    updated: report.updated,
                });
            }
            Ok((report, commit))
        })
        .await
    }

    async fn events_since(&self, since: Seq, limit: u32) -> StoreResult<Vec<Event>> {
        self.read(move |db| {
            let rows: Vec<(i64, String, i64)> = db.query(
                "SELECT seq, payload, created_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                &[&since, &i64::from(limit)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            rows.into_iter()
                .map(|(seq, payload, at)| {
                    let kind: EventKind = serde_json::from_str(&payload).map_err(|e| {
                        StoreError::Internal(format!("event {seq} is unreadable: {e}"))
                    })?;
                    Ok(Event {
                        seq,
                        at: to_dt(at),
                        kind,
                    })
                })
                .collect()
        })
        .await
    }

    async fn prune_events(&self, keep: u64) -> StoreResult<u64> {
        self.write(move |db, _| {
            let max: Option<i64> =
                db.query_one("row", "SELECT MAX(seq) FROM events", &[], |r| r.get(0))?;
            let Some(max) = max else { return Ok(0) };
            let cutoff = max - keep.min(i64::MAX as u64) as i64;
            let n = db.execute("DELETE FROM events WHERE seq <= ?1", &[&cutoff])?;
            Ok(n)
        })
        .await
    }

    async fn seq_bounds(&self) -> StoreResult<(Seq, Seq)> {
        self.read(|db| {
            let (max, min): (Option<i64>, Option<i64>) =
                db.query_one("row", "SELECT MAX(seq), MIN(seq) FROM events", &[], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok((max.unwrap_or(0), min.unwrap_or(0)))
        })
        .await
    }
}

const TAG_COLOURS: [&str; 8] = [
    "blue", "green", "yellow", "magenta", "cyan", "red", "orange", "purple",
];

fn create_tag_tx(
    db: Db,
    events: &mut Vec<EventKind>,
    name: &str,
    color: Option<String>,
    must_be_new: bool,
) -> StoreResult<Tag> {
    let name = name.trim();
    validate_text(name, "a tag name", 64)?;
    let existing: Option<Tag> = db.query_opt(
        "SELECT id, name, color FROM tags WHERE name = ?1",
        &[&name],
        |r| {
            Ok(Tag {
                id: r.get(0)?,
                name: r.get(1)?,
                color: r.get(2)?,
            })
        },
    )?;
    if let Some(tag) = existing {
        if must_be_new {
            return Err(StoreError::Conflict(format!(
                "a tag named {:?} already exists",
                tag.name
            )));
        }
        return Ok(tag);
    }
    let count: i64 = db.query_one("row", "SELECT COUNT(*) FROM tags", &[], |r| r.get(0))?;
    let color = color
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| TAG_COLOURS[count as usize % TAG_COLOURS.len()].to_string());
    if color.chars().count() > 32 {
        return Err(StoreError::Invalid(
            "a tag colour is at most 32 characters".into(),
        ));
    }
    let id: TagId = db.query_one(
        "tag",
        "INSERT INTO tags (name, color, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        &[&name, &color, &now_ms()],
        |r| r.get(0),
    )?;
    let tag = Tag {
        id,
        name: name.to_string(),
        color,
    };
    events.push(EventKind::TagCreated { tag: tag.clone() });
    Ok(tag)
}
