//! Agents and teams: loading an agent with its teams, names, teams made on
//! first use.

use super::super::sql::Db;
use crate::protocol::*;
use crate::server::store::{StoreError, StoreResult};

pub fn load_teams(db: Db, agent: AgentId) -> StoreResult<Vec<Team>> {
    db.query(
        "SELECT t.id, t.name FROM teams t JOIN agent_teams at ON at.team_id = t.id
         WHERE at.agent_id = ?1 ORDER BY t.name",
        &[&agent],
        |r| {
            Ok(Team {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    )
}

pub fn load_agent(db: Db, id: AgentId) -> StoreResult<Agent> {
    let (name, login, role, disabled) = db.query_one(
        "agent",
        "SELECT name, login, role, CASE WHEN disabled_at IS NULL THEN 0 ELSE 1 END
         FROM agents WHERE id = ?1",
        &[&id],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.flag(3)?,
            ))
        },
    )?;
    Ok(Agent {
        id,
        name,
        login,
        role: if role == "admin" {
            Role::Admin
        } else {
            Role::Agent
        },
        teams: load_teams(db, id)?,
        disabled,
    })
}

pub fn agent_name(db: Db, id: AgentId) -> StoreResult<String> {
    db.query_one(
        "agent",
        "SELECT name FROM agents WHERE id = ?1",
        &[&id],
        |r| r.get(0),
    )
}

/// Who did something, for a system note: an agent's name, or the system.
pub fn who(db: Db, by: Option<AgentId>) -> StoreResult<String> {
    match by {
        Some(id) => agent_name(db, id),
        None => Ok("the system".to_string()),
    }
}

/// The team called `name`, made when there is none yet.
pub fn ensure_team(db: Db, name: &str) -> StoreResult<TeamId> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("a team name cannot be empty".into()));
    }
    if let Some(id) = db.value::<TeamId>("SELECT id FROM teams WHERE name = ?1", &[&name])? {
        return Ok(id);
    }
    db.query_one(
        "team",
        "INSERT INTO teams (name) VALUES (?1) RETURNING id",
        &[&name],
        |r| r.get(0),
    )
}
