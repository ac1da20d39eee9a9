//! `chatsmart broadcast` and `chatsmart broadcasts`: send to a tag, review, cancel.

use super::*;
use crate::protocol::*;

pub async fn run_broadcast(
    client: Client,
    tag: String,
    channels: Vec<String>,
    at: Option<String>,
    yes: bool,
    text: String,
) -> anyhow::Result<()> {
    use crate::protocol::*;
    use std::io::IsTerminal;
    let tags = client.tags().await?;
    let tag = tags
        .iter()
        .find(|t| t.tag.name.eq_ignore_ascii_case(tag.trim()))
        .with_context(|| format!("no tag named {tag:?}"))?;
    let channels = channels
        .iter()
        .map(|c| c.parse::<ChannelKind>().map_err(|e| anyhow::anyhow!(e)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let send_at = match at {
        Some(w) => Some(
            crate::tui::when::parse(&w, chrono::Utc::now(), *chrono::Local::now().offset())
                .map_err(|e| anyhow::anyhow!(e))?,
        ),
        None => None,
    };
    let n = client
        .broadcast_preview(&BroadcastAudience {
            tag_id: tag.tag.id,
            channels: channels.clone(),
        })
        .await?
        .recipients;
    let when = send_at
        .map(|t| crate::tui::when::describe(t, *chrono::Local::now().offset()))
        .unwrap_or_else(|| "now".into());
    println!(
        "This reaches {n} conversation{} with #{}; sending {when}.",
        if n == 1 { "" } else { "s" },
        tag.tag.name
    );
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("not confirmed: add --yes to send without asking");
        }
        eprint!("Send it? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            anyhow::bail!("not sent");
        }
    }
    let mut b = client
        .broadcast(&NewBroadcast {
            tag_id: tag.tag.id,
            channels,
            text,
            send_at,
        })
        .await?;
    if b.status == BroadcastStatus::Scheduled && send_at.is_some() {
        println!("broadcast {} scheduled", b.id);
        return Ok(());
    }
    while matches!(
        b.status,
        BroadcastStatus::Scheduled | BroadcastStatus::Running
    ) {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        b = client.get_broadcast(b.id).await?;
        eprint!("\rsent {} of {}, failed {}   ", b.sent, b.total, b.failed);
    }
    eprintln!();
    println!("broadcast {}: {} sent, {} failed", b.id, b.sent, b.failed);
    if b.failed > 0 {
        anyhow::bail!("{} messages failed", b.failed);
    }
    Ok(())
}

impl output::Tabular for Broadcast {
    fn headers() -> &'static [&'static str] {
        &[
            "id", "tag", "channels", "status", "total", "sent", "failed", "send_at", "by", "text",
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.tag.name.clone(),
            if self.channels.is_empty() {
                "all".into()
            } else {
                self.channels
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            },
            self.status.label().into(),
            self.total.to_string(),
            self.sent.to_string(),
            self.failed.to_string(),
            self.send_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.created_by.name.clone(),
            self.text.clone(),
        ]
    }
}

pub async fn run_broadcasts(
    client: Client,
    cmd: BroadcastsCommand,
    out: output::Output,
) -> anyhow::Result<()> {
    match cmd {
        BroadcastsCommand::List => out.list(&client.broadcasts().await?),
        BroadcastsCommand::Show { id } => out.one(&client.get_broadcast(id).await?),
        BroadcastsCommand::Cancel { id } => {
            let b = client.cancel_broadcast(id).await?;
            eprintln!(
                "cancelled broadcast {} to #{} after {} of {} sent",
                b.id, b.tag.name, b.sent, b.total
            );
            out.one(&b)
        }
    }
}
