//! Tokens: issued, looked up, pruned, revoked.

use super::*;

/// The store's tokens: issued, looked up, pruned, revoked.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores the hash of a bearer token for the agent, issued (and so
    /// last used) at `at`.
    async fn add_token(
        &self,
        agent_id: AgentId,
        token_hash: String,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The agent a token signs in: None when the token is unknown or
    /// revoked, has been idle longer than `idle`, or its agent is disabled
    /// or removed. A use is written down (at most hourly) as it happens.
    async fn agent_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> StoreResult<Option<Agent>>;
    /// Deletes tokens last used before `idle_since`; how many went.
    async fn prune_tokens(&self, idle_since: DateTime<Utc>) -> StoreResult<usize>;
    /// Deletes one token; false when there was no such token.
    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool>;
    /// Deletes every token of an agent; how many went.
    async fn revoke_tokens(&self, agent: AgentId) -> StoreResult<usize>;
}

#[async_trait]
impl<E: Engine> SessionStore for E {
    async fn add_token(
        &self,
        agent_id: AgentId,
        token_hash: String,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let at = at.timestamp_millis();
        self.write(move |db, _| {
                load_agent(db, agent_id)?;
                db.execute("INSERT INTO tokens (hash, agent_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3)", &[&token_hash, &agent_id, &at])?;
                Ok(())
            })
            .await
    }

    async fn agent_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> StoreResult<Option<Agent>> {
        let hash = token_hash.to_string();
        let now = now.timestamp_millis();
        let after = now - idle.num_milliseconds();
        let found = {
            let hash = hash.clone();
            self.read(move |db| data::sessions::agent_by_token(db, &hash, now, after))
                .await?
        };
        let Some(found) = found else { return Ok(None) };
        if found.stale {
            self.write(move |db, _| data::sessions::touch_token(db, &hash, now))
                .await?;
        }
        Ok(Some(found.agent))
    }

    async fn prune_tokens(&self, idle_since: DateTime<Utc>) -> StoreResult<usize> {
        let before = idle_since.timestamp_millis();
        self.write(move |db, _| data::sessions::prune_tokens(db, before))
            .await
    }

    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool> {
        let hash = token_hash.to_string();
        self.write(move |db, _| data::sessions::revoke_token(db, &hash))
            .await
    }

    async fn revoke_tokens(&self, agent: AgentId) -> StoreResult<usize> {
        self.write(move |db, _| data::sessions::revoke_tokens(db, agent))
            .await
    }
}
