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

/// A multi-line note being written.
#[derive(Debug, Clone)]
pub struct NoteForm {
    pub customer: CustomerId,
    pub id: Option<NoteId>,
    pub editor: Editor,
    pub error: Option<String>,
    pub saving: bool,
}

/// A scheduled message being written or changed.
#[derive(Debug, Clone)]
pub struct ScheduleForm {
    pub conversation: ConversationId,
    pub id: Option<ScheduledId>,
    pub name: Editor,
    pub text: Editor,
    pub when: Editor,
    /// 0 name, 1 message, 2 send time.
    pub field: usize,
    pub error: Option<String>,
    pub saving: bool,
}

/// A broadcast being written, from the tags popup.
#[derive(Debug, Clone)]
pub struct BroadcastForm {
    pub tag: Tag,
    pub text: Editor,
    pub when: Editor,
    /// None: every channel.
    pub channel: Option<ChannelKind>,
    /// 0 message, 1 send time, 2 channel.
    pub field: usize,
    /// How many conversations it reaches, once the server has said.
    pub recipients: Option<i64>,
    pub error: Option<String>,
    pub saving: bool,
}

impl BroadcastForm {
    pub fn audience(&self) -> BroadcastAudience {
        BroadcastAudience {
            tag_id: self.tag.id,
            channels: self.channel.into_iter().collect(),
        }
    }
}

/// The send time of a broadcast form: now when left empty.
pub fn broadcast_time(
    app: &App,
    form: &BroadcastForm,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    if form.when.text().trim().is_empty() || form.when.text().trim().eq_ignore_ascii_case("now") {
        Ok(None)
    } else {
        super::when::parse(form.when.text(), app.now, app.config.tz).map(Some)
    }
}

