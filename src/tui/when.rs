//! Reading a send time as an agent types it, in the agent's time zone:
//! "in 2h" (or "2h"), "in 1h30m", "tomorrow 09:00", "today 17:30",
//! "fri 10:00", "tonight" (20:00), "next week" (Monday 09:00), "17:30",
//! "2026-12-01 09:00".

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};

fn time_of(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H.%M"))
        .ok()
        .or_else(|| {
            let h: u32 = s
                .strip_suffix("am")
                .or(s.strip_suffix("pm"))
                .unwrap_or(s)
                .trim()
                .parse()
                .ok()?;
            let h = match (s.ends_with("pm"), h) {
                (true, 1..=11) => h + 12,
                (false, 12) if s.ends_with("am") => 0,
                _ => h,
            };
            NaiveTime::from_hms_opt(h, 0, 0)
        })
}

fn weekday(s: &str) -> Option<Weekday> {
    match s.get(..3)? {
        "mon" => Some(Weekday::Mon),
        "tue" => Some(Weekday::Tue),
        "wed" => Some(Weekday::Wed),
        "thu" => Some(Weekday::Thu),
        "fri" => Some(Weekday::Fri),
        "sat" => Some(Weekday::Sat),
        "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

fn relative(s: &str) -> Option<Duration> {
    // "2h", "1h30m", "90m", "2 hours", "3 days"
    let mut total = Duration::zero();
    let mut num = String::new();
    let mut unit = String::new();
    let mut any = false;
    let flush = |num: &mut String, unit: &mut String, total: &mut Duration| -> Option<()> {
        if num.is_empty() {
            return if unit.is_empty() { Some(()) } else { None };
        }
        let n: i64 = num.parse().ok()?;
        // A number too big for a duration is not a time (no panic).
        let d = match unit.trim() {
            "m" | "min" | "mins" | "minute" | "minutes" => Duration::try_minutes(n)?,
            "h" | "hr" | "hrs" | "hour" | "hours" => Duration::try_hours(n)?,
            "d" | "day" | "days" => Duration::try_days(n)?,
            "w" | "week" | "weeks" => Duration::try_weeks(n)?,
            _ => return None,
        };
        *total = total.checked_add(&d)?;
        num.clear();
        unit.clear();
        Some(())
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !unit.trim().is_empty() {
                flush(&mut num, &mut unit, &mut total)?;
            }
            num.push(c);
            any = true;
        } else if c.is_whitespace() {
            if !unit.is_empty() {
                unit.push(c);
            }
        } else {
            unit.push(c);
        }
    }
    flush(&mut num, &mut unit, &mut total)?;
    (any && total > Duration::zero()).then_some(total)
}

/// The moment `input` means, seen from `now` in time zone `tz`.
pub fn parse(input: &str, now: DateTime<Utc>, tz: FixedOffset) -> Result<DateTime<Utc>, String> {
    let s = input.trim().to_lowercase();
    let err = || {
        Err(format!(
            "{:?}: try \"in 2h\", \"tomorrow 09:00\", \"fri 10:00\", \"17:30\" or \"2026-12-01 09:00\"",
            input.trim()
        ))
    };
    if s.is_empty() {
        return Err("type when to send it".into());
    }
    let local_now = now.with_timezone(&tz);
    let at = |date: NaiveDate, time: NaiveTime| -> Option<DateTime<Utc>> {
        tz.from_local_datetime(&date.and_time(time))
            .single()
            .map(|d| d.with_timezone(&Utc))
    };
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a time");
    // At most ten years ahead: anything further is a typing mistake.
    let ahead = |d: Duration| -> Result<DateTime<Utc>, String> {
        if d > Duration::days(3650) {
            return Err("that is more than ten years away".into());
        }
        now.checked_add_signed(d)
            .ok_or_else(|| "that is more than ten years away".to_string())
    };
    if let Some(rest) = s.strip_prefix("in ") {
        return match relative(rest) {
            Some(d) => ahead(d),
            None => err(),
        };
    }
    // "2h", "30m": "in" may be left out when a unit is given.
    if s.ends_with(|c: char| c.is_ascii_alphabetic()) && !s.ends_with("am") && !s.ends_with("pm") {
        if let Some(d) = relative(&s) {
            return ahead(d);
        }
    }
    let eight_pm = NaiveTime::from_hms_opt(20, 0, 0).expect("20:00 is a time");
    if s == "tonight" {
        let today = local_now.date_naive();
        return match at(today, eight_pm) {
            Some(t) if t > now => Ok(t),
            _ => at(today + Duration::days(1), eight_pm).map_or_else(err, Ok),
        };
    }
    if s == "next week" {
        // Monday 09:00 of the coming week.
        let mut d = local_now.date_naive() + Duration::days(1);
        while d.weekday() != Weekday::Mon {
            d += Duration::days(1);
        }
        return at(d, nine).map_or_else(err, Ok);
    }
    let (day_word, time_word) = match s.split_once(' ') {
        Some((a, b)) => (a, Some(b)),
        None => (s.as_str(), None),
    };
    let day = match day_word {
        "today" => Some(local_now.date_naive()),
        "tomorrow" | "tmr" => Some(local_now.date_naive() + Duration::days(1)),
        w => weekday(w).map(|wd| {
            let mut d = local_now.date_naive() + Duration::days(1);
            while d.weekday() != wd {
                d += Duration::days(1);
            }
            d
        }),
    };
    if let Some(date) = day {
        let time = match time_word {
            Some(t) => match time_of(t) {
                Some(t) => t,
                None => return err(),
            },
            None => nine,
        };
        return at(date, time).map_or_else(err, Ok);
    }
    // A date and a time.
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dt%H:%M", "%Y/%m/%d %H:%M"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(&s, fmt) {
            return tz
                .from_local_datetime(&dt)
                .single()
                .map(|d| d.with_timezone(&Utc))
                .map_or_else(err, Ok);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        return at(d, nine).map_or_else(err, Ok);
    }
    // A time alone: the next time the clock shows it.
    if let Some(t) = time_of(&s) {
        let today = local_now.date_naive();
        let mut when = at(today, t).ok_or_else(|| "that time does not exist today".to_string())?;
        if when <= now {
            when = at(today + Duration::days(1), t)
                .ok_or_else(|| "that time does not exist tomorrow".to_string())?;
        }
        return Ok(when);
    }
    err()
}

