//! A customer who blocked the account: every way a reply could go out
//! refuses, or fails at once, saying why; a new follow lifts it.

use crate::common::TestStore;
use chatsmart::protocol::*;
use chatsmart::server::store::{InboundMessage, NewAgent, Offline, OutboundMessage, Reach};
use chrono::{Duration, Utc};

fn item(account: ChannelAccountId, id: &str, text: &str, reach: Option<Reach>) -> InboundMessage {
    InboundMessage {
        channel: ChannelKind::Line,
        channel_user_id: "U-b".into(),
        customer_name: "Bea".into(),
        text: text.into(),
        external_id: id.into(),
        at: None,
        sent_at: None,
        attachment_id: None,
        account: Some(account),
        reply_token: None,
        media: None,
        bot: None,
        tap: None,
        reach,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_scheduled_messages_and_retries_to_a_blocker_are_refused() {
    let at = TestStore::new("blocked.db");
    let s = at.open(Offline);
    let line = s
        .create_channel(NewChannel {
            kind: ChannelKind::Line,
            name: "LINE".into(),
            credentials: [("channel_secret", "s"), ("channel_access_token", "T")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
        .await
        .unwrap();
    let agent = s
        .create_agent(NewAgent {
            name: "Ada".into(),
            login: "ada".into(),
            role: Role::Agent,
            teams: vec![],
            password_hash: None,
        })
        .await
        .unwrap();
    let conv = s
        .inbound(item(line.id, "m-1", "hi", None))
        .await
        .unwrap()
        .conversation_id;
    let reply = |text: &str| OutboundMessage {
        conversation_id: conv,
        kind: MessageKind::Agent,
        author_id: Some(agent.id),
        text: text.into(),
        client_id: None,
        at: None,
        attachment_id: None,
    };
    let (sent, _) = s.add_message(reply("before")).await.unwrap();
    s.delivery_done(
        sent.id,
        chatsmart::server::store::DeliveryOutcome::Failed {
            reason: "LINE was down".into(),
            parts_sent: 0,
            spent_token: None,
        },
    )
    .await
    .unwrap();
    let t0 = Utc::now();
    s.create_scheduled(
        agent.id,
        conv,
        NewScheduled {
            name: "follow-up".into(),
            text: "Did it arrive?".into(),
            send_at: t0 + Duration::minutes(1),
        },
        t0,
    )
    .await
    .unwrap();

    let why = "the customer blocked the account on LINE: replies cannot reach them until they follow it again";
    let note = s
        .inbound(item(
            line.id,
            "ev-unfollow",
            "The customer blocked the account on LINE",
            Some(Reach::Blocked(why.into())),
        ))
        .await
        .unwrap();
    let row = s.get_conversation(agent.id, conv).await.unwrap();
    assert_eq!(row.conversation.blocked.as_deref(), Some(why));
    // A note, not a customer message: nothing more to read.
    assert_eq!(row.conversation.inbound_count, 1);
    let page = s
        .list_messages(conv, MessagesQuery::default())
        .await
        .unwrap();
    let stored = page.items.iter().find(|m| m.id == note.message_id).unwrap();
    assert_eq!(stored.kind, MessageKind::System);

    // A reply and a retry are refused, saying why.
    let e = s.add_message(reply("hello?")).await.unwrap_err();
    assert!(e.to_string().contains("blocked the account on LINE"), "{e}");
    let e = s.retry_message(&agent, sent.id).await.unwrap_err();
    assert!(e.to_string().contains("blocked the account on LINE"), "{e}");
    // A scheduled message fails at once, kept with the reason.
    let ids = s.send_due(t0 + Duration::minutes(2)).await.unwrap();
    assert_eq!(ids.len(), 1);
    let page = s
        .list_messages(conv, MessagesQuery::default())
        .await
        .unwrap();
    let scheduled = page.items.iter().find(|m| m.id == ids[0]).unwrap();
    assert_eq!(scheduled.status, DeliveryStatus::Failed);
    assert_eq!(scheduled.failure.as_deref(), Some(why));

    // Followed again: replies, retries and the failed scheduled one go.
    s.inbound(item(
        line.id,
        "ev-follow",
        "The customer followed the account",
        Some(Reach::Followed),
    ))
    .await
    .unwrap();
    let row = s.get_conversation(agent.id, conv).await.unwrap();
    assert_eq!(row.conversation.blocked, None);
    s.add_message(reply("welcome back")).await.unwrap();
    let again = s.retry_message(&agent, ids[0]).await.unwrap();
    assert_eq!(again.status, DeliveryStatus::Pending);
}
