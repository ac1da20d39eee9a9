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

/// Statements kept prepared per connection, at most this many.
const CACHED: usize = 256;

/// One PostgreSQL connection, with the statements it has prepared.
pub struct PgConn {
    client: RefCell<::postgres::Client>,
    prepared: RefCell<HashMap<String, ::postgres::Statement>>,
}

impl PgConn {
    /// Connects to `url` (`postgres://user@host:port/dbname`).
    pub fn connect(url: &str) -> StoreResult<PgConn> {
        let client = ::postgres::Client::connect(url, ::postgres::NoTls).map_err(error)?;
        Ok(PgConn {
            client: RefCell::new(client),
            prepared: RefCell::default(),
        })
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
            .execute(&stmt, &pg_params(params))
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
            .query(&stmt, &pg_params(params))
            .map_err(error)
    }

    pub(super) fn batch(&self, sql: &str) -> StoreResult<()> {
        self.client.borrow_mut().batch_execute(sql).map_err(error)
    }
}

fn pg_params<'p>(params: &'p [&'p dyn Param]) -> Vec<&'p (dyn ::postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| *p as &(dyn ::postgres::types::ToSql + Sync))
        .collect()
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
