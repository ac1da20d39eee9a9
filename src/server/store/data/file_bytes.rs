//! Files' bytes kept in the database (PostgreSQL), so every replica can
//! serve and send a file uploaded through any other. Each file is a row
//! in `file_blobs` (its hash, size, when it was last used, whether all of
//! it is in) and its parts of at most [`PART`] bytes in `file_parts`:
//! content-addressed, so the same bytes are kept once. SQLite keeps bytes
//! on its own disk only (`server/files.rs`) and has no such tables.

use super::super::sql::Db;
use super::super::StoreResult;

/// The most bytes one row of `file_parts` holds.
pub const PART: usize = 1024 * 1024;

/// Where a file's bytes live under a files folder on disk:
/// `root/ab/cd/abcd…`; `None` for anything but a lowercase SHA-256 in
/// hex, so a hash can never name a path outside the folder.
pub fn on_disk(root: &std::path::Path, sha256: &str) -> Option<std::path::PathBuf> {
    let ok = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then(|| root.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256))
}

/// Marks `sha256` as in use now (made if new); whether all of it is in.
pub fn hold(db: Db, sha256: &str, size: i64, now: i64) -> StoreResult<bool> {
    db.query_row(
        "INSERT INTO file_blobs (sha256, size, touched_at, complete) VALUES (?1, ?2, ?3, 0)
         ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at
         RETURNING complete",
        &[&sha256, &size, &now],
        |r| r.flag(0),
    )
}

/// Part `n` (from 0) of the bytes; the same part written twice is kept once.
pub fn put(db: Db, sha256: &str, n: i64, bytes: &[u8]) -> StoreResult<()> {
    db.execute(
        "INSERT INTO file_parts (sha256, n, bytes) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        &[&sha256, &n, &bytes],
    )?;
    Ok(())
}

/// All parts are in.
pub fn complete(db: Db, sha256: &str) -> StoreResult<()> {
    db.execute(
        "UPDATE file_blobs SET complete = 1 WHERE sha256 = ?1",
        &[&sha256],
    )?;
    Ok(())
}

/// The size of the whole, when all of it is in.
pub fn size(db: Db, sha256: &str) -> StoreResult<Option<i64>> {
    db.value(
        "SELECT size FROM file_blobs WHERE sha256 = ?1 AND complete = 1",
        &[&sha256],
    )
}

/// Part `n` of the bytes.
pub fn part(db: Db, sha256: &str, n: i64) -> StoreResult<Option<Vec<u8>>> {
    db.value(
        "SELECT bytes FROM file_parts WHERE sha256 = ?1 AND n = ?2",
        &[&sha256, &n],
    )
}

/// Deletes the bytes no attachment names that nobody has used since
/// `touched_before` (an upload of the same bytes on another replica marks
/// them used before it records its attachment); how many went. Their
/// parts go with them.
pub fn prune(db: Db, touched_before: i64) -> StoreResult<u64> {
    db.execute(
        "DELETE FROM file_blobs b WHERE b.touched_at < ?1
           AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256)",
        &[&touched_before],
    )
}
