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
    send_a_photo(&server.url(), &seeded).await?;
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

/// A customer sends a photo through the API channel, as integrations do:
/// the file uploaded first, then the message naming it. The demo then shows
/// a file and its preview.
async fn send_a_photo(url: &str, seeded: &seed::SeedSummary) -> anyhow::Result<()> {
    let Some(customer) = seeded.customers.first() else {
        return Ok(());
    };
    let client = crate::client::Client::new(url, Some(seeded.admin_token.clone()))?;
    // A label photo stand-in: a warm gradient with a dark band.
    let img = image::RgbImage::from_fn(360, 240, |x, y| {
        if (100..140).contains(&y) {
            image::Rgb([40, 40, 48])
        } else {
            image::Rgb([200 + (x / 8) as u8 % 56, 120 + (y / 4) as u8 % 100, 60])
        }
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    let photo = client.upload_bytes("serial-number.png", png).await?;
    client
        .inbound(&crate::protocol::Inbound {
            channel: customer.channel,
            channel_user_id: customer.channel_user_id.clone(),
            customer_name: customer.name.clone(),
            text: String::new(),
            external_id: "demo-photo-1".into(),
            attachment_id: Some(photo.id),
        })
        .await?;
    Ok(())
}
