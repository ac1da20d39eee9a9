//! The one place state changes: `update(app, msg)` applies a message and
//! returns the requests to make. No I/O happens here, so every behaviour is
//! testable without a terminal or a server.

use super::app::*;
use super::command::{Area, Command};
use super::customer;
use super::editor::Editor;
use super::event::{Effect, Msg};
use super::keymap::{Context, Key};
use super::layout::{self, areas, contains};
use super::mirror::Changed;
use super::panes::{self, chat};
use super::settings;
use crate::client::StreamUpdate;
use crate::protocol::*;
use crossterm::event::{KeyEventKind, MouseButton, MouseEventKind};

/// Effects to run when the app starts.
pub fn start(app: &mut App) -> Vec<Effect> {
    if app.screen == Screen::SignIn {
        return Vec::new();
    }
    vec![Effect::LoadMe]
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    // Time and size never change what is unread.
    let counts = !matches!(msg, Msg::Tick(_) | Msg::Resize(..));
    let answer = matches!(msg, Msg::Reply(_));
    update_inner(app, msg, &mut fx);
    if answer {
        // Found conversations, replies or macros may be what it looks for.
        super::palette::refresh(app);
    }
    if counts {
        // Counted here, once per change, so a frame costs what is visible.
        app.mirror.unread_total = app.count_unread();
    }
    // The last known inbox is read-only until the server answers.
    super::offline::read_only(app, &mut fx);
    fx
}

/// What to keep on disk after an update: the drafts and outbox, and where
/// the agent is, when they changed (each at most about once a second).
/// The event loop asks after every update; tests of other rules need not.
pub fn keep(app: &mut App) -> Vec<Effect> {
    let mut fx = Vec::new();
    super::drafts::after_change(app, &mut fx);
    super::session::after_change(app, &mut fx);
    super::offline::after_change(app, &mut fx);
    fx
}

fn update_inner(app: &mut App, msg: Msg, fx: &mut Vec<Effect>) {
    match msg {
        Msg::Key(key) => {
            if key.kind != KeyEventKind::Release {
                on_key(app, key, fx);
            }
        }
        Msg::Paste(text) => paste(app, &text),
        Msg::Mouse(m) => on_mouse(app, m, fx),
        Msg::Resize(w, h) => {
            app.size = (w, h);
            panes::list::keep_selection_visible(app);
        }
        Msg::Server(update) => on_server(app, update, fx),
        Msg::Reply(reply) => super::replies::on_reply(app, *reply, fx),
        Msg::Tick(now) => {
            app.now = now;
            if app.notice.as_ref().is_some_and(|n| n.until <= now) {
                app.notice = None;
            }
            if app.toast.as_ref().is_some_and(|t| t.until <= now) {
                app.toast = None;
            }
            if (app.mirror.me.is_none() || app.cached.is_some())
                && app.screen != Screen::SignIn
                && now.timestamp() % 5 == 0
            {
                fx.push(Effect::LoadMe);
            }
            // Queued replies the server turned away while connected
            // (overloaded): tried again every ten seconds.
            let queued = app
                .mirror
                .logs
                .values()
                .any(|l| l.pending.iter().any(|p| p.state == PendingState::Queued));
            if queued
                && app.conn == ConnState::Connected
                && app
                    .queue_sent_at
                    .is_none_or(|at| now - at >= chrono::Duration::seconds(10))
            {
                chat::send_queue(app, fx);
            }
            let due = app
                .unread_asked
                .is_none_or(|at| now - at >= chrono::Duration::seconds(2));
            if app.unread_stale && due && app.mirror.me.is_some() {
                app.unread_stale = false;
                app.unread_asked = Some(now);
                fx.push(Effect::LoadUnread);
            }
        }
        Msg::Terminate => app.quit = true,
    }
}

fn on_key(app: &mut App, ev: crossterm::event::KeyEvent, fx: &mut Vec<Effect>) {
    let Some(key) = Key::from_event(&ev) else {
        return;
    };
    let ctx = app.context();
    if app.screen == Screen::SignIn {
        match app.config.keymap.lookup(ctx, &key) {
            Some(cmd) => super::signin::command(app, cmd, fx),
            None => {
                if let Some(c) = key.text() {
                    super::signin::type_char(app, c);
                }
            }
        }
        return;
    }
    if ctx == Context::Form {
        form_key(app, &key, fx);
        return;
    }
    if let Some(super::keymap::Binding::Macro(name)) = app.config.keymap.resolve(ctx, &key) {
        super::macros::run(app, &name, fx);
        return;
    }
    if let Some(cmd) = app.config.keymap.lookup(ctx, &key) {
        if ctx == Context::Settings && settings::command(app, cmd, fx) {
            return;
        }
        if ctx == Context::Customer && customer::command(app, cmd, fx) {
            return;
        }
        command(app, cmd, fx);
        return;
    }
    if ctx.is_text() {
        if let Some(c) = key.text() {
            type_char(app, c, fx);
        }
    }
}

