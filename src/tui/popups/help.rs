//! Help: every binding in force, generated from the keymap, so it cannot
//! drift from the keys.

use super::super::app::App;
use super::super::app::Popup;
use super::super::command::Command;
use super::super::keymap::{Context, Key};
use super::super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The help text's lines: a heading per context, then "key  what it does".
pub fn lines(app: &App) -> Vec<(Option<String>, String)> {
    lines_for(&app.config.keymap)
}

pub fn lines_for(keymap: &super::super::keymap::Keymap) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let mut by_cmd: Vec<(super::super::command::Command, Vec<Key>)> = Vec::new();
        for (k, c) in keymap.bindings(ctx) {
            match by_cmd.iter_mut().find(|(x, _)| x == c) {
                Some((_, keys)) => keys.push(*k),
                None => by_cmd.push((*c, vec![*k])),
            }
        }
        let macros: Vec<(&Key, &String)> = keymap.macro_bindings(ctx).collect();
        if by_cmd.is_empty() && macros.is_empty() {
            continue;
        }
        by_cmd.sort_by_key(|(c, _)| *c);
        for (cmd, keys) in &mut by_cmd {
            // In the order the keymap file gives them.
            let ordered = keymap.keys_for(ctx, *cmd);
            keys.sort_by_key(|k| ordered.iter().position(|o| o == k).unwrap_or(usize::MAX));
        }
        out.push((None, String::new()));
        out.push((None, ctx.title().to_string()));
        for (cmd, keys) in by_cmd {
            let keys: Vec<String> = keys.iter().map(std::string::ToString::to_string).collect();
            out.push((
                Some(keys.join(" ")),
                format!("{}  ({})", cmd.description(), cmd.name()),
            ));
        }
        for (key, name) in macros {
            out.push((
                Some(key.to_string()),
                format!("Run the macro {name}  (macro.{name})"),
            ));
        }
    }
    out
}

pub fn draw(app: &App, scroll: usize, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(
        area,
        area.width.saturating_sub(8).min(96),
        area.height.saturating_sub(4),
    );
    let title = format!(
        "Keys in force ({})",
        app.config.keymap.hints(Context::Popup, HINTS)
    );
    let inner = super::frame(f, r, &title, theme);
    let all = lines(app);
    let key_w = all
        .iter()
        .filter_map(|(k, _)| k.as_ref().map(std::string::String::len))
        .max()
        .unwrap_or(8)
        .min(28);
    let shown: Vec<Line> = all
        .iter()
        .skip(scroll.min(all.len().saturating_sub(1)))
        .take(inner.height as usize)
        .map(|(k, text)| match k {
            Some(k) => Line::from(vec![
                Span::styled(format!("{k:>key_w$}  "), theme.style(Role::HintKey)),
                Span::styled(text.clone(), theme.style(Role::Text)),
            ]),
            None => Line::from(Span::styled(text.clone(), theme.style(Role::Title))),
        })
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
}

/// What the help answers, with its key hints.
pub const HINTS: &[(Command, &str)] = &[
    (Command::PopupClose, "close"),
    (Command::PopupNext, "scroll"),
    (Command::PopupPrev, "scroll"),
];

/// Scrolls and closes; false for anything else.
pub fn command(app: &mut App, cmd: Command) -> bool {
    let Some(Popup::Help { scroll }) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupNext => *scroll += 1,
        Command::PopupPrev => *scroll = scroll.saturating_sub(1),
        Command::PopupConfirm | Command::PopupClose => app.popup = None,
        _ => return false,
    }
    true
}
