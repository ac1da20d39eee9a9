//! The inbox's figures, measured in this process on the real drawing and
//! update code: frame cost, bytes written to the terminal, key to screen,
//! and memory.

use super::{ms, percentile, rss, size, Options, Row};
use crate::protocol::*;
use crate::tui::app::{App, Focus, Pane};
use crate::tui::backend::LeanBackend;
use crate::tui::event::Msg;
use crate::tui::fixtures;
use crate::tui::theme::{ColorDepth, Theme};
use crate::tui::{ui, update};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const W: u16 = 200;
const H: u16 = 50;

fn theme() -> Theme {
    Theme::preset("dark", ColorDepth::TrueColor).expect("the dark theme is valid")
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::empty()))
}

/// Counts what would go to the terminal.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        if std::env::var_os("CHATSMART_BENCH_DUMP").is_some() {
            self.1.lock().expect("not poisoned").extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Counter {
    fn take(&self) -> usize {
        // CHATSMART_BENCH_DUMP=1 shows what was written, to see what to cut.
        let bytes = std::mem::take(&mut *self.1.lock().expect("not poisoned"));
        if !bytes.is_empty() {
            eprintln!("{:?}", String::from_utf8_lossy(&bytes));
        }
        self.0.swap(0, Ordering::Relaxed)
    }
}

/// A terminal of W x H writing escape sequences into a counter.
fn counting_terminal() -> anyhow::Result<(Terminal<LeanBackend<Counter>>, Counter)> {
    let counter = Counter::default();
    let term = Terminal::with_options(
        LeanBackend::new(counter.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, W, H)),
        },
    )?;
    Ok((term, counter))
}

pub fn memory(opts: &Options) -> Vec<Row> {
    let convs = size(opts, 50_000, 5_000);
    let msgs = size(opts, 100_000, 10_000);
    let row = Row::new(
        format!("client memory: {convs} conversations listed, {msgs} messages loaded"),
        "< 150 MB",
    );
    let Some(before) = rss() else {
        return vec![row.todo("no /proc here")];
    };
    let app = fixtures::big_app(convs, msgs);
    let mut term = Terminal::new(TestBackend::new(W, H)).expect("a test terminal");
    let theme = theme();
    let _ = term.draw(|f| ui::draw(&app, &theme, f));
    let after = rss().unwrap_or(before);
    let used = after.saturating_sub(before);
    drop(app);
    let mb = used as f64 / (1024.0 * 1024.0);
    vec![row.check(format!("{mb:.0} MB"), mb < 150.0)]
}

/// Average cost of a frame of the whole screen into TestBackend.
fn frame_cost(app: &App, frames: usize) -> Duration {
    let theme = theme();
    let mut term = Terminal::new(TestBackend::new(W, H)).expect("a test terminal");
    for _ in 0..5 {
        let _ = term.draw(|f| ui::draw(app, &theme, f));
    }
    let start = Instant::now();
    for _ in 0..frames {
        // Clearing makes each frame a full one, not a diff of nothing.
        let _ = term.clear();
        let _ = term.draw(|f| ui::draw(app, &theme, f));
    }
    start.elapsed() / frames as u32
}

pub fn frame_render(opts: &Options) -> Vec<Row> {
    let msgs = size(opts, 100_000, 10_000);
    let frames = size(opts, 200, 20);
    let sizes = [1_000, size(opts, 10_000, 2_000), size(opts, 100_000, 5_000)];
    let mut rows = Vec::new();
    let mut costs = Vec::new();
    for (i, n) in sizes.iter().enumerate() {
        let app = fixtures::big_app(*n, msgs);
        let cost = frame_cost(&app, frames);
        costs.push(cost);
        let what = format!("frame render 200x50, {n} conversations, {msgs} messages open");
        rows.push(if i == sizes.len() - 1 {
            Row::new(what, "< 1 ms").check(ms(cost), cost < Duration::from_millis(1))
        } else {
            Row::new(what, "").info(ms(cost))
        });
    }
    let ratio = costs[2].as_secs_f64() / costs[0].as_secs_f64().max(1e-9);
    rows.push(
        Row::new(format!("frame at {} / frame at 1000", sizes[2]), "< 1.5x")
            .check(format!("{ratio:.2}x"), ratio < 1.5),
    );
    rows
}

