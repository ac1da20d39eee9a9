//! The standard-reply picker, as the help centre's folder in the live chat:
//! the folders in scope for the open conversation, then a folder's
//! messages, or a fuzzy search across all of them; placeholders filled for
//! the preview and the reply; and, where the agent may, new, edit and
//! delete for folders and messages (the forms are the settings screen's).

use super::app::{App, ConfirmAction, Focus, Level, Popup};
use super::command::Command;
use super::editor::Editor;
use super::event::Effect;
use crate::protocol::*;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// A message in `app.mirror.standard`, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub folder: usize,
    pub message: usize,
}

/// The open conversation's channel.
fn channel(app: &App) -> Option<ChannelKind> {
    app.open_conv().map(|c| c.conversation.channel)
}

/// Folders the agent may use in the open conversation (the same rule the
/// server applies: channel, team, assignees).
pub fn in_scope(app: &App) -> Vec<usize> {
    let Some(me) = app.mirror.me.as_ref() else {
        return Vec::new();
    };
    let ch = channel(app);
    app.mirror
        .standard
        .iter()
        .enumerate()
        .filter(|(_, f)| f.visible_to(me, ch))
        .map(|(i, _)| i)
        .collect()
}

/// Matching messages, best first; every message in scope when `query` is empty.
pub fn hits(app: &App, query: &str) -> Vec<Hit> {
    let scope = in_scope(app);
    let all = scope.iter().flat_map(|&f| {
        (0..app.mirror.standard[f].messages.len()).map(move |m| Hit {
            folder: f,
            message: m,
        })
    });
    let query = query.trim();
    if query.is_empty() {
        return all.collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, Hit)> = all
        .filter_map(|h| {
            let f = &app.mirror.standard[h.folder];
            let hay = format!("{} {}", f.name, f.messages[h.message].text);
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|s| (s, h))
        })
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, h)| h).collect()
}

pub fn message(app: &App, hit: Hit) -> (&StandardFolder, &StandardMessage) {
    let f = &app.mirror.standard[hit.folder];
    (f, &f.messages[hit.message])
}

/// The message with its placeholders filled for the open conversation.
pub fn filled(app: &App, hit: Hit) -> String {
    let (_, m) = message(app, hit);
    fill_placeholders(
        &m.text,
        app.open_customer(),
        app.mirror.me.as_ref(),
        channel(app),
    )
}

/// Any text with its placeholders filled for the open conversation.
pub fn fill_text(app: &App, text: &str) -> String {
    fill_placeholders(
        text,
        app.open_customer(),
        app.mirror.me.as_ref(),
        channel(app),
    )
}

/// Puts `text` into a conversation's reply at the cursor; a second reply
/// inserted after text goes on a new line, so several can be combined.
pub fn insert_into_draft(app: &mut App, id: ConversationId, text: &str) {
    let draft = app.drafts.entry(id).or_default();
    let before = &draft.text()[..draft.cursor()];
    if !before.is_empty() && !before.ends_with(char::is_whitespace) {
        draft.insert_char('\n');
    }
    draft.insert(text);
}

/// What the picker lists now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// The folders in scope (indexes into `app.mirror.standard`).
    Folders(Vec<usize>),
    /// One folder's messages.
    Messages(usize, Vec<Hit>),
    /// Search results across every folder in scope.
    Found(Vec<Hit>),
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Folders(v) => v.len(),
            Rows::Messages(_, v) | Rows::Found(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The message on row `i`, when the rows are messages.
    pub fn hit(&self, i: usize) -> Option<Hit> {
        match self {
            Rows::Folders(_) => None,
            Rows::Messages(_, v) | Rows::Found(v) => v.get(i).copied(),
        }
    }
}

/// The picker's rows for its state.
pub fn rows(app: &App) -> Rows {
    let Some(Popup::Standard {
        filter,
        folder,
        searching,
        ..
    }) = &app.popup
    else {
        return Rows::Found(Vec::new());
    };
    if *searching {
        return Rows::Found(hits(app, filter.text()));
    }
    let scope = in_scope(app);
    // A folder that left the scope (an admin changed it) is left too.
    match folder.and_then(|id| {
        scope
            .iter()
            .copied()
            .find(|&i| app.mirror.standard[i].id == id)
    }) {
        Some(fi) => Rows::Messages(
            fi,
            (0..app.mirror.standard[fi].messages.len())
                .map(|m| Hit {
                    folder: fi,
                    message: m,
                })
                .collect(),
        ),
        None => Rows::Folders(scope),
    }
}

/// Opens the picker on the folders.
pub fn open(app: &mut App, fx: &mut Vec<Effect>) {
    app.popup = Some(Popup::Standard {
        filter: Editor::new(),
        selected: 0,
        folder: None,
        searching: false,
    });
    fx.push(Effect::LoadStandard);
}

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

/// Whether the agent may change `folder`, or why not.
/// Whether this agent may change `folder`, by the server's rule
/// ([`may_manage`]); the reason when not.
pub fn may_change(app: &App, folder: &StandardFolder) -> Result<(), String> {
    let Some(me) = app.mirror.me.as_ref() else {
        return Err("not signed in yet".into());
    };
    let ids: Vec<AgentId> = folder.assignees.iter().map(|a| a.id).collect();
    may_manage(
        me,
        app.mirror.standard_editing,
        folder.team.as_ref().map(|t| t.id),
        &ids,
    )
}

/// A command while the picker is open; returns whether it was handled.
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
                Ok(()) => app.settings.form = Some(super::settings::message_form(f.id, None)),
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
            app.settings.form = Some(super::settings::new_folder_form(channel, me.id));
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
            app.settings.form = Some(super::settings::message_form(folder.id, Some(&m)));
        }
        (None, false) => app.settings.form = Some(super::settings::edit_folder_form(app, &folder)),
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
        super::update::run_command(app, Command::ComposeSend, fx);
        // What was being typed stays for later.
        app.drafts.entry(id).or_default().insert(&kept);
    } else {
        insert_into_draft(app, id, &text);
        app.focus = Focus::Compose;
    }
}