/// A key in a form: the settings screen's, a popup's (note, scheduled
/// message, broadcast) or a customer field edited in place; each form
/// answers its own commands and takes typed text.
fn form_key(app: &mut App, key: &Key, fx: &mut Vec<Effect>) {
    use super::popups::{broadcast, note, schedule};
    let cmd = app.config.keymap.lookup(Context::Form, key);
    let typed = key.text();
    if app.settings.form.is_some() {
        match (cmd, typed) {
            (Some(cmd), _) => settings::form_command(app, cmd, fx),
            (None, Some(c)) => settings::type_char(app, c),
            (None, None) => {}
        }
        return;
    }
    match (&app.popup, cmd, typed) {
        (Some(Popup::Note(_)), Some(cmd), _) => {
            note::command(app, cmd, fx);
        }
        (Some(Popup::Note(_)), None, Some(c)) => note::type_char(app, c),
        (Some(Popup::Schedule(_)), Some(cmd), _) => {
            schedule::command(app, cmd, fx);
        }
        (Some(Popup::Schedule(_)), None, Some(c)) => schedule::type_char(app, c),
        (Some(Popup::Broadcast(_)), Some(cmd), _) => {
            broadcast::command(app, cmd, fx);
        }
        (Some(Popup::Broadcast(_)), None, Some(c)) => broadcast::type_char(app, c),
        (_, Some(cmd), _) => customer::form_command(app, cmd, fx),
        (_, None, Some(c)) => customer::type_char(app, c),
        (_, None, None) => {}
    }
}

/// The editor that has the keyboard, if any.
pub(super) fn active_editor(app: &mut App) -> Option<&mut Editor> {
    match &mut app.popup {
        Some(
            Popup::Emoji { filter, .. }
            | Popup::Standard {
                filter,
                searching: true,
                ..
            }
            | Popup::TagPicker { filter, .. },
        ) => return Some(filter),
        Some(Popup::Snooze(m)) => {
            m.error = None;
            return Some(&mut m.typed);
        }
        Some(Popup::Palette(p)) => {
            p.error = None;
            p.selected = 0;
            return Some(&mut p.input);
        }
        Some(Popup::Attach(form)) => {
            form.choices.clear();
            return Some(&mut form.path);
        }
        Some(Popup::Tags { filter, mode, .. }) => {
            return Some(match mode {
                TagsMode::Rename(_, ed) | TagsMode::Recolor(_, ed) => ed,
                _ => filter,
            })
        }
        Some(_) => return None,
        None => {}
    }
    match app.focus {
        Focus::Compose => {
            let id = app.open?;
            Some(app.drafts.entry(id).or_default())
        }
        Focus::Search => Some(&mut app.search),
        Focus::Pane(_) => None,
    }
}

fn type_char(app: &mut App, c: char, fx: &mut Vec<Effect>) {
    let compose = app.popup.is_none() && app.focus == Focus::Compose;
    if let Some(ed) = active_editor(app) {
        ed.insert_char(c);
        if compose && c == ':' {
            ed.expand_shortcode();
        }
    }
    after_edit(app, fx);
}

fn paste(app: &mut App, text: &str) {
    if app.screen == Screen::SignIn {
        super::signin::paste(app, text);
        return;
    }
    let clean = crate::sanitize::multiline(text);
    let one_line = !(app.popup.is_none() && app.focus == Focus::Compose);
    let mut fx = Vec::new();
    if let Some(ed) = active_editor(app) {
        if one_line {
            ed.insert(&crate::sanitize::line(&clean));
        } else {
            ed.insert(&clean);
        }
    }
    after_edit(app, &mut fx);
    debug_assert!(fx.is_empty() || app.focus == Focus::Search);
}

