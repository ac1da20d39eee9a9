//! The chatsmart messaging server: axum routes over a [`Store`], with an
//! event hub that streams every committed change over WebSockets.

pub mod audience;
pub mod auth;
pub mod bot;
pub mod channels;
pub mod clock;
pub mod error;
pub mod extract;
pub mod files;
pub mod hub;
pub mod routes;
pub mod settings;
pub mod store;
pub mod workers;

use crate::protocol::API_PREFIX;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use hub::Hub;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;
use tokio::sync::oneshot;

/// Largest JSON body the API accepts (uploads have their own limits).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub hub: Hub,
    pub clock: Arc<dyn clock::Clock>,
    /// Attachments' bytes.
    pub files: Arc<files::FileStore>,
    /// The largest file accepted, per kind.
    pub uploads: Arc<crate::protocol::UploadLimits>,
    /// The messaging platforms' APIs.
    pub platforms: Arc<channels::Platforms>,
    /// The bot that answers first.
    pub bot: Arc<bot::Bot>,
    /// Where the server is reachable from the internet (for platforms
    /// that fetch our files by link); None when it is not.
    pub public_url: Option<Arc<str>>,
    /// Sign-in budgets, token lifetime, stream limits.
    pub security: Arc<auth::Security>,
    /// Signs the links platforms fetch our files by (derived from the
    /// server's secret key, kept outside the database).
    pub link_key: Arc<[u8; 32]>,
    /// Who may change standard messages.
    pub standard_editing: crate::protocol::StandardEditing,
    /// Customers' names being looked up on the platforms (bounded).
    pub names: Arc<workers::names::Lookups>,
}

#[derive(Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub db: store::Database,
    /// How many events the log keeps for clients that reconnect; older
    /// ones are pruned hourly (a client asking for them resyncs).
    pub keep_events: u64,
    /// The system clock unless a test gives its own.
    pub clock: Arc<dyn clock::Clock>,
    /// Where attachments' bytes live; `files/` beside the database when
    /// not given.
    pub files: Option<PathBuf>,
    /// The largest file accepted, per kind (25 MB each by default).
    pub uploads: crate::protocol::UploadLimits,
    /// Where the platforms' APIs are: the real hosts, unless the
    /// environment (`CHATSMART_*_API_BASE`) or the config file says.
    pub api_bases: channels::ApiBases,
    /// The first wait before sending (or fetching) again after a failure
    /// worth retrying; each later wait doubles.
    pub retry_base: std::time::Duration,
    /// The bot's flow (bots/default.toml unless the server is given one).
    pub bot: Arc<bot::Flow>,
    /// Where the server is reachable from the internet, for platforms
    /// that take files only by link (LINE).
    pub public_url: Option<String>,
    /// A token unused this long stops working (30 days by default).
    pub token_idle: chrono::Duration,
    /// How many sign-in tries each address and login gets.
    pub login_limits: auth::login::LoginLimits,
    /// Proxies in front of the server whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Event streams one agent may hold open at once (8 by default).
    pub streams_per_agent: usize,
    /// Whether each commit waits for the disk (full, the default).
    pub durability: store::Durability,
    /// An event-stream client that reads nothing this long is dropped.
    pub stream_idle: std::time::Duration,
    /// Bytes each agent may upload in 24 hours (2 GB by default).
    pub upload_quota: u64,
    /// Who may change standard messages (everyone, as the help centre has
    /// it, unless the server keeps it for admins).
    pub standard_editing: crate::protocol::StandardEditing,
    /// The key that seals channel credentials, when not from the
    /// environment or (SQLite) the key file beside the database.
    pub keys: Option<store::secrets::Keys>,
}

/// The default of [`ServerConfig::keep_events`].
pub const KEEP_EVENTS: u64 = 1_000_000;

impl ServerConfig {
    pub fn new(listen: SocketAddr, db: impl Into<store::Database>) -> Self {
        ServerConfig {
            listen,
            db: db.into(),
            keep_events: KEEP_EVENTS,
            clock: Arc::new(clock::SystemClock),
            files: None,
            uploads: crate::protocol::UploadLimits::default(),
            api_bases: channels::ApiBases::default().with_env(),
            retry_base: std::time::Duration::from_secs(5),
            bot: Arc::new(bot::Flow::default()),
            public_url: None,
            token_idle: chrono::Duration::days(auth::TOKEN_IDLE_DAYS),
            login_limits: auth::login::LoginLimits::default(),
            trusted_proxies: Vec::new(),
            streams_per_agent: auth::STREAMS_PER_AGENT,
            durability: store::Durability::Full,
            stream_idle: auth::STREAM_IDLE,
            upload_quota: auth::UPLOAD_QUOTA,
            standard_editing: Default::default(),
            keys: None,
        }
    }

