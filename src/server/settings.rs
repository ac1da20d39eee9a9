//! The server's config file: `serve --config FILE`, or
//! `$XDG_CONFIG_HOME/chatsmart/server.toml` when it exists.
//!
//! ```toml
//! bot = "bots/ours.toml"          # the bot's flow (relative to this file)
//! public_url = "https://chat.example.com"  # for files sent to LINE
//! durability = "full"             # or "normal" (see docs/security.md)
//! standard_messages = "everyone"  # or "admins": who changes standard messages
//! [api]                           # where the platforms' APIs are
//! meta = "https://graph.facebook.com"
//! line = "https://api.line.me"
//! line_data = "https://api-data.line.me"
//! wechat = "https://api.weixin.qq.com"
//! [security]
//! token_idle_days = 30            # unused tokens stop working
//! trusted_proxies = ["127.0.0.1"] # whose X-Forwarded-For is believed
//! streams_per_agent = 8           # event streams open at once per agent
//! upload_quota = "2GB"            # what each agent may upload a day
//! ```
//!
//! Precedence: built-in defaults < this file < `CHATSMART_*_API_BASE`
//! environment variables < command-line flags.

use super::channels::ApiBases;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// The bot's flow file.
    pub bot: Option<PathBuf>,
    /// Where the server is reachable from the internet (https://…), for
    /// platforms that take files only by link (LINE).
    pub public_url: Option<String>,
    #[serde(default)]
    pub api: ApiBases,
    /// "full" (the default: every acknowledged write is on disk) or
    /// "normal" (faster; the last writes may be lost to a power cut).
    pub durability: Option<super::store::Durability>,
    #[serde(default)]
    pub security: SecurityFile,
    /// Who may change standard messages: "everyone" (the default: agents
    /// keep folders for themselves and their teams) or "admins".
    pub standard_messages: Option<crate::protocol::StandardEditing>,
}

/// `[security]` in server.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityFile {
    /// A token unused this many days stops working (30).
    pub token_idle_days: Option<u32>,
    /// Proxies in front of the server whose X-Forwarded-For is believed.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Event streams one agent may hold open at once (8).
    pub streams_per_agent: Option<usize>,
    /// What each agent may upload in 24 hours ("2GB").
    pub upload_quota: Option<String>,
}

/// `$XDG_CONFIG_HOME/chatsmart/server.toml`
pub fn default_path() -> Option<PathBuf> {
    crate::dirs::server_file()
}

/// Reads `path` (which must exist), or the default file if there is one.
pub fn load(path: Option<&Path>) -> anyhow::Result<ServerFile> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => match default_path().filter(|p| p.exists()) {
            Some(p) => p,
            None => return Ok(ServerFile::default()),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read the server config {}: {e}", path.display()))?;
    parse(&text, path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| anyhow::anyhow!("the server config {}: {e}", path.display()))
}

/// Parses a config file's text; a relative `bot` path is taken from `dir`.
pub fn parse(text: &str, dir: &Path) -> Result<ServerFile, String> {
    let mut f: ServerFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if let Some(bot) = &f.bot {
        if bot.is_relative() {
            f.bot = Some(dir.join(bot));
        }
    }
    f.api = f.api.trimmed();
    if let Some(u) = &f.public_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(format!("public_url {u:?} is not an http(s) address"));
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bot_and_the_api_bases() {
        let f = parse(
            "bot = \"flows/ours.toml\"\n[api]\nline = \"http://127.0.0.1:8080/\"\n",
            Path::new("/etc/chatsmart"),
        )
        .unwrap();
        assert_eq!(f.bot.unwrap(), Path::new("/etc/chatsmart/flows/ours.toml"));
        assert_eq!(f.api.line, "http://127.0.0.1:8080");
        assert_eq!(f.api.meta, ApiBases::default().meta);
        let e = parse("[api]\nfacebook = \"x\"\n", Path::new(".")).unwrap_err();
        assert!(e.contains("facebook"), "{e}");
    }
}
