//! Keys to named commands, per context, from the shipped presets in
//! `keymaps/` with the user's `keymap.toml` read over them: a user file
//! names only the bindings it changes (`"x" = "none"` removes one).
//! Unknown commands and bad key strings are reported with file and line;
//! the rest of the keymap still loads.

use super::command::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub const PRESETS: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("emacs", include_str!("../../keymaps/emacs.toml")),
];

/// Where keys are looked up. Text contexts (compose, search, picker) insert
/// any printable key that is not bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    List,
    Chat,
    Customer,
    Compose,
    Search,
    Popup,
    Picker,
    Settings,
    Form,
    /// The standard replies, browsing folders and messages.
    Standard,
}

impl Context {
    pub const ALL: [Context; 11] = [
        Context::Global,
        Context::List,
        Context::Chat,
        Context::Customer,
        Context::Compose,
        Context::Search,
        Context::Popup,
        Context::Picker,
        Context::Settings,
        Context::Form,
        Context::Standard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Chat => "chat",
            Context::Customer => "customer",
            Context::Compose => "compose",
            Context::Search => "search",
            Context::Popup => "popup",
            Context::Picker => "picker",
            Context::Settings => "settings",
            Context::Form => "form",
            Context::Standard => "standard",
        }
    }

    fn from_name(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }

    /// The contexts searched, in order, when this one has focus.
    pub fn chain(self) -> &'static [Context] {
        match self {
            Context::List => &[Context::List, Context::Global],
            Context::Chat => &[Context::Chat, Context::Global],
            Context::Customer => &[Context::Customer, Context::Global],
            Context::Global => &[Context::Global],
            Context::Compose => &[Context::Compose],
            Context::Search => &[Context::Search],
            Context::Popup => &[Context::Popup],
            Context::Picker => &[Context::Picker],
            Context::Settings => &[Context::Settings],
            Context::Form => &[Context::Form],
            Context::Standard => &[Context::Standard],
        }
    }

    /// What the context is, for the help popup and the key reference.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere outside text fields",
            Context::List => "Chatroom list",
            Context::Chat => "Live chat",
            Context::Customer => "Customer panel",
            Context::Compose => "Compose box",
            Context::Search => "Search",
            Context::Popup => "Popups",
            Context::Picker => "Pickers (type to filter)",
            Context::Settings => "Standard-message settings",
            Context::Form => "Forms",
            Context::Standard => "Standard replies (folders and messages)",
        }
    }

    pub fn is_text(self) -> bool {
        matches!(
            self,
            Context::Compose | Context::Search | Context::Picker | Context::Form
        )
    }
}

/// A key with its modifiers, as written in keymap files: `j`, `G`,
/// `ctrl-k`, `alt-enter`, `shift-tab`, `pgdown`, `f1`, `space`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// KeyCode with an order, so keymaps print in a stable order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Home,
    End,
    PageUp,
    PageDown,
    Up,
    Down,
    Left,
    Right,
}

const NAMED: &[(&str, KeyCodeOrd)] = &[
    ("enter", KeyCodeOrd::Enter),
    ("esc", KeyCodeOrd::Esc),
    ("tab", KeyCodeOrd::Tab),
    ("backtab", KeyCodeOrd::BackTab),
    ("backspace", KeyCodeOrd::Backspace),
    ("delete", KeyCodeOrd::Delete),
    ("insert", KeyCodeOrd::Insert),
    ("home", KeyCodeOrd::Home),
    ("end", KeyCodeOrd::End),
    ("pgup", KeyCodeOrd::PageUp),
    ("pgdown", KeyCodeOrd::PageDown),
    ("up", KeyCodeOrd::Up),
    ("down", KeyCodeOrd::Down),
    ("left", KeyCodeOrd::Left),
    ("right", KeyCodeOrd::Right),
    ("space", KeyCodeOrd::Char(' ')),
];

