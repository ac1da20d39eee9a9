//! The command line: every subcommand, parsed with clap and dispatched here.

use crate::client::Client;
use crate::config::{self, ClientConfig};
use crate::protocol::Role;
use crate::server::auth::{hash_password, new_token, token_hash};
use crate::server::store::Offline;
use crate::server::store::{Database, NewAgent, SqliteStore, Store};
use crate::server::{self, ServerConfig};
use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

mod agent;
mod bot;
mod broadcast;
mod channels;
mod convs;
mod customers;
mod macros;
mod output;
mod standard;

use agent::run_agent;
use broadcast::run_broadcast;
use customers::run_customers;
use standard::run_standard;

#[derive(Debug, Parser)]
#[command(
    name = "chatsmart",
    version,
    about = "A keyboard-driven terminal inbox for customer-support agents on Messenger, WhatsApp, LINE and WeChat",
    long_about = "A keyboard-driven terminal inbox for customer-support agents on Messenger, WhatsApp, LINE and WeChat, \
and the messaging server it talks to.\n\nWith no command, connects to the server given by --server and --token \
(or CHATSMART_SERVER / CHATSMART_TOKEN, or the config file). Try `chatsmart demo` to see it with sample data.",
    after_long_help = EXIT_CODES
)]
pub struct Cli {
    /// The server's URL, for example http://127.0.0.1:7878.
    #[arg(long, global = true, env = "CHATSMART_SERVER")]
    pub server: Option<String>,
    /// The bearer token to sign in with.
    #[arg(long, global = true, env = "CHATSMART_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// How commands that print records print them: a table on a
    /// terminal, JSON when piped, unless given.
    #[arg(short = 'o', long = "output", global = true, value_enum)]
    pub output: Option<output::Format>,
    /// Print only ids, one per line (for xargs).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Open the inbox clean: default filters, nothing open (drafts are
    /// kept all the same).
    #[arg(long)]
    pub fresh: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the messaging server.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
        /// Seed a fresh temporary database with sample data and simulate
        /// customers writing in; prints the URL and an agent token.
        #[arg(long, conflicts_with = "db")]
        demo: bool,
        /// How many events the log keeps for reconnecting clients.
        #[arg(long, default_value_t = server::KEEP_EVENTS)]
        keep_events: u64,
        /// Where attachments' bytes are kept (default: `files/` beside the
        /// database).
        #[arg(long)]
        files: Option<PathBuf>,
        /// The largest file accepted: `25MB` for every kind, or
        /// `KIND=SIZE` for one (image, audio, video, document, contact).
        /// Repeat for several; the default is 25MB each.
        #[arg(long = "max-upload", value_name = "[KIND=]SIZE")]
        max_upload: Vec<String>,
        /// The server's config file (default:
        /// `$XDG_CONFIG_HOME/chatsmart/server.toml` when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The bot's flow file (TOML; see bots/default.toml, the built-in
        /// default).
        #[arg(long)]
        bot: Option<PathBuf>,
        /// Where this server is reachable from the internet
        /// (https://chat.example.com), for platforms that take files only
        /// by link (LINE).
        #[arg(long)]
        public_url: Option<String>,
        /// `full` (the default): every acknowledged write is on disk.
        /// `normal`: faster, but the last writes before a power cut or a
        /// kernel crash may be lost, acknowledged or not.
        #[arg(long)]
        durability: Option<server::store::Durability>,
        /// A token unused this many days stops working (default 30).
        #[arg(long)]
        token_idle_days: Option<u32>,
        /// A proxy in front of the server whose X-Forwarded-For names the
        /// real client (for sign-in limits); repeat for several.
        #[arg(long = "trust-proxy", value_name = "IP")]
        trust_proxy: Vec<std::net::IpAddr>,
        /// Event streams one agent may hold open at once (default 8).
        #[arg(long)]
        streams_per_agent: Option<usize>,
        /// What each agent may upload in 24 hours (default 2GB).
        #[arg(long, value_name = "SIZE")]
        upload_quota: Option<String>,
    },
    /// Start an embedded demo server with sample data and open the inbox on it.
    Demo {
        /// Print the live events instead of opening the inbox.
        #[arg(long)]
        watch: bool,
    },
    /// Print the live event stream of a server.
    Watch,
    /// List every command a key can be bound to, and the keys in force.
    Keys,
    /// Forget the last known inbox kept for starts while the server is
    /// away (conversations and histories; drafts and unsent replies stay).
    ClearCache,
    /// Sign in with a login and password; keeps the token for next time.
    /// The server is --server (or CHATSMART_SERVER, or the config file).
    Login {
        /// The login (asked for when not given).
        #[arg(long)]
        login: Option<String>,
        /// Read the password from the first line of standard input (for
        /// scripts) instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign out: the server forgets this sign-in's token, and so does this
    /// machine (the keyring entry or token file `chatsmart login` kept).
    Logout,
    /// Customers in bulk: export and import as .xlsx, .xls or .csv (admin).
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// Standard messages: the spreadsheet template, import and export.
    #[command(subcommand, name = "standard-messages")]
    StandardMessages(StandardCommand),
    /// Send one message to every customer with a tag (admin); shows how
    /// many it reaches and asks first.
    Broadcast {
        /// The tag, by name.
        #[arg(long)]
        tag: String,
        /// Only customers on these channels (repeat); every channel when absent.
        #[arg(long = "channel")]
        channels: Vec<String>,
        /// When to send: "in 2h", "tomorrow 09:00", "2026-12-01 09:00" (now when absent).
        #[arg(long)]
        at: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// The message; placeholders such as {{customer.name}} are filled per customer.
        text: String,
    },
    /// Conversations, filtered like the inbox: a table on a terminal, JSON
    /// when piped; -q prints only ids.
    Convs(convs::ConvsArgs),
    /// One conversation: show it (the default) or act on it.
    Conv {
        id: i64,
        #[command(subcommand)]
        action: Option<convs::ConvAction>,
    },
    /// Channel accounts on the server: list, add with credentials, remove (admin).
    Channel {
        #[command(subcommand)]
        cmd: Option<channels::ChannelCommand>,
    },
    /// The database itself: copy it whole to another (SQLite and
    /// PostgreSQL, either way).
    Db {
        #[command(subcommand)]
        cmd: DbCommand,
    },
    /// The bot's flow: check a file and try it without a server.
    Bot {
        #[command(subcommand)]
        cmd: bot::BotCommand,
    },
    /// Macros: list yours and the shared ones; share or delete (admin).
    Macros {
        #[command(subcommand)]
        cmd: Option<macros::MacrosCommand>,
    },
    /// Broadcasts with their progress and results; show or cancel one (admin).
    Broadcasts {
        #[command(subcommand)]
        cmd: Option<BroadcastsCommand>,
    },
    /// Measure the performance budgets on this machine and print one table
    /// (what, budget, measured, PASS/FAIL). Takes a few minutes.
    Bench {
        /// Small sizes: proves the harness works, in seconds (CI runs this).
        #[arg(long)]
        quick: bool,
        /// Exit with 1 when a row fails its budget.
        #[arg(long)]
        strict: bool,
        /// Only the rows of one group: memory, frame, bytes, key, ingest,
        /// spreadsheets, search, fan-out, sockets, login-flood, replicas,
        /// start-up.
        #[arg(long)]
        only: Option<String>,
        /// A PostgreSQL server (an admin URL: postgres://postgres@127.0.0.1/postgres)
        /// to measure replicas on; each run makes its own databases there
        /// and drops them.
        #[arg(long, env = "CHATSMART_BENCH_POSTGRES")]
        postgres: Option<String>,
    },
    /// Manage agents (acts on the database directly).
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, Subcommand)]
pub enum BroadcastsCommand {
    /// Every broadcast, newest first (the default).
    List,
    /// One broadcast in full.
    Show { id: i64 },
    /// Stop a broadcast that is scheduled or still sending.
    Cancel { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Write every customer to FILE (.xlsx or .csv, by its extension).
    Export { file: PathBuf },
    /// Create or update customers from FILE (.xlsx, .xls or .csv), matched by
    /// channel and channel user id. Every row is checked first.
    Import {
        file: PathBuf,
        /// Check every row and say what would happen, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Customers whose name, email, phone or channel user id contains TEXT.
    Search {
        text: String,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum StandardCommand {
    /// Write the blank .xlsx template (columns Channels, Folder_name, Team, User, Message).
    Template { file: PathBuf },
    /// Import standard messages from an .xlsx or .xls file (admin).
    Import {
        file: PathBuf,
        /// Check every row and say what would happen, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export every folder and message to an .xlsx file (admin).
    Export { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Create an agent and print its bearer token on the last line.
    Add {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
        /// The name shown to customers and colleagues.
        #[arg(long)]
        name: String,
        /// The login for `chatsmart login` (default: from the name).
        #[arg(long)]
        login: Option<String>,
        /// Make the agent an administrator.
        #[arg(long)]
        admin: bool,
        /// A team the agent belongs to (repeat for several).
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Read a password for `chatsmart login` from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the agents.
    List {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
    },
    /// Issue a new bearer token for an existing agent; prints it on the last line.
    Token {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
        /// The agent's login.
        #[arg(long)]
        login: String,
    },
    /// Stop an agent signing in: its tokens stop working on its next
    /// request and its open inboxes are disconnected within 30 seconds.
    Disable {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
        /// The agent's login.
        login: String,
    },
    /// Let a disabled agent sign in again.
    Enable {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
        login: String,
    },
    /// Remove an agent: unassigned from every conversation (with a note in
    /// each), out of its teams and folders, signed out; its login can be
    /// given to someone else. Its messages keep its name.
    Remove {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
        login: String,
    },
    /// An agent's sign-ins.
    #[command(subcommand)]
    Tokens(TokensCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Sign the agent out everywhere: every token it holds stops working.
    Revoke {
        /// The database: a SQLite file's path or a postgres:// URL
        /// (default: chatsmart.db in the XDG data directory).
        #[arg(long, env = "CHATSMART_DB", value_parser = Database::parse)]
        db: Option<Database>,
        login: String,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn init_server_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHATSMART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The login derived from a name: "Alice Wong" -> "alice.wong".
fn open_store(db: Option<Database>) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    let db = db.unwrap_or_else(|| Database::Sqlite(crate::dirs::default_db_path()));
    crate::server::store::open(&db, Offline, Default::default())
        .map_err(|e| anyhow::anyhow!("cannot open the database {db}: {e}"))
}

/// Server URL and token from flags, the environment or the config file.
pub fn connect(
    cli_server: Option<String>,
    cli_token: Option<String>,
) -> anyhow::Result<Option<Client>> {
    let file = ClientConfig::load()?;
    let server = cli_server.or(file.server.clone());
    let token = match cli_token {
        Some(t) => Some(t),
        None => file.resolved_token()?,
    };
    match (server, token) {
        (Some(server), Some(token)) => Ok(Some(Client::new(&server, Some(token))?)),
        _ => Ok(None),
    }
}

const EXIT_CODES: &str = "Exit codes:
  0  done
  1  failed (the reason is on standard error, one line)
  2  bad usage: an unknown command, flag or value
  3  not connected: no server configured, or it cannot be reached
  4  not allowed: the token is wrong, or the action needs an admin
  5  not found: no such conversation, customer, agent or tag
  6  refused: the server found the request invalid or in conflict";

/// The exit code for an error, as listed in `--help`.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if let Some(c) = cause.downcast_ref::<crate::client::ClientError>() {
            return match c {
                crate::client::ClientError::Api { status, .. } => match status {
                    401 | 403 => 4,
                    404 => 5,
                    400 | 409 | 413 | 415 | 422 => 6,
                    _ => 1,
                },
                crate::client::ClientError::Network(_) => 3,
                crate::client::ClientError::Decode(_) => 1,
            };
        }
        let text = cause.to_string();
        if text.starts_with("no server configured") {
            return 3;
        }
        if text.starts_with("no agent ") || text.starts_with("no tag named") {
            return 5;
        }
    }
    1
}

const NOT_CONNECTED: &str = "no server configured: give --server and --token (or CHATSMART_SERVER and CHATSMART_TOKEN, or chatsmart login)";

const HOW_TO_CONNECT: &str =
    "chatsmart is not connected to a server yet (in a terminal it opens a sign-in form).

  Try it with sample data:      chatsmart demo
  Connect to a server:          chatsmart --server http://HOST:7878 --token TOKEN
                                (or set CHATSMART_SERVER and CHATSMART_TOKEN,
                                 or put server = \"...\" and token = \"...\" in the config file)
  Run your own server:          chatsmart serve
  Create an agent and a token:  chatsmart agent add --name \"Alice Wong\" --admin

See chatsmart --help for every command.";

fn ui_config() -> anyhow::Result<crate::tui::UiConfig> {
    let file = ClientConfig::load()?;
    let d = crate::tui::UiConfig::default();
    Ok(crate::tui::UiConfig {
        keymap: file.keymap.unwrap_or(d.keymap),
        theme: file.theme.unwrap_or(d.theme),
        enter_sends: file.enter_sends.unwrap_or(d.enter_sends),
        notify: file.notify.unwrap_or(d.notify),
        download_dir: file
            .download_dir
            .map(|p| crate::tui::paths::expand(&p, crate::tui::paths::home().as_deref()))
            .unwrap_or(d.download_dir),
        images: file.images.unwrap_or(d.images),
        keep_drafts_days: file.keep_drafts_days.unwrap_or(d.keep_drafts_days),
        fresh: false,
        keep_state: true,
    })
}

/// Removes the kept inboxes (every server's); says how many there were.
fn clear_cache() -> anyhow::Result<usize> {
    let dir = crate::dirs::state_dir().join("cache");
    let mut n = 0;
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                std::fs::remove_file(e.path())?;
                n += 1;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", dir.display())),
    }
    Ok(n)
}

fn need_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the inbox needs a terminal; to print events instead, use `chatsmart watch` (or `chatsmart demo --watch`)");
    }
    Ok(())
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => {
            let server = cli.server.clone().or(ClientConfig::load()?.server);
            let client = connect(cli.server, cli.token)?;
            if client.is_none() && need_terminal().is_err() {
                println!("{HOW_TO_CONNECT}");
                if let Some(path) = crate::dirs::config_file() {
                    println!("\nConfig file: {}", path.display());
                }
                return Ok(());
            }
            need_terminal()?;
            let ui = crate::tui::UiConfig {
                fresh: cli.fresh,
                ..ui_config()?
            };
            // Without a server or token: the sign-in screen.
            runtime()?.block_on(crate::tui::run(client, ui, server))
        }
        Some(Command::Login {
            login,
            password_stdin,
        }) => {
            let file = ClientConfig::load()?;
            let server = cli
                .server
                .or(file.server)
                .context("give the server: chatsmart login --server http://HOST:7878")?;
            let login = match login {
                Some(l) => l,
                None => {
                    eprint!("Login: ");
                    let mut l = String::new();
                    std::io::stdin().read_line(&mut l)?;
                    l.trim().to_string()
                }
            };
            let password = if password_stdin {
                let mut p = String::new();
                std::io::stdin().read_line(&mut p)?;
                p.trim_end_matches(['\r', '\n']).to_string()
            } else {
                rpassword::prompt_password("Password: ")?
            };
            let client = Client::new(&server, None)?;
            let ok = runtime()?.block_on(client.login(&login, &password))?;
            let kept = match config::save_login(&server, &ok.token)? {
                config::TokenStore::Keyring => "in the system keyring".to_string(),
                config::TokenStore::File(p) => {
                    format!("in {} (readable only by you)", p.display())
                }
            };
            eprintln!(
                "signed in as {} on {server}; the token is kept {kept}",
                ok.agent.name
            );
            Ok(())
        }
        Some(Command::Logout) => {
            let on_server = match connect(cli.server, cli.token)? {
                Some(client) => match runtime()?.block_on(client.logout()) {
                    Ok(()) => "signed out on the server",
                    Err(e) if e.status() == Some(401) => "the server had already ended it",
                    Err(e) => {
                        eprintln!("warning: the server could not be told ({e}); the token was forgotten here anyway");
                        "not confirmed by the server"
                    }
                },
                None => "no server or token configured",
            };
            let here = if config::forget_login()? {
                "the kept token is forgotten"
            } else {
                "no kept token here"
            };
            // Customers' conversations do not stay behind a signed-out user.
            let _ = clear_cache();
            eprintln!("{on_server}; {here}; the last known inbox is forgotten");
            Ok(())
        }
        Some(Command::ClearCache) => {
            let n = clear_cache()?;
            eprintln!(
                "forgot the last known inbox of {n} server{} (drafts and unsent replies are kept)",
                if n == 1 { "" } else { "s" }
            );
            Ok(())
        }
        Some(Command::Keys) => {
            let ui = ui_config()?;
            let (km, _, problems) = crate::tui::load_look(&ui);
            for p in problems {
                eprintln!("warning: {p}");
            }
            println!(
                "Keys in force (keymap {:?} and your keymap.toml):",
                ui.keymap
            );
            for (key, text) in crate::tui::popups::help::lines_for(&km) {
                match key {
                    Some(k) => println!("  {k:>20}  {text}"),
                    None => println!("{text}"),
                }
            }
            println!("\nEvery command, for keymap.toml:");
            for c in crate::tui::command::Command::ALL {
                println!("  {:<28} {}", c.name(), c.description());
            }
            Ok(())
        }
        Some(Command::Watch) => {
            let client = connect(cli.server, cli.token)?
                .context("no server configured: give --server and --token")?;
            runtime()?.block_on(crate::watch::watch(client))
        }
        Some(Command::Serve {
            listen,
            db,
            demo,
            keep_events,
            files,
            max_upload,
            config,
            bot,
            public_url,
            durability,
            token_idle_days,
            trust_proxy,
            streams_per_agent,
            upload_quota,
        }) => {
            let settings = server::settings::load(config.as_deref())?;
            let upload_quota = match upload_quota.or(settings.security.upload_quota.clone()) {
                Some(q) => crate::protocol::parse_size(&q)
                    .map_err(|e| anyhow::anyhow!("upload quota {q}: {e}"))?,
                None => server::auth::UPLOAD_QUOTA,
            };
            let flow = match bot.or(settings.bot) {
                Some(path) => {
                    let flow = server::bot::Flow::load(&path).map_err(anyhow::Error::msg)?;
                    eprintln!("the bot follows {}", path.display());
                    flow
                }
                None => server::bot::Flow::default(),
            };
            let api_bases = settings.api.with_env();
            let public_url = public_url.or(settings.public_url);
            if let Some(u) = public_url.as_deref().filter(|u| !u.starts_with("https://")) {
                eprintln!(
                    "note: public_url {u} is not https: LINE takes files only from https addresses"
                );
            }
            let mut uploads = crate::protocol::UploadLimits::default();
            for setting in &max_upload {
                uploads
                    .parse_setting(setting)
                    .map_err(|e| anyhow::anyhow!("--max-upload {setting}: {e}"))?;
            }
            init_server_logging();
            runtime()?.block_on(async move {
                if demo {
                    let demo = crate::demo::start(listen).await?;
                    println!("chatsmart demo server: {}", demo.url());
                    println!("Connect a terminal with:");
                    println!(
                        "  chatsmart --server {} --token {}",
                        demo.url(),
                        demo.agent_token
                    );
                    println!("Agent token:");
                    println!("{}", demo.agent_token);
                    tokio::signal::ctrl_c().await?;
                    demo.stop().await
                } else {
                    let db = db.unwrap_or_else(|| Database::Sqlite(crate::dirs::default_db_path()));
                    let running = server::start(ServerConfig {
                        keep_events,
                        files,
                        uploads,
                        api_bases,
                        bot: std::sync::Arc::new(flow),
                        public_url,
                        durability: durability.or(settings.durability).unwrap_or_default(),
                        token_idle: chrono::Duration::days(i64::from(
                            token_idle_days
                                .or(settings.security.token_idle_days)
                                .unwrap_or(server::auth::TOKEN_IDLE_DAYS as u32)
                                .clamp(1, 3650),
                        )),
                        trusted_proxies: if trust_proxy.is_empty() {
                            settings.security.trusted_proxies.clone()
                        } else {
                            trust_proxy
                        },
                        streams_per_agent: streams_per_agent
                            .or(settings.security.streams_per_agent)
                            .unwrap_or(server::auth::STREAMS_PER_AGENT),
                        upload_quota,
                        standard_editing: settings.standard_messages.unwrap_or_default(),
                        ..ServerConfig::new(listen, db.clone())
                    })
                    .await?;
                    eprintln!("chatsmart server on {} (database {})", running.url(), db);
                    tokio::select! {
                        r = tokio::signal::ctrl_c() => { r?; running.stop().await }
                        r = terminate() => { r?; running.stop().await }
                    }
                }
            })
        }
        Some(Command::Demo { watch }) => runtime()?.block_on(async move {
            let demo = crate::demo::start("127.0.0.1:0".parse()?).await?;
            let client = Client::new(&demo.url(), Some(demo.agent_token.clone()))?;
            let result = if watch {
                crate::watch::watch(client).await
            } else {
                match need_terminal().and_then(|()| ui_config()) {
                    // The demo's server lives one run: nothing of it is kept.
                    Ok(ui) => {
                        let ui = crate::tui::UiConfig {
                            keep_state: false,
                            ..ui
                        };
                        crate::tui::run(Some(client), ui, None).await
                    }
                    Err(e) => Err(e),
                }
            };
            demo.stop().await?;
            result
        }),
        Some(Command::Agent(cmd)) => run_agent(cmd),
        Some(Command::Bench {
            quick,
            strict,
            only,
            postgres,
        }) => runtime()?.block_on(async move {
            let opts = crate::bench::Options {
                quick,
                only,
                postgres,
            };
            let rows = crate::bench::run(opts, |what| eprintln!("measuring {what}…")).await?;
            println!(
                "chatsmart {} bench{} on {}, {}",
                env!("CARGO_PKG_VERSION"),
                if quick {
                    " --quick (sizes reduced: not the budgets' sizes)"
                } else {
                    ""
                },
                crate::bench::machine(),
                chrono::Utc::now().format("%Y-%m-%d")
            );
            println!();
            print!("{}", crate::bench::table(&rows));
            let failed = rows
                .iter()
                .filter(|r| r.verdict == crate::bench::Verdict::Fail)
                .count();
            if strict && failed > 0 {
                anyhow::bail!("{failed} row(s) over budget");
            }
            Ok(())
        }),
        Some(Command::Broadcast {
            tag,
            channels,
            at,
            yes,
            text,
        }) => {
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            runtime()?.block_on(run_broadcast(client, tag, channels, at, yes, text))
        }
        Some(Command::Convs(args)) => {
            let out = output::Output::new(cli.output, cli.quiet);
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            runtime()?.block_on(convs::list(client, args, out))
        }
        Some(Command::Conv { id, action }) => {
            let out = output::Output::new(cli.output, cli.quiet);
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            let action = action.unwrap_or(convs::ConvAction::Show { messages: 20 });
            runtime()?.block_on(convs::act(client, id, action, out))
        }
        Some(Command::Bot { cmd }) => bot::run(cmd),
        Some(Command::Db {
            cmd:
                DbCommand::Copy {
                    from,
                    to,
                    from_files,
                    to_files,
                },
        }) => {
            let ends = crate::server::store::copy::Ends {
                from,
                to,
                from_files,
                to_files,
            };
            let copied = crate::server::store::copy::copy(&ends).map_err(|e| {
                anyhow::anyhow!("cannot copy {} to {}: {e}", ends.from, ends.to)
            })?;
            let rows: u64 = copied.tables.iter().map(|(_, n)| n).sum();
            for (table, n) in &copied.tables {
                eprintln!("{table:>26} {n}");
            }
            eprintln!(
                "copied {rows} rows in {} tables and {} files from {} to {}; every table's count checked",
                copied.tables.len(),
                copied.files,
                ends.from,
                ends.to
            );
            Ok(())
        }
        Some(Command::Channel {
            cmd: Some(channels::ChannelCommand::RotateKey { db }),
        }) => runtime()?.block_on(async move {
            let db = db.unwrap_or_else(|| Database::Sqlite(crate::dirs::default_db_path()));
            let Database::Sqlite(path) = &db else {
                anyhow::bail!(
                    "a PostgreSQL database's key is {}: put the new key there and the old one in {} on every replica, then restart them; they seal everything again",
                    crate::server::store::secrets::KEY_VAR,
                    crate::server::store::secrets::OLD_KEY_VAR
                );
            };
            let store = SqliteStore::open(path, Offline)
                .map_err(|e| anyhow::anyhow!("cannot open the database {db}: {e}"))?;
            let id = store.rotate_key().await?;
            eprintln!(
                "channel credentials are now encrypted under key {id} (in {})",
                crate::server::store::secrets::key_file(store.path()).display()
            );
            Ok(())
        }),
        Some(Command::Channel { cmd }) => {
            let out = output::Output::new(cli.output, cli.quiet);
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            runtime()?.block_on(channels::run(
                client,
                cmd.unwrap_or(channels::ChannelCommand::List),
                out,
            ))
        }
        Some(Command::Macros { cmd }) => {
            let out = output::Output::new(cli.output, cli.quiet);
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            runtime()?.block_on(macros::run(
                client,
                cmd.unwrap_or(macros::MacrosCommand::List),
                out,
            ))
        }
        Some(Command::Broadcasts { cmd }) => {
            let out = output::Output::new(cli.output, cli.quiet);
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            runtime()?.block_on(broadcast::run_broadcasts(
                client,
                cmd.unwrap_or(BroadcastsCommand::List),
                out,
            ))
        }
        Some(Command::Customers(cmd)) => {
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            let out = output::Output::new(cli.output, cli.quiet);
            runtime()?.block_on(run_customers(client, cmd, out))
        }
        Some(Command::StandardMessages(cmd)) => {
            let client = connect(cli.server, cli.token)?.context(NOT_CONNECTED)?;
            runtime()?.block_on(run_standard(client, cmd))
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "chatsmart", &mut std::io::stdout());
            Ok(())
        }
    }
}

#[cfg(unix)]
async fn terminate() -> std::io::Result<()> {
    let mut s = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    s.recv().await;
    Ok(())
}

#[cfg(not(unix))]
async fn terminate() -> std::io::Result<()> {
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

/// `chatsmart db …`
#[derive(clap::Subcommand, Debug)]
pub enum DbCommand {
    /// Copies a whole database into a new, empty one (SQLite to
    /// PostgreSQL and back), files' bytes and all, and checks every
    /// table's count. Stop the servers on the source first.
    Copy {
        /// The database to copy: a SQLite file's path or a postgres:// URL.
        #[arg(long, value_parser = Database::parse)]
        from: Database,
        /// The new database: a SQLite path or a postgres:// URL; it must
        /// be empty.
        #[arg(long, value_parser = Database::parse)]
        to: Database,
        /// The source's files folder (default: `files/` beside a SQLite
        /// source).
        #[arg(long)]
        from_files: Option<std::path::PathBuf>,
        /// The target's files folder (default: `files/` beside a SQLite
        /// target).
        #[arg(long)]
        to_files: Option<std::path::PathBuf>,
    },
}
