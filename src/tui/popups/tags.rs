//! Tags: every tag with how many customers carry it. Enter filters the
//! chatroom list by the tag (again: clears it); admins rename, recolour,
//! merge and delete.

use super::super::app::{App, Filters, TagsMode};
use super::super::app::{ConfirmAction, Level, Popup};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use crate::protocol::{TagInfo, TagPatch};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(
    app: &App,
    filter: &Editor,
    selected: usize,
    mode: &TagsMode,
    theme: &Theme,
    area: Rect,
    f: &mut Frame,
) {
    let r = super::centered(area, 64, 20);
    let title = match mode {
        TagsMode::MergeInto(_) => "Merge into which tag?",
        _ => "Tags",
    };
    let inner = super::frame(f, r, title, theme);
    let mut lines = vec![Line::from(vec![
        Span::styled("search: ", theme.style(Role::Label)),
        Span::styled(filter.text().to_string(), theme.style(Role::Input)),
    ])];
    let listed: Vec<_> = Filters::tag_matches(&app.mirror.tags, filter.text())
        .into_iter()
        .filter(|t| !matches!(mode, TagsMode::MergeInto(from) if *from == t.tag.id))
        .collect();
    if listed.is_empty() {
        lines.push(Line::from(Span::styled(
            "no tags",
            theme.style(Role::Muted),
        )));
    }
    let rows = inner.height.saturating_sub(3) as usize;
    let first = (selected + 1).saturating_sub(rows);
    let mut cursor = None;
    for (i, t) in listed.iter().enumerate().skip(first).take(rows) {
        let sel = i == selected;
        let base = if sel {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let active = app.filters.tag == Some(t.tag.id);
        let editing = match mode {
            TagsMode::Rename(id, ed) | TagsMode::Recolor(id, ed) if *id == t.tag.id => Some(ed),
            _ => None,
        };
        let name = match editing {
            Some(ed) => {
                cursor = Some(lines.len() as u16);
                let _ = ed;
                format!(" {} ", ed.text())
            }
            None => format!(" #{} ", sanitize::line(&t.tag.name)),
        };
        lines.push(Line::from(vec![
            Span::styled(if active { "●" } else { " " }, theme.style(Role::Connected)),
            Span::styled(name, theme.color(&t.tag.color).patch(base)),
            Span::styled(
                format!(" {} customers ", t.customers),
                theme.style(Role::Muted).patch(base),
            ),
            Span::styled(
                format!(" {}", sanitize::line(&t.tag.color)),
                theme.style(Role::Muted),
            ),
        ]));
    }
    let key = |c: Command| {
        app.config
            .keymap
            .hint(Context::Picker, c)
            .unwrap_or_default()
    };
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        format!(
            "{} filter the list · {} rename · {} colour · {} merge · {} delete",
            key(Command::PopupConfirm),
            key(Command::TagRename),
            key(Command::TagRecolor),
            key(Command::TagMerge),
            key(Command::TagDelete)
        ),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    if let (Some(row), TagsMode::Rename(_, ed) | TagsMode::Recolor(_, ed)) = (cursor, mode) {
        let col = super::super::wrap::width(&ed.text()[..ed.cursor()]) as u16;
        f.set_cursor_position((inner.x + 2 + col, inner.y + row));
    }
}

/// The tags the popup lists now (in a merge, every tag but the one merged).
fn listed(app: &App) -> Vec<TagInfo> {
    let Some(Popup::Tags { filter, mode, .. }) = &app.popup else {
        return Vec::new();
    };
    Filters::tag_matches(&app.mirror.tags, filter.text())
        .into_iter()
        .filter(|t| !matches!(mode, TagsMode::MergeInto(from) if *from == t.tag.id))
        .cloned()
        .collect()
}

/// What the list answers (typing filters it), with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupConfirm, "filter the list"),
    (Command::TagRename, "rename"),
    (Command::TagRecolor, "colour"),
    (Command::TagMerge, "merge"),
    (Command::TagDelete, "delete"),
    (Command::TagBroadcast, "broadcast"),
];

