//! Nothing typed is lost: drafts through kill -9 and a hang-up, the place reopened, replies sent once after the server comes back, an offline start.

use super::*;

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
    // Stored on the server; quitting is plain once the program has heard
    // so too (until then it would rightly ask about the queued reply). The
    // chat is opened so that the reply's state is on the screen: on the
    // list alone "queued" is never shown, and a quit pressed before the
    // acknowledgement arrives rightly asks first.
    tui.keys("g\r");
    tui.wait_for("sent while you were away");
    tui.wait_until("the reply acknowledged", |s| {
        s.contains("sent while you were away") && !s.contains("queued") && !s.contains("sending…")
    });
    tui.keys("\x1b");
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
