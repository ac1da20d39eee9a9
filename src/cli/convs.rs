//! `chatsmart convs`, `chatsmart conv ID ...` and `chatsmart customers
//! search`: the inbox for scripts and one-offs, printed as a table, JSON
//! or CSV (see `output.rs`).

use super::output::{Output, Tabular};
use crate::client::Client;
use crate::protocol::*;
use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::io::Read;

#[derive(Debug, Args)]
pub struct ConvsArgs {
    /// open, pending, snoozed or resolved; several with commas: open,pending.
    #[arg(long)]
    pub status: Option<StatusSet>,
    /// none, low, medium, high or urgent.
    #[arg(long)]
    pub priority: Option<Priority>,
    /// messenger, whatsapp, line or wechat.
    #[arg(long)]
    pub channel: Option<ChannelKind>,
    /// Only this connected account's conversations (its id, as
    /// `chatsmart channel list` shows it).
    #[arg(long)]
    pub account: Option<ChannelAccountId>,
    /// Who answers: agent or bot.
    #[arg(long)]
    pub section: Option<Section>,
    /// me, unassigned or others.
    #[arg(long)]
    pub assignee: Option<AssigneeFilter>,
    /// Only customers with this tag (by name).
    #[arg(long)]
    pub tag: Option<String>,
    /// Customer names and message texts containing this.
    #[arg(long)]
    pub search: Option<String>,
    /// activity (newest first, the default), waiting (longest first) or priority.
    #[arg(long)]
    pub sort: Option<ListSort>,
    /// At most this many (every match when absent).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum ConvAction {
    /// The conversation and its latest messages (the default).
    Show {
        /// How many of the latest messages.
        #[arg(long, default_value_t = 20)]
        messages: u32,
    },
    /// Send a reply: the text, or standard input when it is absent or "-".
    Reply { text: Option<String> },
    /// Assign an agent (login, name or id; "me" for yourself).
    Assign { agent: String },
    /// Remove an assigned agent ("me" for yourself).
    Unassign { agent: String },
    /// Hand the conversation to the bot (on) or take it back (off).
    Bot { state: OnOff },
    /// Mark it resolved.
    Resolve,
    /// Open it again.
    Reopen,
    /// Mark it pending: waiting on the customer.
    Pending,
    /// Snooze it: "2h", "tonight", "tomorrow 09:00", "next week", or
    /// "reply" (until the customer writes).
    Snooze {
        #[arg(required = true, num_args = 1..)]
        when: Vec<String>,
    },
    /// Set the priority: none, low, medium, high or urgent.
    Priority { level: Priority },
    /// Tag the customer (the tag is made if it is new).
    Tag { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(time).unwrap_or_default()
}

impl Tabular for ConversationRow {
    fn headers() -> &'static [&'static str] {
        &[
            "id",
            "customer",
            "channel",
            "status",
            "priority",
            "assignees",
            "bot",
            "unread",
            "waiting_since",
            "last_activity",
            "last_message",
        ]
    }
    fn id(&self) -> String {
        self.conversation.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let c = &self.conversation;
        vec![
            c.id.to_string(),
            c.customer_name.clone(),
            c.channel.as_str().into(),
            match (c.status, c.snoozed_until) {
                (ConvStatus::Snoozed, Some(t)) => format!("snoozed until {}", time(t)),
                (s, _) => s.as_str().into(),
            },
            c.priority.as_str().into(),
            c.assignees
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if c.bot_active { "on" } else { "off" }.into(),
            self.unread.to_string(),
            opt_time(c.waiting_since),
            time(c.last_activity_at),
            c.last_message
                .as_ref()
                .map(|m| m.text.clone())
                .unwrap_or_default(),
        ]
    }
}

impl Tabular for Message {
    fn headers() -> &'static [&'static str] {
        &["id", "at", "from", "text"]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            time(self.created_at),
            match self.kind {
                MessageKind::Inbound => "customer".to_string(),
                MessageKind::Agent => self.author_name.clone().unwrap_or_else(|| "agent".into()),
                MessageKind::Bot => "bot".into(),
                MessageKind::System => "system".into(),
            },
            self.text.clone(),
        ]
    }
}

impl Tabular for Customer {
    fn headers() -> &'static [&'static str] {
        &[
            "id",
            "name",
            "channel",
            "channel_user_id",
            "email",
            "phone",
            "tags",
            "last_seen",
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.channel.as_str().into(),
            self.channel_user_id.clone(),
            self.email.clone().unwrap_or_default(),
            self.phone.clone().unwrap_or_default(),
            self.tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            time(self.last_seen),
        ]
    }
}

/// `conv ID show`: the conversation, then its latest messages.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    row: ConversationRow,
    messages: Vec<Message>,
}

async fn tag_id(client: &Client, name: &str) -> anyhow::Result<TagId> {
    client
        .tags()
        .await?
        .into_iter()
        .find(|t| t.tag.name.eq_ignore_ascii_case(name.trim()))
        .map(|t| t.tag.id)
        .with_context(|| format!("no tag named {name:?}"))
}

