//! One SQL layer over both backends, so the store's queries and rules are
//! written once and hold on SQLite and PostgreSQL alike.
//!
//! Queries are written in the SQL both engines speak, with numbered
//! parameters (`?1`, `?2`: PostgreSQL's `$1`, `$2` are put in for it).
//! Columns keep to four types that mean the same on both: integers
//! (`INTEGER` here, `BIGINT` there; flags are 0 or 1), text, real numbers
//! and bytes. Where the engines differ (full-text search, case-blind
//! comparison) the caller asks [`Db::dialect`].
//!
//! [`Db`] is a connection or a transaction on either backend; [`Row`] a
//! row it returned. Errors become the store's: data the schema refuses is
//! bad input ([`StoreError::Invalid`]), anything else a storage failure.

pub mod postgres;
pub mod tls;

use super::{StoreError, StoreResult};

/// Which engine a [`Db`] talks to, for the few queries written twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value a query takes: one of the four column types, or none. Only
/// these: a `bool` or a `u32` would be sent as types PostgreSQL's columns
/// do not take, so they do not compile (send a flag as `i64::from(b)`).
pub trait Param: rusqlite::ToSql + ::postgres::types::ToSql + Sync {}

/// A value a row gives: one of the four column types, or none. A flag is
/// read with [`Row::flag`].
pub trait Column: rusqlite::types::FromSql + for<'a> ::postgres::types::FromSql<'a> {}

macro_rules! values {
    ($($t:ty),*) => {
        $(
            impl Param for $t {}
            impl Param for Option<$t> {}
            impl Column for $t {}
            impl Column for Option<$t> {}
        )*
    };
}
values!(i64, f64, String, Vec<u8>);

impl Param for &str {}
impl Param for Option<&str> {}
impl Param for &[u8] {}
impl Param for &String {}
impl Param for Option<&String> {}

/// A value chosen at run time: a parameter of a query built from filters,
/// or any column of a row copied from one database to another.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Real(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

impl ::postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &::postgres::types::Type,
        out: &mut ::postgres::types::private::BytesMut,
    ) -> Result<::postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.to_sql_checked(ty, out)
    }

    /// Any type: whether this value's kind fits the column is checked
    /// per value, in `to_sql_checked`.
    fn accepts(_: &::postgres::types::Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        ty: &::postgres::types::Type,
        out: &mut ::postgres::types::private::BytesMut,
    ) -> Result<::postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(::postgres::types::IsNull::Yes),
            Value::Int(v) => v.to_sql_checked(ty, out),
            Value::Real(v) => v.to_sql_checked(ty, out),
            Value::Text(v) => v.to_sql_checked(ty, out),
            Value::Bytes(v) => v.to_sql_checked(ty, out),
        }
    }
}

impl Param for Value {}

/// A connection or transaction on either backend.
#[derive(Clone, Copy)]
pub enum Db<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a postgres::PgConn),
}

/// A SQLite connection (or a transaction, through `Deref`) as a [`Db`].
impl<'a> From<&'a rusqlite::Connection> for Db<'a> {
    fn from(c: &'a rusqlite::Connection) -> Self {
        Db::Sqlite(c)
    }
}

/// A row of a result, from either backend.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r ::postgres::Row),
}

impl Row<'_> {
    /// Column `i` (from 0) as `T`.
    pub fn get<T: Column>(&self, i: usize) -> StoreResult<T> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(StoreError::from),
            Row::Postgres(r) => r.try_get(i).map_err(postgres::error),
        }
    }

    /// A 0-or-1 column as a flag. On PostgreSQL a flag computed in the
    /// query (`CASE WHEN … THEN 1 ELSE 0 END`) is an `integer`, and a
    /// comparison a `boolean`: both read as flags too.
    pub fn flag(&self, i: usize) -> StoreResult<bool> {
        match self {
            Row::Sqlite(_) => Ok(self.get::<i64>(i)? != 0),
            Row::Postgres(r) => r
                .try_get::<_, i64>(i)
                .map(|v| v != 0)
                .or_else(|_| r.try_get::<_, i32>(i).map(|v| v != 0))
                .or_else(|_| r.try_get::<_, bool>(i))
                .map_err(postgres::error),
        }
    }

    /// Column `i` whatever its type (copying rows between databases).
    pub fn value(&self, i: usize) -> StoreResult<Value> {
        match self {
            Row::Sqlite(r) => {
                use rusqlite::types::ValueRef;
                Ok(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
                })
            }
            Row::Postgres(r) => {
                use ::postgres::types::Type;
                let ty = r.columns()[i].type_().clone();
                let v = match ty {
                    Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
                    Type::INT4 => r
                        .try_get::<_, Option<i32>>(i)
                        .map(|v| v.map(|v| Value::Int(v.into()))),
                    Type::BOOL => r
                        .try_get::<_, Option<bool>>(i)
                        .map(|v| v.map(|v| Value::Int(v.into()))),
                    Type::FLOAT8 => r.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
                    Type::BYTEA => r
                        .try_get::<_, Option<Vec<u8>>>(i)
                        .map(|v| v.map(Value::Bytes)),
                    _ => r
                        .try_get::<_, Option<String>>(i)
                        .map(|v| v.map(Value::Text)),
                };
                Ok(v.map_err(postgres::error)?.unwrap_or(Value::Null))
            }
        }
    }

    /// A small count (attempts, parts) as a `u32`; out of range is at the
    /// nearest end.
    pub fn count(&self, i: usize) -> StoreResult<u32> {
        Ok(u32::try_from(self.get::<i64>(i)?.max(0)).unwrap_or(u32::MAX))
    }
}

