//! The snooze menu: presets, or a time typed in the agent's words, shown
//! back in full before it is used.

use super::super::app::App;
use super::super::app::Popup;
use super::super::command::Command;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use super::super::triage::{SnoozeMenu, SNOOZE_PRESETS};
use super::super::when;
use super::super::wrap;
use crate::protocol::{BulkAction, ConvStatus};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, m: &SnoozeMenu, theme: &Theme, area: Rect, f: &mut Frame) {
    let title = match m.targets.len() {
        1 => "Snooze until…".to_string(),
        n => format!("Snooze {n} conversations until…"),
    };
    let r = super::centered(area, 60, SNOOZE_PRESETS.len() as u16 + 8);
    let inner = super::frame(f, r, &title, theme);
    let typed = m.typed.text();
    let mut lines = Vec::new();
    for (i, (label, w)) in SNOOZE_PRESETS.iter().enumerate() {
        let chosen = typed.trim().is_empty() && i == m.selected;
        let base = if chosen {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let at = match when::snooze_until(w, app.now, app.config.tz) {
            Ok(Some(t)) => super::super::format::date_time(t, app.config.tz),
            _ => String::new(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {label:<28}"), base),
            Span::styled(at, theme.style(Role::Time).patch(base)),
        ]));
    }
    lines.push(Line::raw(""));
    let cursor_row = lines.len() as u16;
    lines.push(Line::from(vec![
        Span::styled("or type: ", theme.style(Role::Label)),
        Span::styled(sanitize::line(typed), theme.style(Role::Input)),
    ]));
    let below = match (&m.error, typed.trim().is_empty()) {
        (Some(e), _) => Span::styled(sanitize::line(e), theme.style(Role::Error)),
        (None, true) => Span::styled(
            "\"in 3h\", \"fri 10:00\", \"2026-12-01 09:00\"",
            theme.style(Role::Placeholder),
        ),
        (None, false) => match when::parse(typed, app.now, app.config.tz) {
            Ok(t) => Span::styled(
                format!("→ {}", when::describe(t, app.config.tz)),
                theme.style(Role::Notice),
            ),
            Err(e) => Span::styled(sanitize::line(&e), theme.style(Role::Muted)),
        },
    };
    lines.push(Line::from(below));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(Context::Picker, HINTS),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    let col = wrap::width(&typed[..m.typed.cursor()]) as u16 + 9;
    f.set_cursor_position((
        (inner.x + col).min(inner.x + inner.width.saturating_sub(1)),
        inner.y + cursor_row,
    ));
}

/// What the snooze menu answers (typing a time too), with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupNext, "next"),
    (Command::PopupPrev, "previous"),
    (Command::PopupConfirm, "snooze"),
    (Command::PopupClose, "cancel"),
];

/// Keys inside the snooze menu (a picker: typing goes to the time field).
/// Moves among the presets; snoozes until the chosen or typed time;
/// cancels. False for anything else.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Snooze(m)) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupNext => m.selected = (m.selected + 1).min(SNOOZE_PRESETS.len() - 1),
        Command::PopupPrev => m.selected = m.selected.saturating_sub(1),
        Command::PopupConfirm => {
            let typed = m.typed.text().trim().to_string();
            let when = if typed.is_empty() {
                SNOOZE_PRESETS[m.selected].1.to_string()
            } else {
                typed
            };
            let until = match super::super::when::snooze_until(&when, app.now, app.config.tz) {
                Ok(t) => t,
                Err(e) => {
                    m.error = Some(e);
                    return true;
                }
            };
            let ids = std::mem::take(&mut m.targets);
            app.popup = None;
            super::super::triage::act(
                app,
                ids,
                BulkAction::Status {
                    status: ConvStatus::Snoozed,
                    snooze_until: until,
                },
                fx,
            );
        }
        Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
