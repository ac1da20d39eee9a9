//! The SQLite backend: one writer connection (SQLite allows one writer at a
//! time anyway) owned by its own thread, and a small pool of readers, WAL
//! mode, blocking calls moved off the async runtime.

mod private;
#[cfg(test)]
mod upgrades;

use super::data::{credentials, now_ms, to_dt};
use super::engine::Engine;
use super::migrations::MIGRATIONS;
use super::secrets;
use super::sql::Db;
use super::*;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
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
        reseal(&mut conn, &keys)?;
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
        self.write(move |db, _| credentials::reseal_all(db, &keys))
            .await?;
        let file = secrets::key_file(&path);
        std::fs::rename(&next, &file)
            .map_err(|e| StoreError::Internal(format!("cannot put the new key in place: {e}")))?;
        secrets::sync_dir(file.parent().unwrap_or(Path::new(".")));
        Ok(new.id())
    }
}

/// SQLite as the store's engine: writes group-committed by one writer
/// thread, reads on a pool of connections.
#[async_trait]
impl Engine for SqliteStore {
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

    fn keys(&self) -> &secrets::Keys {
        &self.inner.keys
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

/// At open, before the writer starts: what is not sealed under the
/// current key is sealed again, in one transaction.
fn reseal(conn: &mut Connection, keys: &secrets::Keys) -> StoreResult<()> {
    let tx = conn.transaction()?;
    let n = credentials::reseal_stale(Db::Sqlite(&tx), keys)?;
    tx.commit()?;
    if n > 0 {
        tracing::info!("sealed the credentials of {n} channel accounts under the current key");
    }
    Ok(())
}
