//! Popups, one file each, drawn over the panes.

pub mod assign;
pub mod attach;
pub mod broadcast;
pub mod broadcasts;
pub mod confirm;
pub mod emoji;
pub mod files;
pub mod help;
pub mod import_errors;
pub mod note;
pub mod palette;
pub mod priority;
pub mod schedule;
pub mod snooze;
pub mod standard;
pub mod tag_picker;
pub mod tags;
pub mod toast;

use super::app::{App, Popup};
use super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Borders, Clear};
use ratatui::Frame;

/// A rectangle of `w` x `h` cells centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Clears the area and draws the popup's frame; returns the inside.
pub fn frame(f: &mut Frame, area: Rect, title: &str, theme: &Theme) -> Rect {
    f.render_widget(Clear, area);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.style(Role::BorderFocused))
        .style(theme.style(Role::Base))
        .title(ratatui::text::Span::styled(
            format!(" {title} "),
            theme.style(Role::Title),
        ));
    let inner = b.inner(area);
    f.render_widget(b, area);
    inner
}

pub fn draw(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    match &app.popup {
        None => {}
        Some(Popup::Attach(form)) => attach::draw(app, form, theme, area, f),
        Some(Popup::Files { selected }) => {
            files::draw(app, super::files::position(app, *selected), theme, area, f)
        }
        Some(Popup::Help { scroll }) => help::draw(app, *scroll, theme, area, f),
        Some(Popup::Assign { selected }) => assign::draw(app, *selected, theme, area, f),
        Some(Popup::Emoji { filter, selected }) => emoji::draw(filter, *selected, theme, area, f),
        Some(Popup::Standard {
            filter, selected, ..
        }) => {
            standard::draw(app, filter, *selected, theme, area, f);
            // A folder or message form opened from the picker.
            if let Some(form) = &app.settings.form {
                super::settings::draw::draw_form(app, form, theme, area, f);
            }
        }
        Some(Popup::Confirm { message, .. }) => confirm::draw(app, message, theme, area, f),
        Some(Popup::ImportErrors { report, scroll }) => {
            import_errors::draw(app, report, *scroll, theme, area, f)
        }
        Some(Popup::TagPicker { filter, selected }) => {
            tag_picker::draw(app, filter, *selected, theme, area, f)
        }
        Some(Popup::Tags {
            filter,
            selected,
            mode,
        }) => tags::draw(app, filter, *selected, mode, theme, area, f),
        Some(Popup::Note(form)) => note::draw(&app.keymap, form, theme, area, f),
        Some(Popup::Broadcast(form)) => broadcast::draw(app, form, theme, area, f),
        Some(Popup::Schedule(form)) => schedule::draw(app, form, theme, area, f),
        Some(Popup::Broadcasts { selected }) => broadcasts::draw(app, *selected, theme, area, f),
        Some(Popup::Snooze(menu)) => snooze::draw(app, menu, theme, area, f),
        Some(Popup::Palette(p)) => palette::draw(app, p, theme, area, f),
        Some(Popup::Priority(menu)) => priority::draw(app, menu, theme, area, f),
    }
    if let Some(t) = &app.toast {
        toast::draw(t, theme, area, f);
    }
}
