//! Coalesced storage writes.
//!
//! Changes mark what they touched as dirty. One writer at a time turns everything dirty into a
//! single storage operation; changes made while a write is under way go out together in the next
//! one. A caller that must know its change is stored (a command, an emitted event) awaits
//! [`Engine::flush`], which writes at once. Delivery outcomes mark their changes as lazy and call
//! [`Engine::flush_soon`], which writes them within [`OUTCOME_WRITE_DELAY_MS`] — so a burst of
//! outcomes costs a few writes a second, not one per request, and an urgent write (an event's new
//! deliveries) never waits behind statistics and history. If the worker is stopped inside that window the outcome is lost and the
//! delivery is sent again later with the same `webhook-id` (at-least-once).

use super::{Engine, State};
use crate::ports::Ports;
use crate::store::{delivery_key, encode, history_key, CAMPAIGN_KEY, DELIVERY_KEY_PREFIX, OUTBOX_KEY, REGISTRY_KEY};
use crate::values::ids::{DeliveryId, WebhookId};
use crate::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// How long outcome-only changes may wait to be written together.
pub(super) const OUTCOME_WRITE_DELAY_MS: u64 = 250;

/// What has changed since the last write.
#[derive(Default)]
pub(super) struct Dirty {
    pub registry: bool,
    pub outbox: bool,
    pub campaign: bool,
    pub histories: BTreeSet<WebhookId>,
    /// Deliveries queued, changed or removed since the last write.
    pub deliveries: BTreeMap<DeliveryId, WebhookId>,
    pub removed: BTreeSet<String>,
}

impl Dirty {
    /// Adds everything `other` marked.
    pub fn absorb(&mut self, other: Dirty) {
        self.registry |= other.registry;
        self.outbox |= other.outbox;
        self.campaign |= other.campaign;
        self.histories.extend(other.histories);
        self.deliveries.extend(other.deliveries);
        self.removed.extend(other.removed);
    }

    /// Marks a delivery as changed (or removed: the write finds it gone and removes its key).
    pub fn delivery(&mut self, webhook: &WebhookId, id: &DeliveryId) {
        self.deliveries.insert(id.clone(), webhook.clone());
    }
}

/// The writer's bookkeeping: changes are numbered, writes record the newest number they carried.
#[derive(Default)]
pub(super) struct Writes {
    /// The number of the latest change.
    changes: u64,
    /// Every change up to this number is stored.
    stored: u64,
    /// The latest failed write: the change number it carried and why it failed.
    failed: Option<(u64, String)>,
    writing: bool,
    /// A delayed write is scheduled.
    delayed: bool,
    waiters: Vec<Waker>,
    /// Storage operations completed, for the status and the benchmark.
    pub count: u64,
}

impl<P: Ports> Engine<P> {
    /// Stores every change made so far, outcomes included; resolves when they are in storage.
    /// Commands use it, so what a user did and what they then see are stored together.
    pub(super) async fn flush(self: &Rc<Self>) -> Result<(), Error> {
        {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let lazy = std::mem::take(&mut s.lazy);
            s.dirty.absorb(lazy);
        }
        self.flush_urgent().await
    }

    /// Stores the urgent changes (an event's new deliveries) without waiting for outcome
    /// changes, which follow within [`OUTCOME_WRITE_DELAY_MS`].
    pub(super) async fn flush_urgent(self: &Rc<Self>) -> Result<(), Error> {
        let target = self.write_now();
        Stored { engine: self, target }.await
    }

    /// Stores every change made so far within [`OUTCOME_WRITE_DELAY_MS`], without waiting.
    pub(super) fn flush_soon(self: &Rc<Self>) {
        let mut s = self.state.borrow_mut();
        if s.writes.delayed {
            return;
        }
        s.writes.delayed = true;
        let engine = Rc::clone(self);
        self.ports.spawn(Box::pin(async move {
            engine.ports.sleep(OUTCOME_WRITE_DELAY_MS).await;
            {
                let mut guard = engine.state.borrow_mut();
                let s = &mut *guard;
                s.writes.delayed = false;
                let lazy = std::mem::take(&mut s.lazy);
                s.dirty.absorb(lazy);
            }
            engine.write_now();
        }));
    }

