//! The emoji picker: type to search by name or shortcode.

use super::super::app::{App, Focus, Popup};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::emoji::search;
use super::super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(filter: &Editor, selected: usize, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 50, 16);
    let inner = super::frame(f, r, "Emoji", theme);
    let mut lines = vec![Line::from(vec![
        Span::styled("search: ", theme.style(Role::Label)),
        Span::styled(filter.text().to_string(), theme.style(Role::Input)),
    ])];
    let rows = inner.height.saturating_sub(1) as usize;
    let hits = search(filter.text(), 200);
    if hits.is_empty() {
        lines.push(Line::from(Span::styled(
            "no emoji match",
            theme.style(Role::Muted),
        )));
    }
    let first = (selected + 1).saturating_sub(rows);
    for (i, h) in hits.iter().enumerate().skip(first).take(rows) {
        let base = if i == selected {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let code = h.shortcode.map(|s| format!(":{s}:")).unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", h.emoji), base),
            Span::styled(format!(" {} ", h.name), base),
            Span::styled(code, theme.style(Role::Muted).patch(base)),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
    let col = super::super::wrap::width(&filter.text()[..filter.cursor()]) as u16;
    f.set_cursor_position((
        inner.x + 8 + col.min(inner.width.saturating_sub(9)),
        inner.y,
    ));
}

/// What the picker answers (typing filters it), with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupNext, "move"),
    (Command::PopupPrev, "move"),
    (Command::PopupConfirm, "insert"),
    (Command::PopupClose, "close"),
];

/// Moves; puts the chosen emoji in the reply; closes. False for anything
/// else.
pub fn command(app: &mut App, cmd: Command) -> bool {
    let Some(Popup::Emoji { selected, filter }) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupNext => {
            let n = search(filter.text(), 200).len();
            if *selected + 1 < n {
                *selected += 1;
            }
        }
        Command::PopupPrev => *selected = selected.saturating_sub(1),
        Command::PopupConfirm => {
            let found = search(filter.text(), 200);
            if let Some(e) = found.get(*selected) {
                let s = e.emoji.to_string();
                app.popup = None;
                if let Some(id) = app.open {
                    app.drafts.entry(id).or_default().insert(&s);
                    app.focus = Focus::Compose;
                }
            }
        }
        Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
