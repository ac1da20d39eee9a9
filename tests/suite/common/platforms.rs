//! Local doubles of the messaging platforms, each behaving as its platform
//! documents: they serve the send, profile, media and token endpoints on a
//! loopback port, record every request, can be told to fail the next call
//! the way the platform fails, and sign webhooks to our server the
//! platform's way (and redeliver them).

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use chatsmart::server::channels::ApiBases;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha1::Digest;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Meta,
    Line,
    Wechat,
}

/// One request a double received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    /// The Authorization header.
    pub auth: Option<String>,
    pub headers: HeaderMap,
    /// The body as JSON (null when it is not JSON).
    pub json: Value,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn is_multipart(&self) -> bool {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("multipart/form-data"))
    }

    /// A multipart body's text: enough to find its fields' values.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A canned failure for the next request whose path contains `path`.
struct Scripted {
    path: String,
    /// Matching requests to let through first.
    skip: u32,
    status: u16,
    body: Value,
}

#[derive(Default)]
struct Inner {
    seen: Vec<Seen>,
    script: VecDeque<Scripted>,
    counter: u64,
    /// WeChat: the token now valid, and how many were issued.
    wechat_token: Option<String>,
    tokens_issued: u32,
    /// How long every answer is held back (a slow platform).
    delay: Duration,
    /// The first request whose body has this is never answered.
    hold: Option<String>,
    /// LINE: retry keys of pushes already accepted (a repeat is 409).
    retry_keys: std::collections::HashSet<String>,
}

#[derive(Clone)]
struct Shared {
    platform: Platform,
    url: String,
    inner: Arc<Mutex<Inner>>,
}

/// A running double.
pub struct Double {
    pub platform: Platform,
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Double {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The bytes every double serves as a customer's photo.
pub fn photo() -> Vec<u8> {
    chatsmart::protocol::attachments::samples::png_1x1()
}

impl Double {
    pub async fn start(platform: Platform) -> Double {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner::default()));
        let shared = Shared {
            platform,
            url: url.clone(),
            inner: inner.clone(),
        };
        let app = Router::new().fallback(handle).with_state(shared);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Double {
            platform,
            url,
            inner,
            task,
        }
    }

    /// The API bases a server should use to reach this double (only its
    /// platform's point here).
    pub fn bases(&self, mut bases: ApiBases) -> ApiBases {
        match self.platform {
            Platform::Meta => bases.meta.clone_from(&self.url),
            Platform::Line => {
                bases.line.clone_from(&self.url);
                bases.line_data = format!("{}/data", self.url);
            }
            Platform::Wechat => bases.wechat.clone_from(&self.url),
        }
        bases
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// Requests whose path ends with `suffix`.
    pub fn calls(&self, suffix: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path.ends_with(suffix))
            .collect()
    }

