//! The command palette (Ctrl-K): one fuzzy search over every named command
//! (with its key), every loaded conversation by customer name, every
//! standard message and every macro. Starting the line with `:` (or
//! opening it with `:`) types a command with arguments instead, with
//! completion and history (`typed.rs`).

pub mod typed;

use super::app::{App, Focus, Level, Pane, Popup};
use super::command::Command;
use super::editor::Editor;
use super::event::Effect;
use super::keymap::Context;
use crate::protocol::*;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

#[derive(Debug, Clone)]
pub struct Palette {
    pub input: Editor,
    pub selected: usize,
    pub error: Option<String>,
    /// Where it was opened from: the keys shown are the ones in force there.
    pub from: Context,
    /// What `input` finds, best first: worked out when the input or what
    /// is loaded changes, so drawing and keys only read it.
    pub found: Vec<Item>,
}

impl Palette {
    pub fn new(app: &App, input: &str, from: Context) -> Palette {
        Palette {
            input: Editor::with_text(input),
            selected: 0,
            error: None,
            from,
            found: items(app, input),
        }
    }
}

/// Finds again what the palette's input matches (after an edit, or when
/// conversations, replies or macros arrive).
pub fn refresh(app: &mut App) {
    let Some(Popup::Palette(p)) = &app.popup else {
        return;
    };
    let found = items(app, p.input.text());
    if let Some(Popup::Palette(p)) = app.popup.as_mut() {
        p.found = found;
        p.selected = p.selected.min(p.found.len().saturating_sub(1));
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Command(Command),
    Conversation(ConversationId),
    Standard(super::standard::Hit),
    Macro(String),
    /// A whole typed line: a completion, or one from history.
    Line(String),
}

/// At most this many results are listed.
const MAX_ITEMS: usize = 200;

pub fn open(app: &mut App, typed_mode: bool, fx: &mut Vec<Effect>) {
    let from = app.context();
    let palette = Palette::new(app, if typed_mode { ":" } else { "" }, from);
    app.popup = Some(Popup::Palette(palette));
    if app.mirror.standard.is_empty() {
        fx.push(Effect::LoadStandard);
    }
    if app.mirror.tags.is_empty() {
        fx.push(Effect::LoadTags);
    }
}

pub fn is_typed(input: &str) -> bool {
    input.starts_with(':')
}

/// What typed commands and macros need to know of the workspace.
pub fn with_ctx<T>(app: &App, f: impl FnOnce(&typed::Ctx) -> T) -> T {
    let names: Vec<String> = app.macros.iter().map(|m| m.name.clone()).collect();
    let ctx = typed::Ctx {
        agents: &app.mirror.agents,
        tags: &app.mirror.tags,
        macros: &names,
        now: app.now,
        tz: app.config.tz,
    };
    f(&ctx)
}

/// What the palette lists for `input`, best first.
pub fn items(app: &App, input: &str) -> Vec<Item> {
    if let Some(line) = input.strip_prefix(':') {
        if line.trim().is_empty() {
            return app
                .palette_history
                .iter()
                .rev()
                .map(|l| Item::Line(l.clone()))
                .collect();
        }
        return with_ctx(app, |c| typed::complete(line, c))
            .into_iter()
            .map(Item::Line)
            .collect();
    }
    let q = input.trim();
    let mut all: Vec<(Item, String)> = Command::ALL
        .iter()
        .map(|c| {
            (
                Item::Command(*c),
                format!("{} {}", c.description(), c.name()),
            )
        })
        .collect();
    all.extend(
        app.macros
            .iter()
            .map(|m| (Item::Macro(m.name.clone()), format!("macro {}", m.name))),
    );
    if q.is_empty() {
        return all.into_iter().map(|(i, _)| i).take(MAX_ITEMS).collect();
    }
    // Every loaded conversation, those in the list first.
    let listed: std::collections::HashSet<ConversationId> = app.list.view.iter().copied().collect();
    let mut others: Vec<&super::app::Conv> = app
        .mirror
        .convs
        .values()
        .filter(|c| !listed.contains(&c.conversation.id))
        .collect();
    others.sort_by_key(|c| std::cmp::Reverse((c.conversation.last_activity_at, c.conversation.id)));
    all.extend(
        app.list
            .view
            .iter()
            .filter_map(|id| app.mirror.convs.get(id))
            .chain(others)
            .map(|c| {
                (
                    Item::Conversation(c.conversation.id),
                    c.conversation.customer_name.clone(),
                )
            }),
    );
    all.extend(super::standard::hits(app, "").into_iter().map(|h| {
        let (f, m) = super::standard::message(app, h);
        (Item::Standard(h), format!("{} {}", f.name, m.text))
    }));
    // Where the words typed appear as they are, only those; fuzzy
    // matching is for abbreviations.
    let words: Vec<String> = q
        .to_lowercase()
        .split_whitespace()
        .map(String::from)
        .collect();
    let has_words = |hay: &str| {
        let h = hay.to_lowercase();
        words.iter().all(|w| h.contains(w.as_str()))
    };
    if all.iter().any(|(_, hay)| has_words(hay)) {
        all.retain(|(_, hay)| has_words(hay));
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, Item)> = all
        .into_iter()
        .enumerate()
        .filter_map(|(i, (item, hay))| {
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|s| (s, i, item))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    // Loose fuzzy matches far below the best are noise.
    let best = scored.first().map(|s| s.0).unwrap_or(0);
    scored.retain(|s| s.0 * 2 >= best);
    scored
        .into_iter()
        .take(MAX_ITEMS)
        .map(|(_, _, i)| i)
        .collect()
}

/// Runs the typed line (or, incomplete, the completion chosen below it);
/// a line that does not parse stays, with what is wrong.
pub fn run_line(app: &mut App, input: &str, chosen: Option<Item>, fx: &mut Vec<Effect>) {
    let me = app.mirror.me.as_ref().map(|m| m.id);
    let line = input.trim_start_matches(':').trim().to_string();
    let parsed = with_ctx(app, |c| typed::parse(&line, c, me));
    let (line, parsed) = match parsed {
        Ok(t) => (line, Ok(t)),
        // An incomplete line runs the completion chosen below it.
        Err(e) => match chosen {
            Some(Item::Line(l)) => {
                let again = with_ctx(app, |c| typed::parse(&l, c, me));
                (l, again.map_err(|_| e))
            }
            _ => (line, Err(e)),
        },
    };
    match parsed {
        Ok(t) => {
            app.palette_history.retain(|h| *h != line);
            app.palette_history.push(line);
            if app.palette_history.len() > 100 {
                app.palette_history.remove(0);
            }
            app.popup = None;
            apply(app, t, fx);
        }
        Err(e) => {
            if let Some(Popup::Palette(p)) = app.popup.as_mut() {
                p.error = Some(e);
            }
        }
    }
}

/// Carries out a typed command.
pub fn apply(app: &mut App, t: typed::Typed, fx: &mut Vec<Effect>) {
    match t {
        typed::Typed::Run(c) => super::update::run_command(app, c, fx),
        typed::Typed::Act(a) => super::triage::bulk(app, a, fx),
        typed::Typed::Filter(sets) => super::panes::list::change_filters(app, fx, |f| {
            for s in sets {
                match s {
                    typed::FilterSet::Channel(c) => {
                        f.channel = c;
                        f.account = None;
                    }
                    typed::FilterSet::Status(s) => f.status = s,
                    typed::FilterSet::Assignee(a) => f.assignee = a,
                    typed::FilterSet::Section(s) => f.section = s,
                    typed::FilterSet::Tag(t) => f.tag = t,
                    typed::FilterSet::Sort(s) => f.sort = s,
                    typed::FilterSet::Clear => *f = Default::default(),
                }
            }
        }),
        typed::Typed::Macro(name) => super::macros::run(app, &name, fx),
    }
}

/// Runs, opens or puts in the reply what was chosen.
pub fn choose(app: &mut App, item: Item, fx: &mut Vec<Effect>) {
    app.popup = None;
    match item {
        Item::Command(c) => super::update::run_command(app, c, fx),
        Item::Conversation(id) => {
            super::update::open(app, id, fx);
            if let Some(i) = app.list.view.iter().position(|x| *x == id) {
                app.list.selected = i;
            }
            app.focus = Focus::Pane(Pane::Chat);
        }
        Item::Standard(hit) => {
            let Some(id) = app.open else {
                app.notify("open a conversation to use a standard reply", Level::Info);
                return;
            };
            let text = super::standard::filled(app, hit);
            super::standard::insert_into_draft(app, id, &text);
            app.focus = Focus::Compose;
        }
        Item::Macro(name) => super::macros::run(app, &name, fx),
        Item::Line(l) => {
            let t = with_ctx(app, |c| {
                typed::parse(&l, c, app.mirror.me.as_ref().map(|m| m.id))
            });
            match t {
                Ok(t) => apply(app, t, fx),
                Err(e) => app.notify(e, Level::Error),
            }
        }
    }
}

fn history_file() -> std::path::PathBuf {
    crate::dirs::state_dir().join("palette_history")
}

/// The typed commands of earlier sessions, oldest first.
pub fn load_history() -> Vec<String> {
    std::fs::read_to_string(history_file())
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Keeps the typed commands for the next session (best effort).
pub fn save_history(lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let path = history_file();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text = lines.iter().fold(String::new(), |text, l| text + l + "\n");
    if let Err(e) = crate::config::write_atomic(&path, text.as_bytes()) {
        tracing::warn!("cannot keep the command history: {e}");
    }
}
