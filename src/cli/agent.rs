//! `chatsmart agent`: manage agents on the database directly.

use super::*;
use crate::server::store::Actor;

pub fn run_agent(cmd: AgentCommand) -> anyhow::Result<()> {
    runtime()?.block_on(async move {
        match cmd {
            AgentCommand::Add {
                db,
                name,
                login,
                admin,
                teams,
                password_stdin,
            } => {
                let store = open_store(db)?;
                let password_hash = if password_stdin {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    let pw = line.trim_end_matches(['\r', '\n']);
                    if pw.len() < 8 {
                        anyhow::bail!("the password must be at least 8 characters");
                    }
                    Some(hash_password(pw)?)
                } else {
                    None
                };
                let agent = store
                    .create_agent(NewAgent {
                        login: login.unwrap_or_else(|| crate::protocol::login_from_name(&name)),
                        name,
                        role: if admin { Role::Admin } else { Role::Agent },
                        teams,
                        password_hash,
                    })
                    .await?;
                let token = new_token();
                store
                    .add_token(agent.id, token_hash(&token), chrono::Utc::now())
                    .await?;
                eprintln!(
                    "created {} {} (id {}, login {})",
                    agent.role.as_str(),
                    agent.name,
                    agent.id,
                    agent.login
                );
                println!("{token}");
                Ok(())
            }
            AgentCommand::List { db } => {
                let store = open_store(db)?;
                for a in store.list_agents().await? {
                    let teams: Vec<_> = a.teams.iter().map(|t| t.name.as_str()).collect();
                    println!(
                        "{:>4}  {:<20} {:<20} {:<6} {}",
                        a.id,
                        a.name,
                        a.login,
                        a.role.as_str(),
                        teams.join(", ")
                    );
                }
                Ok(())
            }
            AgentCommand::Token { db, login } => {
                let store = open_store(db)?;
                let (agent, _) = store
                    .agent_login(&login)
                    .await?
                    .with_context(|| format!("no agent with the login {login:?}"))?;
                let token = new_token();
                store
                    .add_token(agent.id, token_hash(&token), chrono::Utc::now())
                    .await?;
                eprintln!("new token for {} (id {})", agent.name, agent.id);
                println!("{token}");
                Ok(())
            }
            AgentCommand::Disable { db, login } => {
                let (store, agent) = agent_by_login(db, &login).await?;
                store.set_agent_disabled(agent.id, true).await?;
                eprintln!(
                    "disabled {} ({login}): signed out, and cannot sign in",
                    agent.name
                );
                Ok(())
            }
            AgentCommand::Enable { db, login } => {
                let (store, agent) = agent_by_login(db, &login).await?;
                store.set_agent_disabled(agent.id, false).await?;
                eprintln!("enabled {} ({login}): may sign in again", agent.name);
                Ok(())
            }
            AgentCommand::Remove { db, login } => {
                let (store, agent) = agent_by_login(db, &login).await?;
                store.remove_agent(Actor::system(), agent.id).await?;
                eprintln!("removed {} ({login})", agent.name);
                Ok(())
            }
            AgentCommand::Tokens(TokensCommand::Revoke { db, login }) => {
                let (store, agent) = agent_by_login(db, &login).await?;
                let n = store.revoke_tokens(agent.id).await?;
                eprintln!("revoked {n} tokens of {} ({login})", agent.name);
                Ok(())
            }
        }
    })
}

async fn agent_by_login(
    db: Option<Database>,
    login: &str,
) -> anyhow::Result<(std::sync::Arc<dyn Store>, crate::protocol::Agent)> {
    let store = open_store(db)?;
    let (agent, _) = store
        .agent_login(login)
        .await?
        .with_context(|| format!("no agent with the login {login:?}"))?;
    Ok((store, agent))
}
