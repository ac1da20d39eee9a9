//! Scheduled messages.

use super::super::sql::Db;
use super::to_dt;
use crate::protocol::*;
use crate::server::store::StoreResult;

pub fn load_scheduled(db: Db, id: ScheduledId) -> StoreResult<Scheduled> {
    db.query_one(
        "scheduled message",
        "SELECT s.id, s.conversation_id, s.name, s.text, s.send_at, s.created_by, a.name,
                s.created_at, s.status, s.sent_message_id, s.updated_by, u.name
         FROM scheduled_messages s JOIN agents a ON a.id = s.created_by
         LEFT JOIN agents u ON u.id = s.updated_by AND s.updated_by != s.created_by
         WHERE s.id = ?1",
        &[&id],
        |r| {
            let status: String = r.get(8)?;
            Ok(Scheduled {
                id: r.get(0)?,
                conversation_id: r.get(1)?,
                name: r.get(2)?,
                text: r.get(3)?,
                send_at: to_dt(r.get(4)?),
                created_by: AgentRef {
                    id: r.get(5)?,
                    name: r.get(6)?,
                },
                created_at: to_dt(r.get(7)?),
                status: match status.as_str() {
                    "sent" => ScheduledStatus::Sent,
                    "cancelled" => ScheduledStatus::Cancelled,
                    _ => ScheduledStatus::Pending,
                },
                sent_message_id: r.get(9)?,
                updated_by: match (r.get::<Option<AgentId>>(10)?, r.get::<Option<String>>(11)?) {
                    (Some(id), Some(name)) => Some(AgentRef { id, name }),
                    _ => None,
                },
            })
        },
    )
}
