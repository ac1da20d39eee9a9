//! Standard messages: canned replies kept in folders, each folder scoped to
//! channels, a team and optionally specific agents; and the placeholders
//! they may contain.

use super::model::*;
use serde::{Deserialize, Serialize};

pub type FolderId = i64;
pub type StandardMessageId = i64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    pub id: AgentId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardMessage {
    pub id: StandardMessageId,
    pub folder_id: FolderId,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardFolder {
    pub id: FolderId,
    pub name: String,
    /// The channels it serves; empty means every channel.
    pub channels: Vec<ChannelKind>,
    /// The team it belongs to; none means everyone.
    pub team: Option<Team>,
    /// When not empty, only these agents see it.
    pub assignees: Vec<AgentRef>,
    pub messages: Vec<StandardMessage>,
}

impl StandardFolder {
    pub fn serves(&self, channel: ChannelKind) -> bool {
        self.channels.is_empty() || self.channels.contains(&channel)
    }

    /// The scope rule: the channel is among its channels, the agent is in
    /// its team, and, where assignees are set, among them.
    pub fn visible_to(&self, agent: &Agent, channel: Option<ChannelKind>) -> bool {
        channel.is_none_or(|c| self.serves(c))
            && self
                .team
                .as_ref()
                .is_none_or(|t| agent.teams.iter().any(|x| x.id == t.id))
            && (self.assignees.is_empty() || self.assignees.iter().any(|a| a.id == agent.id))
    }

    /// Whether `agent` may change this folder and its messages.
    pub fn managed_by(&self, agent: &Agent, editing: StandardEditing) -> bool {
        let ids: Vec<AgentId> = self.assignees.iter().map(|a| a.id).collect();
        may_manage(agent, editing, self.team.as_ref().map(|t| t.id), &ids).is_ok()
    }

    /// "All" or "LINE, WeChat".
    pub fn channels_label(&self) -> String {
        if self.channels.is_empty() {
            "All".to_string()
        } else {
            self.channels
                .iter()
                .map(|c| c.display_name())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// Who may create and change standard-message folders and their messages
/// (the server's `standard_messages` setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StandardEditing {
    /// Admins manage every folder; an agent manages the folders kept for
    /// themselves or for a team they are in (the help centre's way).
    #[default]
    Everyone,
    /// Only admins.
    Admins,
}

impl std::str::FromStr for StandardEditing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "everyone" => Ok(StandardEditing::Everyone),
            "admins" => Ok(StandardEditing::Admins),
            other => Err(format!("{other:?}: write everyone or admins")),
        }
    }
}

/// Whether `agent` may keep a folder with this scope (create it, change it,
/// change its messages, delete it): admins always; agents, unless the server
/// keeps editing for admins, a folder for a team they are in (for all of
/// it, or for some of it that includes them) or one for themselves alone. A folder for everyone, or for other people, is an
/// admin's. The reason is said to the agent as it is.
pub fn may_manage(
    agent: &Agent,
    editing: StandardEditing,
    team_id: Option<TeamId>,
    assignee_ids: &[AgentId],
) -> Result<(), String> {
    if agent.is_admin() {
        return Ok(());
    }
    if editing == StandardEditing::Admins {
        return Err("only admins change standard messages on this server".into());
    }
    match team_id {
        Some(t)
            if agent.teams.iter().any(|x| x.id == t)
                && (assignee_ids.is_empty() || assignee_ids.contains(&agent.id)) =>
        {
            Ok(())
        }
        // A teammate's folder: theirs, not this agent's.
        Some(t) if agent.teams.iter().any(|x| x.id == t) => Err(
            "that folder is kept for other people in your team: an agent keeps folders for the whole team, or ones that include them"
                .into(),
        ),
        Some(_) => Err(
            "you are not in that team: an agent keeps folders for a team they are in, or for themselves"
                .into(),
        ),
        None if assignee_ids == [agent.id] => Ok(()),
        None => Err(
            "an agent keeps folders for a team they are in, or for themselves (User: only you); folders for everyone are an admin's"
                .into(),
        ),
    }
}

/// `POST /api/v1/standard-folders`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderInput {
    pub name: String,
    #[serde(default)]
    pub channels: Vec<ChannelKind>,
    #[serde(default)]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub assignee_ids: Vec<AgentId>,
}

/// `PATCH /api/v1/standard-folders/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<ChannelKind>>,
    /// `null` removes the team.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::api::double_option"
    )]
    pub team_id: Option<Option<TeamId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_ids: Option<Vec<AgentId>>,
}

/// `POST /api/v1/standard-folders/{id}/messages`, `PATCH /api/v1/standard-messages/{id}`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StandardText {
    pub text: String,
}

/// Query of `GET /api/v1/standard-messages`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StandardQuery {
    /// Only folders in scope for this conversation (its channel) and the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationId>,
    /// Only folders serving this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelKind>,
}

