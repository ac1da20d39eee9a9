//! The live chat: header, messages with day separators and system events,
//! and the compose box. Its keys (scrolling, older pages, files, writing,
//! sending, the outbox, retrying) are here, beside its drawing.

use super::super::app::{App, ConnState, Focus, Level, Pane, Pending, PendingState, Popup};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::format;
use super::super::keymap::Context;
use super::super::layout::areas;
use super::super::layout::Areas;
use super::super::theme::{Role, Theme};
use super::super::update::{active_editor, open};
use super::super::wrap::{self, width};
use super::{block, row};
use crate::protocol::*;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_segmentation::UnicodeSegmentation;

/// A piece of a chat line with its colour role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    pub role: Role,
    pub text: String,
    /// On the rows an image preview covers: the attachment and the row.
    pub image: Option<(AttachmentId, u16)>,
}

pub type ChatLine = Vec<Seg>;

fn seg(role: Role, text: impl Into<String>) -> Seg {
    Seg {
        role,
        text: text.into(),
        image: None,
    }
}

const INDENT: &str = "  ";

fn status_mark(s: DeliveryStatus) -> (Role, &'static str) {
    match s {
        DeliveryStatus::Pending => (Role::Pending, "…"),
        DeliveryStatus::Sent => (Role::Time, "✓"),
        DeliveryStatus::Delivered => (Role::Time, "✓✓"),
        DeliveryStatus::Read => (Role::Connected, "✓✓ read"),
        DeliveryStatus::Failed => (Role::Failed, "✗ failed"),
    }
}

fn body_lines(text: &str, width: usize, role: Role, out: &mut Vec<ChatLine>) {
    let clean = sanitize::multiline(text);
    for l in wrap::wrap(&clean, width.saturating_sub(INDENT.len()).max(1)) {
        out.push(vec![seg(Role::Text, INDENT), seg(role, l)]);
    }
}

fn message_block(app: &App, conv: &Conversation, m: &Message, width: usize) -> Vec<ChatLine> {
    let mut out = Vec::new();
    let time = format::clock(m.created_at, app.config.tz);
    if m.kind == MessageKind::System {
        let text = format!("· {} · {time}", sanitize::line(&m.text));
        for l in wrap::wrap(&text, width.max(1)) {
            out.push(vec![seg(Role::System, l)]);
        }
        return out;
    }
    let (name, role) = match m.kind {
        MessageKind::Inbound => (sanitize::line(&conv.customer_name), Role::Customer),
        MessageKind::Bot => ("Bot".to_string(), Role::Bot),
        _ => {
            let mine = m.author_id.is_some() && m.author_id == app.mirror.me.as_ref().map(|a| a.id);
            let name = m.author_name.clone().unwrap_or_else(|| "Agent".into());
            (
                sanitize::line(&name),
                if mine { Role::Me } else { Role::AgentName },
            )
        }
    };
    let mut header = vec![
        seg(role, wrap::truncate(&name, width.saturating_sub(12).max(4))),
        seg(Role::Time, format!("  {time}")),
    ];
    if m.scheduled_id.is_some() {
        header.push(seg(Role::Notice, "  ⏰ scheduled"));
    }
    if m.tap.is_some() {
        header.push(seg(Role::Notice, "  ▸ tapped a button"));
    }
    if matches!(m.kind, MessageKind::Agent | MessageKind::Bot) {
        let (r, mark) = status_mark(m.status);
        header.push(seg(r, format!("  {mark}")));
    }
    out.push(header);
    if let Some(a) = &m.attachment {
        out.push(file_line(a, width));
        preview_rows(app, a, &mut out);
    }
    if !m.text.trim().is_empty() || m.attachment.is_none() {
        body_lines(&m.text, width, Role::Text, &mut out);
    }
    // Why the platform did not take it (or has not yet).
    if let Some(why) = &m.failure {
        let (role, lead) = match m.status {
            DeliveryStatus::Failed => {
                let key = app
                    .config
                    .keymap
                    .hint(
                        super::super::keymap::Context::Chat,
                        super::super::command::Command::RetryFailed,
                    )
                    .map(|k| format!(" ({k} sends it again)"))
                    .unwrap_or_default();
                (Role::Failed, format!("✗ {}{key}", sanitize::line(why)))
            }
            DeliveryStatus::Pending => (
                Role::Pending,
                format!("… retrying: {}", sanitize::line(why)),
            ),
            _ => return out,
        };
        for l in wrap::wrap(&lead, width.saturating_sub(INDENT.len()).max(1)) {
            out.push(vec![seg(Role::Text, INDENT), seg(role, l)]);
        }
    }
    out
}

