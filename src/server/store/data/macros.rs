//! Shared macros, and picking a team member to assign.

use super::{now_ms, to_dt};
use crate::protocol::*;
use crate::server::store::sql::{Db, Row};
use crate::server::store::{StoreError, StoreResult};

const COLUMNS: &str = "name, steps, updated_by, updated_at";

fn shared(r: &Row) -> StoreResult<SharedMacro> {
    let steps: String = r.get(1)?;
    Ok(SharedMacro {
        name: r.get(0)?,
        steps: serde_json::from_str(&steps)
            .map_err(|e| StoreError::Internal(format!("a stored macro is unreadable: {e}")))?,
        updated_by: r.get(2)?,
        updated_at: to_dt(r.get(3)?),
    })
}

pub fn list(db: Db) -> StoreResult<Vec<SharedMacro>> {
    db.query(
        &format!("SELECT {COLUMNS} FROM macros ORDER BY lower(name), name"),
        &[],
        shared,
    )
}

/// Creates or replaces the macro `name` (names match in any case).
pub fn put(
    db: Db,
    events: &mut Vec<EventKind>,
    name: &str,
    steps: Vec<MacroStep>,
    by: AgentId,
) -> StoreResult<SharedMacro> {
    let name = name.trim();
    check_macro(name, &steps).map_err(StoreError::Invalid)?;
    let json = serde_json::to_string(&steps).map_err(|e| StoreError::Internal(e.to_string()))?;
    db.execute("DELETE FROM macros WHERE lower(name) = lower(?1)", &[&name])?;
    let m = db.query_one(
        "macro",
        &format!(
            "INSERT INTO macros (name, steps, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4)
             RETURNING {COLUMNS}"
        ),
        &[&name, &json, &by, &now_ms()],
        shared,
    )?;
    events.push(EventKind::MacroChanged { shared: m.clone() });
    Ok(m)
}

pub fn delete(db: Db, events: &mut Vec<EventKind>, name: &str) -> StoreResult<()> {
    let Some(name) = db.value::<String>(
        "SELECT name FROM macros WHERE lower(name) = lower(?1)",
        &[&name.trim()],
    )?
    else {
        return Err(StoreError::NotFound("macro"));
    };
    db.execute("DELETE FROM macros WHERE name = ?1", &[&name])?;
    events.push(EventKind::MacroDeleted { name });
    Ok(())
}

/// The member of `team` to assign: one already on the conversation, else
/// the one with the fewest open or pending conversations (then the lowest
/// id).
pub fn team_member(db: Db, conversation: ConversationId, team: &str) -> StoreResult<AgentId> {
    let Some(team_id) = db.value::<i64>(
        "SELECT id FROM teams WHERE lower(name) = lower(?1)",
        &[&team.trim()],
    )?
    else {
        return Err(StoreError::NotFound("team"));
    };
    let already = db.value::<AgentId>(
        "SELECT ca.agent_id FROM conversation_assignees ca
         JOIN agent_teams t ON t.agent_id = ca.agent_id AND t.team_id = ?2
         JOIN agents ag ON ag.id = ca.agent_id AND ag.disabled_at IS NULL
         WHERE ca.conversation_id = ?1 ORDER BY ca.agent_id LIMIT 1",
        &[&conversation, &team_id],
    )?;
    if let Some(a) = already {
        return Ok(a);
    }
    db.value::<AgentId>(
        "SELECT t.agent_id FROM agent_teams t
         JOIN agents ag ON ag.id = t.agent_id AND ag.disabled_at IS NULL
         LEFT JOIN conversation_assignees ca ON ca.agent_id = t.agent_id
         LEFT JOIN conversations cv ON cv.id = ca.conversation_id AND cv.status IN ('open', 'pending')
         WHERE t.team_id = ?1
         GROUP BY t.agent_id
         ORDER BY COUNT(cv.id), t.agent_id
         LIMIT 1",
        &[&team_id],
    )?
    .ok_or_else(|| StoreError::Invalid(format!("the team {team:?} has no members")))
}
