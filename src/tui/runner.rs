//! Performs effects on the async runtime and sends their answers back into
//! the event loop as messages. The only place the TUI does network I/O.

use super::event::{err, Effect, Msg, Reply};
use crate::client::{spawn_event_stream, Client};
use crate::protocol::MessagesQuery;
use tokio::sync::mpsc::UnboundedSender;

pub struct Runner {
    client: Client,
    tx: UnboundedSender<Msg>,
}

impl Runner {
    pub fn new(client: Client, tx: UnboundedSender<Msg>) -> Self {
        Runner { client, tx }
    }

    pub fn perform(&self, fx: Effect) {
        let c = self.client.clone();
        let tx = self.tx.clone();
        if let Effect::StartStream(since) = fx {
            let (mut rx, _task) = spawn_event_stream(c, since);
            tokio::spawn(async move {
                while let Some(update) = rx.recv().await {
                    if tx.send(Msg::Server(update)).is_err() {
                        break;
                    }
                }
            });
            return;
        }
        tokio::spawn(async move {
            let reply = match fx {
                Effect::StartStream(_) => return,
                Effect::LoadMe => Reply::Me(c.me().await.map_err(err)),
                Effect::LoadAgents => Reply::Agents(c.agents().await.map_err(err)),
                Effect::LoadConversations {
                    generation,
                    query,
                    append,
                    as_of,
                } => Reply::Conversations {
                    generation,
                    append,
                    as_of,
                    result: c.conversations(&query).await.map_err(err),
                },
                Effect::LoadMessages {
                    conversation,
                    before,
                } => Reply::Messages {
                    conversation,
                    older: before.is_some(),
                    result: c
                        .messages(
                            conversation,
                            &MessagesQuery {
                                before,
                                limit: Some(100),
                            },
                        )
                        .await
                        .map_err(err),
                },
                Effect::LoadCustomer(id) => Reply::Customer(id, c.customer(id).await.map_err(err)),
                Effect::LoadNotes(id) => Reply::Notes(id, c.notes(id).await.map_err(err)),
                Effect::Send {
                    conversation,
                    text,
                    client_id,
                } => Reply::Sent {
                    conversation,
                    result: c
                        .send_message(conversation, &text, &client_id)
                        .await
                        .map_err(err),
                    client_id,
                },
                Effect::MarkRead(id) => Reply::Done {
                    what: "marking read".into(),
                    result: c.mark_read(id).await.map(|_| ()).map_err(err),
                },
                Effect::SetBot {
                    conversation,
                    active,
                } => Reply::Changed {
                    what: if active {
                        "turning the bot on"
                    } else {
                        "turning the bot off"
                    }
                    .into(),
                    result: c.set_bot(conversation, active).await.map_err(err),
                },
                Effect::Assign {
                    conversation,
                    agent,
                } => Reply::Changed {
                    what: "assigning".into(),
                    result: c.assign(conversation, agent).await.map_err(err),
                },
                Effect::Unassign {
                    conversation,
                    agent,
                } => Reply::Changed {
                    what: "unassigning".into(),
                    result: c.unassign(conversation, agent).await.map_err(err),
                },
            };
            let _ = tx.send(Msg::Reply(Box::new(reply)));
        });
    }
}
