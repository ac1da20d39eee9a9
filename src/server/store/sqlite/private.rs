//! The database holds customers' conversations and channel credentials:
//! only the user the server runs as may read it. A folder created for it
//! is 0700; the database, its write-ahead log and shared-memory file 0600
//! (SQLite gives the log files the database file's mode).

use crate::server::store::{StoreError, StoreResult};
use std::path::Path;

/// Creates the database's folder (0700) and file (0600) if missing, and
/// takes group and world access off an existing database file.
pub fn prepare(path: &Path) -> StoreResult<()> {
    let fail = |what: &Path, e: std::io::Error| {
        StoreError::Internal(format!("cannot create {}: {e}", what.display()))
    };
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            crate::private_files::create_private_dir(dir).map_err(|e| fail(dir, e))?;
        }
    }
    if path.exists() {
        crate::private_files::make_private(path).map_err(|e| fail(path, e))?;
    } else {
        crate::private_files::create_private_file(path).map_err(|e| fail(path, e))?;
    }
    Ok(())
}

/// Takes group and world access off the log files an older version left
/// readable (new ones follow the database file's mode).
pub fn restrict_log_files(path: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = std::path::PathBuf::from(p);
        if p.exists() {
            if let Err(e) = crate::private_files::make_private(&p) {
                tracing::warn!("cannot restrict {}: {e}", p.display());
            }
        }
    }
}