pub fn bytes_to_terminal(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let mut app = fixtures::big_app(size(opts, 10_000, 2_000), 1_000);
    let theme = theme();
    let (mut term, count) = counting_terminal()?;
    let draw = |app: &App, term: &mut Terminal<LeanBackend<Counter>>| -> usize {
        let _ = term.draw(|f| ui::draw(app, &theme, f));
        let _ = term.backend_mut().flush();
        count.take()
    };
    // The reply box open with a draft: one character typed.
    update::update(&mut app, key(KeyCode::Char('i')));
    for c in "Thanks for waiting".chars() {
        update::update(&mut app, key(KeyCode::Char(c)));
    }
    let full = draw(&app, &mut term);
    update::update(&mut app, key(KeyCode::Char('!')));
    let typed = draw(&app, &mut term);
    // One move in the list.
    update::update(&mut app, key(KeyCode::Esc));
    app.focus = Focus::Pane(Pane::List);
    draw(&app, &mut term);
    update::update(&mut app, key(KeyCode::Down));
    let list_move = draw(&app, &mut term);
    // One line of conversation scroll.
    app.focus = Focus::Pane(Pane::Chat);
    draw(&app, &mut term);
    update::update(&mut app, key(KeyCode::Up));
    let scroll = draw(&app, &mut term);
    // A customer writes in a conversation that is not open.
    let other = app
        .list
        .view
        .iter()
        .copied()
        .find(|id| Some(*id) != app.open && *id > 5);
    let mut inbound = 0;
    if let Some(id) = other {
        let mut c = app.mirror.convs[&id].conversation.clone();
        c.inbound_count += 1;
        c.last_activity_at = app.now;
        let message = Message {
            tap: None,
            id: 9_999_999,
            conversation_id: id,
            kind: MessageKind::Inbound,
            text: "Is anyone there? 🙏".into(),
            attachment: None,
            author_id: None,
            author_name: None,
            created_at: app.now,
            status: DeliveryStatus::Delivered,
            failure: None,
            client_id: None,
            scheduled_id: None,
        };
        c.last_message = Some(MessagePreview {
            id: message.id,
            kind: message.kind,
            text: message.text.clone(),
            created_at: app.now,
        });
        let seq = app.mirror.last_seq.unwrap_or(0) + 1;
        let at = app.now;
        update::update(
            &mut app,
            Msg::Server(crate::client::StreamUpdate::Event(Box::new(Event {
                seq,
                at,
                kind: EventKind::MessageCreated {
                    conversation: c,
                    message,
                },
            }))),
        );
        inbound = draw(&app, &mut term);
    }
    let _ = term.clear();
    let redraw = draw(&app, &mut term);
    let full = full.max(redraw);
    Ok(vec![
        Row::new("bytes: a typed character", "< 64 B").check(format!("{typed} B"), typed < 64),
        Row::new("bytes: one move in the chatroom list", "< 1 KB")
            .check(format!("{list_move} B"), list_move < 1024),
        Row::new("bytes: one line of conversation scroll", "").info(format!("{scroll} B")),
        Row::new("bytes: a message arrives in another conversation", "")
            .info(format!("{inbound} B")),
        Row::new("bytes: a full redraw at 200x50", "").info(format!("{full} B")),
    ])
}

pub fn key_to_screen(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let convs = size(opts, 50_000, 5_000);
    let presses = size(opts, 2_000, 200);
    let mut app = fixtures::big_app(convs, 1_000);
    app.focus = Focus::Pane(Pane::List);
    let theme = theme();
    let (mut term, count) = counting_terminal()?;
    let _ = term.draw(|f| ui::draw(&app, &theme, f));
    let mut samples = Vec::with_capacity(presses);
    for i in 0..presses {
        // Down the list and back, opening a conversation now and then.
        let k = match i % 40 {
            0..=18 => KeyCode::Down,
            19 => KeyCode::Enter,
            20 => KeyCode::Esc,
            _ => KeyCode::Up,
        };
        let start = Instant::now();
        update::update(&mut app, key(k));
        let _ = term.draw(|f| ui::draw(&app, &theme, f));
        let _ = term.backend_mut().flush();
        samples.push(start.elapsed());
        count.take();
    }
    let p50 = percentile(&mut samples, 50.0);
    let p99 = percentile(&mut samples, 99.0);
    Ok(vec![
        Row::new(format!("key to screen, {convs} conversations, p50"), "").info(ms(p50)),
        Row::new(
            format!("key to screen, {convs} conversations, p99"),
            "< 5 ms",
        )
        .check(ms(p99), p99 < Duration::from_millis(5)),
    ])
}
