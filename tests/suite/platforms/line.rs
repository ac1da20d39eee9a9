//! LINE: the reply token, then push with a retry key; files by signed link.

use super::*;

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
