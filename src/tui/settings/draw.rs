//! Drawing the settings screen and its forms.

use super::super::app::App;
use super::super::command::Command;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use super::super::wrap::{truncate, wrap};
use super::{folders, FileAction, FolderField, FormKind};
use crate::protocol::*;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Gauge, Paragraph, Wrap};
use ratatui::Frame;

fn pane<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(theme.style(if focused {
            Role::BorderFocused
        } else {
            Role::Border
        }))
        .title(Span::styled(format!(" {title} "), theme.style(Role::Title)))
}

pub fn draw(app: &App, theme: &Theme, area: Rect, f: &mut Frame) {
    let s = &app.settings;
    let main = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let top = Rect { height: 1, ..main };
    // Title and channel filter tabs.
    let mut spans = vec![Span::styled(
        " Standard messages  ",
        theme.style(Role::Title),
    )];
    let tabs: Vec<(Option<ChannelKind>, &str)> = std::iter::once((None, "All"))
        .chain(
            ChannelKind::ALL
                .iter()
                .map(|c| (Some(*c), super::super::format::badge(*c).0)),
        )
        .collect();
    for (c, label) in tabs {
        let role = if s.channel == c {
            Role::TabActive
        } else {
            Role::TabInactive
        };
        spans.push(Span::styled(format!(" {label} "), theme.style(role)));
        spans.push(Span::raw(" "));
    }
    if !app
        .mirror
        .me
        .as_ref()
        .is_some_and(crate::protocol::model::Agent::is_admin)
    {
        spans.push(Span::styled(
            "  read only: admins change standard messages",
            theme.style(Role::Muted),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), top);

    let body = Rect {
        y: main.y + 1,
        height: main.height.saturating_sub(1),
        ..main
    };
    let gauge_h = if app.transfer.is_some() { 3 } else { 0 };
    let body = Rect {
        height: body.height.saturating_sub(gauge_h),
        ..body
    };
    let left_w = (body.width * 40 / 100).clamp(30, 60);
    let left = Rect {
        width: left_w,
        ..body
    };
    let right = Rect {
        x: body.x + left_w,
        width: body.width - left_w,
        ..body
    };

    let list = folders(app);
    let lb = pane(format!("Folders {}", list.len()), !s.on_messages, theme);
    let li = lb.inner(left);
    f.render_widget(lb, left);
    if list.is_empty() {
        let hint = app
            .config
            .keymap
            .hint(
                super::super::keymap::Context::Settings,
                super::super::command::Command::SettingsNew,
            )
            .unwrap_or_default();
        f.render_widget(
            Paragraph::new(Span::styled(
                format!("No folders yet: {hint} creates one, or import a spreadsheet"),
                theme.style(Role::Muted),
            ))
            .wrap(Wrap { trim: true }),
            li,
        );
    }
    let rows = (li.height / 2) as usize;
    let first = (s.folder + 1).saturating_sub(rows.max(1));
    for (i, folder) in list.iter().enumerate().skip(first).take(rows) {
        let y = li.y + ((i - first) * 2) as u16;
        let sel = i == s.folder;
        let base = if sel {
            theme.style(Role::Selected)
        } else {
            Style::default()
        };
        let w = li.width as usize;
        let name = truncate(&sanitize::line(&folder.name), w.saturating_sub(2));
        let l1 = Line::from(vec![
            Span::styled(
                if sel { "▌" } else { " " },
                theme.style(Role::BorderFocused).patch(base),
            ),
            Span::styled(
                format!("{name:<width$}", width = w.saturating_sub(1)),
                theme.style(Role::Title).patch(base),
            ),
        ]);
        let team = folder
            .team
            .as_ref()
            .map(|t| t.name.as_str())
            .unwrap_or("every team");
        let who = if folder.assignees.is_empty() {
            String::new()
        } else {
            format!(
                " · {}",
                folder
                    .assignees
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let detail = format!(
            " {} · {team}{who} · {} msg",
            folder.channels_label(),
            folder.messages.len()
        );
        let l2 = Line::from(Span::styled(
            format!(
                "{:<width$}",
                truncate(&sanitize::line(&detail), w),
                width = w
            ),
            theme.style(Role::Muted).patch(base),
        ));
        f.render_widget(
            Paragraph::new(vec![l1, l2]),
            Rect::new(li.x, y, li.width, 2.min(li.y + li.height - y)),
        );
    }

    let folder = list.get(s.folder);
    let title = match folder {
        Some(fl) => format!(
            "Messages in {} ({})",
            sanitize::line(&fl.name),
            fl.messages.len()
        ),
        None => "Messages".into(),
    };
    let rb = pane(title, s.on_messages, theme);
    let ri = rb.inner(right);
    f.render_widget(rb, right);
    if let Some(fl) = folder {
        let mut lines: Vec<Line> = Vec::new();
        let w = ri.width.saturating_sub(2) as usize;
        for (i, m) in fl.messages.iter().enumerate() {
            let sel = i == s.message && s.on_messages;
            let base = if sel {
                theme.style(Role::Selected)
            } else {
                Style::default()
            };
            let wrapped = wrap(&sanitize::multiline(&m.text), w.max(4));
            for (j, l) in wrapped.iter().take(4).enumerate() {
                let marker = if j == 0 && sel { "▌" } else { " " };
                lines.push(Line::from(vec![
                    Span::styled(marker, theme.style(Role::BorderFocused).patch(base)),
                    Span::styled(format!("{l:<w$}"), theme.style(Role::Text).patch(base)),
                ]));
            }
            if wrapped.len() > 4 {
                lines.push(Line::from(Span::styled(
                    format!("  … {} more lines", wrapped.len() - 4),
                    theme.style(Role::Muted),
                )));
            }
            lines.push(Line::raw(""));
        }
        if fl.messages.is_empty() {
            lines.push(Line::from(Span::styled(
                "No messages in this folder yet",
                theme.style(Role::Muted),
            )));
        }
        // Keep the selected message in view.
        let mut skip = 0;
        if s.on_messages {
            let before: usize = fl
                .messages
                .iter()
                .take(s.message)
                .map(|m| {
                    wrap(&sanitize::multiline(&m.text), w.max(4)).len().min(4)
                        + 1
                        + usize::from(wrap(&m.text, w.max(4)).len() > 4)
                })
                .sum();
            skip = before.saturating_sub((ri.height as usize) / 2);
        }
        f.render_widget(Paragraph::new(lines).scroll((skip as u16, 0)), ri);
    }

    if let Some(t) = &app.transfer {
        let g = Rect {
            y: body.y + body.height,
            height: 3,
            ..body
        };
        let ratio = if t.total == 0 {
            0.0
        } else {
            (t.done as f64 / t.total as f64).clamp(0.0, 1.0)
        };
        let label = if t.done >= t.total && t.total > 0 {
            format!("{}: checking every row…", t.what)
        } else {
            format!(
                "{}: {} of {} KB",
                t.what,
                t.done / 1024,
                t.total.max(1) / 1024
            )
        };
        f.render_widget(
            Gauge::default()
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(theme.style(Role::Border)),
                )
                .gauge_style(theme.style(Role::Connected))
                .ratio(ratio)
                .label(label),
            g,
        );
    }

    if let Some(form) = &s.form {
        draw_form(app, form, theme, area, f);
    }
}

fn field_label<'a>(label: &'a str, active: bool, theme: &Theme) -> Span<'a> {
    let role = if active { Role::HintKey } else { Role::Label };
    Span::styled(format!("{label:<10}"), theme.style(role))
}

