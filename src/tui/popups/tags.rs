//! Tags: every tag with how many customers carry it. Enter filters the
//! chatroom list by the tag (again: clears it); admins rename, recolour,
//! merge and delete.

use super::super::app::{App, Filters, TagsMode};
use super::super::command::Command;
use super::super::editor::Editor;
use super::super::keymap::Context;
use super::super::theme::{Role, Theme};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(
    app: &App,
    filter: &Editor,
    selected: usize,
    mode: &TagsMode,
    theme: &Theme,
    area: Rect,
    f: &mut Frame,
) {
    let r = super::centered(area, 64, 20);
    let title = match mode {
        TagsMode::MergeInto(_) => "Merge into which tag?",
        _ => "Tags",
    };
    let inner = super::frame(f, r, title, theme);
    let mut lines = vec![Line::from(vec![
        Span::styled("search: ", theme.style(Role::Label)),
        Span::styled(filter.text().to_string(), theme.style(Role::Input)),
    ])];
    let listed: Vec<_> = Filters::tag_matches(&app.tags, filter.text())
        .into_iter()
        .filter(|t| !matches!(mode, TagsMode::MergeInto(from) if *from == t.tag.id))
        .collect();
    if listed.is_empty() {
        lines.push(Line::from(Span::styled(
            "no tags",
            theme.style(Role::Muted),
        )));
    }
    let rows = inner.height.saturating_sub(3) as usize;
    let first = (selected + 1).saturating_sub(rows);
    let mut cursor = None;
    for (i, t) in listed.iter().enumerate().skip(first).take(rows) {
        let sel = i == selected;
        let base = if sel {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Text)
        };
        let active = app.filters.tag == Some(t.tag.id);
        let editing = match mode {
            TagsMode::Rename(id, ed) | TagsMode::Recolor(id, ed) if *id == t.tag.id => Some(ed),
            _ => None,
        };
        let name = match editing {
            Some(ed) => {
                cursor = Some(lines.len() as u16);
                let _ = ed;
                format!(" {} ", ed.text())
            }
            None => format!(" #{} ", sanitize::line(&t.tag.name)),
        };
        lines.push(Line::from(vec![
            Span::styled(if active { "●" } else { " " }, theme.style(Role::Connected)),
            Span::styled(name, theme.color(&t.tag.color).patch(base)),
            Span::styled(
                format!(" {} customers ", t.customers),
                theme.style(Role::Muted).patch(base),
            ),
            Span::styled(
                format!(" {}", sanitize::line(&t.tag.color)),
                theme.style(Role::Muted),
            ),
        ]));
    }
    let key = |c: Command| app.keymap.hint(Context::Picker, c).unwrap_or_default();
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        format!(
            "{} filter the list · {} rename · {} colour · {} merge · {} delete",
            key(Command::PopupConfirm),
            key(Command::TagRename),
            key(Command::TagRecolor),
            key(Command::TagMerge),
            key(Command::TagDelete)
        ),
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines), inner);
    if let (Some(row), TagsMode::Rename(_, ed) | TagsMode::Recolor(_, ed)) = (cursor, mode) {
        let col = super::super::wrap::width(&ed.text()[..ed.cursor()]) as u16;
        f.set_cursor_position((inner.x + 2 + col, inner.y + row));
    }
}
