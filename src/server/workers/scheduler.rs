//! Sends scheduled messages when they fall due, runs broadcasts in batches
//! and wakes snoozed conversations, with or without a client running. A
//! message that fell due while the server was down goes out when it starts
//! again; each goes out exactly once (see `Store::send_due`).

use super::every;
use crate::server::AppState;
use std::time::Duration;

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
