//! The path prompt for attaching a file: the path as typed, what tab found,
//! and the file's type and size (or why it cannot be sent).

use super::super::app::App;
use super::super::app::Popup;
use super::super::attach::{describe, AttachForm, FileCheck};
use super::super::command::Command;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use super::super::wrap;
use crate::protocol::allowed_list;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, form: &AttachForm, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 76, 14);
    let inner = super::frame(f, r, "Attach a file", theme);
    let w = inner.width as usize;
    let path = sanitize::line(form.path.text());
    // The end of a long path stays in view.
    let shown = wrap::truncate_start(&path, w.saturating_sub(3).max(4));
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", theme.style(Role::Label)),
        Span::styled(shown.clone(), theme.style(Role::Input)),
    ])];
    lines.push(match &form.check {
        Some(Ok(file)) => Line::from(Span::styled(
            describe(file.kind, &file.name, file.mime, file.size),
            theme.style(Role::Connected),
        )),
        Some(Err(e)) => Line::from(Span::styled(
            wrap::truncate(&sanitize::line(e), w),
            theme.style(Role::Error),
        )),
        None => Line::from(Span::styled(
            wrap::truncate(&format!("files: {}", allowed_list()), w),
            theme.style(Role::Muted),
        )),
    });
    // How the platform will deliver it, when not as a file (LINE: a link).
    if let Some(Ok(FileCheck {
        note: Some(note), ..
    })) = &form.check
    {
        lines.push(Line::from(Span::styled(
            wrap::truncate(note, w),
            theme.style(Role::Notice),
        )));
    }
    lines.push(Line::raw(""));
    let room = (inner.height as usize).saturating_sub(lines.len() + 1);
    let mut choices: Vec<Line> = form
        .choices
        .iter()
        .take(room)
        .map(|c| {
            let role = if c.ends_with('/') {
                Role::Label
            } else {
                Role::Text
            };
            Line::from(Span::styled(
                wrap::truncate(&sanitize::line(c), w),
                theme.style(role),
            ))
        })
        .collect();
    if form.choices.len() > room && room > 0 {
        choices.pop();
        choices.push(Line::from(Span::styled(
            format!("… {} more", form.choices.len() - room + 1),
            theme.style(Role::Muted),
        )));
    }
    lines.extend(choices);
    while lines.len() + 1 < inner.height as usize {
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(Context::Picker, HINTS),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    // The cursor where the editor has it (at the end when the path is
    // cut to fit).
    let before = if shown == path {
        let text = form.path.text();
        sanitize::line(&text[..form.path.cursor().min(text.len())])
    } else {
        shown.clone()
    };
    let cx = inner.x + 2 + wrap::width(&before) as u16;
    f.set_cursor_position((cx.min(inner.x + inner.width.saturating_sub(1)), inner.y));
}

/// What the path prompt answers (typing the path too), with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PickerAdd, "complete"),
    (Command::PopupConfirm, "attach"),
    (Command::PopupClose, "cancel"),
];

/// Commands while the prompt is open; returns whether it was handled.
/// Completes the typed path; checks the file and attaches it if it
/// passes; cancels. False for anything else.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let limits = app.mirror.upload_limits.clone();
    let Some(Popup::Attach(form)) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PickerAdd => fx.push(Effect::CompletePath {
            typed: form.path.text().to_string(),
            target: super::super::event::PathTarget::Attach,
        }),
        // Checked again as it is now, then attached if it passes.
        Command::PopupConfirm => fx.push(Effect::CheckFile {
            typed: form.path.text().to_string(),
            channel: form.channel,
            limits,
            attach: true,
        }),
        Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
