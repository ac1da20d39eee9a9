//! The binary itself: help, version, completions, and the admin commands.

use std::process::Command;

fn chatsmart() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chatsmart"));
    // Keep the user's real config and data out of the tests.
    let home = std::env::temp_dir().join("chatsmart-cli-test-home");
    c.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("CHATSMART_SERVER")
        .env_remove("CHATSMART_TOKEN");
    c
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = chatsmart().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_version_and_completions() {
    let (ok, out, _) = run(&["--version"]);
    assert!(ok);
    assert!(out.starts_with("chatsmart "));
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["agent", "--help"],
        vec!["agent", "add", "--help"],
        vec!["completions", "--help"],
    ] {
        let (ok, out, _) = run(&args);
        assert!(ok, "{args:?}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
    for shell in ["bash", "zsh", "fish"] {
        let (ok, out, _) = run(&["completions", shell]);
        assert!(ok);
        assert!(out.contains("chatsmart"), "{shell}");
        assert!(out.contains("serve"), "{shell} completes subcommands");
    }
}

#[test]
fn keys_lists_commands_and_bindings() {
    let (ok, out, _) = run(&["keys"]);
    assert!(ok);
    assert!(out.contains("list.next"));
    assert!(out.contains("Next conversation"));
    assert!(out.contains("bot.toggle"));
}

#[test]
fn with_nothing_configured_it_says_how_to_connect() {
    let (ok, out, _) = run(&[]);
    assert!(ok);
    assert!(out.contains("chatsmart demo"));
    assert!(out.contains("--server"));
}

#[test]
fn unknown_commands_fail_clearly() {
    let (ok, _, err) = run(&["frobnicate"]);
    assert!(!ok);
    assert!(err.contains("unrecognized subcommand"), "{err}");
}

#[test]
fn bot_check_tries_a_flow_without_a_server() {
    let flow = concat!(env!("CARGO_MANIFEST_DIR"), "/bots/default.toml");
    let (ok, out, err) = run(&[
        "bot",
        "check",
        flow,
        "--at",
        "2026-11-30T10:00:00+08:00",
        "--say",
        "hello",
        "--say",
        "3",
        "--say",
        "我要真人",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("the flow is valid"), "{out}");
    assert!(out.contains("menu options: 4"), "{out}");
    assert!(out.contains("bot: Hi Customer!"), "{out}");
    assert!(
        out.contains("bot: Our team is here Monday to Friday"),
        "{out}"
    );
    assert!(
        out.contains("(handed to the agents: the customer asked for a person (\"真人\"))"),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[menu]\noptions = [{ reply = \"x\" }]\n").unwrap();
    let (ok, _, err) = run(&["bot", "check", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("menu.options[1] needs a label"), "{err}");
}

#[test]
fn serve_refuses_a_bad_bot_flow_or_config_saying_where() {
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("flow.toml");
    std::fs::write(&flow, "[[rules]]\nkeywords = [\"price\"]\n").unwrap();
    let db = dir.path().join("s.db");
    let (ok, _, err) = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
        "--bot",
        flow.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("flow.toml") && err.contains("rules[1] needs exactly one of"),
        "{err}"
    );
    let config = dir.path().join("server.toml");
    std::fs::write(&config, "[api]\nmeta = 1\n").unwrap();
    let (ok, _, err) = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("server.toml") && err.contains("meta"), "{err}");
}

#[tokio::test]
async fn agent_add_prints_a_token_that_the_server_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let db_s = db.to_str().unwrap();
    let (ok, out, err) = run(&[
        "agent", "add", "--db", db_s, "--name", "Grace Ho", "--admin", "--team", "Support",
    ]);
    assert!(ok, "{err}");
    let token = out.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("cs_") && token.len() > 60, "{out}");
    assert!(err.contains("grace.ho"));
    // The token is not stored in the clear.
    let raw = std::fs::read(&db).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains(&token));

    let (ok, _, err) = run(&["agent", "add", "--db", db_s, "--name", "Grace Ho"]);
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");

    let (ok, out, _) = run(&["agent", "list", "--db", db_s]);
    assert!(ok);
    assert!(out.contains("Grace Ho") && out.contains("admin") && out.contains("Support"));

    let server = chatsmart::server::start(chatsmart::server::ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .await
    .unwrap();
    let client = chatsmart::client::Client::new(&server.url(), Some(token)).unwrap();
    let me = client.me().await.unwrap();
    assert_eq!(me.agent.name, "Grace Ho");
    assert!(me.agent.is_admin());

    let (ok, out, _) = run(&["agent", "token", "--db", db_s, "--login", "grace.ho"]);
    assert!(ok);
    let second = out.lines().last().unwrap().trim().to_string();
    let client2 = chatsmart::client::Client::new(&server.url(), Some(second)).unwrap();
    assert_eq!(client2.me().await.unwrap().agent.name, "Grace Ho");
    server.stop().await.unwrap();
}

#[test]
fn bench_quick_prints_every_row_with_its_budget() {
    // The replicas' rows run on the tests' PostgreSQL when there is one
    // (in CI there is); without it they say how to run them.
    let postgres = std::env::var("CHATSMART_TEST_POSTGRES").ok();
    let mut args = vec!["bench", "--quick"];
    if let Some(url) = postgres.as_deref() {
        args.extend(["--postgres", url]);
    }
    let (ok, out, err) = run(&args);
    assert!(ok, "{err}");
    let replicas = out
        .lines()
        .find(|l| l.contains("fan-out across replicas"))
        .unwrap_or_else(|| panic!("no replicas row in\n{out}"));
    if postgres.is_some() {
        assert!(replicas.contains(" ms "), "measured: {replicas}");
    } else {
        assert!(replicas.contains("--postgres"), "{replicas}");
    }
    assert!(out.contains("bench --quick"), "{out}");
    assert!(out.contains("cores"), "the machine it ran on: {out}");
    for row in [
        "frame render 200x50",
        "bytes: a typed character",
        "key to screen",
        "ingest:",
        "standard messages imported",
        "client memory",
        "search over",
        "fan-out:",
        "server memory: the server process",
        "idle WebSocket clients",
        "ingest on PostgreSQL",
        "raw PostgreSQL",
        "ingest through two replicas",
        "start-up: process start to the first complete frame",
    ] {
        let line = out
            .lines()
            .find(|l| l.contains(row))
            .unwrap_or_else(|| panic!("no row {row:?} in\n{out}"));
        assert!(line.starts_with('|') && line.ends_with('|'), "{line}");
    }
    assert!(out.contains("PASS") || out.contains("FAIL"));
}

/// `chatsmart clear-cache` forgets the last known inboxes (every
/// server's), and leaves drafts alone.
#[test]
fn clear_cache_forgets_the_last_known_inbox_and_keeps_drafts() {
    let state = tempfile::tempdir().unwrap();
    let cache = state.path().join("chatsmart/cache");
    let drafts = state.path().join("chatsmart/drafts");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::create_dir_all(&drafts).unwrap();
    std::fs::write(cache.join("a.json"), "{}").unwrap();
    std::fs::write(cache.join("b.json"), "{}").unwrap();
    std::fs::write(drafts.join("a.json"), "{}").unwrap();
    let out = chatsmart()
        .env("XDG_STATE_HOME", state.path())
        .arg("clear-cache")
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("2 servers"), "{said}");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 0);
    assert!(drafts.join("a.json").exists(), "drafts stay");
}

