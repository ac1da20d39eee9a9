//! Scheduled messages: a reply written now and sent by the server at a
//! time, whether or not any client is running.

use super::model::*;
use super::standard::AgentRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub type ScheduledId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduledStatus {
    Pending,
    Sent,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduled {
    pub id: ScheduledId,
    pub conversation_id: ConversationId,
    pub name: String,
    /// May hold standard-message placeholders, filled when it is sent.
    pub text: String,
    pub send_at: DateTime<Utc>,
    pub created_by: AgentRef,
    pub created_at: DateTime<Utc>,
    pub status: ScheduledStatus,
    /// The message it became, once sent.
    pub sent_message_id: Option<MessageId>,
    /// Who last changed or cancelled it, when that was not its author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<AgentRef>,
}

/// `POST /api/v1/conversations/{id}/scheduled`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewScheduled {
    pub name: String,
    pub text: String,
    pub send_at: DateTime<Utc>,
}

/// `PATCH /api/v1/scheduled/{id}`: only pending ones change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_at: Option<DateTime<Utc>>,
}
