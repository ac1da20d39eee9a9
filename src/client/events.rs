//! The event stream: a background task that holds the WebSocket open,
//! reconnects with jittered backoff (or at once when woken), resumes with
//! `since=SEQ`, and hands each event to whoever listens on a channel: in
//! sequence order, none lost and none twice, however often the socket
//! drops.

use super::Client;
use crate::protocol::{Event, Seq};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// What the stream task reports.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamUpdate {
    /// The socket is open and events flow.
    Connected,
    /// An event, in sequence order, never one seen before.
    Event(Box<Event>),
    /// The socket dropped; the next attempt is in `retry_in`.
    Disconnected { reason: String, retry_in: Duration },
    /// The server refused the token: the stream stops.
    Unauthorized,
}

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Connects and keeps connected until the receiver is dropped. `since` is the
/// last sequence the caller has applied (None: only new events).
pub fn spawn_event_stream(
    client: Client,
    since: Option<Seq>,
) -> (mpsc::Receiver<StreamUpdate>, tokio::task::JoinHandle<()>) {
    spawn_event_stream_with(client, since, Default::default())
}

/// As [`spawn_event_stream`]; `wake` cuts a wait before reconnecting short
/// (the inbox's "reconnect now" key).
pub fn spawn_event_stream_with(
    client: Client,
    since: Option<Seq>,
    wake: std::sync::Arc<tokio::sync::Notify>,
) -> (mpsc::Receiver<StreamUpdate>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(1024);
    let task = tokio::spawn(run(client, since, tx, wake));
    (rx, task)
}

/// A wait between `backoff / 2` and `backoff`: clients that lost the
/// server together do not all come back in the same instant.
fn jittered(backoff: Duration) -> Duration {
    use rand::Rng;
    let half = backoff / 2;
    half + rand::thread_rng().gen_range(Duration::ZERO..=half)
}

async fn run(
    client: Client,
    mut since: Option<Seq>,
    tx: mpsc::Sender<StreamUpdate>,
    wake: std::sync::Arc<tokio::sync::Notify>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let mut req = match client.events_url(since).as_str().into_client_request() {
            Ok(r) => r,
            Err(e) => {
                let _ = tx
                    .send(StreamUpdate::Disconnected {
                        reason: e.to_string(),
                        retry_in: MAX_BACKOFF,
                    })
                    .await;
                return;
            }
        };
        if let Some(token) = client.token() {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
                req.headers_mut().insert("authorization", v);
            }
        }
        let reason = match tokio_tungstenite::connect_async_with_config(
            req,
            Some(ws_config()),
            true,
        )
        .await
        {
            Ok((mut ws, _)) => {
                backoff = Duration::from_millis(500);
                if tx.send(StreamUpdate::Connected).await.is_err() {
                    return;
                }
                loop {
                    match ws.next().await {
                        Some(Ok(WsMessage::Text(text))) => {
                            match serde_json::from_str::<Event>(&text) {
                                Ok(ev) => {
                                    if since.is_some_and(|s| ev.seq <= s)
                                        && !matches!(
                                            ev.kind,
                                            crate::protocol::EventKind::ResyncRequired { .. }
                                        )
                                    {
                                        continue;
                                    }
                                    since = Some(ev.seq);
                                    if tx.send(StreamUpdate::Event(Box::new(ev))).await.is_err() {
                                        let _ = ws.close(None).await;
                                        return;
                                    }
                                }
                                Err(e) => tracing::warn!("unreadable event: {e}"),
                            }
                        }
                        Some(Ok(WsMessage::Ping(p))) => {
                            let _ = ws.send(WsMessage::Pong(p)).await;
                        }
                        // 4401: the sign-in ended (signed out, revoked,
                        // disabled, expired): reconnecting cannot help.
                        Some(Ok(WsMessage::Close(Some(frame))))
                            if u16::from(frame.code) == 4401 =>
                        {
                            let _ = tx.send(StreamUpdate::Unauthorized).await;
                            return;
                        }
                        Some(Ok(WsMessage::Close(_))) | None => {
                            break "the server closed the stream".to_string()
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => break e.to_string(),
                    }
                }
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(resp))
                if resp.status().as_u16() == 401 =>
            {
                let _ = tx.send(StreamUpdate::Unauthorized).await;
                return;
            }
            Err(e) => e.to_string(),
        };
        let wait = jittered(backoff);
        if tx
            .send(StreamUpdate::Disconnected {
                reason,
                retry_in: wait,
            })
            .await
            .is_err()
        {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
        if tx.is_closed() {
            return;
        }
    }
}

/// The socket's settings. tungstenite zero-fills its whole read buffer on
/// every read (128 KiB by default); events are small, so a small buffer
/// saves that work on every frame.
pub fn ws_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(16 * 1024)
}
