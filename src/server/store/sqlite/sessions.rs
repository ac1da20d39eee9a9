//! Who may sign in: bearer tokens that expire when idle and can be revoked,
//! and agents an admin disables, enables again or removes.

use super::{load_agent, load_conversation, load_scheduled, now_ms, system_message, who};
use crate::protocol::*;
use crate::server::store::sql::Db;
use crate::server::store::{StoreError, StoreResult};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// A token's use is written down at most this often (a write per request
/// would cost more than the request).
const TOUCH_EVERY_MS: i64 = 60 * 60 * 1000;

/// What a live token says: its agent, and whether its last use is old
/// enough to be written down again.
pub struct TokenLookup {
    pub agent: Agent,
    pub stale: bool,
}

/// The agent a token signs in, if the token was used at or after
/// `used_after_ms` and its agent is neither disabled nor removed.
pub fn agent_by_token(
    conn: &Connection,
    hash: &str,
    now_ms: i64,
    used_after_ms: i64,
) -> StoreResult<Option<TokenLookup>> {
    let row: Option<(AgentId, i64, bool)> = conn
        .prepare_cached(
            "SELECT t.agent_id, COALESCE(t.last_used_at, t.created_at),
                    a.disabled_at IS NOT NULL OR a.removed_at IS NOT NULL
             FROM tokens t JOIN agents a ON a.id = t.agent_id
             WHERE t.hash = ?1",
        )?
        .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match row {
        Some((id, last_used, false)) if last_used >= used_after_ms => Ok(Some(TokenLookup {
            agent: load_agent(Db::Sqlite(conn), id)?,
            stale: now_ms - last_used >= TOUCH_EVERY_MS,
        })),
        _ => Ok(None),
    }
}

/// Writes down that a token was used at `at_ms`.
pub fn touch_token(tx: &Transaction, hash: &str, at_ms: i64) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?2) WHERE hash = ?1",
    )?
    .execute(params![hash, at_ms])?;
    Ok(())
}

/// Deletes tokens idle since before `before_ms`; how many went.
pub fn prune_tokens(tx: &Transaction, before_ms: i64) -> StoreResult<usize> {
    Ok(tx
        .prepare_cached("DELETE FROM tokens WHERE COALESCE(last_used_at, created_at) < ?1")?
        .execute([before_ms])?)
}

pub fn revoke_token(tx: &Transaction, hash: &str) -> StoreResult<bool> {
    Ok(tx
        .prepare_cached("DELETE FROM tokens WHERE hash = ?1")?
        .execute([hash])?
        > 0)
}

pub fn revoke_tokens(tx: &Transaction, agent: AgentId) -> StoreResult<usize> {
    live_agent(tx, agent)?;
    Ok(tx
        .prepare_cached("DELETE FROM tokens WHERE agent_id = ?1")?
        .execute([agent])?)
}

/// An agent that has not been removed, or NotFound.
pub fn live_agent(conn: &Connection, id: AgentId) -> StoreResult<Agent> {
    let removed: Option<Option<i64>> = conn
        .prepare_cached("SELECT removed_at FROM agents WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match removed {
        Some(None) => load_agent(Db::Sqlite(conn), id),
        _ => Err(StoreError::NotFound("agent")),
    }
}

/// An agent work may be given to: not removed (NotFound), not disabled.
pub fn assignable(conn: &Connection, id: AgentId) -> StoreResult<Agent> {
    let agent = live_agent(conn, id)?;
    if agent.disabled {
        return Err(StoreError::Invalid(format!(
            "{} is disabled: an admin must enable them first",
            agent.name
        )));
    }
    Ok(agent)
}

/// Cancels what was scheduled to go out in the agent's name: nothing is
/// sent for someone who can no longer sign in.
fn cancel_scheduled_of(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    id: AgentId,
    now: i64,
) -> StoreResult<()> {
    let pending: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM scheduled_messages WHERE created_by = ?1 AND status = 'pending'",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for s in pending {
        tx.prepare_cached(
            "UPDATE scheduled_messages SET status = 'cancelled', updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![s, now])?;
        events.push(EventKind::ScheduledChanged {
            scheduled: load_scheduled(tx, s)?,
        });
    }
    Ok(())
}

