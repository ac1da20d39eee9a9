//! Works the bot's queue: each customer message the store queued for the
//! bot is answered (`server/bot`), one message at a time per conversation
//! and in order, many conversations at once. A message leaves the queue
//! once answered; a failure (the database busy, say) is tried again with
//! growing waits, a bounded number of times. A crash before the answer
//! leaves the message queued, and the answer comes after the restart; a
//! crash after it finds the answer already there (its client id) and says
//! nothing twice.

use super::{backoff, every, later, wake_at};
use crate::protocol::*;
use crate::server::store::BotWork;
use crate::server::AppState;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tries before the bot gives up on a message (and says why in the log).
const MAX_ATTEMPTS: u32 = 5;

/// The most conversations answered at once.
const MAX_IN_FLIGHT: usize = 64;

/// Conversations being answered now: the queue never starts one twice.
type InFlight = Arc<Mutex<HashSet<ConversationId>>>;

/// Runs until the server closes.
pub fn spawn(state: AppState, retry_base: Duration) {
    let in_flight = InFlight::default();
    let wake = state.hub.bot();
    every(state, Duration::from_secs(1), Some(wake), move |s| {
        let in_flight = in_flight.clone();
        async move { start_due(&s, retry_base, &in_flight).await }
    });
}

/// Starts answering every conversation whose oldest queued message is due.
async fn start_due(state: &AppState, retry_base: Duration, in_flight: &InFlight) {
    let due = match state
        .store
        .due_bot_work(chrono::Utc::now(), MAX_IN_FLIGHT as u32)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("the bot's queue: {e}");
            return;
        }
    };
    for work in due {
        {
            let mut busy = in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if busy.len() >= MAX_IN_FLIGHT {
                break;
            }
            if !busy.insert(work.conversation_id) {
                continue;
            }
        }
        let (state, in_flight) = (state.clone(), in_flight.clone());
        tokio::spawn(async move {
            // Released however the try ends (a panic included).
            let held = Held(in_flight, work.conversation_id);
            let next = one(&state, work, retry_base).await;
            drop(held);
            match next {
                // The conversation's next message may be waiting.
                None => state.hub.wake_bot(),
                Some(at) => wake_at(at, state.hub.bot()),
            }
        });
    }
}

/// A conversation being answered; released when dropped.
struct Held(InFlight, ConversationId);

impl Drop for Held {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.1);
    }
}

/// How long one try holds its message before another may take it.
const LEASE: Duration = Duration::from_secs(120);

/// Answers one message; when it is to be tried again, says when.
async fn one(
    state: &AppState,
    work: BotWork,
    retry_base: Duration,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let id = work.message_id;
    // Claimed in the writer: a list read before another try finished
    // cannot start the same message again.
    match state.store.claim_bot_work(id, later(LEASE)).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(e) => {
            tracing::warn!("the bot's queue, message {id}: {e}");
            return Some(later(backoff(retry_base, 0)));
        }
    }
    let outcome = if state.bot.flow.is_silent() {
        Ok(())
    } else {
        crate::server::bot::answer(state, work.conversation_id, id, work.reads).await
    };
    let retry_at = match outcome {
        Ok(()) => None,
        Err(e) if work.attempts + 1 >= MAX_ATTEMPTS => {
            tracing::warn!(
                "the bot gave up answering message {id} in conversation {}: {e}",
                work.conversation_id
            );
            None
        }
        Err(e) => {
            tracing::info!("the bot will try message {id} again: {e}");
            Some(later(backoff(retry_base, work.attempts)))
        }
    };
    if let Err(e) = state.store.bot_work_done(id, retry_at).await {
        // Not forgotten: tried again once its claim runs out.
        tracing::warn!("the bot's queue, message {id}: {e}");
        return Some(later(LEASE));
    }
    retry_at
}
