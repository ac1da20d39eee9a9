//! Channel accounts the store itself makes.

use super::super::sql::Db;
use super::now_ms;
use crate::protocol::*;
use crate::server::store::StoreResult;

/// The account the API inbound route delivers to for a channel kind, made
/// on first use.
pub fn api_account(db: Db, kind: ChannelKind) -> StoreResult<ChannelAccountId> {
    if let Some(id) = db.value::<ChannelAccountId>(
        "SELECT id FROM channel_accounts WHERE kind = ?1 AND is_api = 1 ORDER BY id LIMIT 1",
        &[&kind.as_str()],
    )? {
        return Ok(id);
    }
    db.query_one(
        "channel account",
        "INSERT INTO channel_accounts (kind, name, is_api, created_at) VALUES (?1, ?2, 1, ?3)
         RETURNING id",
        &[&kind.as_str(), &kind.display_name(), &now_ms()],
        |r| r.get(0),
    )
}

/// A set of channels as stored: sorted names, comma-separated.
pub fn channels_to_db(channels: &[ChannelKind]) -> String {
    let mut v: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v.join(",")
}

pub fn channels_from_db(s: &str) -> Vec<ChannelKind> {
    let mut v: Vec<ChannelKind> = s.split(',').filter_map(|c| c.parse().ok()).collect();
    v.sort();
    v.dedup();
    v
}
