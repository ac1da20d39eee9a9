//! Broadcasts to tagged customers: loading one, and whom it reaches.

use super::channels::{channels_from_db, channels_to_db};
use super::to_dt;
use crate::protocol::*;
use crate::server::store::sql::Db;
use crate::server::store::{StoreError, StoreResult};

pub fn load(db: Db, id: BroadcastId) -> StoreResult<Broadcast> {
    db.query_opt("SELECT b.id, b.tag_id, b.tag_name, b.tag_color, b.channels, b.text, b.send_at, b.created_by,
                a.name, b.created_at, b.status, b.total, b.sent, b.failed, b.finished_at
         FROM broadcasts b JOIN agents a ON a.id = b.created_by WHERE b.id = ?1", &[&id], |r| {
            let channels: String = r.get(4)?;
            let status: String = r.get(10)?;
            Ok(Broadcast {
                id: r.get(0)?,
                tag: Tag {
                    id: r.get(1)?,
                    name: r.get(2)?,
                    color: r.get(3)?,
                },
                channels: channels_from_db(&channels),
                text: r.get(5)?,
                send_at: to_dt(r.get(6)?),
                created_by: AgentRef {
                    id: r.get(7)?,
                    name: r.get(8)?,
                },
                created_at: to_dt(r.get(9)?),
                status: match status.as_str() {
                    "running" => BroadcastStatus::Running,
                    "done" => BroadcastStatus::Done,
                    "cancelled" => BroadcastStatus::Cancelled,
                    _ => BroadcastStatus::Scheduled,
                },
                total: r.get(11)?,
                sent: r.get(12)?,
                failed: r.get(13)?,
                finished_at: r.get::<Option<i64>>(14)?.map(to_dt),
            })
        })?
    .ok_or(StoreError::NotFound("broadcast"))
}

/// The conversations a broadcast reaches: customers with the tag, on the
/// chosen channels (all when none).
pub fn audience(db: Db, tag: TagId, channels: &[ChannelKind]) -> StoreResult<Vec<ConversationId>> {
    let kinds = channels_to_db(channels);
    let ids = db.query(
        &format!(
            "SELECT cv.id FROM conversations cv
             JOIN customer_tags ct ON ct.customer_id = cv.customer_id AND ct.tag_id = ?1
             JOIN channel_accounts a ON a.id = cv.channel_account_id
             WHERE ?2 = '' OR {}(',' || ?2 || ',', ',' || a.kind || ',') > 0
             ORDER BY cv.id",
            db.instr()
        ),
        &[&tag, &kinds],
        |r| r.get(0),
    )?;
    Ok(ids)
}
