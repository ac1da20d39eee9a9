//! Where chatsmart keeps things, and the client's settings.
//!
//! Precedence: built-in defaults < the config file < `CHATSMART_*`
//! environment variables < command-line flags.

use directories::ProjectDirs;
use serde::Deserialize;
use std::path::PathBuf;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "chatsmart")
}

/// The server's default database: `$XDG_DATA_HOME/chatsmart/chatsmart.db`.
pub fn default_db_path() -> PathBuf {
    dirs()
        .map(|d| d.data_dir().join("chatsmart.db"))
        .unwrap_or_else(|| PathBuf::from("chatsmart.db"))
}

/// `$XDG_CONFIG_HOME/chatsmart/config.toml`
pub fn config_file() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().join("config.toml"))
}

/// `$XDG_STATE_HOME/chatsmart` (logs).
pub fn state_dir() -> PathBuf {
    dirs()
        .and_then(|d| d.state_dir().map(|p| p.to_path_buf()))
        .or_else(|| dirs().map(|d| d.data_local_dir().to_path_buf()))
        .unwrap_or_else(std::env::temp_dir)
}

/// The client settings in the config file. Every field may be left out.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub server: Option<String>,
    pub token: Option<String>,
    /// A file holding the token (what `chatsmart login` writes).
    pub token_file: Option<PathBuf>,
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
        match &self.token_file {
            Some(p) => {
                let t = std::fs::read_to_string(p).map_err(|e| {
                    anyhow::anyhow!("cannot read the token file {}: {e}", p.display())
                })?;
                Ok(Some(t.trim().to_string()).filter(|t| !t.is_empty()))
            }
            None => Ok(None),
        }
    }
}
