//! The event hub: committed events fanned out to every WebSocket.
//!
//! Each event is serialised once, here, and the same frame text is shared by
//! every connection.

use super::audience::Audience;
use crate::protocol::{AgentId, Event, Seq};
use axum::extract::ws::Utf8Bytes;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::{broadcast, watch, Notify};

/// One committed event, ready to send.
#[derive(Debug)]
pub struct Published {
    pub seq: Seq,
    pub at: DateTime<Utc>,
    /// Who may see it (the stream filters per agent).
    pub audience: Audience,
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
    /// Rung when a customer message is waiting for the bot.
    bot: Arc<Notify>,
    /// Sign-ins that just ended: their event streams close.
    revoked: broadcast::Sender<Revoked>,
}

/// A sign-in that ended while its streams may be open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// One token (by its hash): signed out.
    Token(String),
    /// Every token of an agent: revoked, disabled or removed.
    Agent(AgentId),
}

impl crate::server::store::EventSink for Hub {
    fn committed(&self, seq: Seq, at: DateTime<Utc>, kind_json: &str, audience: Audience) {
        self.publish(seq, at, kind_json, audience);
    }

    fn work_waiting(&self, work: crate::server::store::Work) {
        match work {
            crate::server::store::Work::Outbox => self.wake_outbox(),
            crate::server::store::Work::Bot => self.wake_bot(),
        }
    }
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
        let (revoked, _) = broadcast::channel(256);
        Hub {
            tx,
            closing,
            outbox: Arc::default(),
            media: Arc::default(),
            bot: Arc::default(),
            revoked,
        }
    }

    /// Called by the store after commit, in sequence order, with the kind
    /// as the log stores it (serialised once, for both).
    pub fn publish(&self, seq: Seq, at: DateTime<Utc>, kind_json: &str, audience: Audience) {
        let json = Event::frame(seq, at, kind_json);
        // No receivers is fine: nobody is listening right now.
        let _ = self.tx.send(Arc::new(Published {
            seq,
            at,
            audience,
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

    /// Wakes the bot (a customer message waits for its answer).
    pub fn wake_bot(&self) {
        self.bot.notify_one();
    }

    pub fn bot(&self) -> Arc<Notify> {
        self.bot.clone()
    }

    /// Closes the event streams of a sign-in that ended.
    pub fn revoke(&self, what: Revoked) {
        let _ = self.revoked.send(what);
    }

    pub fn revocations(&self) -> broadcast::Receiver<Revoked> {
        self.revoked.subscribe()
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