    /// Waits (10 s at most) until `n` requests ending with `suffix` came.
    pub async fn wait_calls(&self, suffix: &str, n: usize) -> Vec<Seen> {
        let start = std::time::Instant::now();
        loop {
            let c = self.calls(suffix);
            if c.len() >= n {
                return c;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "waited for {n} calls to {suffix}; saw {:#?}",
                self.seen()
                    .iter()
                    .map(|s| format!("{} {}", s.method, s.path))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The next request whose path contains `path` fails with this status
    /// and body, as the platform would.
    pub fn fail_next(&self, path: &str, status: u16, body: Value) {
        self.fail_after(path, 0, status, body);
    }

    /// Like [`fail_next`](Self::fail_next), after letting `skip` matching
    /// requests through.
    pub fn fail_after(&self, path: &str, skip: u32, status: u16, body: Value) {
        self.inner.lock().unwrap().script.push_back(Scripted {
            path: path.into(),
            skip,
            status,
            body,
        });
    }

    /// WeChat: the token issued so far stops working (as when it expires
    /// or another server fetched a new one).
    pub fn expire_token(&self) {
        self.inner.lock().unwrap().wechat_token = Some("revoked".into());
    }

    pub fn tokens_issued(&self) -> u32 {
        self.inner.lock().unwrap().tokens_issued
    }

    /// From now on every answer is held back this long (what it was sent
    /// is seen at once): a caller is caught mid-call.
    pub fn delay_answers(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    /// The next request whose body contains `marker` is seen but never
    /// answered (None: no longer).
    pub fn hold_first_containing(&self, marker: Option<&str>) {
        self.inner.lock().unwrap().hold = marker.map(str::to_string);
    }
}

async fn handle(State(s): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query,
        auth: parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers: parts.headers.clone(),
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        body: body.to_vec(),
    };
    let (mut delay, hold) = {
        let mut inner = s.inner.lock().unwrap();
        let body = String::from_utf8_lossy(&seen.body);
        let hold = inner
            .hold
            .as_ref()
            .is_some_and(|m| body.contains(m.as_str()));
        if hold {
            inner.hold = None;
        }
        (inner.delay, hold)
    };
    let response = respond(&s, &parts.method, seen);
    if hold {
        delay = Duration::from_secs(3600);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    response
}

fn respond(s: &Shared, method: &Method, seen: Seen) -> Response {
    let mut inner = s.inner.lock().unwrap();
    inner.seen.push(seen.clone());
    inner.counter += 1;
    let n = inner.counter;
    if let Some(i) = inner
        .script
        .iter()
        .position(|f| seen.path.contains(&f.path))
    {
        if inner.script[i].skip > 0 {
            inner.script[i].skip -= 1;
            return answer(s, &mut inner, method, &seen, n);
        }
        let f = inner.script.remove(i).unwrap();
        return (StatusCode::from_u16(f.status).unwrap(), axum::Json(f.body)).into_response();
    }
    answer(s, &mut inner, method, &seen, n)
}

/// What the platform answers when nothing was scripted.
fn answer(s: &Shared, inner: &mut Inner, method: &Method, seen: &Seen, n: u64) -> Response {
    match s.platform {
        Platform::Meta => meta(s, inner, method, seen, n),
        Platform::Line => line(inner, method, seen, n),
        Platform::Wechat => wechat(inner, method, seen, n),
    }
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("the double has no {what}")).into_response()
}

/// What a media id names: ids with audio, video or doc in them are an
/// MP3, an MP4 or a PDF; the rest are the photo.
pub fn sample_for(id: &str) -> (&'static str, Vec<u8>) {
    use chatsmart::protocol::attachments::samples::bytes_for;
    if id.contains("audio") || id.contains("voice") {
        ("audio/mpeg", bytes_for("mp3"))
    } else if id.contains("video") {
        ("video/mp4", bytes_for("mp4"))
    } else if id.contains("doc") {
        ("application/pdf", bytes_for("pdf"))
    } else {
        ("image/png", photo())
    }
}

fn media(id: &str) -> Response {
    let (mime, bytes) = sample_for(id);
    ([("content-type", mime)], bytes).into_response()
}

fn meta(s: &Shared, _inner: &mut Inner, method: &Method, seen: &Seen, n: u64) -> Response {
    let path = seen.path.trim_start_matches("/v21.0/");
    let segs: Vec<&str> = path.split('/').collect();
    let bearer_ok = seen
        .auth
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer "));
    match (method.as_str(), segs.as_slice()) {
        ("POST", ["me", "messages"]) => {
            if !seen.query.contains_key("access_token") {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(
                        json!({"error": {"message": "An access token is required", "code": 104}}),
                    ),
                )
                    .into_response();
            }
            axum::Json(json!({"recipient_id": "psid", "message_id": format!("m_{n}")}))
                .into_response()
        }
        ("POST", [_, "messages"]) if bearer_ok => axum::Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": seen.json["to"], "wa_id": seen.json["to"]}],
            "messages": [{"id": format!("wamid.{n}")}]
        }))
        .into_response(),
        ("POST", [_, "media"]) if bearer_ok => {
            axum::Json(json!({"id": format!("media-{n}")})).into_response()
        }
        ("GET", ["files", id]) if bearer_ok => media(id),
        ("GET", ["fb-cdn", id]) => media(id),
        ("GET", [id]) if id.starts_with("wa-media") && bearer_ok => axum::Json(json!({
            "url": format!("{}/v21.0/files/{id}", s.url),
            "mime_type": sample_for(id).0,
            "id": id
        }))
        .into_response(),
        ("GET", [id]) if seen.query.contains_key("access_token") => axum::Json(json!({
            "first_name": "Mei",
            "last_name": "Ling",
            "id": id
        }))
        .into_response(),
        _ if !bearer_ok && segs.len() > 1 => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"message": "Invalid OAuth access token", "code": 190}})),
        )
            .into_response(),
        _ => not_found(&seen.path),
    }
}

