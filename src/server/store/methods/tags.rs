//! Tags and the customers carrying them.

use super::*;

pub async fn list_tags<E: Engine>(store: &E) -> StoreResult<Vec<Tag>> {
    store
        .read(|db| {
            let rows = db.query("SELECT id, name, color FROM tags ORDER BY name", &[], |r| {
                Ok(Tag {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    color: r.get(2)?,
                })
            })?;
            Ok(rows)
        })
        .await
}

pub async fn create_tag<E: Engine>(store: &E, tag: NewTag) -> StoreResult<Tag> {
    store
        .write(move |db, events| create_tag_tx(db, events, &tag.name, tag.color, true))
        .await
}

pub async fn tag_customer<E: Engine>(
    store: &E,
    customer: CustomerId,
    tag: TagCustomer,
) -> StoreResult<Customer> {
    store.write(move |db, events| {
            load_customer(db, customer)?;
            let tag_id = match (tag.tag_id, tag.name) {
                (Some(id), _) => {
                    db.query_opt("SELECT id FROM tags WHERE id = ?1", &[&id], |r| {
                        r.get::<i64>(0)
                    })?
                    .ok_or(StoreError::NotFound("tag"))?
                }
                (None, Some(name)) => create_tag_tx(db, events, &name, None, false)?.id,
                (None, None) => {
                    return Err(StoreError::Invalid("give a tag_id or a name".into()))
                }
            };
            let n = db.execute("INSERT INTO customer_tags (customer_id, tag_id, added_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", &[&customer, &tag_id, &now_ms()])?;
            if n > 0 {
                db.execute("UPDATE customers SET version = version + 1 WHERE id = ?1", &[&customer])?;
            }
            let c = load_customer(db, customer)?;
            if n > 0 {
                events.push(EventKind::CustomerUpdated { customer: c.clone() });
            }
            Ok(c)
        })
        .await
}

pub async fn untag_customer<E: Engine>(
    store: &E,
    customer: CustomerId,
    tag: TagId,
) -> StoreResult<Customer> {
    store
        .write(move |db, events| {
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
        })
        .await
}

pub async fn tag_infos<E: Engine>(store: &E) -> StoreResult<Vec<TagInfo>> {
    store
        .read(|db| {
            let ids: Vec<i64> =
                db.query("SELECT id FROM tags ORDER BY lower(name), name", &[], |r| {
                    r.get(0)
                })?;
            ids.into_iter().map(|id| tag_info(db, id)).collect()
        })
        .await
}

pub async fn update_tag<E: Engine>(store: &E, id: TagId, patch: TagPatch) -> StoreResult<Tag> {
    store
        .write(move |db, events| {
            let current = tag_info(db, id)?.tag;
            if let Some(name) = &patch.name {
                let name = name.trim();
                validate_text(name, "a tag name", 64)?;
                let other: Option<i64> =
                    db.value("SELECT id FROM tags WHERE name = ?1", &[&name])?;
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
            let tag = tag_info(db, id)?.tag;
            if tag != current {
                touch_tagged(db, id)?;
                events.push(EventKind::TagUpdated { tag: tag.clone() });
            }
            Ok(tag)
        })
        .await
}

pub async fn delete_tag<E: Engine>(store: &E, id: TagId) -> StoreResult<i64> {
    store
        .write(move |db, events| {
            let info = tag_info(db, id)?;
            touch_tagged(db, id)?;
            db.execute("DELETE FROM customer_tags WHERE tag_id = ?1", &[&id])?;
            db.execute("DELETE FROM tags WHERE id = ?1", &[&id])?;
            events.push(EventKind::TagDeleted { tag_id: id });
            Ok(info.customers)
        })
        .await
}

pub async fn merge_tags<E: Engine>(store: &E, from: TagId, into: TagId) -> StoreResult<TagInfo> {
    if from == into {
        return Err(StoreError::Invalid(
            "a tag cannot be merged into itself".into(),
        ));
    }
    store
        .write(move |db, events| {
            tag_info(db, from)?;
            let target = tag_info(db, into)?.tag;
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
            tag_info(db, into)
        })
        .await
}
