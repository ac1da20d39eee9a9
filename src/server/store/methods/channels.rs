//! Channel accounts, their sealed credentials and the access tokens
//! platforms issue them.

use super::*;

/// The store's channel accounts, their sealed credentials and the access tokens platforms issue them.
#[async_trait]
pub trait ChannelStore: Send + Sync {
    async fn list_channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>>;
    async fn create_channel(&self, new: NewChannel) -> StoreResult<ChannelCreated>;
    /// Stops a channel account taking webhooks; its conversations stay.
    async fn remove_channel(&self, id: ChannelAccountId) -> StoreResult<()>;
    /// Renames a connected account or changes its credentials (merged,
    /// then checked as a whole); API accounts are 404.
    async fn update_channel(
        &self,
        id: ChannelAccountId,
        patch: ChannelPatch,
    ) -> StoreResult<ChannelAccount>;
    /// A live (not removed) platform account's kind and credentials.
    async fn channel_credentials(
        &self,
        id: ChannelAccountId,
    ) -> StoreResult<Option<(ChannelKind, std::collections::BTreeMap<String, String>)>>;
    /// The account's platform access token while it is still good at
    /// `now` (see data/platform_tokens.rs).
    async fn platform_token(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PlatformToken>>;
    /// Claims the next fetch of the account's token until `until` (one
    /// fetch at a time across replicas): false while another holds it.
    async fn claim_platform_token_fetch(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The fetch claimed until `claimed_until` is over, with the token it
    /// got or without (nothing changes if the claim is no longer its).
    async fn platform_token_fetched(
        &self,
        account: ChannelAccountId,
        claimed_until: DateTime<Utc>,
        token: Option<PlatformToken>,
    ) -> StoreResult<()>;
    /// The platform refused the token fetched at `fetched_at_ms`.
    async fn platform_token_refused(
        &self,
        account: ChannelAccountId,
        fetched_at_ms: i64,
    ) -> StoreResult<()>;
}

#[async_trait]
impl<E: Engine> ChannelStore for E {
    async fn list_channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>> {
        let keys = self.keys().clone();
        self.read(move |db| {
            let rows = db.query(
                "SELECT id, kind, name, is_api, credentials FROM channel_accounts
                         WHERE removed_at IS NULL ORDER BY kind, id",
                &[],
                |r| {
                    let kind: String = r.get(1)?;
                    let kind = kind.parse().unwrap_or(ChannelKind::Messenger);
                    let id: i64 = r.get(0)?;
                    let is_api = r.flag(3)?;
                    let creds: Option<String> = r.get(4)?;
                    // Names of the keys only: the values never leave here.
                    let credential_keys = creds
                        .and_then(|c| data::credentials::open(&keys, id, &c).ok())
                        .map(|m| m.into_keys().collect())
                        .unwrap_or_default();
                    Ok(ChannelAccount {
                        id,
                        kind,
                        name: r.get(2)?,
                        is_api,
                        webhook_path: (!is_api).then(|| webhook_path(kind, id)),
                        credential_keys,
                    })
                },
            )?;
            Ok(rows)
        })
        .await
    }

    async fn create_channel(&self, new: NewChannel) -> StoreResult<ChannelCreated> {
        let name = new.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "a channel's name must be 1 to 100 characters".into(),
            ));
        }
        check_credentials(new.kind, &new.credentials).map_err(StoreError::Invalid)?;
        let kind = new.kind;
        let keys = self.keys().clone();
        self.write(move |db, _| {
            let id: i64 = db.query_row(
                "INSERT INTO channel_accounts (kind, name, is_api, credentials, created_at)
                     VALUES (?1, ?2, 0, NULL, ?3) RETURNING id",
                &[&kind.as_str(), &name, &now_ms()],
                |r| r.get(0),
            )?;
            // Sealed bound to its account's id, so known only now.
            let creds = data::credentials::seal(&keys, id, &new.credentials)?;
            db.execute(
                "UPDATE channel_accounts SET credentials = ?2 WHERE id = ?1",
                &[&id, &creds],
            )?;
            Ok(ChannelCreated {
                id,
                kind,
                name,
                webhook_path: webhook_path(kind, id),
            })
        })
        .await
    }

    async fn remove_channel(&self, id: ChannelAccountId) -> StoreResult<()> {
        self.write(move |db, _| {
            let n = db.execute(
                "UPDATE channel_accounts SET removed_at = ?2, credentials = NULL
                         WHERE id = ?1 AND is_api = 0 AND removed_at IS NULL",
                &[&id, &now_ms()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("channel"));
            }
            data::platform_tokens::forget(db, id)
        })
        .await
    }

    async fn update_channel(
        &self,
        id: ChannelAccountId,
        patch: ChannelPatch,
    ) -> StoreResult<ChannelAccount> {
        let name = match &patch.name {
            Some(n) if n.trim().is_empty() || n.trim().chars().count() > 100 => {
                return Err(StoreError::Invalid(
                    "a channel's name must be 1 to 100 characters".into(),
                ))
            }
            other => other.as_ref().map(|n| n.trim().to_string()),
        };
        let keys = self.keys().clone();
        self.write(move |db, _| {
                let row: Option<(String, Option<String>)> = db.query_opt("SELECT kind, credentials FROM channel_accounts
                         WHERE id = ?1 AND is_api = 0 AND removed_at IS NULL", &[&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let Some((kind, creds)) = row else {
                    return Err(StoreError::NotFound("channel"));
                };
                let kind: ChannelKind = kind.parse().map_err(StoreError::Internal)?;
                let mut merged = match creds {
                    Some(c) => data::credentials::open(&keys, id, &c)?,
                    None => Default::default(),
                };
                for (k, v) in patch.credentials {
                    if v.trim().is_empty() && optional_credential_keys(kind).contains(&k.as_str()) {
                        merged.remove(&k);
                    } else {
                        merged.insert(k, v);
                    }
                }
                check_credentials(kind, &merged).map_err(StoreError::Invalid)?;
                let creds = data::credentials::seal(&keys, id, &merged)?;
                db.execute("UPDATE channel_accounts SET name = COALESCE(?2, name), credentials = ?3 WHERE id = ?1", &[&id, &name, &creds])?;
                // A token got with the old secret may no longer be good.
                data::platform_tokens::forget(db, id)?;
                let name: String = db.query_row("SELECT name FROM channel_accounts WHERE id = ?1", &[&id], |r| r.get(0))?;
                Ok(ChannelAccount {
                    id,
                    kind,
                    name,
                    is_api: false,
                    webhook_path: Some(webhook_path(kind, id)),
                    credential_keys: merged.into_keys().collect(),
                })
            })
            .await
    }

    async fn channel_credentials(
        &self,
        id: ChannelAccountId,
    ) -> StoreResult<Option<(ChannelKind, std::collections::BTreeMap<String, String>)>> {
        let keys = self.keys().clone();
        self.read(move |db| {
            let row: Option<(String, Option<String>)> = db.query_opt(
                "SELECT kind, credentials FROM channel_accounts
                         WHERE id = ?1 AND is_api = 0 AND removed_at IS NULL",
                &[&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let Some((kind, Some(creds))) = row else {
                return Ok(None);
            };
            let Ok(kind) = kind.parse() else {
                return Ok(None);
            };
            Ok(Some((kind, data::credentials::open(&keys, id, &creds)?)))
        })
        .await
    }

    async fn platform_token(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PlatformToken>> {
        let keys = self.keys().clone();
        let now = now.timestamp_millis();
        self.read(move |db| data::platform_tokens::current(db, &keys, account, now))
            .await
    }

    async fn claim_platform_token_fetch(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let (now, until) = (now.timestamp_millis(), until.timestamp_millis());
        self.write(move |db, _| data::platform_tokens::claim_fetch(db, account, now, until))
            .await
    }

    async fn platform_token_fetched(
        &self,
        account: ChannelAccountId,
        claimed_until: DateTime<Utc>,
        token: Option<PlatformToken>,
    ) -> StoreResult<()> {
        let keys = self.keys().clone();
        let until = claimed_until.timestamp_millis();
        self.write(move |db, _| {
            data::platform_tokens::fetched(db, &keys, account, until, token.as_ref())
        })
        .await
    }

    async fn platform_token_refused(
        &self,
        account: ChannelAccountId,
        fetched_at_ms: i64,
    ) -> StoreResult<()> {
        self.write(move |db, _| data::platform_tokens::refused(db, account, fetched_at_ms))
            .await
    }
}
