//! `GET /api/v1/events?since=SEQ`: the event log over a WebSocket.
//!
//! The socket subscribes to the hub first, then replays from the database
//! everything after `since`, then forwards live events, skipping any it has
//! already sent. A client that falls too far behind the live stream is
//! caught up from the database again, so nothing is lost or reordered.
//!
//! Each agent sees only what the REST API would show it (see
//! [`audience`](crate::server::audience)). A stream is bounded: incoming
//! frames are small, a client that stops reading is dropped (it resumes
//! with `since`), an agent holds a few streams at most, and a stream closes
//! when its sign-in ends (signed out, revoked, disabled, expired).

use crate::protocol::*;
use crate::server::audience::{frame_for, ForAgent};
use crate::server::auth::{Security, Session, StreamSession};
use crate::server::error::ApiError;
use crate::server::extract::Query;
use crate::server::hub::{Published, Revoked};
use crate::server::AppState;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use futures_util::SinkExt;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};

const BATCH: u32 = 500;
/// How often the sign-in behind a stream is checked again (a change made
/// with the CLI on the database, or a token that expired).
const RECHECK_EVERY: Duration = Duration::from_secs(30);
/// Clients send only pings, pongs and closes.
const MAX_INCOMING: usize = 64 * 1024;
/// Frames queued for a slow client before it is dropped.
const MAX_QUEUED: usize = 8 * 1024 * 1024;

#[derive(Deserialize)]
pub struct EventsQuery {
    since: Option<Seq>,
}

/// One of an agent's open streams; frees its place when dropped.
struct Slot {
    security: Arc<Security>,
    agent: AgentId,
}

impl Slot {
    fn take(security: &Arc<Security>, agent: AgentId) -> Result<Slot, ApiError> {
        let mut open = security
            .streams
            .lock()
            .map_err(|_| ApiError::busy(1, "try again"))?;
        let n = open.entry(agent).or_insert(0);
        if *n >= security.streams_per_agent {
            return Err(ApiError::too_many(
                5,
                format!(
                    "this agent already has {} event streams open; close one first",
                    security.streams_per_agent
                ),
            ));
        }
        *n += 1;
        Ok(Slot {
            security: security.clone(),
            agent,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.security.streams.lock() {
            if let Some(n) = open.get_mut(&self.agent) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&self.agent);
                }
            }
        }
    }
}

pub async fn events(
    State(state): State<AppState>,
    StreamSession(session): StreamSession,
    Query(q): Query<EventsQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let slot = Slot::take(&state.security, session.agent.id)?;
    // Listen for sign-ins ending first, then look at this one again: one
    // that ended between the two is seen either way.
    let revocations = state.hub.revocations();
    let still = state
        .store
        .agent_by_token_hash(
            &session.token_hash,
            state.clock.now(),
            state.security.token_idle,
        )
        .await?;
    let Some(agent) = still else {
        return Err(ApiError::unauthorized(
            "that token is not valid: sign in again",
        ));
    };
    let session = Session { agent, ..session };
    // Clients send only pings and closes: a small read buffer, because
    // tungstenite zero-fills all of it on every read.
    Ok(ws
        .read_buffer_size(4 * 1024)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .max_write_buffer_size(MAX_QUEUED)
        .on_upgrade(move |socket| async move {
            let agent = session.agent.id;
            if let Err(e) = stream(state, socket, q.since, session, revocations).await {
                tracing::debug!("event stream for agent {agent} ended: {e}");
            }
            drop(slot);
        }))
}

/// One client's socket: every send must finish within the idle limit,
/// or the client counts as gone (it resumes with `since` when it is back).
struct Conn {
    socket: WebSocket,
    idle: Duration,
    /// Who is reading: what the stream sends is filtered for them.
    agent: Agent,
    token_hash: String,
    revocations: broadcast::Receiver<Revoked>,
}

impl Conn {
    async fn io(&mut self, op: WsOp) -> anyhow::Result<()> {
        let fut = async {
            match op {
                WsOp::Send(m) => self.socket.send(m).await,
                WsOp::Feed(m) => self.socket.feed(m).await,
                WsOp::Flush => self.socket.flush().await,
            }
        };
        match timeout(self.idle, fut).await {
            Ok(r) => Ok(r?),
            Err(_) => anyhow::bail!("the client stopped reading"),
        }
    }

    async fn send_text(&mut self, text: String) -> anyhow::Result<()> {
        self.io(WsOp::Send(WsMessage::Text(text.into()))).await
    }

    /// Whether this stream's sign-in ended (a revocation waiting for it).
    fn revoked(&mut self) -> bool {
        loop {
            match self.revocations.try_recv() {
                Ok(r) if self.is_mine(&r) => return true,
                Ok(_) => {}
                Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(_) => return false,
            }
        }
    }

    fn is_mine(&self, r: &Revoked) -> bool {
        match r {
            Revoked::Token(h) => *h == self.token_hash,
            Revoked::Agent(id) => *id == self.agent.id,
        }
    }

