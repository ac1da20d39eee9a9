//! Triage at keyboard speed: status, snooze and priority for the open
//! conversation (or the selected row, or every marked one), marks for
//! select-then-act, and jumps to the next conversation that wants you.

use super::app::{App, ConfirmAction, Focus, Level, Pane, Popup};
use super::command::Command;
use super::editor::Editor;
use super::event::Effect;
use crate::protocol::*;

/// The snooze menu's presets: a label and the time it means (see
/// [`when::snooze_until`](super::when::snooze_until)).
pub const SNOOZE_PRESETS: [(&str, &str); 5] = [
    ("1 hour", "in 1h"),
    ("Tonight (20:00)", "tonight"),
    ("Tomorrow 09:00", "tomorrow 09:00"),
    ("Next week (Monday 09:00)", "next week"),
    ("Until the customer replies", "reply"),
];

#[derive(Debug, Clone)]
pub struct SnoozeMenu {
    pub targets: Vec<ConversationId>,
    pub selected: usize,
    /// A time typed instead of a preset.
    pub typed: Editor,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PriorityMenu {
    pub targets: Vec<ConversationId>,
    pub selected: usize,
}

/// What a command acts on: the marked conversations (in list order), else
/// the selected row when the list has focus, else the open one.
pub fn targets(app: &App) -> Vec<ConversationId> {
    if !app.marked.is_empty() {
        let mut v: Vec<ConversationId> = app
            .list
            .view
            .iter()
            .copied()
            .filter(|id| app.marked.contains(id))
            .collect();
        // Marked ones a filter has since hidden still count.
        let hidden: Vec<ConversationId> = app
            .marked
            .iter()
            .copied()
            .filter(|id| !v.contains(id))
            .collect();
        v.extend(hidden);
        return v;
    }
    let pick = if app.focus == Focus::Pane(Pane::List) {
        app.selected_id().or(app.open)
    } else {
        app.open.or(app.selected_id())
    };
    pick.into_iter().collect()
}

fn plural(n: usize) -> String {
    format!("{n} conversation{}", if n == 1 { "" } else { "s" })
}

/// One conversation: do it now. Several: ask first, saying how many.
pub(super) fn act(
    app: &mut App,
    ids: Vec<ConversationId>,
    action: BulkAction,
    fx: &mut Vec<Effect>,
) {
    match ids[..] {
        [] => app.notify("open or select a conversation first", Level::Info),
        [id] => fx.push(single(id, action)),
        _ => {
            let message = format!("{}?", describe(&action, app, &plural(ids.len())));
            app.popup = Some(Popup::Confirm {
                message,
                action: ConfirmAction::Bulk(BulkRequest { ids, action }),
            });
        }
    }
}

/// The effect of one action on one conversation.
pub fn single(id: ConversationId, action: BulkAction) -> Effect {
    match action {
        BulkAction::Status {
            status,
            snooze_until,
        } => Effect::SetStatus(
            id,
            SetStatus {
                status,
                snooze_until,
            },
        ),
        BulkAction::Priority { priority } => Effect::SetPriority(id, priority),
        BulkAction::Assign { agent_id } => Effect::Assign {
            conversation: id,
            agent: agent_id,
        },
        BulkAction::Unassign { agent_id } => Effect::Unassign {
            conversation: id,
            agent: agent_id,
        },
        BulkAction::Bot { active } => Effect::SetBot {
            conversation: id,
            active,
        },
        // Tagging has no single-conversation route: a bulk of one.
        other @ BulkAction::Tag { .. } => Effect::Bulk(BulkRequest {
            ids: vec![id],
            action: other,
        }),
    }
}

/// "Resolve 3 conversations", "Assign Bob Chen to 3 conversations": what
/// a confirmation asks.
pub fn describe(action: &BulkAction, app: &App, n: &str) -> String {
    let agent = |id: AgentId| app.agent_name(id).unwrap_or("that agent").to_string();
    match action {
        BulkAction::Assign { agent_id } => format!("Assign {} to {n}", agent(*agent_id)),
        BulkAction::Unassign { agent_id } => format!("Remove {} from {n}", agent(*agent_id)),
        BulkAction::Bot { active: true } => format!("Turn the bot on for {n}"),
        BulkAction::Bot { active: false } => format!("Turn the bot off for {n}"),
        BulkAction::Tag { name, tag_id } => {
            let name = name.clone().or_else(|| {
                app.mirror
                    .tags
                    .iter()
                    .find(|t| Some(t.tag.id) == *tag_id)
                    .map(|t| t.tag.name.clone())
            });
            format!("Tag the customers of {n} #{}", name.unwrap_or_default())
        }
        BulkAction::Status {
            status: ConvStatus::Snoozed,
            snooze_until: Some(t),
        } => format!(
            "Snooze {n} until {}",
            super::format::date_time(*t, app.config.tz)
        ),
        BulkAction::Status {
            status: ConvStatus::Snoozed,
            snooze_until: None,
        } => format!("Snooze {n} until the customer writes"),
        BulkAction::Status { status, .. } => match status {
            ConvStatus::Open => format!("Reopen {n}"),
            ConvStatus::Pending => format!("Mark {n} pending"),
            ConvStatus::Resolved => format!("Resolve {n}"),
            ConvStatus::Snoozed => format!("Snooze {n}"),
        },
        BulkAction::Priority { priority } => format!("Set priority {priority} on {n}"),
    }
}

fn status(app: &mut App, s: ConvStatus, fx: &mut Vec<Effect>) {
    let ids = targets(app);
    act(
        app,
        ids,
        BulkAction::Status {
            status: s,
            snooze_until: None,
        },
        fx,
    );
}

/// Triage commands; returns whether it was one.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    match cmd {
        Command::ConvResolve => status(app, ConvStatus::Resolved, fx),
        Command::ConvResolveNext => {
            let ids = targets(app);
            let single = ids.len() == 1;
            status(app, ConvStatus::Resolved, fx);
            if single {
                let from = ids[0];
                match next_needing_answer(app, from) {
                    Some(next) => go_to(app, next, fx),
                    None => app.notify("resolved; nothing else needs an answer here", Level::Info),
                }
            }
        }
        Command::ConvReopen => status(app, ConvStatus::Open, fx),
        Command::ConvPending => status(app, ConvStatus::Pending, fx),
        Command::ConvSnooze => {
            let targets = targets(app);
            if targets.is_empty() {
                app.notify("open or select a conversation first", Level::Info);
            } else {
                app.popup = Some(Popup::Snooze(SnoozeMenu {
                    targets,
                    selected: 0,
                    typed: Editor::new(),
                    error: None,
                }));
            }
        }
        Command::ConvPriority => {
            let targets = targets(app);
            let current = match targets[..] {
                [id] => app
                    .mirror
                    .convs
                    .get(&id)
                    .map(|c| c.conversation.priority)
                    .unwrap_or_default(),
                _ => Priority::None,
            };
            if targets.is_empty() {
                app.notify("open or select a conversation first", Level::Info);
            } else {
                app.popup = Some(Popup::Priority(PriorityMenu {
                    targets,
                    selected: current as usize,
                }));
            }
        }
        Command::ConvTag => super::customer::open_tag_picker(app, fx),
        Command::ListMark => {
            if let Some(id) = app.selected_id() {
                if !app.marked.remove(&id) {
                    app.marked.insert(id);
                }
                if app.list.selected + 1 < app.list.view.len() {
                    app.list.selected += 1;
                }
            }
        }
        Command::ListMarkAll => {
            let all =
                !app.list.view.is_empty() && app.list.view.iter().all(|id| app.marked.contains(id));
            if all {
                app.marked.clear();
            } else {
                app.marked.extend(app.list.view.iter().copied());
            }
        }
        Command::JumpUnread => jump(app, fx, "unread", |c, _| c.unread() > 0),
        Command::JumpMine => jump(app, fx, "assigned to you", |c, me| {
            c.conversation.is_assigned_to(me)
        }),
        Command::JumpNew => jump(app, fx, "new request", |c, _| {
            c.conversation.assignees.is_empty() && c.conversation.status == ConvStatus::Open
        }),
        Command::JumpBack => {
            while let Some(id) = app.history.pop() {
                if app.mirror.convs.contains_key(&id) && app.open != Some(id) {
                    let before = app.open;
                    super::update::open(app, id, fx);
                    // Going back is not a new step to come back from.
                    if app.history.last() == before.as_ref() {
                        app.history.pop();
                    }
                    select_in_list(app, id);
                    return true;
                }
            }
            app.notify("no earlier conversation", Level::Info);
        }
        _ => return false,
    }
    true
}

