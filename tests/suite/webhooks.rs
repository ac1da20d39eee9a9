//! The platforms' webhooks end to end: requests signed the way each
//! platform signs them, over real HTTP, into a real store.

use crate::common::*;
use chatsmart::protocol::*;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;

fn hmac256(key: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

async fn channel(t: &TestServer, kind: ChannelKind) -> ChannelCreated {
    let credentials: BTreeMap<String, String> = credential_keys(kind)
        .iter()
        .map(|k| (k.to_string(), format!("{}-{k}", kind.as_str())))
        .collect();
    t.admin
        .client
        .create_channel(&NewChannel {
            kind,
            name: kind.display_name().into(),
            credentials,
        })
        .await
        .unwrap()
}

/// Every message of every conversation, as (customer name, text).
async fn stored(t: &TestServer) -> Vec<(String, String)> {
    let c = &t.admin.client;
    let mut out = Vec::new();
    let page = c
        .conversations(&ConversationQuery::default())
        .await
        .unwrap();
    for row in page.items {
        let msgs = c
            .messages(row.conversation.id, &MessagesQuery::default())
            .await
            .unwrap();
        for m in msgs.items {
            if m.kind == MessageKind::Inbound {
                out.push((row.conversation.customer_name.clone(), m.text));
            }
        }
    }
    out.sort();
    out
}

async fn post(
    t: &TestServer,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let mut req = t
        .http()
        .post(format!("{}{path}", t.url()))
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn meta_handshake_and_signed_messenger_and_whatsapp_messages() {
    let t = TestServer::start().await;
    let fb = channel(&t, ChannelKind::Messenger).await;
    let wa = channel(&t, ChannelKind::Whatsapp).await;

    // The GET handshake: the challenge back for our token, 403 otherwise.
    for (c, kind) in [(&fb, "messenger"), (&wa, "whatsapp")] {
        let url = |token: &str| {
            format!(
                "{}{}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
                t.url(),
                c.webhook_path
            )
        };
        let ok = t
            .http()
            .get(url(&format!("{kind}-verify_token")))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.text().await.unwrap(), "1158201444");
        let bad = t.http().get(url("guess")).send().await.unwrap();
        assert_eq!(bad.status(), 403);
    }

    let body = serde_json::json!({
        "object": "page",
        "entry": [{"id": "messenger-page_id", "time": 1764000000000i64, "messaging": [
            {"sender": {"id": "PSID-1"}, "recipient": {"id": "PAGE"}, "timestamp": 1764000000000i64,
             "message": {"mid": "m_1", "text": "Hello from Messenger"}},
            {"sender": {"id": "PAGE"}, "recipient": {"id": "PSID-1"}, "timestamp": 1764000000001i64,
             "message": {"mid": "m_echo", "text": "our own reply", "is_echo": true}},
            {"sender": {"id": "PSID-1"}, "recipient": {"id": "PAGE"}, "timestamp": 1764000000002i64,
             "message": {"mid": "m_2", "attachments": [{"type": "image", "payload": {"url": "https://x"}}]}},
            {"sender": {"id": "PSID-1"}, "recipient": {"id": "PAGE"}, "timestamp": 1764000000003i64,
             "delivery": {"mids": ["x"], "watermark": 1}}
        ]}]
    })
    .to_string();
    let sign = |secret: &str, body: &str| {
        format!("sha256={}", hex::encode(hmac256(secret, body.as_bytes())))
    };
    // Bad and missing signatures store nothing.
    let (code, _) = post(
        &t,
        &fb.webhook_path,
        &[("x-hub-signature-256", sign("wrong", &body))],
        body.as_bytes(),
    )
    .await;
    assert_eq!(code, 403);
    let (code, _) = post(&t, &fb.webhook_path, &[], body.as_bytes()).await;
    assert_eq!(code, 401);
    assert!(stored(&t).await.is_empty());
    // Signed: stored; delivered twice: stored once.
    for _ in 0..2 {
        let (code, _) = post(
            &t,
            &fb.webhook_path,
            &[("x-hub-signature-256", sign("messenger-app_secret", &body))],
            body.as_bytes(),
        )
        .await;
        assert_eq!(code, 200);
    }
    let got = stored(&t).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().any(|(_, text)| text == "Hello from Messenger"));
    assert!(got.iter().any(|(_, text)| text.contains("a photo")));

    let body = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"phone_number_id": "whatsapp-phone_number_id"},
            "contacts": [{"wa_id": "886912000111", "profile": {"name": "林小姐"}}],
            "messages": [
                {"from": "886912000111", "id": "wamid.A", "timestamp": "1764000000", "type": "text", "text": {"body": "請問有貨嗎？"}},
                {"from": "886912000111", "id": "wamid.B", "timestamp": "1764000001", "type": "sticker", "sticker": {"id": "1"}}
            ]
        }}]}]
    })
    .to_string();
    let (code, _) = post(
        &t,
        &wa.webhook_path,
        &[("x-hub-signature-256", sign("whatsapp-app_secret", &body))],
        body.as_bytes(),
    )
    .await;
    assert_eq!(code, 200);
    let got = stored(&t).await;
    assert!(
        got.contains(&("林小姐".to_string(), "請問有貨嗎？".to_string())),
        "{got:?}"
    );
    assert!(got
        .iter()
        .any(|(n, text)| n == "林小姐" && text.contains("a photo")));
    // A Messenger signature is no good on the WhatsApp account.
    let (code, _) = post(
        &t,
        &wa.webhook_path,
        &[("x-hub-signature-256", sign("messenger-app_secret", &body))],
        body.as_bytes(),
    )
    .await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn line_signatures_redeliveries_and_the_console_check() {
    let t = TestServer::start().await;
    let line = channel(&t, ChannelKind::Line).await;
    let sign = |body: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(hmac256("line-channel_secret", body.as_bytes()))
    };
    let empty = r#"{"destination":"Ubot","events":[]}"#;
    let (code, _) = post(
        &t,
        &line.webhook_path,
        &[("x-line-signature", sign(empty))],
        empty.as_bytes(),
    )
    .await;
    assert_eq!(code, 200, "the console's check");
    let event = |redelivery: bool| {
        serde_json::json!({"destination": "Ubot", "events": [{
            "type": "message", "mode": "active", "timestamp": 1764000000000i64,
            "source": {"type": "user", "userId": "U4af498"},
            "webhookEventId": "01HQ0000000000000000000000",
            "deliveryContext": {"isRedelivery": redelivery},
            "replyToken": "r1",
            "message": {"id": "444573844083572737", "type": "text", "text": "訂單到了嗎？"}
        }]})
        .to_string()
    };
    for redelivery in [false, true] {
        let body = event(redelivery);
        let (code, _) = post(
            &t,
            &line.webhook_path,
            &[("x-line-signature", sign(&body))],
            body.as_bytes(),
        )
        .await;
        assert_eq!(code, 200);
    }
    let got = stored(&t).await;
    assert_eq!(got.len(), 1, "redelivered once: {got:?}");
    assert_eq!(got[0].1, "訂單到了嗎？");
    let body = event(false).replace("訂單", "偽造");
    let (code, _) = post(
        &t,
        &line.webhook_path,
        &[("x-line-signature", sign(&event(false)))],
        body.as_bytes(),
    )
    .await;
    assert_eq!(code, 403, "a signature for other bytes");
    assert_eq!(stored(&t).await.len(), 1);
}

