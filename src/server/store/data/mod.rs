//! The store's queries and rules, written once for both backends over the
//! SQL layer ([`super::sql::Db`]), grouped by resource. A backend runs them
//! in its transactions; nothing here knows which backend it is on, but for
//! the few queries the engines spell differently (`Db::dialect`).

pub mod agents;
pub mod attachments;
pub mod bot;
pub mod broadcasts;
pub mod channels;
pub mod conversations;
pub mod credentials;
pub mod customers;
pub mod delivery;
pub mod file_bytes;
pub mod macros;
pub mod messages;
pub mod notes;
pub mod platform_tokens;
pub mod scheduled;
pub mod sessions;
pub mod standard;
pub mod tags;
pub mod triage;

use chrono::{DateTime, Utc};

/// Now, in the store's unit: milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A stored time (milliseconds since the Unix epoch) as a date.
pub fn to_dt(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
