//! Who sees what: bounded streams, oversized frames and silent clients, each event to exactly whom the API would show it, scheduled messages by their author.

use super::*;

#[tokio::test]
async fn an_agent_holds_a_bounded_number_of_streams() {
    let t = TestServer::start_with_config(|c| ServerConfig {
        streams_per_agent: 2,
        ..c
    })
    .await;
    let first = t.ws(&t.alice.token, None).await;
    let _second = t.ws(&t.alice.token, None).await;
    let client = Client::new(&t.url(), None).unwrap();
    let mut url = client.events_url(None);
    url.query_pairs_mut().append_pair("token", &t.alice.token);
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 429);
        }
        other => panic!(
            "a third stream should be refused, got {:?}",
            other.map(|_| ())
        ),
    }
    // Bob is not affected; closing one frees its place.
    let _bob = t.ws(&t.bob.token, None).await;
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        if let Ok(ws) = tokio_tungstenite::connect_async(url.as_str()).await {
            again = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed stream frees its place");
}

#[tokio::test]
async fn oversized_frames_and_silent_clients_are_dropped() {
    let t = TestServer::start_with_config(|c| ServerConfig {
        stream_idle: Duration::from_millis(900),
        ..c
    })
    .await;
    let client = Client::new(&t.url(), None).unwrap();
    let mut url = client.events_url(None);
    url.query_pairs_mut().append_pair("token", &t.alice.token);
    // A frame over 64 KiB closes the connection.
    let (mut big, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let _ = big
        .send(WsMessage::Binary(vec![0u8; 200 * 1024].into()))
        .await;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match big.next().await {
                None | Some(Err(_) | Ok(WsMessage::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "an oversized frame ends the stream");

    // A client that never reads (so never answers a ping) is dropped.
    let (_silent, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let streams = |t: &TestServer| {
        t.state()
            .security
            .streams
            .lock()
            .unwrap()
            .get(&t.alice.agent.id)
            .copied()
            .unwrap_or(0)
    };
    let mut gone = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if streams(&t) == 0 {
            gone = true;
            break;
        }
    }
    assert!(gone, "the silent client was still held");
}

#[tokio::test]
async fn each_agent_streams_only_what_the_api_shows_it() {
    let t = TestServer::start().await;
    let support = t
        .admin
        .client
        .teams()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "Support")
        .unwrap();
    let mut admin = t.ws(&t.admin.token, None).await;
    let mut alice = t.ws(&t.alice.token, None).await; // in Support
    let mut bob = t.ws(&t.bob.token, None).await; // in Billing
    let folder = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Support only".into(),
            channels: vec![],
            team_id: Some(support.id),
            assignee_ids: vec![],
        })
        .await
        .unwrap();
    let tag = t
        .admin
        .client
        .create_tag(&NewTag {
            name: "vip".into(),
            color: None,
        })
        .await
        .unwrap();
    t.admin
        .client
        .broadcast(&NewBroadcast {
            tag_id: tag.id,
            channels: vec![],
            text: "Sale!".into(),
            send_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
        })
        .await
        .unwrap();
    // Alice reads a conversation: her read marker is hers alone.
    let first = t
        .inbound(ChannelKind::Line, "U2", "Mei", "hello", "m0")
        .await;
    t.alice
        .client
        .mark_read(first.conversation_id)
        .await
        .unwrap();
    // A marker every agent sees, so "nothing else came" is known for sure.
    t.inbound(ChannelKind::Line, "U1", "Kenji", "marker", "m1")
        .await;
    let is_marker = |e: &Event| matches!(&e.kind, EventKind::MessageCreated { message, .. } if message.text == "marker");
    async fn kinds_until(ws: &mut Ws, stop: impl Fn(&Event) -> bool) -> Vec<EventKind> {
        let mut seen = Vec::new();
        loop {
            let ev = ws.next().await;
            let done = stop(&ev);
            seen.push(ev.kind);
            if done {
                return seen;
            }
        }
    }
    let for_admin = kinds_until(&mut admin, is_marker).await;
    let for_alice = kinds_until(&mut alice, is_marker).await;
    let for_bob = kinds_until(&mut bob, is_marker).await;
    let folder_text = |k: &[EventKind]| {
        k.iter()
            .filter(|k| matches!(k, EventKind::StandardFolderChanged { folder: f } if f.id == folder.id))
            .count()
    };
    let broadcasts = |k: &[EventKind]| {
        k.iter()
            .filter(|k| matches!(k, EventKind::BroadcastChanged { .. }))
            .count()
    };
    assert_eq!(folder_text(&for_admin), 1);
    assert_eq!(folder_text(&for_alice), 1);
    assert_eq!(folder_text(&for_bob), 0, "{for_bob:?}");
    assert!(for_bob.iter().any(
        |k| matches!(k, EventKind::StandardFolderDeleted { folder_id } if *folder_id == folder.id)
    ));
    assert!(broadcasts(&for_admin) >= 1);
    assert_eq!(broadcasts(&for_alice), 0);
    assert_eq!(broadcasts(&for_bob), 0);
    let reads = |k: &[EventKind]| {
        k.iter()
            .filter(|k| matches!(k, EventKind::ConversationRead { .. }))
            .count()
    };
    assert_eq!(reads(&for_alice), 1);
    assert_eq!(reads(&for_bob), 0);
    assert_eq!(reads(&for_admin), 0);
    // The same rules when the log is replayed from the start.
    let mut replay = t.ws(&t.bob.token, Some(0)).await;
    let replayed = kinds_until(&mut replay, is_marker).await;
    assert_eq!(folder_text(&replayed), 0);
    assert_eq!(broadcasts(&replayed), 0);
}

