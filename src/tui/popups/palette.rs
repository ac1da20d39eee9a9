//! The command palette: the line being typed, and what it finds, each
//! with the key bound to it where there is one.

use super::super::app::{App, Popup};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::palette::{self, typed, Item, Palette};
use super::super::theme::{Role, Theme};
use super::super::wrap;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, p: &Palette, theme: &Theme, area: Rect, f: &mut Frame) {
    let width = area.width.saturating_sub(8).min(96);
    let height = area.height.saturating_sub(4).min(24);
    let r = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + 2.min(area.height),
        width,
        height,
    );
    let typed_mode = palette::is_typed(p.input.text());
    let title = if typed_mode { "Command" } else { "Palette" };
    let inner = super::frame(f, r, title, theme);
    let w = inner.width as usize;
    let input = p.input.text();
    let mut lines = vec![Line::from(vec![
        Span::styled(
            if typed_mode { "" } else { "› " },
            theme.style(Role::HintKey),
        ),
        Span::styled(sanitize::line(input), theme.style(Role::Input)),
    ])];
    let below = match &p.error {
        Some(e) => Span::styled(sanitize::line(e), theme.style(Role::Error)),
        None if typed_mode => {
            // What the first word takes.
            let verb = input
                .trim_start_matches(':')
                .split_whitespace()
                .next()
                .unwrap_or("");
            let usage = typed::VERBS
                .iter()
                .find(|(v, _)| *v == verb)
                .map(|(_, u)| format!(":{u}"))
                .unwrap_or_else(|| {
                    "assign bob · snooze 2h · priority high · filter channel=line · tag refund"
                        .into()
                });
            Span::styled(usage, theme.style(Role::Muted))
        }
        None => Span::styled(
            "commands, conversations, standard replies, macros · start with : to type a command",
            theme.style(Role::Muted),
        ),
    };
    lines.push(Line::from(below));
    let items = &p.found;
    let rows = (inner.height as usize).saturating_sub(4);
    let first = (p.selected + 1).saturating_sub(rows);
    if items.is_empty() {
        lines.push(Line::from(Span::styled(
            if typed_mode && input.trim_start_matches(':').trim().is_empty() {
                "no commands typed yet"
            } else {
                "nothing matches"
            },
            theme.style(Role::Muted),
        )));
    }
    for (i, item) in items.iter().enumerate().skip(first).take(rows) {
        let base = if i == p.selected {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let (label, right, right_role) = describe(app, p.from, item);
        let rw = wrap::width(&right);
        let label = wrap::truncate(&sanitize::line(&label), w.saturating_sub(rw + 3));
        let pad = w.saturating_sub(wrap::width(&label) + rw + 1);
        lines.push(Line::from(vec![
            Span::styled(format!(" {label}"), base),
            Span::styled(" ".repeat(pad), base),
            Span::styled(right, theme.style(right_role).patch(base)),
        ]));
    }
    let hint = app.config.keymap.hints(Context::Picker, HINTS);
    let footer_row = inner.height.saturating_sub(1);
    f.render_widget(Paragraph::new(lines), inner);
    f.render_widget(
        Paragraph::new(Span::styled(hint, theme.style(Role::Muted))),
        Rect::new(inner.x, inner.y + footer_row, inner.width, 1),
    );
    let prompt = if typed_mode { 0 } else { 2 };
    let col = (prompt + wrap::width(&input[..p.input.cursor()])) as u16;
    f.set_cursor_position((
        (inner.x + col).min(inner.x + inner.width.saturating_sub(1)),
        inner.y,
    ));
}

/// An item's label, and what is shown at the right (a key, or its kind).
fn describe(app: &App, from: Context, item: &Item) -> (String, String, Role) {
    match item {
        Item::Command(c) => (
            format!("{}  ({})", c.description(), c.name()),
            app.config.keymap.hint(from, *c).unwrap_or_default(),
            Role::HintKey,
        ),
        Item::Conversation(id) => {
            let c = app.mirror.convs.get(id).map(|c| &c.conversation);
            (
                c.map(|c| c.customer_name.clone()).unwrap_or_default(),
                c.map(|c| format!("conversation · {}", c.channel.display_name()))
                    .unwrap_or_default(),
                Role::Muted,
            )
        }
        Item::Standard(h) => {
            let (folder, m) = super::super::standard::message(app, *h);
            (
                m.text.replace('\n', " "),
                format!("reply · {}", folder.name),
                Role::Muted,
            )
        }
        Item::Macro(name) => (
            format!("macro {name}"),
            app.config.keymap.macro_key(from, name).unwrap_or_default(),
            Role::HintKey,
        ),
        Item::Line(l) => (format!(":{l}"), String::new(), Role::Muted),
    }
}

/// What the palette answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupConfirm, "run"),
    (Command::PickerAdd, "complete"),
    (Command::PopupClose, "close"),
];

/// Keys inside the palette; returns whether it handled `cmd` (what it
/// leaves goes on to the app).
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Palette(p)) = app.popup.as_ref() else {
        return false;
    };
    let input = p.input.text().to_string();
    let selected = p.selected;
    let chosen = p.found.get(selected).cloned();
    let n = p.found.len();
    match cmd {
        Command::PopupClose => app.popup = None,
        Command::PopupNext => {
            if let Some(Popup::Palette(p)) = app.popup.as_mut() {
                if p.selected + 1 < n {
                    p.selected += 1;
                }
            }
        }
        Command::PopupPrev => {
            if let Some(Popup::Palette(p)) = app.popup.as_mut() {
                p.selected = p.selected.saturating_sub(1);
            }
        }
        Command::PickerAdd => {
            // Take the chosen completion into the line, to go on typing.
            if let Some(Item::Line(l)) = chosen {
                if let Some(Popup::Palette(p)) = app.popup.as_mut() {
                    let sep = if l.ends_with('=') { "" } else { " " };
                    p.input = Editor::with_text(&format!(":{l}{sep}"));
                    p.selected = 0;
                    p.error = None;
                }
                palette::refresh(app);
            }
        }
        Command::PopupConfirm => {
            if palette::is_typed(&input) {
                palette::run_line(app, &input, chosen, fx);
            } else if let Some(item) = chosen {
                palette::choose(app, item, fx);
            }
        }
        _ => return false,
    }
    true
}
