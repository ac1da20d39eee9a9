//! Scheduling a message to the customer: a name, the content, and when,
//! shown back in full in the agent's time zone before saving.

use super::super::app::App;
use super::super::command::Command;
use super::super::customer::{schedule_time, ScheduleForm};
use super::super::keymap::Context;
use super::super::panes::chat::compose_layout;
use super::super::theme::{Role, Theme};
use super::super::when::describe;
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
        app.config.keymap.hints(
            Context::Form,
            &[
                (Command::FormNextField, "next field"),
                (Command::FormSave, "save"),
                (Command::ComposeNewline, "new line"),
                (Command::Back, "cancel"),
            ],
        ),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    if let Some(c) = cursor {
        f.set_cursor_position(c);
    }
}
