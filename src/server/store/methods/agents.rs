//! Agents and teams.

use super::*;

/// The store's agents and teams.
#[async_trait]
pub trait AgentStore: Send + Sync {
    async fn create_agent(&self, new: NewAgent) -> StoreResult<Agent>;
    async fn list_agents(&self) -> StoreResult<Vec<Agent>>;
    async fn list_teams(&self) -> StoreResult<Vec<Team>>;
    /// Disables an agent (no sign-in, no token works, not picked for team
    /// assignment) or enables it again; refuses to disable the last admin.
    async fn set_agent_disabled(&self, agent: AgentId, disabled: bool) -> StoreResult<Agent>;
    /// Removes an agent: unassigned everywhere, out of teams and folders,
    /// no tokens, login freed; its messages keep its name.
    async fn remove_agent(&self, actor: Actor, agent: AgentId) -> StoreResult<()>;
    /// The agent and its password hash, when it has one.
    async fn agent_login(&self, login: &str) -> StoreResult<Option<(Agent, Option<String>)>>;
    async fn set_password(&self, agent_id: AgentId, password_hash: String) -> StoreResult<()>;
}

#[async_trait]
impl<E: Engine> AgentStore for E {
    async fn create_agent(&self, new: NewAgent) -> StoreResult<Agent> {
        validate_text(&new.name, "an agent's name", 200)?;
        validate_text(&new.login, "a login", 200)?;
        self.write(move |db, events| {
                let exists: Option<i64> = db.value("SELECT id FROM agents WHERE login = ?1", &[&new.login.trim()])?;
                if exists.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "an agent with the login {:?} already exists",
                        new.login.trim()
                    )));
                }
                let id: i64 = db.query_row("INSERT INTO agents (name, login, role, password_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id", &[&new.name.trim(), &new.login.trim(), &new.role.as_str(), &new.password_hash, &now_ms()], |r| r.get(0))?;
                for team in &new.teams {
                    let team_id = ensure_team(db, team)?;
                    db.execute("INSERT INTO agent_teams (agent_id, team_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", &[&id, &team_id])?;
                }
                let agent = load_agent(db, id)?;
                events.push(EventKind::AgentCreated {
                    agent: agent.clone(),
                });
                Ok(agent)
            })
            .await
    }

    async fn list_agents(&self) -> StoreResult<Vec<Agent>> {
        self.read(|db| {
            let ids: Vec<i64> = db.query(
                "SELECT id FROM agents WHERE removed_at IS NULL ORDER BY name, id",
                &[],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_agent(db, id)).collect()
        })
        .await
    }

    async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        self.read(|db| {
            let rows = db.query("SELECT id, name FROM teams ORDER BY name", &[], |r| {
                Ok(Team {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?;
            Ok(rows)
        })
        .await
    }

    async fn set_agent_disabled(&self, agent: AgentId, disabled: bool) -> StoreResult<Agent> {
        self.write(move |db, events| data::sessions::set_disabled(db, events, agent, disabled))
            .await
    }

    async fn remove_agent(&self, actor: Actor, agent: AgentId) -> StoreResult<()> {
        self.write(move |db, events| data::sessions::remove(db, events, actor.by, agent))
            .await
    }

    async fn agent_login(&self, login: &str) -> StoreResult<Option<(Agent, Option<String>)>> {
        let login = login.trim().to_string();
        self.read(move |db| {
            let row: Option<(i64, Option<String>)> = db.query_opt(
                "SELECT id, password_hash FROM agents WHERE login = ?1 AND removed_at IS NULL",
                &[&login],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            match row {
                Some((id, hash)) => Ok(Some((load_agent(db, id)?, hash))),
                None => Ok(None),
            }
        })
        .await
    }

    async fn set_password(&self, agent_id: AgentId, password_hash: String) -> StoreResult<()> {
        self.write(move |db, _| {
            let n = db.execute(
                "UPDATE agents SET password_hash = ?2 WHERE id = ?1",
                &[&agent_id, &password_hash],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("agent"));
            }
            Ok(())
        })
        .await
    }
}
