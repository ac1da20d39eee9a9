//! Figures that need real processes: the server's own memory with idle
//! WebSocket clients, and the TUI from exec to its first complete frame in
//! a pseudo-terminal.

use super::{ms, size, Options, Row};
use crate::protocol::*;
use crate::server::auth::{new_token, token_hash};
use crate::server::store::prelude::*;
use crate::server::store::Offline;
use crate::server::store::{InboundMessage, NewAgent, SqliteStore};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A database holding an admin (whose token is returned) and `n`
/// conversations, one message each.
async fn seeded(dir: &Path, n: usize) -> anyhow::Result<(PathBuf, String)> {
    let db = dir.join("process.db");
    let store = SqliteStore::open(&db, Offline)?;
    let admin = store
        .create_agent(NewAgent {
            name: "Bench Admin".into(),
            login: "bench".into(),
            role: Role::Admin,
            teams: vec![],
            password_hash: None,
        })
        .await?;
    let token = new_token();
    store
        .add_token(admin.id, token_hash(&token), chrono::Utc::now())
        .await?;
    for i in 0..n {
        store
            .inbound(InboundMessage {
                reach: None,
                tap: None,
                channel: ChannelKind::ALL[i % 4],
                channel_user_id: format!("st-{i}"),
                customer_name: format!("Customer {i}"),
                text: format!("Where is order LH-{i}? 📦"),
                external_id: format!("st-{i}"),
                at: None,
                sent_at: None,
                attachment_id: None,
                account: None,
                reply_token: None,
                media: None,
                bot: None,
            })
            .await?;
    }
    drop(store);
    Ok((db, token))
}

/// `chatsmart serve` on a free loopback port, killed when dropped.
struct ServerProcess {
    child: std::process::Child,
    url: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    async fn start(db: &Path) -> anyhow::Result<ServerProcess> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = std::process::Command::new(std::env::current_exe()?)
            .args([
                "serve",
                "--streams-per-agent",
                "100000",
                "--listen",
                &listen,
                "--db",
            ])
            .arg(db)
            .env("RUST_LOG", "error")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let server = ServerProcess {
            child,
            url: format!("http://{listen}"),
        };
        let health = format!("{}/api/v1/health", server.url);
        let started = Instant::now();
        while reqwest::get(&health).await.is_err() {
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(20),
                "the server process did not answer within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(server)
    }

