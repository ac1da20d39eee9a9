//! `chatsmart channel`: the platform accounts on a server (admin): add one
//! with its credentials, list them (never their secrets), remove one.

use super::output::{Output, Tabular};
use crate::client::Client;
use crate::protocol::*;
use crate::server::store::Database;
use clap::Subcommand;
use std::collections::BTreeMap;
use std::io::BufRead;

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Every channel account (the default); credentials are named, never shown.
    List,
    /// Connect a platform account; prints its id and webhook path.
    Add {
        /// messenger, whatsapp, line or wechat.
        #[arg(long)]
        kind: ChannelKind,
        /// The name agents see, for example "LINE @lumen".
        #[arg(long)]
        name: String,
        /// A credential as KEY=VALUE (repeat). messenger: app_secret,
        /// verify_token, page_access_token, page_id; whatsapp: app_secret,
        /// verify_token, access_token, phone_number_id; line: channel_secret,
        /// channel_access_token; wechat: app_id, app_secret, token.
        #[arg(long = "credential", value_name = "KEY=VALUE")]
        credentials: Vec<String>,
        /// Read KEY=VALUE lines from standard input (keeps secrets out of
        /// the shell's history).
        #[arg(long)]
        credentials_stdin: bool,
    },
    /// Rename an account or change its credentials (rotate a token, add
    /// WeChat's encoding_aes_key); its webhook path stays.
    Update {
        id: ChannelAccountId,
        #[arg(long)]
        name: Option<String>,
        /// A credential to set, as KEY=VALUE (repeat); the others are kept.
        /// An empty value removes an optional key.
        #[arg(long = "credential", value_name = "KEY=VALUE")]
        credentials: Vec<String>,
        /// Read KEY=VALUE lines from standard input.
        #[arg(long)]
        credentials_stdin: bool,
    },
    /// Stop a channel account taking webhooks; its conversations stay.
    Remove { id: ChannelAccountId },
    /// Encrypt every account's credentials under a new server key (kept in
    /// the key file beside the database), on the database directly. Stop
    /// the server first. Links already sent to LINE stop working.
    #[command(name = "rotate-key")]
    RotateKey {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
    },
}

impl Tabular for ChannelAccount {
    fn headers() -> &'static [&'static str] {
        &["id", "kind", "name", "webhook", "credentials"]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.kind.as_str().into(),
            crate::sanitize::line(&self.name),
            match &self.webhook_path {
                Some(p) => p.clone(),
                None => "(API inbound route)".into(),
            },
            self.credential_keys.join(", "),
        ]
    }
}

impl Tabular for ChannelCreated {
    fn headers() -> &'static [&'static str] {
        &["id", "kind", "name", "webhook"]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.kind.as_str().into(),
            crate::sanitize::line(&self.name),
            self.webhook_path.clone(),
        ]
    }
}

/// KEY=VALUE pairs; blank lines and `#` comments skipped.
fn parse_pairs<'a>(
    lines: impl Iterator<Item = &'a str>,
    out: &mut BTreeMap<String, String>,
) -> anyhow::Result<()> {
    for line in lines {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            anyhow::bail!(
                "expected KEY=VALUE, got a line without '=' (starting {:?})",
                line.chars().take(12).collect::<String>()
            );
        };
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(())
}

/// Credentials from flags and, when asked, standard input.
fn read_credentials(flags: &[String], stdin: bool) -> anyhow::Result<BTreeMap<String, String>> {
    let mut creds = BTreeMap::new();
    parse_pairs(flags.iter().map(String::as_str), &mut creds)?;
    if stdin {
        let lines: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
        parse_pairs(lines.iter().map(String::as_str), &mut creds)?;
    }
    Ok(creds)
}

pub async fn run(client: Client, cmd: ChannelCommand, out: Output) -> anyhow::Result<()> {
    match cmd {
        ChannelCommand::List => out.list(&client.channels().await?),
        ChannelCommand::Update {
            id,
            name,
            credentials,
            credentials_stdin,
        } => {
            let creds = read_credentials(&credentials, credentials_stdin)?;
            if name.is_none() && creds.is_empty() {
                anyhow::bail!("nothing to change: give --name or --credential");
            }
            let account = client
                .update_channel(
                    id,
                    &ChannelPatch {
                        name,
                        credentials: creds,
                    },
                )
                .await?;
            out.one(&account)
        }
        ChannelCommand::Add {
            kind,
            name,
            credentials,
            credentials_stdin,
        } => {
            let creds = read_credentials(&credentials, credentials_stdin)?;
            // Checked here too, so a mistake is named before anything is sent.
            check_credentials(kind, &creds).map_err(|e| anyhow::anyhow!(e))?;
            let created = client
                .create_channel(&NewChannel {
                    kind,
                    name,
                    credentials: creds,
                })
                .await?;
            out.one(&created)
        }
        ChannelCommand::RotateKey { .. } => {
            anyhow::bail!("rotate-key works on the database, not through a server")
        }
        ChannelCommand::Remove { id } => {
            client.remove_channel(id).await?;
            if !out.quiet {
                eprintln!("channel {id} removed; its conversations stay");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_parse_and_name_a_bad_line() {
        let mut m = BTreeMap::new();
        parse_pairs(["a=1", " # note", "", "b = two=2 "].into_iter(), &mut m).unwrap();
        assert_eq!(m["a"], "1");
        assert_eq!(m["b"], "two=2");
        assert!(parse_pairs(["oops"].into_iter(), &mut m).is_err());
    }
}
