//! Triage: a conversation's status (open, pending, snoozed, resolved) and
//! priority, how the list is sorted, and actions on many conversations at
//! once.

use super::model::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvStatus {
    /// Needs an answer (the default; a customer message reopens to this).
    #[default]
    Open,
    /// Waiting on the customer.
    Pending,
    /// Out of sight until its wake time (or the customer's next message).
    Snoozed,
    Resolved,
}

impl ConvStatus {
    pub const ALL: [ConvStatus; 4] = [
        ConvStatus::Open,
        ConvStatus::Pending,
        ConvStatus::Snoozed,
        ConvStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConvStatus::Open => "open",
            ConvStatus::Pending => "pending",
            ConvStatus::Snoozed => "snoozed",
            ConvStatus::Resolved => "resolved",
        }
    }
}

impl fmt::Display for ConvStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConvStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ConvStatus::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown status {s:?} (open, pending, snoozed or resolved)"))
    }
}

/// One or more statuses: `status=open,pending` on the list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct StatusSet(pub Vec<ConvStatus>);

impl StatusSet {
    /// Open and pending: what still needs the team (the inbox's default).
    pub fn active() -> StatusSet {
        StatusSet(vec![ConvStatus::Open, ConvStatus::Pending])
    }

    pub fn contains(&self, s: ConvStatus) -> bool {
        self.0.contains(&s)
    }
}

impl From<ConvStatus> for StatusSet {
    fn from(s: ConvStatus) -> Self {
        StatusSet(vec![s])
    }
}

impl fmt::Display for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

impl FromStr for StatusSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut v = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let st: ConvStatus = part.parse()?;
            if !v.contains(&st) {
                v.push(st);
            }
        }
        if v.is_empty() {
            return Err("give at least one status (open, pending, snoozed or resolved)".into());
        }
        Ok(StatusSet(v))
    }
}

impl Serialize for StatusSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StatusSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How urgent a conversation is; ordered from none to urgent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    #[default]
    None,
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 5] = [
        Priority::None,
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::None => "none",
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// 0 (none) to 4 (urgent), as stored.
    pub fn rank(self) -> i64 {
        self as i64
    }

    pub fn from_rank(r: i64) -> Priority {
        Priority::ALL
            .get(r.clamp(0, 4) as usize)
            .copied()
            .unwrap_or_default()
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown priority {s:?} (none, low, medium, high or urgent)"))
    }
}

/// Why a status changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// An agent set it (`by` says who).
    Agent,
    /// The customer wrote to a resolved or snoozed conversation.
    CustomerReplied,
    /// A snooze reached its wake time.
    SnoozeEnded,
}

/// Order of the conversation list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListSort {
    /// Newest activity first (the default).
    #[default]
    Activity,
    /// Longest-waiting customer first; those not waiting last.
    Waiting,
    /// Most urgent first, then newest activity.
    Priority,
}

impl ListSort {
    pub fn as_str(self) -> &'static str {
        match self {
            ListSort::Activity => "activity",
            ListSort::Waiting => "waiting",
            ListSort::Priority => "priority",
        }
    }
}

impl FromStr for ListSort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "activity" => Ok(ListSort::Activity),
            "waiting" => Ok(ListSort::Waiting),
            "priority" => Ok(ListSort::Priority),
            _ => Err(format!(
                "unknown sort {s:?} (activity, waiting or priority)"
            )),
        }
    }
}

/// `PUT /api/v1/conversations/{id}/status`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetStatus {
    pub status: ConvStatus,
    /// With `snoozed`: when it wakes. Absent: when the customer writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snooze_until: Option<DateTime<Utc>>,
}

/// `PUT /api/v1/conversations/{id}/priority`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPriority {
    pub priority: Priority,
}

/// What a bulk request does to each conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BulkAction {
    Assign {
        agent_id: AgentId,
    },
    Unassign {
        agent_id: AgentId,
    },
    Bot {
        active: bool,
    },
    /// Tags each conversation's customer (by id, or by name, created if new).
    Tag {
        #[serde(default)]
        tag_id: Option<TagId>,
        #[serde(default)]
        name: Option<String>,
    },
    Status {
        status: ConvStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        snooze_until: Option<DateTime<Utc>>,
    },
    Priority {
        priority: Priority,
    },
}

/// `POST /api/v1/conversations/bulk`: at most [`MAX_BULK`] ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    pub ids: Vec<ConversationId>,
    pub action: BulkAction,
}

pub const MAX_BULK: usize = 500;

/// The outcome for one conversation of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkItem {
    pub id: ConversationId,
    pub ok: bool,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkReport {
    pub succeeded: usize,
    pub failed: usize,
    /// One per requested id, in the order asked.
    pub results: Vec<BulkItem>,
}
