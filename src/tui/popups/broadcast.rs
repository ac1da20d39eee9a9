//! Broadcasting to every customer with a tag: the message, when, which
//! channel, and how many it reaches — Enter sends to that many.

use super::super::app::App;
use super::super::app::Popup;
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::panes::chat::compose_layout;
use super::super::theme::{Role, Theme};
use super::super::when::describe;
use crate::protocol::*;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(app: &App, form: &BroadcastForm, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 76, 18);
    let title = format!("Broadcast to #{}", sanitize::line(&form.tag.name));
    let inner = super::frame(f, r, &title, theme);
    let label = |t: &str, on: bool| {
        Span::styled(
            format!("{t:<10}"),
            theme.style(if on { Role::HintKey } else { Role::Label }),
        )
    };
    let mut lines = vec![Line::from(label("Message", form.field == 0))];
    let mut cursor = None;
    let (rows, (cr, cc)) = compose_layout(
        form.text.text(),
        form.text.cursor(),
        inner.width.saturating_sub(2) as usize,
    );
    let first = (cr + 1).saturating_sub(6);
    for row in rows.iter().skip(first).take(6) {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(row.clone(), theme.style(Role::Input)),
        ]));
    }
    if form.field == 0 {
        cursor = Some((inner.x + 2 + cc as u16, inner.y + 1 + (cr - first) as u16));
    }
    while lines.len() < 7 {
        lines.push(Line::raw(""));
    }
    let when_row = lines.len() as u16;
    lines.push(Line::from(vec![
        label("Send at", form.field == 1),
        Span::styled(form.when.text().to_string(), theme.style(Role::Input)),
    ]));
    if form.field == 1 {
        let col = super::super::wrap::width(&form.when.text()[..form.when.cursor()]) as u16;
        cursor = Some((inner.x + 10 + col, inner.y + when_row));
    }
    lines.push(match broadcast_time(app, form) {
        Ok(None) => Line::from(Span::styled(
            "          → now (leave empty)",
            theme.style(Role::Muted),
        )),
        Ok(Some(t)) => Line::from(vec![
            Span::raw("          → "),
            Span::styled(describe(t, app.config.tz), theme.style(Role::Connected)),
        ]),
        Err(e) => Line::from(Span::styled(
            format!("          {}", sanitize::line(&e)),
            theme.style(Role::Muted),
        )),
    });
    let channel = form
        .channel
        .map(crate::protocol::model::ChannelKind::display_name)
        .unwrap_or("every channel");
    lines.push(Line::from(vec![
        label("Channel", form.field == 2),
        Span::styled(
            format!("◂ {channel} ▸"),
            theme.style(if form.field == 2 {
                Role::Selected
            } else {
                Role::Text
            }),
        ),
    ]));
    lines.push(Line::raw(""));
    lines.push(match form.recipients {
        Some(n) => Line::from(Span::styled(
            format!("Reaches {n} conversation{}.", if n == 1 { "" } else { "s" }),
            theme.style(Role::Title),
        )),
        None => Line::from(Span::styled(
            "counting recipients…",
            theme.style(Role::Muted),
        )),
    });
    lines.push(match (&form.error, form.saving) {
        (Some(e), _) => Line::from(Span::styled(sanitize::line(e), theme.style(Role::Error))),
        (None, true) => Line::from(Span::styled("starting…", theme.style(Role::Notice))),
        _ => Line::raw(""),
    });
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(Context::Form, HINTS),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    if let Some(c) = cursor {
        f.set_cursor_position(c);
    }
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
        super::super::when::parse(form.when.text(), app.now, app.config.tz).map(Some)
    }
}

fn save(app: &mut App, fx: &mut Vec<Effect>) {
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

/// What the broadcast form answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::FormNextField, "next field"),
    (Command::FormToggle, "channel"),
    (Command::FormSave, "send to them all"),
    (Command::Back, "cancel"),
];

/// The focused field's editor; the channel is chosen, not typed.
fn editor(form: &mut BroadcastForm) -> Option<&mut Editor> {
    match form.field {
        0 => Some(&mut form.text),
        1 => Some(&mut form.when),
        _ => None,
    }
}

/// Moves between the message, the send time and the channel (the toggle
/// key cycles the channel and asks how many it reaches); sends, cancels
/// and edits; quitting goes on to the app. False when the form is not
/// open.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Broadcast(form)) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::Back => app.popup = None,
        Command::FormSave => save(app, fx),
        Command::FormNextField => form.field = (form.field + 1) % 3,
        Command::FormPrevField => form.field = (form.field + 2) % 3,
        Command::ComposeNewline if form.field == 0 => form.text.insert_char('\n'),
        Command::FormToggle if form.field == 2 => {
            let options: Vec<Option<ChannelKind>> = std::iter::once(None)
                .chain(ChannelKind::ALL.iter().copied().map(Some))
                .collect();
            let i = options.iter().position(|c| *c == form.channel).unwrap_or(0);
            form.channel = options[(i + 1) % options.len()];
            form.recipients = None;
            fx.push(Effect::BroadcastPreview(form.audience()));
        }
        Command::FormToggle => {
            if let Some(ed) = editor(form) {
                ed.insert_char(' ');
            }
        }
        Command::Quit => super::super::update::run_command(app, cmd, fx),
        c if c.is_input() => {
            if let Some(ed) = editor(form) {
                ed.apply(c);
            }
        }
        _ => {}
    }
    true
}

/// Typed text goes into the focused field.
pub fn type_char(app: &mut App, c: char) {
    if let Some(Popup::Broadcast(form)) = app.popup.as_mut() {
        if let Some(ed) = editor(form) {
            ed.insert_char(c);
        }
    }
}
