//! Standard messages in SQLite: folders with their scope (channels, team,
//! users) and messages; a folder's name is unique within its scope. Every
//! change passes the caller's [`FolderGuard`] inside the write, with the
//! folder as it was and as it would be, so a permission cannot change
//! between the check and the write.

use super::channels::{channels_from_db, channels_to_db};
use super::messages::validate_text;
use super::{now_ms, sessions};
use crate::protocol::PlannedFolder;
use crate::protocol::MAX_MESSAGE_CHARS;
use crate::protocol::*;
use crate::server::store::sql::Db;
use crate::server::store::{FolderGuard, StoreError, StoreResult};

pub fn list(db: Db) -> StoreResult<Vec<StandardFolder>> {
    let ids: Vec<i64> = db.query(
        "SELECT id FROM standard_folders ORDER BY lower(name), name, id",
        &[],
        |r| r.get(0),
    )?;
    ids.into_iter().map(|id| load(db, id)).collect()
}

pub fn load(db: Db, id: FolderId) -> StoreResult<StandardFolder> {
    let (name, channels, team_id): (String, String, Option<i64>) = db
        .query_opt(
            "SELECT name, channels, team_id FROM standard_folders WHERE id = ?1",
            &[&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .ok_or(StoreError::NotFound("standard-message folder"))?;
    let team = match team_id {
        Some(t) => db.query_opt("SELECT id, name FROM teams WHERE id = ?1", &[&t], |r| {
            Ok(Team {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?,
        None => None,
    };
    let assignees = db.query(
        "SELECT a.id, a.name FROM standard_folder_assignees fa JOIN agents a ON a.id = fa.agent_id
             WHERE fa.folder_id = ?1 ORDER BY a.name",
        &[&id],
        |r| {
            Ok(AgentRef {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    )?;
    let messages = db.query(
        "SELECT id, text FROM standard_messages WHERE folder_id = ?1 ORDER BY id",
        &[&id],
        |r| {
            Ok(StandardMessage {
                id: r.get(0)?,
                folder_id: id,
                text: r.get(1)?,
            })
        },
    )?;
    Ok(StandardFolder {
        id,
        name,
        channels: channels_from_db(&channels),
        team,
        assignees,
        messages,
    })
}

pub fn check_text(text: &str) -> StoreResult<()> {
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
    db: Db,
    name: &str,
    scope: &Scope,
    except: Option<FolderId>,
) -> StoreResult<Option<FolderId>> {
    let ids: Vec<FolderId> = db.query(
        "SELECT id FROM standard_folders WHERE lower(name) = lower(?1)",
        &[&name.trim()],
        |r| r.get(0),
    )?;
    for id in ids {
        if Some(id) != except && Scope::of(&load(db, id)?) == *scope {
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
    db: Db,
    id: FolderId,
    team_id: Option<TeamId>,
    assignee_ids: &[AgentId],
) -> StoreResult<()> {
    if let Some(t) = team_id {
        db.query_opt("SELECT 1 FROM teams WHERE id = ?1", &[&t], |_| Ok(()))?
            .ok_or(StoreError::NotFound("team"))?;
    }
    db.execute(
        "UPDATE standard_folders SET team_id = ?2 WHERE id = ?1",
        &[&id, &team_id],
    )?;
    // Those already on the folder may stay even if removed since; new ones
    // must be live agents.
    let had: Vec<AgentId> = db.query(
        "SELECT agent_id FROM standard_folder_assignees WHERE folder_id = ?1",
        &[&id],
        |r| r.get(0),
    )?;
    db.execute(
        "DELETE FROM standard_folder_assignees WHERE folder_id = ?1",
        &[&id],
    )?;
    for a in assignee_ids {
        if !had.contains(a) {
            sessions::live_agent(db, *a)?;
        }
        db.execute("INSERT INTO standard_folder_assignees (folder_id, agent_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", &[&id, a])?;
    }
    Ok(())
}

fn insert(db: Db, input: &FolderInput) -> StoreResult<FolderId> {
    check_name(&input.name)?;
    let scope = Scope::new(&input.channels, input.team_id, &input.assignee_ids);
    if in_scope(db, &input.name, &scope, None)?.is_some() {
        return Err(taken(&input.name));
    }
    let now = now_ms();
    let id: FolderId = db.query_one(
        "folder",
        "INSERT INTO standard_folders (name, channels, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?3) RETURNING id",
        &[&input.name.trim(), &channels_to_db(&input.channels), &now],
        |r| r.get(0),
    )?;
    set_scope(db, id, input.team_id, &input.assignee_ids)?;
    Ok(id)
}

fn changed(events: &mut Vec<EventKind>, folder: &StandardFolder) {
    events.push(EventKind::StandardFolderChanged {
        folder: folder.clone(),
    });
}

pub fn create(
    db: Db,
    events: &mut Vec<EventKind>,
    input: &FolderInput,
    guard: &FolderGuard,
) -> StoreResult<StandardFolder> {
    let id = insert(db, input)?;
    let folder = load(db, id)?;
    allowed(guard, &folder)?;
    changed(events, &folder);
    Ok(folder)
}

pub fn update(
    db: Db,
    events: &mut Vec<EventKind>,
    id: FolderId,
    patch: &FolderPatch,
    guard: &FolderGuard,
) -> StoreResult<StandardFolder> {
    let current = load(db, id)?;
    allowed(guard, &current)?;
    if let Some(name) = &patch.name {
        check_name(name)?;
        db.execute(
            "UPDATE standard_folders SET name = ?2 WHERE id = ?1",
            &[&id, &name.trim()],
        )?;
    }
    if let Some(channels) = &patch.channels {
        db.execute(
            "UPDATE standard_folders SET channels = ?2 WHERE id = ?1",
            &[&id, &(channels_to_db(channels))],
        )?;
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
        set_scope(db, id, team, &assignees)?;
    }
    db.execute(
        "UPDATE standard_folders SET updated_at = ?2 WHERE id = ?1",
        &[&id, &now_ms()],
    )?;
    let folder = load(db, id)?;
    // Both as it was and as it becomes: an agent cannot move a folder out
    // of its reach, nor take over one.
    allowed(guard, &folder).map_err(|e| match e {
        StoreError::NotFound(_) => {
            StoreError::Forbidden("that change would take the folder out of your reach".into())
        }
        e => e,
    })?;
    if in_scope(db, &folder.name, &Scope::of(&folder), Some(id))?.is_some() {
        return Err(taken(&folder.name));
    }
    changed(events, &folder);
    Ok(folder)
}

pub fn delete(
    db: Db,
    events: &mut Vec<EventKind>,
    id: FolderId,
    guard: &FolderGuard,
) -> StoreResult<()> {
    allowed(guard, &load(db, id)?)?;
    db.execute("DELETE FROM standard_folders WHERE id = ?1", &[&id])?;
    events.push(EventKind::StandardFolderDeleted { folder_id: id });
    Ok(())
}

fn message_folder(db: Db, id: StandardMessageId) -> StoreResult<FolderId> {
    db.value(
        "SELECT folder_id FROM standard_messages WHERE id = ?1",
        &[&id],
    )?
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

pub fn add_message(
    db: Db,
    events: &mut Vec<EventKind>,
    folder: FolderId,
    text: &str,
    guard: &FolderGuard,
) -> StoreResult<StandardMessage> {
    allowed(guard, &load(db, folder)?)?;
    let now = now_ms();
    let id: i64 = db.query_one(
        "message",
        "INSERT INTO standard_messages (folder_id, text, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?3) RETURNING id",
        &[&folder, &text.trim(), &now],
        |r| r.get(0),
    )?;
    let f = load(db, folder)?;
    let msg = message_in(&f, id)?;
    changed(events, &f);
    Ok(msg)
}

pub fn edit_message(
    db: Db,
    events: &mut Vec<EventKind>,
    id: StandardMessageId,
    text: &str,
    guard: &FolderGuard,
) -> StoreResult<StandardMessage> {
    let folder = message_folder(db, id)?;
    allowed(guard, &load(db, folder)?).map_err(|e| match e {
        StoreError::NotFound(_) => StoreError::NotFound("standard message"),
        e => e,
    })?;
    db.execute(
        "UPDATE standard_messages SET text = ?2, updated_at = ?3 WHERE id = ?1",
        &[&id, &text.trim(), &now_ms()],
    )?;
    let f = load(db, folder)?;
    let msg = message_in(&f, id)?;
    changed(events, &f);
    Ok(msg)
}

pub fn delete_message(
    db: Db,
    events: &mut Vec<EventKind>,
    id: StandardMessageId,
    guard: &FolderGuard,
) -> StoreResult<()> {
    let folder = message_folder(db, id)?;
    allowed(guard, &load(db, folder)?).map_err(|e| match e {
        StoreError::NotFound(_) => StoreError::NotFound("standard message"),
        e => e,
    })?;
    db.execute("DELETE FROM standard_messages WHERE id = ?1", &[&id])?;
    changed(events, &load(db, folder)?);
    Ok(())
}

/// Applies a checked import: each planned folder goes into the folder of
/// the same name and scope, made when there is none; a message already in
/// its folder is counted, not added again. Says whether to commit (not for
/// a dry run, nor when anything was refused).
pub fn import(
    db: Db,
    events: &mut Vec<EventKind>,
    plan: &[PlannedFolder],
    mut report: ImportReport,
    guard: &FolderGuard,
) -> StoreResult<(ImportReport, bool)> {
    let mut touched = Vec::new();
    for pf in plan {
        let scope = Scope::new(&pf.channels, pf.team_id, &pf.assignee_ids);
        let (id, new) = match in_scope(db, &pf.name, &scope, None)? {
            Some(id) => (id, false),
            None => {
                let input = FolderInput {
                    name: pf.name.clone(),
                    channels: pf.channels.clone(),
                    team_id: pf.team_id,
                    assignee_ids: pf.assignee_ids.clone(),
                };
                report.folders_created.push(pf.name.clone());
                (insert(db, &input)?, true)
            }
        };
        // Checked again inside the write, as every other change is (the
        // caller's teams may have changed since the rows were checked).
        allowed(guard, &load(db, id)?).map_err(|e| match e {
            StoreError::NotFound(_) => {
                StoreError::Forbidden(format!("the folder {:?} is out of your reach", pf.name))
            }
            e => e,
        })?;
        let mut added = false;
        for (_, text) in &pf.messages {
            let exists = db
                .query_opt(
                    "SELECT 1 FROM standard_messages WHERE folder_id = ?1 AND text = ?2",
                    &[&id, &text],
                    |_| Ok(()),
                )?
                .is_some();
            if exists {
                report.duplicates_skipped += 1;
                continue;
            }
            db.execute("INSERT INTO standard_messages (folder_id, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)", &[&id, &text, &now_ms()])?;
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
            changed(events, &load(db, id)?);
        }
    }
    Ok((report, commit))
}
