//! The rows of replicated servers on PostgreSQL: ingest on one server
//! beside raw PostgreSQL inserts of the same rows in the same run, ingest
//! through two replicas of one database, and fan-out from a message posted
//! on one replica to clients of another. Each run makes databases of its
//! own on the server `--postgres` names and drops them after.

use super::server::{admin_client, fan_out_load, inbound_rate, quiet};
use super::{ms, size, Options, Row};
use crate::server::store::secrets::{Key, Keys};
use crate::server::store::sql::postgres::off_runtime;
use crate::server::store::Database;
use crate::server::{self, ServerConfig};
use std::time::{Duration, Instant};

/// The variable `--postgres` falls back to.
pub const VAR: &str = "CHATSMART_BENCH_POSTGRES";

/// A database of this run's own, dropped with it.
struct BenchDb {
    admin: String,
    name: String,
    url: String,
}

impl BenchDb {
    fn create(admin: &str, what: &str) -> anyhow::Result<BenchDb> {
        let name = format!("chatsmart_bench_{}_{what}", std::process::id());
        off_runtime(|| -> anyhow::Result<()> {
            let mut c =
                crate::server::store::sql::tls::connect(admin).map_err(anyhow::Error::msg)?;
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
            c.batch_execute(&format!("CREATE DATABASE {name}"))?;
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("PostgreSQL at {admin}: {e}"))?;
        let mut url = url::Url::parse(admin)?;
        url.set_path(&name);
        Ok(BenchDb {
            admin: admin.to_string(),
            url: url.to_string(),
            name,
        })
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        let _ = off_runtime(|| -> anyhow::Result<()> {
            let mut c =
                crate::server::store::sql::tls::connect(&self.admin).map_err(anyhow::Error::msg)?;
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))?;
            Ok(())
        });
    }
}

/// A server (a replica) on `db`, with its own files folder.
async fn replica(
    db: &BenchDb,
    keys: &Keys,
    files: &std::path::Path,
) -> anyhow::Result<server::RunningServer> {
    server::start(quiet(ServerConfig {
        keys: Some(keys.clone()),
        files: Some(files.to_path_buf()),
        ..ServerConfig::new("127.0.0.1:0".parse()?, Database::Postgres(db.url.clone()))
    }))
    .await
}