fn line(inner: &mut Inner, method: &Method, seen: &Seen, n: u64) -> Response {
    if !seen
        .auth
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer "))
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"message": "Authentication failed"})),
        )
            .into_response();
    }
    let sent = || {
        axum::Json(json!({"sentMessages": [{"id": format!("{}", 500000 + n), "quoteToken": "q"}]}))
            .into_response()
    };
    match (method.as_str(), seen.path.as_str()) {
        ("POST", "/v2/bot/message/reply") => {
            if seen.json["replyToken"] == "expired" {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"message": "Invalid reply token"})),
                )
                    .into_response();
            }
            sent()
        }
        ("POST", "/v2/bot/message/push") => {
            // As LINE: a push whose retry key was accepted before is not
            // delivered again, and says so with 409.
            let key = seen
                .headers
                .get("x-line-retry-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if let Some(key) = key {
                if !inner.retry_keys.insert(key) {
                    return (
                        StatusCode::CONFLICT,
                        axum::Json(json!({"message": "The retry key is already accepted", "sentMessages": []})),
                    )
                        .into_response();
                }
            }
            sent()
        }
        // As LINE for a user it cannot show (not a friend, say).
        ("GET", p) if p.starts_with("/v2/bot/profile/U-anon") => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "Not found"})),
        )
            .into_response(),
        ("GET", p) if p.starts_with("/v2/bot/profile/") => axum::Json(json!({
            "displayName": "Ken Sato",
            "userId": p.trim_start_matches("/v2/bot/profile/"),
            "language": "ja"
        }))
        .into_response(),
        ("GET", p) if p.starts_with("/data/v2/bot/message/") && p.ends_with("/content") => media(p),
        _ => not_found(&seen.path),
    }
}

fn wechat(inner: &mut Inner, method: &Method, seen: &Seen, n: u64) -> Response {
    let q = |k: &str| seen.query.get(k).cloned().unwrap_or_default();
    if seen.path == "/cgi-bin/token" {
        if q("grant_type") != "client_credential" || q("appid").is_empty() {
            return axum::Json(json!({"errcode": 40013, "errmsg": "invalid appid"}))
                .into_response();
        }
        let token = format!("token-{n}");
        inner.wechat_token = Some(token.clone());
        inner.tokens_issued += 1;
        return axum::Json(json!({"access_token": token, "expires_in": 7200})).into_response();
    }
    if inner.wechat_token.as_deref() != Some(q("access_token").as_str()) {
        return axum::Json(json!({"errcode": 42001, "errmsg": "access_token expired"}))
            .into_response();
    }
    match (method.as_str(), seen.path.as_str()) {
        ("POST", "/cgi-bin/message/custom/send") => {
            axum::Json(json!({"errcode": 0, "errmsg": "ok"})).into_response()
        }
        ("POST", "/cgi-bin/media/upload") => axum::Json(json!({
            "type": q("type"),
            "media_id": format!("wx-media-{n}"),
            "created_at": 1700000000
        }))
        .into_response(),
        ("GET", "/cgi-bin/user/info") => axum::Json(json!({
            "subscribe": 1,
            "openid": q("openid"),
            "nickname": "",
            "language": "zh_CN"
        }))
        .into_response(),
        ("GET", "/cgi-bin/media/get") => media(&q("media_id")),
        _ => not_found(&seen.path),
    }
}

