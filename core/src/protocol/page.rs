//! What the pages' own calls into the wasm module return: the form's checks and the catalog of
//! choices, computed by the very code the worker runs.

use crate::conditions::{FieldType, Operator};
use crate::formats::detect::Detected;
use crate::formats::gallery::{starters, Starter};
use crate::formats::template::PLACEHOLDERS;
use crate::formats::Format;
use crate::rules::event::EventKind;
use crate::rules::retry::{RetryMode, RetryPolicy};
use crate::values::field::FieldMessage;
use crate::values::http::Method;
use crate::values::small_map::SmallMap;
use crate::webhooks::registry::MAX_WEBHOOKS;
use serde::Serialize;

/// A webhook form checked in the page (`validateWebhook`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DraftCheck {
    /// Nothing blocks saving.
    pub valid: bool,
    /// Things worth knowing that do not block saving.
    pub warnings: Vec<FieldMessage>,
    /// What blocks saving, per field.
    pub fields: Vec<FieldMessage>,
    /// The host permission the URL needs (`https://host/*`), when the URL is valid.
    pub origin_pattern: Option<String>,
    /// Whether the browser must be asked for that permission (false on this machine).
    pub needs_permission: bool,
}

/// The Custom Headers box read (`parseHeaders`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeadersCheck {
    /// The box holds a JSON object of strings, or nothing.
    pub ok: bool,
    /// The headers when `ok`; null when the box is empty or not `ok`.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string> | null"))]
    pub headers: serde_json::Value,
    /// What to fix, when not `ok`.
    pub message: Option<String>,
}

/// The choices and caps the webhook form offers (`catalog`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    /// The eight events, in the guide's order.
    pub events: Vec<Choice<EventKind>>,
    /// The methods.
    pub methods: Vec<Choice<Method>>,
    /// The retry choices, each described.
    pub retry_modes: Vec<Choice<RetryMode>>,
    /// The body formats, each described.
    pub formats: Vec<Choice<Format>>,
    /// The formats that take POST only (the chat and push services).
    pub post_only_formats: Vec<Format>,
    /// The custom template's placeholders, each described.
    pub placeholders: Vec<Choice<String>>,
    /// "Start from a template": ready-made starting points.
    pub starters: Vec<Starter>,
    /// What the form's hints say about each field.
    pub hints: SmallMap<String, String>,
    /// Webhooks at most.
    pub max_webhooks: usize,
}

impl Catalog {
    /// The catalog the pages receive (`catalog`), from the core's own words. The pages show each
    /// text through `chrome.i18n` (popup/catalog-text.js), so `_locales/en/messages.json` holds an
    /// English copy, kept equal to this by the `catalog_words` test.
    pub fn build() -> Catalog {
        fn choice<T>(value: T, label: &str, description: &str) -> Choice<T> {
            Choice { value, label: label.into(), description: description.into() }
        }
        let method_note = |m: Method| match m {
            Method::Get => "No body: the payload travels in the query string (?event=…&payload=…).",
            _ => "The payload is the JSON body.",
        };
        let policy = RetryPolicy::default();
        Catalog {
            events: EventKind::ALL.iter().map(|k| choice(*k, k.label(), k.description())).collect(),
            methods: [Method::Post, Method::Get, Method::Put, Method::Patch]
                .into_iter()
                .map(|m| choice(m, m.as_str(), method_note(m)))
                .collect(),
            formats: Format::ALL.into_iter().map(|f| choice(f, f.label(), f.description())).collect(),
            post_only_formats: Format::ALL.into_iter().filter(|f| f.is_chat()).collect(),
            placeholders: PLACEHOLDERS
                .iter()
                .map(|(name, about)| choice(name.to_string(), &format!("{{{{{name}}}}}"), about))
                .collect(),
            starters: starters(),
            retry_modes: [RetryMode::Persistent, RetryMode::Quick]
                .into_iter()
                .map(|m| Choice { value: m, label: policy.label(m), description: policy.describe(m) })
                .collect(),
            hints: [(
                "headers".to_string(),
                "For authentication, e.g. {\"Authorization\": \"Bearer YOUR_TOKEN\"}. Leave empty for Slack, Zapier and IFTTT."
                    .to_string(),
            )]
            .into_iter()
            .collect(),
            max_webhooks: MAX_WEBHOOKS,
        }
    }
}

/// What the form says about a URL as it is typed (`detectFormat`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormatHint {
    /// The service and format the URL calls for, if AutoChat knows it.
    pub detected: Option<Detected>,
    /// Why the URL cannot work at all (a retired service), if so.
    pub retired: Option<String>,
}

/// The body a draft would send for a sample event (`previewBody`), or why it cannot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Preview {
    /// The body could be built.
    pub ok: bool,
    /// The body, byte for byte as it would be sent.
    pub body: Option<String>,
    /// What stops it, on its field.
    pub error: Option<FieldMessage>,
}

/// One option of a select or a checkbox list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Choice<T> {
    /// The value sent in a draft.
    pub value: T,
    /// Its label.
    pub label: String,
    /// One line about it.
    pub description: String,
}

/// A field conditions may test, for the form's rows (`conditionFields`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChoice {
    /// Its path, e.g. `data.totalMessagesSent`.
    pub value: String,
    /// Its name.
    pub label: String,
    /// What it holds.
    pub kind: FieldType,
    /// The operators that suit it.
    pub operators: Vec<Choice<Operator>>,
}
