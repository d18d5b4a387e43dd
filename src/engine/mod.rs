//! The engine: the single writer of AutoChat's state. It owns the registry and the outbox, answers
//! commands, fans events out to deliveries, drives attempts and keeps storage and the wake-up alarm
//! in step with memory.
//!
//! Contracts:
//! - Every change is applied to memory synchronously (no `await` while state is borrowed), so
//!   concurrent outcomes can never overwrite one another; then it is written to storage.
//! - An emitted event's deliveries are in storage before the first request is made.
//! - Whenever work is pending, an alarm is armed for the earliest of it (and, while requests are in
//!   flight, for their timeout), so a stopped worker is woken to carry on. Short waits also get an
//!   in-memory timer, because alarms are coarse in store builds.

mod view;

use crate::event::{Envelope, Event};
use crate::ids::{DeliveryId, WebhookId};
use crate::outbox::{Delivery, Outbox};
use crate::ports::{HttpRequest, Ports};
use crate::protocol::{parse_command, Command, Reply};
use crate::registry::Registry;
use crate::request::build_request;
use crate::retry::{describe_outcome, judge, RetryPolicy, Verdict};
use crate::store::{decode_outbox, decode_registry, encode, OUTBOX_KEY, REGISTRY_KEY};
use crate::time::Millis;
use crate::webhook::validate_draft;
use crate::Error;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

/// Waits up to this long also get an in-memory timer; longer ones rely on the alarm alone.
const TIMER_HORIZON_MS: u64 = 60_000;
/// Slack added to the in-flight watchdog alarm beyond the request timeout.
const WATCHDOG_SLACK_MS: u64 = 5_000;

/// The core. Create it with [`Engine::start`]; share it as `Rc<Engine<P>>`.
pub struct Engine<P: Ports> {
    ports: P,
    version: String,
    policy: RetryPolicy,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    registry: Registry,
    outbox: Outbox,
    /// Webhooks with a request under way (at most one each).
    in_flight: BTreeSet<WebhookId>,
    /// The time the in-memory timer is set for.
    timer_at: Option<Millis>,
    /// The time the alarm is armed for.
    alarm_at: Option<Millis>,
    registry_dirty: bool,
    outbox_dirty: bool,
}

impl<P: Ports> Engine<P> {
    /// Loads the stored state, re-arms the wake-up and resumes pending deliveries.
    pub async fn start(ports: P, version: impl Into<String>, policy: RetryPolicy) -> Result<Rc<Self>, Error> {
        let texts = ports.read(&[REGISTRY_KEY, OUTBOX_KEY]).await.map_err(Error::Storage)?;
        let now = ports.now();
        let registry = decode_registry(texts.first().and_then(Option::as_deref), now.0)?;
        let outbox = decode_outbox(texts.get(1).and_then(Option::as_deref), now.0)?;
        let backups: Vec<(String, String)> = registry.backup.into_iter().chain(outbox.backup).collect();
        if !backups.is_empty() {
            ports.write(backups).await.map_err(Error::Storage)?;
        }
        let engine = Rc::new(Engine {
            ports,
            version: version.into(),
            policy,
            state: RefCell::new(State { registry: registry.value, outbox: outbox.value, ..State::default() }),
        });
        engine.kick();
        Ok(engine)
    }

    /// Answers one command given as JSON text, with the reply as JSON text.
    pub async fn handle_json(self: &Rc<Self>, text: &str) -> String {
        let result = match parse_command(text) {
            Ok(command) => self.handle(command).await,
            Err(e) => Err(e),
        };
        Reply::from_result(result).to_json()
    }

