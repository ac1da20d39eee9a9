//! Several stores on one PostgreSQL database, as replicas run: every one
//! publishes the whole event log, in sequence order, with nothing skipped
//! or twice, whichever of them committed each write.

use crate::common::postgres::TestPostgres;
use chatsmart::protocol::*;
use chatsmart::server::hub::Hub;
use chatsmart::server::store::secrets::{Key, Keys};
use chatsmart::server::store::{Durability, InboundMessage, PgStore, Store};
use std::sync::Arc;

fn inbound(i: usize) -> InboundMessage {
    InboundMessage {
        reach: None,
        tap: None,
        channel: ChannelKind::ALL[i % 4],
        channel_user_id: format!("u{}", i % 11),
        customer_name: format!("Customer {}", i % 11),
        text: format!("message {i}"),
        external_id: format!("r-{i}"),
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
async fn three_replicas_each_publish_the_whole_log_in_order() {
    let Some(pg) = TestPostgres::create("replicas") else {
        return;
    };
    let keys = Keys {
        current: Key::generate(),
        older: Vec::new(),
    };
    let mut hubs = Vec::new();
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    for _ in 0..3 {
        let hub = Hub::new();
        let events = hub.subscribe();
        let store =
            PgStore::open(&pg.url, hub.clone(), Durability::Full, Some(keys.clone())).unwrap();
        hubs.push((hub, events));
        stores.push(Arc::new(store));
    }
    // Writes through the first two, at once; the third only listens.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..240usize {
        let s = stores[i % 2].clone();
        tasks.spawn(async move { s.inbound(inbound(i)).await.unwrap() });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let all: Vec<Seq> = stores[2]
        .events_since(0, 100_000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    let created = stores[2]
        .events_since(0, 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MessageCreated { .. }))
        .count();
    assert_eq!(created, 240);
    for (n, (_, events)) in hubs.iter_mut().enumerate() {
        let mut published = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while published.len() < all.len() && std::time::Instant::now() < deadline {
            match tokio::time::timeout(std::time::Duration::from_millis(200), events.recv()).await {
                Ok(Ok(ev)) => published.push(ev.seq),
                Ok(Err(e)) => panic!("replica {n} lagged: {e}"),
                Err(_) => {}
            }
        }
        assert_eq!(
            published, all,
            "replica {n} published the whole log in order"
        );
    }
    for w in all.windows(2) {
        assert!(w[0] < w[1]);
    }
    // Nothing more arrives late, twice.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for (n, (_, events)) in hubs.iter_mut().enumerate() {
        assert!(events.try_recv().is_err(), "replica {n} published twice");
    }
    drop(stores);
}
