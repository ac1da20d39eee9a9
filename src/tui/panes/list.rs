//! The chatroom list: search, channel tabs, section and assignment
//! switches, and the conversations. Its keys (moving, opening, searching,
//! filtering) and how it asks the server for pages are here, beside its
//! drawing. Only the visible rows are laid out.

use super::super::app::{App, ChannelTab, Conv, Filters, Focus, Level, Pane};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::event::Effect;
use super::super::format;
use super::super::layout;
use super::super::layout::{Areas, ROW_HEIGHT};
use super::super::replies::finish_restoring;
use super::super::theme::{Role, Theme};
use super::super::update::{after_edit, open};
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

/// The list's keys: moving and opening, the search, the filters.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::ListNext => move_selection(app, 1, fx),
        Command::ListPrev => move_selection(app, -1, fx),
        Command::ListFirst => move_selection(app, isize::MIN / 2, fx),
        Command::ListLast => move_selection(app, isize::MAX / 2, fx),
        Command::ListPageDown => move_selection(app, layout::visible_rows(app) as isize, fx),
        Command::ListPageUp => move_selection(app, -(layout::visible_rows(app) as isize), fx),
        Command::ListOpen => {
            if let Some(id) = app.selected_id() {
                open(app, id, fx);
                app.focus = Focus::Pane(Pane::Chat);
            }
        }
        Command::SearchOpen => {
            app.focus = Focus::Search;
            app.search = Editor::with_text(&app.filters.q);
        }
        Command::SearchClear => {
            app.search.clear();
            after_edit(app, fx);
            if !app.filters.q.is_empty() {
                app.filters.q.clear();
                refilter(app, fx);
            }
        }
        Command::ChannelAll
        | Command::ChannelMessenger
        | Command::ChannelWhatsapp
        | Command::ChannelLine
        | Command::ChannelWechat => {
            if let Some(ch) = cmd.channel_filter() {
                set_filter(app, fx, |f| {
                    f.channel = ch;
                    f.account = None;
                });
            }
        }
        Command::ChannelNext | Command::ChannelPrev => {
            let tabs: Vec<ChannelTab> = app.channel_tabs().into_iter().map(|t| t.tab).collect();
            let n = tabs.len();
            let next = match app.channel_tab().and_then(|t| tabs.iter().position(|x| *x == t)) {
                Some(i) if cmd == Command::ChannelNext => (i + 1) % n,
                Some(i) => (i + n - 1) % n,
                // A kind with several accounts, filtered whole: its first
                // account's tab, or All.
                None => tabs
                    .iter()
                    .position(|t| matches!(t, ChannelTab::Account(k, _) if Some(*k) == app.filters.channel))
                    .unwrap_or(0),
            };
            let (channel, account) = tabs[next].filter();
            set_filter(app, fx, |f| {
                f.channel = channel;
                f.account = account;
            });
        }
        Command::SectionAgent => set_filter(app, fx, |f| f.section = Some(Section::Agent)),
        Command::SectionBot => set_filter(app, fx, |f| f.section = Some(Section::Bot)),
        Command::SectionToggle => set_filter(app, fx, |f| {
            f.section = match f.section {
                None => Some(Section::Agent),
                Some(Section::Agent) => Some(Section::Bot),
                Some(Section::Bot) => None,
            }
        }),
        Command::AssigneeAll => set_filter(app, fx, |f| f.assignee = None),
        Command::AssigneeMe => set_filter(app, fx, |f| f.assignee = Some(AssigneeFilter::Me)),
        Command::AssigneeNew => {
            set_filter(app, fx, |f| f.assignee = Some(AssigneeFilter::Unassigned));
        }
        Command::AssigneeOthers => {
            set_filter(app, fx, |f| f.assignee = Some(AssigneeFilter::Others));
        }
        Command::StatusNext => set_filter(app, fx, |f| {
            let i = super::super::app::status_view_index(&f.status);
            let (_, next) =
                super::super::app::STATUS_VIEWS[(i + 1) % super::super::app::STATUS_VIEWS.len()];
            f.status = next.map(|v| StatusSet(v.to_vec()));
        }),
        Command::SortNext => set_filter(app, fx, |f| {
            f.sort = match f.sort {
                ListSort::Activity => ListSort::Waiting,
                ListSort::Waiting => ListSort::Priority,
                ListSort::Priority => ListSort::Activity,
            }
        }),
        Command::AssigneeNext => set_filter(app, fx, |f| {
            f.assignee = match f.assignee {
                None => Some(AssigneeFilter::Me),
                Some(AssigneeFilter::Me) => Some(AssigneeFilter::Unassigned),
                Some(AssigneeFilter::Unassigned) => Some(AssigneeFilter::Others),
                Some(AssigneeFilter::Others) => None,
            }
        }),
        _ => {}
    }
}

