//! Sample states for tests and benchmarks: a signed-in agent, colleagues,
//! and conversations with CJK, emoji, Thai and hostile text, at a fixed
//! time so pictures of the screen do not change from run to run.

use super::app::*;
use super::keymap::Keymap;
use crate::protocol::*;
use chrono::{DateTime, Duration, Utc};

pub fn now() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().expect("a valid time")
}

fn agent(id: AgentId, name: &str) -> Agent {
    Agent {
        id,
        name: name.into(),
        login: crate::protocol::login_from_name(name),
        role: if id == 1 { Role::Admin } else { Role::Agent },
        teams: vec![Team {
            id: 1,
            name: "Support".into(),
        }],
        disabled: false,
    }
}

pub fn agents() -> Vec<Agent> {
    vec![
        agent(1, "Alice Wong"),
        agent(2, "Bob Chen"),
        agent(3, "Carol Tanaka"),
    ]
}

const CUSTOMERS: &[(&str, ChannelKind, &str)] = &[
    (
        "陳美玲",
        ChannelKind::Line,
        "你好，我的訂單 #LH-20431 到了嗎？📦",
    ),
    (
        "Emma Brown",
        ChannelKind::Messenger,
        "Is the Aria lamp dimmable? 💡",
    ),
    (
        "佐藤陽菜",
        ChannelKind::Line,
        "配送先の住所を変更できますか？",
    ),
    ("สมชาย ใจดี", ChannelKind::Whatsapp, "สินค้าถึงเมื่อไหร่ครับ 🙏"),
    ("王伟", ChannelKind::Wechat, "我想退货，灯坏了 😭"),
    (
        "Mallory \u{1b}]0;pwned\u{7}",
        ChannelKind::Messenger,
        "click \u{1b}[31mhere\u{1b}[0m \u{202e}txt.exe",
    ),
];

/// An app with `n` conversations (the first six are the named ones),
/// signed in as Alice, at [`now`].
pub fn app(n: usize) -> App {
    let mut app = App::new(
        "http://127.0.0.1:7878/".into(),
        Keymap::preset("default").expect("the default keymap is valid"),
        now(),
    );
    app.mirror.me = Some(agents()[0].clone());
    app.mirror.agents = agents();
    app.conn = ConnState::Connected;
    app.size = (160, 48);
    for i in 0..n {
        let (name, channel, text) = match CUSTOMERS.get(i) {
            Some((n, c, t)) => (n.to_string(), *c, t.to_string()),
            None => (
                format!("Customer {i}"),
                ChannelKind::ALL[i % 4],
                format!("Message number {i} about order #LH-{}", 10_000 + i),
            ),
        };
        let at = now() - Duration::minutes(7 * i as i64 + 1);
        let id = i as ConversationId + 1;
        let mut assignees = Vec::new();
        if i % 3 == 1 {
            assignees.push(Assignee {
                agent_id: 2,
                name: "Bob Chen".into(),
                assigned_at: at - Duration::minutes(30),
            });
        }
        if i == 2 {
            assignees.push(Assignee {
                agent_id: 1,
                name: "Alice Wong".into(),
                assigned_at: at - Duration::minutes(20),
            });
        }
        let conversation = Conversation {
            id,
            customer_id: id,
            customer_name: name,
            channel,
            channel_account_id: 1,
            bot_active: i % 2 == 0,
            assignees,
            last_message: Some(MessagePreview {
                id: id * 1000,
                kind: MessageKind::Inbound,
                text: preview_text(&text, 120),
                created_at: at,
            }),
            last_activity_at: at,
            created_at: at - Duration::days(2),
            inbound_count: 3,
            tag_ids: if i == 0 { vec![1, 2] } else { vec![] },
            status: ConvStatus::Open,
            snoozed_until: None,
            priority: Priority::None,
            waiting_since: Some(at),
            customer_last_at: None,
            via_platform: false,
            blocked: None,
        };
        app.mirror.convs.insert(
            id,
            Conv {
                conversation,
                my_read: if i % 4 == 0 { 1 } else { 3 },
                seq: 0,
            },
        );
    }
    app.rebuild_view();
    app.mirror.unread_total = app.count_unread();
    app
}

