//! The protocol end to end: real HTTP and a real WebSocket against a server
//! on a loopback port, with a real SQLite file.

use crate::common::*;
use chatsmart::client::ClientError;
use chatsmart::protocol::*;
use std::time::Duration;

fn status(e: ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}

#[tokio::test]
async fn health_is_open_and_everything_else_needs_a_token() {
    let t = TestServer::start().await;
    let resp = reqwest::get(t.api("health")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["protocol"], PROTOCOL_VERSION);

    for path in [
        "me",
        "agents",
        "conversations",
        "conversations/1/messages",
        "customers/1",
        "tags",
    ] {
        let resp = reqwest::get(t.api(path)).await.unwrap();
        assert_eq!(resp.status(), 401, "{path} without a token");
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.error.code, "unauthorized");
    }
    let resp = t
        .http()
        .get(t.api("me"))
        .bearer_auth("cs_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // The WebSocket refuses too.
    let url = format!("{}/api/v1/events", t.url().replace("http", "ws"));
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 401),
        other => panic!("expected a 401, got {other}"),
    }
    // Inbound needs an admin.
    let e = t
        .alice
        .client
        .inbound(&Inbound {
            channel: ChannelKind::Line,
            channel_user_id: "U1".into(),
            customer_name: "x".into(),
            text: "x".into(),
            external_id: "x".into(),
            attachment_id: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
}

#[tokio::test]
async fn login_with_password_gives_a_working_token() {
    let t = TestServer::start().await;
    let anon = chatsmart::client::Client::new(&t.url(), None).unwrap();
    let ok = anon.login("alice.wong", PASSWORD).await.unwrap();
    assert_eq!(ok.agent.name, "Alice Wong");
    let me = anon.with_token(ok.token).me().await.unwrap();
    assert_eq!(me.agent.id, t.alice.agent.id);
    assert_eq!(
        status(anon.login("alice.wong", "wrong").await.unwrap_err()),
        401
    );
    assert_eq!(
        status(anon.login("nobody", PASSWORD).await.unwrap_err()),
        401
    );
}

#[tokio::test]
async fn inbound_message_is_listed_unread_for_every_agent_and_streamed() {
    let t = TestServer::start().await;
    let me = t.alice.client.me().await.unwrap();
    let mut ws = t.ws(&t.alice.token, Some(me.latest_seq)).await;

    let acc = t
        .inbound(
            ChannelKind::Line,
            "U42",
            "陳美玲",
            "你好，我的訂單 #LH-20431 到了嗎？📦",
            "m-1",
        )
        .await;
    assert!(!acc.duplicate);

    for user in [&t.alice, &t.bob, &t.admin] {
        let page = user
            .client
            .conversations(&ConversationQuery::default())
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        let row = &page.items[0];
        assert_eq!(row.unread, 1, "unread for {}", user.agent.name);
        assert_eq!(row.conversation.customer_name, "陳美玲");
        assert_eq!(row.conversation.channel, ChannelKind::Line);
        assert!(
            row.conversation.bot_active,
            "new conversations start with the bot"
        );
        assert!(row.conversation.assignees.is_empty());
        let last = row.conversation.last_message.as_ref().unwrap();
        assert_eq!(last.kind, MessageKind::Inbound);
        assert!(last.text.contains("LH-20431"));
        assert_eq!(user.client.me().await.unwrap().total_unread, 1);
    }

    let ev = ws
        .until(|e| matches!(e.kind, EventKind::MessageCreated { .. }))
        .await;
    match ev.kind {
        EventKind::MessageCreated {
            conversation,
            message,
        } => {
            assert_eq!(conversation.id, acc.conversation_id);
            assert_eq!(message.id, acc.message_id);
            assert_eq!(message.kind, MessageKind::Inbound);
            assert_eq!(message.text, "你好，我的訂單 #LH-20431 到了嗎？📦");
        }
        _ => unreachable!(),
    }

    // The same external id again stores nothing new.
    let again = t
        .inbound(
            ChannelKind::Line,
            "U42",
            "陳美玲",
            "你好，我的訂單 #LH-20431 到了嗎？📦",
            "m-1",
        )
        .await;
    assert!(again.duplicate);
    assert_eq!(again.message_id, acc.message_id);
    let msgs = t
        .alice
        .client
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    assert_eq!(msgs.items.len(), 1);

    // A second message from the same customer lands in the same conversation.
    let second = t
        .inbound(ChannelKind::Line, "U42", "陳美玲", "hello?", "m-2")
        .await;
    assert_eq!(second.conversation_id, acc.conversation_id);
    let row = t
        .bob
        .client
        .conversation(acc.conversation_id)
        .await
        .unwrap();
    assert_eq!(row.unread, 2);

    // Reading clears the count for the reader only, and is streamed.
    t.alice.client.mark_read(acc.conversation_id).await.unwrap();
    assert_eq!(
        t.alice
            .client
            .conversation(acc.conversation_id)
            .await
            .unwrap()
            .unread,
        0
    );
    assert_eq!(
        t.bob
            .client
            .conversation(acc.conversation_id)
            .await
            .unwrap()
            .unread,
        2
    );
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::ConversationRead { .. }))
        .await;
    assert!(
        matches!(ev.kind, EventKind::ConversationRead { agent_id, .. } if agent_id == t.alice.agent.id)
    );
}

