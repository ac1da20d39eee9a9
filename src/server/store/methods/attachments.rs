//! Files: their rows, quotas, clean-up.

use super::*;

/// The store's files: their rows, quotas, clean-up.
#[async_trait]
pub trait AttachmentStore: Send + Sync {
    /// Bytes an agent uploaded since `since`.
    async fn uploaded_bytes_since(&self, agent: AgentId, since: DateTime<Utc>) -> StoreResult<u64>;
    /// Whether the file went out in a message (an agent's or the bot's) of
    /// a conversation on this account.
    async fn attachment_sent_on(
        &self,
        account: ChannelAccountId,
        attachment: AttachmentId,
    ) -> StoreResult<bool>;
    async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment>;
    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<Attachment>>;
    /// Deletes uploads that no message names and that are older than
    /// `before`; returns the content hashes they named, for the caller to
    /// delete the bytes nothing else uses.
    async fn prune_unused_attachments(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>>;
    /// Whether any attachment record still names these bytes.
    async fn sha256_in_use(&self, sha256: &str) -> StoreResult<bool>;
    /// Marks the bytes `sha256` as in use now; whether all of them are in.
    async fn hold_file_bytes(&self, sha256: String, size: u64) -> StoreResult<bool>;
    /// Part `part` of the bytes (at most `data::file_bytes::PART` long).
    async fn put_file_bytes(&self, sha256: String, part: u32, bytes: Vec<u8>) -> StoreResult<()>;
    /// Every part of the bytes is in.
    async fn file_bytes_complete(&self, sha256: String) -> StoreResult<()>;
    /// The size of bytes kept whole.
    async fn file_bytes_size(&self, sha256: String) -> StoreResult<Option<u64>>;
    async fn file_bytes_part(&self, sha256: String, part: u32) -> StoreResult<Option<Vec<u8>>>;
    /// Deletes the bytes no attachment names and nobody used since
    /// `touched_before`; how many went.
    async fn prune_file_bytes(&self, touched_before: DateTime<Utc>) -> StoreResult<u64>;
    /// Takes the attachment off a message (by its author or an admin). The
    /// attachment's record goes when no message uses it, and its bytes when
    /// no record shares them.
    async fn remove_attachment(
        &self,
        by: &Agent,
        message: MessageId,
    ) -> StoreResult<RemovedAttachment>;
}

#[async_trait]
impl<E: Engine> AttachmentStore for E {
    async fn uploaded_bytes_since(&self, agent: AgentId, since: DateTime<Utc>) -> StoreResult<u64> {
        let since = since.timestamp_millis();
        self.read(move |db| {
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

    async fn attachment_sent_on(
        &self,
        account: ChannelAccountId,
        attachment: AttachmentId,
    ) -> StoreResult<bool> {
        self.read(move |db| {
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

    async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment> {
        self.write(move |db, _| {
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

    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<Attachment>> {
        self.read(move |db| load_attachment(db, id)).await
    }

    async fn prune_unused_attachments(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>> {
        let before = before.timestamp_millis();
        self.write(move |db, _| {
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

    async fn sha256_in_use(&self, sha256: &str) -> StoreResult<bool> {
        let sha = sha256.to_string();
        self.read(move |db| {
                db.query_row("SELECT CASE WHEN EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1) THEN 1 ELSE 0 END", &[&sha], |r| r.flag(0))
            })
            .await
    }

    async fn hold_file_bytes(&self, sha256: String, size: u64) -> StoreResult<bool> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.write(move |db, _| data::file_bytes::hold(db, &sha256, size, now_ms()))
            .await
    }

    async fn put_file_bytes(&self, sha256: String, part: u32, bytes: Vec<u8>) -> StoreResult<()> {
        self.write(move |db, _| data::file_bytes::put(db, &sha256, i64::from(part), &bytes))
            .await
    }

    async fn file_bytes_complete(&self, sha256: String) -> StoreResult<()> {
        self.write(move |db, _| data::file_bytes::complete(db, &sha256))
            .await
    }

    async fn file_bytes_size(&self, sha256: String) -> StoreResult<Option<u64>> {
        self.read(move |db| Ok(data::file_bytes::size(db, &sha256)?.map(|n| n.max(0) as u64)))
            .await
    }

    async fn file_bytes_part(&self, sha256: String, part: u32) -> StoreResult<Option<Vec<u8>>> {
        self.read(move |db| data::file_bytes::part(db, &sha256, i64::from(part)))
            .await
    }

    async fn prune_file_bytes(&self, touched_before: DateTime<Utc>) -> StoreResult<u64> {
        let before = touched_before.timestamp_millis();
        self.write(move |db, _| data::file_bytes::prune(db, before))
            .await
    }

    async fn remove_attachment(
        &self,
        by: &Agent,
        message: MessageId,
    ) -> StoreResult<RemovedAttachment> {
        let (by_id, admin) = (by.id, by.is_admin());
        self.write(move |db, events| {
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
}
