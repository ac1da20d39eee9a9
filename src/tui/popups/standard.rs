//! The standard replies, drawn as the help centre's folder in the live
//! chat: the folders in scope, then a folder's messages (or, searching,
//! every reply that matches), with the chosen reply's preview filled for
//! this conversation, and the keys in force.

use super::super::app::{App, ConfirmAction, Focus, Level, Popup};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::standard::{
    channel, fill_text, filled, in_scope, insert_into_draft, may_change, rows, Hit, Rows,
};
use super::super::theme::{Role, Theme};
use super::super::wrap::{truncate, wrap};
use crate::protocol::{preview_text, FolderId, StandardEditing};
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

    let (ctx, items) = match (&rows, searching) {
        (_, true) => (Context::Picker, SEARCH_HINTS),
        (Rows::Folders(_), false) => (Context::Standard, FOLDER_HINTS),
        (_, false) => (Context::Standard, MESSAGE_HINTS),
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

/// What the picker answers, with its key hints: searching, in the folders
/// and in a folder.
pub const SEARCH_HINTS: &[(Command, &str)] = &[
    (Command::PopupConfirm, "put in the reply"),
    (Command::StandardSend, "send now"),
    (Command::PopupClose, "back"),
];

pub const FOLDER_HINTS: &[(Command, &str)] = &[
    (Command::PopupConfirm, "open"),
    (Command::StandardSearch, "search"),
    (Command::StandardNew, "new folder"),
    (Command::StandardEdit, "edit"),
    (Command::StandardDelete, "delete"),
    (Command::PopupClose, "close"),
];

pub const MESSAGE_HINTS: &[(Command, &str)] = &[
    (Command::PopupConfirm, "put in the reply"),
    (Command::StandardSend, "send now"),
    (Command::StandardNew, "new"),
    (Command::StandardEdit, "edit"),
    (Command::StandardDelete, "delete"),
    (Command::StandardBack, "folders"),
];

fn state(app: &mut App) -> Option<(&mut Editor, &mut usize, &mut Option<FolderId>, &mut bool)> {
    match app.popup.as_mut() {
        Some(Popup::Standard {
            filter,
            selected,
            folder,
            searching,
        }) => Some((filter, selected, folder, searching)),
        _ => None,
    }
}

/// A command while the picker is open; returns whether it was handled
/// (everything but quitting is: what it does not know does nothing).
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let rows = rows(app);
    let Some((_, selected, folder, searching)) = state(app) else {
        return false;
    };
    let (sel, open_folder, search) = (*selected, *folder, *searching);
    match cmd {
        Command::PopupNext if sel + 1 < rows.len() => set(app, |_, s, _, _| *s = sel + 1),
        Command::PopupNext => {}
        Command::PopupPrev => set(app, |_, s, _, _| *s = sel.saturating_sub(1)),
        Command::StandardSearch => set(app, |_, s, _, searching| {
            *searching = true;
            *s = 0;
        }),
        // Out of the search, or out of a folder; esc closes from the
        // folders and the messages alike.
        Command::StandardBack | Command::PopupClose if search => {
            set(app, |filter, s, _, searching| {
                *searching = false;
                filter.clear();
                *s = 0;
            });
        }
        Command::StandardBack => match open_folder {
            Some(id) => {
                let scope = in_scope(app);
                let at = scope
                    .iter()
                    .position(|&i| app.mirror.standard[i].id == id)
                    .unwrap_or(0);
                set(app, |_, s, folder, _| {
                    *folder = None;
                    *s = at;
                });
            }
            None => app.popup = None,
        },
        Command::PopupClose => app.popup = None,
        Command::PopupConfirm => match &rows {
            Rows::Folders(v) => {
                if let Some(&fi) = v.get(sel) {
                    let id = app.mirror.standard[fi].id;
                    set(app, |_, s, folder, _| {
                        *folder = Some(id);
                        *s = 0;
                    });
                }
            }
            _ => use_hit(app, rows.hit(sel), false, fx),
        },
        Command::StandardSend => use_hit(app, rows.hit(sel), true, fx),
        Command::PickerAdd => add_hit(app, rows.hit(sel)),
        Command::StandardNew => new(app, &rows),
        Command::StandardEdit => change(app, &rows, sel, false),
        Command::StandardDelete => change(app, &rows, sel, true),
        Command::Quit => return false,
        _ => {}
    }
    true
}

