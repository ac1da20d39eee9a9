//! The bytes of attachments, content-addressed on disk: a file lives at
//! `files/ab/cd/<sha256>` under the server's data directory, so the same
//! bytes uploaded twice are stored once. Uploads stream into `files/tmp`
//! while they are hashed, and move into place once whole.
//!
//! Placing bytes (and recording them) and deleting unused bytes take one
//! lock, so an upload of the same bytes can never lose its file to a
//! deletion running beside it.
//!
//! On PostgreSQL the bytes are kept in the database as well (see
//! `store/data/file_bytes.rs`), so replicas share them: an upload is
//! written there before its record, and a replica missing a file's bytes
//! fetches them from there into its own folder, which then serves as a
//! cache.

use super::store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Writes the bytes at `path` into the database unless they are there
/// whole already, marking them used either way.
async fn share(store: &dyn Store, path: &Path, sha256: &str, size: u64) -> Result<(), StoreError> {
    let internal = |e: std::io::Error| StoreError::Internal(format!("sharing a file: {e}"));
    if store.hold_file_bytes(sha256.to_string(), size).await? {
        return Ok(());
    }
    let mut file = tokio::fs::File::open(path).await.map_err(internal)?;
    let mut part = 0u32;
    loop {
        let mut buf = Vec::with_capacity(crate::server::store::data::file_bytes::PART);
        (&mut file)
            .take(crate::server::store::data::file_bytes::PART as u64)
            .read_to_end(&mut buf)
            .await
            .map_err(internal)?;
        if buf.is_empty() {
            break;
        }
        store.put_file_bytes(sha256.to_string(), part, buf).await?;
        part += 1;
    }
    store.file_bytes_complete(sha256.to_string()).await
}

pub struct FileStore {
    root: PathBuf,
    lock: tokio::sync::Mutex<()>,
    /// The database that keeps the bytes too, for every replica.
    shared: Option<Arc<dyn Store>>,
}

/// Bytes kept in the database are deleted once no attachment names them
/// and nobody used them this long (a replica placing the same bytes marks
/// them used before it records its attachment).
pub const SHARED_GRACE_HOURS: i64 = 1;

/// An upload being written.
pub struct Incoming {
    file: Option<tokio::fs::File>,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

/// A whole upload, hashed, waiting in the temporary directory.
pub struct Received {
    tmp: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl FileStore {
    /// Files under `root` (created when needed).
    pub fn new(root: PathBuf) -> Self {
        FileStore {
            root,
            lock: tokio::sync::Mutex::new(()),
            shared: None,
        }
    }

    /// Keeps the bytes in `store` as well, when it keeps files' bytes
    /// (PostgreSQL, shared by replicas).
    pub fn shared_through(mut self, store: Arc<dyn Store>) -> Self {
        if store.keeps_file_bytes() {
            self.shared = Some(store);
        }
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// At start: deletes what uploads cut off by a crash or a kill left in
    /// `tmp` (no upload is running yet), and takes group and other access
    /// off the folder an older version created. Returns how many went.
    pub fn sweep_at_start(&self) -> usize {
        if self.root.exists() {
            if let Err(e) = crate::private_files::make_private(&self.root) {
                tracing::warn!("cannot restrict {}: {e}", self.root.display());
            }
        }
        let Ok(entries) = std::fs::read_dir(self.root.join("tmp")) else {
            return 0;
        };
        entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter(|e| std::fs::remove_file(e.path()).is_ok())
            .count()
    }

    /// Where the bytes with this hash live. `None` for anything that is not
    /// a SHA-256 in lower-case hex (the hash comes from the database, but a
    /// path is never built from anything unchecked).
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        super::store::data::file_bytes::on_disk(&self.root, sha256)
    }

    /// Starts writing an upload.
    pub async fn incoming(&self) -> std::io::Result<Incoming> {
        let dir = self.root.join("tmp");
        let path = dir.join(uuid::Uuid::new_v4().to_string());
        // Customers' files are for this user only: folders 0700, files 0600.
        let file = tokio::task::spawn_blocking({
            let path = path.clone();
            move || {
                crate::private_files::create_private_dir(&dir)?;
                crate::private_files::create_new_private_file(&path)
            }
        })
        .await
        .map_err(std::io::Error::other)??;
        let file = tokio::fs::File::from_std(file);
        Ok(Incoming {
            file: Some(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
        })
    }

    /// Moves a received upload into place (or drops it when the same bytes
    /// are already stored), then records it with `record`, all under the
    /// lock. If recording fails, bytes placed for it alone are removed.
    pub async fn keep<T, F, Fut>(&self, received: Received, record: F) -> Result<T, StoreError>
    where
        F: FnOnce(String, u64) -> Fut,
        Fut: std::future::Future<Output = Result<T, StoreError>>,
    {
        let internal = |e: std::io::Error| StoreError::Internal(format!("storing a file: {e}"));
        let _guard = self.lock.lock().await;
        let dest = self
            .path_of(&received.sha256)
            .ok_or_else(|| StoreError::Internal("a file hash was not hex".into()))?;
        let fresh = !tokio::fs::try_exists(&dest).await.map_err(internal)?;
        if fresh {
            if let Some(dir) = dest.parent() {
                let dir = dir.to_path_buf();
                tokio::task::spawn_blocking(move || crate::private_files::create_private_dir(&dir))
                    .await
                    .map_err(|e| internal(std::io::Error::other(e)))?
                    .map_err(internal)?;
            }
            tokio::fs::rename(&received.tmp, &dest)
                .await
                .map_err(internal)?;
        }
        let (sha, size) = (received.sha256.clone(), received.size);
        drop(received);
        if let Some(store) = &self.shared {
            if let Err(e) = share(store.as_ref(), &dest, &sha, size).await {
                if fresh {
                    let _ = tokio::fs::remove_file(&dest).await;
                }
                return Err(e);
            }
        }
        let out = record(sha, size).await;
        if out.is_err() && fresh {
            let _ = tokio::fs::remove_file(&dest).await;
        }
        out
    }

    /// Deletes the bytes with this hash if no attachment record names them.
    pub async fn delete_if_unused(
        &self,
        sha256: &str,
        store: &dyn Store,
    ) -> Result<bool, StoreError> {
        let _guard = self.lock.lock().await;
        if store.sha256_in_use(sha256).await? {
            return Ok(false);
        }

        let Some(path) = self.path_of(sha256) else {
            return Ok(false);
        };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::Internal(format!("deleting a file: {e}"))),
        }
    }

