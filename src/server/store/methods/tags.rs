//! Tags and the customers carrying them (the rules: `data/tags.rs`).

use super::*;

pub async fn list_tags<E: Engine>(store: &E) -> StoreResult<Vec<Tag>> {
    store.read(data::tags::list).await
}

pub async fn create_tag<E: Engine>(store: &E, tag: NewTag) -> StoreResult<Tag> {
    store
        .write(move |db, events| data::tags::create(db, events, &tag.name, tag.color, true))
        .await
}

pub async fn tag_customer<E: Engine>(
    store: &E,
    customer: CustomerId,
    tag: TagCustomer,
) -> StoreResult<Customer> {
    store
        .write(move |db, events| data::tags::tag_customer(db, events, customer, tag))
        .await
}

pub async fn untag_customer<E: Engine>(
    store: &E,
    customer: CustomerId,
    tag: TagId,
) -> StoreResult<Customer> {
    store
        .write(move |db, events| data::tags::untag_customer(db, events, customer, tag))
        .await
}

pub async fn tag_infos<E: Engine>(store: &E) -> StoreResult<Vec<TagInfo>> {
    store.read(data::tags::infos).await
}

pub async fn update_tag<E: Engine>(store: &E, id: TagId, patch: TagPatch) -> StoreResult<Tag> {
    store
        .write(move |db, events| data::tags::update(db, events, id, patch))
        .await
}

pub async fn delete_tag<E: Engine>(store: &E, id: TagId) -> StoreResult<i64> {
    store
        .write(move |db, events| data::tags::delete(db, events, id))
        .await
}

pub async fn merge_tags<E: Engine>(store: &E, from: TagId, into: TagId) -> StoreResult<TagInfo> {
    if from == into {
        return Err(StoreError::Invalid(
            "a tag cannot be merged into itself".into(),
        ));
    }
    store
        .write(move |db, events| data::tags::merge(db, events, from, into))
        .await
}
