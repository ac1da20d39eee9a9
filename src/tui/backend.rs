//! The terminal backend: crossterm's, writing fewer bytes, and keeping
//! every script in its cells.
//!
//! Over SSH on a slow link every byte of a frame counts, so a frame ends
//! with one reset (not four), and the cursor is shown or hidden only when
//! that changes.
//!
//! Terminals do not agree with each other, nor with the width tables
//! ratatui lays out by, on some graphemes: Thai vowels and tone marks that
//! join the letter before (SARA AM is a cell of its own in most
//! terminals), Arabic, combining marks, emoji joined with ZWJ, flags. Drawn
//! as a diff, such a row could leave a stray cell behind (the ำ of an
//! earlier frame) or shift what follows. So on a row that holds such a
//! grapheme, now or in the frame before, a change is drawn with the whole
//! run of cells around it, from one safe cell to the next (a space or a
//! border line after a plain cell, in both frames: a pane's edge, a gap
//! between words); and every cell after such a grapheme is placed by an
//! explicit cursor move: whatever width the terminal gives it, nothing after
//! it moves, and nothing of the earlier frame stays. A change in the list
//! does not redraw the chat beside it.

use crossterm::cursor::MoveTo;
use crossterm::queue;
use crossterm::style::{Attribute, Colors, Print, SetAttribute, SetColors};
use ratatui::backend::IntoCrossterm;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::crossterm::style::Color as CColor;
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::{Color, Modifier};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

pub struct LeanBackend<W: Write> {
    inner: CrosstermBackend<W>,
    /// Whether the cursor shows, once known.
    cursor_visible: Option<bool>,
    /// What the terminal was told to show: the last frame, cell by cell.
    shown: Buffer,
    /// How many graphemes of uncertain width each row holds.
    risky_rows: Vec<u32>,
    /// How wide the frames drawn since the last clear are (rows drawn whole
    /// go no further: the terminal may be narrower than the record).
    width: u16,
}

impl<W: Write> LeanBackend<W> {
    pub fn new(writer: W) -> Self {
        LeanBackend {
            inner: CrosstermBackend::new(writer),
            cursor_visible: None,
            shown: Buffer::empty(Rect::ZERO),
            risky_rows: Vec::new(),
            width: 0,
        }
    }

    /// Makes the record of the screen cover (x, y).
    fn cover(&mut self, x: u16, y: u16) {
        let area = self.shown.area;
        if x < area.width && y < area.height {
            return;
        }
        // Generously, so this is rare: the cells are copied where they were.
        let grown = Rect::new(
            0,
            0,
            area.width.max(x.saturating_add(1)).max(80),
            area.height.max(y.saturating_add(1)).max(24),
        );
        let mut next = Buffer::empty(grown);
        for cy in 0..area.height {
            for cx in 0..area.width {
                next[(cx, cy)] = self.shown[(cx, cy)].clone();
            }
        }
        self.shown = next;
        self.risky_rows.resize(grown.height as usize, 0);
    }

    /// Forgets the record: the screen is blank (and may have another size:
    /// the record grows again with what is drawn).
    fn forget(&mut self) {
        self.shown = Buffer::empty(Rect::ZERO);
        self.risky_rows.clear();
        self.width = 0;
    }
}

/// Whether terminals may draw this grapheme wider or narrower than ratatui
/// counts it: several characters in one cell (a letter with its marks, a
/// ZWJ sequence, a flag), or a character from the scripts and symbols
/// where width tables disagree.
pub fn risky(symbol: &str) -> bool {
    let mut chars = symbol.chars();
    match (chars.next(), chars.next()) {
        (Some(_), Some(_)) => true,
        (Some(c), None) => {
            let c = c as u32;
            (0x0300..0x2000).contains(&c) || (0xFE00..0xFE10).contains(&c) || c >= 0x1F000
        }
        _ => false,
    }
}

/// How far right of its own cell a grapheme may reach on some terminal:
/// its width, or, for one of uncertain width, two cells for each of its
/// characters (a terminal that joins nothing draws each on its own).
fn reach(symbol: &str) -> usize {
    if risky(symbol) {
        2 * symbol.chars().count()
    } else {
        symbol.width().max(1)
    }
}

