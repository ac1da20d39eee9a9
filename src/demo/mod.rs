//! The embedded demo: a real server on a loopback port with a fresh
//! temporary database, seeded with agents, teams and about 200 customers
//! with multilingual histories, and a simulator that keeps customers
//! writing in through the same inbound route that external systems use.

pub mod data;
mod seed;
mod simulator;

use crate::server::{self, RunningServer, ServerConfig};
use std::net::SocketAddr;

pub use seed::{SeedSummary, DEMO_PASSWORD};

/// A running demo. Dropping it leaves the server running until the runtime
/// ends; call [`Demo::stop`] to stop it cleanly.
pub struct Demo {
    pub server: RunningServer,
    /// Token of the admin who delivers the simulated customer messages.
    pub admin_token: String,
    /// Token of the agent the demo signs in as.
    pub agent_token: String,
    pub seeded: SeedSummary,
    simulator: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Demo {
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.simulator.abort();
        self.server.stop().await
    }
}

/// Starts the demo server on `listen` (port 0 picks a free one).
pub async fn start(listen: SocketAddr) -> anyhow::Result<Demo> {
    start_with(listen, simulator::DEFAULT_PACE).await
}

/// Like [`start`], with the simulator's pause between messages
/// (`None` turns the simulator off, for tests).
pub async fn start_with(listen: SocketAddr, pace: Option<simulator::Pace>) -> anyhow::Result<Demo> {
    let dir = tempfile::Builder::new()
        .prefix("chatsmart-demo-")
        .tempdir()?;
    let db = dir.path().join("demo.db");
    let server = server::start(ServerConfig::new(listen, db)).await?;
    let seeded = seed::seed(server.state.store.as_ref()).await?;
    let simulator = match pace {
        Some(pace) => simulator::spawn(
            server.url(),
            seeded.admin_token.clone(),
            seeded.customers.clone(),
            pace,
        )?,
        None => tokio::spawn(async {}),
    };
    Ok(Demo {
        admin_token: seeded.admin_token.clone(),
        agent_token: seeded.agent_token.clone(),
        server,
        seeded,
        simulator,
        _dir: dir,
    })
}

pub use simulator::Pace;
