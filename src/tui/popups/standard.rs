//! The standard replies, drawn as the help centre's folder in the live
//! chat: the folders in scope, then a folder's messages (or, searching,
//! every reply that matches), with the chosen reply's preview filled for
//! this conversation, and the keys in force.

use super::super::app::{App, Popup};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::keymap::Context;
use super::super::standard::{fill_text, filled, in_scope, rows, Rows};
use super::super::theme::{Role, Theme};
use super::super::wrap::{truncate, wrap};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, filter: &Editor, selected: usize, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(
        area,
        area.width.saturating_sub(10).min(100),
        area.height.saturating_sub(6).min(30),
    );
    let rows = rows(app);
    let searching = matches!(
        app.popup,
        Some(Popup::Standard {
            searching: true,
            ..
        })
    );
    let title = match &rows {
        Rows::Messages(fi, _) => format!(
            "Standard replies › {}",
            sanitize::line(&app.mirror.standard[*fi].name)
        ),
        _ => "Standard replies".to_string(),
    };
    let inner = super::frame(f, r, &title, theme);
    // The first line: the search, or where we are.
    let top = if searching {
        let col = super::super::wrap::width(&filter.text()[..filter.cursor()]) as u16;
        f.set_cursor_position((
            inner.x + 8 + col.min(inner.width.saturating_sub(9)),
            inner.y,
        ));
        Line::from(vec![
            Span::styled("search: ", theme.style(Role::Label)),
            Span::styled(filter.text().to_string(), theme.style(Role::Input)),
        ])
    } else {
        match &rows {
            Rows::Messages(fi, v) => {
                let fl = &app.mirror.standard[*fi];
                let team = fl
                    .team
                    .as_ref()
                    .map(|t| format!(" · {}", sanitize::line(&t.name)))
                    .unwrap_or_default();
                let who = if fl.assignees.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = fl
                        .assignees
                        .iter()
                        .map(|a| sanitize::line(&a.name))
                        .collect();
                    format!(" · {}", names.join(", "))
                };
                Line::from(Span::styled(
                    format!(
                        "{}{team}{who} · {} message{}",
                        fl.channels_label(),
                        v.len(),
                        if v.len() == 1 { "" } else { "s" }
                    ),
                    theme.style(Role::Muted),
                ))
            }
            _ => Line::from(Span::styled(
                "Folders for this conversation",
                theme.style(Role::Muted),
            )),
        }
    };
    f.render_widget(Paragraph::new(top), Rect { height: 1, ..inner });

    let list_h = (inner.height.saturating_sub(3) / 2).max(3);
    let list = Rect {
        y: inner.y + 2,
        height: list_h,
        ..inner
    };
    let preview = Rect {
        y: list.y + list_h + 1,
        height: inner.height.saturating_sub(list_h + 4),
        ..inner
    };
    if rows.is_empty() {
        let text = match &rows {
            _ if in_scope(app).is_empty() => {
                "No standard replies are set up for this conversation's channel and your team."
            }
            Rows::Messages(..) => "This folder is empty.",
            _ => "No standard reply matches.",
        };
        f.render_widget(
            Paragraph::new(Span::styled(text, theme.style(Role::Muted))),
            list,
        );
    }
    let w = list.width as usize;
    let first = (selected + 1).saturating_sub(list_h as usize);
    let style = |i: usize| {
        if i == selected {
            theme.style(Role::Selected)
        } else {
            Style::default()
        }
    };
    let lines: Vec<Line> = match &rows {
        Rows::Folders(v) => v
            .iter()
            .enumerate()
            .skip(first)
            .take(list_h as usize)
            .map(|(i, &fi)| {
                let fl = &app.mirror.standard[fi];
                let base = style(i);
                let name = truncate(&sanitize::line(&fl.name), 28);
                let info = format!("{} · {}", fl.channels_label(), fl.messages.len());
                Line::from(vec![
                    Span::styled(
                        format!(" ▸ {name:<28} "),
                        theme.style(Role::Label).patch(base),
                    ),
                    Span::styled(
                        format!(
                            "{:<width$}",
                            truncate(&info, w.saturating_sub(33)),
                            width = w.saturating_sub(33)
                        ),
                        theme.style(Role::Muted).patch(base),
                    ),
                ])
            })
            .collect(),
        Rows::Messages(_, v) => v
            .iter()
            .enumerate()
            .skip(first)
            .take(list_h as usize)
            .map(|(i, h)| {
                let m = &app.mirror.standard[h.folder].messages[h.message];
                let text = truncate(&sanitize::line(&m.text), w.saturating_sub(2));
                Line::from(Span::styled(
                    format!(" {text:<width$}", width = w.saturating_sub(1)),
                    theme.style(Role::Text).patch(style(i)),
                ))
            })
            .collect(),
        Rows::Found(v) => v
            .iter()
            .enumerate()
            .skip(first)
            .take(list_h as usize)
            .map(|(i, h)| {
                let fl = &app.mirror.standard[h.folder];
                let base = style(i);
                let name = truncate(&sanitize::line(&fl.name), 18);
                let text = truncate(
                    &sanitize::line(&fl.messages[h.message].text),
                    w.saturating_sub(22),
                );
                Line::from(vec![
                    Span::styled(
                        format!(" {name:<18} "),
                        theme.style(Role::Label).patch(base),
                    ),
                    Span::styled(
                        format!("{text:<width$}", width = w.saturating_sub(20)),
                        theme.style(Role::Text).patch(base),
                    ),
                ])
            })
            .collect(),
    };
    f.render_widget(Paragraph::new(lines), list);
    let sep = "─".repeat(inner.width as usize);
    f.render_widget(
        Paragraph::new(Span::styled(sep, theme.style(Role::Border))),
        Rect {
            y: list.y + list_h,
            height: 1,
            ..inner
        },
    );
    // The preview: the chosen reply as it will be sent, or a folder's first
    // replies.
    let text = match (&rows, rows.hit(selected)) {
        (_, Some(h)) => sanitize::multiline(&filled(app, h)),
        (Rows::Folders(v), None) => v
            .get(selected)
            .map(|&fi| {
                app.mirror.standard[fi]
                    .messages
                    .iter()
                    .take(4)
                    .map(|m| format!("• {}", sanitize::line(&fill_text(app, &m.text))))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let lines: Vec<Line> = wrap(&text, preview.width as usize)
        .into_iter()
        .take(preview.height as usize)
        .map(|l| Line::from(Span::styled(l, theme.style(Role::Input))))
        .collect();
    f.render_widget(Paragraph::new(lines), preview);

    let (ctx, items): (Context, &[(Command, &str)]) = match (&rows, searching) {
        (_, true) => (
            Context::Picker,
            &[
                (Command::PopupConfirm, "put in the reply"),
                (Command::StandardSend, "send now"),
                (Command::PopupClose, "back"),
            ],
        ),
        (Rows::Folders(_), false) => (
            Context::Standard,
            &[
                (Command::PopupConfirm, "open"),
                (Command::StandardSearch, "search"),
                (Command::StandardNew, "new folder"),
                (Command::StandardEdit, "edit"),
                (Command::StandardDelete, "delete"),
                (Command::PopupClose, "close"),
            ],
        ),
        (_, false) => (
            Context::Standard,
            &[
                (Command::PopupConfirm, "put in the reply"),
                (Command::StandardSend, "send now"),
                (Command::StandardNew, "new"),
                (Command::StandardEdit, "edit"),
                (Command::StandardDelete, "delete"),
                (Command::StandardBack, "folders"),
            ],
        ),
    };
    f.render_widget(
        Paragraph::new(Span::styled(
            app.config.keymap.hints(ctx, items),
            theme.style(Role::Muted),
        )),
        Rect {
            y: inner.y + inner.height.saturating_sub(1),
            height: 1,
            ..inner
        },
    );
}
