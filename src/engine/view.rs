//! What the pages are shown: the stored webhook object plus figures derived from it.

use crate::outbox::Outbox;
use crate::registry::{success_rate, Registry, MAX_WEBHOOKS};
use crate::webhook::Webhook;
use serde_json::{json, Value};

/// A webhook as stored (the guide's fields), with `successRate` (percent or null) and
/// `pendingDeliveries` added for display.
pub fn webhook(w: &Webhook, outbox: &Outbox) -> Value {
    let mut v = serde_json::to_value(w).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("successRate".into(), json!(success_rate(w.trigger_count, w.failure_count)));
        map.insert("pendingDeliveries".into(), json!(outbox.pending_for(&w.id)));
    }
    v
}

/// The manager's whole list.
pub fn list(registry: &Registry, outbox: &Outbox) -> Value {
    let webhooks: Vec<Value> = registry.webhooks.iter().map(|w| webhook(w, outbox)).collect();
    let (triggers, failures) =
        registry.webhooks.iter().fold((0, 0), |(t, f), w| (t + w.trigger_count, f + w.failure_count));
    json!({
        "webhooksEnabled": registry.webhooks_enabled,
        "webhooks": webhooks,
        "limit": MAX_WEBHOOKS,
        "enabledCount": registry.webhooks.iter().filter(|w| w.enabled).count(),
        "successRate": success_rate(triggers, failures),
    })
}
