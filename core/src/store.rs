//! The persisted documents and their schema versions.
//!
//! JSON documents in `chrome.storage.local`, each with a `schemaVersion`:
//! `autochat.registry` (the webhooks, the global switch, per-webhook settings and health),
//! `autochat.outbox` (counters), one `autochat.delivery.<id>` per waiting delivery, `autochat.campaign`,
//! and one `autochat.history.<id>` per webhook. A later
//! release that changes a document adds a migration step here. A document from a newer release is never overwritten, and a document that cannot be read is kept under a
//! backup key before the core starts afresh, so nothing a user saved is silently lost.

use crate::campaign::Campaign;
use crate::delivery::history::History;
use crate::delivery::outbox::OutboxDocument;
use crate::values::ids::{DeliveryId, WebhookId};
use crate::webhooks::registry::Registry;
use crate::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What every key AutoChat stores begins with (start-up reads them all in one go).
pub const STORE_KEY_PREFIX: &str = "autochat.";
/// Storage key of the registry document.
pub const REGISTRY_KEY: &str = "autochat.registry";
/// Storage key of the outbox document.
pub const OUTBOX_KEY: &str = "autochat.outbox";
/// Storage key of the campaign document (settings, state, counters, picks per site).
pub const CAMPAIGN_KEY: &str = "autochat.campaign";
/// The id of the tab a campaign runs in, while one runs or is paused (absent otherwise): the
/// worker's tab listeners read it and wake the core only for that tab.
pub const WATCHED_TAB_KEY: &str = "autochat.watchedTab";
/// Where the JavaScript AutoChat 4.x kept its webhooks (the guide's objects), read once.
pub const LEGACY_WEBHOOKS_KEY: &str = "webhooks";
/// Where AutoChat 4.x kept its global switch.
pub const LEGACY_ENABLED_KEY: &str = "webhooksEnabled";
/// Storage key prefix of each waiting delivery (`autochat.delivery.<delivery id>`).
pub const DELIVERY_KEY_PREFIX: &str = "autochat.delivery.";
/// Storage key prefix of each batch being collected (`autochat.batch.<webhook id>`).
pub const BATCH_KEY_PREFIX: &str = "autochat.batch.";
/// The prefix of a waiting body's key: one per distinct body of the waiting deliveries, named by
/// [`crate::delivery::outbox::body_hash`]; its value is the body itself.
pub const BODY_KEY_PREFIX: &str = "autochat.body.";
/// Storage key prefix of each webhook's history document (`autochat.history.<webhook id>`).
pub const HISTORY_KEY_PREFIX: &str = "autochat.history.";
/// The schema version this build writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A document read from storage.
#[derive(Debug, PartialEq)]
pub struct Loaded<T> {
    /// The document (the default when missing or unreadable).
    pub value: T,
    /// When the stored text could not be read: the backup key and the text to keep there.
    pub backup: Option<(String, String)>,
}

/// Where the text of a document found unreadable at `now_ms` is kept.
pub fn unreadable_key(key: &str, now_ms: u64) -> String {
    format!("{key}.unreadable.{now_ms}")
}

/// Reads a stored document, migrating older versions.
pub fn decode<T: DeserializeOwned + Default>(key: &str, text: Option<&str>, now_ms: u64) -> Result<Loaded<T>, Error> {
    let Some(text) = text else {
        return Ok(Loaded { value: T::default(), backup: None });
    };
    let unreadable = || Loaded { value: T::default(), backup: Some((unreadable_key(key, now_ms), text.to_string())) };
    let Ok(raw) = serde_json::from_str::<serde_json::Value>(text) else {
        return Ok(unreadable());
    };
    match raw.get("schemaVersion").and_then(serde_json::Value::as_u64) {
        Some(v) if v > u64::from(SCHEMA_VERSION) => {
            Err(Error::NewerSchema { found: u32::try_from(v).unwrap_or(u32::MAX), supported: SCHEMA_VERSION })
        }
        // The document's own fields sit beside `schemaVersion`, which its type ignores.
        Some(_) => Ok(serde_json::from_value::<T>(raw)
            .map(|value| Loaded { value, backup: None })
            .unwrap_or_else(|_| unreadable())),
        None => Ok(unreadable()),
    }
}

