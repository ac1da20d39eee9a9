//! A yes/no question before something that cannot be undone.

use super::super::app::App;
use super::super::command::Command;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(app: &App, message: &str, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 54, 7);
    let inner = super::frame(f, r, "Confirm", theme);
    let yes = app.keymap.keys_for(Context::Popup, Command::PopupConfirm);
    let no = app.keymap.keys_for(Context::Popup, Command::PopupClose);
    let join = |v: Vec<super::super::keymap::Key>| {
        v.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/")
    };
    let lines = vec![
        Line::from(Span::styled(message.to_string(), theme.style(Role::Text))),
        Line::raw(""),
        Line::from(vec![
            Span::styled(join(yes), theme.style(Role::HintKey)),
            Span::styled(" yes    ", theme.style(Role::Text)),
            Span::styled(join(no), theme.style(Role::HintKey)),
            Span::styled(" no", theme.style(Role::Text)),
        ]),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
