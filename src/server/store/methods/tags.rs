//! Tags and the customers carrying them (the rules: `data/tags.rs`).

use super::*;

/// The store's tags and the customers carrying them (the rules: `data/tags.rs`).
#[async_trait]
pub trait TagStore: Send + Sync {
    async fn list_tags(&self) -> StoreResult<Vec<Tag>>;
    async fn create_tag(&self, tag: NewTag) -> StoreResult<Tag>;
    async fn tag_customer(&self, customer: CustomerId, tag: TagCustomer) -> StoreResult<Customer>;
    async fn untag_customer(&self, customer: CustomerId, tag: TagId) -> StoreResult<Customer>;
    async fn tag_infos(&self) -> StoreResult<Vec<TagInfo>>;
    async fn update_tag(&self, id: TagId, patch: TagPatch) -> StoreResult<Tag>;
    /// Returns how many customers lost it.
    async fn delete_tag(&self, id: TagId) -> StoreResult<i64>;
    async fn merge_tags(&self, from: TagId, into: TagId) -> StoreResult<TagInfo>;
}

#[async_trait]
impl<E: Engine> TagStore for E {
    async fn list_tags(&self) -> StoreResult<Vec<Tag>> {
        self.read(data::tags::list).await
    }

    async fn create_tag(&self, tag: NewTag) -> StoreResult<Tag> {
        self.write(move |db, events| data::tags::create(db, events, &tag.name, tag.color, true))
            .await
    }

    async fn tag_customer(&self, customer: CustomerId, tag: TagCustomer) -> StoreResult<Customer> {
        self.write(move |db, events| data::tags::tag_customer(db, events, customer, tag))
            .await
    }

    async fn untag_customer(&self, customer: CustomerId, tag: TagId) -> StoreResult<Customer> {
        self.write(move |db, events| data::tags::untag_customer(db, events, customer, tag))
            .await
    }

    async fn tag_infos(&self) -> StoreResult<Vec<TagInfo>> {
        self.read(data::tags::infos).await
    }

    async fn update_tag(&self, id: TagId, patch: TagPatch) -> StoreResult<Tag> {
        self.write(move |db, events| data::tags::update(db, events, id, patch))
            .await
    }

    async fn delete_tag(&self, id: TagId) -> StoreResult<i64> {
        self.write(move |db, events| data::tags::delete(db, events, id))
            .await
    }

    async fn merge_tags(&self, from: TagId, into: TagId) -> StoreResult<TagInfo> {
        if from == into {
            return Err(StoreError::Invalid(
                "a tag cannot be merged into itself".into(),
            ));
        }
        self.write(move |db, events| data::tags::merge(db, events, from, into))
            .await
    }
}
