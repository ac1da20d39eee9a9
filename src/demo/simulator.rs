//! Keeps the demo alive: customers write in every few seconds, through the
//! real HTTP inbound route, as an external system would.

use super::data::{self, LANGS};
use super::seed::{channel_user_id, lang_for, person_name, DemoCustomer};
use crate::client::Client;
use crate::protocol::{ChannelKind, Inbound};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// The pause between simulated messages, drawn between the two bounds.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub min: Duration,
    pub max: Duration,
}

pub const DEFAULT_PACE: Option<Pace> = Some(Pace {
    min: Duration::from_secs(2),
    max: Duration::from_secs(6),
});

pub fn spawn(
    url: String,
    admin_token: String,
    mut customers: Vec<DemoCustomer>,
    pace: Pace,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let client = Client::new(&url, Some(admin_token))?;
    Ok(tokio::spawn(async move {
        let mut rng = StdRng::from_entropy();
        let mut n: u64 = 0;
        loop {
            let wait = rng.gen_range(pace.min..=pace.max.max(pace.min));
            tokio::time::sleep(wait).await;
            n += 1;
            // One in five messages comes from someone new.
            let customer = if customers.is_empty() || rng.gen_bool(0.2) {
                let channel = *ChannelKind::ALL
                    .choose(&mut rng)
                    .unwrap_or(&ChannelKind::Line);
                let lang = lang_for(channel, rng.gen());
                let c = DemoCustomer {
                    channel,
                    channel_user_id: channel_user_id(&mut rng, channel),
                    name: person_name(&mut rng, lang),
                    lang,
                };
                customers.push(c.clone());
                c
            } else {
                // Recent talkers are likelier to write again.
                let len = customers.len();
                let i = len - 1 - rng.gen_range(0..len).min(rng.gen_range(0..len));
                customers[i].clone()
            };
            let lang = if LANGS.contains(&customer.lang) {
                customer.lang
            } else {
                LANGS[0]
            };
            let text = data::live_messages(lang)
                .choose(&mut rng)
                .copied()
                .unwrap_or("Hello?");
            let msg = Inbound {
                channel: customer.channel,
                channel_user_id: customer.channel_user_id.clone(),
                customer_name: customer.name.clone(),
                text: text.to_string(),
                external_id: format!("sim-{}-{n}", rng.gen::<u64>()),
                attachment_id: None,
            };
            if let Err(e) = client.inbound(&msg).await {
                tracing::warn!("demo simulator: {e}");
            }
        }
    }))
}
