//! The three panes and the status bar, one file each. Each draws from
//! `&App` and never changes it.

pub mod chat;
pub mod customer;
pub mod list;
pub mod status;

use super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Borders};

/// A pane's frame, highlighted when it has focus.
pub fn block<'a>(title: &'a str, focused: bool, theme: &Theme) -> Block<'a> {
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
        .title(ratatui::text::Span::styled(
            format!(" {title} "),
            theme.style(Role::Title),
        ))
}

/// A row of `r` starting `dy` lines down.
pub fn row(r: Rect, dy: u16) -> Rect {
    Rect {
        y: r.y + dy,
        height: 1,
        ..r
    }
}
