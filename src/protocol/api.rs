//! REST request and response bodies.

use super::model::*;
use super::triage::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /api/v1/health`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub protocol: u32,
}

/// Every error answer: `{"error":{"code":"...","message":"..."}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `unauthorized`, `not_found`, `bad_request`, ...
    pub code: String,
    /// For people.
    pub message: String,
}

/// `POST /api/v1/login`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub agent: Agent,
}

/// `DELETE /api/v1/agents/{id}/tokens`: how many sign-ins ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensRevoked {
    pub revoked: usize,
}

/// `GET /api/v1/me`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Me {
    pub agent: Agent,
    /// Customer messages the caller has not read, over every conversation.
    pub total_unread: i64,
    /// The newest event sequence number: a client that loads its state now
    /// can stream events from here.
    pub latest_seq: Seq,
    /// The largest file the server accepts, per kind, so a client can
    /// refuse a file before uploading it.
    #[serde(default)]
    pub upload_limits: super::attachments::UploadLimits,
    /// Who may change standard messages on this server.
    #[serde(default)]
    pub standard_editing: super::standard::StandardEditing,
}

/// `GET /api/v1/unread`: the caller's unread customer messages, in all and
/// per connected account (for the channel tabs' counts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadCounts {
    pub total: i64,
    /// Accounts with something unread, by id.
    pub accounts: Vec<AccountUnread>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUnread {
    pub channel_account_id: ChannelAccountId,
    pub unread: i64,
}

/// Which section of the inbox: the bot is answering, or agents are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Bot,
    Agent,
}

/// Assignment filter, relative to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssigneeFilter {
    /// Assigned to the caller.
    Me,
    /// Assigned to nobody: the "New requests".
    Unassigned,
    /// Assigned to someone, but not to the caller.
    Others,
}

impl std::str::FromStr for Section {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bot" => Ok(Section::Bot),
            "agent" => Ok(Section::Agent),
            _ => Err(format!("unknown section {s:?} (agent or bot)")),
        }
    }
}

impl std::str::FromStr for AssigneeFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "me" | "mine" => Ok(AssigneeFilter::Me),
            "unassigned" | "new" | "none" => Ok(AssigneeFilter::Unassigned),
            "others" => Ok(AssigneeFilter::Others),
            _ => Err(format!(
                "unknown assignee filter {s:?} (me, unassigned or others)"
            )),
        }
    }
}

/// Query of `GET /api/v1/conversations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelKind>,
    /// Only this connected account's conversations (two WhatsApp numbers
    /// told apart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_account: Option<ChannelAccountId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AssigneeFilter>,
    /// Only customers carrying this tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<TagId>,
    /// One status or several, comma-separated: `open,pending`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Newest activity first unless given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<ListSort>,
    /// Text search over customer names and message texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Rows per page: 50 by default, at most 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Query of `GET /api/v1/customers`: customers whose name, email, phone
/// or channel user id contains `q` (any case), most recently seen first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CustomerQuery {
    pub q: String,
    /// 50 by default, at most 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A page of results, newest activity first for conversations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query of `GET /api/v1/conversations/{id}/messages`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MessagesQuery {
    /// Only messages older than this message id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<MessageId>,
    /// 50 by default, at most 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A page of messages in chronological order: the first call returns the
/// newest page; `has_more` says whether there are older ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessagePage {
    pub items: Vec<Message>,
    pub has_more: bool,
}

/// `POST /api/v1/conversations/{id}/messages`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMessage {
    /// May be empty when the message carries an attachment.
    pub text: String,
    /// The sender's idempotency key: the same key twice yields one message.
    pub client_id: String,
    /// A file uploaded with `POST /api/v1/uploads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<super::attachments::AttachmentId>,
    /// Sent as the bot, not as the caller (an outside bot answering
    /// through the API with an admin's token); the bot stays on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_bot: bool,
}

/// `PUT /api/v1/conversations/{id}/bot`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetBot {
    pub active: bool,
}

/// `POST /api/v1/conversations/{id}/assignees`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddAssignee {
    pub agent_id: AgentId,
}

/// `POST /api/v1/conversations/{id}/read`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadMarker {
    pub conversation_id: ConversationId,
    pub unread: i64,
}

/// `POST /api/v1/inbound` (admin): a customer message from an external system.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inbound {
    pub channel: ChannelKind,
    pub channel_user_id: String,
    pub customer_name: String,
    /// May be empty when the message carries an attachment.
    pub text: String,
    /// The sender's id for the message; the same id twice stores one message.
    pub external_id: String,
    /// A file the customer sent, uploaded first with `POST /api/v1/uploads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<super::attachments::AttachmentId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboundAccepted {
    pub conversation_id: ConversationId,
    pub customer_id: CustomerId,
    pub message_id: MessageId,
    /// True when this external_id had been delivered before.
    pub duplicate: bool,
}

/// `PATCH /api/v1/customers/{id}`: only the fields present change.
/// A field set to `null` is cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPatch {
    /// The version the caller loaded; when given and stale the answer is 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub gender: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub age: Option<Option<u32>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub language: Option<Option<String>>,
    /// Replaces the whole set of custom fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<BTreeMap<String, String>>,
}

/// Distinguishes an absent field (no change) from `null` (clear it).
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `POST /api/v1/tags`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTag {
    pub name: String,
    #[serde(default)]
    pub color: Option<String>,
}

/// `POST /api/v1/customers/{id}/tags`: by id, or by name (created if new).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCustomer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<TagId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `POST /api/v1/customers/{id}/notes`, `PATCH /api/v1/notes/{id}`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteText {
    pub text: String,
}

/// `PATCH /api/v1/tags/{id}`: rename or recolour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// `POST /api/v1/tags/{id}/merge`: every customer with this tag gets
/// `into` instead, and this tag goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergeTag {
    pub into: TagId,
}

/// `DELETE /api/v1/tags/{id}`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagRemoved {
    /// How many customers lost the tag.
    pub customers: i64,
}

/// One row of a customer import, as the spreadsheet reader hands it to
/// the store. An outer `None` means the column is absent (no
/// change); `Some(None)` means the cell is empty (clear it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerIn {
    pub row: usize,
    pub channel: ChannelKind,
    pub channel_user_id: String,
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub gender: Option<Option<String>>,
    pub age: Option<Option<u32>>,
    pub language: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub custom: Vec<(String, Option<String>)>,
}

/// What a customer import did, or would do with `dry_run`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerImportReport {
    pub dry_run: bool,
    /// False when any row was bad: then nothing was imported.
    pub applied: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub blank_rows_skipped: usize,
    pub errors: Vec<super::standard::RowError>,
}

impl CustomerImportReport {
    pub fn summary(&self) -> String {
        if !self.errors.is_empty() {
            return format!(
                "{} bad row{}: nothing imported",
                self.errors.len(),
                if self.errors.len() == 1 { "" } else { "s" }
            );
        }
        let (c, u) = if self.dry_run {
            ("would create", "would update")
        } else {
            ("created", "updated")
        };
        format!(
            "{c} {} and {u} {} customers; {} unchanged, {} blank rows skipped",
            self.created, self.updated, self.unchanged, self.blank_rows_skipped
        )
    }
}
