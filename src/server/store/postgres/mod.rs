//! The PostgreSQL backend, for several server replicas on one database.
//!
//! Writes go through the same group commit as SQLite's (`writer.rs`), one
//! writer connection per replica. Each group's transaction first takes
//! one transaction-level advisory lock, held to its commit: writes from
//! every replica are serialised, so the store's rules hold exactly as on
//! SQLite (one writer at a time), and the event log's sequence numbers
//! are handed out in commit order — a reader never sees a number while a
//! smaller one is still to commit.
//!
//! Every replica streams the whole log: a commit sends a `NOTIFY` with
//! its last sequence number; each replica's [`tail::Tail`] then reads the
//! events after the last one it published, in order, and hands them to
//! the hub. Reads run on a small pool of connections.

pub mod schema;
mod tail;

use super::data::credentials;
use super::engine::Engine;
use super::secrets::{self, Keys};
use super::sql::postgres::PgConn;
use super::sql::Db;
use super::writer::{self, Logged, WriteQueue};
use super::{Durability, EventSink, StoreError, StoreResult};
use crate::protocol::EventKind;
use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use tail::Tail;

/// The advisory lock every write transaction takes (its value spells
/// "chatsmrt"): one writer at a time across replicas.
const WRITE_LOCK: i64 = 0x6368_6174_736d_7274;

/// The advisory lock migrations run under, so replicas starting together
/// do not migrate twice.
const MIGRATE_LOCK: i64 = 0x6368_6174_736d_6d67;

/// The channel a commit notifies, with its last sequence number.
pub const CHANNEL: &str = "chatsmart_events";

/// Connections a replica reads on at once (PostgreSQL's default allows
/// 100 connections: a few replicas each with this many, a writer, a tail
/// and a listener fit).
const READERS: usize = 10;

#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    keys: Keys,
    queue: Arc<WriteQueue>,
    /// Idle reading connections.
    readers: Mutex<Vec<PgConn>>,
    /// At most [`READERS`] reads at once.
    reading: tokio::sync::Semaphore,
    /// The writer's and the listener's threads, joined on close.
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.queue.close();
        // A connection says goodbye as it closes, through the driver's own
        // runtime: not on a thread that may be driving the server's.
        let readers = self
            .readers
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default();
        if !readers.is_empty() {
            let _ = std::thread::spawn(move || drop(readers)).join();
        }
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

/// A connection, or why there is none, with the URL's password left out.
fn connect(url: &str) -> StoreResult<PgConn> {
    PgConn::connect(url).map_err(|e| {
        let shown = super::Database::Postgres(url.to_string());
        StoreError::Internal(format!("cannot connect to {shown}: {e}"))
    })
}

impl PgStore {
    /// Connects, brings the schema up to date and starts the writer and
    /// the listener. The key that seals channel credentials is `keys`, or
    /// else `CHATSMART_SECRET_KEY`: every replica must use the same one.
    pub fn open(
        url: &str,
        sink: impl EventSink + 'static,
        durability: Durability,
        keys: Option<Keys>,
    ) -> StoreResult<PgStore> {
        // The driver is synchronous: it runs its own runtime, which cannot
        // start on a thread that already drives one (the server's).
        std::thread::scope(|s| {
            s.spawn(|| Self::open_here(url, sink, durability, keys))
                .join()
                .unwrap_or_else(|_| {
                    Err(StoreError::Internal("opening the database panicked".into()))
                })
        })
    }

    fn open_here(
        url: &str,
        sink: impl EventSink + 'static,
        durability: Durability,
        keys: Option<Keys>,
    ) -> StoreResult<PgStore> {
        let conn = connect(url)?;
        migrate(&conn)?;
        let keys = match keys {
            Some(k) => k,
            None => Keys::from_environment().map_err(StoreError::Internal)?.ok_or_else(|| {
                StoreError::Invalid(format!(
                    "a PostgreSQL database takes the key that seals channel credentials from {}: set it to 64 hex digits (`openssl rand -hex 32`), the same on every replica",
                    secrets::KEY_VAR
                ))
            })?,
        };
        let n = conn.transaction(|db| credentials::reseal_stale(db, &keys))?;
        if n > 0 {
            tracing::info!("sealed the credentials of {n} channel accounts under the current key");
        }
        let last: i64 = conn
            .db()
            .value("SELECT COALESCE(MAX(seq), 0) FROM events", &[])?
            .unwrap_or(0);
        let tail = Arc::new(Tail::new(url, Box::new(sink), last));
        let queue = Arc::new(WriteQueue::default());
        if durability == Durability::Normal {
            // The commit does not wait for the disk: a database crash can
            // lose the last commits, acknowledged or not.
            conn.batch("SET synchronous_commit = off")?;
        }
        let committer = PgCommitter {
            url: url.to_string(),
            conn,
            durability,
            tail: tail.clone(),
        };
        let writer = writer::spawn("postgres-writer", committer, queue.clone())?;
        let listener = {
            let (url, queue, tail) = (url.to_string(), queue.clone(), tail.clone());
            std::thread::Builder::new()
                .name("postgres-listen".into())
                .spawn(move || tail::listen(&url, &queue, &tail))
        };
        let listener = match listener {
            Ok(h) => h,
            Err(e) => {
                queue.close();
                let _ = writer.join();
                return Err(StoreError::Internal(format!(
                    "cannot start the listener: {e}"
                )));
            }
        };
        Ok(PgStore {
            inner: Arc::new(Inner {
                url: url.to_string(),
                keys,
                queue,
                readers: Mutex::new(Vec::new()),
                reading: tokio::sync::Semaphore::new(READERS),
                threads: Mutex::new(vec![writer, listener]),
            }),
        })
    }
}

