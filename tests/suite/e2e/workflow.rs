//! An agent's work from the keyboard, end to end: conversations, standard replies, the customer panel, triage, files, replies through LINE.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_works_a_conversation_from_the_keyboard() {
    let t = TestServer::start().await;
    t.inbound(
        ChannelKind::Whatsapp,
        "85290000001",
        "Olivia Old",
        "an older question",
        "e-0",
    )
    .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Olivia Old");

    // A new customer writes in: the row appears with its unread count.
    let acc = t
        .inbound(
            ChannelKind::Line,
            "U-e2e",
            "Zed Customer",
            "hello from the e2e test",
            "e-1",
        )
        .await;
    tui.wait_for("Zed Customer");
    let row = tui.row_with("Zed Customer");
    assert!(row.contains(" 1 "), "unread count beside the name: {row:?}");
    assert!(tui.screen().contains("hello from the e2e test"));

    // Opening it shows the history and clears the count, here and on the server.
    tui.keys("g\r");
    tui.wait_for("Bot ● on");
    let alice = t.alice.client.clone();
    let conv = acc.conversation_id;
    eventually("the server to count it read", || {
        let c = alice.clone();
        async move { c.conversation(conv).await.unwrap().unread == 0 }
    })
    .await;
    tui.wait_until("the unread count to go", |s| {
        s.lines()
            .find(|l| l.contains("Zed Customer") && l.contains("LINE"))
            .is_some_and(|l| !l.contains(" 1 "))
    });

    // A typed reply reaches the server and shows in the conversation.
    tui.keys("i");
    tui.keys("Hi Zed, happy to help :smile:");
    tui.keys("\r");
    eventually("the reply on the server", || {
        let c = alice.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| m.kind == MessageKind::Agent && m.text == "Hi Zed, happy to help 😄")
        }
    })
    .await;
    tui.wait_for("Hi Zed, happy to help");
    // Replying took the conversation from the bot.
    tui.wait_for("bot turned off: Alice Wong replied");
    tui.wait_for("Bot ○ off");

    // b toggles the bot; the header follows.
    tui.keys("\x1b");
    tui.keys("b");
    tui.wait_for("Bot ● on");
    assert!(
        alice
            .conversation(conv)
            .await
            .unwrap()
            .conversation
            .bot_active
    );
    tui.keys("b");
    tui.wait_for("Bot ○ off");

    // Assign to Alice from the picker: it moves between the assignment filters.
    tui.keys("a");
    tui.wait_for("Assignees");
    tui.keys("j\r");
    eventually("the assignment on the server", || {
        let c = alice.clone();
        async move {
            c.conversation(conv)
                .await
                .unwrap()
                .conversation
                .is_assigned_to(1 + 1)
        }
    })
    .await;
    tui.keys("\x1b");
    tui.keys("\x1b");
    tui.keys("n");
    tui.wait_until("New requests without Zed", |s| {
        s.contains("New requests")
            && !list_pane(s).contains("Zed Customer")
            && list_pane(s).contains("Olivia Old")
    });
    tui.keys("m");
    tui.wait_until("Assigned to me with Zed", |s| {
        s.contains("Assigned to me")
            && list_pane(s).contains("Zed Customer")
            && !list_pane(s).contains("Olivia Old")
    });

    // The help popup lists the keymap in force.
    tui.keys("?");
    let s = tui.wait_for("Keys in force");
    assert!(s.contains("Quit chatsmart  (app.quit)"), "{s}");
    tui.keys("\x1b");

    // Quitting restores the terminal and exits cleanly.
    tui.keys("q");
    assert!(tui.wait_exit(), "a clean exit");
    let p = tui.parser.lock().unwrap();
    assert!(!p.screen().alternate_screen(), "left the alternate screen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_reply_chosen_in_the_picker_reaches_the_customer() {
    let t = TestServer::start().await;
    let folder = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Shipping".into(),
            channels: vec![ChannelKind::Line],
            ..Default::default()
        })
        .await
        .unwrap();
    t.admin
        .client
        .add_standard_message(
            folder.id,
            "Hi {{customer.name}}, your parcel ships today 📦",
        )
        .await
        .unwrap();
    let acc = t
        .inbound(
            ChannelKind::Line,
            "U-std",
            "Mei Chan",
            "where is my parcel?",
            "std-1",
        )
        .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Mei Chan");
    tui.keys("g\r");
    tui.wait_for("where is my parcel?");
    tui.keys("s");
    tui.wait_for("Standard replies");
    tui.keys("/parcel");
    tui.wait_for("Hi Mei Chan, your parcel ships today");
    tui.keys("\x1b\r"); // alt-enter: send at once
    let alice = t.alice.client.clone();
    let conv = acc.conversation_id;
    eventually("the standard reply on the server", || {
        let c = alice.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| {
                    m.kind == MessageKind::Agent
                        && m.text == "Hi Mei Chan, your parcel ships today 📦"
                })
        }
    })
    .await;
    tui.keys("q");
    assert!(tui.wait_exit());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_panel_edits_are_seen_by_a_second_client() {
    let t = TestServer::start().await;
    let acc = t
        .inbound(ChannelKind::Line, "U-cust", "Ken Ito", "hello", "cp-1")
        .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Ken Ito");
    tui.keys("g\r");
    tui.wait_for("First seen");
    // Focus the panel, edit the email (Name, then Email).
    tui.keys("3");
    tui.keys("j");
    tui.keys("e");
    tui.keys("ken@example.com\r");
    tui.wait_for("ken@example.com");
    // A tag created on the spot, then a note.
    tui.keys("t");
    tui.wait_for("Add a tag");
    tui.keys("Wholesale");
    tui.wait_for("create the tag");
    tui.keys("\r");
    tui.wait_for("#Wholesale");
    tui.keys("n");
    tui.wait_for("New note");
    tui.keys("Prefers Japanese\r");
    tui.wait_for("Prefers Japanese");

    // A second client sees all three.
    let bob = t.bob.client.clone();
    let customer = acc.customer_id;
    eventually("the edits on the server", || {
        let c = bob.clone();
        async move {
            let cu = c.customer(customer).await.unwrap();
            let notes = c.notes(customer).await.unwrap();
            cu.email.as_deref() == Some("ken@example.com")
                && cu.tags.iter().any(|t| t.name == "Wholesale")
                && notes
                    .iter()
                    .any(|n| n.text == "Prefers Japanese" && n.author_name == "Alice Wong")
        }
    })
    .await;
    tui.keys("\x1b");
    tui.keys("q");
    assert!(tui.wait_exit());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_jumps_to_the_unread_one_and_assigns_three_in_one_action() {
    let t = TestServer::start().await;
    let mut ids = Vec::new();
    for (i, name) in ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]
        .iter()
        .enumerate()
    {
        let acc = t
            .inbound(
                ChannelKind::Line,
                &format!("U-tri-{i}"),
                name,
                &format!("question {i}"),
                &format!("tri-{i}"),
            )
            .await;
        ids.push(acc.conversation_id);
    }
    let alice = t.alice.client.clone();
    // Everything read but Ben's.
    for (i, id) in ids.iter().enumerate() {
        if i != 1 {
            alice.mark_read(*id).await.unwrap();
        }
    }
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Eve Five");

    // One key opens the next unread conversation.
    tui.keys("u");
    tui.wait_until("Ben's conversation open", |s| {
        s.contains("question 1")
            && s.lines()
                .any(|l| l.contains("Ben Two") && l.contains("Bot ●"))
    });

    // Mark three from the top, and assign them all to Bob at once.
    tui.keys("1");
    tui.keys("g");
    tui.keys(" ");
    tui.keys(" ");
    tui.keys(" ");
    tui.wait_for("3 marked");
    tui.keys("a");
    tui.wait_for("Assign 3 marked conversations");
    tui.keys("j");
    tui.keys("j");
    tui.keys("\r");
    tui.wait_for("Assign Bob Chen to 3 conversations?");
    tui.keys("y");
    let bob = t.bob.agent.id;
    eventually("three assigned to Bob on the server", || {
        let c = alice.clone();
        async move {
            let page = c
                .conversations(&ConversationQuery::default())
                .await
                .unwrap();
            page.items
                .iter()
                .filter(|r| r.conversation.is_assigned_to(bob))
                .count()
                == 3
        }
    })
    .await;
    // Newest first: Eve, Dan and Cat were the top three.
    for id in &ids[2..] {
        assert!(alice
            .conversation(*id)
            .await
            .unwrap()
            .conversation
            .is_assigned_to(bob));
    }
    tui.wait_until("the marks cleared", |s| !s.contains("marked"));

    // A typed command acts on the selected row and is remembered.
    tui.keys("g");
    tui.keys(":");
    tui.wait_for("Command");
    tui.keys("priority urg");
    tui.wait_for(":priority urgent");
    tui.keys("\r");
    let top = ids[4];
    eventually("the priority on the server", || {
        let c = alice.clone();
        async move { c.conversation(top).await.unwrap().conversation.priority == Priority::Urgent }
    })
    .await;
    tui.wait_for("URGENT");
    tui.keys("q");
    assert!(tui.wait_exit());
    let history =
        std::fs::read_to_string(tui.home().join("state/chatsmart/palette_history")).unwrap();
    assert_eq!(history, "priority urgent\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_attached_in_the_terminal_reaches_the_server_and_a_customer_file_is_saved() {
    let t = TestServer::start().await;
    let photo_bytes = samples::bytes_for("jpg");
    let photo = t
        .admin
        .client
        .upload_bytes("customer-photo.jpg", photo_bytes.clone())
        .await
        .unwrap();
    let acc = t
        .admin
        .client
        .inbound(&Inbound {
            channel: ChannelKind::Line,
            channel_user_id: "U-files".into(),
            customer_name: "Fiona Files".into(),
            text: "here is the photo".into(),
            external_id: "files-1".into(),
            attachment_id: Some(photo.id),
        })
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config").join("chatsmart");
    std::fs::create_dir_all(&config).unwrap();
    let downloads = home.path().join("dl");
    std::fs::write(
        config.join("config.toml"),
        format!("download_dir = {:?}\n", downloads.display().to_string()),
    )
    .unwrap();
    std::fs::create_dir_all(home.path().join("docs")).unwrap();
    let pdf: Vec<u8> = samples::bytes_for("pdf")
        .into_iter()
        .chain((0..200_000u32).map(|i| (i % 253) as u8))
        .collect();
    std::fs::write(home.path().join("docs").join("price list.pdf"), &pdf).unwrap();

    let mut tui = Tui::spawn_in(home, &["--server", &t.url(), "--token", &t.alice.token]);
    tui.wait_for("Fiona Files");
    tui.keys("g\r");
    tui.wait_for("customer-photo.jpg");

    // Write a caption, attach the file by completing its path from ~.
    tui.keys("i");
    tui.keys("Our price list");
    tui.keys("\x14");
    tui.wait_for("Attach a file");
    tui.keys("\x15");
    tui.keys("~/docs/pri");
    tui.keys("\t");
    tui.wait_for("price list.pdf  application/pdf");
    tui.keys("\r");
    tui.wait_for("ready");
    tui.keys("\r");
    let alice = t.alice.client.clone();
    let conv = acc.conversation_id;
    eventually("the reply with its file on the server", || {
        let c = alice.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| {
                    m.kind == MessageKind::Agent
                        && m.text == "Our price list"
                        && m.attachment
                            .as_ref()
                            .is_some_and(|a| a.name == "price list.pdf")
                })
        }
    })
    .await;
    let page = alice
        .messages(conv, &MessagesQuery::default())
        .await
        .unwrap();
    let sent = page
        .items
        .iter()
        .find_map(|m| m.attachment.clone().filter(|a| a.name == "price list.pdf"))
        .unwrap();
    assert_eq!(
        alice.download(sent.id).await.unwrap(),
        pdf,
        "the same bytes"
    );

    // The customer's photo: no display here, so it is saved and the
    // screen says where.
    tui.keys("\x1b");
    tui.keys("o");
    tui.wait_for("Files in this conversation");
    tui.keys("j");
    tui.keys("\r");
    tui.wait_for("saved customer-photo.jpg to");
    let saved = downloads.join("customer-photo.jpg");
    assert_eq!(std::fs::read(&saved).unwrap(), photo_bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_typed_in_the_terminal_reaches_line_and_a_refused_one_is_sent_again() {
    use chatsmart::server::ServerConfig;
    use common::platforms::{deliver, Double, Platform};
    let line = Double::start(Platform::Line).await;
    let t = TestServer::start_with_config(|c| ServerConfig {
        api_bases: line.bases(c.api_bases.clone()),
        retry_base: Duration::from_millis(40),
        ..c
    })
    .await;
    let ch = t
        .admin
        .client
        .create_channel(&NewChannel {
            kind: ChannelKind::Line,
            name: "LINE".into(),
            credentials: [("channel_secret", "s"), ("channel_access_token", "T")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
        .await
        .unwrap();
    let body = serde_json::json!({"destination": "Ubot", "events": [{
        "type": "message", "timestamp": chrono::Utc::now().timestamp_millis(),
        "source": {"type": "user", "userId": "U-pty"}, "webhookEventId": "ev-1",
        "deliveryContext": {"isRedelivery": false}, "replyToken": "rt-pty",
        "message": {"id": "1", "type": "text", "text": "is the shop open?"}
    }]})
    .to_string();
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "s",
        body.as_bytes(),
    )
    .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    // The name comes from LINE's profile.
    tui.wait_for("Ken Sato");
    tui.keys("g\r");
    tui.wait_for("is the shop open?");

    // Typed and sent: it reaches LINE with the reply token, and is ticked.
    tui.keys("i");
    tui.keys("Yes, until six");
    tui.keys("\r");
    let reply = &line.wait_calls("/v2/bot/message/reply", 1).await[0];
    assert_eq!(reply.json["replyToken"], "rt-pty");
    assert_eq!(reply.json["messages"][0]["text"], "Yes, until six");
    assert_eq!(reply.auth.as_deref(), Some("Bearer T"));
    tui.wait_until("the sent tick", |s| {
        s.lines()
            .any(|l| l.contains("Alice Wong") && l.contains('✓'))
    });

    // LINE refuses the next one: the reason shows under it; r sends it again.
    line.fail_next(
        "/v2/bot/message/push",
        400,
        serde_json::json!({"message": "The request body has 1 error(s)"}),
    );
    tui.keys("Anything else?");
    tui.keys("\r");
    tui.wait_for("✗ failed");
    tui.wait_for("LINE answered 400: The request body has 1 error(s)");
    tui.keys("\x1b");
    tui.keys("r");
    let pushes = line.wait_calls("/v2/bot/message/push", 2).await;
    assert_eq!(pushes[1].json["messages"][0]["text"], "Anything else?");
    tui.wait_until("the failure to clear", |s| !s.contains("✗ failed"));
    tui.keys("q");
    assert!(tui.wait_exit());
}
