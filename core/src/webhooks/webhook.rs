//! The webhook object of the integration guide's API reference, and the validation of what a user
//! types into the form before anything is saved.

use crate::conditions::{self, Filter};
use crate::delivery::batch::BatchSettings;
use crate::rules::event::EventKind;
use crate::rules::headers::check_headers;
use crate::rules::retry::RetryMode;
use crate::rules::url_check::{check_url, CheckedUrl, Scheme};
use crate::values::field::FieldMessage;
use crate::values::http::Method;
use crate::values::ids::WebhookId;
use crate::values::small_map::SmallMap;
use crate::webhooks::format_choice::{check_format, FormatChoice};
use crate::webhooks::signing_choice::{check_signing, SigningChoice};
use serde::{Deserialize, Serialize};

/// The longest webhook name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// A webhook, exactly as the guide's API reference shows it (stored and returned in this shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Unique identifier.
    pub id: WebhookId,
    /// Display name.
    pub name: String,
    /// Endpoint URL.
    pub url: String,
    /// HTTP method.
    pub method: Method,
    /// The events it is subscribed to.
    pub events: Vec<EventKind>,
    /// Custom headers sent with every request.
    pub headers: SmallMap<String, String>,
    /// Whether it receives deliveries.
    pub enabled: bool,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When a delivery last succeeded (RFC 3339), or null.
    pub last_triggered: Option<String>,
    /// Successful deliveries.
    pub trigger_count: u64,
    /// Deliveries that failed for good (all attempts used, or refused by the endpoint).
    pub failure_count: u64,
}

impl Webhook {
    /// Whether this webhook wants `kind`.
    pub fn subscribes_to(&self, kind: EventKind) -> bool {
        self.events.contains(&kind)
    }
}

/// What the add and edit forms send: loosely typed, so every mistake becomes a message on its field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookDraft {
    /// Display name.
    pub name: String,
    /// Endpoint URL.
    pub url: String,
    /// `POST`, `GET`, `PUT` or `PATCH`; empty means POST.
    pub method: String,
    /// Event names.
    pub events: Vec<String>,
    /// A JSON object of header names to values, or null.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string> | null"))]
    pub headers: serde_json::Value,
    /// Whether the webhook is enabled; absent means enabled for a new webhook, unchanged for an edit.
    pub enabled: Option<bool>,
    /// `persistent` or `quick`; empty means persistent for a new webhook, unchanged for an edit.
    pub retry_mode: String,
    /// The body format (`autochatJson`, `slack`, …); empty means what the URL calls for.
    pub format: String,
    /// The custom template (format `custom`).
    pub template: String,
    /// The Telegram chat id (format `telegram`), when the URL has none.
    pub chat_id: String,
    /// Sign requests (Standard Webhooks); absent means signed for a new webhook, unchanged for an edit.
    pub sign: Option<bool>,
    /// The user's own signing secret (`whsec_…`); empty keeps the current one.
    pub secret: String,
    /// Also send GitHub's `X-Hub-Signature-256`; absent means no for a new webhook, unchanged for an edit.
    pub github_signature: Option<bool>,
    /// Conditions an event must meet to be delivered; absent means none for a new webhook,
    /// unchanged for an edit.
    pub filter: Option<Filter>,
    /// Batching; absent or null means every event is sent on its own.
    pub batch: Option<BatchSettings>,
}

/// A draft that passed validation, with warnings that do not block saving.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDraft {
    /// Trimmed name.
    pub name: String,
    /// The checked URL.
    pub url: CheckedUrl,
    /// The method.
    pub method: Method,
    /// Subscribed events, without duplicates, in the guide's order.
    pub events: Vec<EventKind>,
    /// Custom headers.
    pub headers: SmallMap<String, String>,
    /// The requested enabled state, if given.
    pub enabled: Option<bool>,
    /// The requested retry choice, if given.
    pub retry_mode: Option<RetryMode>,
    /// The body format and what it needs.
    pub format: FormatChoice,
    /// What the form asked for about signing.
    pub signing: SigningChoice,
    /// The conditions asked for, if any were sent.
    pub filter: Option<Filter>,
    /// Batching, if asked for.
    pub batch: Option<BatchSettings>,
    /// Things worth telling the user (e.g. plain http); saving goes ahead.
    pub warnings: Vec<FieldMessage>,
}

