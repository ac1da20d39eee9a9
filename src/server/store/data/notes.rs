//! Notes about a customer.

use super::super::sql::Db;
use super::to_dt;
use crate::protocol::*;
use crate::server::store::StoreResult;

pub fn load_note(db: Db, id: NoteId) -> StoreResult<Note> {
    db.query_one(
        "note",
        "SELECT n.id, n.customer_id, n.author_id, ag.name, n.text, n.created_at, n.updated_at
         FROM notes n JOIN agents ag ON ag.id = n.author_id WHERE n.id = ?1",
        &[&id],
        |r| {
            Ok(Note {
                id: r.get(0)?,
                customer_id: r.get(1)?,
                author_id: r.get(2)?,
                author_name: r.get(3)?,
                text: r.get(4)?,
                created_at: to_dt(r.get(5)?),
                updated_at: to_dt(r.get(6)?),
            })
        },
    )
}
