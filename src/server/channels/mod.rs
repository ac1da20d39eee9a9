//! The platforms, one folder each (`meta/` for Messenger and WhatsApp,
//! `line/`, `wechat/`), each holding its webhook (receiving), its API
//! client (sending a reply, reading a customer's profile name, fetching a
//! file a customer sent, WeChat's access tokens) and its crypto. What they
//! share: this file (the client's entry points, failures, text splitting),
//! `inbound.rs` (the one path every webhook's messages take into the
//! store), `links.rs` (signed links to our files), `replay.rs` (refusing
//! replayed pushes) and `guard.rs` (what an outbound call may reach). The
//! queue that decides when to send is `server/workers/delivery.rs`.
//!
//! Every base URL defaults to the real host and can be pointed elsewhere
//! (tests, staging) by environment variable or the server's config file.

pub mod content;
pub mod guard;
pub mod inbound;
mod line;
pub mod links;
mod meta;
pub mod replay;
pub mod wechat;

use crate::protocol::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The Graph API version every Meta call uses.
pub const GRAPH_VERSION: &str = "v21.0";

/// Where each platform's API lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiBases {
    /// Messenger and WhatsApp (Graph API).
    pub meta: String,
    pub line: String,
    /// LINE's separate host for message content (files).
    pub line_data: String,
    pub wechat: String,
}

impl Default for ApiBases {
    fn default() -> Self {
        ApiBases {
            meta: "https://graph.facebook.com".into(),
            line: "https://api.line.me".into(),
            line_data: "https://api-data.line.me".into(),
            wechat: "https://api.weixin.qq.com".into(),
        }
    }
}

/// The environment variables that override [`ApiBases`], in its order.
pub const API_BASE_VARS: [&str; 4] = [
    "CHATSMART_META_API_BASE",
    "CHATSMART_LINE_API_BASE",
    "CHATSMART_LINE_DATA_API_BASE",
    "CHATSMART_WECHAT_API_BASE",
];

impl ApiBases {
    /// These bases with any of [`API_BASE_VARS`] that are set (and not
    /// empty) in their place.
    pub fn with_env(self) -> Self {
        self.with_vars(|k| std::env::var(k).ok())
    }

    pub fn with_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        let fields = [
            &mut self.meta,
            &mut self.line,
            &mut self.line_data,
            &mut self.wechat,
        ];
        for (name, field) in API_BASE_VARS.into_iter().zip(fields) {
            if let Some(v) = var(name).filter(|v| !v.trim().is_empty()) {
                *field = v.trim().to_string();
            }
        }
        self.trimmed()
    }

    /// Without trailing slashes, so paths join cleanly.
    pub fn trimmed(mut self) -> Self {
        for f in [
            &mut self.meta,
            &mut self.line,
            &mut self.line_data,
            &mut self.wechat,
        ] {
            while f.ends_with('/') {
                f.pop();
            }
        }
        self
    }
}

/// One reply to send.
pub struct Outgoing<'a> {
    pub account: ChannelAccountId,
    pub kind: ChannelKind,
    pub creds: &'a BTreeMap<String, String>,
    /// The customer's platform id.
    pub to: &'a str,
    pub text: &'a str,
    pub file: Option<OutFile>,
    /// Messenger after 24 hours: send with the HUMAN_AGENT tag.
    pub human_agent: bool,
    /// LINE's reply token, when still fresh enough to try.
    pub reply_token: Option<&'a str>,
    /// The same for every try of one message, so a platform that takes a
    /// retry key (LINE) never delivers it twice.
    pub retry_key: String,
    /// Where this server is reachable from the internet, for platforms
    /// that fetch files from a link (LINE); None when it is not.
    pub public_url: Option<&'a str>,
    /// The key such links are signed with.
    pub link_key: &'a [u8],
    pub now: chrono::DateTime<chrono::Utc>,
    /// Calls an earlier try already made (a long text goes in several):
    /// they are not made again.
    pub parts_sent: u32,
    /// Where the calls made are recorded, before the next is made.
    pub record: Option<&'a dyn RecordParts>,
}

/// Where a send records how many of its calls went through, before it
/// makes the next: if its server dies mid-send, the try that takes the
/// message over starts after them.
#[async_trait::async_trait]
pub trait RecordParts: Send + Sync {
    async fn parts_sent(&self, parts: u32) -> Result<(), String>;
}

