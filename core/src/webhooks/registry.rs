//! The webhook registry: the user's webhooks, the global switch, and the statistics derived from
//! delivery outcomes. Pure data and rules; persistence is the engine's job.

use crate::rules::event::EventKind;
use crate::rules::retry::{describe_status, RetryMode};
use crate::rules::url_check::check_url;
use crate::values::ids::WebhookId;
use crate::values::time::Millis;
use crate::webhooks::format_choice::{check_format, FormatChoice};
use crate::webhooks::webhook::{ValidDraft, Webhook};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many webhooks (the guide's limit).
pub const MAX_WEBHOOKS: usize = 10;
/// A webhook is switched off after this many deliveries in a row failed for good.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 5;

/// What AutoChat keeps about a webhook beyond the guide's object: the user's retry choice and the
/// webhook's health.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookMeta {
    /// How far its deliveries keep trying.
    pub retry_mode: RetryMode,
    /// Deliveries in a row that failed for good; reset by a success or by switching it on.
    pub consecutive_failures: u32,
    /// Why AutoChat switched it off, while it stays off.
    pub disabled_reason: Option<String>,
    /// The body format it sends, and what that format needs. `None` in data saved before
    /// AutoChat had formats: [`Registry::meta`] then gives what the URL calls for, so an existing
    /// Slack or Discord webhook starts sending messages those services accept.
    pub body: Option<FormatChoice>,
}

impl WebhookMeta {
    /// The body format and its settings.
    pub fn format_choice(&self) -> FormatChoice {
        self.body.clone().unwrap_or_default()
    }
}

/// Every webhook plus the global switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    /// The global switch: when off, no event is delivered to any webhook.
    pub webhooks_enabled: bool,
    /// The webhooks, in the order they were added.
    pub webhooks: Vec<Webhook>,
    /// Per-webhook settings and health, by id.
    #[serde(default)]
    pub meta: BTreeMap<WebhookId, WebhookMeta>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry { webhooks_enabled: true, webhooks: Vec::new(), meta: BTreeMap::new() }
    }
}

impl Registry {
    /// The webhook with `id`.
    pub fn get(&self, id: &WebhookId) -> Result<&Webhook, Error> {
        self.webhooks.iter().find(|w| &w.id == id).ok_or_else(|| Error::NotFound(id.clone()))
    }

    fn get_mut(&mut self, id: &WebhookId) -> Result<&mut Webhook, Error> {
        self.webhooks.iter_mut().find(|w| &w.id == id).ok_or_else(|| Error::NotFound(id.clone()))
    }

    /// True when another webhook may be added.
    pub fn has_room(&self) -> bool {
        self.webhooks.len() < MAX_WEBHOOKS
    }

    /// Adds a webhook built from a validated draft; refuses when the registry is full.
    pub fn add(&mut self, draft: ValidDraft, id: WebhookId, now: Millis) -> Result<&Webhook, Error> {
        if !self.has_room() {
            return Err(Error::LimitReached { limit: MAX_WEBHOOKS });
        }
        self.meta.insert(
            id.clone(),
            WebhookMeta {
                retry_mode: draft.retry_mode.unwrap_or_default(),
                body: Some(draft.format.clone()),
                ..WebhookMeta::default()
            },
        );
        self.webhooks.push(Webhook {
            id,
            name: draft.name,
            url: draft.url.url,
            method: draft.method,
            events: draft.events,
            headers: draft.headers,
            enabled: draft.enabled.unwrap_or(true),
            created_at: now.to_rfc3339(),
            last_triggered: None,
            trigger_count: 0,
            failure_count: 0,
        });
        let last = self.webhooks.len() - 1;
        Ok(&self.webhooks[last])
    }

    /// Replaces a webhook's settings; its id, creation time and statistics stay.
    pub fn update(&mut self, id: &WebhookId, draft: ValidDraft) -> Result<&Webhook, Error> {
        self.get(id)?;
        let meta = self.meta.entry(id.clone()).or_default();
        if let Some(mode) = draft.retry_mode {
            meta.retry_mode = mode;
        }
        meta.body = Some(draft.format.clone());
        if draft.enabled == Some(true) {
            self.clear_health(id);
        }
        let w = self.get_mut(id)?;
        w.name = draft.name;
        w.url = draft.url.url;
        w.method = draft.method;
        w.events = draft.events;
        w.headers = draft.headers;
        if let Some(enabled) = draft.enabled {
            w.enabled = enabled;
        }
        Ok(w)
    }