/// Blank rows, as many as the image's ready preview covers, marked so the
/// drawing can place the preview over them.
fn preview_rows(app: &App, a: &Attachment, out: &mut Vec<ChatLine>) {
    let Some(super::super::preview::Preview::Ready(p)) = app.previews.get(&a.id) else {
        return;
    };
    let area = p.0.area();
    for row in 0..area.height {
        out.push(vec![Seg {
            role: Role::Text,
            text: INDENT.to_string(),
            image: Some((a.id, row)),
        }]);
    }
}

/// "  🖼 receipt.jpg  image/jpeg · 1.4 KB", cut to the width.
fn file_line(a: &Attachment, width: usize) -> ChatLine {
    let text = super::super::attach::describe(a.kind, &a.name, &a.mime, a.size);
    vec![
        seg(Role::Text, INDENT),
        seg(
            Role::Attachment,
            wrap::truncate(&text, width.saturating_sub(INDENT.len()).max(1)),
        ),
    ]
}

fn separator(label: &str, cols: usize) -> ChatLine {
    let label = format!(" {label} ");
    let w = cols.saturating_sub(width(&label));
    let left = w / 2;
    vec![seg(
        Role::DaySeparator,
        format!("{}{}{}", "─".repeat(left), label, "─".repeat(w - left)),
    )]
}

/// The last `need` display lines of a conversation at `width`, oldest
/// first, and whether they reach back to the oldest loaded message. Only
/// as many messages as fill `need` lines are laid out.
pub fn lines(app: &App, id: ConversationId, width: usize, need: usize) -> (Vec<ChatLine>, bool) {
    let width = width.max(4);
    let Some(conv) = app.mirror.convs.get(&id).map(|c| &c.conversation) else {
        return (Vec::new(), true);
    };
    let Some(log) = app.mirror.logs.get(&id) else {
        return (Vec::new(), true);
    };
    // Blocks from newest to oldest.
    let mut blocks: Vec<Vec<ChatLine>> = Vec::new();
    let mut count = 0;
    for p in log.pending.iter().rev() {
        let mut b = Vec::new();
        let (r, state) = match &p.state {
            PendingState::Sending => (Role::Pending, "sending…".to_string()),
            PendingState::Queued => (
                Role::Pending,
                "queued: goes out when the server can be reached".to_string(),
            ),
            PendingState::Failed(e) => {
                let key = app
                    .config
                    .keymap
                    .hint(
                        super::super::keymap::Context::Chat,
                        super::super::command::Command::RetryFailed,
                    )
                    .unwrap_or_else(|| "chat.retry".into());
                (
                    Role::Failed,
                    format!("not sent: {} ({key} retries)", sanitize::line(e)),
                )
            }
        };
        b.push(vec![
            seg(Role::Me, "You"),
            seg(
                Role::Time,
                format!("  {}  ", format::clock(p.created_at, app.config.tz)),
            ),
            seg(r, state),
        ]);
        if let Some(a) = &p.attachment {
            b.push(file_line(a, width));
        }
        if !p.text.trim().is_empty() {
            body_lines(&p.text, width, Role::Text, &mut b);
        }
        count += b.len();
        blocks.push(b);
    }
    let msgs = &log.messages;
    let mut reached_oldest = true;
    for i in (0..msgs.len()).rev() {
        if count >= need {
            reached_oldest = false;
            break;
        }
        let mut b = Vec::new();
        let m = &msgs[i];
        if i == 0 || !format::same_day(msgs[i - 1].created_at, m.created_at, app.config.tz) {
            b.push(separator(&format::day(m.created_at, app.config.tz), width));
        }
        b.extend(message_block(app, conv, m, width));
        count += b.len();
        blocks.push(b);
    }
    if reached_oldest && count < need {
        let top = if log.loading {
            "loading older messages…"
        } else if log.has_more {
            "older messages above"
        } else if log.loaded {
            "beginning of the conversation"
        } else {
            "loading…"
        };
        blocks.push(vec![vec![seg(Role::Muted, top)]]);
    }
    let mut out: Vec<ChatLine> = blocks.into_iter().rev().flatten().collect();
    if out.len() > need {
        out.drain(..out.len() - need);
    }
    (out, reached_oldest)
}

