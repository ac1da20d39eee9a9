//! Small text formatters shared by the panes.

use super::theme::Role;
use crate::protocol::ChannelKind;
use chrono::{DateTime, Datelike, FixedOffset, Utc};

/// "now", "5m", "3h", "2d", then the date.
pub fn relative(now: DateTime<Utc>, t: DateTime<Utc>, tz: FixedOffset) -> String {
    let secs = (now - t).num_seconds().max(0);
    match secs {
        0..=59 => "now".into(),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        86_400..=604_799 => format!("{}d", secs / 86_400),
        _ => {
            let local = t.with_timezone(&tz);
            if local.year() == now.with_timezone(&tz).year() {
                local.format("%-d %b").to_string()
            } else {
                local.format("%b %Y").to_string()
            }
        }
    }
}

/// When something will happen, briefly: "14:30" today, "Thu 09:00" within
/// a week, "3 Dec" later.
pub fn relative_future(now: DateTime<Utc>, t: DateTime<Utc>, tz: FixedOffset) -> String {
    let local = t.with_timezone(&tz);
    if same_day(now, t, tz) {
        local.format("%H:%M").to_string()
    } else if t - now < chrono::Duration::days(6) {
        local.format("%a %H:%M").to_string()
    } else {
        local.format("%-d %b").to_string()
    }
}

/// How long until `t`: "45m", "23h", "6d" ("0m" once it has passed).
pub fn remaining(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds().max(0);
    match secs {
        0..=3599 => format!("{}m", secs / 60),
        3600..=172_799 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// "10:32" in the agent's time zone.
pub fn clock(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// "Wed 25 Nov 2026"
pub fn day(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz).format("%a %-d %b %Y").to_string()
}

/// "25 Nov 2026 10:32"
pub fn date_time(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz).format("%-d %b %Y %H:%M").to_string()
}

pub fn same_day(a: DateTime<Utc>, b: DateTime<Utc>, tz: FixedOffset) -> bool {
    a.with_timezone(&tz).date_naive() == b.with_timezone(&tz).date_naive()
}

/// The short label and colour role of a channel's badge.
/// An unread count as a tab shows it: 99+ past 99.
pub fn count(n: i64) -> String {
    if n > 99 {
        "99+".to_string()
    } else {
        n.to_string()
    }
}

pub fn badge(c: ChannelKind) -> (&'static str, Role) {
    match c {
        ChannelKind::Messenger => ("FB", Role::Messenger),
        ChannelKind::Whatsapp => ("WA", Role::Whatsapp),
        ChannelKind::Line => ("LINE", Role::Line),
        ChannelKind::Wechat => ("WC", Role::Wechat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_to_reply() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let h = |n: i64| now + chrono::Duration::minutes(n);
        assert_eq!(remaining(now, h(45)), "45m");
        assert_eq!(remaining(now, h(23 * 60 + 59)), "23h");
        assert_eq!(remaining(now, h(47 * 60)), "47h");
        assert_eq!(remaining(now, h(6 * 24 * 60)), "6d");
        assert_eq!(remaining(now, h(-5)), "0m");
    }

    #[test]
    fn relative_times() {
        let now: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().unwrap();
        let utc = FixedOffset::east_opt(0).unwrap();
        let ago = |s: i64| now - chrono::Duration::seconds(s);
        assert_eq!(relative(now, ago(10), utc), "now");
        assert_eq!(relative(now, ago(300), utc), "5m");
        assert_eq!(relative(now, ago(3 * 3600), utc), "3h");
        assert_eq!(relative(now, ago(2 * 86400), utc), "2d");
        assert_eq!(relative(now, ago(20 * 86400), utc), "5 Nov");
        assert_eq!(
            clock(now, FixedOffset::east_opt(8 * 3600).unwrap()),
            "20:00"
        );
    }
}
