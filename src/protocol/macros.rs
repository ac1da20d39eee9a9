//! Macros: named sequences of actions an agent runs with one key. Personal
//! ones live in the config directory (`macros.toml`); shared ones are kept
//! on the server (`/api/v1/macros`, admins write them).

use super::model::AgentId;
use super::triage::{ConvStatus, Priority};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One step. In TOML each is a table with one key, for example
/// `{ standard = "refund policy" }` or `{ status = "pending" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MacroStep {
    /// Insert the first standard message whose folder and text contain
    /// this (any case) into the reply, placeholders filled.
    Standard(String),
    /// Insert this text into the reply (placeholders filled).
    Text(String),
    /// Send this as a reply now (placeholders filled).
    Reply(String),
    /// Tag the customer (the tag is made if it is new).
    Tag(String),
    /// Assign an agent: login, name, or "me".
    Assign(String),
    /// Assign the member of this team with the fewest open conversations.
    AssignTeam(String),
    Unassign(String),
    Status(ConvStatus),
    /// Snooze: "2h", "tonight", "tomorrow 09:00", "next week" or "reply".
    Snooze(String),
    Priority(Priority),
    /// Turn the bot on (true) or off (false).
    Bot(bool),
}

impl MacroStep {
    /// "tag #refund": how a step is named in reports.
    pub fn describe(&self) -> String {
        match self {
            MacroStep::Standard(s) => format!("insert standard reply “{s}”"),
            MacroStep::Text(_) => "insert text".into(),
            MacroStep::Reply(_) => "send a reply".into(),
            MacroStep::Tag(t) => format!("tag #{t}"),
            MacroStep::Assign(a) => format!("assign {a}"),
            MacroStep::AssignTeam(t) => format!("assign to the {t} team"),
            MacroStep::Unassign(a) => format!("unassign {a}"),
            MacroStep::Status(s) => format!("set status {s}"),
            MacroStep::Snooze(w) => format!("snooze {w}"),
            MacroStep::Priority(p) => format!("set priority {p}"),
            MacroStep::Bot(true) => "turn the bot on".into(),
            MacroStep::Bot(false) => "turn the bot off".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Macro {
    pub name: String,
    pub steps: Vec<MacroStep>,
}

/// A macro kept on the server for everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedMacro {
    pub name: String,
    pub steps: Vec<MacroStep>,
    pub updated_by: AgentId,
    pub updated_at: DateTime<Utc>,
}

/// `PUT /api/v1/macros/{name}` (admin)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacroInput {
    pub steps: Vec<MacroStep>,
}

/// `POST /api/v1/conversations/{id}/assign-team`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignTeam {
    pub team: String,
}

/// Checks a macro's shape: a name, 1 to 20 steps, sane lengths.
pub fn check_macro(name: &str, steps: &[MacroStep]) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a macro needs a name".into());
    }
    if name.chars().count() > 80 {
        return Err("a macro name is at most 80 characters".into());
    }
    if steps.is_empty() {
        return Err(format!("the macro {name:?} has no steps"));
    }
    if steps.len() > 20 {
        return Err(format!("the macro {name:?} has more than 20 steps"));
    }
    for (i, s) in steps.iter().enumerate() {
        let (MacroStep::Standard(text)
        | MacroStep::Text(text)
        | MacroStep::Reply(text)
        | MacroStep::Tag(text)
        | MacroStep::Assign(text)
        | MacroStep::AssignTeam(text)
        | MacroStep::Unassign(text)
        | MacroStep::Snooze(text)) = s
        else {
            continue;
        };
        if text.trim().is_empty() {
            return Err(format!("step {} of {name:?} is empty", i + 1));
        }
        if text.chars().count() > 4000 {
            return Err(format!("step {} of {name:?} is too long", i + 1));
        }
    }
    Ok(())
}
