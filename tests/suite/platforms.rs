//! Sending through the platforms, end to end: a real server whose API
//! bases point at local doubles of Meta, LINE and WeChat (tests/suite/common/
//! platforms.rs). Webhooks are signed the platforms' way; replies go from
//! the same route the TUI uses and reach the doubles with each platform's
//! body and auth; statuses, windows, retries, files and profile names
//! follow.

use crate::common;

use crate::common::platforms::{deliver, photo, Double, Platform};
use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::server::ServerConfig;
use serde_json::json;
use std::time::{Duration, Instant};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messenger_replies_go_out_and_delivery_and_read_follow() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let fb = channel(&t, ChannelKind::Messenger, &FB).await;
    let body = messenger_text("PSID-1", "m_in_1", "Is my parcel coming?", now_ms());
    for _ in 0..2 {
        // Meta redelivers; the message is kept once.
        let (code, _) = deliver(
            &t.url(),
            &fb.webhook_path,
            Platform::Meta,
            "fb-secret",
            &body,
        )
        .await;
        assert_eq!(code, 200);
    }
    let row = the_conversation(&t).await;
    let conv = row.conversation.id;
    assert_eq!(inbound_messages(&t, conv).await.len(), 1);
    assert!(row.conversation.customer_last_at.is_some());
    // The name comes from the Graph profile, asked with the page token.
    let c = t.alice.client.clone();
    until("the profile name", || {
        let c = c.clone();
        async move {
            (c.conversation(conv)
                .await
                .unwrap()
                .conversation
                .customer_name
                == "Mei Ling")
                .then_some(())
        }
    })
    .await;
    let profile = meta.calls("/v21.0/PSID-1");
    assert_eq!(profile[0].query["access_token"], "PAGE-TOKEN");
    assert_eq!(profile[0].query["fields"], "first_name,last_name");

    // A reply from the TUI's route goes out as a RESPONSE.
    let sent = t
        .alice
        .client
        .send_message(conv, "Yes, tomorrow!", "c-1")
        .await
        .unwrap();
    assert_eq!(sent.status, DeliveryStatus::Pending);
    let call = &meta.wait_calls("/me/messages", 1).await[0];
    assert_eq!(call.query["access_token"], "PAGE-TOKEN");
    assert_eq!(
        call.json,
        json!({"recipient": {"id": "PSID-1"}, "messaging_type": "RESPONSE", "message": {"text": "Yes, tomorrow!"}})
    );
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;

    // Delivery by message id, then read by watermark.
    let delivered =
        json!({"object": "page", "entry": [{"id": "PAGE-1", "time": now_ms(), "messaging": [
            {"sender": {"id": "PSID-1"}, "recipient": {"id": "PAGE-1"}, "timestamp": now_ms(),
             "delivery": {"mids": [], "watermark": now_ms() + 1000}}
        ]}]})
        .to_string();
    deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        delivered.as_bytes(),
    )
    .await;
    status_of(&t, conv, sent.id, DeliveryStatus::Delivered).await;
    let read = json!({"object": "page", "entry": [{"id": "PAGE-1", "time": now_ms(), "messaging": [
        {"sender": {"id": "PSID-1"}, "recipient": {"id": "PAGE-1"}, "timestamp": now_ms(),
         "read": {"watermark": now_ms() + 1000}}
    ]}]})
    .to_string();
    deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        read.as_bytes(),
    )
    .await;
    status_of(&t, conv, sent.id, DeliveryStatus::Read).await;
    // A late delivery never moves it back.
    deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        delivered.as_bytes(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    status_of(&t, conv, sent.id, DeliveryStatus::Read).await;
    // A reply longer than Messenger takes goes in parts, cut between words.
    let long: String = (0..700).fold(String::new(), |s, i| s + "word" + &i.to_string() + " ");
    let long = long.trim().to_string();
    let before = meta.calls("/me/messages").len();
    let sent = t
        .alice
        .client
        .send_message(conv, &long, "c-long")
        .await
        .unwrap();
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;
    let parts: Vec<String> = meta.calls("/me/messages")[before..]
        .iter()
        .map(|c| c.json["message"]["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(parts.len(), 3, "{} characters", long.len());
    assert!(parts.iter().all(|p| p.chars().count() <= 2000));
    assert_eq!(parts.join(" "), long);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messenger_windows_human_agent_tag_then_closed() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let fb = channel(&t, ChannelKind::Messenger, &FB).await;
    // Events for another page of the same app are not this account's.
    let other = String::from_utf8(messenger_text("PSID-X", "m_x", "hi", now_ms()))
        .unwrap()
        .replace("PAGE-1", "PAGE-2");
    let (code, _) = deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        other.as_bytes(),
    )
    .await;
    assert_eq!(code, 200);
    let none = t
        .alice
        .client
        .conversations(&ConversationQuery::default())
        .await
        .unwrap();
    assert!(none.items.is_empty());
    // Three days since the customer wrote: a person may still answer, tagged.
    let body = messenger_text("PSID-OLD", "m_old", "hello?", hours_ago_ms(72));
    deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        &body,
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;
    let sent = t
        .alice
        .client
        .send_message(conv, "Sorry for the wait", "c-1")
        .await
        .unwrap();
    let call = &meta.wait_calls("/me/messages", 1).await[0];
    assert_eq!(call.json["messaging_type"], "MESSAGE_TAG");
    assert_eq!(call.json["tag"], "HUMAN_AGENT");
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;

    // Eight days: nothing may go; it fails with the reason, unsent.
    let body = messenger_text("PSID-GONE", "m_gone", "anyone?", hours_ago_ms(8 * 24));
    deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        &body,
    )
    .await;
    let gone = other_conversation(&t, conv).await.id;
    let late = t
        .alice
        .client
        .send_message(gone, "Still there?", "c-2")
        .await
        .unwrap();
    let failed = status_of(&t, gone, late.id, DeliveryStatus::Failed).await;
    assert!(
        failed
            .failure
            .as_deref()
            .unwrap()
            .contains("7-day reply window closed"),
        "{failed:?}"
    );
    assert_eq!(meta.calls("/me/messages").len(), 1, "nothing more was sent");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_sends_follows_statuses_retries_and_keeps_the_window() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let wa = channel(&t, ChannelKind::Whatsapp, &WA).await;
    let now_s = now_ms() / 1000;
    let body = whatsapp_text("85291234567", "wamid.in1", "Hi there", now_s);
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &body,
    )
    .await;
    let row = the_conversation(&t).await;
    assert_eq!(row.conversation.customer_name, "Olivia");
    let conv = row.conversation.id;

    let sent = t
        .alice
        .client
        .send_message(conv, "Hello Olivia", "c-1")
        .await
        .unwrap();
    let call = &meta.wait_calls("/PHONE-1/messages", 1).await[0];
    assert_eq!(call.auth.as_deref(), Some("Bearer WA-TOKEN"));
    assert_eq!(call.json["messaging_product"], "whatsapp");
    assert_eq!(call.json["to"], "85291234567");
    assert_eq!(call.json["type"], "text");
    assert_eq!(call.json["text"]["body"], "Hello Olivia");
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;
    let wamid = format!("wamid.{}", meta.seen().len());
    for (s, want) in [
        ("delivered", DeliveryStatus::Delivered),
        ("read", DeliveryStatus::Read),
    ] {
        deliver(
            &t.url(),
            &wa.webhook_path,
            Platform::Meta,
            "wa-secret",
            &whatsapp_status(&wamid, s, json!([])),
        )
        .await;
        status_of(&t, conv, sent.id, want).await;
    }

    // A failed status carries WhatsApp's reason.
    let second = t
        .alice
        .client
        .send_message(conv, "One more thing", "c-2")
        .await
        .unwrap();
    meta.wait_calls("/PHONE-1/messages", 2).await;
    status_of(&t, conv, second.id, DeliveryStatus::Sent).await;
    let wamid = format!("wamid.{}", meta.seen().len());
    let errors = json!([{"code": 131026, "title": "Message undeliverable", "error_data": {"details": "the number is not on WhatsApp"}}]);
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &whatsapp_status(&wamid, "failed", errors),
    )
    .await;
    let failed = status_of(&t, conv, second.id, DeliveryStatus::Failed).await;
    assert!(failed
        .failure
        .unwrap()
        .contains("131026: the number is not on WhatsApp"));

    // Rate limited: retried with backoff until it goes.
    meta.fail_next(
        "/PHONE-1/messages",
        429,
        json!({"error": {"message": "Rate limit hit", "code": 130429}}),
    );
    meta.fail_next(
        "/PHONE-1/messages",
        503,
        json!({"error": {"message": "Service unavailable", "code": 2}}),
    );
    let third = t
        .alice
        .client
        .send_message(conv, "Third", "c-3")
        .await
        .unwrap();
    status_of(&t, conv, third.id, DeliveryStatus::Sent).await;
    assert_eq!(
        meta.calls("/PHONE-1/messages").len(),
        5,
        "two failures, then sent"
    );

    // Refused outright: failed at once with Meta's words; an agent retries.
    meta.fail_next(
        "/PHONE-1/messages",
        400,
        json!({"error": {"message": "Invalid parameter", "code": 100}}),
    );
    let fourth = t
        .alice
        .client
        .send_message(conv, "Fourth", "c-4")
        .await
        .unwrap();
    let failed = status_of(&t, conv, fourth.id, DeliveryStatus::Failed).await;
    assert!(
        failed
            .failure
            .as_deref()
            .unwrap()
            .contains("code 100): Invalid parameter"),
        "{failed:?}"
    );
    let (code, _) = api_error(t.alice.client.retry_message(sent.id).await.unwrap_err());
    assert_eq!(code, 409, "only failed messages are retried");
    let again = t.alice.client.retry_message(fourth.id).await.unwrap();
    assert_eq!(again.status, DeliveryStatus::Pending);
    assert_eq!(again.failure, None);
    status_of(&t, conv, fourth.id, DeliveryStatus::Sent).await;

    // Two days since the customer wrote: the window is closed, nothing goes.
    let old = whatsapp_text("85290000000", "wamid.old", "old", now_s - 48 * 3600);
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &old,
    )
    .await;
    let closed = other_conversation(&t, conv).await;
    assert!(matches!(
        reply_window(
            ChannelKind::Whatsapp,
            false,
            closed.customer_last_at,
            chrono::Utc::now()
        ),
        ReplyWindow::Closed { .. }
    ));
    let calls = meta.calls("/PHONE-1/messages").len();
    let late = t
        .alice
        .client
        .send_message(closed.id, "Hello?", "c-5")
        .await
        .unwrap();
    let failed = status_of(&t, closed.id, late.id, DeliveryStatus::Failed).await;
    assert!(failed
        .failure
        .unwrap()
        .contains("24-hour reply window closed"));
    assert_eq!(meta.calls("/PHONE-1/messages").len(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_files_both_ways() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let wa = channel(&t, ChannelKind::Whatsapp, &WA).await;
    let now_s = now_ms() / 1000;
    let body = whatsapp_value(json!({
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "PHONE-1"},
        "contacts": [{"wa_id": "852", "profile": {"name": "Olivia"}}],
        "messages": [{"from": "852", "id": "wamid.img", "timestamp": now_s.to_string(), "type": "image",
                      "image": {"id": "wa-media-7", "mime_type": "image/png", "sha256": "x", "caption": "my receipt"}}]
    }));
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &body,
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;
    let msg = file_message(&t, conv).await;
    assert_eq!(msg.text, "my receipt");
    let att = msg.attachment.unwrap();
    assert_eq!(att.kind, AttachmentKind::Image);
    assert_eq!(t.alice.client.download(att.id).await.unwrap(), photo());
    let media_calls = meta.calls("/wa-media-7");
    assert_eq!(media_calls[0].auth.as_deref(), Some("Bearer WA-TOKEN"));

    // An agent's file goes up as WhatsApp media, then as an image message.
    let up = t
        .alice
        .client
        .upload_bytes("map.png", photo())
        .await
        .unwrap();
    let sent = t
        .alice
        .client
        .send_message_with(
            conv,
            &SendMessage {
                text: "Here".into(),
                client_id: "f-1".into(),
                attachment_id: Some(up.id),
                as_bot: false,
            },
        )
        .await
        .unwrap();
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;
    let upload = &meta.calls("/PHONE-1/media")[0];
    assert!(upload.is_multipart());
    assert!(upload.body_text().contains("whatsapp"));
    let send = meta.calls("/PHONE-1/messages").pop().unwrap();
    assert_eq!(send.json["type"], "image");
    assert!(send.json["image"]["id"]
        .as_str()
        .unwrap()
        .starts_with("media-"));
    assert_eq!(send.json["image"]["caption"], "Here");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_replies_with_the_token_then_pushes() {
    let line = Double::start(Platform::Line).await;
    let t = server_for(&line).await;
    let ch = channel(&t, ChannelKind::Line, &LINE).await;
    let body = line_event(
        "U-ken",
        "ev-1",
        "rt-1",
        json!({"id": "7001", "type": "text", "text": "こんにちは"}),
    );
    let (code, _) = deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    assert_eq!(code, 200);
    // Redelivered (isRedelivery): kept once.
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;
    assert_eq!(inbound_messages(&t, conv).await.len(), 1);
    let c = t.alice.client.clone();
    until("the LINE display name", || {
        let c = c.clone();
        async move {
            (c.conversation(conv)
                .await
                .unwrap()
                .conversation
                .customer_name
                == "Ken Sato")
                .then_some(())
        }
    })
    .await;
    assert_eq!(
        line.calls("/v2/bot/profile/U-ken")[0].auth.as_deref(),
        Some("Bearer LINE-TOKEN")
    );

    // The first reply uses the reply token (free)...
    let first = t
        .alice
        .client
        .send_message(conv, "Hello Ken", "c-1")
        .await
        .unwrap();
    let reply = &line.wait_calls("/v2/bot/message/reply", 1).await[0];
    assert_eq!(reply.auth.as_deref(), Some("Bearer LINE-TOKEN"));
    assert_eq!(
        reply.json,
        json!({"replyToken": "rt-1", "messages": [{"type": "text", "text": "Hello Ken"}]})
    );
    status_of(&t, conv, first.id, DeliveryStatus::Sent).await;
    // ...which is single-use: the next one is pushed, with a retry key.
    let second = t
        .alice
        .client
        .send_message(conv, "Anything else?", "c-2")
        .await
        .unwrap();
    let push = &line.wait_calls("/v2/bot/message/push", 1).await[0];
    assert_eq!(
        push.json,
        json!({"to": "U-ken", "messages": [{"type": "text", "text": "Anything else?"}]})
    );
    let key = push.headers["x-line-retry-key"].to_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(key).unwrap().get_version_num(), 4);
    status_of(&t, conv, second.id, DeliveryStatus::Sent).await;
    assert_eq!(line.calls("/v2/bot/message/reply").len(), 1);

    // A token LINE no longer takes: the reply is pushed instead.
    let body = line_event(
        "U-ken",
        "ev-2",
        "expired",
        json!({"id": "7002", "type": "text", "text": "?"}),
    );
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    let third = t
        .alice
        .client
        .send_message(conv, "Yes?", "c-3")
        .await
        .unwrap();
    status_of(&t, conv, third.id, DeliveryStatus::Sent).await;
    assert_eq!(line.calls("/v2/bot/message/reply").len(), 2);
    assert_eq!(line.calls("/v2/bot/message/push").len(), 2);

    // A photo: fetched from the data host with the channel token.
    let body = line_event(
        "U-ken",
        "ev-3",
        "rt-3",
        json!({"id": "7003", "type": "image", "contentProvider": {"type": "line"}}),
    );
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    let msg = file_message(&t, conv).await;
    assert_eq!(
        t.alice
            .client
            .download(msg.attachment.unwrap().id)
            .await
            .unwrap(),
        photo()
    );
    assert_eq!(
        line.calls("/data/v2/bot/message/7003/content")[0]
            .auth
            .as_deref(),
        Some("Bearer LINE-TOKEN")
    );
    // A file at the sender's own address is shown as a link, never
    // fetched by the server.
    let body = line_event(
        "U-ken",
        "ev-ext",
        "rt-ext",
        json!({"id": "7010", "type": "image", "contentProvider": {"type": "external", "originalContentUrl": "http://169.254.169.254/latest"}}),
    );
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    let c2 = t.alice.client.clone();
    until("the external photo's note", || {
        let c = c2.clone();
        async move {
            inbound_for(&c, conv)
                .await
                .into_iter()
                .find(|m| m.text == "(sent a photo at http://169.254.169.254/latest)")
        }
    })
    .await;
    assert!(line.calls("/7010/content").is_empty());
    // Without a public address, a file cannot go to LINE: it says how.
    let up = t.alice.client.upload_bytes("a.png", photo()).await.unwrap();
    let file = t
        .alice
        .client
        .send_message_with(
            conv,
            &SendMessage {
                text: String::new(),
                client_id: "c-file".into(),
                attachment_id: Some(up.id),
                as_bot: false,
            },
        )
        .await
        .unwrap();
    let failed = status_of(&t, conv, file.id, DeliveryStatus::Failed).await;
    assert!(failed.failure.unwrap().contains("set public_url"));
    // Quota exhausted (429): retried, then given up with LINE's words.
    for _ in 0..8 {
        line.fail_next(
            "/v2/bot/message/",
            429,
            json!({"message": "You have reached your monthly limit."}),
        );
    }
    let fourth = t
        .alice
        .client
        .send_message(conv, "Are you there?", "c-4")
        .await
        .unwrap();
    let failed = until("the message to give up", || {
        let c = c.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|m| m.id == fourth.id && m.status == DeliveryStatus::Failed)
        }
    })
    .await;
    let why = failed.failure.unwrap();
    assert!(
        why.contains("monthly limit") && why.contains("gave up after 8 tries"),
        "{why}"
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_keeps_one_token_refreshes_it_and_respects_the_window() {
    let wx = Double::start(Platform::Wechat).await;
    let t = server_for(&wx).await;
    let ch = channel(&t, ChannelKind::Wechat, &WECHAT).await;
    let body = wechat_push(
        "oWx_customer123456",
        "text",
        "<Content><![CDATA[你好]]></Content>",
        "1001",
    );
    let (code, text) = deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Wechat,
        "wx-token",
        &body,
    )
    .await;
    assert_eq!((code, text.as_str()), (200, "success"));
    let conv = the_conversation(&t).await.conversation.id;
    let c = t.alice.client.clone();
    // WeChat gives no nickname: a readable name from the OpenID.
    until("a readable name", || {
        let c = c.clone();
        async move {
            (c.conversation(conv)
                .await
                .unwrap()
                .conversation
                .customer_name
                == "WeChat user 123456")
                .then_some(())
        }
    })
    .await;

    let first = t
        .alice
        .client
        .send_message(conv, "您好", "c-1")
        .await
        .unwrap();
    status_of(&t, conv, first.id, DeliveryStatus::Sent).await;
    let send = &wx.calls("/cgi-bin/message/custom/send")[0];
    assert_eq!(
        send.json,
        json!({"touser": "oWx_customer123456", "msgtype": "text", "text": {"content": "您好"}})
    );
    let token_call = &wx.calls("/cgi-bin/token")[0];
    assert_eq!(token_call.query["appid"], "wx-app");
    assert_eq!(token_call.query["secret"], "wx-secret");
    assert!(send.query["access_token"].starts_with("token-"));
    let second = t
        .alice
        .client
        .send_message(conv, "還有嗎？", "c-2")
        .await
        .unwrap();
    status_of(&t, conv, second.id, DeliveryStatus::Sent).await;
    assert_eq!(wx.tokens_issued(), 1, "one token, shared");

    // The token stops working: a new one is fetched and the send repeated.
    wx.expire_token();
    let third = t
        .alice
        .client
        .send_message(conv, "第三", "c-3")
        .await
        .unwrap();
    status_of(&t, conv, third.id, DeliveryStatus::Sent).await;
    assert_eq!(wx.tokens_issued(), 2);

    // WeChat takes 2048 bytes a message: a long Chinese reply goes in two.
    let long = "謝謝你的耐心等候。".repeat(90);
    let sends = wx.calls("/cgi-bin/message/custom/send").len();
    let m = t
        .alice
        .client
        .send_message(conv, &long, "c-long")
        .await
        .unwrap();
    status_of(&t, conv, m.id, DeliveryStatus::Sent).await;
    let parts: Vec<String> = wx.calls("/cgi-bin/message/custom/send")[sends..]
        .iter()
        .map(|c| c.json["text"]["content"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|p| p.len() <= 2048));
    assert_eq!(parts.concat(), long);

    // WeChat busy on the second part: the retry sends the second part
    // only; the customer never gets the first twice.
    let sends = wx.calls("/cgi-bin/message/custom/send").len();
    wx.fail_after(
        "/cgi-bin/message/custom/send",
        1,
        200,
        json!({"errcode": -1, "errmsg": "system error"}),
    );
    let m = t
        .alice
        .client
        .send_message(conv, &long, "c-long-2")
        .await
        .unwrap();
    status_of(&t, conv, m.id, DeliveryStatus::Sent).await;
    let texts: Vec<String> = wx.calls("/cgi-bin/message/custom/send")[sends..]
        .iter()
        .map(|c| c.json["text"]["content"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        texts.len(),
        3,
        "one part, the failed second, the second again"
    );
    assert_eq!(texts[1], texts[2]);
    assert_eq!(format!("{}{}", texts[0], texts[2]), long);

    // Outside the 48 hours WeChat refuses (45015): failed with its reason.
    wx.fail_next(
        "/cgi-bin/message/custom/send",
        200,
        json!({"errcode": 45015, "errmsg": "response out of time limit"}),
    );
    let late = t
        .alice
        .client
        .send_message(conv, "hello?", "c-4")
        .await
        .unwrap();
    let failed = status_of(&t, conv, late.id, DeliveryStatus::Failed).await;
    assert!(failed.failure.unwrap().contains("48 hours"));

    // A photo arrives by MediaId and is fetched with the token.
    let body = wechat_push(
        "oWx_customer123456",
        "image",
        "<PicUrl><![CDATA[http://127.0.0.1:9/x]]></PicUrl><MediaId><![CDATA[MEDIA-1]]></MediaId>",
        "1002",
    );
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Wechat,
        "wx-token",
        &body,
    )
    .await;
    let msg = file_message(&t, conv).await;
    assert_eq!(
        t.alice
            .client
            .download(msg.attachment.unwrap().id)
            .await
            .unwrap(),
        photo()
    );
    assert_eq!(
        wx.calls("/cgi-bin/media/get")[0].query["media_id"],
        "MEDIA-1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messenger_photo_is_fetched_and_a_removed_account_fails_its_replies() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let fb = channel(&t, ChannelKind::Messenger, &FB).await;
    let at = now_ms();
    let body = json!({"object": "page", "entry": [{"id": "PAGE-1", "time": at, "messaging": [
        {"sender": {"id": "PSID-9"}, "recipient": {"id": "PAGE-1"}, "timestamp": at,
         "message": {"mid": "m_photo", "attachments": [{"type": "image", "payload": {"url": format!("{}/v21.0/fb-cdn/p1", meta.url)}}]}}
    ]}]})
    .to_string();
    deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        body.as_bytes(),
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;
    let msg = file_message(&t, conv).await;
    assert_eq!(
        t.alice
            .client
            .download(msg.attachment.unwrap().id)
            .await
            .unwrap(),
        photo()
    );

    t.admin.client.remove_channel(fb.id).await.unwrap();
    let sent = t
        .alice
        .client
        .send_message(conv, "hello", "c-1")
        .await
        .unwrap();
    let failed = status_of(&t, conv, sent.id, DeliveryStatus::Failed).await;
    assert!(failed.failure.unwrap().contains("removed"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_file_arrives_from_every_platform() {
    use chatsmart::protocol::attachments::samples::bytes_for;
    use common::platforms::sample_for;
    let want = |id: &str| sample_for(id).1;

    // WhatsApp: image, audio, video and document, each with its caption.
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let wa = channel(&t, ChannelKind::Whatsapp, &WA).await;
    let now_s = (now_ms() / 1000).to_string();
    let messages: Vec<serde_json::Value> = [
        ("image", "wa-media-img", None),
        ("audio", "wa-media-audio", None),
        ("video", "wa-media-video", None),
        ("document", "wa-media-doc", Some("invoice.pdf")),
    ]
    .into_iter()
    .map(|(kind, id, name)| {
        let mut media = json!({"id": id, "mime_type": sample_for(id).0, "caption": format!("my {kind}")});
        if let Some(n) = name {
            media["filename"] = json!(n);
        }
        json!({"from": "852", "id": format!("wamid.{id}"), "timestamp": now_s, "type": kind, kind: media})
    })
    .collect();
    let body = whatsapp_value(json!({
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "PHONE-1"},
        "contacts": [{"wa_id": "852", "profile": {"name": "Olivia"}}],
        "messages": messages
    }));
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &body,
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;
    let got = files_in(&t, conv, 4).await;
    assert_eq!(
        got,
        vec![
            ("my image".to_string(), AttachmentKind::Image, want("img")),
            (
                "my audio".to_string(),
                AttachmentKind::Audio,
                bytes_for("mp3")
            ),
            (
                "my video".to_string(),
                AttachmentKind::Video,
                bytes_for("mp4")
            ),
            (
                "my document".to_string(),
                AttachmentKind::Document,
                bytes_for("pdf")
            ),
        ]
    );
    let doc = inbound_for(&t.alice.client, conv).await.pop().unwrap();
    assert_eq!(doc.attachment.unwrap().name, "invoice.pdf");
    // A sticker or a location is kept as a note, never dropped.
    let body = whatsapp_value(json!({
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "PHONE-1"},
        "messages": [{"from": "852", "id": "wamid.loc", "timestamp": now_s, "type": "location",
                      "location": {"latitude": 22.3, "longitude": 114.2}}]
    }));
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &body,
    )
    .await;
    let c = t.alice.client.clone();
    until("the location note", || {
        let c = c.clone();
        async move {
            inbound_for(&c, conv)
                .await
                .into_iter()
                .find(|m| m.text == "(sent a location: chatsmart cannot show it here yet)")
        }
    })
    .await;

    // Messenger: audio, video and a file, straight from their addresses.
    let fb = channel(&t, ChannelKind::Messenger, &FB).await;
    let at = now_ms();
    let attachments: Vec<serde_json::Value> = ["audio", "video", "file"]
        .into_iter()
        .map(|k| {
            let id = if k == "file" { "doc" } else { k };
            json!({"type": k, "payload": {"url": format!("{}/v21.0/fb-cdn/{id}", meta.url)}})
        })
        .collect();
    let body = json!({"object": "page", "entry": [{"id": "PAGE-1", "time": at, "messaging": [
        {"sender": {"id": "PSID-F"}, "recipient": {"id": "PAGE-1"}, "timestamp": at,
         "message": {"mid": "m_files", "text": "three files", "attachments": attachments}}
    ]}]})
    .to_string();
    deliver(
        &t.url(),
        &fb.webhook_path,
        Platform::Meta,
        "fb-secret",
        body.as_bytes(),
    )
    .await;
    let fb_conv = other_conversation(&t, conv).await.id;
    let got = files_in(&t, fb_conv, 3).await;
    let kinds: Vec<AttachmentKind> = got.iter().map(|g| g.1).collect();
    assert_eq!(
        kinds,
        [
            AttachmentKind::Audio,
            AttachmentKind::Video,
            AttachmentKind::Document
        ]
    );
    assert_eq!(got[0].0, "three files", "the text goes with the first file");

    // LINE: video, audio and a named file from the data host.
    let line = Double::start(Platform::Line).await;
    let t = server_for(&line).await;
    let ch = channel(&t, ChannelKind::Line, &LINE).await;
    for (i, (kind, id)) in [
        ("video", "video-1"),
        ("audio", "audio-1"),
        ("file", "doc-1"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut message = json!({"id": id, "type": kind, "contentProvider": {"type": "line"}});
        if kind == "file" {
            message["fileName"] = json!("報價單.pdf");
        }
        let body = line_event("U-f", &format!("ev-{i}"), "rt", message);
        deliver(
            &t.url(),
            &ch.webhook_path,
            Platform::Line,
            "line-secret",
            &body,
        )
        .await;
    }
    let conv = the_conversation(&t).await.conversation.id;
    let got = files_in(&t, conv, 3).await;
    assert_eq!(got[0].2, bytes_for("mp4"));
    assert_eq!(got[1].2, bytes_for("mp3"));
    assert_eq!(got[2].2, bytes_for("pdf"));
    let named = inbound_for(&t.alice.client, conv).await.pop().unwrap();
    assert_eq!(named.attachment.unwrap().name, "報價單.pdf");

    // WeChat: voice and video by MediaId.
    let wx = Double::start(Platform::Wechat).await;
    let t = server_for(&wx).await;
    let ch = channel(&t, ChannelKind::Wechat, &WECHAT).await;
    let voice = wechat_push(
        "oWx_f",
        "voice",
        "<MediaId><![CDATA[voice-1]]></MediaId><Format><![CDATA[amr]]></Format>",
        "2001",
    );
    let video = wechat_push(
        "oWx_f",
        "video",
        "<MediaId><![CDATA[video-1]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>",
        "2002",
    );
    for body in [voice, video] {
        deliver(
            &t.url(),
            &ch.webhook_path,
            Platform::Wechat,
            "wx-token",
            &body,
        )
        .await;
    }
    let conv = the_conversation(&t).await.conversation.id;
    let got = files_in(&t, conv, 2).await;
    assert_eq!(got[0].1, AttachmentKind::Audio);
    assert_eq!(got[1].1, AttachmentKind::Video);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_go_to_line_by_signed_link() {
    let line = Double::start(Platform::Line).await;
    // LINE fetches files from the server's public address: here, the
    // loopback port the server will listen on.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let t = TestServer::start_with_config(|c| ServerConfig {
        listen: addr,
        public_url: Some(format!("http://{addr}")),
        api_bases: line.bases(c.api_bases.clone()),
        retry_base: Duration::from_millis(40),
        ..c
    })
    .await;
    let ch = channel(&t, ChannelKind::Line, &LINE).await;
    let body = line_event(
        "U-f",
        "ev-1",
        "rt-1",
        json!({"id": "1", "type": "text", "text": "photo please"}),
    );
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;

    let up = t
        .alice
        .client
        .upload_bytes("lamp.png", photo())
        .await
        .unwrap();
    let sent = t
        .alice
        .client
        .send_message_with(
            conv,
            &SendMessage {
                text: "Here it is".into(),
                client_id: "f-1".into(),
                attachment_id: Some(up.id),
                as_bot: false,
            },
        )
        .await
        .unwrap();
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;
    let reply = &line.calls("/v2/bot/message/reply")[0];
    let messages = reply.json["messages"].as_array().unwrap();
    assert_eq!(messages[0], json!({"type": "text", "text": "Here it is"}));
    assert_eq!(messages[1]["type"], "image");
    let link = messages[1]["originalContentUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        link.starts_with(&format!("http://{addr}/media/{}/{}/", ch.id, up.id)),
        "{link}"
    );
    // LINE fetches it without a token; a changed signature gets nothing.
    let http = reqwest::Client::new();
    let got = http.get(&link).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), photo());
    let last = if link.ends_with('0') { "1" } else { "0" };
    let forged = format!("{}{last}", &link[..link.len() - 1]);
    assert_eq!(http.get(&forged).send().await.unwrap().status(), 404);
    // A link signed with the server's key, but for a file never sent on
    // this account (someone's upload), serves nothing.
    let unsent = t
        .bob
        .client
        .upload_bytes("private.png", photo())
        .await
        .unwrap();
    let signed = chatsmart::server::channels::links::sign(
        &format!("http://{addr}"),
        &t.state().link_key[..],
        ch.id,
        unsent.id,
        chrono::Utc::now(),
    );
    assert_eq!(http.get(&signed).send().await.unwrap().status(), 404);
    // Nor does a link signed with the channel's own secret, which LINE knows.
    let with_secret = chatsmart::server::channels::links::sign(
        &format!("http://{addr}"),
        b"line-secret",
        ch.id,
        up.id,
        chrono::Utc::now(),
    );
    assert_eq!(http.get(&with_secret).send().await.unwrap().status(), 404);

    // A document goes as a link in a text message (LINE has no file message).
    let pdf = chatsmart::protocol::attachments::samples::bytes_for("pdf");
    let up = t
        .alice
        .client
        .upload_bytes("quote.pdf", pdf.clone())
        .await
        .unwrap();
    let sent = t
        .alice
        .client
        .send_message_with(
            conv,
            &SendMessage {
                text: String::new(),
                client_id: "f-2".into(),
                attachment_id: Some(up.id),
                as_bot: false,
            },
        )
        .await
        .unwrap();
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;
    let push = &line.calls("/v2/bot/message/push")[0];
    let text = push.json["messages"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("📎 quote.pdf\nhttp://"), "{text}");
    let link = text.lines().nth(1).unwrap();
    assert_eq!(
        http.get(link)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        pdf
    );

    // Once the account is removed its links stop working.
    t.admin.client.remove_channel(ch.id).await.unwrap();
    assert_eq!(http.get(link).send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_safe_mode_pushes_are_decrypted_and_checked() {
    use common::platforms::deliver_wechat_safe;
    let wx = Double::start(Platform::Wechat).await;
    let t = server_for(&wx).await;
    let aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let mut creds = WECHAT.to_vec();
    creds.push(("encoding_aes_key", aes_key));
    let ch = channel(&t, ChannelKind::Wechat, &creds).await;
    let xml = String::from_utf8(wechat_push(
        "oWx_safe",
        "text",
        "<Content><![CDATA[加密的你好 <ok>]]></Content>",
        "3001",
    ))
    .unwrap();
    let (code, body) = deliver_wechat_safe(
        &t.url(),
        &ch.webhook_path,
        "wx-token",
        aes_key,
        "wx-app",
        &xml,
    )
    .await;
    assert_eq!((code, body.as_str()), (200, "success"));
    let conv = the_conversation(&t).await.conversation.id;
    let got = inbound_messages(&t, conv).await;
    assert_eq!(got[0].text, "加密的你好 <ok>");

    // For another app, under another key, or signed by someone else:
    // refused, nothing stored.
    let other_app = String::from_utf8(wechat_push(
        "oWx_safe",
        "text",
        "<Content>x</Content>",
        "3002",
    ))
    .unwrap();
    let (code, _) = deliver_wechat_safe(
        &t.url(),
        &ch.webhook_path,
        "wx-token",
        aes_key,
        "wx-other",
        &other_app,
    )
    .await;
    assert_eq!(code, 403);
    let (code, _) = deliver_wechat_safe(
        &t.url(),
        &ch.webhook_path,
        "wx-token",
        "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
        "wx-app",
        &other_app,
    )
    .await;
    assert_eq!(code, 400);
    let (code, _) = deliver_wechat_safe(
        &t.url(),
        &ch.webhook_path,
        "not-our-token",
        aes_key,
        "wx-app",
        &other_app,
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(inbound_messages(&t, conv).await.len(), 1);

    // With a key, a plaintext push (its body unsigned) is refused.
    let (code, _) = deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Wechat,
        "wx-token",
        xml.as_bytes(),
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(inbound_messages(&t, conv).await.len(), 1);

    // An account without the key says what to add.
    let plain = channel(&t, ChannelKind::Wechat, &WECHAT).await;
    let (code, body) = deliver_wechat_safe(
        &t.url(),
        &plain.webhook_path,
        "wx-token",
        aes_key,
        "wx-app",
        &xml,
    )
    .await;
    assert_eq!(code, 400);
    assert!(body.contains("encoding_aes_key"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_that_beats_the_send_answer_is_kept_for_its_message() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let wa = channel(&t, ChannelKind::Whatsapp, &WA).await;
    let now_s = now_ms() / 1000;
    let body = whatsapp_text("85291234567", "wamid.in", "Hi", now_s);
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &body,
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;
    // The double names its answer wamid.<request number>: the next
    // request is the send. WhatsApp's failed status for it comes first.
    let wamid = format!("wamid.{}", meta.seen().len() + 1);
    let errors = json!([{"code": 131026, "title": "Message undeliverable"}]);
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "wa-secret",
        &whatsapp_status(&wamid, "failed", errors),
    )
    .await;
    let sent = t
        .alice
        .client
        .send_message(conv, "Hello", "c-1")
        .await
        .unwrap();
    let failed = status_of(&t, conv, sent.id, DeliveryStatus::Failed).await;
    assert!(failed.failure.unwrap().contains("131026"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_address_inside_the_network_is_never_fetched() {
    let meta = Double::start(Platform::Meta).await;
    let (internal, secret_hits) = internal_server(None).await;
    let secret = format!("{internal}/secret");
    // An allowed host (a configured base) that redirects inside.
    let (redirector, redirects) = internal_server(Some(secret.clone())).await;
    let t = TestServer::start_with_config(|c| ServerConfig {
        api_bases: chatsmart::server::channels::ApiBases {
            line_data: redirector.clone(),
            ..meta.bases(c.api_bases.clone())
        },
        retry_base: Duration::from_millis(20),
        ..c
    })
    .await;
    let fb = channel(&t, ChannelKind::Messenger, &FB).await;
    let at = now_ms();
    for (psid, mid, url) in [
        ("PSID-A", "m_direct", secret.clone()),
        ("PSID-B", "m_redirect", format!("{redirector}/redirect")),
        (
            "PSID-C",
            "m_plain",
            "http://scontent.xx.fbcdn.net/p.jpg".to_string(),
        ),
    ] {
        let body = json!({"object": "page", "entry": [{"id": "PAGE-1", "time": at, "messaging": [
            {"sender": {"id": psid}, "recipient": {"id": "PAGE-1"}, "timestamp": at,
             "message": {"mid": mid, "attachments": [{"type": "file", "payload": {"url": url}}]}}
        ]}]})
        .to_string();
        let (code, _) = deliver(
            &t.url(),
            &fb.webhook_path,
            Platform::Meta,
            "fb-secret",
            body.as_bytes(),
        )
        .await;
        assert_eq!(code, 200);
    }
    // Each message ends up saying its file was refused, with no file.
    let c = t.alice.client.clone();
    let notes = until("three refused files", || {
        let c = c.clone();
        async move {
            let rows = c
                .conversations(&ConversationQuery::default())
                .await
                .unwrap()
                .items;
            let mut notes = Vec::new();
            for r in rows {
                for m in inbound_for(&c, r.conversation.id).await {
                    if m.text.contains("refused")
                        || m.text.contains("lost")
                        || m.text.contains("could not")
                    {
                        notes.push(m);
                    }
                }
            }
            (notes.len() == 3).then_some(notes)
        }
    })
    .await;
    for m in &notes {
        assert!(m.attachment.is_none(), "{m:?}");
        assert!(!m.text.contains("internal secret"));
    }
    assert_eq!(
        secret_hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the inside was reached"
    );
    assert!(
        redirects.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the allowed host was asked"
    );
}