    /// Answers one command.
    pub async fn handle(self: &Rc<Self>, command: Command) -> Result<Value, Error> {
        match command {
            Command::ListWebhooks => Ok(self.list()),
            Command::GetWebhook { id } => {
                let s = self.state.borrow();
                Ok(view::webhook(s.registry.get(&id)?, &s.outbox))
            }
            Command::AddWebhook { webhook } => {
                let valid = validate_draft(&webhook).map_err(Error::Invalid)?;
                let warnings = valid.warnings.clone();
                let id = WebhookId::from_random(self.random_bytes());
                let now = self.ports.now();
                let added =
                    self.change_registry(|s| Ok(view::webhook(s.registry.add(valid, id, now)?, &s.outbox))).await?;
                Ok(json!({ "webhook": added, "warnings": warnings }))
            }
            Command::UpdateWebhook { id, webhook } => {
                let valid = validate_draft(&webhook).map_err(Error::Invalid)?;
                let warnings = valid.warnings.clone();
                let updated =
                    self.change_registry(|s| Ok(view::webhook(s.registry.update(&id, valid)?, &s.outbox))).await?;
                self.kick();
                Ok(json!({ "webhook": updated, "warnings": warnings }))
            }
            Command::DeleteWebhook { id } => {
                let dropped = self
                    .change_registry(|s| {
                        s.registry.delete(&id)?;
                        s.outbox_dirty = true;
                        Ok(s.outbox.remove_for_webhook(&id))
                    })
                    .await?;
                self.kick();
                Ok(json!({ "deleted": id, "droppedDeliveries": dropped }))
            }
            Command::SetWebhookEnabled { id, enabled } => {
                let w = self
                    .change_registry(|s| Ok(view::webhook(s.registry.set_enabled(&id, enabled)?, &s.outbox)))
                    .await?;
                self.kick();
                Ok(json!({ "webhook": w }))
            }
            Command::SetWebhooksEnabled { enabled } => {
                self.change_registry(|s| {
                    s.registry.webhooks_enabled = enabled;
                    Ok(())
                })
                .await?;
                self.kick();
                Ok(json!({ "webhooksEnabled": enabled }))
            }
            Command::ClearStats { id } => {
                self.change_registry(|s| s.registry.clear_stats(id.as_ref())).await?;
                Ok(self.list())
            }
            Command::TestWebhook { id } => self.test(&id).await,
            Command::Emit { event, data } => {
                let event: Event = serde_json::from_value(json!({ "event": event, "data": data }))
                    .map_err(|e| Error::BadCommand(format!("the event is not valid: {e}")))?;
                self.emit(&event).await
            }
            Command::ValidateWebhook { webhook } => {
                let valid = validate_draft(&webhook).map_err(Error::Invalid)?;
                Ok(json!({ "valid": true, "warnings": valid.warnings }))
            }
            Command::GetStatus => Ok(self.status()),
        }
    }

    /// Called when the wake-up alarm fires or the browser starts: carries on with due work.
    pub fn wake(self: &Rc<Self>) {
        self.state.borrow_mut().alarm_at = None;
        self.kick();
    }

    /// Emits an event: one delivery per subscribed, enabled webhook, stored before any is sent.
    pub async fn emit(self: &Rc<Self>, event: &Event) -> Result<Value, Error> {
        let now = self.ports.now();
        let envelope = Envelope::new(event, now, &self.version);
        let body = envelope.to_json();
        let created: Vec<Value> = {
            let mut s = self.state.borrow_mut();
            let targets = s.registry.subscribers(event.kind());
            targets
                .into_iter()
                .map(|webhook_id| {
                    let id = DeliveryId::from_random(self.random_bytes());
                    let made = json!({ "id": id, "webhookId": webhook_id });
                    s.outbox.push(Delivery {
                        id,
                        webhook_id,
                        event: envelope.event.clone(),
                        body: body.clone(),
                        created_at: now,
                        attempts: 0,
                        next_attempt_at: now,
                        last_error: None,
                    });
                    made
                })
                .collect()
        };
        if !created.is_empty() {
            self.state.borrow_mut().outbox_dirty = true;
            self.persist().await?;
            self.kick();
        }
        Ok(json!({ "event": envelope.event, "timestamp": envelope.timestamp, "deliveries": created }))
    }

    /// Sends the test payload to one webhook, enabled or not, outside the outbox: no retries, and
    /// the webhook's statistics are untouched.
    async fn test(&self, id: &WebhookId) -> Result<Value, Error> {
        let now = self.ports.now();
        let delivery = DeliveryId::from_random(self.random_bytes());
        let request = {
            let s = self.state.borrow();
            let w = s.registry.get(id)?;
            build_request(
                w,
                &delivery,
                "test",
                &Envelope::test(&w.name, now, &self.version).to_json(),
                now,
                self.policy.timeout_ms,
            )
        };
        let outcome = self.ports.send(request).await;
        let duration = self.ports.now().since(now);
        let error = describe_outcome(&outcome, self.policy.timeout_ms);
        let status = match outcome {
            crate::ports::HttpOutcome::Response { status, .. } => Some(status),
            _ => None,
        };
        Ok(
            json!({ "ok": error.is_none(), "status": status, "durationMs": duration, "error": error, "deliveryId": delivery }),
        )
    }

