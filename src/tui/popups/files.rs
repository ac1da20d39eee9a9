//! The open conversation's files, newest first: enter opens one (or saves
//! it when there is no display here), the save key saves it.

use super::super::app::App;
use super::super::app::{Level, Popup};
use super::super::attach::describe;
use super::super::command::Command;
use super::super::event::Effect;
use super::super::files::listed;
use super::super::format;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use super::super::wrap;
use crate::protocol::Attachment;
use crate::protocol::MessageKind;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, selected: usize, theme: &Theme, area: Rect, f: &mut Frame) {
    let files = listed(app);
    let h = (files.len() as u16 + 4).clamp(6, 20);
    let r = super::centered(area, 84, h);
    let inner = super::frame(f, r, "Files in this conversation", theme);
    let w = inner.width as usize;
    let rows = (inner.height as usize).saturating_sub(2);
    let first = (selected + 1).saturating_sub(rows);
    let who = |kind: MessageKind, author: Option<&String>| match kind {
        MessageKind::Inbound => app
            .open_conv()
            .map(|c| sanitize::line(&c.conversation.customer_name))
            .unwrap_or_default(),
        MessageKind::Bot => "Bot".into(),
        _ => author.map(|a| sanitize::line(a)).unwrap_or_default(),
    };
    let mut lines: Vec<Line> = files
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, (m, a))| {
            let from = format!(
                "  {} · {}",
                who(m.kind, m.author_name.as_ref()),
                format::date_time(m.created_at, app.config.tz)
            );
            let text = describe(a.kind, &a.name, &a.mime, a.size);
            let text = wrap::truncate(&text, w.saturating_sub(wrap::width(&from)).max(10));
            let role = if i == selected {
                Role::Selected
            } else {
                Role::Text
            };
            Line::from(vec![
                Span::styled(text, theme.style(role)),
                Span::styled(from, theme.style(Role::Time)),
            ])
        })
        .collect();
    while lines.len() < rows {
        lines.push(Line::raw(""));
    }
    lines.push(Line::raw(""));
    let open_label = if app.config.desktop_open {
        "open"
    } else {
        "save (no display here)"
    };
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(
            Context::Popup,
            &HINTS.map(|(c, label)| {
                (
                    c,
                    if c == Command::PopupConfirm {
                        open_label
                    } else {
                        label
                    },
                )
            }),
        ),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

/// What the files list answers, with its key hints (enter opens, or saves
/// where nothing can open a file).
pub const HINTS: [(Command, &str); 5] = [
    (Command::PopupNext, "move"),
    (Command::PopupPrev, "move"),
    (Command::PopupConfirm, "open"),
    (Command::FilesSave, "save"),
    (Command::PopupClose, "close"),
];

/// Commands while the list is open; returns whether it was handled.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Files { selected }) = app.popup else {
        return false;
    };
    let files: Vec<Attachment> = super::super::files::listed(app)
        .into_iter()
        .map(|(_, a)| a.clone())
        .collect();
    let at = super::super::files::position(app, selected);
    let choose = |i: usize| {
        Some(Popup::Files {
            selected: files.get(i).map(|a| a.id),
        })
    };
    match cmd {
        Command::PopupNext => {
            if at + 1 < files.len() {
                app.popup = choose(at + 1);
            }
        }
        Command::PopupPrev => app.popup = choose(at.saturating_sub(1)),
        Command::PopupConfirm | Command::FilesSave => {
            let Some(attachment) = files.get(at).cloned() else {
                return true;
            };
            let save = cmd == Command::FilesSave;
            app.popup = None;
            app.notify(
                format!(
                    "{} {}…",
                    if save { "saving" } else { "opening" },
                    crate::sanitize::line(&attachment.name)
                ),
                Level::Info,
            );
            fx.push(Effect::OpenFile {
                attachment,
                save,
                download_dir: app.config.download_dir.clone(),
            });
        }
        Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
