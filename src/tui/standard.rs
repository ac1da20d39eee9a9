//! The standard-reply picker, as the help centre's folder in the live chat:
//! the folders in scope for the open conversation, then a folder's
//! messages, or a fuzzy search across all of them; placeholders filled for
//! the preview and the reply; and, where the agent may, new, edit and
//! delete for folders and messages (the forms are the settings screen's).

use super::app::{App, Popup};
use super::editor::Editor;
use super::event::Effect;
use crate::protocol::*;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// A message in `app.mirror.standard`, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub folder: usize,
    pub message: usize,
}

/// The open conversation's channel.
pub fn channel(app: &App) -> Option<ChannelKind> {
    app.open_conv().map(|c| c.conversation.channel)
}

/// Folders the agent may use in the open conversation (the same rule the
/// server applies: channel, team, assignees).
pub fn in_scope(app: &App) -> Vec<usize> {
    let Some(me) = app.mirror.me.as_ref() else {
        return Vec::new();
    };
    let ch = channel(app);
    app.mirror
        .standard
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
        (0..app.mirror.standard[f].messages.len()).map(move |m| Hit {
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
            let f = &app.mirror.standard[h.folder];
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
    let f = &app.mirror.standard[hit.folder];
    (f, &f.messages[hit.message])
}

/// The message with its placeholders filled for the open conversation.
pub fn filled(app: &App, hit: Hit) -> String {
    let (_, m) = message(app, hit);
    fill_placeholders(
        &m.text,
        app.open_customer(),
        app.mirror.me.as_ref(),
        channel(app),
    )
}

/// Any text with its placeholders filled for the open conversation.
pub fn fill_text(app: &App, text: &str) -> String {
    fill_placeholders(
        text,
        app.open_customer(),
        app.mirror.me.as_ref(),
        channel(app),
    )
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

/// What the picker lists now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// The folders in scope (indexes into `app.mirror.standard`).
    Folders(Vec<usize>),
    /// One folder's messages.
    Messages(usize, Vec<Hit>),
    /// Search results across every folder in scope.
    Found(Vec<Hit>),
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Folders(v) => v.len(),
            Rows::Messages(_, v) | Rows::Found(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The message on row `i`, when the rows are messages.
    pub fn hit(&self, i: usize) -> Option<Hit> {
        match self {
            Rows::Folders(_) => None,
            Rows::Messages(_, v) | Rows::Found(v) => v.get(i).copied(),
        }
    }
}

/// The picker's rows for its state.
pub fn rows(app: &App) -> Rows {
    let Some(Popup::Standard {
        filter,
        folder,
        searching,
        ..
    }) = &app.popup
    else {
        return Rows::Found(Vec::new());
    };
    if *searching {
        return Rows::Found(hits(app, filter.text()));
    }
    let scope = in_scope(app);
    // A folder that left the scope (an admin changed it) is left too.
    match folder.and_then(|id| {
        scope
            .iter()
            .copied()
            .find(|&i| app.mirror.standard[i].id == id)
    }) {
        Some(fi) => Rows::Messages(
            fi,
            (0..app.mirror.standard[fi].messages.len())
                .map(|m| Hit {
                    folder: fi,
                    message: m,
                })
                .collect(),
        ),
        None => Rows::Folders(scope),
    }
}

/// Opens the picker on the folders.
pub fn open(app: &mut App, fx: &mut Vec<Effect>) {
    app.popup = Some(Popup::Standard {
        filter: Editor::new(),
        selected: 0,
        folder: None,
        searching: false,
    });
    fx.push(Effect::LoadStandard);
}

/// Whether this agent may change `folder`, by the server's rule
/// ([`may_manage`]); the reason when not.
pub fn may_change(app: &App, folder: &StandardFolder) -> Result<(), String> {
    let Some(me) = app.mirror.me.as_ref() else {
        return Err("not signed in yet".into());
    };
    let ids: Vec<AgentId> = folder.assignees.iter().map(|a| a.id).collect();
    may_manage(
        me,
        app.mirror.standard_editing,
        folder.team.as_ref().map(|t| t.id),
        &ids,
    )
}
