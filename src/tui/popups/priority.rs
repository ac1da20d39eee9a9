//! The priority menu: none to urgent, the current one chosen.

use super::super::app::App;
use super::super::app::Popup;
use super::super::command::Command;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use super::super::triage::PriorityMenu;
use crate::protocol::BulkAction;
use crate::protocol::Priority;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The mark and role a priority shows with in the list.
pub fn badge(p: Priority) -> Option<(&'static str, Role)> {
    match p {
        Priority::None => None,
        Priority::Low => Some(("low", Role::PriorityLow)),
        Priority::Medium => Some(("med", Role::PriorityMedium)),
        Priority::High => Some(("high", Role::PriorityHigh)),
        Priority::Urgent => Some(("URGENT", Role::PriorityUrgent)),
    }
}

pub fn draw(app: &App, m: &PriorityMenu, theme: &Theme, area: Rect, f: &mut Frame) {
    let title = match m.targets.len() {
        1 => "Priority".to_string(),
        n => format!("Priority of {n} conversations"),
    };
    let r = super::centered(area, 44, Priority::ALL.len() as u16 + 4);
    let inner = super::frame(f, r, &title, theme);
    let mut lines = Vec::new();
    for (i, p) in Priority::ALL.iter().enumerate() {
        let base = if i == m.selected {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let role = badge(*p).map(|(_, r)| r).unwrap_or(Role::Text);
        lines.push(Line::from(Span::styled(
            format!(" {p}"),
            theme.style(role).patch(base),
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(Context::Popup, HINTS),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

/// What the priority menu answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupNext, "move"),
    (Command::PopupPrev, "move"),
    (Command::PopupConfirm, "set"),
    (Command::PopupClose, "cancel"),
];

/// Moves among the priorities; sets the chosen one; cancels. False for
/// anything else.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Priority(m)) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupNext => m.selected = (m.selected + 1).min(Priority::ALL.len() - 1),
        Command::PopupPrev => m.selected = m.selected.saturating_sub(1),
        Command::PopupConfirm => {
            let priority = Priority::ALL[m.selected];
            let ids = std::mem::take(&mut m.targets);
            app.popup = None;
            super::super::triage::act(app, ids, BulkAction::Priority { priority }, fx);
        }
        Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