/// Reads a form's draft from its JSON value. When it cannot be read, says which field is at fault
/// where the form can show it: the numbers of the conditions and of batching must be whole (a
/// form's number input still lets one type 1.5); anything else is a fault of the form itself.
pub fn draft_from_value(value: serde_json::Value) -> Result<WebhookDraft, Vec<FieldMessage>> {
    let error = match serde_json::from_value::<WebhookDraft>(value.clone()) {
        Ok(draft) => return Ok(draft),
        Err(error) => error,
    };
    let not_whole = |part: &str, number: &str| {
        let n = value.get(part).and_then(|p| p.get(number)).filter(|n| !n.is_null());
        n.is_some_and(|n| n.as_u64().is_none_or(|n| u32::try_from(n).is_err()))
    };
    let mut fields = Vec::new();
    if not_whole("filter", "atMostEveryMinutes") {
        fields.push(FieldMessage::new("conditions", conditions::throttle_bounds()));
    }
    if not_whole("filter", "everyNthMessage") {
        fields.push(FieldMessage::new("conditions", conditions::every_nth_bounds()));
    }
    if not_whole("batch", "windowSeconds") || not_whole("batch", "maxEvents") {
        let ((w0, w1), (n0, n1)) = (crate::delivery::batch::WINDOW_SECONDS, crate::delivery::batch::BATCH_EVENTS);
        let text = format!("A batch collects for {w0} to {w1} whole seconds, and holds {n0} to {n1} events.");
        fields.push(FieldMessage::new("batch", text));
    }
    if fields.is_empty() {
        fields.push(FieldMessage::new("form", error.to_string()));
    }
    Err(fields)
}

