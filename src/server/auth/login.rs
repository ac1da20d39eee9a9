//! Guarding the password check: argon2 takes ~19 MiB and tens of
//! milliseconds per check on purpose, so an open login route is a way to
//! exhaust the server unless checks are bounded. Checks run on one thread
//! per core (so at most that many run at once, whoever hangs up, and their
//! memory is reused rather than kept by many threads), a bounded number
//! wait, the rest are told to come back; each address has a budget of tries, and each login
//! from each address a budget of failures (so nobody can lock a colleague
//! out by failing on their login from elsewhere); and an unknown login
//! costs a check like a known one, so logins cannot be told apart by time.
//!
//! An IPv6 address counts by its /64 (one host is given a whole /64).

use super::ratelimit::RateLimiter;
use super::{hash_password, verify_password_in};
use crate::server::error::ApiError;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How many sign-in tries are allowed, and how fast they come back.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Tries from one address at once, and one more back every so often.
    pub per_address: (u32, Duration),
    /// Failed tries for one login from one address, and one more back
    /// every so often.
    pub per_login: (u32, Duration),
    /// Password checks waiting for a core before new ones are turned away.
    pub queue: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_address: (20, Duration::from_secs(6)),
            per_login: (5, Duration::from_secs(60)),
            queue: 64,
        }
    }
}

pub struct LoginGuard {
    /// Checks waiting for a password-check thread (bounded).
    checks: SyncSender<Check>,
    per_address: RateLimiter,
    per_login: RateLimiter,
}

/// One password to check, and where its answer goes.
struct Check {
    password: String,
    /// None: check against the stand-in, so it costs the same.
    hash: Option<String>,
    answer: tokio::sync::oneshot::Sender<bool>,
}

fn stand_in(dummy: &OnceLock<String>) -> String {
    dummy
        .get_or_init(|| {
            hash_password("not a password anyone has: a stand-in for unknown logins")
                .unwrap_or_default()
        })
        .clone()
}

/// A password-check thread: takes checks until the guard is gone. argon2
/// allocates ~19 MiB per check; on a few long-lived threads that memory is
/// reused, where the runtime's many blocking threads would each keep their
/// own (the allocator's per-thread arenas).
fn checker(queue: Arc<Mutex<Receiver<Check>>>, dummy: Arc<OnceLock<String>>) {
    let mut blocks = Vec::new();
    // Made before the first sign-in, so the first unknown login costs what
    // every other one does.
    stand_in(&dummy);
    loop {
        let next = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        let Ok(check) = next else { return };
        // A request that hung up is not checked for nobody.
        if check.answer.is_closed() {
            continue;
        }
        let hash = match check.hash {
            Some(h) => h,
            None => stand_in(&dummy),
        };
        // A check that panics answers "no" and the thread goes on.
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            verify_password_in(&check.password, &hash, &mut blocks)
        }))
        .unwrap_or_else(|_| {
            blocks = Vec::new();
            false
        });
        let _ = check.answer.send(ok);
    }
}

/// The budget a sign-in attempt took; given back if the password was right.
pub struct Attempt<'a> {
    guard: &'a LoginGuard,
    address: String,
    login: String,
}

impl Attempt<'_> {
    /// The password was right, or was never checked (the server was busy):
    /// this try does not count against either budget.
    pub fn give_back(self) {
        self.guard.per_address.give_back(&self.address);
        self.guard.per_login.give_back(&self.login);
    }
}

