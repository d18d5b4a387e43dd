//! The retry policy as data, and the one function that judges an attempt's outcome.

use crate::formats::answers::Answer;
use crate::values::http::HttpOutcome;
use crate::values::time::Millis;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How far a webhook's deliveries keep trying, chosen per webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RetryMode {
    /// The quick attempts, then the long schedule, so an endpoint that is down for hours still
    /// gets every event.
    #[default]
    Persistent,
    /// The quick attempts only (3 in about 3 seconds), as the integration guide describes.
    Quick,
}

/// How a failed attempt is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The waits before the quick retries; every delivery gets `quick_delays.len() + 1` quick
    /// attempts.
    pub quick_delays: Vec<Duration>,
    /// The waits before each further retry of a [`RetryMode::Persistent`] delivery.
    pub long_delays: Vec<Duration>,
    /// Extra random wait added to each delay, in thousandths of it (100 = up to +10%), so that
    /// many deliveries failing together do not retry in lockstep. Never shortens a delay.
    pub jitter_permille: u64,
    /// The longest wait a `Retry-After` header may impose.
    pub retry_after_cap: Duration,
    /// How long one attempt may take before it is aborted.
    pub timeout: Duration,
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3_600);

impl Default for RetryPolicy {
    /// 3 quick attempts (the guide's 1 s then 2 s backoff), then retries after 1, 5, 15 and 30
    /// minutes and 1, 2, 4, 8, 8 and 8 hours: 13 attempts over about 32 hours. 10 s timeout.
    fn default() -> Self {
        RetryPolicy {
            quick_delays: vec![SECOND, 2 * SECOND],
            long_delays: vec![
                MINUTE,
                5 * MINUTE,
                15 * MINUTE,
                30 * MINUTE,
                HOUR,
                2 * HOUR,
                4 * HOUR,
                8 * HOUR,
                8 * HOUR,
                8 * HOUR,
            ],
            jitter_permille: 100,
            retry_after_cap: HOUR,
            timeout: 10 * SECOND,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `n` (1-based) in `mode`, before jitter; `None` when there is
    /// no such retry.
    pub fn delay_before_retry(&self, mode: RetryMode, n: u32) -> Option<Duration> {
        let i = (n as usize).checked_sub(1)?;
        match mode {
            RetryMode::Quick => self.quick_delays.get(i).copied(),
            RetryMode::Persistent => self.quick_delays.iter().chain(&self.long_delays).nth(i).copied(),
        }
    }

    /// Attempts a delivery gets in all in `mode`.
    pub fn max_attempts(&self, mode: RetryMode) -> u32 {
        let retries = match mode {
            RetryMode::Quick => self.quick_delays.len(),
            RetryMode::Persistent => self.quick_delays.len() + self.long_delays.len(),
        };
        retries as u32 + 1
    }

    /// How long after the first attempt the last one comes, at most (jitter included).
    pub fn horizon(&self, mode: RetryMode) -> Duration {
        (1..self.max_attempts(mode))
            .filter_map(|n| self.delay_before_retry(mode, n))
            .map(|d| d + Duration::from_millis(ms(d) * self.jitter_permille / 1000))
            .sum()
    }
}

impl RetryPolicy {
    /// The retry choice as a select offers it, e.g. "Keep retrying for up to 32 hours".
    pub fn label(&self, mode: RetryMode) -> String {
        match mode {
            RetryMode::Persistent => {
                format!("Keep retrying for up to {} (recommended)", span(self.horizon(mode)))
            }
            RetryMode::Quick => format!(
                "Quick only: {} attempts within {}",
                self.max_attempts(mode),
                span(self.quick_delays.iter().sum())
            ),
        }
    }

    /// The schedule in words, from the policy's own data.
    pub fn describe(&self, mode: RetryMode) -> String {
        let quick = list(&self.quick_delays.iter().map(|d| span(*d)).collect::<Vec<_>>());
        let mut text = format!("When the endpoint is down, AutoChat retries after {quick}");
        if mode == RetryMode::Persistent && !self.long_delays.is_empty() {
            let long = list(&self.long_delays.iter().map(|d| span(*d)).collect::<Vec<_>>());
            text.push_str(&format!(", then after {long}"));
        }
        text.push_str(&format!(
            ": {} attempts in all, each aborted after {}.",
            self.max_attempts(mode),
            span(self.timeout)
        ));
        text
    }
}

/// A span in the largest whole unit that fits: "2 s", "15 min", "8 h", "32 hours" for long totals.
fn span(d: Duration) -> String {
    let (ms, hour, minute) = (ms(d), ms(HOUR), ms(MINUTE));
    let secs = ms / 1_000;
    if ms >= hour && ms % hour == 0 {
        format!("{} h", ms / hour)
    } else if ms >= 2 * hour {
        format!("{} hours", (ms + hour / 2) / hour)
    } else if ms >= minute && ms % minute == 0 {
        format!("{} min", ms / minute)
    } else if secs == 1 {
        "1 second".into()
    } else {
        format!("{secs} seconds")
    }
}

/// A duration in whole milliseconds (saturating; no span here comes near the limit).
pub fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// "a, b and c".
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The endpoint accepted it (2xx).
    Delivered,
    /// Try again at the given time; the reason says what went wrong this time.
    RetryAt(Millis, String),
    /// Give up: the reason says why, in words.
    Failed(String),
}

/// Judges an attempt. `attempts` counts attempts made so far, this one included; `random` is a
/// number in `[0, 1)` that sets the jitter; `service` is what the destination's answer said
/// beyond its status (see [`crate::formats::answers`]).
pub fn judge(
    policy: &RetryPolicy,
    mode: RetryMode,
    attempts: u32,
    outcome: &HttpOutcome,
    now: Millis,
    random: f64,
    service: &Answer,
) -> Verdict {
    let Some(reason) = describe_outcome(outcome, policy.timeout) else {
        return Verdict::Delivered;
    };
    let reason = match &service.detail {
        Some(detail) => format!("{reason} ({detail})"),
        None => reason,
    };
    if service.gone.is_some() {
        return Verdict::Failed(reason);
    }
    let (retryable, retry_after) = match outcome {
        HttpOutcome::Response { status, retry_after, .. } => {
            (matches!(status, 408 | 425 | 429) || (500..600).contains(status), retry_after.as_deref())
        }
        HttpOutcome::Redirected | HttpOutcome::NotSent(_) => (false, None),
        HttpOutcome::TimedOut | HttpOutcome::NetworkError(_) => (true, None),
    };
    let Some(base) = policy.delay_before_retry(mode, attempts).filter(|_| retryable) else {
        return Verdict::Failed(reason);
    };
    let base = ms(base);
    let jitter = (base as f64 * policy.jitter_permille as f64 / 1000.0 * random.clamp(0.0, 1.0)) as u64;
    let mut delay = base + jitter;
    let header = retry_after.and_then(|v| parse_retry_after(v, now));
    let asked = header.into_iter().chain(service.retry_after.map(ms)).max();
    if let Some(asked) = asked {
        delay = delay.max(asked.min(ms(policy.retry_after_cap)));
    }
    Verdict::RetryAt(now.plus(delay), reason)
}

/// What went wrong, in words a user understands; `None` for a 2xx answer.
pub fn describe_outcome(outcome: &HttpOutcome, timeout: Duration) -> Option<String> {
    match outcome {
        HttpOutcome::Response { status, .. } if (200..300).contains(status) => None,
        HttpOutcome::Response { status, .. } => Some(describe_status(*status)),
        HttpOutcome::Redirected => {
            Some("The endpoint answered with a redirect, which AutoChat does not follow: use the final URL.".into())
        }
        HttpOutcome::TimedOut => Some(format!("No response within {} s (timed out).", timeout.as_secs())),
        HttpOutcome::NetworkError(detail) => Some(describe_network_error(detail)),
        HttpOutcome::NotSent(why) => Some(why.clone()),
    }
}

/// Reads `Retry-After` as seconds or an HTTP date, returning the wait in milliseconds.
pub fn parse_retry_after(value: &str, now: Millis) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds.saturating_mul(1000));
    }
    Millis::parse_http_date(value).map(|at| at.since(now))
}

