//! Triage over real HTTP: status, snooze and priority with their filters,
//! sorting and events; snoozes waking on a clock the test moves by hand,
//! across a restart and exactly once; bulk actions that report failures.

use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::server::clock::ManualClock;
use chatsmart::server::workers::scheduler;
use chrono::{Duration, Utc};
use std::sync::Arc;

fn status(e: chatsmart::client::ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}

fn set(status: ConvStatus) -> SetStatus {
    SetStatus {
        status,
        snooze_until: None,
    }
}

async fn ids(c: &chatsmart::client::Client, q: ConversationQuery) -> Vec<ConversationId> {
    c.conversations(&q)
        .await
        .unwrap()
        .items
        .iter()
        .map(|r| r.conversation.id)
        .collect()
}

async fn system_texts(c: &chatsmart::client::Client, id: ConversationId) -> Vec<String> {
    c.messages(id, &MessagesQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.kind == MessageKind::System)
        .map(|m| m.text)
        .collect()
}

#[tokio::test]
async fn status_and_priority_are_stored_streamed_filtered_and_sorted() {
    let t = TestServer::start().await;
    let a = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "t-1").await;
    let b = t
        .inbound(ChannelKind::Whatsapp, "W1", "Tom", "hello", "t-2")
        .await;
    let c = &t.alice.client;
    let mut ws = t.ws(&t.bob.token, None).await;

    let conv = c
        .set_status(a.conversation_id, &set(ConvStatus::Resolved))
        .await
        .unwrap();
    assert_eq!(conv.status, ConvStatus::Resolved);
    assert_eq!(
        conv.last_message.as_ref().map(|m| m.kind),
        Some(MessageKind::Inbound),
        "a system note is not the preview"
    );
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::StatusChanged { .. }))
        .await;
    match ev.kind {
        EventKind::StatusChanged {
            conversation,
            from,
            reason,
            by,
        } => {
            assert_eq!(conversation.id, a.conversation_id);
            assert_eq!(conversation.status, ConvStatus::Resolved);
            assert_eq!(from, ConvStatus::Open);
            assert_eq!(reason, StatusReason::Agent);
            assert_eq!(by, Some(t.alice.agent.id));
        }
        _ => unreachable!(),
    }
    assert!(system_texts(c, a.conversation_id)
        .await
        .iter()
        .any(|s| s == "resolved by Alice Wong"));
    // Filters.
    let q = |status: Option<ConvStatus>, priority: Option<Priority>| ConversationQuery {
        status: status.map(StatusSet::from),
        priority,
        ..Default::default()
    };
    assert_eq!(
        ids(c, q(Some(ConvStatus::Resolved), None)).await,
        vec![a.conversation_id]
    );
    assert_eq!(
        ids(c, q(Some(ConvStatus::Open), None)).await,
        vec![b.conversation_id]
    );
    c.set_status(b.conversation_id, &set(ConvStatus::Pending))
        .await
        .unwrap();
    assert_eq!(
        ids(c, q(Some(ConvStatus::Pending), None)).await,
        vec![b.conversation_id]
    );
    // Several at once, as the query string "open,pending".
    let r = t
        .http()
        .get(t.api("conversations?status=open,pending"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    let page: Page<ConversationRow> = r.json().await.unwrap();
    let got: Vec<_> = page.items.iter().map(|r| r.conversation.id).collect();
    assert_eq!(got, vec![b.conversation_id]);

    // Priority: stored, streamed, filtered, and the list sorts by it.
    let conv = c
        .set_priority(a.conversation_id, Priority::High)
        .await
        .unwrap();
    assert_eq!(conv.priority, Priority::High);
    ws.until(|e| matches!(&e.kind, EventKind::PriorityChanged { conversation, .. } if conversation.priority == Priority::High))
        .await;
    assert_eq!(
        ids(c, q(None, Some(Priority::High))).await,
        vec![a.conversation_id]
    );
    // b has the newest activity (its status note), a the higher priority.
    c.set_priority(b.conversation_id, Priority::Low)
        .await
        .unwrap();
    let by_activity = ids(c, ConversationQuery::default()).await;
    assert_eq!(by_activity[0], b.conversation_id);
    let by_priority = ids(
        c,
        ConversationQuery {
            sort: Some(ListSort::Priority),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(by_priority, vec![a.conversation_id, b.conversation_id]);
    assert!(system_texts(c, a.conversation_id)
        .await
        .iter()
        .any(|s| s == "priority set to high by Alice Wong"));

    // A customer message reopens a resolved conversation.
    t.inbound(ChannelKind::Line, "U1", "Mei", "one more thing", "t-3")
        .await;
    let row = c.conversation(a.conversation_id).await.unwrap();
    assert_eq!(row.conversation.status, ConvStatus::Open);
    let ev = ws
        .until(|e| matches!(&e.kind, EventKind::StatusChanged { reason, .. } if *reason == StatusReason::CustomerReplied))
        .await;
    assert!(matches!(
        ev.kind,
        EventKind::StatusChanged {
            from: ConvStatus::Resolved,
            by: None,
            ..
        }
    ));
    // A pending one stays pending when the customer writes.
    t.inbound(ChannelKind::Whatsapp, "W1", "Tom", "ok thanks", "t-4")
        .await;
    let row = c.conversation(b.conversation_id).await.unwrap();
    assert_eq!(row.conversation.status, ConvStatus::Pending);

    // Bad input: a clear error, nothing changed.
    let past = Utc::now() - Duration::hours(1);
    let e = c
        .set_status(
            a.conversation_id,
            &SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: Some(past),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 422);
    let e = c
        .set_status(
            a.conversation_id,
            &SetStatus {
                status: ConvStatus::Resolved,
                snooze_until: Some(Utc::now() + Duration::hours(1)),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 422);
    assert_eq!(
        c.conversation(a.conversation_id)
            .await
            .unwrap()
            .conversation
            .status,
        ConvStatus::Open
    );
    let e = c
        .set_status(999_999, &set(ConvStatus::Resolved))
        .await
        .unwrap_err();
    assert_eq!(status(e), 404);
    let http = t.http();
    let r = http
        .put(t.api(&format!("conversations/{}/status", a.conversation_id)))
        .bearer_auth(&t.alice.token)
        .json(&serde_json::json!({"status": "closed"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["message"].as_str().is_some(), "{body}");
    let r = http
        .put(t.api(&format!("conversations/{}/priority", a.conversation_id)))
        .json(&serde_json::json!({"priority": "high"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(t.api("conversations?status=nonsense"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn the_list_sorts_by_how_long_the_customer_has_waited() {
    let t = TestServer::start().await;
    let first = t
        .inbound(ChannelKind::Line, "U1", "First", "hi", "w-1")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = t
        .inbound(ChannelKind::Line, "U2", "Second", "hi", "w-2")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let answered = t
        .inbound(ChannelKind::Line, "U3", "Answered", "hi", "w-3")
        .await;
    let c = &t.alice.client;
    let row = c.conversation(first.conversation_id).await.unwrap();
    assert!(row.conversation.waiting_since.is_some());
    c.send_message(answered.conversation_id, "Hello!", "w-reply")
        .await
        .unwrap();
    let row = c.conversation(answered.conversation_id).await.unwrap();
    assert_eq!(
        row.conversation.waiting_since, None,
        "an answer ends the wait"
    );
    // The first customer writing again does not reset their wait.
    t.inbound(ChannelKind::Line, "U1", "First", "hello??", "w-4")
        .await;
    let mut q = ConversationQuery {
        sort: Some(ListSort::Waiting),
        limit: Some(2),
        ..Default::default()
    };
    let page = c.conversations(&q).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|r| r.conversation.id).collect();
    assert_eq!(got, vec![first.conversation_id, second.conversation_id]);
    q.cursor = page.next_cursor;
    assert!(q.cursor.is_some());
    let page = c.conversations(&q).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|r| r.conversation.id).collect();
    assert_eq!(got, vec![answered.conversation_id], "not waiting: last");
    assert!(page.next_cursor.is_none());
    // A cursor of the other order is refused clearly.
    q.cursor = Some("123.4".into());
    assert_eq!(status(c.conversations(&q).await.unwrap_err()), 422);
}

#[tokio::test]
async fn a_snooze_wakes_at_its_time_once_even_across_a_restart() {
    let start = Utc::now();
    let clock = Arc::new(ManualClock::new(start));
    let mut t = TestServer::start_with_clock(clock.clone()).await;
    let a = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "s-1").await;
    let b = t.inbound(ChannelKind::Line, "U2", "Ann", "hi", "s-2").await;
    let c = t.alice.client.clone();
    let conv = c
        .set_status(
            a.conversation_id,
            &SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: Some(start + Duration::hours(1)),
            },
        )
        .await
        .unwrap();
    assert_eq!(conv.status, ConvStatus::Snoozed);
    assert_eq!(
        conv.snoozed_until.map(|t| t.timestamp_millis()),
        Some((start + Duration::hours(1)).timestamp_millis())
    );
    // b: until the customer writes; no clock wakes it.
    c.set_status(b.conversation_id, &set(ConvStatus::Snoozed))
        .await
        .unwrap();
    clock.advance(Duration::minutes(30));
    scheduler::tick(t.state()).await;
    let status_of = |id| {
        let c = t.alice.client.clone();
        async move { c.conversation(id).await.unwrap().conversation.status }
    };
    assert_eq!(status_of(a.conversation_id).await, ConvStatus::Snoozed);

    // Due while the server is down: woken when it starts again, once.
    t.stop().await;
    clock.advance(Duration::hours(2));
    t.restart_stopped().await;
    let c = t.alice.client.clone();
    let mut woke = false;
    for _ in 0..100 {
        if c.conversation(a.conversation_id)
            .await
            .unwrap()
            .conversation
            .status
            == ConvStatus::Open
        {
            woke = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(woke, "the snooze ended when the server started");
    let row = c.conversation(a.conversation_id).await.unwrap();
    assert_eq!(row.conversation.snoozed_until, None);
    for _ in 0..3 {
        scheduler::tick(t.state()).await;
    }
    t.restart().await;
    scheduler::tick(t.state()).await;
    let c = t.alice.client.clone();
    let ended = system_texts(&c, a.conversation_id)
        .await
        .iter()
        .filter(|s| s.contains("snooze ended"))
        .count();
    assert_eq!(ended, 1, "woken exactly once");
    assert_eq!(
        c.conversation(b.conversation_id)
            .await
            .unwrap()
            .conversation
            .status,
        ConvStatus::Snoozed,
        "a snooze until the customer writes has no clock"
    );
    t.inbound(ChannelKind::Line, "U2", "Ann", "back again", "s-3")
        .await;
    assert_eq!(
        c.conversation(b.conversation_id)
            .await
            .unwrap()
            .conversation
            .status,
        ConvStatus::Open
    );
}

#[tokio::test]
async fn bulk_actions_apply_to_each_and_report_the_ones_that_failed() {
    let t = TestServer::start().await;
    let a = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "b-1").await;
    let b = t.inbound(ChannelKind::Line, "U2", "Ann", "hi", "b-2").await;
    let c = &t.alice.client;
    let bulk = |ids: Vec<ConversationId>, action: BulkAction| {
        let c = c.clone();
        async move { c.bulk(&BulkRequest { ids, action }).await }
    };
    let r = bulk(
        vec![a.conversation_id, 999_999, b.conversation_id],
        BulkAction::Assign {
            agent_id: t.bob.agent.id,
        },
    )
    .await
    .unwrap();
    assert_eq!((r.succeeded, r.failed), (2, 1));
    assert_eq!(
        r.results.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![a.conversation_id, 999_999, b.conversation_id]
    );
    assert!(!r.results[1].ok);
    assert!(r.results[1].error.as_deref().unwrap().contains("not found"));
    for id in [a.conversation_id, b.conversation_id] {
        let row = c.conversation(id).await.unwrap();
        assert!(row.conversation.is_assigned_to(t.bob.agent.id));
    }
    // Status, priority, bot, tag and unassign, each for all of them.
    let both = vec![a.conversation_id, b.conversation_id];
    for action in [
        BulkAction::Status {
            status: ConvStatus::Pending,
            snooze_until: None,
        },
        BulkAction::Priority {
            priority: Priority::Urgent,
        },
        BulkAction::Bot { active: false },
        BulkAction::Tag {
            tag_id: None,
            name: Some("refund".into()),
        },
        BulkAction::Unassign {
            agent_id: t.bob.agent.id,
        },
    ] {
        let r = bulk(both.clone(), action.clone()).await.unwrap();
        assert_eq!((r.succeeded, r.failed), (2, 0), "{action:?}: {r:?}");
    }
    for (id, customer) in [
        (a.conversation_id, a.customer_id),
        (b.conversation_id, b.customer_id),
    ] {
        let conv = c.conversation(id).await.unwrap().conversation;
        assert_eq!(conv.status, ConvStatus::Pending);
        assert_eq!(conv.priority, Priority::Urgent);
        assert!(!conv.bot_active);
        assert!(conv.assignees.is_empty());
        let cu = c.customer(customer).await.unwrap();
        assert_eq!(
            cu.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            vec!["refund"]
        );
    }
    let tags = c.tags().await.unwrap();
    assert_eq!(tags.len(), 1, "one tag made, then reused");
    // A bad action fails for every id, and says why.
    let r = bulk(both.clone(), BulkAction::Assign { agent_id: 424_242 })
        .await
        .unwrap();
    assert_eq!((r.succeeded, r.failed), (0, 2));
    // Nothing to act on, or too much: refused as a whole.
    assert_eq!(
        status(
            bulk(vec![], BulkAction::Bot { active: true })
                .await
                .unwrap_err()
        ),
        422
    );
    assert_eq!(
        status(
            bulk(
                (0..=(MAX_BULK as i64)).collect(),
                BulkAction::Bot { active: true }
            )
            .await
            .unwrap_err()
        ),
        422
    );
}
