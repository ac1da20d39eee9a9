//! Group commit: concurrent writes share transactions, yet each one stands
//! or falls alone, nothing is acknowledged before it is committed, and the
//! event log stays in order with nothing lost or invented.

use crate::common::{sqlite_only, TestStore};
use chatsmart::protocol::*;
use chatsmart::server::hub::Hub;
use chatsmart::server::store::prelude::*;
use chatsmart::server::store::Offline;
use chatsmart::server::store::{InboundMessage, OutboundMessage, SqliteStore};
use std::sync::Arc;

fn inbound(i: usize) -> InboundMessage {
    InboundMessage {
        reach: None,
        tap: None,
        channel: ChannelKind::ALL[i % 4],
        channel_user_id: format!("u{}", i % 7),
        customer_name: format!("Customer {}", i % 7),
        text: format!("message {i}"),
        external_id: format!("gc-{i}"),
        at: None,
        sent_at: None,
        attachment_id: None,
        account: None,
        reply_token: None,
        media: None,
        bot: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_write_in_a_group_loses_nothing_else() {
    let at = TestStore::new("g.db");
    let hub = Hub::new();
    let mut events = hub.subscribe();
    let store = at.open(hub.clone());
    // A conversation to reply to.
    let first = store.inbound(inbound(0)).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=300usize {
        let s = store.clone();
        tasks.spawn(async move {
            if i % 10 == 0 {
                // Fails inside the transaction: no such conversation.
                s.add_message(OutboundMessage {
                    conversation_id: 999_999,
                    kind: MessageKind::Agent,
                    author_id: None,
                    text: "nobody".into(),
                    client_id: Some(format!("bad-{i}")),
                    at: None,
                    attachment_id: None,
                })
                .await
                .map(|_| false)
            } else if i % 10 == 5 {
                s.add_message(OutboundMessage {
                    conversation_id: first.conversation_id,
                    kind: MessageKind::Bot,
                    author_id: None,
                    text: format!("bot {i}"),
                    client_id: None,
                    at: None,
                    attachment_id: None,
                })
                .await
                .map(|_| true)
            } else {
                s.inbound(inbound(i)).await.map(|_| true)
            }
        });
    }
    let (mut ok, mut failed) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(e.to_string().contains("not found"), "{e}");
                failed += 1;
            }
        }
    }
    assert_eq!((ok, failed), (270, 30));
    // Every acknowledged message is stored, and only those.
    let (a, b) = store.seq_bounds().await.unwrap();
    let all = store.events_since(0, 100_000).await.unwrap();
    assert_eq!(all.last().map(|e| e.seq), Some(a.max(b)));
    let messages = all
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MessageCreated { .. }))
        .count();
    assert_eq!(messages, 271, "the first message and 270 more");
    for w in all.windows(2) {
        assert!(w[0].seq < w[1].seq);
    }
    // What was published is what the log holds, in the same order.
    let mut published = Vec::new();
    while let Ok(ev) = events.try_recv() {
        published.push(ev.seq);
    }
    assert_eq!(published, all.iter().map(|e| e.seq).collect::<Vec<_>>());
    // Stored for good: a fresh store on the same file sees them.
    drop(store);
    let again = at.open(Offline);
    let page = again
        .list_messages(first.conversation_id, MessagesQuery::default())
        .await
        .unwrap();
    assert!(page.items.iter().any(|m| m.text == "bot 5"));
    assert!(!page.items.iter().any(|m| m.text == "nobody"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dry_run_beside_real_writes_changes_nothing_of_its_own() {
    let at = TestStore::new("d.db");
    let store = at.open(Offline);
    let csv = b"Channel,Channel_user_id,Name\nLINE,dry-1,Dry Run\n".to_vec();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50usize {
        let s = store.clone();
        let csv = csv.clone();
        tasks.spawn(async move {
            if i == 25 {
                let (rows, report) =
                    chatsmart::sheets::customers::parse(&csv, "c.csv", true).unwrap();
                let r = s.import_customers(rows, report).await.unwrap();
                assert_eq!(r.created, 1, "would create one");
            } else {
                s.inbound(inbound(i)).await.unwrap();
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let all = store.all_customers().await.unwrap();
    assert!(!all.iter().any(|c| c.channel_user_id == "dry-1"));
    let expected: std::collections::HashSet<(ChannelKind, String)> = (0..50usize)
        .filter(|i| *i != 25)
        .map(|i| (ChannelKind::ALL[i % 4], format!("u{}", i % 7)))
        .collect();
    assert_eq!(all.len(), expected.len(), "the inbound customers only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_the_store_copies_the_log_into_the_database() {
    if sqlite_only("closing_the_store_copies_the_log_into_the_database") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    {
        let store = Arc::new(SqliteStore::open(&db, Offline).unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..200usize {
            let s = store.clone();
            tasks.spawn(async move { s.inbound(inbound(i)).await.unwrap() });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
    }
    // Closed: the writer and checkpointer are done, the log is truncated,
    // and a plain connection (no busy timeout) can write at once.
    let wal = std::fs::metadata(dir.path().join("c.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(wal, 0, "the write-ahead log was copied back and truncated");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM messages WHERE kind = 'inbound'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 200);
    conn.execute("UPDATE customers SET name = name", [])
        .unwrap();
}