fn to_line(l: &ChatLine, theme: &Theme) -> Line<'static> {
    Line::from(
        l.iter()
            .map(|s| Span::styled(s.text.clone(), theme.style(s.role)))
            .collect::<Vec<_>>(),
    )
}

/// The compose box's rows (hard-wrapped at the width) and the cursor's
/// (row, column).
pub fn compose_layout(text: &str, cursor: usize, width: usize) -> (Vec<String>, (usize, usize)) {
    let width = width.max(2);
    let mut rows = vec![String::new()];
    let mut col = 0;
    let mut pos = (0, 0);
    let mut offset = 0;
    for g in text.graphemes(true) {
        if offset == cursor {
            pos = (rows.len() - 1, col);
        }
        offset += g.len();
        if g == "\n" || g == "\r\n" {
            rows.push(String::new());
            col = 0;
            continue;
        }
        let w = width_of(g);
        if col + w > width {
            rows.push(String::new());
            col = 0;
        }
        rows.last_mut().expect("at least one row").push_str(g);
        col += w;
    }
    if offset <= cursor {
        if col >= width {
            rows.push(String::new());
            col = 0;
        }
        pos = (rows.len() - 1, col);
    }
    (rows, pos)
}

fn width_of(g: &str) -> usize {
    width(g)
}

