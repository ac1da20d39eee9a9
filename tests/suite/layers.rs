//! The direction of dependencies: each top-level module may use only the
//! modules listed below it here, so the protocol never learns about the
//! server, the server never about the terminal, and the store never about
//! the WebSocket hub. A new top-level module fails this test until it is
//! given its place.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module (a file or folder in src/) and what it may use.
const LAYERS: &[(&str, &[&str])] = &[
    // The bottom: no dependencies inside the crate.
    ("sanitize", &[]),
    ("private_files", &[]),
    ("dirs", &[]),
    ("protocol", &["sanitize"]),
    ("sheets", &["protocol", "sanitize", "private_files"]),
    ("client", &["protocol", "sanitize", "private_files"]),
    ("config", &["protocol", "dirs", "private_files"]),
    (
        "server",
        &["protocol", "sanitize", "private_files", "dirs", "sheets"],
    ),
    (
        "tui",
        &[
            "protocol",
            "sanitize",
            "private_files",
            "dirs",
            "config",
            "client",
            "sheets",
        ],
    ),
    ("watch", &["protocol", "sanitize", "config", "client"]),
    // Programs made of the layers above.
    (
        "demo",
        &[
            "protocol",
            "sanitize",
            "private_files",
            "dirs",
            "config",
            "client",
            "server",
            "sheets",
        ],
    ),
    (
        "bench",
        &[
            "protocol",
            "sanitize",
            "private_files",
            "dirs",
            "config",
            "client",
            "server",
            "sheets",
            "tui",
            "demo",
        ],
    ),
    (
        "cli",
        &[
            "protocol",
            "sanitize",
            "private_files",
            "dirs",
            "config",
            "client",
            "server",
            "sheets",
            "tui",
            "watch",
            "demo",
            "bench",
        ],
    ),
    ("main", &["cli", "sanitize"]),
    ("lib", &[]),
];