#[tokio::test]
async fn only_the_author_or_an_admin_changes_a_scheduled_message() {
    let t = TestServer::start().await;
    let conv = t
        .inbound(ChannelKind::Line, "U1", "Kenji", "hi", "m1")
        .await;
    let s = t
        .alice
        .client
        .schedule(
            conv.conversation_id,
            &NewScheduled {
                name: "follow up".into(),
                text: "How did it go?".into(),
                send_at: chrono::Utc::now() + chrono::Duration::hours(2),
            },
        )
        .await
        .unwrap();
    let patch = ScheduledPatch {
        text: Some("Send me your card number".into()),
        ..Default::default()
    };
    let e = t
        .bob
        .client
        .update_scheduled(s.id, &patch)
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
    assert_eq!(
        status(t.bob.client.cancel_scheduled(s.id).await.unwrap_err()),
        403
    );
    // Unchanged.
    let now = t
        .alice
        .client
        .scheduled(conv.conversation_id)
        .await
        .unwrap();
    assert_eq!(now[0].text, "How did it go?");
    assert!(now[0].updated_by.is_none());
    // Its author may; an admin may, and is named.
    t.alice
        .client
        .update_scheduled(
            s.id,
            &ScheduledPatch {
                name: Some("follow-up".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let by_admin = t
        .admin
        .client
        .update_scheduled(
            s.id,
            &ScheduledPatch {
                text: Some("How did it go, Kenji?".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_admin.updated_by.as_ref().unwrap().name, "Ada Admin");
    assert_eq!(by_admin.created_by.name, "Alice Wong");
}

/// Every kind of event, against an admin, an agent in the scope of what
/// it is about and an agent outside it: what each one's stream does with
/// it, decided here independently of the server's table.
#[test]
fn every_event_type_reaches_exactly_who_the_api_would_show_it_to() {
    use chatsmart::server::audience::{Audience, ForAgent};
    use chatsmart::tui::fixtures;
    let agents = fixtures::agents();
    let admin = agents.iter().find(|a| a.is_admin()).unwrap().clone();
    let inside = Agent {
        role: Role::Agent,
        ..agents[1].clone()
    };
    let outside = Agent {
        id: 99,
        name: "Out Side".into(),
        login: "out.side".into(),
        role: Role::Agent,
        teams: vec![Team {
            id: 42,
            name: "Elsewhere".into(),
        }],
        disabled: false,
    };
    let team = inside.teams[0].clone();
    let app = fixtures::app(3);
    let conversation = app
        .mirror
        .convs
        .values()
        .next()
        .unwrap()
        .conversation
        .clone();
    let message = fixtures::history()[0].clone();
    let customer = fixtures::customer();
    let note = fixtures::notes()[0].clone();
    let tag = Tag {
        id: 1,
        name: "vip".into(),
        color: "red".into(),
    };
    let folder: StandardFolder = serde_json::from_value(serde_json::json!({
        "id": 7, "name": "Refunds", "channels": [], "team": team,
        "assignees": [], "messages": []
    }))
    .unwrap();
    let scheduled = Scheduled {
        id: 1,
        conversation_id: conversation.id,
        name: "follow up".into(),
        text: "How was it?".into(),
        send_at: fixtures::now(),
        created_by: AgentRef {
            id: inside.id,
            name: inside.name.clone(),
        },
        created_at: fixtures::now(),
        status: ScheduledStatus::Pending,
        sent_message_id: None,
        updated_by: None,
    };
    let by = Some(admin.id);
    let events = vec![
        EventKind::MessageCreated {
            conversation: conversation.clone(),
            message: message.clone(),
        },
        EventKind::MessageUpdated { message },
        EventKind::ConversationCreated {
            conversation: conversation.clone(),
        },
        EventKind::BotToggled {
            conversation: conversation.clone(),
            active: false,
            by,
        },
        EventKind::StatusChanged {
            conversation: conversation.clone(),
            from: ConvStatus::Open,
            reason: StatusReason::Agent,
            by,
        },
        EventKind::PriorityChanged {
            conversation: conversation.clone(),
            by,
        },
        EventKind::MacroChanged {
            shared: SharedMacro {
                name: "m".into(),
                steps: vec![],
                updated_by: admin.id,
                updated_at: fixtures::now(),
            },
        },
        EventKind::MacroDeleted { name: "m".into() },
        EventKind::AssigneeAdded {
            conversation: conversation.clone(),
            agent_id: inside.id,
            by,
        },
        EventKind::AssigneeRemoved {
            conversation: conversation.clone(),
            agent_id: inside.id,
            by,
        },
        EventKind::ConversationRead {
            conversation_id: conversation.id,
            agent_id: inside.id,
            inbound_count: 3,
        },
        EventKind::CustomerCreated {
            customer: customer.clone(),
        },
        EventKind::CustomerUpdated { customer },
        EventKind::TagCreated { tag: tag.clone() },
        EventKind::NoteCreated { note: note.clone() },
        EventKind::NoteUpdated { note: note.clone() },
        EventKind::NoteDeleted {
            note_id: note.id,
            customer_id: note.customer_id,
        },
        EventKind::AgentCreated {
            agent: outside.clone(),
        },
        EventKind::AgentUpdated {
            agent: outside.clone(),
        },
        EventKind::AgentRemoved {
            agent_id: outside.id,
        },
        EventKind::StandardFolderChanged {
            folder: folder.clone(),
        },
        EventKind::StandardFolderDeleted {
            folder_id: folder.id,
        },
        EventKind::TagUpdated { tag: tag.clone() },
        EventKind::TagDeleted { tag_id: tag.id },
        EventKind::TagsMerged { from: 2, into: tag },
        EventKind::CustomersImported {
            created: 1,
            updated: 2,
        },
        EventKind::BroadcastChanged {
            broadcast: fixtures::broadcast(1, BroadcastStatus::Running, 1, 0),
        },
        EventKind::ScheduledChanged { scheduled },
        EventKind::ResyncRequired { reason: "x".into() },
    ];
    // Every type is here once (a new one fails this until it is added).
    let names: std::collections::BTreeSet<&str> = events
        .iter()
        .map(chatsmart::protocol::EventKind::type_name)
        .collect();
    assert_eq!(names.len(), events.len());
    assert_eq!(names.len(), 29, "a new kind of event: add it here, decided");
    use ForAgent::{Send, Skip};
    for kind in &events {
        // (admin, inside, outside), as the REST API decides.
        let expected: [ForAgent; 3] = match kind {
            EventKind::BroadcastChanged { .. } => [Send, Skip, Skip],
            EventKind::ConversationRead { .. } => [Skip, Send, Skip],
            EventKind::StandardFolderChanged { folder } => [
                Send,
                Send,
                ForAgent::Instead(Box::new(EventKind::StandardFolderDeleted {
                    folder_id: folder.id,
                })),
            ],
            _ => [Send, Send, Send],
        };
        let audience = Audience::of(kind);
        let got = [&admin, &inside, &outside].map(|a| audience.for_agent(a));
        assert_eq!(got, expected, "{}", kind.type_name());
    }
}
