//! The server's own secret key, kept outside the database, and what it
//! protects: channel credentials are encrypted at rest with it (AES-256-GCM),
//! and the links platforms fetch our files by are signed with a key derived
//! from it. A stolen database file holds no usable access token.
//!
//! The key is 32 random bytes, from `CHATSMART_SECRET_KEY` (64 hex digits)
//! or else from a file beside the database (`<db>.key`, 0600), made on first
//! use. Each sealed value names the key it was sealed with (a key id), so a
//! rotation can be finished after a crash:
//!
//! - with the key file, `rotate` writes the new key to `<db>.key.new`,
//!   re-seals every credential under it, then renames it over `<db>.key`;
//!   opening a database with a `.key.new` beside it finishes that;
//! - with the variable, set the new key in `CHATSMART_SECRET_KEY` and the
//!   old one in `CHATSMART_OLD_SECRET_KEY`: what the old key sealed is
//!   re-sealed when the database is opened.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use rand::RngCore;
use std::path::{Path, PathBuf};

pub const KEY_VAR: &str = "CHATSMART_SECRET_KEY";
pub const OLD_KEY_VAR: &str = "CHATSMART_OLD_SECRET_KEY";
/// What a sealed value starts with.
const PREFIX: &str = "enc1:";

/// A 32-byte secret.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.id())
    }
}

impl Key {
    pub fn generate() -> Key {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Key(k)
    }

    /// 64 hex digits.
    pub fn parse(text: &str) -> Result<Key, String> {
        let bytes =
            hex::decode(text.trim()).map_err(|_| "a secret key is 64 hex digits".to_string())?;
        let k: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a secret key is 64 hex digits (32 bytes)".to_string())?;
        Ok(Key(k))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A short name for the key (not a secret): the first 8 hex digits of
    /// a hash of it.
    pub fn id(&self) -> String {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest([&b"chatsmart key id:"[..], &self.0].concat())[..4])
    }

    /// A key for one purpose, derived from this one (HMAC-SHA256).
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        m.update(purpose.as_bytes());
        m.finalize().into_bytes().into()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.derive("channel-credentials").into())
    }

    /// `text` encrypted: `enc1:<key id>:<base64 of nonce and ciphertext>`,
    /// bound to `context` (what it belongs to: a value moved to another
    /// row does not open).
    pub fn seal(&self, text: &str, context: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                aes_gcm::aead::Payload {
                    msg: text.as_bytes(),
                    aad: context,
                },
            )
            .expect("AES-GCM encrypts any length the database holds");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!(
            "{PREFIX}{}:{}",
            self.id(),
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    fn open(&self, b64: &str, context: &[u8]) -> Result<String, String> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| "a sealed value that does not read".to_string())?;
        if raw.len() < 12 + 16 {
            return Err("a sealed value too short to be one".into());
        }
        let (nonce, body) = raw.split_at(12);
        let plain = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| {
                "a sealed value that this key did not seal, or that was altered".to_string()
            })?;
        String::from_utf8(plain).map_err(|_| "a sealed value that is not text".into())
    }
}

/// The key in use, and any other key still able to open older values.
#[derive(Debug, Clone)]
pub struct Keys {
    pub current: Key,
    pub older: Vec<Key>,
}

/// What a stored value turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// Sealed with the current key.
    Current(String),
    /// Plain (from before encryption) or sealed with an older key: seal it
    /// again with the current one.
    Stale(String),
}

impl Opened {
    pub fn text(self) -> String {
        match self {
            Opened::Current(t) | Opened::Stale(t) => t,
        }
    }
}

impl Keys {
    pub fn seal(&self, text: &str, context: &[u8]) -> String {
        self.current.seal(text, context)
    }

