//! The webhook registry: the user's webhooks, the global switch, and the statistics derived from
//! delivery outcomes. Pure data and rules; persistence is the engine's job.

use crate::conditions::{Filter, FilterState};
use crate::delivery::batch::BatchSettings;
use crate::formats::detect::signed_by_default;
use crate::rules::event::EventKind;
use crate::rules::headers::mask;
use crate::rules::retry::{describe_status, RetryMode};
use crate::rules::url_check::check_url;
use crate::signing::{Secret, Signing};
use crate::values::ids::WebhookId;
use crate::values::small_map::SmallMap;
use crate::values::time::Millis;
use crate::webhooks::format_choice::{check_format, FormatChoice};
use crate::webhooks::transfer::TransferReport;
use crate::webhooks::webhook::{ValidDraft, Webhook};
use crate::Error;
use serde::{Deserialize, Serialize};

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
    /// How its requests are signed; `None` in data saved before AutoChat signed (the engine
    /// gives such webhooks a secret when it loads them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing: Option<Signing>,
    /// The conditions its events must meet.
    pub filter: Filter,
    /// What the filter remembers (last delivery, messages seen, events filtered out).
    pub filter_state: FilterState,
    /// Batching, when its events are collected and sent together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSettings>,
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
    pub meta: SmallMap<WebhookId, WebhookMeta>,
    /// What the import from AutoChat 4.x did, until the user dismisses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_import: Option<TransferReport>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry { webhooks_enabled: true, webhooks: Vec::new(), meta: SmallMap::new(), legacy_import: None }
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
    /// `fresh` is the secret it signs with unless the user gave their own.
    pub fn add(&mut self, draft: ValidDraft, id: WebhookId, now: Millis, fresh: Secret) -> Result<&Webhook, Error> {
        if !self.has_room() {
            return Err(Error::LimitReached { limit: MAX_WEBHOOKS });
        }
        self.meta.insert(
            id.clone(),
            WebhookMeta {
                retry_mode: draft.retry_mode.unwrap_or_default(),
                body: Some(draft.format.clone()),
                signing: Some(draft.signing.create(fresh, signed_by_default(&draft.url.url))),
                filter: draft.filter.clone().unwrap_or_default(),
                batch: draft.batch,
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
        self.webhooks.get(last).ok_or_else(|| Error::Internal("the webhook just added is missing".into()))
    }

    /// Replaces a webhook's settings; its id, creation time and statistics stay.
    pub fn update(&mut self, id: &WebhookId, draft: ValidDraft, now: Millis) -> Result<&Webhook, Error> {
        self.get(id)?;
        let meta = self.meta.entry(id.clone()).or_default();
        if let Some(mode) = draft.retry_mode {
            meta.retry_mode = mode;
        }
        meta.body = Some(draft.format.clone());
        if let Some(signing) = meta.signing.as_mut() {
            draft.signing.apply(signing, now);
        }
        if let Some(filter) = draft.filter.clone() {
            meta.filter = filter;
        }
        meta.batch = draft.batch;
        if draft.enabled == Some(true) {
            self.clear_health(id);
        }
        let w = self.get_mut(id)?;
        w.name = draft.name;
        w.url = draft.url.url;
        w.method = draft.method;
        w.events = draft.events;
        // A value sent back masked, as the page was shown it, keeps what is stored.
        let mut headers = draft.headers;
        for (name, value) in headers.iter_mut() {
            if let Some(stored) = w.headers.get(name).filter(|stored| mask(stored) == *value) {
                *value = stored.clone();
            }
        }
        w.headers = headers;
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
mod tests;
