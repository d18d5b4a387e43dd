//! Deliveries: from an emitted event to requests, outcomes, history and the next wake-up.

use super::Engine;
use crate::delivery::history::{snippet, Entry, Outcome};
use crate::delivery::outbox::Delivery;
use crate::delivery::request::build_request;
use crate::ports::Ports;
use crate::rules::event::{Envelope, Event};
use crate::rules::retry::{describe_outcome, judge, Verdict};
use crate::values::http::{HttpOutcome, HttpRequest};
use crate::values::ids::{DeliveryId, WebhookId};
use crate::values::time::Millis;
use crate::Error;
use serde_json::{json, Value};
use std::rc::Rc;

/// Waits up to this long also get an in-memory timer; longer ones rely on the alarm alone.
const TIMER_HORIZON_MS: u64 = 60_000;
/// Slack added to the in-flight watchdog alarm beyond the request timeout.
const WATCHDOG_SLACK_MS: u64 = 5_000;
/// While offline, the alarm looks again this often, in case the worker stops meanwhile.
const OFFLINE_RECHECK_MS: u64 = 60_000;
/// While offline and alive, the worker looks again this often (not every browser fires `online`
/// in a service worker).
const OFFLINE_POLL_MS: u64 = 2_000;
/// What a delivery waiting for the network says.
const OFFLINE: &str = "Offline: waiting for the network to come back (no attempt was used).";

impl<P: Ports> Engine<P> {
    /// Emits an event: one delivery per subscribed, enabled webhook, stored before any is sent.
    pub async fn emit(self: &Rc<Self>, event: &Event) -> Result<Value, Error> {
        let now = self.ports.now();
        let envelope = Envelope::new(event, now, &self.version);
        let body = envelope.to_json();
        let (queued, dropped) = {
            let mut s = self.state.borrow_mut();
            let (mut queued, mut dropped) = (Vec::new(), Vec::new());
            for webhook_id in s.registry.subscribers(event.kind()) {
                let id = DeliveryId::from_random(self.random_bytes());
                let made = json!({ "id": id, "webhookId": webhook_id });
                let delivery = Delivery {
                    id,
                    webhook_id,
                    event: envelope.event.clone(),
                    body: body.clone(),
                    created_at: now,
                    attempts: 0,
                    next_attempt_at: now,
                    last_error: None,
                    seq: 0,
                };
                let (webhook, id) = (delivery.webhook_id.clone(), delivery.id.clone());
                if s.outbox.push(delivery) {
                    s.dirty.delivery(&webhook, &id);
                    queued.push(made)
                } else {
                    dropped.push(made)
                }
            }
            s.dirty.outbox = true;
            (queued, dropped)
        };
        if !queued.is_empty() || !dropped.is_empty() {
            self.flush_urgent().await?;
            self.kick();
        }
        Ok(json!({
            "event": envelope.event,
            "timestamp": envelope.timestamp,
            "deliveries": queued,
            "droppedWhenFull": dropped,
        }))
    }

    /// Sends the test payload to one webhook, enabled or not, outside the outbox: no retries, and
    /// the webhook's statistics are untouched.
    pub(super) async fn test(&self, id: &WebhookId) -> Result<Value, Error> {
        let now = self.ports.now();
        let delivery = DeliveryId::from_random(self.random_bytes());
        let request = {
            let s = self.state.borrow();
            let w = s.registry.get(id)?;
            let body = Envelope::test(&w.name, now, &self.version).to_json();
            build_request(w, &delivery, "test", &body, now, self.policy.timeout_ms)
        };
        let outcome = self.ports.send(request).await;
        let duration = self.ports.now().since(now);
        let error = describe_outcome(&outcome, self.policy.timeout_ms);
        let (status, response) = match outcome {
            HttpOutcome::Response { status, body, .. } => (Some(status), Some(snippet(&body))),
            _ => (None, None),
        };
        Ok(
            json!({ "ok": error.is_none(), "status": status, "durationMs": duration, "error": error, "response": response, "deliveryId": delivery }),
        )
    }

