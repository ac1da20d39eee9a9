//! The standard-reply picker's logic: the folders in scope for the open
//! conversation, fuzzy search across their messages, and placeholders
//! filled for the preview and the reply.

use super::app::App;
use crate::protocol::*;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// A message in `app.standard`, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub folder: usize,
    pub message: usize,
}

/// The open conversation's channel.
fn channel(app: &App) -> Option<ChannelKind> {
    app.open_conv().map(|c| c.conversation.channel)
}

/// Folders the agent may use in the open conversation (the same rule the
/// server applies: channel, team, assignees).
pub fn in_scope(app: &App) -> Vec<usize> {
    let Some(me) = app.me.as_ref() else {
        return Vec::new();
    };
    let ch = channel(app);
    app.standard
        .iter()
        .enumerate()
        .filter(|(_, f)| f.visible_to(me, ch))
        .map(|(i, _)| i)
        .collect()
}

/// Matching messages, best first; every message in scope when `query` is empty.
pub fn hits(app: &App, query: &str) -> Vec<Hit> {
    let scope = in_scope(app);
    let all = scope.iter().flat_map(|&f| {
        (0..app.standard[f].messages.len()).map(move |m| Hit {
            folder: f,
            message: m,
        })
    });
    let query = query.trim();
    if query.is_empty() {
        return all.collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, Hit)> = all
        .filter_map(|h| {
            let f = &app.standard[h.folder];
            let hay = format!("{} {}", f.name, f.messages[h.message].text);
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|s| (s, h))
        })
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, h)| h).collect()
}

pub fn message(app: &App, hit: Hit) -> (&StandardFolder, &StandardMessage) {
    let f = &app.standard[hit.folder];
    (f, &f.messages[hit.message])
}

/// The message with its placeholders filled for the open conversation.
pub fn filled(app: &App, hit: Hit) -> String {
    let (_, m) = message(app, hit);
    fill_placeholders(&m.text, app.open_customer(), app.me.as_ref(), channel(app))
}

/// Any text with its placeholders filled for the open conversation.
pub fn fill_text(app: &App, text: &str) -> String {
    fill_placeholders(text, app.open_customer(), app.me.as_ref(), channel(app))
}

/// Puts `text` into a conversation's reply at the cursor; a second reply
/// inserted after text goes on a new line, so several can be combined.
pub fn insert_into_draft(app: &mut App, id: ConversationId, text: &str) {
    let draft = app.drafts.entry(id).or_default();
    let before = &draft.text()[..draft.cursor()];
    if !before.is_empty() && !before.ends_with(char::is_whitespace) {
        draft.insert_char('\n');
    }
    draft.insert(text);
}
