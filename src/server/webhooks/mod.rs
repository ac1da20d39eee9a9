//! The platforms' side of the server: their webhooks, at
//! `/webhooks/{kind}/{account id}`, and the signed links they fetch our
//! files from (`/media/…`, links.rs). No bearer
//! token: each platform's signature over the request is the
//! authentication, checked over the bytes exactly as received and compared
//! in constant time before anything is parsed. A bad signature stores
//! nothing. Each message is committed before the platform hears 200, and
//! the platform's own ids de-duplicate its redeliveries.

mod line;
mod links;
mod meta;
mod wechat;
pub mod wechat_crypto;

use super::error::ApiError;
use super::media::learn_name;
use super::platforms::MediaRef;
use super::store::InboundMessage;
use super::AppState;
use crate::protocol::*;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/messenger/{id}",
            get(meta::verify_messenger).post(meta::messenger),
        )
        .route(
            "/webhooks/whatsapp/{id}",
            get(meta::verify_whatsapp).post(meta::whatsapp),
        )
        .route("/webhooks/line/{id}", post(line::receive))
        .route(
            "/webhooks/wechat/{id}",
            get(wechat::verify).post(wechat::receive),
        )
        .route(
            "/media/{account}/{attachment}/{expires}/{sig}",
            get(links::serve),
        )
}

/// The credentials of live account `id` of this kind; 404 otherwise (an
/// unknown or removed account is not told apart from a wrong kind).
async fn credentials(
    state: &AppState,
    kind: ChannelKind,
    id: ChannelAccountId,
) -> Result<BTreeMap<String, String>, ApiError> {
    match state.store.channel_credentials(id).await? {
        Some((k, creds)) if k == kind => Ok(creds),
        _ => Err(ApiError::not_found("no such channel account")),
    }
}

fn secret<'a>(creds: &'a BTreeMap<String, String>, key: &str) -> Result<&'a str, ApiError> {
    creds.get(key).map(String::as_str).ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the channel has no credentials",
        )
    })
}

fn bad_signature() -> ApiError {
    ApiError::forbidden("the signature does not match")
}

fn no_signature(header: &str) -> ApiError {
    ApiError::unauthorized(format!("sign the request: {header} is missing"))
}

/// HMAC-SHA256 of `body` under `key`, checked against `mac` in constant
/// time.
fn hmac_sha256_matches(key: &[u8], body: &[u8], mac: &[u8]) -> bool {
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

/// Stores each message (committed before the platform is answered).
async fn store_all(
    state: &AppState,
    kind: ChannelKind,
    account: ChannelAccountId,
    items: Vec<Incoming>,
) -> Result<(), ApiError> {
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
        let accepted = state
            .store
            .inbound(InboundMessage {
                channel: kind,
                channel_user_id: m.channel_user_id,
                customer_name: name.chars().take(200).collect(),
                text,
                external_id: m.external_id,
                at: m.at,
                attachment_id: None,
                account: Some(account),
                reply_token: m.reply_token,
                media: m
                    .media
                    .map(|media| serde_json::to_string(&media).unwrap_or_default()),
            })
            .await?;
        if accepted.duplicate {
            continue;
        }
        if has_media {
            state.hub.wake_media();
        }
        // In the background: the platform hears 200 now. The name comes
        // first (briefly), so the bot's greeting can use it.
        let state = state.clone();
        tokio::spawn(async move {
            if !named {
                let learn = learn_name(&state, kind, account, accepted.customer_id);
                let _ = tokio::time::timeout(NAME_WAIT, learn).await;
            }
            crate::server::bot::on_inbound_saying(&state, &accepted, caption);
        });
    }
    Ok(())
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