pub fn draw(app: &App, theme: &Theme, a: &Areas, f: &mut Frame) {
    if a.chat.width == 0 {
        return;
    }
    let focused =
        matches!(app.focus, Focus::Pane(Pane::Chat) | Focus::Compose) && app.popup.is_none();
    let Some(conv) = app.open_conv().map(|c| &c.conversation) else {
        f.render_widget(block("Chat", focused, theme), a.chat);
        let hint = app
            .config
            .keymap
            .hint(
                super::super::keymap::Context::List,
                super::super::command::Command::ListOpen,
            )
            .unwrap_or_default();
        let msg = Paragraph::new(Line::from(vec![
            Span::styled("Pick a conversation and press ", theme.style(Role::Muted)),
            Span::styled(hint, theme.style(Role::HintKey)),
        ]));
        f.render_widget(msg, row(a.chat_body, a.chat_body.height / 2));
        return;
    };
    f.render_widget(block("Chat", focused, theme), a.chat);

    // Header: who, where, the bot, the assignees.
    let (badge, badge_role) = format::badge(conv.channel);
    let bot = if conv.bot_active {
        Span::styled("Bot ● on", theme.style(Role::BotOn))
    } else {
        Span::styled("Bot ○ off", theme.style(Role::BotOff))
    };
    let name = sanitize::line(&conv.customer_name);
    let (status, status_role) = match (conv.status, conv.snoozed_until) {
        (ConvStatus::Open, _) => ("Open".to_string(), Role::Text),
        (ConvStatus::Pending, _) => ("Pending".to_string(), Role::StatusPending),
        (ConvStatus::Snoozed, Some(t)) => (
            format!("Snoozed until {}", format::date_time(t, app.config.tz)),
            Role::StatusSnoozed,
        ),
        (ConvStatus::Snoozed, None) => ("Snoozed until they write".into(), Role::StatusSnoozed),
        (ConvStatus::Resolved, _) => ("Resolved".to_string(), Role::StatusResolved),
    };
    let mut spans = vec![
        Span::styled(
            wrap::truncate(
                &name,
                (a.chat_header.width as usize).saturating_sub(24).max(4),
            ),
            theme.style(Role::Title),
        ),
        Span::raw("  "),
        Span::styled(badge, theme.style(badge_role)),
        Span::raw("  "),
        bot,
        Span::raw("  "),
        Span::styled(status, theme.style(status_role)),
    ];
    if let Some((label, role)) = super::super::popups::priority::badge(conv.priority) {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(label, theme.style(role)));
    }
    // The platform's reply window: how long is left to answer.
    let window = match conv.reply_window(app.now) {
        ReplyWindow::Open { until: Some(u) } => {
            let soon = u - app.now < chrono::Duration::hours(2);
            let role = if soon { Role::Notice } else { Role::Muted };
            Some((
                format!("reply within {}", format::remaining(app.now, u)),
                role,
            ))
        }
        ReplyWindow::Open { until: None } => None,
        ReplyWindow::HumanAgent { until } => Some((
            format!("person only, {} left", format::remaining(app.now, until)),
            Role::Notice,
        )),
        ReplyWindow::Closed { .. } => Some(("window closed".to_string(), Role::Failed)),
    };
    if let Some((label, role)) = window {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(label, theme.style(role)));
    }
    if conv.blocked.is_some() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled("⊘ blocked", theme.style(Role::Failed)));
    }
    let head = Line::from(spans);
    f.render_widget(Paragraph::new(head), row(a.chat_header, 0));
    let assignees = if conv.assignees.is_empty() {
        Line::from(Span::styled("Unassigned", theme.style(Role::Muted)))
    } else {
        let mut spans = vec![Span::styled("Assigned: ", theme.style(Role::Label))];
        for (i, x) in conv.assignees.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw(", "));
            }
            spans.push(Span::styled(
                sanitize::line(&x.name),
                theme.style(Role::Assignee),
            ));
            spans.push(Span::styled(
                format!(" {}", format::date_time(x.assigned_at, app.config.tz)),
                theme.style(Role::Time),
            ));
        }
        Line::from(spans)
    };
    if a.chat_header.height > 1 {
        f.render_widget(Paragraph::new(assignees), row(a.chat_header, 1));
    }
    let sep_y = a.chat_header.y + a.chat_header.height;
    if sep_y < a.chat_body.y {
        let sep = "─".repeat(a.chat_header.width as usize);
        f.render_widget(
            Paragraph::new(Span::styled(sep, theme.style(Role::Border))),
            Rect::new(a.chat_header.x, sep_y, a.chat_header.width, 1),
        );
    }

    // Messages, bottom-aligned, scrolled up by chat_scroll lines.
    let h = a.chat_body.height as usize;
    let (all, _) = lines(
        app,
        conv.id,
        a.chat_body.width as usize,
        h + app.chat_scroll,
    );
    let end = all.len().saturating_sub(app.chat_scroll.min(all.len()));
    let start = end.saturating_sub(h);
    let visible: Vec<Line> = all[start..end].iter().map(|l| to_line(l, theme)).collect();
    let pad = h.saturating_sub(visible.len()) as u16;
    let body = Rect {
        y: a.chat_body.y + pad,
        height: a.chat_body.height - pad,
        ..a.chat_body
    };
    f.render_widget(Paragraph::new(visible), body);
    // Image previews over their rows, when every row is in view.
    let shown = &all[start..end];
    for (i, l) in shown.iter().enumerate() {
        let Some((id, 0)) = l.first().and_then(|s| s.image) else {
            continue;
        };
        let Some(super::super::preview::Preview::Ready(p)) = app.previews.get(&id) else {
            continue;
        };
        let area = p.0.area();
        let x = body.x + INDENT.len() as u16;
        if i + area.height as usize > shown.len() || x + area.width > body.x + body.width {
            continue;
        }
        let at = Rect::new(x, body.y + i as u16, area.width, area.height);
        f.render_widget(ratatui_image::Image::new(&p.0), at);
    }
    if app.chat_scroll > 0 && a.chat_body.height > 0 {
        let more = format!(" ↓ {} more ", app.chat_scroll);
        let w = width(&more) as u16;
        if w < a.chat_body.width {
            f.render_widget(
                Paragraph::new(Span::styled(more, theme.style(Role::Notice))),
                Rect::new(
                    a.chat_body.x + a.chat_body.width - w,
                    a.chat_body.y + a.chat_body.height - 1,
                    w,
                    1,
                ),
            );
        }
    }

    // Compose box.
    let composing = app.focus == Focus::Compose && app.popup.is_none();
    let cb = block("Reply", composing, theme);
    let inner = cb.inner(a.compose);
    f.render_widget(cb, a.compose);
    let draft = app.draft();
    let text = draft.map(super::super::editor::Editor::text).unwrap_or("");
    // A closed reply window is said before anything is typed.
    let inner = match app.reply_notice() {
        Some(notice) if inner.height > 1 => {
            let notice = format!("⚠ {}", sanitize::line(&notice));
            let line = Line::from(Span::styled(
                wrap::truncate(&notice, inner.width as usize),
                theme.style(Role::Notice),
            ));
            take_top_row(f, inner, line)
        }
        _ => inner,
    };
    // A file on the draft takes the box's first row.
    let file = app.open.and_then(|id| app.draft_files.get(&id));
    let inner = match file {
        Some(d) if inner.height > 1 => take_top_row(
            f,
            inner,
            draft_file_line(app, d, inner.width as usize, theme),
        ),
        _ => inner,
    };
    if text.is_empty() && !composing {
        let key = app
            .config
            .keymap
            .hint(
                super::super::keymap::Context::Chat,
                super::super::command::Command::ComposeFocus,
            )
            .unwrap_or_default();
        f.render_widget(
            Paragraph::new(Span::styled(
                format!("{key} to write a reply…"),
                theme.style(Role::Placeholder),
            )),
            inner,
        );
        return;
    }
    let cursor = draft.map(super::super::editor::Editor::cursor).unwrap_or(0);
    let (rows, (cr, cc)) = compose_layout(text, cursor, inner.width as usize);
    let h = inner.height as usize;
    let first = (cr + 1).saturating_sub(h);
    let shown: Vec<Line> = rows
        .iter()
        .skip(first)
        .take(h)
        .map(|r| Line::from(Span::styled(r.clone(), theme.style(Role::Input))))
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
    if composing {
        f.set_cursor_position((inner.x + cc as u16, inner.y + (cr - first) as u16));
    }
}

