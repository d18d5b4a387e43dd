//! Deliveries: from an emitted event to requests and outcomes, plus the manager's Test, Discard
//! and Redeliver.

use super::state::{Part, When};
use super::Engine;
use crate::delivery::history::{snippet, Entry, Outcome};
use crate::delivery::outbox::Delivery;
use crate::delivery::request::build_request;
use crate::formats::answers::{self, Answer};
use crate::formats::{render, render_batch, Format, Occurrence};
use crate::ports::Ports;
use crate::protocol::views::{DeliveryRef, Discarded, EmitResult, Redelivered, TestResult};
use crate::rules::event::{Envelope, Event};
use crate::rules::retry::{describe_outcome, judge, Verdict};
use crate::values::http::{HttpOutcome, HttpRequest};
use crate::values::ids::{DeliveryId, WebhookId};
use crate::values::time::Millis;
use crate::Error;
use std::rc::Rc;

/// What a delivery waiting for the network says.
const OFFLINE: &str = "Offline: waiting for the network to come back (no attempt was used).";

impl<P: Ports> Engine<P> {
    /// Emits an event: one delivery per subscribed, enabled webhook, stored before any is sent.
    pub(super) async fn emit(self: &Rc<Self>, event: &Event) -> Result<EmitResult, Error> {
        let now = self.ports.now();
        let envelope = Envelope::new(event, now, &self.version);
        let body = envelope.to_json();
        let (queued, dropped, filtered) = {
            let mut s = self.state.borrow_mut();
            let (mut queued, mut dropped, mut filtered) = (Vec::new(), Vec::new(), Vec::new());
            let mut envelope_value: Option<serde_json::Value> = None;
            for webhook_id in s.registry().subscribers(event.kind()) {
                if !s.registry().meta(&webhook_id).filter.is_empty() {
                    let value = envelope_value.get_or_insert_with(|| serde_json::from_str(&body).unwrap_or_default());
                    let meta = s.registry_mut(When::Now).meta.entry(webhook_id.clone()).or_default();
                    if !meta.filter.admit(&mut meta.filter_state, event.kind(), value, now) {
                        filtered.push(webhook_id);
                        continue;
                    }
                }
                let id = DeliveryId::from_random(self.random_bytes());
                if let Some(settings) = s.registry().meta(&webhook_id).batch {
                    let closes_at = now.plus(u64::from(settings.window_seconds) * 1_000);
                    let batch = s.collect(&webhook_id, id, closes_at, body.clone());
                    queued.push(DeliveryRef { id: batch, webhook_id });
                    continue;
                }
                let made = DeliveryRef { id: id.clone(), webhook_id: webhook_id.clone() };
                let rendered = s.registry().get(&webhook_id).map_err(|e| e.to_string()).and_then(|w| {
                    let choice = s.registry().meta(&webhook_id).format_choice();
                    render(
                        choice.format,
                        &choice.settings(&w.url),
                        &Occurrence { envelope: &envelope, envelope_json: &body },
                    )
                });
                let rendered = match rendered {
                    Ok(rendered) => rendered,
                    Err(reason) => {
                        self.record_unbuildable(&mut s, &webhook_id, &id, &envelope.event, &body, &reason, now);
                        continue;
                    }
                };
                let delivery = Delivery::new(id, webhook_id, envelope.event.clone(), rendered, now);
                if s.queue(delivery) {
                    queued.push(made);
                } else {
                    dropped.push(made);
                }
            }
            self.close_batches(&mut s, now);
            (queued, dropped, filtered)
        };
        if !queued.is_empty() || !dropped.is_empty() || !filtered.is_empty() {
            self.flush_urgent().await?;
            self.kick();
        }
        Ok(EmitResult {
            event: event.kind(),
            timestamp: envelope.timestamp,
            deliveries: queued,
            dropped_when_full: dropped,
            filtered,
        })
    }