fn set(app: &mut App, f: impl FnOnce(&mut Editor, &mut usize, &mut Option<FolderId>, &mut bool)) {
    if let Some((filter, selected, folder, searching)) = state(app) {
        f(filter, selected, folder, searching);
    }
}

/// `n`: a folder (in the folders) or a message (in a folder).
fn new(app: &mut App, rows: &Rows) {
    match rows {
        Rows::Messages(fi, _) => {
            let f = app.mirror.standard[*fi].clone();
            match may_change(app, &f) {
                Ok(()) => {
                    app.settings.form = Some(super::super::settings::message_form(f.id, None));
                }
                Err(why) => app.notify(why, Level::Info),
            }
        }
        Rows::Folders(_) => {
            let Some(me) = app.mirror.me.clone() else {
                return;
            };
            if !me.is_admin() && app.mirror.standard_editing == StandardEditing::Admins {
                app.notify(
                    "only admins change standard messages on this server",
                    Level::Info,
                );
                return;
            }
            // For this conversation's channel and for the agent: what an
            // agent may keep without asking anyone.
            let channel = channel(app);
            app.settings.form = Some(super::super::settings::new_folder_form(channel, me.id));
        }
        Rows::Found(_) => app.notify(
            "leave the search to add: a folder in the folders, a message in a folder",
            Level::Info,
        ),
    }
}

/// `e` or `d` on the chosen folder or message.
fn change(app: &mut App, rows: &Rows, selected: usize, delete: bool) {
    let (folder, message) = match rows {
        Rows::Folders(v) => match v.get(selected) {
            Some(&fi) => (app.mirror.standard[fi].clone(), None),
            None => return,
        },
        _ => match rows.hit(selected) {
            Some(h) => {
                let f = app.mirror.standard[h.folder].clone();
                let m = f.messages[h.message].clone();
                (f, Some(m))
            }
            None => return,
        },
    };
    if let Err(why) = may_change(app, &folder) {
        app.notify(why, Level::Info);
        return;
    }
    match (message, delete) {
        (Some(m), false) => {
            app.settings.form = Some(super::super::settings::message_form(folder.id, Some(&m)));
        }
        (None, false) => {
            app.settings.form = Some(super::super::settings::edit_folder_form(app, &folder));
        }
        (Some(m), true) => confirm(
            app,
            format!(
                "Delete this message from {}?\n“{}”",
                folder.name,
                preview_text(&m.text, 60)
            ),
            ConfirmAction::DeleteStandardMessage(m.id),
        ),
        (None, true) => confirm(
            app,
            format!(
                "Delete the folder {} and its {} message{}?",
                folder.name,
                folder.messages.len(),
                if folder.messages.len() == 1 { "" } else { "s" }
            ),
            ConfirmAction::DeleteFolder(folder.id),
        ),
    }
}

/// Asks first, and comes back to the picker whatever the answer.
fn confirm(app: &mut App, message: String, action: ConfirmAction) {
    app.after_confirm = app.popup.take().map(Box::new);
    app.popup = Some(Popup::Confirm { message, action });
}

/// Inserts the reply at the cursor and keeps the picker open for the next
/// one, searching afresh.
fn add_hit(app: &mut App, hit: Option<Hit>) {
    let (Some(hit), Some(id)) = (hit, app.open) else {
        return;
    };
    let text = filled(app, hit);
    insert_into_draft(app, id, &text);
    if let Some((filter, selected, _, searching)) = state(app) {
        if *searching {
            filter.clear();
            *selected = 0;
        }
    }
    app.notify("added to the reply; choose another, or esc", Level::Info);
}

/// Puts the reply, placeholders filled, into the compose box at the
/// cursor, or sends it at once keeping what was being typed.
fn use_hit(app: &mut App, hit: Option<Hit>, send_now: bool, fx: &mut Vec<Effect>) {
    let (Some(hit), Some(id)) = (hit, app.open) else {
        return;
    };
    let text = filled(app, hit);
    app.popup = None;
    if send_now {
        let draft = app.drafts.entry(id).or_default();
        let kept = draft.take();
        draft.insert(&text);
        super::super::update::run_command(app, Command::ComposeSend, fx);
        // What was being typed stays for later.
        app.drafts.entry(id).or_default().insert(&kept);
    } else {
        insert_into_draft(app, id, &text);
        app.focus = Focus::Compose;
    }
}
