//! Keyed token buckets: each key (an address, a login) holds up to `burst`
//! tries and gets one back every `every`. The table is bounded, so a flood
//! of distinct keys cannot grow it without limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept at most; beyond this, buckets that have refilled are dropped
/// first, then the oldest.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter {
    burst: f64,
    every: Duration,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Up to `burst` tries at once, one more every `every`.
    pub fn new(burst: u32, every: Duration) -> Self {
        RateLimiter {
            burst: f64::from(burst.max(1)),
            every: every.max(Duration::from_millis(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refilled(&self, b: Bucket, now: Instant) -> Bucket {
        let gained = now.saturating_duration_since(b.at).as_secs_f64() / self.every.as_secs_f64();
        Bucket {
            tokens: (b.tokens + gained).min(self.burst),
            at: now,
        }
    }

    /// Takes one try for `key`, or says how long until one is back.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut map) = self.buckets.lock() else {
            return Ok(());
        };
        let b = map.get(key).copied().map_or(
            Bucket {
                tokens: self.burst,
                at: now,
            },
            |b| self.refilled(b, now),
        );
        if b.tokens < 1.0 {
            map.insert(key.to_string(), b);
            let wait = (1.0 - b.tokens) * self.every.as_secs_f64();
            return Err(Duration::from_secs_f64(wait));
        }
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            self.shrink(&mut map, now);
        }
        map.insert(
            key.to_string(),
            Bucket {
                tokens: b.tokens - 1.0,
                at: now,
            },
        );
        Ok(())
    }

    /// Gives back a try taken for `key` (the attempt succeeded).
    pub fn give_back(&self, key: &str) {
        if let Ok(mut map) = self.buckets.lock() {
            if let Some(b) = map.get_mut(key) {
                b.tokens = (b.tokens + 1.0).min(self.burst);
            }
        }
    }

    /// Forgets every full bucket (it is the same as no bucket); if that is
    /// not enough, the half least recently touched.
    fn shrink(&self, map: &mut HashMap<String, Bucket>, now: Instant) {
        map.retain(|_, b| self.refilled(*b, now).tokens < self.burst);
        if map.len() >= MAX_KEYS {
            let mut times: Vec<Instant> = map.values().map(|b| b.at).collect();
            times.sort_unstable();
            let cut = times[times.len() / 2];
            map.retain(|_, b| b.at > cut);
        }
    }

    /// Drops buckets that have refilled; called now and then.
    pub fn sweep(&self, now: Instant) {
        if let Ok(mut map) = self.buckets.lock() {
            map.retain(|_, b| self.refilled(*b, now).tokens < self.burst);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_for_a_refill() {
        let limiter = RateLimiter::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take("a", t0).is_ok());
        }
        let wait = limiter.take("a", t0).unwrap_err();
        assert!(wait > Duration::from_secs(9) && wait <= Duration::from_secs(10));
        // Another key is not affected.
        assert!(limiter.take("b", t0).is_ok());
        // One comes back after `every`.
        assert!(limiter.take("a", t0 + Duration::from_secs(10)).is_ok());
        assert!(limiter.take("a", t0 + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn a_try_given_back_can_be_taken_again() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        limiter.take("a", t0).unwrap();
        limiter.give_back("a");
        limiter.take("a", t0).unwrap();
        assert!(limiter.take("a", t0).is_err());
    }

    #[test]
    fn refilled_buckets_are_swept() {
        let limiter = RateLimiter::new(2, Duration::from_secs(1));
        let t0 = Instant::now();
        limiter.take("a", t0).unwrap();
        limiter.take("b", t0).unwrap();
        limiter.take("b", t0).unwrap();
        assert_eq!(limiter.len(), 2);
        limiter.sweep(t0 + Duration::from_millis(1500));
        assert_eq!(limiter.len(), 1, "a refilled, b still owes half a try");
        limiter.sweep(t0 + Duration::from_secs(3));
        assert_eq!(limiter.len(), 0);
    }
}
