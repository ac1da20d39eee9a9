//! WeChat Official Account: the access token (one per account, obtained
//! from the app id and secret, shared by every call on every replica
//! through the database, and refreshed before it expires or when WeChat
//! says it is no longer good), customer-service
//! messages, temporary media, user info and media download.

use crate::protocol::{AttachmentKind, ChannelAccountId};
use crate::server::channels::{
    cred, download_or_failure, json_or_failure, read_file, split_text, Download, Failure, MediaRef,
    OutFile, Outgoing, Platforms, Progress, Sent, Unit,
};
use crate::server::store::{PlatformToken, Store};
use chrono::Utc;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Each account's token, kept in the database so that every replica uses
/// the same one (WeChat invalidates the old token on every fetch).
pub struct Tokens {
    store: Arc<dyn Store>,
    /// Per account, one caller of this server fetches or waits at a time;
    /// the database claim keeps other replicas from fetching meanwhile.
    fetching: std::sync::Mutex<HashMap<ChannelAccountId, Arc<tokio::sync::Mutex<()>>>>,
}

/// A fetch claimed in the database: released when the caller goes away
/// before saying how it ended (a lookup that timed out), so that nobody
/// waits for the claim to run out.
struct Claim {
    store: Arc<dyn Store>,
    account: ChannelAccountId,
    until: chrono::DateTime<Utc>,
    settled: bool,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (store, account, until) = (self.store.clone(), self.account, self.until);
            rt.spawn(async move {
                let _ = store.platform_token_fetched(account, until, None).await;
            });
        }
    }
}

/// How long a fetch is claimed for (taken again when its replica died);
/// longer than the fetch may take ([`FETCH_TIMEOUT`]).
const FETCH_LEASE: Duration = Duration::from_secs(20);

/// How long the call that fetches a token may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a caller waits for another replica's fetch.
const FETCH_WAIT: Duration = Duration::from_secs(15);

/// Refresh this long before WeChat's expiry.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);

/// errcodes meaning the token is bad or expired: fetch a new one and try
/// once more.
const TOKEN_ERRORS: [i64; 3] = [40001, 40014, 42001];

/// WeChat's `{"errcode", "errmsg"}` as a failure (errcode 0 is success).
fn wechat_error(body: &Value) -> Option<Failure> {
    let code = body.get("errcode").and_then(Value::as_i64).unwrap_or(0);
    if code == 0 {
        return None;
    }
    let msg = body
        .get("errmsg")
        .and_then(Value::as_str)
        .unwrap_or("no reason given");
    let reason = match code {
        45015 => format!(
            "WeChat refused it: the customer has not written within 48 hours (errcode 45015: {msg})"
        ),
        40001 | 40014 | 42001 => format!("WeChat rejected the access token (errcode {code}: {msg})"),
        40125 | 40013 | 40164 => format!(
            "WeChat refused the app id or secret; an admin must update the channel's credentials (errcode {code}: {msg})"
        ),
        _ => format!("WeChat refused it (errcode {code}: {msg})"),
    };
    // -1: system busy; 45009 and 45047: call or message limits.
    Some(if matches!(code, -1 | 45009 | 45047) {
        Failure::retry(reason)
    } else {
        Failure::fail(reason)
    })
}

fn is_token_error(f: &Failure, body_code: Option<i64>) -> bool {
    body_code.is_some_and(|c| TOKEN_ERRORS.contains(&c)) || f.reason.contains("access token")
}

fn storage(e: impl std::fmt::Display) -> Failure {
    Failure::retry(format!("WeChat's access token could not be kept: {e}"))
}

