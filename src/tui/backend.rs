//! The terminal backend: crossterm's, writing fewer bytes. Over SSH on a
//! slow link every byte of a frame counts, so a frame ends with one reset
//! (not four), and the cursor is shown or hidden only when that changes.

use crossterm::cursor::MoveTo;
use crossterm::queue;
use crossterm::style::{Attribute, Colors, Print, SetAttribute, SetColors};
use ratatui::backend::IntoCrossterm;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::crossterm::style::Color as CColor;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};

pub struct LeanBackend<W: Write> {
    inner: CrosstermBackend<W>,
    /// Whether the cursor shows, once known.
    cursor_visible: Option<bool>,
}

impl<W: Write> LeanBackend<W> {
    pub fn new(writer: W) -> Self {
        LeanBackend {
            inner: CrosstermBackend::new(writer),
            cursor_visible: None,
        }
    }
}

impl<W: Write> Write for LeanBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

/// The attributes of a modifier set, as SGR attributes.
fn attributes(m: Modifier) -> impl Iterator<Item = Attribute> {
    [
        (Modifier::BOLD, Attribute::Bold),
        (Modifier::DIM, Attribute::Dim),
        (Modifier::ITALIC, Attribute::Italic),
        (Modifier::UNDERLINED, Attribute::Underlined),
        (Modifier::SLOW_BLINK, Attribute::SlowBlink),
        (Modifier::RAPID_BLINK, Attribute::RapidBlink),
        (Modifier::REVERSED, Attribute::Reverse),
        (Modifier::HIDDEN, Attribute::Hidden),
        (Modifier::CROSSED_OUT, Attribute::CrossedOut),
    ]
    .into_iter()
    .filter(move |(flag, _)| m.contains(*flag))
    .map(|(_, a)| a)
}

impl<W: Write> Backend for LeanBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // Each frame starts and ends with the terminal's default style.
        let (mut fg, mut bg, mut modifier) = (Color::Reset, Color::Reset, Modifier::empty());
        let mut last: Option<(u16, u16)> = None;
        let w = &mut self.inner;
        for (x, y, cell) in content {
            if !matches!(last, Some((lx, ly)) if x == lx + 1 && y == ly) {
                queue!(w, MoveTo(x, y))?;
            }
            last = Some((x, y));
            if cell.modifier != modifier {
                // Start clean, then set what this cell wants: simpler than
                // undoing attributes one by one, and as short in practice.
                queue!(w, SetAttribute(Attribute::Reset))?;
                for a in attributes(cell.modifier) {
                    queue!(w, SetAttribute(a))?;
                }
                modifier = cell.modifier;
                fg = Color::Reset;
                bg = Color::Reset;
            }
            if cell.fg != fg || cell.bg != bg {
                let f: CColor = cell.fg.into_crossterm();
                let b: CColor = cell.bg.into_crossterm();
                queue!(w, SetColors(Colors::new(f, b)))?;
                fg = cell.fg;
                bg = cell.bg;
            }
            queue!(w, Print(cell.symbol()))?;
        }
        if fg != Color::Reset || bg != Color::Reset || !modifier.is_empty() {
            queue!(w, SetAttribute(Attribute::Reset))?;
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(false) {
            self.inner.hide_cursor()?;
            self.cursor_visible = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(true) {
            self.inner.show_cursor()?;
            self.cursor_visible = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;
    use ratatui::text::{Line, Span};
    use ratatui::widgets::Paragraph;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// What a real terminal shows after these bytes.
    fn screen(bytes: &[u8]) -> vt100::Parser {
        let mut p = vt100::Parser::new(3, 20, 0);
        p.process(bytes);
        p
    }

    #[test]
    fn frames_show_the_same_text_and_styles_with_fewer_bytes() {
        let out = Shared::default();
        let mut term = Terminal::with_options(
            LeanBackend::new(out.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 20, 3)),
            },
        )
        .unwrap();
        let draw = |term: &mut Terminal<LeanBackend<Shared>>, text: &str| {
            term.draw(|f| {
                f.render_widget(
                    Paragraph::new(vec![
                        Line::from(vec![
                            Span::styled("bold", Style::new().bold().red()),
                            Span::raw(" plain "),
                            Span::styled("rev", Style::new().reversed()),
                        ]),
                        Line::from(text.to_string()),
                    ]),
                    f.area(),
                )
            })
            .unwrap();
        };
        draw(&mut term, "hello");
        let first = out.0.lock().unwrap().clone();
        let p = screen(&first);
        let s = p.screen();
        assert_eq!(s.contents(), "bold plain rev\nhello");
        assert!(s.cell(0, 0).unwrap().bold());
        assert_eq!(s.cell(0, 0).unwrap().fgcolor(), vt100::Color::Idx(1));
        assert!(!s.cell(0, 5).unwrap().bold(), "bold does not leak");
        assert!(s.cell(0, 11).unwrap().inverse());
        let text = String::from_utf8_lossy(&first);
        assert!(
            !text.contains("\x1b[59m") && !text.contains("\x1b[39m\x1b[49m"),
            "no redundant resets: {text:?}"
        );
        // The next frame writes only what changed.
        draw(&mut term, "hello!");
        let all = out.0.lock().unwrap().clone();
        let second = &all[first.len()..];
        assert!(second.len() < 16, "{:?}", String::from_utf8_lossy(second));
        assert_eq!(screen(&all).screen().contents(), "bold plain rev\nhello!");
    }
}