/// A stored file to send.
pub struct OutFile {
    pub id: AttachmentId,
    pub name: String,
    pub mime: String,
    pub kind: AttachmentKind,
    pub path: PathBuf,
}

/// What the platform said when it took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Its id on the platform: later statuses name it.
    pub external_id: Option<String>,
    pub used_reply_token: bool,
}

/// Why a call did not work, in words for the agent, and whether trying
/// again later can help (rate limits, the platform down, a network
/// failure) or not (the window closed, a bad token, a refused message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub retry: bool,
    pub used_reply_token: bool,
    /// Calls of the message that went through before this one failed
    /// (counting an earlier try's): a retry starts after them.
    pub parts_sent: u32,
}

impl Failure {
    pub fn retry(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            retry: true,
            used_reply_token: false,
            parts_sent: 0,
        }
    }

    pub fn fail(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            retry: false,
            used_reply_token: false,
            parts_sent: 0,
        }
    }

    /// From an HTTP status and the platform's own words: 429 and 5xx are
    /// worth retrying, other refusals are not.
    fn http(platform: &str, status: reqwest::StatusCode, said: &str) -> Self {
        let reason = format!("{platform} answered {}: {said}", status.as_u16());
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Failure::retry(reason)
        } else {
            Failure::fail(reason)
        }
    }

    fn network(platform: &str, e: reqwest::Error) -> Self {
        // reqwest's message names the URL, which may carry a token:
        // strip it before the words reach an agent or a log.
        Failure::retry(format!("could not reach {platform}: {}", e.without_url()))
    }
}

/// Counts the calls one message takes, skipping those an earlier try
/// made, so a retry never sends a part twice; records those made before
/// making another, so a try that takes over from a dead one does not
/// either.
pub struct Progress<'a> {
    done: u32,
    skip: u32,
    recorded: u32,
    record: Option<&'a dyn RecordParts>,
}

impl<'a> Progress<'a> {
    /// Progress that only counts (nothing is recorded).
    pub fn new(already: u32) -> Self {
        Progress {
            done: 0,
            skip: already,
            recorded: already,
            record: None,
        }
    }

    /// The progress of sending `out`.
    pub fn of(out: &Outgoing<'a>) -> Self {
        Progress {
            record: out.record,
            ..Progress::new(out.parts_sent)
        }
    }

    /// True when the next call was made by an earlier try: it is counted
    /// and must be skipped. Before a call is to be made, the calls made
    /// so far are recorded; when they cannot be, the call is not made.
    pub async fn skip_next(&mut self) -> Result<bool, Failure> {
        if self.done < self.skip {
            self.done += 1;
            return Ok(true);
        }
        if self.done > self.recorded {
            if let Some(record) = self.record {
                record.parts_sent(self.done).await.map_err(|e| {
                    self.failed(Failure::retry(format!(
                        "the server could not record the parts it had sent: {e}"
                    )))
                })?;
            }
            self.recorded = self.done;
        }
        Ok(false)
    }

    /// The next call went through.
    pub fn done(&mut self) {
        self.done += 1;
    }

    /// A failure of the next call, saying how many went before it (at
    /// least those an earlier try made, if it failed before reaching them).
    pub fn failed(&self, mut f: Failure) -> Failure {
        f.parts_sent = self.done.max(self.skip);
        f
    }
}

/// How a platform counts a text's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Chars,
    /// UTF-16 code units (LINE: an emoji outside the BMP counts 2).
    Utf16,
    /// UTF-8 bytes (WeChat).
    Bytes,
}

impl Unit {
    fn of(self, c: char) -> usize {
        match self {
            Unit::Chars => 1,
            Unit::Utf16 => c.len_utf16(),
            Unit::Bytes => c.len_utf8(),
        }
    }
}

/// A file a customer sent, as the platform names it; kept in the queue of
/// files to fetch until it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    /// image, audio, video or file.
    pub what: String,
    /// The platform's media id (WhatsApp, LINE, WeChat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A direct address (Messenger, LINE external content, WeChat PicUrl).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The text sent with it.
    #[serde(default)]
    pub caption: String,
    /// The file's name, when the platform gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
}

