//! Who is asking: bearer tokens, passwords, and the extractors that every
//! protected route takes.

pub mod login;
pub mod ratelimit;

use super::error::ApiError;
use super::AppState;
use crate::protocol::{Agent, AgentId};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use login::{LoginGuard, LoginLimits};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

/// A new random bearer token: 256 bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("cs_{}", hex::encode(bytes))
}

/// What the database keeps of a token. Tokens carry 256 random bits, so a
/// fast hash is enough; passwords, which people choose, get argon2.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))
}

/// Checks a password against its hash in `blocks`, argon2's working memory
/// (about 19 MiB), which is grown when a hash needs more and otherwise
/// reused: the password-check threads keep theirs, so checks do not
/// allocate and free that much each time (which the allocator would keep).
pub fn verify_password_in(password: &str, hash: &str, blocks: &mut Vec<argon2::Block>) -> bool {
    let mut check = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = argon2::Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => argon2::Version::try_from(v).ok()?,
            None => argon2::Version::default(),
        };
        let params = argon2::Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, argon2::Block::default());
        }
        let mut out = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                &mut blocks[..needed],
            )
            .ok()?;
        Some(subtle::ConstantTimeEq::ct_eq(&out[..], expected.as_bytes()).into())
    };
    check().unwrap_or(false)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The token from `Authorization: Bearer ...`. Only the event stream also
/// takes `?token=` (browsers cannot set headers on a WebSocket); anywhere
/// else a token in the URL would end up in proxies' logs.
fn bearer(parts: &Parts) -> Option<String> {
    let h = parts.headers.get(axum::http::header::AUTHORIZATION)?;
    let h = h.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

fn query_token(parts: &Parts) -> Option<String> {
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

/// What the server enforces about who may ask, and how often.
pub struct Security {
    /// Password checks: bounded, rate-limited, constant-cost.
    pub login: LoginGuard,
    /// A token unused this long stops working.
    pub token_idle: chrono::Duration,
    /// Proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<IpAddr>,
    /// Event streams one agent may hold open at once.
    pub streams_per_agent: usize,
    /// Event streams open now, per agent.
    pub streams: Mutex<HashMap<AgentId, usize>>,
    /// A stream client that reads nothing (answers no ping, takes no
    /// frame) this long is dropped.
    pub stream_idle: std::time::Duration,
    /// Bytes each agent may upload in 24 hours.
    pub upload_quota: u64,
    /// Bytes of each agent's uploads still arriving (they count against the
    /// quota too, so parallel uploads cannot pass it).
    pub uploading: Mutex<HashMap<AgentId, u64>>,
    /// WeChat nonces seen lately (a signed push works once).
    pub nonces: crate::server::channels::replay::Nonces,
    /// Items of platforms' batches left out because they did not read or
    /// the store refused them.
    pub webhook_items_skipped: std::sync::atomic::AtomicU64,
}

/// The default of [`Security::upload_quota`]: 2 GB a day.
pub const UPLOAD_QUOTA: u64 = 2_000_000_000;

/// The default of [`Security::stream_idle`].
pub const STREAM_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a token may go unused before it stops working.
pub const TOKEN_IDLE_DAYS: i64 = 30;
/// Event streams one agent may hold open at once, by default.
pub const STREAMS_PER_AGENT: usize = 8;

impl Default for Security {
    fn default() -> Self {
        Security {
            login: LoginGuard::new(&LoginLimits::default()),
            token_idle: chrono::Duration::days(TOKEN_IDLE_DAYS),
            trusted_proxies: Vec::new(),
            streams_per_agent: STREAMS_PER_AGENT,
            streams: Mutex::new(HashMap::new()),
            stream_idle: STREAM_IDLE,
            upload_quota: UPLOAD_QUOTA,
            uploading: Mutex::new(HashMap::new()),
            nonces: Default::default(),
            webhook_items_skipped: Default::default(),
        }
    }
}

/// A signed-in agent and the hash of the token it used.
pub struct Session {
    pub agent: Agent,
    pub token_hash: String,
}

async fn session(state: &AppState, token: Option<String>) -> Result<Session, ApiError> {
    let token = token
        .ok_or_else(|| ApiError::unauthorized("sign in: send Authorization: Bearer <token>"))?;
    let hash = token_hash(&token);
    let found = state
        .store
        .agent_by_token_hash(&hash, state.clock.now(), state.security.token_idle)
        .await?;
    match found {
        Some(agent) => Ok(Session {
            agent,
            token_hash: hash,
        }),
        None => Err(ApiError::unauthorized(
            "that token is not valid: it was revoked, expired or never issued; sign in again",
        )),
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        session(state, bearer(parts)).await
    }
}

/// A signed-in agent on the event stream, where the token may also come in
/// the query string.
pub struct StreamSession(pub Session);

impl FromRequestParts<AppState> for StreamSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).or_else(|| query_token(parts));
        session(state, token).await.map(StreamSession)
    }
}

