//! What is kept: the database for this user only, spreadsheet bombs, credentials encrypted at rest, upload quotas.

use super::*;

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_folder_are_for_this_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("chat.db");
    let server = chatsmart::server::start(chatsmart::server::ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .await
    .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
    let wal = data.join("chat.db-wal");
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn spreadsheet_bombs_are_refused_and_the_server_lives() {
    let t = TestServer::start().await;
    let admin = &t.admin.client;
    let xlsx = xlsx_bomb();
    assert!(xlsx.len() < 10_000, "{} bytes", xlsx.len());
    let cases = [
        (xlsx, "bomb.xlsx", "columns"),
        (xls_bomb(false), "bomb.xls", "IV65536"),
        (xls_bomb(true), "backwards.xls", "backwards"),
    ];
    for (bytes, name, says) in cases {
        let e = admin
            .standard_import(bytes.clone(), name, false)
            .await
            .unwrap_err();
        let (code, message) = api_error(e);
        assert_eq!(code, 422, "{name}: {message}");
        assert!(message.contains(says), "{name}: {message}");
        let e = admin.customers_import(bytes, name, true).await.unwrap_err();
        assert_eq!(api_error(e).0, 422, "{name}");
    }
    // Still here, and nothing was imported.
    admin.me().await.unwrap();
    let folders = admin
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap();
    assert!(folders.is_empty());
}

#[tokio::test]
async fn channel_credentials_are_encrypted_at_rest_with_a_key_kept_outside() {
    use chatsmart::server::store::secrets;
    use chatsmart::server::store::SqliteStore;
    if sqlite_only("credentials_are_encrypted_at_rest (the key file beside SQLite's)") {
        return;
    }
    let mut t = TestServer::start().await;
    let creds: std::collections::BTreeMap<String, String> = [
        ("channel_secret", "line-secret-VALUE"),
        ("channel_access_token", "line-token-VALUE"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let ch = t
        .admin
        .client
        .create_channel(&NewChannel {
            kind: ChannelKind::Line,
            name: "LINE @lumen".into(),
            credentials: creds.clone(),
        })
        .await
        .unwrap();
    let raw = |db: &std::path::Path| -> String {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT credentials FROM channel_accounts WHERE id = ?1",
                [ch.id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let stored = raw(&t.db());
    assert!(stored.starts_with("enc1:"), "{stored}");
    assert!(!stored.contains("VALUE"));
    let key_file = secrets::key_file(&t.db());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The server still uses them.
    let (_, used) = t
        .state()
        .store
        .channel_credentials(ch.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used, creds);

    // Not while the server runs: it would go on sealing with the old key.
    {
        let beside = SqliteStore::open(&t.db(), chatsmart::server::store::Offline).unwrap();
        let e = beside.rotate_key().await.unwrap_err();
        assert!(e.to_string().contains("stop it first"), "{e}");
    }
    // A database from before encryption is sealed when opened.
    t.stop().await;
    rusqlite::Connection::open(t.db())
        .unwrap()
        .execute(
            "UPDATE channel_accounts SET credentials = ?2 WHERE id = ?1",
            rusqlite::params![ch.id, serde_json::to_string(&creds).unwrap()],
        )
        .unwrap();
    {
        let store = SqliteStore::open(&t.db(), chatsmart::server::store::Offline).unwrap();
        assert!(raw(&t.db()).starts_with("enc1:"));
        // Rotation: sealed under a new key, which replaces the old file.
        let before = std::fs::read_to_string(&key_file).unwrap();
        let id = store.rotate_key().await.unwrap();
        let after = std::fs::read_to_string(&key_file).unwrap();
        assert_ne!(before, after);
        assert!(raw(&t.db()).starts_with(&format!("enc1:{id}:")));
        assert!(!secrets::new_key_file(&t.db()).exists());
    }
    t.restart_stopped().await;
    let (_, used) = t
        .state()
        .store
        .channel_credentials(ch.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used, creds, "readable with the new key");
    // Listings name the keys, never the values.
    let listed = t.admin.client.channels().await.unwrap();
    let line = listed.iter().find(|c| c.id == ch.id).unwrap();
    assert_eq!(line.credential_keys.len(), 2);
}

#[tokio::test]
async fn each_agent_uploads_within_a_daily_quota() {
    let png = chatsmart::protocol::attachments::samples::bytes_for("png");
    let quota = png.len() as u64 * 2 + png.len() as u64 / 2;
    let t = TestServer::start_with_config(move |c| ServerConfig {
        upload_quota: quota,
        ..c
    })
    .await;
    for _ in 0..2 {
        t.alice
            .client
            .upload_bytes("a.png", png.clone())
            .await
            .unwrap();
    }
    let e = t
        .alice
        .client
        .upload_bytes("a.png", png.clone())
        .await
        .unwrap_err();
    let (code, message) = api_error(e);
    assert_eq!(code, 429, "{message}");
    assert!(message.contains("a day"), "{message}");
    // Another agent has a quota of its own.
    t.bob.client.upload_bytes("b.png", png).await.unwrap();
}
