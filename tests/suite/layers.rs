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
            "hub",
            "routes",
            "webhooks",
            "platforms",
            "channels",
            "workers",
            "bot",
            "auth",
            "delivery",
            "media",
            "files",
            "scheduler",
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

/// The code of a line, without its comment (doc links are not uses).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every crate-level path some code uses, resolved to its full module
/// path: `crate::a::b`, and `super::` chains that climb out of its module
/// (`here`).
fn uses(text: &str, here: &[String]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = code(line);
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < line.len() {
            let rest = &line[i..];
            let boundary = i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b':');
            let (base, after): (Vec<String>, &str) = if boundary && rest.starts_with("crate::") {
                (Vec::new(), &rest["crate::".len()..])
            } else if boundary && rest.starts_with("super::") {
                let mut ups = 0;
                let mut tail = rest;
                while let Some(t) = tail.strip_prefix("super::") {
                    ups += 1;
                    tail = t;
                }
                // The parent of a::b::c is a::b.
                (here[..here.len().saturating_sub(ups)].to_vec(), tail)
            } else {
                i += rest.chars().next().map_or(1, char::len_utf8);
                continue;
            };
            let segs = after
                .split("::")
                .map(|s| {
                    s.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|s| !s.is_empty());
            let mut full = base;
            full.extend(segs);
            if !full.is_empty() {
                out.push((n + 1, full));
            }
            i += rest.len() - after.len();
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
    ]);
    let expect = [
        "tui::fixtures:1: tui uses cli::login_from_name",
        "server::settings:1: server uses config::dirs",
        "protocol::model:1: protocol uses server::store::X",
        "server::store::sqlite:1: server::store uses server::hub",
        "server::store:1: server::store uses server::hub",
        "newthing: the module newthing has no place in LAYERS",
    ];
    assert_eq!(found, expect);
}
