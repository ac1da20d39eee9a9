//! The priority menu: none to urgent, the current one chosen.

use super::super::app::App;
use super::super::command::Command;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use super::super::triage::PriorityMenu;
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
        app.config.keymap.hints(
            Context::Popup,
            &[
                (Command::PopupNext, "next"),
                (Command::PopupConfirm, "set"),
                (Command::PopupClose, "cancel"),
            ],
        ),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}
