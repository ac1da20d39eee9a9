//! What the inbox keeps on disk between sessions (the drafts, where the
//! agent was): one file per kind and server under the state folder, each
//! written whole or not at all and readable only by this user, by a thread
//! of its own so the screen never waits on the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `$XDG_STATE_HOME/chatsmart/<kind>/<server>.json`: named by a digest of
/// the server's address.
pub fn path(kind: &str, server: &str) -> PathBuf {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(server.trim_end_matches('/').as_bytes());
    let name = hex::encode(&digest[..8]);
    crate::dirs::state_dir()
        .join(kind)
        .join(format!("{name}.json"))
}

/// Writes `bytes` whole or not at all, readable only by this user.
pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        crate::private_files::create_private_dir(dir)?;
    }
    // The temporary file beside it is created 0600, then renamed into place.
    crate::config::write_atomic(path, bytes)?;
    crate::private_files::make_private(path)?;
    Ok(())
}

/// Reads a kept file: none when there is none; a file that cannot be read
/// is set aside (never overwritten unread) and the reason returned.
pub fn read<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<Option<T>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {what} {}: {e}", path.display())),
    };
    match serde_json::from_str(&text) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let aside = path.with_extension("json.unreadable");
            let _ = std::fs::rename(path, &aside);
            Err(format!(
                "{what} could not be read ({e}); the file is kept as {}",
                aside.display()
            ))
        }
    }
}

/// The writer: the latest bytes for each path win (older ones still
/// waiting are skipped). Dropping the sender ends it; join it before
/// writing a last word.
pub fn spawn_writer() -> (
    std::sync::mpsc::Sender<(PathBuf, Vec<u8>)>,
    std::thread::JoinHandle<()>,
) {
    let (tx, rx) = std::sync::mpsc::channel::<(PathBuf, Vec<u8>)>();
    let handle = std::thread::spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut latest: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
            latest.insert(first.0, first.1);
            while let Ok((path, bytes)) = rx.try_recv() {
                latest.insert(path, bytes);
            }
            for (path, bytes) in latest {
                if let Err(e) = write(&path, &bytes) {
                    tracing::warn!("cannot keep {}: {e:#}", path.display());
                }
            }
        }
    });
    (tx, handle)
}