/// Keeps dependent state in step after the active editor changed.
pub(super) fn after_edit(app: &mut App, fx: &mut Vec<Effect>) {
    if let Some(Popup::Palette(p)) = &app.popup {
        // Conversations not loaded yet are asked of the server by name.
        let q = p.input.text().trim().to_string();
        if !super::palette::is_typed(&q) && q.chars().count() >= 2 {
            fx.push(Effect::FindConversations(q));
        }
        super::palette::refresh(app);
        return;
    }
    let limits = &app.mirror.upload_limits;
    match &mut app.popup {
        Some(Popup::Attach(form)) => {
            super::attach::refresh(form, limits, fx);
            return;
        }
        Some(
            Popup::Emoji { selected, .. }
            | Popup::Standard { selected, .. }
            | Popup::TagPicker { selected, .. },
        ) => {
            *selected = 0;
            return;
        }
        Some(Popup::Tags { selected, mode, .. }) => {
            if matches!(mode, TagsMode::Browse | TagsMode::MergeInto(_)) {
                *selected = 0;
            }
            return;
        }
        Some(_) => return,
        None => {}
    }
    if app.focus == Focus::Search && app.search.text() != app.filters.q {
        app.filters.q = app.search.text().to_string();
        panes::list::refilter(app, fx);
    }
}

fn edit(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    if let Some(ed) = active_editor(app) {
        ed.apply(cmd);
    }
    after_edit(app, fx);
}

fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    if app.popup.is_some() && popup_command(app, cmd, fx) {
        return;
    }
    if super::triage::command(app, cmd, fx) {
        return;
    }
    match cmd.area() {
        Area::List | Area::Search | Area::Filter => return panes::list::command(app, cmd, fx),
        Area::Chat | Area::Attach | Area::Files | Area::Compose | Area::Emoji => {
            return panes::chat::command(app, cmd, fx)
        }
        Area::Input => return edit(app, cmd, fx),
        _ => {}
    }
    // What belongs to the whole app: quitting, help, the connection, focus,
    // and opening the palette, the assignees, the standard replies, the
    // settings, tags and broadcasts.
    match cmd {
        Command::Quit => {
            // Asked first when something typed would be lost or wait; the
            // question comes back to the form or popup on no.
            let unsent = app.unsent();
            let question = if matches!(app.popup, Some(Popup::Confirm { .. })) {
                None
            } else if unsent > 0 {
                Some(format!(
                    "{unsent} {} not sent yet: kept here, and sent when chatsmart runs again. Quit?",
                    if unsent == 1 { "reply is" } else { "replies are" }
                ))
            } else {
                app.unsaved_form()
                    .map(|what| format!("{what} is not saved and is lost on quitting. Quit?"))
            };
            match question {
                Some(message) => {
                    app.after_confirm = app.popup.take().map(Box::new);
                    app.popup = Some(Popup::Confirm {
                        message,
                        action: ConfirmAction::Quit,
                    });
                }
                None => app.quit = true,
            }
        }
        Command::HelpOpen => app.popup = Some(Popup::Help { scroll: 0 }),
        Command::ReconnectNow => match app.conn {
            // Started offline: ask the server again now.
            _ if app.cached.is_some() => {
                fx.push(Effect::LoadMe);
                app.notify("trying the server…", Level::Info);
            }
            ConnState::Reconnecting { .. } => {
                app.conn = ConnState::Connecting;
                fx.push(Effect::ReconnectNow);
            }
            _ => app.notify("connected: nothing to do", Level::Info),
        },
        Command::FocusNext => cycle_focus(app, true),
        Command::FocusPrev => cycle_focus(app, false),
        Command::FocusList => app.focus = Focus::Pane(Pane::List),
        Command::FocusChat => app.focus = Focus::Pane(Pane::Chat),
        Command::FocusCustomer => app.focus = Focus::Pane(Pane::Customer),
        Command::Back => match app.focus {
            Focus::Compose => app.focus = Focus::Pane(Pane::Chat),
            Focus::Search => app.focus = Focus::Pane(Pane::List),
            Focus::Pane(Pane::Customer) => app.focus = Focus::Pane(Pane::Chat),
            Focus::Pane(Pane::Chat) => app.focus = Focus::Pane(Pane::List),
            Focus::Pane(Pane::List) => {
                if !app.marked.is_empty() {
                    app.marked.clear();
                } else if !app.filters.q.is_empty() {
                    app.search.clear();
                    app.filters.q.clear();
                    panes::list::refilter(app, fx);
                }
            }
        },
        Command::PaletteOpen => super::palette::open(app, false, fx),
        Command::PaletteCommand => super::palette::open(app, true, fx),
        Command::PickerAdd => {}
        Command::ConvResolve
        | Command::ConvResolveNext
        | Command::ConvReopen
        | Command::ConvPending
        | Command::ConvSnooze
        | Command::ConvPriority
        | Command::JumpUnread
        | Command::JumpMine
        | Command::JumpNew
        | Command::JumpBack
        | Command::ListMark
        | Command::ListMarkAll
        | Command::ConvTag => {}
        Command::BotToggle if !app.marked.is_empty() => {
            // On for all unless some already have it: then off for all.
            let any_on = app.marked.iter().any(|id| {
                app.mirror
                    .convs
                    .get(id)
                    .is_some_and(|c| c.conversation.bot_active)
            });
            super::triage::bulk(app, BulkAction::Bot { active: !any_on }, fx);
        }
        Command::BotToggle => {
            if let Some(c) = app.open_conv() {
                fx.push(Effect::SetBot {
                    conversation: c.conversation.id,
                    active: !c.conversation.bot_active,
                });
            } else {
                app.notify("open a conversation first", Level::Info);
            }
        }
        Command::AssignOpen => {
            if app.open.is_some() || !app.marked.is_empty() {
                app.popup = Some(Popup::Assign { selected: 0 });
                fx.push(Effect::LoadAgents);
            } else {
                app.notify("open a conversation first", Level::Info);
            }
        }
        Command::StandardOpen => {
            if app.open.is_some() {
                super::standard::open(app, fx);
            } else {
                app.notify("open a conversation first", Level::Info);
            }
        }
        Command::SettingsOpen => settings::open(app, fx),
        Command::TagsOpen => {
            app.popup = Some(Popup::Tags {
                filter: Editor::new(),
                selected: 0,
                mode: TagsMode::Browse,
            });
            fx.push(Effect::LoadTags);
        }
        Command::BroadcastsOpen => {
            if app
                .mirror
                .me
                .as_ref()
                .is_some_and(super::super::protocol::model::Agent::is_admin)
            {
                app.popup = Some(Popup::Broadcasts { selected: 0 });
                fx.push(Effect::LoadBroadcasts);
            } else {
                app.notify("only admins review broadcasts", Level::Info);
            }
        }
        Command::TagRename
        | Command::TagRecolor
        | Command::TagMerge
        | Command::TagDelete
        | Command::TagBroadcast => {}
        Command::CustomerNext
        | Command::CustomerPrev
        | Command::CustomerEdit
        | Command::CustomerDelete
        | Command::CustomerTag
        | Command::CustomerNote
        | Command::CustomerSchedule
        | Command::CustomerAddField
        | Command::CustomerRename => {}
        Command::StandardSend
        | Command::SettingsNew
        | Command::SettingsEdit
        | Command::SettingsDelete
        | Command::SettingsChannelNext
        | Command::SettingsTemplate
        | Command::SettingsImport
        | Command::SettingsExport
        | Command::CustomersImport
        | Command::CustomersExport
        | Command::FormNextField
        | Command::FormPrevField
        | Command::FormToggle
        | Command::FormSave => {}
        Command::InputLeft
        | Command::InputRight
        | Command::InputUp
        | Command::InputDown
        | Command::InputHome
        | Command::InputEnd
        | Command::InputWordLeft
        | Command::InputWordRight
        | Command::InputBackspace
        | Command::InputDelete
        | Command::InputDeleteWord
        | Command::InputClearLine => edit(app, cmd, fx),
        Command::PopupNext
        | Command::PopupPrev
        | Command::PopupConfirm
        | Command::PopupRemove
        | Command::PopupClose
        | Command::StandardSearch
        | Command::StandardBack
        | Command::StandardNew
        | Command::StandardEdit
        | Command::StandardDelete => {}
        // The panes', popups' and forms' own, where the keyboard is.
        _ => {}
    }
}

