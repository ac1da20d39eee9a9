//! Sending through the platforms, end to end: a real server whose API
//! bases point at local doubles of Meta, LINE and WeChat (tests/suite/common/
//! platforms.rs). Webhooks are signed the platforms' way; replies go from
//! the same route the TUI uses and reach the doubles with each platform's
//! body and auth; statuses, windows, retries, files and profile names
//! follow. The helpers are here; the tests, by platform, below.

use crate::common;

use crate::common::platforms::{deliver, photo, Double, Platform};
use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::server::ServerConfig;
use serde_json::json;
use std::time::{Duration, Instant};

mod events;
mod files;
mod line;
mod meta;
mod wechat;

/// A server talking to `double`, retrying quickly.
async fn server_for(double: &Double) -> TestServer {
    TestServer::start_with_config(|c| ServerConfig {
        api_bases: double.bases(c.api_bases.clone()),
        retry_base: Duration::from_millis(40),
        ..c
    })
    .await
}

/// Polls `f` until it gives a value (10 s at most).
async fn until<T, F, Fut>(what: &str, f: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The only conversation's row, once it exists.
async fn the_conversation(t: &TestServer) -> ConversationRow {
    let c = t.alice.client.clone();
    until("a conversation", || {
        let c = c.clone();
        async move {
            c.conversations(&ConversationQuery::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .next()
        }
    })
    .await
}

/// Waits until message `id` has `status`; returns it.
async fn status_of(
    t: &TestServer,
    conv: ConversationId,
    id: MessageId,
    status: DeliveryStatus,
) -> Message {
    let c = t.alice.client.clone();
    until(&format!("message {id} to be {status:?}"), || {
        let c = c.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|m| m.id == id && m.status == status)
        }
    })
    .await
}

async fn inbound_messages(t: &TestServer, conv: ConversationId) -> Vec<Message> {
    t.alice
        .client
        .messages(conv, &MessagesQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.kind == MessageKind::Inbound)
        .collect()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn hours_ago_ms(h: i64) -> i64 {
    now_ms() - h * 3600 * 1000
}

const FB: [(&str, &str); 4] = [
    ("app_secret", "fb-secret"),
    ("verify_token", "fb-verify"),
    ("page_access_token", "PAGE-TOKEN"),
    ("page_id", "PAGE-1"),
];

fn messenger_text(psid: &str, mid: &str, text: &str, at: i64) -> Vec<u8> {
    json!({"object": "page", "entry": [{"id": "PAGE-1", "time": at, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": "PAGE-1"}, "timestamp": at,
         "message": {"mid": mid, "text": text}}
    ]}]})
    .to_string()
    .into_bytes()
}

const WA: [(&str, &str); 4] = [
    ("app_secret", "wa-secret"),
    ("verify_token", "wa-verify"),
    ("access_token", "WA-TOKEN"),
    ("phone_number_id", "PHONE-1"),
];

fn whatsapp_value(value: serde_json::Value) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": value}
    ]}]})
    .to_string()
    .into_bytes()
}

fn whatsapp_text(from: &str, id: &str, text: &str, at_s: i64) -> Vec<u8> {
    whatsapp_value(json!({
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "PHONE-1"},
        "contacts": [{"wa_id": from, "profile": {"name": "Olivia"}}],
        "messages": [{"from": from, "id": id, "timestamp": at_s.to_string(), "type": "text", "text": {"body": text}}]
    }))
}

fn whatsapp_status(wamid: &str, status: &str, errors: serde_json::Value) -> Vec<u8> {
    whatsapp_value(json!({
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "PHONE-1"},
        "statuses": [{"id": wamid, "status": status, "timestamp": "1764000000", "recipient_id": "852", "errors": errors}]
    }))
}

/// The conversation's first customer message carrying a file, once its
/// file has been fetched.
async fn file_message(t: &TestServer, conv: ConversationId) -> Message {
    let c = t.alice.client.clone();
    until("the customer's file to be fetched", || {
        let c = c.clone();
        async move {
            inbound_for(&c, conv)
                .await
                .into_iter()
                .find(|m| m.attachment.is_some())
        }
    })
    .await
}

/// The conversation other than `not`, once it exists.
async fn other_conversation(t: &TestServer, not: ConversationId) -> Conversation {
    let c = t.alice.client.clone();
    until("another conversation", || {
        let c = c.clone();
        async move {
            c.conversations(&ConversationQuery::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|r| r.conversation.id != not)
                .map(|r| r.conversation)
        }
    })
    .await
}

async fn inbound_for(c: &chatsmart::client::Client, conv: ConversationId) -> Vec<Message> {
    c.messages(conv, &MessagesQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.kind == MessageKind::Inbound)
        .collect()
}

const LINE: [(&str, &str); 2] = [
    ("channel_secret", "line-secret"),
    ("channel_access_token", "LINE-TOKEN"),
];

fn line_event(
    user: &str,
    event_id: &str,
    reply_token: &str,
    message: serde_json::Value,
) -> Vec<u8> {
    json!({"destination": "Ubot", "events": [{
        "type": "message", "timestamp": now_ms(), "mode": "active",
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id, "deliveryContext": {"isRedelivery": false},
        "replyToken": reply_token, "message": message
    }]})
    .to_string()
    .into_bytes()
}

const WECHAT: [(&str, &str); 3] = [
    ("app_id", "wx-app"),
    ("app_secret", "wx-secret"),
    ("token", "wx-token"),
];

fn wechat_push(from: &str, kind: &str, inner: &str, msg_id: &str) -> Vec<u8> {
    format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName>\
         <CreateTime>{}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{inner}<MsgId>{msg_id}</MsgId></xml>",
        now_ms() / 1000
    )
    .into_bytes()
}

/// (text, attachment kind, bytes) of every customer message with a file,
/// once `n` have arrived.
async fn files_in(
    t: &TestServer,
    conv: ConversationId,
    n: usize,
) -> Vec<(String, AttachmentKind, Vec<u8>)> {
    let c = t.alice.client.clone();
    let msgs = until(&format!("{n} files"), || {
        let c = c.clone();
        async move {
            let m: Vec<Message> = inbound_for(&c, conv)
                .await
                .into_iter()
                .filter(|m| m.attachment.is_some())
                .collect();
            (m.len() >= n).then_some(m)
        }
    })
    .await;
    let mut out = Vec::new();
    for m in msgs {
        let a = m.attachment.unwrap();
        out.push((m.text, a.kind, t.alice.client.download(a.id).await.unwrap()));
    }
    out
}

/// A server on loopback that counts its requests: `/secret` answers with
/// bytes nobody outside should see, `/redirect` sends to `to`.
async fn internal_server(
    to: Option<String>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::routing::get;
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (h1, h2) = (hits.clone(), hits.clone());
    let app = axum::Router::new()
        .route(
            "/secret",
            get(move || async move {
                h1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "internal secret"
            }),
        )
        .route(
            "/redirect",
            get(move || async move {
                h2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                axum::response::Redirect::to(&to.unwrap_or_default())
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}
