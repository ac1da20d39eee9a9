//! Tokens: issued, looked up, pruned, revoked.

use super::*;

pub async fn add_token<E: Engine>(
    store: &E,
    agent_id: AgentId,
    token_hash: String,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let at = at.timestamp_millis();
    store.write(move |db, _| {
            load_agent(db, agent_id)?;
            db.execute("INSERT INTO tokens (hash, agent_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3)", &[&token_hash, &agent_id, &at])?;
            Ok(())
        })
        .await
}

pub async fn agent_by_token_hash<E: Engine>(
    store: &E,
    token_hash: &str,
    now: DateTime<Utc>,
    idle: chrono::Duration,
) -> StoreResult<Option<Agent>> {
    let hash = token_hash.to_string();
    let now = now.timestamp_millis();
    let after = now - idle.num_milliseconds();
    let found = {
        let hash = hash.clone();
        store
            .read(move |db| data::sessions::agent_by_token(db, &hash, now, after))
            .await?
    };
    let Some(found) = found else { return Ok(None) };
    if found.stale {
        store
            .write(move |db, _| data::sessions::touch_token(db, &hash, now))
            .await?;
    }
    Ok(Some(found.agent))
}

pub async fn prune_tokens<E: Engine>(store: &E, idle_since: DateTime<Utc>) -> StoreResult<usize> {
    let before = idle_since.timestamp_millis();
    store
        .write(move |db, _| data::sessions::prune_tokens(db, before))
        .await
}

pub async fn revoke_token<E: Engine>(store: &E, token_hash: &str) -> StoreResult<bool> {
    let hash = token_hash.to_string();
    store
        .write(move |db, _| data::sessions::revoke_token(db, &hash))
        .await
}

pub async fn revoke_tokens<E: Engine>(store: &E, agent: AgentId) -> StoreResult<usize> {
    store
        .write(move |db, _| data::sessions::revoke_tokens(db, agent))
        .await
}
