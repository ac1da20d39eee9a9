//! Messenger and WhatsApp (Meta's Graph and Cloud APIs): the
//! `hub.challenge` handshake, `X-Hub-Signature-256` over the raw body under
//! the app secret, and the two platforms' event shapes.

use super::{credentials, hmac_sha256_matches, secret, store_all, unsupported, Incoming};
use crate::protocol::*;
use crate::server::error::ApiError;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;

type Params = Query<HashMap<String, String>>;

pub async fn verify_messenger(
    state: State<AppState>,
    id: Path<ChannelAccountId>,
    q: Params,
) -> Result<String, ApiError> {
    verify(state, ChannelKind::Messenger, id, q).await
}

pub async fn verify_whatsapp(
    state: State<AppState>,
    id: Path<ChannelAccountId>,
    q: Params,
) -> Result<String, ApiError> {
    verify(state, ChannelKind::Whatsapp, id, q).await
}

/// `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`: C back
/// when T is ours.
async fn verify(
    State(state): State<AppState>,
    kind: ChannelKind,
    Path(id): Path<ChannelAccountId>,
    Query(q): Params,
) -> Result<String, ApiError> {
    let creds = credentials(&state, kind, id).await?;
    let ours = secret(&creds, "verify_token")?;
    let token = q.get("hub.verify_token").map(String::as_str).unwrap_or("");
    let same = subtle::ConstantTimeEq::ct_eq(token.as_bytes(), ours.as_bytes()).into();
    if q.get("hub.mode").map(String::as_str) == Some("subscribe") && same {
        Ok(q.get("hub.challenge").cloned().unwrap_or_default())
    } else {
        Err(ApiError::forbidden("the verify token does not match"))
    }
}

/// Checks `X-Hub-Signature-256: sha256=<hex>` over the raw body.
fn check_signature(headers: &HeaderMap, app_secret: &str, body: &[u8]) -> Result<(), ApiError> {
    const HEADER: &str = "x-hub-signature-256";
    let value = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| super::no_signature("X-Hub-Signature-256"))?;
    let mac = value
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h.trim()).ok())
        .ok_or_else(super::bad_signature)?;
    if hmac_sha256_matches(app_secret.as_bytes(), body, &mac) {
        Ok(())
    } else {
        Err(super::bad_signature())
    }
}

fn ms(t: Option<i64>) -> Option<DateTime<Utc>> {
    t.and_then(DateTime::from_timestamp_millis)
}

#[derive(Deserialize)]
struct PageBody {
    object: String,
    #[serde(default)]
    entry: Vec<PageEntry>,
}

#[derive(Deserialize)]
struct PageEntry {
    #[serde(default)]
    messaging: Vec<MessagingEvent>,
}

#[derive(Deserialize)]
struct MessagingEvent {
    sender: Option<IdRef>,
    timestamp: Option<i64>,
    message: Option<PageMessage>,
}

#[derive(Deserialize)]
struct IdRef {
    id: String,
}

#[derive(Deserialize)]
struct PageMessage {
    mid: String,
    text: Option<String>,
    #[serde(default)]
    attachments: Vec<PageAttachment>,
    #[serde(default)]
    is_echo: bool,
}

#[derive(Deserialize)]
struct PageAttachment {
    #[serde(rename = "type")]
    kind: String,
}

pub async fn messenger(
    State(state): State<AppState>,
    Path(id): Path<ChannelAccountId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let creds = credentials(&state, ChannelKind::Messenger, id).await?;
    check_signature(&headers, secret(&creds, "app_secret")?, &body)?;
    let parsed: PageBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("not a Messenger webhook: {e}")))?;
    if parsed.object != "page" {
        return Err(ApiError::bad_request(format!(
            "object {:?} is not \"page\"",
            parsed.object
        )));
    }
    let mut items = Vec::new();
    for ev in parsed.entry.into_iter().flat_map(|e| e.messaging) {
        let (Some(sender), Some(msg)) = (ev.sender, ev.message) else {
            continue; // delivery, read and postback events: not messages.
        };
        if msg.is_echo {
            continue; // our own send, echoed back.
        }
        let text = match (msg.text, msg.attachments.first()) {
            (Some(t), _) if !t.trim().is_empty() => t,
            (_, Some(a)) => unsupported(&a.kind),
            _ => unsupported("message"),
        };
        items.push(Incoming {
            channel_user_id: sender.id,
            name: None,
            external_id: msg.mid,
            text,
            at: ms(ev.timestamp),
        });
    }
    store_all(&state, ChannelKind::Messenger, id, items).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize)]
struct WaBody {
    object: String,
    #[serde(default)]
    entry: Vec<WaEntry>,
}

#[derive(Deserialize)]
struct WaEntry {
    #[serde(default)]
    changes: Vec<WaChange>,
}

#[derive(Deserialize)]
struct WaChange {
    value: Option<WaValue>,
}

#[derive(Deserialize)]
struct WaValue {
    #[serde(default)]
    contacts: Vec<WaContact>,
    #[serde(default)]
    messages: Vec<WaMessage>,
}

#[derive(Deserialize)]
struct WaContact {
    wa_id: String,
    profile: Option<WaProfile>,
}

#[derive(Deserialize)]
struct WaProfile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct WaMessage {
    from: String,
    id: String,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WaText>,
}

#[derive(Deserialize)]
struct WaText {
    body: String,
}

pub async fn whatsapp(
    State(state): State<AppState>,
    Path(id): Path<ChannelAccountId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let creds = credentials(&state, ChannelKind::Whatsapp, id).await?;
    check_signature(&headers, secret(&creds, "app_secret")?, &body)?;
    let parsed: WaBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("not a WhatsApp webhook: {e}")))?;
    if parsed.object != "whatsapp_business_account" {
        return Err(ApiError::bad_request(format!(
            "object {:?} is not \"whatsapp_business_account\"",
            parsed.object
        )));
    }
    let mut items = Vec::new();
    for value in parsed
        .entry
        .into_iter()
        .flat_map(|e| e.changes)
        .filter_map(|c| c.value)
    {
        let names: HashMap<String, String> = value
            .contacts
            .into_iter()
            .filter_map(|c| Some((c.wa_id, c.profile?.name?)))
            .collect();
        for m in value.messages {
            let text = match (m.kind.as_str(), m.text) {
                ("text", Some(t)) => t.body,
                (kind, _) => unsupported(kind),
            };
            let at = m
                .timestamp
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(|s| DateTime::from_timestamp(s, 0));
            items.push(Incoming {
                name: names.get(&m.from).cloned(),
                channel_user_id: m.from,
                external_id: m.id,
                text,
                at,
            });
        }
    }
    store_all(&state, ChannelKind::Whatsapp, id, items).await?;
    Ok(StatusCode::OK)
}
