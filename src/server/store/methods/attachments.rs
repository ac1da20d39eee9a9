//! Files: their rows, quotas, clean-up.

use super::*;

pub async fn uploaded_bytes_since<E: Engine>(
    store: &E,
    agent: AgentId,
    since: DateTime<Utc>,
) -> StoreResult<u64> {
    let since = since.timestamp_millis();
    store
        .read(move |db| {
            let n: i64 = db.query_row(
                "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments
                     WHERE uploaded_by = ?1 AND created_at >= ?2",
                &[&agent, &since],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        })
        .await
}

pub async fn attachment_sent_on<E: Engine>(
    store: &E,
    account: ChannelAccountId,
    attachment: AttachmentId,
) -> StoreResult<bool> {
    store
        .read(move |db| {
            db.query_row(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM messages m
                        JOIN conversations cv ON cv.id = m.conversation_id
                        WHERE m.attachment_id = ?2 AND cv.channel_account_id = ?1
                          AND m.kind IN ('agent', 'bot')) THEN 1 ELSE 0 END",
                &[&account, &attachment],
                |r| r.flag(0),
            )
        })
        .await
}

pub async fn create_attachment<E: Engine>(
    store: &E,
    new: NewAttachment,
) -> StoreResult<Attachment> {
    store
        .write(move |db, _| {
            let new_id: i64 = db.query_row(
                "INSERT INTO attachments (sha256, name, mime, kind, size, uploaded_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                &[
                    &new.sha256,
                    &new.name,
                    &new.mime,
                    &new.kind.as_str(),
                    &(new.size as i64),
                    &new.uploaded_by,
                    &now_ms(),
                ],
                |r| r.get(0),
            )?;
            load_attachment(db, new_id)?.ok_or(StoreError::NotFound("attachment"))
        })
        .await
}

pub async fn attachment<E: Engine>(store: &E, id: AttachmentId) -> StoreResult<Option<Attachment>> {
    store.read(move |db| load_attachment(db, id)).await
}

pub async fn prune_unused_attachments<E: Engine>(
    store: &E,
    before: DateTime<Utc>,
) -> StoreResult<Vec<String>> {
    let before = before.timestamp_millis();
    store
        .write(move |db, _| {
            let unused = "FROM attachments a WHERE a.created_at < ?1
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = a.id)";
            let shas: Vec<String> = db.query(
                &format!("SELECT DISTINCT a.sha256 {unused}"),
                &[&before],
                |r| r.get(0),
            )?;
            db.execute(
                &format!("DELETE FROM attachments WHERE id IN (SELECT a.id {unused})"),
                &[&before],
            )?;
            Ok(shas)
        })
        .await
}

pub async fn sha256_in_use<E: Engine>(store: &E, sha256: &str) -> StoreResult<bool> {
    let sha = sha256.to_string();
    store.read(move |db| {
            db.query_row("SELECT CASE WHEN EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1) THEN 1 ELSE 0 END", &[&sha], |r| r.flag(0))
        })
        .await
}

pub async fn remove_attachment<E: Engine>(
    store: &E,
    by: &Agent,
    message: MessageId,
) -> StoreResult<RemovedAttachment> {
    let (by_id, admin) = (by.id, by.is_admin());
    store.write(move |db, events| {
            let m = load_message(db, message)?;
            if !admin && m.author_id != Some(by_id) {
                return Err(StoreError::Forbidden(
                    "only the message's author or an admin can remove its file".into(),
                ));
            }
            let attachment_id: Option<i64> = db.query_row("SELECT attachment_id FROM messages WHERE id = ?1", &[&message], |r| r.get(0))?;
            let Some(attachment_id) = attachment_id else {
                return Err(StoreError::Invalid("that message has no file".into()));
            };
            db.execute("UPDATE messages SET attachment_id = NULL WHERE id = ?1", &[&message])?;
            let mut unused_sha256 = None;
            let still_used = db.query_row("SELECT CASE WHEN EXISTS (SELECT 1 FROM messages WHERE attachment_id = ?1) THEN 1 ELSE 0 END", &[&attachment_id], |r| r.flag(0))?;
            if !still_used {
                let sha: Option<String> = db.value("SELECT sha256 FROM attachments WHERE id = ?1", &[&attachment_id])?;
                db.execute("DELETE FROM attachments WHERE id = ?1", &[&attachment_id])?;
                if let Some(sha) = sha {
                    let shared = db.query_row("SELECT CASE WHEN EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1) THEN 1 ELSE 0 END", &[&sha], |r| r.flag(0))?;
                    if !shared {
                        unused_sha256 = Some(sha);
                    }
                }
            }
            let message = load_message(db, message)?;
            events.push(EventKind::MessageUpdated {
                message: message.clone(),
            });
            Ok(RemovedAttachment {
                message,
                unused_sha256,
            })
        })
        .await
}

pub async fn hold_file_bytes<E: Engine>(store: &E, sha256: String, size: u64) -> StoreResult<bool> {
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    store
        .write(move |db, _| data::file_bytes::hold(db, &sha256, size, now_ms()))
        .await
}

pub async fn put_file_bytes<E: Engine>(
    store: &E,
    sha256: String,
    part: u32,
    bytes: Vec<u8>,
) -> StoreResult<()> {
    store
        .write(move |db, _| data::file_bytes::put(db, &sha256, i64::from(part), &bytes))
        .await
}

pub async fn file_bytes_complete<E: Engine>(store: &E, sha256: String) -> StoreResult<()> {
    store
        .write(move |db, _| data::file_bytes::complete(db, &sha256))
        .await
}

pub async fn file_bytes_size<E: Engine>(store: &E, sha256: String) -> StoreResult<Option<u64>> {
    store
        .read(move |db| Ok(data::file_bytes::size(db, &sha256)?.map(|n| n.max(0) as u64)))
        .await
}

pub async fn file_bytes_part<E: Engine>(
    store: &E,
    sha256: String,
    part: u32,
) -> StoreResult<Option<Vec<u8>>> {
    store
        .read(move |db| data::file_bytes::part(db, &sha256, i64::from(part)))
        .await
}

pub async fn prune_file_bytes<E: Engine>(
    store: &E,
    touched_before: DateTime<Utc>,
) -> StoreResult<u64> {
    let before = touched_before.timestamp_millis();
    store
        .write(move |db, _| data::file_bytes::prune(db, before))
        .await
}
