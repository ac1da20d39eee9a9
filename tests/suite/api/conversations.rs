//! Conversations, replies, the bot toggle and assignment, paging, search, per-account filters and unread counts; customers, tags and notes.

use super::*;

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
        reach: None,
        tap: None,
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