/// Applies the migrations not yet applied, each in its own transaction,
/// under an advisory lock (replicas starting at once wait for the first).
fn migrate(conn: &PgConn) -> StoreResult<()> {
    let db = conn.db();
    db.batch(&format!("SELECT pg_advisory_lock({MIGRATE_LOCK})"))?;
    let applied = (|| -> StoreResult<()> {
        db.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let version: i64 = db
            .value("SELECT MAX(version) FROM schema_version", &[])?
            .flatten()
            .unwrap_or(0);
        let known = schema::MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::Internal(format!(
                "the database is at schema version {version}, newer than this chatsmart knows ({known}); upgrade chatsmart"
            )));
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            let next = i as i64 + 1;
            conn.transaction(|db| {
                db.batch(sql)?;
                db.execute("DELETE FROM schema_version", &[])?;
                db.execute("INSERT INTO schema_version (version) VALUES (?1)", &[&next])?;
                Ok(())
            })?;
            tracing::info!("applied PostgreSQL migration {next}");
        }
        Ok(())
    })();
    let _ = db.batch(&format!("SELECT pg_advisory_unlock({MIGRATE_LOCK})"));
    applied
}

/// PostgreSQL's side of the group commit.
struct PgCommitter {
    url: String,
    conn: PgConn,
    durability: Durability,
    tail: Arc<Tail>,
}

impl writer::Committer for PgCommitter {
    fn begin(&mut self) -> StoreResult<()> {
        if self.conn.is_closed() {
            // The database went away and came back (or a network blip):
            // a new connection, and the writes go on.
            self.conn = connect(&self.url)?;
            if self.durability == Durability::Normal {
                self.conn.batch("SET synchronous_commit = off")?;
            }
        }
        self.conn.batch(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
        ))
    }

    fn db(&self) -> Db<'_> {
        self.conn.db()
    }

    fn before_commit(&mut self, events: &[Logged]) -> StoreResult<()> {
        // Delivered to every listening replica when (and only if) this
        // transaction commits.
        if let Some(last) = events.last() {
            self.conn.db().execute(
                "SELECT pg_notify(?1, ?2)",
                &[&CHANNEL, &last.seq.to_string()],
            )?;
        }
        Ok(())
    }

    fn committed(&mut self, events: Vec<Logged>) {
        // Published through the tail, which keeps the order across
        // replicas, before the callers hear back.
        if !events.is_empty() {
            self.tail.committed_here(events);
        }
    }
}

#[async_trait]
impl Engine for PgStore {
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db) -> StoreResult<T> + Send + 'static,
    {
        let _permit = self
            .inner
            .reading
            .acquire()
            .await
            .map_err(|_| StoreError::Internal("the store is closed".into()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().ok().and_then(|mut p| p.pop());
            let conn = match pooled {
                Some(c) if !c.is_closed() => c,
                _ => connect(&inner.url)?,
            };
            let out = f(conn.db());
            if !conn.is_closed() {
                if let Ok(mut pool) = inner.readers.lock() {
                    pool.push(conn);
                }
            }
            out
        })
        .await
        .map_err(|e| StoreError::Internal(format!("storage task failed: {e}")))?
    }

    async fn write_or_roll_back<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db, &mut Vec<EventKind>) -> StoreResult<(T, bool)> + Send + 'static,
    {
        self.inner.queue.submit(f).await
    }

    fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    fn keeps_file_bytes(&self) -> bool {
        true
    }
}
