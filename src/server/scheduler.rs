//! Sends scheduled messages when they fall due, with or without a client
//! running. One that fell due while the server was down goes out when it
//! starts again; each goes out exactly once (see `Store::send_due`).

use super::AppState;
use std::time::Duration;

/// Sends whatever is due now; returns how many went out.
pub async fn tick(state: &AppState) -> usize {
    match state.store.send_due(state.clock.now()).await {
        Ok(sent) => sent.len(),
        Err(e) => {
            tracing::warn!("scheduled messages: {e}");
            0
        }
    }
}

/// Runs until the server closes: at start (catching up), then every second.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut closing = state.hub.closing();
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = every.tick() => {
                    tick(&state).await;
                }
                _ = closing.changed() => return,
            }
        }
    });
}