/// Admins who can still sign in, other than `but`.
fn other_active_admins(conn: &Connection, but: AgentId) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM agents WHERE role = 'admin' AND id != ?1
             AND disabled_at IS NULL AND removed_at IS NULL",
        )?
        .query_row([but], |r| r.get(0))?)
}

/// Disables an agent (its tokens stop working at once, it cannot sign in,
/// it is not picked for team assignment) or enables it again.
pub fn set_disabled(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    id: AgentId,
    disabled: bool,
) -> StoreResult<Agent> {
    let agent = live_agent(tx, id)?;
    if agent.disabled == disabled {
        return Ok(agent);
    }
    if disabled && agent.is_admin() && other_active_admins(tx, id)? == 0 {
        return Err(StoreError::Conflict(
            "this is the last admin who can sign in: make another admin first".into(),
        ));
    }
    tx.prepare_cached("UPDATE agents SET disabled_at = ?2 WHERE id = ?1")?
        .execute(params![id, disabled.then(now_ms)])?;
    if disabled {
        cancel_scheduled_of(tx, events, id, now_ms())?;
    }
    let agent = load_agent(Db::Sqlite(tx), id)?;
    events.push(EventKind::AgentUpdated {
        agent: agent.clone(),
    });
    Ok(agent)
}

/// Removes an agent: it is unassigned from every conversation (each with a
/// system note), leaves its teams and folders, loses its tokens and its
/// login (which another agent may then take); its messages keep its name.
pub fn remove(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    by: Option<AgentId>,
    id: AgentId,
) -> StoreResult<()> {
    let agent = live_agent(tx, id)?;
    if agent.is_admin() && other_active_admins(tx, id)? == 0 {
        return Err(StoreError::Conflict(
            "this is the last admin who can sign in: make another admin first".into(),
        ));
    }
    let conversations: Vec<ConversationId> = tx
        .prepare_cached("SELECT conversation_id FROM conversation_assignees WHERE agent_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let now = now_ms();
    for conv in conversations {
        tx.prepare_cached(
            "DELETE FROM conversation_assignees WHERE conversation_id = ?1 AND agent_id = ?2",
        )?
        .execute(params![conv, id])?;
        let text = format!(
            "{} unassigned: removed by {}",
            agent.name,
            who(Db::Sqlite(tx), by)?
        );
        system_message(Db::Sqlite(tx), events, conv, by, text, now)?;
        events.push(EventKind::AssigneeRemoved {
            conversation: load_conversation(Db::Sqlite(tx), conv)?,
            agent_id: id,
            by,
        });
    }
    tx.prepare_cached("DELETE FROM agent_teams WHERE agent_id = ?1")?
        .execute([id])?;
    // Folders kept for the agent stay scoped to it (so only admins see them
    // now, to re-scope or delete): taking the agent off would open a
    // personal folder to everyone.
    tx.prepare_cached("DELETE FROM tokens WHERE agent_id = ?1")?
        .execute([id])?;
    cancel_scheduled_of(tx, events, id, now)?;
    // The login is freed; the old one is kept beside the id and time, which
    // no live login can be.
    tx.prepare_cached(
        "UPDATE agents SET removed_at = ?2, disabled_at = COALESCE(disabled_at, ?2),
                password_hash = NULL, login = login || '~removed-' || id || '-' || ?2
         WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    events.push(EventKind::AgentRemoved { agent_id: id });
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::server::store::migrations::MIGRATIONS;

    #[test]
    fn tokens_issued_long_ago_survive_the_upgrade_that_makes_tokens_expire() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..12] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO agents (name, login, role, created_at) VALUES ('A', 'a', 'agent', 0);
             INSERT INTO tokens (hash, agent_id, created_at) VALUES ('h', 1, 0);",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[12]).unwrap();
        let last: i64 = conn
            .query_row(
                "SELECT last_used_at FROM tokens WHERE hash = 'h'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        assert!((now - last).abs() < 5_000, "{last} vs {now}");
    }
}
