//! The embedded demo: seeded, served over real HTTP, and alive.

use chatsmart::client::{spawn_event_stream, Client, StreamUpdate};
use chatsmart::protocol::*;
use std::collections::BTreeSet;
use std::time::Duration;

#[tokio::test]
async fn the_demo_seeds_a_multilingual_inbox_and_keeps_it_live() {
    let pace = chatsmart::demo::Pace {
        min: Duration::from_millis(50),
        max: Duration::from_millis(100),
    };
    let demo = chatsmart::demo::start_with("127.0.0.1:0".parse().unwrap(), Some(pace))
        .await
        .unwrap();
    let client = Client::new(&demo.url(), Some(demo.agent_token.clone())).unwrap();
    let me = client.me().await.unwrap();
    assert_eq!(me.agent.name, "Alice Wong");
    assert!(me.total_unread > 0);
    assert_eq!(client.agents().await.unwrap().len(), 5);

    let page = client
        .conversations(&ConversationQuery {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        page.items.len() >= 190,
        "about 200 customers, got {}",
        page.items.len()
    );
    let channels: BTreeSet<_> = page.items.iter().map(|r| r.conversation.channel).collect();
    assert_eq!(channels.len(), 4, "all four channels");
    assert!(page.items.iter().any(|r| r.conversation.bot_active));
    assert!(page.items.iter().any(|r| !r.conversation.bot_active));
    assert!(page
        .items
        .iter()
        .any(|r| !r.conversation.assignees.is_empty()));
    let names: String = page
        .items
        .iter()
        .map(|r| r.conversation.customer_name.as_str())
        .collect();
    assert!(
        names
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese names"
    );
    assert!(
        names
            .chars()
            .any(|c| ('\u{0e00}'..='\u{0e7f}').contains(&c)),
        "Thai names"
    );

    // The simulator delivers new customer messages through the inbound route.
    let (mut rx, task) = spawn_event_stream(client.clone(), Some(me.latest_seq));
    let got_inbound = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(update) = rx.recv().await {
            if let StreamUpdate::Event(ev) = update {
                if let EventKind::MessageCreated { message, .. } = ev.kind {
                    if message.kind == MessageKind::Inbound {
                        return true;
                    }
                }
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(got_inbound, "a simulated customer message arrives live");
    task.abort();
    demo.stop().await.unwrap();
}
