//! The chatroom list: search, channel tabs, section and assignment
//! switches, and the conversations. Only the visible rows are laid out.

use super::super::app::{App, Focus, Pane};
use super::super::format;
use super::super::layout::{Areas, ROW_HEIGHT};
use super::super::theme::{Role, Theme};
use super::super::wrap::{truncate, width};
use super::{block, row};
use crate::protocol::*;
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

fn tabs<'a>(items: &[(&'a str, bool)], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, (label, active)) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        let role = if *active {
            Role::TabActive
        } else {
            Role::TabInactive
        };
        spans.push(Span::styled(format!(" {label} "), theme.style(role)));
    }
    Line::from(spans)
}

/// Tabs in `w` columns: when they do not all fit, the window slides so
/// the active one shows, with ‹ › where some are out of sight.
fn tabs_fitting<'a>(items: &[(&'a str, bool)], w: usize, theme: &Theme) -> Line<'a> {
    let cost = |l: &str| width(l) + 3;
    // Tabs are " label " with a space between; the last one's closing space
    // may fall off the edge.
    let total: usize = items
        .iter()
        .map(|(l, _)| cost(l))
        .sum::<usize>()
        .saturating_sub(1);
    if total <= w + 1 {
        return tabs(items, theme);
    }
    let active = items.iter().position(|(_, a)| *a).unwrap_or(0);
    // From the active tab, take tabs to the right, then to the left, while
    // they fit beside the two arrows.
    let room = w.saturating_sub(4);
    let (mut first, mut last) = (active, active);
    let mut used = cost(items[active].0);
    while last + 1 < items.len() && used + cost(items[last + 1].0) <= room {
        last += 1;
        used += cost(items[last].0);
    }
    while first > 0 && used + cost(items[first - 1].0) <= room {
        first -= 1;
        used += cost(items[first].0);
    }
    let mut line = tabs(&items[first..=last], theme);
    let muted = theme.style(Role::Muted);
    line.spans
        .insert(0, Span::styled(if first > 0 { "‹" } else { " " }, muted));
    if last + 1 < items.len() {
        line.spans.push(Span::styled(" ›", muted));
    }
    line
}

/// A line with `left` and `right` parts, `right` flush with the edge.
fn split_line<'a>(left: Vec<Span<'a>>, right: Vec<Span<'a>>, w: usize, base: Style) -> Line<'a> {
    let rw: usize = right.iter().map(|s| width(&s.content)).sum();
    let avail = w.saturating_sub(rw + 1);
    let mut out = Vec::new();
    let mut used = 0;
    for s in left {
        let sw = width(&s.content);
        if used + sw <= avail {
            used += sw;
            out.push(s);
        } else {
            let t = truncate(&s.content, avail - used);
            used += width(&t);
            out.push(Span::styled(t, s.style));
            break;
        }
    }
    out.push(Span::styled(" ".repeat(w.saturating_sub(used + rw)), base));
    out.extend(right);
    Line::from(out).style(base)
}