impl Tokens {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Tokens {
            store,
            fetching: std::sync::Mutex::default(),
        }
    }

    /// The account's token: the one kept, or one fetched now by this
    /// replica or another.
    async fn get(
        &self,
        p: &Platforms,
        account: ChannelAccountId,
        creds: &BTreeMap<String, String>,
    ) -> Result<PlatformToken, Failure> {
        if let Some(t) = self
            .store
            .platform_token(account, Utc::now())
            .await
            .map_err(storage)?
        {
            return Ok(t);
        }
        let lock = self
            .fetching
            .lock()
            .map_err(|_| Failure::retry("WeChat's token lock was poisoned"))?
            .entry(account)
            .or_default()
            .clone();
        let _one = lock.lock().await;
        let give_up = Instant::now() + FETCH_WAIT;
        loop {
            let now = Utc::now();
            if let Some(t) = self
                .store
                .platform_token(account, now)
                .await
                .map_err(storage)?
            {
                return Ok(t);
            }
            let until = now + FETCH_LEASE;
            // Made before the claim: if the caller goes away while it is
            // written, the claim (this one's only) is released.
            let mut claim = Claim {
                store: self.store.clone(),
                account,
                until,
                settled: false,
            };
            let claimed = self
                .store
                .claim_platform_token_fetch(account, now, until)
                .await;
            if !matches!(claimed, Ok(true)) {
                claim.settled = true;
            }
            if claimed.map_err(storage)? {
                let got = fetch_token(p, creds).await;
                claim.settled = true;
                let kept = self
                    .store
                    .platform_token_fetched(account, until, got.as_ref().ok().cloned())
                    .await;
                let token = got?;
                kept.map_err(storage)?;
                return Ok(token);
            }
            if Instant::now() >= give_up {
                return Err(Failure::retry(
                    "another server is fetching WeChat's access token; trying again shortly",
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// WeChat refused `token`: it is dropped (unless a newer one replaced
    /// it already) and the next call gets another.
    async fn refused(&self, account: ChannelAccountId, token: &PlatformToken) {
        if let Err(e) = self
            .store
            .platform_token_refused(account, token.fetched_at_ms)
            .await
        {
            tracing::warn!("channel account {account}: could not drop a refused WeChat token: {e}");
        }
    }
}

/// `GET /cgi-bin/token`: a new token (which invalidates the one before).
async fn fetch_token(
    p: &Platforms,
    creds: &BTreeMap<String, String>,
) -> Result<PlatformToken, Failure> {
    let resp = p
        .http
        .get(format!("{}/cgi-bin/token", p.bases.wechat))
        .timeout(FETCH_TIMEOUT)
        .query(&[
            ("grant_type", "client_credential"),
            ("appid", cred(creds, "app_id")?),
            ("secret", cred(creds, "app_secret")?),
        ])
        .send()
        .await;
    let v = json_or_failure("WeChat", resp, wechat_error).await?;
    let token = v
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.len() <= 2048)
        .ok_or_else(|| Failure::retry("WeChat gave no access token"))?
        .to_string();
    let secs = v
        .get("expires_in")
        .and_then(Value::as_u64)
        .unwrap_or(7200)
        .min(7 * 24 * 3600);
    let life = Duration::from_secs(secs).saturating_sub(TOKEN_MARGIN);
    let now = Utc::now().timestamp_millis();
    Ok(PlatformToken {
        token,
        fetched_at_ms: now,
        use_until_ms: now + life.as_millis() as i64,
    })
}

/// Calls `f` with a token; when WeChat says the token is bad, fetches a
/// new one and calls once more.
async fn with_token<T, F, Fut>(
    p: &Platforms,
    account: ChannelAccountId,
    creds: &BTreeMap<String, String>,
    f: F,
) -> Result<T, Failure>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, (Option<i64>, Failure)>>,
{
    let token = p.wechat_tokens.get(p, account, creds).await?;
    match f(token.token.clone()).await {
        Err((code, failure)) if is_token_error(&failure, code) => {
            p.wechat_tokens.refused(account, &token).await;
            let token = p.wechat_tokens.get(p, account, creds).await?;
            f(token.token).await.map_err(|(_, f)| f)
        }
        other => other.map_err(|(_, f)| f),
    }
}

async fn call(req: reqwest::RequestBuilder) -> Result<Value, (Option<i64>, Failure)> {
    let resp = req.send().await;
    let mut code = None;
    let out = json_or_failure("WeChat", resp, |b| {
        code = b.get("errcode").and_then(Value::as_i64);
        wechat_error(b)
    })
    .await;
    out.map_err(|f| (code, f))
}

pub async fn send(p: &Platforms, out: &Outgoing<'_>) -> Result<Sent, Failure> {
    let url = format!("{}/cgi-bin/message/custom/send", p.bases.wechat);
    let post = |body: Value| {
        let url = url.clone();
        async move {
            with_token(p, out.account, out.creds, |token| {
                call(
                    p.http
                        .post(&url)
                        .query(&[("access_token", token)])
                        .json(&body),
                )
            })
            .await
        }
    };
    let mut progress = Progress::of(out);
    // WeChat takes at most 2048 bytes of text a message.
    for part in split_text(out.text, 2048, Unit::Bytes) {
        if progress.skip_next().await? {
            continue;
        }
        post(json!({"touser": out.to, "msgtype": "text", "text": {"content": part}}))
            .await
            .map_err(|f| progress.failed(f))?;
        progress.done();
    }
    let file = match out.file.as_ref() {
        Some(file) => (!progress.skip_next().await?).then_some(file),
        None => None,
    };
    if let Some(file) = file {
        let msgtype = match file.kind {
            AttachmentKind::Image => "image",
            AttachmentKind::Audio => "voice",
            AttachmentKind::Video => "video",
            _ => {
                let why = match crate::protocol::carriage(
                    crate::protocol::ChannelKind::Wechat,
                    file.kind,
                    &file.mime,
                ) {
                    crate::protocol::Carriage::Refused(why) => why,
                    _ => "WeChat cannot carry this file",
                };
                return Err(progress.failed(Failure::fail(why)));
            }
        };
        let media_id = upload(p, out.account, out.creds, msgtype, file)
            .await
            .map_err(|f| progress.failed(f))?;
        let mut body = json!({"touser": out.to, "msgtype": msgtype});
        body[msgtype] = json!({"media_id": media_id});
        post(body).await.map_err(|f| progress.failed(f))?;
    }
    // WeChat gives customer-service messages no id.
    Ok(Sent {
        external_id: None,
        used_reply_token: false,
    })
}

/// `POST /cgi-bin/media/upload?type=…`: a temporary media id.
async fn upload(
    p: &Platforms,
    account: ChannelAccountId,
    creds: &BTreeMap<String, String>,
    msgtype: &str,
    file: &OutFile,
) -> Result<String, Failure> {
    let bytes = read_file(file).await?;
    let url = format!("{}/cgi-bin/media/upload", p.bases.wechat);
    let v = with_token(p, account, creds, |token| {
        let part = Part::bytes(bytes.clone())
            .file_name(file.name.clone())
            .mime_str(&file.mime);
        let url = url.clone();
        async move {
            let part = part.map_err(|e| (None, Failure::fail(format!("bad file type: {e}"))))?;
            call(
                p.http
                    .post(&url)
                    .query(&[("access_token", token.as_str()), ("type", msgtype)])
                    .multipart(Form::new().part("media", part)),
            )
            .await
        }
    })
    .await?;
    v.get("media_id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Failure::retry("WeChat took the file but gave no media id"))
}

/// `GET /cgi-bin/user/info`: the nickname, which WeChat now gives for few
/// accounts; without it the customer gets a readable name from the id.
pub async fn profile_name(
    p: &Platforms,
    account: ChannelAccountId,
    creds: &BTreeMap<String, String>,
    user: &str,
) -> Result<Option<String>, Failure> {
    let url = format!("{}/cgi-bin/user/info", p.bases.wechat);
    let v = with_token(p, account, creds, |token| {
        call(p.http.get(&url).query(&[
            ("access_token", token.as_str()),
            ("openid", user),
            ("lang", "en"),
        ]))
    })
    .await?;
    let nick = v
        .get("nickname")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if !nick.is_empty() {
        return Ok(Some(nick.to_string()));
    }
    let tail: String = user
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Ok(Some(format!("WeChat user {tail}")))
}

/// `GET /cgi-bin/media/get?media_id=…`.
pub async fn fetch(
    p: &Platforms,
    account: ChannelAccountId,
    creds: &BTreeMap<String, String>,
    media: &MediaRef,
) -> Result<Download, Failure> {
    let id = media
        .id
        .as_deref()
        .ok_or_else(|| Failure::fail("WeChat gave no media id"))?;
    let url = format!("{}/cgi-bin/media/get", p.bases.wechat);
    with_token(p, account, creds, |token| {
        let req = p
            .http
            .get(&url)
            .query(&[("access_token", token.as_str()), ("media_id", id)]);
        async move {
            let resp = download_or_failure("WeChat", req.send().await)
                .await
                .map_err(|f| (None, f))?;
            // Errors come back as JSON with 200.
            let json = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/plain"));
            if json {
                let body = crate::server::channels::guard::read_capped(
                    resp,
                    crate::server::channels::guard::MAX_ERROR_BODY,
                )
                .await
                .unwrap_or_default();
                let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                let code = v.get("errcode").and_then(Value::as_i64);
                return Err((
                    code,
                    wechat_error(&v).unwrap_or_else(|| Failure::fail("WeChat sent no file")),
                ));
            }
            Ok(resp)
        }
    })
    .await
}
