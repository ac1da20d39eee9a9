//! Work claimed once: a message to send is given to one worker (on any
//! replica) until its claim runs out, renewing keeps it, recording the try
//! ends it, and a claim left by a worker that died is taken again.

use crate::common::TestStore;
use chatsmart::protocol::*;
use chatsmart::server::store::{
    DeliveryOutcome, InboundMessage, NewAgent, Offline, OutboundMessage,
};
use chrono::{Duration, Utc};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_claimed_by_one_worker_until_its_claim_runs_out() {
    let at = TestStore::new("claims.db");
    // Two stores on one database: two replicas' workers.
    let one = at.open(Offline);
    let two = at.open(Offline);
    let line = one
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
    let agent = one
        .create_agent(NewAgent {
            name: "Ada".into(),
            login: "ada".into(),
            role: Role::Agent,
            teams: vec![],
            password_hash: None,
        })
        .await
        .unwrap();
    let conv = one
        .inbound(InboundMessage {
            reach: None,
            tap: None,
            channel: ChannelKind::Line,
            channel_user_id: "U1".into(),
            customer_name: "Ken".into(),
            text: "hi".into(),
            external_id: "c-1".into(),
            at: None,
            sent_at: None,
            attachment_id: None,
            account: Some(line.id),
            reply_token: None,
            media: None,
            bot: None,
        })
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
    let (first, _) = one.add_message(reply("first")).await.unwrap();
    let (second, _) = one.add_message(reply("second")).await.unwrap();
    assert_eq!(first.status, DeliveryStatus::Pending);

    let now = Utc::now();
    let lease = now + Duration::seconds(30);
    let got = one.claim_deliveries(now, lease, 10).await.unwrap();
    let ids: Vec<MessageId> = got.iter().map(|d| d.message.id).collect();
    assert_eq!(ids, vec![first.id], "the conversation's oldest only");
    // Claimed: the other replica gets nothing, and not the next message
    // either (a conversation's messages go in order).
    assert!(two
        .claim_deliveries(now, lease, 10)
        .await
        .unwrap()
        .is_empty());
    // Renewed past the first claim, it is still held then.
    one.renew_claims(vec![first.id], vec![], now + Duration::seconds(60))
        .await
        .unwrap();
    let later = now + Duration::seconds(45);
    assert!(two
        .claim_deliveries(later, later + Duration::seconds(30), 10)
        .await
        .unwrap()
        .is_empty());
    // The first worker dies; once the claim runs out, the other takes it.
    let after = now + Duration::seconds(61);
    let got = two
        .claim_deliveries(after, after + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message.id, first.id);
    // Recorded as sent: the claim ends and the next message is due.
    two.delivery_done(
        first.id,
        DeliveryOutcome::Sent {
            external_id: Some("x-1".into()),
            spent_token: None,
        },
    )
    .await
    .unwrap();
    let got = one
        .claim_deliveries(after, after + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|d| d.message.id).collect::<Vec<_>>(),
        vec![second.id]
    );
    // A renewal never brings a retry set later forward.
    one.delivery_done(
        second.id,
        DeliveryOutcome::Retry {
            reason: "rate limited".into(),
            at: after + Duration::seconds(300),
            parts_sent: 0,
            spent_token: None,
        },
    )
    .await
    .unwrap();
    one.renew_claims(vec![second.id], vec![], after + Duration::seconds(30))
        .await
        .unwrap();
    let soon = after + Duration::seconds(100);
    assert!(one
        .claim_deliveries(soon, soon, 10)
        .await
        .unwrap()
        .is_empty());
}