    /// Sends the test payload to one webhook, enabled or not, outside the outbox: no retries, and
    /// the webhook's statistics are untouched.
    pub(super) async fn test(&self, id: &WebhookId) -> Result<TestResult, Error> {
        let now = self.ports.now();
        let delivery = DeliveryId::from_random(self.random_bytes());
        let timeout = self.policies.retry.timeout;
        let (request, format) = {
            let s = self.state.borrow();
            let w = s.registry().get(id)?;
            let meta = s.registry().meta(id);
            let choice = meta.format_choice();
            let envelope = Envelope::test(&w.name, now, &self.version);
            let json = envelope.to_json();
            let occurrence = Occurrence { envelope: &envelope, envelope_json: &json };
            match render(choice.format, &choice.settings(&w.url), &occurrence) {
                Ok(body) => {
                    let request =
                        build_request(w, choice.format, meta.signing.as_ref(), &delivery, "test", &body, now, timeout);
                    (request, choice.format)
                }
                Err(reason) => {
                    return Ok(TestResult {
                        ok: false,
                        status: None,
                        duration_ms: 0,
                        error: Some(format!("AutoChat could not build the message: {reason}")),
                        response: None,
                        note: None,
                        delivery_id: delivery,
                    })
                }
            }
        };
        let outcome = match request.unsendable() {
            Some(why) => HttpOutcome::NotSent(why),
            None => self.ports.send(request).await,
        };
        let duration_ms = self.ports.now().since(now);
        let answer = service_answer(format, &outcome);
        let error = describe_outcome(&outcome, timeout).map(|reason| match &answer.detail {
            Some(detail) => format!("{reason} ({detail})"),
            None => reason,
        });
        let (status, response) = match outcome {
            HttpOutcome::Response { status, body, .. } => (Some(status), Some(snippet(&body))),
            _ => (None, None),
        };
        let note = answer.note.filter(|_| error.is_none());
        Ok(TestResult { ok: error.is_none(), status, duration_ms, error, response, note, delivery_id: delivery })
    }

    /// Removes waiting deliveries of a webhook (one, or all), recording each in its history.
    pub(super) async fn discard(
        self: &Rc<Self>,
        webhook: &WebhookId,
        only: Option<&DeliveryId>,
    ) -> Result<Discarded, Error> {
        let now = self.ports.now();
        let count = self
            .commit(&[Part::Queue(webhook), Part::History(webhook)], |s| {
                let known = s.registry().get(webhook).is_ok();
                let gone: Vec<Delivery> = match only {
                    Some(id) => s.remove_delivery(webhook, id, When::Now).into_iter().collect(),
                    None => s.remove_deliveries_of(webhook),
                };
                // Any waiting delivery can be discarded, even one whose webhook is gone.
                if !known {
                    return if gone.is_empty() { Err(Error::NotFound(webhook.clone())) } else { Ok(gone.len()) };
                }
                let history = s.history_mut(webhook, When::Now);
                for d in &gone {
                    history.record(Entry {
                        at: now,
                        delivery_id: d.id.clone(),
                        event: d.event.clone(),
                        attempt: d.attempts,
                        status: None,
                        error: Some("Discarded by you before it was delivered.".into()),
                        duration_ms: 0,
                        response: None,
                        outcome: Outcome::Discarded,
                        body: d.body.clone(),
                    });
                }
                Ok(gone.len())
            })
            .await?;
        self.kick();
        Ok(Discarded { discarded: count })
    }

    /// Queues a past delivery again, with the same id and payload.
    pub(super) async fn redeliver(
        self: &Rc<Self>,
        webhook: &WebhookId,
        delivery: &DeliveryId,
    ) -> Result<Redelivered, Error> {
        let now = self.ports.now();
        let enabled = self
            .commit(&[Part::Queue(webhook)], |s| {
                s.registry().get(webhook)?;
                let enabled = s.registry().may_deliver_to(webhook);
                if let Some(reason) = redeliver_refusal(s.outbox().contains(delivery), false) {
                    return Err(Error::Refused(reason.into()));
                }
                let past = s
                    .history(webhook)
                    .and_then(|h| h.payload(delivery))
                    .ok_or_else(|| Error::Refused(redeliver_refusal(false, true).unwrap_or_default().into()))?;
                let (event, unbuilt) = (past.event.clone(), past.unbuilt());
                let mut body = past.body.clone();
                if unbuilt {
                    // Built now, with the webhook's format as it is: the fix that makes it buildable
                    // (a template corrected) is why one sends it again.
                    body = self.rebuild(s, webhook, &event, &body).map_err(|reason| {
                        Error::Refused(format!("AutoChat still cannot build the message: {reason}"))
                    })?;
                }
                // Asked first: a refused Redeliver is the user's to try again, not an event dropped.
                if !s.outbox().has_room(body.len())
                    || !s.queue(Delivery::new(delivery.clone(), webhook.clone(), event, body, now))
                {
                    return Err(Error::Refused(
                        "The outbox is full; wait for waiting deliveries to go out, then try again.".into(),
                    ));
                }
                Ok(enabled)
            })
            .await?;
        self.kick();
        Ok(Redelivered { delivery_id: delivery.clone(), waits_for_enable: !enabled })
    }

