//! A new customer's name, from the platform's profile, in place of the
//! placeholder (their platform id). Looked up after their first message
//! is committed (the webhook never waits on it); the bot waits for it,
//! briefly, so its greeting can use it.
//!
//! Bounded: a few lookups at once (a flood of new customers does not turn
//! into a flood of calls to the platform: past the bound, the placeholder
//! stays and the bot goes ahead), and a customer the platform gave no name
//! for is not asked about again for an hour.

use crate::protocol::*;
use crate::server::AppState;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Lookups at once, across every platform.
const AT_ONCE: usize = 8;

/// How long a customer without a name on the platform is not asked about.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// Customers asked about recently, at most this many remembered.
const REMEMBERED: usize = 10_000;

/// The server's name lookups: how many run, and who was asked about.
pub struct Lookups {
    slots: Semaphore,
    asked: Mutex<HashMap<CustomerId, Instant>>,
}

impl Default for Lookups {
    fn default() -> Self {
        Lookups {
            slots: Semaphore::new(AT_ONCE),
            asked: Mutex::default(),
        }
    }
}

impl Lookups {
    /// Whether customer `id` may be asked about now (and notes that it is).
    fn ask_now(&self, id: CustomerId) -> bool {
        let mut asked = self
            .asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if asked
            .get(&id)
            .is_some_and(|at| now.duration_since(*at) < FORGET_AFTER)
        {
            return false;
        }
        if asked.len() >= REMEMBERED {
            asked.retain(|_, at| now.duration_since(*at) < FORGET_AFTER);
            if asked.len() >= REMEMBERED {
                asked.clear();
            }
        }
        asked.insert(id, now);
        true
    }
}

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
    if c.name != c.channel_user_id || !state.names.ask_now(customer) {
        return;
    }
    // Past the bound, the placeholder stays: the bot does not wait.
    let Ok(_slot) = state.names.slots.try_acquire() else {
        return;
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_is_asked_about_once_an_hour_and_lookups_are_bounded() {
        let l = Lookups::default();
        assert!(l.ask_now(1));
        assert!(!l.ask_now(1), "not again within the hour");
        assert!(l.ask_now(2));
        let held: Vec<_> = (0..AT_ONCE)
            .map(|_| l.slots.try_acquire().unwrap())
            .collect();
        assert!(
            l.slots.try_acquire().is_err(),
            "no more than {AT_ONCE} at once"
        );
        drop(held);
        assert!(l.slots.try_acquire().is_ok());
    }
}