impl Key {
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut rest = s.trim();
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else if rest.len() > 1 && lower.starts_with("shift-") {
                shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
            *code
        } else if lower == "pageup" {
            KeyCodeOrd::PageUp
        } else if lower == "pagedown" {
            KeyCodeOrd::PageDown
        } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            if !(1..=24).contains(&n) {
                return Err(format!("no such function key {s:?}"));
            }
            KeyCodeOrd::F(n)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCodeOrd::Char(c),
                _ => {
                    return Err(format!(
                        "{s:?} is not a key (try j, G, ctrl-k, alt-enter, pgdown, f1)"
                    ))
                }
            }
        };
        // shift-tab is what terminals send as backtab.
        let code = if shift && code == KeyCodeOrd::Tab {
            shift = false;
            KeyCodeOrd::BackTab
        } else {
            code
        };
        // Letters carry their case; shift-a means A.
        let code = match code {
            KeyCodeOrd::Char(c) if shift && c.is_alphabetic() => {
                shift = false;
                KeyCodeOrd::Char(c.to_uppercase().next().unwrap_or(c))
            }
            KeyCodeOrd::Char(c) if ctrl && c.is_ascii_uppercase() => {
                KeyCodeOrd::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        if let KeyCodeOrd::Char(_) = code {
            shift = false;
        }
        Ok(Key {
            code,
            ctrl,
            alt,
            shift,
        })
    }

    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if ev.modifiers.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            _ => return None,
        };
        let is_char = matches!(code, KeyCodeOrd::Char(_));
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
            shift: !is_char
                && code != KeyCodeOrd::BackTab
                && ev.modifiers.contains(KeyModifiers::SHIFT),
        })
    }

    /// The character this key types, if it is plain text.
    pub fn text(&self) -> Option<char> {
        match self.code {
            KeyCodeOrd::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            other => {
                let name = NAMED
                    .iter()
                    .find(|(_, c)| *c == other)
                    .map(|(n, _)| *n)
                    .unwrap_or("?");
                f.write_str(name)
            }
        }
    }
}

/// What a key is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    Command(Command),
    Macro(String),
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: HashMap<Context, BTreeMap<Key, Command>>,
    /// Keys bound to macros: `"f5" = "macro.Refund request"`.
    macros: HashMap<Context, BTreeMap<Key, String>>,
    /// When each binding was read, so hints show keys in the file's order
    /// (`enter` before `l` if the file says so).
    order: HashMap<(Context, Key), usize>,
    next: usize,
}

/// The line (1-based) where `key` is bound in `section` of a keymap file.
fn line_of(text: &str, section: &str, key: &str) -> usize {
    let mut in_section = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_section = t.trim_matches(|c| c == '[' || c == ']').trim() == section;
            continue;
        }
        if in_section {
            let k = t
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .trim_matches('\'');
            if k == key {
                return i + 1;
            }
        }
    }
    0
}