    /// Starts storing every change made so far; returns the change number to wait for.
    fn write_now(self: &Rc<Self>) -> u64 {
        let mut s = self.state.borrow_mut();
        s.writes.changes += 1;
        let target = s.writes.changes;
        if !s.writes.writing {
            s.writes.writing = true;
            let engine = Rc::clone(self);
            self.ports.spawn(Box::pin(async move { engine.write_while_dirty().await }));
        }
        target
    }

    async fn write_while_dirty(self: Rc<Self>) {
        loop {
            let (carried, entries, removals) = {
                let mut s = self.state.borrow_mut();
                let carried = s.writes.changes;
                let (entries, removals) = take_dirty(&mut s);
                (carried, entries, removals)
            };
            if entries.is_empty() && removals.is_empty() {
                let mut s = self.state.borrow_mut();
                s.writes.stored = carried;
                s.writes.writing = false;
                s.writes.waiters.drain(..).for_each(Waker::wake);
                return;
            }
            let written_keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
            let mut result = self.ports.write(entries).await;
            if result.is_ok() && !removals.is_empty() {
                result = self.ports.remove(removals.clone()).await;
            }
            let mut s = self.state.borrow_mut();
            s.writes.count += 1;
            match result {
                Ok(()) => s.writes.stored = carried,
                Err(message) => {
                    // Keep everything dirty so the next write carries it again.
                    remark(&mut s, &written_keys, removals);
                    s.writes.failed = Some((carried, message));
                    s.writes.writing = false;
                    s.writes.waiters.drain(..).for_each(Waker::wake);
                    return;
                }
            }
            s.writes.waiters.drain(..).for_each(Waker::wake);
        }
    }
}

fn take_dirty(s: &mut State) -> (Vec<(String, String)>, Vec<String>) {
    let dirty = std::mem::take(&mut s.dirty);
    let mut entries = Vec::new();
    if dirty.registry {
        entries.push((REGISTRY_KEY.to_string(), encode(&s.registry)));
    }
    if dirty.outbox {
        entries.push((OUTBOX_KEY.to_string(), encode(&s.outbox.document())));
    }
    let mut removed: Vec<String> = dirty.removed.into_iter().collect();
    for (id, webhook) in &dirty.deliveries {
        match s.outbox.get(webhook, id) {
            Some(d) => entries.push((delivery_key(id), serde_json::to_string(d).unwrap_or_default())),
            None => removed.push(delivery_key(id)),
        }
    }
    if dirty.campaign {
        entries.push((CAMPAIGN_KEY.to_string(), encode(&s.campaign)));
    }
    for id in &dirty.histories {
        if let Some(history) = s.histories.get(id) {
            entries.push((history_key(id), encode(history)));
        }
    }
    (entries, removed)
}

fn remark(s: &mut State, written: &[String], removals: Vec<String>) {
    // A delivery key written or removed is found again by its id.
    let delivery_of = |key: &str| key.strip_prefix(DELIVERY_KEY_PREFIX).map(|id| DeliveryId(id.to_string()));
    for key in written.iter().chain(&removals) {
        if let Some(id) = delivery_of(key) {
            let webhook = s.outbox.iter().find(|d| d.id == id).map(|d| d.webhook_id.clone());
            s.dirty.deliveries.insert(id, webhook.unwrap_or_else(|| WebhookId(String::new())));
        }
    }
    let removals: Vec<String> = removals.into_iter().filter(|k| delivery_of(k).is_none()).collect();
    for key in written.iter().filter(|k| delivery_of(k).is_none()) {
        match key.as_str() {
            REGISTRY_KEY => s.dirty.registry = true,
            OUTBOX_KEY => s.dirty.outbox = true,
            CAMPAIGN_KEY => s.dirty.campaign = true,
            _ => {
                let id = s.histories.keys().find(|id| &history_key(id) == key).cloned();
                s.dirty.histories.extend(id);
            }
        }
    }
    s.dirty.removed.extend(removals);
}

/// Resolves once the change numbered `target` is stored, or its write failed.
struct Stored<'a, P: Ports> {
    engine: &'a Engine<P>,
    target: u64,
}

impl<P: Ports> Future for Stored<'_, P> {
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.engine.state.borrow_mut();
        if s.writes.stored >= self.target {
            return Poll::Ready(Ok(()));
        }
        if let Some((carried, message)) = &s.writes.failed {
            if *carried >= self.target {
                return Poll::Ready(Err(Error::Storage(message.clone())));
            }
        }
        s.writes.waiters.push(cx.waker().clone());
        Poll::Pending
    }
}