#[tokio::test]
async fn agent_reply_is_stored_streamed_and_not_duplicated() {
    let t = TestServer::start().await;
    let acc = t
        .inbound(
            ChannelKind::Whatsapp,
            "85291234567",
            "Emma Brown",
            "Hi there",
            "w-1",
        )
        .await;
    let me = t.bob.client.me().await.unwrap();
    let mut ws = t.ws(&t.bob.token, Some(me.latest_seq)).await;

    let resp = t
        .http()
        .post(t.api(&format!("conversations/{}/messages", acc.conversation_id)))
        .bearer_auth(&t.alice.token)
        .json(&serde_json::json!({"text": "Hello Emma! 😊 How can I help?", "client_id": "c-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let first: Message = resp.json().await.unwrap();
    assert_eq!(first.kind, MessageKind::Agent);
    assert_eq!(first.author_id, Some(t.alice.agent.id));
    assert_eq!(first.author_name.as_deref(), Some("Alice Wong"));

    let again = t
        .alice
        .client
        .send_message(acc.conversation_id, "Hello Emma! 😊 How can I help?", "c-1")
        .await
        .unwrap();
    assert_eq!(again, first, "the same client_id yields the same message");

    let page = t
        .bob
        .client
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    let agent_msgs: Vec<_> = page
        .items
        .iter()
        .filter(|m| m.kind == MessageKind::Agent)
        .collect();
    assert_eq!(agent_msgs.len(), 1);

    let ev = ws
        .until(|e| matches!(&e.kind, EventKind::MessageCreated { message, .. } if message.kind == MessageKind::Agent))
        .await;
    if let EventKind::MessageCreated {
        message,
        conversation,
    } = ev.kind
    {
        assert_eq!(message.id, first.id);
        assert_eq!(conversation.last_message.unwrap().id, first.id);
    }
    // Only one agent message event: nothing else arrives for the repeat.
    while let Some(ev) = ws.next_within(Duration::from_millis(300)).await {
        assert!(
            !matches!(&ev.kind, EventKind::MessageCreated { message, .. } if message.kind == MessageKind::Agent),
            "a repeated client_id must not stream a second message"
        );
    }
}

#[tokio::test]
async fn bot_toggle_and_assignment_move_conversations_between_filters() {
    let t = TestServer::start().await;
    let a = t
        .inbound(ChannelKind::Messenger, "p1", "Olivia Smith", "help", "f-1")
        .await;
    let b = t
        .inbound(ChannelKind::Wechat, "o1", "王伟", "你好", "x-1")
        .await;
    let alice = &t.alice.client;
    let me = alice.me().await.unwrap();
    let mut ws = t.ws(&t.alice.token, Some(me.latest_seq)).await;

    let ids = |q: ConversationQuery| async move {
        let mut v: Vec<_> = alice
            .conversations(&q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.conversation.id)
            .collect();
        v.sort_unstable();
        v
    };
    let bot = ConversationQuery {
        section: Some(Section::Bot),
        ..Default::default()
    };
    let agent = ConversationQuery {
        section: Some(Section::Agent),
        ..Default::default()
    };
    let mine = ConversationQuery {
        assignee: Some(AssigneeFilter::Me),
        ..Default::default()
    };
    let unassigned = ConversationQuery {
        assignee: Some(AssigneeFilter::Unassigned),
        ..Default::default()
    };
    let others = ConversationQuery {
        assignee: Some(AssigneeFilter::Others),
        ..Default::default()
    };
    let line_only = ConversationQuery {
        channel: Some(ChannelKind::Wechat),
        ..Default::default()
    };

    assert_eq!(
        ids(bot.clone()).await,
        vec![a.conversation_id, b.conversation_id]
    );
    assert!(ids(agent.clone()).await.is_empty());
    assert_eq!(ids(line_only).await, vec![b.conversation_id]);

    // Bot off: moves to "Chat with Agent", with a system message and an event.
    let conv = alice.set_bot(a.conversation_id, false).await.unwrap();
    assert!(!conv.bot_active);
    assert_eq!(ids(bot.clone()).await, vec![b.conversation_id]);
    assert_eq!(ids(agent.clone()).await, vec![a.conversation_id]);
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::BotToggled { .. }))
        .await;
    assert!(
        matches!(ev.kind, EventKind::BotToggled { active: false, by: Some(by), .. } if by == t.alice.agent.id)
    );
    let msgs = alice
        .messages(a.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    let sys = msgs
        .items
        .iter()
        .rev()
        .find(|m| m.kind == MessageKind::System)
        .unwrap();
    assert_eq!(sys.text, "bot turned off by Alice Wong");

    // Assign to Alice: "Assigned to me" for her, "Assigned to others" for Bob.
    assert_eq!(
        ids(unassigned.clone()).await,
        vec![a.conversation_id, b.conversation_id]
    );
    let conv = alice
        .assign(a.conversation_id, t.alice.agent.id)
        .await
        .unwrap();
    assert_eq!(conv.assignees.len(), 1);
    assert_eq!(conv.assignees[0].name, "Alice Wong");
    assert_eq!(ids(mine.clone()).await, vec![a.conversation_id]);
    assert_eq!(ids(unassigned.clone()).await, vec![b.conversation_id]);
    assert!(ids(others.clone()).await.is_empty());
    let bob_others: Vec<_> = t
        .bob
        .client
        .conversations(&others)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.conversation.id)
        .collect();
    assert_eq!(bob_others, vec![a.conversation_id]);
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::AssigneeAdded { .. }))
        .await;
    assert!(
        matches!(ev.kind, EventKind::AssigneeAdded { agent_id, .. } if agent_id == t.alice.agent.id)
    );

    // Assign Bob too, then remove Alice.
    alice
        .assign(a.conversation_id, t.bob.agent.id)
        .await
        .unwrap();
    let conv = alice
        .unassign(a.conversation_id, t.alice.agent.id)
        .await
        .unwrap();
    assert_eq!(
        conv.assignees
            .iter()
            .map(|x| x.agent_id)
            .collect::<Vec<_>>(),
        vec![t.bob.agent.id]
    );
    assert!(ids(mine).await.is_empty());
    assert_eq!(ids(others).await, vec![a.conversation_id]);
    ws.until(|e| matches!(e.kind, EventKind::AssigneeRemoved { .. }))
        .await;
    let msgs = alice
        .messages(a.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    let texts: Vec<_> = msgs
        .items
        .iter()
        .filter(|m| m.kind == MessageKind::System)
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(
        texts,
        vec![
            "bot turned off by Alice Wong",
            "Alice Wong took the conversation",
            "assigned to Bob Chen by Alice Wong",
            "Alice Wong unassigned by Alice Wong"
        ]
    );
    // Removing someone not assigned is a 404; assigning an unknown agent too.
    assert_eq!(
        status(
            alice
                .unassign(a.conversation_id, t.alice.agent.id)
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status(alice.assign(a.conversation_id, 9999).await.unwrap_err()),
        404
    );
}

#[tokio::test]
async fn reconnecting_with_since_replays_exactly_what_was_missed() {
    let t = TestServer::start().await;
    let start = t.alice.client.me().await.unwrap().latest_seq;
    let mut ws = t.ws(&t.alice.token, Some(start)).await;
    let acc = t
        .inbound(ChannelKind::Line, "U9", "佐藤陽菜", "こんにちは", "l-1")
        .await;
    let mut seen = Vec::new();
    while let Some(ev) = ws.next_within(Duration::from_millis(500)).await {
        seen.push(ev.seq);
    }
    assert!(!seen.is_empty());
    let last_seen = *seen.last().unwrap();
    drop(ws);

    // Missed while away.
    t.alice
        .client
        .set_bot(acc.conversation_id, false)
        .await
        .unwrap();
    t.inbound(ChannelKind::Line, "U9", "佐藤陽菜", "もしもし？", "l-2")
        .await;
    t.bob
        .client
        .send_message(acc.conversation_id, "お待たせしました", "b-1")
        .await
        .unwrap();
    let expected = t
        .server
        .as_ref()
        .unwrap()
        .state
        .store
        .events_since(last_seen, 1000)
        .await
        .unwrap();
    assert!(expected.len() >= 4);

    let mut ws = t.ws(&t.alice.token, Some(last_seen)).await;
    let mut replayed = Vec::new();
    for _ in 0..expected.len() {
        replayed.push(ws.next().await);
    }
    assert_eq!(replayed, expected, "exactly the missed events, in order");
    for w in replayed.windows(2) {
        assert_eq!(w[1].seq, w[0].seq + 1);
    }
    assert!(
        ws.next_within(Duration::from_millis(300)).await.is_none(),
        "nothing more"
    );
    // And live ones keep coming after the replay.
    t.inbound(ChannelKind::Line, "U9", "佐藤陽菜", "ありがとう", "l-3")
        .await;
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::MessageCreated { .. }))
        .await;
    assert!(ev.seq > expected.last().unwrap().seq);

    // Once the log is pruned past it, an old since asks the client to resync.
    let store = t.server.as_ref().unwrap().state.store.clone();
    assert!(store.prune_events(2).await.unwrap() > 0);
    let mut ws = t.ws(&t.alice.token, Some(last_seen)).await;
    let ev = ws.next().await;
    assert!(
        matches!(ev.kind, EventKind::ResyncRequired { .. }),
        "{ev:?}"
    );
    let (latest, _) = store.seq_bounds().await.unwrap();
    assert_eq!(ev.seq, latest, "continue from the newest");

    // A since beyond the log asks the client to resync.
    let mut ws = t.ws(&t.alice.token, Some(1_000_000)).await;
    let ev = ws.next().await;
    assert!(matches!(ev.kind, EventKind::ResyncRequired { .. }));
}