fn select_in_list(app: &mut App, id: ConversationId) {
    if let Some(i) = app.list.view.iter().position(|x| *x == id) {
        app.list.selected = i;
    }
}

/// Opens `id` and selects its row.
fn go_to(app: &mut App, id: ConversationId, fx: &mut Vec<Effect>) {
    super::update::open(app, id, fx);
    select_in_list(app, id);
}

/// The next row after the current one (wrapping) that `want`s, opened.
fn jump(
    app: &mut App,
    fx: &mut Vec<Effect>,
    what: &str,
    want: impl Fn(&super::app::Conv, AgentId) -> bool,
) {
    let me = app.me_id();
    let n = app.list.view.len();
    let from = app
        .open
        .and_then(|id| app.list.view.iter().position(|x| *x == id))
        .unwrap_or(app.list.selected.wrapping_sub(1));
    let found = (1..=n)
        .map(|k| app.list.view[(from.wrapping_add(k)) % n.max(1)])
        .find(|id| app.open != Some(*id) && app.mirror.convs.get(id).is_some_and(|c| want(c, me)));
    match found {
        Some(id) => go_to(app, id, fx),
        None => app.notify(
            format!("no other {what} conversation in this list"),
            Level::Info,
        ),
    }
}

/// After `from` in the list (wrapping): open, not snoozed or resolved,
/// with the customer waiting or unread messages.
pub fn next_needing_answer(app: &App, from: ConversationId) -> Option<ConversationId> {
    let n = app.list.view.len();
    let start = app.list.view.iter().position(|x| *x == from).unwrap_or(0);
    (1..n).map(|k| app.list.view[(start + k) % n]).find(|id| {
        app.mirror.convs.get(id).is_some_and(|c| {
            c.conversation.status == ConvStatus::Open
                && (c.conversation.waiting_since.is_some() || c.unread() > 0)
        })
    })
}

