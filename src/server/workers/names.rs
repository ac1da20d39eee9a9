//! A new customer's name, from the platform's profile, in place of the
//! placeholder (their platform id). Looked up after their first message
//! is committed (the webhook never waits on it); the bot waits for it,
//! briefly, so its greeting can use it.

use crate::protocol::*;
use crate::server::AppState;

/// Looks up a new customer's name on the platform and puts it in place
/// of the placeholder (their platform id).
pub async fn learn_name(
    state: &AppState,
    kind: ChannelKind,
    account: ChannelAccountId,
    customer: CustomerId,
) {
    let Ok(c) = state.store.get_customer(customer).await else {
        return;
    };
    if c.name != c.channel_user_id {
        return;
    }
    let Ok(Some((_, creds))) = state.store.channel_credentials(account).await else {
        return;
    };
    match state
        .platforms
        .profile_name(kind, account, &creds, &c.channel_user_id)
        .await
    {
        Ok(Some(name)) => {
            if let Err(e) = state
                .store
                .set_platform_name(account, c.channel_user_id, name)
                .await
            {
                tracing::warn!("customer {customer}: storing their name: {e}");
            }
        }
        Ok(None) => {}
        Err(f) => tracing::info!("customer {customer}: no profile name: {}", f.reason),
    }
}
