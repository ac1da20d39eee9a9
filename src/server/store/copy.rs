//! `chatsmart db copy`: a whole database from one place to another
//! (SQLite to PostgreSQL, back, or the same engine), to move a team onto
//! replicas or off them.
//!
//! Both ends are opened as the server opens them first (so both are at the
//! current schema, and the target has its key), then every table is copied
//! row by row in one transaction on the target, in an order that keeps
//! references whole. Channel credentials are opened with the source's key
//! and sealed again with the target's. Files' bytes go too: from the
//! source's files folder or database into the target's. The target must be
//! empty; every table's count is checked at the end.

use super::sql::postgres::PgConn;
use super::sql::{Db, Value};
use super::{data, secrets, Database, Offline, OpenOptions, StoreError, StoreResult};
use std::path::{Path, PathBuf};

/// Every table, parents before the tables that refer to them.
pub const TABLES: &[&str] = &[
    "teams",
    "agents",
    "agent_teams",
    "tokens",
    "channel_accounts",
    "customers",
    "conversations",
    "conversation_assignees",
    "attachments",
    "messages",
    "inbound_dedupe",
    "read_markers",
    "tags",
    "customer_tags",
    "notes",
    "events",
    "standard_folders",
    "standard_folder_assignees",
    "standard_messages",
    "scheduled_messages",
    "broadcasts",
    "broadcast_recipients",
    "macros",
    "media_fetches",
    "early_statuses",
    "bot_work",
];

/// Tables not copied: platforms' access tokens (fetched again when first
/// needed), and files' bytes in the database (copied as files, below).
pub const NOT_COPIED: &[&str] = &["platform_tokens", "file_blobs", "file_parts"];

/// Rows read from the source at a time.
const PAGE: i64 = 2000;

/// What was copied: each table's rows, and how many files' bytes.
#[derive(Debug, Default)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
    pub files: u64,
}

/// Where each end keeps files' bytes on disk (SQLite's `files/` beside the
/// database unless given).
pub struct Ends {
    pub from: Database,
    pub to: Database,
    pub from_files: Option<PathBuf>,
    pub to_files: Option<PathBuf>,
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

impl Conn {
    fn open(db: &Database) -> StoreResult<Conn> {
        Ok(match db {
            Database::Sqlite(path) => {
                let c = rusqlite::Connection::open(path)?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                Conn::Sqlite(c)
            }
            Database::Postgres(url) => Conn::Postgres(Box::new(PgConn::connect(url)?)),
        })
    }

    fn db(&self) -> Db<'_> {
        match self {
            Conn::Sqlite(c) => Db::Sqlite(c),
            Conn::Postgres(c) => c.db(),
        }
    }
}

fn files_dir(db: &Database, given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(|| {
        db.sqlite_path()
            .map(|p| p.parent().unwrap_or(Path::new(".")).join("files"))
    })
}

/// Copies `ends.from` into `ends.to`. Runs on a thread of its own (the
/// PostgreSQL driver runs its own runtime).
pub fn copy(ends: &Ends) -> StoreResult<Copied> {
    std::thread::scope(|s| {
        s.spawn(|| copy_here(ends))
            .join()
            .unwrap_or_else(|_| Err(StoreError::Internal("the copy panicked".into())))
    })
}

