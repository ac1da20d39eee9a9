//! The storage layer on both backends: SQLite in a temporary file and
//! PostgreSQL in a database of the test's own (skipped with one line when
//! no PostgreSQL is configured outside CI).

mod blocked;
mod claims;
mod copy;
mod replicas;
mod sql;
mod tls;
