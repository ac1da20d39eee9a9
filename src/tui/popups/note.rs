//! Writing or changing a note about the customer.

use super::super::command::Command;
use super::super::customer::NoteForm;
use super::super::keymap::{Context, Keymap};
use super::super::panes::chat::compose_layout;
use super::super::theme::{Role, Theme};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(keymap: &Keymap, form: &NoteForm, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 70, 14);
    let title = if form.id.is_some() {
        "Edit note"
    } else {
        "New note"
    };
    let inner = super::frame(f, r, title, theme);
    let body_h = inner.height.saturating_sub(2) as usize;
    let (rows, (cr, cc)) = compose_layout(
        form.editor.text(),
        form.editor.cursor(),
        inner.width as usize,
    );
    let first = (cr + 1).saturating_sub(body_h);
    let mut lines: Vec<Line> = rows
        .iter()
        .skip(first)
        .take(body_h)
        .map(|r| Line::from(Span::styled(r.clone(), theme.style(Role::Input))))
        .collect();
    while lines.len() < body_h {
        lines.push(Line::raw(""));
    }
    lines.push(match (&form.error, form.saving) {
        (Some(e), _) => Line::from(Span::styled(sanitize::line(e), theme.style(Role::Error))),
        (None, true) => Line::from(Span::styled("saving…", theme.style(Role::Notice))),
        _ => Line::raw(""),
    });
    lines.push(Line::from(Span::styled(
        keymap.hints(
            Context::Form,
            &[
                (Command::FormSave, "save"),
                (Command::ComposeNewline, "new line"),
                (Command::Back, "cancel"),
            ],
        ),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    f.set_cursor_position((inner.x + cc as u16, inner.y + (cr - first) as u16));
}
