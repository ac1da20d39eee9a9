//! Broadcasting to every customer with a tag: the message, when, which
//! channel, and how many it reaches — Enter sends to that many.

use super::super::app::App;
use super::super::command::Command;
use super::super::customer::{broadcast_time, BroadcastForm};
use super::super::keymap::Context;
use super::super::panes::chat::compose_layout;
use super::super::theme::{Role, Theme};
use super::super::when::describe;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, form: &BroadcastForm, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 76, 18);
    let title = format!("Broadcast to #{}", sanitize::line(&form.tag.name));
    let inner = super::frame(f, r, &title, theme);
    let label = |t: &str, on: bool| {
        Span::styled(
            format!("{t:<10}"),
            theme.style(if on { Role::HintKey } else { Role::Label }),
        )
    };
    let mut lines = vec![Line::from(label("Message", form.field == 0))];
    let mut cursor = None;
    let (rows, (cr, cc)) = compose_layout(
        form.text.text(),
        form.text.cursor(),
        inner.width.saturating_sub(2) as usize,
    );
    let first = (cr + 1).saturating_sub(6);
    for row in rows.iter().skip(first).take(6) {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(row.clone(), theme.style(Role::Input)),
        ]));
    }
    if form.field == 0 {
        cursor = Some((inner.x + 2 + cc as u16, inner.y + 1 + (cr - first) as u16));
    }
    while lines.len() < 7 {
        lines.push(Line::raw(""));
    }
    let when_row = lines.len() as u16;
    lines.push(Line::from(vec![
        label("Send at", form.field == 1),
        Span::styled(form.when.text().to_string(), theme.style(Role::Input)),
    ]));
    if form.field == 1 {
        let col = super::super::wrap::width(&form.when.text()[..form.when.cursor()]) as u16;
        cursor = Some((inner.x + 10 + col, inner.y + when_row));
    }
    lines.push(match broadcast_time(app, form) {
        Ok(None) => Line::from(Span::styled(
            "          → now (leave empty)",
            theme.style(Role::Muted),
        )),
        Ok(Some(t)) => Line::from(vec![
            Span::raw("          → "),
            Span::styled(describe(t, app.config.tz), theme.style(Role::Connected)),
        ]),
        Err(e) => Line::from(Span::styled(
            format!("          {}", sanitize::line(&e)),
            theme.style(Role::Muted),
        )),
    });
    let channel = form
        .channel
        .map(crate::protocol::model::ChannelKind::display_name)
        .unwrap_or("every channel");
    lines.push(Line::from(vec![
        label("Channel", form.field == 2),
        Span::styled(
            format!("◂ {channel} ▸"),
            theme.style(if form.field == 2 {
                Role::Selected
            } else {
                Role::Text
            }),
        ),
    ]));
    lines.push(Line::raw(""));
    lines.push(match form.recipients {
        Some(n) => Line::from(Span::styled(
            format!("Reaches {n} conversation{}.", if n == 1 { "" } else { "s" }),
            theme.style(Role::Title),
        )),
        None => Line::from(Span::styled(
            "counting recipients…",
            theme.style(Role::Muted),
        )),
    });
    lines.push(match (&form.error, form.saving) {
        (Some(e), _) => Line::from(Span::styled(sanitize::line(e), theme.style(Role::Error))),
        (None, true) => Line::from(Span::styled("starting…", theme.style(Role::Notice))),
        _ => Line::raw(""),
    });
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(
            Context::Form,
            &[
                (Command::FormNextField, "next field"),
                (Command::FormToggle, "channel"),
                (Command::FormSave, "send to them all"),
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
