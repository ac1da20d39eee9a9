//! The one path every platform's messages take in: the webhooks' routes
//! (`/webhooks/{kind}/{account id}`, each handled in its platform's
//! folder) and the signed links platforms fetch our files from (`/media/…`,
//! links.rs), then [`store_all`], which commits each message, queues it
//! for the bot and starts the name lookup. No bearer
//! token: each platform's signature over the request is the
//! authentication, checked over the bytes exactly as received and compared
//! in constant time before anything is parsed. A bad signature stores
//! nothing. Each message is committed before the platform hears 200, and
//! the platform's own ids de-duplicate its redeliveries.

use super::{line, meta, replay, wechat, MediaRef};
use crate::protocol::*;
use crate::server::error::ApiError;
use crate::server::store::{self, BotTurn, InboundMessage, Reach};
use crate::server::workers::names::learn_name;
use crate::server::AppState;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/messenger/{id}",
            get(meta::webhook::verify_messenger).post(meta::webhook::messenger),
        )
        .route(
            "/webhooks/whatsapp/{id}",
            get(meta::webhook::verify_whatsapp).post(meta::webhook::whatsapp),
        )
        .route("/webhooks/line/{id}", post(line::webhook::receive))
        .route(
            "/webhooks/wechat/{id}",
            get(wechat::webhook::verify).post(wechat::webhook::receive),
        )
        .route(
            "/media/{account}/{attachment}/{expires}/{sig}",
            get(super::links::serve),
        )
}

/// The credentials of live account `id` of this kind; 404 otherwise (an
/// unknown or removed account is not told apart from a wrong kind).
pub(super) async fn credentials(
    state: &AppState,
    kind: ChannelKind,
    id: ChannelAccountId,
) -> Result<BTreeMap<String, String>, ApiError> {
    match state.store.channel_credentials(id).await? {
        Some((k, creds)) if k == kind => Ok(creds),
        _ => Err(ApiError::not_found("no such channel account")),
    }
}

pub(super) fn secret<'a>(
    creds: &'a BTreeMap<String, String>,
    key: &str,
) -> Result<&'a str, ApiError> {
    creds.get(key).map(String::as_str).ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the channel has no credentials",
        )
    })
}

pub(super) fn bad_signature() -> ApiError {
    ApiError::forbidden("the signature does not match")
}

pub(super) fn no_signature(header: &str) -> ApiError {
    ApiError::unauthorized(format!("sign the request: {header} is missing"))
}

/// HMAC-SHA256 of `body` under `key`, checked against `mac` in constant
/// time.
pub(super) fn hmac_sha256_matches(key: &[u8], body: &[u8], mac: &[u8]) -> bool {
    use hmac::{Hmac, Mac};
    let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return false;
    };
    m.update(body);
    m.verify_slice(mac).is_ok()
}

/// One customer message parsed from a platform's event.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub channel_user_id: String,
    pub name: Option<String>,
    /// The platform's message id: the same id twice is stored once.
    pub external_id: String,
    pub text: String,
    pub at: Option<DateTime<Utc>>,
    /// LINE's token for answering this message.
    pub reply_token: Option<String>,
    /// A file to fetch from the platform; `text` is then its caption.
    pub media: Option<MediaRef>,
    /// A button the customer tapped (a postback, a quick reply, a menu
    /// click): its payload; `text` is then what the button said.
    pub tap: Option<String>,
    /// A follow or a block; `text` is then the note that says so.
    pub reach: Option<Reach>,
}

impl Incoming {
    pub fn text(channel_user_id: String, external_id: String, text: String) -> Self {
        Incoming {
            channel_user_id,
            name: None,
            external_id,
            text,
            at: None,
            reply_token: None,
            media: None,
            tap: None,
            reach: None,
        }
    }

    /// The customer followed the account (the bot greets a new one).
    pub fn followed(channel_user_id: String, external_id: String, note: String) -> Self {
        Incoming {
            reach: Some(Reach::Followed),
            ..Incoming::text(channel_user_id, external_id, note)
        }
    }

    /// The customer blocked or unfollowed the account on `platform`.
    pub fn blocked(
        channel_user_id: String,
        external_id: String,
        what: &str,
        platform: &str,
    ) -> Self {
        let why = format!(
            "the customer {what} the account on {platform}: replies cannot reach them until they follow it again"
        );
        let mut note = why.clone();
        note[..1].make_ascii_uppercase();
        Incoming {
            reach: Some(Reach::Blocked(why)),
            ..Incoming::text(channel_user_id, external_id, note)
        }
    }

    /// A tap on a button titled `title` carrying `payload`.
    pub fn tap(channel_user_id: String, external_id: String, title: &str, payload: &str) -> Self {
        let payload: String = payload.chars().take(1000).collect();
        let title = super::content::tap_title(title);
        let text = if title.is_empty() {
            super::content::untitled_tap(&payload)
        } else {
            title
        };
        Incoming {
            tap: Some(payload),
            ..Incoming::text(channel_user_id, external_id, text)
        }
    }
}

/// What a message the inbox cannot show yet says instead, so it is never
/// silently dropped.
pub fn unsupported(kind: &str) -> String {
    format!(
        "(sent {}: chatsmart cannot show it here yet)",
        article(kind)
    )
}

fn article(kind: &str) -> String {
    let kind = kind.trim();
    if kind.is_empty() {
        return "a message".into();
    }
    let an = kind.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {kind}", if an { "an" } else { "a" })
}