    /// Removes a webhook and returns it.
    pub fn delete(&mut self, id: &WebhookId) -> Result<Webhook, Error> {
        let index = self.webhooks.iter().position(|w| &w.id == id).ok_or_else(|| Error::NotFound(id.clone()))?;
        self.meta.remove(id);
        Ok(self.webhooks.remove(index))
    }

    /// Enables or disables one webhook. Switching it on gives it a clean slate: the reason it was
    /// switched off and its run of failures are forgotten.
    pub fn set_enabled(&mut self, id: &WebhookId, enabled: bool) -> Result<&Webhook, Error> {
        self.get(id)?;
        if enabled {
            self.clear_health(id);
        }
        let w = self.get_mut(id)?;
        w.enabled = enabled;
        Ok(w)
    }

    fn clear_health(&mut self, id: &WebhookId) {
        let meta = self.meta.entry(id.clone()).or_default();
        meta.consecutive_failures = 0;
        meta.disabled_reason = None;
    }

    /// Switches a webhook off because its endpoint said it cannot work again; `reason` is shown.
    /// A webhook already off keeps the reason it had.
    pub fn switch_off(&mut self, id: &WebhookId, reason: String) {
        let Ok(w) = self.get_mut(id) else { return };
        if w.enabled {
            w.enabled = false;
            self.meta.entry(id.clone()).or_default().disabled_reason = Some(reason);
        }
    }

    /// A webhook's settings and health (defaults when none were stored; the format a URL calls
    /// for when none was stored).
    pub fn meta(&self, id: &WebhookId) -> WebhookMeta {
        let mut meta = self.meta.get(id).cloned().unwrap_or_default();
        if meta.body.is_none() {
            let choice = self.get(id).ok().and_then(|w| {
                let url = check_url(&w.url).ok();
                check_format("", "", "", url.as_ref(), Some(w.method)).ok()
            });
            meta.body = Some(choice.unwrap_or_default());
        }
        meta
    }

    /// Resets the statistics of one webhook, or of all when `id` is `None`.
    pub fn clear_stats(&mut self, id: Option<&WebhookId>) -> Result<(), Error> {
        let reset = |w: &mut Webhook| {
            w.trigger_count = 0;
            w.failure_count = 0;
            w.last_triggered = None;
        };
        match id {
            Some(id) => reset(self.get_mut(id)?),
            None => self.webhooks.iter_mut().for_each(reset),
        }
        Ok(())
    }

    /// The webhooks an event of `kind` goes to: enabled, subscribed, and only while the global
    /// switch is on.
    pub fn subscribers(&self, kind: EventKind) -> Vec<WebhookId> {
        if !self.webhooks_enabled {
            return Vec::new();
        }
        self.webhooks.iter().filter(|w| w.enabled && w.subscribes_to(kind)).map(|w| w.id.clone()).collect()
    }

    /// Whether deliveries to `id` may be attempted now (it exists, it is enabled, the switch is on).
    pub fn may_deliver_to(&self, id: &WebhookId) -> bool {
        self.webhooks_enabled && self.get(id).is_ok_and(|w| w.enabled)
    }

    /// Counts a successful delivery. A webhook deleted meanwhile is ignored.
    pub fn record_success(&mut self, id: &WebhookId, at: Millis) {
        if let Ok(w) = self.get_mut(id) {
            w.trigger_count += 1;
            w.last_triggered = Some(at.to_rfc3339());
            self.meta.entry(id.clone()).or_default().consecutive_failures = 0;
        }
    }

