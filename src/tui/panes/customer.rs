//! The customer panel: who the customer is, tags and notes.

use super::super::app::{App, Focus, Pane};
use super::super::format;
use super::super::layout::Areas;
use super::super::theme::{Role, Theme};
use super::super::wrap;
use super::block;
use crate::sanitize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(app: &App, theme: &Theme, a: &Areas, f: &mut Frame) {
    if a.customer.width == 0 {
        return;
    }
    let focused = app.focus == Focus::Pane(Pane::Customer) && app.popup.is_none();
    let b = block("Customer", focused, theme);
    let inner = b.inner(a.customer);
    f.render_widget(b, a.customer);
    let Some(conv) = app.open_conv() else {
        f.render_widget(
            Paragraph::new(Span::styled(
                "No conversation open",
                theme.style(Role::Muted),
            )),
            inner,
        );
        return;
    };
    let Some(c) = app.open_customer() else {
        f.render_widget(
            Paragraph::new(Span::styled("loading…", theme.style(Role::Muted))),
            inner,
        );
        return;
    };
    let w = inner.width as usize;
    let label_w = 11;
    let field = |label: &str, value: Option<String>| -> Line<'static> {
        let value = value.map(|v| sanitize::line(&v)).filter(|v| !v.is_empty());
        let (text, role) = match value {
            Some(v) => (wrap::truncate(&v, w.saturating_sub(label_w)), Role::Text),
            None => ("—".to_string(), Role::Muted),
        };
        Line::from(vec![
            Span::styled(format!("{label:<label_w$}"), theme.style(Role::Label)),
            Span::styled(text, theme.style(role)),
        ])
    };
    let (badge, badge_role) = format::badge(c.channel);
    let mut lines = vec![
        Line::from(Span::styled(
            wrap::truncate(&sanitize::line(&c.name), w),
            theme.style(Role::Title),
        )),
        Line::from(vec![
            Span::styled(badge, theme.style(badge_role)),
            Span::raw(" "),
            Span::styled(
                wrap::truncate(&sanitize::line(&c.channel_user_id), w.saturating_sub(6)),
                theme.style(Role::Muted),
            ),
        ]),
        Line::raw(""),
        field("First seen", Some(format::date_time(c.first_seen, app.tz))),
        field("Last seen", Some(format::date_time(c.last_seen, app.tz))),
        field("Email", c.email.clone()),
        field("Phone", c.phone.clone()),
        field("Gender", c.gender.clone()),
        field("Age", c.age.map(|a| a.to_string())),
        field("Language", c.language.clone()),
    ];
    for (k, v) in &c.custom_fields {
        let k = wrap::truncate(&sanitize::line(k), label_w - 1);
        lines.push(field(&k, Some(v.clone())));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Tags", theme.style(Role::Title))));
    if c.tags.is_empty() {
        lines.push(Line::from(Span::styled("none", theme.style(Role::Muted))));
    } else {
        let mut spans = Vec::new();
        for t in &c.tags {
            spans.push(Span::styled(
                format!("#{}", sanitize::line(&t.name)),
                theme.color(&t.color),
            ));
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    let notes = app.notes.get(&c.id);
    let n = notes.map(|v| v.len()).unwrap_or(0);
    lines.push(Line::from(Span::styled(
        format!("Notes ({n})"),
        theme.style(Role::Title),
    )));
    match notes {
        None => lines.push(Line::from(Span::styled(
            "loading…",
            theme.style(Role::Muted),
        ))),
        Some(v) if v.is_empty() => {
            lines.push(Line::from(Span::styled("none", theme.style(Role::Muted))))
        }
        Some(v) => {
            for note in v {
                lines.push(Line::from(vec![
                    Span::styled(
                        sanitize::line(&note.author_name),
                        theme.style(Role::AgentName),
                    ),
                    Span::styled(
                        format!(" · {}", format::date_time(note.created_at, app.tz)),
                        theme.style(Role::Time),
                    ),
                ]));
                for l in sanitize::multiline(&note.text).lines() {
                    lines.push(Line::from(Span::styled(
                        l.to_string(),
                        theme.style(Role::Text),
                    )));
                }
            }
        }
    }
    let _ = conv;
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
