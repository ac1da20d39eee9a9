//! Shared macros, and picking a team member to assign.

use super::{now_ms, to_dt};
use crate::protocol::*;
use crate::server::store::{StoreError, StoreResult};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

fn row(r: &rusqlite::Row) -> rusqlite::Result<(String, String, AgentId, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn shared((name, steps, by, at): (String, String, AgentId, i64)) -> StoreResult<SharedMacro> {
    Ok(SharedMacro {
        name,
        steps: serde_json::from_str(&steps)
            .map_err(|e| StoreError::Internal(format!("a stored macro is unreadable: {e}")))?,
        updated_by: by,
        updated_at: to_dt(at),
    })
}

pub fn list(conn: &Connection) -> StoreResult<Vec<SharedMacro>> {
    let rows: Vec<_> = conn
        .prepare_cached(
            "SELECT name, steps, updated_by, updated_at FROM macros ORDER BY name COLLATE NOCASE",
        )?
        .query_map([], row)?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(shared).collect()
}

/// Creates or replaces the macro `name` (names match in any case).
pub fn put(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    name: &str,
    steps: Vec<MacroStep>,
    by: AgentId,
) -> StoreResult<SharedMacro> {
    let name = name.trim();
    check_macro(name, &steps).map_err(StoreError::Invalid)?;
    let json = serde_json::to_string(&steps).map_err(|e| StoreError::Internal(e.to_string()))?;
    tx.prepare_cached("DELETE FROM macros WHERE name = ?1 COLLATE NOCASE")?
        .execute([name])?;
    tx.prepare_cached(
        "INSERT INTO macros (name, steps, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![name, json, by, now_ms()])?;
    let m = tx
        .prepare_cached("SELECT name, steps, updated_by, updated_at FROM macros WHERE name = ?1")?
        .query_row([name], row)
        .map_err(StoreError::from)
        .and_then(shared)?;
    events.push(EventKind::MacroChanged { shared: m.clone() });
    Ok(m)
}

pub fn delete(tx: &Transaction, events: &mut Vec<EventKind>, name: &str) -> StoreResult<()> {
    let found: Option<String> = tx
        .prepare_cached("SELECT name FROM macros WHERE name = ?1 COLLATE NOCASE")?
        .query_row([name.trim()], |r| r.get(0))
        .optional()?;
    let Some(name) = found else {
        return Err(StoreError::NotFound("macro"));
    };
    tx.prepare_cached("DELETE FROM macros WHERE name = ?1")?
        .execute([&name])?;
    events.push(EventKind::MacroDeleted { name });
    Ok(())
}

/// The member of `team` to assign: one already on the conversation, else
/// the one with the fewest open or pending conversations (then the lowest
/// id).
pub fn team_member(
    conn: &Connection,
    conversation: ConversationId,
    team: &str,
) -> StoreResult<AgentId> {
    let team_id: Option<i64> = conn
        .prepare_cached("SELECT id FROM teams WHERE name = ?1 COLLATE NOCASE")?
        .query_row([team.trim()], |r| r.get(0))
        .optional()?;
    let Some(team_id) = team_id else {
        return Err(StoreError::NotFound("team"));
    };
    let already: Option<AgentId> = conn
        .prepare_cached(
            "SELECT ca.agent_id FROM conversation_assignees ca
             JOIN agent_teams t ON t.agent_id = ca.agent_id AND t.team_id = ?2
             JOIN agents ag ON ag.id = ca.agent_id AND ag.disabled_at IS NULL
             WHERE ca.conversation_id = ?1 LIMIT 1",
        )?
        .query_row(params![conversation, team_id], |r| r.get(0))
        .optional()?;
    if let Some(a) = already {
        return Ok(a);
    }
    conn.prepare_cached("SELECT t.agent_id FROM agent_teams t
         JOIN agents ag ON ag.id = t.agent_id AND ag.disabled_at IS NULL
         LEFT JOIN conversation_assignees ca ON ca.agent_id = t.agent_id
         LEFT JOIN conversations cv ON cv.id = ca.conversation_id AND cv.status IN ('open', 'pending')
         WHERE t.team_id = ?1
         GROUP BY t.agent_id
         ORDER BY COUNT(cv.id), t.agent_id
         LIMIT 1")?.query_row([team_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| StoreError::Invalid(format!("the team {team:?} has no members")))
}
