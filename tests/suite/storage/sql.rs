//! The SQL layer means the same on SQLite and PostgreSQL: parameters,
//! NULLs, ids handed back, flags, sums, refusals, transactions.

use crate::common::postgres::TestPostgres;
use chatsmart::server::store::sql::postgres::PgConn;
use chatsmart::server::store::sql::{Db, Dialect};
use chatsmart::server::store::StoreError;

/// Runs `f` on SQLite, then on PostgreSQL when there is one.
fn on_both(
    test: &str,
    f: impl Fn(Db, &dyn Fn(&dyn Fn(Db) -> Result<(), StoreError>) -> Result<(), StoreError>),
) {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let sqlite_tx = |body: &dyn Fn(Db) -> Result<(), StoreError>| {
        let tx = conn.unchecked_transaction().map_err(StoreError::from)?;
        body(Db::Sqlite(&tx))?;
        tx.commit().map_err(StoreError::from)
    };
    f(Db::Sqlite(&conn), &sqlite_tx);
    if let Some(pg) = TestPostgres::create(test) {
        let conn = PgConn::connect(&pg.url).unwrap();
        let pg_tx = |body: &dyn Fn(Db) -> Result<(), StoreError>| conn.transaction(body);
        f(conn.db(), &pg_tx);
    }
}

fn schema(db: Db) {
    let id = match db.dialect() {
        Dialect::Sqlite => "INTEGER PRIMARY KEY",
        Dialect::Postgres => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    };
    let (int, blob, real) = match db.dialect() {
        Dialect::Sqlite => ("INTEGER", "BLOB", "REAL"),
        Dialect::Postgres => ("BIGINT", "BYTEA", "DOUBLE PRECISION"),
    };
    db.batch(&format!(
        "CREATE TABLE notes (
            id {id},
            name TEXT NOT NULL UNIQUE,
            body TEXT,
            pinned {int} NOT NULL DEFAULT 0,
            size {int} NOT NULL,
            bytes {blob},
            score {real}
        )"
    ))
    .unwrap();
}

#[test]
fn values_round_trip_the_same_on_both() {
    on_both("values_round_trip", |db, _| {
        schema(db);
        let id: i64 = db
            .value(
                "INSERT INTO notes (name, body, pinned, size, bytes, score)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                &[
                    &"first",
                    &None::<String>,
                    &1_i64,
                    &3_i64,
                    &vec![0_u8, 255, 7],
                    &0.5_f64,
                ],
            )
            .unwrap()
            .unwrap();
        let id2: i64 = db
            .value(
                "INSERT INTO notes (name, body, size) VALUES (?1, ?2, ?3) RETURNING id",
                &[&"second", &Some("it's ?1 -- not a parameter"), &4_i64],
            )
            .unwrap()
            .unwrap();
        assert!(id2 > id, "{:?}", db.dialect());
        let rows = db
            .query(
                "SELECT id, name, body, pinned, bytes, score FROM notes WHERE size >= ?1 ORDER BY id",
                &[&3_i64],
                |r| {
                    Ok((
                        r.get::<i64>(0)?,
                        r.get::<String>(1)?,
                        r.get::<Option<String>>(2)?,
                        r.flag(3)?,
                        r.get::<Option<Vec<u8>>>(4)?,
                        r.get::<Option<f64>>(5)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    id,
                    "first".into(),
                    None,
                    true,
                    Some(vec![0, 255, 7]),
                    Some(0.5)
                ),
                (
                    id2,
                    "second".into(),
                    Some("it's ?1 -- not a parameter".into()),
                    false,
                    None,
                    None
                ),
            ],
            "{:?}",
            db.dialect()
        );
        // Sums are integers on both when cast.
        let total: Option<i64> = db
            .value("SELECT CAST(SUM(size) AS BIGINT) FROM notes", &[])
            .unwrap();
        assert_eq!(total, Some(7));
        let n = db
            .execute("UPDATE notes SET pinned = 1 WHERE pinned = ?1", &[&0_i64])
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            db.query_opt("SELECT id FROM notes WHERE name = ?1", &[&"third"], |r| r
                .get::<i64>(
                0
            ))
            .unwrap(),
            None
        );
        assert!(matches!(
            db.query_one(
                "note",
                "SELECT id FROM notes WHERE name = ?1",
                &[&"third"],
                |r| r.get::<i64>(0)
            ),
            Err(StoreError::NotFound("note"))
        ));
        // A query that must return a row and does not is a storage
        // failure, not a 404.
        assert!(matches!(
            db.query_row("SELECT id FROM notes WHERE name = ?1", &[&"third"], |r| r
                .get::<i64>(
                0
            )),
            Err(StoreError::Internal(_))
        ));
        // Flags computed in a query read as flags on both.
        let computed = db
            .query_row(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM notes WHERE pinned = 1) THEN 1 ELSE 0 END,
                        CASE WHEN EXISTS (SELECT 1 FROM notes WHERE size > 100) THEN 1 ELSE 0 END",
                &[],
                |r| Ok((r.flag(0)?, r.flag(1)?)),
            )
            .unwrap();
        assert_eq!(computed, (true, false), "{:?}", db.dialect());
    });
}

#[test]
fn what_the_schema_refuses_is_bad_input_and_a_failed_transaction_leaves_nothing() {
    on_both("refusals", |db, tx| {
        schema(db);
        db.execute(
            "INSERT INTO notes (name, size) VALUES (?1, ?2)",
            &[&"one", &1_i64],
        )
        .unwrap();
        let dup = db.execute(
            "INSERT INTO notes (name, size) VALUES (?1, ?2)",
            &[&"one", &2_i64],
        );
        assert!(
            matches!(&dup, Err(StoreError::Invalid(m)) if m.starts_with("refused by the database")),
            "{:?}: {dup:?}",
            db.dialect()
        );
        let missing = db.execute("INSERT INTO notes (name) VALUES (?1)", &[&"no size"]);
        assert!(
            matches!(missing, Err(StoreError::Invalid(_))),
            "{missing:?}"
        );
        // A transaction that fails half-way keeps none of its writes.
        let failed = tx(&|t| {
            t.execute(
                "INSERT INTO notes (name, size) VALUES (?1, ?2)",
                &[&"two", &2_i64],
            )?;
            t.execute(
                "INSERT INTO notes (name, size) VALUES (?1, ?2)",
                &[&"one", &3_i64],
            )?;
            Ok(())
        });
        assert!(failed.is_err());
        let names = db
            .query("SELECT name FROM notes ORDER BY name", &[], |r| {
                r.get::<String>(0)
            })
            .unwrap();
        assert_eq!(names, vec!["one".to_string()], "{:?}", db.dialect());
        // One that succeeds keeps all of them.
        tx(&|t| {
            t.execute(
                "INSERT INTO notes (name, size) VALUES (?1, ?2)",
                &[&"two", &2_i64],
            )?;
            t.execute(
                "INSERT INTO notes (name, size) VALUES (?1, ?2)",
                &[&"three", &3_i64],
            )?;
            Ok(())
        })
        .unwrap();
        let n: Option<i64> = db.value("SELECT COUNT(*) FROM notes", &[]).unwrap();
        assert_eq!(n, Some(3));
    });
}
