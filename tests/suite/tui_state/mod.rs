//! The inbox's state machine without a terminal: messages in, state and
//! requests out. The helpers are here; the tests, by feature, in the
//! modules below.

use chatsmart::client::StreamUpdate;
use chatsmart::protocol::*;
use chatsmart::tui::app::*;
use chatsmart::tui::event::{Confirm, Effect, Msg, Reply};
use chatsmart::tui::fixtures;
use chatsmart::tui::keymap::{Key, KeyCodeOrd, Keymap};
use chatsmart::tui::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

mod compose;
mod customer;
mod list;
mod palette;
mod session;
mod standard;
mod triage;

fn key_event(s: &str) -> KeyEvent {
    let k = Key::parse(s).unwrap();
    let code = match k.code {
        KeyCodeOrd::Char(c) => KeyCode::Char(c),
        KeyCodeOrd::F(n) => KeyCode::F(n),
        KeyCodeOrd::Enter => KeyCode::Enter,
        KeyCodeOrd::Esc => KeyCode::Esc,
        KeyCodeOrd::Tab => KeyCode::Tab,
        KeyCodeOrd::BackTab => KeyCode::BackTab,
        KeyCodeOrd::Backspace => KeyCode::Backspace,
        KeyCodeOrd::Delete => KeyCode::Delete,
        KeyCodeOrd::Insert => KeyCode::Insert,
        KeyCodeOrd::Home => KeyCode::Home,
        KeyCodeOrd::End => KeyCode::End,
        KeyCodeOrd::PageUp => KeyCode::PageUp,
        KeyCodeOrd::PageDown => KeyCode::PageDown,
        KeyCodeOrd::Up => KeyCode::Up,
        KeyCodeOrd::Down => KeyCode::Down,
        KeyCodeOrd::Left => KeyCode::Left,
        KeyCodeOrd::Right => KeyCode::Right,
    };
    let mut m = KeyModifiers::empty();
    if k.ctrl {
        m |= KeyModifiers::CONTROL;
    }
    if k.alt {
        m |= KeyModifiers::ALT;
    }
    if k.shift {
        m |= KeyModifiers::SHIFT;
    }
    KeyEvent::new(code, m)
}

/// Presses keys written as in keymap files, separated by spaces.
/// Performs the effects that only read this machine's files (checking a
/// file, completing a path) as the runner would, feeding their answers
/// back; returns the rest.
fn settle(app: &mut App, fx: Vec<Effect>) -> Vec<Effect> {
    let mut out = Vec::new();
    for f in fx {
        match chatsmart::tui::runner::local(f.clone()) {
            Some(reply) => {
                let more = update(app, Msg::Reply(Box::new(reply)));
                out.extend(settle(app, more));
            }
            None => out.push(f),
        }
    }
    out
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.split(' ')
        .filter(|k| !k.is_empty())
        .flat_map(|k| {
            let fx = update(app, Msg::Key(key_event(k)));
            settle(app, fx)
        })
        .collect()
}

fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| {
            let fx = update(
                app,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::empty())),
            );
            settle(app, fx)
        })
        .collect()
}

fn event(seq: Seq, kind: EventKind) -> Msg {
    Msg::Server(StreamUpdate::Event(Box::new(Event {
        seq,
        at: fixtures::now(),
        kind,
    })))
}

fn inbound(app: &App, id: ConversationId, msg_id: MessageId, text: &str) -> EventKind {
    let mut conversation = app.mirror.convs[&id].conversation.clone();
    conversation.inbound_count += 1;
    conversation.last_activity_at = fixtures::now();
    conversation.last_message = Some(MessagePreview {
        id: msg_id,
        kind: MessageKind::Inbound,
        text: text.into(),
        created_at: fixtures::now(),
    });
    EventKind::MessageCreated {
        conversation,
        message: Message {
            tap: None,
            id: msg_id,
            conversation_id: id,
            kind: MessageKind::Inbound,
            text: text.into(),
            attachment: None,
            author_id: None,
            author_name: None,
            created_at: fixtures::now(),
            status: DeliveryStatus::Delivered,
            failure: None,
            client_id: None,
            scheduled_id: None,
        },
    }
}

fn names(app: &App) -> Vec<String> {
    app.list
        .view
        .iter()
        .map(|id| app.mirror.convs[id].conversation.customer_name.clone())
        .collect()
}