    /// The server process's resident memory.
    fn rss(&self) -> Option<u64> {
        super::rss_of(&self.child.id().to_string())
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

pub async fn idle_sockets(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let few = size(opts, 200, 20);
    let many = size(opts, 10_000, 200);
    let row = |n: usize, budget: &str| {
        Row::new(
            format!("server memory: the server process with {n} idle WebSocket clients"),
            budget,
        )
    };
    let dir = tempfile::tempdir()?;
    let (db, token) = seeded(dir.path(), 0).await?;
    let server = ServerProcess::start(&db).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let Some(before) = server.rss() else {
        return Ok(vec![
            row(few, "< 100 MB").todo("no /proc here"),
            row(many, "< 300 MB").todo("no /proc here"),
        ]);
    };
    let client = crate::client::Client::new(&server.url, Some(token.clone()))?;
    let mut open = Vec::with_capacity(many);
    let mut rows = Vec::new();
    for (n, budget, limit) in [(few, "< 100 MB", 100), (many, "< 300 MB", 300)] {
        // Each socket is a descriptor here and one in the server.
        if open_files_limit().is_some_and(|l| l < n as u64 + 500) {
            rows.push(row(n, budget).todo(format!("ulimit -n is below {}", n + 500)));
            continue;
        }
        while open.len() < n {
            let mut url = client.events_url(None);
            url.query_pairs_mut().append_pair("token", &token);
            let (ws, _) = tokio_tungstenite::connect_async_with_config(
                url.as_str(),
                Some(crate::client::events::ws_config()),
                true,
            )
            .await?;
            open.push(ws);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = server.rss().unwrap_or(before);
        rows.push(row(n, budget).check(mb(after), after < limit * 1024 * 1024));
        rows.push(
            Row::new(format!("  of which {n} sockets added"), "")
                .info(mb(after.saturating_sub(before))),
        );
    }
    drop(open);
    Ok(rows)
}

/// This process's limit of open files (children inherit it), on Linux.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// What the pseudo-terminal shows, kept up to date by a reader thread that
/// also answers cursor-position queries as a terminal does.
struct Screen {
    parser: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
}

impl Screen {
    fn contents(&self) -> String {
        self.parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }
}

/// From exec to the first complete frame: `chatsmart` (the TUI) started in
/// a 200x50 pseudo-terminal against a `chatsmart serve` process holding
/// `n` conversations; done when the newest conversation and the signed-in
/// agent are both on screen.
pub async fn start_up(opts: &Options) -> anyhow::Result<Vec<Row>> {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::{Read, Write};
    let n = size(opts, 10_000, 500);
    let row = Row::new(
        format!(
            "start-up: process start to the first complete frame, {n} conversations on the server"
        ),
        "< 500 ms",
    );
    let dir = tempfile::tempdir()?;
    let (db, token) = seeded(dir.path(), n).await?;
    let server = ServerProcess::start(&db).await?;
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home)?;
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|e| anyhow::anyhow!("no pseudo-terminal: {e}"))?;
    let mut cmd = CommandBuilder::new(std::env::current_exe()?);
    cmd.args(["--server", &server.url, "--token", &token]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", &home);
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_STATE_HOME", home.join("state"));
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("CHATSMART_NO_KEYRING", "1");
    cmd.env_remove("CHATSMART_SERVER");
    cmd.env_remove("CHATSMART_TOKEN");
    let parser = std::sync::Arc::new(std::sync::Mutex::new(vt100::Parser::new(50, 200, 0)));
    let mut reader = pty
        .master
        .try_clone_reader()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut answer = pty
        .master
        .take_writer()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let start = Instant::now();
    let mut child = pty
        .slave
        .spawn_command(cmd)
        .map_err(|e| anyhow::anyhow!("cannot start the TUI: {e}"))?;
    drop(pty.slave);
    let p = parser.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(k) = reader.read(&mut buf) {
            if k == 0 {
                break;
            }
            let Ok(mut parser) = p.lock() else { break };
            parser.process(&buf[..k]);
            if buf[..k].windows(4).any(|w| w == b"\x1b[6n") {
                let (row, col) = parser.screen().cursor_position();
                let _ = write!(answer, "\x1b[{};{}R", row + 1, col + 1);
                let _ = answer.flush();
            }
        }
    });
    let screen = Screen { parser };
    let newest = format!("Customer {}", n - 1);
    let shown = loop {
        let s = screen.contents();
        if s.contains(&newest) && s.contains("Bench Admin") {
            break Some(start.elapsed());
        }
        if start.elapsed() > Duration::from_secs(20) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    drop(pty.master);
    drop(server);
    let Some(t) = shown else {
        anyhow::bail!(
            "the TUI did not show its first screen within 20 s; it showed:\n{}",
            screen.contents()
        );
    };
    Ok(vec![row.check(ms(t), t < Duration::from_millis(500))])
}

/// A flood of wrong passwords at a real `chatsmart serve` process, from
/// many loopback addresses (so the per-address budgets do not stop them
/// before the password check): the server's peak memory, how long
/// `/api/v1/health` takes meanwhile, and whether a real sign-in works after.
pub async fn login_flood(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let n = size(opts, 300, 40);
    let memory = Row::new(
        format!("login flood: peak server memory during {n} concurrent wrong passwords"),
        "< 300 MB",
    );
    let health_row = Row::new("login flood: slowest /api/v1/health meanwhile", "< 1 s");
    let after_row = Row::new("login flood: a real sign-in right after", "200");
    let dir = tempfile::tempdir()?;
    let (db, _) = seeded(dir.path(), 0).await?;
    {
        let store = SqliteStore::open(&db, Offline)?;
        store
            .create_agent(NewAgent {
                name: "Real Agent".into(),
                login: "real".into(),
                role: Role::Agent,
                teams: vec![],
                password_hash: Some(crate::server::auth::hash_password("correct horse battery")?),
            })
            .await?;
    }
    let server = ServerProcess::start(&db).await?;
    let Some(before) = server.rss() else {
        return Ok(vec![memory.todo("no /proc here")]);
    };
    let login = format!("{}/api/v1/login", server.url);
    let flood: Vec<_> = (0..n)
        .map(|i| {
            let login = login.clone();
            // 127.0.x.y: every address of 127/8 is this machine.
            let from: std::net::IpAddr = format!("127.0.{}.{}", 1 + i / 200, 1 + i % 200)
                .parse()
                .expect("an address");
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .local_address(from)
                    .build()
                    .ok()?;
                let body =
                    serde_json::json!({"login": format!("guess{}", i % 7), "password": "wrong"});
                http.post(login)
                    .json(&body)
                    .send()
                    .await
                    .ok()
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    let mut peak = before;
    let mut slowest = Duration::ZERO;
    let health = format!("{}/api/v1/health", server.url);
    let http = reqwest::Client::new();
    while flood.iter().any(|f| !f.is_finished()) {
        let t = Instant::now();
        let ok = http
            .get(&health)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        slowest = slowest.max(if ok {
            t.elapsed()
        } else {
            Duration::from_secs(5)
        });
        peak = peak.max(server.rss().unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut answered = std::collections::BTreeMap::new();
    for f in flood {
        *answered
            .entry(f.await.ok().flatten().unwrap_or(0))
            .or_insert(0) += 1;
    }
    let real = http
        .post(&login)
        .json(&serde_json::json!({"login": "real", "password": "correct horse battery"}))
        .send()
        .await?
        .status()
        .as_u16();
    let answers: Vec<String> = answered.iter().map(|(s, k)| format!("{k}×{s}")).collect();
    Ok(vec![
        memory.check(mb(peak), peak < 300 * 1024 * 1024),
        Row::new("  answers", "").info(answers.join(", ")),
        health_row.check(ms(slowest), slowest < Duration::from_secs(1)),
        after_row.check(real.to_string(), real == 200),
    ])
}