/// A history for conversation 1 (陳美玲): two days, every kind of message.
pub fn history() -> Vec<Message> {
    let t = |mins: i64| now() - Duration::minutes(mins);
    let m = |id: i64,
             kind: MessageKind,
             text: &str,
             at: DateTime<Utc>,
             author: Option<(i64, &str)>,
             status: DeliveryStatus| Message {
        tap: None,
        failure: None,
        id,
        conversation_id: 1,
        kind,
        text: text.into(),
        attachment: None,
        author_id: author.map(|a| a.0),
        author_name: author.map(|a| a.1.to_string()),
        created_at: at,
        status,
        client_id: None,
        scheduled_id: None,
    };
    vec![
        m(1, MessageKind::Inbound, "你好，我上個月買嘅 Aria 枱燈壞咗\n一開就閃 😭", t(26 * 60), None, DeliveryStatus::Delivered),
        m(2, MessageKind::Bot, "你好！我係 Lumen 嘅智能助手 💡 客服同事會盡快回覆你。", t(26 * 60 - 1), None, DeliveryStatus::Sent),
        m(3, MessageKind::System, "bot turned off by Bob Chen", t(25 * 60), Some((2, "Bob Chen")), DeliveryStatus::Delivered),
        m(4, MessageKind::Agent, "Sorry to hear that! The Aria has a two-year warranty, so we can replace it. Could you send a photo of the serial number under the base?", t(25 * 60 - 2), Some((2, "Bob Chen")), DeliveryStatus::Read),
        m(5, MessageKind::Inbound, "訂單係 #LH-20431 👨‍👩‍👧 cafe\u{301} ไทย", t(30), None, DeliveryStatus::Delivered),
        m(6, MessageKind::Agent, "Thanks! A replacement is on its way 📦", t(5), Some((1, "Alice Wong")), DeliveryStatus::Delivered),
        m(7, MessageKind::Inbound, "\u{1b}[2J\u{1b}]52;c;aGk=\u{7}hostile \u{9b}31m text\u{202e}olleh", t(1), None, DeliveryStatus::Delivered),
    ]
}

pub fn customer() -> Customer {
    Customer {
        id: 1,
        name: "陳美玲".into(),
        channel: ChannelKind::Line,
        channel_account_id: 1,
        channel_user_id: "U4af4980629e7a0e8d6b5d14b8c3b5f11".into(),
        first_seen: now() - Duration::days(30),
        last_seen: now() - Duration::minutes(1),
        email: Some("meiling@example.com".into()),
        phone: Some("+852 5123 4567".into()),
        gender: Some("female".into()),
        age: Some(34),
        language: Some("zh-Hant".into()),
        custom_fields: [("Member no".to_string(), "A-1001".to_string())].into(),
        tags: vec![
            Tag {
                id: 1,
                name: "VIP".into(),
                color: "#ebcb8b".into(),
            },
            Tag {
                id: 2,
                name: "Warranty".into(),
                color: "green".into(),
            },
        ],
        version: 3,
    }
}

pub fn notes() -> Vec<Note> {
    vec![Note {
        id: 1,
        customer_id: 1,
        author_id: 2,
        author_name: "Bob Chen".into(),
        text: "Foreigner - English communication".into(),
        created_at: now() - Duration::days(3),
        updated_at: now() - Duration::days(3),
    }]
}

/// [`app`] with conversation 1 open, its history, customer and notes loaded.
pub fn app_with_open(n: usize) -> App {
    let mut app = app(n.max(1));
    app.open = Some(1);
    let log = app.mirror.logs.entry(1).or_default();
    for m in history() {
        log.upsert(m);
    }
    log.loaded = true;
    log.has_more = false;
    app.mirror.customers.insert(1, customer());
    app.mirror.notes.insert(1, notes());
    app.focus = Focus::Pane(Pane::Chat);
    app
}