/// How long the bot waits for a new customer's name from the platform.
const NAME_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Stores each message (committed before the platform is answered). An
/// item the store refuses (an id too long, say) is skipped with a warning
/// and counted, so one bad event never makes the platform redeliver, and
/// finally disable, the whole batch; only a failure of the store itself
/// answers 500, and the redelivery then de-duplicates what was kept.
pub(super) async fn store_all(
    state: &AppState,
    kind: ChannelKind,
    account: ChannelAccountId,
    items: Vec<Incoming>,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    for m in items {
        let name = m.name.clone().unwrap_or_default();
        let text: String = m.text.chars().take(20_000).collect();
        let text = match &m.media {
            Some(media) => media.placeholder(kind),
            None if text.trim().is_empty() => unsupported(""),
            None => text,
        };
        let named = m.name.is_some();
        let has_media = m.media.is_some();
        // With a file on its way, the stored text is a placeholder: the
        // bot reads the caption.
        let caption = m.media.as_ref().map(|media| media.caption.clone());
        // A new customer's name is looked up first (briefly), so the bot's
        // greeting can use it.
        let bot_after = (!named).then(|| chrono::Utc::now() + NAME_WAIT);
        let accepted = state
            .store
            .inbound(InboundMessage {
                channel: kind,
                channel_user_id: m.channel_user_id,
                customer_name: name.chars().take(200).collect(),
                text,
                external_id: m.external_id,
                // Ordered by a time near now, whatever the platform says;
                // its own time (never ahead of now) still runs the window.
                at: replay::clamp(m.at, now),
                sent_at: m.at.map(|t| t.min(now + replay::FRESH_FOR)),
                attachment_id: None,
                account: Some(account),
                reply_token: m.reply_token,
                media: m
                    .media
                    .map(|media| serde_json::to_string(&media).unwrap_or_default()),
                // A block is not for the bot; a follow is answered as an
                // empty message (the greeting, for a new customer).
                bot: match &m.reach {
                    Some(Reach::Blocked(_)) => None,
                    Some(Reach::Followed) => Some(BotTurn {
                        reads: Some(String::new()),
                        after: bot_after,
                    }),
                    None => Some(BotTurn {
                        reads: caption,
                        after: bot_after,
                    }),
                },
                tap: m.tap,
                reach: m.reach,
            })
            .await;
        let accepted = match accepted {
            Ok(a) => a,
            Err(e @ store::StoreError::Internal(_)) => return Err(e.into()),
            Err(e) => {
                skipped(state, kind, &e.to_string());
                continue;
            }
        };
        if accepted.duplicate {
            continue;
        }
        if has_media {
            state.hub.wake_media();
        }
        // In the background: the platform hears 200 now. Once the name is
        // in (or could not be had), the bot need not wait for it.
        if !named {
            let state = state.clone();
            tokio::spawn(async move {
                let learn = learn_name(&state, kind, account, accepted.customer_id);
                let _ = tokio::time::timeout(NAME_WAIT, learn).await;
                if state.store.bot_work_now(accepted.message_id).await.is_ok() {
                    state.hub.wake_bot();
                }
            });
        }
    }
    Ok(())
}

/// Goes on past an item the store refused (noted as skipped); stops, with
/// 500, only when the store itself failed.
pub(super) fn keep_going(
    state: &AppState,
    kind: ChannelKind,
    r: Result<(), store::StoreError>,
) -> Result<(), ApiError> {
    match r {
        Ok(()) => Ok(()),
        Err(e @ store::StoreError::Internal(_)) => Err(e.into()),
        Err(e) => {
            skipped(state, kind, &e.to_string());
            Ok(())
        }
    }
}

/// Notes an item of a platform's batch that was left out.
pub(super) fn skipped(state: &AppState, kind: ChannelKind, why: &str) {
    state
        .security
        .webhook_items_skipped
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::warn!(
        "skipped an item of a {} webhook: {why}",
        kind.display_name()
    );
}

/// A list in a platform's batch whose items are read one by one: an item
/// that does not read is left out (with a warning) instead of failing the
/// whole batch.
pub struct Items<T>(pub Vec<Result<T, String>>);

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items(Vec::new())
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Items<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Vec::<serde_json::Value>::deserialize(d)?;
        Ok(Items(
            raw.into_iter()
                .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
                .collect(),
        ))
    }
}

impl<T> Items<T> {
    /// The items that read; the others are counted and logged.
    pub fn good(self, state: &AppState, kind: ChannelKind) -> impl Iterator<Item = T> {
        let mut good = Vec::with_capacity(self.0.len());
        for item in self.0 {
            match item {
                Ok(t) => good.push(t),
                Err(e) => skipped(state, kind, &e),
            }
        }
        good.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_kinds_read_well() {
        assert_eq!(
            unsupported("sticker"),
            "(sent a sticker: chatsmart cannot show it here yet)"
        );
        assert!(unsupported("image").contains("an image"));
    }

    #[test]
    fn hmac_checks_the_exact_bytes() {
        use hmac::{Hmac, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(b"k").unwrap();
        m.update(b"body");
        let mac = m.finalize().into_bytes();
        assert!(hmac_sha256_matches(b"k", b"body", &mac));
        assert!(!hmac_sha256_matches(b"k", b"body ", &mac));
        assert!(!hmac_sha256_matches(b"other", b"body", &mac));
    }
}