    /// Removes waiting deliveries of a webhook (one, or all), recording each in its history.
    pub(super) async fn discard(
        self: &Rc<Self>,
        webhook: &WebhookId,
        only: Option<&DeliveryId>,
    ) -> Result<Value, Error> {
        let now = self.ports.now();
        let count = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            s.registry.get(webhook)?;
            let gone: Vec<Delivery> = match only {
                Some(id) => s.outbox.remove(webhook, id).into_iter().collect(),
                None => s.outbox.remove_for_webhook(webhook),
            };
            for d in &gone {
                s.dirty.delivery(webhook, &d.id);
            }
            let history = s.histories.entry(webhook.clone()).or_default();
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
            s.dirty.histories.insert(webhook.clone());
            gone.len()
        };
        self.flush().await?;
        self.kick();
        Ok(json!({ "discarded": count }))
    }

    /// Queues a past delivery again, with the same id and payload.
    pub(super) async fn redeliver(self: &Rc<Self>, webhook: &WebhookId, delivery: &DeliveryId) -> Result<Value, Error> {
        let now = self.ports.now();
        let enabled = {
            let mut s = self.state.borrow_mut();
            let enabled = s.registry.may_deliver_to(webhook);
            s.registry.get(webhook)?;
            if s.outbox.contains(delivery) {
                return Err(Error::Refused(
                    "This delivery is still waiting to be sent; AutoChat will keep trying it.".into(),
                ));
            }
            let (event, body) = s
                .histories
                .get(webhook)
                .and_then(|h| h.payload(delivery))
                .map(|(e, b)| (e.to_string(), b.to_string()))
                .ok_or_else(|| {
                    Error::Refused(
                        "That delivery is no longer in the history (only the last 50 attempts are kept).".into(),
                    )
                })?;
            let queued = s.outbox.push(Delivery {
                id: delivery.clone(),
                webhook_id: webhook.clone(),
                event,
                body,
                created_at: now,
                attempts: 0,
                next_attempt_at: now,
                last_error: None,
                seq: 0,
            });
            if !queued {
                return Err(Error::Refused(
                    "The outbox is full; wait for waiting deliveries to go out, then try again.".into(),
                ));
            }
            s.dirty.outbox = true;
            s.dirty.delivery(webhook, delivery);
            enabled
        };
        self.flush().await?;
        self.kick();
        Ok(json!({ "deliveryId": delivery, "queued": true, "waitsForEnable": !enabled }))
    }

    /// Starts every due attempt that may start, then re-arms the wake-ups.
    pub(super) fn kick(self: &Rc<Self>) {
        let now = self.ports.now();
        let online = self.ports.online();
        let starts: Vec<(WebhookId, DeliveryId, HttpRequest)> = if !online {
            Vec::new()
        } else {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let due = s.outbox.due(now, |w| s.registry.may_deliver_to(w), &s.in_flight);
            let mut starts = Vec::with_capacity(due.len());
            for d in due {
                let Ok(w) = s.registry.get(&d.webhook_id) else { continue };
                starts.push((
                    w.id.clone(),
                    d.id.clone(),
                    build_request(w, &d.id, &d.event, &d.body, now, self.policy.timeout_ms),
                ));
            }
            s.in_flight.extend(starts.iter().map(|(w, _, _)| w.clone()));
            starts
        };
        for (webhook, delivery, request) in starts {
            let engine = Rc::clone(self);
            self.ports.spawn(Box::pin(async move { engine.attempt(webhook, delivery, request).await }));
        }
        if self.campaign_due_at().is_some_and(|at| at <= now) {
            self.state.borrow_mut().sending = true;
            let engine = Rc::clone(self);
            self.ports.spawn(Box::pin(async move { engine.send_campaign_message().await }));
        }
        self.rearm(now, online);
    }

    /// One attempt of one delivery: send, judge, record, store, continue.
    async fn attempt(self: Rc<Self>, webhook: WebhookId, delivery: DeliveryId, request: HttpRequest) {
        let started = self.ports.now();
        let outcome = self.ports.send(request).await;
        let now = self.ports.now();
        let offline = matches!(outcome, HttpOutcome::NetworkError(_)) && !self.ports.online();
        let random = self.ports.unit();
        {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            s.in_flight.remove(&webhook);
            let mode = s.registry.meta(&webhook).retry_mode;
            // The delivery is gone if it was discarded, or its webhook deleted, meanwhile.
            if let Some(d) = s.outbox.get_mut(&webhook, &delivery) {
                s.lazy.delivery(&webhook, &delivery);
                if offline {
                    d.last_error = Some(OFFLINE.into());
                } else {
                    d.attempts += 1;
                    let (attempt, event, body) = (d.attempts, d.event.clone(), d.body.clone());
                    let verdict = judge(&self.policy, mode, attempt, &outcome, now, random);
                    let status = match &outcome {
                        HttpOutcome::Response { status, .. } => Some(*status),
                        _ => None,
                    };
                    let recorded = match verdict {
                        Verdict::RetryAt(at, reason) => {
                            d.next_attempt_at = at;
                            d.last_error = Some(reason);
                            Outcome::Retrying
                        }
                        Verdict::Delivered => {
                            s.outbox.remove(&webhook, &delivery);
                            s.registry.record_success(&webhook, now);
                            s.lazy.registry = true;
                            Outcome::Delivered
                        }
                        Verdict::Failed(reason) => {
                            s.outbox.remove(&webhook, &delivery);
                            s.registry.record_failure(&webhook, status, &reason, now);
                            s.lazy.registry = true;
                            Outcome::Failed
                        }
                    };
                    if let Some(history) = s.histories.get_mut(&webhook) {
                        history.record(Entry {
                            at: started,
                            delivery_id: delivery.clone(),
                            event,
                            attempt,
                            status,
                            error: describe_outcome(&outcome, self.policy.timeout_ms),
                            duration_ms: now.since(started),
                            response: match &outcome {
                                HttpOutcome::Response { body, .. } => Some(snippet(body)),
                                _ => None,
                            },
                            outcome: recorded,
                            body,
                        });
                        s.lazy.histories.insert(webhook.clone());
                    }
                }
            }
        }
        self.flush_soon();
        self.kick();
    }

    /// Keeps the alarm (and, for short waits, a timer) set for the earliest pending work.
    fn rearm(self: &Rc<Self>, now: Millis, online: bool) {
        let campaign_at = self.campaign_due_at();
        let timer = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let mut next_due = s.outbox.next_due(|w| s.registry.may_deliver_to(w), &s.in_flight);
            if !online {
                next_due = next_due.map(|at| at.max(now.plus(OFFLINE_RECHECK_MS)));
            }
            let watchdog =
                (!s.in_flight.is_empty() || s.sending).then(|| now.plus(self.policy.timeout_ms + WATCHDOG_SLACK_MS));
            let wanted = next_due.into_iter().chain(watchdog).chain(campaign_at).min();
            // An alarm that fires earlier than needed is harmless (the wake finds nothing due and
            // re-arms), and each alarm call is an extension API round trip, so the alarm is only
            // moved when it would fire too late, and left to lapse when there is nothing to wait for.
            let keep = match (s.alarm_at, wanted) {
                (Some(armed), Some(want)) => armed > now && armed <= want,
                (_, None) => true,
                (None, Some(_)) => false,
            };
            if !keep {
                self.ports.arm_alarm(wanted);
                s.alarm_at = wanted;
            }
            let deliveries_at = if online { next_due } else { next_due.map(|_| now.plus(OFFLINE_POLL_MS)) };
            let timer_for = deliveries_at.into_iter().chain(campaign_at).min();
            match timer_for {
                Some(at)
                    if at > now
                        && at.since(now) <= TIMER_HORIZON_MS
                        && s.timer_at.is_none_or(|t| t <= now || t > at) =>
                {
                    s.timer_at = Some(at);
                    Some(at)
                }
                _ => None,
            }
        };
        if let Some(at) = timer {
            let engine = Rc::clone(self);
            self.ports.spawn(Box::pin(async move {
                engine.ports.sleep(at.since(now)).await;
                let mut s = engine.state.borrow_mut();
                if s.timer_at == Some(at) {
                    s.timer_at = None;
                }
                drop(s);
                engine.kick();
            }));
        }
    }
}
