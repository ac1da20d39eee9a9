//! The client's settings (config.toml) and its saved sign-in.
//!
//! Precedence: built-in defaults < the config file < `CHATSMART_*`
//! environment variables < command-line flags.

use crate::dirs::config_file;
use serde::Deserialize;
use std::path::PathBuf;

/// A TOML file's parse error as `file:line: message` (keymaps, themes,
/// macros: one shape for every file the agent edits by hand).
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|s| {
            let end = s.start.min(text.len());
            // A span always starts on a character; be safe anyway.
            let before = text.get(..end).unwrap_or(text);
            before.lines().count().max(1)
        })
        .unwrap_or(0);
    format!("{file}:{line}: {}", e.message())
}

/// What a kind of notification does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Alert {
    Off,
    Bell,
    Desktop,
    /// The bell and a desktop notification.
    #[default]
    Both,
}

/// `[notify]` in config.toml, for example `bot_handoff = "bell"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    pub new_request: Alert,
    pub bot_handoff: Alert,
    pub assigned_message: Alert,
    pub snooze_ended: Alert,
}

/// The client settings in the config file. Every field may be left out.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub server: Option<String>,
    pub token: Option<String>,
    /// A file holding the token (what `chatsmart login` writes when there
    /// is no system keyring).
    pub token_file: Option<PathBuf>,
    /// "keyring": `chatsmart login` kept the token in the system keyring,
    /// under the service "chatsmart" and the server's URL.
    pub token_store: Option<String>,
    /// Keymap preset: "default" (vim-flavoured) or "emacs".
    pub keymap: Option<String>,
    /// Theme: "dark", "light" or "high-contrast".
    pub theme: Option<String>,
    /// Whether Enter sends a reply (true, the default) or starts a new line.
    pub enter_sends: Option<bool>,
    /// `[notify]`: per kind, "off", "bell", "desktop" or "both".
    pub notify: Option<NotifyConfig>,
    /// Where files are saved when they cannot be opened here (over SSH,
    /// or without a display); `~` is the home directory. Default: the
    /// system's download folder.
    pub download_dir: Option<String>,
    /// Inline image previews: "auto" (the default: the graphics protocol
    /// the environment names, else half-blocks), "query" (ask the terminal,
    /// which can take up to two seconds at start), "kitty", "sixel",
    /// "iterm2", "halfblocks" or "off".
    pub images: Option<String>,
    /// Drafts untouched this many days are dropped at start (30).
    pub keep_drafts_days: Option<u32>,
}

impl ClientConfig {
    /// Reads the config file; a missing file is the defaults, a broken one
    /// is an error that names the file and the line.
    pub fn load() -> anyhow::Result<Self> {
        let Some(path) = config_file() else {
            return Ok(Self::default());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// The token, from the config or the token file it names.
    pub fn resolved_token(&self) -> anyhow::Result<Option<String>> {
        if let Some(t) = &self.token {
            return Ok(Some(t.clone()));
        }
        if let Some(p) = &self.token_file {
            let t = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read the token file {}: {e}", p.display()))?;
            return Ok(Some(t.trim().to_string()).filter(|t| !t.is_empty()));
        }
        match (&self.token_store, &self.server) {
            (Some(store), Some(server)) if store == "keyring" => keyring_get(server)
                .map(Some)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot read the token from the system keyring ({e}); sign in again with chatsmart login"
                    )
                }),
            _ => Ok(None),
        }
    }
}

const KEYRING_SERVICE: &str = "chatsmart";

/// Whether to try the system keyring: not when CHATSMART_NO_KEYRING is set
/// (tests, or machines whose keyring prompts get in the way).
fn keyring_wanted() -> bool {
    std::env::var_os("CHATSMART_NO_KEYRING").is_none()
}

fn keyring_get(server: &str) -> Result<String, keyring::Error> {
    keyring::Entry::new(KEYRING_SERVICE, server)?.get_password()
}

/// Keeps the token in the system keyring and reads it back; any failure
/// (no keyring service, locked, refused) means "use the file instead".
fn keyring_put(server: &str, token: &str) -> Result<(), keyring::Error> {
    let entry = keyring::Entry::new(KEYRING_SERVICE, server)?;
    entry.set_password(token)?;
    if entry.get_password()? != token {
        return Err(keyring::Error::NoEntry);
    }
    Ok(())
}

/// Where `chatsmart login` kept the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStore {
    Keyring,
    File(PathBuf),
}

/// Stores a token for `server`: in the system keyring where there is one,
/// otherwise in a file only the user can read; the server (and the file's
/// path) go in the config file, whose other settings are kept. Call it
/// outside an async runtime (the keyring blocks).
pub fn save_login(server: &str, token: &str) -> anyhow::Result<TokenStore> {
    let path =
        config_file().ok_or_else(|| anyhow::anyhow!("no home directory to keep the config in"))?;
    let dir = path
        .parent()
        .expect("the config file is in a directory")
        .to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let token_path = dir.join("token");
    let store = if keyring_wanted() && keyring_put(server, token).is_ok() {
        // A token file from an earlier login would shadow the keyring.
        let _ = std::fs::remove_file(&token_path);
        TokenStore::Keyring
    } else {
        write_private(&token_path, token)?;
        TokenStore::File(token_path.clone())
    };
    let mut table: toml::Table = match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        Err(_) => toml::Table::new(),
    };
    table.insert("server".into(), toml::Value::String(server.to_string()));
    table.remove("token");
    table.remove("token_file");
    table.remove("token_store");
    match &store {
        TokenStore::Keyring => {
            table.insert("token_store".into(), toml::Value::String("keyring".into()));
        }
        TokenStore::File(p) => {
            table.insert(
                "token_file".into(),
                toml::Value::String(p.display().to_string()),
            );
        }
    }
    write_atomic(&path, toml::to_string(&table)?.as_bytes())?;
    Ok(store)
}

/// Forgets the token `chatsmart login` kept (the keyring entry or the
/// token file, and their lines in the config file); the server stays.
/// Returns whether there was one. Call it outside an async runtime.
pub fn forget_login() -> anyhow::Result<bool> {
    let Some(path) = config_file() else {
        return Ok(false);
    };
    let mut table: toml::Table = match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        Err(_) => return Ok(false),
    };
    let mut forgot = false;
    if let Some(file) = table.remove("token_file") {
        if let Some(p) = file.as_str() {
            forgot |= std::fs::remove_file(p).is_ok();
        }
    }
    if table.remove("token_store").is_some() {
        if let Some(server) = table.get("server").and_then(|s| s.as_str()) {
            if keyring_wanted() {
                if let Ok(entry) = keyring::Entry::new(KEYRING_SERVICE, server) {
                    forgot |= entry.delete_credential().is_ok();
                }
            }
        }
    }
    forgot |= table.remove("token").is_some();
    write_atomic(&path, toml::to_string(&table)?.as_bytes())?;
    Ok(forgot)
}

fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = crate::private_files::create_private_file(path)?;
    f.set_len(0)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// Writes a file whole or not at all: a temporary file beside it, renamed
/// into place.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}