/// Changes the list's filters (and asks the server when they changed).
pub fn change_filters(app: &mut App, fx: &mut Vec<Effect>, f: impl FnOnce(&mut Filters)) {
    set_filter(app, fx, f);
}

pub fn set_filter(app: &mut App, fx: &mut Vec<Effect>, f: impl FnOnce(&mut Filters)) {
    let before = app.filters.clone();
    f(&mut app.filters);
    if app.filters != before {
        refilter(app, fx);
    }
}

/// The filters changed: show what is loaded at once, and ask the server.
pub fn refilter(app: &mut App, fx: &mut Vec<Effect>) {
    app.list.generation += 1;
    app.list.server_ids.clear();
    app.list.next_cursor = None;
    app.list.selected = 0;
    app.list.offset = 0;
    app.rebuild_view();
    // New filters start at the top (rebuild_view keeps a selection).
    app.list.selected = 0;
    app.list.offset = 0;
    load_list(app, fx, false);
}

pub fn load_list(app: &mut App, fx: &mut Vec<Effect>, append: bool) {
    if app.mirror.me.is_none() {
        return;
    }
    let mut query = app.filters.query();
    if append {
        match &app.list.next_cursor {
            Some(c) => query.cursor = Some(c.clone()),
            None => return,
        }
    }
    app.list.loading = true;
    fx.push(Effect::LoadConversations {
        generation: app.list.generation,
        query,
        append,
        as_of: app.mirror.last_seq.unwrap_or(0),
    });
}

pub fn keep_selection_visible(app: &mut App) {
    let rows = layout::visible_rows(app);
    let sel = app.list.selected;
    if sel < app.list.offset {
        app.list.offset = sel;
    } else if sel >= app.list.offset + rows {
        app.list.offset = sel + 1 - rows;
    }
    let max_offset = app.list.view.len().saturating_sub(rows);
    app.list.offset = app.list.offset.min(max_offset);
}

pub fn move_selection(app: &mut App, delta: isize, fx: &mut Vec<Effect>) {
    let n = app.list.view.len();
    if n == 0 {
        return;
    }
    let sel = (app.list.selected as isize + delta).clamp(0, n as isize - 1) as usize;
    app.list.selected = sel;
    keep_selection_visible(app);
    // Near the end of what is loaded: fetch the next page.
    if sel + 10 >= n && !app.list.loading && app.list.next_cursor.is_some() {
        load_list(app, fx, true);
    }
}

/// A page of the list from the server. A page for an older filter is
/// dropped; a row the stream changed after the page was asked for keeps
/// the newer copy.
pub fn page_loaded(
    app: &mut App,
    generation: u64,
    as_of: Seq,
    result: Result<Page<ConversationRow>, String>,
    _fx: &mut Vec<Effect>,
) {
    if generation != app.list.generation {
        return;
    }
    app.list.loading = false;
    let page = match result {
        Ok(page) => page,
        Err(e) => {
            app.notify(format!("cannot load conversations: {e}"), Level::Error);
            return;
        }
    };
    for row in page.items {
        let id = row.conversation.id;
        app.list.server_ids.insert(id);
        let fresher = app.mirror.convs.get(&id).is_some_and(|c| c.seq > as_of);
        if !fresher {
            app.mirror.convs.insert(
                id,
                Conv {
                    my_read: row.conversation.inbound_count - row.unread,
                    conversation: row.conversation,
                    seq: as_of,
                },
            );
        }
    }
    app.list.next_cursor = page.next_cursor;
    app.rebuild_view();
    // The row that was selected when the last session ended.
    if let Some(id) = app.restoring.as_mut().and_then(|r| r.selected.take()) {
        if let Some(i) = app.list.view.iter().position(|x| *x == id) {
            app.list.selected = i;
        }
        finish_restoring(app);
    }
    keep_selection_visible(app);
}
