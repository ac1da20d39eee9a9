//! A PostgreSQL database of the test's own: made on the server named by
//! `CHATSMART_TEST_POSTGRES` and dropped when the test ends.
//!
//! Without the variable the PostgreSQL tests are skipped with one line
//! saying so (a newcomer's laptop); in CI (`CI=true`) a missing or
//! unreachable server fails the run instead.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the server the tests make their databases on.
pub const VAR: &str = "CHATSMART_TEST_POSTGRES";

pub struct TestPostgres {
    admin: String,
    pub name: String,
    /// The URL of this test's database.
    pub url: String,
}

impl TestPostgres {
    /// A fresh, empty database; None (after one line saying why) when no
    /// server is configured and this is not CI.
    pub fn create(test: &str) -> Option<TestPostgres> {
        let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let admin = match std::env::var(VAR) {
            Ok(url) if !url.trim().is_empty() => url,
            _ if in_ci => panic!("CI runs the PostgreSQL tests: set {VAR} (see .ci/run)"),
            _ => {
                // One line for the run, past the test harness's capture.
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| {
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "PostgreSQL tests skipped ({test} and the rest): set {VAR}=postgres://postgres@127.0.0.1:5432/postgres to run them"
                    );
                });
                return None;
            }
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "chatsmart_test_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            test.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(20)
                .collect::<String>()
                .to_lowercase()
        );
        off_runtime(|| {
            let mut client = match chatsmart::server::store::sql::tls::connect(&admin) {
                Ok(c) => c,
                Err(e) => panic!("{VAR} is set but PostgreSQL cannot be reached: {e}"),
            };
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap_or_else(|e| panic!("cannot create the database {name}: {e}"));
        });
        let url = with_database(&admin, &name);
        Some(TestPostgres { admin, name, url })
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        off_runtime(|| {
            if let Ok(mut c) = chatsmart::server::store::sql::tls::connect(&self.admin) {
                let _ = c.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        });
    }
}

pub use chatsmart::server::store::sql::postgres::off_runtime;

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (authority, query) = match rest.find('/') {
        Some(i) => {
            let after = &rest[i + 1..];
            (&rest[..i], after.find('?').map_or("", |q| &after[q..]))
        }
        None => match rest.find('?') {
            Some(q) => (&rest[..q], &rest[q..]),
            None => (rest, ""),
        },
    };
    format!("{scheme}://{authority}/{name}{query}")
}

#[test]
fn the_database_name_replaces_the_one_in_the_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
        "postgres://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "t3"), "postgres://h/t3");
}
