//! The customer panel as a tool: edit profile fields in place, tags,
//! notes and scheduled messages. State and its changes live here; the
//! panel is drawn by `panes/customer.rs` and the popups in `popups/`.

use super::app::{App, ConfirmAction, Level, Popup};
use super::command::Command;
use super::editor::Editor;
use super::event::Effect;
use crate::protocol::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKey {
    Name,
    Email,
    Phone,
    Gender,
    Age,
    Language,
}

impl FieldKey {
    pub const ALL: [FieldKey; 6] = [
        FieldKey::Name,
        FieldKey::Email,
        FieldKey::Phone,
        FieldKey::Gender,
        FieldKey::Age,
        FieldKey::Language,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FieldKey::Name => "Name",
            FieldKey::Email => "Email",
            FieldKey::Phone => "Phone",
            FieldKey::Gender => "Gender",
            FieldKey::Age => "Age",
            FieldKey::Language => "Language",
        }
    }

    pub fn value(self, c: &Customer) -> Option<String> {
        match self {
            FieldKey::Name => Some(c.name.clone()),
            FieldKey::Email => c.email.clone(),
            FieldKey::Phone => c.phone.clone(),
            FieldKey::Gender => c.gender.clone(),
            FieldKey::Age => c.age.map(|a| a.to_string()),
            FieldKey::Language => c.language.clone(),
        }
    }
}

/// One selectable line of the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Field(FieldKey),
    Custom(String),
    AddCustom,
    Tag(TagId),
    AddTag,
    Note(NoteId),
    AddNote,
    Scheduled(ScheduledId),
    AddScheduled,
}

/// A field being edited in place.
#[derive(Debug, Clone)]
pub struct FieldEdit {
    pub item: Item,
    pub editor: Editor,
    /// Why it cannot be saved; the typed text stays.
    pub error: Option<String>,
    pub saving: bool,
    /// Editing the name of a custom field rather than its value.
    pub rename: bool,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerUi {
    pub selected: usize,
    pub edit: Option<FieldEdit>,
}

/// The panel's lines for the open customer, in order.
pub fn items(app: &App) -> Vec<Item> {
    let Some(c) = app.open_customer() else {
        return Vec::new();
    };
    let mut v: Vec<Item> = FieldKey::ALL.iter().map(|f| Item::Field(*f)).collect();
    v.extend(c.custom_fields.keys().map(|k| Item::Custom(k.clone())));
    v.push(Item::AddCustom);
    v.extend(c.tags.iter().map(|t| Item::Tag(t.id)));
    v.push(Item::AddTag);
    if let Some(notes) = app.mirror.notes.get(&c.id) {
        v.extend(notes.iter().map(|n| Item::Note(n.id)));
    }
    v.push(Item::AddNote);
    if let Some(conv) = app.open {
        if let Some(list) = app.mirror.scheduled.get(&conv) {
            v.extend(
                list.iter()
                    .filter(|s| s.status == ScheduledStatus::Pending)
                    .map(|s| Item::Scheduled(s.id)),
            );
        }
    }
    v.push(Item::AddScheduled);
    v
}

pub fn selected_item(app: &App) -> Option<Item> {
    items(app).get(app.customer_ui.selected).cloned()
}

fn may_change_note(app: &App, note: &Note) -> bool {
    app.mirror
        .me
        .as_ref()
        .is_some_and(|m| m.is_admin() || m.id == note.author_id)
}

pub fn find_note(app: &App, id: NoteId) -> Option<&Note> {
    app.mirror.notes.values().flatten().find(|n| n.id == id)
}

pub fn find_scheduled(app: &App, id: ScheduledId) -> Option<&Scheduled> {
    app.mirror.scheduled.values().flatten().find(|s| s.id == id)
}

/// Commands while the customer pane has focus (no popup, no edit).
/// Returns whether it was handled.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let n = items(app).len();
    match cmd {
        Command::CustomerNext => {
            if app.customer_ui.selected + 1 < n {
                app.customer_ui.selected += 1;
            }
        }
        Command::CustomerPrev => {
            app.customer_ui.selected = app.customer_ui.selected.saturating_sub(1);
        }
        Command::CustomerEdit => {
            let Some(item) = selected_item(app) else {
                return true;
            };
            let Some(c) = app.open_customer() else {
                return true;
            };
            match &item {
                Item::Field(f) => {
                    let text = f.value(c).unwrap_or_default();
                    start_edit(app, item.clone(), &text);
                }
                Item::Custom(k) => {
                    let text = c.custom_fields.get(k).cloned().unwrap_or_default();
                    start_edit(app, item.clone(), &text);
                }
                Item::AddCustom => start_edit(app, Item::AddCustom, ""),
                Item::Tag(_) | Item::AddTag => open_tag_picker(app, fx),
                Item::Note(id) => {
                    let id = *id;
                    match find_note(app, id) {
                        Some(note) if may_change_note(app, note) => {
                            super::popups::note::open(app, Some(id));
                        }
                        Some(_) => app.notify(
                            "only the note's author or an admin may change it",
                            Level::Info,
                        ),
                        None => {}
                    }
                }
                Item::AddNote => super::popups::note::open(app, None),
                Item::Scheduled(id) => super::popups::schedule::open(app, Some(*id)),
                Item::AddScheduled => super::popups::schedule::open(app, None),
            }
        }
        Command::CustomerDelete => {
            let Some(item) = selected_item(app) else {
                return true;
            };
            let Some(c) = app.open_customer().cloned() else {
                return true;
            };
            match item {
                Item::Custom(k) => {
                    app.popup = Some(Popup::Confirm {
                        message: format!("Remove the field {k} from {}?", c.name),
                        action: ConfirmAction::RemoveCustomField(c.id, k),
                    });
                }
                Item::Tag(t) => fx.push(Effect::UntagCustomer(c.id, t)),
                Item::Note(id) => match find_note(app, id) {
                    Some(note) if may_change_note(app, note) => {
                        app.popup = Some(Popup::Confirm {
                            message: format!(
                                "Delete this note?\n“{}”",
                                preview_text(&note.text, 60)
                            ),
                            action: ConfirmAction::DeleteNote(id),
                        });
                    }
                    Some(_) => app.notify(
                        "only the note's author or an admin may delete it",
                        Level::Info,
                    ),
                    None => {}
                },
                Item::Scheduled(id) => {
                    if let Some(s) = find_scheduled(app, id) {
                        app.popup = Some(Popup::Confirm {
                            message: format!("Cancel the scheduled message “{}”?", s.name),
                            action: ConfirmAction::CancelScheduled(id),
                        });
                    }
                }
                _ => {}
            }
        }
        Command::CustomerTag => open_tag_picker(app, fx),
        Command::CustomerNote => super::popups::note::open(app, None),
        Command::CustomerSchedule => super::popups::schedule::open(app, None),
        Command::CustomerAddField => start_edit(app, Item::AddCustom, ""),
        Command::CustomerRename => match selected_item(app) {
            Some(Item::Custom(k)) => {
                start_edit(app, Item::Custom(k.clone()), &k);
                if let Some(e) = app.customer_ui.edit.as_mut() {
                    e.rename = true;
                }
            }
            _ => app.notify("only a custom field can be renamed", Level::Info),
        },
        _ => return false,
    }
    true
}

