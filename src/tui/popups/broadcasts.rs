//! Broadcasts for review: each with its tag, reach, progress and result,
//! newest first; the selected one in full below. Admins cancel one that
//! is still to send.

use super::super::app::App;
use super::super::app::{ConfirmAction, Level, Popup};
use super::super::command::Command;
use super::super::format;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use super::super::wrap;
use crate::protocol::{Broadcast, BroadcastStatus};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(app: &App, selected: usize, theme: &Theme, area: Rect, f: &mut Frame) {
    let width = area.width.saturating_sub(8).min(100);
    let w = width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if app.mirror.broadcasts.is_empty() {
        lines.push(Line::from(Span::styled(
            "no broadcasts yet",
            theme.style(Role::Muted),
        )));
    }
    // The list above, the selected one in full below (about 12 lines).
    let rows = (area.height.saturating_sub(4) as usize)
        .saturating_sub(14)
        .clamp(3, 12);
    let first = (selected + 1).saturating_sub(rows);
    for (i, b) in app
        .mirror
        .broadcasts
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
    {
        let base = if i == selected {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let status_role = match b.status {
            BroadcastStatus::Scheduled | BroadcastStatus::Running => Role::Notice,
            BroadcastStatus::Done if b.failed > 0 => Role::Error,
            BroadcastStatus::Done => Role::Connected,
            BroadcastStatus::Cancelled => Role::Muted,
        };
        let when = format::date_time(b.finished_at.unwrap_or(b.send_at), app.config.tz);
        let tag = wrap::truncate(&format!("#{}", sanitize::line(&b.tag.name)), 18);
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {tag:<18} "),
                theme.color(&b.tag.color).patch(base),
            ),
            Span::styled(
                format!("{:<10}", b.status.label()),
                theme.style(status_role).patch(base),
            ),
            Span::styled(format!("{:<22}", progress(b)), base),
            Span::styled(format!(" {when}"), theme.style(Role::Time).patch(base)),
        ]));
    }
    if let Some(b) = app.mirror.broadcasts.get(selected) {
        lines.push(Line::raw(""));
        let channels = if b.channels.is_empty() {
            "every channel".to_string()
        } else {
            b.channels
                .iter()
                .map(|c| c.display_name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let detail = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!("{k:<10}"), theme.style(Role::Label)),
                Span::styled(v, theme.style(Role::Text)),
            ])
        };
        lines.push(detail(
            "To",
            format!("#{} on {channels}", sanitize::line(&b.tag.name)),
        ));
        lines.push(detail(
            "By",
            format!(
                "{}, {}",
                sanitize::line(&b.created_by.name),
                format::date_time(b.created_at, app.config.tz)
            ),
        ));
        lines.push(detail("Sends", format::date_time(b.send_at, app.config.tz)));
        if let Some(t) = b.finished_at {
            lines.push(detail("Ended", format::date_time(t, app.config.tz)));
        }
        lines.push(detail("Result", progress(b)));
        for (i, l) in wrap::wrap(&sanitize::line(&b.text), w.saturating_sub(10).max(1))
            .into_iter()
            .take(4)
            .enumerate()
        {
            lines.push(detail(if i == 0 { "Message" } else { "" }, l));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(Context::Popup, HINTS),
        theme.style(Role::Muted),
    )));
    let r = super::centered(area, width, lines.len() as u16 + 2);
    let inner = super::frame(f, r, "Broadcasts", theme);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// "120 of 300 sent, 2 failed".
pub fn progress(b: &Broadcast) -> String {
    match b.status {
        BroadcastStatus::Scheduled => "not started".into(),
        _ if b.failed > 0 => format!("{} of {} sent, {} failed", b.sent, b.total, b.failed),
        _ => format!("{} of {} sent", b.sent, b.total),
    }
}

/// What the list answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupNext, "move"),
    (Command::PopupPrev, "move"),
    (Command::PopupRemove, "cancel the selected one"),
    (Command::PopupClose, "close"),
];

/// Moves, asks before cancelling a broadcast still going out, closes;
/// false for anything else.
pub fn command(app: &mut App, cmd: Command) -> bool {
    let Some(Popup::Broadcasts { selected }) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupNext => {
            if *selected + 1 < app.mirror.broadcasts.len() {
                *selected += 1;
            }
        }
        Command::PopupPrev => *selected = selected.saturating_sub(1),
        Command::PopupRemove => match app.mirror.broadcasts.get(*selected) {
            Some(b) if b.is_pending() => {
                app.popup = Some(Popup::Confirm {
                    message: format!(
                        "Cancel the broadcast to #{}? {} of {} sent so far.",
                        b.tag.name, b.sent, b.total
                    ),
                    action: ConfirmAction::CancelBroadcast(b.id),
                });
            }
            Some(_) => app.notify("that broadcast has already ended", Level::Info),
            None => {}
        },
        Command::PopupConfirm | Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
