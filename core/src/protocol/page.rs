//! What the pages' own calls into the wasm module return: the form's checks and the catalog of
//! choices, computed by the very code the worker runs.

use crate::conditions::{FieldType, Operator};
use crate::formats::detect::Detected;
use crate::formats::gallery::Starter;
use crate::formats::Format;
use crate::rules::event::EventKind;
use crate::rules::retry::RetryMode;
use crate::values::field::FieldMessage;
use crate::values::http::Method;
use serde::Serialize;
use std::collections::BTreeMap;

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
    pub hints: BTreeMap<String, String>,
    /// Webhooks at most.
    pub max_webhooks: usize,
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
