//! Sends scheduled messages when they fall due, runs broadcasts in batches
//! and wakes snoozed conversations, with or without a client running. A
//! message that fell due while the server was down goes out when it starts
//! again; each goes out exactly once (see `Store::send_due`).

use super::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Recipients a broadcast reaches per tick (one tick a second).
pub const BROADCAST_BATCH: u32 = 200;

/// Sends whatever is due now, and the next batch of any broadcast under
/// way; returns how many messages went out.
pub async fn tick(state: &AppState) -> usize {
    let now = state.clock.now();
    let scheduled = match state.store.send_due(now).await {
        Ok(sent) => sent.len(),
        Err(e) => {
            tracing::warn!("scheduled messages: {e}");
            0
        }
    };
    let broadcast = match state.store.run_broadcasts(now, BROADCAST_BATCH).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("broadcasts: {e}");
            0
        }
    };
    let woken = match state.store.wake_snoozed(now).await {
        Ok(w) => w.len(),
        Err(e) => {
            tracing::warn!("snoozed conversations: {e}");
            0
        }
    };
    scheduled + broadcast + woken
}

/// Runs until the server closes: at start (catching up), then every second.
pub fn spawn(state: AppState) {
    every(state, Duration::from_secs(1), None, |s| async move {
        tick(&s).await;
    });
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
                _ = wake.notified() => work(state.clone()).await,
                _ = closing.changed() => return,
            }
        }
    });
}