/// Validates every field and returns all problems at once, so the form can mark each field.
pub fn validate_draft(draft: &WebhookDraft) -> Result<ValidDraft, Vec<FieldMessage>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    let name = draft.name.trim();
    if name.is_empty() {
        errors.push(FieldMessage::new("name", "Give the webhook a name, e.g. \"Slack Notifications\"."));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldMessage::new(
            "name",
            format!("The name is too long; keep it under {MAX_NAME_CHARS} characters."),
        ));
    } else if name.chars().any(char::is_control) {
        errors.push(FieldMessage::new("name", "The name must be on one line."));
    }

    if draft.method.trim().eq_ignore_ascii_case("GET") {
        warnings.push(FieldMessage::new("method", "A GET webhook carries each event in its URL, and servers refuse URLs over about 8 KB: long messages will not arrive. Use POST if your endpoint allows it."));
    }
    let url = match check_url(&draft.url) {
        Ok(url) => {
            if url.scheme == Scheme::Http && !url.is_local() {
                warnings.push(FieldMessage::new("url", "This URL uses plain http://: the payload and your headers travel unencrypted. Use https:// unless this is a local test server."));
            }
            Some(url)
        }
        Err(message) => {
            errors.push(FieldMessage::new("url", message));
            None
        }
    };

    let method = match draft.method.trim().to_ascii_uppercase().as_str() {
        "" | "POST" => Some(Method::Post),
        "GET" => Some(Method::Get),
        "PUT" => Some(Method::Put),
        "PATCH" => Some(Method::Patch),
        _ => {
            errors.push(FieldMessage::new(
                "method",
                format!("\"{}\" is not a supported method; choose POST, GET, PUT or PATCH.", draft.method.trim()),
            ));
            None
        }
    };

    let mut events = Vec::new();
    for name in &draft.events {
        match EventKind::from_name(name.trim()) {
            Some(kind) => events.push(kind),
            None => {
                let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
                errors.push(FieldMessage::new(
                    "events",
                    format!("\"{name}\" is not an AutoChat event; choose from {}.", known.join(", ")),
                ));
            }
        }
    }
    events.sort();
    events.dedup();
    if draft.events.is_empty() {
        errors.push(FieldMessage::new("events", "Choose at least one event to send."));
    }

    let retry_mode = match draft.retry_mode.trim() {
        "" => None,
        "persistent" => Some(RetryMode::Persistent),
        "quick" => Some(RetryMode::Quick),
        other => {
            errors.push(FieldMessage::new(
                "retryMode",
                format!("\"{other}\" is not a retry choice; choose persistent or quick."),
            ));
            None
        }
    };

    let headers =
        check_headers(&draft.headers).map_err(|message| errors.push(FieldMessage::new("headers", message))).ok();
    let format = check_format(&draft.format, &draft.template, &draft.chat_id, url.as_ref(), method)
        .map_err(|mistakes| errors.extend(mistakes))
        .ok();
    if let Some(Err(mistake)) = draft.batch.map(|b| b.check()) {
        errors.push(mistake);
    }
    if let Some(filter) = &draft.filter {
        if let Err(mistakes) = conditions::check(filter, &events) {
            errors.extend(mistakes);
        }
    }
    let signing = check_signing(draft.sign, &draft.secret, draft.github_signature, format.as_ref().map(|f| f.format))
        .map_err(|mistakes| errors.extend(mistakes))
        .ok();

    match (url, method, headers, format, signing) {
        (Some(url), Some(method), Some(headers), Some(format), Some(signing)) if errors.is_empty() => Ok(ValidDraft {
            name: name.to_string(),
            url,
            method,
            events,
            headers,
            enabled: draft.enabled,
            retry_mode,
            format,
            signing,
            filter: draft.filter.clone(),
            batch: draft.batch,
            warnings,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(name: &str, url: &str, events: &[&str]) -> WebhookDraft {
        WebhookDraft {
            name: name.into(),
            url: url.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        }
    }

    fn fields(errors: &[FieldMessage]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_draft_whose_numbers_are_not_whole_is_refused_on_the_field_that_holds_them() {
        let base = json!({"name": "a", "url": "https://a.com", "events": ["error"]});
        let with = |part: &str, value: serde_json::Value| {
            let mut draft = base.clone();
            draft[part] = value;
            draft_from_value(draft).expect_err("not whole")
        };
        let throttle = with("filter", json!({"conditions": [], "atMostEveryMinutes": 1.5}));
        assert_eq!(fields(&throttle), ["conditions"]);
        assert!(throttle[0].message.contains("whole number of minutes, 1 to 1440"), "{}", throttle[0].message);
        let nth = with("filter", json!({"conditions": [], "everyNthMessage": -2}));
        assert!(nth[0].message.contains("Every Nth message"), "{}", nth[0].message);
        let both = with("filter", json!({"conditions": [], "atMostEveryMinutes": 1e12, "everyNthMessage": 2.5}));
        assert_eq!(fields(&both), ["conditions", "conditions"]);
        let batch = with("batch", json!({"windowSeconds": 0.5, "maxEvents": 10}));
        assert_eq!(fields(&batch), ["batch"]);
        assert!(batch[0].message.contains("1 to 3600 whole seconds"), "{}", batch[0].message);
        // Whatever else makes a draft unreadable is the form's own fault.
        let form = draft_from_value(json!({"name": 7})).expect_err("not a draft");
        assert_eq!(fields(&form), ["form"]);
        let read =
            draft_from_value(json!({"name": "a", "batch": {"windowSeconds": 60, "maxEvents": 10}})).expect("reads");
        assert_eq!(read.batch.map(|b| b.window_seconds), Some(60));
    }

    #[test]
    fn a_good_draft_is_trimmed_deduplicated_and_defaults_to_post() {
        let mut d =
            draft("  Slack Notifications ", "https://hooks.slack.com/services/x", &["error", "message_sent", "error"]);
        d.headers = json!({"Authorization": "Bearer t"});
        let v = validate_draft(&d).expect("valid");
        assert_eq!(v.name, "Slack Notifications");
        assert_eq!(v.method, Method::Post);
        assert_eq!(v.events, vec![EventKind::MessageSent, EventKind::Error]);
        assert_eq!(v.headers.get("Authorization").map(String::as_str), Some("Bearer t"));
        assert!(v.warnings.is_empty());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut d = draft("   ", "javascript:alert(1)", &[]);
        d.method = "DELETE".into();
        d.headers = json!({"Host": "x"});
        let errors = validate_draft(&d).expect_err("invalid");
        assert_eq!(fields(&errors), vec!["name", "url", "method", "events", "headers"]);
        assert!(errors.iter().all(|e| e.message.ends_with('.') || e.message.ends_with(':')));
    }

    #[test]
    fn names_are_bounded_and_single_line() {
        let long = "n".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            fields(&validate_draft(&draft(&long, "https://a.com", &["error"])).expect_err("long")),
            vec!["name"]
        );
        assert!(validate_draft(&draft(&"é".repeat(MAX_NAME_CHARS), "https://a.com", &["error"])).is_ok());
        assert_eq!(
            fields(&validate_draft(&draft("a\nb", "https://a.com", &["error"])).expect_err("newline")),
            vec!["name"]
        );
    }

    #[test]
    fn unknown_events_are_named_in_the_message() {
        let errors = validate_draft(&draft("x", "https://a.com", &["message_sent", "party"])).expect_err("unknown");
        assert_eq!(fields(&errors), vec!["events"]);
        assert!(errors[0].message.contains("\"party\"") && errors[0].message.contains("milestone"));
    }

    #[test]
    fn the_retry_choice_is_optional_and_checked() {
        let mut d = draft("x", "https://a.com", &["error"]);
        assert_eq!(validate_draft(&d).expect("valid").retry_mode, None);
        d.retry_mode = "quick".into();
        assert_eq!(validate_draft(&d).expect("valid").retry_mode, Some(RetryMode::Quick));
        d.retry_mode = "forever".into();
        assert_eq!(fields(&validate_draft(&d).expect_err("invalid")), vec!["retryMode"]);
    }

    #[test]
    fn methods_are_case_insensitive() {
        for (m, want) in [("get", Method::Get), ("Put", Method::Put), ("PATCH", Method::Patch), ("", Method::Post)] {
            let mut d = draft("x", "https://a.com", &["error"]);
            d.method = m.into();
            assert_eq!(validate_draft(&d).expect("valid").method, want);
        }
    }

    #[test]
    fn plain_http_is_allowed_but_flagged_unless_local() {
        let v = validate_draft(&draft("x", "http://example.com/hook", &["error"])).expect("allowed");
        assert_eq!(fields(&v.warnings), vec!["url"]);
        let v = validate_draft(&draft("x", "http://127.0.0.1:8080/hook", &["error"])).expect("allowed");
        assert!(v.warnings.is_empty());
    }

    #[test]
    fn webhook_serializes_with_exactly_the_guides_fields() {
        let w = Webhook {
            id: WebhookId("wh_1".into()),
            name: "n".into(),
            url: "https://a.com".into(),
            method: Method::Patch,
            events: vec![EventKind::Milestone],
            headers: SmallMap::new(),
            enabled: true,
            created_at: "2025-12-07T17:30:00.000Z".into(),
            last_triggered: None,
            trigger_count: 0,
            failure_count: 0,
        };
        let v = serde_json::to_value(&w).expect("serializes");
        let mut keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "createdAt",
                "enabled",
                "events",
                "failureCount",
                "headers",
                "id",
                "lastTriggered",
                "method",
                "name",
                "triggerCount",
                "url"
            ]
        );
        assert_eq!(v["method"], "PATCH");
        assert_eq!(v["events"], json!(["milestone"]));
        assert_eq!(v["lastTriggered"], json!(null));
    }
}
