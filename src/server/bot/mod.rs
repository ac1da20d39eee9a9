//! The bot that answers first ("Chat with Bot"). Every new conversation
//! starts with it on. For each customer message while it is on, it follows
//! the flow file (`flow.rs`; the default is bots/default.toml), or asks an
//! outside bot when the flow names one, and answers as the bot. Its
//! replies go out like any other (through the platform, by the delivery
//! worker). Handing over turns it off with a note saying why; an agent's
//! toggle or reply turns it off too (in the store). The store queues each
//! customer message for it; `server/workers/bot.rs` works the queue.

pub mod flow;

pub use flow::{Flow, Step, Turn};

use super::store::{OutboundMessage, StoreResult};
use super::AppState;
use crate::protocol::*;
use std::sync::Arc;
use std::time::Duration;

/// The flow, and the client for an outside bot.
pub struct Bot {
    pub flow: Arc<Flow>,
    http: reqwest::Client,
}

impl Bot {
    pub fn new(flow: Arc<Flow>) -> Self {
        Bot {
            flow,
            http: reqwest::Client::builder()
                // The outside bot is where the admin said; nowhere else.
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client with rustls builds"),
        }
    }
}

/// The client id of the bot's `n`th answer to `message`: a second try at
/// the same answer (after a crash between the answer and the queue
/// forgetting it) is the same message, stored once.
fn answer_id(message: MessageId, n: usize) -> String {
    format!("{}{n}", answers_to(message))
}

/// What the client ids of the bot's answers to `message` begin with.
fn answers_to(message: MessageId) -> String {
    format!("bot:{message}:")
}

/// How many messages back the bot looks (for the message and its misses).
const LOOK_BACK: u32 = 40;

/// Answers customer message `message` in conversation `id`, if the bot is
/// on there; `said` is what it reads in place of the stored text (a file's
/// caption). Answering the same message again says nothing twice.
pub async fn answer(
    state: &AppState,
    id: ConversationId,
    message: MessageId,
    said: Option<String>,
) -> anyhow::Result<()> {
    let conv = state.store.get_conversation(0, id).await?.conversation;
    if !conv.bot_active {
        return Ok(());
    }
    let mut page = state
        .store
        .list_messages(
            id,
            MessagesQuery {
                before: None,
                limit: Some(LOOK_BACK),
            },
        )
        .await?;
    if !page.items.iter().any(|m| m.id == message) {
        // Older than the last page (the customer kept writing while it
        // waited): the history up to it.
        page = state
            .store
            .list_messages(
                id,
                MessagesQuery {
                    before: Some(message + 1),
                    limit: Some(LOOK_BACK),
                },
            )
            .await?;
    }
    let Some(msg) = page.items.iter().find(|m| m.id == message) else {
        tracing::warn!("the bot's message {message} in conversation {id} is gone");
        return Ok(());
    };
    // Whether this was the customer's first message, as it was when they
    // wrote it (they may have written again since).
    let later_inbound = page
        .items
        .iter()
        .filter(|m| m.kind == MessageKind::Inbound && m.id > message)
        .count() as i64;
    // A greeting already said (to a follow, say) is not said again.
    let greeted = page
        .items
        .iter()
        .any(|m| m.kind == MessageKind::Bot && m.id < message);
    let first = conv.inbound_count - later_inbound <= 1 && !greeted;
    let flow = &state.bot.flow;
    // A customer whose name the platform did not give is shown by their
    // platform id; the bot greets such a customer without a name.
    let customer = state.store.get_customer(conv.customer_id).await?;
    let name = if customer.name.trim() == customer.channel_user_id.trim() {
        ""
    } else {
        customer.name.as_str()
    };
    if let Some(ext) = &flow.external {
        match external::ask(&state.bot.http, ext, &conv, msg).await {
            Ok(Some(steps)) => return run(state, &conv, message, steps).await.map_err(Into::into),
            Ok(None) => return Ok(()),
            Err(e) => tracing::warn!("the outside bot did not answer ({e}); the flow answers"),
        }
    }
    // The history as the customer's message found it: without the bot's
    // own answers to it (there are some when this is a second try).
    let own = answers_to(message);
    let before: Vec<&Message> = page
        .items
        .iter()
        .filter(|m| !m.client_id.as_deref().is_some_and(|c| c.starts_with(&own)))
        .collect();
    let misses = before
        .iter()
        .rev()
        .filter(|m| m.kind != MessageKind::Inbound)
        .take_while(|m| {
            let fallback = flow.fallback().map(|f| flow::fill_name(f, name));
            m.kind == MessageKind::Bot && fallback.is_some_and(|f| m.text.starts_with(&f))
        })
        .count() as u32;
    let last_bot = before
        .iter()
        .rev()
        .find(|m| m.kind == MessageKind::Bot)
        .map(|m| m.text.as_str());
    let steps = flow.respond(&Turn {
        // A file alone has no words: the flow's greeting or fallback.
        text: said.as_deref().unwrap_or(&msg.text),
        payload: msg.tap.as_deref(),
        customer_name: name,
        first,
        now: state.clock.now(),
        misses,
        last_bot,
    });
    run(state, &conv, message, steps).await.map_err(Into::into)
}

