//! Notes about a customer.

use super::*;

pub async fn list_notes<E: Engine>(store: &E, customer: CustomerId) -> StoreResult<Vec<Note>> {
    store
        .read(move |db| {
            load_customer(db, customer)?;
            let ids: Vec<i64> = db.query(
                "SELECT id FROM notes WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC",
                &[&customer],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_note(db, id)).collect()
        })
        .await
}

pub async fn create_note<E: Engine>(
    store: &E,
    author: AgentId,
    customer: CustomerId,
    text: String,
) -> StoreResult<Note> {
    validate_text(&text, "a note", MAX_MESSAGE_CHARS)?;
    store.write(move |db, events| {
            load_customer(db, customer)?;
            let now = now_ms();
            let new_id: i64 = db.query_row("INSERT INTO notes (customer_id, author_id, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id", &[&customer, &author, &text.trim_end(), &now], |r| r.get(0))?;
            let note = load_note(db, new_id)?;
            events.push(EventKind::NoteCreated { note: note.clone() });
            Ok(note)
        })
        .await
}

pub async fn update_note<E: Engine>(
    store: &E,
    by: &Agent,
    id: NoteId,
    text: String,
) -> StoreResult<Note> {
    validate_text(&text, "a note", MAX_MESSAGE_CHARS)?;
    let by = by.clone();
    store
        .write(move |db, events| {
            let note = load_note(db, id)?;
            if note.author_id != by.id && !by.is_admin() {
                return Err(StoreError::Forbidden(
                    "only the note's author or an admin may change it".into(),
                ));
            }
            db.execute(
                "UPDATE notes SET text = ?2, updated_at = ?3 WHERE id = ?1",
                &[&id, &text.trim_end(), &now_ms()],
            )?;
            let note = load_note(db, id)?;
            events.push(EventKind::NoteUpdated { note: note.clone() });
            Ok(note)
        })
        .await
}

pub async fn delete_note<E: Engine>(store: &E, by: &Agent, id: NoteId) -> StoreResult<()> {
    let by = by.clone();
    store
        .write(move |db, events| {
            let note = load_note(db, id)?;
            if note.author_id != by.id && !by.is_admin() {
                return Err(StoreError::Forbidden(
                    "only the note's author or an admin may delete it".into(),
                ));
            }
            db.execute("DELETE FROM notes WHERE id = ?1", &[&id])?;
            events.push(EventKind::NoteDeleted {
                note_id: id,
                customer_id: note.customer_id,
            });
            Ok(())
        })
        .await
}
