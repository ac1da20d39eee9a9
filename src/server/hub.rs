//! The event hub: committed events fanned out to every WebSocket.
//!
//! Each event is serialised once, here, and the same frame text is shared by
//! every connection.

use crate::protocol::{Event, Seq};
use axum::extract::ws::Utf8Bytes;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::{broadcast, watch, Notify};

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
    /// Rung when a message is waiting to go out through a platform.
    outbox: Arc<Notify>,
    /// Rung when a customer's file is waiting to be fetched.
    media: Arc<Notify>,
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
        Hub {
            tx,
            closing,
            outbox: Arc::default(),
            media: Arc::default(),
        }
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

    /// Wakes the delivery worker (a message is pending).
    pub fn wake_outbox(&self) {
        self.outbox.notify_one();
    }

    pub fn outbox(&self) -> Arc<Notify> {
        self.outbox.clone()
    }

    /// Wakes the worker that fetches customers' files.
    pub fn wake_media(&self) {
        self.media.notify_one();
    }

    pub fn media(&self) -> Arc<Notify> {
        self.media.clone()
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