    /// A stored value's text, sealed or (from before encryption) plain.
    pub fn open(&self, stored: &str, context: &[u8]) -> Result<Opened, String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(Opened::Stale(stored.to_string()));
        };
        let (id, b64) = rest
            .split_once(':')
            .ok_or_else(|| "a sealed value that does not read".to_string())?;
        if id == self.current.id() {
            return self.current.open(b64, context).map(Opened::Current);
        }
        match self.older.iter().find(|k| k.id() == id) {
            Some(k) => k.open(b64, context).map(Opened::Stale),
            None => Err(format!(
                "a credential sealed with key {id}, which this server does not have: set {KEY_VAR} (or restore the key file) to that key"
            )),
        }
    }

    /// The keys for the database at `db`: from the environment, or the
    /// key file beside it (made when missing), plus a half-done rotation's
    /// new key file.
    pub fn for_database(db: &Path) -> Result<(Keys, KeySource), String> {
        Self::for_database_with(db, || false)
    }

    /// [`for_database`](Self::for_database); `sealed_rows` says whether the
    /// database already holds sealed values, in which case a missing key is
    /// an error (a new one could not open them), never a new key.
    /// The keys in `CHATSMART_SECRET_KEY` (and the one it replaces, in
    /// `CHATSMART_OLD_SECRET_KEY`), when it is set.
    pub fn from_environment() -> Result<Option<Keys>, String> {
        let Ok(v) = std::env::var(KEY_VAR) else {
            return Ok(None);
        };
        if v.trim().is_empty() {
            return Ok(None);
        }
        let current = Key::parse(&v).map_err(|e| format!("{KEY_VAR}: {e}"))?;
        let mut older = Vec::new();
        if let Ok(old) = std::env::var(OLD_KEY_VAR) {
            if !old.trim().is_empty() {
                older.push(Key::parse(&old).map_err(|e| format!("{OLD_KEY_VAR}: {e}"))?);
            }
        }
        Ok(Some(Keys { current, older }))
    }

    pub fn for_database_with(
        db: &Path,
        sealed_rows: impl FnOnce() -> bool,
    ) -> Result<(Keys, KeySource), String> {
        if let Some(keys) = Keys::from_environment()? {
            return Ok((keys, KeySource::Environment));
        }
        let path = key_file(db);
        let next = new_key_file(db);
        let current = match std::fs::read_to_string(&path) {
            Ok(text) => Some(Key::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let pending = match std::fs::read_to_string(&next) {
            Ok(text) => Some(Key::parse(&text).map_err(|e| format!("{}: {e}", next.display()))?),
            Err(_) => None,
        };
        let keys = match (current, pending) {
            // A rotation was cut off: the new key is the one to use; the
            // old one still opens what was not sealed again yet.
            (Some(old), Some(new)) => Keys {
                current: new,
                older: vec![old],
            },
            (Some(k), None) | (None, Some(k)) => Keys {
                current: k,
                older: vec![],
            },
            (None, None) if sealed_rows() => {
                return Err(format!(
                    "the database's channel credentials are encrypted, but the key file {} is missing: restore it from the backup, or set {KEY_VAR}",
                    path.display()
                ))
            }
            (None, None) => {
                let k = Key::generate();
                write_key(&path, &k)?;
                Keys {
                    current: k,
                    older: vec![],
                }
            }
        };
        Ok((keys, KeySource::File(path)))
    }
}

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    File(PathBuf),
}

/// `<db>.key`
pub fn key_file(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}

/// `<db>.key.new`: a rotation's new key until it is finished.
pub fn new_key_file(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key.new");
    PathBuf::from(p)
}

/// `<db>.lock`: held by a running server; `rotate-key` needs it free.
pub fn lock_file(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Takes the database's lock (a server runs on it), or says who has it.
pub fn lock_database(db: &Path) -> Result<std::fs::File, String> {
    let path = lock_file(db);
    let file = crate::private_files::create_private_file(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "a chatsmart server is running on {} (it holds {}): stop it first",
            db.display(),
            path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// Makes a rename in `dir` durable (its entry is on disk).
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Writes a key file, 0600 from its first byte, whole or not at all.
pub fn write_key(path: &Path, key: &Key) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let write = || -> std::io::Result<()> {
        let mut f = crate::private_files::create_new_private_file(&tmp)?;
        f.write_all(key.to_hex().as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_dir(path.parent().unwrap_or(Path::new(".")));
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write the key file {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key() {
        let a = Key::generate();
        let b = Key::generate();
        let keys = Keys {
            current: a.clone(),
            older: vec![],
        };
        let sealed = keys.seal("{\"app_secret\":\"s3cret\"}", b"account 4");
        assert!(sealed.starts_with("enc1:"));
        assert!(!sealed.contains("s3cret"));
        assert_eq!(
            keys.open(&sealed, b"account 4"),
            Ok(Opened::Current("{\"app_secret\":\"s3cret\"}".into()))
        );
        // Moved to another account's row, it does not open.
        assert!(keys.open(&sealed, b"account 5").is_err());
        // Sealing twice gives two different values (a fresh nonce each).
        assert_ne!(keys.seal("x", b"c"), keys.seal("x", b"c"));
        // Another key cannot open it, and says which key it needs.
        let other = Keys {
            current: b.clone(),
            older: vec![],
        };
        assert!(other
            .open(&sealed, b"account 4")
            .unwrap_err()
            .contains(&a.id()));
        // After a rotation, the old key still opens it, as stale.
        let rotated = Keys {
            current: b,
            older: vec![a],
        };
        assert!(matches!(
            rotated.open(&sealed, b"account 4"),
            Ok(Opened::Stale(_))
        ));
        // Plain values from before encryption read as stale.
        assert_eq!(rotated.open("{}", b"x"), Ok(Opened::Stale("{}".into())));
        // A tampered value is refused.
        let mut bad = sealed.clone();
        bad.pop();
        bad.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.open(&bad, b"account 4").is_err());
    }

    #[test]
    fn keys_read_back_and_derive_apart() {
        let k = Key::generate();
        assert_eq!(Key::parse(&k.to_hex()).unwrap().to_hex(), k.to_hex());
        assert!(Key::parse("abc").is_err());
        assert_ne!(k.derive("media-links"), k.derive("channel-credentials"));
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_made_once_and_for_this_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("chat.db");
        let (first, source) = Keys::for_database(&db).unwrap();
        assert_eq!(source, KeySource::File(key_file(&db)));
        let mode = std::fs::metadata(key_file(&db))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let (again, _) = Keys::for_database(&db).unwrap();
        assert_eq!(first.current.to_hex(), again.current.to_hex());
    }
}
