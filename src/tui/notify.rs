//! Noticing what needs attention: a new request, a bot handing a
//! conversation over, a customer writing in a conversation assigned to me,
//! a snooze ending. Each rings the terminal bell and/or raises a desktop
//! notification through the terminal (OSC 9 and OSC 777, which travel over
//! SSH), as configured per kind in `[notify]` of config.toml; none while
//! the agent is typing in that very conversation.

use super::app::{App, Focus};
pub use crate::config::{Alert, NotifyConfig};
use crate::protocol::*;
use crate::sanitize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub bell: bool,
    pub desktop: bool,
    pub title: String,
    pub body: String,
}

fn make(alert: Alert, title: String, body: String) -> Option<Notification> {
    let (bell, desktop) = match alert {
        Alert::Off => return None,
        Alert::Bell => (true, false),
        Alert::Desktop => (false, true),
        Alert::Both => (true, true),
    };
    Some(Notification {
        bell,
        desktop,
        title,
        body,
    })
}

/// Whether the agent is writing in `id` right now.
fn typing_in(app: &App, id: ConversationId) -> bool {
    app.open == Some(id) && app.focus == Focus::Compose
}

/// The notification an event calls for, if any.
pub fn for_event(app: &App, kind: &EventKind) -> Option<Notification> {
    let cfg = &app.config.notify;
    let me = app.mirror.me.as_ref()?.id;
    match kind {
        EventKind::ConversationCreated { conversation: c } => make(
            cfg.new_request,
            "New request".into(),
            format!("{} on {}", c.customer_name, c.channel.display_name()),
        ),
        EventKind::BotToggled {
            conversation: c,
            active: false,
            by: None,
        } if !typing_in(app, c.id) => make(
            cfg.bot_handoff,
            "The bot handed over".into(),
            format!("{} needs an agent", c.customer_name),
        ),
        EventKind::MessageCreated {
            conversation: c,
            message,
        } if message.kind == MessageKind::Inbound
            && c.is_assigned_to(me)
            && !typing_in(app, c.id) =>
        {
            make(
                cfg.assigned_message,
                c.customer_name.clone(),
                preview_text(&message.text, 120),
            )
        }
        EventKind::StatusChanged {
            conversation: c,
            reason: StatusReason::SnoozeEnded,
            ..
        } if !typing_in(app, c.id) => make(
            cfg.snooze_ended,
            "Snooze ended".into(),
            format!("{} is open again", c.customer_name),
        ),
        _ => None,
    }
}

/// One field of an OSC sequence: one line, no control characters, no
/// separators, not too long.
fn field(s: &str, max: usize) -> String {
    let clean: String = sanitize::line(s)
        .chars()
        .filter(|c| *c != ';' && !c.is_control())
        .collect();
    super::wrap::truncate(&clean, max)
}

/// The bytes that ring and notify: BEL, then OSC 9 (iTerm2, Windows
/// Terminal, many others) and OSC 777 (VTE, foot, WezTerm). Customer text
/// is sanitised: nothing in it can end the sequence early.
pub fn encode(n: &Notification) -> String {
    let mut out = String::new();
    if n.desktop {
        let title = field(&n.title, 80);
        let body = field(&n.body, 200);
        out.push_str(&format!("\x1b]9;{title}: {body}\x07"));
        out.push_str(&format!("\x1b]777;notify;{title};{body}\x07"));
    }
    if n.bell {
        out.push('\x07');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_break_out_of_the_sequence() {
        let n = Notification {
            bell: true,
            desktop: true,
            title: "Eve\x07\x1b]0;pwned\x07".into(),
            body: "hi; \x1b[2J there\nnext".into(),
        };
        let s = encode(&n);
        // Exactly the three BELs we put there, and two OSC introducers.
        assert_eq!(s.matches('\x07').count(), 3, "{s:?}");
        assert_eq!(s.matches('\x1b').count(), 2, "{s:?}");
        assert!(s.starts_with("\x1b]9;Eve"), "{s:?}");
        assert!(s.ends_with('\x07'));
        assert!(!s.contains("[2J"));
        let quiet = encode(&Notification {
            bell: true,
            desktop: false,
            title: "x".into(),
            body: "y".into(),
        });
        assert_eq!(quiet, "\x07");
    }
}
