//! What the pages are shown: the stored webhook object plus figures derived from it.

use crate::delivery::history::History;
use crate::delivery::outbox::Outbox;
use crate::values::ids::WebhookId;
use crate::webhooks::registry::{success_rate, Registry, MAX_WEBHOOKS};
use crate::webhooks::webhook::Webhook;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A webhook as stored (the guide's fields), plus for display: `successRate` (percent or null),
/// `retryMode`, `disabledReason`, `consecutiveFailures`, `pendingDeliveries`, and for the oldest
/// waiting delivery `nextAttemptAt` (null while it is being sent) and `lastError`.
pub fn webhook(w: &Webhook, registry: &Registry, outbox: &Outbox, in_flight: &BTreeSet<WebhookId>) -> Value {
    let meta = registry.meta(&w.id);
    let head = outbox.head_of(&w.id);
    let sending = in_flight.contains(&w.id);
    let mut v = serde_json::to_value(w).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("successRate".into(), json!(success_rate(w.trigger_count, w.failure_count)));
        map.insert("retryMode".into(), json!(meta.retry_mode));
        map.insert("disabledReason".into(), json!(meta.disabled_reason));
        map.insert("consecutiveFailures".into(), json!(meta.consecutive_failures));
        map.insert("pendingDeliveries".into(), json!(outbox.pending_for(&w.id)));
        map.insert("nextAttemptAt".into(), json!(head.filter(|_| !sending).map(|d| d.next_attempt_at.to_rfc3339())));
        map.insert("lastError".into(), json!(head.and_then(|d| d.last_error.clone())));
    }
    v
}

/// The manager's whole list.
pub fn list(registry: &Registry, outbox: &Outbox, in_flight: &BTreeSet<WebhookId>) -> Value {
    let webhooks: Vec<Value> = registry.webhooks.iter().map(|w| webhook(w, registry, outbox, in_flight)).collect();
    let (triggers, failures) =
        registry.webhooks.iter().fold((0, 0), |(t, f), w| (t + w.trigger_count, f + w.failure_count));
    json!({
        "webhooksEnabled": registry.webhooks_enabled,
        "webhooks": webhooks,
        "limit": MAX_WEBHOOKS,
        "enabledCount": registry.webhooks.iter().filter(|w| w.enabled).count(),
        "successRate": success_rate(triggers, failures),
        "pendingDeliveries": outbox.len(),
        "droppedWhenFull": outbox.dropped_when_full,
    })
}

/// A webhook's history, newest first, with `at` as RFC 3339 and `waiting` for entries whose
/// delivery is still in the outbox (those cannot be redelivered yet).
pub fn history(history: Option<&History>, outbox: &Outbox) -> Value {
    let entries: Vec<Value> = history
        .map(|h| {
            h.entries
                .iter()
                .map(|e| {
                    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
                    if let Value::Object(map) = &mut v {
                        map.insert("at".into(), json!(e.at.to_rfc3339()));
                        map.insert("waiting".into(), json!(outbox.contains(&e.delivery_id)));
                    }
                    v
                })
                .collect()
        })
        .unwrap_or_default();
    json!({ "entries": entries })
}