fn hmac256(key: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

/// Posts a webhook to our server signed as `platform` signs it; returns
/// the status and body. `secret` is the app secret (Meta), the channel
/// secret (LINE) or the token (WeChat).
pub async fn deliver(
    server: &str,
    path: &str,
    platform: Platform,
    secret: &str,
    body: &[u8],
) -> (u16, String) {
    let http = reqwest::Client::new();
    let req = match platform {
        Platform::Meta => http.post(format!("{server}{path}")).header(
            "X-Hub-Signature-256",
            format!("sha256={}", hex::encode(hmac256(secret, body))),
        ),
        Platform::Line => http.post(format!("{server}{path}")).header(
            "x-line-signature",
            base64::engine::general_purpose::STANDARD.encode(hmac256(secret, body)),
        ),
        Platform::Wechat => {
            let (ts, nonce) = fresh_ts_nonce();
            let (ts, nonce) = (ts.as_str(), nonce.as_str());
            let mut parts = [secret, ts, nonce];
            parts.sort_unstable();
            let sig = hex::encode(sha1::Sha1::digest(parts.concat().as_bytes()));
            http.post(format!(
                "{server}{path}?signature={sig}&timestamp={ts}&nonce={nonce}"
            ))
        }
    };
    let resp = req.body(body.to_vec()).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// What WeChat puts beside its signature: the time now (seconds) and a
/// nonce never used before.
pub fn fresh_ts_nonce() -> (String, String) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (
        chrono::Utc::now().timestamp().to_string(),
        format!("n{}x{n}", std::process::id()),
    )
}

/// Posts a WeChat safe-mode push: `xml` encrypted as WeChat does (16
/// random bytes, the length, the message and the app id, padded to 32 and
/// AES-256-CBC under the EncodingAESKey), signed with `msg_signature`.
/// Returns the status and body.
pub async fn deliver_wechat_safe(
    server: &str,
    path: &str,
    token: &str,
    encoding_aes_key: &str,
    app_id: &str,
    xml: &str,
) -> (u16, String) {
    use aes::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
    // WeChat's keys are 43 random characters: the last one may carry bits
    // past the 32 bytes, which only a lenient decoder takes.
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let key = lenient.decode(format!("{encoding_aes_key}=")).unwrap();
    let mut plain = b"0123456789abcdef".to_vec();
    plain.extend_from_slice(&(xml.len() as u32).to_be_bytes());
    plain.extend_from_slice(xml.as_bytes());
    plain.extend_from_slice(app_id.as_bytes());
    let pad = 32 - plain.len() % 32;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let n = plain.len();
    cbc::Encryptor::<aes::Aes256>::new(key[..].into(), key[..16].into())
        .encrypt_padded_mut::<NoPadding>(&mut plain, n)
        .unwrap();
    let encrypted = base64::engine::general_purpose::STANDARD.encode(&plain);
    let (ts, nonce) = fresh_ts_nonce();
    let (ts, nonce) = (ts.as_str(), nonce.as_str());
    let sign = |parts: &mut Vec<&str>| {
        parts.sort_unstable();
        hex::encode(sha1::Sha1::digest(parts.concat().as_bytes()))
    };
    let signature = sign(&mut vec![token, ts, nonce]);
    let msg_signature = sign(&mut vec![token, ts, nonce, &encrypted]);
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    );
    let resp = reqwest::Client::new()
        .post(format!(
            "{server}{path}?signature={signature}&timestamp={ts}&nonce={nonce}&encrypt_type=aes&msg_signature={msg_signature}"
        ))
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}
