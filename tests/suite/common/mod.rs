//! Test harness: a real server on an ephemeral loopback port with a SQLite
//! file in a temporary directory, driven through the project's own client.
//!
//! The same tests run on PostgreSQL when `CHATSMART_TEST_BACKEND=postgres`
//! (each server gets a database of its own on `CHATSMART_TEST_POSTGRES`):
//! `.ci/run` runs the suite both ways, so a rule cannot hold on one
//! backend and not the other. A test that reads SQLite's file itself says
//! so with [`sqlite_only`].

use chatsmart::client::Client;
use chatsmart::protocol::*;
use chatsmart::server::auth::{hash_password, new_token, token_hash};
use chatsmart::server::store::NewAgent;
use chatsmart::server::{self, RunningServer, ServerConfig};
use futures_util::StreamExt;
use std::path::PathBuf;
pub mod platforms;
pub mod postgres;

use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub struct User {
    pub agent: Agent,
    pub token: String,
    pub client: Client,
}

pub struct TestServer {
    pub server: Option<RunningServer>,
    /// The database the server runs on.
    pub database: chatsmart::server::store::Database,
    /// On PostgreSQL: the test's database (dropped with it) and the key
    /// its credentials are sealed with.
    pub pg: Option<(
        postgres::TestPostgres,
        chatsmart::server::store::secrets::Keys,
    )>,
    pub clock: std::sync::Arc<dyn chatsmart::server::clock::Clock>,
    pub dir: tempfile::TempDir,
    pub admin: User,
    pub alice: User,
    pub bob: User,
}

pub const PASSWORD: &str = "correct horse battery";

/// A test server that reaches no real platform (every API base is a
/// closed local port; tests with a platform double point them at it) and
/// whose bot says nothing (tests of the bot give it a flow).
pub fn quiet(config: ServerConfig) -> ServerConfig {
    let nowhere = "http://127.0.0.1:9".to_string();
    ServerConfig {
        api_bases: chatsmart::server::channels::ApiBases {
            meta: nowhere.clone(),
            line: nowhere.clone(),
            line_data: nowhere.clone(),
            wechat: nowhere,
        },
        bot: std::sync::Arc::new(chatsmart::server::bot::Flow::parse("").unwrap()),
        ..config
    }
}

/// Whether the suite runs on PostgreSQL (`CHATSMART_TEST_BACKEND`).
pub fn on_postgres() -> bool {
    match std::env::var("CHATSMART_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite" | "") | Err(_) => false,
        Ok(other) => panic!("CHATSMART_TEST_BACKEND is sqlite or postgres, not {other:?}"),
    }
}

/// True (after one line saying so) when the suite runs on PostgreSQL: the
/// calling test reads or opens SQLite's file itself and returns at once.
pub fn sqlite_only(test: &str) -> bool {
    if on_postgres() {
        eprintln!("{test}: SQLite's own, skipped on PostgreSQL");
        return true;
    }
    false
}

/// A new, empty database on the suite's backend: `file` in `dir`, or a
/// PostgreSQL database of its own with the key its credentials are sealed
/// with.
pub fn fresh_database(
    dir: &tempfile::TempDir,
    file: &str,
) -> (
    chatsmart::server::store::Database,
    Option<(
        postgres::TestPostgres,
        chatsmart::server::store::secrets::Keys,
    )>,
) {
    use chatsmart::server::store::{secrets, Database};
    if !on_postgres() {
        return (Database::Sqlite(dir.path().join(file)), None);
    }
    let db = postgres::TestPostgres::create(file)
        .expect("CHATSMART_TEST_BACKEND=postgres needs CHATSMART_TEST_POSTGRES");
    let keys = secrets::Keys {
        current: secrets::Key::generate(),
        older: Vec::new(),
    };
    (Database::Postgres(db.url.clone()), Some((db, keys)))
}

/// A store without a server, on the suite's backend.
pub struct TestStore {
    /// Where the SQLite file is, kept while the store is.
    _dir: tempfile::TempDir,
    pub database: chatsmart::server::store::Database,
    pg: Option<(
        postgres::TestPostgres,
        chatsmart::server::store::secrets::Keys,
    )>,
}