impl Db<'_> {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The larger of two values in SQL (`MAX(a, b)` on SQLite,
    /// `GREATEST(a, b)` on PostgreSQL).
    pub fn greatest(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "MAX",
            Db::Postgres(_) => "GREATEST",
        }
    }

    /// Where a text is found in another, from 1, or 0: `instr(hay, needle)`
    /// on SQLite, `strpos(hay, needle)` on PostgreSQL.
    pub fn instr(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "instr",
            Db::Postgres(_) => "strpos",
        }
    }

    /// The smaller of two values (`MIN(a, b)`, `LEAST(a, b)`).
    pub fn least(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "MIN",
            Db::Postgres(_) => "LEAST",
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<u64> {
        match self {
            Db::Sqlite(c) => {
                let n = c
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(sqlite_params(params)))?;
                Ok(n as u64)
            }
            Db::Postgres(c) => c.execute(sql, params),
        }
    }

    /// Every row `sql` returns, each made into a `T`.
    pub fn query<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(sqlite_params(params)))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Db::Postgres(c) => c
                .query(sql, params)?
                .iter()
                .map(|r| f(&Row::Postgres(r)))
                .collect(),
        }
    }

    /// The first row, if there is one.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(sqlite_params(params)))?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)).map(Some),
                    None => Ok(None),
                }
            }
            Db::Postgres(c) => match c.query(sql, params)?.first() {
                Some(r) => f(&Row::Postgres(r)).map(Some),
                None => Ok(None),
            },
        }
    }

    /// The first row; `what` not found when there is none.
    pub fn query_one<T>(
        &self,
        what: &'static str,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.query_opt(sql, params, f)?
            .ok_or(StoreError::NotFound(what))
    }

    /// The first row of a query that always returns one (a count, an
    /// insert's `RETURNING`): none is a storage failure, not a 404.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.query_opt(sql, params, f)?
            .ok_or_else(|| StoreError::Internal(format!("no row from: {}", first_line(sql))))
    }

    /// The first column of the first row (a count, an id), when there is
    /// a row.
    pub fn value<T: Column>(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<Option<T>> {
        self.query_opt(sql, params, |r| r.get(0))
    }

    /// A transaction's own statements (`BEGIN`, `SAVEPOINT job`,
    /// `COMMIT`): prepared once on SQLite, where a group commit runs
    /// hundreds of them; sent as they are on PostgreSQL.
    pub fn control(&self, sql: &str) -> StoreResult<()> {
        match self {
            Db::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute([]).map(drop)?),
            Db::Postgres(c) => c.batch(sql),
        }
    }

    /// Several [`control`](Self::control) statements in order: on
    /// PostgreSQL in one round trip.
    pub fn controls(&self, sql: &[&str]) -> StoreResult<()> {
        match self {
            Db::Sqlite(_) => sql.iter().try_for_each(|s| self.control(s)),
            Db::Postgres(c) => c.batch(&sql.join("; ")),
        }
    }

    /// Runs `f` as a part of the transaction that can fail alone: its
    /// changes are undone when it fails, and the transaction goes on
    /// (PostgreSQL refuses every statement after an error otherwise). The
    /// outer result is the savepoint's own failure; the inner is `f`'s.
    pub fn savepoint<T>(&self, f: impl FnOnce() -> StoreResult<T>) -> StoreResult<StoreResult<T>> {
        self.control("SAVEPOINT part")?;
        match f() {
            Ok(v) => {
                self.control("RELEASE part")?;
                Ok(Ok(v))
            }
            Err(e) => {
                self.control("ROLLBACK TO part")?;
                self.control("RELEASE part")?;
                Ok(Err(e))
            }
        }
    }

    /// The names of `table`'s columns, in order.
    pub fn columns(&self, table: &str) -> StoreResult<Vec<String>> {
        let sql = format!("SELECT * FROM {table} LIMIT 0");
        match self {
            Db::Sqlite(c) => Ok(c
                .prepare(&sql)?
                .column_names()
                .into_iter()
                .map(str::to_string)
                .collect()),
            Db::Postgres(c) => c.columns(&sql),
        }
    }

    /// Runs several statements with no parameters (schema changes).
    pub fn batch(&self, sql: &str) -> StoreResult<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(c) => c.batch(sql),
        }
    }
}

fn sqlite_params<'p>(params: &'p [&'p dyn Param]) -> impl Iterator<Item = &'p dyn rusqlite::ToSql> {
    params.iter().map(|p| *p as &dyn rusqlite::ToSql)
}

/// A query's first line, to say which one failed.
fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or_default()
}