fn start_edit(app: &mut App, item: Item, text: &str) {
    app.customer_ui.edit = Some(FieldEdit {
        item,
        editor: Editor::with_text(text),
        error: None,
        saving: false,
        rename: false,
    });
}

pub fn open_tag_picker(app: &mut App, fx: &mut Vec<Effect>) {
    if app.open_customer().is_none() && app.marked.is_empty() {
        app.notify("open a conversation or mark some first", Level::Info);
        return;
    }
    app.popup = Some(Popup::TagPicker {
        filter: Editor::new(),
        selected: 0,
    });
    fx.push(Effect::LoadTags);
}

/// What the tag picker offers: matching tags the customer lacks, and a
/// new tag named as typed when none matches exactly.
pub enum TagChoice {
    Existing(Tag),
    Create(String),
}

pub fn tag_choices(app: &App, filter: &str) -> Vec<TagChoice> {
    // Tagging marked conversations: every tag is on offer.
    let have: Vec<TagId> = app
        .open_customer()
        .filter(|_| app.marked.is_empty())
        .map(|c| c.tags.iter().map(|t| t.id).collect())
        .unwrap_or_default();
    let q = filter.trim().to_lowercase();
    let mut v: Vec<TagChoice> = app
        .mirror
        .tags
        .iter()
        .filter(|t| !have.contains(&t.tag.id) && t.tag.name.to_lowercase().contains(&q))
        .map(|t| TagChoice::Existing(t.tag.clone()))
        .collect();
    if !q.is_empty()
        && !app
            .mirror
            .tags
            .iter()
            .any(|t| t.tag.name.to_lowercase() == q)
    {
        v.push(TagChoice::Create(filter.trim().to_string()));
    }
    v
}

