//! Tags and the customers carrying them: the rules (names unique without
//! regard to case, a colour given or picked in turn, a customer's version
//! bumped when its tags change) and their SQL.

use super::customers::load_customer;
use super::messages::validate_text;
use super::now_ms;
use crate::protocol::*;
use crate::server::store::sql::{Db, Row};
use crate::server::store::{StoreError, StoreResult};

/// A tag from a row of `id, name, color`.
pub fn tag_from_row(r: &Row) -> StoreResult<Tag> {
    Ok(Tag {
        id: r.get(0)?,
        name: r.get(1)?,
        color: r.get(2)?,
    })
}

/// Every tag, by name.
pub fn list(db: Db) -> StoreResult<Vec<Tag>> {
    db.query(
        "SELECT id, name, color FROM tags ORDER BY name",
        &[],
        tag_from_row,
    )
}

/// Every tag with how many customers carry it, by name.
pub fn infos(db: Db) -> StoreResult<Vec<TagInfo>> {
    let ids: Vec<i64> = db.query("SELECT id FROM tags ORDER BY lower(name), name", &[], |r| {
        r.get(0)
    })?;
    ids.into_iter().map(|id| info(db, id)).collect()
}

/// Puts a tag (an existing one, or one made by name) on a customer.
pub fn tag_customer(
    db: Db,
    events: &mut Vec<EventKind>,
    customer: CustomerId,
    tag: TagCustomer,
) -> StoreResult<Customer> {
    load_customer(db, customer)?;
    let tag_id = match (tag.tag_id, tag.name) {
        (Some(id), _) => db
            .query_opt("SELECT id FROM tags WHERE id = ?1", &[&id], |r| {
                r.get::<i64>(0)
            })?
            .ok_or(StoreError::NotFound("tag"))?,
        (None, Some(name)) => create(db, events, &name, None, false)?.id,
        (None, None) => return Err(StoreError::Invalid("give a tag_id or a name".into())),
    };
    let n = db.execute(
        "INSERT INTO customer_tags (customer_id, tag_id, added_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        &[&customer, &tag_id, &now_ms()],
    )?;
    if n > 0 {
        db.execute(
            "UPDATE customers SET version = version + 1 WHERE id = ?1",
            &[&customer],
        )?;
    }
    let c = load_customer(db, customer)?;
    if n > 0 {
        events.push(EventKind::CustomerUpdated {
            customer: c.clone(),
        });
    }
    Ok(c)
}

/// Takes a tag off a customer.
pub fn untag_customer(
    db: Db,
    events: &mut Vec<EventKind>,
    customer: CustomerId,
    tag: TagId,
) -> StoreResult<Customer> {
    load_customer(db, customer)?;
    let n = db.execute(
        "DELETE FROM customer_tags WHERE customer_id = ?1 AND tag_id = ?2",
        &[&customer, &tag],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound("tag on this customer"));
    }
    db.execute(
        "UPDATE customers SET version = version + 1 WHERE id = ?1",
        &[&customer],
    )?;
    let c = load_customer(db, customer)?;
    events.push(EventKind::CustomerUpdated {
        customer: c.clone(),
    });
    Ok(c)
}

/// Renames or recolours a tag (a name another tag has is refused: merge).
pub fn update(db: Db, events: &mut Vec<EventKind>, id: TagId, patch: TagPatch) -> StoreResult<Tag> {
    let current = info(db, id)?.tag;
    if let Some(name) = &patch.name {
        let name = name.trim();
        validate_text(name, "a tag name", 64)?;
        let other: Option<i64> = db.value("SELECT id FROM tags WHERE name = ?1", &[&name])?;
        if other.is_some_and(|o| o != id) {
            return Err(StoreError::Conflict(format!(
                "a tag named {name:?} already exists; merge into it instead"
            )));
        }
        db.execute("UPDATE tags SET name = ?2 WHERE id = ?1", &[&id, &name])?;
    }
    if let Some(color) = &patch.color {
        let color = color.trim();
        validate_text(color, "a tag colour", 32)?;
        db.execute("UPDATE tags SET color = ?2 WHERE id = ?1", &[&id, &color])?;
    }
    let tag = info(db, id)?.tag;
    if tag != current {
        touch_tagged(db, id)?;
        events.push(EventKind::TagUpdated { tag: tag.clone() });
    }
    Ok(tag)
}