    /// A webhook's body for an event (or a batch) that could not be built before, from the
    /// envelope text its history kept.
    fn rebuild(&self, s: &super::state::State, webhook: &WebhookId, event: &str, kept: &str) -> Result<String, String> {
        let w = s.registry().get(webhook).map_err(|e| e.to_string())?;
        let choice = s.registry().meta(webhook).format_choice();
        let settings = choice.settings(&w.url);
        let unreadable = |_| "its event was not kept readably".to_string();
        if event == "batch" {
            let envelopes: Vec<Envelope> = serde_json::from_str(kept).map_err(unreadable)?;
            return render_batch(choice.format, &settings, &envelopes, &self.version);
        }
        let envelope: Envelope = serde_json::from_str(kept).map_err(unreadable)?;
        render(choice.format, &settings, &Occurrence { envelope: &envelope, envelope_json: kept })
    }

    /// An event that could not be turned into a webhook's body (a template that no longer fits,
    /// a card that would not pass): counted as a failure and written into the history.
    #[allow(clippy::too_many_arguments)] // the facts of one failed delivery
    fn record_unbuildable(
        &self,
        s: &mut super::state::State,
        webhook: &WebhookId,
        delivery: &DeliveryId,
        event: &str,
        envelope: &str,
        reason: &str,
        now: Millis,
    ) {
        let error = format!("AutoChat could not build the message: {reason}");
        s.registry_mut(When::Now).record_failure(webhook, None, &error, now);
        record_unsent(s, webhook, delivery, event, envelope, error, now);
    }

    /// Turns every due batch into a delivery (marked for storage; the caller stores it before any
    /// request is made). Returns whether any was closed.
    pub(super) fn close_batches(&self, s: &mut super::state::State, now: Millis) -> bool {
        let due = s.due_batches(now);
        for webhook in &due {
            let Some(batch) = s.take_batch(webhook) else { continue };
            let Ok(w) = s.registry().get(webhook) else { continue };
            let choice = s.registry().meta(webhook).format_choice();
            let envelopes: Vec<Envelope> =
                batch.envelopes.iter().filter_map(|e| serde_json::from_str(e).ok()).collect();
            let joined = format!("[{}]", batch.envelopes.join(","));
            match render_batch(choice.format, &choice.settings(&w.url), &envelopes, &self.version) {
                Ok(body) => {
                    let queued = s.queue(Delivery::new(batch.id.clone(), webhook.clone(), "batch".into(), body, now));
                    if !queued {
                        // The outbox's doing, not the endpoint's: counted as dropped (by `queue`) and
                        // kept in the history for Redeliver, but not a failure of the webhook, which
                        // five in a row would switch off while its endpoint is healthy.
                        let error = format!(
                            "Never queued: the outbox was full ({}). Redeliver it once there is room.",
                            super::views::outbox_limits()
                        );
                        record_unsent(s, webhook, &batch.id, "batch", &joined, error, now);
                    }
                }
                Err(reason) => self.record_unbuildable(s, webhook, &batch.id, "batch", &joined, &reason, now),
            }
        }
        !due.is_empty()
    }

    /// Closes the batches whose window has passed, stores them, then carries on.
    pub(super) async fn close_due_batches(self: Rc<Self>) {
        let now = self.ports.now();
        let closed = {
            let mut s = self.state.borrow_mut();
            s.closing_batches = false;
            self.close_batches(&mut s, now)
        };
        if closed {
            let _ = self.flush_urgent().await;
        }
        self.kick();
    }