#[tokio::test]
async fn wechat_verification_and_xml_pushes() {
    let t = TestServer::start().await;
    let wc = channel(&t, ChannelKind::Wechat).await;
    let signed = |ts: &str, nonce: &str| {
        let mut parts = ["wechat-token", ts, nonce];
        parts.sort_unstable();
        let sig = hex::encode(Sha1::digest(parts.concat().as_bytes()));
        format!("signature={sig}&timestamp={ts}&nonce={nonce}")
    };
    let url = |q: &str| format!("{}{}?{q}", t.url(), wc.webhook_path);
    let now = chrono::Utc::now().timestamp().to_string();
    let now = now.as_str();
    let resp = t
        .http()
        .get(url(&format!(
            "{}&echostr=5838479218127813673",
            signed(now, "n1")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "5838479218127813673");
    let resp = t
        .http()
        .get(url("signature=00&timestamp=1&nonce=2&echostr=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let push = |kind: &str, content: &str, id: &str| {
        format!(
            "<xml><ToUserName><![CDATA[gh_lumen]]></ToUserName><FromUserName><![CDATA[oWx_customer]]></FromUserName><CreateTime>1764000000</CreateTime><MsgType><![CDATA[{kind}]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{id}</MsgId></xml>"
        )
    };
    // WeChat's redelivery (a new nonce) is stored once.
    for nonce in ["n2", "n2-again"] {
        let resp = t
            .http()
            .post(url(&signed(now, nonce)))
            .body(push("text", "你好，在吗？", "24000000000000001"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.text().await.unwrap(), "success");
    }
    // The plaintext signature does not cover the body: the same signed
    // URL a second time is a replay, whatever it carries.
    let resp = t
        .http()
        .post(url(&signed(now, "n2")))
        .body(push(
            "text",
            "replayed with other words",
            "24000000000000077",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("nonce"));
    // A signature over an old timestamp (2001) or one far ahead is refused.
    for ts in [
        "978307200",
        &(chrono::Utc::now().timestamp() + 3600).to_string(),
    ] {
        let resp = t
            .http()
            .post(url(&signed(ts, "n-stale")))
            .body(push("text", "from the past", "24000000000000078"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
        assert!(resp.text().await.unwrap().contains("timestamp"));
    }
    let resp = t
        .http()
        .post(url(&signed(now, "n3")))
        .body("<xml><FromUserName>oWx_customer</FromUserName><CreateTime>1764000002</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "success");
    let resp = t
        .http()
        .post(url(&signed(now, "n4")))
        .body(push("voice", "", "24000000000000002"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = t
        .http()
        .post(url("signature=00&timestamp=1&nonce=2"))
        .body(push("text", "forged", "3"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let got = stored(&t).await;
    let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.contains(&"你好，在吗？"));
    assert!(texts.iter().any(|t| t.contains("sent a voice")));

    // A removed account takes nothing.
    t.admin.client.remove_channel(wc.id).await.unwrap();
    let resp = t
        .http()
        .post(url(&signed(now, "n5")))
        .body(push("text", "after removal", "24000000000000009"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn one_bad_event_never_fails_its_batch() {
    let t = TestServer::start().await;
    let fb = channel(&t, ChannelKind::Messenger).await;
    let line = channel(&t, ChannelKind::Line).await;
    let sign = |secret: &str, body: &str| {
        format!("sha256={}", hex::encode(hmac256(secret, body.as_bytes())))
    };
    let now = chrono::Utc::now().timestamp_millis();
    let long_id = "m".repeat(10_000);
    let body = serde_json::json!({
        "object": "page",
        "entry": [{"id": "messenger-page_id", "messaging": [
            {"sender": {"id": "PSID-1"}, "timestamp": now, "message": {"mid": "m_good_1", "text": "first"}},
            {"sender": {"id": "PSID-1"}, "timestamp": now, "message": {"mid": "", "text": "empty id"}},
            {"sender": {"id": "PSID-1"}, "timestamp": now, "message": {"mid": long_id, "text": "long id"}},
            {"sender": {"id": "PSID-1"}, "timestamp": now, "message": {"mid": 42, "text": "a number for an id"}},
            "not an event at all",
            {"sender": {"id": "PSID-1"}, "timestamp": now, "delivery": {"mids": [""], "watermark": "soon"}},
            {"sender": {"id": "PSID-1"}, "timestamp": now, "message": {"mid": "m_good_2", "text": "last"}}
        ]}]
    })
    .to_string();
    // Every delivery of it is 200: the platform has no reason to retry.
    for _ in 0..2 {
        let (code, text) = post(
            &t,
            &fb.webhook_path,
            &[("x-hub-signature-256", sign("messenger-app_secret", &body))],
            body.as_bytes(),
        )
        .await;
        assert_eq!(code, 200, "{text}");
    }
    let texts: Vec<String> = stored(&t).await.into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, vec!["first".to_string(), "last".to_string()]);
    let skipped = t
        .state()
        .security
        .webhook_items_skipped
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(skipped >= 8, "{skipped}");

    // A LINE event dated 9999 is ordered as now, not pinned to the top.
    let body = serde_json::json!({"destination": "U0", "events": [
        {"type": "message", "mode": "active", "timestamp": 253402300799000i64,
         "source": {"type": "user", "userId": "U-future"}, "webhookEventId": "ev-future",
         "message": {"id": "1", "type": "text", "text": "from the future"}},
        {"type": "message", "timestamp": "yesterday"}
    ]})
    .to_string();
    use base64::Engine;
    let mac = base64::engine::general_purpose::STANDARD
        .encode(hmac256("line-channel_secret", body.as_bytes()));
    let (code, _) = post(
        &t,
        &line.webhook_path,
        &[("x-line-signature", mac)],
        body.as_bytes(),
    )
    .await;
    assert_eq!(code, 200);
    let page = t
        .admin
        .client
        .conversations(&ConversationQuery::default())
        .await
        .unwrap();
    let latest = page
        .items
        .iter()
        .map(|r| r.conversation.last_activity_at)
        .max()
        .unwrap();
    assert!(
        latest <= chrono::Utc::now() + chrono::Duration::minutes(6),
        "{latest}"
    );
}
