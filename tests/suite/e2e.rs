//! The real binary in a pseudo-terminal against a real server: keys in,
//! screen out (read through a vt100 parser), and the server checked for
//! what the keys did.

use crate::common;

use crate::common::*;
use chatsmart::protocol::*;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
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
        });
        // Keep the master alive for the child's lifetime.
        std::mem::forget(pty.master);
        Tui {
            parser,
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
    fn wait_exit(&mut self) -> bool {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the program did not exit"
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_works_a_conversation_from_the_keyboard() {
    let t = TestServer::start().await;
    t.inbound(
        ChannelKind::Whatsapp,
        "85290000001",
        "Olivia Old",
        "an older question",
        "e-0",
    )
    .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Olivia Old");

    // A new customer writes in: the row appears with its unread count.
    let acc = t
        .inbound(
            ChannelKind::Line,
            "U-e2e",
            "Zed Customer",
            "hello from the e2e test",
            "e-1",
        )
        .await;
    tui.wait_for("Zed Customer");
    let row = tui.row_with("Zed Customer");
    assert!(row.contains(" 1 "), "unread count beside the name: {row:?}");
    assert!(tui.screen().contains("hello from the e2e test"));

    // Opening it shows the history and clears the count, here and on the server.
    tui.keys("g\r");
    tui.wait_for("Bot ● on");
    let alice = t.alice.client.clone();
    let conv = acc.conversation_id;
    eventually("the server to count it read", || {
        let c = alice.clone();
        async move { c.conversation(conv).await.unwrap().unread == 0 }
    })
    .await;
    tui.wait_until("the unread count to go", |s| {
        s.lines()
            .find(|l| l.contains("Zed Customer") && l.contains("LINE"))
            .is_some_and(|l| !l.contains(" 1 "))
    });

    // A typed reply reaches the server and shows in the conversation.
    tui.keys("i");
    tui.keys("Hi Zed, happy to help :smile:");
    tui.keys("\r");
    eventually("the reply on the server", || {
        let c = alice.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| m.kind == MessageKind::Agent && m.text == "Hi Zed, happy to help 😄")
        }
    })
    .await;
    tui.wait_for("Hi Zed, happy to help");
    // Replying took the conversation from the bot.
    tui.wait_for("bot turned off: Alice Wong replied");
    tui.wait_for("Bot ○ off");

    // b toggles the bot; the header follows.
    tui.keys("\x1b");
    tui.keys("b");
    tui.wait_for("Bot ● on");
    assert!(
        alice
            .conversation(conv)
            .await
            .unwrap()
            .conversation
            .bot_active
    );
    tui.keys("b");
    tui.wait_for("Bot ○ off");

    // Assign to Alice from the picker: it moves between the assignment filters.
    tui.keys("a");
    tui.wait_for("Assignees");
    tui.keys("j\r");
    eventually("the assignment on the server", || {
        let c = alice.clone();
        async move {
            c.conversation(conv)
                .await
                .unwrap()
                .conversation
                .is_assigned_to(1 + 1)
        }
    })
    .await;
    tui.keys("\x1b");
    tui.keys("\x1b");
    tui.keys("n");
    tui.wait_until("New requests without Zed", |s| {
        s.contains("New requests")
            && !list_pane(s).contains("Zed Customer")
            && list_pane(s).contains("Olivia Old")
    });
    tui.keys("m");
    tui.wait_until("Assigned to me with Zed", |s| {
        s.contains("Assigned to me")
            && list_pane(s).contains("Zed Customer")
            && !list_pane(s).contains("Olivia Old")
    });

    // The help popup lists the keymap in force.
    tui.keys("?");
    let s = tui.wait_for("Keys in force");
    assert!(s.contains("Quit chatsmart  (app.quit)"), "{s}");
    tui.keys("\x1b");

    // Quitting restores the terminal and exits cleanly.
    tui.keys("q");
    assert!(tui.wait_exit(), "a clean exit");
    let p = tui.parser.lock().unwrap();
    assert!(!p.screen().alternate_screen(), "left the alternate screen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_restores_the_terminal() {
    let t = TestServer::start().await;
    let mut tui = Tui::start(&t.url(), &t.bob.token);
    tui.wait_for("connected");
    assert!(tui.parser.lock().unwrap().screen().alternate_screen());
    let pid = tui.child.process_id().unwrap();
    let killed = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    tui.wait_exit();
    std::thread::sleep(Duration::from_millis(200));
    let p = tui.parser.lock().unwrap();
    assert!(!p.screen().alternate_screen(), "left the alternate screen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_keeps_a_token_only_the_user_can_read() {
    let t = TestServer::start().await;
    let url = t.url();
    let mut tui = Tui::spawn(&["login", "--server", &url]);
    tui.wait_for("Login:");
    tui.keys("alice.wong\r");
    tui.wait_for("Password:");
    tui.keys(&format!("{PASSWORD}\r"));
    assert!(tui.wait_exit(), "login succeeds: {}", tui.screen());
    assert!(
        !tui.screen().contains(PASSWORD),
        "the password is not echoed"
    );
    let dir = tui.home().join("config").join("chatsmart");
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(config.contains(&url), "{config}");
    assert!(config.contains("token_file"), "{config}");
    let token_path = dir.join("token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let token = std::fs::read_to_string(&token_path).unwrap();
    let client = chatsmart::client::Client::new(&url, Some(token)).unwrap();
    assert_eq!(client.me().await.unwrap().agent.name, "Alice Wong");

    // A wrong password says so.
    let mut tui = Tui::spawn(&["login", "--server", &url, "--login", "alice.wong"]);
    tui.wait_for("Password:");
    tui.keys("wrong\r");
    assert!(!tui.wait_exit());
    tui.wait_for("wrong login or password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_reply_chosen_in_the_picker_reaches_the_customer() {
    let t = TestServer::start().await;
    let folder = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Shipping".into(),
            channels: vec![ChannelKind::Line],
            ..Default::default()
        })
        .await
        .unwrap();
    t.admin
        .client
        .add_standard_message(
            folder.id,
            "Hi {{customer.name}}, your parcel ships today 📦",
        )
        .await
        .unwrap();
    let acc = t
        .inbound(
            ChannelKind::Line,
            "U-std",
            "Mei Chan",
            "where is my parcel?",
            "std-1",
        )
        .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Mei Chan");
    tui.keys("g\r");
    tui.wait_for("where is my parcel?");
    tui.keys("s");
    tui.wait_for("Standard replies");
    tui.keys("/parcel");
    tui.wait_for("Hi Mei Chan, your parcel ships today");
    tui.keys("\x1b\r"); // alt-enter: send at once
    let alice = t.alice.client.clone();
    let conv = acc.conversation_id;
    eventually("the standard reply on the server", || {
        let c = alice.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| {
                    m.kind == MessageKind::Agent
                        && m.text == "Hi Mei Chan, your parcel ships today 📦"
                })
        }
    })
    .await;
    tui.keys("q");
    assert!(tui.wait_exit());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_panel_edits_are_seen_by_a_second_client() {
    let t = TestServer::start().await;
    let acc = t
        .inbound(ChannelKind::Line, "U-cust", "Ken Ito", "hello", "cp-1")
        .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Ken Ito");
    tui.keys("g\r");
    tui.wait_for("First seen");
    // Focus the panel, edit the email (Name, then Email).
    tui.keys("3");
    tui.keys("j");
    tui.keys("e");
    tui.keys("ken@example.com\r");
    tui.wait_for("ken@example.com");
    // A tag created on the spot, then a note.
    tui.keys("t");
    tui.wait_for("Add a tag");
    tui.keys("Wholesale");
    tui.wait_for("create the tag");
    tui.keys("\r");
    tui.wait_for("#Wholesale");
    tui.keys("n");
    tui.wait_for("New note");
    tui.keys("Prefers Japanese\r");
    tui.wait_for("Prefers Japanese");

    // A second client sees all three.
    let bob = t.bob.client.clone();
    let customer = acc.customer_id;
    eventually("the edits on the server", || {
        let c = bob.clone();
        async move {
            let cu = c.customer(customer).await.unwrap();
            let notes = c.notes(customer).await.unwrap();
            cu.email.as_deref() == Some("ken@example.com")
                && cu.tags.iter().any(|t| t.name == "Wholesale")
                && notes
                    .iter()
                    .any(|n| n.text == "Prefers Japanese" && n.author_name == "Alice Wong")
        }
    })
    .await;
    tui.keys("\x1b");
    tui.keys("q");
    assert!(tui.wait_exit());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_jumps_to_the_unread_one_and_assigns_three_in_one_action() {
    let t = TestServer::start().await;
    let mut ids = Vec::new();
    for (i, name) in ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]
        .iter()
        .enumerate()
    {
        let acc = t
            .inbound(
                ChannelKind::Line,
                &format!("U-tri-{i}"),
                name,
                &format!("question {i}"),
                &format!("tri-{i}"),
            )
            .await;
        ids.push(acc.conversation_id);
    }
    let alice = t.alice.client.clone();
    // Everything read but Ben's.
    for (i, id) in ids.iter().enumerate() {
        if i != 1 {
            alice.mark_read(*id).await.unwrap();
        }
    }
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Eve Five");

    // One key opens the next unread conversation.
    tui.keys("u");
    tui.wait_until("Ben's conversation open", |s| {
        s.contains("question 1")
            && s.lines()
                .any(|l| l.contains("Ben Two") && l.contains("Bot ●"))
    });

    // Mark three from the top, and assign them all to Bob at once.
    tui.keys("1");
    tui.keys("g");
    tui.keys(" ");
    tui.keys(" ");
    tui.keys(" ");
    tui.wait_for("3 marked");
    tui.keys("a");
    tui.wait_for("Assign 3 marked conversations");
    tui.keys("j");
    tui.keys("j");
    tui.keys("\r");
    tui.wait_for("Assign Bob Chen to 3 conversations?");
    tui.keys("y");
    let bob = t.bob.agent.id;
    eventually("three assigned to Bob on the server", || {
        let c = alice.clone();
        async move {
            let page = c
                .conversations(&ConversationQuery::default())
                .await
                .unwrap();
            page.items
                .iter()
                .filter(|r| r.conversation.is_assigned_to(bob))
                .count()
                == 3
        }
    })
    .await;
    // Newest first: Eve, Dan and Cat were the top three.
    for id in &ids[2..] {
        assert!(alice
            .conversation(*id)
            .await
            .unwrap()
            .conversation
            .is_assigned_to(bob));
    }
    tui.wait_until("the marks cleared", |s| !s.contains("marked"));

    // A typed command acts on the selected row and is remembered.
    tui.keys("g");
    tui.keys(":");
    tui.wait_for("Command");
    tui.keys("priority urg");
    tui.wait_for(":priority urgent");
    tui.keys("\r");
    let top = ids[4];
    eventually("the priority on the server", || {
        let c = alice.clone();
        async move { c.conversation(top).await.unwrap().conversation.priority == Priority::Urgent }
    })
    .await;
    tui.wait_for("URGENT");
    tui.keys("q");
    assert!(tui.wait_exit());
    let history =
        std::fs::read_to_string(tui.home().join("state/chatsmart/palette_history")).unwrap();
    assert_eq!(history, "priority urgent\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_attached_in_the_terminal_reaches_the_server_and_a_customer_file_is_saved() {
    let t = TestServer::start().await;
    let photo_bytes = samples::bytes_for("jpg");
    let photo = t
        .admin
        .client
        .upload_bytes("customer-photo.jpg", photo_bytes.clone())
        .await
        .unwrap();
    let acc = t
        .admin
        .client
        .inbound(&Inbound {
            channel: ChannelKind::Line,
            channel_user_id: "U-files".into(),
            customer_name: "Fiona Files".into(),
            text: "here is the photo".into(),
            external_id: "files-1".into(),
            attachment_id: Some(photo.id),
        })
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config").join("chatsmart");
    std::fs::create_dir_all(&config).unwrap();
    let downloads = home.path().join("dl");
    std::fs::write(
        config.join("config.toml"),
        format!("download_dir = {:?}\n", downloads.display().to_string()),
    )
    .unwrap();
    std::fs::create_dir_all(home.path().join("docs")).unwrap();
    let pdf: Vec<u8> = samples::bytes_for("pdf")
        .into_iter()
        .chain((0..200_000u32).map(|i| (i % 253) as u8))
        .collect();
    std::fs::write(home.path().join("docs").join("price list.pdf"), &pdf).unwrap();

    let mut tui = Tui::spawn_in(home, &["--server", &t.url(), "--token", &t.alice.token]);
    tui.wait_for("Fiona Files");
    tui.keys("g\r");
    tui.wait_for("customer-photo.jpg");

    // Write a caption, attach the file by completing its path from ~.
    tui.keys("i");
    tui.keys("Our price list");
    tui.keys("\x14");
    tui.wait_for("Attach a file");
    tui.keys("\x15");
    tui.keys("~/docs/pri");
    tui.keys("\t");
    tui.wait_for("price list.pdf  application/pdf");
    tui.keys("\r");
    tui.wait_for("ready");
    tui.keys("\r");
    let alice = t.alice.client.clone();
    let conv = acc.conversation_id;
    eventually("the reply with its file on the server", || {
        let c = alice.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| {
                    m.kind == MessageKind::Agent
                        && m.text == "Our price list"
                        && m.attachment
                            .as_ref()
                            .is_some_and(|a| a.name == "price list.pdf")
                })
        }
    })
    .await;
    let page = alice
        .messages(conv, &MessagesQuery::default())
        .await
        .unwrap();
    let sent = page
        .items
        .iter()
        .find_map(|m| m.attachment.clone().filter(|a| a.name == "price list.pdf"))
        .unwrap();
    assert_eq!(
        alice.download(sent.id).await.unwrap(),
        pdf,
        "the same bytes"
    );

    // The customer's photo: no display here, so it is saved and the
    // screen says where.
    tui.keys("\x1b");
    tui.keys("o");
    tui.wait_for("Files in this conversation");
    tui.keys("j");
    tui.keys("\r");
    tui.wait_for("saved customer-photo.jpg to");
    let saved = downloads.join("customer-photo.jpg");
    assert_eq!(std::fs::read(&saved).unwrap(), photo_bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_typed_in_the_terminal_reaches_line_and_a_refused_one_is_sent_again() {
    use chatsmart::server::ServerConfig;
    use common::platforms::{deliver, Double, Platform};
    let line = Double::start(Platform::Line).await;
    let t = TestServer::start_with_config(|c| ServerConfig {
        api_bases: line.bases(c.api_bases.clone()),
        retry_base: Duration::from_millis(40),
        ..c
    })
    .await;
    let ch = t
        .admin
        .client
        .create_channel(&NewChannel {
            kind: ChannelKind::Line,
            name: "LINE".into(),
            credentials: [("channel_secret", "s"), ("channel_access_token", "T")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
        .await
        .unwrap();
    let body = serde_json::json!({"destination": "Ubot", "events": [{
        "type": "message", "timestamp": chrono::Utc::now().timestamp_millis(),
        "source": {"type": "user", "userId": "U-pty"}, "webhookEventId": "ev-1",
        "deliveryContext": {"isRedelivery": false}, "replyToken": "rt-pty",
        "message": {"id": "1", "type": "text", "text": "is the shop open?"}
    }]})
    .to_string();
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "s",
        body.as_bytes(),
    )
    .await;
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    // The name comes from LINE's profile.
    tui.wait_for("Ken Sato");
    tui.keys("g\r");
    tui.wait_for("is the shop open?");

    // Typed and sent: it reaches LINE with the reply token, and is ticked.
    tui.keys("i");
    tui.keys("Yes, until six");
    tui.keys("\r");
    let reply = &line.wait_calls("/v2/bot/message/reply", 1).await[0];
    assert_eq!(reply.json["replyToken"], "rt-pty");
    assert_eq!(reply.json["messages"][0]["text"], "Yes, until six");
    assert_eq!(reply.auth.as_deref(), Some("Bearer T"));
    tui.wait_until("the sent tick", |s| {
        s.lines()
            .any(|l| l.contains("Alice Wong") && l.contains('✓'))
    });

    // LINE refuses the next one: the reason shows under it; r sends it again.
    line.fail_next(
        "/v2/bot/message/push",
        400,
        serde_json::json!({"message": "The request body has 1 error(s)"}),
    );
    tui.keys("Anything else?");
    tui.keys("\r");
    tui.wait_for("✗ failed");
    tui.wait_for("LINE answered 400: The request body has 1 error(s)");
    tui.keys("\x1b");
    tui.keys("r");
    let pushes = line.wait_calls("/v2/bot/message/push", 2).await;
    assert_eq!(pushes[1].json["messages"][0]["text"], "Anything else?");
    tui.wait_until("the failure to clear", |s| !s.contains("✗ failed"));
    tui.keys("q");
    assert!(tui.wait_exit());
}

/// With nothing configured, `chatsmart` in a terminal opens the sign-in
/// form: a wrong password is said in place; the right one goes on into the
/// inbox and keeps the token, so the next start needs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_screen_signs_in_and_keeps_the_token() {
    let t = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_path_buf();
    let mut tui = Tui::spawn_in(home, &[]);
    tui.wait_for("Sign in to chatsmart");
    // Server, then login, then a wrong password; ^H (backspace as some
    // terminals send it) deletes.
    tui.keys(&t.url());
    tui.keys("\t");
    tui.keys("alice.wongx\x08");
    tui.keys("\t");
    tui.keys("not it\r");
    tui.wait_for("wrong login or password");
    assert!(!tui.screen().contains("not it"), "the password never shows");
    tui.keys(common::PASSWORD);
    tui.keys("\r");
    tui.wait_for("connected");
    tui.wait_for("Alice Wong");
    tui.keys("q");
    assert!(tui.wait_exit());
    let kept = home_path.join("config/chatsmart");
    let token = std::fs::read_to_string(kept.join("token")).unwrap();
    assert!(!token.trim().is_empty());

    // Next time (the same config in another home): straight into the inbox.
    let next = tempfile::tempdir().unwrap();
    let dir = next.path().join("config/chatsmart");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(kept.join("token"), dir.join("token")).unwrap();
    let config = std::fs::read_to_string(kept.join("config.toml")).unwrap();
    let config = config.replace(
        &home_path.display().to_string(),
        &next.path().display().to_string(),
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    drop(tui);
    let mut again = Tui::spawn_in(next, &[]);
    again.wait_for("connected");
    assert!(!again.screen().contains("Sign in"));
    again.keys("q");
    assert!(again.wait_exit());
}

/// Thai (marks that join the letter before, and SARA AM), Arabic, CJK and
/// emoji with ZWJ and flags, in the real program on a pseudo-terminal: as
/// the list scrolls, shrinks to a search and grows back, every row the
/// list leaves empty is empty on the screen (no stray ำ), and no row is
/// shifted past the list's border.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_script_leaves_the_screen_clean_as_the_list_changes() {
    let t = TestServer::start().await;
    let rows = [
        ("สมชาย ใจดี", "ส่งใบนำส่งสำหรับคืนสินค้าแล้วค่ะ"),
        ("นภัสสร จันทร์เพ็ญ", "ใบกำกับภาษีจะส่งไปทางอีเมลนะคะ ขอบคุณค่ะ"),
        ("ศิริพร ศักดิ์ดี", "ทำไมยังไม่ได้รับของ สำคัญมาก"),
        ("أحمد", "مرحبا، أين طلبي؟ شكرا"),
        ("陳美玲", "你好，我的訂單到了嗎？📦"),
        ("Ava", "👨‍👩‍👧‍👦 family order 🇹🇭 🇯🇵 👍🏽"),
        ("Liam", "plain ascii for contrast"),
    ];
    for (i, (name, text)) in rows.iter().enumerate() {
        t.inbound(
            ChannelKind::Line,
            &format!("U{i}"),
            name,
            text,
            &format!("s-{i}"),
        )
        .await;
    }
    let mut tui = Tui::start(&t.url(), &t.alice.token);
    tui.wait_for("connected");
    tui.wait_for("Liam");
    let clean = |tui: &Tui, shown: usize| {
        let screen = tui.screen();
        let list = list_pane(&screen);
        let lines: Vec<&str> = list.lines().collect();
        // Rows 6.. are the conversations, two lines each; below them the
        // list is empty.
        for (i, l) in lines.iter().enumerate().skip(6 + 2 * shown).take(10) {
            assert!(
                l.trim().is_empty(),
                "list row {i} should be empty, has {l:?}\n{screen}"
            );
        }
        // Nothing pushed past the list's border: every row of the screen
        // has the three panes' borders where they belong.
        for l in screen.lines().skip(1).take(30) {
            let border = l.chars().position(|c| c == '┃' || c == '│');
            assert_eq!(border, Some(0), "{l:?}\n{screen}");
        }
    };
    clean(&tui, rows.len());
    // Scroll down and up through them.
    tui.keys("jjjjjjjgG");
    clean(&tui, rows.len());
    // A search shrinks the list to one: the rows the Thai ones held empty.
    tui.keys("/ใบกำกับ");
    tui.wait_until("one conversation", |s| {
        list_pane(s).contains("นภัสสร") && !list_pane(s).contains("Liam")
    });
    clean(&tui, 1);
    // And back.
    tui.keys("\x15\x1b");
    tui.wait_for("Liam");
    clean(&tui, rows.len());
    tui.keys("q");
    assert!(tui.wait_exit());
}

/// A half-written reply survives `kill -9` and a hang-up (the SSH session
/// dropping): it is back in its conversation, cursor and all, when the
/// program starts again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_survives_kill_9_and_a_hang_up() {
    let t = TestServer::start().await;
    t.inbound(ChannelKind::Line, "U-d", "Mei Draft", "hello?", "d-1")
        .await;
    let home = Arc::new(tempfile::tempdir().unwrap());
    let url = t.url();
    let args = ["--server", url.as_str(), "--token", t.alice.token.as_str()];
    let open = |tui: &mut Tui| {
        tui.wait_for("Mei Draft");
        tui.keys("g\r");
        tui.wait_for("hello?");
    };

    let mut tui = Tui::spawn_shared(home.clone(), &args);
    open(&mut tui);
    tui.keys("i");
    tui.keys("half-written 回覆 reply");
    // Kept within about a second of typing.
    std::thread::sleep(Duration::from_millis(2500));
    tui.signal("KILL");
    drop(tui);

    // It comes back where it was left: the conversation open, the reply
    // box focused, the draft in it with the cursor at its end.
    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("hello?");
    tui.wait_for("half-written 回覆 reply");
    tui.keys(" and more");
    tui.wait_for("half-written 回覆 reply and more");
    // The SSH session drops: no time to wait for the next keep.
    tui.signal("HUP");
    drop(tui);

    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("hello?");
    tui.wait_for("half-written 回覆 reply and more");
    // Sent, it is gone for good.
    tui.keys("\r");
    let alice = t.alice.client.clone();
    eventually("the reply on the server", || {
        let c = alice.clone();
        async move {
            let convs = c
                .conversations(&ConversationQuery::default())
                .await
                .unwrap();
            let id = convs.items[0].conversation.id;
            c.messages(id, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| m.text == "half-written 回覆 reply and more")
        }
    })
    .await;
    tui.keys("\x1b");
    tui.keys("q");
    assert!(tui.wait_exit());
    let mut tui = Tui::spawn_shared(home, &args);
    tui.wait_for("hello?");
    // The reply box is empty again: its hint shows.
    tui.wait_for("enter to write a reply");
    tui.keys("q");
    assert!(tui.wait_exit());
}

/// The inbox reopens where the agent left it: filters, status view and
/// the open conversation; `--fresh` starts clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_reopens_where_it_was_left() {
    let t = TestServer::start().await;
    t.inbound(ChannelKind::Line, "U-a", "Ann Older", "first", "r-1")
        .await;
    t.inbound(ChannelKind::Whatsapp, "852-b", "Ben Newer", "second", "r-2")
        .await;
    let home = Arc::new(tempfile::tempdir().unwrap());
    let url = t.url();
    let args = ["--server", url.as_str(), "--token", t.alice.token.as_str()];

    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("Ben Newer");
    // Open view, the older conversation open.
    tui.keys("v");
    tui.wait_for("· Open");
    tui.keys("j\r");
    tui.wait_for("first");
    std::thread::sleep(Duration::from_millis(1500));
    tui.keys("q");
    assert!(tui.wait_exit());

    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("· Open");
    // The chat's header names the conversation that was open.
    tui.wait_until("Ann's conversation open", |s| {
        s.lines()
            .any(|l| l.contains("Ann Older") && l.contains("LINE") && l.contains("Bot"))
            && s.contains("first")
    });
    tui.keys("q");
    assert!(tui.wait_exit());

    let mut args_fresh = args.to_vec();
    args_fresh.push("--fresh");
    let mut tui = Tui::spawn_shared(home, &args_fresh);
    tui.wait_for("· Active");
    assert!(!tui.screen().contains("· Open"));
    tui.keys("q");
    assert!(tui.wait_exit());
}

/// A reply sent while the server is down waits in the outbox (shown as
/// queued); quitting says it is kept; when both start again it goes out,
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_sent_while_the_server_is_down_goes_out_once_after_restarts() {
    let mut t = TestServer::start().await;
    let conv = t
        .inbound(
            ChannelKind::Line,
            "U-o",
            "Olga Outbox",
            "are you there?",
            "o-1",
        )
        .await
        .conversation_id;
    let home = Arc::new(tempfile::tempdir().unwrap());
    let url = t.url();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let token = t.alice.token.clone();
    let args = ["--server", url.as_str(), "--token", token.as_str()];

    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("Olga Outbox");
    tui.keys("g\r");
    tui.wait_for("are you there?");
    t.stop().await;
    tui.wait_for("reconnecting");
    tui.keys("i");
    tui.keys("sent while you were away");
    tui.keys("\r");
    tui.wait_for("queued");
    tui.keys("\x1b");
    tui.keys("q");
    tui.wait_for("kept here");
    tui.keys("y");
    assert!(tui.wait_exit());

    // Both back: the queue goes out.
    t.restart_stopped_at(&addr).await;
    let count = |t: &TestServer| {
        let c = t.alice.client.clone();
        async move {
            c.messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .iter()
                .filter(|m| m.text == "sent while you were away")
                .count()
        }
    };
    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("connected");
    let start = Instant::now();
    while count(&t).await == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "never sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tui.keys("q");
    assert!(tui.wait_exit());
    // Once, however often the program starts again.
    let mut tui = Tui::spawn_shared(home, &args);
    tui.wait_for("connected");
    std::thread::sleep(Duration::from_millis(1000));
    tui.keys("q");
    assert!(tui.wait_exit());
    assert_eq!(count(&t).await, 1);
}

/// Started while the server is away, the program shows the last known
/// inbox (marked offline, read-only) and catches up when the server is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_start_shows_the_last_known_inbox_and_catches_up() {
    let mut t = TestServer::start().await;
    t.inbound(
        ChannelKind::Line,
        "U-c",
        "Cora Cached",
        "seen before",
        "c-1",
    )
    .await;
    let home = Arc::new(tempfile::tempdir().unwrap());
    let url = t.url();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let token = t.alice.token.clone();
    let args = ["--server", url.as_str(), "--token", token.as_str()];

    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("Cora Cached");
    tui.keys("g\r");
    tui.wait_for("seen before");
    tui.keys("q");
    assert!(tui.wait_exit());

    t.stop().await;
    let mut tui = Tui::spawn_shared(home.clone(), &args);
    tui.wait_for("offline: last known inbox");
    tui.wait_for("Cora Cached");
    tui.wait_for("seen before");

    // Back: the new message arrives without a restart.
    t.restart_stopped_at(&addr).await;
    t.inbound(
        ChannelKind::Line,
        "U-c",
        "Cora Cached",
        "while you were away",
        "c-2",
    )
    .await;
    tui.keys("R");
    tui.wait_for("while you were away");
    assert!(!tui.screen().contains("offline: last known inbox"));
    tui.keys("q");
    assert!(tui.wait_exit());
}
