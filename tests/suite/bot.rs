//! The bot, end to end on a real server: greeting, menu, rules, standard
//! messages, business hours, fallback, handoff, the toggle, an agent's
//! reply turning it off, an outside bot, and its replies going out through
//! a platform (LINE's reply token), and its queue: an answer a crash
//! interrupted comes after the restart, and is never said twice.

use crate::common::platforms::{deliver, Double, Platform};
use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::server::bot::Flow;
use chatsmart::server::clock::Clock;
use chatsmart::server::ServerConfig;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A clock fixed at `at` (RFC 3339).
struct Fixed(chrono::DateTime<chrono::Utc>);

impl Clock for Fixed {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0
    }
}

async fn server(flow: Flow, at: &str) -> TestServer {
    let now = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
    TestServer::start_with_config(move |c| ServerConfig {
        bot: Arc::new(flow),
        clock: Arc::new(Fixed(now)),
        ..c
    })
    .await
}

/// Monday 10:30 in UTC+8: the default flow's team is in.
const OPEN: &str = "2026-11-30T10:30:00+08:00";
/// Saturday.
const CLOSED: &str = "2026-12-05T10:30:00+08:00";

/// The conversation's messages once `n` exist (10 s at most).
async fn messages(t: &TestServer, conv: ConversationId, n: usize) -> Vec<Message> {
    let start = Instant::now();
    loop {
        let items = t
            .alice
            .client
            .messages(conv, &MessagesQuery::default())
            .await
            .unwrap()
            .items;
        if items.len() >= n {
            return items;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waited for {n} messages, have {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the bot has dealt with everything queued in `conv` (10 s at
/// most): the marker after which what it has not said, it will not say.
async fn bot_idle(t: &TestServer, conv: ConversationId) {
    let start = Instant::now();
    loop {
        let queued = t
            .state()
            .store
            .due_bot_work(chrono::Utc::now() + chrono::Duration::days(1), 10_000)
            .await
            .unwrap();
        if !queued.iter().any(|w| w.conversation_id == conv) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the bot still has {queued:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn texts(m: &[Message]) -> Vec<(MessageKind, String)> {
    m.iter().map(|m| (m.kind, m.text.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_flow_greets_answers_and_hands_over() {
    let t = server(Flow::default(), OPEN).await;
    let acc = t
        .inbound(ChannelKind::Whatsapp, "852", "Mei", "hello", "e1")
        .await;
    let conv = acc.conversation_id;
    let m = messages(&t, conv, 2).await;
    assert_eq!(m[1].kind, MessageKind::Bot);
    // The greeting and the menu, as one message.
    assert!(m[1].text.starts_with("Hi Mei!"), "{:?}", texts(&m));
    assert!(m[1].text.contains("1. Where is my order?"));
    assert!(m[1].text.contains("4. Talk to a person"));

    // A menu number.
    t.inbound(ChannelKind::Whatsapp, "852", "Mei", "2", "e2")
        .await;
    let m = messages(&t, conv, 4).await;
    assert!(m[3].text.contains("within 30 days"), "{:?}", texts(&m));
    // A keyword rule.
    t.inbound(
        ChannelKind::Whatsapp,
        "852",
        "Mei",
        "Can I get a refund?",
        "e3",
    )
    .await;
    let m = messages(&t, conv, 6).await;
    assert!(m[5].text.contains("return anything"));
    // Something it does not know: the fallback with the menu again.
    t.inbound(ChannelKind::Whatsapp, "852", "Mei", "blue elephants", "e4")
        .await;
    let m = messages(&t, conv, 8).await;
    assert!(m[7].text.starts_with("Sorry, I didn't catch that."));
    assert!(
        t.alice
            .client
            .conversation(conv)
            .await
            .unwrap()
            .conversation
            .bot_active
    );

    // Asking for a person: the bot says so, steps aside, and says why.
    t.inbound(ChannelKind::Whatsapp, "852", "Mei", "我要真人", "e5")
        .await;
    let m = messages(&t, conv, 11).await;
    assert!(m[9].text.starts_with("Connecting you"), "{:?}", texts(&m));
    assert_eq!(m[10].kind, MessageKind::System);
    assert_eq!(
        m[10].text,
        "handed to the agents: the customer asked for a person (\"真人\")"
    );
    let c = t
        .alice
        .client
        .conversation(conv)
        .await
        .unwrap()
        .conversation;
    assert!(!c.bot_active);
    assert!(c.assignees.is_empty(), "a new request for the agents");
    assert!(c.waiting_since.is_some(), "the customer is waiting");
    // The bot is off: it says nothing more.
    t.inbound(ChannelKind::Whatsapp, "852", "Mei", "hello?", "e6")
        .await;
    bot_idle(&t, conv).await;
    let m = messages(&t, conv, 12).await;
    assert_eq!(m.len(), 12, "{:?}", texts(&m));
    // Conversations handed over are listed under Chat with Agent.
    let agent_section = t
        .alice
        .client
        .conversations(&ConversationQuery {
            section: Some(Section::Agent),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(agent_section
        .items
        .iter()
        .any(|r| r.conversation.id == conv));

    // The toggle turns it back on, and an agent's reply turns it off.
    t.alice.client.set_bot(conv, true).await.unwrap();
    t.inbound(ChannelKind::Whatsapp, "852", "Mei", "1", "e7")
        .await;
    let m = messages(&t, conv, 15).await;
    assert_eq!(m[12].text, "bot turned on by Alice Wong");
    assert!(m[14].text.contains("track your order"), "{:?}", texts(&m));
    t.alice
        .client
        .send_message(conv, "Hi Mei, Alice here", "c-1")
        .await
        .unwrap();
    let m = messages(&t, conv, 17).await;
    assert_eq!(m[16].text, "bot turned off: Alice Wong replied");
    assert!(
        !t.alice
            .client
            .conversation(conv)
            .await
            .unwrap()
            .conversation
            .bot_active
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_hours_the_bot_says_when_the_team_is_back() {
    let t = server(Flow::default(), CLOSED).await;
    let conv = t
        .inbound(ChannelKind::Line, "U1", "Ken", "hi", "e1")
        .await
        .conversation_id;
    let m = messages(&t, conv, 2).await;
    assert!(m[1].text.contains("away now"), "{:?}", texts(&m));
    // Said once: what the customer writes next waits for the team.
    t.inbound(ChannelKind::Line, "U1", "Ken", "??", "e2").await;
    bot_idle(&t, conv).await;
    let m = messages(&t, conv, 3).await;
    assert_eq!(m.len(), 3, "{:?}", texts(&m));
    // A handoff out of hours says both.
    t.inbound(ChannelKind::Line, "U1", "Ken", "human please", "e3")
        .await;
    let m = messages(&t, conv, 6).await;
    assert!(m[4].text.contains("Connecting") && m[4].text.contains("away now"));
    assert_eq!(m[5].kind, MessageKind::System);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_flow_with_a_pattern_a_standard_message_and_repeated_misses() {
    let flow = Flow::parse(
        r#"
fallback = "Hmm?"
fallbacks_before_handoff = 2
handoff_words = ["staff"]

[[rules]]
pattern = '(?i)^price of (\w+)'
standard = "Pricing"
standard_index = 2
"#,
    )
    .unwrap();
    let t = server(flow, OPEN).await;
    let folder = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Pricing".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    for text in [
        "Prices start at $10.",
        "The pro plan is $25 a month, {{customer.first_name}}.",
    ] {
        t.admin
            .client
            .add_standard_message(folder.id, text)
            .await
            .unwrap();
    }
    let conv = t
        .inbound(ChannelKind::Wechat, "o1", "Li", "Price of pro?", "e1")
        .await
        .conversation_id;
    let m = messages(&t, conv, 2).await;
    assert_eq!(m[1].text, "The pro plan is $25 a month, Li.");
    t.inbound(ChannelKind::Wechat, "o1", "Li", "what", "e2")
        .await;
    let m = messages(&t, conv, 4).await;
    assert_eq!(m[3].text, "Hmm?");
    // The second miss in a row hands over.
    t.inbound(ChannelKind::Wechat, "o1", "Li", "what what", "e3")
        .await;
    let m = messages(&t, conv, 7).await;
    assert_eq!(
        m[6].text,
        "handed to the agents: the bot did not understand 2 messages in a row"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_bot_gets_signed_messages_and_answers() {
    use axum::http::HeaderMap;
    // (signature, body) of each call.
    type Calls = Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;
    let seen: Calls = Default::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/bot",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let s = s.clone();
            async move {
                let sig = headers["x-chatsmart-signature"].to_str().unwrap().to_string();
                s.lock().unwrap().push((sig, body.to_vec()));
                let req: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let text = req["message"]["text"].as_str().unwrap().to_string();
                if text == "later" {
                    // It will answer through the API instead.
                    return axum::Json(json!(null));
                }
                if text == "bye" {
                    axum::Json(json!({"replies": ["Passing you on."], "handoff": "the outside bot was asked to"}))
                } else {
                    axum::Json(json!({"replies": [format!("You said: {text}")]}))
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/bot", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let secret = "a-long-shared-secret-for-the-bot";
    let flow = Flow::parse(&format!(
        "greeting = \"unused\"\n[external]\nurl = \"{url}\"\nsecret = \"{secret}\"\n"
    ))
    .unwrap();
    let t = server(flow, OPEN).await;
    let conv = t
        .inbound(ChannelKind::Messenger, "p1", "Sam", "hello bot", "e1")
        .await
        .conversation_id;
    let m = messages(&t, conv, 2).await;
    assert_eq!(m[1].text, "You said: hello bot");
    assert_eq!(m[1].kind, MessageKind::Bot);
    let (sig, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(sig, chatsmart::server::bot::external::sign(secret, &body));
    let req: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(req["event"], "message_created");
    assert_eq!(req["conversation"]["id"], conv);
    // An answer through the API, as the bot, with an admin's token.
    t.inbound(ChannelKind::Messenger, "p1", "Sam", "later", "e-later")
        .await;
    let answer = SendMessage {
        text: "Answered through the API".into(),
        client_id: "bot-1".into(),
        attachment_id: None,
        as_bot: true,
    };
    let (code, _) = api_error(
        t.alice
            .client
            .send_message_with(conv, &answer)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 403, "agents cannot speak as the bot");
    let m = t
        .admin
        .client
        .send_message_with(conv, &answer)
        .await
        .unwrap();
    assert_eq!((m.kind, m.author_id), (MessageKind::Bot, None));
    assert!(
        t.alice
            .client
            .conversation(conv)
            .await
            .unwrap()
            .conversation
            .bot_active
    );
    let m = messages(&t, conv, 4).await;
    assert_eq!(
        texts(&m)[2..],
        [
            (MessageKind::Inbound, "later".to_string()),
            (MessageKind::Bot, "Answered through the API".to_string())
        ]
    );

    t.inbound(ChannelKind::Messenger, "p1", "Sam", "bye", "e2")
        .await;
    let m = messages(&t, conv, 7).await;
    assert_eq!(m[5].text, "Passing you on.");
    assert_eq!(
        m[6].text,
        "handed to the agents: the outside bot was asked to"
    );
    // Handed over, the bot has nothing more to say, even through the API.
    let late = SendMessage {
        client_id: "bot-2".into(),
        ..answer
    };
    let (code, msg) = api_error(
        t.admin
            .client
            .send_message_with(conv, &late)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 409, "{msg}");
    assert!(msg.contains("the bot is off"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bots_replies_go_out_through_the_platform() {
    let line = Double::start(Platform::Line).await;
    let now = chrono::DateTime::parse_from_rfc3339(OPEN).unwrap().to_utc();
    let t = TestServer::start_with_config(|c| ServerConfig {
        api_bases: line.bases(c.api_bases.clone()),
        bot: Arc::new(Flow::default()),
        clock: Arc::new(Fixed(now)),
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
    let body = json!({"destination": "Ubot", "events": [{
        "type": "message", "timestamp": chrono::Utc::now().timestamp_millis(),
        "source": {"type": "user", "userId": "U9"}, "webhookEventId": "ev-1",
        "deliveryContext": {"isRedelivery": false}, "replyToken": "rt-9",
        "message": {"id": "1", "type": "text", "text": "hi"}
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
    // The greeting and menu, one message, take the free reply token and
    // greet the customer by the name LINE's profile gives.
    let reply = &line.wait_calls("/v2/bot/message/reply", 1).await[0];
    assert_eq!(reply.json["replyToken"], "rt-9");
    let text = reply.json["messages"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("Hi Ken Sato!"), "{text}");
    assert!(text.contains("1. Where is my order?"), "{text}");
    // The bot has nothing more to say and its one answer went out by the
    // reply token: nothing is left to push.
    let conv = t
        .alice
        .client
        .conversations(&ConversationQuery::default())
        .await
        .unwrap()
        .items[0]
        .conversation
        .id;
    bot_idle(&t, conv).await;
    let start = Instant::now();
    loop {
        let m = messages(&t, conv, 2).await;
        let said: Vec<&Message> = m.iter().filter(|m| m.kind == MessageKind::Bot).collect();
        assert_eq!(said.len(), 1, "{:?}", texts(&m));
        if said[0].status != DeliveryStatus::Pending {
            assert_eq!(said[0].status, DeliveryStatus::Sent);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never marked sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        line.calls("/v2/bot/message/push").is_empty(),
        "nothing pushed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_reads_a_photos_caption_not_its_placeholder() {
    let meta = Double::start(Platform::Meta).await;
    let now = chrono::DateTime::parse_from_rfc3339(OPEN).unwrap().to_utc();
    let t = TestServer::start_with_config(|c| ServerConfig {
        api_bases: meta.bases(c.api_bases.clone()),
        bot: Arc::new(Flow::default()),
        clock: Arc::new(Fixed(now)),
        ..c
    })
    .await;
    let wa = t
        .admin
        .client
        .create_channel(&NewChannel {
            kind: ChannelKind::Whatsapp,
            name: "WA".into(),
            credentials: [
                ("app_secret", "s"),
                ("verify_token", "v"),
                ("access_token", "T"),
                ("phone_number_id", "P"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        })
        .await
        .unwrap();
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "P"},
        "contacts": [{"wa_id": "852", "profile": {"name": "Olivia"}}],
        "messages": [{"from": "852", "id": "wamid.1", "timestamp": chrono::Utc::now().timestamp().to_string(),
                      "type": "image", "image": {"id": "wa-media-1", "mime_type": "image/png", "caption": "it came broken"}}]
    }}]}]})
    .to_string();
    deliver(
        &t.url(),
        &wa.webhook_path,
        Platform::Meta,
        "s",
        body.as_bytes(),
    )
    .await;
    let conv = t
        .alice
        .client
        .conversations(&ConversationQuery::default())
        .await
        .unwrap()
        .items[0]
        .conversation
        .id;
    // "broken" is a handoff rule in the default flow: greeting, handoff
    // message, and the note.
    let m = messages(&t, conv, 3).await;
    assert!(m[1].text.starts_with("Hi Olivia!"), "{:?}", texts(&m));
    assert!(m[1].text.contains("Connecting you"));
    assert_eq!(
        m[2].text,
        "handed to the agents: the customer reported a problem"
    );
}

/// The help centre offers the bot *or* an agent: assigning a person to a
/// conversation the bot holds turns the bot off, says so, moves it to Chat
/// with Agent, and the bot says nothing more there; the assignee stays when
/// someone turns the bot back on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_an_agent_takes_the_conversation_from_the_bot() {
    let t = server(Flow::default(), OPEN).await;
    let conv = t
        .inbound(ChannelKind::Whatsapp, "852", "Mei", "hello", "a1")
        .await
        .conversation_id;
    messages(&t, conv, 2).await; // the greeting
    let me = t.alice.client.me().await.unwrap();
    let mut ws = t.ws(&t.alice.token, Some(me.latest_seq)).await;

    let c = t.alice.client.assign(conv, t.bob.agent.id).await.unwrap();
    assert!(!c.bot_active, "assignment turns the bot off");
    assert!(c.waiting_since.is_some(), "the customer now waits for Bob");
    assert_eq!(c.assignees[0].agent_id, t.bob.agent.id);
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::BotToggled { .. }))
        .await;
    assert!(
        matches!(ev.kind, EventKind::BotToggled { active: false, by: Some(by), .. } if by == t.alice.agent.id)
    );
    ws.until(|e| matches!(e.kind, EventKind::AssigneeAdded { .. }))
        .await;
    let m = messages(&t, conv, 4).await;
    assert_eq!(
        texts(&m[2..]),
        vec![
            (
                MessageKind::System,
                "assigned to Bob Chen by Alice Wong".into()
            ),
            (
                MessageKind::System,
                "bot turned off: assigned to Bob Chen by Alice Wong".into()
            ),
        ]
    );
    let section = |s| ConversationQuery {
        section: Some(s),
        ..Default::default()
    };
    let alice = &t.alice.client;
    let listed = |q| async move {
        alice
            .conversations(&q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.conversation.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(section(Section::Agent)).await, vec![conv]);
    assert!(listed(section(Section::Bot)).await.is_empty());

    // The customer writes again: only the witness, a conversation the bot
    // still holds, is answered.
    t.inbound(ChannelKind::Whatsapp, "852", "Mei", "hello?", "a2")
        .await;
    let witness = t
        .inbound(ChannelKind::Whatsapp, "853", "Kai", "hello", "a3")
        .await
        .conversation_id;
    messages(&t, witness, 2).await;
    bot_idle(&t, conv).await;
    let m = messages(&t, conv, 5).await;
    assert_eq!(m.len(), 5, "{:?}", texts(&m));
    assert_eq!(m[4].kind, MessageKind::Inbound);

    // A second assignee changes nothing about the bot; turning it back on
    // keeps both people.
    t.alice.client.assign(conv, t.alice.agent.id).await.unwrap();
    let c = t.alice.client.set_bot(conv, true).await.unwrap();
    assert!(c.bot_active);
    assert_eq!(c.assignees.len(), 2);
    let m = messages(&t, conv, 7).await;
    assert_eq!(m[5].text, "Alice Wong took the conversation");
    assert_eq!(m[6].text, "bot turned on by Alice Wong");
    // Given again to someone who has it, the person takes over again.
    let c = t.alice.client.assign(conv, t.bob.agent.id).await.unwrap();
    assert!(!c.bot_active);
    let m = messages(&t, conv, 8).await;
    assert_eq!(
        m[7].text,
        "bot turned off: assigned to Bob Chen by Alice Wong"
    );

    // Taking a conversation oneself says so.
    let other = t
        .inbound(ChannelKind::Line, "U9", "Nok", "hi", "a4")
        .await
        .conversation_id;
    messages(&t, other, 2).await;
    t.bob.client.assign(other, t.bob.agent.id).await.unwrap();
    let m = messages(&t, other, 4).await;
    assert_eq!(m[3].text, "bot turned off: Bob Chen took the conversation");
}

/// Restarts a stopped test server with the default flow at [`OPEN`].
async fn restart_with_bot(t: &mut TestServer) {
    let now = chrono::DateTime::parse_from_rfc3339(OPEN).unwrap().to_utc();
    t.restart_stopped_with("127.0.0.1:0", move |c| ServerConfig {
        bot: Arc::new(Flow::default()),
        clock: Arc::new(Fixed(now)),
        ..c
    })
    .await;
}

/// A customer message as a webhook stores it (queued for the bot), written
/// straight into a stopped server's database.
async fn stored(t: &TestServer, user: &str, text: &str, ext: &str) -> InboundAccepted {
    use chatsmart::server::store::{BotTurn, InboundMessage};
    let store = t.open_store();
    store
        .inbound(InboundMessage {
            reach: None,
            tap: None,
            channel: ChannelKind::Whatsapp,
            channel_user_id: user.into(),
            customer_name: "Mei".into(),
            text: text.into(),
            external_id: ext.into(),
            at: None,
            sent_at: None,
            attachment_id: None,
            account: None,
            reply_token: None,
            media: None,
            bot: Some(BotTurn::default()),
        })
        .await
        .unwrap()
}

fn queued(t: &TestServer, conv: ConversationId) -> i64 {
    t.with_db(|db| {
        db.query_row(
            "SELECT COUNT(*) FROM bot_work WHERE conversation_id = ?1",
            &[&conv],
            |r| r.get(0),
        )
        .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_stored_just_before_a_crash_is_answered_after_the_restart() {
    let mut t = server(Flow::default(), OPEN).await;
    t.stop().await;
    // The message is committed, and then the server is gone before the
    // bot could answer: here, written while no server runs at all.
    let accepted = stored(&t, "852", "hello", "crash-1").await;
    restart_with_bot(&mut t).await;
    let m = messages(&t, accepted.conversation_id, 2).await;
    assert_eq!(m[1].kind, MessageKind::Bot);
    assert!(m[1].text.starts_with("Hi Mei!"), "{:?}", texts(&m));
    bot_idle(&t, accepted.conversation_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_tried_again_after_a_crash_is_not_said_twice() {
    let mut t = server(Flow::default(), OPEN).await;
    let accepted = t
        .inbound(ChannelKind::Line, "U1", "Ken", "hi", "twice-1")
        .await;
    let conv = accepted.conversation_id;
    let answered = messages(&t, conv, 2).await;
    bot_idle(&t, conv).await;
    t.stop().await;
    // A crash after the answer was stored and before the queue forgot the
    // message: it is still queued when the server comes back.
    t.with_db(|db| {
        db.execute(
            "INSERT INTO bot_work (message_id, conversation_id, due_at) VALUES (?1, ?2, 0)",
            &[&accepted.message_id, &conv],
        )
        .unwrap()
    });
    restart_with_bot(&mut t).await;
    bot_idle(&t, conv).await;
    let again = messages(&t, conv, 2).await;
    assert_eq!(texts(&again), texts(&answered), "the greeting once");
    // And the bot still answers what comes next, in order.
    t.inbound(ChannelKind::Line, "U1", "Ken", "1", "twice-2")
        .await;
    let m = messages(&t, conv, 4).await;
    assert!(m[3].text.contains("track your order"), "{:?}", texts(&m));
}

/// A customer who writes twice before the bot answers still gets the
/// greeting for the first message; a customer writing faster than the bot
/// answers holds at most 20 messages in its queue; turning the bot off
/// forgets what it had still to answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_greets_first_holds_twenty_and_forgets_when_the_bot_is_off() {
    use chatsmart::server::store::Actor;
    let mut t = server(Flow::default(), OPEN).await;
    t.stop().await;
    let first = stored(&t, "852", "hi", "q-1").await;
    stored(&t, "852", "do you ship to Macau?", "q-2").await;
    let conv = first.conversation_id;
    for i in 0..30 {
        stored(&t, "999", &format!("spam {i}"), &format!("s-{i}")).await;
    }
    let flood = stored(&t, "999", "last", "s-last").await.conversation_id;
    assert_eq!(queued(&t, flood), 20, "at most 20 held for the bot");
    let off = stored(&t, "777", "hello", "o-1").await.conversation_id;
    {
        let store = t.open_store();
        store
            .set_bot(Actor::agent(t.alice.agent.id), off, false)
            .await
            .unwrap();
    }
    assert_eq!(queued(&t, off), 0, "turned off: nothing left to answer");
    restart_with_bot(&mut t).await;
    let m = messages(&t, conv, 4).await;
    assert_eq!(m[2].kind, MessageKind::Bot, "{:?}", texts(&m));
    assert!(m[2].text.starts_with("Hi Mei!"), "greeted: {:?}", texts(&m));
    bot_idle(&t, conv).await;
    bot_idle(&t, flood).await;
    bot_idle(&t, off).await;
    let said = messages(&t, off, 1).await;
    assert!(
        said.iter().all(|m| m.kind != MessageKind::Bot),
        "{:?}",
        texts(&said)
    );
}