/// Checks the edited value and sends the change; an invalid value is
/// never sent and the text stays for fixing.
pub fn save_edit(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(c) = app.open_customer().cloned() else {
        return;
    };
    let Some(edit) = app.customer_ui.edit.as_mut() else {
        return;
    };
    if edit.saving {
        return;
    }
    let text = edit.editor.text().trim().to_string();
    let value = |t: &str| Some(Some(t.to_string()).filter(|s| !s.is_empty()));
    let mut patch = CustomerPatch {
        version: Some(c.version),
        ..Default::default()
    };
    let check: Result<(), String> = match &edit.item {
        Item::Field(FieldKey::Name) => {
            if text.is_empty() {
                Err("a name cannot be empty".into())
            } else {
                patch.name = Some(text.clone());
                validate::short_text("a name", &text, 200)
            }
        }
        Item::Field(FieldKey::Email) => {
            patch.email = value(&text);
            if text.is_empty() {
                Ok(())
            } else {
                validate::email(&text)
            }
        }
        Item::Field(FieldKey::Phone) => {
            patch.phone = value(&text);
            if text.is_empty() {
                Ok(())
            } else {
                validate::phone(&text)
            }
        }
        Item::Field(FieldKey::Gender) => {
            patch.gender = value(&text);
            validate::short_text("gender", &text, 50)
        }
        Item::Field(FieldKey::Language) => {
            patch.language = value(&text);
            validate::short_text("language", &text, 50)
        }
        Item::Field(FieldKey::Age) => {
            if text.is_empty() {
                patch.age = Some(None);
                Ok(())
            } else {
                validate::age(&text).map(|a| patch.age = Some(Some(a)))
            }
        }
        Item::Custom(k) if edit.rename => {
            let mut fields = c.custom_fields.clone();
            let value = fields.remove(k).unwrap_or_default();
            if text.is_empty() {
                Err("a field name cannot be empty".into())
            } else if text != *k && fields.contains_key(&text) {
                Err(format!("there is already a field named {text}"))
            } else {
                fields.insert(text.clone(), value);
                patch.custom_fields = Some(fields);
                validate::short_text("a field name", &text, 50)
            }
        }
        Item::Custom(k) => {
            let mut fields = c.custom_fields.clone();
            fields.insert(k.clone(), text.clone());
            patch.custom_fields = Some(fields);
            validate::short_text("a value", &text, 500)
        }
        Item::AddCustom => match text.split_once('=').or_else(|| text.split_once(':')) {
            Some((k, v)) if !k.trim().is_empty() => {
                let mut fields = c.custom_fields.clone();
                fields.insert(k.trim().to_string(), v.trim().to_string());
                patch.custom_fields = Some(fields);
                validate::short_text("a field name", k.trim(), 50).and(validate::short_text(
                    "a value",
                    v.trim(),
                    500,
                ))
            }
            _ => Err("write the new field as name = value".into()),
        },
        _ => Ok(()),
    };
    match check {
        Err(e) => edit.error = Some(e),
        Ok(()) => {
            edit.error = None;
            edit.saving = true;
            fx.push(Effect::PatchCustomer(c.id, Box::new(patch)));
        }
    }
}

/// The server's answer to a field save.
pub fn saved(
    app: &mut App,
    customer: CustomerId,
    result: Result<Customer, (Option<u16>, String)>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(c) => {
            app.mirror.customers.insert(c.id, c);
            app.customer_ui.edit = None;
        }
        Err((status, e)) => {
            let msg = if status == Some(409) {
                fx.push(Effect::LoadCustomer(customer));
                "someone else changed this customer meanwhile; it has been reloaded — check and save again".to_string()
            } else {
                e
            };
            match app.customer_ui.edit.as_mut() {
                Some(edit) => {
                    edit.saving = false;
                    edit.error = Some(msg);
                }
                None => app.notify(msg, Level::Error),
            }
        }
    }
}

/// The editor of the field being edited in place.
pub fn editor(app: &mut App) -> Option<&mut Editor> {
    app.customer_ui.edit.as_mut().map(|e| &mut e.editor)
}

/// Commands while a field of the panel is edited in place: save, cancel,
/// and the editing keys.
pub fn form_command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::Back => app.customer_ui.edit = None,
        Command::FormSave => save_edit(app, fx),
        // A field is one line: the toggle key is a space, no new lines.
        Command::FormToggle => {
            if let Some(ed) = editor(app) {
                ed.insert_char(' ');
            }
        }
        Command::Quit => super::update::run_command(app, cmd, fx),
        c if c.is_input() => {
            if let Some(ed) = editor(app) {
                ed.apply(c);
            }
        }
        _ => {}
    }
}

pub fn type_char(app: &mut App, c: char) {
    if let Some(ed) = editor(app) {
        ed.insert_char(c);
    }
}
