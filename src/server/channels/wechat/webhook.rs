//! WeChat Official Account, plaintext mode: the signature is the SHA1 of
//! the sorted token, timestamp and nonce, on the verification GET and on
//! every XML push; pushes are answered `success` at once.

use crate::protocol::*;
use crate::server::channels::inbound::{credentials, secret, store_all, unsupported, Incoming};
use crate::server::channels::replay;
use crate::server::channels::{content, MediaRef};
use crate::server::error::ApiError;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use chrono::DateTime;
use sha1::{Digest, Sha1};
use std::collections::HashMap;
use std::time::Instant;

type Params = Query<HashMap<String, String>>;

/// Whether `signature` is SHA1(sorted(token, timestamp, nonce)).
fn signed(token: &str, q: &HashMap<String, String>) -> bool {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let mut parts = [token, get("timestamp"), get("nonce")];
    parts.sort_unstable();
    let ours = hex::encode(Sha1::digest(parts.concat().as_bytes()));
    subtle::ConstantTimeEq::ct_eq(ours.as_bytes(), get("signature").as_bytes()).into()
}

fn check(token: &str, q: &HashMap<String, String>) -> Result<(), ApiError> {
    if !q.contains_key("signature") {
        return Err(crate::server::channels::inbound::no_signature(
            "the signature parameter",
        ));
    }
    if signed(token, q) {
        Ok(())
    } else {
        Err(crate::server::channels::inbound::bad_signature())
    }
}

pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<ChannelAccountId>,
    Query(q): Params,
) -> Result<String, ApiError> {
    let creds = credentials(&state, ChannelKind::Wechat, id).await?;
    check(secret(&creds, "token")?, &q)?;
    Ok(q.get("echostr").cloned().unwrap_or_default())
}

/// The fields of a flat `<xml>` push: each child's text (CDATA or not).
fn fields(xml: &[u8]) -> Result<HashMap<String, String>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = HashMap::new();
    let mut path: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?
        {
            Event::Start(e) => path.push(AsRef::<str>::as_ref(&e.name()).to_string()),
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) if path.len() == 2 => {
                out.entry(path[1].clone())
                    .or_insert_with(String::new)
                    .push_str(&t.xml10_content());
            }
            Event::CData(t) if path.len() == 2 => {
                out.entry(path[1].clone())
                    .or_insert_with(String::new)
                    .push_str(&t.xml10_content());
            }
            // Entities arrive on their own: &lt; &#20320; and the like.
            Event::GeneralRef(r) if path.len() == 2 => {
                let c = match &*r {
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "amp" => Some('&'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                if let Some(c) = c {
                    out.entry(path[1].clone())
                        .or_insert_with(String::new)
                        .push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if out.is_empty() {
        return Err("no fields in the XML".into());
    }
    Ok(out)
}

/// The message inside a safe-mode push, once its `msg_signature` and app
/// id are ours.
fn open_safe(
    creds: &std::collections::BTreeMap<String, String>,
    token: &str,
    q: &HashMap<String, String>,
    encrypted: &str,
) -> Result<String, ApiError> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if !q.contains_key("msg_signature") {
        return Err(crate::server::channels::inbound::no_signature(
            "the msg_signature parameter",
        ));
    }
    let mut parts = [token, get("timestamp"), get("nonce"), encrypted];
    parts.sort_unstable();
    let ours = hex::encode(Sha1::digest(parts.concat().as_bytes()));
    let same: bool =
        subtle::ConstantTimeEq::ct_eq(ours.as_bytes(), get("msg_signature").as_bytes()).into();
    if !same {
        return Err(crate::server::channels::inbound::bad_signature());
    }
    let key = creds.get("encoding_aes_key").ok_or_else(|| {
        ApiError::bad_request(
            "this push is encrypted (safe mode) but the channel has no encoding_aes_key; add it to the channel's credentials",
        )
    })?;
    let key = super::crypto::key(key).map_err(ApiError::bad_request)?;
    let (xml, app_id) = super::crypto::decrypt(&key, encrypted)
        .map_err(|e| ApiError::bad_request(format!("cannot open the encrypted push: {e}")))?;
    if Some(&app_id) != creds.get("app_id") {
        return Err(ApiError::forbidden(
            "the encrypted push is for another app id",
        ));
    }
    Ok(xml)
}

/// A push must be signed, recent (its timestamp within five minutes of
/// this machine's clock) and new (its nonce unseen for ten minutes): the
/// plaintext signature does not cover the body, so a signed URL must not
/// work a second time.
pub async fn receive(
    State(state): State<AppState>,
    Path(id): Path<ChannelAccountId>,
    Query(q): Params,
    body: Bytes,
) -> Result<&'static str, ApiError> {
    let creds = credentials(&state, ChannelKind::Wechat, id).await?;
    let token = secret(&creds, "token")?;
    check(token, &q)?;
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if !replay::fresh(get("timestamp"), chrono::Utc::now()) {
        return Err(ApiError::forbidden(
            "the timestamp is more than 5 minutes from now: a replay, or a clock far off",
        ));
    }
    let nonce = get("nonce");
    if nonce.is_empty() || !state.security.nonces.first_time(id, nonce, Instant::now()) {
        return Err(ApiError::forbidden("this nonce was used already: a replay"));
    }
    // The nonce is given back unless the push was settled (kept, or
    // refused for good): after a failure on our side, or when WeChat hung
    // up before the answer, its retry with the same nonce is taken.
    let mut taken = TakenNonce {
        state: &state,
        account: id,
        nonce,
        settled: false,
    };
    let outcome = take(&state, id, &creds, token, &q, &body).await;
    taken.settled = match &outcome {
        Ok(_) => true,
        Err(e) => !e.status.is_server_error(),
    };
    outcome
}

struct TakenNonce<'a> {
    state: &'a AppState,
    account: ChannelAccountId,
    nonce: &'a str,
    settled: bool,
}

