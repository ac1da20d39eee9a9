//! WeChat: one access token per account, refreshed; the 48-hour window; safe-mode pushes.

use super::*;

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

/// Two replicas (two `Platforms` on one database, each with its own lock)
/// sending at once fetch one token between them, and when WeChat refuses
/// it, one new one: a second fetch would invalidate the first replica's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_one_wechat_token() {
    use chatsmart::server::channels::{Outgoing, Platforms};
    let wx = Double::start(Platform::Wechat).await;
    let t = server_for(&wx).await;
    let ch = channel(&t, ChannelKind::Wechat, &WECHAT).await;
    let store = t.state().store.clone();
    let bases = t.state().platforms.bases.clone();
    let replicas = [
        Platforms::new(bases.clone(), store.clone()),
        Platforms::new(bases, store.clone()),
    ];
    let creds: std::collections::BTreeMap<String, String> = WECHAT
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let send = |p: &'static Platforms, text: String| {
        let creds = creds.clone();
        let account = ch.id;
        async move {
            p.send(&Outgoing {
                account,
                kind: ChannelKind::Wechat,
                creds: &creds,
                to: "oWx_customer123456",
                text: &text,
                file: None,
                human_agent: false,
                reply_token: None,
                retry_key: text.clone(),
                public_url: None,
                link_key: b"k",
                now: chrono::Utc::now(),
                parts_sent: 0,
                record: None,
            })
            .await
        }
    };
    let replicas: &'static [Platforms; 2] = Box::leak(Box::new(replicas));
    let burst = |round: u32| {
        let mut all = Vec::new();
        for i in 0..6 {
            all.push(tokio::spawn(send(
                &replicas[i % 2],
                format!("round {round} #{i}"),
            )));
        }
        all
    };
    for task in burst(1) {
        task.await.unwrap().expect("sent with the shared token");
    }
    assert_eq!(wx.tokens_issued(), 1, "one fetch for both replicas");
    let kept = store
        .platform_token(ch.id, chrono::Utc::now())
        .await
        .unwrap()
        .expect("the token is kept in the database");
    assert!(kept.token.starts_with("token-"), "{kept:?}");
    let sealed: String = t.with_db(|db| {
        db.query_row(
            "SELECT token FROM platform_tokens WHERE channel_account_id = ?1",
            &[&ch.id],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert!(!sealed.contains(&kept.token), "sealed at rest: {sealed}");

    // WeChat stops taking it: both replicas are refused, one fetches.
    wx.expire_token();
    for task in burst(2) {
        task.await.unwrap().expect("sent with the new token");
    }
    assert_eq!(wx.tokens_issued(), 2, "one new token for both replicas");

    // New credentials: the token got with the old ones is forgotten.
    t.admin
        .client
        .update_channel(
            ch.id,
            &ChannelPatch {
                name: None,
                credentials: [("app_secret".to_string(), "wx-secret-2".to_string())].into(),
            },
        )
        .await
        .unwrap();
    assert!(store
        .platform_token(ch.id, chrono::Utc::now())
        .await
        .unwrap()
        .is_none());

    // A fetch that outlived its claim (another replica claimed since)
    // neither saves its token nor frees the other's claim.
    let now = chrono::Utc::now();
    let (mine, theirs) = (
        now + chrono::Duration::seconds(20),
        now + chrono::Duration::seconds(25),
    );
    assert!(store
        .claim_platform_token_fetch(ch.id, now, theirs)
        .await
        .unwrap());
    let late = chatsmart::server::store::PlatformToken {
        token: "late".into(),
        fetched_at_ms: now.timestamp_millis(),
        use_until_ms: now.timestamp_millis() + 3_600_000,
    };
    store
        .platform_token_fetched(ch.id, mine, Some(late))
        .await
        .unwrap();
    store
        .platform_token_fetched(ch.id, mine, None)
        .await
        .unwrap();
    assert!(store.platform_token(ch.id, now).await.unwrap().is_none());
    assert!(!store
        .claim_platform_token_fetch(ch.id, now, mine)
        .await
        .unwrap());
    // Its owner's release frees it.
    store
        .platform_token_fetched(ch.id, theirs, None)
        .await
        .unwrap();
    assert!(store
        .claim_platform_token_fetch(ch.id, now, mine)
        .await
        .unwrap());
}
