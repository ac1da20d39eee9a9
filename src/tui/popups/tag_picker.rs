//! Adding a tag to the customer: filters as you type; a name that matches
//! no tag can be created on the spot.

use super::super::app::App;
use super::super::app::Popup;
use super::super::command::Command;
use super::super::customer::{tag_choices, TagChoice};
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::theme::{Role, Theme};
use crate::protocol::{BulkAction, TagCustomer};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, filter: &Editor, selected: usize, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 50, 16);
    let inner = super::frame(f, r, "Add a tag", theme);
    let mut lines = vec![Line::from(vec![
        Span::styled("tag: ", theme.style(Role::Label)),
        Span::styled(filter.text().to_string(), theme.style(Role::Input)),
    ])];
    let choices = tag_choices(app, filter.text());
    if choices.is_empty() {
        lines.push(Line::from(Span::styled(
            "type a name to create a tag",
            theme.style(Role::Muted),
        )));
    }
    let rows = inner.height.saturating_sub(2) as usize;
    let first = (selected + 1).saturating_sub(rows);
    for (i, c) in choices.iter().enumerate().skip(first).take(rows) {
        let sel = i == selected;
        let base = if sel {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        lines.push(match c {
            TagChoice::Existing(t) => {
                let count = app
                    .mirror
                    .tags
                    .iter()
                    .find(|x| x.tag.id == t.id)
                    .map(|x| x.customers)
                    .unwrap_or(0);
                Line::from(vec![
                    Span::styled(
                        format!(" #{} ", sanitize::line(&t.name)),
                        theme.color(&t.color).patch(base),
                    ),
                    Span::styled(
                        format!(" {count} customers"),
                        theme.style(Role::Muted).patch(base),
                    ),
                ])
            }
            TagChoice::Create(name) => Line::from(Span::styled(
                format!(" + create the tag “{}”", sanitize::line(name)),
                theme.style(Role::Notice).patch(base),
            )),
        });
    }
    f.render_widget(Paragraph::new(lines), inner);
    let col = super::super::wrap::width(&filter.text()[..filter.cursor()]) as u16;
    f.set_cursor_position((
        inner.x + 5 + col.min(inner.width.saturating_sub(6)),
        inner.y,
    ));
}

/// What the picker answers (typing filters it), with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupNext, "move"),
    (Command::PopupPrev, "move"),
    (Command::PopupConfirm, "tag"),
    (Command::PopupClose, "close"),
];

/// Moves; tags the customer (of every marked conversation, or the open
/// one) with the chosen tag or a new one; closes. False for anything else.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::TagPicker { selected, filter }) = app.popup.as_mut() else {
        return false;
    };
    let (sel, q) = (*selected, filter.text().to_string());
    match cmd {
        Command::PopupNext => {
            let n = tag_choices(app, &q).len();
            if let Some(Popup::TagPicker { selected, .. }) = app.popup.as_mut() {
                if sel + 1 < n {
                    *selected = sel + 1;
                }
            }
        }
        Command::PopupPrev => *selected = selected.saturating_sub(1),
        Command::PopupClose => app.popup = None,
        Command::PopupConfirm => {
            let choice = tag_choices(app, &q).into_iter().nth(sel);
            if !app.marked.is_empty() {
                if let Some(choice) = choice {
                    app.popup = None;
                    let action = match choice {
                        TagChoice::Existing(t) => BulkAction::Tag {
                            tag_id: Some(t.id),
                            name: None,
                        },
                        TagChoice::Create(name) => BulkAction::Tag {
                            tag_id: None,
                            name: Some(name),
                        },
                    };
                    super::super::triage::bulk(app, action, fx);
                }
                return true;
            }
            if let (Some(choice), Some(c)) = (choice, app.open_customer().map(|c| c.id)) {
                let tag = match choice {
                    TagChoice::Existing(t) => TagCustomer {
                        tag_id: Some(t.id),
                        name: None,
                    },
                    TagChoice::Create(name) => TagCustomer {
                        tag_id: None,
                        name: Some(name),
                    },
                };
                fx.push(Effect::TagCustomer(c, tag));
                app.popup = None;
            }
        }
        _ => return false,
    }
    true
}