impl Drop for TakenNonce<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.state.security.nonces.release(self.account, self.nonce);
        }
    }
}

/// A fresh, signed push: read, and stored.
async fn take(
    state: &AppState,
    id: ChannelAccountId,
    creds: &std::collections::BTreeMap<String, String>,
    token: &str,
    q: &HashMap<String, String>,
    body: &[u8],
) -> Result<&'static str, ApiError> {
    let bad = |e: String| ApiError::bad_request(format!("not a WeChat push: {e}"));
    let mut f = fields(body).map_err(bad)?;
    // Safe mode: the message is inside <Encrypt>, signed again with it.
    // An account with an EncodingAESKey takes nothing else: the plain
    // signature does not cover the body.
    let keyed = creds.contains_key("encoding_aes_key");
    if keyed && !f.contains_key("Encrypt") {
        return Err(ApiError::forbidden(
            "this account takes encrypted pushes only (it has an encoding_aes_key)",
        ));
    }
    let safe = keyed || q.get("encrypt_type").is_some_and(|t| t == "aes");
    if let Some(encrypted) = f
        .get("Encrypt")
        .filter(|_| safe || !f.contains_key("MsgType"))
    {
        f = open_safe(creds, token, q, encrypted)
            .and_then(|xml| fields(xml.as_bytes()).map_err(bad))?;
    }
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let kind = get("MsgType");
    let from = get("FromUserName");
    if from.is_empty() {
        return Ok("success");
    }
    let created = get("CreateTime");
    let at = created
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0));
    if kind == "event" {
        let event = get("Event");
        let item = match event.to_ascii_lowercase().as_str() {
            // A menu button's click: its key is all WeChat sends.
            "click" => Some(Incoming::tap(
                from.clone(),
                format!("{from}-{created}-click"),
                "",
                &get("EventKey"),
            )),
            // A follow, perhaps by a QR code with a scene.
            "subscribe" => {
                let key = get("EventKey");
                let scene = key.strip_prefix("qrscene_").filter(|s| !s.is_empty());
                let note = match scene {
                    Some(scene) => format!(
                        "The customer followed the account by the QR code of scene {}",
                        content::tap_title(scene)
                    ),
                    None => "The customer followed the account".into(),
                };
                Some(Incoming::followed(
                    from.clone(),
                    format!("{from}-{created}-subscribe"),
                    note,
                ))
            }
            "unsubscribe" => Some(Incoming::blocked(
                from.clone(),
                format!("{from}-{created}-unsubscribe"),
                "unfollowed",
                "WeChat",
            )),
            // Menu links, scans by followers, locations reported: not
            // messages.
            _ => None,
        };
        if let Some(item) = item {
            store_all(
                state,
                ChannelKind::Wechat,
                id,
                vec![Incoming { at, ..item }],
            )
            .await?;
        }
        return Ok("success");
    }
    // Messages carry MsgId; the rest are told apart by sender and time.
    let external_id = match get("MsgId") {
        id if !id.is_empty() => id,
        _ => format!("{from}-{created}"),
    };
    let media_id = get("MediaId");
    let media = match kind.as_str() {
        "image" | "voice" | "video" | "shortvideo" if !media_id.is_empty() => Some(MediaRef {
            what: match kind.as_str() {
                "voice" => "audio".into(),
                "shortvideo" => "video".into(),
                k => k.to_string(),
            },
            id: Some(media_id),
            url: None,
            caption: String::new(),
            name: None,
            mime: None,
        }),
        _ => None,
    };
    let text = match kind.as_str() {
        "text" => get("Content"),
        _ if media.is_some() => String::new(),
        "location" => {
            let number = |k: &str| get(k).parse::<f64>().unwrap_or(f64::NAN);
            let label = get("Label");
            content::location(
                None,
                Some(label.as_str()),
                number("Location_X"),
                number("Location_Y"),
            )
        }
        "link" => content::link(&get("Title"), &get("Description"), &get("Url")),
        other => unsupported(other),
    };
    store_all(
        state,
        ChannelKind::Wechat,
        id,
        vec![Incoming {
            at,
            media,
            ..Incoming::text(from, external_id, text)
        }],
    )
    .await?;
    Ok("success")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_push_with_cdata() {
        let f = fields(b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oAB]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\xe4\xbd\xa0\xe5\xa5\xbd <b>]]></Content><MsgId>1234567890123456</MsgId></xml>").unwrap();
        assert_eq!(f["FromUserName"], "oAB");
        assert_eq!(f["Content"], "你好 <b>");
        assert_eq!(f["MsgId"], "1234567890123456");
        assert!(fields(b"not xml").is_err());
        let f = fields(b"<xml><Content>a &lt;b&gt; &amp; &#20320;</Content></xml>").unwrap();
        assert_eq!(f["Content"], "a <b> & 你");
    }

    #[test]
    fn the_signature_is_the_sorted_sha1() {
        let mut q = HashMap::new();
        q.insert("timestamp".to_string(), "1700000000".to_string());
        q.insert("nonce".to_string(), "abc".to_string());
        let mut parts = ["tok", "1700000000", "abc"];
        parts.sort_unstable();
        q.insert(
            "signature".to_string(),
            hex::encode(Sha1::digest(parts.concat().as_bytes())),
        );
        assert!(signed("tok", &q));
        assert!(!signed("other", &q));
    }
}
