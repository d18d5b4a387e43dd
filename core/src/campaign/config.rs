//! What the user sets up for a campaign, and its validation.

use crate::values::field::FieldMessage;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The bounds of what a user may set up, injected into the engine at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignPolicy {
    /// The shortest wait between messages a user may choose, protecting their accounts.
    pub min_interval: Duration,
    /// The longest wait between messages.
    pub max_interval: Duration,
    /// The highest daily limit.
    pub max_daily_limit: u64,
    /// The most messages a campaign holds.
    pub max_messages: usize,
    /// The longest message, in characters.
    pub max_message_chars: usize,
}

impl Default for CampaignPolicy {
    /// At least 10 s between messages, at most 24 h; up to 1,000 messages a day; 200 messages of
    /// up to 2,000 characters.
    fn default() -> Self {
        CampaignPolicy {
            min_interval: Duration::from_secs(10),
            max_interval: Duration::from_secs(24 * 3_600),
            max_daily_limit: 1_000,
            max_messages: 200,
            max_message_chars: 2_000,
        }
    }
}

impl CampaignPolicy {
    /// The end-to-end test build's policy: waits down to 0.1 s, so a campaign runs in seconds.
    pub fn fast_for_tests() -> Self {
        CampaignPolicy { min_interval: Duration::from_millis(100), ..CampaignPolicy::default() }
    }
}

/// The order messages are sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// Validates a draft against the policy's bounds.
pub fn validate_campaign(draft: &CampaignDraft, policy: &CampaignPolicy) -> Result<CampaignConfig, Vec<FieldMessage>> {
    let (max_messages, max_message_chars, max_daily_limit) =
        (policy.max_messages, policy.max_message_chars, policy.max_daily_limit);
    let mut errors = Vec::new();
    let mut push = |field: &str, message: String| errors.push(FieldMessage { field: field.into(), message });
    let messages: Vec<String> =
        draft.messages.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    if messages.is_empty() {
        push("messages", "Write at least one message, one per line.".into());
    } else if messages.len() > max_messages {
        push("messages", format!("At most {max_messages} messages; this has {}.", messages.len()));
    } else if let Some(n) = messages.iter().position(|m| m.chars().count() > max_message_chars) {
        push("messages", format!("Message {} is longer than {max_message_chars} characters.", n + 1));
    }
    let order = match draft.order.trim() {
        "" | "random" => Some(Order::Random),
        "sequential" => Some(Order::Sequential),
        other => {
            push("order", format!("\"{other}\" is not an order; choose random or sequential."));
            None
        }
    };
    let floor = duration_ms(policy.min_interval);
    let ceiling = duration_ms(policy.max_interval);
    let ms = |s: f64| (s * 1000.0).round();
    let (min, max) = (ms(draft.min_interval_seconds), ms(draft.max_interval_seconds));
    let min_ok = min.is_finite() && min >= floor as f64 && min <= ceiling as f64;
    if !min_ok {
        push(
            "minInterval",
            format!("The shortest wait must be from {} to {} seconds.", seconds(floor), ceiling / 1000),
        );
    }
    if !(max.is_finite() && max <= ceiling as f64 && (!min_ok || max >= min)) {
        push(
            "maxInterval",
            format!("The longest wait must be at least the shortest and at most {} seconds.", ceiling / 1000),
        );
    }
    let limit = draft.daily_limit;
    if !(limit.fract() == 0.0 && (1.0..=max_daily_limit as f64).contains(&limit)) {
        push("dailyLimit", format!("The daily limit must be a whole number from 1 to {max_daily_limit}."));
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

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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

    const P: CampaignPolicy = CampaignPolicy {
        min_interval: Duration::from_secs(10),
        max_interval: Duration::from_secs(24 * 3_600),
        max_daily_limit: 1_000,
        max_messages: 200,
        max_message_chars: 2_000,
    };

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
        let c = validate_campaign(&draft(" Hello!\n\n  How are you? \n", 30.0, 45.5, 100.0), &P).expect("valid");
        assert_eq!(c.messages, ["Hello!", "How are you?"]);
        assert_eq!(
            (c.min_interval_ms, c.max_interval_ms, c.daily_limit, c.order),
            (30_000, 45_500, 100, Order::Random)
        );
    }

    #[test]
    fn bounds_protect_the_users_accounts() {
        assert_eq!(fields(validate_campaign(&draft("", 30.0, 60.0, 100.0), &P)), ["messages"]);
        assert_eq!(fields(validate_campaign(&draft("a", 5.0, 60.0, 100.0), &P)), ["minInterval"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 20.0, 100.0), &P)), ["maxInterval"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 60.0, 0.0), &P)), ["dailyLimit"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 60.0, 2.5), &P)), ["dailyLimit"]);
        assert_eq!(fields(validate_campaign(&draft("a", 30.0, 60.0, 5000.0), &P)), ["dailyLimit"]);
        assert_eq!(fields(validate_campaign(&draft("a", f64::NAN, 1e12, 1.0), &P)), ["minInterval", "maxInterval"]);
        let long = "x".repeat(P.max_message_chars + 1);
        assert_eq!(fields(validate_campaign(&draft(&format!("ok\n{long}"), 30.0, 60.0, 1.0), &P)), ["messages"]);
        let mut d = draft("a", 30.0, 60.0, 1.0);
        d.order = "shuffle".into();
        assert_eq!(fields(validate_campaign(&d, &P)), ["order"]);
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!((seconds(10_000), seconds(100), seconds(2_500)), ("10".into(), "0.1".into(), "2.5".into()));
    }

    #[test]
    fn only_the_test_policy_allows_short_intervals() {
        assert!(validate_campaign(&draft("a", 0.2, 0.3, 3.0), &P).is_err());
        let fast = CampaignPolicy::fast_for_tests();
        let c = validate_campaign(&draft("a", 0.2, 0.3, 3.0), &fast).expect("fast");
        assert_eq!((c.min_interval_ms, c.max_interval_ms), (200, 300));
        assert!(validate_campaign(&draft("a", 0.05, 0.3, 3.0), &fast).is_err());
    }
}
