//! The scriptable inbox: `chatsmart convs`, `chatsmart conv ID ...` and
//! `chatsmart customers search`, run as a script would, against a real
//! server: table, JSON, CSV and -q output, and exit codes.

use crate::common::*;
use chatsmart::protocol::*;
use std::io::Write;
use std::process::{Command, Stdio};

struct Cli<'a> {
    t: &'a TestServer,
    token: String,
    home: tempfile::TempDir,
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Cli<'_> {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_chatsmart"));
        c.args(args)
            .env("CHATSMART_SERVER", self.t.url())
            .env("CHATSMART_TOKEN", &self.token)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"));
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, None)
    }

    fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Run {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            if let Some(i) = input {
                stdin.write_all(i.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Succeeds, or shows why not.
    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.err);
        r.out
    }
}

fn cli(t: &TestServer) -> Cli<'_> {
    Cli {
        t,
        token: t.alice.token.clone(),
        home: tempfile::tempdir().unwrap(),
    }
}

fn ids(out: &str) -> Vec<i64> {
    out.lines().map(|l| l.trim().parse().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn convs_lists_in_every_format_and_filters_like_the_inbox() {
    let t = TestServer::start().await;
    let a = t
        .inbound(ChannelKind::Line, "U1", "陳美玲", "你好", "c-1")
        .await;
    let b = t
        .inbound(
            ChannelKind::Whatsapp,
            "W1",
            "Tom Lee",
            "Hi, my order?",
            "c-2",
        )
        .await;
    let c = t
        .inbound(
            ChannelKind::Messenger,
            "M1",
            "Evil\u{1b}[2J Name",
            "click\u{7}",
            "c-3",
        )
        .await;
    let cli = cli(&t);

    // Piped: JSON by default, exactly what the server sent.
    let rows: Vec<ConversationRow> = serde_json::from_str(&cli.ok(&["convs"])).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].conversation.id, c.conversation_id, "newest first");
    assert_eq!(rows[0].conversation.customer_name, "Evil\u{1b}[2J Name");
    // A table: a header, one line each, nothing that moves the terminal.
    let table = cli.ok(&["convs", "-o", "table"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("CUSTOMER"));
    assert_eq!(lines.len(), 4, "{table}");
    assert!(table.contains("陳美玲"));
    assert!(!table.contains('\u{1b}') && !table.contains('\u{7}'));
    // CSV with a header row.
    let csv = cli.ok(&["convs", "-o", "csv"]);
    assert!(
        csv.starts_with("id,customer,channel,status,priority,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 4);
    // -q: ids only.
    assert_eq!(
        ids(&cli.ok(&["convs", "-q"])),
        vec![c.conversation_id, b.conversation_id, a.conversation_id]
    );
    // Filters.
    assert_eq!(
        ids(&cli.ok(&["convs", "--channel", "line", "-q"])),
        vec![a.conversation_id]
    );
    let line_account = rows
        .iter()
        .find(|r| r.conversation.id == a.conversation_id)
        .unwrap()
        .conversation
        .channel_account_id;
    assert_eq!(
        ids(&cli.ok(&["convs", "--account", &line_account.to_string(), "-q"])),
        vec![a.conversation_id]
    );
    assert_eq!(
        ids(&cli.ok(&["convs", "--search", "order", "-q"])),
        vec![b.conversation_id]
    );
    assert_eq!(ids(&cli.ok(&["convs", "--limit", "2", "-q"])).len(), 2);
    cli.ok(&["conv", &b.conversation_id.to_string(), "priority", "urgent"]);
    assert_eq!(
        ids(&cli.ok(&["convs", "--sort", "priority", "-q"]))[0],
        b.conversation_id
    );
    assert_eq!(
        ids(&cli.ok(&["convs", "--priority", "urgent", "-q"])),
        vec![b.conversation_id]
    );

    // The pipeline from the issue: take every open, unassigned one.
    let todo = cli.ok(&[
        "convs",
        "--status",
        "open",
        "--assignee",
        "unassigned",
        "-q",
    ]);
    assert_eq!(ids(&todo).len(), 3);
    for id in todo.lines() {
        cli.ok(&["conv", id, "assign", "me", "-q"]);
    }
    assert_eq!(ids(&cli.ok(&["convs", "--assignee", "me", "-q"])).len(), 3);
    assert!(cli
        .ok(&["convs", "--assignee", "unassigned", "-q"])
        .is_empty());

    // Customers search.
    let found: Vec<Customer> =
        serde_json::from_str(&cli.ok(&["customers", "search", "tom"])).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, b.customer_id);
    let table = cli.ok(&["customers", "search", "W1", "-o", "table"]);
    assert!(
        table.contains("Tom Lee") && table.contains("whatsapp"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conv_shows_and_acts_and_says_what_went_wrong() {
    let t = TestServer::start().await;
    let a = t
        .inbound(
            ChannelKind::Line,
            "U1",
            "Mei Chan",
            "Where is my parcel?",
            "d-1",
        )
        .await;
    let cli = cli(&t);
    let id = a.conversation_id.to_string();

    // Show: the record and its messages, as a table or JSON.
    let shown = cli.ok(&["conv", &id, "-o", "table"]);
    assert!(
        shown.contains("customer") && shown.contains("Mei Chan"),
        "{shown}"
    );
    assert!(shown.contains("Where is my parcel?"), "{shown}");
    let v: serde_json::Value = serde_json::from_str(&cli.ok(&["conv", &id])).unwrap();
    assert_eq!(v["id"], a.conversation_id);
    assert_eq!(v["messages"][0]["text"], "Where is my parcel?");

    // Reply from an argument and from standard input.
    let m: Message =
        serde_json::from_str(&cli.ok(&["conv", &id, "reply", "It left today."])).unwrap();
    assert_eq!(m.text, "It left today.");
    let r = cli.run_with_input(&["conv", &id, "reply"], Some("Line one\nLine two 🚚\n"));
    assert_eq!(r.code, 0, "{}", r.err);
    let m: Message = serde_json::from_str(&r.out).unwrap();
    assert_eq!(m.text, "Line one\nLine two 🚚");
    let r = cli.run_with_input(&["conv", &id, "reply", "-"], Some("  \n"));
    assert_eq!(r.code, 1);
    assert!(r.err.contains("empty"), "{}", r.err);

    // Each action answers with the conversation as it is now.
    let conv = |args: &[&str]| -> ConversationRow {
        let mut full = vec!["conv", id.as_str()];
        full.extend_from_slice(args);
        full.extend_from_slice(&["-o", "json"]);
        serde_json::from_str(&cli.ok(&full)).unwrap()
    };
    assert_eq!(conv(&["resolve"]).conversation.status, ConvStatus::Resolved);
    assert_eq!(conv(&["reopen"]).conversation.status, ConvStatus::Open);
    assert_eq!(conv(&["pending"]).conversation.status, ConvStatus::Pending);
    let snoozed = conv(&["snooze", "in", "2h"]).conversation;
    assert_eq!(snoozed.status, ConvStatus::Snoozed);
    let until = snoozed.snoozed_until.unwrap();
    let in_2h = chrono::Utc::now() + chrono::Duration::hours(2);
    assert!((until - in_2h).num_seconds().abs() < 60, "{until}");
    let snoozed = conv(&["snooze", "reply"]).conversation;
    assert_eq!(
        (snoozed.status, snoozed.snoozed_until),
        (ConvStatus::Snoozed, None)
    );
    assert_eq!(
        conv(&["priority", "high"]).conversation.priority,
        Priority::High
    );
    assert!(!conv(&["bot", "off"]).conversation.bot_active);
    let c = conv(&["assign", "bob"]).conversation;
    assert!(c.is_assigned_to(t.bob.agent.id));
    assert!(!conv(&["unassign", "bob.chen"])
        .conversation
        .is_assigned_to(t.bob.agent.id));
    assert_eq!(conv(&["tag", "refund"]).conversation.tag_ids.len(), 1);
    assert_eq!(cli.ok(&["conv", &id, "resolve", "-q"]), format!("{id}\n"));
    // Every action prints the same record in every format.
    for action in [
        vec!["reopen"],
        vec!["pending"],
        vec!["priority", "low"],
        vec!["bot", "on"],
        vec!["assign", "me"],
        vec!["tag", "vip"],
        vec!["snooze", "tomorrow", "09:00"],
    ] {
        let mut args = vec!["conv", id.as_str()];
        args.extend(action.iter().copied());
        let run = |extra: &[&str]| {
            let mut a = args.clone();
            a.extend_from_slice(extra);
            cli.ok(&a)
        };
        let table = run(&["-o", "table"]);
        assert!(table.starts_with("id "), "{action:?}: {table}");
        assert!(table.contains("Mei Chan"));
        let csv = run(&["-o", "csv"]);
        assert!(
            csv.starts_with("id,customer,channel,status,priority"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 2);
        let row: ConversationRow = serde_json::from_str(&run(&["-o", "json"])).unwrap();
        assert_eq!(row.conversation.id, a.conversation_id);
        assert_eq!(run(&["-q"]), format!("{id}\n"));
    }
    let csv = cli.ok(&["conv", &id, "-o", "csv"]);
    assert!(csv.starts_with("id,customer,"), "{csv}");
    assert_eq!(csv.lines().count(), 2);

    // Exit codes, each with one line on standard error.
    let one_line = |r: &Run| {
        assert_eq!(r.err.trim().lines().count(), 1, "{}", r.err);
        assert!(r.err.starts_with("chatsmart: "), "{}", r.err);
    };
    let r = cli.run(&["conv", "999999", "resolve"]);
    assert_eq!(r.code, 5, "not found: {}", r.err);
    one_line(&r);
    let r = cli.run(&["conv", &id, "assign", "nobody-like-this"]);
    assert_eq!(r.code, 5, "{}", r.err);
    one_line(&r);
    let r = cli.run(&["conv", &id, "snooze", "whenever"]);
    assert_eq!(r.code, 1, "{}", r.err);
    one_line(&r);
    let r = cli.run(&["conv", &id, "priority", "extreme"]);
    assert_eq!(r.code, 2, "bad usage: {}", r.err);
    let r = cli.run(&["convs", "--tag", "no-such-tag"]);
    assert_eq!(r.code, 5, "{}", r.err);
    let bad = Cli {
        t: &t,
        token: "cs_wrong".into(),
        home: tempfile::tempdir().unwrap(),
    };
    let r = bad.run(&["convs"]);
    assert_eq!(r.code, 4, "{}", r.err);
    one_line(&r);
    let r = cli
        .cmd(&["convs"])
        .env("CHATSMART_SERVER", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(3));
    let r = cli
        .cmd(&["convs"])
        .env_remove("CHATSMART_SERVER")
        .env_remove("CHATSMART_TOKEN")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no server configured"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_keeps_the_token_for_the_next_command() {
    let t = TestServer::start().await;
    t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "l-1").await;
    let hash = chatsmart::server::auth::hash_password("correct horse").unwrap();
    t.state()
        .store
        .set_password(t.alice.agent.id, hash)
        .await
        .unwrap();
    let cli = cli(&t);
    let without_token = |args: &[&str], input: Option<&str>| {
        let mut c = cli.cmd(args);
        c.env_remove("CHATSMART_TOKEN")
            .env_remove("CHATSMART_SERVER")
            // No keyring service here: the file is what is tested.
            .env("CHATSMART_NO_KEYRING", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            if let Some(i) = input {
                stdin.write_all(i.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let url = t.url();
    let (code, _, err) = without_token(
        &[
            "--server",
            &url,
            "login",
            "--login",
            "alice.wong",
            "--password-stdin",
        ],
        Some("wrong\n"),
    );
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = without_token(
        &[
            "--server",
            &url,
            "login",
            "--login",
            "alice.wong",
            "--password-stdin",
        ],
        Some("correct horse\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("signed in as Alice Wong"), "{err}");
    let token_file = cli.home.path().join("config/chatsmart/token");
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert!(token.starts_with("cs_"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable only by the user");
    }
    let config =
        std::fs::read_to_string(cli.home.path().join("config/chatsmart/config.toml")).unwrap();
    assert!(
        !config.contains(&token),
        "the token is not in the config file"
    );
    // The next command needs neither flag nor environment.
    let (code, out, err) = without_token(&["convs", "-q"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn macros_are_shared_from_a_file_and_listed() {
    let t = TestServer::start().await;
    let admin = Cli {
        t: &t,
        token: t.admin.token.clone(),
        home: tempfile::tempdir().unwrap(),
    };
    let dir = admin.home.path().join("config/chatsmart");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("macros.toml"),
        r#"
[[macro]]
name = "Refund request"
steps = [{ standard = "refund" }, { tag = "refund" }, { assign_team = "Billing" }, { status = "pending" }]
"#,
    )
    .unwrap();
    let r = admin.run(&["macros", "push"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("shared Refund request"));
    // An agent sees it as shared; the admin also as personal.
    let agent = cli(&t);
    let list: serde_json::Value = serde_json::from_str(&agent.ok(&["macros"])).unwrap();
    assert_eq!(list[0]["name"], "Refund request");
    assert_eq!(list[0]["source"], "shared");
    assert_eq!(list[0]["steps"][2]["assign_team"], "Billing");
    let table = admin.ok(&["macros", "-o", "table"]);
    assert!(
        table.contains("personal") && table.contains("shared"),
        "{table}"
    );
    assert!(table.contains("assign to the Billing team"));
    // Agents may not share; a bad file shares nothing.
    let bad = agent.home.path().join("bad.toml");
    std::fs::write(&bad, "[[macro]]\nname = \"x\"\nsteps = []\n").unwrap();
    let r = admin.run(&["macros", "push", bad.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("no steps"));
    let good = agent.home.path().join("good.toml");
    std::fs::write(
        &good,
        "[[macro]]\nname = \"x\"\nsteps = [{ bot = false }]\n",
    )
    .unwrap();
    let r = agent.run(&["macros", "push", good.to_str().unwrap()]);
    assert_eq!(r.code, 4, "{}", r.err);
    assert_eq!(admin.run(&["macros", "delete", "refund request"]).code, 0);
    assert_eq!(admin.run(&["macros", "delete", "refund request"]).code, 5);
    assert_eq!(agent.ok(&["macros", "-q"]), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_add_list_and_remove_from_the_command_line() {
    let t = TestServer::start().await;
    let admin = Cli {
        t: &t,
        token: t.admin.token.clone(),
        home: tempfile::tempdir().unwrap(),
    };
    // Secrets from standard input, one named on the command line.
    let r = admin.run_with_input(
        &[
            "channel",
            "add",
            "--kind",
            "line",
            "--name",
            "LINE @lumen",
            "-o",
            "json",
            "--credential",
            "channel_secret=cli-secret-1",
            "--credentials-stdin",
        ],
        Some("# from the LINE console\nchannel_access_token=cli-secret-2\n"),
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let created: ChannelCreated = serde_json::from_str(&r.out).unwrap();
    assert_eq!(
        created.webhook_path,
        format!("/webhooks/line/{}", created.id)
    );
    let listed = admin.ok(&["channel", "list"]);
    assert!(listed.contains("LINE @lumen") && listed.contains("channel_access_token"));
    assert!(!listed.contains("cli-secret"), "{listed}");
    // A missing key is named before anything is sent.
    let r = admin.run(&[
        "channel",
        "add",
        "--kind",
        "wechat",
        "--name",
        "WeChat",
        "--credential",
        "app_id=x",
    ]);
    assert_ne!(r.code, 0);
    assert!(r.err.contains("missing app_secret, token"), "{}", r.err);
    // An agent may list but not add.
    let agent = cli(&t);
    let r = agent.run(&[
        "channel",
        "add",
        "--kind",
        "line",
        "--name",
        "x",
        "--credential",
        "channel_secret=a",
        "--credential",
        "channel_access_token=b",
    ]);
    assert_ne!(r.code, 0);
    assert!(r.err.contains("admin"), "{}", r.err);
    // Rotating a token keeps the webhook; the answer names keys only.
    let r = admin.run_with_input(
        &[
            "channel",
            "update",
            &created.id.to_string(),
            "--name",
            "LINE @lumen-tw",
            "--credentials-stdin",
        ],
        Some("channel_access_token=cli-secret-3\n"),
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("LINE @lumen-tw") && r.out.contains(&created.webhook_path));
    assert!(!r.out.contains("cli-secret"), "{}", r.out);
    let r = admin.run(&["channel", "update", &created.id.to_string()]);
    assert_ne!(r.code, 0);
    assert!(r.err.contains("nothing to change"), "{}", r.err);
    admin.ok(&["channel", "remove", &created.id.to_string()]);
    assert!(!admin.ok(&["channel", "list"]).contains("LINE @lumen"));
}
