//! The rows an import refused, each with its row, column and reason.

use super::super::app::App;
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
        {
            let key = |c: Command| app.keymap.hint(Context::Popup, c).unwrap_or_default();
            format!(
                "Fix these rows and import again.  {}/{} scroll  {} close",
                key(Command::PopupNext),
                key(Command::PopupPrev),
                key(Command::PopupClose)
            )
        },
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