/// Messages per second written as raw SQL into the server's own schema on
/// PostgreSQL: for each, the rows the server writes (the message, its
/// redelivery key, the event in the log, the conversation's and the
/// customer's new activity) in one committed transaction; no HTTP, no
/// parsing, no lookups, no lock across replicas.
fn raw_rate(url: &str, keys: &Keys, payload: &str, n: usize) -> anyhow::Result<f64> {
    // The schema, as the server makes it.
    drop(crate::server::store::open(
        &Database::Postgres(url.to_string()),
        crate::server::store::Offline,
        crate::server::store::OpenOptions {
            keys: Some(keys.clone()),
            ..Default::default()
        },
    )?);
    off_runtime(|| -> anyhow::Result<f64> {
        let mut c = crate::server::store::sql::tls::connect(url).map_err(anyhow::Error::msg)?;
        let mut tx = c.transaction()?;
        let account: i64 = tx
            .query_one(
                "INSERT INTO channel_accounts (kind, name, is_api, created_at)
                 VALUES ('line', 'LINE', 1, 0) RETURNING id",
                &[],
            )?
            .get(0);
        let mut conversations = Vec::with_capacity(2_000);
        for i in 0..2_000i64 {
            let customer: i64 = tx
                .query_one(
                    "INSERT INTO customers (channel_account_id, channel_user_id, name, first_seen, last_seen)
                     VALUES ($1, $2, $3, 0, 0) RETURNING id",
                    &[&account, &format!("bench-{i}"), &format!("Customer {i}")],
                )?
                .get(0);
            let conv: i64 = tx
                .query_one(
                    "INSERT INTO conversations (customer_id, channel_account_id, bot_active, last_activity_at, created_at)
                     VALUES ($1, $2, 1, 0, 0) RETURNING id",
                    &[&customer, &account],
                )?
                .get(0);
            conversations.push((conv, customer));
        }
        tx.commit()?;
        let message = c.prepare(
            "INSERT INTO messages (conversation_id, kind, text, author_id, created_at, status, client_id)
             VALUES ($1, 'inbound', $2, NULL, $3, 'delivered', NULL) RETURNING id",
        )?;
        let dedupe = c.prepare(
            "INSERT INTO inbound_dedupe (channel_account_id, external_id, message_id) VALUES ($1, $2, $3)",
        )?;
        let conversation = c.prepare(
            "UPDATE conversations SET last_message_id = $2, last_activity_at = GREATEST(last_activity_at, $3),
                    inbound_count = inbound_count + 1, waiting_since = COALESCE(waiting_since, $3)
             WHERE id = $1",
        )?;
        let customer =
            c.prepare("UPDATE customers SET last_seen = GREATEST(last_seen, $2) WHERE id = $1")?;
        let event = c.prepare(
            "INSERT INTO events (type, payload, created_at) VALUES ('message_created', $1, $2)",
        )?;
        let start = Instant::now();
        for i in 0..n {
            let at = i as i64;
            let (conv, cust) = conversations[i % conversations.len()];
            let mut tx = c.transaction()?;
            let id: i64 = tx
                .query_one(
                    &message,
                    &[
                        &conv,
                        &format!("Message {i}: 你好，我的訂單到了嗎？📦"),
                        &at,
                    ],
                )?
                .get(0);
            tx.execute(&dedupe, &[&account, &format!("bench-{i}"), &id])?;
            tx.execute(&conversation, &[&conv, &id, &at])?;
            tx.execute(&customer, &[&cust, &at])?;
            tx.execute(&event, &[&payload, &at])?;
            tx.commit()?;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    })
}

/// One `message_created` event as the server logged it.
fn logged_message_event(url: &str) -> anyhow::Result<String> {
    off_runtime(|| -> anyhow::Result<String> {
        let mut c = crate::server::store::sql::tls::connect(url).map_err(anyhow::Error::msg)?;
        Ok(c.query_one(
            "SELECT payload FROM events WHERE type = 'message_created' ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        .get(0))
    })
}

pub async fn rows(opts: &Options) -> anyhow::Result<Vec<Row>> {
    let names = [
        "ingest on PostgreSQL: customer messages over HTTP, each committed",
        "raw PostgreSQL: the same rows in the same schema, same run",
        "ingest on PostgreSQL / raw PostgreSQL",
        "ingest through two replicas of one PostgreSQL database",
        "fan-out across replicas: posted on one, read on another, p99",
    ];
    let Some(admin) = opts.postgres.clone() else {
        return Ok(names
            .iter()
            .map(|n| Row::new(*n, "").todo(format!("give --postgres URL (or {VAR})")))
            .collect());
    };
    let n = size(opts, 10_000, 500);
    let keys = Keys {
        current: Key::generate(),
        older: Vec::new(),
    };
    let dir = tempfile::tempdir()?;

    // One server.
    let one = BenchDb::create(&admin, "one")?;
    let running = replica(&one, &keys, &dir.path().join("one")).await?;
    let client = admin_client(&running).await?;
    let warm = n.min(2_000);
    inbound_rate(&client, 0, warm, 32).await?;
    let http = inbound_rate(&client, warm, n, 64).await?;
    running.stop().await?;
    let payload = logged_message_event(&one.url)?;
    drop(one);
    let raw_db = BenchDb::create(&admin, "raw")?;
    let raw = raw_rate(&raw_db.url, &keys, &payload, n)?;
    drop(raw_db);
    let ratio = http / raw.max(1.0);

    // Two replicas of one database: ingest split between them, then
    // fan-out from one to the other's clients.
    let two = BenchDb::create(&admin, "two")?;
    let a = replica(&two, &keys, &dir.path().join("a")).await?;
    let b = replica(&two, &keys, &dir.path().join("b")).await?;
    let on_a = admin_client(&a).await?;
    let on_b = crate::client::Client::new(&b.url(), on_a.token().map(str::to_string))?;
    inbound_rate(&on_a, 0, warm, 32).await?;
    let start = Instant::now();
    let (x, y) = tokio::join!(
        inbound_rate(&on_a, warm, n / 2, 32),
        inbound_rate(&on_b, warm + n / 2, n / 2, 32)
    );
    x?;
    y?;
    let both = (n / 2 * 2) as f64 / start.elapsed().as_secs_f64();
    let clients = size(opts, 100, 20);
    let messages = size(opts, 600, 100);
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-clients")
        .enable_all()
        .build()?;
    let token = on_a.token().unwrap_or_default().to_string();
    let samples = load
        .spawn(fan_out_load(b.url(), a.url(), token, clients, messages))
        .await;
    load.shutdown_background();
    a.stop().await?;
    b.stop().await?;
    drop(two);
    let mut samples = samples??;
    let p99 = super::percentile(&mut samples, 99.0);
    let budget = Duration::from_millis(20);
    Ok(vec![
        Row::new(format!("{} ({n})", names[0]), "").info(format!("{http:.0}/s")),
        Row::new(names[1], "").info(format!("{raw:.0}/s")),
        Row::new(names[2], ">= 0.5x").check(format!("{ratio:.2}x"), ratio >= 0.5),
        Row::new(format!("{} ({n})", names[3]), "").info(format!(
            "{both:.0}/s ({:.2}x one server)",
            both / http.max(1.0)
        )),
        Row::new(
            format!("{} ({clients} clients, 200 msg/s)", names[4]),
            "< 20 ms",
        )
        .check(ms(p99), p99 < budget),
    ])
}
