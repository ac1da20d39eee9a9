//! Seeds a fresh demo database through the store interface.

use super::data::{self, Lang, Turn};
use crate::protocol::*;
use crate::server::auth::{hash_password, new_token, token_hash};
use crate::server::store::{Actor, InboundMessage, NewAgent, OutboundMessage, Store};
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The password of every demo agent, for trying `chatsmart login`.
pub const DEMO_PASSWORD: &str = "chatsmart-demo";

pub const CUSTOMERS: usize = 200;

/// A seeded customer, for the simulator to write as.
#[derive(Debug, Clone)]
pub struct DemoCustomer {
    pub channel: ChannelKind,
    pub channel_user_id: String,
    pub name: String,
    pub lang: Lang,
}

#[derive(Debug, Clone)]
pub struct SeedSummary {
    pub admin_token: String,
    pub agent_token: String,
    pub agents: Vec<Agent>,
    pub customers: Vec<DemoCustomer>,
}

const AGENTS: &[(&str, bool, &[&str])] = &[
    ("Alice Wong", true, &["Support"]),
    ("Bob Chen", false, &["Support"]),
    ("Carol Tanaka", false, &["Billing"]),
    ("Dev Patel", false, &["Support", "Billing"]),
    ("Niran Suksawat", false, &["Support"]),
];

pub fn lang_for(channel: ChannelKind, roll: u32) -> Lang {
    match channel {
        ChannelKind::Messenger | ChannelKind::Whatsapp => match roll % 4 {
            0 | 1 => Lang::En,
            2 => Lang::ZhHant,
            _ => Lang::Th,
        },
        ChannelKind::Line => match roll % 10 {
            0..=3 => Lang::Ja,
            4..=6 => Lang::Th,
            _ => Lang::ZhHant,
        },
        ChannelKind::Wechat => match roll % 5 {
            0 => Lang::ZhHant,
            _ => Lang::ZhHans,
        },
    }
}

pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::ZhHant => "zh-Hant",
        Lang::ZhHans => "zh-Hans",
        Lang::Ja => "ja",
        Lang::Th => "th",
    }
}

pub fn person_name(rng: &mut impl Rng, lang: Lang) -> String {
    let given = data::given_names(lang)
        .choose(rng)
        .copied()
        .unwrap_or("Sam");
    let family = data::family_names(lang)
        .choose(rng)
        .copied()
        .unwrap_or("Lee");
    match lang {
        Lang::En | Lang::Th => format!("{given} {family}"),
        Lang::ZhHant | Lang::ZhHans | Lang::Ja => format!("{family}{given}"),
    }
}

pub fn channel_user_id(rng: &mut impl Rng, channel: ChannelKind) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let pick = |rng: &mut dyn rand::RngCore, set: &[u8], n: usize| -> String {
        (0..n)
            .map(|_| set[rng.gen_range(0..set.len())] as char)
            .collect()
    };
    match channel {
        ChannelKind::Messenger => format!(
            "{}",
            rng.gen_range(1_000_000_000_000_000u64..9_999_999_999_999_999)
        ),
        ChannelKind::Whatsapp => format!("852{}", rng.gen_range(50_000_000u64..99_999_999)),
        ChannelKind::Line => format!("U{}", pick(rng, HEX, 32)),
        ChannelKind::Wechat => format!("o{}", pick(rng, ALNUM, 27)),
    }
}

fn channel_for(i: usize) -> ChannelKind {
    ChannelKind::ALL[i % 4]
}

