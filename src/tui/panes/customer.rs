//! The customer panel: who the customer is, editable in place, with tags,
//! notes and scheduled messages. Reads the state; `tui/customer` changes it.

use super::super::app::{App, Focus, Pane};
use super::super::command::Command;
use super::super::customer::{items, Item};
use super::super::format;
use super::super::keymap::Context;
use super::super::layout::Areas;
use super::super::theme::{Role, Theme};
use super::super::wrap;
use super::block;
use crate::sanitize;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const LABEL_W: usize = 11;

pub fn draw(app: &App, theme: &Theme, a: &Areas, f: &mut Frame) {
    if a.customer.width == 0 {
        return;
    }
    let focused = app.focus == Focus::Pane(Pane::Customer) && app.popup.is_none();
    let b = block("Customer", focused, theme);
    let inner = b.inner(a.customer);
    f.render_widget(b, a.customer);
    if app.open_conv().is_none() {
        f.render_widget(
            Paragraph::new(Span::styled(
                "No conversation open",
                theme.style(Role::Muted),
            )),
            inner,
        );
        return;
    }
    let Some(c) = app.open_customer() else {
        f.render_widget(
            Paragraph::new(Span::styled("loading…", theme.style(Role::Muted))),
            inner,
        );
        return;
    };
    let w = inner.width as usize;
    let value_w = w.saturating_sub(LABEL_W);
    let hint = |cmd: Command| {
        app.config
            .keymap
            .hint(Context::Customer, cmd)
            .unwrap_or_default()
    };

    // Fixed head: name, channel, first and last seen.
    let (badge, badge_role) = format::badge(c.channel);
    let mut lines: Vec<(Option<usize>, Line)> = vec![
        (
            None,
            Line::from(Span::styled(
                wrap::truncate(&sanitize::line(&c.name), w),
                theme.style(Role::Title),
            )),
        ),
        (
            None,
            Line::from(vec![
                Span::styled(badge, theme.style(badge_role)),
                Span::raw(" "),
                Span::styled(
                    wrap::truncate(&sanitize::line(&c.channel_user_id), w.saturating_sub(6)),
                    theme.style(Role::Muted),
                ),
            ]),
        ),
        (
            None,
            kv(
                "First seen",
                &format::date_time(c.first_seen, app.config.tz),
                value_w,
                theme,
            ),
        ),
        (
            None,
            kv(
                "Last seen",
                &format::date_time(c.last_seen, app.config.tz),
                value_w,
                theme,
            ),
        ),
    ];

    let edit = app.customer_ui.edit.as_ref();
    let mut cursor = None;
    let mut section = "";
    for (i, item) in items(app).iter().enumerate() {
        let sel = focused && i == app.customer_ui.selected;
        let base = if sel {
            theme.style(Role::Selected)
        } else {
            Style::default()
        };
        let heading = match item {
            Item::Field(_) => "",
            Item::Custom(_) | Item::AddCustom => "",
            Item::Tag(_) | Item::AddTag => "Tags",
            Item::Note(_) | Item::AddNote => "Notes",
            Item::Scheduled(_) | Item::AddScheduled => "Scheduled",
        };
        if heading != section {
            section = heading;
            lines.push((None, Line::raw("")));
            lines.push((
                None,
                Line::from(Span::styled(heading, theme.style(Role::Title))),
            ));
        }
        let editing = edit.filter(|e| &e.item == item);
        if let Some(e) = editing {
            let label = match item {
                Item::Field(k) => k.label().to_string(),
                Item::Custom(_) if e.rename => "Rename".into(),
                Item::Custom(k) => wrap::truncate(&sanitize::line(k), LABEL_W - 1),
                _ => "New field".into(),
            };
            let text = e.editor.text();
            let shown = wrap::truncate(text, value_w.saturating_sub(1));
            lines.push((
                Some(i),
                Line::from(vec![
                    Span::styled(format!("{label:<LABEL_W$}"), theme.style(Role::HintKey)),
                    Span::styled(
                        shown,
                        theme.style(Role::Input).patch(theme.style(Role::Selected)),
                    ),
                ]),
            ));
            let col = wrap::width(&text[..e.editor.cursor()]).min(value_w.saturating_sub(1));
            cursor = Some((lines.len() - 1, LABEL_W + col));
            let below = match (&e.error, e.saving) {
                (Some(err), _) => Span::styled(sanitize::line(err), theme.style(Role::Error)),
                (None, true) => Span::styled("saving…", theme.style(Role::Notice)),
                _ => {
                    let keys = app.config.keymap.hints(
                        Context::Form,
                        &[(Command::FormSave, "save"), (Command::Back, "cancel")],
                    );
                    let what = if matches!(item, Item::AddCustom) {
                        "name = value  "
                    } else if e.rename {
                        "new name  "
                    } else {
                        ""
                    };
                    Span::styled(format!("{what}{keys}"), theme.style(Role::Muted))
                }
            };
            for l in wrap::wrap(&below.content, w.max(1)) {
                lines.push((Some(i), Line::from(Span::styled(l, below.style))));
            }
            continue;
        }
        match item {
            Item::Field(k) => lines.push((
                Some(i),
                kv_styled(k.label(), k.value(c), value_w, theme, base),
            )),
            Item::Custom(k) => {
                let label = wrap::truncate(&sanitize::line(k), LABEL_W - 1);
                lines.push((
                    Some(i),
                    kv_styled(
                        &label,
                        c.custom_fields.get(k).cloned(),
                        value_w,
                        theme,
                        base,
                    ),
                ));
            }
            Item::AddCustom => {
                if focused {
                    lines.push((
                        Some(i),
                        action(
                            &format!("+ field ({})", hint(Command::CustomerAddField)),
                            theme,
                            base,
                        ),
                    ));
                }
            }
            Item::Tag(id) => {
                if let Some(t) = c.tags.iter().find(|t| t.id == *id) {
                    lines.push((
                        Some(i),
                        Line::from(Span::styled(
                            format!("#{}", sanitize::line(&t.name)),
                            theme.color(&t.color).patch(base),
                        )),
                    ));
                }
            }
            Item::AddTag => {
                if focused {
                    lines.push((
                        Some(i),
                        action(
                            &format!("+ tag ({})", hint(Command::CustomerTag)),
                            theme,
                            base,
                        ),
                    ));
                }
            }
            Item::Note(id) => {
                let Some(note) = app
                    .mirror
                    .notes
                    .get(&c.id)
                    .and_then(|v| v.iter().find(|n| n.id == *id))
                else {
                    continue;
                };
                lines.push((
                    Some(i),
                    Line::from(vec![
                        Span::styled(
                            sanitize::line(&note.author_name),
                            theme.style(Role::AgentName).patch(base),
                        ),
                        Span::styled(
                            format!(" · {}", format::date_time(note.created_at, app.config.tz)),
                            theme.style(Role::Time).patch(base),
                        ),
                    ]),
                ));
                for l in wrap::wrap(&sanitize::multiline(&note.text), w.max(1)) {
                    lines.push((
                        Some(i),
                        Line::from(Span::styled(l, theme.style(Role::Text).patch(base))),
                    ));
                }
            }
            Item::AddNote => {
                if focused {
                    lines.push((
                        Some(i),
                        action(
                            &format!("+ note ({})", hint(Command::CustomerNote)),
                            theme,
                            base,
                        ),
                    ));
                }
            }
            Item::Scheduled(id) => {
                let Some(s) = app
                    .open
                    .and_then(|cv| app.mirror.scheduled.get(&cv))
                    .and_then(|v| v.iter().find(|s| s.id == *id))
                else {
                    continue;
                };
                lines.push((
                    Some(i),
                    Line::from(vec![Span::styled(
                        format!("⏰ {}", sanitize::line(&s.name)),
                        theme.style(Role::Title).patch(base),
                    )]),
                ));
                lines.push((
                    Some(i),
                    Line::from(Span::styled(
                        format!(
                            "  {} · {}{}",
                            format::date_time(s.send_at, app.config.tz),
                            sanitize::line(&s.created_by.name),
                            // An admin's change to someone's message, named.
                            s.updated_by
                                .as_ref()
                                .map(|u| format!(" · changed by {}", sanitize::line(&u.name)))
                                .unwrap_or_default()
                        ),
                        theme.style(Role::Time).patch(base),
                    )),
                ));
            }
            Item::AddScheduled => {
                if focused {
                    lines.push((
                        Some(i),
                        action(
                            &format!("+ schedule ({})", hint(Command::CustomerSchedule)),
                            theme,
                            base,
                        ),
                    ));
                }
            }
        }
    }

    // Keep the selected line (or the edit) in view.
    let h = inner.height as usize;
    let target = cursor.map(|(l, _)| l).or_else(|| {
        lines
            .iter()
            .position(|(i, _)| *i == Some(app.customer_ui.selected))
    });
    let skip = match target {
        Some(t) if focused && t + 2 > h => t + 2 - h,
        _ => 0,
    };
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(skip)
        .take(h)
        .map(|(_, l)| l)
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
    if let Some((l, col)) = cursor {
        if l >= skip && l - skip < h {
            f.set_cursor_position((inner.x + col as u16, inner.y + (l - skip) as u16));
        }
    }
}

fn kv<'a>(label: &str, value: &str, value_w: usize, theme: &Theme) -> Line<'a> {
    kv_styled(
        label,
        Some(value.to_string()),
        value_w,
        theme,
        Style::default(),
    )
}

fn kv_styled<'a>(
    label: &str,
    value: Option<String>,
    value_w: usize,
    theme: &Theme,
    base: Style,
) -> Line<'a> {
    let value = value.map(|v| sanitize::line(&v)).filter(|v| !v.is_empty());
    let (text, role) = match value {
        Some(v) => (wrap::truncate(&v, value_w), Role::Text),
        None => ("—".to_string(), Role::Muted),
    };
    Line::from(vec![
        Span::styled(
            format!("{label:<LABEL_W$}"),
            theme.style(Role::Label).patch(base),
        ),
        Span::styled(format!("{text:<value_w$}"), theme.style(role).patch(base)),
    ])
}

fn action<'a>(text: &str, theme: &Theme, base: Style) -> Line<'a> {
    Line::from(Span::styled(
        text.to_string(),
        theme.style(Role::Placeholder).patch(base),
    ))
}
