//! Where each part of the screen goes, computed from the terminal size and
//! the state. Drawing and mouse handling both use it, so a click lands on
//! what was drawn there.

use super::app::{App, Focus, Pane};
use ratatui::layout::Rect;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Lines of the list header inside its border: search, channels, section, assignment.
pub const LIST_HEADER: u16 = 5;
/// Lines per conversation in the list.
pub const ROW_HEIGHT: u16 = 2;
/// Lines of the chat header inside its border.
pub const CHAT_HEADER: u16 = 2;
pub const COMPOSE_MAX_LINES: u16 = 6;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub list: Rect,
    pub list_header: Rect,
    pub list_rows: Rect,
    pub chat: Rect,
    pub chat_header: Rect,
    pub chat_body: Rect,
    pub compose: Rect,
    pub customer: Rect,
    pub status: Rect,
}

fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// Lines the compose box needs for the open conversation's draft.
fn compose_lines(app: &App) -> u16 {
    let n = app
        .draft()
        .map(|d| d.text().lines().count().max(1))
        .unwrap_or(1);
    let n = if app.draft().is_some_and(|d| d.text().ends_with('\n')) {
        n + 1
    } else {
        n
    };
    // A file on the draft takes a row of its own above the text.
    let file = app.open.is_some_and(|id| app.draft_files.contains_key(&id));
    // So does a closed reply window's notice.
    let notice = app.reply_notice().is_some();
    (n as u16).clamp(1, COMPOSE_MAX_LINES) + u16::from(file) + u16::from(notice)
}

pub fn areas(app: &App) -> Areas {
    let (w, h) = app.size;
    if too_small(w, h) {
        return Areas::default();
    }
    let main_h = h - 1;
    let status = Rect::new(0, h - 1, w, 1);
    let list_w = (w * 30 / 100).clamp(28, 44);
    let wide = w >= 110;
    let customer_w = if wide {
        (w * 22 / 100).clamp(26, 40)
    } else {
        0
    };
    let chat_w = w - list_w - customer_w;
    let list = Rect::new(0, 0, list_w, main_h);
    let (chat, customer) = if !wide && app.focus == Focus::Pane(Pane::Customer) {
        // Narrow screens show the customer panel in the chat's place.
        (Rect::default(), Rect::new(list_w, 0, chat_w, main_h))
    } else {
        (
            Rect::new(list_w, 0, chat_w, main_h),
            if wide {
                Rect::new(list_w + chat_w, 0, customer_w, main_h)
            } else {
                Rect::default()
            },
        )
    };
    let li = inner(list);
    let list_header = Rect {
        height: LIST_HEADER.min(li.height),
        ..li
    };
    let list_rows = Rect {
        y: li.y + list_header.height,
        height: li.height.saturating_sub(list_header.height),
        ..li
    };
    let ci = inner(chat);
    let compose_h = if chat.width > 0 {
        compose_lines(app) + 2
    } else {
        0
    };
    let chat_header = Rect {
        height: CHAT_HEADER.min(ci.height),
        ..ci
    };
    let compose = Rect {
        x: ci.x,
        y: (ci.y + ci.height).saturating_sub(compose_h),
        width: ci.width,
        height: compose_h.min(ci.height),
    };
    let body_y = ci.y + chat_header.height + 1;
    let chat_body = Rect {
        x: ci.x,
        y: body_y,
        width: ci.width,
        height: compose.y.saturating_sub(body_y),
    };
    Areas {
        list,
        list_header,
        list_rows,
        chat,
        chat_header,
        chat_body,
        compose,
        customer,
        status,
    }
}

/// How many conversations fit in the list.
pub fn visible_rows(app: &App) -> usize {
    (areas(app).list_rows.height / ROW_HEIGHT).max(1) as usize
}

pub fn contains(r: Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}