impl Keymap {
    /// Reads a keymap file's text over this keymap. Returns the problems
    /// found, each as `file:line: message`; good entries apply regardless.
    pub fn apply(&mut self, file: &str, text: &str) -> Vec<String> {
        let mut errors = Vec::new();
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                errors.push(crate::config::toml_error(file, text, &e));
                return errors;
            }
        };
        for (section, value) in table {
            let Some(ctx) = Context::from_name(&section) else {
                let names: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
                errors.push(format!(
                    "{file}:{}: unknown section [{section}] (sections: {})",
                    line_of_section(text, &section),
                    names.join(", ")
                ));
                continue;
            };
            let Some(entries) = value.as_table() else {
                errors.push(format!(
                    "{file}:{}: [{section}] must be a table of \"key\" = \"command\"",
                    line_of_section(text, &section)
                ));
                continue;
            };
            for (key_s, cmd_v) in entries {
                let line = line_of(text, &section, key_s);
                let key = match Key::parse(key_s) {
                    Ok(k) => k,
                    Err(e) => {
                        errors.push(format!("{file}:{line}: {e}"));
                        continue;
                    }
                };
                let Some(cmd_s) = cmd_v.as_str() else {
                    errors.push(format!(
                        "{file}:{line}: the command for {key_s:?} must be a string"
                    ));
                    continue;
                };
                let map = self.bindings.entry(ctx).or_default();
                // A key does one thing: the new binding replaces either kind.
                map.remove(&key);
                let macros = self.macros.entry(ctx).or_default();
                macros.remove(&key);
                if cmd_s == "none" {
                    continue;
                }
                if let Some(name) = cmd_s.strip_prefix("macro.") {
                    if name.trim().is_empty() {
                        errors.push(format!(
                            "{file}:{line}: give the macro's name: \"macro.NAME\""
                        ));
                    } else {
                        macros.insert(key, name.trim().to_string());
                        self.order.insert((ctx, key), self.next);
                        self.next += 1;
                    }
                    continue;
                }
                match Command::from_name(cmd_s) {
                    Some(cmd) => {
                        map.insert(key, cmd);
                        self.order.insert((ctx, key), self.next);
                        self.next += 1;
                    }
                    None => errors.push(format!(
                        "{file}:{line}: unknown command {cmd_s:?} (`chatsmart keys` lists them)"
                    )),
                }
            }
        }
        errors
    }

    /// A shipped preset by name.
    pub fn preset(name: &str) -> Result<Keymap, String> {
        let (file, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
            format!("no keymap preset {name:?} (presets: {})", names.join(", "))
        })?;
        let mut km = Keymap::default();
        let errors = km.apply(&format!("keymaps/{file}.toml"), text);
        if errors.is_empty() {
            Ok(km)
        } else {
            Err(errors.join("\n"))
        }
    }

    pub fn lookup(&self, ctx: Context, key: &Key) -> Option<Command> {
        match self.resolve(ctx, key) {
            Some(Binding::Command(c)) => Some(c),
            _ => None,
        }
    }

    /// What a key does in a context: the most specific binding wins,
    /// whether a command or a macro.
    pub fn resolve(&self, ctx: Context, key: &Key) -> Option<Binding> {
        ctx.chain().iter().find_map(|c| {
            if let Some(cmd) = self.bindings.get(c).and_then(|m| m.get(key)) {
                return Some(Binding::Command(*cmd));
            }
            self.macros
                .get(c)
                .and_then(|m| m.get(key))
                .map(|name| Binding::Macro(name.clone()))
        })
    }

    /// Every key bound to a macro in a context (not its chain).
    pub fn macro_bindings(&self, ctx: Context) -> impl Iterator<Item = (&Key, &String)> {
        self.macros.get(&ctx).into_iter().flat_map(|m| m.iter())
    }

    /// The first key that runs `name` from `ctx`.
    pub fn macro_key(&self, ctx: Context, name: &str) -> Option<String> {
        ctx.chain().iter().find_map(|c| {
            self.macros.get(c).and_then(|m| {
                m.iter()
                    .find(|(k, n)| {
                        n.eq_ignore_ascii_case(name)
                            && self
                                .resolve(ctx, k)
                                .is_some_and(|b| b == Binding::Macro((*n).clone()))
                    })
                    .map(|(k, _)| k.to_string())
            })
        })
    }

    /// Every binding of a context, in key order.
    pub fn bindings(&self, ctx: Context) -> impl Iterator<Item = (&Key, &Command)> {
        self.bindings.get(&ctx).into_iter().flat_map(|m| m.iter())
    }

    /// The keys bound to a command in a context's chain, for hints.
    pub fn keys_for(&self, ctx: Context, cmd: Command) -> Vec<Key> {
        let mut keys = Vec::new();
        for c in ctx.chain() {
            let mut here: Vec<(usize, Key)> = self
                .bindings(*c)
                .filter(|(k, v)| **v == cmd && self.lookup(ctx, k) == Some(cmd))
                .map(|(k, _)| (self.order.get(&(*c, *k)).copied().unwrap_or(usize::MAX), *k))
                .collect();
            here.sort();
            for (_, k) in here {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys
    }

    /// The first key for a command, as text, for the hint bar.
    pub fn hint(&self, ctx: Context, cmd: Command) -> Option<String> {
        self.keys_for(ctx, cmd)
            .first()
            .map(std::string::ToString::to_string)
    }

    /// A footer such as "enter: save  esc: cancel" from what is bound now;
    /// commands without a key are left out.
    /// Neighbours with the same label share it: "left/right: choose".
    pub fn hints(&self, ctx: Context, items: &[(Command, &str)]) -> String {
        let mut parts: Vec<(String, &str)> = Vec::new();
        for (c, label) in items {
            let Some(k) = self.hint(ctx, *c) else {
                continue;
            };
            match parts.last_mut() {
                Some((keys, l)) if l == label => {
                    keys.push('/');
                    keys.push_str(&k);
                }
                _ => parts.push((k, label)),
            }
        }
        parts
            .iter()
            .map(|(k, l)| format!("{k}: {l}"))
            .collect::<Vec<_>>()
            .join("  ")
    }
}

fn line_of_section(text: &str, section: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim().trim_matches(|c| c == '[' || c == ']').trim() == section
                && l.trim().starts_with('[')
        })
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        for s in [
            "j",
            "G",
            "ctrl-k",
            "alt-enter",
            "pgdown",
            "f1",
            "space",
            "/",
            "-",
            "backtab",
            "esc",
        ] {
            let k = Key::parse(s).unwrap();
            assert_eq!(k.to_string(), s, "{s}");
        }
        assert_eq!(
            Key::parse("shift-tab").unwrap(),
            Key::parse("backtab").unwrap()
        );
        assert_eq!(Key::parse("shift-g").unwrap(), Key::parse("G").unwrap());
        assert_eq!(Key::parse("Ctrl-K").unwrap(), Key::parse("ctrl-k").unwrap());
        assert!(Key::parse("banana").is_err());
        assert!(Key::parse("f99").is_err());
    }

    #[test]
    fn key_events_match_parsed_keys() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("G").ok());
        let ev = KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ev), Key::parse("ctrl-k").ok());
        let ev = KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT);
        assert_eq!(Key::from_event(&ev), Key::parse("alt-enter").ok());
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("backtab").ok());
    }

    #[test]
    fn every_preset_parses_and_binds_the_essentials() {
        for (name, _) in PRESETS {
            let km = Keymap::preset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            for (ctx, cmd) in [
                (Context::List, Command::ListNext),
                (Context::List, Command::ListOpen),
                (Context::List, Command::Quit),
                (Context::List, Command::HelpOpen),
                (Context::Chat, Command::ComposeFocus),
                (Context::Chat, Command::BotToggle),
                (Context::Chat, Command::AssignOpen),
                (Context::Compose, Command::ComposeSend),
                (Context::Compose, Command::ComposeNewline),
                (Context::Compose, Command::Back),
                (Context::Popup, Command::PopupClose),
                (Context::Picker, Command::PopupConfirm),
                (Context::Search, Command::Back),
            ] {
                assert!(
                    !km.keys_for(ctx, cmd).is_empty(),
                    "{name}: {} in {}",
                    cmd.name(),
                    ctx.name()
                );
            }
        }
    }

    #[test]
    fn user_file_overrides_single_bindings_and_reports_errors_with_lines() {
        let mut km = Keymap::preset("default").unwrap();
        let j = Key::parse("j").unwrap();
        assert_eq!(km.lookup(Context::List, &j), Some(Command::ListNext));
        let user = "[list]\n\"j\" = \"list.prev\"\n\"x\" = \"no.such.command\"\n\"bad key\" = \"list.next\"\n[nowhere]\n";
        let errors = km.apply("keymap.toml", user);
        assert_eq!(km.lookup(Context::List, &j), Some(Command::ListPrev));
        // Everything else is untouched.
        assert_eq!(
            km.lookup(Context::List, &Key::parse("k").unwrap()),
            Some(Command::ListPrev)
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("keymap.toml:") || errors.iter().any(|e| e.contains(":3:")));
        assert!(errors
            .iter()
            .any(|e| e.contains("keymap.toml:3:") && e.contains("no.such.command")));
        assert!(errors
            .iter()
            .any(|e| e.contains("keymap.toml:4:") && e.contains("bad key")));
        assert!(errors
            .iter()
            .any(|e| e.contains("keymap.toml:5:") && e.contains("nowhere")));
        km.apply("keymap.toml", "[list]\n\"j\" = \"none\"\n");
        assert_eq!(km.lookup(Context::List, &j), None);
        let errors = km.apply("keymap.toml", "[list\n");
        assert!(errors[0].starts_with("keymap.toml:1:"), "{errors:?}");
    }
}