/// Seeds agents, teams, customers and their histories; returns the tokens.
pub async fn seed(store: &dyn Store) -> anyhow::Result<SeedSummary> {
    let mut rng = StdRng::seed_from_u64(20261125);
    let password_hash = hash_password(DEMO_PASSWORD)?;
    let mut agents = Vec::new();
    for (name, admin, teams) in AGENTS {
        let agent = store
            .create_agent(NewAgent {
                name: name.to_string(),
                login: crate::protocol::login_from_name(name),
                role: if *admin { Role::Admin } else { Role::Agent },
                teams: teams.iter().map(std::string::ToString::to_string).collect(),
                password_hash: Some(password_hash.clone()),
            })
            .await?;
        agents.push(agent);
    }
    let admin_token = new_token();
    store
        .add_token(agents[0].id, token_hash(&admin_token), chrono::Utc::now())
        .await?;
    let agent_token = new_token();
    store
        .add_token(agents[0].id, token_hash(&agent_token), chrono::Utc::now())
        .await?;
    let me = agents[0].id;

    seed_standard(store).await?;

    let scripts = data::scripts();
    let now = Utc::now();
    let mut customers = Vec::with_capacity(CUSTOMERS);
    for i in 0..CUSTOMERS {
        let channel = channel_for(i);
        let lang = lang_for(channel, rng.gen());
        let name = person_name(&mut rng, lang);
        let user_id = channel_user_id(&mut rng, channel);
        let of_lang: Vec<_> = scripts.iter().filter(|s| s.lang == lang).collect();
        let Some(script) = of_lang.choose(&mut rng) else {
            continue;
        };
        // Most conversations are recent; some go back ten days.
        let age_min: i64 = if rng.gen_bool(0.6) {
            rng.gen_range(5..24 * 60)
        } else {
            rng.gen_range(24 * 60..10 * 24 * 60)
        };
        let mut at = now - Duration::minutes(age_min);
        let mut conversation = None;
        let mut assigned: Option<AgentId> = None;
        for (turn_no, turn) in script.turns.iter().enumerate() {
            match turn {
                Turn::Customer(text) => {
                    let accepted = store
                        .inbound(InboundMessage {
                            reach: None,
                            tap: None,
                            channel,
                            channel_user_id: user_id.clone(),
                            customer_name: name.clone(),
                            text: text.to_string(),
                            external_id: format!("seed-{i}-{turn_no}"),
                            at: Some(at),
                            sent_at: None,
                            attachment_id: None,
                            account: None,
                            reply_token: None,
                            media: None,
                            bot: None,
                        })
                        .await?;
                    conversation = Some(accepted.conversation_id);
                }
                Turn::Bot(text) => {
                    if let Some(c) = conversation {
                        store
                            .add_message(OutboundMessage {
                                conversation_id: c,
                                kind: MessageKind::Bot,
                                author_id: None,
                                text: text.to_string(),
                                client_id: None,
                                at: Some(at),
                                attachment_id: None,
                            })
                            .await?;
                    }
                }
                Turn::Agent(text) => {
                    let Some(c) = conversation else { continue };
                    let agent = match assigned {
                        Some(a) => a,
                        None => {
                            let a = agents.choose(&mut rng).map(|a| a.id).unwrap_or(me);
                            let actor = Actor::agent(a).at(at);
                            store.set_bot(actor, c, false).await?;
                            store.add_assignee(actor, c, a).await?;
                            assigned = Some(a);
                            a
                        }
                    };
                    store
                        .add_message(OutboundMessage {
                            conversation_id: c,
                            kind: MessageKind::Agent,
                            author_id: Some(agent),
                            text: text.to_string(),
                            client_id: Some(format!("seed-{i}-{turn_no}")),
                            at: Some(at),
                            attachment_id: None,
                        })
                        .await?;
                }
            }
            at += Duration::minutes(rng.gen_range(1..20));
            if at > now {
                at = now;
            }
        }
        let Some(conv) = conversation else { continue };
        // Agents have read most conversations an agent has answered.
        if assigned.is_some() {
            for agent in &agents {
                if rng.gen_bool(0.7) {
                    store.mark_read(agent.id, conv).await?;
                }
            }
        }
        // Triage: answered ones resolved or waiting on the customer, a few
        // snoozed, some with a priority.
        if let Some(agent) = assigned {
            let actor = Actor::agent(agent).at(at);
            let waiting = store
                .get_conversation(me, conv)
                .await?
                .conversation
                .waiting_since
                .is_some();
            let roll: f64 = rng.gen();
            let status = match roll {
                r if r < 0.25 && !waiting => Some((ConvStatus::Resolved, None)),
                r if r < 0.45 && !waiting => Some((ConvStatus::Pending, None)),
                r if r < 0.52 => Some((
                    ConvStatus::Snoozed,
                    Some(now + Duration::hours(rng.gen_range(2..40))),
                )),
                _ => None,
            };
            if let Some((status, snooze_until)) = status {
                store
                    .set_status(
                        actor,
                        conv,
                        SetStatus {
                            status,
                            snooze_until,
                        },
                    )
                    .await?;
            }
        }
        let priority = match rng.gen_range(0..100) {
            0..=3 => Priority::Urgent,
            4..=13 => Priority::High,
            14..=21 => Priority::Medium,
            22..=27 => Priority::Low,
            _ => Priority::None,
        };
        if priority != Priority::None {
            store
                .set_priority(Actor::agent(assigned.unwrap_or(me)).at(at), conv, priority)
                .await?;
        }
        // A few customers arrive with what agents learned about them.
        if rng.gen_bool(0.35) {
            enrich(store, &mut rng, me, conv, lang, channel).await?;
        }
        customers.push(DemoCustomer {
            channel,
            channel_user_id: user_id,
            name,
            lang,
        });
    }
    Ok(SeedSummary {
        admin_token,
        agent_token,
        agents,
        customers,
    })
}

