//! A signed request seen once must not work twice. WeChat's plaintext
//! signature covers only the token, a timestamp and a nonce, not the body:
//! a signed URL from any proxy log would otherwise let anyone post any
//! message forever. So the timestamp must be recent, and each nonce is
//! taken once within the window it could still be recent in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How far a timestamp may be from now, either way.
pub const FRESH_FOR: chrono::Duration = chrono::Duration::minutes(5);
/// How long a nonce is remembered: longer than a timestamp stays fresh.
const REMEMBER: Duration = Duration::from_secs(10 * 60);
/// Nonces remembered at most (only signed requests get here, so only the
/// platform, or someone replaying it, fills this).
const MAX_NONCES: usize = 1_000_000;

#[derive(Default)]
pub struct Nonces {
    seen: Mutex<HashMap<(i64, String), Instant>>,
}

impl Nonces {
    /// True the first time `nonce` is seen for `account` within the last
    /// ten minutes; false for a replay (or when the table is full of
    /// nonces still too young to forget, which no real platform reaches).
    pub fn first_time(&self, account: i64, nonce: &str, now: Instant) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        let key = (account, nonce.to_string());
        if let Some(at) = seen.get(&key) {
            if now.saturating_duration_since(*at) < REMEMBER {
                return false;
            }
        }
        if seen.len() >= MAX_NONCES {
            seen.retain(|_, at| now.saturating_duration_since(*at) < REMEMBER);
            if seen.len() >= MAX_NONCES {
                return false;
            }
        }
        seen.insert(key, now);
        true
    }

    /// Forgets a nonce taken by a push that then failed on our side, so
    /// the platform's retry (with the same nonce) is taken.
    pub fn release(&self, account: i64, nonce: &str) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.remove(&(account, nonce.to_string()));
        }
    }

    /// Forgets nonces older than the window.
    pub fn sweep(&self, now: Instant) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.retain(|_, at| now.saturating_duration_since(*at) < REMEMBER);
        }
    }
}

/// Whether a timestamp (seconds since the epoch) is within [`FRESH_FOR`] of
/// `now`.
pub fn fresh(timestamp: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
    let Ok(secs) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    let Some(at) = chrono::DateTime::from_timestamp(secs, 0) else {
        return false;
    };
    (at - now).abs() <= FRESH_FOR
}

/// A platform's time for ordering: never more than [`FRESH_FOR`] from
/// now, so a far-future time cannot pin a conversation to the top, nor a
/// far-past one bury it.
pub fn clamp(
    at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    at.map(|t| t.clamp(now - FRESH_FOR, now + FRESH_FOR))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn any_platform_time_is_ordered_near_now(secs in proptest::num::i64::ANY, ts in "\\PC{0,24}") {
            let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
            let _ = fresh(&ts, now);
            if let Some(t) = clamp(chrono::DateTime::from_timestamp(secs, 0), now) {
                proptest::prop_assert!((t - now).abs() <= FRESH_FOR);
            }
        }
    }

    #[test]
    fn a_nonce_works_once_per_account_within_the_window() {
        let n = Nonces::default();
        let t0 = Instant::now();
        assert!(n.first_time(1, "abc", t0));
        assert!(!n.first_time(1, "abc", t0 + Duration::from_secs(599)));
        assert!(n.first_time(2, "abc", t0), "another account");
        assert!(n.first_time(1, "abc", t0 + Duration::from_secs(601)));
        n.sweep(t0 + Duration::from_secs(2000));
        assert!(n.seen.lock().unwrap().is_empty());
    }

    #[test]
    fn timestamps_are_fresh_within_five_minutes_either_way() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(fresh("1800000000", now));
        assert!(fresh("1799999700", now));
        assert!(fresh("1800000300", now));
        assert!(!fresh("1799999699", now));
        assert!(!fresh("1800000301", now));
        assert!(!fresh("978307200", now), "2001");
        assert!(!fresh("", now));
        assert!(!fresh("soon", now));
        assert!(!fresh("99999999999999999999", now));
    }

    #[test]
    fn platform_times_are_clamped_for_ordering() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let far = chrono::DateTime::from_timestamp(253_402_300_799, 0);
        assert_eq!(clamp(far, now), Some(now + FRESH_FOR));
        let old = chrono::DateTime::from_timestamp(0, 0);
        assert_eq!(clamp(old, now), Some(now - FRESH_FOR));
        assert_eq!(clamp(Some(now), now), Some(now));
        assert_eq!(clamp(None, now), None);
    }
}
