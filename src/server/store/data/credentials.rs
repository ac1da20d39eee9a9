//! Channel credentials at rest: sealed with the server's key (see
//! `store::secrets`), opened only to be used.

use crate::server::store::secrets::{Keys, Opened};
use crate::server::store::sql::Db;
use crate::server::store::{StoreError, StoreResult};
use std::collections::BTreeMap;

/// What sealed credentials are bound to: their account.
fn context(id: i64) -> Vec<u8> {
    format!("channel_accounts:{id}").into_bytes()
}

pub fn seal(keys: &Keys, id: i64, creds: &BTreeMap<String, String>) -> StoreResult<String> {
    let json = serde_json::to_string(creds).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(keys.seal(&json, &context(id)))
}

pub fn open(keys: &Keys, id: i64, stored: &str) -> StoreResult<BTreeMap<String, String>> {
    let text = keys
        .open(stored, &context(id))
        .map_err(StoreError::Internal)?
        .text();
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Internal(format!("unreadable channel credentials: {e}")))
}

/// Seals again, under the current key, every credential that is plain
/// (from before encryption) or sealed with an older key. How many.
pub fn reseal_stale(db: Db, keys: &Keys) -> StoreResult<usize> {
    reseal_where(db, keys, false)
}

/// Seals every credential again under the current key (a rotation).
pub fn reseal_all(db: Db, keys: &Keys) -> StoreResult<usize> {
    reseal_where(db, keys, true)
}

fn reseal_where(db: Db, keys: &Keys, all: bool) -> StoreResult<usize> {
    let rows: Vec<(i64, String)> = db.query(
        "SELECT id, credentials FROM channel_accounts WHERE credentials IS NOT NULL",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut n = 0;
    for (id, stored) in rows {
        let text = match keys.open(&stored, &context(id)) {
            Ok(Opened::Current(_)) if !all => continue,
            Ok(opened) => opened.text(),
            // One account this key cannot open must not stop the server:
            // that account fails its sends, and says why, until its
            // credentials are entered again or the right key is given.
            Err(e) => {
                tracing::error!("channel account {id}: its credentials cannot be opened: {e}");
                continue;
            }
        };
        db.execute(
            "UPDATE channel_accounts SET credentials = ?2 WHERE id = ?1",
            &[&id, &keys.seal(&text, &context(id))],
        )?;
        n += 1;
    }
    Ok(n)
}