    /// The directory attachments are stored in.
    pub fn files_dir(&self) -> PathBuf {
        match &self.files {
            Some(dir) => dir.clone(),
            None => self
                .db
                .sqlite_path()
                .and_then(std::path::Path::parent)
                .map_or_else(|| PathBuf::from("files"), |d| d.join("files")),
        }
    }
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .nest(API_PREFIX, routes::router())
        .merge(channels::inbound::router())
        .fallback(|| async {
            error::ApiError::not_found("no such route; the API lives under /api/v1")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// A server running on a tokio task.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The database's lock, held while the server runs.
    lock: Option<std::fs::File>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.state.hub.close();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await??;
        Ok(())
    }

    /// Waits until the server stops by itself (it normally runs forever).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        Ok(())
    }
}

/// Opens the database (running migrations) and starts serving.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let hub = Hub::new();
    // One server per database: SQLite has one writer, the event log one
    // sequence; and `rotate-key` must not run beside a server.
    let options = store::OpenOptions {
        durability: config.durability,
        keys: config.keys.clone(),
    };
    let store = store::open(&config.db, hub.clone(), options)
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", config.db))?;
    let lock = match config.db.sqlite_path() {
        Some(path) => Some(store::secrets::lock_database(path).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let link_key = Arc::new(store.keys().current.derive("media-links"));
    let state = AppState {
        link_key,
        standard_editing: config.standard_editing,
        names: Arc::default(),
        store: store.clone(),
        hub,
        clock: config.clock.clone(),
        files: Arc::new({
            let files = files::FileStore::new(config.files_dir()).shared_through(store.clone());
            match files.sweep_at_start() {
                0 => {}
                n => tracing::info!("deleted {n} leftovers of uploads cut off before a restart"),
            }
            files
        }),
        uploads: Arc::new(config.uploads.clone()),
        platforms: Arc::new(channels::Platforms::new(
            config.api_bases.clone(),
            store.clone(),
        )),
        bot: Arc::new(bot::Bot::new(config.bot.clone())),
        public_url: config
            .public_url
            .as_deref()
            .map(|u| Arc::from(u.trim_end_matches('/'))),
        security: Arc::new(auth::Security {
            login: auth::login::LoginGuard::new(&config.login_limits),
            token_idle: config.token_idle,
            trusted_proxies: config.trusted_proxies.clone(),
            streams_per_agent: config.streams_per_agent.max(1),
            streams: Default::default(),
            stream_idle: config.stream_idle,
            upload_quota: config.upload_quota,
            uploading: Default::default(),
            nonces: Default::default(),
            webhook_items_skipped: Default::default(),
        }),
    };
    let mut running = start_with(config.listen, state).await?;
    running.lock = lock;
    workers::spawn_all(&running.state, config.retry_base);
    let state = running.state.clone();
    let store = state.store.clone();
    let mut closing = running.state.hub.closing();
    let keep = config.keep_events;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        let mut minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                // Sign-in budgets and nonces: small, but kept small.
                _ = minute.tick() => {
                    state.security.login.sweep();
                    state.security.nonces.sweep(std::time::Instant::now());
                }
                _ = every.tick() => {
                    match store.prune_events(keep).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!("pruned {n} old events from the log"),
                        Err(e) => tracing::warn!("could not prune the event log: {e}"),
                    }
                    prune_unused_files(&state).await;
                    let idle_since = state
                        .clock
                        .now()
                        .checked_sub_signed(state.security.token_idle)
                        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
                    match store.prune_tokens(idle_since).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!("deleted {n} tokens unused for too long"),
                        Err(e) => tracing::warn!("could not prune idle tokens: {e}"),
                    }
                }
                _ = closing.changed() => return,
            }
        }
    });
    Ok(running)
}

/// How long an upload may wait for a message before it is deleted (a
/// draft's file may sit over a weekend).
pub const UNUSED_UPLOAD_HOURS: i64 = 7 * 24;

/// Deletes uploads no message took within [`UNUSED_UPLOAD_HOURS`], and
/// their bytes when nothing else uses them.
pub async fn prune_unused_files(state: &AppState) {
    let before = state.clock.now() - chrono::Duration::hours(UNUSED_UPLOAD_HOURS);
    match state.store.prune_unused_attachments(before).await {
        Ok(shas) => {
            for sha in &shas {
                if let Err(e) = state.files.delete_if_unused(sha, &*state.store).await {
                    tracing::warn!("could not delete unused file {sha}: {e}");
                }
            }
            if !shas.is_empty() {
                tracing::info!("deleted {} unused uploads", shas.len());
            }
        }
        Err(e) => tracing::warn!("could not prune unused uploads: {e}"),
    }
    if state.store.keeps_file_bytes() {
        let before = chrono::Utc::now() - chrono::Duration::hours(files::SHARED_GRACE_HOURS);
        match state.store.prune_file_bytes(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("deleted the bytes of {n} unused files from the database"),
            Err(e) => tracing::warn!("could not prune files' bytes: {e}"),
        }
    }
}

pub async fn start_with(listen: SocketAddr, state: AppState) -> anyhow::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    // Events are small frames that should leave at once, not wait for
    // the previous one's acknowledgement (Nagle).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let (tx, rx) = oneshot::channel::<()>();
    let router = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!("chatsmart server listening on http://{addr}");
    Ok(RunningServer {
        addr,
        state,
        shutdown: Some(tx),
        task,
        lock: None,
    })
}