/// A row's symbols in this frame, and for each cell the first cell nothing
/// before it can reach, in this frame and the one before.
type RowReach<'a> = (Vec<&'a str>, Vec<usize>, Vec<usize>);

/// For each cell of a row, the first cell nothing before it can reach.
fn reached(cells: impl Iterator<Item = impl AsRef<str>>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut far = 0;
    for (x, symbol) in cells.enumerate() {
        out.push(far);
        far = far.max(x + reach(symbol.as_ref()));
    }
    out
}

/// Whether a cell is a safe place for a run to stop: a plain space or
/// border line, in the frame and in the one before, that nothing before it
/// on the row can reach on any terminal (`reach_now`, `reach_before`).
/// Past either edge of the row counts as safe.
fn safe_cell(
    now: &[&str],
    before: &[Cell],
    reach_now: &[usize],
    reach_before: &[usize],
    x: usize,
) -> bool {
    let plain = |s: &str| {
        let mut chars = s.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if c == ' ' || ('\u{2500}'..='\u{257F}').contains(&c))
    };
    if x >= now.len() || x >= before.len() {
        return true;
    }
    plain(now[x]) && plain(before[x].symbol()) && reach_now[x] <= x && reach_before[x] <= x
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

/// The style in force on the terminal, and where its cursor is known to be.
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
    /// The cell the cursor stands on, when known.
    at: Option<(u16, u16)>,
}

impl Pen {
    /// Draws `cell` at (x, y), moving the cursor only when it is not there.
    fn put<W: Write>(&mut self, w: &mut W, x: u16, y: u16, cell: &Cell) -> io::Result<()> {
        if self.at != Some((x, y)) {
            queue!(w, MoveTo(x, y))?;
        }
        if cell.modifier != self.modifier {
            // Start clean, then set what this cell wants: simpler than
            // undoing attributes one by one, and as short in practice.
            queue!(w, SetAttribute(Attribute::Reset))?;
            for a in attributes(cell.modifier) {
                queue!(w, SetAttribute(a))?;
            }
            self.modifier = cell.modifier;
            self.fg = Color::Reset;
            self.bg = Color::Reset;
        }
        if cell.fg != self.fg || cell.bg != self.bg {
            let f: CColor = cell.fg.into_crossterm();
            let b: CColor = cell.bg.into_crossterm();
            queue!(w, SetColors(Colors::new(f, b)))?;
            self.fg = cell.fg;
            self.bg = cell.bg;
        }
        let symbol = cell.symbol();
        queue!(w, Print(symbol))?;
        // After a grapheme of uncertain width, where the cursor went is not
        // known: the next cell is placed explicitly.
        self.at = (!risky(symbol)).then(|| (x + symbol.width().max(1) as u16, y));
        Ok(())
    }
}