/// When a snooze ends, as typed: a time still to come, or none for
/// "reply" (until the customer writes).
pub fn snooze_until(
    input: &str,
    now: DateTime<Utc>,
    tz: FixedOffset,
) -> Result<Option<DateTime<Utc>>, String> {
    let w = input.trim().to_lowercase();
    if matches!(
        w.as_str(),
        "reply" | "until reply" | "until the customer replies" | "customer"
    ) {
        return Ok(None);
    }
    let t = parse(&w, now, tz)?;
    if t <= now {
        return Err("that time has passed".into());
    }
    Ok(Some(t))
}

/// "Thu 26 Nov 2026 09:00 (UTC+08:00)": what the agent confirms.
pub fn describe(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y %H:%M (UTC%:z)")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        // Wednesday 25 Nov 2026, 12:00 UTC = 20:00 in UTC+8.
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever is typed, an answer or a reason, never a panic; and a
        /// time is never in the past nor more than ten years ahead.
        #[test]
        fn any_text_is_a_time_or_a_reason(text in "(in |next |tomorrow |tonight|[0-9]{1,20}|[hdwm]|:| |am|pm|days|[a-z]{1,6}){0,6}") {
            if let Ok(t) = parse(&text, now(), hk()) {
                proptest::prop_assert!(t >= now() - Duration::days(1), "{text:?} gave {t}");
                proptest::prop_assert!(t <= now() + Duration::days(3660), "{text:?} gave {t}");
            }
        }
    }

    #[test]
    fn far_away_times_are_refused_not_panicked_on() {
        assert!(parse("in 99999999999 days", now(), hk()).is_err());
        assert!(parse("in 9223372036854775807m", now(), hk()).is_err());
        assert!(parse("99999999w", now(), hk()).is_err());
    }

    fn hk() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn p(s: &str) -> String {
        describe(parse(s, now(), hk()).unwrap(), hk())
    }

    #[test]
    fn relative_times() {
        assert_eq!(p("in 2h"), "Wed 25 Nov 2026 22:00 (UTC+08:00)");
        assert_eq!(p("in 1h30m"), "Wed 25 Nov 2026 21:30 (UTC+08:00)");
        assert_eq!(p("in 90 minutes"), "Wed 25 Nov 2026 21:30 (UTC+08:00)");
        assert_eq!(p("in 2 days"), "Fri 27 Nov 2026 20:00 (UTC+08:00)");
        assert_eq!(p("2h"), "Wed 25 Nov 2026 22:00 (UTC+08:00)", "no \"in\"");
        assert_eq!(p("45m"), "Wed 25 Nov 2026 20:45 (UTC+08:00)");
    }

    #[test]
    fn tonight_and_next_week() {
        assert_eq!(
            p("tonight"),
            "Thu 26 Nov 2026 20:00 (UTC+08:00)",
            "20:00 has come today"
        );
        let morning = now() - Duration::hours(10);
        assert_eq!(
            describe(parse("tonight", morning, hk()).unwrap(), hk()),
            "Wed 25 Nov 2026 20:00 (UTC+08:00)"
        );
        assert_eq!(p("next week"), "Mon 30 Nov 2026 09:00 (UTC+08:00)");
    }

    #[test]
    fn days_and_times_in_the_agents_zone() {
        assert_eq!(p("tomorrow 09:00"), "Thu 26 Nov 2026 09:00 (UTC+08:00)");
        assert_eq!(p("tomorrow"), "Thu 26 Nov 2026 09:00 (UTC+08:00)");
        assert_eq!(p("today 21:15"), "Wed 25 Nov 2026 21:15 (UTC+08:00)");
        assert_eq!(p("fri 10:00"), "Fri 27 Nov 2026 10:00 (UTC+08:00)");
        assert_eq!(
            p("wed 9am"),
            "Wed 2 Dec 2026 09:00 (UTC+08:00)",
            "next week's"
        );
        assert_eq!(
            p("17:30"),
            "Thu 26 Nov 2026 17:30 (UTC+08:00)",
            "already past today"
        );
        assert_eq!(p("21:00"), "Wed 25 Nov 2026 21:00 (UTC+08:00)");
        assert_eq!(p("2026-12-01 09:00"), "Tue 1 Dec 2026 09:00 (UTC+08:00)");
        assert_eq!(
            parse("2026-12-01 09:00", now(), hk()).unwrap(),
            "2026-12-01T01:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn nonsense_is_explained() {
        for bad in [
            "",
            "soon",
            "in",
            "in forever",
            "tomorrow 25:00",
            "2026-13-01 09:00",
        ] {
            assert!(parse(bad, now(), hk()).is_err(), "{bad}");
        }
    }
}
