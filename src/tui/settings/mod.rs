//! The standard-message settings screen: folders (filterable by channel)
//! and their messages, forms to create and edit them, and the spreadsheet
//! template, import and export. State and its changes live here; drawing
//! is in `draw.rs`.

pub mod draw;

use super::app::{App, ConfirmAction, Level, Popup, Screen};
use super::command::Command;
use super::editor::Editor;
use super::event::Effect;
use crate::protocol::*;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAction {
    Template,
    /// Checks the file (a dry run), shows what it would do, and asks.
    Import,
    /// Imports, once the dry run's report was confirmed.
    ImportChecked,
    Export,
    CustomersImport,
    CustomersExport,
}

impl FileAction {
    pub fn title(self) -> &'static str {
        match self {
            FileAction::Template => "Save the template as",
            FileAction::Import | FileAction::ImportChecked => "Import from",
            FileAction::Export => "Export to",
            FileAction::CustomersImport => "Import customers from",
            FileAction::CustomersExport => "Export customers to",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderField {
    Name,
    Channels,
    Team,
    Assignees,
}

#[derive(Debug, Clone)]
pub enum FormKind {
    Folder {
        id: Option<FolderId>,
        name: Editor,
        /// Ticked channels, in `ChannelKind::ALL` order; none ticked is All.
        channels: [bool; 4],
        channel_cursor: usize,
        team: Option<TeamId>,
        assignees: BTreeSet<AgentId>,
        agent_cursor: usize,
        field: FolderField,
    },
    Message {
        folder: FolderId,
        id: Option<StandardMessageId>,
        text: Editor,
    },
    Path {
        action: FileAction,
        path: Editor,
    },
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    /// Why the last save failed; the typed values stay.
    pub error: Option<String>,
    pub saving: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SettingsState {
    pub channel: Option<ChannelKind>,
    pub folder: usize,
    pub message: usize,
    pub on_messages: bool,
    pub form: Option<Form>,
}

/// The folders shown, after the channel filter.
pub fn folders(app: &App) -> Vec<&StandardFolder> {
    app.mirror
        .standard
        .iter()
        .filter(|f| app.settings.channel.is_none_or(|c| f.serves(c)))
        .collect()
}

pub fn selected_folder(app: &App) -> Option<&StandardFolder> {
    folders(app).get(app.settings.folder).copied()
}

fn is_admin(app: &App) -> bool {
    app.mirror
        .me
        .as_ref()
        .is_some_and(super::super::protocol::model::Agent::is_admin)
}

pub fn open(app: &mut App, fx: &mut Vec<Effect>) {
    app.screen = Screen::Settings;
    app.popup = None;
    fx.push(Effect::LoadStandard);
    fx.push(Effect::LoadTeams);
    fx.push(Effect::LoadAgents);
}

/// `~/x` to the home directory.
pub fn expand_path(p: &str) -> PathBuf {
    super::paths::expand(p, super::paths::home().as_deref())
}

fn path_form(action: FileAction) -> Form {
    let default = match action {
        FileAction::Template => "~/standard-messages-template.xlsx",
        FileAction::Export => "~/standard-messages.xlsx",
        FileAction::Import | FileAction::ImportChecked | FileAction::CustomersImport => "",
        FileAction::CustomersExport => "~/customers.xlsx",
    };
    Form {
        kind: FormKind::Path {
            action,
            path: Editor::with_text(default),
        },
        error: None,
        saving: false,
    }
}

/// The form for a new message in `folder`, or to edit `message`.
pub fn message_form(folder: FolderId, message: Option<&StandardMessage>) -> Form {
    Form {
        kind: FormKind::Message {
            folder,
            id: message.map(|m| m.id),
            text: Editor::with_text(message.map(|m| m.text.as_str()).unwrap_or("")),
        },
        error: None,
        saving: false,
    }
}

/// The form for a new folder from the live chat: for this channel, and for
/// the agent alone (what any agent may keep).
pub fn new_folder_form(channel: Option<ChannelKind>, me: AgentId) -> Form {
    let mut form = Form {
        kind: FormKind::Folder {
            id: None,
            name: Editor::new(),
            channels: [false; 4],
            channel_cursor: 0,
            team: None,
            assignees: BTreeSet::from([me]),
            agent_cursor: 0,
            field: FolderField::Name,
        },
        error: None,
        saving: false,
    };
    if let (FormKind::Folder { channels, .. }, Some(c)) = (&mut form.kind, channel) {
        if let Some(i) = ChannelKind::ALL.iter().position(|x| *x == c) {
            channels[i] = true;
        }
    }
    form
}

pub fn edit_folder_form(app: &App, folder: &StandardFolder) -> Form {
    folder_form(app, Some(folder))
}

fn folder_form(app: &App, folder: Option<&StandardFolder>) -> Form {
    let mut channels = [false; 4];
    if let Some(f) = folder {
        for c in &f.channels {
            if let Some(i) = ChannelKind::ALL.iter().position(|x| x == c) {
                channels[i] = true;
            }
        }
    } else if let Some(c) = app.settings.channel {
        if let Some(i) = ChannelKind::ALL.iter().position(|x| *x == c) {
            channels[i] = true;
        }
    }
    Form {
        kind: FormKind::Folder {
            id: folder.map(|f| f.id),
            name: Editor::with_text(folder.map(|f| f.name.as_str()).unwrap_or("")),
            channels,
            channel_cursor: 0,
            team: folder.and_then(|f| f.team.as_ref().map(|t| t.id)),
            assignees: folder
                .map(|f| f.assignees.iter().map(|a| a.id).collect())
                .unwrap_or_default(),
            agent_cursor: 0,
            field: FolderField::Name,
        },
        error: None,
        saving: false,
    }
}

fn need_admin(app: &mut App) -> bool {
    if is_admin(app) {
        true
    } else {
        app.notify("only admins can do this", Level::Info);
        false
    }
}

/// Whether the agent may make folders at all (admins; agents unless the
/// server keeps standard messages for admins).
fn may_add_folders(app: &mut App) -> bool {
    if is_admin(app) || app.mirror.standard_editing == StandardEditing::Everyone {
        true
    } else {
        app.notify(
            "only admins change standard messages on this server",
            Level::Info,
        );
        false
    }
}

/// Whether the agent may change `folder`; says why not.
fn may_change(app: &mut App, folder: &StandardFolder) -> bool {
    match super::standard::may_change(app, folder) {
        Ok(()) => true,
        Err(why) => {
            app.notify(why, Level::Info);
            false
        }
    }
}

/// A command on the settings screen (no form open). Returns whether it was
/// handled here.
pub fn command(app: &mut App, cmd: Command, _fx: &mut Vec<Effect>) -> bool {
    let n_folders = folders(app).len();
    match cmd {
        Command::Back => {
            app.screen = Screen::Inbox;
        }
        Command::FocusNext | Command::FocusPrev => {
            app.settings.on_messages = !app.settings.on_messages;
        }
        Command::PopupNext | Command::PopupPrev => {
            let down = cmd == Command::PopupNext;
            let s = &mut app.settings;
            if s.on_messages {
                let n = selected_folder(app).map(|f| f.messages.len()).unwrap_or(0);
                let s = &mut app.settings;
                s.message = step(s.message, down, n);
            } else {
                s.folder = step(s.folder, down, n_folders);
                s.message = 0;
            }
        }
        Command::SettingsChannelNext => {
            let tabs: Vec<Option<ChannelKind>> = std::iter::once(None)
                .chain(ChannelKind::ALL.iter().copied().map(Some))
                .collect();
            let i = tabs
                .iter()
                .position(|t| *t == app.settings.channel)
                .unwrap_or(0);
            app.settings.channel = tabs[(i + 1) % tabs.len()];
            app.settings.folder = 0;
            app.settings.message = 0;
        }
        Command::SettingsNew => {
            if app.settings.on_messages {
                match selected_folder(app).cloned() {
                    Some(folder) => {
                        if may_change(app, &folder) {
                            app.settings.form = Some(message_form(folder.id, None));
                        }
                    }
                    None => app.notify("create a folder first", Level::Info),
                }
            } else if may_add_folders(app) {
                let mut form = folder_form(app, None);
                // An agent's folder starts as its own.
                if let (false, Some(me), FormKind::Folder { assignees, .. }) =
                    (is_admin(app), app.mirror.me.as_ref(), &mut form.kind)
                {
                    assignees.insert(me.id);
                }
                app.settings.form = Some(form);
            }
        }
        Command::SettingsEdit => {
            let Some(folder) = selected_folder(app).cloned() else {
                return true;
            };
            if !may_change(app, &folder) {
                return true;
            }
            if app.settings.on_messages {
                if let Some(m) = folder.messages.get(app.settings.message) {
                    app.settings.form = Some(Form {
                        kind: FormKind::Message {
                            folder: folder.id,
                            id: Some(m.id),
                            text: Editor::with_text(&m.text),
                        },
                        error: None,
                        saving: false,
                    });
                }
            } else {
                app.settings.form = Some(folder_form(app, Some(&folder)));
            }
        }
        Command::SettingsDelete => {
            let Some(folder) = selected_folder(app).cloned() else {
                return true;
            };
            if !may_change(app, &folder) {
                return true;
            }
            if app.settings.on_messages {
                if let Some(m) = folder.messages.get(app.settings.message) {
                    app.popup = Some(Popup::Confirm {
                        message: format!(
                            "Delete this message from {}?\n“{}”",
                            folder.name,
                            preview_text(&m.text, 60)
                        ),
                        action: ConfirmAction::DeleteStandardMessage(m.id),
                    });
                }
            } else {
                app.popup = Some(Popup::Confirm {
                    message: format!(
                        "Delete the folder {} and its {} message{}?",
                        folder.name,
                        folder.messages.len(),
                        if folder.messages.len() == 1 { "" } else { "s" }
                    ),
                    action: ConfirmAction::DeleteFolder(folder.id),
                });
            }
        }
        Command::SettingsTemplate => app.settings.form = Some(path_form(FileAction::Template)),
        Command::SettingsImport => {
            if may_add_folders(app) {
                app.settings.form = Some(path_form(FileAction::Import));
            }
        }
        Command::SettingsExport => app.settings.form = Some(path_form(FileAction::Export)),
        Command::CustomersImport => {
            if need_admin(app) {
                app.settings.form = Some(path_form(FileAction::CustomersImport));
            }
        }
        Command::CustomersExport => {
            if need_admin(app) {
                app.settings.form = Some(path_form(FileAction::CustomersExport));
            }
        }
        _ => return false,
    }
    true
}

fn step(i: usize, down: bool, n: usize) -> usize {
    if n == 0 {
        0
    } else if down {
        (i + 1).min(n - 1)
    } else {
        i.saturating_sub(1)
    }
}

/// The editor of the form's focused text field, if it has one.
pub fn form_editor(form: &mut Form) -> Option<&mut Editor> {
    match &mut form.kind {
        FormKind::Folder {
            name,
            field: FolderField::Name,
            ..
        } => Some(name),
        FormKind::Folder { .. } => None,
        FormKind::Message { text, .. } => Some(text),
        FormKind::Path { path, .. } => Some(path),
    }
}

/// A command while a form is open.
pub fn form_command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    let agents = app.mirror.agents.len();
    // An agent chooses among its own teams: the others would be refused.
    let teams: Vec<TeamId> = app
        .mirror
        .teams
        .iter()
        .filter(|t| {
            app.mirror
                .me
                .as_ref()
                .is_some_and(|me| me.is_admin() || me.teams.iter().any(|x| x.id == t.id))
        })
        .map(|t| t.id)
        .collect();
    let Some(form) = app.settings.form.as_mut() else {
        return;
    };
    match cmd {
        Command::Back => {
            app.settings.form = None;
        }
        Command::FormSave => save(app, fx),
        Command::ComposeNewline => {
            if let FormKind::Message { text, .. } = &mut form.kind {
                text.insert_char('\n');
            }
        }
        Command::FormNextField | Command::FormPrevField => {
            // A path completes from the file system, as in a shell.
            if let (FormKind::Path { path, .. }, Command::FormNextField) = (&mut form.kind, cmd) {
                fx.push(Effect::CompletePath {
                    typed: path.text().to_string(),
                    target: super::event::PathTarget::SettingsForm,
                });
            }
            if let FormKind::Folder { field, .. } = &mut form.kind {
                let order = [
                    FolderField::Name,
                    FolderField::Channels,
                    FolderField::Team,
                    FolderField::Assignees,
                ];
                let i = order.iter().position(|f| f == field).unwrap_or(0);
                let next = if cmd == Command::FormNextField {
                    (i + 1) % 4
                } else {
                    (i + 3) % 4
                };
                *field = order[next];
            }
        }
        Command::FormToggle => match &mut form.kind {
            FormKind::Folder {
                field: FolderField::Channels,
                channels,
                channel_cursor,
                ..
            } => channels[*channel_cursor] = !channels[*channel_cursor],
            FormKind::Folder {
                field: FolderField::Assignees,
                assignees,
                agent_cursor,
                ..
            } => {
                if let Some(a) = app.mirror.agents.get(*agent_cursor) {
                    if !assignees.remove(&a.id) {
                        assignees.insert(a.id);
                    }
                }
            }
            FormKind::Folder {
                field: FolderField::Team,
                team,
                ..
            } => *team = cycle_team(*team, &teams, true),
            _ => {
                // In a text field, the toggle key is just a space.
                if let Some(ed) = form_editor(form) {
                    ed.insert_char(' ');
                }
            }
        },
        Command::InputLeft | Command::InputRight | Command::InputUp | Command::InputDown => {
            let forward = matches!(cmd, Command::InputRight | Command::InputDown);
            match &mut form.kind {
                FormKind::Folder {
                    field: FolderField::Channels,
                    channel_cursor,
                    ..
                } => {
                    *channel_cursor = if forward {
                        (*channel_cursor + 1).min(3)
                    } else {
                        channel_cursor.saturating_sub(1)
                    }
                }
                FormKind::Folder {
                    field: FolderField::Team,
                    team,
                    ..
                } => *team = cycle_team(*team, &teams, forward),
                FormKind::Folder {
                    field: FolderField::Assignees,
                    agent_cursor,
                    ..
                } => *agent_cursor = step(*agent_cursor, forward, agents),
                _ => {
                    if let Some(ed) = form_editor(form) {
                        match cmd {
                            Command::InputLeft => ed.left(),
                            Command::InputRight => ed.right(),
                            Command::InputUp => ed.up(),
                            _ => ed.down(),
                        }
                    }
                }
            }
        }
        c if c.is_input() => {
            if let Some(ed) = form_editor(form) {
                ed.apply(c);
            }
        }
        Command::Quit => super::update::run_command(app, cmd, fx),
        _ => {}
    }
}

fn cycle_team(current: Option<TeamId>, teams: &[TeamId], forward: bool) -> Option<TeamId> {
    let options: Vec<Option<TeamId>> = std::iter::once(None)
        .chain(teams.iter().copied().map(Some))
        .collect();
    let i = options.iter().position(|t| *t == current).unwrap_or(0);
    let n = options.len();
    options[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
}

pub fn type_char(app: &mut App, c: char) {
    if let Some(form) = app.settings.form.as_mut() {
        if let Some(ed) = form_editor(form) {
            ed.insert_char(c);
        }
    }
}

fn save(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(form) = app.settings.form.as_mut() else {
        return;
    };
    if form.saving {
        return;
    }
    form.error = None;
    match &form.kind {
        FormKind::Folder {
            id,
            name,
            channels,
            team,
            assignees,
            ..
        } => {
            if name.text().trim().is_empty() {
                form.error = Some("the folder needs a name".into());
                return;
            }
            let chosen: Vec<ChannelKind> = ChannelKind::ALL
                .iter()
                .zip(channels.iter())
                .filter(|(_, on)| **on)
                .map(|(c, _)| *c)
                .collect();
            let assignee_ids: Vec<AgentId> = assignees.iter().copied().collect();
            form.saving = true;
            fx.push(match id {
                Some(id) => Effect::UpdateFolder(
                    *id,
                    FolderPatch {
                        name: Some(name.text().trim().to_string()),
                        channels: Some(chosen),
                        team_id: Some(*team),
                        assignee_ids: Some(assignee_ids),
                    },
                ),
                None => Effect::CreateFolder(FolderInput {
                    name: name.text().trim().to_string(),
                    channels: chosen,
                    team_id: *team,
                    assignee_ids,
                }),
            });
        }
        FormKind::Message { folder, id, text } => {
            if text.text().trim().is_empty() {
                form.error = Some("the message is empty".into());
                return;
            }
            if let Err(e) = check_placeholders(text.text()) {
                form.error = Some(e);
                return;
            }
            form.saving = true;
            fx.push(match id {
                Some(id) => Effect::EditStandardMessage(*id, text.text().to_string()),
                None => Effect::AddStandardMessage(*folder, text.text().to_string()),
            });
        }
        FormKind::Path { action, path } => {
            if path.text().trim().is_empty() {
                form.error = Some("type a file path".into());
                return;
            }
            // Whether the file is there is for the runner to find out
            // (it reads it): a missing file comes back as the form's error.
            let p = expand_path(path.text());
            form.saving = true;
            let action = *action;
            if matches!(action, FileAction::Import | FileAction::CustomersImport) {
                // The size comes with the first progress report.
                let total = 0;
                app.transfer = Some(super::app::Transfer {
                    what: format!(
                        "importing {}",
                        p.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    ),
                    done: 0,
                    total,
                });
            }
            fx.push(Effect::StandardFile { action, path: p });
        }
    }
}

/// The answer to a tab in a form's path field: the path as far as it
/// completes, and the choices (under the field) when several remain.
pub fn path_completed(app: &mut App, typed: &str, done: super::paths::Completion) {
    let Some(form) = app.settings.form.as_mut() else {
        return;
    };
    let FormKind::Path { path, .. } = &mut form.kind else {
        return;
    };
    if path.text() != typed {
        return;
    }
    *path = Editor::with_text(&done.input);
    form.error = (!done.choices.is_empty()).then(|| {
        let shown: Vec<&str> = done.choices.iter().take(6).map(String::as_str).collect();
        let more = done.choices.len().saturating_sub(6);
        if more > 0 {
            format!("{} … and {more} more", shown.join("  "))
        } else {
            shown.join("  ")
        }
    });
}

/// The report of a standard-message import or of its dry run: a dry run
/// that would change something asks before importing; refused rows are
/// listed with their reasons; every row is accounted for.
pub fn imported(app: &mut App, path: PathBuf, report: ImportReport) {
    app.settings.form = None;
    let mut lines = vec![report.summary()];
    if !report.folders_created.is_empty() {
        let verb = if report.dry_run { "would make" } else { "new" };
        lines.push(format!(
            "{verb} folders: {}",
            report.folders_created.join(", ")
        ));
    }
    if !report.errors.is_empty() {
        app.show_toast("Import refused", lines, Level::Error);
        app.popup = Some(Popup::ImportErrors { report, scroll: 0 });
    } else if !report.dry_run {
        app.show_toast("Import finished", lines, Level::Info);
    } else if report.messages_added == 0 && report.folders_created.is_empty() {
        app.show_toast("Nothing to import", lines, Level::Info);
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        app.popup = Some(Popup::Confirm {
            message: format!(
                "Import {}?\n{}",
                crate::sanitize::line(&name),
                lines.join("\n")
            ),
            action: ConfirmAction::ImportStandard(path),
        });
    }
}

/// The answer to a save: close the form, or keep it with the reason.
pub fn saved(app: &mut App, result: Result<String, String>) {
    match result {
        Ok(done) => {
            app.settings.form = None;
            app.notify(done, Level::Info);
        }
        Err(e) => match app.settings.form.as_mut() {
            Some(f) => {
                f.saving = false;
                f.error = Some(e);
            }
            None => app.notify(e, Level::Error),
        },
    }
}