/// Commands while a popup is open; returns whether it was handled.
fn popup_command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    use super::popups;
    let Some(popup) = app.popup.as_ref() else {
        return false;
    };
    // A popup with a text field takes the editing keys.
    if cmd.is_input() && popup.takes_text() {
        edit(app, cmd, fx);
        return true;
    }
    match popup {
        // The standard replies answer for themselves; what they leave goes
        // on to the panes.
        Popup::Standard { .. } => return popups::standard::command(app, cmd, fx),
        Popup::Confirm { .. } | Popup::Tags { .. } if cmd == Command::PopupClose => {}
        _ if cmd == Command::PopupClose => {
            app.popup = None;
            return true;
        }
        Popup::Snooze(_) => return popups::snooze::command(app, cmd, fx),
        Popup::Palette(_) => return popups::palette::command(app, cmd, fx),
        Popup::Attach(_) => return popups::attach::command(app, cmd, fx),
        Popup::Files { .. } => return popups::files::command(app, cmd, fx),
        Popup::Priority(_) => return popups::priority::command(app, cmd, fx),
        _ => {}
    }
    let handled = match popup {
        Popup::Confirm { .. } => popups::confirm::command(app, cmd, fx),
        Popup::Help { .. } => popups::help::command(app, cmd),
        Popup::Assign { .. } => popups::assign::command(app, cmd, fx),
        Popup::Emoji { .. } => popups::emoji::command(app, cmd),
        Popup::TagPicker { .. } => popups::tag_picker::command(app, cmd, fx),
        Popup::Tags { .. } => popups::tags::command(app, cmd, fx),
        Popup::ImportErrors { .. } => popups::import_errors::command(app, cmd),
        Popup::Broadcasts { .. } => popups::broadcasts::command(app, cmd),
        _ => false,
    };
    // Anything else but quitting is swallowed while a popup is open.
    handled || cmd != Command::Quit
}

fn cycle_focus(app: &mut App, forward: bool) {
    let order = [Pane::List, Pane::Chat, Pane::Customer];
    let cur = match app.focus {
        Focus::Pane(p) => p,
        Focus::Compose => Pane::Chat,
        Focus::Search => Pane::List,
    };
    let i = order.iter().position(|p| *p == cur).unwrap_or(0);
    let next = if forward { (i + 1) % 3 } else { (i + 2) % 3 };
    app.focus = Focus::Pane(order[next]);
}

/// Runs a named command as if its key had been pressed.
pub fn run_command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    command(app, cmd, fx);
}

/// Opens a conversation: loads what is missing and marks it read.
pub fn open(app: &mut App, id: ConversationId, fx: &mut Vec<Effect>) {
    if app.open != Some(id) {
        app.chat_scroll = 0;
        app.customer_ui = Default::default();
        if let Some(prev) = app.open {
            app.history.retain(|x| *x != prev);
            app.history.push(prev);
            if app.history.len() > 50 {
                app.history.remove(0);
            }
        }
    }
    if !app.mirror.scheduled.contains_key(&id) {
        fx.push(Effect::LoadScheduled(id));
    }
    app.open = Some(id);
    let log = app.mirror.logs.entry(id).or_default();
    if !log.loaded && !log.loading {
        log.loading = true;
        fx.push(Effect::LoadMessages {
            conversation: id,
            before: None,
        });
    }
    if let Some(conv) = app.mirror.convs.get(&id) {
        let customer = conv.conversation.customer_id;
        if !app.mirror.customers.contains_key(&customer) {
            fx.push(Effect::LoadCustomer(customer));
        }
        if !app.mirror.notes.contains_key(&customer) {
            fx.push(Effect::LoadNotes(customer));
        }
    }
    mark_read(app, id, fx);
}

fn mark_read(app: &mut App, id: ConversationId, fx: &mut Vec<Effect>) {
    if let Some(conv) = app.mirror.convs.get_mut(&id) {
        if conv.unread() > 0 {
            conv.my_read = conv.conversation.inbound_count;
            fx.push(Effect::MarkRead(id));
        }
    }
}

fn on_mouse(app: &mut App, m: crossterm::event::MouseEvent, fx: &mut Vec<Effect>) {
    if app.popup.is_some() {
        return;
    }
    let a = areas(app);
    let (x, y) = (m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if contains(a.list_rows, x, y) {
                let row = app.list.offset + ((y - a.list_rows.y) / layout::ROW_HEIGHT) as usize;
                if row < app.list.view.len() {
                    app.list.selected = row;
                    let id = app.list.view[row];
                    open(app, id, fx);
                }
                app.focus = Focus::Pane(Pane::List);
            } else if contains(a.list, x, y) {
                app.focus = Focus::Pane(Pane::List);
            } else if contains(a.compose, x, y) {
                command(app, Command::ComposeFocus, fx);
            } else if contains(a.chat, x, y) {
                app.focus = Focus::Pane(Pane::Chat);
            } else if contains(a.customer, x, y) {
                app.focus = Focus::Pane(Pane::Customer);
            }
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = m.kind == MouseEventKind::ScrollDown;
            if contains(a.list, x, y) {
                panes::list::move_selection(app, if down { 3 } else { -3 }, fx);
            } else if contains(a.chat, x, y) {
                chat::scroll_chat(app, if down { -3 } else { 3 }, fx);
            }
        }
        _ => {}
    }
}

