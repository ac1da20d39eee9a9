//! Upgrades of older SQLite databases: what each migration must keep.

use crate::server::store::migrations::MIGRATIONS;
use crate::server::store::prelude::*;
use crate::server::store::sqlite::SqliteStore;

#[test]
fn tokens_issued_long_ago_survive_the_upgrade_that_makes_tokens_expire() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    for sql in &MIGRATIONS[..12] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch(
        "INSERT INTO agents (name, login, role, created_at) VALUES ('A', 'a', 'agent', 0);
     INSERT INTO tokens (hash, agent_id, created_at) VALUES ('h', 1, 0);",
    )
    .unwrap();
    conn.execute_batch(MIGRATIONS[12]).unwrap();
    let last: i64 = conn
        .query_row(
            "SELECT last_used_at FROM tokens WHERE hash = 'h'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    assert!((now - last).abs() < 5_000, "{last} vs {now}");
}

/// Migration 14 rebuilds the folders' table; the folders, their
/// messages and their users survive it, with their ids.
#[tokio::test]
async fn folders_keep_their_messages_and_users_through_the_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in &MIGRATIONS[..13] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 13).unwrap();
        conn.execute_batch(
            "INSERT INTO agents (name, login, role, created_at) VALUES ('A', 'a', 'agent', 0);
         INSERT INTO teams (name) VALUES ('Sales');
         INSERT INTO standard_folders (id, name, channels, team_id, created_at, updated_at)
             VALUES (7, 'Greetings', 'line', 1, 0, 0);
         INSERT INTO standard_folder_assignees (folder_id, agent_id) VALUES (7, 1);
         INSERT INTO standard_messages (folder_id, text, created_at, updated_at)
             VALUES (7, 'Hello', 0, 0);",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path, crate::server::store::Offline).unwrap();
    let folders = store.list_standard_folders().await.unwrap();
    assert_eq!(folders.len(), 1);
    let f = &folders[0];
    assert_eq!((f.id, f.name.as_str()), (7, "Greetings"));
    assert_eq!(f.team.as_ref().unwrap().name, "Sales");
    assert_eq!(f.assignees.len(), 1);
    assert_eq!(f.messages[0].text, "Hello");
    // Deleting the folder still takes its messages with it: the
    // messages' reference follows the rebuilt table.
    store
        .delete_folder(7, crate::server::store::any_folder())
        .await
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = conn
        .query_row("SELECT COUNT(*) FROM standard_messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}
