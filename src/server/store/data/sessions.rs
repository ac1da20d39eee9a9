//! Who may sign in: bearer tokens that expire when idle and can be revoked,
//! and agents an admin disables, enables again or removes.

use super::agents::{load_agent, who};
use super::conversations::load_conversation;
use super::messages::system_message;
use super::now_ms;
use super::scheduled::load_scheduled;
use crate::protocol::*;
use crate::server::store::sql::Db;
use crate::server::store::{StoreError, StoreResult};

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
    db: Db,
    hash: &str,
    now_ms: i64,
    used_after_ms: i64,
) -> StoreResult<Option<TokenLookup>> {
    let row: Option<(AgentId, i64, bool)> = db.query_opt(
        "SELECT t.agent_id, COALESCE(t.last_used_at, t.created_at),
                    CASE WHEN a.disabled_at IS NULL AND a.removed_at IS NULL THEN 0 ELSE 1 END
             FROM tokens t JOIN agents a ON a.id = t.agent_id
             WHERE t.hash = ?1",
        &[&hash],
        |r| Ok((r.get(0)?, r.get(1)?, r.flag(2)?)),
    )?;
    match row {
        Some((id, last_used, false)) if last_used >= used_after_ms => Ok(Some(TokenLookup {
            agent: load_agent(db, id)?,
            stale: now_ms - last_used >= TOUCH_EVERY_MS,
        })),
        _ => Ok(None),
    }
}

/// Writes down that a token was used at `at_ms`.
pub fn touch_token(db: Db, hash: &str, at_ms: i64) -> StoreResult<()> {
    db.execute(
        &format!(
            "UPDATE tokens SET last_used_at = {}(COALESCE(last_used_at, 0), ?2) WHERE hash = ?1",
            db.greatest()
        ),
        &[&hash, &at_ms],
    )?;
    Ok(())
}

/// Deletes tokens idle since before `before_ms`; how many went.
pub fn prune_tokens(db: Db, before_ms: i64) -> StoreResult<usize> {
    Ok(usize::try_from(db.execute(
        "DELETE FROM tokens WHERE COALESCE(last_used_at, created_at) < ?1",
        &[&before_ms],
    )?)
    .unwrap_or(usize::MAX))
}

pub fn revoke_token(db: Db, hash: &str) -> StoreResult<bool> {
    Ok(db.execute("DELETE FROM tokens WHERE hash = ?1", &[&hash])? > 0)
}

pub fn revoke_tokens(db: Db, agent: AgentId) -> StoreResult<usize> {
    live_agent(db, agent)?;
    Ok(
        usize::try_from(db.execute("DELETE FROM tokens WHERE agent_id = ?1", &[&agent])?)
            .unwrap_or(usize::MAX),
    )
}

/// An agent that has not been removed, or NotFound.
pub fn live_agent(db: Db, id: AgentId) -> StoreResult<Agent> {
    let removed: Option<Option<i64>> =
        db.value("SELECT removed_at FROM agents WHERE id = ?1", &[&id])?;
    match removed {
        Some(None) => load_agent(db, id),
        _ => Err(StoreError::NotFound("agent")),
    }
}

/// An agent work may be given to: not removed (NotFound), not disabled.
pub fn assignable(db: Db, id: AgentId) -> StoreResult<Agent> {
    let agent = live_agent(db, id)?;
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
    db: Db,
    events: &mut Vec<EventKind>,
    id: AgentId,
    now: i64,
) -> StoreResult<()> {
    let pending: Vec<i64> = db.query(
        "SELECT id FROM scheduled_messages WHERE created_by = ?1 AND status = 'pending'",
        &[&id],
        |r| r.get(0),
    )?;
    for s in pending {
        db.execute(
            "UPDATE scheduled_messages SET status = 'cancelled', updated_at = ?2 WHERE id = ?1",
            &[&s, &now],
        )?;
        events.push(EventKind::ScheduledChanged {
            scheduled: load_scheduled(db, s)?,
        });
    }
    Ok(())
}

/// Admins who can still sign in, other than `but`.
fn other_active_admins(db: Db, but: AgentId) -> StoreResult<i64> {
    db.query_row(
        "SELECT COUNT(*) FROM agents WHERE role = 'admin' AND id != ?1
             AND disabled_at IS NULL AND removed_at IS NULL",
        &[&but],
        |r| r.get(0),
    )
}

/// Disables an agent (its tokens stop working at once, it cannot sign in,
/// it is not picked for team assignment) or enables it again.
pub fn set_disabled(
    db: Db,
    events: &mut Vec<EventKind>,
    id: AgentId,
    disabled: bool,
) -> StoreResult<Agent> {
    let agent = live_agent(db, id)?;
    if agent.disabled == disabled {
        return Ok(agent);
    }
    if disabled && agent.is_admin() && other_active_admins(db, id)? == 0 {
        return Err(StoreError::Conflict(
            "this is the last admin who can sign in: make another admin first".into(),
        ));
    }
    db.execute(
        "UPDATE agents SET disabled_at = ?2 WHERE id = ?1",
        &[&id, &(disabled.then(now_ms))],
    )?;
    if disabled {
        cancel_scheduled_of(db, events, id, now_ms())?;
    }
    let agent = load_agent(db, id)?;
    events.push(EventKind::AgentUpdated {
        agent: agent.clone(),
    });
    Ok(agent)
}

/// Removes an agent: it is unassigned from every conversation (each with a
/// system note), leaves its teams and folders, loses its tokens and its
/// login (which another agent may then take); its messages keep its name.
pub fn remove(
    db: Db,
    events: &mut Vec<EventKind>,
    by: Option<AgentId>,
    id: AgentId,
) -> StoreResult<()> {
    let agent = live_agent(db, id)?;
    if agent.is_admin() && other_active_admins(db, id)? == 0 {
        return Err(StoreError::Conflict(
            "this is the last admin who can sign in: make another admin first".into(),
        ));
    }
    let conversations: Vec<ConversationId> = db.query(
        "SELECT conversation_id FROM conversation_assignees WHERE agent_id = ?1",
        &[&id],
        |r| r.get(0),
    )?;
    let now = now_ms();
    for conv in conversations {
        db.execute(
            "DELETE FROM conversation_assignees WHERE conversation_id = ?1 AND agent_id = ?2",
            &[&conv, &id],
        )?;
        let text = format!("{} unassigned: removed by {}", agent.name, who(db, by)?);
        system_message(db, events, conv, by, text, now)?;
        events.push(EventKind::AssigneeRemoved {
            conversation: load_conversation(db, conv)?,
            agent_id: id,
            by,
        });
    }
    db.execute("DELETE FROM agent_teams WHERE agent_id = ?1", &[&id])?;
    // Folders kept for the agent stay scoped to it (so only admins see them
    // now, to re-scope or delete): taking the agent off would open a
    // personal folder to everyone.
    db.execute("DELETE FROM tokens WHERE agent_id = ?1", &[&id])?;
    cancel_scheduled_of(db, events, id, now)?;
    // The login is freed; the old one is kept beside the id and time, which
    // no live login can be.
    db.execute(
        "UPDATE agents SET removed_at = ?2, disabled_at = COALESCE(disabled_at, ?2),
                password_hash = NULL, login = login || '~removed-' || id || '-' || ?2
         WHERE id = ?1",
        &[&id, &now],
    )?;
    events.push(EventKind::AgentRemoved { agent_id: id });
    Ok(())
}