fn on_server(app: &mut App, update: StreamUpdate, fx: &mut Vec<Effect>) {
    match update {
        StreamUpdate::Connected => {
            app.conn = ConnState::Connected;
            // Whatever came while away moved the counts.
            app.unread_stale = true;
            // What was queued while away goes out now, in order.
            chat::send_queue(app, fx);
        }
        StreamUpdate::Disconnected { retry_in, .. } => {
            app.conn = ConnState::Reconnecting {
                retry_in,
                since: app.now,
            }
        }
        StreamUpdate::Unauthorized => {
            app.conn = ConnState::Unauthorized;
            app.notify(
                "the server refused the token: sign in again (chatsmart login)",
                Level::Error,
            );
        }
        StreamUpdate::Event(ev) => apply_event(app, *ev, fx),
    }
}

/// Applies one server event in place.
pub fn apply_event(app: &mut App, ev: Event, fx: &mut Vec<Effect>) {
    let seq = ev.seq;
    let me = app.me_id();
    if let Some(n) = super::notify::for_event(app, &ev.kind) {
        fx.push(Effect::Notify(n));
    }
    // The tabs' unread counts come from the server, asked again soon after
    // anything that moves them.
    match &ev.kind {
        EventKind::MessageCreated { message, .. } if message.kind == MessageKind::Inbound => {
            app.unread_stale = true;
        }
        EventKind::ConversationRead { agent_id, .. } if *agent_id == me => app.unread_stale = true,
        _ => {}
    }
    // The mirror takes what the server said; the UI follows what changed.
    let changed = app.mirror.apply(seq, ev.kind);
    match changed {
        Changed::Nothing => {}
        Changed::Message { id, inbound } => {
            // A customer writing into the conversation the agent is looking
            // at is read as it arrives.
            let looking = app.open == Some(id)
                && app.popup.is_none()
                && matches!(app.focus, Focus::Compose | Focus::Pane(Pane::Chat));
            if inbound && looking {
                mark_read(app, id, fx);
            }
            if app.open == Some(id) {
                super::preview::want(app, id, fx);
            }
            app.rebuild_view();
            panes::list::keep_selection_visible(app);
        }
        Changed::Conversation(_) => {
            app.rebuild_view();
            panes::list::keep_selection_visible(app);
        }
        Changed::TagGone(tag) => {
            if app.filters.tag == Some(tag) {
                app.filters.tag = None;
                panes::list::refilter(app, fx);
            }
        }
        Changed::TagsMerged => fx.push(Effect::LoadTags),
        Changed::CustomersReloaded => {
            // Many customers changed at once: load again what is shown.
            if let Some(c) = app.open_conv().map(|c| c.conversation.customer_id) {
                fx.push(Effect::LoadCustomer(c));
            }
            fx.push(Effect::LoadTags);
            panes::list::refilter(app, fx);
        }
        Changed::Broadcast(b) if b.created_by.id == me => broadcast_toast(app, &b),
        Changed::Broadcast(_) => {}
        Changed::Macros => super::macros::combine(app),
        Changed::Resync => {
            // Start again from what the server has now.
            app.mirror.logs.retain(|id, _| Some(*id) == app.open);
            if let Some(id) = app.open {
                app.mirror.logs.insert(id, MessageLog::default());
                open(app, id, fx);
            }
            panes::list::refilter(app, fx);
        }
    }
}

/// Tells the agent how their broadcast is going.
fn broadcast_toast(app: &mut App, broadcast: &Broadcast) {
    let title = format!("Broadcast to #{}", broadcast.tag.name);
    let line = match broadcast.status {
        BroadcastStatus::Scheduled => format!(
            "scheduled for {}",
            super::format::date_time(broadcast.send_at, app.config.tz)
        ),
        BroadcastStatus::Running => format!(
            "sending: {} of {} sent, {} failed",
            broadcast.sent, broadcast.total, broadcast.failed
        ),
        BroadcastStatus::Done => format!(
            "finished: {} sent, {} failed",
            broadcast.sent, broadcast.failed
        ),
        BroadcastStatus::Cancelled => format!("cancelled after {} sent", broadcast.sent),
    };
    let level = if broadcast.failed > 0 {
        Level::Error
    } else {
        Level::Info
    };
    app.show_toast(title, vec![line], level);
}
