//! Draws the whole screen from the state. Reads, never writes, never waits.

use super::app::App;
use super::layout::{areas, too_small, MIN_HEIGHT, MIN_WIDTH};
use super::panes;
use super::popups;
use super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    f.render_widget(Block::default().style(theme.style(Role::Base)), area);
    if too_small(area.width, area.height) {
        let text = vec![
            Line::from(Span::styled(
                "chatsmart needs a bigger window",
                theme.style(Role::Title),
            )),
            Line::from(Span::styled(
                format!(
                    "at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}",
                    area.width, area.height
                ),
                theme.style(Role::Muted),
            )),
        ];
        let h = 2.min(area.height);
        let r = Rect::new(
            area.x,
            area.y + area.height.saturating_sub(h) / 2,
            area.width,
            h,
        );
        f.render_widget(Paragraph::new(text).centered().wrap(Wrap { trim: true }), r);
        return;
    }
    if app.screen == super::app::Screen::SignIn {
        super::signin::draw(app, theme, area, f);
        return;
    }
    let a = areas(app);
    if app.screen == super::app::Screen::Settings {
        super::settings::draw::draw(app, theme, area, f);
        panes::status::draw(app, theme, &a, f);
        popups::draw(app, theme, f);
        return;
    }
    panes::list::draw(app, theme, &a, f);
    panes::chat::draw(app, theme, &a, f);
    panes::customer::draw(app, theme, &a, f);
    panes::status::draw(app, theme, &a, f);
    popups::draw(app, theme, f);
}
