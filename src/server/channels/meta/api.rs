//! Messenger's Send API and WhatsApp's Cloud API (both on Meta's Graph
//! host), profiles and media.

use crate::protocol::AttachmentKind;
use crate::server::channels::{
    cred, download_or_failure, json_or_failure, path_segment, read_file, split_text, Download,
    Failure, MediaRef, OutFile, Outgoing, Platforms, Progress, Sent, Unit, GRAPH_VERSION,
};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Meta's error body, `{"error": {"message", "code", "error_subcode"}}`,
/// as a failure: rate limits and temporary errors are retried, the rest
/// (closed windows, bad tokens, refused recipients) are not.
fn graph_error(platform: &str, body: &Value) -> Option<Failure> {
    let e = body.get("error")?;
    let code = e.get("code").and_then(Value::as_i64).unwrap_or(0);
    let sub = e.get("error_subcode").and_then(Value::as_i64).unwrap_or(0);
    let message = e
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no reason given");
    let reason = match (code, sub) {
        (10, 2018278) | (131047, _) => format!(
            "{platform} refused it: the customer has not written within the allowed window ({message})"
        ),
        (190, _) => format!(
            "{platform} rejected the access token; an admin must update the channel's credentials ({message})"
        ),
        _ => format!("{platform} refused it (code {code}): {message}"),
    };
    // 1 and 2: unknown or temporary errors; 4, 17, 32, 613, 80007, 130429,
    // 131056: rate limits.
    let retry = matches!(
        code,
        1 | 2 | 4 | 17 | 32 | 613 | 80007 | 130429 | 131056 | 131000
    );
    Some(if retry {
        Failure::retry(reason)
    } else {
        Failure::fail(reason)
    })
}

fn graph(p: &Platforms, path: &str) -> String {
    format!("{}/{GRAPH_VERSION}/{path}", p.bases.meta)
}

fn messenger_type(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Image => "image",
        AttachmentKind::Audio => "audio",
        AttachmentKind::Video => "video",
        AttachmentKind::Document | AttachmentKind::Contact => "file",
    }
}

