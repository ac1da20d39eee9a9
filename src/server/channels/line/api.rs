//! LINE Messaging API: reply (free, with the event's single-use token) or
//! push (counted against the quota, with a retry key so a retry is never
//! delivered twice), profiles and message content.

use crate::server::channels::{
    cred, download_or_failure, json_or_failure, links, path_segment, split_text, Download, Failure,
    MediaRef, OutFile, Outgoing, Platforms, Progress, Sent, Unit,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// LINE's error body is `{"message": ...}`; 429 is a rate or quota limit.
fn words(body: &Value) -> String {
    body.get("message")
        .and_then(Value::as_str)
        .unwrap_or("no reason given")
        .to_string()
}

async fn post(
    p: &Platforms,
    path: &str,
    token: &str,
    retry_key: Option<&str>,
    body: Value,
) -> Result<Value, (Option<reqwest::StatusCode>, Failure)> {
    let mut req = p
        .http
        .post(format!("{}{path}", p.bases.line))
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = retry_key {
        req = req.header("X-Line-Retry-Key", key);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| (None, Failure::network("LINE", e)))?;
    let status = resp.status();
    // A retried push LINE already accepted answers 409 with the original
    // request id: it was delivered.
    let body = crate::server::channels::guard::read_capped(
        resp,
        crate::server::channels::guard::MAX_API_BODY,
    )
    .await
    .unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    if status.is_success() || (retry_key.is_some() && status == reqwest::StatusCode::CONFLICT) {
        return Ok(body);
    }
    Err((Some(status), Failure::http("LINE", status, &words(&body))))
}

/// LINE's longest text message (in UTF-16 units), and the most messages
/// one call carries.
const MAX_UNITS: usize = 5000;
const PER_CALL: usize = 5;

pub async fn send(p: &Platforms, out: &Outgoing<'_>) -> Result<Sent, Failure> {
    let mut messages: Vec<Value> = split_text(out.text, MAX_UNITS, Unit::Utf16)
        .into_iter()
        .map(|t| json!({"type": "text", "text": t}))
        .collect();
    if let Some(file) = &out.file {
        messages
            .push(file_message(out, file).map_err(|f| Progress::new(out.parts_sent).failed(f))?);
    }
    // Five to a call: the first call may use the reply token, the rest
    // are pushed.
    let mut sent = Sent {
        external_id: None,
        used_reply_token: false,
    };
    let mut progress = Progress::of(out);
    for (i, batch) in messages.chunks(PER_CALL).enumerate() {
        let skip = progress.skip_next().await.map_err(|mut f| {
            f.used_reply_token |= sent.used_reply_token;
            f
        })?;
        if skip {
            continue;
        }
        // Only the first call may use the reply token.
        let token = if i == 0 { out.reply_token } else { None };
        let key = if i == 0 {
            out.retry_key.clone()
        } else {
            crate::server::channels::stable_uuid(&format!("{}:{i}", out.retry_key))
        };
        match send_batch(p, out, Value::Array(batch.to_vec()), token, &key).await {
            Ok(s) => {
                sent.external_id = s.external_id.or(sent.external_id);
                sent.used_reply_token |= s.used_reply_token;
                progress.done();
            }
            Err(mut f) => {
                f.used_reply_token |= sent.used_reply_token;
                return Err(progress.failed(f));
            }
        }
    }
    Ok(sent)
}

async fn send_batch(
    p: &Platforms,
    out: &Outgoing<'_>,
    messages: Value,
    reply_token: Option<&str>,
    retry_key: &str,
) -> Result<Sent, Failure> {
    let token = cred(out.creds, "channel_access_token")?;
    if let Some(reply_token) = reply_token {
        let body = json!({"replyToken": reply_token, "messages": messages});
        match post(p, "/v2/bot/message/reply", token, None, body).await {
            Ok(v) => {
                return Ok(Sent {
                    external_id: sent_id(&v),
                    used_reply_token: true,
                })
            }
            // An expired or used token: push instead.
            Err((Some(s), _)) if s == reqwest::StatusCode::BAD_REQUEST => {}
            Err((_, mut f)) => {
                f.used_reply_token = !f.retry;
                return Err(f);
            }
        }
    }
    let body = json!({"to": out.to, "messages": messages});
    match post(p, "/v2/bot/message/push", token, Some(retry_key), body).await {
        Ok(v) => Ok(Sent {
            external_id: sent_id(&v),
            used_reply_token: reply_token.is_some(),
        }),
        Err((_, mut f)) => {
            f.used_reply_token = reply_token.is_some();
            Err(f)
        }
    }
}

/// LINE takes a file only from a public HTTPS address: photos as image
/// messages, anything else as a link in a text message (LINE has no
/// message for files, and its audio and video messages need a duration
/// and a preview image chatsmart does not have).
fn file_message(out: &Outgoing<'_>, file: &OutFile) -> Result<Value, Failure> {
    let Some(public_url) = out.public_url else {
        return Err(Failure::fail(
            "LINE takes files only from a public address: set public_url in the server's config to send them",
        ));
    };
    let link = links::sign(public_url, out.link_key, out.account, file.id, out.now);
    let photo = matches!(file.mime.as_str(), "image/png" | "image/jpeg");
    Ok(if photo {
        json!({"type": "image", "originalContentUrl": link, "previewImageUrl": link})
    } else {
        json!({"type": "text", "text": format!("📎 {}\n{link}", file.name)})
    })
}

fn sent_id(v: &Value) -> Option<String> {
    v.pointer("/sentMessages/0/id")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// `GET /v2/bot/profile/{userId}`: the display name.
pub async fn profile_name(
    p: &Platforms,
    creds: &BTreeMap<String, String>,
    user: &str,
) -> Result<Option<String>, Failure> {
    let token = cred(creds, "channel_access_token")?;
    let resp = p
        .http
        .get(format!(
            "{}/v2/bot/profile/{}",
            p.bases.line,
            path_segment(user)
        ))
        .bearer_auth(token)
        .send()
        .await;
    let v = json_or_failure("LINE", resp, |_| None).await?;
    Ok(v.get("displayName")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty()))
}

/// `GET /v2/bot/message/{id}/content` on the data host (a file at the
/// sender's own address is never fetched: see webhooks/line.rs).
pub async fn fetch(
    p: &Platforms,
    creds: &BTreeMap<String, String>,
    media: &MediaRef,
) -> Result<Download, Failure> {
    let token = cred(creds, "channel_access_token")?;
    let id = media
        .id
        .as_deref()
        .ok_or_else(|| Failure::fail("LINE gave no message id for the file"))?;
    let url = format!(
        "{}/v2/bot/message/{}/content",
        p.bases.line_data,
        path_segment(id)
    );
    download_or_failure("LINE", p.http.get(url).bearer_auth(token).send().await).await
}