/// Draws `line` on the first row of `area`; the rest of it is left.
fn take_top_row(f: &mut Frame, area: Rect, line: Line<'static>) -> Rect {
    f.render_widget(Paragraph::new(line), row(area, 0));
    Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    }
}

/// The file waiting on the draft: what it is, and how its upload goes.
fn draft_file_line(
    app: &App,
    d: &super::super::attach::DraftFile,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    use super::super::attach::{describe, FileState};
    let what = describe(d.file.kind, &d.file.name, d.file.mime, d.file.size);
    let (state, role) = match &d.state {
        FileState::Uploading { sent } => {
            // A ten-cell gauge.
            let pct = (sent.saturating_mul(100) / d.file.size.max(1)).min(100) as usize;
            let full = pct / 10;
            (
                format!("  {}{} {pct}%", "█".repeat(full), "░".repeat(10 - full)),
                Role::Pending,
            )
        }
        FileState::Ready(_) => ("  ready".to_string(), Role::Connected),
        FileState::Failed(e) => {
            let key = app
                .config
                .keymap
                .hint(
                    super::super::keymap::Context::Compose,
                    super::super::command::Command::RetryFailed,
                )
                .unwrap_or_else(|| "chat.retry".into());
            (
                format!("  not uploaded: {} ({key} retries)", sanitize::line(e)),
                Role::Failed,
            )
        }
    };
    let what = wrap::truncate(&what, width.saturating_sub(14).max(8));
    let room = width.saturating_sub(width_of(&what));
    Line::from(vec![
        Span::styled(what, theme.style(Role::Attachment)),
        Span::styled(wrap::truncate(&state, room), theme.style(role)),
    ])
}

/// The chat's keys: scrolling, retrying, files, writing and sending.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::ChatScrollUp => scroll_chat(app, 1, fx),
        Command::ChatScrollDown => scroll_chat(app, -1, fx),
        Command::ChatPageUp => {
            let h = areas(app).chat_body.height.max(2) as isize - 1;
            scroll_chat(app, h, fx);
        }
        Command::ChatPageDown => {
            let h = areas(app).chat_body.height.max(2) as isize - 1;
            scroll_chat(app, -h, fx);
        }
        Command::ChatTop => scroll_chat(app, isize::MAX / 2, fx),
        Command::ChatBottom => app.chat_scroll = 0,
        Command::RetryFailed => retry(app, fx),
        Command::AttachOpen => super::super::attach::open_prompt(app, fx),
        Command::AttachRemove => super::super::attach::remove(app),
        Command::FilesOpen => super::super::files::open_list(app),
        Command::FilesSave => {}
        Command::ComposeFocus => {
            if let Some(id) = app.open {
                app.drafts.entry(id).or_default();
                app.focus = Focus::Compose;
            } else if let Some(id) = app.selected_id() {
                open(app, id, fx);
                app.drafts.entry(id).or_default();
                app.focus = Focus::Compose;
            }
        }
        Command::ComposeSend => send(app, fx),
        Command::ComposeNewline => {
            if let Some(ed) = active_editor(app) {
                ed.insert_char('\n');
            }
        }
        Command::EmojiOpen if app.open.is_some() => {
            app.popup = Some(Popup::Emoji {
                filter: Editor::new(),
                selected: 0,
            });
        }
        _ => {}
    }
}