    /// Starts every due attempt that may start, then re-arms the wake-ups.
    fn kick(self: &Rc<Self>) {
        let now = self.ports.now();
        let starts: Vec<(WebhookId, DeliveryId, HttpRequest)> = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let due = s.outbox.due(now, |w| s.registry.may_deliver_to(w), &s.in_flight);
            let mut starts = Vec::with_capacity(due.len());
            for id in due {
                let Some(d) = s.outbox.deliveries.iter().find(|d| d.id == id) else { continue };
                let Ok(w) = s.registry.get(&d.webhook_id) else { continue };
                starts.push((
                    w.id.clone(),
                    id,
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
        self.rearm(now);
    }

    /// One attempt of one delivery: send, judge, record, store, continue.
    async fn attempt(self: Rc<Self>, webhook: WebhookId, delivery: DeliveryId, request: HttpRequest) {
        let outcome = self.ports.send(request).await;
        let now = self.ports.now();
        let random = self.ports.unit();
        {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            s.in_flight.remove(&webhook);
            // The delivery is gone if its webhook was deleted while the request was under way.
            if let Some(d) = s.outbox.get_mut(&delivery) {
                d.attempts += 1;
                match judge(&self.policy, d.attempts, &outcome, now, random) {
                    Verdict::Delivered => {
                        s.outbox.remove(&delivery);
                        s.registry.record_success(&webhook, now);
                        s.registry_dirty = true;
                    }
                    Verdict::RetryAt(at, reason) => {
                        d.next_attempt_at = at;
                        d.last_error = Some(reason);
                    }
                    Verdict::Failed(_) => {
                        s.outbox.remove(&delivery);
                        s.registry.record_failure(&webhook);
                        s.registry_dirty = true;
                    }
                }
                s.outbox_dirty = true;
            }
        }
        // A failed write leaves the dirty flags set, so the next write carries this change.
        let _ = self.persist().await;
        self.kick();
    }

    /// Keeps the alarm (and, for short waits, a timer) set for the earliest pending work.
    fn rearm(self: &Rc<Self>, now: Millis) {
        let timer = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let next_due = s.outbox.next_due(|w| s.registry.may_deliver_to(w), &s.in_flight);
            let watchdog = (!s.in_flight.is_empty()).then(|| now.plus(self.policy.timeout_ms + WATCHDOG_SLACK_MS));
            let wanted = next_due.into_iter().chain(watchdog).min();
            // An alarm that fires earlier than needed is harmless (the wake finds nothing due and
            // re-arms), so only move it when it would fire too late, or clear it when idle.
            let keep = match (s.alarm_at, wanted) {
                (Some(armed), Some(want)) => armed > now && armed <= want,
                (None, None) => true,
                _ => false,
            };
            if !keep {
                self.ports.arm_alarm(wanted);
                s.alarm_at = wanted;
            }
            match next_due {
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

    /// Applies `change` to memory at once, then stores the registry (and the outbox when the change
    /// marks it dirty).
    async fn change_registry<T>(&self, change: impl FnOnce(&mut State) -> Result<T, Error>) -> Result<T, Error> {
        let value = {
            let mut s = self.state.borrow_mut();
            let value = change(&mut s)?;
            s.registry_dirty = true;
            value
        };
        self.persist().await?;
        Ok(value)
    }

    /// Writes whatever changed since the last write, in one storage operation.
    async fn persist(&self) -> Result<(), Error> {
        let (entries, registry, outbox) = {
            let mut s = self.state.borrow_mut();
            let mut entries = Vec::new();
            let (registry, outbox) = (s.registry_dirty, s.outbox_dirty);
            if registry {
                entries.push((REGISTRY_KEY.to_string(), encode(&s.registry)));
            }
            if outbox {
                entries.push((OUTBOX_KEY.to_string(), encode(&s.outbox)));
            }
            s.registry_dirty = false;
            s.outbox_dirty = false;
            (entries, registry, outbox)
        };
        if entries.is_empty() {
            return Ok(());
        }
        self.ports.write(entries).await.map_err(|e| {
            let mut s = self.state.borrow_mut();
            s.registry_dirty |= registry;
            s.outbox_dirty |= outbox;
            Error::Storage(e)
        })
    }

    fn list(&self) -> Value {
        let s = self.state.borrow();
        view::list(&s.registry, &s.outbox)
    }

    fn status(&self) -> Value {
        let s = self.state.borrow();
        json!({
            "pendingDeliveries": s.outbox.deliveries.len(),
            "inFlight": s.in_flight.len(),
            "alarmAt": s.alarm_at.map(|t| t.to_rfc3339()),
            "version": self.version,
        })
    }

    fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut b = [0u8; N];
        self.ports.fill(&mut b);
        b
    }
}

#[cfg(test)]
mod tests;