    /// Counts a delivery that failed for good, and switches the webhook off when the endpoint said
    /// it is gone (410) or after [`MAX_CONSECUTIVE_FAILURES`] failures in a row. Returns the reason
    /// when it was switched off. A webhook deleted meanwhile is ignored.
    pub fn record_failure(&mut self, id: &WebhookId, status: Option<u16>, reason: &str, at: Millis) -> Option<String> {
        let w = self.get_mut(id).ok()?;
        w.failure_count += 1;
        let was_enabled = w.enabled;
        let meta = self.meta.entry(id.clone()).or_default();
        meta.consecutive_failures += 1;
        let when = at.to_rfc3339();
        let disable = if status == Some(410) {
            Some(format!(
                "Switched off on {when}: the endpoint answered {} Check the URL, then switch the webhook back on.",
                describe_status(410) + "."
            ))
        } else if meta.consecutive_failures >= MAX_CONSECUTIVE_FAILURES {
            Some(format!("Switched off on {when} after {MAX_CONSECUTIVE_FAILURES} deliveries in a row failed (the last: {reason}). Fix the endpoint, then switch the webhook back on; waiting deliveries are kept."))
        } else {
            None
        };
        let reason = disable.filter(|_| was_enabled)?;
        meta.disabled_reason = Some(reason.clone());
        if let Ok(w) = self.get_mut(id) {
            w.enabled = false;
        }
        Some(reason)
    }
}

