//! The rows an import refused, each with its row, column and reason.

use super::super::app::App;
use super::super::app::Popup;
use super::super::command::Command;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use crate::protocol::ImportReport;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(
    app: &App,
    report: &ImportReport,
    scroll: usize,
    theme: &Theme,
    area: Rect,
    f: &mut Frame,
) {
    let r = super::centered(
        area,
        area.width.saturating_sub(8).min(100),
        area.height.saturating_sub(4).min(30),
    );
    let inner = super::frame(f, r, "Import refused: nothing was imported", theme);
    let mut lines = vec![
        Line::from(Span::styled(report.summary(), theme.style(Role::Error))),
        Line::raw(""),
    ];
    for e in report.errors.iter().skip(scroll) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("row {:>5}  {:<12} ", e.row, e.column),
                theme.style(Role::HintKey),
            ),
            Span::styled(sanitize::line(&e.message), theme.style(Role::Text)),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        format!(
            "Fix these rows and import again.  {}",
            app.config.keymap.hints(Context::Popup, HINTS)
        ),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// What the report answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupNext, "scroll"),
    (Command::PopupPrev, "scroll"),
    (Command::PopupClose, "close"),
];

/// Scrolls and closes; false for anything else.
pub fn command(app: &mut App, cmd: Command) -> bool {
    let Some(Popup::ImportErrors { scroll, .. }) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupNext => *scroll += 1,
        Command::PopupPrev => *scroll = scroll.saturating_sub(1),
        Command::PopupConfirm | Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