fn copy_here(ends: &Ends) -> StoreResult<Copied> {
    if ends.from == ends.to {
        return Err(StoreError::Invalid(
            "the source and the target are the same database".into(),
        ));
    }
    // Both at the current schema. A SQLite end's key is its key file (a
    // SQLite target gets one of its own, so the copy stands alone); a
    // PostgreSQL end's is CHATSMART_SECRET_KEY.
    let opened = super::open(&ends.from, Offline, OpenOptions::default())?
        .keys()
        .clone();
    let source_keys = key_file_keys(&ends.from)?.unwrap_or(opened);
    let opened = super::open(&ends.to, Offline, OpenOptions::default())?
        .keys()
        .clone();
    let target_keys = match &ends.to {
        Database::Sqlite(path) => match key_file_keys(&ends.to)? {
            Some(keys) => keys,
            None => {
                let key = secrets::Key::generate();
                secrets::write_key(&secrets::key_file(path), &key).map_err(StoreError::Internal)?;
                secrets::Keys {
                    current: key,
                    older: Vec::new(),
                }
            }
        },
        Database::Postgres(_) => opened,
    };
    let from = Conn::open(&ends.from)?;
    let to = Conn::open(&ends.to)?;
    let (src, dst) = (from.db(), to.db());
    for table in TABLES {
        let n: i64 = dst.query_row(&format!("SELECT count(*) FROM {table}"), &[], |r| r.get(0))?;
        if n > 0 {
            return Err(StoreError::Conflict(format!(
                "the target is not empty ({table} has {n} rows): copy only into a new database"
            )));
        }
    }
    // The source read as of one moment (a server still writing to it
    // cannot move rows between pages), to the end, counts included.
    src.control(match src.dialect() {
        super::sql::Dialect::Sqlite => "BEGIN",
        super::sql::Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    })?;
    let copied = copy_in_snapshot(ends, src, dst, &source_keys, &target_keys);
    let _ = src.control("ROLLBACK");
    copied
}