    /// Sends everything stored after `last` that this agent may see;
    /// returns the new last sequence. Stops between batches if the
    /// sign-in ended.
    async fn backfill(&mut self, state: &AppState, mut last: Seq) -> anyhow::Result<Seq> {
        loop {
            if self.revoked() {
                self.close_signed_out("sign-in revoked").await;
                anyhow::bail!("the sign-in ended during the replay");
            }
            let batch = state.store.events_since(last, BATCH).await?;
            let n = batch.len();
            for ev in batch {
                last = ev.seq;
                if let Some(frame) = frame_for(&self.agent, ev) {
                    self.send_text(frame).await?;
                }
            }
            if n < BATCH as usize {
                return Ok(last);
            }
        }
    }

    /// Flushes what was fed, then sends what the log holds after `last`.
    async fn catch_up(
        &mut self,
        state: &AppState,
        last: Seq,
        fed: &mut bool,
    ) -> anyhow::Result<Seq> {
        if std::mem::take(fed) {
            self.io(WsOp::Flush).await?;
        }
        self.backfill(state, last).await
    }

    /// Queues a live event if this agent may see it; whether it did.
    async fn feed(&mut self, p: &Published) -> anyhow::Result<bool> {
        let frame: Utf8Bytes = match p.audience.for_agent(&self.agent) {
            ForAgent::Send => p.json.clone(),
            ForAgent::Skip => return Ok(false),
            ForAgent::Instead(kind) => serde_json::to_string(&Event {
                seq: p.seq,
                at: p.at,
                kind: *kind,
            })?
            .into(),
        };
        self.io(WsOp::Feed(WsMessage::Text(frame))).await?;
        Ok(true)
    }

    /// Closes the socket saying why (the client signs in again).
    async fn close_signed_out(&mut self, why: &'static str) {
        let frame = CloseFrame {
            code: 4401,
            reason: Utf8Bytes::from_static(why),
        };
        let close = self.socket.send(WsMessage::Close(Some(frame)));
        let _ = timeout(Duration::from_secs(1), close).await;
    }
}

enum WsOp {
    Send(WsMessage),
    Feed(WsMessage),
    Flush,
}

async fn stream(
    state: AppState,
    socket: WebSocket,
    since: Option<Seq>,
    session: Session,
    revocations: broadcast::Receiver<Revoked>,
) -> anyhow::Result<()> {
    let Session { agent, token_hash } = session;
    let idle = state.security.stream_idle;
    let mut conn = Conn {
        socket,
        idle,
        agent,
        token_hash,
        revocations,
    };
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
            conn.send_text(serde_json::to_string(&ev)?).await?;
            latest
        }
        Some(s) => s,
    };
    last = conn.backfill(&state, last).await?;
    if *closing.borrow() {
        return Ok(());
    }

    // A client that reads answers pings; one that does not is gone after
    // `idle`.
    let mut ping = interval(idle / 3);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let mut checked = Instant::now();
    let mut check_now = false;
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
                                last = conn.catch_up(&state, last, &mut fed).await?;
                            }
                            if p.seq > last {
                                fed |= conn.feed(&p).await?;
                                last = p.seq;
                            }
                        }
                        Err(RecvError::Lagged(_)) => {
                            last = conn.catch_up(&state, last, &mut fed).await?;
                        }
                        Err(RecvError::Closed) => {
                            conn.io(WsOp::Flush).await?;
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
                    conn.io(WsOp::Flush).await?;
                }
            }
            incoming = conn.socket.recv() => match incoming {
                None | Some(Ok(WsMessage::Close(_)) | Err(_)) => return Ok(()),
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = closing.changed() => {
                let _ = timeout(Duration::from_secs(1), conn.socket.send(WsMessage::Close(None))).await;
                return Ok(());
            }
            revoked = conn.revocations.recv() => match revoked {
                Ok(r) if conn.is_mine(&r) => {
                    let why = match r {
                        Revoked::Token(_) => "signed out",
                        Revoked::Agent(_) => "sign-in revoked",
                    };
                    conn.close_signed_out(why).await;
                    return Ok(());
                }
                Ok(_) => {}
                // Missed some: check this sign-in at the next tick.
                Err(RecvError::Lagged(_)) => check_now = true,
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > idle {
                    return Ok(());
                }
                if check_now || checked.elapsed() >= RECHECK_EVERY {
                    checked = Instant::now();
                    check_now = false;
                    let now = state.clock.now();
                    let token_idle = state.security.token_idle;
                    match state.store.agent_by_token_hash(&conn.token_hash, now, token_idle).await? {
                        // Teams and role may have changed: filter by them.
                        Some(fresh) => conn.agent = fresh,
                        None => {
                            conn.close_signed_out("sign-in ended").await;
                            return Ok(());
                        }
                    }
                }
                conn.io(WsOp::Send(WsMessage::Ping(Vec::new().into()))).await?;
            }
        }
    }
}
