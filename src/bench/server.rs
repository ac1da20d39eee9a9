//! The server's figures, measured against a real server on loopback with
//! a real SQLite file: ingest over HTTP beside raw SQLite inserts, and the
//! spreadsheet imports and exports.

use super::{ms, size, Options, Row};
use crate::client::Client;
use crate::protocol::*;
use crate::server::auth::{new_token, token_hash};
use crate::server::store::prelude::*;
use crate::server::store::Offline;
use crate::server::store::{NewAgent, SqliteStore};
use crate::server::{self, ServerConfig};
use std::time::{Duration, Instant};

/// A bench server's config: its bot says nothing, so the rows measure the
/// path of a customer message alone (the bot's answers are writes and
/// events of their own, and the raw SQLite baseline has none). The
/// fan-out row opens hundreds of streams as one agent.
pub(super) fn quiet(config: ServerConfig) -> ServerConfig {
    ServerConfig {
        bot: std::sync::Arc::new(server::bot::Flow::parse("").expect("an empty flow is valid")),
        streams_per_agent: 100_000,
        ..config
    }
}

/// A server on a free loopback port and an admin client for it.
async fn server(dir: &std::path::Path) -> anyhow::Result<(server::RunningServer, Client)> {
    let running = server::start(quiet(ServerConfig::new(
        "127.0.0.1:0".parse()?,
        dir.join("bench.db"),
    )))
    .await?;
    let client = admin_client(&running).await?;
    Ok((running, client))
}

/// A new admin of `running`'s database, and a client of `running` for it.
pub(super) async fn admin_client(running: &server::RunningServer) -> anyhow::Result<Client> {
    let store = &running.state.store;
    let admin = store
        .create_agent(NewAgent {
            name: "Bench Admin".into(),
            login: "bench".into(),
            role: Role::Admin,
            teams: vec!["Support".into()],
            password_hash: None,
        })
        .await?;
    let token = new_token();
    store
        .add_token(admin.id, token_hash(&token), chrono::Utc::now())
        .await?;
    Client::new(&running.url(), Some(token))
}

/// Messages per second through `POST /inbound`, `conc` requests in flight:
/// `n` messages, numbered from `first` (their ids must be new to count).
pub(super) async fn inbound_rate(
    client: &Client,
    first: usize,
    n: usize,
    conc: usize,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut next = first;
    let n = first + n;
    let mut tasks = tokio::task::JoinSet::new();
    while next < n || !tasks.is_empty() {
        while next < n && tasks.len() < conc {
            let c = client.clone();
            let i = next;
            tasks.spawn(async move {
                c.inbound(&Inbound {
                    channel: ChannelKind::ALL[i % 4],
                    channel_user_id: format!("bench-{}", i % 2_000),
                    customer_name: format!("Customer {}", i % 2_000),
                    text: format!("Message {i}: 你好，我的訂單到了嗎？📦"),
                    external_id: format!("bench-{i}"),
                    attachment_id: None,
                })
                .await
            });
            next += 1;
        }
        if let Some(r) = tasks.join_next().await {
            r??;
        }
    }
    Ok((n - first) as f64 / start.elapsed().as_secs_f64())
}

/// Rows per second into a bare SQLite table of messages, one committed
/// transaction per row, as the server's settings (WAL, synchronous=NORMAL).
fn bare_rate(path: &std::path::Path, n: usize) -> anyhow::Result<f64> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE m (id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL,
                         text TEXT NOT NULL, external_id TEXT NOT NULL UNIQUE, at INTEGER NOT NULL)",
    )?;
    let start = Instant::now();
    for i in 0..n {
        let tx = conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO m (conversation, text, external_id, at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                (i % 2_000) as i64,
                format!("Message {i}: 你好，我的訂單到了嗎？📦"),
                format!("bench-{i}"),
                i as i64
            ],
        )?;
        tx.commit()?;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Messages per second written as raw SQL into the server's own schema:
/// for each, the same rows the server writes (the message with its search
/// index, the redelivery key, the event in the log, the conversation's and
/// the customer's new activity), in one committed transaction, with the
/// server's settings; no HTTP, no parsing, no lookups. `payload` is an event
/// the server logged, so the log rows are the same size.
fn raw_rate(path: &std::path::Path, payload: &str, n: usize) -> anyhow::Result<f64> {
    use rusqlite::params;
    drop(SqliteStore::open(path, Offline)?);
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // The server's default: each commit synced before it is acknowledged.
    conn.pragma_update(None, "synchronous", DURABILITY.as_str())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    {
        let tx = conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO channel_accounts (kind, name, is_api, created_at) VALUES ('line', 'LINE', 1, 0)",
            [],
        )?;
        let account = tx.last_insert_rowid();
        for c in 0..2_000i64 {
            tx.execute(
                "INSERT INTO customers (channel_account_id, channel_user_id, name, first_seen, last_seen)
                 VALUES (?1, ?2, ?3, 0, 0)",
                params![account, format!("bench-{c}"), format!("Customer {c}")],
            )?;
            let customer = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO conversations (id, customer_id, channel_account_id, bot_active, last_activity_at, created_at)
                 VALUES (?1, ?2, ?3, 1, 0, 0)",
                params![c + 1, customer, account],
            )?;
        }
        tx.commit()?;
    }
    let start = Instant::now();
    for i in 0..n {
        let at = i as i64;
        let conversation = (i % 2_000) as i64 + 1;
        let tx = conn.unchecked_transaction()?;
        tx.prepare_cached(
            "INSERT INTO messages (conversation_id, kind, text, author_id, created_at, status, client_id)
             VALUES (?1, 'inbound', ?2, NULL, ?3, 'delivered', NULL)",
        )?
        .execute(params![
            conversation,
            format!("Message {i}: 你好，我的訂單到了嗎？📦"),
            at
        ])?;
        let message = tx.last_insert_rowid();
        tx.prepare_cached(
            "INSERT INTO inbound_dedupe (channel_account_id, external_id, message_id) VALUES (1, ?1, ?2)",
        )?
        .execute(params![format!("bench-{i}"), message])?;
        tx.prepare_cached(
            "UPDATE conversations SET last_message_id = ?2, last_activity_at = MAX(last_activity_at, ?3),
                    inbound_count = inbound_count + 1, waiting_since = COALESCE(waiting_since, ?3)
             WHERE id = ?1",
        )?
        .execute(params![conversation, message, at])?;
        tx.prepare_cached("UPDATE customers SET last_seen = MAX(last_seen, ?2) WHERE id = ?1")?
            .execute(params![conversation, at])?;
        tx.prepare_cached(
            "INSERT INTO events (type, payload, created_at) VALUES ('message_created', ?1, ?2)",
        )?
        .execute(params![payload, at])?;
        tx.commit()?;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// One `message_created` event as the server logged it.
fn logged_message_event(db: &std::path::Path) -> anyhow::Result<String> {
    let conn = rusqlite::Connection::open(db)?;
    Ok(conn.query_row(
        "SELECT payload FROM events WHERE type = 'message_created' ORDER BY seq DESC LIMIT 1",
        [],
        |r| r.get(0),
    )?)
}

/// The durability the ingest rows run in: the server's default.
const DURABILITY: crate::server::store::Durability = crate::server::store::Durability::Full;

pub async fn ingest(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let n = size(opts, 20_000, 1_000);
    let dir = tempfile::tempdir()?;
    let (running, client) = server(dir.path()).await?;
    // Warm up: customers and conversations exist, as in a running inbox.
    let warm = n.min(2_000);
    inbound_rate(&client, 0, warm, 32).await?;
    let http = inbound_rate(&client, warm, n, 64).await?;
    running.stop().await?;
    let payload = logged_message_event(&dir.path().join("bench.db"))?;
    let raw = raw_rate(&dir.path().join("raw.db"), &payload, n)?;
    let bare = bare_rate(&dir.path().join("bare.db"), n)?;
    let ratio = http / raw.max(1.0);
    Ok(vec![
        Row::new(
            format!(
                "ingest: {n} customer messages over HTTP, each committed (durability {})",
                DURABILITY.as_str()
            ),
            ">= 5,000/s",
        )
        .check(format!("{http:.0}/s"), http >= 5_000.0),
        Row::new("raw SQLite: the same rows in the same schema, same run", "")
            .info(format!("{raw:.0}/s")),
        Row::new("ingest / raw SQLite", ">= 0.5x").check(format!("{ratio:.2}x"), ratio >= 0.5),
        Row::new(
            "raw SQLite: one row into a bare table (no index, no log)",
            "",
        )
        .info(format!("{bare:.0}/s")),
    ])
}

pub async fn spreadsheets(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let std_rows = size(opts, 10_000, 500);
    let customers = size(opts, 100_000, 2_000);
    let dir = tempfile::tempdir()?;
    // Standard messages: read, check and import a generated workbook.
    let sheet = super::data::standard_sheet(std_rows)?;
    let store = SqliteStore::open(&dir.path().join("std.db"), Offline)?;
    store
        .create_agent(NewAgent {
            name: "Alice Wong".into(),
            login: "alice".into(),
            role: Role::Admin,
            teams: vec!["Support".into()],
            password_hash: None,
        })
        .await?;
    let teams = store.list_teams().await?;
    let agents = store.list_agents().await?;
    let start = Instant::now();
    let (plan, report) =
        crate::sheets::standard::plan(&sheet, "bench.xlsx", &teams, &agents, false)?;
    store
        .import_standard(plan, report, crate::server::store::any_folder())
        .await?;
    let import = start.elapsed();
    // Customers: import from CSV, then export to .xlsx.
    let csv = super::data::customers_csv(customers);
    let store = SqliteStore::open(&dir.path().join("cust.db"), Offline)?;
    let (rows, report) = crate::sheets::customers::parse(&csv, "c.csv", false)?;
    store.import_customers(rows, report).await?;
    let start = Instant::now();
    let all = store.all_customers().await?;
    crate::sheets::customers::export_xlsx(&all)?;
    let export = start.elapsed();
    Ok(vec![
        Row::new(format!("{std_rows} standard messages imported"), "< 2 s")
            .check(ms(import), import < Duration::from_secs(2)),
        Row::new(format!("{customers} customers exported to .xlsx"), "< 5 s")
            .check(ms(export), export < Duration::from_secs(5)),
    ])
}

/// Texts for the search corpus: several scripts, with an order number that
/// makes each message findable on its own.
const CORPUS: [&str; 6] = [
    "Hi, where is my order #LH-{n}? It has been a week 📦",
    "你好，我的訂單 #LH-{n} 到了嗎？燈壞了 😭",
    "配送先の住所を変更できますか？注文番号 LH-{n}",
    "สินค้าถึงเมื่อไหร่ครับ เลขที่ LH-{n} 🙏",
    "The Aria lamp flickers when dimmed, order LH-{n}",
    "Thanks, that was quick! 👍 (LH-{n})",
];

pub async fn search(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let messages = size(opts, 1_000_000, 20_000);
    let convs = (messages / 100).max(10);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("search.db");
    // Conversations through the store (accounts, customers), then the
    // messages in bulk straight into SQLite, as years of history would be.
    {
        let store = SqliteStore::open(&db, Offline)?;
        for i in 0..convs {
            store
                .inbound(crate::server::store::InboundMessage {
                    reach: None,
                    tap: None,
                    channel: ChannelKind::ALL[i % 4],
                    channel_user_id: format!("s-{i}"),
                    customer_name: format!("Customer {i}"),
                    text: "hello".into(),
                    external_id: format!("s-{i}"),
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
    }
    {
        let mut conn = rusqlite::Connection::open(&db)?;
        let tx = conn.transaction()?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO messages (conversation_id, kind, text, created_at, status)
                 VALUES (?1, ?2, ?3, ?4, 'delivered')",
            )?;
            for n in 0..messages {
                let text = CORPUS[n % CORPUS.len()].replace("{n}", &n.to_string());
                ins.execute(rusqlite::params![
                    (n % convs) as i64 + 1,
                    if n % 2 == 0 { "inbound" } else { "agent" },
                    text,
                    n as i64
                ])?;
            }
        }
        tx.commit()?;
    }
    let running =
        server::start(quiet(ServerConfig::new("127.0.0.1:0".parse()?, db.clone()))).await?;
    let admin = running
        .state
        .store
        .create_agent(NewAgent {
            name: "Bench Admin".into(),
            login: "bench".into(),
            role: Role::Admin,
            teams: vec![],
            password_hash: None,
        })
        .await?;
    let token = new_token();
    running
        .state
        .store
        .add_token(admin.id, token_hash(&token), chrono::Utc::now())
        .await?;
    let client = Client::new(&running.url(), Some(token))?;
    // Rare (one message), common (a sixth of them), and several scripts.
    let mut queries: Vec<String> = (0..20)
        .map(|k| format!("LH-{}", (k * 7919 + 13) % messages))
        .collect();
    queries.extend(
        ["flickers", "訂單", "住所を変更", "สินค้า", "quick!", "week"]
            .iter()
            .map(std::string::ToString::to_string),
    );
    let mut samples = Vec::new();
    for round in 0..3 {
        for q in &queries {
            let start = Instant::now();
            let page = client
                .conversations(&ConversationQuery {
                    q: Some(q.clone()),
                    limit: Some(50),
                    ..Default::default()
                })
                .await?;
            if round > 0 {
                samples.push(start.elapsed());
            }
            anyhow::ensure!(!page.items.is_empty(), "nothing found for {q:?}");
        }
    }
    running.stop().await?;
    let p50 = super::percentile(&mut samples, 50.0);
    let p99 = super::percentile(&mut samples, 99.0);
    Ok(vec![
        Row::new(format!("search over {messages} messages, p50"), "").info(ms(p50)),
        Row::new(format!("search over {messages} messages, p99"), "< 50 ms")
            .check(ms(p99), p99 < Duration::from_millis(50)),
    ])
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect_ws(client: &Client, token: &str) -> anyhow::Result<Socket> {
    let mut url = client.events_url(None);
    url.query_pairs_mut().append_pair("token", token);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(
        url.as_str(),
        Some(crate::client::events::ws_config()),
        true,
    )
    .await?;
    Ok(ws)
}

/// A server for the socket rows, with its URL and an admin token.
async fn socket_server(
    dir: &std::path::Path,
) -> anyhow::Result<(server::RunningServer, Client, String)> {
    let running = server::start(quiet(ServerConfig::new(
        "127.0.0.1:0".parse()?,
        dir.join("ws.db"),
    )))
    .await?;
    let admin = running
        .state
        .store
        .create_agent(NewAgent {
            name: "Bench Admin".into(),
            login: "bench".into(),
            role: Role::Admin,
            teams: vec![],
            password_hash: None,
        })
        .await?;
    let token = new_token();
    running
        .state
        .store
        .add_token(admin.id, token_hash(&token), chrono::Utc::now())
        .await?;
    let client = Client::new(&running.url(), Some(token.clone()))?;
    Ok((running, client, token))
}

/// The customers and the agents' clients of the fan-out row: 100 sockets
/// reading, and inbound messages posted at 200 a second. Returns each
/// delivery's latency.
pub(super) async fn fan_out_load(
    url: String,
    post_url: String,
    token: String,
    clients: usize,
    messages: usize,
) -> anyhow::Result<Vec<Duration>> {
    use futures_util::StreamExt;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    let client = Client::new(&url, Some(token.clone()))?;
    let poster = Client::new(&post_url, Some(token.clone()))?;
    let sent: Arc<Mutex<HashMap<usize, Instant>>> = Arc::default();
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let mut ws = connect_ws(&client, &token).await?;
        let sent = sent.clone();
        readers.spawn(async move {
            let mut got = Vec::with_capacity(messages);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            while got.len() < messages {
                let next = tokio::time::timeout_at(deadline, ws.next()).await;
                let Ok(Some(Ok(msg))) = next else { break };
                let tokio_tungstenite::tungstenite::Message::Text(text) = msg else {
                    continue;
                };
                // Only the marker is read: the reader must not be the
                // bottleneck it measures.
                let Some(at) = text.find("fanout-") else {
                    continue;
                };
                let digits: String = text[at + 7..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if !text.contains("\"message_created\"") {
                    continue;
                }
                let Ok(i) = digits.parse::<usize>() else {
                    continue;
                };
                if let Some(t) = sent.lock().ok().and_then(|m| m.get(&i).copied()) {
                    got.push(t.elapsed());
                }
            }
            got
        });
    }
    // 200 inbound messages a second.
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..messages {
        tick.tick().await;
        if let Ok(mut m) = sent.lock() {
            m.insert(i, Instant::now());
        }
        let c = poster.clone();
        posts.spawn(async move {
            c.inbound(&Inbound {
                channel: ChannelKind::ALL[i % 4],
                channel_user_id: format!("f-{}", i % 50),
                customer_name: format!("Customer {}", i % 50),
                text: format!("fanout-{i} where is my parcel?"),
                external_id: format!("f-{i}"),
                attachment_id: None,
            })
            .await
        });
    }
    while let Some(r) = posts.join_next().await {
        r??;
    }
    let mut samples = Vec::new();
    let mut short = 0;
    while let Some(r) = readers.join_next().await {
        let got = r?;
        if got.len() < messages {
            short += 1;
        }
        samples.extend(got);
    }
    anyhow::ensure!(short == 0, "{short} clients missed messages");
    Ok(samples)
}

pub async fn fan_out(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let mut rows = fan_out_to(size(opts, 100, 20), size(opts, 600, 100), 10).await?;
    rows.extend(fan_out_to(size(opts, 1_000, 50), size(opts, 100, 20), 50).await?);
    Ok(rows)
}

/// Fan-out to `clients` sockets of one server, `messages` posted at 200 a
/// second; p99 within `budget_ms`.
async fn fan_out_to(clients: usize, messages: usize, budget_ms: u64) -> anyhow::Result<Vec<Row>> {
    let dir = tempfile::tempdir()?;
    let (running, _, token) = socket_server(dir.path()).await?;
    // The clients run on a runtime of their own, as they would on the
    // agents' machines: their tasks do not queue behind the server's (both
    // still share this machine's cores).
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-clients")
        .enable_all()
        .build()?;
    let samples = load
        .spawn(fan_out_load(
            running.url(),
            running.url(),
            token,
            clients,
            messages,
        ))
        .await;
    load.shutdown_background();
    running.stop().await?;
    let mut samples = samples??;
    let p50 = super::percentile(&mut samples, 50.0);
    let p99 = super::percentile(&mut samples, 99.0);
    Ok(vec![
        Row::new(
            format!("fan-out: {clients} WebSocket clients, 200 msg/s, p50"),
            "",
        )
        .info(ms(p50)),
        Row::new(
            format!("fan-out: {clients} WebSocket clients, 200 msg/s, p99"),
            format!("< {budget_ms} ms"),
        )
        .check(ms(p99), p99 < Duration::from_millis(budget_ms)),
    ])
}

/// The client's share of start-up: the real runner, update and drawing,
/// from nothing to the first complete frame, against a server holding `n`
/// conversations over loopback (no exec, no terminal set-up).
pub async fn start_up(opts: &Options) -> anyhow::Result<Vec<Row>> {
    use crate::tui::event::{Effect, Msg};
    let n = size(opts, 10_000, 500);
    let dir = tempfile::tempdir()?;
    let (running, _client, token) = socket_server(dir.path()).await?;
    for i in 0..n {
        running
            .state
            .store
            .inbound(crate::server::store::InboundMessage {
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
    let theme = crate::tui::theme::Theme::preset("dark", crate::tui::theme::ColorDepth::TrueColor)
        .map_err(|e| anyhow::anyhow!(e))?;
    let keymap = crate::tui::keymap::Keymap::preset("default").map_err(|e| anyhow::anyhow!(e))?;
    let start = Instant::now();
    let client = Client::new(&running.url(), Some(token))?;
    let mut app =
        crate::tui::app::App::new(client.base_url().to_string(), keymap, chrono::Utc::now());
    app.size = (200, 50);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let runner = crate::tui::runner::Runner::new(Some(client), tx);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 50))?;
    for fx in crate::tui::update::start(&mut app) {
        runner.perform(fx);
    }
    let first_frame = loop {
        let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await else {
            anyhow::bail!("the inbox did not fill its first screen");
        };
        for fx in crate::tui::update::update(&mut app, msg) {
            if !matches!(fx, Effect::Notify(_)) {
                runner.perform(fx);
            }
        }
        term.draw(|f| crate::tui::ui::draw(&app, &theme, f))?;
        if app.mirror.me.is_some() && !app.list.view.is_empty() && !app.list.loading {
            break start.elapsed();
        }
    };
    drop(runner);
    running.stop().await?;
    Ok(vec![Row::new(
        "  of which connecting, loading and drawing (in process)",
        "",
    )
    .info(ms(first_frame))])
}
