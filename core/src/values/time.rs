//! Time as plain numbers: milliseconds since the Unix epoch, formatted as RFC 3339 (UTC, milliseconds,
//! `Z`) for payloads and parsed from IMF-fixdate for `Retry-After`.
//!
//! Time is always an input (the [`crate::ports::Clock`] port), never read here, so every rule that
//! depends on it is tested exactly.

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    /// This instant plus `ms` milliseconds, saturating instead of overflowing.
    pub fn plus(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`; zero when `earlier` is later.
    pub fn since(self, earlier: Millis) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Whole seconds since the epoch (the `webhook-timestamp` header's unit).
    pub fn unix_seconds(self) -> u64 {
        self.0 / 1000
    }

    /// RFC 3339 in UTC with millisecond precision and a `Z` suffix: `2025-12-07T17:30:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let ms = self.0 % 1000;
        let secs = self.0 / 1000;
        let (days, rem) = (secs / 86_400, secs % 86_400);
        let (y, m, d) = civil_from_days(days as i64);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
    }

    /// Parses the RFC 3339 form this module writes (and the same without fraction, or with another
    /// fraction length). Used to read timestamps back from storage and tests.
    pub fn parse_rfc3339(s: &str) -> Option<Millis> {
        let b = s.as_bytes();
        let at = |i: usize| b.get(i).copied();
        if b.len() < 20
            || at(4) != Some(b'-')
            || at(7) != Some(b'-')
            || at(10) != Some(b'T')
            || at(13) != Some(b':')
            || at(16) != Some(b':')
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u64>().ok();
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let rest = s.get(19..)?;
        let (frac, tail) = match rest.strip_prefix('.') {
            Some(f) => {
                let digits = f.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let mut ms = 0u64;
                for (c, scale) in f.bytes().take(digits.min(3)).zip([100, 10, 1]) {
                    ms += u64::from(c - b'0') * scale;
                }
                (ms, f.get(digits..)?)
            }
            None => (0, rest),
        };
        if tail != "Z" || !valid_civil(y, mo, d) || h > 23 || mi > 59 || se > 59 {
            return None;
        }
        let days = days_from_civil(y as i64, mo as u32, d as u32);
        let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + mi * 60 + se;
        Some(Millis(secs * 1000 + frac))
    }

    /// Parses an HTTP date in IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form
    /// RFC 9110 requires senders to produce.
    pub fn parse_http_date(s: &str) -> Option<Millis> {
        let mut parts = s.trim().split_ascii_whitespace();
        let _weekday = parts.next()?.strip_suffix(',')?;
        let day: u32 = parts.next()?.parse().ok()?;
        let month_name = parts.next()?;
        let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
        let year: u64 = parts.next()?.parse().ok()?;
        let mut hms = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
        let (h, mi, se) = (hms.next()??, hms.next()??, hms.next()??);
        if parts.next()? != "GMT" || parts.next().is_some() || hms.next().is_some() {
            return None;
        }
        if !valid_civil(year, u64::from(month), u64::from(day)) || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        let days = u64::try_from(days_from_civil(year as i64, month, day)).ok()?;
        Some(Millis((days * 86_400 + h * 3600 + mi * 60 + se) * 1000))
    }
}

/// A span of time as the pages word it: which kind, and the number it counts (`None` for the kinds
/// that count nothing, "just now"). The words are the pages' messages `time_<kind>` (with `_one` /
/// `_other` when counted), so they follow the user's language; the core decides the rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Span {
    /// What the number counts, and in which direction.
    pub kind: SpanKind,
    /// The number, for the counted kinds.
    pub count: Option<u64>,
}

/// The kinds of [`Span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // each name says it
pub enum SpanKind {
    JustNow,
    MinutesAgo,
    HoursAgo,
    Yesterday,
    DaysAgo,
    Now,
    InSeconds,
    InMinutes,
    InHours,
    InDays,
}

impl Span {
    fn counted(kind: SpanKind, count: u64) -> Span {
        Span { kind, count: Some(count) }
    }

    fn plain(kind: SpanKind) -> Span {
        Span { kind, count: None }
    }
}

/// How long ago `then` was, for the statistics ("just now", "5 min ago", "3 days ago").
pub fn age(then: Millis, now: Millis) -> Span {
    let secs = now.since(then) / 1000;
    match secs {
        0..=44 => Span::plain(SpanKind::JustNow),
        45..=89 => Span::counted(SpanKind::MinutesAgo, 1),
        90..=3_599 => Span::counted(SpanKind::MinutesAgo, (secs + 30) / 60),
        3_600..=5_399 => Span::counted(SpanKind::HoursAgo, 1),
        5_400..=86_399 => Span::counted(SpanKind::HoursAgo, (secs + 1_800) / 3_600),
        86_400..=172_799 => Span::plain(SpanKind::Yesterday),
        _ => Span::counted(SpanKind::DaysAgo, secs / 86_400),
    }
}

