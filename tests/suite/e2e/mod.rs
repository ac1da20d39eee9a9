//! The real binary in a pseudo-terminal against a real server: keys in,
//! screen out (read through a vt100 parser), and the server checked for
//! what the keys did.
//!
//! The pseudo-terminal harness is here; the tests, by area, below.

use crate::common;

use crate::common::*;
use chatsmart::protocol::*;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod kept;
mod terminal;
mod workflow;

struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Set when the reader has read the pseudo-terminal to its end: after
    /// the program exits, everything it wrote is on the parsed screen.
    drained: Arc<std::sync::atomic::AtomicBool>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Shared, so a test can start the program again in the same home.
    home: Arc<tempfile::TempDir>,
}

const COLS: u16 = 160;

const ROWS: u16 = 48;

impl Tui {
    fn start(server: &str, token: &str) -> Tui {
        Self::spawn(&["--server", server, "--token", token])
    }

    fn spawn(args: &[&str]) -> Tui {
        Self::spawn_in(tempfile::tempdir().unwrap(), args)
    }

    /// Started with `home` as its home directory (config under
    /// `home/config/chatsmart`).
    fn spawn_in(home: tempfile::TempDir, args: &[&str]) -> Tui {
        Self::spawn_shared(Arc::new(home), args)
    }

    /// Started in a home another run may have used (or will use).
    fn spawn_shared(home: Arc<tempfile::TempDir>, args: &[&str]) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_chatsmart"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        cmd.env("XDG_DATA_HOME", home.path().join("data"));
        cmd.env_remove("CHATSMART_SERVER");
        // Whatever keyring this machine has, the tests use the file.
        cmd.env("CHATSMART_NO_KEYRING", "1");
        cmd.env_remove("CHATSMART_TOKEN");
        // No desktop: files are saved, never opened in a window.
        cmd.env_remove("DISPLAY");
        cmd.env_remove("WAYLAND_DISPLAY");
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = Arc::new(Mutex::new(pty.master.take_writer().unwrap()));
        let p = parser.clone();
        let answer = writer.clone();
        let drained = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = drained.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut parser = p.lock().unwrap();
                parser.process(&buf[..n]);
                // Answer cursor-position queries as a terminal does.
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let (row, col) = parser.screen().cursor_position();
                    let mut w = answer.lock().unwrap();
                    let _ = write!(w, "\x1b[{};{}R", row + 1, col + 1);
                    let _ = w.flush();
                }
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        // Keep the master alive for the child's lifetime.
        std::mem::forget(pty.master);
        Tui {
            parser,
            drained,
            writer,
            child,
            home,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text` (10 s at most).
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} on screen"), |s| s.contains(text))
    }

    fn wait_until(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            assert!(
                start.elapsed() <= Duration::from_secs(10),
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, bytes: &str) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(bytes.as_bytes()).unwrap();
        w.flush().unwrap();
        drop(w);
        std::thread::sleep(Duration::from_millis(150));
    }

    fn row_with(&self, text: &str) -> String {
        self.screen()
            .lines()
            .find(|l| l.contains(text))
            .unwrap_or_default()
            .to_string()
    }
}

impl Tui {
    /// Waits for the program to exit; returns whether it succeeded.
    /// Waits for the program to exit and for the reader to have parsed
    /// all it wrote (its last bytes restore the terminal); true when it
    /// exited cleanly.
    fn wait_exit(&mut self) -> bool {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while !self.drained.load(std::sync::atomic::Ordering::SeqCst) {
                    assert!(
                        start.elapsed() < Duration::from_secs(10),
                        "the program's last output was never read"
                    );
                    std::thread::sleep(Duration::from_millis(10));
                }
                return status.success();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the program did not exit; the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// Sends a signal to the program (`KILL`, `HUP`), as a crash or a
    /// dropped SSH session would.
    fn signal(&mut self, sig: &str) {
        let pid = self.child.process_id().expect("the program runs");
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} {pid}");
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "still running after {sig}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The chatroom list's part of the screen: each line up to the list's
/// right border.
fn list_pane(screen: &str) -> String {
    screen
        .lines()
        .map(|l| {
            l.chars()
                .skip(1)
                .take_while(|c| *c != '┃' && *c != '│')
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Polls an async check until it holds (10 s at most).
async fn eventually<F, Fut>(what: &str, f: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !f().await {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
