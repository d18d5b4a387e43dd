//! What a service's answer means beyond its status: whether the webhook is gone for good (switch
//! it off, saying why in the service's words), how long it asked to wait (Discord's and
//! Telegram's `retry_after` in the JSON body), and its own error text to show in the Test result
//! and the history (`invalid_payload`, `Cannot send an empty message`, `Bad Request: chat not
//! found` …).

use super::chat::truncate;
use super::Format;
use serde_json::Value;
use std::time::Duration;

/// The service's answer, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The webhook cannot work again as it is: switch it off with this reason.
    pub gone: Option<String>,
    /// The service asked to wait this long before the next request.
    pub retry_after: Option<Duration>,
    /// The service's own words about an error.
    pub detail: Option<String>,
    /// Something to tell the user about a success (Teams accepts everything with 202).
    pub note: Option<String>,
}

/// What Teams' 202 means, said beside the Test result.
pub const TEAMS_ACCEPTED: &str = "Accepted by the flow — check the channel: Teams answers 202 even when the flow later fails to post, so the flow's run history shows any error.";

/// Reads `body`, the start of an answer with `status`, for a webhook in `format`.
pub fn read(format: Format, status: u16, body: &str) -> Answer {
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let text = body.trim();
    let mut answer = Answer::default();
    let ok = (200..300).contains(&status);
    match format {
        Format::Slack if !ok => {
            let code = text.split_whitespace().next().unwrap_or_default();
            answer.gone = match (status, code) {
                (404, "no_service" | "channel_not_found" | "no_team" | "no_active_hooks") | (410, "channel_is_archived") => {
                    Some(format!("Slack says this webhook no longer works ({code}): it was removed, or its channel was deleted or archived. Create a new incoming webhook in Slack, paste its URL here, then switch the webhook back on."))
                }
                _ => None,
            };
            answer.detail = (!code.is_empty() && code.len() <= 100).then(|| code.to_string());
        }
        Format::Discord if !ok => {
            let code = json.get("code").and_then(Value::as_u64);
            answer.gone = match (status, code) {
                (404, Some(10015)) => Some("Discord says this webhook is unknown (10015): it was deleted. Create a new webhook in the channel's Integrations settings, paste its URL here, then switch the webhook back on.".into()),
                (401, Some(50027)) => Some("Discord says the webhook's token is invalid (50027). Copy the webhook URL again from the channel's Integrations settings, paste it here, then switch the webhook back on.".into()),
                _ => None,
            };
            answer.retry_after = json.get("retry_after").and_then(seconds);
            answer.detail = json.get("message").and_then(Value::as_str).map(|m| match code {
                Some(code) => format!("{m} ({code})"),
                None => m.to_string(),
            });
        }
        Format::Telegram if !ok => {
            answer.retry_after = json.pointer("/parameters/retry_after").and_then(seconds);
            answer.detail = json.get("description").and_then(Value::as_str).map(str::to_string);
        }
        Format::GoogleChat if !ok => answer.detail = text_at(&json, "/error/message"),
        Format::Mattermost if !ok => {
            answer.detail = text_at(&json, "/message").or_else(|| text_at(&json, "/id"));
        }
        Format::Ntfy if !ok => answer.detail = text_at(&json, "/error"),
        Format::Ifttt if !ok => answer.detail = text_at(&json, "/errors/0/message"),
        Format::Teams if status == 202 => answer.note = Some(TEAMS_ACCEPTED.into()),
        Format::Teams if !ok => answer.detail = text_at(&json, "/error/message"),
        _ => {}
    }
    answer.detail = answer.detail.map(|d| format!("{} says: {}", format.label(), truncate(&d, 300)));
    answer
}

/// The text at a JSON pointer, if it is text.
fn text_at(json: &Value, pointer: &str) -> Option<String> {
    json.pointer(pointer).and_then(Value::as_str).map(str::to_string)
}

/// A `retry_after` in seconds (Discord sends fractions), as a duration.
fn seconds(value: &Value) -> Option<Duration> {
    value.as_f64().filter(|s| s.is_finite() && *s >= 0.0).map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_answers_that_end_a_webhook_switch_it_off_with_slacks_code() {
        for (status, body) in [(404, "no_service"), (404, "channel_not_found"), (410, "channel_is_archived")] {
            let a = read(Format::Slack, status, body);
            assert!(a.gone.as_deref().is_some_and(|r| r.contains(body)), "{status} {body}");
        }
        let bad = read(Format::Slack, 400, "invalid_payload");
        assert_eq!((bad.gone, bad.detail.as_deref()), (None, Some("Slack says: invalid_payload")));
        assert_eq!(read(Format::Slack, 200, "ok"), Answer::default());
    }

    #[test]
    fn discord_codes_and_its_fractional_retry_after_are_read() {
        assert!(read(Format::Discord, 404, r#"{"message": "Unknown Webhook", "code": 10015}"#).gone.is_some());
        assert!(read(Format::Discord, 401, r#"{"message": "Invalid Webhook Token", "code": 50027}"#).gone.is_some());
        let limited =
            read(Format::Discord, 429, r#"{"message":"You are being rate limited.","retry_after":1.5,"global":false}"#);
        assert_eq!(limited.retry_after, Some(Duration::from_millis(1_500)));
        let empty = read(Format::Discord, 400, r#"{"message": "Cannot send an empty message", "code": 50006}"#);
        assert_eq!(
            (empty.gone, empty.detail.as_deref()),
            (None, Some("Discord says: Cannot send an empty message (50006)"))
        );
    }

    #[test]
    fn telegram_google_chat_and_teams_answers_are_read() {
        let t = read(
            Format::Telegram,
            429,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}"#,
        );
        assert_eq!(t.retry_after, Some(Duration::from_secs(35)));
        let t =
            read(Format::Telegram, 400, r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#);
        assert_eq!(t.detail.as_deref(), Some("Telegram says: Bad Request: chat not found"));
        let g = read(
            Format::GoogleChat,
            400,
            r#"{"error":{"code":400,"message":"Invalid JSON payload received.","status":"INVALID_ARGUMENT"}}"#,
        );
        assert_eq!(g.detail.as_deref(), Some("Google Chat says: Invalid JSON payload received."));
        assert_eq!(read(Format::Teams, 202, "").note.as_deref(), Some(TEAMS_ACCEPTED));
        assert_eq!(read(Format::AutochatJson, 404, "no_service"), Answer::default(), "only chat formats are read");
    }
}
