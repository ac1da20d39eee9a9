//! Replies out to the platforms and customers' files in.

use super::*;

/// The store's replies out to the platforms and customers' files in.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Pending outbound messages due by `now`, oldest first, never one
    /// behind an earlier pending message of its conversation, claimed for
    /// the caller until `until`: nobody else (on any replica) is given
    /// them before then, unless the claim is renewed or the try recorded.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>>;
    /// Keeps the claims on messages still being sent and files still
    /// being fetched until `until`.
    async fn renew_claims(
        &self,
        messages: Vec<MessageId>,
        media: Vec<MessageId>,
        until: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A message being sent has made `parts` of its calls, recorded before
    /// it makes the next, so a try that takes it over (this one's replica
    /// died) never makes them again.
    async fn parts_sent(&self, id: MessageId, parts: u32) -> StoreResult<()>;
    /// Records a try; the message's update goes out as an event.
    async fn delivery_done(&self, id: MessageId, outcome: DeliveryOutcome) -> StoreResult<Message>;
    /// A platform's status for the message it knows as `external_id`
    /// (delivered, read, failed): statuses only move forward.
    async fn platform_status(
        &self,
        account: ChannelAccountId,
        external_id: String,
        status: DeliveryStatus,
        reason: Option<String>,
    ) -> StoreResult<Option<Message>>;
    /// Messenger's watermarks: every message sent to the customer up to
    /// `until` is delivered (or read).
    async fn platform_status_until(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        until: DateTime<Utc>,
        status: DeliveryStatus,
    ) -> StoreResult<Vec<Message>>;
    /// A failed message goes back in the queue (its author or an admin).
    async fn retry_message(&self, by: &Agent, id: MessageId) -> StoreResult<Message>;
    /// Files still to fetch, due by `now`, claimed until `until`.
    async fn claim_media(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MediaFetch>>;
    /// What became of fetching a message's file.
    async fn media_done(&self, id: MessageId, outcome: MediaOutcome) -> StoreResult<()>;
    /// Replaces a customer's placeholder name (their platform id) with the
    /// name the platform's profile gives.
    async fn set_platform_name(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        name: String,
    ) -> StoreResult<()>;
}

#[async_trait]
impl<E: Engine> DeliveryStore for E {
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let (now, until) = (now.timestamp_millis(), until.timestamp_millis());
        self.write(move |db, _| data::delivery::claim(db, now, until, limit))
            .await
    }

    async fn renew_claims(
        &self,
        messages: Vec<MessageId>,
        media: Vec<MessageId>,
        until: DateTime<Utc>,
    ) -> StoreResult<()> {
        let until = until.timestamp_millis();
        self.write(move |db, _| data::delivery::renew(db, &messages, &media, until))
            .await
    }

    async fn parts_sent(&self, id: MessageId, parts: u32) -> StoreResult<()> {
        self.write(move |db, _| data::delivery::parts_sent(db, id, parts))
            .await
    }

    async fn delivery_done(&self, id: MessageId, outcome: DeliveryOutcome) -> StoreResult<Message> {
        self.write(move |db, events| data::delivery::done(db, events, id, outcome))
            .await
    }

    async fn platform_status(
        &self,
        account: ChannelAccountId,
        external_id: String,
        status: DeliveryStatus,
        reason: Option<String>,
    ) -> StoreResult<Option<Message>> {
        self.write(move |db, events| {
            data::delivery::status(db, events, account, &external_id, status, reason)
        })
        .await
    }

    async fn platform_status_until(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        until: DateTime<Utc>,
        status: DeliveryStatus,
    ) -> StoreResult<Vec<Message>> {
        let until = until.timestamp_millis();
        self.write(move |db, events| {
            data::delivery::status_until(db, events, account, &channel_user_id, until, status)
        })
        .await
    }

    async fn retry_message(&self, by: &Agent, id: MessageId) -> StoreResult<Message> {
        let by = by.clone();
        self.write(move |db, events| data::delivery::retry(db, events, &by, id))
            .await
    }

    async fn claim_media(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MediaFetch>> {
        let (now, until) = (now.timestamp_millis(), until.timestamp_millis());
        self.write(move |db, _| data::delivery::claim_media(db, now, until, limit))
            .await
    }

    async fn media_done(&self, id: MessageId, outcome: MediaOutcome) -> StoreResult<()> {
        self.write(move |db, events| data::delivery::media_done(db, events, id, outcome))
            .await
    }

    async fn set_platform_name(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        name: String,
    ) -> StoreResult<()> {
        self.write(move |db, events| {
            data::delivery::set_platform_name(db, events, account, &channel_user_id, &name)
        })
        .await
    }
}
