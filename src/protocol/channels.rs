//! Channel accounts: a business's Messenger page, WhatsApp number, LINE
//! channel or WeChat official account, with the credentials the server
//! needs to verify the platform's webhooks and to send. Secrets go to the
//! server and never come back: listings name which keys are set, not their
//! values.

use super::model::{ChannelAccountId, ChannelKind};
use chrono::{DateTime, Duration, Utc};
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

/// Keys a kind may also have: WeChat's EncodingAESKey, for accounts whose
/// pushes come encrypted (safe mode).
pub fn optional_credential_keys(kind: ChannelKind) -> &'static [&'static str] {
    match kind {
        ChannelKind::Wechat => &["encoding_aes_key"],
        _ => &[],
    }
}

/// `POST /api/v1/channels`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub credentials: BTreeMap<String, String>,
}

/// `PATCH /api/v1/channels/{id}`: a new name, and credentials to set
/// (merged over the ones kept; an empty value removes an optional key).
/// The webhook path stays the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
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
        .filter(|k| !want.contains(k) && !optional_credential_keys(kind).contains(k))
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
        if let Some(k) = credentials.get("encoding_aes_key") {
            let k = k.trim();
            let b64 = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
            if k.len() != 43 || !k.chars().all(b64) {
                return Err(
                    "encoding_aes_key must be the 43 characters WeChat shows (letters, digits, + and /)"
                        .into(),
                );
            }
        }
        Ok(())
    } else {
        let optional = optional_credential_keys(kind);
        let also = if optional.is_empty() {
            String::new()
        } else {
            format!(" (and optionally {})", optional.join(", "))
        };
        Err(format!(
            "{} credentials: {}; a {} channel takes {}{also}",
            kind.as_str(),
            problems.join("; "),
            kind.as_str(),
            want.join(", ")
        ))
    }
}

/// Whether a reply can reach the customer now, by the platform's rules
/// on how long after the customer's last message a business may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyWindow {
    /// Any reply goes; `until` is when that stops (None: it never does).
    Open { until: Option<DateTime<Utc>> },
    /// Messenger after 24 hours: a person (not the bot) may still answer
    /// with the HUMAN_AGENT tag until `until`.
    HumanAgent { until: DateTime<Utc> },
    /// Nothing but the platform's pre-approved templates goes until the
    /// customer writes again.
    Closed { since: Option<DateTime<Utc>> },
}

/// How many hours after the customer's last message a plain reply may go.
pub fn window_hours(kind: ChannelKind) -> Option<i64> {
    match kind {
        ChannelKind::Messenger | ChannelKind::Whatsapp => Some(24),
        ChannelKind::Wechat => Some(48),
        ChannelKind::Line => None,
    }
}

/// Messenger's HUMAN_AGENT tag: a person may answer for 7 days.
pub const HUMAN_AGENT_DAYS: i64 = 7;

/// The window of a conversation on `kind` whose customer last wrote at
/// `customer_last_at`. API accounts have no platform and no window: pass
/// `is_api`.
pub fn reply_window(
    kind: ChannelKind,
    is_api: bool,
    customer_last_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ReplyWindow {
    let Some(hours) = window_hours(kind).filter(|_| !is_api) else {
        return ReplyWindow::Open { until: None };
    };
    let Some(last) = customer_last_at else {
        return ReplyWindow::Closed { since: None };
    };
    let until = last + Duration::hours(hours);
    if now < until {
        return ReplyWindow::Open { until: Some(until) };
    }
    if kind == ChannelKind::Messenger {
        let tagged = last + Duration::days(HUMAN_AGENT_DAYS);
        if now < tagged {
            return ReplyWindow::HumanAgent { until: tagged };
        }
        return ReplyWindow::Closed {
            since: Some(tagged),
        };
    }
    ReplyWindow::Closed { since: Some(until) }
}

impl ReplyWindow {
    /// What an agent should know before typing, if anything.
    pub fn notice(&self, kind: ChannelKind) -> Option<String> {
        let platform = kind.display_name();
        match self {
            ReplyWindow::Open { .. } => None,
            ReplyWindow::HumanAgent { until } => Some(format!(
                "{platform}: 24-hour window closed; only a person may reply (HUMAN_AGENT tag) until {}",
                until.format("%Y-%m-%d %H:%M UTC")
            )),
            ReplyWindow::Closed { .. } => Some(match window_hours(kind) {
                Some(h) if kind != ChannelKind::Messenger => format!(
                    "{platform}: {h}-hour reply window closed; replies fail until the customer writes again"
                ),
                _ => format!(
                    "{platform}: 7-day reply window closed; replies fail until the customer writes again"
                ),
            }),
        }
    }

    /// Why a reply cannot go, when it cannot (`bot`: the bot is sending).
    pub fn refusal(&self, kind: ChannelKind, bot: bool) -> Option<String> {
        match self {
            ReplyWindow::Open { .. } => None,
            ReplyWindow::HumanAgent { .. } if !bot => None,
            ReplyWindow::HumanAgent { .. } => Some(
                "Messenger's 24-hour window has closed and only a person may answer now (HUMAN_AGENT tag)".into(),
            ),
            ReplyWindow::Closed { .. } => self.notice(kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_each_platform() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let at = |h: i64| t0 + Duration::hours(h);
        use ChannelKind::*;
        assert!(matches!(
            reply_window(Whatsapp, false, Some(t0), at(23)),
            ReplyWindow::Open { until: Some(_) }
        ));
        assert!(matches!(
            reply_window(Whatsapp, false, Some(t0), at(25)),
            ReplyWindow::Closed { .. }
        ));
        assert!(matches!(
            reply_window(Whatsapp, true, Some(t0), at(250)),
            ReplyWindow::Open { until: None }
        ));
        let w = reply_window(Messenger, false, Some(t0), at(25));
        assert_eq!(w, ReplyWindow::HumanAgent { until: at(24 * 7) });
        assert_eq!(w.refusal(Messenger, false), None);
        assert!(w.refusal(Messenger, true).unwrap().contains("HUMAN_AGENT"));
        assert!(matches!(
            reply_window(Messenger, false, Some(t0), at(24 * 7 + 1)),
            ReplyWindow::Closed { .. }
        ));
        assert!(matches!(
            reply_window(Wechat, false, Some(t0), at(47)),
            ReplyWindow::Open { .. }
        ));
        let closed = reply_window(Wechat, false, Some(t0), at(49));
        assert!(closed.notice(Wechat).unwrap().contains("48-hour"));
        assert!(matches!(
            reply_window(Line, false, Some(t0), at(1000)),
            ReplyWindow::Open { until: None }
        ));
        assert!(matches!(
            reply_window(Whatsapp, false, None, t0),
            ReplyWindow::Closed { since: None }
        ));
    }

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
        // WeChat may also have its EncodingAESKey (safe mode), checked.
        let mut wx: BTreeMap<String, String> = credential_keys(ChannelKind::Wechat)
            .iter()
            .map(|k| (k.to_string(), "x".to_string()))
            .collect();
        wx.insert(
            "encoding_aes_key".into(),
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
        );
        assert!(check_credentials(ChannelKind::Wechat, &wx).is_ok());
        wx.insert("encoding_aes_key".into(), "short".into());
        let e = check_credentials(ChannelKind::Wechat, &wx).unwrap_err();
        assert!(e.contains("43 characters"), "{e}");
        let mut line = c.clone();
        line.insert("encoding_aes_key".into(), "x".into());
        let e = check_credentials(ChannelKind::Line, &line).unwrap_err();
        assert!(e.contains("unknown encoding_aes_key"), "{e}");
    }
}
