//! Broadcasts: one message to every customer carrying a tag, optionally
//! only on some channels, sent by the server in the background.

use super::model::*;
use super::standard::AgentRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub type BroadcastId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BroadcastStatus {
    /// Waiting for its send time.
    Scheduled,
    /// Sending now.
    Running,
    Done,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broadcast {
    pub id: BroadcastId,
    pub tag: Tag,
    /// Empty: every channel.
    pub channels: Vec<ChannelKind>,
    pub text: String,
    pub send_at: DateTime<Utc>,
    pub created_by: AgentRef,
    pub created_at: DateTime<Utc>,
    pub status: BroadcastStatus,
    /// Recipients, known once it starts.
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Broadcast {
    /// Still to send, or sending: it can be cancelled.
    pub fn is_pending(&self) -> bool {
        matches!(
            self.status,
            BroadcastStatus::Scheduled | BroadcastStatus::Running
        )
    }
}

impl BroadcastStatus {
    pub fn label(self) -> &'static str {
        match self {
            BroadcastStatus::Scheduled => "scheduled",
            BroadcastStatus::Running => "sending",
            BroadcastStatus::Done => "done",
            BroadcastStatus::Cancelled => "cancelled",
        }
    }
}

/// `POST /api/v1/broadcasts/preview`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastAudience {
    pub tag_id: TagId,
    #[serde(default)]
    pub channels: Vec<ChannelKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastPreview {
    pub recipients: i64,
}

/// `POST /api/v1/broadcasts` (admin)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBroadcast {
    pub tag_id: TagId,
    #[serde(default)]
    pub channels: Vec<ChannelKind>,
    /// May hold standard-message placeholders, filled per customer.
    pub text: String,
    /// Now when absent.
    #[serde(default)]
    pub send_at: Option<DateTime<Utc>>,
}
