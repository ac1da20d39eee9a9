//! Messenger and WhatsApp (Meta's Graph and Cloud APIs): the
//! `hub.challenge` handshake, `X-Hub-Signature-256` over the raw body under
//! the app secret, and the two platforms' event shapes.

use crate::protocol::*;
use crate::server::channels::inbound::{
    credentials, hmac_sha256_matches, keep_going, secret, store_all, unsupported, Incoming, Items,
};
use crate::server::channels::{content, MediaRef};
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
        .ok_or_else(|| crate::server::channels::inbound::no_signature("X-Hub-Signature-256"))?;
    let mac = value
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h.trim()).ok())
        .ok_or_else(crate::server::channels::inbound::bad_signature)?;
    if hmac_sha256_matches(app_secret.as_bytes(), body, &mac) {
        Ok(())
    } else {
        Err(crate::server::channels::inbound::bad_signature())
    }
}

fn ms(t: Option<i64>) -> Option<DateTime<Utc>> {
    t.and_then(DateTime::from_timestamp_millis)
}

#[derive(Deserialize)]
struct PageBody {
    object: String,
    #[serde(default)]
    entry: Items<PageEntry>,
}

#[derive(Deserialize)]
struct PageEntry {
    /// The page the events are for.
    id: Option<String>,
    #[serde(default)]
    messaging: Items<MessagingEvent>,
}

#[derive(Deserialize)]
struct MessagingEvent {
    sender: Option<IdRef>,
    timestamp: Option<i64>,
    message: Option<PageMessage>,
    postback: Option<PagePostback>,
    delivery: Option<Watermark>,
    read: Option<Watermark>,
}

/// A tap on a button (Get Started, the persistent menu, a template's
/// buttons): its title and payload.
#[derive(Deserialize)]
struct PagePostback {
    mid: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    payload: String,
}

/// A quick reply the customer tapped: the message's text is its title.
#[derive(Deserialize)]
struct QuickReply {
    #[serde(default)]
    payload: String,
}

/// Messenger's delivery and read events: everything we sent up to the
/// watermark (ms) has arrived, or been read.
#[derive(Deserialize)]
struct Watermark {
    watermark: Option<i64>,
    #[serde(default)]
    mids: Vec<String>,
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
    quick_reply: Option<QuickReply>,
}

#[derive(Deserialize)]
struct PageAttachment {
    #[serde(rename = "type")]
    kind: String,
    payload: Option<PagePayload>,
}

#[derive(Deserialize)]
struct PagePayload {
    url: Option<String>,
    sticker_id: Option<i64>,
    coordinates: Option<Coordinates>,
    title: Option<String>,
}

#[derive(Deserialize)]
struct Coordinates {
    lat: f64,
    long: f64,
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
    // An app can serve several pages: only this account's page is ours.
    let page = secret(&creds, "page_id")?;
    let kind = ChannelKind::Messenger;
    let entries = parsed.entry.good(&state, kind).filter(|e| {
        let ours = e.id.as_deref().is_none_or(|id| id == page);
        if !ours {
            tracing::warn!("Messenger account {id}: ignored events for another page");
        }
        ours
    });
    let events: Vec<MessagingEvent> = entries
        .flat_map(|e| e.messaging.good(&state, kind))
        .collect();
    for ev in events {
        let Some(sender) = ev.sender else {
            continue;
        };
        for (mark, status) in [
            (ev.delivery, DeliveryStatus::Delivered),
            (ev.read, DeliveryStatus::Read),
        ] {
            if let Some(mark) = mark {
                watermark(&state, id, &sender.id, mark, status).await?;
            }
        }
        let at = ms(ev.timestamp);
        if let Some(pb) = ev.postback {
            // A postback has its own mid; without one, the sender and the
            // time tell a redelivery apart.
            let mid = pb
                .mid
                .unwrap_or_else(|| format!("postback:{}:{}", sender.id, ev.timestamp.unwrap_or(0)));
            items.push(Incoming {
                at,
                ..Incoming::tap(sender.id.clone(), mid, &pb.title, &pb.payload)
            });
            continue;
        }
        let Some(msg) = ev.message else {
            continue; // reactions and the like: not messages.
        };
        if msg.is_echo {
            continue; // our own send, echoed back.
        }
        let text = msg.text.unwrap_or_default();
        if let Some(qr) = msg.quick_reply {
            items.push(Incoming {
                at,
                ..Incoming::tap(sender.id, msg.mid, &text, &qr.payload)
            });
            continue;
        }
        if msg.attachments.is_empty() {
            let text = if text.trim().is_empty() {
                unsupported("message")
            } else {
                text
            };
            items.push(Incoming {
                at,
                ..Incoming::text(sender.id, msg.mid, text)
            });
            continue;
        }
        // Each attachment becomes its own message, the text going with
        // the first.
        for (i, a) in msg.attachments.into_iter().enumerate() {
            let external_id = if i == 0 {
                msg.mid.clone()
            } else {
                format!("{}#{i}", msg.mid)
            };
            let caption = if i == 0 { text.clone() } else { String::new() };
            let url = a.payload.as_ref().and_then(|p| p.url.clone());
            // The like button is a sticker: shown as its emoji. Other
            // stickers are images, fetched like photos.
            let like = a
                .payload
                .as_ref()
                .and_then(|p| p.sticker_id)
                .and_then(content::messenger_sticker);
            let media = match (a.kind.as_str(), url) {
                ("image" | "audio" | "video" | "file", Some(url)) if like.is_none() => {
                    Some(MediaRef {
                        what: a.kind.clone(),
                        id: None,
                        url: Some(url),
                        caption: caption.clone(),
                        name: None,
                        mime: None,
                    })
                }
                _ => None,
            };
            let text = match (&media, a.kind.as_str(), &a.payload) {
                (Some(_), _, _) => caption,
                (None, _, _) if like.is_some() => like.unwrap_or_default().to_string(),
                (None, "location", Some(p)) => {
                    let (lat, lon) = p
                        .coordinates
                        .as_ref()
                        .map_or((f64::NAN, f64::NAN), |c| (c.lat, c.long));
                    content::location(p.title.as_deref(), None, lat, lon)
                }
                (None, "fallback", Some(p)) if p.url.is_some() => content::link(
                    p.title.as_deref().unwrap_or_default(),
                    "",
                    p.url.as_deref().unwrap_or_default(),
                ),
                (None, kind, _) => unsupported(kind),
            };
            items.push(Incoming {
                at,
                media,
                ..Incoming::text(sender.id.clone(), external_id, text)
            });
        }
    }
    store_all(&state, ChannelKind::Messenger, id, items).await?;
    Ok(StatusCode::OK)
}