#[tokio::test]
async fn the_client_event_stream_resumes_after_a_server_restart() {
    let mut t = TestServer::start().await;
    t.inbound(ChannelKind::Messenger, "p1", "Liam", "one", "e-1")
        .await;
    let since = t.alice.client.me().await.unwrap().latest_seq;
    let (mut rx, task) = chatsmart::client::spawn_event_stream(t.alice.client.clone(), Some(since));
    assert_eq!(
        rx.recv().await,
        Some(chatsmart::client::StreamUpdate::Connected)
    );
    // The restart listens on a new port, so point a fresh stream at it; what
    // matters is that `since` carries over and nothing is lost.
    task.abort();
    t.restart().await;
    t.inbound(ChannelKind::Messenger, "p1", "Liam", "two", "e-2")
        .await;
    let (mut rx, task) = chatsmart::client::spawn_event_stream(t.alice.client.clone(), Some(since));
    let mut texts = Vec::new();
    while texts.is_empty() {
        let update = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if let chatsmart::client::StreamUpdate::Event(ev) = update {
            if let EventKind::MessageCreated { message, .. } = ev.kind {
                texts.push(message.text);
            }
        }
    }
    assert_eq!(texts, vec!["two"]);
    task.abort();
}

#[tokio::test]
async fn a_restarted_server_still_has_everything() {
    let mut t = TestServer::start().await;
    let acc = t
        .inbound(
            ChannelKind::Whatsapp,
            "85290000000",
            "Ava",
            "Is my order shipped?",
            "r-1",
        )
        .await;
    t.alice
        .client
        .send_message(acc.conversation_id, "Yes, today!", "r-c1")
        .await
        .unwrap();
    t.alice
        .client
        .assign(acc.conversation_id, t.bob.agent.id)
        .await
        .unwrap();
    t.alice
        .client
        .set_bot(acc.conversation_id, false)
        .await
        .unwrap();
    t.bob.client.mark_read(acc.conversation_id).await.unwrap();
    let note = t
        .alice
        .client
        .add_note(acc.customer_id, "Foreigner - English communication")
        .await
        .unwrap();
    t.alice
        .client
        .tag_customer(
            acc.customer_id,
            &TagCustomer {
                tag_id: None,
                name: Some("VIP".into()),
            },
        )
        .await
        .unwrap();
    let before_seq = t.alice.client.me().await.unwrap().latest_seq;
    let before_msgs = t
        .alice
        .client
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();

    t.restart().await;

    let after_msgs = t
        .alice
        .client
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    assert_eq!(after_msgs.items, before_msgs.items);
    let row = t
        .bob
        .client
        .conversation(acc.conversation_id)
        .await
        .unwrap();
    assert_eq!(row.unread, 0);
    assert!(!row.conversation.bot_active);
    assert_eq!(row.conversation.assignees[0].agent_id, t.bob.agent.id);
    assert_eq!(
        t.alice
            .client
            .conversation(acc.conversation_id)
            .await
            .unwrap()
            .unread,
        1
    );
    assert_eq!(
        t.alice.client.notes(acc.customer_id).await.unwrap(),
        vec![note]
    );
    assert_eq!(
        t.alice.client.customer(acc.customer_id).await.unwrap().tags[0].name,
        "VIP"
    );
    assert_eq!(t.alice.client.me().await.unwrap().latest_seq, before_seq);
    // Tokens survive a restart (they are in the database, hashed).
    let anon = chatsmart::client::Client::new(&t.url(), None).unwrap();
    assert!(anon.login("bob.chen", PASSWORD).await.is_ok());
    // The next seq continues the log.
    t.inbound(ChannelKind::Whatsapp, "85290000000", "Ava", "thanks", "r-2")
        .await;
    assert!(t.alice.client.me().await.unwrap().latest_seq > before_seq);
}

