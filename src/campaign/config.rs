//! What the user sets up for a campaign, and its validation.

use crate::webhook::FieldMessage;
use serde::{Deserialize, Serialize};

/// The shortest wait between messages a user may choose, protecting their accounts.
pub const MIN_INTERVAL_MS: u64 = 10_000;
/// The shortest wait allowed when the documented test-only switch is on (end-to-end tests).
pub const TEST_MIN_INTERVAL_MS: u64 = 100;
/// The longest wait between messages.
pub const MAX_INTERVAL_MS: u64 = 24 * 3_600_000;
/// The highest daily limit.
pub const MAX_DAILY_LIMIT: u64 = 1_000;
/// The most messages a campaign holds.
pub const MAX_MESSAGES: usize = 200;
/// The longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// The order messages are sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Order {
    /// A random message each time, never the same one twice in a row.
    #[default]
    Random,
    /// The messages in turn, starting over after the last.
    Sequential,
}

/// A campaign's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignConfig {
    /// The messages, one per entry.
    pub messages: Vec<String>,
    /// Their order.
    pub order: Order,
    /// The shortest wait between two messages.
    pub min_interval_ms: u64,
    /// The longest wait; each wait is drawn between the two.
    pub max_interval_ms: u64,
    /// Messages per day at most.
    pub daily_limit: u64,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig {
            messages: Vec::new(),
            order: Order::Random,
            min_interval_ms: 30_000,
            max_interval_ms: 60_000,
            daily_limit: 100,
        }
    }
}

/// What the form sends: the messages as one text, one per line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CampaignDraft {
    /// The messages, one per line; blank lines are ignored.
    pub messages: String,
    /// `random` or `sequential`.
    pub order: String,
    /// Seconds (fractions allowed).
    pub min_interval_seconds: f64,
    /// Seconds (fractions allowed).
    pub max_interval_seconds: f64,
    /// Messages per day at most.
    pub daily_limit: f64,
}

/// Validates a draft; `fast` is the test-only switch that lowers the minimum interval.
pub fn validate_campaign(draft: &CampaignDraft, fast: bool) -> Result<CampaignConfig, Vec<FieldMessage>> {
    let mut errors = Vec::new();
    let mut push = |field: &str, message: String| errors.push(FieldMessage { field: field.into(), message });
    let messages: Vec<String> =
        draft.messages.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    if messages.is_empty() {
        push("messages", "Write at least one message, one per line.".into());
    } else if messages.len() > MAX_MESSAGES {
        push("messages", format!("At most {MAX_MESSAGES} messages; this has {}.", messages.len()));
    } else if let Some(n) = messages.iter().position(|m| m.chars().count() > MAX_MESSAGE_CHARS) {
        push("messages", format!("Message {} is longer than {MAX_MESSAGE_CHARS} characters.", n + 1));
    }
    let order = match draft.order.trim() {
        "" | "random" => Some(Order::Random),
        "sequential" => Some(Order::Sequential),
        other => {
            push("order", format!("\"{other}\" is not an order; choose random or sequential."));
            None
        }
    };
    let floor = if fast { TEST_MIN_INTERVAL_MS } else { MIN_INTERVAL_MS };
    let ms = |s: f64| (s * 1000.0).round();
    let (min, max) = (ms(draft.min_interval_seconds), ms(draft.max_interval_seconds));
    let min_ok = min.is_finite() && min >= floor as f64 && min <= MAX_INTERVAL_MS as f64;
    if !min_ok {
        push(
            "minInterval",
            format!("The shortest wait must be from {} to {} seconds.", seconds(floor), MAX_INTERVAL_MS / 1000),
        );
    }
    if !(max.is_finite() && max <= MAX_INTERVAL_MS as f64 && (!min_ok || max >= min)) {
        push(
            "maxInterval",
            format!("The longest wait must be at least the shortest and at most {} seconds.", MAX_INTERVAL_MS / 1000),
        );
    }
    let limit = draft.daily_limit;
    if !(limit.fract() == 0.0 && (1.0..=MAX_DAILY_LIMIT as f64).contains(&limit)) {
        push("dailyLimit", format!("The daily limit must be a whole number from 1 to {MAX_DAILY_LIMIT}."));
    }
    match order {
        Some(order) if errors.is_empty() => Ok(CampaignConfig {
            messages,
            order,
            min_interval_ms: min as u64,
            max_interval_ms: max as u64,
            daily_limit: limit as u64,
        }),
        _ => Err(errors),
    }
}

/// Milliseconds as seconds in words, "10" or "0.1" (integer arithmetic: formatting floats would
/// add their formatting code to the shipped wasm).
fn seconds(ms: u64) -> String {
    let tenths = ms / 100;
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(messages: &str, min: f64, max: f64, limit: f64) -> CampaignDraft {
        CampaignDraft {
            messages: messages.into(),
            order: String::new(),
            min_interval_seconds: min,
            max_interval_seconds: max,
            daily_limit: limit,
        }
    }

    fn fields(r: Result<CampaignConfig, Vec<FieldMessage>>) -> Vec<String> {
        r.expect_err("invalid").into_iter().map(|m| m.field).collect()
    }

    #[test]
    fn a_good_draft_trims_lines_and_converts_seconds() {
        let c = validate_campaign(&draft(" Hello!\n\n  How are you? \n", 30.0, 45.5, 100.0), false).expect("valid");
        assert_eq!(c.messages, ["Hello!", "How are you?"]);
        assert_eq!(
            (c.min_interval_ms, c.max_interval_ms, c.daily_limit, c.order),
            (30_000, 45_500, 100, Order::Random)
        );
    }

    #[test]
    fn bounds_protect_the_users_accounts() {
        assert_eq!(fields(validate_campaign(&draft("", 30.0, 60.0, 100.0), false)), ["messages"]);
        assert_eq!(fields(validate_campaign(&draft("a", 5.0, 60.0, 100.0), false)), ["minInterval"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 20.0, 100.0), false)), ["maxInterval"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 60.0, 0.0), false)), ["dailyLimit"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 60.0, 2.5), false)), ["dailyLimit"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 60.0, 5000.0), false)), ["dailyLimit"]);
        assert_eq!(fields(validate_campaign(&draft("a", f64::NAN, 1e12, 1.0), false)), ["minInterval", "maxInterval"]);
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(fields(validate_campaign(&draft(&format!("ok\n{long}"), 30.0, 60.0, 1.0), false)), ["messages"]);
        let mut d = draft("a", 30.0, 60.0, 1.0);
        d.order = "shuffle".into();
        assert_eq!(fields(validate_campaign(&d, false)), ["order"]);
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!((seconds(10_000), seconds(100), seconds(2_500)), ("10".into(), "0.1".into(), "2.5".into()));
    }

    #[test]
    fn the_test_switch_allows_short_intervals_only_when_on() {
        assert!(validate_campaign(&draft("a", 0.2, 0.3, 3.0), false).is_err());
        let c = validate_campaign(&draft("a", 0.2, 0.3, 3.0), true).expect("fast");
        assert_eq!((c.min_interval_ms, c.max_interval_ms), (200, 300));
        assert!(validate_campaign(&draft("a", 0.05, 0.3, 3.0), true).is_err());
    }
}
