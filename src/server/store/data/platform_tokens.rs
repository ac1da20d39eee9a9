//! Access tokens a platform issues to an account (WeChat's: a new one
//! invalidates the old, so every replica must use the same one), kept
//! sealed like the credentials they were got with.
//!
//! One fetch at a time per account, across replicas: a replica claims the
//! fetch (a lease with an expiry, so one that dies mid-fetch leaves it to
//! another), fetches, saves the token and releases the claim; the others
//! wait for the saved token. A token is dropped by the time it was fetched,
//! so a replica that saw an older token rejected never drops a newer one.

use crate::protocol::ChannelAccountId;
use crate::server::store::secrets::Keys;
use crate::server::store::sql::Db;
use crate::server::store::{StoreError, StoreResult};

/// A token and when it was fetched (which token it is, for dropping it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformToken {
    pub token: String,
    pub fetched_at_ms: i64,
    /// Stop using it from here (some minutes before the platform's expiry).
    pub use_until_ms: i64,
}

fn context(account: ChannelAccountId) -> Vec<u8> {
    format!("platform_tokens:{account}").into_bytes()
}

/// The account's token, while it is still to be used at `now_ms`. One
/// this server's keys cannot open is an error that says so: another
/// replica sealed it with another key (fetching a new one here would only
/// invalidate that replica's).
pub fn current(
    db: Db,
    keys: &Keys,
    account: ChannelAccountId,
    now_ms: i64,
) -> StoreResult<Option<PlatformToken>> {
    let row: Option<(String, i64, i64)> = db.query_opt(
        "SELECT token, fetched_at, use_until FROM platform_tokens
             WHERE channel_account_id = ?1 AND token IS NOT NULL AND use_until > ?2",
        &[&account, &now_ms],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let Some((sealed, fetched_at_ms, use_until_ms)) = row else {
        return Ok(None);
    };
    let token = keys
        .open(&sealed, &context(account))
        .map_err(|e| {
            StoreError::Internal(format!(
                "the platform token kept for channel account {account} cannot be opened with this server's key ({e}): every replica must have the same CHATSMART_SECRET_KEY"
            ))
        })?
        .text();
    Ok(Some(PlatformToken {
        token,
        fetched_at_ms,
        use_until_ms,
    }))
}

/// Claims the next fetch of the account's token until `until_ms`: false
/// while another claim holds it, or a good token is there (another fetch
/// ended since the caller looked).
pub fn claim_fetch(
    db: Db,
    account: ChannelAccountId,
    now_ms: i64,
    until_ms: i64,
) -> StoreResult<bool> {
    let n = db.execute(
        "INSERT INTO platform_tokens (channel_account_id, fetching_until) VALUES (?1, ?3)
         ON CONFLICT (channel_account_id) DO UPDATE SET fetching_until = excluded.fetching_until
             WHERE platform_tokens.fetching_until <= ?2
                 AND (platform_tokens.token IS NULL OR platform_tokens.use_until <= ?2)",
        &[&account, &now_ms, &until_ms],
    )?;
    Ok(n > 0)
}

/// The fetch claimed until `claimed_until_ms` is over: with the token it
/// got, or without (it failed; the next caller tries). Only while the
/// claim is still the caller's: a fetch that outlived its claim (another
/// replica has fetched since) changes nothing.
pub fn fetched(
    db: Db,
    keys: &Keys,
    account: ChannelAccountId,
    claimed_until_ms: i64,
    token: Option<&PlatformToken>,
) -> StoreResult<()> {
    match token {
        Some(t) => db.execute(
            "UPDATE platform_tokens
                 SET token = ?2, fetched_at = ?3, use_until = ?4, fetching_until = 0
                 WHERE channel_account_id = ?1 AND fetching_until = ?5",
            &[
                &account,
                &keys.seal(&t.token, &context(account)),
                &t.fetched_at_ms,
                &t.use_until_ms,
                &claimed_until_ms,
            ],
        )?,
        None => db.execute(
            "UPDATE platform_tokens SET fetching_until = 0
                 WHERE channel_account_id = ?1 AND fetching_until = ?2",
            &[&account, &claimed_until_ms],
        )?,
    };
    Ok(())
}

/// The platform refused the token fetched at `fetched_at_ms`: drop it,
/// unless a newer one has replaced it already.
pub fn refused(db: Db, account: ChannelAccountId, fetched_at_ms: i64) -> StoreResult<()> {
    db.execute(
        "UPDATE platform_tokens SET token = NULL, use_until = 0
             WHERE channel_account_id = ?1 AND fetched_at = ?2",
        &[&account, &fetched_at_ms],
    )?;
    Ok(())
}

/// Forgets the account's token (its credentials changed, or it went).
pub fn forget(db: Db, account: ChannelAccountId) -> StoreResult<()> {
    db.execute(
        "DELETE FROM platform_tokens WHERE channel_account_id = ?1",
        &[&account],
    )?;
    Ok(())
}