async fn watermark(
    state: &AppState,
    account: ChannelAccountId,
    customer: &str,
    mark: Watermark,
    status: DeliveryStatus,
) -> Result<(), ApiError> {
    // One bad id does not stop the rest.
    let kind = ChannelKind::Messenger;
    for mid in mark.mids {
        let r = state
            .store
            .platform_status(account, mid, status, None)
            .await;
        keep_going(state, kind, r.map(drop))?;
    }
    if let Some(until) = ms(mark.watermark) {
        let r = state
            .store
            .platform_status_until(account, customer.to_string(), until, status)
            .await;
        keep_going(state, kind, r.map(drop))?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct WaBody {
    object: String,
    #[serde(default)]
    entry: Items<WaEntry>,
}

#[derive(Deserialize)]
struct WaEntry {
    #[serde(default)]
    changes: Items<WaChange>,
}

#[derive(Deserialize)]
struct WaChange {
    value: Option<WaValue>,
}

#[derive(Deserialize)]
struct WaValue {
    metadata: Option<WaMetadata>,
    #[serde(default)]
    contacts: Items<WaContact>,
    #[serde(default)]
    messages: Items<WaMessage>,
    #[serde(default)]
    statuses: Items<WaStatus>,
}

/// Which of the business's numbers the change is for.
#[derive(Deserialize)]
struct WaMetadata {
    phone_number_id: Option<String>,
}

/// What became of a message we sent: sent, delivered, read or failed.
#[derive(Deserialize)]
struct WaStatus {
    id: String,
    status: String,
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
struct WaError {
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<WaErrorData>,
}

#[derive(Deserialize)]
struct WaErrorData {
    details: Option<String>,
}

impl WaError {
    fn describe(&self) -> String {
        let words = self
            .error_data
            .as_ref()
            .and_then(|d| d.details.clone())
            .or_else(|| self.message.clone())
            .or_else(|| self.title.clone())
            .unwrap_or_else(|| "no reason given".into());
        match self.code {
            Some(131047) => format!(
                "WhatsApp refused it: more than 24 hours since the customer wrote (131047: {words})"
            ),
            Some(code) => format!("WhatsApp could not deliver it ({code}: {words})"),
            None => format!("WhatsApp could not deliver it: {words}"),
        }
    }
}

#[derive(Deserialize)]
struct WaMedia {
    id: String,
    mime_type: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
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
    image: Option<WaMedia>,
    audio: Option<WaMedia>,
    video: Option<WaMedia>,
    document: Option<WaMedia>,
    sticker: Option<WaMedia>,
    interactive: Option<WaInteractive>,
    button: Option<WaButton>,
    location: Option<WaLocation>,
    #[serde(default)]
    contacts: Vec<WaCard>,
}

#[derive(Deserialize)]
struct WaText {
    body: String,
}

/// A reply button or a list row the customer chose.
#[derive(Deserialize)]
struct WaInteractive {
    button_reply: Option<WaChoice>,
    list_reply: Option<WaChoice>,
}

#[derive(Deserialize)]
struct WaChoice {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
}

/// A template's quick-reply button.
#[derive(Deserialize)]
struct WaButton {
    #[serde(default)]
    payload: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct WaLocation {
    latitude: Option<f64>,
    longitude: Option<f64>,
    name: Option<String>,
    address: Option<String>,
}

/// A contact card the customer shared.
#[derive(Deserialize)]
struct WaCard {
    name: Option<WaCardName>,
    #[serde(default)]
    phones: Vec<WaCardPhone>,
    #[serde(default)]
    emails: Vec<WaCardEmail>,
}

#[derive(Deserialize)]
struct WaCardName {
    formatted_name: Option<String>,
}

#[derive(Deserialize)]
struct WaCardPhone {
    phone: Option<String>,
}

#[derive(Deserialize)]
struct WaCardEmail {
    email: Option<String>,
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
    // A business account can have several numbers: only this account's
    // number is ours.
    let phone = secret(&creds, "phone_number_id")?;
    let kind = ChannelKind::Whatsapp;
    let values: Vec<WaValue> = parsed
        .entry
        .good(&state, kind)
        .flat_map(|e| e.changes.good(&state, kind))
        .filter_map(|c| c.value)
        .collect();
    for value in values {
        let number = value
            .metadata
            .as_ref()
            .and_then(|m| m.phone_number_id.as_deref());
        if number.is_some_and(|n| n != phone) {
            tracing::warn!("WhatsApp account {id}: ignored a change for another number");
            continue;
        }
        let names: HashMap<String, String> = value
            .contacts
            .good(&state, kind)
            .filter_map(|c| Some((c.wa_id, c.profile?.name?)))
            .collect();
        for st in value.statuses.good(&state, kind) {
            let (status, reason) = match st.status.as_str() {
                "sent" => (DeliveryStatus::Sent, None),
                "delivered" => (DeliveryStatus::Delivered, None),
                "read" => (DeliveryStatus::Read, None),
                "failed" => (
                    DeliveryStatus::Failed,
                    Some(
                        st.errors
                            .first()
                            .map(WaError::describe)
                            .unwrap_or_else(|| "WhatsApp could not deliver it".into()),
                    ),
                ),
                _ => continue,
            };
            let r = state.store.platform_status(id, st.id, status, reason).await;
            keep_going(&state, kind, r.map(drop))?;
        }
        for m in value.messages.good(&state, kind) {
            let at = m
                .timestamp
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(|s| DateTime::from_timestamp(s, 0));
            let name = names.get(&m.from).cloned();
            // A tap: a reply button, a list row, a template's button.
            let choice = m
                .interactive
                .and_then(|i| i.button_reply.or(i.list_reply))
                .map(|c| (c.title, c.id))
                .or_else(|| m.button.map(|b| (b.text, b.payload)));
            if let Some((title, payload)) = choice {
                items.push(Incoming {
                    name,
                    at,
                    ..Incoming::tap(m.from, m.id, &title, &payload)
                });
                continue;
            }
            let media = [
                ("image", m.image),
                ("audio", m.audio),
                ("video", m.video),
                ("file", m.document),
                // Stickers are webp images.
                ("image", m.sticker),
            ]
            .into_iter()
            .find_map(|(what, media)| {
                media.map(|x| MediaRef {
                    what: what.into(),
                    id: Some(x.id),
                    url: None,
                    caption: x.caption.unwrap_or_default(),
                    name: x.filename,
                    mime: x.mime_type,
                })
            });
            let text = match (m.kind.as_str(), m.text, &media) {
                ("text", Some(t), _) => t.body,
                (_, _, Some(media)) => media.caption.clone(),
                ("location", _, None) => match m.location {
                    Some(l) => content::location(
                        l.name.as_deref(),
                        l.address.as_deref(),
                        l.latitude.unwrap_or(f64::NAN),
                        l.longitude.unwrap_or(f64::NAN),
                    ),
                    None => unsupported("location"),
                },
                ("contacts", _, None) if !m.contacts.is_empty() => m
                    .contacts
                    .iter()
                    .take(10)
                    .map(|c| {
                        let phones: Vec<String> =
                            c.phones.iter().filter_map(|p| p.phone.clone()).collect();
                        let emails: Vec<String> =
                            c.emails.iter().filter_map(|e| e.email.clone()).collect();
                        let name = c.name.as_ref().and_then(|n| n.formatted_name.clone());
                        content::contact(name.as_deref().unwrap_or_default(), &phones, &emails)
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                (kind, _, None) => unsupported(kind),
            };
            items.push(Incoming {
                name,
                at,
                media,
                ..Incoming::text(m.from, m.id, text)
            });
        }
    }
    store_all(&state, ChannelKind::Whatsapp, id, items).await?;
    Ok(StatusCode::OK)
}
