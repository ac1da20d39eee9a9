//! What the server may fetch. A customer's file comes from an address a
//! webhook names; the server must never be the way into its own network.
//! So every request to a platform:
//!
//! - goes to a configured API base (the real hosts, or what the operator
//!   pointed them at, test doubles on loopback included), or over https to
//!   one of the platforms' own domains;
//! - connects only to public addresses, checked after DNS resolution (a
//!   platform-looking name that resolves to 10.0.0.5 is refused), unless
//!   the host is a configured base;
//! - follows a redirect only to an address that passes the same checks;
//! - reads a response body only up to a cap.

use super::ApiBases;
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The platforms' own domains: files and APIs of Meta (Messenger,
/// WhatsApp), LINE and WeChat live under these.
const PLATFORM_DOMAINS: &[&str] = &[
    "facebook.com",
    "fbcdn.net",
    "fbsbx.com",
    "whatsapp.net",
    "whatsapp.com",
    "line.me",
    "line-scdn.net",
    "line-apps.com",
    "qq.com",
    "qpic.cn",
    "weixin.qq.com",
];

/// Largest JSON answer read from a platform's API.
pub const MAX_API_BODY: usize = 1024 * 1024;
/// Largest error body read (only its first words are kept anyway).
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// Where the server may go.
#[derive(Debug, Clone)]
pub struct Allowed {
    /// Scheme, host and port of each configured API base.
    origins: Vec<(String, String, u16)>,
    /// The bases' host names (they may resolve to private addresses).
    hosts: Arc<HashSet<String>>,
}

impl Allowed {
    pub fn new(bases: &ApiBases) -> Self {
        let mut origins = Vec::new();
        let mut hosts = HashSet::new();
        for base in [&bases.meta, &bases.line, &bases.line_data, &bases.wechat] {
            if let Ok(u) = url::Url::parse(base) {
                if let (Some(host), Some(port)) = (u.host_str(), u.port_or_known_default()) {
                    let host = host.to_ascii_lowercase();
                    origins.push((u.scheme().to_string(), host.clone(), port));
                    hosts.insert(host.trim_matches(['[', ']']).to_string());
                }
            }
        }
        Allowed {
            origins,
            hosts: Arc::new(hosts),
        }
    }

    fn is_base(&self, u: &url::Url) -> bool {
        let (Some(host), Some(port)) = (u.host_str(), u.port_or_known_default()) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        self.origins
            .iter()
            .any(|(s, h, p)| s == u.scheme() && *h == host && *p == port)
    }

    /// Whether the server may request `u`: a configured base, or https to
    /// a platform's domain that is not an address literal inside a private
    /// network. Why not, otherwise.
    pub fn check(&self, u: &url::Url) -> Result<(), String> {
        if self.is_base(u) {
            return Ok(());
        }
        if u.scheme() != "https" {
            return Err(format!("{} is not https", u.scheme()));
        }
        match u.host() {
            Some(url::Host::Domain(d)) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                let ours = PLATFORM_DOMAINS
                    .iter()
                    .any(|p| d == *p || d.ends_with(&format!(".{p}")));
                if ours {
                    Ok(())
                } else {
                    Err(format!("{d} is not a platform's host"))
                }
            }
            Some(_) => Err("an address, not a platform's host".into()),
            None => Err("no host".into()),
        }
    }

    /// The resolver for the platforms' client: a configured base's host
    /// resolves as usual; any other name must resolve to public addresses
    /// only, which are all it connects to.
    pub fn resolver(&self) -> PublicOnly {
        PublicOnly {
            bases: self.hosts.clone(),
        }
    }

    /// A redirect policy that follows at most 5 redirects, each to an
    /// address [`check`](Self::check) allows.
    pub fn redirects(&self) -> reqwest::redirect::Policy {
        let allowed = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                return attempt.error("more than 5 redirects");
            }
            match allowed.check(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(why) => attempt.error(format!("refused to follow a redirect: {why}")),
            }
        })
    }
}

/// Whether an address is reachable from the internet (not loopback,
/// private, link-local, shared, multicast, documentation or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64/10, shared
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18/15, benchmarking
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24, protocol assignments
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64: may reach v4 private
                || s[..6] == [0, 0, 0, 0, 0, 0] // ::/96, IPv4-compatible
                || s[0] == 0x2002 // 6to4: may reach v4 private
                || (s[0] == 0x2001 && s[1] == 0) // Teredo
                || (s[0] & 0xffc0) == 0xfec0 // site-local
                || (s[0] == 0x100 && s[1..4] == [0, 0, 0])) // discard
        }
    }
}

/// A DNS resolver that keeps only public addresses, except for the
/// configured bases' hosts.
#[derive(Clone)]
pub struct PublicOnly {
    bases: Arc<HashSet<String>>,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let bases = self.bases.clone();
        Box::pin(async move {
            let host = name.as_str().to_ascii_lowercase();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if bases.contains(&host) {
                return Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs);
            }
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} resolves to no public address: refused").into();
                return Err(e);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Reads a response body up to `max` bytes; more is an error.
pub async fn read_capped(resp: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    use futures_util::StreamExt;
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(format!("the answer is larger than {max} bytes"));
    }
    let mut out = Vec::new();
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| e.without_url().to_string())?;
        if out.len() + chunk.len() > max {
            return Err(format!("the answer is larger than {max} bytes"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn only_bases_and_the_platforms_https_hosts_are_allowed() {
        let bases = ApiBases {
            meta: "http://127.0.0.1:4000".into(),
            ..ApiBases::default()
        };
        let a = Allowed::new(&bases);
        assert!(a.check(&url("http://127.0.0.1:4000/file")).is_ok());
        assert!(a
            .check(&url("https://scontent.xx.fbcdn.net/v/t1/x.jpg"))
            .is_ok());
        assert!(a
            .check(&url("https://lookaside.fbsbx.com/whatsapp"))
            .is_ok());
        assert!(a.check(&url("https://api-data.line.me/v2/bot")).is_ok());
        // Not the base's port, not https, not theirs, an address literal.
        assert!(a.check(&url("http://127.0.0.1:4001/file")).is_err());
        assert!(a.check(&url("http://scontent.xx.fbcdn.net/x.jpg")).is_err());
        assert!(a.check(&url("https://evil.example/fbcdn.net")).is_err());
        assert!(a.check(&url("https://notfbcdn.net/x")).is_err());
        assert!(a.check(&url("https://10.0.0.5/x")).is_err());
        assert!(a.check(&url("https://[::1]/x")).is_err());
        assert!(a.check(&url("file:///etc/passwd")).is_err());
    }

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::a00:1",
            "2002:a00:1::1",
            "2001:0:a00:1::1",
            "fec0::1",
            "192.0.0.8",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["157.240.1.35", "2a03:2880:f12f:83:face:b00c:0:25de"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
