//! The outbound queue: agents' and the bot's replies on real channels are
//! stored pending, and this worker sends each through its platform
//! (`server/channels`), in order within a conversation. The reply window
//! is checked first, so a reply that cannot go fails at once with the
//! reason instead of reaching the platform. A failure worth retrying (a
//! rate limit, the platform down, the network) is tried again with growing
//! waits, a bounded number of times; any other failure, or the last try,
//! marks the message failed with the platform's reason, and an agent can
//! send it again (`POST /messages/{id}/retry`).

use super::{backoff, every, later, wake_at, LEASE, RENEW};
use crate::protocol::*;
use crate::server::channels::{stable_uuid, OutFile, Outgoing, RecordParts};
use crate::server::store::{Delivery, DeliveryOutcome};
use crate::server::AppState;
use chrono::Utc;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many tries a message gets before it is marked failed.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long after its event LINE's reply token is still worth trying
/// (LINE keeps it about a minute; after that the reply is pushed).
const REPLY_TOKEN_SECS: i64 = 50;

/// How often the queue is looked at when nothing woke it (for retries
/// falling due); a new pending message wakes it at once.
const POLL: Duration = Duration::from_secs(1);

/// The most messages in flight at once (each its own conversation).
const MAX_IN_FLIGHT: usize = 64;

/// Messages being sent now: the queue never starts one twice.
type InFlight = Arc<Mutex<HashSet<MessageId>>>;

/// Runs until the server closes.
pub fn spawn(state: AppState, retry_base: Duration) {
    let in_flight = InFlight::default();
    // What is being sent stays claimed while it is.
    {
        let in_flight = in_flight.clone();
        every(state.clone(), RENEW, None, move |s| {
            let ids: Vec<MessageId> = lock(&in_flight).iter().copied().collect();
            async move {
                if ids.is_empty() {
                    return;
                }
                if let Err(e) = s.store.renew_claims(ids, Vec::new(), later(LEASE)).await {
                    tracing::warn!("outbound queue: keeping the messages in hand: {e}");
                }
            }
        });
    }
    let wake = state.hub.outbox();
    every(state, POLL, Some(wake), move |s| {
        let in_flight = in_flight.clone();
        async move { start_due(&s, retry_base, &in_flight).await }
    });
}

/// Starts sending what is due and not already on its way: conversations
/// side by side, each one's messages in order (the queue gives only the
/// oldest pending message of a conversation). A slow platform holds up
/// only its own conversations.
async fn start_due(state: &AppState, retry_base: Duration, in_flight: &InFlight) {
    let busy = lock(in_flight).len();
    if busy >= MAX_IN_FLIGHT {
        return;
    }
    let limit = (busy + MAX_IN_FLIGHT) as u32;
    let due = match state
        .store
        .claim_deliveries(Utc::now(), later(LEASE), limit)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("outbound queue: {e}");
            return;
        }
    };
    for d in due {
        let mut set = lock(in_flight);
        if set.len() >= MAX_IN_FLIGHT || !set.insert(d.message.id) {
            continue;
        }
        drop(set);
        let (state, in_flight) = (state.clone(), in_flight.clone());
        tokio::spawn(async move {
            let id = d.message.id;
            let recorded = deliver(&state, d, retry_base).await;
            if !recorded {
                // The outcome could not be stored: the message is still
                // pending and due. Wait before it may be taken again.
                tokio::time::sleep(backoff(retry_base, 2)).await;
            }
            lock(&in_flight).remove(&id);
            // The conversation's next message, if any, may go now.
            state.hub.wake_outbox();
        });
    }
}

fn lock(set: &InFlight) -> std::sync::MutexGuard<'_, HashSet<MessageId>> {
    set.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sends one message and records what became of it; false when that
/// could not be recorded.
async fn deliver(state: &AppState, d: Delivery, retry_base: Duration) -> bool {
    let id = d.message.id;
    let outcome = attempt(state, &d, retry_base).await;
    match &outcome {
        DeliveryOutcome::Sent { .. } => {}
        DeliveryOutcome::Retry { reason, .. } => {
            tracing::info!("message {id} to {}: will retry: {reason}", d.kind);
        }
        DeliveryOutcome::Failed { reason, .. } => {
            tracing::warn!("message {id} to {} failed: {reason}", d.kind);
        }
    }
    let retry_at = match &outcome {
        DeliveryOutcome::Retry { at, .. } => Some(*at),
        _ => None,
    };
    match state.store.delivery_done(id, outcome).await {
        Ok(_) => {
            if let Some(at) = retry_at {
                wake_at(at, state.hub.outbox());
            }
            true
        }
        Err(e) => {
            tracing::warn!("recording the delivery of message {id}: {e}");
            false
        }
    }
}