/// Any signed-in agent.
pub struct Authed(pub Agent);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Session::from_request_parts(parts, state)
            .await
            .map(|s| Authed(s.agent))
    }
}

/// A signed-in admin.
pub struct Admin(pub Agent);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Authed(agent) = Authed::from_request_parts(parts, state).await?;
        if agent.is_admin() {
            Ok(Admin(agent))
        } else {
            Err(ApiError::forbidden("this needs an admin"))
        }
    }
}

/// The address the request came from: the peer, or, when the peer is a
/// trusted proxy, the last address in `X-Forwarded-For` that is not one.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED));
        Ok(ClientAddr(client_addr(
            peer,
            parts.headers.get_all("x-forwarded-for"),
            &state.security.trusted_proxies,
        )))
    }
}

fn client_addr(
    peer: IpAddr,
    forwarded: axum::http::header::GetAll<'_, axum::http::HeaderValue>,
    trusted: &[IpAddr],
) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // From the nearest hop back: trusted proxies are passed over; the first
    // other one is the client. A hop that does not read (garbage, or a
    // form the proxy should not write) stops the walk: what is left of it
    // was written by whoever sent the request, so the peer is used.
    for hop in hops.into_iter().rev() {
        let addr = hop
            .parse::<IpAddr>()
            .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()));
        match addr {
            Ok(a) if trusted.contains(&a) => continue,
            Ok(a) => return a,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.len() >= 3 + 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        let mut blocks = Vec::new();
        assert!(verify_password_in("correct horse", &h, &mut blocks));
        assert!(!verify_password_in("wrong", &h, &mut blocks));
        assert!(
            verify_password_in("correct horse", &h, &mut blocks),
            "memory reused"
        );
        assert!(!verify_password_in("x", "not a hash", &mut blocks));
    }
    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append("x-forwarded-for", "6.6.6.6, 10.0.0.9".parse().unwrap());
        headers.append("x-forwarded-for", "203.0.113.7".parse().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "198.51.100.2".parse().unwrap();
        let trusted = vec![proxy, "10.0.0.9".parse().unwrap()];
        // An untrusted peer's header is ignored: anyone can write one.
        assert_eq!(
            client_addr(other, headers.get_all("x-forwarded-for"), &trusted),
            other
        );
        // Behind the proxy, the last hop the proxy saw is the client; a
        // spoofed first entry is not believed.
        assert_eq!(
            client_addr(proxy, headers.get_all("x-forwarded-for"), &trusted),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // A hop that does not read ends the walk at the peer: the entries
        // before it are the client's own words.
        let mut odd = axum::http::HeaderMap::new();
        odd.append(
            "x-forwarded-for",
            "6.6.6.6, not-an-address".parse().unwrap(),
        );
        assert_eq!(
            client_addr(proxy, odd.get_all("x-forwarded-for"), &trusted),
            proxy
        );
        let mut port = axum::http::HeaderMap::new();
        port.append(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7:5678".parse().unwrap(),
        );
        assert_eq!(
            client_addr(proxy, port.get_all("x-forwarded-for"), &trusted),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }
}
