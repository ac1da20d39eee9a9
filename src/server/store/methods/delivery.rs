//! Replies out to the platforms and customers' files in.

use super::*;

pub async fn claim_deliveries<E: Engine>(
    store: &E,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let (now, until) = (now.timestamp_millis(), until.timestamp_millis());
    store
        .write(move |db, _| data::delivery::claim(db, now, until, limit))
        .await
}

pub async fn renew_claims<E: Engine>(
    store: &E,
    messages: Vec<MessageId>,
    media: Vec<MessageId>,
    until: DateTime<Utc>,
) -> StoreResult<()> {
    let until = until.timestamp_millis();
    store
        .write(move |db, _| data::delivery::renew(db, &messages, &media, until))
        .await
}

pub async fn parts_sent<E: Engine>(store: &E, id: MessageId, parts: u32) -> StoreResult<()> {
    store
        .write(move |db, _| data::delivery::parts_sent(db, id, parts))
        .await
}

pub async fn delivery_done<E: Engine>(
    store: &E,
    id: MessageId,
    outcome: DeliveryOutcome,
) -> StoreResult<Message> {
    store
        .write(move |db, events| data::delivery::done(db, events, id, outcome))
        .await
}

pub async fn platform_status<E: Engine>(
    store: &E,
    account: ChannelAccountId,
    external_id: String,
    status: DeliveryStatus,
    reason: Option<String>,
) -> StoreResult<Option<Message>> {
    store
        .write(move |db, events| {
            data::delivery::status(db, events, account, &external_id, status, reason)
        })
        .await
}

pub async fn platform_status_until<E: Engine>(
    store: &E,
    account: ChannelAccountId,
    channel_user_id: String,
    until: DateTime<Utc>,
    status: DeliveryStatus,
) -> StoreResult<Vec<Message>> {
    let until = until.timestamp_millis();
    store
        .write(move |db, events| {
            data::delivery::status_until(db, events, account, &channel_user_id, until, status)
        })
        .await
}

pub async fn retry_message<E: Engine>(
    store: &E,
    by: &Agent,
    id: MessageId,
) -> StoreResult<Message> {
    let by = by.clone();
    store
        .write(move |db, events| data::delivery::retry(db, events, &by, id))
        .await
}

pub async fn claim_media<E: Engine>(
    store: &E,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<MediaFetch>> {
    let (now, until) = (now.timestamp_millis(), until.timestamp_millis());
    store
        .write(move |db, _| data::delivery::claim_media(db, now, until, limit))
        .await
}

pub async fn media_done<E: Engine>(
    store: &E,
    id: MessageId,
    outcome: MediaOutcome,
) -> StoreResult<()> {
    store
        .write(move |db, events| data::delivery::media_done(db, events, id, outcome))
        .await
}

pub async fn set_platform_name<E: Engine>(
    store: &E,
    account: ChannelAccountId,
    channel_user_id: String,
    name: String,
) -> StoreResult<()> {
    store
        .write(move |db, events| {
            data::delivery::set_platform_name(db, events, account, &channel_user_id, &name)
        })
        .await
}
