//! The event hub: committed events fanned out to every WebSocket.
//!
//! Each event is serialised once, here, and the same frame text is shared by
//! every connection.

use crate::protocol::{Event, Seq};
use axum::extract::ws::Utf8Bytes;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// One committed event, ready to send.
#[derive(Debug)]
pub struct Published {
    pub seq: Seq,
    /// The frame's text; cloning it for each socket shares the bytes.
    pub json: Utf8Bytes,
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

    /// Called by the store after commit, in sequence order, with the kind
    /// as the log stores it (serialised once, for both).
    pub fn publish(&self, seq: Seq, at: DateTime<Utc>, kind_json: &str) {
        let json = Event::frame(seq, at, kind_json);
        // No receivers is fine: nobody is listening right now.
        let _ = self.tx.send(Arc::new(Published {
            seq,
            json: json.into(),
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
