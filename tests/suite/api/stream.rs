//! The event stream and durability: resuming with since, across a restart, bursts in order, random drops, and a restarted server keeping everything.

use super::*;

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
