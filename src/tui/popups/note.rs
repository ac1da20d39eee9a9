//! Writing or changing a note about the customer.

use super::super::app::{App, Popup};
use super::super::command::Command;
use super::super::customer;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::keymap::{Context, Keymap};
use super::super::panes::chat::compose_layout;
use super::super::theme::{Role, Theme};
use crate::protocol::*;
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
        keymap.hints(Context::Form, HINTS),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    f.set_cursor_position((inner.x + cc as u16, inner.y + (cr - first) as u16));
}

/// A multi-line note being written.
#[derive(Debug, Clone)]
pub struct NoteForm {
    pub customer: CustomerId,
    pub id: Option<NoteId>,
    pub editor: Editor,
    pub error: Option<String>,
    pub saving: bool,
}

/// Opens the note form: a new note, or note `id` to change.
pub fn open(app: &mut App, id: Option<NoteId>) {
    let Some(c) = app.open_customer().map(|c| c.id) else {
        return;
    };
    let text = id
        .and_then(|id| customer::find_note(app, id))
        .map(|n| n.text.clone())
        .unwrap_or_default();
    app.popup = Some(Popup::Note(NoteForm {
        customer: c,
        id,
        editor: Editor::with_text(&text),
        error: None,
        saving: false,
    }));
}

/// What the note form answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::FormSave, "save"),
    (Command::ComposeNewline, "new line"),
    (Command::Back, "cancel"),
];

/// Saves, cancels, breaks lines and edits; quitting goes on to the app.
/// False when the note form is not open.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Note(form)) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::Back => app.popup = None,
        Command::FormSave => save(app, fx),
        Command::ComposeNewline => form.editor.insert_char('\n'),
        Command::FormToggle => form.editor.insert_char(' '),
        Command::Quit => super::super::update::run_command(app, cmd, fx),
        c if c.is_input() => {
            form.editor.apply(c);
        }
        _ => {}
    }
    true
}

/// Typed text goes into the note.
pub fn type_char(app: &mut App, c: char) {
    if let Some(Popup::Note(form)) = app.popup.as_mut() {
        form.editor.insert_char(c);
    }
}

fn save(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(Popup::Note(form)) = app.popup.as_mut() else {
        return;
    };
    if form.saving {
        return;
    }
    if form.editor.text().trim().is_empty() {
        form.error = Some("the note is empty".into());
        return;
    }
    form.saving = true;
    form.error = None;
    let text = form.editor.text().trim_end().to_string();
    fx.push(match form.id {
        Some(id) => Effect::EditNote(id, text),
        None => Effect::AddNote(form.customer, text),
    });
}