fn copy_in_snapshot(
    ends: &Ends,
    src: Db,
    dst: Db,
    source_keys: &secrets::Keys,
    target_keys: &secrets::Keys,
) -> StoreResult<Copied> {
    let mut copied = Copied::default();
    dst.control("BEGIN")?;
    let result = (|| -> StoreResult<()> {
        for table in TABLES {
            let n = copy_table(src, dst, table, source_keys, target_keys)?;
            copied.tables.push((table, n));
        }
        if dst.dialect() == super::sql::Dialect::Postgres {
            restart_identities(dst)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => dst.control("COMMIT")?,
        Err(e) => {
            let _ = dst.control("ROLLBACK");
            return Err(e);
        }
    }
    copied.files = copy_files(ends, src, dst)?;
    // Every table holds as many rows at both ends.
    for (table, n) in &copied.tables {
        for (end, db) in [("source", src), ("target", dst)] {
            let now: i64 =
                db.query_row(&format!("SELECT count(*) FROM {table}"), &[], |r| r.get(0))?;
            if now as u64 != *n {
                return Err(StoreError::Internal(format!(
                    "{table}: copied {n} rows but the {end} has {now} (was it written to meanwhile?)"
                )));
            }
        }
    }
    Ok(copied)
}

/// The key in the key file beside a SQLite database, when there is one.
fn key_file_keys(db: &Database) -> StoreResult<Option<secrets::Keys>> {
    let Database::Sqlite(path) = db else {
        return Ok(None);
    };
    let file = secrets::key_file(path);
    match std::fs::read_to_string(&file) {
        Ok(text) => Ok(Some(secrets::Keys {
            current: secrets::Key::parse(&text)
                .map_err(|e| StoreError::Internal(format!("{}: {e}", file.display())))?,
            older: Vec::new(),
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::Internal(format!("{}: {e}", file.display()))),
    }
}

fn copy_table(
    src: Db,
    dst: Db,
    table: &str,
    source_keys: &secrets::Keys,
    target_keys: &secrets::Keys,
) -> StoreResult<u64> {
    let columns = src.columns(table)?;
    let target: Vec<String> = dst.columns(table)?;
    if let Some(missing) = columns.iter().find(|c| !target.contains(c)) {
        return Err(StoreError::Internal(format!(
            "{table}.{missing} has no place in the target"
        )));
    }
    let list = columns.join(", ");
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let insert = format!("INSERT INTO {table} ({list}) VALUES ({})", marks.join(", "));
    let sealed = if table == "channel_accounts" {
        columns.iter().position(|c| c == "credentials")
    } else {
        None
    };
    let mut n = 0u64;
    let mut offset = 0i64;
    loop {
        // The whole row as the order, so every page follows the last.
        let rows: Vec<Vec<Value>> = src.query(
            &format!("SELECT {list} FROM {table} ORDER BY {list} LIMIT ?1 OFFSET ?2"),
            &[&PAGE, &offset],
            |r| (0..columns.len()).map(|i| r.value(i)).collect(),
        )?;
        for mut row in rows.iter().cloned() {
            if let Some(i) = sealed {
                if let (Value::Int(id), Value::Text(stored)) = (&row[0], &row[i]) {
                    let creds = data::credentials::open(source_keys, *id, stored).map_err(|e| {
                        StoreError::Invalid(format!(
                            "channel account {id}: its credentials cannot be opened with the source's key: {e}"
                        ))
                    })?;
                    row[i] = Value::Text(data::credentials::seal(target_keys, *id, &creds)?);
                }
            }
            let params: Vec<&dyn super::sql::Param> =
                row.iter().map(|v| v as &dyn super::sql::Param).collect();
            dst.execute(&insert, &params)?;
            n += 1;
        }
        if (rows.len() as i64) < PAGE {
            return Ok(n);
        }
        offset += PAGE;
    }
}

/// PostgreSQL's identity columns go on from the largest id copied.
fn restart_identities(db: Db) -> StoreResult<()> {
    let identities: Vec<(String, String)> = db.query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (table, column) in identities {
        db.batch(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                           COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        ))?;
    }
    Ok(())
}

/// Every attachment's bytes, from wherever the source keeps them to
/// wherever the target does; how many distinct files.
fn copy_files(ends: &Ends, src: Db, dst: Db) -> StoreResult<u64> {
    use super::sql::Dialect;
    let shas: Vec<String> =
        src.query("SELECT DISTINCT sha256 FROM attachments", &[], |r| r.get(0))?;
    let from_dir = files_dir(&ends.from, ends.from_files.as_deref());
    let to_dir = files_dir(&ends.to, ends.to_files.as_deref());
    let mut n = 0;
    for sha in &shas {
        let bytes = match (src.dialect(), &from_dir) {
            (Dialect::Postgres, _) => read_from_database(src, sha)?,
            (Dialect::Sqlite, Some(dir)) => {
                let Some(path) = data::file_bytes::on_disk(dir, sha) else {
                    continue;
                };
                match std::fs::read(path) {
                    Ok(b) => Some(b),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(StoreError::Internal(format!("reading file {sha}: {e}"))),
                }
            }
            (Dialect::Sqlite, None) => None,
        };
        let Some(bytes) = bytes else {
            tracing::warn!("file {sha} has no bytes at the source; its attachment stays without");
            continue;
        };
        match (dst.dialect(), &to_dir) {
            (Dialect::Postgres, _) => {
                let size = bytes.len() as i64;
                data::file_bytes::hold(dst, sha, size, data::now_ms())?;
                for (i, part) in bytes.chunks(data::file_bytes::PART).enumerate() {
                    data::file_bytes::put(dst, sha, i as i64, part)?;
                }
                data::file_bytes::complete(dst, sha)?;
            }
            (Dialect::Sqlite, Some(dir)) => {
                let Some(path) = data::file_bytes::on_disk(dir, sha) else {
                    continue;
                };
                if let Some(parent) = path.parent() {
                    crate::private_files::create_private_dir(parent)
                        .map_err(|e| StoreError::Internal(format!("{}: {e}", parent.display())))?;
                }
                std::fs::write(&path, &bytes)
                    .map_err(|e| StoreError::Internal(format!("{}: {e}", path.display())))?;
            }
            (Dialect::Sqlite, None) => {}
        }
        n += 1;
    }
    Ok(n)
}

fn read_from_database(db: Db, sha: &str) -> StoreResult<Option<Vec<u8>>> {
    let Some(size) = data::file_bytes::size(db, sha)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(size.max(0) as usize);
    let mut part = 0;
    while (out.len() as i64) < size {
        match data::file_bytes::part(db, sha, part)? {
            Some(b) if !b.is_empty() => out.extend_from_slice(&b),
            _ => return Ok(None),
        }
        part += 1;
    }
    Ok(Some(out))
}