    /// The stored bytes, to stream.
    pub async fn open(&self, sha256: &str) -> std::io::Result<tokio::fs::File> {
        let path = self
            .local(sha256)
            .await?
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such bytes"))?;
        tokio::fs::File::open(path).await
    }

    /// Where the bytes are on this machine, fetched from the database
    /// first when another replica stored them; `None` when nobody has.
    pub async fn local(&self, sha256: &str) -> std::io::Result<Option<PathBuf>> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(None);
        };
        if tokio::fs::try_exists(&path).await? {
            return Ok(Some(path));
        }
        let Some(store) = &self.shared else {
            return Ok(None);
        };
        let io = |e: StoreError| std::io::Error::other(e.to_string());
        let Some(size) = store
            .file_bytes_size(sha256.to_string())
            .await
            .map_err(io)?
        else {
            return Ok(None);
        };
        let mut incoming = self.incoming().await?;
        let mut part = 0u32;
        while incoming.size() < size {
            let bytes = store
                .file_bytes_part(sha256.to_string(), part)
                .await
                .map_err(io)?
                .ok_or_else(|| {
                    std::io::Error::other(format!("part {part} of {sha256} is missing"))
                })?;
            if bytes.is_empty() {
                return Err(std::io::Error::other(format!(
                    "part {part} of {sha256} is empty"
                )));
            }
            incoming.write(&bytes).await?;
            part += 1;
        }
        let received = incoming.finish().await?;
        if received.sha256 != sha256 || received.size != size {
            return Err(std::io::Error::other(format!(
                "the bytes kept for {sha256} do not match their hash"
            )));
        }
        let _guard = self.lock.lock().await;
        if !tokio::fs::try_exists(&path).await? {
            if let Some(dir) = path.parent() {
                let dir = dir.to_path_buf();
                tokio::task::spawn_blocking(move || crate::private_files::create_private_dir(&dir))
                    .await
                    .map_err(std::io::Error::other)??;
            }
            tokio::fs::rename(&received.tmp, &path).await?;
        }
        Ok(Some(path))
    }
}

impl Incoming {
    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        if self.head.len() < crate::protocol::SNIFF_BYTES {
            let need = crate::protocol::SNIFF_BYTES - self.head.len();
            self.head.extend_from_slice(&chunk[..chunk.len().min(need)]);
        }
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        if let Some(f) = self.file.as_mut() {
            f.write_all(chunk).await?;
        }
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes, for [`crate::protocol::sniff`].
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Flushes the upload to disk and names it by its hash.
    pub async fn finish(mut self) -> std::io::Result<Received> {
        if let Some(mut f) = self.file.take() {
            f.flush().await?;
            f.sync_all().await?;
        }
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        Ok(Received {
            tmp: std::mem::take(&mut self.path),
            sha256,
            size: self.size,
        })
    }
}

impl Drop for Incoming {
    /// An upload abandoned half-way leaves nothing behind.
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Drop for Received {
    /// A received upload that was not placed (or was a duplicate) goes.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}
