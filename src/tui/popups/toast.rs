//! A notification in the top-right corner.

use super::super::app::{Level, Toast};
use super::super::theme::{Role, Theme};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(t: &Toast, theme: &Theme, area: Rect, f: &mut Frame) {
    let w = 52.min(area.width);
    let h = (t.lines.len() as u16 * 2 + 2).clamp(3, 10).min(area.height);
    let r = Rect::new(area.x + area.width - w, area.y, w, h);
    f.render_widget(Clear, r);
    let role = if t.level == Level::Error {
        Role::Error
    } else {
        Role::Connected
    };
    let b = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(role))
        .style(theme.style(Role::Base))
        .title(Span::styled(
            format!(" {} ", sanitize::line(&t.title)),
            theme.style(role),
        ));
    let lines: Vec<Line> = t
        .lines
        .iter()
        .map(|l| Line::from(Span::styled(sanitize::line(l), theme.style(Role::Text))))
        .collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(b), r);
}