impl TestStore {
    pub fn new(name: &str) -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let (database, pg) = fresh_database(&dir, name);
        TestStore {
            _dir: dir,
            database,
            pg,
        }
    }

    /// Opens (again) the database, publishing to `sink`.
    pub fn open(
        &self,
        sink: impl chatsmart::server::store::EventSink + 'static,
    ) -> std::sync::Arc<dyn chatsmart::server::store::Store> {
        chatsmart::server::store::open(
            &self.database,
            sink,
            chatsmart::server::store::OpenOptions {
                keys: self.pg.as_ref().map(|(_, k)| k.clone()),
                ..Default::default()
            },
        )
        .unwrap()
    }
}

impl TestServer {
    /// The SQLite file (see [`sqlite_only`]).
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// The test's database opened beside (or instead of) the server, as
    /// a tool would: nobody hears its events.
    pub fn open_store(&self) -> std::sync::Arc<dyn chatsmart::server::store::Store> {
        chatsmart::server::store::open(
            &self.database,
            chatsmart::server::store::Offline,
            chatsmart::server::store::OpenOptions {
                keys: self.pg.as_ref().map(|(_, k)| k.clone()),
                ..Default::default()
            },
        )
        .unwrap()
    }

    /// Runs `f` on a plain connection to the test's database, on either
    /// backend (to look at or plant rows a test cannot reach otherwise).
    pub fn with_db<T: Send>(
        &self,
        f: impl FnOnce(chatsmart::server::store::sql::Db) -> T + Send,
    ) -> T {
        use chatsmart::server::store::{sql, Database};
        match &self.database {
            Database::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                f(sql::Db::Sqlite(&conn))
            }
            Database::Postgres(url) => postgres::off_runtime(|| {
                let conn = sql::postgres::PgConn::connect(url).unwrap();
                f(conn.db())
            }),
        }
    }

    /// Another server on the same database (a replica: PostgreSQL only),
    /// with a files folder of its own; its URL is `server.url()`.
    pub async fn replica(&self) -> (RunningServer, tempfile::TempDir) {
        let files = tempfile::tempdir().unwrap();
        let server = server::start(quiet(ServerConfig {
            files: Some(files.path().to_path_buf()),
            ..self.config("127.0.0.1:0")
        }))
        .await
        .unwrap();
        (server, files)
    }

    /// A server configuration on this test's database and files.
    fn config(&self, addr: &str) -> ServerConfig {
        ServerConfig {
            clock: self.clock.clone(),
            files: Some(self.dir.path().join("files")),
            keys: self.pg.as_ref().map(|(_, k)| k.clone()),
            ..ServerConfig::new(addr.parse().unwrap(), self.database.clone())
        }
    }

    pub fn url(&self) -> String {
        self.server.as_ref().expect("server running").url()
    }

    pub async fn start() -> TestServer {
        Self::start_with_clock(std::sync::Arc::new(chatsmart::server::clock::SystemClock)).await
    }

    /// A server whose clock the test moves by hand.
    pub async fn start_with_clock(
        clock: std::sync::Arc<dyn chatsmart::server::clock::Clock>,
    ) -> TestServer {
        Self::start_with_config(move |c| ServerConfig { clock, ..c }).await
    }

    /// A server whose configuration the test changes from the default.
    pub async fn start_with_config(
        change: impl FnOnce(ServerConfig) -> ServerConfig,
    ) -> TestServer {
        // The servers' logs, when a test is being looked into:
        // CHATSMART_TEST_LOG=warn (a tracing filter) prints them.
        if let Ok(filter) = std::env::var("CHATSMART_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let dir = tempfile::tempdir().unwrap();
        let (database, pg) = fresh_database(&dir, "test.db");
        let config = change(quiet(ServerConfig {
            files: Some(dir.path().join("files")),
            keys: pg.as_ref().map(|(_, k)| k.clone()),
            ..ServerConfig::new("127.0.0.1:0".parse().unwrap(), database.clone())
        }));
        let clock = config.clock.clone();
        let server = server::start(config).await.unwrap();
        let url = server.url();
        let store = server.state.store.clone();
        let mut users = Vec::new();
        for (name, role, teams) in [
            ("Ada Admin", Role::Admin, vec!["Support".to_string()]),
            ("Alice Wong", Role::Agent, vec!["Support".to_string()]),
            ("Bob Chen", Role::Agent, vec!["Billing".to_string()]),
        ] {
            let agent = store
                .create_agent(NewAgent {
                    name: name.into(),
                    login: chatsmart::protocol::login_from_name(name),
                    role,
                    teams,
                    password_hash: Some(hash_password(PASSWORD).unwrap()),
                })
                .await
                .unwrap();
            let token = new_token();
            store
                .add_token(agent.id, token_hash(&token), chrono::Utc::now())
                .await
                .unwrap();
            let client = Client::new(&url, Some(token.clone())).unwrap();
            users.push(User {
                agent,
                token,
                client,
            });
        }
        let bob = users.pop().unwrap();
        let alice = users.pop().unwrap();
        let admin = users.pop().unwrap();
        TestServer {
            server: Some(server),
            database,
            pg,
            clock,
            dir,
            admin,
            alice,
            bob,
        }
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.restart_stopped().await;
    }

    /// Starts a server on the database of one that was stopped.
    pub async fn restart_stopped(&mut self) {
        self.restart_stopped_at("127.0.0.1:0").await;
    }

    /// Starts a server on the database of one that was stopped, at this
    /// address (the old one, for clients that reconnect there).
    pub async fn restart_stopped_at(&mut self, addr: &str) {
        self.restart_stopped_with(addr, |c| c).await;
    }

    /// Starts a server on the database of one that was stopped, at this
    /// address, with its configuration changed from the quiet default.
    pub async fn restart_stopped_with(
        &mut self,
        addr: &str,
        change: impl FnOnce(ServerConfig) -> ServerConfig,
    ) {
        let server = server::start(change(quiet(self.config(addr))))
            .await
            .unwrap();
        let url = server.url();
        for u in [&mut self.admin, &mut self.alice, &mut self.bob] {
            u.client = Client::new(&url, Some(u.token.clone())).unwrap();
        }
        self.server = Some(server);
    }

    /// A customer message through the API channel.
    pub async fn inbound(
        &self,
        channel: ChannelKind,
        user: &str,
        name: &str,
        text: &str,
        ext: &str,
    ) -> InboundAccepted {
        self.admin
            .client
            .inbound(&Inbound {
                channel,
                channel_user_id: user.into(),
                customer_name: name.into(),
                text: text.into(),
                external_id: ext.into(),
                attachment_id: None,
            })
            .await
            .unwrap()
    }

    /// A raw WebSocket to the event stream.
    pub async fn ws(&self, token: &str, since: Option<Seq>) -> Ws {
        Ws::connect(&self.url(), token, since).await
    }

    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1/{}", self.url(), path)
    }
}