impl<W: Write> Backend for LeanBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let updates: Vec<(u16, u16, &Cell)> = content.collect();
        if let Some(right) = updates.iter().map(|(x, _, _)| *x).max() {
            self.width = self.width.max(right + 1);
        }
        for (x, y, _) in &updates {
            self.cover(*x, *y);
        }
        // Rows that hold, or held, a grapheme of uncertain width: what they
        // showed before, to find the safe cells around each change.
        let mut old: HashMap<u16, Vec<Cell>> = HashMap::new();
        for (_, y, cell) in &updates {
            if !old.contains_key(y) && (self.risky_rows[*y as usize] > 0 || risky(cell.symbol())) {
                let row = (0..self.shown.area.width)
                    .map(|cx| self.shown[(cx, *y)].clone())
                    .collect();
                old.insert(*y, row);
            }
        }
        for (x, y, cell) in &updates {
            let before = risky(self.shown[(*x, *y)].symbol());
            let after = risky(cell.symbol());
            let n = &mut self.risky_rows[*y as usize];
            *n = *n + u32::from(after) - u32::from(before);
            self.shown[(*x, *y)] = (*cell).clone();
            // The cells a wide grapheme covers are blank in the frame (the
            // diff never sends them): so in the record too.
            let covered = cell.symbol().width().saturating_sub(1) as u16;
            for cx in (x + 1)..(x + 1 + covered).min(self.shown.area.width) {
                if risky(self.shown[(cx, *y)].symbol()) {
                    self.risky_rows[*y as usize] -= 1;
                }
                self.shown[(cx, *y)].reset();
            }
        }
        // On those rows, each change is drawn with its run: from the safe
        // cell before it to the safe cell after it.
        let limit = self.width.min(self.shown.area.width);
        let mut runs: BTreeMap<u16, Vec<(u16, u16)>> = BTreeMap::new();
        // Per row, worked out once: its symbols now and how far each cell
        // may reach, now and before.
        let mut rows: HashMap<u16, RowReach> = HashMap::new();
        for (x, y, _) in &updates {
            let Some(before) = old.get(y) else { continue };
            // Already inside a run found for an earlier change.
            if runs
                .get(y)
                .and_then(|r| r.last())
                .is_some_and(|(s, e)| (*s..*e).contains(x))
            {
                continue;
            }
            let (now, reach_now, reach_before) = rows.entry(*y).or_insert_with(|| {
                let now: Vec<&str> = (0..self.shown.area.width)
                    .map(|cx| self.shown[(cx, *y)].symbol())
                    .collect();
                let reach_now = reached(now.iter());
                (now, reach_now, reached(before.iter().map(Cell::symbol)))
            });
            let safe = |c: u16| safe_cell(now, before, reach_now, reach_before, c as usize);
            let mut start = *x;
            while start > 0 && !safe(start - 1) {
                start -= 1;
            }
            let mut end = *x + 1;
            while end < limit && !safe(end) {
                end += 1;
            }
            runs.entry(*y).or_default().push((start, end.max(*x + 1)));
        }
        // Each frame starts and ends with the terminal's default style.
        let mut pen = Pen {
            fg: Color::Reset,
            bg: Color::Reset,
            modifier: Modifier::empty(),
            at: None,
        };
        let w = &mut self.inner;
        for (x, y, cell) in &updates {
            if !runs.contains_key(y) {
                pen.put(w, *x, *y, cell)?;
            }
        }
        for (y, mut spans) in runs {
            spans.sort_unstable();
            let mut drawn_to = 0;
            for (start, end) in spans {
                let mut x = start.max(drawn_to);
                while x < end.min(self.shown.area.width) {
                    let cell = &self.shown[(x, y)];
                    pen.put(w, x, y, cell)?;
                    // A wide grapheme covers the cells after it.
                    x += cell.symbol().width().max(1) as u16;
                }
                drawn_to = drawn_to.max(x);
            }
        }
        if pen.fg != Color::Reset || pen.bg != Color::Reset || !pen.modifier.is_empty() {
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
        self.forget();
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        if clear_type == ClearType::All {
            self.forget();
        }
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
                );
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

    /// Whether the terminal shows the frame: every grapheme ratatui placed
    /// starts in its cell (nothing shifted), and every cell the frame leaves
    /// blank is blank on the terminal (nothing left over from an earlier
    /// frame), but where a grapheme of uncertain width just before may
    /// spill, as the terminal draws it.
    fn same_as_buffer(p: &vt100::Parser, buf: &ratatui::buffer::Buffer) -> Result<(), String> {
        let s = p.screen();
        let area = buf.area;
        for y in 0..area.height {
            let mut x = 0;
            // How far the last grapheme of uncertain width may reach.
            let mut spill = 0u16;
            while x < area.width {
                let want = buf[(x, y)].symbol();
                let got = s.cell(y, x).map(vt100::Cell::contents).unwrap_or_default();
                let width = unicode_width::UnicodeWidthStr::width(want).max(1) as u16;
                let bad = if want.trim().is_empty() {
                    x >= spill && !got.trim().is_empty()
                } else {
                    // The first character at least: a terminal may split a
                    // grapheme over cells (SARA AM) or drop what it cannot
                    // join (ZWJ).
                    !got.starts_with(want.chars().next().unwrap_or(' '))
                };
                if bad {
                    return Err(format!(
                        "row {y} col {x}: the terminal has {got:?}, the frame {want:?}\n{}",
                        s.contents()
                    ));
                }
                if risky(want) {
                    // ZWJ sequences may take two cells a person.
                    spill = x + 2 * want.chars().count() as u16;
                }
                x += width;
            }
        }
        Ok(())
    }

    /// Thai (vowels and tone marks that join the letter before, and SARA
    /// AM), Arabic, CJK, emoji with ZWJ and flags: after any sequence of
    /// frames, scrolled, replaced or cleared, the terminal shows exactly the
    /// frame: no stray or shifted cells.
    #[test]
    fn every_script_leaves_the_terminal_exactly_as_the_frame() {
        let lines = [
            "สมชาย ใจดี ส่งใบนำส่งสำหรับคืนสินค้า",
            "ขอบคุณค่ะ ใบกำกับภาษีจะส่งไปทางอีเมล",
            "مرحبا، أين طلبي؟ شكرا",
            "你好，我的訂單 #LH-20431 到了嗎？📦",
            "👨‍👩‍👧‍👦 family 🇹🇭 🇯🇵 flags 👍🏽 ok",
            "plain ascii row for contrast",
            "配送先の住所を変更できますか？",
            "นภัสสร จันทร์เพ็ญ ทางเราจะติดตามให้จนถึงมือ",
        ];
        let (w, h) = (44u16, 6u16);
        let out = Shared::default();
        let mut term = Terminal::with_options(
            LeanBackend::new(out.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
            },
        )
        .unwrap();
        let mut p = vt100::Parser::new(h, w, 0);
        let mut seen = 0;
        // Scroll through the rows one by one, then shift them sideways,
        // then blank some: what a list does as it scrolls and updates.
        for frame in 0..(lines.len() * 3) {
            let start = frame % lines.len();
            let indent = (frame / lines.len()) * 3;
            let rows: Vec<Line> = (0..h as usize)
                .map(|r| {
                    if frame >= lines.len() * 2 && r % 2 == 1 {
                        Line::from("")
                    } else {
                        let text = lines[(start + r) % lines.len()];
                        Line::from(format!("{}{text}", " ".repeat(indent)))
                    }
                })
                .collect();
            let done = term
                .draw(|f| f.render_widget(Paragraph::new(rows), f.area()))
                .unwrap();
            let buf = done.buffer.clone();
            let all = out.0.lock().unwrap().clone();
            p.process(&all[seen..]);
            seen = all.len();
            if let Err(e) = same_as_buffer(&p, &buf) {
                panic!("frame {frame}: {e}");
            }
        }
    }

    /// A change on one side of a pane's edge redraws its own run, not the
    /// Thai and emoji beside it; and the screen is still exactly the frame.
    #[test]
    fn a_change_redraws_its_run_not_the_pane_beside_it() {
        let (w, h) = (60u16, 4u16);
        let out = Shared::default();
        let mut term = Terminal::with_options(
            LeanBackend::new(out.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
            },
        )
        .unwrap();
        let mut p = vt100::Parser::new(h, w, 0);
        let mut seen = 0;
        let chat = ["ขอบคุณค่ะ 🙏🏽 ครับ", "👨‍👩‍👧 家族 ok", "สมชาย ใจดี", "plain"];
        for selected in 0..4 {
            let rows: Vec<Line> = (0..h as usize)
                .map(|r| {
                    let mark = if r == selected { ">" } else { " " };
                    Line::from(format!("{mark} 陳美玲 row{r}      │ {}", chat[r]))
                })
                .collect();
            let done = term
                .draw(|f| f.render_widget(Paragraph::new(rows), f.area()))
                .unwrap();
            let buf = done.buffer.clone();
            let all = out.0.lock().unwrap().clone();
            let frame = String::from_utf8_lossy(&all[seen..]).into_owned();
            p.process(&all[seen..]);
            seen = all.len();
            if let Err(e) = same_as_buffer(&p, &buf) {
                panic!("frame {selected}: {e}");
            }
            if selected > 0 {
                assert!(frame.contains('>'), "the new selection is drawn");
                for text in chat {
                    let first: String = text.chars().take(2).collect();
                    assert!(
                        !frame.contains(&first),
                        "frame {selected} redrew the chat beside the list: {frame:?}"
                    );
                }
            }
        }
    }
}