/// Says the `n`th answer to `message`.
async fn say(
    state: &AppState,
    conv: ConversationId,
    message: MessageId,
    n: usize,
    text: String,
) -> StoreResult<()> {
    state
        .store
        .add_message(OutboundMessage {
            conversation_id: conv,
            kind: MessageKind::Bot,
            author_id: None,
            text,
            client_id: Some(answer_id(message, n)),
            at: None,
            attachment_id: None,
        })
        .await
        .map(drop)
}

async fn run(
    state: &AppState,
    conv: &Conversation,
    message: MessageId,
    steps: Vec<Step>,
) -> StoreResult<()> {
    match run_steps(state, conv, message, steps).await {
        // An agent took the conversation meanwhile: the bot stops.
        Err(crate::server::store::StoreError::Conflict(_)) => Ok(()),
        other => other,
    }
}

async fn run_steps(
    state: &AppState,
    conv: &Conversation,
    message: MessageId,
    steps: Vec<Step>,
) -> StoreResult<()> {
    for (n, step) in steps.into_iter().enumerate() {
        match step {
            Step::Say(text) => say(state, conv.id, message, n, text).await?,
            Step::SayStandard { folder, index } => {
                let folders = state.store.list_standard_folders().await?;
                let text = folders
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(folder.trim()) && f.serves(conv.channel))
                    .and_then(|f| f.messages.get(index - 1))
                    .map(|m| m.text.clone());
                // Its placeholders as an agent's would be filled, with no agent.
                let customer = state.store.get_customer(conv.customer_id).await.ok();
                let text = text
                    .map(|t| fill_placeholders(&t, customer.as_ref(), None, Some(conv.channel)));
                match text {
                    Some(text) => say(state, conv.id, message, n, text).await?,
                    None => {
                        tracing::warn!(
                            "the bot flow names standard message {index} of folder {folder:?}, which does not exist"
                        );
                        state
                            .store
                            .hand_over(
                                conv.id,
                                format!("handed to the agents: the bot's standard message {index} in \"{folder}\" is missing"),
                            )
                            .await?;
                        return Ok(());
                    }
                }
            }
            Step::HandOver(why) => {
                state
                    .store
                    .hand_over(conv.id, format!("handed to the agents: {why}"))
                    .await?;
                return Ok(());
            }
        }
    }
    Ok(())
}

/// An outside bot: each customer message is POSTed to it as JSON, signed
/// like the platforms sign their webhooks; it answers with what to say
/// and whether to hand over.
pub mod external {
    use super::flow::External;
    use super::Step;
    use crate::protocol::*;
    use serde::{Deserialize, Serialize};

    /// The body POSTed to the outside bot.
    #[derive(Debug, Serialize, Deserialize)]
    pub struct BotRequest {
        pub event: String,
        pub conversation: Conversation,
        pub message: Message,
    }

    /// What it may answer (200 with JSON); 204, an empty body or `null`:
    /// nothing now (it may answer later through the API, with an admin's
    /// token and `as_bot: true`).
    #[derive(Debug, Default, Serialize, Deserialize)]
    pub struct BotReply {
        #[serde(default)]
        pub replies: Vec<String>,
        /// Hand over to the agents, saying why.
        #[serde(default)]
        pub handoff: Option<String>,
    }

    /// The signature header: `sha256=` and the hex HMAC-SHA256 of the
    /// body under the flow's secret.
    pub const SIGNATURE_HEADER: &str = "X-Chatsmart-Signature";

    pub fn sign(secret: &str, body: &[u8]) -> String {
        use hmac::{Hmac, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes any key length");
        m.update(body);
        format!("sha256={}", hex::encode(m.finalize().into_bytes()))
    }

    pub async fn ask(
        http: &reqwest::Client,
        ext: &External,
        conv: &Conversation,
        msg: &Message,
    ) -> anyhow::Result<Option<Vec<Step>>> {
        let body = serde_json::to_vec(&BotRequest {
            event: "message_created".into(),
            conversation: conv.clone(),
            message: msg.clone(),
        })?;
        let resp = http
            .post(&ext.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, sign(&ext.secret, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.without_url()))?;
        let status = resp.status();
        if !status.is_success() {
            anyhow::bail!("it answered {status}");
        }
        // An outside bot's answer is a few replies, never megabytes.
        let bytes = crate::server::channels::guard::read_capped(resp, 1024 * 1024)
            .await
            .map_err(|e| anyhow::anyhow!("its answer: {e}"))?;
        // Nothing to say now (it may answer through the API).
        if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(None);
        }
        let reply: BotReply = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow::anyhow!("its answer is not a bot reply: {e}"))?;
        let mut steps: Vec<Step> = reply
            .replies
            .into_iter()
            .filter(|r| !r.trim().is_empty())
            .map(|r| Step::Say(r.chars().take(crate::protocol::MAX_MESSAGE_CHARS).collect()))
            .collect();
        if let Some(why) = reply.handoff {
            let why = if why.trim().is_empty() {
                "the outside bot says so".to_string()
            } else {
                why.chars().take(200).collect()
            };
            steps.push(Step::HandOver(why));
        }
        Ok(Some(steps))
    }
}
