//! A small multi-line text buffer with a cursor, for the compose box and
//! the one-line fields (search, picker filters). Positions are byte offsets
//! kept on grapheme boundaries, so the cursor never splits an emoji or a
//! letter with its accent.

use unicode_segmentation::UnicodeSegmentation;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editor {
    text: String,
    cursor: usize,
}

impl Editor {
    /// Applies an `input.*` command (cursor moves and deletions); says
    /// whether it was one. The one place editing keys act on a text field.
    pub fn apply(&mut self, cmd: super::command::Command) -> bool {
        use super::command::Command as C;
        match cmd {
            C::InputLeft => self.left(),
            C::InputRight => self.right(),
            C::InputUp => self.up(),
            C::InputDown => self.down(),
            C::InputHome => self.home(),
            C::InputEnd => self.end(),
            C::InputWordLeft => self.word_left(),
            C::InputWordRight => self.word_right(),
            C::InputBackspace => self.backspace(),
            C::InputDelete => self.delete(),
            C::InputDeleteWord => self.delete_word(),
            C::InputClearLine => self.clear_line(),
            _ => return false,
        }
        true
    }

    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_text(text: &str) -> Self {
        Editor {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Puts the cursor at a byte offset: the nearest character boundary at
    /// or before it, within the text.
    pub fn set_cursor(&mut self, at: usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        self.cursor = at;
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Takes the text out, leaving the editor empty.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    pub fn insert(&mut self, s: &str) {
        self.text.insert_str(self.cursor, s);
        self.cursor += s.len();
    }

    pub fn insert_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.insert(c.encode_utf8(&mut buf));
    }

    fn prev_boundary(&self, from: usize) -> usize {
        self.text[..from]
            .grapheme_indices(true)
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next_boundary(&self, from: usize) -> usize {
        self.text[from..]
            .graphemes(true)
            .next()
            .map(|g| from + g.len())
            .unwrap_or(self.text.len())
    }

    pub fn left(&mut self) {
        self.cursor = self.prev_boundary(self.cursor);
    }

    pub fn right(&mut self) {
        self.cursor = self.next_boundary(self.cursor);
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map(|i| at + i)
            .unwrap_or(self.text.len())
    }

    pub fn home(&mut self) {
        self.cursor = self.line_start(self.cursor);
    }

    pub fn end(&mut self) {
        self.cursor = self.line_end(self.cursor);
    }

    /// Column of the cursor in graphemes within its line.
    fn column(&self) -> usize {
        self.text[self.line_start(self.cursor)..self.cursor]
            .graphemes(true)
            .count()
    }

    fn move_to_column(&mut self, line_start: usize, col: usize) {
        let end = self.line_end(line_start);
        let mut pos = line_start;
        for g in self.text[line_start..end].graphemes(true).take(col) {
            pos += g.len();
        }
        self.cursor = pos;
    }

    pub fn up(&mut self) {
        let start = self.line_start(self.cursor);
        if start == 0 {
            self.cursor = 0;
            return;
        }
        let col = self.column();
        let prev_start = self.line_start(start - 1);
        self.move_to_column(prev_start, col);
    }

    pub fn down(&mut self) {
        let end = self.line_end(self.cursor);
        if end == self.text.len() {
            self.cursor = end;
            return;
        }
        let col = self.column();
        self.move_to_column(end + 1, col);
    }

    pub fn word_left(&mut self) {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end();
        self.cursor = trimmed
            .rfind(char::is_whitespace)
            .map(|i| i + trimmed[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0);
    }

    pub fn word_right(&mut self) {
        let after = &self.text[self.cursor..];
        let skip_ws = after.len() - after.trim_start().len();
        let rest = &after[skip_ws..];
        let word = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.cursor += skip_ws + word;
    }

    pub fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        let prev = self.prev_boundary(self.cursor);
        self.text.replace_range(prev..self.cursor, "");
        self.cursor = prev;
    }

    pub fn delete(&mut self) {
        if self.cursor >= self.text.len() {
            return;
        }
        let next = self.next_boundary(self.cursor);
        self.text.replace_range(self.cursor..next, "");
    }

    pub fn delete_word(&mut self) {
        let end = self.cursor;
        self.word_left();
        self.text.replace_range(self.cursor..end, "");
    }

    pub fn clear_line(&mut self) {
        let start = self.line_start(self.cursor);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Replaces `:shortcode:` just before the cursor with its emoji, if the
    /// shortcode is known. Returns whether it did.
    pub fn expand_shortcode(&mut self) -> bool {
        let before = &self.text[..self.cursor];
        let Some(body) = before.strip_suffix(':') else {
            return false;
        };
        let Some(open) = body.rfind(':') else {
            return false;
        };
        let name = &body[open + 1..];
        if name.is_empty()
            || name.len() > 40
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '+')
        {
            return false;
        }
        let Some(emoji) = emojis::get_by_shortcode(name) else {
            return false;
        };
        let start = open;
        self.text.replace_range(start..self.cursor, emoji.as_str());
        self.cursor = start + emoji.as_str().len();
        true
    }

    /// (line index, display column) of the cursor, for placing the
    /// terminal cursor in an unwrapped view.
    pub fn cursor_line_col(&self) -> (usize, usize) {
        let line = self.text[..self.cursor].matches('\n').count();
        let start = self.line_start(self.cursor);
        let col = unicode_width::UnicodeWidthStr::width(&self.text[start..self.cursor]);
        (line, col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_respect_graphemes() {
        let mut e = Editor::new();
        e.insert("hi 👋🏽 e\u{301}");
        e.backspace();
        assert_eq!(e.text(), "hi 👋🏽 ");
        e.left();
        e.left();
        assert_eq!(e.cursor(), 3, "before the emoji, not inside it");
        e.left();
        assert_eq!(e.cursor(), 2);
        e.delete();
        assert_eq!(e.text(), "hi👋🏽 ");
        e.end();
        e.insert("ok");
        assert_eq!(e.text(), "hi👋🏽 ok");
    }

    #[test]
    fn lines_and_words() {
        let mut e = Editor::with_text("first line\nsecond");
        e.up();
        assert_eq!(e.cursor_line_col(), (0, 6));
        e.home();
        assert_eq!(e.cursor(), 0);
        e.word_right();
        assert_eq!(e.cursor(), 5);
        e.down();
        assert_eq!(e.cursor_line_col(), (1, 5));
        e.end();
        e.delete_word();
        assert_eq!(e.text(), "first line\n");
        e.insert("x y");
        e.clear_line();
        assert_eq!(e.text(), "first line\n");
        assert_eq!(e.take(), "first line\n");
        assert!(e.is_empty());
    }

    #[test]
    fn shortcodes_expand() {
        let mut e = Editor::new();
        e.insert("thanks :thumbsup:");
        assert!(e.expand_shortcode());
        assert_eq!(e.text(), "thanks 👍");
        e.insert(" :nosuchthing:");
        assert!(!e.expand_shortcode());
        e.insert(" 10:30:");
        assert!(!e.expand_shortcode());
    }
}
