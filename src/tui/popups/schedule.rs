//! Scheduling a message to the customer: a name, the content, and when,
//! shown back in full in the agent's time zone before saving.

use super::super::app::App;
use super::super::app::Popup;
use super::super::command::Command;
use super::super::customer;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::panes::chat::compose_layout;
use super::super::theme::{Role, Theme};
use super::super::when::describe;
use crate::protocol::*;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, form: &ScheduleForm, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 76, 18);
    let title = if form.id.is_some() {
        "Change the scheduled message"
    } else {
        "Schedule a message"
    };
    let inner = super::frame(f, r, title, theme);
    let label = |t: &str, on: bool| {
        Span::styled(
            format!("{t:<10}"),
            theme.style(if on { Role::HintKey } else { Role::Label }),
        )
    };
    let mut lines = vec![Line::from(vec![
        label("Name", form.field == 0),
        Span::styled(form.name.text().to_string(), theme.style(Role::Input)),
    ])];
    let mut cursor = None;
    if form.field == 0 {
        let col = super::super::wrap::width(&form.name.text()[..form.name.cursor()]) as u16;
        cursor = Some((inner.x + 10 + col, inner.y));
    }
    lines.push(Line::from(label("Message", form.field == 1)));
    let w = inner.width.saturating_sub(2) as usize;
    let (rows, (cr, cc)) = compose_layout(form.text.text(), form.text.cursor(), w);
    let first = (cr + 1).saturating_sub(6);
    for r in rows.iter().skip(first).take(6) {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(r.clone(), theme.style(Role::Input)),
        ]));
    }
    if form.field == 1 {
        cursor = Some((inner.x + 2 + cc as u16, inner.y + 2 + (cr - first) as u16));
    }
    while lines.len() < 8 {
        lines.push(Line::raw(""));
    }
    let when_row = lines.len() as u16;
    lines.push(Line::from(vec![
        label("Send at", form.field == 2),
        Span::styled(form.when.text().to_string(), theme.style(Role::Input)),
    ]));
    if form.field == 2 {
        let col = super::super::wrap::width(&form.when.text()[..form.when.cursor()]) as u16;
        cursor = Some((inner.x + 10 + col, inner.y + when_row));
    }
    lines.push(match schedule_time(app, form) {
        Ok(t) => Line::from(vec![
            Span::raw("          → "),
            Span::styled(describe(t, app.config.tz), theme.style(Role::Connected)),
        ]),
        Err(e) => Line::from(Span::styled(
            format!("          {}", sanitize::line(&e)),
            theme.style(Role::Muted),
        )),
    });
    lines.push(Line::raw(""));
    lines.push(match (&form.error, form.saving) {
        (Some(e), _) => Line::from(Span::styled(sanitize::line(e), theme.style(Role::Error))),
        (None, true) => Line::from(Span::styled("saving…", theme.style(Role::Notice))),
        _ => Line::from(Span::styled(
            "placeholders such as {{customer.name}} are filled when it is sent",
            theme.style(Role::Muted),
        )),
    });
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(Context::Form, HINTS),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    if let Some(c) = cursor {
        f.set_cursor_position(c);
    }
}

/// A scheduled message being written or changed.
#[derive(Debug, Clone)]
pub struct ScheduleForm {
    pub conversation: ConversationId,
    pub id: Option<ScheduledId>,
    pub name: Editor,
    pub text: Editor,
    pub when: Editor,
    /// 0 name, 1 message, 2 send time.
    pub field: usize,
    pub error: Option<String>,
    pub saving: bool,
}

/// Opens the schedule form: a new scheduled message, or `id` to change.
pub fn open(app: &mut App, id: Option<ScheduledId>) {
    let Some(conv) = app.open else {
        return;
    };
    let existing = id.and_then(|id| customer::find_scheduled(app, id)).cloned();
    let when = existing
        .as_ref()
        .map(|s| {
            s.send_at
                .with_timezone(&app.config.tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "tomorrow 09:00".into());
    app.popup = Some(Popup::Schedule(ScheduleForm {
        conversation: conv,
        id,
        name: Editor::with_text(existing.as_ref().map(|s| s.name.as_str()).unwrap_or("")),
        text: Editor::with_text(existing.as_ref().map(|s| s.text.as_str()).unwrap_or("")),
        when: Editor::with_text(&when),
        field: 0,
        error: None,
        saving: false,
    }));
}

/// The send time a schedule form means, or why it means nothing.
pub fn schedule_time(
    app: &App,
    form: &ScheduleForm,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    super::super::when::parse(form.when.text(), app.now, app.config.tz)
}

fn save(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(Popup::Schedule(form)) = &app.popup else {
        return;
    };
    if form.saving {
        return;
    }
    let when = schedule_time(app, form);
    let Some(Popup::Schedule(form)) = app.popup.as_mut() else {
        return;
    };
    let name = form.name.text().trim().to_string();
    let text = form.text.text().trim_end().to_string();
    let problem = if name.is_empty() {
        Some("give it a name".to_string())
    } else if text.trim().is_empty() {
        Some("write the message".to_string())
    } else if let Err(e) = check_placeholders(&text) {
        Some(e)
    } else {
        when.as_ref().err().cloned()
    };
    if let Some(p) = problem {
        form.error = Some(p);
        return;
    }
    let send_at = when.expect("checked above");
    form.error = None;
    form.saving = true;
    fx.push(match form.id {
        Some(id) => Effect::UpdateScheduled(
            id,
            ScheduledPatch {
                name: Some(name),
                text: Some(text),
                send_at: Some(send_at),
            },
        ),
        None => Effect::Schedule(
            form.conversation,
            NewScheduled {
                name,
                text,
                send_at,
            },
        ),
    });
}

/// What the schedule form answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::FormNextField, "next field"),
    (Command::FormSave, "save"),
    (Command::ComposeNewline, "new line"),
    (Command::Back, "cancel"),
];

/// The focused field's editor.
fn editor(form: &mut ScheduleForm) -> &mut Editor {
    match form.field {
        0 => &mut form.name,
        1 => &mut form.text,
        _ => &mut form.when,
    }
}

/// Moves between the name, the message and the send time; saves,
/// cancels and edits; quitting goes on to the app. False when the form is
/// not open.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Schedule(form)) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::Back => app.popup = None,
        Command::FormSave => save(app, fx),
        Command::FormNextField => form.field = (form.field + 1) % 3,
        Command::FormPrevField => form.field = (form.field + 2) % 3,
        // Only the message has lines.
        Command::ComposeNewline if form.field == 1 => form.text.insert_char('\n'),
        Command::FormToggle => editor(form).insert_char(' '),
        Command::Quit => super::super::update::run_command(app, cmd, fx),
        c if c.is_input() => {
            editor(form).apply(c);
        }
        _ => {}
    }
    true
}

/// Typed text goes into the focused field.
pub fn type_char(app: &mut App, c: char) {
    if let Some(Popup::Schedule(form)) = app.popup.as_mut() {
        editor(form).insert_char(c);
    }
}
