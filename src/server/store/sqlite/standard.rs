//! Standard messages in SQLite: folders with their scope (channels, team,
//! users) and messages; a folder's name is unique within its scope. Every
//! change passes the caller's [`FolderGuard`] inside the write, with the
//! folder as it was and as it would be, so a permission cannot change
//! between the check and the write.

use super::{channels_from_db, channels_to_db, now_ms, sessions, validate_text};
use crate::protocol::PlannedFolder;
use crate::protocol::MAX_MESSAGE_CHARS;
use crate::protocol::*;
use crate::server::store::{FolderGuard, StoreError, StoreResult};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

pub(super) fn list(conn: &Connection) -> StoreResult<Vec<StandardFolder>> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM standard_folders ORDER BY name COLLATE NOCASE, id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.into_iter().map(|id| load(conn, id)).collect()
}

pub(super) fn load(conn: &Connection, id: FolderId) -> StoreResult<StandardFolder> {
    let (name, channels, team_id): (String, String, Option<i64>) = conn
        .prepare_cached("SELECT name, channels, team_id FROM standard_folders WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or(StoreError::NotFound("standard-message folder"))?;
    let team = match team_id {
        Some(t) => conn
            .prepare_cached("SELECT id, name FROM teams WHERE id = ?1")?
            .query_row([t], |r| {
                Ok(Team {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .optional()?,
        None => None,
    };
    let assignees = conn
        .prepare_cached(
            "SELECT a.id, a.name FROM standard_folder_assignees fa JOIN agents a ON a.id = fa.agent_id
             WHERE fa.folder_id = ?1 ORDER BY a.name",
        )?
        .query_map([id], |r| {
            Ok(AgentRef {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let messages = conn
        .prepare_cached("SELECT id, text FROM standard_messages WHERE folder_id = ?1 ORDER BY id")?
        .query_map([id], |r| {
            Ok(StandardMessage {
                id: r.get(0)?,
                folder_id: id,
                text: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(StandardFolder {
        id,
        name,
        channels: channels_from_db(&channels),
        team,
        assignees,
        messages,
    })
}

pub(super) fn check_text(text: &str) -> StoreResult<()> {
    validate_text(text, "a standard message", MAX_MESSAGE_CHARS)?;
    check_placeholders(text).map_err(StoreError::Invalid)?;
    Ok(())
}

fn check_name(name: &str) -> StoreResult<()> {
    validate_text(name, "a folder name", 100)
}

fn allowed(guard: &FolderGuard, folder: &StandardFolder) -> StoreResult<()> {
    guard(folder)
}

/// A folder's scope, comparable: sorted channels, team, sorted users.
#[derive(PartialEq, Eq)]
struct Scope {
    channels: Vec<ChannelKind>,
    team_id: Option<TeamId>,
    assignee_ids: Vec<AgentId>,
}

impl Scope {
    fn new(channels: &[ChannelKind], team_id: Option<TeamId>, assignee_ids: &[AgentId]) -> Self {
        let mut channels = channels.to_vec();
        channels.sort();
        channels.dedup();
        let mut assignee_ids = assignee_ids.to_vec();
        assignee_ids.sort_unstable();
        assignee_ids.dedup();
        Scope {
            channels,
            team_id,
            assignee_ids,
        }
    }

    fn of(f: &StandardFolder) -> Self {
        let ids: Vec<AgentId> = f.assignees.iter().map(|a| a.id).collect();
        Scope::new(&f.channels, f.team.as_ref().map(|t| t.id), &ids)
    }
}

/// The folder with this name (any case) and this scope, other than `except`.
fn in_scope(
    tx: &Transaction,
    name: &str,
    scope: &Scope,
    except: Option<FolderId>,
) -> StoreResult<Option<FolderId>> {
    let ids: Vec<FolderId> = tx
        .prepare_cached("SELECT id FROM standard_folders WHERE name = ?1 COLLATE NOCASE")?
        .query_map([name.trim()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        if Some(id) != except && Scope::of(&load(tx, id)?) == *scope {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

fn taken(name: &str) -> StoreError {
    StoreError::Conflict(format!(
        "a folder named {:?} already exists for the same channels, team and users",
        name.trim()
    ))
}

fn set_scope(
    tx: &Transaction,
    id: FolderId,
    team_id: Option<TeamId>,
    assignee_ids: &[AgentId],
) -> StoreResult<()> {
    if let Some(t) = team_id {
        tx.prepare_cached("SELECT 1 FROM teams WHERE id = ?1")?
            .query_row([t], |_| Ok(()))
            .optional()?
            .ok_or(StoreError::NotFound("team"))?;
    }
    tx.prepare_cached("UPDATE standard_folders SET team_id = ?2 WHERE id = ?1")?
        .execute(params![id, team_id])?;
    // Those already on the folder may stay even if removed since; new ones
    // must be live agents.
    let had: Vec<AgentId> = tx
        .prepare_cached("SELECT agent_id FROM standard_folder_assignees WHERE folder_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    tx.prepare_cached("DELETE FROM standard_folder_assignees WHERE folder_id = ?1")?
        .execute([id])?;
    for a in assignee_ids {
        if !had.contains(a) {
            sessions::live_agent(tx, *a)?;
        }
        tx.prepare_cached(
            "INSERT OR IGNORE INTO standard_folder_assignees (folder_id, agent_id) VALUES (?1, ?2)",
        )?
        .execute(params![id, a])?;
    }
    Ok(())
}

fn insert(tx: &Transaction, input: &FolderInput) -> StoreResult<FolderId> {
    check_name(&input.name)?;
    let scope = Scope::new(&input.channels, input.team_id, &input.assignee_ids);
    if in_scope(tx, &input.name, &scope, None)?.is_some() {
        return Err(taken(&input.name));
    }
    let now = now_ms();
    tx.prepare_cached(
        "INSERT INTO standard_folders (name, channels, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![input.name.trim(), channels_to_db(&input.channels), now])?;
    let id = tx.last_insert_rowid();
    set_scope(tx, id, input.team_id, &input.assignee_ids)?;
    Ok(id)
}

fn changed(events: &mut Vec<EventKind>, folder: &StandardFolder) {
    events.push(EventKind::StandardFolderChanged {
        folder: folder.clone(),
    });
}

pub(super) fn create(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    input: &FolderInput,
    guard: &FolderGuard,
) -> StoreResult<StandardFolder> {
    let id = insert(tx, input)?;
    let folder = load(tx, id)?;
    allowed(guard, &folder)?;
    changed(events, &folder);
    Ok(folder)
}

pub(super) fn update(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    id: FolderId,
    patch: &FolderPatch,
    guard: &FolderGuard,
) -> StoreResult<StandardFolder> {
    let current = load(tx, id)?;
    allowed(guard, &current)?;
    if let Some(name) = &patch.name {
        check_name(name)?;
        tx.prepare_cached("UPDATE standard_folders SET name = ?2 WHERE id = ?1")?
            .execute(params![id, name.trim()])?;
    }
    if let Some(channels) = &patch.channels {
        tx.prepare_cached("UPDATE standard_folders SET channels = ?2 WHERE id = ?1")?
            .execute(params![id, channels_to_db(channels)])?;
    }
    if patch.team_id.is_some() || patch.assignee_ids.is_some() {
        let team = match patch.team_id {
            Some(t) => t,
            None => current.team.as_ref().map(|t| t.id),
        };
        let assignees = match &patch.assignee_ids {
            Some(a) => a.clone(),
            None => current.assignees.iter().map(|a| a.id).collect(),
        };
        set_scope(tx, id, team, &assignees)?;
    }
    tx.prepare_cached("UPDATE standard_folders SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now_ms()])?;
    let folder = load(tx, id)?;
    // Both as it was and as it becomes: an agent cannot move a folder out
    // of its reach, nor take over one.
    allowed(guard, &folder).map_err(|e| match e {
        StoreError::NotFound(_) => {
            StoreError::Forbidden("that change would take the folder out of your reach".into())
        }
        e => e,
    })?;
    if in_scope(tx, &folder.name, &Scope::of(&folder), Some(id))?.is_some() {
        return Err(taken(&folder.name));
    }
    changed(events, &folder);
    Ok(folder)
}

pub(super) fn delete(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    id: FolderId,
    guard: &FolderGuard,
) -> StoreResult<()> {
    allowed(guard, &load(tx, id)?)?;
    tx.prepare_cached("DELETE FROM standard_folders WHERE id = ?1")?
        .execute([id])?;
    events.push(EventKind::StandardFolderDeleted { folder_id: id });
    Ok(())
}

fn message_folder(tx: &Transaction, id: StandardMessageId) -> StoreResult<FolderId> {
    tx.prepare_cached("SELECT folder_id FROM standard_messages WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound("standard message"))
}

fn message_in(folder: &StandardFolder, id: StandardMessageId) -> StoreResult<StandardMessage> {
    folder
        .messages
        .iter()
        .find(|m| m.id == id)
        .cloned()
        .ok_or(StoreError::NotFound("standard message"))
}

pub(super) fn add_message(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    folder: FolderId,
    text: &str,
    guard: &FolderGuard,
) -> StoreResult<StandardMessage> {
    allowed(guard, &load(tx, folder)?)?;
    let now = now_ms();
    tx.prepare_cached(
        "INSERT INTO standard_messages (folder_id, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![folder, text.trim(), now])?;
    let id = tx.last_insert_rowid();
    let f = load(tx, folder)?;
    let msg = message_in(&f, id)?;
    changed(events, &f);
    Ok(msg)
}

pub(super) fn edit_message(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    id: StandardMessageId,
    text: &str,
    guard: &FolderGuard,
) -> StoreResult<StandardMessage> {
    let folder = message_folder(tx, id)?;
    allowed(guard, &load(tx, folder)?).map_err(|e| match e {
        StoreError::NotFound(_) => StoreError::NotFound("standard message"),
        e => e,
    })?;
    tx.prepare_cached("UPDATE standard_messages SET text = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, text.trim(), now_ms()])?;
    let f = load(tx, folder)?;
    let msg = message_in(&f, id)?;
    changed(events, &f);
    Ok(msg)
}

pub(super) fn delete_message(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    id: StandardMessageId,
    guard: &FolderGuard,
) -> StoreResult<()> {
    let folder = message_folder(tx, id)?;
    allowed(guard, &load(tx, folder)?).map_err(|e| match e {
        StoreError::NotFound(_) => StoreError::NotFound("standard message"),
        e => e,
    })?;
    tx.prepare_cached("DELETE FROM standard_messages WHERE id = ?1")?
        .execute([id])?;
    changed(events, &load(tx, folder)?);
    Ok(())
}

/// Applies a checked import: each planned folder goes into the folder of
/// the same name and scope, made when there is none; a message already in
/// its folder is counted, not added again. Says whether to commit (not for
/// a dry run, nor when anything was refused).
pub(super) fn import(
    tx: &Transaction,
    events: &mut Vec<EventKind>,
    plan: &[PlannedFolder],
    mut report: ImportReport,
    guard: &FolderGuard,
) -> StoreResult<(ImportReport, bool)> {
    let mut touched = Vec::new();
    for pf in plan {
        let scope = Scope::new(&pf.channels, pf.team_id, &pf.assignee_ids);
        let (id, new) = match in_scope(tx, &pf.name, &scope, None)? {
            Some(id) => (id, false),
            None => {
                let input = FolderInput {
                    name: pf.name.clone(),
                    channels: pf.channels.clone(),
                    team_id: pf.team_id,
                    assignee_ids: pf.assignee_ids.clone(),
                };
                report.folders_created.push(pf.name.clone());
                (insert(tx, &input)?, true)
            }
        };
        // Checked again inside the write, as every other change is (the
        // caller's teams may have changed since the rows were checked).
        allowed(guard, &load(tx, id)?).map_err(|e| match e {
            StoreError::NotFound(_) => {
                StoreError::Forbidden(format!("the folder {:?} is out of your reach", pf.name))
            }
            e => e,
        })?;
        let mut added = false;
        for (_, text) in &pf.messages {
            let exists = tx
                .prepare_cached(
                    "SELECT 1 FROM standard_messages WHERE folder_id = ?1 AND text = ?2",
                )?
                .query_row(params![id, text], |_| Ok(()))
                .optional()?
                .is_some();
            if exists {
                report.duplicates_skipped += 1;
                continue;
            }
            tx.prepare_cached(
                "INSERT INTO standard_messages (folder_id, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            )?
            .execute(params![id, text, now_ms()])?;
            report.messages_added += 1;
            added = true;
        }
        if new || added {
            touched.push(id);
        }
    }
    let commit = !report.dry_run && report.errors.is_empty();
    report.applied = commit;
    if commit {
        for id in touched {
            changed(events, &load(tx, id)?);
        }
    }
    Ok((report, commit))
}

#[cfg(test)]
mod tests {
    use crate::server::store::migrations::MIGRATIONS;
    use crate::server::store::sqlite::SqliteStore;
    use crate::server::store::Store;

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
}