/// Folders inside the server whose files may not name a sibling module.
const INSIDE_SERVER: &[(&str, &[&str])] = &[
    // The store commits and hands events to a sink; it knows nothing of
    // HTTP, the hub, the workers or the platforms.
    (
        "store",
        &[
            "hub", "routes", "error", "extract", "channels", "workers", "bot", "auth", "files",
            "settings",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file below src/: src/tui/panes/list.rs is
/// ["tui", "panes", "list"], src/tui/mod.rs is ["tui"].
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code without its comments (doc links are not uses), string
/// literals blanked (a URL is not a path), newlines kept for line numbers.
fn code(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(b.len(), |n| i + n);
            i = end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(b.len(), |n| i + n + 2);
            out.extend(
                text[i..end]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            i = end;
        } else if rest.starts_with('"')
            || rest.starts_with("r\"")
            || (rest.starts_with("r#")
                && rest
                    .trim_start_matches('r')
                    .trim_start_matches('#')
                    .starts_with('"'))
        {
            // A string: up to its closing quote (raw strings: quote and
            // hashes), escapes skipped.
            let hashes = rest.chars().skip(1).take_while(|c| *c == '#').count();
            let open = if rest.starts_with('"') { 1 } else { 2 + hashes };
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            let mut j = i + open;
            while j < b.len() {
                if hashes == 0 && !rest.starts_with('r') && b[j] == b'\\' {
                    j += 2;
                    continue;
                }
                if b[j..].starts_with(close.as_bytes()) {
                    j += close.len();
                    break;
                }
                j += 1;
            }
            let mut j = j.min(b.len());
            while !text.is_char_boundary(j) {
                j += 1;
            }
            out.extend(
                text[i..j]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            i = j;
        } else if rest.starts_with('\'')
            && rest.len() > 2
            && (rest.as_bytes()[2] == b'\'' || rest.starts_with("'\\"))
        {
            // A character literal ('"' is not a string's start).
            let end = rest[1..].find('\'').map_or(b.len(), |n| i + n + 2);
            out.extend(text[i..end].chars().map(|_| ' '));
            i = end;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn ident(b: &[u8], i: usize) -> (String, usize) {
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    (String::from_utf8_lossy(&b[i..j]).into_owned(), j)
}

/// The paths of a use tree at `i` (after a prefix and its `::`):
/// `a::b`, `a::{b, c::d}`, `*`. Returns them and where the tree ends.
fn tree(b: &[u8], i: usize) -> (Vec<Vec<String>>, usize) {
    let i = skip_space(b, i);
    if i < b.len() && b[i] == b'{' {
        let mut all = Vec::new();
        let mut j = i + 1;
        loop {
            j = skip_space(b, j);
            if j >= b.len() || b[j] == b'}' {
                return (all, j + 1);
            }
            let (paths, end) = tree(b, j);
            all.extend(paths);
            j = skip_space(b, end);
            if j < b.len() && b[j] == b',' {
                j += 1;
            }
        }
    }
    if i < b.len() && b[i] == b'*' {
        return (vec![vec!["*".to_string()]], i + 1);
    }
    let (name, j) = ident(b, i);
    if name.is_empty() {
        return (Vec::new(), j.max(i + 1));
    }
    let k = skip_space(b, j);
    if b[k..].starts_with(b"::") {
        let (rest, end) = tree(b, k + 2);
        if rest.is_empty() {
            return (vec![vec![name]], end);
        }
        let paths = rest
            .into_iter()
            .map(|mut p| {
                if p.first().is_some_and(|s| s == "self") {
                    p.remove(0);
                }
                let mut full = vec![name.clone()];
                full.extend(p);
                full
            })
            .collect();
        return (paths, end);
    }
    (vec![vec![name]], j)
}

/// Every crate-level path some code uses, resolved to its full module
/// path: `crate::a::b` (grouped or not, spaced or not), and `super::`
/// chains that climb out of its module (`here`); in the binary's main.rs,
/// `chatsmart::` too. Ways around the check (`crate as`, `crate::*`,
/// `#[path]`, `include!`) come back as the path `["!", what]`.
fn uses(text: &str, here: &[String]) -> Vec<(usize, Vec<String>)> {
    let code = code(text);
    let b = code.as_bytes();
    let line_at = |i: usize| code[..i].matches('\n').count() + 1;
    let mut out = Vec::new();
    for banned in ["crate as ", "#[path", "include!("] {
        for (i, _) in code.match_indices(banned) {
            out.push((line_at(i), vec!["!".to_string(), banned.trim().to_string()]));
        }
    }
    let binary = here == ["main"];
    let mut i = 0;
    while i < b.len() {
        let boundary =
            i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b':');
        let (word, after) = ident(b, i);
        if word.is_empty() {
            i += 1;
            continue;
        }
        let k = skip_space(b, after);
        let prefixed = boundary && b[k..].starts_with(b"::");
        let base: Option<Vec<String>> = match word.as_str() {
            "crate" if prefixed => Some(Vec::new()),
            "chatsmart" if prefixed && binary => Some(Vec::new()),
            "super" if prefixed => {
                // The parent of a::b::c is a::b; each further super one up.
                let mut ups = 1;
                let mut j = k + 2;
                loop {
                    let j2 = skip_space(b, j);
                    let (w, e) = ident(b, j2);
                    let e2 = skip_space(b, e);
                    if w == "super" && b[e2..].starts_with(b"::") {
                        ups += 1;
                        j = e2 + 2;
                    } else {
                        break;
                    }
                }
                let base = here[..here.len().saturating_sub(ups)].to_vec();
                let (paths, end) = tree(b, j);
                for p in paths {
                    let mut full = base.clone();
                    full.extend(p);
                    if !full.is_empty() {
                        out.push((line_at(i), full));
                    }
                }
                i = end.max(i + 1);
                continue;
            }
            _ => None,
        };
        match base {
            Some(_) => {
                let (paths, end) = tree(b, k + 2);
                for p in paths {
                    if p == ["*"] {
                        out.push((line_at(i), vec!["!".to_string(), "crate::*".to_string()]));
                    } else if !p.is_empty() {
                        out.push((line_at(i), p));
                    }
                }
                i = end.max(i + 1);
            }
            None => i = after,
        }
    }
    out
}

/// What breaks the layering among these files (module path, text).
fn problems(files: &[(String, Vec<String>, String)]) -> Vec<String> {
    let mut broken = Vec::new();
    for (name, here, text) in files {
        let top = here.first().cloned().unwrap_or_else(|| "lib".into());
        let Some((_, allowed)) = LAYERS.iter().find(|(m, _)| *m == top) else {
            broken.push(format!("{name}: the module {top} has no place in LAYERS"));
            continue;
        };
        for (line, path) in uses(text, here) {
            let target = &path[0];
            if target == "!" {
                broken.push(format!("{name}:{line}: {} hides what it uses", path[1]));
                continue;
            }
            if *target == top {
                if let (Some(inner), Some(used)) = (here.get(1), path.get(1)) {
                    let banned = INSIDE_SERVER
                        .iter()
                        .find(|(m, _)| top == "server" && m == inner)
                        .map_or(&[][..], |(_, b)| *b);
                    if banned.contains(&used.as_str()) {
                        broken.push(format!(
                            "{name}:{line}: server::{inner} uses server::{used}"
                        ));
                    }
                }
            } else if LAYERS.iter().any(|(m, _)| m == target) && !allowed.contains(&target.as_str())
            {
                broken.push(format!("{name}:{line}: {top} uses {}", path.join("::")));
            }
        }
    }
    broken
}

#[test]
fn dependencies_only_point_down() {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    paths.sort();
    let files: Vec<(String, Vec<String>, String)> = paths
        .iter()
        .map(|p| {
            let name = p.strip_prefix(src()).unwrap().display().to_string();
            (name, module_path(p), std::fs::read_to_string(p).unwrap())
        })
        .collect();
    let tops: BTreeSet<&str> = files
        .iter()
        .filter_map(|(_, m, _)| m.first().map(String::as_str))
        .collect();
    for must in ["protocol", "server", "tui", "client", "cli", "sheets"] {
        assert!(tops.contains(must), "no files of {must} were read");
    }
    let broken = problems(&files);
    assert!(
        broken.is_empty(),
        "dependencies that point up or sideways:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_check_catches_upward_and_sideways_uses() {
    let file = |path: &str, text: &str| {
        let here: Vec<String> = path.split("::").map(String::from).collect();
        (path.to_string(), here, text.to_string())
    };
    let found = problems(&[
        file("tui::fixtures", "use crate::cli::login_from_name;"),
        file(
            "server::settings",
            "    crate::config::dirs() // crate::tui in a comment is fine",
        ),
        file("protocol::model", "use crate::server::store::X;"),
        file("server::store::sqlite", "use super::super::hub::Hub;"),
        file(
            "server::store",
            "pub struct S { hub: crate::server::hub::Hub }",
        ),
        file(
            "sheets::standard",
            "use crate::protocol::*; let n = crate::protocol::MAX_MESSAGE_CHARS;",
        ),
        file(
            "tui::panes::list",
            "use super::super::app::App; use crate::client::Client;",
        ),
        file("newthing", "fn f() {}"),
        file("protocol::x", "use crate::{sanitize, server::store::Y};"),
        file(
            "server::store::sqlite",
            "use crate :: server::{\n    hub::Hub,\n};",
        ),
        file(
            "client",
            "let u = format!(\"ws://{}\", crate::server::X); // crate::tui",
        ),
        file("main", "chatsmart::server::serve(); chatsmart::cli::run();"),
        file("tui::x", "use crate as c; use crate::*;"),
        file(
            "sheets::x",
            "let s = \"crate::server::not_code\"; let c = '\"'; crate::protocol::Y;",
        ),
    ]);
    let expect = [
        "tui::fixtures:1: tui uses cli::login_from_name",
        "server::settings:1: server uses config::dirs",
        "protocol::model:1: protocol uses server::store::X",
        "server::store::sqlite:1: server::store uses server::hub",
        "server::store:1: server::store uses server::hub",
        "newthing: the module newthing has no place in LAYERS",
        "protocol::x:1: protocol uses server::store::Y",
        "server::store::sqlite:1: server::store uses server::hub",
        "client:1: client uses server::X",
        "main:1: main uses server::serve",
        "tui::x:1: crate as hides what it uses",
        "tui::x:1: crate::* hides what it uses",
    ];
    assert_eq!(found, expect);
}