impl MediaRef {
    /// What the message says while the file is on its way.
    pub fn placeholder(&self, kind: ChannelKind) -> String {
        let what = self.noun();
        let mut text = format!("({what}, on its way from {})", kind.display_name());
        if !self.caption.trim().is_empty() {
            text = format!("{}\n{text}", self.caption.trim());
        }
        text
    }

    /// What the message says when the file could not be fetched.
    pub fn lost(&self, kind: ChannelKind, why: &str) -> String {
        let mut text = format!(
            "(sent {}; it could not be fetched from {}: {why})",
            self.noun(),
            kind.display_name()
        );
        if !self.caption.trim().is_empty() {
            text = format!("{}\n{text}", self.caption.trim());
        }
        text
    }

    fn noun(&self) -> &'static str {
        media_noun(&self.what)
    }

    pub fn attachment_kind(&self) -> AttachmentKind {
        match self.what.as_str() {
            "image" => AttachmentKind::Image,
            "audio" | "voice" => AttachmentKind::Audio,
            "video" => AttachmentKind::Video,
            _ => AttachmentKind::Document,
        }
    }
}

/// "a photo", "a voice message", "a video" or "a file", for a platform's
/// kind of media.
pub fn media_noun(what: &str) -> &'static str {
    match what {
        "image" => "a photo",
        "audio" | "voice" => "a voice message",
        "video" => "a video",
        _ => "a file",
    }
}

/// The platforms' APIs, with one HTTP client and WeChat's token cache.
pub struct Platforms {
    http: reqwest::Client,
    pub bases: ApiBases,
    /// Where requests may go (see [`guard`]).
    allowed: guard::Allowed,
    wechat_tokens: wechat::Tokens,
}

/// A response body being fetched, chunk by chunk.
pub type Download = reqwest::Response;

impl Platforms {
    /// Platforms reached at `bases`; tokens they issue are kept in `store`.
    pub fn new(bases: ApiBases, store: std::sync::Arc<dyn crate::server::store::Store>) -> Self {
        let bases = bases.trimmed();
        let allowed = guard::Allowed::new(&bases);
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("chatsmart/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(std::sync::Arc::new(allowed.resolver()))
            // A proxy would resolve names itself, past the resolver's check.
            .no_proxy()
            .redirect(allowed.redirects())
            .build()
            .expect("an HTTP client with rustls builds");
        Platforms {
            http,
            allowed,
            bases,
            wechat_tokens: wechat::Tokens::new(store),
        }
    }

    /// Sends one reply (its text, then its file, when it has both and the
    /// platform cannot carry them in one message).
    pub async fn send(&self, out: &Outgoing<'_>) -> Result<Sent, Failure> {
        match out.kind {
            ChannelKind::Messenger => meta::send_messenger(self, out).await,
            ChannelKind::Whatsapp => meta::send_whatsapp(self, out).await,
            ChannelKind::Line => line::send(self, out).await,
            ChannelKind::Wechat => wechat::send(self, out).await,
        }
    }

    /// The customer's name from the platform's profile, when it gives one
    /// (WhatsApp sends it with every message instead).
    pub async fn profile_name(
        &self,
        kind: ChannelKind,
        account: ChannelAccountId,
        creds: &BTreeMap<String, String>,
        user: &str,
    ) -> Result<Option<String>, Failure> {
        match kind {
            ChannelKind::Messenger => meta::profile_name(self, creds, user).await,
            ChannelKind::Whatsapp => Ok(None),
            ChannelKind::Line => line::profile_name(self, creds, user).await,
            ChannelKind::Wechat => wechat::profile_name(self, account, creds, user).await,
        }
    }

    /// Starts fetching a customer's file: the response, whose body the
    /// caller streams into the file store.
    pub async fn fetch_media(
        &self,
        kind: ChannelKind,
        account: ChannelAccountId,
        creds: &BTreeMap<String, String>,
        media: &MediaRef,
    ) -> Result<Download, Failure> {
        match kind {
            ChannelKind::Messenger => meta::fetch_messenger(self, media).await,
            ChannelKind::Whatsapp => meta::fetch_whatsapp(self, creds, media).await,
            ChannelKind::Line => line::fetch(self, creds, media).await,
            ChannelKind::Wechat => wechat::fetch(self, account, creds, media).await,
        }
    }
}

/// A file's address from a platform, if the server may fetch it (see
/// [`guard`]); a failure saying why not otherwise, never retried.
fn fetchable(p: &Platforms, platform: &str, address: &str) -> Result<String, Failure> {
    let u = url::Url::parse(address)
        .map_err(|_| Failure::fail(format!("{platform} gave a file address that does not read")))?;
    p.allowed.check(&u).map_err(|why| {
        Failure::fail(format!(
            "refused to fetch the file from where {platform} said: {why}"
        ))
    })?;
    Ok(u.into())
}

/// A credential the account must have (the store checked them all when
/// the account was added).
fn cred<'a>(creds: &'a BTreeMap<String, String>, key: &str) -> Result<&'a str, Failure> {
    creds
        .get(key)
        .map(String::as_str)
        .ok_or_else(|| Failure::fail(format!("the channel account has no {key}")))
}