/// Success rate in percent, from triggers and failures; `None` before the first outcome.
pub fn success_rate(trigger_count: u64, failure_count: u64) -> Option<f64> {
    let total = trigger_count + failure_count;
    (total > 0).then(|| trigger_count as f64 * 100.0 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::webhook::{validate_draft, WebhookDraft};

    fn valid(name: &str, events: &[&str]) -> ValidDraft {
        validate_draft(&WebhookDraft {
            name: name.into(),
            url: "https://example.com/hook".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        })
        .expect("valid draft")
    }

    fn id(n: u8) -> WebhookId {
        WebhookId::from_random([n; 8])
    }

    #[test]
    fn adds_up_to_ten_and_refuses_the_eleventh_unchanged() {
        let mut r = Registry::default();
        for n in 0..10 {
            r.add(valid("w", &["error"]), id(n), Millis(0)).expect("room");
        }
        let before = r.clone();
        assert!(matches!(r.add(valid("w", &["error"]), id(10), Millis(0)), Err(Error::LimitReached { limit: 10 })));
        assert_eq!(r, before);
    }

    #[test]
    fn a_new_webhook_starts_enabled_with_zero_stats() {
        let mut r = Registry::default();
        let w = r.add(valid("Slack", &["error"]), id(1), Millis(1_765_128_600_000)).expect("added").clone();
        assert!(w.enabled);
        assert_eq!((w.trigger_count, w.failure_count, w.last_triggered), (0, 0, None));
        assert_eq!(w.created_at, "2025-12-07T17:30:00.000Z");
    }

    #[test]
    fn update_keeps_identity_and_stats() {
        let mut r = Registry::default();
        r.add(valid("Old", &["error"]), id(1), Millis(5)).expect("added");
        r.record_success(&id(1), Millis(9));
        let w = r.update(&id(1), valid("New", &["milestone"])).expect("updated").clone();
        assert_eq!((w.name.as_str(), w.events.as_slice()), ("New", &[EventKind::Milestone][..]));
        assert_eq!((w.trigger_count, w.created_at.as_str()), (1, "1970-01-01T00:00:00.005Z"));
        assert!(matches!(r.update(&id(2), valid("x", &["error"])), Err(Error::NotFound(_))));
    }

    #[test]
    fn routing_respects_subscription_enabled_flag_and_global_switch() {
        let mut r = Registry::default();
        r.add(valid("a", &["message_sent", "error"]), id(1), Millis(0)).expect("added");
        r.add(valid("b", &["error"]), id(2), Millis(0)).expect("added");
        r.add(valid("c", &["error"]), id(3), Millis(0)).expect("added");
        r.set_enabled(&id(3), false).expect("exists");
        assert_eq!(r.subscribers(EventKind::Error), vec![id(1), id(2)]);
        assert_eq!(r.subscribers(EventKind::MessageSent), vec![id(1)]);
        assert!(r.subscribers(EventKind::Milestone).is_empty());
        r.webhooks_enabled = false;
        assert!(r.subscribers(EventKind::Error).is_empty());
        assert!(!r.may_deliver_to(&id(1)));
    }

    #[test]
    fn stats_count_outcomes_and_clear_one_or_all() {
        let mut r = Registry::default();
        r.add(valid("a", &["error"]), id(1), Millis(0)).expect("added");
        r.add(valid("b", &["error"]), id(2), Millis(0)).expect("added");
        r.record_success(&id(1), Millis(1_000));
        r.record_success(&id(1), Millis(2_000));
        r.record_failure(&id(1), Some(500), "HTTP 500", Millis(3_000));
        r.record_failure(&id(2), Some(500), "HTTP 500", Millis(3_000));
        r.record_failure(&id(9), Some(500), "HTTP 500", Millis(3_000)); // deleted meanwhile: ignored
        let a = r.get(&id(1)).expect("exists");
        assert_eq!((a.trigger_count, a.failure_count), (2, 1));
        assert_eq!(a.last_triggered.as_deref(), Some("1970-01-01T00:00:02.000Z"));
        r.clear_stats(Some(&id(1))).expect("exists");
        assert_eq!(r.get(&id(1)).expect("exists").trigger_count, 0);
        assert_eq!(r.get(&id(2)).expect("exists").failure_count, 1);
        r.clear_stats(None).expect("all");
        assert_eq!(r.get(&id(2)).expect("exists").failure_count, 0);
    }

    #[test]
    fn gone_switches_a_webhook_off_at_once_with_the_reason() {
        let mut r = Registry::default();
        r.add(valid("a", &["error"]), id(1), Millis(0)).expect("added");
        let reason =
            r.record_failure(&id(1), Some(410), "HTTP 410 Gone", Millis(1_765_128_600_000)).expect("switched off");
        assert!(reason.contains("410 Gone") && reason.contains("2025-12-07T17:30:00.000Z"), "{reason}");
        assert!(!r.get(&id(1)).expect("exists").enabled);
        assert_eq!(r.meta(&id(1)).disabled_reason, Some(reason));
        r.set_enabled(&id(1), true).expect("exists");
        let meta = r.meta(&id(1));
        assert_eq!((meta.disabled_reason, meta.consecutive_failures), (None, 0), "switching on forgets the reason");
    }

    #[test]
    fn five_failures_in_a_row_switch_a_webhook_off_and_a_success_resets_the_run() {
        let mut r = Registry::default();
        r.add(valid("a", &["error"]), id(1), Millis(0)).expect("added");
        for _ in 0..4 {
            assert_eq!(r.record_failure(&id(1), Some(500), "HTTP 500", Millis(0)), None);
        }
        r.record_success(&id(1), Millis(0));
        for _ in 0..4 {
            assert_eq!(r.record_failure(&id(1), None, "Could not connect", Millis(0)), None);
        }
        let reason = r.record_failure(&id(1), None, "Could not connect", Millis(0)).expect("the fifth in a row");
        assert!(reason.contains("5 deliveries in a row") && reason.contains("Could not connect"));
        assert_eq!(r.get(&id(1)).expect("exists").failure_count, 9);
        assert_eq!(r.record_failure(&id(1), None, "x", Millis(0)), None, "already off: no new reason");
    }

    #[test]
    fn the_retry_choice_is_kept_per_webhook() {
        let mut r = Registry::default();
        let mut quick = valid("a", &["error"]);
        quick.retry_mode = Some(RetryMode::Quick);
        r.add(quick, id(1), Millis(0)).expect("added");
        r.add(valid("b", &["error"]), id(2), Millis(0)).expect("added");
        assert_eq!((r.meta(&id(1)).retry_mode, r.meta(&id(2)).retry_mode), (RetryMode::Quick, RetryMode::Persistent));
        r.update(&id(1), valid("a", &["error"])).expect("updated");
        assert_eq!(r.meta(&id(1)).retry_mode, RetryMode::Quick, "an edit without a choice keeps it");
        r.delete(&id(1)).expect("deleted");
        assert!(!r.meta.contains_key(&id(1)));
    }

    #[test]
    fn delete_removes_only_that_webhook() {
        let mut r = Registry::default();
        r.add(valid("a", &["error"]), id(1), Millis(0)).expect("added");
        r.add(valid("b", &["error"]), id(2), Millis(0)).expect("added");
        assert_eq!(r.delete(&id(1)).expect("exists").name, "a");
        assert!(matches!(r.delete(&id(1)), Err(Error::NotFound(_))));
        assert_eq!(r.webhooks.len(), 1);
    }

    #[test]
    fn success_rate_is_derived() {
        assert_eq!(success_rate(0, 0), None);
        assert_eq!(success_rate(3, 1), Some(75.0));
    }
}
