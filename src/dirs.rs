//! Where chatsmart keeps things on this machine (the XDG directories, or
//! the platform's own): below both the client and the server, so either
//! finds its files without reaching into the other.

use directories::ProjectDirs;
use std::path::PathBuf;

fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "chatsmart")
}

/// `$XDG_CONFIG_HOME/chatsmart`: config.toml, server.toml, keymap.toml,
/// theme.toml, macros.toml.
pub fn config_dir() -> Option<PathBuf> {
    project().map(|d| d.config_dir().to_path_buf())
}

/// `$XDG_CONFIG_HOME/chatsmart/config.toml`: the client's settings.
pub fn config_file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// `$XDG_CONFIG_HOME/chatsmart/server.toml`: the server's settings.
pub fn server_file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("server.toml"))
}

/// `$XDG_CONFIG_HOME/chatsmart/macros.toml`: the agent's macros.
pub fn macros_file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("macros.toml"))
}

/// The server's default database: `$XDG_DATA_HOME/chatsmart/chatsmart.db`.
pub fn default_db_path() -> PathBuf {
    project()
        .map(|d| d.data_dir().join("chatsmart.db"))
        .unwrap_or_else(|| PathBuf::from("chatsmart.db"))
}

/// `$XDG_STATE_HOME/chatsmart`: logs, drafts, the palette's history.
pub fn state_dir() -> PathBuf {
    project()
        .and_then(|d| d.state_dir().map(std::path::Path::to_path_buf))
        .or_else(|| project().map(|d| d.data_local_dir().to_path_buf()))
        .unwrap_or_else(std::env::temp_dir)
}

/// `$XDG_CACHE_HOME/chatsmart/files`: customers' files fetched to open.
pub fn files_cache_dir() -> PathBuf {
    project()
        .map(|d| d.cache_dir().join("files"))
        .unwrap_or_else(|| std::env::temp_dir().join("chatsmart-files"))
}