pub async fn list(client: Client, args: ConvsArgs, out: Output) -> anyhow::Result<()> {
    let tag = match &args.tag {
        Some(name) => Some(tag_id(&client, name).await?),
        None => None,
    };
    let want = args.limit.unwrap_or(usize::MAX);
    let mut q = ConversationQuery {
        channel: args.channel,
        channel_account: args.account,
        section: args.section,
        assignee: args.assignee,
        tag,
        status: args.status,
        priority: args.priority,
        sort: args.sort,
        q: args.search,
        cursor: None,
        limit: Some(want.min(500) as u32),
    };
    let mut rows = Vec::new();
    loop {
        let page = client.conversations(&q).await?;
        rows.extend(page.items);
        match page.next_cursor {
            Some(c) if rows.len() < want => q.cursor = Some(c),
            _ => break,
        }
    }
    rows.truncate(want);
    out.list(&rows)
}

/// An agent by "me", id, login or name, as the inbox's `:assign` reads it.
pub async fn find_agent(client: &Client, who: &str) -> anyhow::Result<Agent> {
    let agents = client.agents().await?;
    let me = if who.trim().eq_ignore_ascii_case("me") {
        Some(client.me().await?.agent.id)
    } else {
        None
    };
    let id =
        crate::tui::palette::typed::find_agent(&agents, who, me).map_err(|e| anyhow::anyhow!(e))?;
    match agents.into_iter().find(|a| a.id == id) {
        Some(a) => Ok(a),
        None => Ok(client.me().await?.agent),
    }
}

pub async fn act(
    client: Client,
    id: ConversationId,
    action: ConvAction,
    out: Output,
) -> anyhow::Result<()> {
    let status = |status, snooze_until| SetStatus {
        status,
        snooze_until,
    };
    let conv = match action {
        ConvAction::Show { messages } => {
            let row = client.conversation(id).await?;
            let page = client
                .messages(
                    id,
                    &MessagesQuery {
                        limit: Some(messages.clamp(1, 500)),
                        ..Default::default()
                    },
                )
                .await?;
            let shown = Shown {
                row,
                messages: page.items,
            };
            return match out.format {
                super::output::Format::Table if !out.quiet => {
                    out.one(&shown.row)?;
                    println!();
                    out.list(&shown.messages)
                }
                super::output::Format::Json if !out.quiet => {
                    println!("{}", serde_json::to_string_pretty(&shown)?);
                    Ok(())
                }
                _ => out.one(&shown.row),
            };
        }
        ConvAction::Reply { text } => {
            let text = match text.as_deref() {
                None | Some("-") => {
                    let mut s = String::new();
                    std::io::stdin()
                        .read_to_string(&mut s)
                        .context("reading the reply from standard input")?;
                    s
                }
                Some(t) => t.to_string(),
            };
            let text = text.trim_end_matches('\n').to_string();
            if text.trim().is_empty() {
                anyhow::bail!("the reply is empty");
            }
            let client_id = uuid::Uuid::new_v4().to_string();
            let m = client.send_message(id, &text, &client_id).await?;
            return out.one(&m);
        }
        ConvAction::Assign { agent } => {
            let a = find_agent(&client, &agent).await?;
            client.assign(id, a.id).await?
        }
        ConvAction::Unassign { agent } => {
            let a = find_agent(&client, &agent).await?;
            client.unassign(id, a.id).await?
        }
        ConvAction::Bot { state } => client.set_bot(id, state == OnOff::On).await?,
        ConvAction::Resolve => {
            client
                .set_status(id, &status(ConvStatus::Resolved, None))
                .await?
        }
        ConvAction::Reopen => {
            client
                .set_status(id, &status(ConvStatus::Open, None))
                .await?
        }
        ConvAction::Pending => {
            client
                .set_status(id, &status(ConvStatus::Pending, None))
                .await?
        }
        ConvAction::Snooze { when } => {
            let tz = *chrono::Local::now().offset();
            let until = crate::tui::when::snooze_until(&when.join(" "), Utc::now(), tz)
                .map_err(|e| anyhow::anyhow!(e))?;
            client
                .set_status(id, &status(ConvStatus::Snoozed, until))
                .await?
        }
        ConvAction::Priority { level } => client.set_priority(id, level).await?,
        ConvAction::Tag { name } => {
            let row = client.conversation(id).await?;
            client
                .tag_customer(
                    row.conversation.customer_id,
                    &TagCustomer {
                        tag_id: None,
                        name: Some(name),
                    },
                )
                .await?;
            client.conversation(id).await?.conversation
        }
    };
    // What it is now, as the list prints it.
    let row = client.conversation(conv.id).await?;
    out.one(&row)
}

pub async fn search_customers(
    client: Client,
    text: String,
    limit: u32,
    out: Output,
) -> anyhow::Result<()> {
    let found = client
        .search_customers(&CustomerQuery {
            q: text,
            limit: Some(limit),
        })
        .await?;
    out.list(&found)
}