/// An HTTP status in words a user understands.
pub fn describe_status(status: u16) -> String {
    let words = match status {
        400 => "Bad Request: the endpoint rejected the payload",
        401 => "Unauthorized: check the Authorization header",
        403 => "Forbidden: check the credentials in your headers",
        404 => "Not Found: check the URL",
        405 => "Method Not Allowed: try another method",
        408 => "Request Timeout",
        410 => "Gone: the endpoint no longer exists",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity: the endpoint rejected the payload",
        425 => "Too Early",
        429 => "Too Many Requests: the endpoint is rate limiting",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    if words.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status} {words}")
    }
}

fn describe_network_error(detail: &str) -> String {
    let detail = detail.trim();
    if detail.is_empty() {
        "Could not connect: the server refused the connection or is unreachable.".into()
    } else {
        format!("Could not connect: the server refused the connection or is unreachable ({detail}).")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_services_own_answer_ends_waits_or_explains() {
        let p = no_jitter();
        let gone = Answer {
            gone: Some("Slack says…".into()),
            detail: Some("Slack says: no_service".into()),
            ..Answer::default()
        };
        assert_eq!(
            judge(&p, RetryMode::Persistent, 1, &status(404), NOW, 0.0, &gone),
            Verdict::Failed("HTTP 404 Not Found: check the URL (Slack says: no_service)".into())
        );
        let wait = Answer { retry_after: Some(Duration::from_millis(1_500)), ..Answer::default() };
        assert_eq!(
            judge(&p, RetryMode::Persistent, 1, &status(429), NOW, 0.0, &wait),
            Verdict::RetryAt(Millis(NOW.0 + 1_500), "HTTP 429 Too Many Requests: the endpoint is rate limiting".into())
        );
    }

    #[test]
    fn the_schedule_is_described_from_its_data() {
        let p = RetryPolicy::default();
        assert_eq!(p.label(RetryMode::Persistent), "Keep retrying for up to 35 hours (recommended)");
        assert_eq!(p.label(RetryMode::Quick), "Quick only: 3 attempts within 3 seconds");
        assert_eq!(
            p.describe(RetryMode::Quick),
            "When the endpoint is down, AutoChat retries after 1 second and 2 seconds: 3 attempts in all, each aborted after 10 seconds."
        );
        assert!(p
            .describe(RetryMode::Persistent)
            .contains(", then after 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h and 8 h: 13 attempts"));
    }

    const NOW: Millis = Millis(1_000_000);

    fn status(code: u16) -> HttpOutcome {
        HttpOutcome::Response { status: code, retry_after: None, body: String::new() }
    }

    fn no_jitter() -> RetryPolicy {
        RetryPolicy { jitter_permille: 0, ..RetryPolicy::default() }
    }

    #[test]
    fn the_default_schedule_is_three_attempts_one_then_two_seconds() {
        let p = no_jitter();
        assert_eq!(p.max_attempts(RetryMode::Quick), 3);
        assert_eq!(
            judge(&p, RetryMode::Quick, 1, &status(500), NOW, 0.0, &Answer::default()),
            Verdict::RetryAt(Millis(1_001_000), "HTTP 500 Internal Server Error".into())
        );
        assert!(matches!(
            judge(&p, RetryMode::Quick, 2, &status(500), NOW, 0.0, &Answer::default()),
            Verdict::RetryAt(Millis(1_002_000), _)
        ));
        assert_eq!(
            judge(&p, RetryMode::Quick, 3, &status(500), NOW, 0.0, &Answer::default()),
            Verdict::Failed("HTTP 500 Internal Server Error".into())
        );
    }

    #[test]
    fn the_persistent_schedule_continues_for_about_32_hours() {
        let p = no_jitter();
        assert_eq!(
            ms(RetryPolicy::default().horizon(RetryMode::Persistent)),
            126_129_300,
            "35 hours at most with jitter"
        );
        assert_eq!(p.max_attempts(RetryMode::Persistent), 13);
        let waits: Vec<u64> =
            (1..13).map(|n| p.delay_before_retry(RetryMode::Persistent, n).map_or(0, |d| d.as_secs())).collect();
        assert_eq!(waits, [1, 2, 60, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 28_800, 28_800]);
        assert!(p.horizon(RetryMode::Persistent) >= 24 * HOUR);
        assert_eq!(ms(p.horizon(RetryMode::Persistent)), 114_663_000, "about 32 hours without jitter");
        assert_eq!(ms(p.horizon(RetryMode::Quick)), 3_000);
        assert!(matches!(
            judge(&p, RetryMode::Persistent, 3, &status(500), NOW, 0.0, &Answer::default()),
            Verdict::RetryAt(Millis(1_060_000), _)
        ));
        assert!(matches!(
            judge(&p, RetryMode::Persistent, 12, &status(500), NOW, 0.0, &Answer::default()),
            Verdict::RetryAt(_, _)
        ));
        assert!(matches!(
            judge(&p, RetryMode::Persistent, 13, &status(500), NOW, 0.0, &Answer::default()),
            Verdict::Failed(_)
        ));
        assert!(
            matches!(
                judge(&p, RetryMode::Persistent, 1, &status(404), NOW, 0.0, &Answer::default()),
                Verdict::Failed(_)
            ),
            "a 4xx never retries"
        );
        let with_jitter = RetryPolicy::default();
        assert!(
            matches!(judge(&with_jitter, RetryMode::Persistent, 10, &status(503), NOW, 0.5, &Answer::default()), Verdict::RetryAt(Millis(t), _) if t == NOW.0 + 28_800_000 + 1_440_000)
        );
    }

    #[test]
    fn success_is_any_2xx() {
        for code in [200, 201, 202, 204, 299] {
            assert_eq!(
                judge(&no_jitter(), RetryMode::Quick, 1, &status(code), NOW, 0.0, &Answer::default()),
                Verdict::Delivered
            );
        }
    }

    #[test]
    fn transient_failures_retry_and_other_4xx_fail_at_once() {
        let p = no_jitter();
        for outcome in [
            status(408),
            status(425),
            status(429),
            status(500),
            status(502),
            status(503),
            status(599),
            HttpOutcome::TimedOut,
            HttpOutcome::NetworkError("refused".into()),
        ] {
            assert!(
                matches!(judge(&p, RetryMode::Quick, 1, &outcome, NOW, 0.0, &Answer::default()), Verdict::RetryAt(..)),
                "{outcome:?}"
            );
        }
        for code in [400, 401, 403, 404, 405, 410, 422, 100, 304] {
            assert!(
                matches!(
                    judge(&p, RetryMode::Quick, 1, &status(code), NOW, 0.0, &Answer::default()),
                    Verdict::Failed(_)
                ),
                "{code}"
            );
        }
        assert!(
            matches!(judge(&p, RetryMode::Quick, 1, &HttpOutcome::Redirected, NOW, 0.0, &Answer::default()), Verdict::Failed(r) if r.contains("redirect"))
        );
    }

    #[test]
    fn jitter_only_lengthens_and_is_bounded() {
        let p = RetryPolicy::default();
        assert!(matches!(
            judge(&p, RetryMode::Quick, 1, &status(503), NOW, 0.0, &Answer::default()),
            Verdict::RetryAt(Millis(1_001_000), _)
        ));
        assert!(matches!(
            judge(&p, RetryMode::Quick, 1, &status(503), NOW, 0.5, &Answer::default()),
            Verdict::RetryAt(Millis(1_001_050), _)
        ));
        assert!(matches!(
            judge(&p, RetryMode::Quick, 2, &status(503), NOW, 0.999, &Answer::default()),
            Verdict::RetryAt(Millis(1_002_199), _)
        ));
    }

    #[test]
    fn retry_after_lengthens_the_wait_within_the_cap() {
        let p = no_jitter();
        let with = |v: &str| HttpOutcome::Response { status: 503, retry_after: Some(v.into()), body: String::new() };
        assert!(matches!(
            judge(&p, RetryMode::Quick, 1, &with("5"), NOW, 0.0, &Answer::default()),
            Verdict::RetryAt(Millis(1_005_000), _)
        ));
        assert!(
            matches!(
                judge(&p, RetryMode::Quick, 1, &with("0"), NOW, 0.0, &Answer::default()),
                Verdict::RetryAt(Millis(1_001_000), _)
            ),
            "never shorter than the schedule"
        );
        assert!(
            matches!(
                judge(&p, RetryMode::Quick, 1, &with("86400"), NOW, 0.0, &Answer::default()),
                Verdict::RetryAt(Millis(4_600_000), _)
            ),
            "capped at an hour"
        );
        assert!(
            matches!(
                judge(&p, RetryMode::Quick, 1, &with("soon"), NOW, 0.0, &Answer::default()),
                Verdict::RetryAt(Millis(1_001_000), _)
            ),
            "unreadable is ignored"
        );
        let date_now = Millis::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("date");
        let later = HttpOutcome::Response {
            status: 429,
            retry_after: Some("Sun, 06 Nov 1994 08:49:47 GMT".into()),
            body: String::new(),
        };
        assert_eq!(
            judge(&p, RetryMode::Quick, 1, &later, date_now, 0.0, &Answer::default()),
            Verdict::RetryAt(date_now.plus(10_000), describe_status(429))
        );
        assert!(
            matches!(judge(&p, RetryMode::Quick, 3, &with("5"), NOW, 0.0, &Answer::default()), Verdict::Failed(_)),
            "no attempts left"
        );
    }

    #[test]
    fn reasons_are_words() {
        assert_eq!(describe_status(404), "HTTP 404 Not Found: check the URL");
        assert_eq!(describe_status(418), "HTTP 418");
        assert!(
            matches!(judge(&no_jitter(), RetryMode::Quick, 3, &HttpOutcome::TimedOut, NOW, 0.0, &Answer::default()), Verdict::Failed(r) if r == "No response within 10 s (timed out).")
        );
        assert!(
            matches!(judge(&no_jitter(), RetryMode::Quick, 3, &HttpOutcome::NetworkError(String::new()), NOW, 0.0, &Answer::default()), Verdict::Failed(r) if r.starts_with("Could not connect"))
        );
    }
}
