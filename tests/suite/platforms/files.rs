//! Files both ways on every platform, a removed account, and addresses inside the network never fetched.

use super::*;

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
    // A location is written out, never dropped.
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
            inbound_for(&c, conv).await.into_iter().find(|m| {
                m.text
                    .starts_with("Location: (22.30000, 114.20000) https://")
            })
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
