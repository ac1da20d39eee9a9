//! The emoji picker's search: fuzzy matching (nucleo) over every emoji's
//! name and shortcodes, from the `emojis` crate's Unicode data.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub emoji: &'static str,
    pub name: &'static str,
    pub shortcode: Option<&'static str>,
}

/// What the picker shows before anything is typed.
const FAVOURITES: &[&str] = &[
    "👍", "🙏", "😊", "❤️", "🎉", "😂", "👌", "🙂", "😅", "🤔", "👀", "✅", "📦", "💡", "🚚", "⏰",
];

struct Entry {
    hay: String,
    hit: Hit,
}

fn entries() -> &'static [Entry] {
    static ALL: OnceLock<Vec<Entry>> = OnceLock::new();
    ALL.get_or_init(|| {
        emojis::iter()
            .map(|e| {
                let codes: Vec<&str> = e.shortcodes().collect();
                Entry {
                    hay: format!("{} {}", e.name(), codes.join(" ")),
                    hit: Hit {
                        emoji: e.as_str(),
                        name: e.name(),
                        shortcode: e.shortcode(),
                    },
                }
            })
            .collect()
    })
}

fn hit_of(s: &str) -> Option<Hit> {
    let e = emojis::get(s)?;
    Some(Hit {
        emoji: e.as_str(),
        name: e.name(),
        shortcode: e.shortcode(),
    })
}

/// Emoji whose name or shortcode matches `query`, best first.
pub fn search(query: &str, limit: usize) -> Vec<Hit> {
    let query = query.trim();
    if query.is_empty() {
        return FAVOURITES
            .iter()
            .filter_map(|s| hit_of(s))
            .take(limit)
            .collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let all = entries();
    let mut scored: Vec<(u32, usize)> = Vec::new();
    let mut buf = Vec::new();
    for (i, e) in all.iter().enumerate() {
        let hay = nucleo_matcher::Utf32Str::new(&e.hay, &mut buf);
        if let Some(score) = pattern.score(hay, &mut matcher) {
            // Prefer names that start with the query.
            let bonus = if e.hit.name.starts_with(query) {
                1000
            } else {
                0
            };
            scored.push((score + bonus, i));
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, i)| all[i].hit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_name_and_shortcode() {
        let hits = search("thumbs up", 5);
        assert_eq!(hits[0].emoji, "👍");
        let hits = search("tada", 5);
        assert!(hits.iter().any(|h| h.emoji == "🎉"), "{hits:?}");
        assert_eq!(search("", 3).len(), 3);
        assert!(search("zzzzqqqq", 5).is_empty());
    }
}
