//! The SQLite backend: one writer connection (SQLite allows one writer at a
//! time anyway) owned by its own thread, and a small pool of readers, WAL
//! mode, blocking calls moved off the async runtime.

mod private;
#[cfg(test)]
mod upgrades;

use super::data::credentials;
use super::engine::Engine;
use super::migrations::MIGRATIONS;
use super::secrets;
use super::sql::Db;
use super::writer::{self, WriteQueue};
use super::*;
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

impl Drop for Inner {
    /// The writer finishes what is queued, closes its connection and stops.
    fn drop(&mut self) {
        self.queue.close();
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
        let committer = SqliteCommitter {
            conn,
            sink: Box::new(sink),
        };
        let handle = match writer::spawn("sqlite-writer", committer, queue.clone()) {
            Ok(h) => h,
            Err(e) => {
                queue.close();
                return Err(e);
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
        self.inner.queue.submit(f).await
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
    while !queue.wait_closed(CHECKPOINT_EVERY) {
        checkpoint("PASSIVE");
    }
    checkpoint("TRUNCATE");
}

/// SQLite's side of the group commit: IMMEDIATE transactions (the write
/// lock taken at once), events published straight to the sink.
struct SqliteCommitter {
    conn: Connection,
    sink: Box<dyn EventSink>,
}

impl writer::Committer for SqliteCommitter {
    fn begin(&mut self) -> StoreResult<()> {
        self.db().control("BEGIN IMMEDIATE")
    }

    fn db(&self) -> Db<'_> {
        Db::Sqlite(&self.conn)
    }

    fn committed(&mut self, events: Vec<writer::Logged>) {
        writer::publish(&*self.sink, events);
    }
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
