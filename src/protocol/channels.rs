//! Channel accounts: a business's Messenger page, WhatsApp number, LINE
//! channel or WeChat official account, with the credentials the server
//! needs to verify the platform's webhooks and to send. Secrets go to the
//! server and never come back: listings name which keys are set, not their
//! values.

use super::model::{ChannelAccountId, ChannelKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The credential keys each kind needs, all of them required.
pub fn credential_keys(kind: ChannelKind) -> &'static [&'static str] {
    match kind {
        ChannelKind::Messenger => &["app_secret", "verify_token", "page_access_token", "page_id"],
        ChannelKind::Whatsapp => &[
            "app_secret",
            "verify_token",
            "access_token",
            "phone_number_id",
        ],
        ChannelKind::Line => &["channel_secret", "channel_access_token"],
        ChannelKind::Wechat => &["app_id", "app_secret", "token"],
    }
}

/// `POST /api/v1/channels`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub credentials: BTreeMap<String, String>,
}

/// The answer to `POST /api/v1/channels` (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCreated {
    pub id: ChannelAccountId,
    pub kind: ChannelKind,
    pub name: String,
    /// Where the platform sends its webhooks: `/webhooks/{kind}/{id}`.
    pub webhook_path: String,
}

/// A channel's webhook path.
pub fn webhook_path(kind: ChannelKind, id: ChannelAccountId) -> String {
    format!("/webhooks/{}/{id}", kind.as_str())
}

/// Why these credentials do not fit the kind, if they do not: every key
/// present and non-empty, none unknown.
pub fn check_credentials(
    kind: ChannelKind,
    credentials: &BTreeMap<String, String>,
) -> Result<(), String> {
    let want = credential_keys(kind);
    let missing: Vec<&str> = want
        .iter()
        .copied()
        .filter(|k| credentials.get(*k).is_none_or(|v| v.trim().is_empty()))
        .collect();
    let unknown: Vec<&str> = credentials
        .keys()
        .map(String::as_str)
        .filter(|k| !want.contains(k))
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing {}", missing.join(", ")));
    }
    if !unknown.is_empty() {
        problems.push(format!("unknown {}", unknown.join(", ")));
    }
    if problems.is_empty() {
        if let Some((k, _)) = credentials.iter().find(|(_, v)| v.len() > 4096) {
            return Err(format!("{k} is longer than 4096 characters"));
        }
        Ok(())
    } else {
        Err(format!(
            "{} credentials: {}; a {} channel takes {}",
            kind.as_str(),
            problems.join("; "),
            kind.as_str(),
            want.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_takes_exactly_its_keys() {
        let mut c: BTreeMap<String, String> = credential_keys(ChannelKind::Line)
            .iter()
            .map(|k| (k.to_string(), "x".to_string()))
            .collect();
        assert!(check_credentials(ChannelKind::Line, &c).is_ok());
        let e = check_credentials(ChannelKind::Wechat, &c).unwrap_err();
        assert!(e.contains("missing app_id, app_secret, token"), "{e}");
        assert!(
            e.contains("unknown channel_access_token, channel_secret"),
            "{e}"
        );
        c.insert("channel_secret".into(), " ".into());
        let e = check_credentials(ChannelKind::Line, &c).unwrap_err();
        assert!(e.contains("missing channel_secret"), "{e}");
        assert_eq!(
            webhook_path(ChannelKind::Whatsapp, 7),
            "/webhooks/whatsapp/7"
        );
    }
}
