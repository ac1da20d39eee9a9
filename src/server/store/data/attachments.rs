//! Files stored with messages: their rows (the bytes are the file
//! store's).

use super::super::sql::{Db, Row};
use super::to_dt;
use crate::protocol::*;
use crate::server::store::StoreResult;

pub fn load_attachment(db: Db, id: AttachmentId) -> StoreResult<Option<Attachment>> {
    db.query_opt(
        "SELECT id, name, mime, kind, size, sha256, created_at FROM attachments WHERE id = ?1",
        &[&id],
        |r| {
            let kind: String = r.get(3)?;
            Ok(Attachment {
                id: r.get(0)?,
                name: r.get(1)?,
                mime: r.get(2)?,
                kind: kind.parse().unwrap_or(AttachmentKind::Document),
                size: r.get::<i64>(4)?.max(0) as u64,
                sha256: r.get(5)?,
                created_at: to_dt(r.get(6)?),
            })
        },
    )
}

/// The attachment whose id is column `i` of a message row; its name,
/// mime, kind, size, hash and time are columns `i + 7` to `i + 12`.
pub fn attachment_at(r: &Row, i: usize) -> StoreResult<Option<Attachment>> {
    let Some(id) = r.get::<Option<i64>>(i)? else {
        return Ok(None);
    };
    let Some(name) = r.get::<Option<String>>(i + 7)? else {
        // The message names an attachment that is gone.
        return Ok(None);
    };
    let kind: String = r.get(i + 9)?;
    Ok(Some(Attachment {
        id,
        name,
        mime: r.get(i + 8)?,
        kind: kind.parse().unwrap_or(AttachmentKind::Document),
        size: r.get::<i64>(i + 10)?.max(0) as u64,
        sha256: r.get(i + 11)?,
        created_at: to_dt(r.get(i + 12)?),
    }))
}