/// What a budget is kept per: an IPv4 address, or an IPv6 address's /64
/// (an IPv4 address written as IPv6 counts as itself).
pub fn address_key(addr: IpAddr) -> String {
    match addr.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

fn wait_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl LoginGuard {
    pub fn new(limits: &LoginLimits) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let (checks, queue) = sync_channel(limits.queue.max(1));
        let queue = Arc::new(Mutex::new(queue));
        let dummy = Arc::new(OnceLock::new());
        for i in 0..cores {
            let (queue, dummy) = (queue.clone(), dummy.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || checker(queue, dummy));
            if let Err(e) = spawned {
                tracing::error!("cannot start a password-check thread: {e}");
            }
        }
        LoginGuard {
            checks,
            per_address: RateLimiter::new(limits.per_address.0, limits.per_address.1),
            per_login: RateLimiter::new(limits.per_login.0, limits.per_login.1),
        }
    }

    /// Takes one try from the address's and the login's budgets, or says
    /// (429) how long to wait.
    pub fn attempt(&self, address: IpAddr, login: &str) -> Result<Attempt<'_>, ApiError> {
        let now = Instant::now();
        let address = address_key(address);
        // The key is a digest: a login of any length costs the table the
        // same few bytes.
        let digest = Sha256::digest(login.trim().to_lowercase().as_bytes());
        let login = format!("{address}|{}", hex::encode(&digest[..16]));
        if let Err(wait) = self.per_address.take(&address, now) {
            return Err(ApiError::too_many(
                wait_secs(wait),
                "too many sign-in attempts from your address; wait and try again",
            ));
        }
        if let Err(wait) = self.per_login.take(&login, now) {
            self.per_address.give_back(&address);
            return Err(ApiError::too_many(
                wait_secs(wait),
                "too many failed sign-ins for this login; wait and try again",
            ));
        }
        Ok(Attempt {
            guard: self,
            address,
            login,
        })
    }

    /// Checks `password` against `hash`, or against a stand-in hash when
    /// there is none (unknown login, no password set), so both take as
    /// long. The check waits its turn on the password-check threads; 503
    /// when too many are waiting.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let real = hash.is_some();
        match self.checks.try_send(Check {
            password,
            hash,
            answer: tx,
        }) {
            Ok(()) => {}
            Err(std::sync::mpsc::TrySendError::Full(_)) => {
                return Err(ApiError::busy(
                    1,
                    "the server is busy checking passwords; try again in a moment",
                ))
            }
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
                return Err(ApiError::busy(1, "the server is shutting down"))
            }
        }
        let ok = rx.await.unwrap_or(false);
        Ok(ok && real)
    }

    /// Forgets budgets that have refilled.
    pub fn sweep(&self) {
        let now = Instant::now();
        self.per_address.sweep(now);
        self.per_login.sweep(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unknown_login_is_checked_against_a_stand_in_and_fails() {
        let guard = LoginGuard::new(&LoginLimits::default());
        assert!(!guard.verify("anything".into(), None).await.unwrap());
        let real = hash_password("correct horse").unwrap();
        assert!(guard
            .verify("correct horse".into(), Some(real.clone()))
            .await
            .unwrap());
        assert!(!guard.verify("wrong".into(), Some(real)).await.unwrap());
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_login_budget_is_per_address_shared_by_its_spellings_and_given_back_on_success() {
        let limits = LoginLimits {
            per_address: (100, Duration::from_secs(60)),
            per_login: (2, Duration::from_secs(60)),
            queue: 4,
        };
        let guard = LoginGuard::new(&limits);
        guard.attempt(ip("1.2.3.4"), "Alice").unwrap();
        guard.attempt(ip("1.2.3.4"), " alice ").unwrap().give_back();
        guard.attempt(ip("1.2.3.4"), "ALICE").unwrap();
        let err = guard.attempt(ip("1.2.3.4"), "alice").err().unwrap();
        assert_eq!(err.status, 429);
        assert!(err.retry_after.unwrap() >= 1);
        // Another login from there, and the same login from elsewhere, go on.
        guard.attempt(ip("1.2.3.4"), "bob").unwrap();
        guard.attempt(ip("5.6.7.8"), "alice").unwrap();
        // A login of any length is a key of the same size.
        guard.attempt(ip("1.2.3.4"), &"x".repeat(1 << 20)).unwrap();
    }

    #[test]
    fn an_ipv6_host_counts_as_its_slash_64() {
        assert_eq!(address_key(ip("1.2.3.4")), "1.2.3.4");
        assert_eq!(address_key(ip("::ffff:1.2.3.4")), "1.2.3.4");
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa::1")),
            address_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
    }
}