/// The stored text of a document at the current version: its JSON object with `schemaVersion`
/// first. (Spliced as text rather than through `#[serde(flatten)]`, whose buffering code would be
/// instantiated for every document type in the shipped wasm.)
pub fn encode<T: Serialize>(document: &T) -> String {
    let body = serde_json::to_string(document).unwrap_or_default();
    match body.strip_prefix('{') {
        Some("}") => format!("{{\"schemaVersion\":{SCHEMA_VERSION}}}"),
        Some(fields) => format!("{{\"schemaVersion\":{SCHEMA_VERSION},{fields}"),
        None => body, // not an object: no document type serializes so
    }
}

/// Reads the registry document.
pub fn decode_registry(text: Option<&str>, now_ms: u64) -> Result<Loaded<Registry>, Error> {
    decode(REGISTRY_KEY, text, now_ms)
}

/// The storage key of a webhook's history.
pub fn history_key(webhook: &WebhookId) -> String {
    format!("{HISTORY_KEY_PREFIX}{webhook}")
}

/// The storage key of a webhook's open batch.
pub fn batch_key(webhook: &WebhookId) -> String {
    format!("{BATCH_KEY_PREFIX}{webhook}")
}

/// The storage key of a waiting delivery.
pub fn delivery_key(id: &DeliveryId) -> String {
    format!("{DELIVERY_KEY_PREFIX}{id}")
}

/// The storage key of a waiting body.
pub fn body_key(hash: &str) -> String {
    format!("{BODY_KEY_PREFIX}{hash}")
}

/// Reads a history document.
pub fn decode_history(key: &str, text: Option<&str>, now_ms: u64) -> Result<Loaded<History>, Error> {
    decode(key, text, now_ms)
}

/// Reads the campaign document.
pub fn decode_campaign(text: Option<&str>, now_ms: u64) -> Result<Loaded<Campaign>, Error> {
    decode(CAMPAIGN_KEY, text, now_ms)
}

/// Reads the outbox document.
pub fn decode_outbox(text: Option<&str>, now_ms: u64) -> Result<Loaded<OutboxDocument>, Error> {
    decode(OUTBOX_KEY, text, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_documents_start_empty_with_webhooks_globally_on() {
        let r = decode_registry(None, 0).expect("fine");
        assert!(r.value.webhooks.is_empty() && r.value.webhooks_enabled && r.backup.is_none());
    }

    #[test]
    fn documents_round_trip_with_their_version() {
        let reg = Registry { webhooks_enabled: false, ..Registry::default() };
        let text = encode(&reg);
        assert_eq!(text, r#"{"schemaVersion":1,"webhooksEnabled":false,"webhooks":[],"meta":{}}"#);
        assert_eq!(decode_registry(Some(&text), 0).expect("fine").value, reg);
    }

    #[test]
    fn an_empty_document_still_carries_its_version() {
        #[derive(Serialize)]
        struct Empty {}
        assert_eq!(encode(&Empty {}), r#"{"schemaVersion":1}"#);
    }

    #[test]
    fn a_newer_document_is_refused_and_not_overwritten() {
        let err = decode_registry(Some(r#"{"schemaVersion":2,"webhooks":[]}"#), 0).expect_err("newer");
        assert_eq!(err, Error::NewerSchema { found: 2, supported: 1 });
    }

    #[test]
    fn an_unreadable_document_is_backed_up_before_starting_afresh() {
        for text in ["{not json", r#"{"webhooks":[]}"#, r#"{"schemaVersion":1,"webhooks":"x"}"#] {
            let r = decode_registry(Some(text), 42).expect("recovers");
            assert!(r.value.webhooks.is_empty());
            assert_eq!(r.backup, Some(("autochat.registry.unreadable.42".to_string(), text.to_string())));
        }
    }
}
