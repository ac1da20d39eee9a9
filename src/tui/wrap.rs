//! Wrapping text to a width in terminal cells: words stay whole where they
//! fit, CJK text breaks between any two characters, and a grapheme (an
//! emoji with its modifiers, a letter with its accents) is never split.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Display width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    s.graphemes(true).map(grapheme_width).sum()
}

fn grapheme_width(g: &str) -> usize {
    // Emoji presentation sequences (with VS16 or ZWJ) take two cells in
    // terminals even when their first code point alone is narrow.
    let w = UnicodeWidthStr::width(g);
    if g.chars().count() > 1 && (g.contains('\u{FE0F}') || g.contains('\u{200D}')) {
        w.clamp(2, 2)
    } else {
        w
    }
}

fn is_wide(g: &str) -> bool {
    grapheme_width(g) >= 2
}

/// Wraps `text` (already sanitised; may contain newlines) into lines no
/// wider than `max` cells. Always returns at least one line.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        wrap_para(para, max, &mut out);
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

fn wrap_para(para: &str, max: usize, out: &mut Vec<String>) {
    let mut line = String::new();
    let mut line_w = 0usize;
    // Tokens: a run of spaces, a run of narrow non-space graphemes (a word),
    // or one wide grapheme (CJK, emoji), which may break on either side.
    let mut tokens: Vec<(String, usize, bool)> = Vec::new();
    for g in para.graphemes(true) {
        let w = grapheme_width(g);
        let space = g.chars().all(char::is_whitespace);
        let wide = is_wide(g);
        match tokens.last_mut() {
            Some((t, tw, sp)) if !wide && *sp == space && !t.graphemes(true).any(is_wide) => {
                t.push_str(g);
                *tw += w;
            }
            _ => tokens.push((g.to_string(), w, space)),
        }
    }
    for (tok, w, space) in tokens {
        if space {
            if line_w + w <= max {
                line.push_str(&tok);
                line_w += w;
            } else if !line.is_empty() {
                out.push(line.trim_end().to_string());
                line.clear();
                line_w = 0;
            }
            continue;
        }
        if line_w + w <= max {
            line.push_str(&tok);
            line_w += w;
            continue;
        }
        if w <= max && !line.is_empty() {
            out.push(line.trim_end().to_string());
            line = tok;
            line_w = w;
            continue;
        }
        // Longer than a whole line: split it between graphemes.
        for g in tok.graphemes(true) {
            let gw = grapheme_width(g);
            if line_w + gw > max && !line.is_empty() {
                out.push(line.trim_end().to_string());
                line.clear();
                line_w = 0;
            }
            line.push_str(g);
            line_w += gw;
        }
    }
    out.push(line.trim_end().to_string());
}

/// Cuts `s` to at most `max` cells, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for g in s.graphemes(true) {
        let gw = grapheme_width(g);
        if w + gw > max - 1 {
            break;
        }
        out.push_str(g);
        w += gw;
    }
    out.push('…');
    out
}

/// Keeps the last `max` cells of `s`, starting with `…` when cut (for
/// paths, whose end matters most).
pub fn truncate_start(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut w = 0;
    for g in s.graphemes(true).rev() {
        let gw = grapheme_width(g);
        if w + gw > max - 1 {
            break;
        }
        kept.push(g);
        w += gw;
    }
    kept.reverse();
    format!("…{}", kept.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_start_keeps_the_end() {
        assert_eq!(truncate_start("/home/mei/報價單.pdf", 9), "…價單.pdf");
        assert_eq!(truncate_start("/home/mei/報價單.pdf", 11), "…報價單.pdf");
        assert_eq!(truncate_start("short", 9), "short");
    }

    fn check(lines: &[String], max: usize) {
        for l in lines {
            assert!(width(l) <= max, "{l:?} is wider than {max}");
        }
    }

    #[test]
    fn words_wrap_whole() {
        let l = wrap("the quick brown fox jumps", 10);
        assert_eq!(l, vec!["the quick", "brown fox", "jumps"]);
    }

    #[test]
    fn cjk_breaks_anywhere_and_counts_double() {
        let l = wrap("你好，我的訂單到了嗎？", 8);
        check(&l, 8);
        assert_eq!(l.concat(), "你好，我的訂單到了嗎？");
        assert_eq!(l[0], "你好，我");
    }

    #[test]
    fn emoji_and_combining_marks_are_never_split() {
        let text = "ok 👍🏽👨‍👩‍👧 cafe\u{301} ไทยภาษา";
        for max in 1..12 {
            let l = wrap(text, max.max(2));
            check(&l, max.max(2));
            let joined: String = l.join("");
            assert!(joined.contains("👨‍👩‍👧"), "{l:?}");
            assert!(joined.contains("e\u{301}"));
        }
    }

    #[test]
    fn long_words_split_and_newlines_kept() {
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 10), vec!["a", "", "b"]);
        assert_eq!(wrap("", 10), vec![""]);
    }

    #[test]
    fn truncation_respects_width() {
        assert_eq!(truncate("hello world", 5), "hell…");
        assert_eq!(truncate("你好世界", 5), "你好…");
        assert_eq!(truncate("short", 10), "short");
    }
}