pub fn draw_form(app: &App, form: &super::Form, theme: &Theme, area: Rect, f: &mut Frame) {
    use super::super::popups::{centered, frame};
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, u16)> = None;
    let (title, height) = match &form.kind {
        FormKind::Folder { id, .. } => (
            if id.is_some() {
                "Edit folder"
            } else {
                "New folder"
            },
            (12 + app.mirror.agents.len() as u16).min(area.height.saturating_sub(2)),
        ),
        FormKind::Message { id, .. } => (
            if id.is_some() {
                "Edit message"
            } else {
                "New message"
            },
            16,
        ),
        FormKind::Path { action, .. } => (action.title(), 8),
    };
    let r = centered(area, 76.min(area.width), height);
    let inner = frame(f, r, title, theme);
    match &form.kind {
        FormKind::Folder {
            name,
            channels,
            channel_cursor,
            team,
            assignees,
            agent_cursor,
            field,
            ..
        } => {
            let on = |x: FolderField| *field == x;
            lines.push(Line::from(vec![
                field_label("Name", on(FolderField::Name), theme),
                Span::styled(name.text().to_string(), theme.style(Role::Input)),
            ]));
            if on(FolderField::Name) {
                let col = super::super::wrap::width(&name.text()[..name.cursor()]) as u16;
                cursor = Some((inner.x + 10 + col, inner.y));
            }
            let mut ch = vec![field_label("Channels", on(FolderField::Channels), theme)];
            for (i, c) in ChannelKind::ALL.iter().enumerate() {
                let mark = if channels[i] { "[x]" } else { "[ ]" };
                let style = if on(FolderField::Channels) && i == *channel_cursor {
                    theme.style(Role::Selected)
                } else {
                    theme.style(Role::Text)
                };
                ch.push(Span::styled(format!("{mark} {}", c.display_name()), style));
                ch.push(Span::raw("  "));
            }
            lines.push(Line::from(ch));
            lines.push(Line::from(Span::styled(
                if channels.iter().any(|c| *c) {
                    "          only the ticked channels"
                } else {
                    "          none ticked: every channel"
                },
                theme.style(Role::Muted),
            )));
            let team_name = team
                .and_then(|t| app.mirror.teams.iter().find(|x| x.id == t))
                .map(|t| t.name.clone())
                .unwrap_or_else(|| "every team".into());
            let tstyle = if on(FolderField::Team) {
                theme.style(Role::Selected)
            } else {
                theme.style(Role::Text)
            };
            lines.push(Line::from(vec![
                field_label("Team", on(FolderField::Team), theme),
                Span::styled(format!("◂ {team_name} ▸"), tstyle),
            ]));
            lines.push(Line::from(vec![
                field_label("Users", on(FolderField::Assignees), theme),
                Span::styled(
                    "ticked agents only; none ticked: everyone in the team",
                    theme.style(Role::Muted),
                ),
            ]));
            for (i, a) in app.mirror.agents.iter().enumerate() {
                let mark = if assignees.contains(&a.id) {
                    "[x]"
                } else {
                    "[ ]"
                };
                let style = if on(FolderField::Assignees) && i == *agent_cursor {
                    theme.style(Role::Selected)
                } else {
                    theme.style(Role::Text)
                };
                lines.push(Line::from(vec![
                    Span::raw("          "),
                    Span::styled(format!("{mark} {}", sanitize::line(&a.name)), style),
                ]));
            }
        }
        FormKind::Message { folder, text, .. } => {
            let name = app
                .mirror
                .standard
                .iter()
                .find(|x| x.id == *folder)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!("In {}", sanitize::line(&name)),
                theme.style(Role::Label),
            )));
            let w = inner.width as usize;
            let (rows, (cr, cc)) =
                super::super::panes::chat::compose_layout(text.text(), text.cursor(), w);
            let first = (cr + 1).saturating_sub(8);
            for r in rows.iter().skip(first).take(8) {
                lines.push(Line::from(Span::styled(
                    r.clone(),
                    theme.style(Role::Input),
                )));
            }
            cursor = Some((inner.x + cc as u16, inner.y + 1 + (cr - first) as u16));
            while lines.len() < 9 {
                lines.push(Line::raw(""));
            }
            let names: Vec<String> = PLACEHOLDERS
                .iter()
                .map(|(p, _)| format!("{{{{{p}}}}}"))
                .collect();
            lines.push(Line::from(Span::styled(
                format!("Placeholders: {}", names.join(" ")),
                theme.style(Role::Muted),
            )));
        }
        FormKind::Path { action, path } => {
            lines.push(Line::from(vec![
                Span::styled("File: ", theme.style(Role::Label)),
                Span::styled(path.text().to_string(), theme.style(Role::Input)),
            ]));
            let col = super::super::wrap::width(&path.text()[..path.cursor()]) as u16;
            cursor = Some((inner.x + 6 + col, inner.y));
            let note = match action {
                FileAction::Import | FileAction::ImportChecked => "An .xlsx or .xls with the columns Channels, Folder_name, Team, User, Message. Every row is checked first and you confirm what it would do; nothing is imported if any row is bad.",
                FileAction::Export => "Every folder and message you see, in the template's columns.",
                FileAction::Template => "A blank template with example rows and a sheet that explains each column.",
                FileAction::CustomersImport => "An .xlsx, .xls or .csv with Channel, Channel_user_id and any of Name, Email, Phone, Gender, Age, Language, Tags, plus custom fields as extra columns. Customers are matched by channel and user id. Nothing is imported if any row is bad.",
                FileAction::CustomersExport => "Every customer: profile, tags and custom fields (.xlsx, or .csv by the name).",
            };
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(note, theme.style(Role::Muted))));
        }
    }
    let mut footer = Vec::new();
    if let Some(e) = &form.error {
        footer.push(Line::from(Span::styled(
            sanitize::line(e),
            theme.style(Role::Error),
        )));
    } else if form.saving {
        footer.push(Line::from(Span::styled(
            "saving…",
            theme.style(Role::Notice),
        )));
    }
    let items: &[(Command, &str)] = match form.kind {
        FormKind::Folder { .. } => &[
            (Command::FormNextField, "next field"),
            (Command::FormToggle, "tick"),
            (Command::InputLeft, "choose"),
            (Command::InputRight, "choose"),
            (Command::FormSave, "save"),
            (Command::Back, "cancel"),
        ],
        FormKind::Message { .. } => &[
            (Command::FormSave, "save"),
            (Command::ComposeNewline, "new line"),
            (Command::Back, "cancel"),
        ],
        FormKind::Path { .. } => &[(Command::FormSave, "go"), (Command::Back, "cancel")],
    };
    let hint = app.config.keymap.hints(Context::Form, items);
    footer.push(Line::from(Span::styled(hint, theme.style(Role::Muted))));
    let fh = footer.len() as u16;
    let top = Rect {
        height: inner.height.saturating_sub(fh),
        ..inner
    };
    f.render_widget(Paragraph::new(lines), top);
    f.render_widget(
        Paragraph::new(footer).wrap(Wrap { trim: true }),
        Rect {
            y: inner.y + inner.height.saturating_sub(fh),
            height: fh.min(inner.height),
            ..inner
        },
    );
    if let Some((x, y)) = cursor {
        if x < inner.x + inner.width && y < inner.y + inner.height {
            f.set_cursor_position((x, y));
        }
    }
}