/// `--db` and `CHATSMART_DB` take a SQLite path or a postgres:// URL: a URL
/// is never made into a folder, one of another kind is refused by name, and
/// a password in it is never printed.
#[test]
fn a_database_url_is_never_taken_for_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let inside = |args: &[&str], env: Option<&str>| {
        let mut c = chatsmart();
        c.current_dir(dir.path())
            .args(args)
            .env_remove("CHATSMART_DB");
        if let Some(db) = env {
            c.env("CHATSMART_DB", db);
        }
        let out = c.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let url = "postgres://chat:s3cret@127.0.0.1:1/chatsmart";
    for (args, env) in [
        (vec!["agent", "list", "--db", url], None),
        (vec!["agent", "list"], Some(url)),
        (vec!["serve", "--listen", "127.0.0.1:0", "--db", url], None),
    ] {
        let (ok, err) = inside(&args, env);
        assert!(!ok, "{args:?}");
        assert!(
            err.contains("postgres://chat:***@127.0.0.1:1/chatsmart"),
            "{err}"
        );
        assert!(
            !err.contains("s3cret"),
            "the password is never shown: {err}"
        );
    }
    let (ok, err) = inside(&["agent", "list", "--db", "mysql://root@db/chat"], None);
    assert!(!ok);
    assert!(err.contains("mysql:// is not a database"), "{err}");
    // Nothing was made where the URLs were given.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");

    // A path in CHATSMART_DB is the database the command opens.
    let db = dir.path().join("from-env.db");
    let (ok, err) = inside(&["agent", "list"], Some(db.to_str().unwrap()));
    assert!(ok, "{err}");
    assert!(db.exists(), "CHATSMART_DB named the database");
}
