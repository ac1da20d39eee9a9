//! The PostgreSQL side of the SQL layer: one connection, its prepared
//! statements, and the translation of the store's SQL (`?1` becomes `$1`).
//!
//! The connection is synchronous (the `postgres` crate), like SQLite's: the
//! store's rules run in a blocking thread on either backend, in one
//! transaction, and the async server waits for them.

use super::Param;
use crate::server::store::{StoreError, StoreResult};
use std::cell::RefCell;
use std::collections::HashMap;

/// Runs `f` on a thread of its own: the synchronous driver starts a
/// runtime of its own, which it cannot do on a thread that drives one.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// Statements kept prepared per connection, at most this many.
const CACHED: usize = 256;

/// One PostgreSQL connection, with the statements it has prepared.
pub struct PgConn {
    client: RefCell<::postgres::Client>,
    prepared: RefCell<HashMap<String, ::postgres::Statement>>,
}

impl PgConn {
    /// Connects to `url` (`postgres://user@host:port/dbname`), encrypted
    /// as its `sslmode` asks (see tls.rs).
    pub fn connect(url: &str) -> StoreResult<PgConn> {
        let client = super::tls::connect(url).map_err(StoreError::Internal)?;
        Ok(PgConn {
            client: RefCell::new(client),
            prepared: RefCell::default(),
        })
    }

    /// Whether the connection is gone (the server went away): the pools
    /// drop it and connect again.
    pub fn is_closed(&self) -> bool {
        self.client.borrow().is_closed()
    }

    /// Waits up to `wait` for a notification on a channel this connection
    /// listens to; whether one (or more) came. Takes every one waiting.
    pub fn notified(&self, wait: std::time::Duration) -> StoreResult<bool> {
        use ::postgres::fallible_iterator::FallibleIterator;
        let mut client = self.client.borrow_mut();
        let mut notifications = client.notifications();
        let came = notifications
            .timeout_iter(wait)
            .next()
            .map_err(error)?
            .is_some();
        while notifications.iter().next().map_err(error)?.is_some() {}
        Ok(came)
    }

    /// The connection, as the store's queries use it.
    pub fn db(&self) -> super::Db<'_> {
        super::Db::Postgres(self)
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled
    /// back otherwise (and when it panics, as the connection is dropped).
    pub fn transaction<T>(&self, f: impl FnOnce(super::Db) -> StoreResult<T>) -> StoreResult<T> {
        self.batch("BEGIN")?;
        match f(self.db()) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // The error says what went wrong; a failed rollback only
                // means the connection is gone, and the pool drops it.
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn statement(&self, sql: &str) -> StoreResult<::postgres::Statement> {
        if let Some(s) = self.prepared.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self
            .client
            .borrow_mut()
            .prepare(&placeholders(sql))
            .map_err(error)?;
        let mut prepared = self.prepared.borrow_mut();
        if prepared.len() >= CACHED {
            prepared.clear();
        }
        prepared.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    pub(super) fn execute(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<u64> {
        let stmt = self.statement(sql)?;
        self.client
            .borrow_mut()
            .execute(&stmt, &as_sql(&pg_params(params)))
            .map_err(error)
    }

    pub(super) fn query(
        &self,
        sql: &str,
        params: &[&dyn Param],
    ) -> StoreResult<Vec<::postgres::Row>> {
        let stmt = self.statement(sql)?;
        self.client
            .borrow_mut()
            .query(&stmt, &as_sql(&pg_params(params)))
            .map_err(error)
    }

    pub(super) fn columns(&self, sql: &str) -> StoreResult<Vec<String>> {
        Ok(self
            .statement(sql)?
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect())
    }

    pub fn batch(&self, sql: &str) -> StoreResult<()> {
        self.client.borrow_mut().batch_execute(sql).map_err(error)
    }
}

fn pg_params<'p>(params: &'p [&'p dyn Param]) -> Vec<NoNul<'p>> {
    params.iter().map(|p| NoNul(*p)).collect()
}

fn as_sql<'p>(params: &'p [NoNul<'p>]) -> Vec<&'p (dyn ::postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn ::postgres::types::ToSql + Sync))
        .collect()
}

/// A parameter as PostgreSQL takes it: its text cannot hold a NUL
/// character (SQLite's can), so one arriving from outside (a webhook's
/// hostile id) is stored as U+FFFD instead of failing the write.
#[derive(Debug)]
struct NoNul<'p>(&'p dyn Param);

impl ::postgres::types::ToSql for NoNul<'_> {
    fn to_sql(
        &self,
        ty: &::postgres::types::Type,
        out: &mut ::postgres::types::private::BytesMut,
    ) -> Result<::postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        ::postgres::types::ToSql::to_sql_checked(self.0, ty, out)
    }

    fn accepts(_: &::postgres::types::Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        ty: &::postgres::types::Type,
        out: &mut ::postgres::types::private::BytesMut,
    ) -> Result<::postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let start = out.len();
        let written = ::postgres::types::ToSql::to_sql_checked(self.0, ty, out)?;
        let textual = matches!(
            *ty,
            ::postgres::types::Type::TEXT
                | ::postgres::types::Type::VARCHAR
                | ::postgres::types::Type::BPCHAR
                | ::postgres::types::Type::NAME
                | ::postgres::types::Type::UNKNOWN
        ) || ty.name() == "citext";
        if textual && out[start..].contains(&0) {
            let fixed = String::from_utf8_lossy(&out[start..]).replace('\0', "\u{FFFD}");
            out.truncate(start);
            out.extend_from_slice(fixed.as_bytes());
        }
        Ok(written)
    }
}

/// The store's SQL for PostgreSQL: `?N` becomes `$N` outside quoted text
/// and comments.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // To the closing quote; a doubled quote stays inside.
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' if chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// PostgreSQL's errors, as the store's: what the schema refuses (a
/// duplicate, a missing reference, a failed check) is bad input.
pub fn error(e: ::postgres::Error) -> StoreError {
    use ::postgres::error::SqlState;
    const REFUSED: [SqlState; 4] = [
        SqlState::UNIQUE_VIOLATION,
        SqlState::FOREIGN_KEY_VIOLATION,
        SqlState::CHECK_VIOLATION,
        SqlState::NOT_NULL_VIOLATION,
    ];
    match e.code() {
        Some(code) if REFUSED.contains(code) => {
            let detail = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            StoreError::Invalid(format!("refused by the database: {detail}"))
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn numbered_parameters_become_dollars_outside_text() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?10)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $10)"
        );
        assert_eq!(
            placeholders("SELECT '?1', \"?2\" -- ?3\n, ?4"),
            "SELECT '?1', \"?2\" -- ?3\n, $4"
        );
        assert_eq!(
            placeholders("SELECT 'it''s ?1', ?2"),
            "SELECT 'it''s ?1', $2"
        );
        // A bare ? (JSON operators) is left alone.
        assert_eq!(placeholders("SELECT a ? 'k'"), "SELECT a ? 'k'");
    }
}
