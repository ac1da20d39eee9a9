//! The event hub: committed events fanned out to every WebSocket.
//!
//! Each event is serialised once, here, and the same frame text is shared by
//! every connection.

use crate::protocol::{Event, Seq};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// One committed event, ready to send.
#[derive(Debug)]
pub struct Published {
    pub seq: Seq,
    pub json: String,
}

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Published>>,
    closing: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(8192);
        let (closing, _) = watch::channel(false);
        Hub { tx, closing }
    }

    /// Called by the store after commit, in sequence order.
    pub fn publish(&self, event: &Event) {
        let json = match serde_json::to_string(event) {
            Ok(json) => json,
            Err(e) => {
                tracing::error!("could not serialise event {}: {e}", event.seq);
                return;
            }
        };
        // No receivers is fine: nobody is listening right now.
        let _ = self.tx.send(Arc::new(Published {
            seq: event.seq,
            json,
        }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }

    /// Tells every open stream that the server is shutting down.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`close`](Self::close) has been called.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }
}
