//! The server's background work, each part a loop that runs until the
//! server closes and picks its work up from the database, so a restart
//! loses nothing:
//!
//! - [`delivery`]: replies out through the platforms, in order, retried.
//! - [`media`]: the files customers send, fetched from the platforms.
//! - [`names`]: a new customer's name from the platform's profile.
//! - [`scheduler`]: scheduled messages, broadcasts, snoozes ending.
//! - [`bot`]: the bot's answers to customer messages.

pub mod bot;
pub mod delivery;
pub mod media;
pub mod names;
pub mod scheduler;

use crate::server::AppState;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Starts every worker.
pub fn spawn_all(state: &AppState, retry_base: Duration) {
    scheduler::spawn(state.clone());
    delivery::spawn(state.clone(), retry_base);
    media::spawn(state.clone(), retry_base);
    bot::spawn(state.clone(), retry_base);
}

/// How long a claim on work (a message to send, a file to fetch) lasts
/// unless renewed: a replica that dies mid-way leaves its work to another
/// after this. Work in hand is renewed every [`RENEW`].
pub const LEASE: Duration = Duration::from_secs(30);

/// How often claims on work in hand are renewed.
pub const RENEW: Duration = Duration::from_secs(10);

/// The longest wait between two tries.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// The wait before try `attempt + 1`: `base`, doubling, at most
/// [`MAX_WAIT`].
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1 << attempt.min(16)).min(MAX_WAIT)
}

/// Rings `bell` at `at` (a retry falling due).
pub fn wake_at(at: chrono::DateTime<Utc>, bell: Arc<Notify>) {
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        bell.notify_one();
    });
}

/// Now plus `wait`.
pub fn later(wait: Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

/// Runs `work` every `period` (skipping ticks it overran), and at once
/// whenever `wake` is rung, until the server closes.
pub fn every<F, Fut>(state: AppState, period: Duration, wake: Option<Arc<Notify>>, work: F)
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut closing = state.hub.closing();
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let wake = wake.unwrap_or_default();
        loop {
            tokio::select! {
                _ = tick.tick() => work(state.clone()).await,
                () = wake.notified() => work(state.clone()).await,
                _ = closing.changed() => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stop_growing() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 0), Duration::from_secs(5));
        assert_eq!(backoff(base, 3), Duration::from_secs(40));
        assert_eq!(backoff(base, 30), MAX_WAIT);
    }
}