/// A response that must be 2xx, with its JSON; otherwise the platform's
/// words from `said` (which reads its error body).
async fn json_or_failure(
    platform: &str,
    resp: Result<reqwest::Response, reqwest::Error>,
    mut said: impl FnMut(&serde_json::Value) -> Option<Failure>,
) -> Result<serde_json::Value, Failure> {
    let resp = resp.map_err(|e| Failure::network(platform, e))?;
    let status = resp.status();
    let body = guard::read_capped(resp, guard::MAX_API_BODY)
        .await
        .map_err(|e| Failure::retry(format!("{platform}'s answer broke off: {e}")))?;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(f) = said(&json) {
        return Err(f);
    }
    if !status.is_success() {
        let words = String::from_utf8_lossy(&body);
        let words: String = words.chars().take(300).collect();
        return Err(Failure::http(platform, status, words.trim()));
    }
    Ok(json)
}

/// A fetched file's response, if it is one (2xx); the platform's words
/// otherwise.
async fn download_or_failure(
    platform: &str,
    resp: Result<reqwest::Response, reqwest::Error>,
) -> Result<Download, Failure> {
    let resp = resp.map_err(|e| Failure::network(platform, e))?;
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let body = guard::read_capped(resp, guard::MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let body: String = String::from_utf8_lossy(&body).chars().take(300).collect();
    Err(Failure::http(platform, status, body.trim()))
}

async fn read_file(file: &OutFile) -> Result<Vec<u8>, Failure> {
    tokio::fs::read(&file.path)
        .await
        .map_err(|e| Failure::fail(format!("the file {} cannot be read: {e}", file.name)))
}

/// Cuts a reply into parts a platform takes: at most `max` of `unit`
/// each, preferably at a paragraph, then a line, then a space; never
/// inside a character. Empty text gives no parts.
pub fn split_text(text: &str, max: usize, unit: Unit) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        // The longest prefix within the limit (at least one character).
        let mut end = 0;
        let mut used = 0;
        for (i, c) in rest.char_indices() {
            used += unit.of(c);
            if used > max && end > 0 {
                break;
            }
            end = i + c.len_utf8();
        }
        if end == rest.len() {
            parts.push(rest.to_string());
            break;
        }
        let head = &rest[..end];
        // Prefer a break in the second half of the part.
        let cut = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| head.rfind(sep).filter(|&at| at >= end / 2))
            .unwrap_or(end);
        parts.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    parts
}