/// Deletes a tag (off every customer); how many carried it.
pub fn delete(db: Db, events: &mut Vec<EventKind>, id: TagId) -> StoreResult<i64> {
    let info = info(db, id)?;
    touch_tagged(db, id)?;
    db.execute("DELETE FROM customer_tags WHERE tag_id = ?1", &[&id])?;
    db.execute("DELETE FROM tags WHERE id = ?1", &[&id])?;
    events.push(EventKind::TagDeleted { tag_id: id });
    Ok(info.customers)
}

/// Moves every customer of `from` to `into`, and deletes `from`.
pub fn merge(
    db: Db,
    events: &mut Vec<EventKind>,
    from: TagId,
    into: TagId,
) -> StoreResult<TagInfo> {
    info(db, from)?;
    let target = info(db, into)?.tag;
    touch_tagged(db, from)?;
    db.execute(
        "INSERT INTO customer_tags (customer_id, tag_id, added_at)
         SELECT customer_id, ?2, added_at FROM customer_tags WHERE tag_id = ?1
         ON CONFLICT DO NOTHING",
        &[&from, &into],
    )?;
    db.execute("DELETE FROM customer_tags WHERE tag_id = ?1", &[&from])?;
    db.execute("DELETE FROM tags WHERE id = ?1", &[&from])?;
    events.push(EventKind::TagsMerged { from, into: target });
    info(db, into)
}

pub fn info(db: Db, id: TagId) -> StoreResult<TagInfo> {
    db.query_opt("SELECT t.id, t.name, t.color, (SELECT COUNT(*) FROM customer_tags ct WHERE ct.tag_id = t.id)
         FROM tags t WHERE t.id = ?1", &[&id], |r| {
            Ok(TagInfo {
                tag: Tag {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    color: r.get(2)?,
                },
                customers: r.get(3)?,
            })
        })?
    .ok_or(StoreError::NotFound("tag"))
}

/// Bumps the version of every customer carrying a tag (their tags changed).
pub fn touch_tagged(db: Db, tag: TagId) -> StoreResult<()> {
    db.execute(
        "UPDATE customers SET version = version + 1
         WHERE id IN (SELECT customer_id FROM customer_tags WHERE tag_id = ?1)",
        &[&tag],
    )?;
    Ok(())
}

const TAG_COLOURS: [&str; 8] = [
    "blue", "green", "yellow", "magenta", "cyan", "red", "orange", "purple",
];

pub fn create(
    db: Db,
    events: &mut Vec<EventKind>,
    name: &str,
    color: Option<String>,
    must_be_new: bool,
) -> StoreResult<Tag> {
    let name = name.trim();
    validate_text(name, "a tag name", 64)?;
    let existing: Option<Tag> = db.query_opt(
        "SELECT id, name, color FROM tags WHERE name = ?1",
        &[&name],
        tag_from_row,
    )?;
    if let Some(tag) = existing {
        if must_be_new {
            return Err(StoreError::Conflict(format!(
                "a tag named {:?} already exists",
                tag.name
            )));
        }
        return Ok(tag);
    }
    let count: i64 = db.query_row("SELECT COUNT(*) FROM tags", &[], |r| r.get(0))?;
    let color = color
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| TAG_COLOURS[count as usize % TAG_COLOURS.len()].to_string());
    if color.chars().count() > 32 {
        return Err(StoreError::Invalid(
            "a tag colour is at most 32 characters".into(),
        ));
    }
    let id: TagId = db.query_one(
        "tag",
        "INSERT INTO tags (name, color, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        &[&name, &color, &now_ms()],
        |r| r.get(0),
    )?;
    let tag = Tag {
        id,
        name: name.to_string(),
        color,
    };
    events.push(EventKind::TagCreated { tag: tag.clone() });
    Ok(tag)
}
