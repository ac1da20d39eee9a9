//! LINE Messaging API: `x-line-signature`, the base64 HMAC-SHA256 of the
//! raw body under the channel secret; events keyed by `webhookEventId`.

use crate::server::channels::inbound::{
    credentials, hmac_sha256_matches, secret, store_all, unsupported, Incoming,
};

use crate::protocol::*;
use crate::server::channels::{content, media_noun, MediaRef};
use crate::server::error::ApiError;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use chrono::DateTime;
use serde::Deserialize;

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    events: crate::server::channels::inbound::Items<Event>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    timestamp: Option<i64>,
    source: Option<Source>,
    webhook_event_id: Option<String>,
    reply_token: Option<String>,
    message: Option<Message>,
    postback: Option<Postback>,
    follow: Option<Follow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Follow {
    #[serde(default)]
    is_unblocked: bool,
}

/// A tap on a postback action: LINE sends its data (and a picker's
/// choice), not the button's label.
#[derive(Deserialize)]
struct Postback {
    #[serde(default)]
    data: String,
    params: Option<PostbackParams>,
}

#[derive(Deserialize)]
struct PostbackParams {
    date: Option<String>,
    time: Option<String>,
    datetime: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Source {
    user_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    file_name: Option<String>,
    content_provider: Option<ContentProvider>,
    // Stickers: what the sticker means.
    #[serde(default)]
    keywords: Vec<String>,
    // Locations.
    title: Option<String>,
    address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// Where a file's bytes are: with LINE ("line") or at the sender's own
/// address ("external").
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContentProvider {
    #[serde(rename = "type")]
    kind: String,
    original_content_url: Option<String>,
}

pub async fn receive(
    State(state): State<AppState>,
    Path(id): Path<ChannelAccountId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let creds = credentials(&state, ChannelKind::Line, id).await?;
    let sig = headers
        .get("x-line-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| crate::server::channels::inbound::no_signature("x-line-signature"))?;
    let mac = base64::engine::general_purpose::STANDARD
        .decode(sig.trim())
        .map_err(|_| crate::server::channels::inbound::bad_signature())?;
    if !hmac_sha256_matches(secret(&creds, "channel_secret")?.as_bytes(), &body, &mac) {
        return Err(crate::server::channels::inbound::bad_signature());
    }
    // The console's check sends no events; it must get 200.
    let parsed: Body = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("not a LINE webhook: {e}")))?;
    let mut items = Vec::new();
    for ev in parsed.events.good(&state, ChannelKind::Line) {
        let Some(user) = ev.source.and_then(|s| s.user_id) else {
            continue;
        };
        let at = ev.timestamp.and_then(DateTime::from_timestamp_millis);
        if ev.kind == "postback" {
            let (Some(pb), Some(event_id)) = (ev.postback, ev.webhook_event_id) else {
                continue;
            };
            // A date or time picker: what was picked is what it said.
            let picked = pb
                .params
                .and_then(|p| p.datetime.or(p.date).or(p.time))
                .unwrap_or_default();
            items.push(Incoming {
                at,
                reply_token: ev.reply_token,
                ..Incoming::tap(user, event_id, &picked, &pb.data)
            });
            continue;
        }
        if ev.kind == "follow" || ev.kind == "unfollow" {
            let Some(event_id) = ev.webhook_event_id else {
                continue;
            };
            let item = if ev.kind == "unfollow" {
                Incoming::blocked(user, event_id, "blocked", "LINE")
            } else {
                let again = ev.follow.is_some_and(|f| f.is_unblocked);
                let note = if again {
                    "The customer unblocked the account"
                } else {
                    "The customer followed the account"
                };
                Incoming::followed(user, event_id, note.into())
            };
            items.push(Incoming {
                at,
                reply_token: ev.reply_token,
                ..item
            });
            continue;
        }
        if ev.kind != "message" {
            continue; // unsend, join...: not messages.
        }
        let Some(msg) = ev.message else {
            continue;
        };
        // A file at the sender's own address ("external") is named by its
        // sender, not by LINE: it is shown as a link, never fetched by the
        // server.
        let external = msg
            .content_provider
            .as_ref()
            .filter(|c| c.kind == "external")
            .map(|c| c.original_content_url.clone().unwrap_or_default());
        let media = match msg.kind.as_str() {
            "image" | "video" | "audio" | "file" if external.is_none() => Some(MediaRef {
                what: msg.kind.clone(),
                id: Some(msg.id.clone()),
                url: None,
                caption: String::new(),
                name: msg.file_name.clone(),
                mime: None,
            }),
            _ => None,
        };
        let text = match (msg.kind.as_str(), msg.text, external) {
            ("text", Some(t), _) => t,
            ("sticker", _, _) => content::sticker(&msg.keywords),
            ("location", _, _) => content::location(
                msg.title.as_deref(),
                msg.address.as_deref(),
                msg.latitude.unwrap_or(f64::NAN),
                msg.longitude.unwrap_or(f64::NAN),
            ),
            (kind, _, Some(url)) => format!("(sent {} at {url})", media_noun(kind)),
            _ if media.is_some() => String::new(),
            (kind, _, None) => unsupported(kind),
        };
        items.push(Incoming {
            at,
            reply_token: ev.reply_token,
            media,
            // The event id survives redelivery; the message id too.
            ..Incoming::text(user, ev.webhook_event_id.unwrap_or(msg.id), text)
        });
    }
    store_all(&state, ChannelKind::Line, id, items).await?;
    Ok(StatusCode::OK)
}
