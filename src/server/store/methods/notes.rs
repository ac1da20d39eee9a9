//! Notes about a customer.

use super::*;

/// The store's notes about a customer.
#[async_trait]
pub trait NoteStore: Send + Sync {
    async fn list_notes(&self, customer: CustomerId) -> StoreResult<Vec<Note>>;
    async fn create_note(
        &self,
        author: AgentId,
        customer: CustomerId,
        text: String,
    ) -> StoreResult<Note>;
    /// Only the author or an admin may change or delete a note.
    async fn update_note(&self, by: &Agent, id: NoteId, text: String) -> StoreResult<Note>;
    async fn delete_note(&self, by: &Agent, id: NoteId) -> StoreResult<()>;
}

#[async_trait]
impl<E: Engine> NoteStore for E {
    async fn list_notes(&self, customer: CustomerId) -> StoreResult<Vec<Note>> {
        self.read(move |db| {
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

    async fn create_note(
        &self,
        author: AgentId,
        customer: CustomerId,
        text: String,
    ) -> StoreResult<Note> {
        validate_text(&text, "a note", MAX_MESSAGE_CHARS)?;
        self.write(move |db, events| {
                load_customer(db, customer)?;
                let now = now_ms();
                let new_id: i64 = db.query_row("INSERT INTO notes (customer_id, author_id, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id", &[&customer, &author, &text.trim_end(), &now], |r| r.get(0))?;
                let note = load_note(db, new_id)?;
                events.push(EventKind::NoteCreated { note: note.clone() });
                Ok(note)
            })
            .await
    }

    async fn update_note(&self, by: &Agent, id: NoteId, text: String) -> StoreResult<Note> {
        validate_text(&text, "a note", MAX_MESSAGE_CHARS)?;
        let by = by.clone();
        self.write(move |db, events| {
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

    async fn delete_note(&self, by: &Agent, id: NoteId) -> StoreResult<()> {
        let by = by.clone();
        self.write(move |db, events| {
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
}