pub fn draw(app: &App, theme: &Theme, a: &Areas, f: &mut Frame) {
    let focused =
        matches!(app.focus, Focus::Pane(Pane::List) | Focus::Search) && app.popup.is_none();
    let title = format!("Chats {}", app.list.view.len());
    f.render_widget(block(&title, focused, theme), a.list);
    let h = a.list_header;

    // Search.
    let searching = app.focus == Focus::Search && app.popup.is_none();
    let q = if searching {
        app.search.text()
    } else {
        app.filters.q.as_str()
    };
    let search = if q.is_empty() && !searching {
        let key = app
            .config
            .keymap
            .hint(
                super::super::keymap::Context::List,
                super::super::command::Command::SearchOpen,
            )
            .unwrap_or_else(|| "/".into());
        Line::from(Span::styled(
            format!("{key} search names and messages"),
            theme.style(Role::Placeholder),
        ))
    } else {
        Line::from(vec![
            Span::styled("/ ", theme.style(Role::HintKey)),
            Span::styled(sanitize::line(q), theme.style(Role::Input)),
        ])
    };
    f.render_widget(Paragraph::new(search), row(h, 0));
    if searching {
        let col = width(&app.search.text()[..app.search.cursor()]) as u16;
        f.set_cursor_position((h.x + 2 + col.min(h.width.saturating_sub(3)), h.y));
    }

    // Channel tabs (from the connected accounts, with unread counts),
    // section, assignment.
    let current = app.channel_tab();
    let infos = app.channel_tabs();
    let labels: Vec<String> = infos
        .iter()
        .map(|t| match t.unread {
            0 => t.label.clone(),
            n => format!("{} {}", t.label, format::count(n)),
        })
        .collect();
    let items: Vec<(&str, bool)> = labels
        .iter()
        .zip(&infos)
        .map(|(l, t)| (l.as_str(), Some(t.tab) == current))
        .collect();
    f.render_widget(
        Paragraph::new(tabs_fitting(&items, h.width as usize, theme)),
        row(h, 1),
    );
    let s = app.filters.section;
    let section = tabs(
        &[
            ("All", s.is_none()),
            ("Agent", s == Some(Section::Agent)),
            ("Bot", s == Some(Section::Bot)),
        ],
        theme,
    );
    f.render_widget(Paragraph::new(section), row(h, 2));
    let asg = app.filters.assignee;
    let assignment = tabs(
        &[
            ("All", asg.is_none()),
            ("Mine", asg == Some(AssigneeFilter::Me)),
            ("New", asg == Some(AssigneeFilter::Unassigned)),
            ("Others", asg == Some(AssigneeFilter::Others)),
        ],
        theme,
    );
    f.render_widget(Paragraph::new(assignment), row(h, 3));
    // Six status views do not fit as tabs: the one in force, and its key.
    let sv = super::super::app::status_view_index(&app.filters.status);
    let mut status_spans = tabs(&[(super::super::app::STATUS_VIEWS[sv].0, true)], theme).spans;
    if let Some(k) = app.config.keymap.hint(
        super::super::keymap::Context::List,
        super::super::command::Command::StatusNext,
    ) {
        status_spans.push(Span::styled(format!(" {k}▸"), theme.style(Role::Muted)));
    }
    let sort = match app.filters.sort {
        ListSort::Activity => "",
        ListSort::Waiting => "⇣waiting",
        ListSort::Priority => "⇣priority",
    };
    let marked = if app.marked.is_empty() {
        String::new()
    } else {
        format!("{} marked", app.marked.len())
    };
    let right: Vec<Span> = [(marked, Role::Marked), (sort.to_string(), Role::Notice)]
        .into_iter()
        .filter(|(t, _)| !t.is_empty())
        .flat_map(|(t, r)| [Span::raw(" "), Span::styled(t, theme.style(r))])
        .collect();
    f.render_widget(
        Paragraph::new(split_line(
            status_spans,
            right,
            h.width as usize,
            Style::default(),
        )),
        row(h, 4),
    );

    // Rows.
    let rows = a.list_rows;
    if app.list.view.is_empty() {
        let text = if app.list.loading || app.mirror.me.is_none() {
            "loading…"
        } else {
            "no conversations match"
        };
        f.render_widget(
            Paragraph::new(Span::styled(text, theme.style(Role::Muted))),
            row(rows, 0),
        );
        return;
    }
    let visible = (rows.height / ROW_HEIGHT) as usize;
    let w = rows.width as usize;
    for (i, id) in app
        .list
        .view
        .iter()
        .enumerate()
        .skip(app.list.offset)
        .take(visible)
    {
        let Some(c) = app.mirror.convs.get(id) else {
            continue;
        };
        let conv = &c.conversation;
        let y = rows.y + ((i - app.list.offset) as u16) * ROW_HEIGHT;
        let selected = i == app.list.selected;
        let open = app.open == Some(*id);
        let base = if selected {
            theme.style(Role::Selected)
        } else {
            Style::default()
        };
        let unread = c.unread();
        let marker = if selected && focused {
            "▌"
        } else if open {
            "▏"
        } else {
            " "
        };
        let name_role = if unread > 0 { Role::Unread } else { Role::Text };
        let mut left = vec![Span::styled(
            marker,
            theme.style(Role::BorderFocused).patch(base),
        )];
        if app.marked.contains(id) {
            left.push(Span::styled("✓", theme.style(Role::Marked)));
            left.push(Span::styled(" ", base));
        }
        left.extend([Span::styled(
            sanitize::line(&conv.customer_name),
            theme.style(name_role).patch(base),
        )]);
        if unread > 0 {
            left.push(Span::raw(" "));
            left.push(Span::styled(
                format!(" {unread} "),
                theme.style(Role::UnreadCount),
            ));
        }
        let (badge, badge_role) = format::badge(conv.channel);
        let time = conv
            .last_message
            .as_ref()
            .map(|m| m.created_at)
            .unwrap_or(conv.last_activity_at);
        let mut right = Vec::new();
        if let Some((label, role)) = super::super::popups::priority::badge(conv.priority) {
            right.push(Span::styled(label, theme.style(role)));
            right.push(Span::styled(" ", base));
        }
        right.extend([
            Span::styled(badge, theme.style(badge_role).patch(base)),
            Span::styled(
                format!(" {:>4}", format::relative(app.now, time, app.config.tz)),
                theme.style(Role::Time).patch(base),
            ),
        ]);
        f.render_widget(
            Paragraph::new(split_line(left, right, w, base)),
            Rect::new(rows.x, y, rows.width, 1),
        );

        let preview = match &conv.last_message {
            Some(m) => {
                let who = match m.kind {
                    MessageKind::Agent => "You: ",
                    MessageKind::Bot => "Bot: ",
                    MessageKind::System => "· ",
                    MessageKind::Inbound => "",
                };
                format!("{who}{}", sanitize::line(&m.text))
            }
            None => String::new(),
        };
        let preview_role = if unread > 0 { Role::Text } else { Role::Muted };
        let left2 = vec![Span::styled(
            format!(" {preview}"),
            theme.style(preview_role).patch(base),
        )];
        let mut right2 = Vec::new();
        let status = match (conv.status, conv.snoozed_until) {
            (ConvStatus::Open, _) => None,
            (ConvStatus::Pending, _) => Some(("pending".to_string(), Role::StatusPending)),
            (ConvStatus::Snoozed, Some(t)) => Some((
                format!("zz {}", format::relative_future(app.now, t, app.config.tz)),
                Role::StatusSnoozed,
            )),
            (ConvStatus::Snoozed, None) => Some(("zz reply".to_string(), Role::StatusSnoozed)),
            (ConvStatus::Resolved, _) => Some(("resolved".to_string(), Role::StatusResolved)),
        };
        if let Some((label, role)) = status {
            right2.push(Span::styled(label, theme.style(role).patch(base)));
            right2.push(Span::styled(" ", base));
        }
        let initials: Vec<String> = conv.assignees.iter().map(|x| initials(&x.name)).collect();
        if !initials.is_empty() {
            right2.push(Span::styled(
                initials.join(" "),
                theme.style(Role::Assignee).patch(base),
            ));
        }
        if conv.bot_active {
            if !right2.is_empty() {
                right2.push(Span::styled(" ", base));
            }
            right2.push(Span::styled("bot", theme.style(Role::BotOn).patch(base)));
        }
        if ROW_HEIGHT > 1 && y + 1 < rows.y + rows.height {
            f.render_widget(
                Paragraph::new(split_line(left2, right2, w, base)),
                Rect::new(rows.x, y + 1, rows.width, 1),
            );
        }
    }
    if app.list.loading {
        let t = " loading… ";
        let tw = t.len() as u16;
        if tw < a.list.width {
            f.render_widget(
                Paragraph::new(Span::styled(t, theme.style(Role::Notice))),
                Rect::new(
                    a.list.x + a.list.width - tw - 1,
                    a.list.y + a.list.height - 1,
                    tw,
                    1,
                ),
            );
        }
    }
}