async fn enrich(
    store: &dyn Store,
    rng: &mut StdRng,
    me: AgentId,
    conversation: ConversationId,
    lang: Lang,
    channel: ChannelKind,
) -> anyhow::Result<()> {
    let conv = store.get_conversation(me, conversation).await?.conversation;
    let handle: String = conv
        .customer_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    let handle = if handle.is_empty() {
        format!("customer{}", conv.customer_id)
    } else {
        handle
    };
    let patch = CustomerPatch {
        email: Some(Some(format!("{handle}@example.com"))),
        phone: (channel == ChannelKind::Whatsapp || rng.gen_bool(0.3)).then(|| {
            Some(format!(
                "+852 {} {}",
                rng.gen_range(5000..9999),
                rng.gen_range(1000..9999)
            ))
        }),
        gender: Some(Some(
            ["female", "male", "other"][rng.gen_range(0..3)].to_string(),
        )),
        age: Some(Some(rng.gen_range(19..68))),
        language: Some(Some(lang_code(lang).to_string())),
        ..CustomerPatch::default()
    };
    store.patch_customer(me, conv.customer_id, patch).await?;
    for tag in ["VIP", "Refund", "Wholesale", "New customer", "Warranty"] {
        if rng.gen_bool(0.25) {
            store
                .tag_customer(
                    conv.customer_id,
                    TagCustomer {
                        tag_id: None,
                        name: Some(tag.to_string()),
                    },
                )
                .await?;
        }
    }
    let note = match lang {
        Lang::En if channel == ChannelKind::Line || channel == ChannelKind::Wechat => {
            Some("Foreigner - English communication")
        }
        Lang::En => rng.gen_bool(0.3).then_some("Prefers email for invoices."),
        Lang::Ja => rng
            .gen_bool(0.5)
            .then_some("Japanese only; polite register. Ships to Osaka."),
        Lang::Th => rng.gen_bool(0.5).then_some("Thai speaker; Niran can help."),
        Lang::ZhHant | Lang::ZhHans => rng
            .gen_bool(0.4)
            .then_some("Repeat buyer, usually orders lamps in bulk."),
    };
    if let Some(text) = note {
        store
            .create_note(me, conv.customer_id, text.to_string())
            .await?;
    }
    Ok(())
}

/// Name, channels, team and messages of a seeded folder.
type SeedFolder<'a> = (&'a str, &'a [ChannelKind], Option<&'a str>, &'a [&'a str]);

/// A few standard-message folders, so the reply picker has something in it.
async fn seed_standard(store: &dyn Store) -> anyhow::Result<()> {
    let teams = store.list_teams().await?;
    let team = |n: &str| teams.iter().find(|t| t.name == n).map(|t| t.id);
    let folders: &[SeedFolder] = &[
        (
            "Greetings",
            &[],
            None,
            &[
                "Hi {{customer.first_name}}! I'm {{agent.first_name}} from Lumen Home 😊 How can I help?",
                "您好 {{customer.name}}，我係 Lumen Home 嘅 {{agent.name}}，有咩可以幫到你？",
                "Thanks for waiting, {{customer.first_name}}. I'm looking into it now 🙏",
            ],
        ),
        (
            "Shipping",
            &[ChannelKind::Line, ChannelKind::Wechat],
            Some("Support"),
            &[
                "Your order has shipped 📦 We'll email the tracking number to {{customer.email}}.",
                "您好，包裹已经发出，预计 3–5 个工作日送达。",
                "ご注文の商品は本日発送いたしました📦 追跡番号はメールでお送りします。",
            ],
        ),
        (
            "Refunds",
            &[],
            Some("Billing"),
            &[
                "Refunds go back to the original payment method within 3–5 working days.",
                "退款会在 3–5 个工作日内退回原支付方式。",
            ],
        ),
        (
            "Warranty",
            &[ChannelKind::Messenger, ChannelKind::Whatsapp],
            Some("Support"),
            &[
                "All Lumen lamps have a two-year warranty. Could you send a photo of the serial number under the base?",
                "โคมไฟ Lumen มีประกัน 2 ปีค่ะ รบกวนส่งรูปหมายเลขซีเรียลใต้ฐานให้หน่อยนะคะ 🙏",
            ],
        ),
    ];
    for (name, channels, team_name, messages) in folders {
        let folder = store
            .create_folder(
                FolderInput {
                    name: name.to_string(),
                    channels: channels.to_vec(),
                    team_id: team_name.and_then(team),
                    assignee_ids: vec![],
                },
                crate::server::store::any_folder(),
            )
            .await?;
        for m in *messages {
            store
                .add_standard_message(folder.id, m.to_string(), crate::server::store::any_folder())
                .await?;
        }
    }
    Ok(())
}