/// A problem with one spreadsheet row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// What an import did, or would do with `dry_run`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub dry_run: bool,
    /// False when any row was bad: then nothing was imported.
    pub applied: bool,
    pub rows: usize,
    pub folders_created: Vec<String>,
    pub messages_added: usize,
    /// Messages already in their folder (importing twice adds nothing).
    pub duplicates_skipped: usize,
    pub blank_rows_skipped: usize,
    /// Rows with a problem (each is in `errors`, with its column).
    #[serde(default)]
    pub rows_refused: usize,
    pub errors: Vec<RowError>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl ImportReport {
    /// The report of an import that stops on its errors: nothing is (or
    /// would be) added, and every refused row is counted once.
    pub fn refused(mut self) -> Self {
        let mut rows: Vec<usize> = self.errors.iter().map(|e| e.row).collect();
        rows.sort_unstable();
        rows.dedup();
        self.rows_refused = rows.len();
        self.applied = false;
        self.messages_added = 0;
        self.duplicates_skipped = 0;
        self.folders_created.clear();
        self
    }

    /// One line that accounts for every row of the sheet.
    pub fn summary(&self) -> String {
        let blank = match self.blank_rows_skipped {
            0 => String::new(),
            n => format!("; {} skipped", plural(n, "blank row", "blank rows")),
        };
        if !self.errors.is_empty() {
            return format!(
                "{} of {} refused: nothing imported{blank}",
                self.rows_refused.max(1),
                plural(self.rows, "row", "rows"),
            );
        }
        let verb = if self.dry_run { "would add" } else { "added" };
        format!(
            "{}: {verb} {} in {}, {} already there{blank}",
            plural(self.rows, "row", "rows"),
            plural(self.messages_added, "message", "messages"),
            plural(self.folders_created.len(), "new folder", "new folders"),
            self.duplicates_skipped,
        )
    }
}

/// The placeholders a standard message may contain, with what they stand for.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("customer.name", "the customer's name"),
    (
        "customer.first_name",
        "the first word of the customer's name",
    ),
    ("customer.email", "the customer's email"),
    ("customer.phone", "the customer's phone"),
    ("customer.language", "the customer's language"),
    ("agent.name", "the agent's name"),
    ("agent.first_name", "the first word of the agent's name"),
    ("channel", "the conversation's channel"),
];

/// The `{{name}}` placeholders in a text, each checked against
/// [`PLACEHOLDERS`]; an unknown or unclosed one is an error.
pub fn check_placeholders(text: &str) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err("a placeholder is opened with {{ but not closed with }}".into());
        };
        let name = after[..end].trim();
        if !PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
            let known: Vec<_> = PLACEHOLDERS
                .iter()
                .map(|(p, _)| format!("{{{{{p}}}}}"))
                .collect();
            return Err(format!(
                "unknown placeholder {{{{{name}}}}} (known: {})",
                known.join(", ")
            ));
        }
        found.push(name.to_string());
        rest = &after[end + 2..];
    }
    Ok(found)
}

/// Fills the placeholders; one whose value is unknown becomes empty.
pub fn fill_placeholders(
    text: &str,
    customer: Option<&Customer>,
    agent: Option<&Agent>,
    channel: Option<ChannelKind>,
) -> String {
    let first = |s: &str| s.split_whitespace().next().unwrap_or("").to_string();
    let value = |name: &str| -> String {
        match name {
            "customer.name" => customer.map(|c| c.name.clone()),
            "customer.first_name" => customer.map(|c| first(&c.name)),
            "customer.email" => customer.and_then(|c| c.email.clone()),
            "customer.phone" => customer.and_then(|c| c.phone.clone()),
            "customer.language" => customer.and_then(|c| c.language.clone()),
            "agent.name" => agent.map(|a| a.name.clone()),
            "agent.first_name" => agent.map(|a| first(&a.name)),
            "channel" => channel.map(|c| c.display_name().to_string()),
            _ => None,
        }
        .unwrap_or_default()
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push_str(&value(after[..end].trim()));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_checked_and_filled() {
        assert_eq!(
            check_placeholders("Hi {{customer.name}}, I'm {{ agent.name }}").unwrap(),
            vec!["customer.name", "agent.name"]
        );
        assert!(check_placeholders("Hi {{customer.nickname}}")
            .unwrap_err()
            .contains("unknown placeholder {{customer.nickname}}"));
        assert!(check_placeholders("Hi {{customer.name").is_err());
        assert!(check_placeholders("no placeholders { here }")
            .unwrap()
            .is_empty());
        let agent = Agent {
            id: 1,
            name: "Alice Wong".into(),
            login: "alice".into(),
            role: Role::Agent,
            teams: vec![],
            disabled: false,
        };
        let out = fill_placeholders("Hi {{customer.first_name}}, {{agent.first_name}} here on {{channel}}. {{customer.email}}", None, Some(&agent), Some(ChannelKind::Line));
        assert_eq!(out, "Hi , Alice here on LINE. ");
    }
}

/// One folder of a validated standard-message import: what the
/// spreadsheet reader hands the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFolder {
    /// The first spreadsheet row that names it.
    pub row: usize,
    pub name: String,
    pub channels: Vec<ChannelKind>,
    pub team_id: Option<TeamId>,
    pub assignee_ids: Vec<AgentId>,
    /// (row, text), in order.
    pub messages: Vec<(usize, String)>,
    /// Every row that names it, repeats of a message included (a refusal
    /// names them all).
    pub rows: Vec<usize>,
}