    /// Starts every due attempt that may start.
    pub(super) fn start_due_attempts(self: &Rc<Self>, now: Millis) {
        let starts: Vec<(WebhookId, DeliveryId, HttpRequest)> = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let due = s.outbox().due(now, |w| s.not_before(w), &s.in_flight);
            let mut starts = Vec::with_capacity(due.len());
            // Persist first: a delivery whose write has not completed waits for it.
            for d in due.into_iter().filter(|d| s.is_stored(&d.id)) {
                let Ok(w) = s.registry().get(&d.webhook_id) else { continue };
                let meta = s.registry().meta(&w.id);
                let format = meta.format_choice().format;
                let timeout = self.policies.retry.timeout;
                let request = build_request(w, format, meta.signing.as_ref(), &d.id, &d.event, &d.body, now, timeout);
                starts.push((w.id.clone(), d.id.clone(), request, format.spacing()));
            }
            for (webhook, _, _, spacing) in &starts {
                s.in_flight.insert(webhook.clone());
                if !spacing.is_zero() {
                    s.spacing.insert(webhook.clone(), now.plus(crate::rules::retry::ms(*spacing)));
                }
            }
            if !starts.is_empty() {
                s.touch_webhooks();
            }
            starts.into_iter().map(|(w, d, r, _)| (w, d, r)).collect()
        };
        for (webhook, delivery, request) in starts {
            let engine = Rc::clone(self);
            self.spawn(async move { engine.attempt(webhook, delivery, request).await });
        }
    }

    /// One attempt of one delivery: send, judge, record, store, continue.
    async fn attempt(self: Rc<Self>, webhook: WebhookId, delivery: DeliveryId, request: HttpRequest) {
        let started = self.ports.now();
        let outcome = match request.unsendable() {
            Some(why) => HttpOutcome::NotSent(why),
            None => self.ports.send(request).await,
        };
        let now = self.ports.now();
        let offline = matches!(outcome, HttpOutcome::NetworkError(_)) && !self.ports.online();
        let random = self.ports.unit();
        self.record_outcome(&webhook, &delivery, &outcome, started, now, offline, random);
        self.flush_soon();
        self.kick();
    }

    /// Applies an attempt's outcome to the delivery, the statistics and the history.
    #[allow(clippy::too_many_arguments)] // one attempt's facts, all needed together
    fn record_outcome(
        &self,
        webhook: &WebhookId,
        delivery: &DeliveryId,
        outcome: &HttpOutcome,
        started: Millis,
        now: Millis,
        offline: bool,
        random: f64,
    ) {
        let mut s = self.state.borrow_mut();
        s.in_flight.remove(webhook);
        s.touch_webhooks();
        let meta = s.registry().meta(webhook);
        let (mode, format) = (meta.retry_mode, meta.format_choice().format);
        let answer = service_answer(format, outcome);
        let policy = &self.policies.retry;
        // The delivery is gone if it was discarded, or its webhook deleted, meanwhile.
        let Some(d) = s.delivery_mut(webhook, delivery, When::Soon) else { return };
        if offline {
            d.last_error = Some(OFFLINE.into());
            return;
        }
        d.attempts += 1;
        let (attempt, event, body) = (d.attempts, d.event.clone(), d.body.clone());
        let status = match outcome {
            HttpOutcome::Response { status, .. } => Some(*status),
            _ => None,
        };
        let recorded = match judge(policy, mode, attempt, outcome, now, random, &answer) {
            Verdict::RetryAt(at, reason) => {
                d.next_attempt_at = at;
                d.last_error = Some(reason);
                Outcome::Retrying
            }
            Verdict::Delivered => {
                s.remove_delivery(webhook, delivery, When::Soon);
                s.registry_mut(When::Soon).record_success(webhook, now);
                Outcome::Delivered
            }
            Verdict::Failed(reason) => {
                s.remove_delivery(webhook, delivery, When::Soon);
                let registry = s.registry_mut(When::Soon);
                // The service's own words first: counting the failure would otherwise switch the
                // webhook off in general terms (a 410, or the fifth failure in a row), and a webhook
                // already off keeps its reason.
                if let Some(gone) = answer.gone.clone() {
                    registry.switch_off(webhook, format!("Switched off on {}: {gone}", now.to_rfc3339()));
                }
                registry.record_failure(webhook, status, &reason, now);
                Outcome::Failed
            }
        };
        if s.history(webhook).is_some() {
            s.history_mut(webhook, When::Soon).record(Entry {
                at: started,
                delivery_id: delivery.clone(),
                event,
                attempt,
                status,
                error: describe_outcome(outcome, policy.timeout).map(|reason| match &answer.detail {
                    Some(detail) => format!("{reason} ({detail})"),
                    None => reason,
                }),
                duration_ms: now.since(started),
                response: match outcome {
                    HttpOutcome::Response { body, .. } => Some(snippet(body)),
                    _ => None,
                },
                outcome: recorded,
                body,
            });
        }
    }
}

/// What the destination's answer says beyond its status.
fn service_answer(format: Format, outcome: &HttpOutcome) -> Answer {
    match outcome {
        HttpOutcome::Response { status, body, .. } => answers::read(format, *status, body),
        _ => Answer::default(),
    }
}

/// Writes into a webhook's history an event that was never sent (attempt 0, failed, its envelope
/// kept), which Redeliver builds again (see `Entry::unbuilt`).
fn record_unsent(
    s: &mut super::state::State,
    webhook: &WebhookId,
    delivery: &DeliveryId,
    event: &str,
    envelope: &str,
    error: String,
    now: Millis,
) {
    s.history_mut(webhook, When::Now).record(Entry {
        at: now,
        delivery_id: delivery.clone(),
        event: event.to_string(),
        attempt: 0,
        status: None,
        error: Some(error),
        duration_ms: 0,
        response: None,
        outcome: Outcome::Failed,
        body: envelope.to_string(),
    });
}

/// Why a delivery cannot be redelivered: it still waits, or it left the history.
pub(super) fn redeliver_refusal(waiting: bool, gone: bool) -> Option<&'static str> {
    if waiting {
        Some("This delivery is still waiting to be sent; AutoChat will keep trying it.")
    } else if gone {
        Some("That delivery is no longer in the history (only the last 50 attempts are kept).")
    } else {
        None
    }
}