/// Marked conversations get the bot toggled, an agent assigned or a tag
/// through here (the popups' own keys stay the same).
pub fn bulk(app: &mut App, action: BulkAction, fx: &mut Vec<Effect>) {
    let ids = targets(app);
    act(app, ids, action, fx);
}

/// The server's report on a bulk action.
pub fn bulk_done(app: &mut App, what: String, result: Result<BulkReport, String>) {
    match result {
        Ok(r) if r.failed == 0 => {
            app.marked.clear();
            app.notify(format!("{what}: done"), Level::Info);
        }
        Ok(r) => {
            // Keep the failed ones marked, to try again.
            app.marked = r.results.iter().filter(|i| !i.ok).map(|i| i.id).collect();
            let lines = r
                .results
                .iter()
                .filter(|i| !i.ok)
                .take(6)
                .map(|i| {
                    let name = app
                        .mirror
                        .convs
                        .get(&i.id)
                        .map(|c| c.conversation.customer_name.clone())
                        .unwrap_or_else(|| format!("#{}", i.id));
                    format!("{name}: {}", i.error.clone().unwrap_or_default())
                })
                .collect();
            app.show_toast(
                format!("{what}: {} done, {} failed", r.succeeded, r.failed),
                lines,
                Level::Error,
            );
        }
        Err(e) => app.notify(format!("{what} failed: {e}"), Level::Error),
    }
}
