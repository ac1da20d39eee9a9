//! The standard-reply picker. Standard messages (folders, scope, import)
//! are served by a later part of the product; until the server offers them
//! the picker says so plainly.

use super::super::app::App;
use super::super::editor::Editor;
use super::super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(
    _app: &App,
    filter: &Editor,
    _selected: usize,
    theme: &Theme,
    area: Rect,
    f: &mut Frame,
) {
    let r = super::centered(area, 60, 10);
    let inner = super::frame(f, r, "Standard replies", theme);
    let lines = vec![
        Line::from(vec![
            Span::styled("search: ", theme.style(Role::Label)),
            Span::styled(filter.text().to_string(), theme.style(Role::Input)),
        ]),
        Line::raw(""),
        Line::from(Span::styled(
            "This server has no standard replies yet.",
            theme.style(Role::Muted),
        )),
        Line::from(Span::styled("esc closes", theme.style(Role::Muted))),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
