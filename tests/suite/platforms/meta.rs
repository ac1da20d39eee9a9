//! Messenger and WhatsApp: replies, delivery and read statuses, windows and the HUMAN_AGENT tag, retries, early statuses.

use super::*;

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