/// An id safe to put in a URL path (platform ids are alphanumeric; this
/// keeps a hostile one from adding path segments or a query).
fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// A UUID made from `seed`, the same every time (for retry keys).
pub fn stable_uuid(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut b: [u8; 16] = Sha256::digest(seed.as_bytes())[..16]
        .try_into()
        .expect("16 bytes");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Every part fits the platform, and nothing is lost but the
        /// spaces parts were cut at.
        #[test]
        fn long_replies_split_into_parts_that_fit(text in "(\\PC|\n| ){0,400}", max in 1usize..60) {
            for unit in [Unit::Chars, Unit::Utf16, Unit::Bytes] {
                let parts = split_text(&text, max, unit);
                for p in &parts {
                    let size: usize = p.chars().map(|c| unit.of(c)).sum();
                    let one = p.chars().count() == 1;
                    proptest::prop_assert!(size <= max || one, "{p:?} is {size} > {max}");
                }
                let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
                proptest::prop_assert_eq!(squash(&parts.concat()), squash(&text));
            }
        }
    }

    #[test]
    fn bases_come_from_the_environment_over_the_defaults() {
        let env = |k: &str| match k {
            "CHATSMART_LINE_API_BASE" => Some("http://127.0.0.1:9/line/".to_string()),
            "CHATSMART_WECHAT_API_BASE" => Some("  ".to_string()),
            _ => None,
        };
        let b = ApiBases::default().with_vars(env);
        assert_eq!(b.line, "http://127.0.0.1:9/line");
        assert_eq!(b.wechat, "https://api.weixin.qq.com");
        assert_eq!(b.meta, "https://graph.facebook.com");
    }

    #[test]
    fn long_replies_are_cut_where_people_would_cut_them() {
        assert!(split_text("  ", 10, Unit::Chars).is_empty());
        assert_eq!(split_text("short", 10, Unit::Chars), ["short"]);
        let text = "First paragraph here.\n\nSecond one is a bit longer than that.";
        assert_eq!(
            split_text(text, 40, Unit::Chars),
            [
                "First paragraph here.",
                "Second one is a bit longer than that."
            ]
        );
        assert_eq!(
            split_text("one two three four", 9, Unit::Chars),
            ["one two", "three", "four"]
        );
        // LINE counts an emoji outside the BMP as two.
        assert_eq!(split_text("😀😀😀", 4, Unit::Utf16), ["😀😀", "😀"]);
        // No break to be found: cut at the limit, whole characters only.
        let cjk = "你好".repeat(10);
        let parts = split_text(&cjk, 10, Unit::Bytes);
        assert!(parts.iter().all(|p| p.len() <= 10), "{parts:?}");
        assert_eq!(parts.len(), 7, "{parts:?}");
        assert_eq!(parts.concat(), cjk);
    }

    #[tokio::test]
    async fn progress_skips_what_an_earlier_try_sent_and_records_before_each_call() {
        struct Log(std::sync::Mutex<Vec<u32>>);
        #[async_trait::async_trait]
        impl RecordParts for Log {
            async fn parts_sent(&self, parts: u32) -> Result<(), String> {
                self.0.lock().unwrap().push(parts);
                Ok(())
            }
        }
        let log = Log(Default::default());
        let mut p = Progress {
            record: Some(&log),
            ..Progress::new(2)
        };
        assert!(p.skip_next().await.unwrap());
        assert!(p.skip_next().await.unwrap());
        assert!(!p.skip_next().await.unwrap());
        p.done();
        assert!(!p.skip_next().await.unwrap());
        p.done();
        assert_eq!(p.failed(Failure::retry("busy")).parts_sent, 4);
        // Recorded before the fourth call, not before the third (the two
        // skipped are known) nor after the last (its outcome says it).
        assert_eq!(*log.0.lock().unwrap(), [3]);

        struct Down;
        #[async_trait::async_trait]
        impl RecordParts for Down {
            async fn parts_sent(&self, _: u32) -> Result<(), String> {
                Err("database away".into())
            }
        }
        let mut p = Progress {
            record: Some(&Down),
            ..Progress::new(0)
        };
        assert!(!p.skip_next().await.unwrap());
        p.done();
        let f = p.skip_next().await.unwrap_err();
        assert!(f.retry && f.parts_sent == 1, "{f:?}");
    }

    #[test]
    fn retry_keys_are_stable_uuids() {
        let a = stable_uuid("chatsmart-message-7");
        assert_eq!(a, stable_uuid("chatsmart-message-7"));
        assert_ne!(a, stable_uuid("chatsmart-message-8"));
        let u = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(u.get_version_num(), 4);
    }

    #[test]
    fn media_placeholders_keep_the_caption() {
        let m = MediaRef {
            what: "image".into(),
            id: Some("1".into()),
            url: None,
            caption: "my receipt".into(),
            name: None,
            mime: None,
        };
        assert_eq!(
            m.placeholder(ChannelKind::Line),
            "my receipt\n(a photo, on its way from LINE)"
        );
        assert!(m
            .lost(ChannelKind::Wechat, "gone")
            .contains("from WeChat: gone"));
    }
}
