//! Customer text is hostile until sanitised: nothing a customer writes may
//! drive the terminal. Control characters (C0 and C1, so ESC, CSI, OSC and
//! BEL go), bidirectional overrides and other invisible formatting that
//! could disguise text are removed; tabs become spaces. Newlines are kept
//! only where the caller asks for them.

/// True for characters that must never reach the terminal.
pub fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200E}' | '\u{200F}'               // LRM, RLM
            | '\u{202A}'..='\u{202E}'             // LRE RLE PDF LRO RLO
            | '\u{2066}'..='\u{2069}'             // LRI RLI FSI PDI
            | '\u{061C}'                          // Arabic letter mark
            | '\u{FFF9}'..='\u{FFFB}'             // interlinear annotation
        )
}

/// Removes whole escape sequences, payload included: CSI (`ESC [` or
/// U+009B, up to its final byte), OSC, DCS, APC, PM and SOS (up to BEL or
/// the string terminator), and two-character escapes. What is left can
/// still hold single control characters; the callers drop those.
fn strip_sequences(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains([
        '\u{1b}', '\u{9b}', '\u{9d}', '\u{90}', '\u{9e}', '\u{9f}', '\u{98}',
    ]) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let kind = match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    'c'
                }
                Some(']' | 'P' | '_' | '^' | 'X') => {
                    chars.next();
                    's'
                }
                Some(_) => {
                    chars.next();
                    continue;
                }
                None => continue,
            },
            '\u{9b}' => 'c',
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' | '\u{98}' => 's',
            c => {
                out.push(c);
                continue;
            }
        };
        if kind == 'c' {
            // Parameters and intermediates, then one final byte.
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) || !(' '..='\u{7e}').contains(&c) {
                    break;
                }
            }
        } else {
            // A control string: up to BEL, ST (U+009C) or ESC \\.
            while let Some(c) = chars.next() {
                if c == '\u{7}' || c == '\u{9c}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One line of text: newlines and tabs become spaces, dangerous characters go.
pub fn line(text: &str) -> String {
    let text = strip_sequences(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_dangerous(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Multi-line text: newlines kept (CRLF and CR become LF), tabs become four
/// spaces, dangerous characters go.
pub fn multiline(text: &str) -> String {
    let text = strip_sequences(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if is_dangerous(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever a customer sends, nothing that drives a terminal is left.
        #[test]
        fn no_dangerous_character_survives(text in "(\\PC|[\x00-\x1f\x7f-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}]){0,64}") {
            proptest::prop_assert!(!line(&text).chars().any(is_dangerous));
            proptest::prop_assert!(!multiline(&text).chars().any(|c| is_dangerous(c) && c != '\n'));
        }
    }

    #[test]
    fn escape_sequences_are_removed() {
        let hostile = "hi\x1b[2J\x1b]0;pwned\x07 there\u{9b}31m\u{202E}evil";
        let clean = line(hostile);
        assert!(!clean.chars().any(is_dangerous), "{clean:?}");
        assert!(!clean.contains('\x1b'));
        assert!(clean.starts_with("hi"));
        assert!(clean.contains("there"));
        assert_eq!(
            clean, "hi thereevil",
            "whole sequences go, payload included"
        );
    }

    #[test]
    fn every_kind_of_sequence_goes_whole() {
        assert_eq!(line("a\x1b[1;31mb\x1b[0mc"), "abc");
        assert_eq!(line("a\x1b]52;c;aGk=\x1b\\b"), "ab");
        assert_eq!(line("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        assert_eq!(line("a\x1b7b\x1b8c"), "abc");
        assert_eq!(line("a\u{9d}8;;http://x\u{9c}b"), "ab");
        assert_eq!(line("unterminated \x1b]0;title"), "unterminated ");
        assert_eq!(multiline("keep\nlines\x1b[2J"), "keep\nlines");
    }

    #[test]
    fn multiline_keeps_newlines_and_text() {
        assert_eq!(multiline("a\r\nb\rc\td"), "a\nb\nc    d");
        assert_eq!(multiline("你好 👋🏽 e\u{301}"), "你好 👋🏽 e\u{301}");
    }
}