pub fn scroll_chat(app: &mut App, delta: isize, fx: &mut Vec<Effect>) {
    let Some(id) = app.open else {
        return;
    };
    let body = areas(app).chat_body;
    let height = body.height as usize;
    let wanted = (app.chat_scroll as isize + delta).max(0) as usize;
    let (lines, at_top) = lines(app, id, body.width as usize, wanted + height + 1);
    let max_scroll = lines.len().saturating_sub(height);
    app.chat_scroll = wanted.min(max_scroll);
    if delta > 0 && at_top && app.chat_scroll + height >= lines.len() {
        load_older(app, id, fx);
    }
}

pub fn load_older(app: &mut App, id: ConversationId, fx: &mut Vec<Effect>) {
    let log = app.mirror.logs.entry(id).or_default();
    if log.has_more && !log.loading {
        log.loading = true;
        fx.push(Effect::LoadMessages {
            conversation: id,
            before: log.messages.first().map(|m| m.id),
        });
    }
}

pub fn send(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(id) = app.open else {
        return;
    };
    let has_text = app
        .drafts
        .get(&id)
        .is_some_and(|d| !d.text().trim().is_empty());
    if !has_text && !app.draft_files.contains_key(&id) {
        return;
    }
    // A file still uploading (or failed) holds the reply back, text and all.
    let attachment = match super::super::attach::ready_file(app, id) {
        Ok(a) => a,
        Err(why) => {
            app.notify(why, Level::Error);
            return;
        }
    };
    app.draft_files.remove(&id);
    let text = app
        .drafts
        .get_mut(&id)
        .map(|d| d.take().trim_end().to_string())
        .unwrap_or_default();
    let client_id = uuid::Uuid::new_v4().to_string();
    let now = app.now;
    let attachment_id = attachment.as_ref().map(|a| a.id);
    // Away from the server, or with replies still waiting: it joins the
    // queue, which goes out in order once the connection is back.
    let queued_before = app
        .mirror
        .logs
        .values()
        .any(|l| l.pending.iter().any(|p| p.state == PendingState::Queued));
    let wait = app.conn != ConnState::Connected || queued_before;
    app.mirror
        .logs
        .entry(id)
        .or_default()
        .pending
        .push(Pending {
            client_id: client_id.clone(),
            text: text.clone(),
            state: if wait {
                PendingState::Queued
            } else {
                PendingState::Sending
            },
            created_at: now,
            attachment,
        });
    app.chat_scroll = 0;
    if wait {
        app.notify(
            "queued: it goes out when the server can be reached",
            Level::Info,
        );
        if app.conn == ConnState::Connected {
            send_queue(app, fx);
        }
        return;
    }
    fx.push(Effect::Send {
        conversation: id,
        text,
        client_id,
        attachment_id,
    });
}

/// Sends every queued reply, oldest first, one after the other (the
/// server's `client_id` makes a repeat harmless: each goes out once).
pub fn send_queue(app: &mut App, fx: &mut Vec<Effect>) {
    // Oldest first; within a conversation, in the order typed.
    let mut queued: Vec<(chrono::DateTime<chrono::Utc>, ConversationId, usize, String)> = app
        .mirror
        .logs
        .iter()
        .flat_map(|(id, l)| {
            l.pending
                .iter()
                .enumerate()
                .filter(|(_, p)| p.state == PendingState::Queued)
                .map(move |(i, p)| (p.created_at, *id, i, p.client_id.clone()))
        })
        .collect();
    if queued.is_empty() {
        return;
    }
    app.queue_sent_at = Some(app.now);
    queued.sort();
    let mut sends = Vec::new();
    for (_, id, _, client_id) in queued {
        if let Some(p) = app
            .mirror
            .logs
            .get_mut(&id)
            .and_then(|l| l.pending.iter_mut().find(|p| p.client_id == client_id))
        {
            sends.push(send_again(id, p));
        }
    }
    fx.push(Effect::SendInOrder(sends));
}