/// How long until `then`, for a waiting delivery ("now", "in 40 s", "in 5 min").
pub fn wait(then: Millis, now: Millis) -> Span {
    let secs = then.since(now).div_ceil(1000);
    match secs {
        0 => Span::plain(SpanKind::Now),
        1..=89 => Span::counted(SpanKind::InSeconds, secs),
        90..=5_399 => Span::counted(SpanKind::InMinutes, (secs + 30) / 60),
        5_400..=129_599 => Span::counted(SpanKind::InHours, (secs + 1_800) / 3_600),
        _ => Span::counted(SpanKind::InDays, (secs + 43_200) / 86_400),
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn valid_civil(y: u64, m: u64, d: u64) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let len = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1970..=9999).contains(&y) && (1..=len).contains(&d)
}

/// Days since the epoch to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) to days since the epoch; the inverse of [`civil_from_days`].
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_guides_example_instant() {
        // 2025-12-07T17:30:00.000Z, the integration guide's message_sent example.
        assert_eq!(Millis(1_765_128_600_000).to_rfc3339(), "2025-12-07T17:30:00.000Z");
        assert_eq!(Millis(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Millis(951_782_400_007).to_rfc3339(), "2000-02-29T00:00:00.007Z");
    }

    #[test]
    fn rfc3339_round_trips_across_leap_years_and_month_ends() {
        for t in [0u64, 68_169_599_999, 951_868_799_999, 1_765_128_600_123, 4_102_444_800_000] {
            let s = Millis(t).to_rfc3339();
            assert_eq!(Millis::parse_rfc3339(&s), Some(Millis(t)), "{s}");
        }
        assert_eq!(Millis::parse_rfc3339("2025-12-07T17:30:00Z"), Some(Millis(1_765_128_600_000)));
    }

    #[test]
    fn rfc3339_rejects_what_it_does_not_write() {
        for s in [
            "",
            "2025-12-07",
            "2025-13-07T17:30:00.000Z",
            "2025-02-30T00:00:00Z",
            "2025-12-07T17:30:00+01:00",
            "2025-12-07T24:00:00Z",
            "2025-12-07T17:30:00.Z",
        ] {
            assert_eq!(Millis::parse_rfc3339(s), None, "{s}");
        }
    }

    #[test]
    fn parses_imf_fixdate() {
        assert_eq!(Millis::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Millis(784_111_777_000)));
        assert_eq!(Millis::parse_http_date("Sun, 06 Nov 1994 08:49:37"), None);
        assert_eq!(Millis::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(Millis::parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
    }

    fn said(span: Span) -> String {
        let kind = serde_json::to_value(span.kind).ok().and_then(|k| k.as_str().map(String::from)).unwrap_or_default();
        span.count.map_or(kind.clone(), |n| format!("{kind} {n}"))
    }

    #[test]
    fn ages_are_rounded_as_people_say_them() {
        let now = Millis(10_000_000_000);
        let ago = |s: u64| said(age(Millis(now.0 - s * 1000), now));
        assert_eq!(ago(0), "just_now");
        assert_eq!(ago(44), "just_now");
        assert_eq!(ago(60), "minutes_ago 1");
        assert_eq!(ago(5 * 60), "minutes_ago 5");
        assert_eq!(ago(59 * 60), "minutes_ago 59");
        assert_eq!(ago(3_600), "hours_ago 1");
        assert_eq!(ago(5 * 3_600), "hours_ago 5");
        assert_eq!(ago(30 * 3_600), "yesterday");
        assert_eq!(ago(3 * 86_400), "days_ago 3");
        assert_eq!(said(age(Millis(now.0 + 5_000), now)), "just_now", "a clock that moved back is not the future");
    }

    #[test]
    fn waits_are_rounded_as_people_say_them() {
        let now = Millis(10_000_000);
        let until = |ms: u64| said(wait(now.plus(ms), now));
        assert_eq!(said(wait(Millis(5), now)), "now");
        assert_eq!(until(0), "now");
        assert_eq!(until(1), "in_seconds 1");
        assert_eq!(until(40_000), "in_seconds 40");
        assert_eq!(until(300_000), "in_minutes 5");
        assert_eq!(until(7_200_000), "in_hours 2");
        assert_eq!(until(3 * 86_400_000), "in_days 3");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Millis(u64::MAX).plus(5), Millis(u64::MAX));
        assert_eq!(Millis(5).since(Millis(9)), 0);
        assert_eq!(Millis(9_999).unix_seconds(), 9);
    }
}
