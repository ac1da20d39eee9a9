//! `chatsmart db copy`: a team's database moves from SQLite to PostgreSQL
//! and back whole (rows, ids, tokens, sealed credentials, files), a
//! non-empty target is refused, and each copy serves as the original did.

use crate::common::postgres::TestPostgres;
use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::server::store::secrets::{Key, Keys};
use chatsmart::server::store::Database;
use chatsmart::server::{self, ServerConfig};

fn copy(from: &str, to: &str, key: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chatsmart"))
        .args(["db", "copy", "--from", from, "--to", to])
        .env("CHATSMART_SECRET_KEY", key)
        .env_remove("CHATSMART_DB")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What an agent sees of a server: conversations with their messages, the
/// channel accounts and a file's bytes.
async fn seen(
    client: &chatsmart::client::Client,
    file: AttachmentId,
) -> (Vec<(String, Vec<String>)>, Vec<String>, Vec<u8>) {
    let mut convs = Vec::new();
    for c in client
        .conversations(&ConversationQuery::default())
        .await
        .unwrap()
        .items
    {
        let texts = client
            .messages(c.conversation.id, &MessagesQuery::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|m| m.text)
            .collect();
        convs.push((c.conversation.customer_name.clone(), texts));
    }
    convs.sort();
    let channels = client
        .channels()
        .await
        .unwrap()
        .into_iter()
        .map(|c| format!("{} {}", c.name, c.credential_keys.join(",")))
        .collect();
    (convs, channels, client.download(file).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_moves_to_postgres_and_back_whole() {
    if sqlite_only("a_database_moves_to_postgres_and_back_whole (starts from SQLite)") {
        return;
    }
    let Some(pg) = TestPostgres::create("copy") else {
        return;
    };
    let mut t = TestServer::start().await;
    let line = channel(
        &t,
        ChannelKind::Line,
        &[("channel_secret", "s3"), ("channel_access_token", "T0K")],
    )
    .await;
    for (user, name) in [("U1", "Ken"), ("U2", "Mei"), ("U3", "Olga")] {
        t.inbound(
            ChannelKind::Whatsapp,
            user,
            name,
            "hello",
            &format!("x-{user}"),
        )
        .await;
    }
    let mut bytes = samples::bytes_for("pdf");
    bytes.extend((0..1_500_000u32).map(|i| (i % 253) as u8));
    let file = t
        .alice
        .client
        .upload_bytes("big.pdf", bytes.clone())
        .await
        .unwrap();
    let before = seen(&t.alice.client, file.id).await;
    t.stop().await;

    // To PostgreSQL.
    let key = Key::generate();
    let source = t.db().display().to_string();
    let (ok, said) = copy(&source, &pg.url, &key.to_hex());
    assert!(ok, "{said}");
    assert!(said.contains("every table's count checked"), "{said}");
    assert!(said.contains("1 files"), "{said}");
    // Not over what is there.
    let (ok, said) = copy(&source, &pg.url, &key.to_hex());
    assert!(!ok);
    assert!(said.contains("not empty"), "{said}");
    // A replica's files folder, empty: the bytes come from the database.
    let pg_files = tempfile::tempdir().unwrap();
    let on_pg = server::start(quiet(ServerConfig {
        keys: Some(Keys {
            current: key.clone(),
            older: Vec::new(),
        }),
        files: Some(pg_files.path().to_path_buf()),
        ..ServerConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            Database::Postgres(pg.url.clone()),
        )
    }))
    .await
    .unwrap();
    let client = chatsmart::client::Client::new(&on_pg.url(), Some(t.alice.token.clone())).unwrap();
    assert_eq!(
        seen(&client, file.id).await,
        before,
        "the same on PostgreSQL"
    );
    let creds = on_pg
        .state
        .store
        .channel_credentials(line.id)
        .await
        .unwrap()
        .unwrap()
        .1;
    assert_eq!(creds["channel_access_token"], "T0K", "sealed again, opened");
    // New rows go on after the copied ids.
    let admin = chatsmart::client::Client::new(&on_pg.url(), Some(t.admin.token.clone())).unwrap();
    let newest = before_max(&client).await;
    let fresh = admin
        .inbound(&Inbound {
            channel: ChannelKind::Whatsapp,
            channel_user_id: "U9".into(),
            customer_name: "New".into(),
            text: "hi".into(),
            external_id: "x-new".into(),
            attachment_id: None,
        })
        .await
        .unwrap();
    assert!(
        fresh.conversation_id > newest,
        "ids go on from the copied ones"
    );
    on_pg.stop().await.unwrap();

    // And back to a new SQLite file.
    let back = tempfile::tempdir().unwrap();
    let target = back.path().join("back.db");
    let (ok, said) = copy(&pg.url, target.to_str().unwrap(), &key.to_hex());
    assert!(ok, "{said}");
    let on_sqlite = server::start(quiet(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        target.clone(),
    )))
    .await
    .unwrap();
    let client =
        chatsmart::client::Client::new(&on_sqlite.url(), Some(t.alice.token.clone())).unwrap();
    let (convs, channels, back_bytes) = seen(&client, file.id).await;
    assert_eq!(channels, before.1);
    assert_eq!(back_bytes, before.2);
    assert_eq!(
        convs.len(),
        before.0.len() + 1,
        "with the one written on PostgreSQL"
    );
    on_sqlite.stop().await.unwrap();
}

async fn before_max(client: &chatsmart::client::Client) -> ConversationId {
    client
        .conversations(&ConversationQuery::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.conversation.id)
        .max()
        .unwrap_or(0)
}

/// A table added to the schema is copied, or named as not copied: a move
/// to replicas never leaves one behind unnoticed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_is_copied_or_named_as_not() {
    use chatsmart::server::store::copy::{NOT_COPIED, TABLES};
    use chatsmart::server::store::sql::Dialect;
    let t = TestServer::start().await;
    let tables: Vec<String> = t.with_db(|db| {
        let sql = match db.dialect() {
            // The search index (messages_fts and its shadow tables) is
            // rebuilt from the messages, not copied.
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts%'"
            }
            Dialect::Postgres => {
                "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = 'public' AND table_name <> 'schema_version'"
            }
        };
        db.query(sql, &[], |r| r.get(0)).unwrap()
    });
    for table in &tables {
        assert!(
            TABLES.contains(&table.as_str()) || NOT_COPIED.contains(&table.as_str()),
            "{table} is neither copied nor named as not copied"
        );
    }
    for table in TABLES {
        assert!(tables.iter().any(|t| t == table), "{table} is not there");
    }
}
