//! What follows a customer's message from a platform: the file they sent,
//! fetched from the platform and stored as the message's attachment. The message itself is already
//! committed (the webhook never waits on this); a file still to fetch is
//! queued in the database, so a restart does not lose it.

use super::{backoff, every, later, wake_at, LEASE, RENEW};
use crate::protocol::*;
use crate::server::channels::MediaRef;
use crate::server::store::{MediaFetch, MediaOutcome, NewAttachment};
use crate::server::AppState;
use chrono::Utc;
use futures_util::StreamExt;
use std::time::Duration;

/// Tries before a file is given up on (and the message says so).
const MAX_ATTEMPTS: u32 = 5;

/// Runs until the server closes.
pub fn spawn(state: AppState, retry_base: Duration) {
    let wake = state.hub.media();
    every(
        state,
        Duration::from_secs(1),
        Some(wake),
        move |s| async move { run_due(&s, retry_base).await },
    );
}

pub async fn run_due(state: &AppState, retry_base: Duration) {
    let due = match state.store.claim_media(Utc::now(), later(LEASE), 8).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("files to fetch: {e}");
            return;
        }
    };
    let ids: Vec<MessageId> = due.iter().map(|f| f.message_id).collect();
    let mut set = tokio::task::JoinSet::new();
    for f in due {
        let state = state.clone();
        set.spawn(async move { fetch_one(&state, f, retry_base).await });
    }
    // The files stay claimed while they are fetched.
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + RENEW, RENEW);
    loop {
        tokio::select! {
            done = set.join_next() => if done.is_none() { break },
            _ = renew.tick() => {
                if let Err(e) = state.store.renew_claims(Vec::new(), ids.clone(), later(LEASE)).await {
                    tracing::warn!("files to fetch: keeping the files in hand: {e}");
                }
            }
        }
    }
}

async fn fetch_one(state: &AppState, f: MediaFetch, retry_base: Duration) {
    let media: MediaRef = match serde_json::from_str(&f.media) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("message {}: unreadable media reference: {e}", f.message_id);
            let _ = state
                .store
                .media_done(
                    f.message_id,
                    MediaOutcome::Failed {
                        text: unsupported_file(f.kind),
                    },
                )
                .await;
            return;
        }
    };
    let outcome = match store_media(state, &f, &media).await {
        Ok(attachment) => MediaOutcome::Attached {
            attachment,
            text: media.caption.clone(),
        },
        Err((why, retry)) if retry && f.attempts + 1 < MAX_ATTEMPTS => {
            tracing::info!("message {}: fetching its file: {why}", f.message_id);
            MediaOutcome::Retry {
                at: later(backoff(retry_base, f.attempts)),
            }
        }
        Err((why, _)) => {
            tracing::warn!("message {}: its file is lost: {why}", f.message_id);
            MediaOutcome::Failed {
                text: media.lost(f.kind, &why),
            }
        }
    };
    let retry_at = match &outcome {
        MediaOutcome::Retry { at } => Some(*at),
        _ => None,
    };
    match state.store.media_done(f.message_id, outcome).await {
        Ok(()) => {
            if let Some(at) = retry_at {
                wake_at(at, state.hub.media());
            }
        }
        Err(e) => tracing::warn!("message {}: recording its file: {e}", f.message_id),
    }
}

fn unsupported_file(kind: ChannelKind) -> String {
    format!(
        "(sent a file that could not be read from {})",
        kind.display_name()
    )
}

/// Fetches the file into the file store and records it: the attachment's
/// id, or why not and whether trying again can help.
async fn store_media(
    state: &AppState,
    f: &MediaFetch,
    media: &MediaRef,
) -> Result<AttachmentId, (String, bool)> {
    let creds = match state.store.channel_credentials(f.account).await {
        Ok(Some((_, c))) => c,
        Ok(None) => return Err(("the channel account was removed".into(), false)),
        Err(e) => return Err((e.to_string(), true)),
    };
    let resp = state
        .platforms
        .fetch_media(f.kind, f.account, &creds, media)
        .await
        .map_err(|e| (e.reason, e.retry))?;
    let kind = media.attachment_kind();
    let limit = state.uploads.limit(kind);
    let io = |e: std::io::Error| (format!("storing the file: {e}"), true);
    let mut incoming = state.files.incoming().await.map_err(io)?;
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| (format!("the download broke off: {}", e.without_url()), true))?;
        incoming.write(&chunk).await.map_err(io)?;
        if incoming.size() > limit {
            return Err((
                format!(
                    "it is larger than this server's {} limit",
                    human_size(limit)
                ),
                false,
            ));
        }
    }
    if incoming.size() == 0 {
        return Err(("the platform sent an empty file".into(), true));
    }
    // The type is what the bytes are, never what the platform or the
    // customer says: a file of no allowed type is stored as opaque bytes,
    // under `.bin`, and is only ever saved, not opened.
    let known = type_of_content(incoming.head(), kind);
    let mime = known
        .map(|t| t.mime.to_string())
        .unwrap_or_else(|| "application/octet-stream".into());
    let ext = known.map(|t| t.ext).unwrap_or("bin");
    let name = match media.name.as_deref() {
        Some(n) if !n.trim().is_empty() => name_for_content(n, ext),
        _ => format!(
            "{}-{}.{ext}",
            media.what,
            Utc::now().format("%Y%m%d-%H%M%S")
        ),
    };
    let received = incoming.finish().await.map_err(io)?;
    let store = state.store.clone();
    state
        .files
        .keep(received, |sha256, size| async move {
            store
                .create_attachment(NewAttachment {
                    sha256,
                    name,
                    mime,
                    kind: known.map(|t| t.kind).unwrap_or(kind),
                    size,
                    uploaded_by: None,
                })
                .await
        })
        .await
        .map(|a| a.id)
        .map_err(|e| (e.to_string(), true))
}
