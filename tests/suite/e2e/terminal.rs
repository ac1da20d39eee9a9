//! The terminal and the sign-in: SIGTERM restores it, tokens only the user reads, the sign-in screen, every script drawn clean.

use super::*;

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