fn save_broadcast(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(Popup::Broadcast(form)) = &app.popup else {
        return;
    };
    let when = broadcast_time(app, form);
    let Some(Popup::Broadcast(form)) = app.popup.as_mut() else {
        return;
    };
    if form.saving {
        return;
    }
    let text = form.text.text().trim_end().to_string();
    let problem = if text.trim().is_empty() {
        Some("write the message".to_string())
    } else if let Err(e) = check_placeholders(&text) {
        Some(e)
    } else if form.recipients == Some(0) {
        Some("no customer with this tag on that channel".to_string())
    } else {
        when.as_ref().err().cloned()
    };
    if let Some(p) = problem {
        form.error = Some(p);
        return;
    }
    form.error = None;
    form.saving = true;
    fx.push(Effect::Broadcast(NewBroadcast {
        tag_id: form.tag.id,
        channels: form.channel.into_iter().collect(),
        text,
        send_at: when.expect("checked above"),
    }));
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

fn find_note(app: &App, id: NoteId) -> Option<&Note> {
    app.mirror.notes.values().flatten().find(|n| n.id == id)
}

fn find_scheduled(app: &App, id: ScheduledId) -> Option<&Scheduled> {
    app.mirror.scheduled.values().flatten().find(|s| s.id == id)
}

pub fn open_note(app: &mut App, id: Option<NoteId>) {
    let Some(c) = app.open_customer().map(|c| c.id) else {
        return;
    };
    let text = id
        .and_then(|id| find_note(app, id))
        .map(|n| n.text.clone())
        .unwrap_or_default();
    app.popup = Some(Popup::Note(NoteForm {
        customer: c,
        id,
        editor: Editor::with_text(&text),
        error: None,
        saving: false,
    }));
}

pub fn open_schedule(app: &mut App, id: Option<ScheduledId>) {
    let Some(conv) = app.open else {
        return;
    };
    let existing = id.and_then(|id| find_scheduled(app, id)).cloned();
    let when = existing
        .as_ref()
        .map(|s| {
            s.send_at
                .with_timezone(&app.config.tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "tomorrow 09:00".into());
    app.popup = Some(Popup::Schedule(ScheduleForm {
        conversation: conv,
        id,
        name: Editor::with_text(existing.as_ref().map(|s| s.name.as_str()).unwrap_or("")),
        text: Editor::with_text(existing.as_ref().map(|s| s.text.as_str()).unwrap_or("")),
        when: Editor::with_text(&when),
        field: 0,
        error: None,
        saving: false,
    }));
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
                        Some(note) if may_change_note(app, note) => open_note(app, Some(id)),
                        Some(_) => app.notify(
                            "only the note's author or an admin may change it",
                            Level::Info,
                        ),
                        None => {}
                    }
                }
                Item::AddNote => open_note(app, None),
                Item::Scheduled(id) => open_schedule(app, Some(*id)),
                Item::AddScheduled => open_schedule(app, None),
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
        Command::CustomerNote => open_note(app, None),
        Command::CustomerSchedule => open_schedule(app, None),
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

/// The send time a schedule form means, or why it means nothing.
pub fn schedule_time(
    app: &App,
    form: &ScheduleForm,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    super::when::parse(form.when.text(), app.now, app.config.tz)
}

pub fn save_schedule(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(Popup::Schedule(form)) = &app.popup else {
        return;
    };
    if form.saving {
        return;
    }
    let when = schedule_time(app, form);
    let Some(Popup::Schedule(form)) = app.popup.as_mut() else {
        return;
    };
    let name = form.name.text().trim().to_string();
    let text = form.text.text().trim_end().to_string();
    let problem = if name.is_empty() {
        Some("give it a name".to_string())
    } else if text.trim().is_empty() {
        Some("write the message".to_string())
    } else if let Err(e) = check_placeholders(&text) {
        Some(e)
    } else {
        when.as_ref().err().cloned()
    };
    if let Some(p) = problem {
        form.error = Some(p);
        return;
    }
    let send_at = when.expect("checked above");
    form.error = None;
    form.saving = true;
    fx.push(match form.id {
        Some(id) => Effect::UpdateScheduled(
            id,
            ScheduledPatch {
                name: Some(name),
                text: Some(text),
                send_at: Some(send_at),
            },
        ),
        None => Effect::Schedule(
            form.conversation,
            NewScheduled {
                name,
                text,
                send_at,
            },
        ),
    });
}

pub fn save_note(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(Popup::Note(form)) = app.popup.as_mut() else {
        return;
    };
    if form.saving {
        return;
    }
    if form.editor.text().trim().is_empty() {
        form.error = Some("the note is empty".into());
        return;
    }
    form.saving = true;
    form.error = None;
    let text = form.editor.text().trim_end().to_string();
    fx.push(match form.id {
        Some(id) => Effect::EditNote(id, text),
        None => Effect::AddNote(form.customer, text),
    });
}

/// A popup form (note, schedule) was saved or refused.
pub fn popup_saved(app: &mut App, result: Result<String, String>) {
    match result {
        Ok(done) => {
            if matches!(
                app.popup,
                Some(Popup::Note(_) | Popup::Schedule(_) | Popup::Broadcast(_))
            ) {
                app.popup = None;
            }
            app.notify(done, Level::Info);
        }
        Err(e) => match app.popup.as_mut() {
            Some(Popup::Note(f)) => {
                f.saving = false;
                f.error = Some(e);
            }
            Some(Popup::Schedule(f)) => {
                f.saving = false;
                f.error = Some(e);
            }
            Some(Popup::Broadcast(f)) => {
                f.saving = false;
                f.error = Some(e);
            }
            _ => app.notify(e, Level::Error),
        },
    }
}

/// The editor that has the keyboard in the customer's forms.
pub fn editor(app: &mut App) -> Option<&mut Editor> {
    match app.popup.as_mut() {
        Some(Popup::Note(f)) => return Some(&mut f.editor),
        Some(Popup::Schedule(f)) => {
            return Some(match f.field {
                0 => &mut f.name,
                1 => &mut f.text,
                _ => &mut f.when,
            })
        }
        Some(Popup::Broadcast(f)) => {
            return match f.field {
                0 => Some(&mut f.text),
                1 => Some(&mut f.when),
                _ => None,
            }
        }
        Some(_) => return None,
        None => {}
    }
    app.customer_ui.edit.as_mut().map(|e| &mut e.editor)
}

/// Commands in the customer's forms (field edit, note, schedule).
pub fn form_command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::Back => {
            if matches!(
                app.popup,
                Some(Popup::Note(_) | Popup::Schedule(_) | Popup::Broadcast(_))
            ) {
                app.popup = None;
            } else {
                app.customer_ui.edit = None;
            }
        }
        Command::FormSave => match app.popup {
            Some(Popup::Broadcast(_)) => save_broadcast(app, fx),
            Some(Popup::Note(_)) => save_note(app, fx),
            Some(Popup::Schedule(_)) => save_schedule(app, fx),
            _ => save_edit(app, fx),
        },
        Command::FormNextField | Command::FormPrevField => {
            let next = |i: usize| {
                if cmd == Command::FormNextField {
                    (i + 1) % 3
                } else {
                    (i + 2) % 3
                }
            };
            match app.popup.as_mut() {
                Some(Popup::Schedule(f)) => f.field = next(f.field),
                Some(Popup::Broadcast(f)) => f.field = next(f.field),
                _ => {}
            }
        }
        Command::ComposeNewline => {
            let multi = matches!(&app.popup, Some(Popup::Note(_)))
                || matches!(&app.popup, Some(Popup::Schedule(f)) if f.field == 1)
                || matches!(&app.popup, Some(Popup::Broadcast(f)) if f.field == 0);
            if multi {
                if let Some(ed) = editor(app) {
                    ed.insert_char('\n');
                }
            }
        }
        Command::FormToggle => {
            if let Some(Popup::Broadcast(f)) = app.popup.as_mut() {
                if f.field == 2 {
                    let options: Vec<Option<ChannelKind>> = std::iter::once(None)
                        .chain(ChannelKind::ALL.iter().copied().map(Some))
                        .collect();
                    let i = options.iter().position(|c| *c == f.channel).unwrap_or(0);
                    f.channel = options[(i + 1) % options.len()];
                    f.recipients = None;
                    fx.push(Effect::BroadcastPreview(f.audience()));
                    return;
                }
            }
            if let Some(ed) = editor(app) {
                ed.insert_char(' ');
            }
        }
        Command::Quit => app.quit = true,
        c => {
            if let Some(ed) = editor(app) {
                ed.apply(c);
            }
        }
    }
}

pub fn type_char(app: &mut App, c: char) {
    if let Some(ed) = editor(app) {
        ed.insert_char(c);
    }
}
