//! A plain event printer: what `chatsmart demo` showed before the terminal
//! UI, and still a handy way to see the live stream (`chatsmart watch`).

use crate::client::{spawn_event_stream, Client, StreamUpdate};
use crate::protocol::*;
use crate::sanitize;

/// One readable line for an event, safe to print.
pub fn describe(ev: &Event) -> String {
    let body = match &ev.kind {
        EventKind::MessageCreated {
            conversation,
            message,
        } => {
            let who = match message.kind {
                MessageKind::Inbound => conversation.customer_name.clone(),
                MessageKind::Agent => message
                    .author_name
                    .clone()
                    .unwrap_or_else(|| "agent".into()),
                MessageKind::Bot => "Bot".into(),
                MessageKind::System => "·".into(),
            };
            format!(
                "[{} #{}] {}: {}",
                conversation.channel.display_name(),
                conversation.id,
                who,
                preview_text(&message.text, 100)
            )
        }
        EventKind::ConversationCreated { conversation } => format!(
            "new conversation #{} with {} on {}",
            conversation.id,
            conversation.customer_name,
            conversation.channel.display_name()
        ),
        EventKind::BotToggled {
            conversation,
            active,
            ..
        } => format!(
            "bot {} in #{}",
            if *active { "on" } else { "off" },
            conversation.id
        ),
        EventKind::AssigneeAdded {
            conversation,
            agent_id,
            ..
        } => format!("agent {agent_id} assigned to #{}", conversation.id),
        EventKind::AssigneeRemoved {
            conversation,
            agent_id,
            ..
        } => format!("agent {agent_id} unassigned from #{}", conversation.id),
        EventKind::ConversationRead {
            conversation_id,
            agent_id,
            ..
        } => format!("agent {agent_id} read #{conversation_id}"),
        EventKind::CustomerCreated { customer } => format!("new customer {}", customer.name),
        EventKind::CustomerUpdated { customer } => format!("customer {} updated", customer.name),
        other => other.type_name().replace('_', " "),
    };
    format!("{:>6} {}", ev.seq, sanitize::line(&body))
}

/// Prints the stream until Ctrl-C.
pub async fn watch(client: Client) -> anyhow::Result<()> {
    let me = client.me().await?;
    println!(
        "signed in as {} ({} unread); streaming events from {} — Ctrl-C to stop",
        sanitize::line(&me.agent.name),
        me.total_unread,
        client.base_url()
    );
    let (mut rx, task) = spawn_event_stream(client, Some(me.latest_seq));
    loop {
        tokio::select! {
            update = rx.recv() => match update {
                Some(StreamUpdate::Event(ev)) => println!("{}", describe(&ev)),
                Some(StreamUpdate::Connected) => println!("connected"),
                Some(StreamUpdate::Disconnected { reason, retry_in }) => {
                    println!("disconnected ({}); retrying in {:?}", sanitize::line(&reason), retry_in);
                }
                Some(StreamUpdate::Unauthorized) => anyhow::bail!("the server refused the token"),
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    task.abort();
    Ok(())
}
