//! Typed file paths: `~` expanded, and tab completion from the file system
//! as a shell does it (the longest common prefix of the matches, a `/`
//! after a directory, hidden files only when asked for with a leading dot).

use std::path::{Path, PathBuf};

/// The user's home directory.
pub fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
}

/// `~` and `~/x` become the home directory; anything else is as typed.
pub fn expand(p: &str, home: Option<&Path>) -> PathBuf {
    let p = p.trim();
    match (p, home) {
        ("~", Some(h)) => h.to_path_buf(),
        (p, Some(h)) if p.starts_with("~/") => h.join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}

/// What tab does with a typed path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// The input extended as far as every match agrees (unchanged when
    /// nothing matches).
    pub input: String,
    /// The matching names (directories end with `/`), sorted, when more
    /// than one remains.
    pub choices: Vec<String>,
}

/// Completes the last component of `input` against the directory it names.
pub fn complete(input: &str, home: Option<&Path>) -> Completion {
    // The directory part as typed (kept verbatim, `~` and all) and the
    // name being typed.
    let (dir_typed, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None if input == "~" => ("~/", ""),
        None => ("", input),
    };
    let dir = if dir_typed.is_empty() {
        PathBuf::from(".")
    } else {
        expand(dir_typed, home)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Completion {
            input: input.to_string(),
            choices: Vec::new(),
        };
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            // Follows symlinks, so a link to a directory completes as one.
            let is_dir = e.path().is_dir();
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    let base = if input == "~" { "~/" } else { dir_typed };
    match names.len() {
        0 => Completion {
            input: input.to_string(),
            choices: Vec::new(),
        },
        1 => Completion {
            input: format!("{base}{}", names[0]),
            choices: Vec::new(),
        },
        _ => {
            let common = common_prefix(&names);
            Completion {
                input: format!("{base}{common}"),
                choices: names,
            }
        }
    }
}

/// The longest prefix (on character boundaries) every name shares.
fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut end = first.len();
    for n in &names[1..] {
        end = first
            .char_indices()
            .zip(n.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map(|((i, c), _)| i + c.len_utf8())
            .unwrap_or(0)
            .min(end);
    }
    first[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("photos")).unwrap();
        std::fs::write(d.path().join("photos/receipt-may.jpg"), b"x").unwrap();
        std::fs::write(d.path().join("photos/receipt-june.jpg"), b"x").unwrap();
        std::fs::write(d.path().join("photos/.hidden.png"), b"x").unwrap();
        std::fs::write(d.path().join("price list.pdf"), b"x").unwrap();
        std::fs::write(d.path().join("報價單.pdf"), b"x").unwrap();
        std::fs::write(d.path().join("報告.pdf"), b"x").unwrap();
        d
    }

    #[test]
    fn completes_names_directories_and_common_prefixes() {
        let d = tree();
        let root = format!("{}/", d.path().display());
        let c = complete(&format!("{root}ph"), None);
        assert_eq!(c.input, format!("{root}photos/"));
        assert!(c.choices.is_empty());
        let c = complete(&format!("{root}photos/re"), None);
        assert_eq!(c.input, format!("{root}photos/receipt-"));
        assert_eq!(c.choices, vec!["receipt-june.jpg", "receipt-may.jpg"]);
        let c = complete(&format!("{root}photos/receipt-m"), None);
        assert_eq!(c.input, format!("{root}photos/receipt-may.jpg"));
        // Spaces and CJK names; common prefixes on character boundaries.
        let c = complete(&format!("{root}pri"), None);
        assert_eq!(c.input, format!("{root}price list.pdf"));
        let c = complete(&format!("{root}報"), None);
        assert_eq!(c.input, format!("{root}報"));
        assert_eq!(c.choices.len(), 2);
        // Hidden files only when the dot is typed.
        let c = complete(&format!("{root}photos/"), None);
        assert_eq!(c.choices.len(), 2);
        let c = complete(&format!("{root}photos/."), None);
        assert_eq!(c.input, format!("{root}photos/.hidden.png"));
        // Nothing matches, or no such directory: the input stays.
        let c = complete(&format!("{root}zz"), None);
        assert_eq!(c.input, format!("{root}zz"));
        let c = complete("/no/such/dir/x", None);
        assert_eq!(c.input, "/no/such/dir/x");
    }

    #[test]
    fn tilde_is_the_home_directory_and_stays_as_typed() {
        let d = tree();
        let home = Some(d.path());
        assert_eq!(expand("~", home), d.path());
        assert_eq!(expand("~/photos", home), d.path().join("photos"));
        assert_eq!(expand("/tmp/x", home), PathBuf::from("/tmp/x"));
        let c = complete("~/ph", home);
        assert_eq!(c.input, "~/photos/");
        let c = complete("~", home);
        assert_eq!(c.choices.len(), 4, "{:?}", c.choices);
        assert_eq!(c.input, "~/");
    }
}