pub async fn send_messenger(p: &Platforms, out: &Outgoing<'_>) -> Result<Sent, Failure> {
    let token = cred(out.creds, "page_access_token")?;
    let url = graph(p, "me/messages");
    let (messaging_type, tag) = if out.human_agent {
        ("MESSAGE_TAG", Some("HUMAN_AGENT"))
    } else {
        ("RESPONSE", None)
    };
    let mut last = None;
    let mut progress = Progress::of(out);
    // Messenger's texts are at most 2000 characters (counted as UTF-16,
    // to be safe).
    for part in split_text(out.text, 2000, Unit::Utf16) {
        if progress.skip_next().await? {
            continue;
        }
        let mut body = json!({
            "recipient": {"id": out.to},
            "messaging_type": messaging_type,
            "message": {"text": part},
        });
        if let Some(tag) = tag {
            body["tag"] = json!(tag);
        }
        let resp = p
            .http
            .post(&url)
            .query(&[("access_token", token)])
            .json(&body)
            .send()
            .await;
        let answer = json_or_failure("Messenger", resp, |b| graph_error("Messenger", b)).await;
        last = Some(answer.map_err(|f| progress.failed(f))?);
        progress.done();
    }
    let file = match out.file.as_ref() {
        Some(file) => (!progress.skip_next().await?).then_some(file),
        None => None,
    };
    if let Some(file) = file {
        let bytes = read_file(file).await.map_err(|f| progress.failed(f))?;
        let message = json!({"attachment": {"type": messenger_type(file.kind), "payload": {"is_reusable": false}}});
        let mut form = Form::new()
            .text("recipient", json!({"id": out.to}).to_string())
            .text("messaging_type", messaging_type)
            .text("message", message.to_string())
            .part(
                "filedata",
                file_part(file, bytes).map_err(|f| progress.failed(f))?,
            );
        if let Some(tag) = tag {
            form = form.text("tag", tag);
        }
        let resp = p
            .http
            .post(&url)
            .query(&[("access_token", token)])
            .multipart(form)
            .send()
            .await;
        let answer = json_or_failure("Messenger", resp, |b| graph_error("Messenger", b)).await;
        last = Some(answer.map_err(|f| progress.failed(f))?);
    }
    Ok(Sent {
        external_id: last
            .as_ref()
            .and_then(|v| v.get("message_id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        used_reply_token: false,
    })
}

fn file_part(file: &OutFile, bytes: Vec<u8>) -> Result<Part, Failure> {
    Part::bytes(bytes)
        .file_name(file.name.clone())
        .mime_str(&file.mime)
        .map_err(|e| Failure::fail(format!("the file's type {} is not valid: {e}", file.mime)))
}

fn whatsapp_type(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Image => "image",
        AttachmentKind::Audio => "audio",
        AttachmentKind::Video => "video",
        AttachmentKind::Document | AttachmentKind::Contact => "document",
    }
}

pub async fn send_whatsapp(p: &Platforms, out: &Outgoing<'_>) -> Result<Sent, Failure> {
    let token = cred(out.creds, "access_token")?;
    let phone = cred(out.creds, "phone_number_id")?;
    let url = graph(p, &format!("{}/messages", path_segment(phone)));
    let post = |body: Value| {
        let req = p.http.post(&url).bearer_auth(token).json(&body);
        async move {
            json_or_failure("WhatsApp", req.send().await, |b| graph_error("WhatsApp", b)).await
        }
    };
    let base =
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": out.to});
    let text_body = |text: String| {
        let mut body = base.clone();
        body["type"] = json!("text");
        body["text"] = json!({"body": text, "preview_url": false});
        body
    };
    let text = out.text.trim();
    let kind = out.file.as_ref().map(|f| whatsapp_type(f.kind));
    // A caption is at most 1024 characters and audio takes none: any
    // other text goes first as texts of at most 4096.
    let caption = kind.is_some_and(|k| k != "audio") && text.chars().count() <= 1024;
    let mut last = None;
    let mut progress = Progress::of(out);
    if !caption {
        for part in split_text(text, 4096, Unit::Chars) {
            if progress.skip_next().await? {
                continue;
            }
            last = Some(
                post(text_body(part))
                    .await
                    .map_err(|f| progress.failed(f))?,
            );
            progress.done();
        }
    }
    let skip_file = out.file.is_some() && kind.is_some() && progress.skip_next().await?;
    let last = match (&out.file, kind) {
        (Some(_), Some(_)) if skip_file => last,
        (Some(file), Some(kind)) => {
            let media_id = upload_whatsapp(p, token, phone, file)
                .await
                .map_err(|f| progress.failed(f))?;
            let mut media = json!({"id": media_id});
            if caption && !text.is_empty() {
                media["caption"] = json!(text);
            }
            if kind == "document" {
                media["filename"] = json!(file.name);
            }
            let mut body = base.clone();
            body["type"] = json!(kind);
            body[kind] = media;
            Some(post(body).await.map_err(|f| progress.failed(f))?)
        }
        _ => last,
    };
    Ok(Sent {
        external_id: last
            .as_ref()
            .and_then(|v| v.pointer("/messages/0/id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        used_reply_token: false,
    })
}

/// `POST /{phone_number_id}/media`: the file's media id.
async fn upload_whatsapp(
    p: &Platforms,
    token: &str,
    phone: &str,
    file: &OutFile,
) -> Result<String, Failure> {
    let bytes = read_file(file).await?;
    let form = Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", file.mime.clone())
        .part("file", file_part(file, bytes)?);
    let resp = p
        .http
        .post(graph(p, &format!("{}/media", path_segment(phone))))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await;
    let v = json_or_failure("WhatsApp", resp, |b| graph_error("WhatsApp", b)).await?;
    v.get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Failure::retry("WhatsApp took the file but gave no media id"))
}

/// `GET /{PSID}?fields=first_name,last_name`
pub async fn profile_name(
    p: &Platforms,
    creds: &BTreeMap<String, String>,
    user: &str,
) -> Result<Option<String>, Failure> {
    let token = cred(creds, "page_access_token")?;
    let resp = p
        .http
        .get(graph(p, &path_segment(user)))
        .query(&[("fields", "first_name,last_name"), ("access_token", token)])
        .send()
        .await;
    let v = json_or_failure("Messenger", resp, |b| graph_error("Messenger", b)).await?;
    let part = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").trim();
    let name = format!("{} {}", part("first_name"), part("last_name"));
    let name = name.trim();
    Ok((!name.is_empty()).then(|| name.to_string()))
}

/// Messenger's attachments come with their own (short-lived) address.
pub async fn fetch_messenger(p: &Platforms, media: &MediaRef) -> Result<Download, Failure> {
    let url = media
        .url
        .as_deref()
        .ok_or_else(|| Failure::fail("Messenger gave no address for the file"))?;
    let url = crate::server::channels::fetchable(p, "Messenger", url)?;
    download_or_failure("Messenger", p.http.get(url).send().await).await
}

/// WhatsApp: `GET /{media_id}` gives a short-lived address, fetched with
/// the same bearer token.
pub async fn fetch_whatsapp(
    p: &Platforms,
    creds: &BTreeMap<String, String>,
    media: &MediaRef,
) -> Result<Download, Failure> {
    let token = cred(creds, "access_token")?;
    let id = media
        .id
        .as_deref()
        .ok_or_else(|| Failure::fail("WhatsApp gave no media id"))?;
    let resp = p
        .http
        .get(graph(p, &path_segment(id)))
        .bearer_auth(token)
        .send()
        .await;
    let v = json_or_failure("WhatsApp", resp, |b| graph_error("WhatsApp", b)).await?;
    let url = v
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::retry("WhatsApp gave no address for the file"))?;
    let url = crate::server::channels::fetchable(p, "WhatsApp", url)?;
    download_or_failure("WhatsApp", p.http.get(url).bearer_auth(token).send().await).await
}
