//! The terminal inbox. One event loop merges terminal input, server events,
//! answers to requests and a clock tick into messages; `update` turns each
//! into state changes and requests; the screen is redrawn from the state
//! only when something changed.

pub mod app;
pub mod attach;
pub mod backend;
pub mod command;
pub mod customer;
pub mod drafts;
pub mod editor;
pub mod emoji;
pub mod event;
pub mod files;
pub mod fixtures;
pub mod format;
pub mod kept;
pub mod keymap;
pub mod keys_reference;
pub mod layout;
pub mod macros;
pub mod mirror;
pub mod notify;
pub mod offline;
pub mod palette;
pub mod panes;
pub mod paths;
pub mod popups;
pub mod preview;
pub mod replies;
pub mod runner;
pub mod session;
pub mod settings;
pub mod signin;
pub mod standard;
pub mod theme;
pub mod triage;
pub mod ui;
pub mod update;
pub mod when;
pub mod wrap;

use crate::client::Client;
use app::App;
use backend::LeanBackend;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event as TermEvent, EventStream,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen, SetTitle};
use crossterm::ExecutableCommand;
use event::{Effect, Msg};
use futures_util::StreamExt;
use keymap::Keymap;
use ratatui::Terminal;
use std::io::{stdout, Write};
use std::time::Duration;
use theme::{ColorDepth, Theme};
use tokio::sync::mpsc;

/// How the terminal looks and which keys it takes.
#[derive(Debug, Clone)]
pub struct UiConfig {
    pub keymap: String,
    pub theme: String,
    pub enter_sends: bool,
    pub notify: notify::NotifyConfig,
    /// Where attachments are saved (see [`files::default_download_dir`]).
    pub download_dir: std::path::PathBuf,
    /// How image previews are drawn (see [`preview::picker`]).
    pub images: String,
    /// How long an untouched draft is kept.
    pub keep_drafts_days: u32,
    /// Start clean: not where the last session left off.
    pub fresh: bool,
    /// Keep drafts, the outbox, the place and the last known inbox on disk
    /// (not for the demo: its server lives one run, on a new port each time).
    pub keep_state: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            keymap: "default".into(),
            theme: "dark".into(),
            enter_sends: true,
            notify: Default::default(),
            download_dir: files::default_download_dir(),
            images: "auto".into(),
            keep_drafts_days: drafts::KEEP_DAYS,
            fresh: false,
            keep_state: true,
        }
    }
}

/// The keymap and theme in force, with any problems found in the user's
/// files (reported on screen; the defaults fill in).
pub fn load_look(cfg: &UiConfig) -> (Keymap, Theme, Vec<String>) {
    let mut problems = Vec::new();
    let mut km = Keymap::preset(&cfg.keymap).unwrap_or_else(|e| {
        problems.push(e);
        Keymap::preset("default").expect("the default keymap is valid")
    });
    let depth = ColorDepth::detect();
    let mut theme = Theme::preset(&cfg.theme, depth).unwrap_or_else(|e| {
        problems.push(e);
        Theme::preset("dark", depth).expect("the dark theme is valid")
    });
    if let Some(dir) = crate::dirs::config_dir() {
        let user_keys = dir.join("keymap.toml");
        if let Ok(text) = std::fs::read_to_string(&user_keys) {
            problems.extend(km.apply(&user_keys.display().to_string(), &text));
        }
        let user_theme = dir.join("theme.toml");
        if let Ok(text) = std::fs::read_to_string(&user_theme) {
            problems.extend(theme.apply(&user_theme.display().to_string(), &text));
        }
    }
    if !cfg.enter_sends {
        // Enter writes a new line; alt-enter sends.
        problems.extend(km.apply(
            "config.toml",
            "[compose]\n\"enter\" = \"compose.newline\"\n\"alt-enter\" = \"compose.send\"\n",
        ));
    }
    (km, theme, problems)
}

