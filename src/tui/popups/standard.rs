//! The standard-reply picker: folders in scope for this conversation,
//! fuzzy search across their messages, and a preview with placeholders
//! filled. Enter puts it in the reply; the send key sends it at once.

use super::super::app::App;
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::keymap::Context;
use super::super::standard::{filled, hits, in_scope, message};
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
    let inner = super::frame(f, r, "Standard replies", theme);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("search: ", theme.style(Role::Label)),
            Span::styled(filter.text().to_string(), theme.style(Role::Input)),
        ])),
        Rect { height: 1, ..inner },
    );
    let col = super::super::wrap::width(&filter.text()[..filter.cursor()]) as u16;
    f.set_cursor_position((
        inner.x + 8 + col.min(inner.width.saturating_sub(9)),
        inner.y,
    ));

    let found = hits(app, filter.text());
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
    if found.is_empty() {
        let text = if in_scope(app).is_empty() {
            "No standard replies are set up for this conversation's channel and your team."
        } else {
            "No standard reply matches."
        };
        f.render_widget(
            Paragraph::new(Span::styled(text, theme.style(Role::Muted))),
            list,
        );
    }
    let w = list.width as usize;
    let first = (selected + 1).saturating_sub(list_h as usize);
    let rows: Vec<Line> = found
        .iter()
        .enumerate()
        .skip(first)
        .take(list_h as usize)
        .map(|(i, h)| {
            let (folder, m) = message(app, *h);
            let base = if i == selected {
                theme.style(Role::Selected)
            } else {
                Style::default()
            };
            let name = truncate(&sanitize::line(&folder.name), 18);
            let text = truncate(&sanitize::line(&m.text), w.saturating_sub(22));
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
        .collect();
    f.render_widget(Paragraph::new(rows), list);
    let sep = "─".repeat(inner.width as usize);
    f.render_widget(
        Paragraph::new(Span::styled(sep, theme.style(Role::Border))),
        Rect {
            y: list.y + list_h,
            height: 1,
            ..inner
        },
    );
    if let Some(h) = found.get(selected) {
        let text = sanitize::multiline(&filled(app, *h));
        let lines: Vec<Line> = wrap(&text, preview.width as usize)
            .into_iter()
            .take(preview.height as usize)
            .map(|l| Line::from(Span::styled(l, theme.style(Role::Input))))
            .collect();
        f.render_widget(Paragraph::new(lines), preview);
    }
    let insert = app
        .keymap
        .hint(Context::Picker, Command::PopupConfirm)
        .unwrap_or_default();
    let send = app
        .keymap
        .hint(Context::Picker, Command::StandardSend)
        .unwrap_or_default();
    let close = app
        .keymap
        .hint(Context::Picker, Command::PopupClose)
        .unwrap_or_default();
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(insert, theme.style(Role::HintKey)),
            Span::styled(" put in the reply   ", theme.style(Role::Muted)),
            Span::styled(send, theme.style(Role::HintKey)),
            Span::styled(" send now   ", theme.style(Role::Muted)),
            Span::styled(close, theme.style(Role::HintKey)),
            Span::styled(" close", theme.style(Role::Muted)),
        ])),
        Rect {
            y: inner.y + inner.height.saturating_sub(1),
            height: 1,
            ..inner
        },
    );
}
