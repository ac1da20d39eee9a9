//! The status bar: connection, filters, who is signed in, unread, and the
//! keys that matter in the focused context (or the latest notice).

use super::super::app::{App, ConnState, Level};
use super::super::command::Command;
use super::super::keymap::Context;
use super::super::layout::Areas;
use super::super::theme::{Role, Theme};
use super::super::wrap::{truncate, width};
use crate::sanitize;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The commands worth a hint in each context.
fn hint_commands(ctx: Context) -> &'static [Command] {
    match ctx {
        Context::List => &[
            Command::ListNext,
            Command::ListOpen,
            Command::SearchOpen,
            Command::ChannelNext,
            Command::AssigneeNext,
            Command::HelpOpen,
            Command::Quit,
        ],
        Context::Chat => &[
            Command::ComposeFocus,
            Command::BotToggle,
            Command::AssignOpen,
            Command::ChatScrollUp,
            Command::Back,
            Command::HelpOpen,
        ],
        Context::Customer => &[Command::FocusChat, Command::HelpOpen],
        Context::Compose => &[
            Command::ComposeSend,
            Command::ComposeNewline,
            Command::EmojiOpen,
            Command::Back,
        ],
        Context::Search => &[Command::FocusList, Command::SearchClear, Command::Back],
        Context::Popup => &[
            Command::PopupNext,
            Command::PopupConfirm,
            Command::PopupRemove,
            Command::PopupClose,
        ],
        Context::Picker => &[
            Command::PopupNext,
            Command::PopupConfirm,
            Command::PopupClose,
        ],
        Context::Settings => &[
            Command::SettingsNew,
            Command::SettingsEdit,
            Command::SettingsDelete,
            Command::SettingsImport,
            Command::SettingsExport,
            Command::SettingsTemplate,
            Command::Back,
        ],
        Context::Form => &[
            Command::FormNextField,
            Command::FormToggle,
            Command::FormSave,
            Command::Back,
        ],
        Context::Standard => &[
            Command::PopupNext,
            Command::PopupConfirm,
            Command::StandardSearch,
            Command::StandardNew,
            Command::PopupClose,
        ],
        Context::Global => &[],
    }
}

fn short(cmd: Command) -> &'static str {
    match cmd {
        Command::ListNext => "move",
        Command::ListOpen => "open",
        Command::SearchOpen => "search",
        Command::ChannelNext => "channel",
        Command::AssigneeNext => "assigned",
        Command::HelpOpen => "help",
        Command::Quit => "quit",
        Command::ComposeFocus => "reply",
        Command::BotToggle => "bot",
        Command::AssignOpen => "assign",
        Command::ChatScrollUp => "scroll",
        Command::Back => "back",
        Command::FocusChat => "chat",
        Command::ComposeSend => "send",
        Command::ComposeNewline => "newline",
        Command::EmojiOpen => "emoji",
        Command::FocusList => "done",
        Command::SearchClear => "clear",
        Command::PopupNext => "move",
        Command::PopupConfirm => "choose",
        Command::PopupRemove => "remove",
        Command::PopupClose => "close",
        Command::SettingsNew => "new",
        Command::SettingsEdit => "edit",
        Command::SettingsDelete => "delete",
        Command::SettingsImport => "import",
        Command::SettingsExport => "export",
        Command::SettingsTemplate => "template",
        Command::FormNextField => "field",
        Command::FormToggle => "tick",
        Command::FormSave => "save",
        Command::StandardSend => "send",
        Command::StandardSearch => "search",
        Command::StandardNew => "new",
        other => other.name(),
    }
}

pub fn draw(app: &App, theme: &Theme, a: &Areas, f: &mut Frame) {
    let base = theme.style(Role::StatusBar);
    let (conn, conn_role) = match &app.conn {
        // The last known inbox, until the server answers.
        _ if app.cached.is_some() => {
            let at = app.cached.map(|c| c.at).unwrap_or(app.now);
            (
                format!(
                    "○ offline: last known inbox, {} (read-only)",
                    at.with_timezone(&app.config.tz).format("%d %b %H:%M")
                ),
                Role::Offline,
            )
        }
        ConnState::Connecting => ("◌ connecting".to_string(), Role::Reconnecting),
        ConnState::Connected => ("● connected".to_string(), Role::Connected),
        ConnState::Reconnecting { retry_in, since } => {
            let left = retry_in.as_secs() as i64 - (app.now - *since).num_seconds();
            let now = app
                .config
                .keymap
                .hint(super::super::keymap::Context::List, Command::ReconnectNow)
                .map(|k| format!(" · {k} now"))
                .unwrap_or_default();
            (
                format!("◌ reconnecting in {}s{now}", left.max(0)),
                Role::Reconnecting,
            )
        }
        ConnState::Unauthorized => ("○ offline: token refused".to_string(), Role::Offline),
    };
    let who = app
        .mirror
        .me
        .as_ref()
        .map(|m| sanitize::line(&m.name))
        .unwrap_or_default();
    let unread = app.total_unread();
    let mut left = vec![
        Span::styled(format!(" {conn} "), theme.style(conn_role).patch(base)),
        Span::styled(format!("│ {} ", app.filters.describe()), base),
        Span::styled(format!("│ {who} "), base),
        Span::styled(
            format!("│ {unread} unread "),
            if unread > 0 {
                theme.style(Role::Unread).patch(base)
            } else {
                base
            },
        ),
    ];
    let right: Vec<Span> = match &app.notice {
        Some(n) => {
            let role = if n.level == Level::Error {
                Role::Error
            } else {
                Role::Notice
            };
            vec![Span::styled(
                format!(" {} ", sanitize::line(&n.text)),
                theme.style(role).patch(base),
            )]
        }
        None => {
            let ctx = app.context();
            let mut spans = Vec::new();
            for cmd in hint_commands(ctx) {
                if let Some(k) = app.config.keymap.hint(ctx, *cmd) {
                    spans.push(Span::styled(
                        format!(" {k}"),
                        theme.style(Role::HintKey).patch(base),
                    ));
                    spans.push(Span::styled(format!(" {}", short(*cmd)), base));
                }
            }
            spans.push(Span::styled(" ", base));
            spans
        }
    };
    let total = a.status.width as usize;
    let rw: usize = right.iter().map(|s| width(&s.content)).sum();
    let lw: usize = left.iter().map(|s| width(&s.content)).sum();
    let mut spans = Vec::new();
    if lw + rw <= total {
        spans.append(&mut left);
        spans.push(Span::styled(" ".repeat(total - lw - rw), base));
        spans.extend(right);
    } else {
        // Not enough room: the notice or hints win over the filter summary.
        let keep = total.saturating_sub(rw);
        let text: String = left.iter().map(|s| s.content.to_string()).collect();
        spans.push(Span::styled(truncate(&text, keep), base));
        let used = width(&truncate(&text, keep));
        spans.push(Span::styled(
            " ".repeat(total.saturating_sub(used + rw)),
            base,
        ));
        spans.extend(right);
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(base), a.status);
}
