//! Domain types shared by the server and the clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

pub type AgentId = i64;
pub type TeamId = i64;
pub type ChannelAccountId = i64;
pub type CustomerId = i64;
pub type ConversationId = i64;
pub type MessageId = i64;
pub type TagId = i64;
pub type NoteId = i64;
pub type Seq = i64;

/// The messaging platforms chatsmart speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Messenger,
    Whatsapp,
    Line,
    Wechat,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 4] = [
        ChannelKind::Messenger,
        ChannelKind::Whatsapp,
        ChannelKind::Line,
        ChannelKind::Wechat,
    ];

    /// The identifier used in URLs, JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Messenger => "messenger",
            ChannelKind::Whatsapp => "whatsapp",
            ChannelKind::Line => "line",
            ChannelKind::Wechat => "wechat",
        }
    }

    /// The name people know the platform by.
    pub fn display_name(self) -> &'static str {
        match self {
            ChannelKind::Messenger => "Messenger",
            ChannelKind::Whatsapp => "WhatsApp",
            ChannelKind::Line => "LINE",
            ChannelKind::Wechat => "WeChat",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChannelKind {
    type Err = String;
    /// Accepts the identifiers and the usual aliases, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
            .collect::<String>()
            .to_lowercase();
        match norm.as_str() {
            "messenger" | "facebookmessenger" | "facebook" | "fb" | "fbmessenger" => {
                Ok(ChannelKind::Messenger)
            }
            "whatsapp" | "wa" => Ok(ChannelKind::Whatsapp),
            "line" => Ok(ChannelKind::Line),
            "wechat" | "weixin" | "wx" => Ok(ChannelKind::Wechat),
            _ => Err(format!(
                "unknown channel {s:?} (expected messenger, whatsapp, line or wechat)"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
}

/// The login made from a display name when none is given: "Alice Wong"
/// signs in as "alice.wong".
pub fn login_from_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub login: String,
    pub role: Role,
    pub teams: Vec<Team>,
    /// An admin disabled the agent: it cannot sign in, its tokens stop
    /// working, and it is not picked for new assignments.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

impl Agent {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Up to two letters that stand for the agent in narrow places.
    pub fn initials(&self) -> String {
        initials(&self.name)
    }
}

/// "Alice Wong" -> "AW", "bob" -> "B", "陳大文" -> "陳".
pub fn initials(name: &str) -> String {
    let mut out = String::new();
    for word in name.split_whitespace().take(2) {
        if let Some(c) = word.chars().next() {
            out.extend(c.to_uppercase());
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAccount {
    pub id: ChannelAccountId,
    pub kind: ChannelKind,
    pub name: String,
    /// The account the API inbound route delivers to (no platform behind it).
    #[serde(default)]
    pub is_api: bool,
    /// Where the platform's webhooks go (`/webhooks/{kind}/{id}`); none for
    /// the API account.
    #[serde(default)]
    pub webhook_path: Option<String>,
    /// Which credentials are set: names only, never values.
    #[serde(default)]
    pub credential_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    /// A colour name or #rrggbb; the terminal picks the nearest it can show.
    pub color: String,
}

/// A tag with how many customers carry it (`GET /api/v1/tags`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagInfo {
    #[serde(flatten)]
    pub tag: Tag,
    pub customers: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub channel: ChannelKind,
    pub channel_account_id: ChannelAccountId,
    pub channel_user_id: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub gender: Option<String>,
    pub age: Option<u32>,
    pub language: Option<String>,
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Bumped on every change; a PATCH that names an older version is refused.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub customer_id: CustomerId,
    pub author_id: AgentId,
    pub author_name: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// From the customer.
    Inbound,
    /// Written by an agent.
    Agent,
    /// Written by the bot.
    Bot,
    /// An event in the conversation: "assigned to Bob", "bot turned off by Alice".
    System,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Inbound => "inbound",
            MessageKind::Agent => "agent",
            MessageKind::Bot => "bot",
            MessageKind::System => "system",
        }
    }
}

impl FromStr for MessageKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(MessageKind::Inbound),
            "agent" => Ok(MessageKind::Agent),
            "bot" => Ok(MessageKind::Bot),
            "system" => Ok(MessageKind::System),
            _ => Err(format!("unknown message kind {s:?}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "sent" => Ok(DeliveryStatus::Sent),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "read" => Ok(DeliveryStatus::Read),
            "failed" => Ok(DeliveryStatus::Failed),
            _ => Err(format!("unknown delivery status {s:?}")),
        }
    }
}

/// The longest text a message, note, standard message, scheduled message
/// or broadcast may hold, in characters.
pub const MAX_MESSAGE_CHARS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub kind: MessageKind,
    pub text: String,
    /// The file the message carries, if any (its text may then be empty).
    #[serde(default)]
    pub attachment: Option<super::attachments::Attachment>,
    /// The agent who wrote it (agent messages) or caused it (system messages).
    pub author_id: Option<AgentId>,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub status: DeliveryStatus,
    /// Why the customer's platform did not take it: set when failed, and
    /// while pending after a try that will be retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The sender's idempotency key, for agent messages.
    pub client_id: Option<String>,
    /// Set when a scheduled message became this message.
    #[serde(default)]
    pub scheduled_id: Option<i64>,
    /// A customer's tap on a button (a postback, a quick reply, a reply
    /// button or list row, a menu click): the button's payload, while
    /// `text` is what the button said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub agent_id: AgentId,
    pub name: String,
    pub assigned_at: DateTime<Utc>,
}

/// A short view of the last message, for the chatroom list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePreview {
    pub id: MessageId,
    pub kind: MessageKind,
    /// The first characters of the text, on one line.
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A conversation as every agent sees it (no per-agent fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub channel: ChannelKind,
    pub channel_account_id: ChannelAccountId,
    /// True while the bot answers ("Chat with Bot"); false means "Chat with Agent".
    pub bot_active: bool,
    pub assignees: Vec<Assignee>,
    pub last_message: Option<MessagePreview>,
    pub last_activity_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// How many customer messages the conversation has had; with a read marker
    /// this gives the unread count without a write per agent per message.
    pub inbound_count: i64,
    /// The customer's tags, so clients can filter by tag without asking.
    #[serde(default)]
    pub tag_ids: Vec<TagId>,
    #[serde(default)]
    pub status: super::triage::ConvStatus,
    /// While snoozed: when it wakes (absent: when the customer writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub priority: super::triage::Priority,
    /// The customer's oldest message not yet answered by an agent or the
    /// bot; absent when nobody is waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<DateTime<Utc>>,
    /// When the customer last wrote: the platforms' reply windows run from
    /// it (see `channels::reply_window`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_last_at: Option<DateTime<Utc>>,
    /// True on a real platform account: replies go through the platform,
    /// and its reply window applies. False on the API channel.
    #[serde(default)]
    pub via_platform: bool,
    /// Set while the customer has blocked or unfollowed the account: why
    /// replies are refused. A new follow clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
}

impl Conversation {
    pub fn is_assigned_to(&self, agent: AgentId) -> bool {
        self.assignees.iter().any(|a| a.agent_id == agent)
    }

    /// Whether a reply can reach the customer at `now`.
    pub fn reply_window(&self, now: DateTime<Utc>) -> super::channels::ReplyWindow {
        super::channels::reply_window(self.channel, !self.via_platform, self.customer_last_at, now)
    }
}

/// A conversation with the fields that depend on who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRow {
    #[serde(flatten)]
    pub conversation: Conversation,
    /// Customer messages the caller has not read.
    pub unread: i64,
}

/// How many characters of a message the chatroom list's preview keeps.
pub const PREVIEW_CHARS: usize = 120;

/// Cut a message to a one-line preview of at most `max` characters.
pub fn preview_text(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut last_space = false;
    for c in text.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        if out.chars().count() >= max {
            out.push('…');
            return out.trim().to_string();
        }
        out.push(c);
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_from_names() {
        assert_eq!(login_from_name("Alice Wong"), "alice.wong");
        assert_eq!(login_from_name("bob"), "bob");
        assert_eq!(login_from_name("  Mary  Ann Lee "), "mary.ann.lee");
    }

    #[test]
    fn channel_aliases_parse_case_insensitively() {
        assert_eq!("Facebook Messenger".parse(), Ok(ChannelKind::Messenger));
        assert_eq!("FB".parse(), Ok(ChannelKind::Messenger));
        assert_eq!("wa".parse(), Ok(ChannelKind::Whatsapp));
        assert_eq!("LINE".parse(), Ok(ChannelKind::Line));
        assert_eq!("WeChat".parse(), Ok(ChannelKind::Wechat));
        assert!("telegram".parse::<ChannelKind>().is_err());
    }

    #[test]
    fn preview_collapses_whitespace_and_truncates() {
        assert_eq!(preview_text("hello\n\n  world", 50), "hello world");
        assert_eq!(preview_text("abcdef", 3), "abc…");
        assert_eq!(preview_text("你好世界", 2), "你好…");
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Alice Wong"), "AW");
        assert_eq!(initials("bob"), "B");
        assert_eq!(initials("陳大文"), "陳");
    }
}
