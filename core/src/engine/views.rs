//! The typed views the pages are shown, built from the state.

use super::dispatch::redeliver_refusal;
use super::Engine;
use crate::delivery::history::HISTORY_PER_WEBHOOK;
use crate::delivery::outbox::{MAX_PENDING_BYTES, MAX_PENDING_DELIVERIES};
use crate::ports::Ports;
use crate::protocol::views::{
    Collecting, DeliveryState, HistoryEntry, HistoryView, Limits, ListView, Permission, SigningView, StatusView,
    WebhookView,
};
use crate::rules::headers::mask;
use crate::rules::url_check::check_url;
use crate::values::ids::WebhookId;
use crate::webhooks::registry::{success_rate, MAX_WEBHOOKS};
use crate::Error;

impl<P: Ports> Engine<P> {
    /// One webhook as the manager shows it.
    pub(super) fn webhook_view(&self, id: &WebhookId) -> Result<WebhookView, Error> {
        let s = self.state.borrow();
        let registry = s.registry();
        let w = registry.get(id)?;
        let meta = registry.meta(id);
        let body = meta.format_choice();
        let head = s.outbox().head_of(id);
        let delivery = match head {
            None => DeliveryState::Idle,
            Some(_) if s.in_flight.contains(id) => DeliveryState::Sending,
            Some(_) if !registry.webhooks_enabled => {
                DeliveryState::Held { reason: "Webhooks are switched off in Settings.".into() }
            }
            Some(_) if !w.enabled => DeliveryState::Held { reason: "This webhook is switched off.".into() },
            Some(d) => DeliveryState::Waiting {
                next_attempt_at: d.next_attempt_at.to_rfc3339(),
                last_error: d.last_error.clone(),
            },
        };
        let checked = check_url(&w.url).ok();
        Ok(WebhookView {
            id: w.id.clone(),
            name: w.name.clone(),
            url: w.url.clone(),
            host: checked
                .as_ref()
                .map(|u| u.port.map_or_else(|| u.host.clone(), |port| format!("{}:{port}", u.host)))
                .unwrap_or_default(),
            method: w.method,
            events: w.events.clone(),
            headers: w.headers.iter().map(|(k, v)| (k.clone(), mask(v))).collect(),
            enabled: w.enabled,
            created_at: w.created_at.clone(),
            last_triggered: w.last_triggered.clone(),
            trigger_count: w.trigger_count,
            failure_count: w.failure_count,
            success_rate: success_rate(w.trigger_count, w.failure_count),
            retry_mode: meta.retry_mode,
            retry_description: self.policies.retry.describe(meta.retry_mode),
            format: body.format,
            format_label: body.format.label().to_string(),
            template: body.template.clone(),
            chat_id: body.chat_id.clone(),
            signing: SigningView {
                available: !body.format.is_chat(),
                enabled: meta.signing.as_ref().is_some_and(|g| g.enabled && !body.format.is_chat()),
                masked_secret: meta.signing.as_ref().map(|g| g.secret.masked()),
                previous_until: meta
                    .signing
                    .as_ref()
                    .and_then(|g| g.previous.as_ref())
                    .filter(|(_, until)| *until > self.ports.now())
                    .map(|(_, until)| until.to_rfc3339()),
                github: meta.signing.as_ref().is_some_and(|g| g.github),
            },
            filter_summary: meta.filter.summary(),
            filtered_count: meta.filter_state.filtered,
            filter: meta.filter.clone(),
            batch: meta.batch,
            collecting: s
                .batch(id)
                .map(|b| Collecting { count: b.envelopes.len(), closes_at: b.closes_at.to_rfc3339() }),
            disabled_reason: meta.disabled_reason,
            consecutive_failures: meta.consecutive_failures,
            pending_deliveries: s.outbox().pending_for(id),
            delivery,
            site_permission: checked.filter(|u| !u.is_local()).map(|u| u.origin_pattern()),
        })
    }

    /// The manager's whole list.
    pub(super) fn list_view(&self) -> ListView {
        let ids: Vec<WebhookId> = self.state.borrow().registry().webhooks.iter().map(|w| w.id.clone()).collect();
        let webhooks: Vec<WebhookView> = ids.iter().filter_map(|id| self.webhook_view(id).ok()).collect();
        let s = self.state.borrow();
        let registry = s.registry();
        let (triggers, failures) =
            registry.webhooks.iter().fold((0, 0), |(t, f), w| (t + w.trigger_count, f + w.failure_count));
        let dropped = s.outbox().dropped_when_full;
        ListView {
            webhooks_enabled: registry.webhooks_enabled,
            enabled_count: registry.webhooks.iter().filter(|w| w.enabled).count(),
            success_rate: success_rate(triggers, failures),
            pending_deliveries: s.outbox().len(),
            dropped_when_full: dropped,
            add: if registry.has_room() {
                Permission::granted()
            } else {
                Permission::refused(format!(
                    "You have {MAX_WEBHOOKS} webhooks, the most AutoChat supports. Delete one to add another."
                ))
            },
            warning: (dropped > 0).then(|| {
                let (n, verb) = if dropped == 1 {
                    (String::from("1 delivery"), "was")
                } else {
                    (format!("{dropped} deliveries"), "were")
                };
                format!(
                    "{n} {verb} never queued because the outbox was full ({}). Check the endpoints that are failing.",
                    outbox_limits()
                )
            }),
            legacy_import: registry.legacy_import.clone(),
            limits: Limits {
                max_webhooks: MAX_WEBHOOKS,
                max_pending_deliveries: MAX_PENDING_DELIVERIES,
                max_pending_bytes: MAX_PENDING_BYTES,
                history_entries: HISTORY_PER_WEBHOOK,
            },
            webhooks,
        }
    }

    /// A webhook's history, newest first.
    pub(super) fn history_view(&self, webhook: &WebhookId) -> Result<HistoryView, Error> {
        let mut s = self.state.borrow_mut(); // a history is decoded when first shown
        s.registry().get(webhook)?;
        let history = s.history(webhook).cloned();
        let entries = history
            .map(|h| {
                h.entries
                    .iter()
                    .map(|e| HistoryEntry {
                        at: e.at.to_rfc3339(),
                        delivery_id: e.delivery_id.clone(),
                        event: e.event.clone(),
                        attempt: e.attempt,
                        status: e.status,
                        error: e.error.clone(),
                        duration_ms: e.duration_ms,
                        response: e.response.clone(),
                        outcome: e.outcome,
                        body: e.body.clone(),
                        redeliver: Permission::from_check(
                            redeliver_refusal(s.outbox().contains(&e.delivery_id), false)
                                .map_or(Ok(()), |r| Err(r.to_string())),
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(HistoryView { entries })
    }

    /// The dispatcher's state.
    pub(super) fn status_view(&self) -> StatusView {
        let s = self.state.borrow();
        StatusView {
            pending_deliveries: s.outbox().len(),
            pending_bytes: s.outbox().bytes(),
            in_flight: s.in_flight.len(),
            dropped_when_full: s.outbox().dropped_when_full,
            alarm_at: s.alarm_at.map(|t| t.to_rfc3339()),
            online: self.ports.online(),
            storage_writes: self.writer.borrow().count,
            wasm_memory_bytes: self.ports.memory_bytes(),
            version: self.version.clone(),
        }
    }
}

/// The outbox's two limits, in words: "10,000 deliveries or 64 MiB waiting".
pub(super) fn outbox_limits() -> String {
    format!("{} deliveries or {} MiB waiting", thousands(MAX_PENDING_DELIVERIES), MAX_PENDING_BYTES >> 20)
}

/// `10000` as `10,000`.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
