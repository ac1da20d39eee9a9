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

/// One line of text: newlines and tabs become spaces, dangerous characters go.
pub fn line(text: &str) -> String {
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

    #[test]
    fn escape_sequences_are_removed() {
        let hostile = "hi\x1b[2J\x1b]0;pwned\x07 there\u{9b}31m\u{202E}evil";
        let clean = line(hostile);
        assert!(!clean.chars().any(is_dangerous), "{clean:?}");
        assert!(!clean.contains('\x1b'));
        assert!(clean.starts_with("hi"));
        assert!(clean.contains("there"));
    }

    #[test]
    fn multiline_keeps_newlines_and_text() {
        assert_eq!(multiline("a\r\nb\rc\td"), "a\nb\nc    d");
        assert_eq!(multiline("你好 👋🏽 e\u{301}"), "你好 👋🏽 e\u{301}");
    }
}