/// Puts the terminal back as it was. Safe to call more than once.
pub fn restore_terminal() {
    let mut out = stdout();
    let _ = out.execute(DisableMouseCapture);
    let _ = out.execute(DisableBracketedPaste);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn init_logging() {
    let dir = crate::dirs::state_dir();
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("chatsmart.log");
    if let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let filter = tracing_subscriber::EnvFilter::try_from_env("CHATSMART_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    }
}

/// Runs the inbox against a server until the agent quits; without a
/// client (no server or token configured) it opens on the sign-in form,
/// with `server` filled in when it is known.
pub async fn run(
    client: Option<Client>,
    cfg: UiConfig,
    server: Option<String>,
) -> anyhow::Result<()> {
    init_logging();
    let (keymap, theme, problems) = load_look(&cfg);
    let base = client
        .as_ref()
        .map(|c| c.base_url().to_string())
        .or(server.clone())
        .unwrap_or_default();
    let mut app = App::new(base, keymap, chrono::Utc::now());
    if client.is_none() {
        signin::open(&mut app, server.as_deref());
    }
    let mut problems_at_start = Vec::new();
    if cfg.keep_state {
        // The drafts of this server, from the last session.
        let drafts_path = drafts::path(&app.config.server);
        match drafts::load(&drafts_path, cfg.keep_drafts_days, chrono::Utc::now()) {
            Ok(kept) => drafts::restore(&mut app, kept),
            Err(e) => problems_at_start.push(e),
        }
        // Where the agent was, unless told to start fresh.
        if !cfg.fresh {
            match kept::read::<session::KeptSession>(
                &kept::path("session", &app.config.server),
                "where you were",
            ) {
                Ok(Some(s)) => session::restore(&mut app, s),
                Ok(None) => {}
                Err(e) => problems_at_start.push(e),
            }
        }
        // The last known inbox: shown at once, and all there is while the
        // server is away.
        if client.is_some() {
            match kept::read::<offline::KeptInbox>(
                &offline::path(&app.config.server),
                "the last known inbox",
            ) {
                Ok(Some(k)) => offline::restore(&mut app, k),
                Ok(None) => {}
                Err(e) => problems_at_start.push(e),
            }
        }
    }
    let (keeper, keeper_thread) = kept::spawn_writer();
    app.config.enter_sends = cfg.enter_sends;
    app.config.notify = cfg.notify;
    app.config.download_dir = cfg.download_dir.clone();
    app.config.desktop_open = files::desktop_opener().is_some();
    if let Some(offset) = local_offset() {
        app.config.tz = offset;
    }
    let (personal, macro_problems) = macros::load_personal();
    let mut problems = problems;
    problems.extend(macro_problems);
    problems.extend(problems_at_start);
    app.config.personal_macros = personal;
    macros::combine(&mut app);
    app.palette_history = palette::load_history();
    if !problems.is_empty() {
        for p in &problems {
            tracing::warn!("config: {p}");
        }
        app.notify(
            format!("config: {}", problems.join("; ")),
            app::Level::Error,
        );
    }

    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        prev_hook(info);
    }));
    terminal::enable_raw_mode()?;
    let _guard = TerminalGuard;
    let mut out = stdout();
    out.execute(EnterAlternateScreen)?;
    out.execute(EnableMouseCapture)?;
    out.execute(EnableBracketedPaste)?;
    let mut term = Terminal::new(LeanBackend::new(stdout()))?;
    term.clear()?;
    let size = term.size()?;
    app.size = (size.width, size.height);

    // After raw mode: asking the terminal (images = "query") needs it.
    let picker = match preview::picker(&cfg.images) {
        Ok(p) => p,
        Err(e) => {
            app.notify(format!("config: {e}"), app::Level::Error);
            preview::picker("auto").ok().flatten()
        }
    };
    app.config.previews_enabled = picker.is_some();
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let runner = runner::Runner::new(client, tx.clone()).with_picker(picker);
    spawn_inputs(tx.clone());

    for fx in update::start(&mut app) {
        runner.perform(fx);
    }
    let mut title = None;
    let mut dirty = true;
    loop {
        if dirty {
            term.draw(|f| ui::draw(&app, &theme, f))?;
            let t = app.total_unread();
            if title != Some(t) {
                let text = if t > 0 {
                    format!("chatsmart ({t})")
                } else {
                    "chatsmart".to_string()
                };
                let _ = stdout().execute(SetTitle(text));
                title = Some(t);
            }
            dirty = false;
        }
        let Some(msg) = rx.recv().await else { break };
        let mut batch = vec![msg];
        // Take whatever else is waiting, so a burst costs one frame.
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
            if batch.len() >= 256 {
                break;
            }
        }
        for msg in batch {
            dirty |= match &msg {
                Msg::Resize(..) => {
                    term.autoresize()?;
                    true
                }
                // The clock redraws only what shows time: once a minute,
                // or while a countdown or a notice is on screen.
                Msg::Tick(now) => {
                    now.timestamp() / 60 != app.now.timestamp() / 60
                        || app.notice.is_some()
                        || matches!(app.conn, app::ConnState::Reconnecting { .. })
                }
                _ => true,
            };
            let mut effects = update::update(&mut app, msg);
            effects.extend(update::keep(&mut app));
            for fx in effects {
                match fx {
                    Effect::Notify(n) => {
                        let mut out = stdout();
                        let _ = out.write_all(notify::encode(&n).as_bytes());
                        let _ = out.flush();
                    }
                    Effect::KeepDrafts(_) | Effect::KeepSession(_) | Effect::KeepCache(_)
                        if !cfg.keep_state => {}
                    Effect::KeepDrafts(k) => {
                        if let Ok(bytes) = serde_json::to_vec(&k) {
                            let _ = keeper.send((drafts::path(&app.config.server), bytes));
                        }
                    }
                    Effect::KeepCache(k) => {
                        if let Ok(bytes) = serde_json::to_vec(&k) {
                            let _ = keeper.send((offline::path(&app.config.server), bytes));
                        }
                    }
                    Effect::KeepSession(k) => {
                        if let Ok(bytes) = serde_json::to_vec(&k) {
                            let _ = keeper.send((kept::path("session", &app.config.server), bytes));
                        }
                    }
                    fx => runner.perform(fx),
                }
            }
        }
        if app.quit {
            break;
        }
    }
    drop(term);
    // The last word on the drafts, written here and now (quit, SIGHUP),
    // after any write still under way.
    drop(keeper);
    let _ = keeper_thread.join();
    if cfg.keep_state {
        if let Err(e) = drafts::write(&drafts::path(&app.config.server), &drafts::snapshot(&app)) {
            eprintln!("chatsmart: cannot keep the drafts: {e:#}");
        }
        if app.cached.is_none() {
            if let Some(k) = offline::snapshot(&app) {
                if let Err(e) = serde_json::to_vec(&k)
                    .map_err(anyhow::Error::from)
                    .and_then(|b| kept::write(&offline::path(&app.config.server), &b))
                {
                    eprintln!("chatsmart: cannot keep the inbox for an offline start: {e:#}");
                }
            }
        }
        if app.mirror.me.is_some() && app.restoring.is_none() {
            let where_ = serde_json::to_vec(&session::snapshot(&app)).unwrap_or_default();
            if let Err(e) = kept::write(&kept::path("session", &app.config.server), &where_) {
                eprintln!("chatsmart: cannot keep where you were: {e:#}");
            }
        }
    }
    palette::save_history(&app.palette_history);
    Ok(())
}

fn local_offset() -> Option<chrono::FixedOffset> {
    Some(*chrono::Local::now().offset())
}

fn spawn_inputs(tx: mpsc::UnboundedSender<Msg>) {
    let keys = tx.clone();
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let msg = match ev {
                Ok(TermEvent::Key(k)) => Msg::Key(k),
                Ok(TermEvent::Mouse(m)) => Msg::Mouse(m),
                Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
                Ok(TermEvent::Paste(p)) => Msg::Paste(p),
                Ok(_) => continue,
                Err(_) => break,
            };
            if keys.send(msg).is_err() {
                break;
            }
        }
    });
    let ticks = tx.clone();
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_secs(1));
        loop {
            iv.tick().await;
            if ticks.send(Msg::Tick(chrono::Utc::now())).is_err() {
                break;
            }
        }
    });
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Msg::Terminate);
    });
}