/// Standard-message folders: one for everyone, one for LINE and the
/// Support team, one for Billing, one only for Bob.
pub fn standard_folders() -> Vec<StandardFolder> {
    let support = Team {
        id: 1,
        name: "Support".into(),
    };
    let billing = Team {
        id: 2,
        name: "Billing".into(),
    };
    let folder = |id: i64,
                  name: &str,
                  channels: Vec<ChannelKind>,
                  team: Option<Team>,
                  assignees: Vec<AgentRef>,
                  texts: &[&str]| StandardFolder {
        id,
        name: name.into(),
        channels,
        team,
        assignees,
        messages: texts
            .iter()
            .enumerate()
            .map(|(i, t)| StandardMessage {
                id: id * 100 + i as i64,
                folder_id: id,
                text: t.to_string(),
            })
            .collect(),
    };
    vec![
        folder(
            1,
            "Greetings",
            vec![],
            None,
            vec![],
            &[
                "Hi {{customer.name}}, I'm {{agent.first_name}} 😊",
                "Thanks for waiting!",
            ],
        ),
        folder(
            2,
            "Shipping",
            vec![ChannelKind::Line, ChannelKind::Wechat],
            Some(support),
            vec![],
            &[
                "Your parcel ships today 📦\nTracking by email.",
                "包裹已经发出。",
            ],
        ),
        folder(
            3,
            "Refunds",
            vec![],
            Some(billing),
            vec![],
            &["Refunds take 3–5 days."],
        ),
        folder(
            4,
            "Bob only",
            vec![],
            None,
            vec![AgentRef {
                id: 2,
                name: "Bob Chen".into(),
            }],
            &["For Bob"],
        ),
    ]
}

/// A broadcast to the VIP tag by Alice, in the given state.
pub fn broadcast(id: BroadcastId, status: BroadcastStatus, sent: i64, failed: i64) -> Broadcast {
    Broadcast {
        id,
        tag: Tag {
            id: 1,
            name: "VIP".into(),
            color: "blue".into(),
        },
        channels: vec![ChannelKind::Line],
        text: "Our sale starts tomorrow, {{customer.name}}!".into(),
        send_at: now() - chrono::Duration::minutes(10),
        created_by: AgentRef {
            id: 1,
            name: agents()[0].name.clone(),
        },
        created_at: now() - chrono::Duration::minutes(12),
        status,
        total: 40,
        sent,
        failed,
        finished_at: matches!(status, BroadcastStatus::Done | BroadcastStatus::Cancelled)
            .then(|| now() - chrono::Duration::minutes(5)),
    }
}

/// A workspace of `convs` conversations with the first one open and
/// `messages` messages loaded in it (CJK, emoji, combining marks, long
/// lines), for benchmarks.
pub fn big_app(convs: usize, messages: usize) -> App {
    let mut app = app_with_open(convs);
    app.size = (200, 50);
    let texts = [
        "你好，我的訂單 #LH-20431 到了嗎？📦 我上個月買嘅 Aria 枱燈壞咗，一開就閃 😭",
        "Sorry to hear that! The Aria has a two-year warranty, so we can replace it. Could you send a photo of the serial number under the base?",
        "配送先の住所を変更できますか？ 👨‍👩‍👧 cafe\u{301}",
        "สินค้าถึงเมื่อไหร่ครับ 🙏",
        "ok 👍",
    ];
    let log = app.mirror.logs.entry(1).or_default();
    log.messages.clear();
    let start = now() - Duration::minutes(messages as i64);
    log.messages = (0..messages)
        .map(|i| Message {
            tap: None,
            id: i as MessageId + 1,
            conversation_id: 1,
            kind: if i % 2 == 0 {
                MessageKind::Inbound
            } else {
                MessageKind::Agent
            },
            text: texts[i % texts.len()].to_string(),
            attachment: None,
            author_id: (i % 2 == 1).then_some(2),
            author_name: (i % 2 == 1).then(|| "Bob Chen".to_string()),
            created_at: start + Duration::minutes(i as i64),
            status: DeliveryStatus::Read,
            failure: None,
            client_id: None,
            scheduled_id: None,
        })
        .collect();
    app
}
