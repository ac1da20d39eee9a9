//! What a backend gives the store's methods (`methods/`): reads on a
//! connection, writes in a transaction that is committed before the caller
//! hears back (with the events the write appended, in the same
//! transaction), and the key channel credentials are sealed with. SQLite's
//! engine is `sqlite::SqliteStore`; every `Engine` is a `Store`.

use super::secrets::Keys;
use super::sql::Db;
use super::StoreResult;
use crate::protocol::EventKind;
use async_trait::async_trait;

#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// Runs `f` on a connection that sees every committed write.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db) -> StoreResult<T> + Send + 'static;

    /// Runs `f` in a transaction; `f` says whether to commit (true) or
    /// roll back (false: a dry run). Committed before it returns.
    async fn write_or_roll_back<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db, &mut Vec<EventKind>) -> StoreResult<(T, bool)> + Send + 'static;

    /// [`write_or_roll_back`](Self::write_or_roll_back) that always commits
    /// what succeeds.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db, &mut Vec<EventKind>) -> StoreResult<T> + Send + 'static,
    {
        self.write_or_roll_back(move |db, events| f(db, events).map(|t| (t, true)))
            .await
    }

    /// The keys channel credentials are sealed with.
    fn keys(&self) -> &Keys;

    /// Whether files' bytes are kept in the database (so that every
    /// replica has them), not only on this machine's disk.
    fn keeps_file_bytes(&self) -> bool {
        false
    }
}