/// Records a message's parts as they go (see [`RecordParts`]).
struct Recorder<'a> {
    store: &'a dyn crate::server::store::Store,
    id: MessageId,
}

#[async_trait::async_trait]
impl RecordParts for Recorder<'_> {
    async fn parts_sent(&self, parts: u32) -> Result<(), String> {
        self.store
            .parts_sent(self.id, parts)
            .await
            .map_err(|e| e.to_string())
    }
}

fn failed(reason: impl Into<String>, parts_sent: u32) -> DeliveryOutcome {
    DeliveryOutcome::Failed {
        reason: reason.into(),
        parts_sent,
        spent_token: None,
    }
}

async fn attempt(state: &AppState, d: &Delivery, retry_base: Duration) -> DeliveryOutcome {
    let parts = d.parts_sent;
    let creds = match state.store.channel_credentials(d.account).await {
        Ok(Some((_, creds))) => creds,
        Ok(None) => {
            return failed(
                "the channel account was removed; nothing can be sent on it",
                parts,
            )
        }
        Err(e) => {
            return DeliveryOutcome::Retry {
                reason: format!("the server could not read the channel: {e}"),
                at: later(backoff(retry_base, d.attempts)),
                parts_sent: parts,
                spent_token: None,
            }
        }
    };
    let now = state.clock.now();
    let window = reply_window(d.kind, false, d.customer_last_at, now);
    if let Some(why) = window.refusal(d.kind, d.message.kind == MessageKind::Bot) {
        return failed(why, parts);
    }
    let file = match &d.message.attachment {
        None => None,
        Some(a) => match state.files.local(&a.sha256).await {
            Ok(Some(path)) => Some(OutFile {
                id: a.id,
                name: a.name.clone(),
                mime: a.mime.clone(),
                kind: a.kind,
                path,
            }),
            Ok(None) => return failed("the message's file is no longer stored", parts),
            // Kept in the database, which did not answer: later.
            Err(e) => {
                return DeliveryOutcome::Retry {
                    reason: format!("the server could not read the file: {e}"),
                    at: later(backoff(retry_base, d.attempts)),
                    parts_sent: parts,
                    spent_token: None,
                }
            }
        },
    };
    let fresh = chrono::Duration::seconds(REPLY_TOKEN_SECS);
    let reply_token = d
        .reply_token
        .as_ref()
        .filter(|(_, at)| Utc::now() - *at < fresh)
        .map(|(t, _)| t.as_str());
    let spent = |used: bool| used.then(|| reply_token.map(str::to_string)).flatten();
    // The same for every try of this message, and for no other message,
    // even one with the same id on another server (its time differs).
    let retry_key = stable_uuid(&format!(
        "chatsmart:{}:{}:{}",
        d.account,
        d.message.id,
        d.message.created_at.timestamp_millis()
    ));
    let out = Outgoing {
        account: d.account,
        kind: d.kind,
        creds: &creds,
        to: &d.to,
        text: &d.message.text,
        file,
        human_agent: matches!(window, ReplyWindow::HumanAgent { .. }),
        reply_token,
        retry_key,
        public_url: state.public_url.as_deref(),
        link_key: &state.link_key[..],
        now,
        parts_sent: parts,
        record: Some(&Recorder {
            store: &*state.store,
            id: d.message.id,
        }),
    };
    match state.platforms.send(&out).await {
        Ok(sent) => DeliveryOutcome::Sent {
            external_id: sent.external_id,
            spent_token: spent(sent.used_reply_token),
        },
        Err(f) if f.retry && d.attempts + 1 < MAX_ATTEMPTS => DeliveryOutcome::Retry {
            reason: f.reason,
            at: later(backoff(retry_base, d.attempts)),
            parts_sent: f.parts_sent,
            spent_token: spent(f.used_reply_token),
        },
        Err(f) => DeliveryOutcome::Failed {
            reason: if f.retry {
                format!("{} (gave up after {} tries)", f.reason, d.attempts + 1)
            } else {
                f.reason
            },
            parts_sent: f.parts_sent,
            spent_token: spent(f.used_reply_token),
        },
    }
}
