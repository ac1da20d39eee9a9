//! `chatsmart macros`: the shared macros on the server (list, push from a
//! TOML file, delete), and the personal ones in the config directory.

use super::output::{Output, Tabular};
use crate::client::Client;
use crate::protocol::*;
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum MacrosCommand {
    /// Every macro: shared ones from the server and your own (the default).
    List,
    /// Share the macros of a TOML file (your macros.toml when absent) with
    /// everyone (admin); same-named shared ones are replaced.
    Push { file: Option<PathBuf> },
    /// Stop sharing a macro (admin).
    Delete { name: String },
}

#[derive(Serialize)]
struct Row {
    name: String,
    source: &'static str,
    steps: Vec<MacroStep>,
}

impl Tabular for Row {
    fn headers() -> &'static [&'static str] {
        &["name", "source", "steps"]
    }
    fn id(&self) -> String {
        self.name.clone()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.source.into(),
            self.steps
                .iter()
                .map(super::super::protocol::macros::MacroStep::describe)
                .collect::<Vec<_>>()
                .join("; "),
        ]
    }
}

fn personal_file() -> Option<PathBuf> {
    crate::dirs::macros_file()
}

pub async fn run(client: Client, cmd: MacrosCommand, out: Output) -> anyhow::Result<()> {
    match cmd {
        MacrosCommand::List => {
            let (personal, problems) = crate::tui::macros::load_personal();
            for p in problems {
                eprintln!("warning: {p}");
            }
            let mut rows: Vec<Row> = personal
                .into_iter()
                .map(|m| Row {
                    name: m.name,
                    source: "personal",
                    steps: m.steps,
                })
                .collect();
            rows.extend(client.macros().await?.into_iter().map(|m| Row {
                name: m.name,
                source: "shared",
                steps: m.steps,
            }));
            out.list(&rows)
        }
        MacrosCommand::Push { file } => {
            let path = file
                .or_else(personal_file)
                .ok_or_else(|| anyhow::anyhow!("give the macros file"))?;
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            let (macros, problems) =
                crate::tui::macros::parse_file(&path.display().to_string(), &text);
            if !problems.is_empty() {
                anyhow::bail!("{}; nothing was shared", problems.join("; "));
            }
            if macros.is_empty() {
                anyhow::bail!("{} has no [[macro]] tables", path.display());
            }
            for m in &macros {
                client.put_macro(&m.name, &m.steps).await?;
                eprintln!("shared {}", m.name);
            }
            Ok(())
        }
        MacrosCommand::Delete { name } => {
            client.delete_macro(&name).await?;
            eprintln!("deleted {name}");
            Ok(())
        }
    }
}