#[tokio::test]
async fn bad_input_gets_the_documented_errors_and_changes_nothing() {
    let t = TestServer::start().await;
    let acc = t.inbound(ChannelKind::Line, "U1", "Mia", "hi", "b-1").await;
    let http = t.http();
    let url = t.api(&format!("conversations/{}/messages", acc.conversation_id));
    let post = |body: String| {
        http.post(&url)
            .bearer_auth(&t.alice.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let check = |resp: reqwest::Response, want: u16| async move {
        assert_eq!(resp.status().as_u16(), want);
        let body: ErrorBody = resp.json().await.expect("a JSON error body");
        assert!(!body.error.code.is_empty() && !body.error.message.is_empty());
        body.error.code
    };

    assert_eq!(
        check(post("{not json".into()).await.unwrap(), 400).await,
        "bad_request"
    );
    assert_eq!(
        check(post(r#"{"text": 5}"#.into()).await.unwrap(), 422).await,
        "invalid"
    );
    assert_eq!(
        check(
            post(r#"{"text": "   ", "client_id": "z"}"#.into())
                .await
                .unwrap(),
            422
        )
        .await,
        "invalid"
    );
    let huge = format!(
        r#"{{"text": "{}", "client_id": "big"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    assert_eq!(
        check(post(huge).await.unwrap(), 413).await,
        "payload_too_large"
    );
    let resp = http
        .post(&url)
        .bearer_auth(&t.alice.token)
        .body("text=hello")
        .send()
        .await
        .unwrap();
    check(resp, 415).await;

    // Unknown ids.
    for path in [
        "conversations/999",
        "conversations/999/messages",
        "customers/999",
        "customers/999/notes",
    ] {
        let resp = http
            .get(t.api(path))
            .bearer_auth(&t.alice.token)
            .send()
            .await
            .unwrap();
        assert_eq!(check(resp, 404).await, "not_found", "{path}");
    }
    let resp = http
        .put(t.api("conversations/999/bot"))
        .bearer_auth(&t.alice.token)
        .json(&SetBot { active: false })
        .send()
        .await
        .unwrap();
    check(resp, 404).await;
    // A path id that is not a number, a filter value that does not exist.
    let resp = http
        .get(t.api("conversations/abc"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 400).await;
    let resp = http
        .get(t.api("conversations?channel=telegram"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 400).await;
    let resp = http
        .get(t.api("conversations?cursor=garbage"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 422).await;
    let resp = http
        .get(t.api("nope"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 404).await;

    // Nothing of the bad requests was stored.
    let page = t
        .alice
        .client
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    // And the server still answers.
    assert_eq!(t.alice.client.health().await.unwrap().status, "ok");
}

#[tokio::test]
async fn customers_tags_and_notes() {
    let t = TestServer::start().await;
    let acc = t
        .inbound(ChannelKind::Line, "U7", "Noah", "hello", "c-1")
        .await;
    let c = t.alice.client.customer(acc.customer_id).await.unwrap();
    assert_eq!(c.name, "Noah");
    assert_eq!(c.channel, ChannelKind::Line);
    assert_eq!(c.channel_user_id, "U7");

    let me = t.bob.client.me().await.unwrap();
    let mut ws = t.ws(&t.bob.token, Some(me.latest_seq)).await;
    let patched = t
        .alice
        .client
        .patch_customer(
            c.id,
            &CustomerPatch {
                version: Some(c.version),
                email: Some(Some("noah@example.com".into())),
                age: Some(Some(34)),
                language: Some(Some("en".into())),
                custom_fields: Some([("Member no".to_string(), "A-1001".to_string())].into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.email.as_deref(), Some("noah@example.com"));
    assert_eq!(patched.age, Some(34));
    assert_eq!(patched.version, c.version + 1);
    ws.until(
        |e| matches!(&e.kind, EventKind::CustomerUpdated { customer } if customer.email.is_some()),
    )
    .await;

    // A save based on the old version is refused, and changes nothing.
    let e = t
        .bob
        .client
        .patch_customer(
            c.id,
            &CustomerPatch {
                version: Some(c.version),
                phone: Some(Some("+1 555".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 409);
    assert_eq!(t.bob.client.customer(c.id).await.unwrap().phone, None);
    // null clears a field.
    let cleared: Customer = t
        .http()
        .patch(t.api(&format!("customers/{}", c.id)))
        .bearer_auth(&t.bob.token)
        .json(&serde_json::json!({"email": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared.email, None);
    assert_eq!(cleared.age, Some(34));
    let e = t
        .bob
        .client
        .patch_customer(
            c.id,
            &CustomerPatch {
                age: Some(Some(400)),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 422);

    // Tags: by name (created on the spot), listed, removed.
    let tagged = t
        .alice
        .client
        .tag_customer(
            c.id,
            &TagCustomer {
                tag_id: None,
                name: Some("Refund".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(tagged.tags.len(), 1);
    let tags = t.bob.client.tags().await.unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(
        status(
            t.bob
                .client
                .create_tag(&NewTag {
                    name: "refund".into(),
                    color: None
                })
                .await
                .unwrap_err()
        ),
        409
    );
    let vip = t
        .bob
        .client
        .create_tag(&NewTag {
            name: "VIP".into(),
            color: Some("#ffaa00".into()),
        })
        .await
        .unwrap();
    t.bob
        .client
        .tag_customer(
            c.id,
            &TagCustomer {
                tag_id: Some(vip.id),
                name: None,
            },
        )
        .await
        .unwrap();
    let untagged = t
        .bob
        .client
        .untag_customer(c.id, tags[0].tag.id)
        .await
        .unwrap();
    assert_eq!(untagged.tags, vec![vip]);
    assert_eq!(
        status(
            t.bob
                .client
                .untag_customer(c.id, tags[0].tag.id)
                .await
                .unwrap_err()
        ),
        404
    );

    // Notes: newest first; only the author or an admin edits or deletes.
    let n1 = t
        .alice
        .client
        .add_note(c.id, "Foreigner - English communication")
        .await
        .unwrap();
    let n2 = t
        .bob
        .client
        .add_note(c.id, "Asked about wholesale\nprices")
        .await
        .unwrap();
    let notes = t.alice.client.notes(c.id).await.unwrap();
    assert_eq!(
        notes.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![n2.id, n1.id]
    );
    assert_eq!(notes[0].author_name, "Bob Chen");
    assert_eq!(notes[0].text, "Asked about wholesale\nprices");
    assert_eq!(
        status(t.bob.client.edit_note(n1.id, "mine now").await.unwrap_err()),
        403
    );
    assert_eq!(
        status(t.bob.client.delete_note(n1.id).await.unwrap_err()),
        403
    );
    let edited = t
        .alice
        .client
        .edit_note(n1.id, "Foreigner - English only")
        .await
        .unwrap();
    assert_eq!(edited.text, "Foreigner - English only");
    t.admin.client.delete_note(n2.id).await.unwrap();
    assert_eq!(t.alice.client.notes(c.id).await.unwrap().len(), 1);
    ws.until(|e| matches!(e.kind, EventKind::NoteDeleted { .. }))
        .await;
}

#[tokio::test]
async fn conversations_page_by_cursor_and_search_names_and_messages() {
    let t = TestServer::start().await;
    for i in 0..7 {
        t.inbound(
            ChannelKind::Messenger,
            &format!("p{i}"),
            &format!("Customer {i}"),
            &format!("message number {i}"),
            &format!("e{i}"),
        )
        .await;
    }
    t.inbound(
        ChannelKind::Wechat,
        "o-x",
        "李娜",
        "我想退货，灯坏了 💡",
        "w-x",
    )
    .await;
    let mut seen = Vec::new();
    let mut q = ConversationQuery {
        limit: Some(3),
        ..Default::default()
    };
    loop {
        let page = t.alice.client.conversations(&q).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|r| r.conversation.id));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest activity first");

    let search = |q: &str| {
        let q = ConversationQuery {
            q: Some(q.into()),
            ..Default::default()
        };
        let c = t.alice.client.clone();
        async move {
            c.conversations(&q)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|r| r.conversation.customer_name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("customer 3").await, vec!["Customer 3"]);
    assert_eq!(search("NUMBER 5").await, vec!["Customer 5"]);
    assert_eq!(search("退货").await, vec!["李娜"]);
    assert_eq!(search("李").await, vec!["李娜"]);
    assert!(search("nothing like this").await.is_empty());
    // Three characters and more go through the full-text index: any case,
    // any script, inside words, quotes and all.
    assert_eq!(search("想退货").await, vec!["李娜"]);
    assert_eq!(search("灯坏了 💡").await, vec!["李娜"]);
    assert_eq!(search("ESSAGE NUMB").await.len(), 7);
    assert_eq!(search("ber 6").await, vec!["Customer 6"]);
    t.alice
        .client
        .send_message(seen[0], "He said \"refund\" AND OR NOT * (twice)", "fts-1")
        .await
        .unwrap();
    let quoted = search("\"refund\" AND OR NOT *").await;
    assert_eq!(quoted.len(), 1, "FTS syntax in a query is plain text");
    // System notes are not searched.
    t.alice.client.set_bot(seen[1], false).await.unwrap();
    assert!(search("bot turned off").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_reaches_every_socket_whole_and_in_order() {
    let t = TestServer::start().await;
    // From the log's current end: a socket's handler may start after the
    // first posts, and would otherwise begin after them.
    let (start, _) = t.state().store.seq_bounds().await.unwrap();
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(t.ws(&t.alice.token, Some(start)).await);
    }
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..300usize {
        let c = t.admin.client.clone();
        posts.spawn(async move {
            c.inbound(&Inbound {
                channel: ChannelKind::ALL[i % 4],
                channel_user_id: format!("burst-{}", i % 20),
                customer_name: format!("Burst {}", i % 20),
                text: format!("burst {i}"),
                external_id: format!("burst-{i}"),
                attachment_id: None,
            })
            .await
            .unwrap()
        });
    }
    while let Some(r) = posts.join_next().await {
        r.unwrap();
    }
    let (last, _) = t.state().store.seq_bounds().await.unwrap();
    for ws in &mut sockets {
        // Frames sent together (fed, then flushed once) still arrive one
        // event each, every sequence number once, in order.
        let mut seqs = Vec::new();
        let mut texts = std::collections::HashSet::new();
        while seqs.last() != Some(&last) {
            let ev = ws.next().await;
            if let EventKind::MessageCreated { message, .. } = &ev.kind {
                texts.insert(message.text.clone());
            }
            seqs.push(ev.seq);
        }
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
        assert_eq!(texts.len(), 300);
    }
}

/// Connected accounts are the channel tabs: two WhatsApp numbers are told
/// apart by `channel_account`, and each has its own unread count, per agent.
#[tokio::test]
async fn conversations_filter_by_account_and_unread_counts_per_account() {
    use chatsmart::server::store::InboundMessage;
    let t = TestServer::start().await;
    let new = |name: &str| NewChannel {
        kind: ChannelKind::Whatsapp,
        name: name.into(),
        credentials: [
            ("access_token", "T"),
            ("phone_number_id", "1"),
            ("app_secret", "s"),
            ("verify_token", "v"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    let sales = t
        .admin
        .client
        .create_channel(&new("Sales"))
        .await
        .unwrap()
        .id;
    let support = t
        .admin
        .client
        .create_channel(&new("Support"))
        .await
        .unwrap()
        .id;
    let store = t.state().store.clone();
    let inbound = |account, user: &str, text: &str, ext: &str| InboundMessage {
        channel: ChannelKind::Whatsapp,
        channel_user_id: user.into(),
        customer_name: user.into(),
        text: text.into(),
        external_id: ext.into(),
        at: None,
        sent_at: None,
        attachment_id: None,
        account: Some(account),
        reply_token: None,
        media: None,
        bot: None,
    };
    let a = store
        .inbound(inbound(sales, "852-1", "hi", "w1"))
        .await
        .unwrap();
    store
        .inbound(inbound(sales, "852-1", "anyone?", "w2"))
        .await
        .unwrap();
    let b = store
        .inbound(inbound(support, "852-2", "help", "w3"))
        .await
        .unwrap();
    // The same number on the API account: a third WhatsApp source.
    t.inbound(ChannelKind::Whatsapp, "852-3", "Kai", "yo", "w4")
        .await;

    let alice = &t.alice.client;
    let listed = |account: Option<ChannelAccountId>| async move {
        alice
            .conversations(&ConversationQuery {
                channel_account: account,
                ..Default::default()
            })
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.conversation.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(Some(sales)).await, vec![a.conversation_id]);
    assert_eq!(listed(Some(support)).await, vec![b.conversation_id]);
    assert!(
        listed(Some(99_999)).await.is_empty(),
        "no such account: nothing"
    );
    assert_eq!(listed(None).await.len(), 3);

    let counts = alice.unread().await.unwrap();
    let of = |c: &UnreadCounts, id| {
        c.accounts
            .iter()
            .find(|x| x.channel_account_id == id)
            .map(|x| x.unread)
            .unwrap_or(0)
    };
    assert_eq!((of(&counts, sales), of(&counts, support)), (2, 1));
    assert_eq!(counts.total, 4);
    // Reading is per agent.
    alice.mark_read(a.conversation_id).await.unwrap();
    let counts = alice.unread().await.unwrap();
    assert_eq!(of(&counts, sales), 0);
    assert!(
        !counts
            .accounts
            .iter()
            .any(|x| x.channel_account_id == sales),
        "none left out"
    );
    assert_eq!(of(&t.bob.client.unread().await.unwrap(), sales), 2);
    // Signed-in agents only.
    let anon = chatsmart::client::Client::new(&t.url(), None).unwrap();
    assert_eq!(api_error(anon.unread().await.unwrap_err()).0, 401);
}

/// Over a flaky link: a proxy drops the event stream's socket at random
/// moments during a burst of customer messages. The inbox's state, fed by
/// the real client stream through any number of reconnects, ends up with
/// every message exactly once, in order, and agrees with the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_is_lost_or_doubled_across_random_drops() {
    use chatsmart::client::{spawn_event_stream, Client, StreamUpdate};
    use chatsmart::tui::{app::App, event::Msg, keymap::Keymap, update::update};
    use rand::{Rng, SeedableRng};
    use std::sync::{Arc, Mutex};

    let t = TestServer::start().await;
    let seed: u64 = std::env::var("DROP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("DROP_SEED={seed}");
    let server_addr = t
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();

    // The flaky link: a TCP proxy whose connections are cut at random.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Default::default();
    let accepting = {
        let links = links.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = proxy.accept().await {
                let target = server_addr.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links.lock().unwrap().push(link);
            }
        })
    };
    let cutting = {
        let links = links.clone();
        tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            loop {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(40..250))).await;
                for link in links.lock().unwrap().drain(..) {
                    link.abort();
                }
            }
        })
    };

    let me = t.alice.client.me().await.unwrap();
    let flaky = Client::new(&proxy_url, Some(t.alice.token.clone())).unwrap();
    let (mut rx, stream) = spawn_event_stream(flaky, Some(me.latest_seq));
    let mut app = App::new(
        proxy_url.clone(),
        Keymap::preset("default").unwrap(),
        chrono::Utc::now(),
    );
    app.mirror.me = Some(me.agent.clone());
    app.mirror.last_seq = Some(me.latest_seq);

    // The burst, straight to the server.
    const N: usize = 120;
    let admin = t.admin.client.clone();
    let burst = tokio::spawn(async move {
        for i in 0..N {
            admin
                .inbound(&Inbound {
                    channel: ChannelKind::Whatsapp,
                    channel_user_id: format!("852-{}", i % 6),
                    customer_name: format!("Customer {}", i % 6),
                    text: format!("message {i}"),
                    external_id: format!("burst-{i}"),
                    attachment_id: None,
                })
                .await
                .unwrap();
            // Spread over a few seconds, so the link drops many times.
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    });

    let mut seqs = Vec::new();
    let mut seen = std::collections::BTreeMap::<MessageId, usize>::new();
    let mut drops = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < N {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {N} messages arrived (seed {seed})",
            seen.len()
        );
        let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await else {
            continue;
        };
        match &u {
            StreamUpdate::Event(ev) => {
                seqs.push(ev.seq);
                if let EventKind::MessageCreated { message, .. } = &ev.kind {
                    *seen.entry(message.id).or_default() += 1;
                }
            }
            StreamUpdate::Disconnected { .. } => drops += 1,
            _ => {}
        }
        update(&mut app, Msg::Server(u));
    }
    burst.await.unwrap();
    cutting.abort();
    accepting.abort();
    stream.abort();
    println!("{drops} drops during the burst");
    assert!(drops >= 2, "the link should have dropped (seed {seed})");
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "events in order, none twice (seed {seed})"
    );
    assert!(
        seen.values().all(|n| *n == 1),
        "each message once (seed {seed})"
    );

    // The inbox's data is the server's.
    let rows = t
        .alice
        .client
        .conversations(&ConversationQuery {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(rows.len(), 6);
    for row in rows {
        let here = &app.mirror.convs[&row.conversation.id].conversation;
        assert_eq!(
            here.inbound_count, row.conversation.inbound_count,
            "seed {seed}"
        );
        assert_eq!(
            here.last_message.as_ref().map(|m| m.id),
            row.conversation.last_message.as_ref().map(|m| m.id),
            "seed {seed}"
        );
    }
}