/// Moves; filters the list by the chosen tag; renames, recolours, merges,
/// deletes (admins) or broadcasts to it; closes. False for anything else.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let listed = listed(app);
    let admin = app
        .mirror
        .me
        .as_ref()
        .is_some_and(crate::protocol::model::Agent::is_admin);
    let Some(Popup::Tags { selected, mode, .. }) = app.popup.as_mut() else {
        return false;
    };
    let current = listed.get(*selected).cloned();
    match cmd {
        Command::PopupNext if *selected + 1 < listed.len() => *selected += 1,
        Command::PopupNext => {}
        Command::PopupPrev => *selected = selected.saturating_sub(1),
        Command::PopupClose => {
            if *mode == TagsMode::Browse {
                app.popup = None;
            } else {
                *mode = TagsMode::Browse;
            }
        }
        Command::PopupConfirm => match mode.clone() {
            TagsMode::Browse => {
                if let Some(t) = current {
                    let id = t.tag.id;
                    app.popup = None;
                    super::super::panes::list::set_filter(app, fx, |f| {
                        f.tag = if f.tag == Some(id) { None } else { Some(id) }
                    });
                }
            }
            TagsMode::Rename(id, ed) => {
                fx.push(Effect::UpdateTag(
                    id,
                    TagPatch {
                        name: Some(ed.text().trim().to_string()),
                        color: None,
                    },
                ));
                *mode = TagsMode::Browse;
            }
            TagsMode::Recolor(id, ed) => {
                fx.push(Effect::UpdateTag(
                    id,
                    TagPatch {
                        name: None,
                        color: Some(ed.text().trim().to_string()),
                    },
                ));
                *mode = TagsMode::Browse;
            }
            TagsMode::MergeInto(from) => {
                if let Some(into) = current {
                    let from_info = app.mirror.tags.iter().find(|t| t.tag.id == from).cloned();
                    let message = match from_info {
                        Some(f) => format!(
                            "Merge {} ({} customers) into {}? {} goes away.",
                            f.tag.name, f.customers, into.tag.name, f.tag.name
                        ),
                        None => format!("Merge into {}?", into.tag.name),
                    };
                    app.popup = Some(Popup::Confirm {
                        message,
                        action: ConfirmAction::MergeTags(from, into.tag.id),
                    });
                }
            }
        },
        Command::TagRename
        | Command::TagRecolor
        | Command::TagMerge
        | Command::TagDelete
        | Command::TagBroadcast => {
            if !admin {
                app.notify("only admins manage tags", Level::Info);
                return true;
            }
            let Some(t) = current else { return true };
            match cmd {
                Command::TagRename => {
                    *mode = TagsMode::Rename(t.tag.id, Editor::with_text(&t.tag.name));
                }
                Command::TagRecolor => {
                    *mode = TagsMode::Recolor(t.tag.id, Editor::with_text(&t.tag.color));
                }
                Command::TagMerge => {
                    *mode = TagsMode::MergeInto(t.tag.id);
                    *selected = 0;
                }
                Command::TagBroadcast => {
                    let form = super::broadcast::BroadcastForm {
                        tag: t.tag.clone(),
                        text: Editor::new(),
                        when: Editor::new(),
                        channel: None,
                        field: 0,
                        recipients: None,
                        error: None,
                        saving: false,
                    };
                    fx.push(Effect::BroadcastPreview(form.audience()));
                    app.popup = Some(Popup::Broadcast(form));
                }
                _ => {
                    app.popup = Some(Popup::Confirm {
                        message: format!(
                            "Delete the tag {}? {} customer{} lose it.",
                            t.tag.name,
                            t.customers,
                            if t.customers == 1 { "" } else { "s" }
                        ),
                        action: ConfirmAction::DeleteTag(t.tag.id),
                    });
                }
            }
        }
        // Quitting goes on to the app, which asks first when replies
        // are not sent yet.
        _ => return false,
    }
    true
}
