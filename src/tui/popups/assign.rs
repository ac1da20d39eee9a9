//! The assignee picker: every agent, the current assignees marked with
//! the time they were assigned.

use super::super::app::App;
use super::super::app::{Level, Popup};
use super::super::command::Command;
use super::super::event::Effect;
use super::super::format;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use crate::protocol::BulkAction;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, selected: usize, theme: &Theme, area: Rect, f: &mut Frame) {
    let h = (app.mirror.agents.len() as u16 + 4).clamp(6, area.height.saturating_sub(4));
    let r = super::centered(area, 56, h);
    let title = match app.marked.len() {
        0 => "Assignees".to_string(),
        n => format!(
            "Assign {n} marked conversation{}",
            if n == 1 { "" } else { "s" }
        ),
    };
    let inner = super::frame(f, r, &title, theme);
    let conv = app
        .open_conv()
        .filter(|_| app.marked.is_empty())
        .map(|c| &c.conversation);
    let mut lines = Vec::new();
    if app.mirror.agents.is_empty() {
        lines.push(Line::from(Span::styled(
            "loading agents…",
            theme.style(Role::Muted),
        )));
    }
    let rows = inner.height.saturating_sub(2) as usize;
    let first = (selected + 1).saturating_sub(rows);
    for (i, a) in app.mirror.agents.iter().enumerate().skip(first).take(rows) {
        let assigned = conv.and_then(|c| c.assignees.iter().find(|x| x.agent_id == a.id));
        let base = if i == selected {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let mut spans = vec![
            Span::styled(
                if assigned.is_some() { " ✓ " } else { "   " },
                theme.style(Role::BotOn).patch(base),
            ),
            Span::styled(format!("{:<24}", sanitize::line(&a.name)), base),
        ];
        if let Some(x) = assigned {
            spans.push(Span::styled(
                format!("since {}", format::date_time(x.assigned_at, app.config.tz)),
                theme.style(Role::Time).patch(base),
            ));
        }
        // Still listed (to be taken off what they hold), not assignable.
        if a.disabled {
            spans.push(Span::styled(
                " disabled",
                theme.style(Role::Muted).patch(base),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(Context::Popup, HINTS),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

/// What the picker answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupNext, "move"),
    (Command::PopupPrev, "move"),
    (Command::PopupConfirm, "assign"),
    (Command::PopupRemove, "remove"),
    (Command::PopupClose, "done"),
];

/// Moves; assigns or removes the chosen agent (on every marked
/// conversation, or the open one); closes. False for anything else.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Assign { selected }) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupNext => {
            if *selected + 1 < app.mirror.agents.len() {
                *selected += 1;
            }
        }
        Command::PopupPrev => *selected = selected.saturating_sub(1),
        Command::PopupClose => app.popup = None,
        Command::PopupConfirm | Command::PopupRemove if !app.marked.is_empty() => {
            let Some(agent_id) = app.mirror.agents.get(*selected).map(|a| a.id) else {
                return true;
            };
            app.popup = None;
            let action = if cmd == Command::PopupConfirm {
                BulkAction::Assign { agent_id }
            } else {
                BulkAction::Unassign { agent_id }
            };
            super::super::triage::bulk(app, action, fx);
        }
        Command::PopupConfirm | Command::PopupRemove => {
            let (Some(agent), Some(conv)) = (app.mirror.agents.get(*selected), app.open_conv())
            else {
                return true;
            };
            let assigned = conv.conversation.is_assigned_to(agent.id);
            let conversation = conv.conversation.id;
            if cmd == Command::PopupConfirm && !assigned {
                fx.push(Effect::Assign {
                    conversation,
                    agent: agent.id,
                });
            } else if cmd == Command::PopupRemove && assigned {
                fx.push(Effect::Unassign {
                    conversation,
                    agent: agent.id,
                });
            } else if cmd == Command::PopupConfirm {
                let name = agent.name.clone();
                app.notify(
                    format!("{name} is already assigned; - removes"),
                    Level::Info,
                );
            }
        }
        _ => return false,
    }
    true
}