/// The request that sends a kept reply (again), marking it as sending.
fn send_again(conversation: ConversationId, p: &mut Pending) -> Effect {
    p.state = PendingState::Sending;
    Effect::Send {
        conversation,
        text: p.text.clone(),
        client_id: p.client_id.clone(),
        attachment_id: p.attachment.as_ref().map(|a| a.id),
    }
}

pub fn retry(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(id) = app.open else {
        return;
    };
    let Some(log) = app.mirror.logs.get_mut(&id) else {
        return;
    };
    if let Some(p) = log
        .pending
        .iter_mut()
        .find(|p| matches!(p.state, PendingState::Failed(_)))
    {
        fx.push(send_again(id, p));
    } else if let Some(m) = log
        .messages
        .iter()
        .rev()
        .find(|m| m.status == DeliveryStatus::Failed)
    {
        // The platform refused it: the server sends it again.
        fx.push(Effect::RetryMessage(m.id));
        app.notify("sending it again…", Level::Info);
    } else if !super::super::attach::retry(app, fx) {
        app.notify("nothing to retry", Level::Info);
    }
}

/// A page of a conversation's messages from the server.
pub fn messages_loaded(
    app: &mut App,
    conversation: ConversationId,
    older: bool,
    result: Result<MessagePage, String>,
    fx: &mut Vec<Effect>,
) {
    let log = app.mirror.logs.entry(conversation).or_default();
    log.loading = false;
    match result {
        Ok(page) => {
            if older || !log.loaded {
                log.has_more = page.has_more;
            }
            log.loaded = true;
            for m in page.items {
                log.upsert(m);
            }
            super::super::preview::want(app, conversation, fx);
        }
        Err(e) => app.notify(format!("cannot load messages: {e}"), Level::Error),
    }
}

/// What became of a reply sent: stored (it leaves the outbox), kept to
/// send again when the server is back, or refused (kept, marked, with the
/// retry key).
pub fn sent(
    app: &mut App,
    conversation: ConversationId,
    client_id: &str,
    result: Result<Message, String>,
    away: bool,
) {
    let log = app.mirror.logs.entry(conversation).or_default();
    match result {
        Ok(m) => {
            log.pending.retain(|p| p.client_id != client_id);
            if log.loaded {
                log.upsert(m);
            }
        }
        // The server is away: kept, and sent when it is back.
        Err(_) if away => {
            if let Some(p) = log.pending.iter_mut().find(|p| p.client_id == client_id) {
                p.state = PendingState::Queued;
            }
            app.notify(
                "the server cannot be reached: the reply is queued and goes out when it is back",
                Level::Info,
            );
        }
        Err(e) => {
            if let Some(p) = log.pending.iter_mut().find(|p| p.client_id == client_id) {
                p.state = PendingState::Failed(e.clone());
            }
            let hint = app
                .config
                .keymap
                .hint(Context::Chat, Command::RetryFailed)
                .map(|k| format!(" ({k} retries)"))
                .unwrap_or_default();
            app.notify(format!("not sent: {e}{hint}"), Level::Error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_cursor_tracks_wrapping_and_newlines() {
        let (rows, pos) = compose_layout("hello\nworld", 11, 20);
        assert_eq!(rows, vec!["hello", "world"]);
        assert_eq!(pos, (1, 5));
        let (rows, pos) = compose_layout("abcdef", 6, 4);
        assert_eq!(rows, vec!["abcd", "ef"]);
        assert_eq!(pos, (1, 2));
        let (rows, pos) = compose_layout("你好世界", 9, 5);
        assert_eq!(rows, vec!["你好", "世界"]);
        assert_eq!(pos, (1, 2));
        let (_, pos) = compose_layout("", 0, 5);
        assert_eq!(pos, (0, 0));
    }
}
