//! `chatsmart bot check FLOW`: reads a bot flow file as the server would,
//! says what is wrong and where, and shows what the bot would answer to
//! sample messages, without a server.

use crate::server::bot::{Flow, Step, Turn};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum BotCommand {
    /// Check a flow file; with --say, show the bot's answers to messages.
    Check {
        /// The flow file (TOML); bots/default.toml is the built-in one.
        file: PathBuf,
        /// A customer message to answer (repeat: a conversation, in order).
        #[arg(long, value_name = "TEXT")]
        say: Vec<String>,
        /// When the messages are sent (RFC 3339, e.g.
        /// 2026-11-30T10:00:00+08:00), for business hours; default now.
        #[arg(long)]
        at: Option<String>,
    },
}

pub fn run(cmd: BotCommand) -> anyhow::Result<()> {
    match cmd {
        BotCommand::Check { file, say, at } => {
            let flow = Flow::load(&file).map_err(anyhow::Error::msg)?;
            let now = match at {
                Some(s) => DateTime::parse_from_rfc3339(&s)
                    .map_err(|e| anyhow::anyhow!("--at {s:?}: {e}"))?
                    .to_utc(),
                None => Utc::now(),
            };
            println!("{}: the flow is valid", file.display());
            for line in flow.summary() {
                println!("  {line}");
            }
            for line in conversation(&flow, &say, now) {
                println!("{line}");
            }
            Ok(())
        }
    }
}

/// The messages and the bot's answers, as a transcript.
pub fn conversation(flow: &Flow, said: &[String], now: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    let mut misses = 0;
    let mut last_bot: Option<String> = None;
    for (i, text) in said.iter().enumerate() {
        out.push(String::new());
        out.push(format!("customer: {text}"));
        let steps = flow.respond(&Turn {
            text,
            payload: None,
            customer_name: "Customer",
            first: i == 0,
            now,
            misses,
            last_bot: last_bot.as_deref(),
        });
        let mut missed = false;
        for step in &steps {
            match step {
                Step::Say(t) => {
                    missed |= flow.fallback().is_some_and(|f| t.starts_with(f));
                    for (n, line) in t.lines().enumerate() {
                        let lead = if n == 0 { "bot: " } else { "     " };
                        out.push(format!("{lead}{line}").trim_end().to_string());
                    }
                    last_bot = Some(t.clone());
                }
                Step::SayStandard { folder, index } => out.push(format!(
                    "bot: (standard message {index} of folder \"{folder}\")"
                )),
                Step::HandOver(why) => {
                    out.push(format!("(handed to the agents: {why})"));
                    return out;
                }
            }
        }
        if steps.is_empty() {
            out.push("(the bot says nothing)".into());
        }
        misses = if missed { misses + 1 } else { 0 };
    }
    out
}
