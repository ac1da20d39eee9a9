//! The server's figures, measured against a real server on loopback with
//! a real SQLite file: ingest over HTTP beside raw SQLite inserts, and the
//! spreadsheet imports and exports.

use super::{ms, size, Options, Row};
use crate::client::Client;
use crate::protocol::*;
use crate::server::auth::{new_token, token_hash};
use crate::server::hub::Hub;
use crate::server::store::{NewAgent, SqliteStore, Store};
use crate::server::{self, ServerConfig};
use std::time::{Duration, Instant};

/// A server on a free loopback port and an admin client for it.
async fn server(dir: &std::path::Path) -> anyhow::Result<(server::RunningServer, Client)> {
    let running = server::start(ServerConfig::new(
        "127.0.0.1:0".parse()?,
        dir.join("bench.db"),
    ))
    .await?;
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
    store.add_token(admin.id, token_hash(&token)).await?;
    let client = Client::new(&running.url(), Some(token))?;
    Ok((running, client))
}

/// Messages per second through `POST /inbound`, `conc` requests in flight.
async fn inbound_rate(client: &Client, n: usize, conc: usize) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut next = 0usize;
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
                })
                .await
            });
            next += 1;
        }
        if let Some(r) = tasks.join_next().await {
            r??;
        }
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Rows per second into a bare SQLite table of messages, one committed
/// transaction per row, as the server's settings (WAL, synchronous=NORMAL).
fn raw_rate(path: &std::path::Path, n: usize) -> anyhow::Result<f64> {
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

pub async fn ingest(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let n = size(opts, 20_000, 1_000);
    let dir = tempfile::tempdir()?;
    let (running, client) = server(dir.path()).await?;
    // Warm up: customers and conversations exist, as in a running inbox.
    inbound_rate(&client, n.min(2_000), 32).await?;
    let http = inbound_rate(&client, n, 64).await?;
    running.stop().await?;
    let raw = raw_rate(&dir.path().join("raw.db"), n)?;
    let ratio = http / raw.max(1.0);
    Ok(vec![
        Row::new(
            format!("ingest: {n} customer messages over HTTP, each committed"),
            ">= 5,000/s",
        )
        .check(format!("{http:.0}/s"), http >= 5_000.0),
        Row::new("raw SQLite inserts of the same rows, same run", "").info(format!("{raw:.0}/s")),
        Row::new("ingest / raw SQLite", ">= 0.5x").check(format!("{ratio:.2}x"), ratio >= 0.5),
    ])
}

pub async fn spreadsheets(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let std_rows = size(opts, 10_000, 500);
    let customers = size(opts, 100_000, 2_000);
    let dir = tempfile::tempdir()?;
    // Standard messages: read, check and import a generated workbook.
    let sheet = standard_sheet(std_rows)?;
    let store = SqliteStore::open(&dir.path().join("std.db"), Hub::new())?;
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
    store.import_standard(plan, report).await?;
    let import = start.elapsed();
    // Customers: import from CSV, then export to .xlsx.
    let csv = customers_csv(customers);
    let store = SqliteStore::open(&dir.path().join("cust.db"), Hub::new())?;
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

fn standard_sheet(rows: usize) -> anyhow::Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Standard messages")?;
    for (c, h) in ["Channels", "Folder_name", "Team", "User", "Message"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h)?;
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        let f = i % 100;
        ws.write_string(r, 0, ["All", "LINE, WeChat", "Messenger"][f % 3])?;
        ws.write_string(r, 1, format!("Folder {f}"))?;
        ws.write_string(r, 2, if f % 2 == 0 { "Support" } else { "" })?;
        ws.write_string(r, 3, "")?;
        ws.write_string(
            r,
            4,
            format!("Hi {{{{customer.name}}}}, reply number {i} 📦\n您好，第 {i} 条回复。"),
        )?;
    }
    Ok(wb.save_to_buffer()?)
}

fn customers_csv(n: usize) -> Vec<u8> {
    let mut s =
        String::from("Channel,Channel_user_id,Name,Email,Phone,Age,Language,Tags,Member no\n");
    let ch = ["LINE", "WhatsApp", "Messenger", "WeChat"];
    for i in 0..n {
        s.push_str(&format!(
            "{},user-{i},Customer {i} 陳,c{i}@example.com,+852 5{:07},{},zh-Hant,\"VIP, Tier {}\",M-{i}\n",
            ch[i % 4],
            i,
            20 + i % 50,
            i % 10
        ));
    }
    s.into_bytes()
}