pub struct Ws {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Ws {
    /// A raw WebSocket to the event stream of the server at `server`.
    pub async fn connect(server: &str, token: &str, since: Option<Seq>) -> Ws {
        let client = Client::new(server, None).unwrap();
        let mut url = client.events_url(since);
        url.query_pairs_mut().append_pair("token", token);
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .unwrap();
        Ws { ws }
    }

    /// The next event, or None if nothing arrives within the timeout.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Event> {
        loop {
            let msg = tokio::time::timeout(wait, self.ws.next()).await.ok()??;
            match msg.ok()? {
                WsMessage::Text(t) => return Some(serde_json::from_str(&t).unwrap()),
                _ => continue,
            }
        }
    }

    /// Whether the server closes the stream within `wait` (events that
    /// arrive first are skipped).
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let closed = async {
            loop {
                match self.ws.next().await {
                    None | Some(Err(_) | Ok(WsMessage::Close(_))) => return,
                    Some(Ok(_)) => {}
                }
            }
        };
        tokio::time::timeout(wait, closed).await.is_ok()
    }

    pub async fn next(&mut self) -> Event {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("an event within 10 s")
    }

    /// Events until one matches, returning it (others are skipped).
    pub async fn until(&mut self, mut f: impl FnMut(&Event) -> bool) -> Event {
        loop {
            let ev = self.next().await;
            if f(&ev) {
                return ev;
            }
        }
    }
}

impl TestServer {
    /// Stops the server (for tests that change things while it is down).
    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await.unwrap();
        }
    }

    pub fn state(&self) -> &chatsmart::server::AppState {
        &self.server.as_ref().expect("server running").state
    }
}

/// Connects a platform account (as the admin) with these credentials.
pub async fn channel(t: &TestServer, kind: ChannelKind, creds: &[(&str, &str)]) -> ChannelCreated {
    let credentials: std::collections::BTreeMap<String, String> = creds
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    t.admin
        .client
        .create_channel(&NewChannel {
            kind,
            name: kind.display_name().into(),
            credentials,
        })
        .await
        .unwrap()
}

/// An API error's status and message (any other error fails the test).
pub fn api_error(e: chatsmart::client::ClientError) -> (u16, String) {
    match e {
        chatsmart::client::ClientError::Api {
            status, message, ..
        } => (status, message),
        other => panic!("expected an API error, got {other}"),
    }
}
