//! The key reference, generated from the keymap presets: `docs/keys.md`
//! (every command, per context, with its keys in each preset) and the
//! README's list of pane keys that hide a global one. Tests keep both files
//! equal to what this makes, and every key the README's table names bound,
//! so the documentation cannot drift from the keys.

use super::command::Command;
use super::keymap::{Context, Key, Keymap, PRESETS};

fn presets() -> Vec<(&'static str, Keymap)> {
    PRESETS
        .iter()
        .map(|(name, _)| {
            let km = Keymap::preset(name).unwrap_or_else(|e| panic!("the {name} preset: {e}"));
            (*name, km)
        })
        .collect()
}

/// The keys bound to `cmd` in `ctx` itself (not through the chain).
fn direct(km: &Keymap, ctx: Context, cmd: Command) -> Vec<Key> {
    km.bindings(ctx)
        .filter(|(_, c)| **c == cmd)
        .map(|(k, _)| *k)
        .collect()
}

fn keys_cell(keys: &[Key]) -> String {
    if keys.is_empty() {
        String::new()
    } else {
        keys.iter()
            .map(|k| format!("`{}`", k.to_string().replace('|', "\\|")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Pane keys that hide a global key of the same name: (pane, key, the
/// pane's command, the hidden global command).
pub fn shadowed(km: &Keymap) -> Vec<(Context, Key, Command, Command)> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let chain = ctx.chain();
        if chain.len() < 2 {
            continue;
        }
        for (key, cmd) in km.bindings(ctx) {
            for outer in &chain[1..] {
                if let Some((_, hidden)) = km.bindings(*outer).find(|(k, _)| *k == key) {
                    if hidden != cmd {
                        out.push((ctx, *key, *cmd, *hidden));
                    }
                }
            }
        }
    }
    out
}

/// `docs/keys.md`.
pub fn markdown() -> String {
    let presets = presets();
    let mut s = String::from(
        "# Keys\n\n\
         Every command, per context, with its keys in each preset. Generated from\n\
         `keymaps/*.toml` by `src/tui/keys_reference.rs`; a test fails when this file\n\
         differs (run the tests with `CHATSMART_UPDATE_DOCS=1` to rewrite it). The\n\
         help popup (`?`, or `f1` in the emacs preset) shows the keys in force,\n\
         with your own overrides.\n\n\
         In the chatroom list, the live chat and the customer panel, the pane's own\n\
         keys come first, then the global ones: a pane key hides a global key of the\n\
         same name there (listed at the end).\n",
    );
    for ctx in Context::ALL {
        let cmds: Vec<Command> = Command::ALL
            .iter()
            .copied()
            .filter(|c| {
                presets
                    .iter()
                    .any(|(_, km)| !direct(km, ctx, *c).is_empty())
            })
            .collect();
        if cmds.is_empty() {
            continue;
        }
        s.push_str(&format!("\n## {} (`[{}]`)\n\n", ctx.title(), ctx.name()));
        s.push_str("| command | what it does |");
        for (name, _) in &presets {
            s.push_str(&format!(" {name} |"));
        }
        s.push_str("\n|---|---|");
        for _ in &presets {
            s.push_str("---|");
        }
        s.push('\n');
        for cmd in cmds {
            s.push_str(&format!("| `{}` | {} |", cmd.name(), cmd.description()));
            for (_, km) in &presets {
                s.push_str(&format!(" {} |", keys_cell(&direct(km, ctx, cmd))));
            }
            s.push('\n');
        }
    }
    s.push_str("\n## Pane keys that hide a global key\n");
    for (name, km) in &presets {
        s.push_str(&format!("\n{name}:\n\n"));
        let rows = shadowed(km);
        if rows.is_empty() {
            s.push_str("none\n");
            continue;
        }
        s.push_str("| where | key | does | instead of |\n|---|---|---|---|\n");
        for (ctx, key, here, hidden) in rows {
            s.push_str(&format!(
                "| {} | {} | `{}` | `{}` |\n",
                ctx.title(),
                keys_cell(&[key]),
                here.name(),
                hidden.name()
            ));
        }
    }
    s
}

/// The README's sentence on pane keys that hide global ones (default
/// preset), between its `keys:shadowed` markers.
pub fn readme_shadowed() -> String {
    let km = Keymap::preset("default").expect("the default preset");
    let mut by_pane: Vec<(Context, Vec<String>)> = Vec::new();
    for (ctx, key, here, hidden) in shadowed(&km) {
        let item = format!("`{key}` is `{}` (not `{}`)", here.name(), hidden.name());
        match by_pane.iter_mut().find(|(c, _)| *c == ctx) {
            Some((_, v)) => v.push(item),
            None => by_pane.push((ctx, vec![item])),
        }
    }
    let mut s = String::from(
        "A pane's own keys come before the global ones, so in one pane some global\n\
         keys do something else:\n\n",
    );
    for (ctx, items) in by_pane {
        s.push_str(&format!(
            "- in the {}: {}\n",
            ctx.title().to_lowercase(),
            items.join(", ")
        ));
    }
    s.push_str("\n[docs/keys.md](docs/keys.md) lists every command per pane in both presets.\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file)
    }

    /// Compares a generated file with the one committed; with
    /// CHATSMART_UPDATE_DOCS=1 writes it instead.
    fn same_or_update(file: &str, want: &str) {
        let path = root(file);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if std::env::var_os("CHATSMART_UPDATE_DOCS").is_some() {
                std::fs::write(&path, want).unwrap();
                return;
            }
            panic!(
                "{file} is not what the keymaps make; run the tests with CHATSMART_UPDATE_DOCS=1 to rewrite it"
            );
        }
    }

    #[test]
    fn docs_keys_md_is_generated_from_the_keymaps() {
        same_or_update("docs/keys.md", &markdown());
    }

    const BEGIN: &str = "<!-- keys:shadowed -->\n";
    const END: &str = "<!-- /keys:shadowed -->";

    #[test]
    fn the_readme_says_which_pane_keys_hide_global_ones() {
        let readme = std::fs::read_to_string(root("README.md")).unwrap();
        let (Some(a), Some(b)) = (readme.find(BEGIN), readme.find(END)) else {
            panic!("README.md needs the {BEGIN:?} … {END:?} markers");
        };
        let want = format!(
            "{}{BEGIN}{}{}",
            &readme[..a],
            readme_shadowed(),
            &readme[b..]
        );
        same_or_update("README.md", &want);
    }

    /// Every key the README's key table names (its first column, default
    /// preset) is bound somewhere in the default keymap.
    #[test]
    fn every_key_the_readme_names_is_bound() {
        let readme = std::fs::read_to_string(root("README.md")).unwrap();
        let km = Keymap::preset("default").unwrap();
        let table = readme
            .split("| keys (default keymap) | what they do |")
            .nth(1)
            .expect("the README's key table");
        let mut checked = 0;
        for row in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
            let first = row.split('|').nth(1).unwrap_or("");
            for (i, token) in first.split('`').enumerate() {
                // Odd pieces are inside backticks.
                if i % 2 == 0 {
                    continue;
                }
                let Ok(key) = Key::parse(token) else {
                    continue;
                };
                checked += 1;
                assert!(
                    Context::ALL
                        .iter()
                        .any(|c| km.bindings(*c).any(|(k, _)| *k == key)),
                    "the README names `{token}`, which the default keymap does not bind"
                );
            }
        }
        assert!(
            checked > 30,
            "only {checked} keys read from the README's table"
        );
    }

    /// What one preset reaches in a context, the other does too: a command
    /// the README names works in both.
    #[test]
    fn both_presets_reach_the_same_commands_in_every_context() {
        let presets = presets();
        for ctx in Context::ALL {
            let reach = |km: &Keymap| -> std::collections::BTreeSet<Command> {
                ctx.chain()
                    .iter()
                    .flat_map(|c| km.bindings(*c).map(|(_, cmd)| *cmd))
                    .collect()
            };
            let (a_name, a) = &presets[0];
            for (b_name, b) in &presets[1..] {
                let (ra, rb) = (reach(a), reach(b));
                let missing: Vec<_> = ra.difference(&rb).map(|c| c.name()).collect();
                let extra: Vec<_> = rb.difference(&ra).map(|c| c.name()).collect();
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "{}: only in {a_name}: {missing:?}; only in {b_name}: {extra:?}",
                    ctx.name()
                );
            }
        }
    }

    /// Every command is bound in the default preset, but for the few left
    /// to the palette (`ctrl-k`) and macros: `S` cycles the sections.
    #[test]
    fn every_command_has_a_key() {
        const PALETTE_ONLY: [Command; 2] = [Command::SectionAgent, Command::SectionBot];
        let km = Keymap::preset("default").unwrap();
        let unbound: Vec<Command> = Command::ALL
            .iter()
            .copied()
            .filter(|c| {
                !Context::ALL
                    .iter()
                    .any(|x| km.bindings(*x).any(|(_, b)| b == c))
            })
            .collect();
        assert_eq!(unbound, PALETTE_ONLY.to_vec(), "commands without a key");
    }

    /// A terminal that sends ^H for backspace deletes in every text field.
    #[test]
    fn ctrl_h_is_backspace_in_every_text_field() {
        for (name, km) in presets() {
            for ctx in Context::ALL.into_iter().filter(|c| c.is_text()) {
                let got = km.lookup(ctx, &Key::parse("ctrl-h").unwrap());
                assert_eq!(
                    got,
                    Some(Command::InputBackspace),
                    "{name}: ctrl-h in {}",
                    ctx.name()
                );
            }
        }
    }
}
