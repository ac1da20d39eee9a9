//! `GET /api/v1/events?since=SEQ`: the event log over a WebSocket.
//!
//! The socket subscribes to the hub first, then replays from the database
//! everything after `since`, then forwards live events, skipping any it has
//! already sent. A client that falls too far behind the live stream is
//! caught up from the database again, so nothing is lost or reordered.

use crate::protocol::*;
use crate::server::auth::Authed;
use crate::server::extract::Query;
use crate::server::AppState;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use futures_util::SinkExt;
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::{interval, Instant, MissedTickBehavior};

const BATCH: u32 = 500;
const PING_EVERY: Duration = Duration::from_secs(20);
const DEAD_AFTER: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
pub struct EventsQuery {
    since: Option<Seq>,
}

pub async fn events(
    State(state): State<AppState>,
    Authed(agent): Authed,
    Query(q): Query<EventsQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    // Clients send only pings and closes: a small read buffer, because
    // tungstenite zero-fills all of it on every read.
    ws.read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            if let Err(e) = stream(state, socket, q.since).await {
                tracing::debug!("event stream for agent {} ended: {e}", agent.id);
            }
        })
}

async fn send_text(socket: &mut WebSocket, text: String) -> anyhow::Result<()> {
    socket.send(WsMessage::Text(text.into())).await?;
    Ok(())
}

/// Sends everything stored after `last`; returns the new last sequence.
async fn backfill(state: &AppState, socket: &mut WebSocket, mut last: Seq) -> anyhow::Result<Seq> {
    loop {
        let batch = state.store.events_since(last, BATCH).await?;
        let n = batch.len();
        for ev in batch {
            last = ev.seq;
            send_text(socket, serde_json::to_string(&ev)?).await?;
        }
        if n < BATCH as usize {
            return Ok(last);
        }
    }
}

/// Flushes what was fed, then sends what the log holds after `last`.
async fn catch_up(
    state: &AppState,
    socket: &mut WebSocket,
    last: Seq,
    fed: &mut bool,
) -> anyhow::Result<Seq> {
    if std::mem::take(fed) {
        socket.flush().await?;
    }
    backfill(state, socket, last).await
}

async fn stream(state: AppState, mut socket: WebSocket, since: Option<Seq>) -> anyhow::Result<()> {
    let mut rx = state.hub.subscribe();
    let mut closing = state.hub.closing();
    let (latest, oldest) = state.store.seq_bounds().await?;
    let mut last = match since {
        None => latest,
        Some(s) if s > latest || (oldest > 0 && s < oldest - 1) || s < 0 => {
            let reason = if s > latest {
                format!("this server's log ends at {latest}, before {s}")
            } else {
                format!("the log no longer reaches back to {s}")
            };
            let ev = Event {
                seq: latest,
                at: Utc::now(),
                kind: EventKind::ResyncRequired { reason },
            };
            send_text(&mut socket, serde_json::to_string(&ev)?).await?;
            latest
        }
        Some(s) => s,
    };
    last = backfill(&state, &mut socket, last).await?;
    if *closing.borrow() {
        return Ok(());
    }

    let mut ping = interval(PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            live = rx.recv() => {
                // Everything already waiting goes out together: fed to the
                // socket one frame each, flushed once.
                let mut next = Some(live);
                let mut fed = false;
                while let Some(item) = next.take() {
                    match item {
                        Ok(p) if p.seq <= last => {}
                        Ok(p) => {
                            if p.seq > last + 1 {
                                last = catch_up(&state, &mut socket, last, &mut fed).await?;
                            }
                            if p.seq > last {
                                socket.feed(WsMessage::Text(p.json.clone())).await?;
                                fed = true;
                                last = p.seq;
                            }
                        }
                        Err(RecvError::Lagged(_)) => {
                            last = catch_up(&state, &mut socket, last, &mut fed).await?;
                        }
                        Err(RecvError::Closed) => {
                            socket.flush().await?;
                            return Ok(());
                        }
                    }
                    next = match rx.try_recv() {
                        Ok(p) => Some(Ok(p)),
                        Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                        Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
                        Err(TryRecvError::Empty) => None,
                    };
                }
                if fed {
                    socket.flush().await?;
                }
            }
            incoming = socket.recv() => match incoming {
                None | Some(Ok(WsMessage::Close(_))) | Some(Err(_)) => return Ok(()),
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = closing.changed() => {
                let _ = socket.send(WsMessage::Close(None)).await;
                return Ok(());
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    return Ok(());
                }
                socket.send(WsMessage::Ping(Vec::new().into())).await?;
            }
        }
    }
}
