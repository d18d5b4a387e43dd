//! The engine's state, and the only ways to change what is stored.
//!
//! The persisted parts (registry, outbox, histories, campaign) are private to this module. Every
//! accessor that hands out a mutable reference marks, in the same call, what must be written and
//! what the open pages show ([`Changed`]), so no code path can change stored state and forget to
//! store it. [`State::take_writes`] turns the marks into one storage operation; a failed one is
//! [`State::put_back`].

use crate::campaign::Campaign;
use crate::delivery::batch::OpenBatch;
use crate::delivery::history::History;
use crate::delivery::outbox::{Delivery, Outbox};
use crate::protocol::Changed;
use crate::store::{
    batch_key, body_key, delivery_key, encode, history_key, CAMPAIGN_KEY, OUTBOX_KEY, REGISTRY_KEY, WATCHED_TAB_KEY,
};
use crate::values::ids::{DeliveryId, WebhookId};
use crate::values::small_map::SmallMap;
use crate::values::time::Millis;
use crate::webhooks::registry::Registry;
use std::collections::{BTreeMap, BTreeSet};

/// How soon a change must reach storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    /// With the next write: commands and an event's new deliveries, which callers wait for.
    Now,
    /// Within the outcome delay: what delivery outcomes change (statistics, history, a finished
    /// delivery), written together so a burst costs a few writes a second.
    Soon,
}

/// What has changed since the last write, by urgency.
#[derive(Debug, Default)]
pub(super) struct Dirty {
    registry: bool,
    outbox: bool,
    campaign: bool,
    histories: BTreeSet<WebhookId>,
    removed_histories: BTreeSet<WebhookId>,
    /// Deliveries queued, changed or removed.
    deliveries: BTreeMap<DeliveryId, DeliveryMark>,
    /// Open batches changed or closed (a closed one is found gone and its key removed).
    batches: BTreeSet<WebhookId>,
}

/// What became of a marked delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DeliveryMark {
    /// Queued or changed: written if still waiting when the write is taken (or its key removed
    /// if it is gone by then).
    Waiting(WebhookId),
    /// Taken out of the outbox: its key is removed without looking for it, which in a burst
    /// would mean scanning a queue of a thousand for a delivery no longer there. Only a shortcut:
    /// merged with Waiting for the same id, Waiting stays (see [`Dirty::absorb`]).
    Gone,
}

impl Dirty {
    /// Whether these marks include deliveries.
    pub fn carries_deliveries(&self) -> bool {
        !self.deliveries.is_empty()
    }

    fn is_empty(&self) -> bool {
        !self.registry
            && !self.outbox
            && !self.campaign
            && self.histories.is_empty()
            && self.removed_histories.is_empty()
            && self.deliveries.is_empty()
            && self.batches.is_empty()
    }

    fn absorb(&mut self, other: Dirty) {
        self.registry |= other.registry;
        self.outbox |= other.outbox;
        self.campaign |= other.campaign;
        self.histories.extend(other.histories);
        self.removed_histories.extend(other.removed_histories);
        // A later mark wins, except that Gone never hides Waiting, whichever is older: a delivery
        // can be queued again under its id (Redeliver), and Waiting looks before it writes.
        for (id, mark) in other.deliveries {
            match (self.deliveries.get(&id), &mark) {
                (Some(DeliveryMark::Waiting(_)), DeliveryMark::Gone) => {}
                _ => {
                    self.deliveries.insert(id, mark);
                }
            }
        }
        self.batches.extend(other.batches);
    }
}

/// A part of the state a command changes, so it can be put back if its write fails.
pub(super) enum Part<'a> {
    /// The registry (webhooks, the global switch, settings, statistics).
    Registry,
    /// The campaign.
    Campaign,
    /// A webhook's history.
    History(&'a WebhookId),
    /// A webhook's waiting deliveries.
    Queue(&'a WebhookId),
}

/// The parts of the state as they were before a command.
#[derive(Default)]
pub(super) struct Snapshot {
    registry: Option<Registry>,
    campaign: Option<Campaign>,
    histories: Vec<(WebhookId, Option<History>)>,
    /// Queues as they were, until [`State::settle`] turns them into `queue_changes`.
    queues: Vec<(WebhookId, Vec<Delivery>)>,
    queue_changes: Vec<QueueChange>,
}

/// What a command did to one webhook's waiting deliveries.
struct QueueChange {
    webhook: WebhookId,
    /// Taken out by the command (discarded, or dropped with their webhook).
    removed: Vec<Delivery>,
    /// Queued by the command (a redelivery).
    added: Vec<DeliveryId>,
}

/// One storage operation: entries to write, keys to remove, and the marks they came from.
pub(super) struct Writes {
    pub entries: Vec<(String, String)>,
    pub removals: Vec<String>,
    pub taken: Dirty,
    /// The bodies this write stores (by hash), known stored once it succeeds.
    pub bodies: Vec<String>,
}

/// Everything the engine holds.
#[derive(Default)]
pub(super) struct State {
    registry: Registry,
    outbox: Outbox,
    histories: SmallMap<WebhookId, History>,
    campaign: Campaign,
    batches: SmallMap<WebhookId, OpenBatch>,
    now: Dirty,
    soon: Dirty,
    changed: Changed,
    /// A campaign message is being sent.
    pub sending: bool,
    /// Webhooks with a request under way (at most one each).
    pub in_flight: BTreeSet<WebhookId>,
    /// When each chat webhook may get its next request (at most one a second: see
    /// [`crate::formats::Format::spacing`]).
    pub spacing: SmallMap<WebhookId, Millis>,
    /// A task is closing due batches.
    pub closing_batches: bool,
    /// Deliveries queued but not yet in storage: none is attempted before it is stored.
    unstored: BTreeSet<DeliveryId>,
    /// The bodies (by hash) in storage: each is written once, with the first delivery that
    /// carries it, and removed with the last.
    stored_bodies: BTreeSet<String>,
    /// The time the in-memory timer is set for.
    pub timer_at: Option<Millis>,
    /// The time the alarm is armed for.
    pub alarm_at: Option<Millis>,
    /// Histories as stored, decoded when first needed (see [`LazyHistories`]).
    undecoded: LazyHistories,
    /// Backups of histories found unreadable when decoded late; the next write carries them.
    backups: Vec<(String, String)>,
}

/// Stored histories not decoded yet. A start decodes the registry, the outbox and the campaign,
/// but a history only once something reads or changes it: ten full histories are most of what a
/// start would decode, and most starts (an alarm, one event) never look at them.
#[derive(Default)]
pub(super) struct LazyHistories {
    texts: SmallMap<WebhookId, String>,
    /// When they were read (names the backup of one found unreadable).
    read_at: u64,
}

impl LazyHistories {
    /// Texts a start may leave undecoded: those written at the current schema version, which
    /// [`crate::store::encode`] begins with `{"schemaVersion":N,`; any other goes through the full
    /// decode at start, with its checks (a newer version refuses to start).
    pub fn accepts(text: &str) -> bool {
        text.strip_prefix("{\"schemaVersion\":")
            .and_then(|rest| rest.strip_prefix(crate::store::SCHEMA_VERSION.to_string().as_str()))
            .is_some_and(|rest| rest.starts_with(','))
    }

    /// Keeps `text` for `webhook`, read at `read_at`.
    pub fn keep(&mut self, webhook: WebhookId, text: String, read_at: u64) {
        self.texts.insert(webhook, text);
        self.read_at = read_at;
    }
}

impl State {
    /// The state as loaded; nothing is marked.
    pub fn loaded(
        registry: Registry,
        outbox: Outbox,
        (histories, undecoded): (SmallMap<WebhookId, History>, LazyHistories),
        campaign: Campaign,
        batches: SmallMap<WebhookId, OpenBatch>,
        stored_bodies: BTreeSet<String>,
    ) -> State {
        State { registry, outbox, histories, undecoded, campaign, batches, stored_bodies, ..State::default() }
    }

    /// Decodes a webhook's stored history if that has not happened yet. One found unreadable now
    /// is backed up with the next write and replaced by an empty one, as a start would have.
    fn decode_history(&mut self, webhook: &WebhookId) {
        let Some(text) = self.undecoded.texts.remove(webhook) else { return };
        let key = crate::store::history_key(webhook);
        let loaded = crate::store::decode_history(&key, Some(&text), self.undecoded.read_at);
        let (history, backup) = match loaded {
            Ok(loaded) => (loaded.value, loaded.backup),
            // Not expected (only texts at this schema version wait), but kept rather than lost.
            Err(_) => (History::default(), Some((crate::store::unreadable_key(&key, self.undecoded.read_at), text))),
        };
        if let Some(backup) = backup {
            self.backups.push(backup);
            self.now.histories.insert(webhook.clone());
        }
        self.histories.insert(webhook.clone(), history);
    }

    fn marks(&mut self, when: When) -> &mut Dirty {
        match when {
            When::Now => &mut self.now,
            When::Soon => &mut self.soon,
        }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry, to change; marked for storage and for the pages.
    pub fn registry_mut(&mut self, when: When) -> &mut Registry {
        self.marks(when).registry = true;
        self.changed.webhooks = true;
        &mut self.registry
    }

    /// The campaign.
    pub fn campaign(&self) -> &Campaign {
        &self.campaign
    }

    /// The campaign, to change; marked for storage and for the pages.
    pub fn campaign_mut(&mut self, when: When) -> &mut Campaign {
        self.marks(when).campaign = true;
        self.changed.campaign = true;
        &mut self.campaign
    }

    /// The waiting deliveries.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// When a webhook's next delivery may go at the earliest, as far as the webhook itself goes;
    /// `None` while it may not be sent to at all (it is off, or webhooks are).
    pub fn not_before(&self, webhook: &WebhookId) -> Option<Millis> {
        self.registry.may_deliver_to(webhook).then(|| self.spacing.get(webhook).copied().unwrap_or(Millis(0)))
    }

    /// A webhook's history.
    pub fn history(&mut self, webhook: &WebhookId) -> Option<&History> {
        self.decode_history(webhook);
        self.histories.get(webhook)
    }

    /// A webhook's history, to change (created when missing); marked.
    pub fn history_mut(&mut self, webhook: &WebhookId, when: When) -> &mut History {
        self.decode_history(webhook);
        self.marks(when).histories.insert(webhook.clone());
        if !self.changed.histories.contains(webhook) {
            self.changed.histories.push(webhook.clone());
        }
        self.histories.entry(webhook.clone()).or_default()
    }

    /// Forgets a webhook's history, in memory and in storage.
    pub fn remove_history(&mut self, webhook: &WebhookId) {
        self.undecoded.texts.remove(webhook);
        self.histories.remove(webhook);
        self.now.histories.remove(webhook);
        self.soon.histories.remove(webhook);
        self.now.removed_histories.insert(webhook.clone());
    }

    fn mark_delivery(&mut self, webhook: &WebhookId, id: &DeliveryId, when: When) {
        self.marks(when).deliveries.insert(id.clone(), DeliveryMark::Waiting(webhook.clone()));
        self.changed.webhooks = true;
    }

    fn mark_delivery_gone(&mut self, id: &DeliveryId, when: When) {
        self.marks(when).deliveries.insert(id.clone(), DeliveryMark::Gone);
        self.changed.webhooks = true;
    }

    /// Queues a delivery, or counts it as dropped when the outbox is full; returns whether it was
    /// queued. Marked either way (the counters are stored too).
    pub fn queue(&mut self, delivery: Delivery) -> bool {
        let (webhook, id) = (delivery.webhook_id.clone(), delivery.id.clone());
        let queued = self.outbox.push(delivery);
        if queued {
            self.mark_delivery(&webhook, &id, When::Now);
            self.unstored.insert(id);
        }
        self.now.outbox = true;
        queued
    }

    /// A waiting delivery, to change; marked.
    pub fn delivery_mut(&mut self, webhook: &WebhookId, id: &DeliveryId, when: When) -> Option<&mut Delivery> {
        self.outbox.get(webhook, id)?;
        self.mark_delivery(webhook, id, when);
        self.outbox.get_mut(webhook, id)
    }

    /// Every waiting delivery due later than `at`, moved to `at`; marked.
    pub fn bring_forward(&mut self, at: Millis) {
        let mut moved = Vec::new();
        for d in self.outbox.iter_mut().filter(|d| d.next_attempt_at > at) {
            d.next_attempt_at = at;
            moved.push((d.webhook_id.clone(), d.id.clone()));
        }
        moved.iter().for_each(|(w, id)| self.mark_delivery(w, id, When::Soon));
    }

    /// Takes a delivery out of the outbox; marked.
    pub fn remove_delivery(&mut self, webhook: &WebhookId, id: &DeliveryId, when: When) -> Option<Delivery> {
        let gone = self.outbox.remove(webhook, id)?;
        self.mark_delivery_gone(id, when);
        Some(gone)
    }

    /// Takes every delivery of a webhook out of the outbox; marked.
    pub fn remove_deliveries_of(&mut self, webhook: &WebhookId) -> Vec<Delivery> {
        let gone = self.outbox.remove_for_webhook(webhook);
        gone.iter().for_each(|d| self.mark_delivery_gone(&d.id, When::Now));
        gone
    }

    /// The batch a webhook is collecting, if any.
    pub fn batch(&self, webhook: &WebhookId) -> Option<&OpenBatch> {
        self.batches.get(webhook)
    }

    /// Adds an event to a webhook's batch, opening one (with `id` and closing at `closes_at`) if
    /// none is open; marked. Returns the id of the batch's delivery.
    pub fn collect(&mut self, webhook: &WebhookId, id: DeliveryId, closes_at: Millis, envelope: String) -> DeliveryId {
        self.now.batches.insert(webhook.clone());
        self.changed.webhooks = true;
        let batch = self.batches.entry(webhook.clone()).or_insert_with(|| OpenBatch {
            id,
            webhook_id: webhook.clone(),
            closes_at,
            envelopes: Vec::new(),
        });
        batch.envelopes.push(envelope);
        batch.id.clone()
    }

    /// Takes a webhook's batch out, to close it or drop it; marked.
    pub fn take_batch(&mut self, webhook: &WebhookId) -> Option<OpenBatch> {
        let batch = self.batches.remove(webhook)?;
        self.now.batches.insert(webhook.clone());
        Some(batch)
    }

    /// The webhooks whose batch is due at `now`.
    pub fn due_batches(&self, now: Millis) -> Vec<WebhookId> {
        self.batches
            .iter()
            .filter(|(w, b)| self.registry.meta(w).batch.is_none_or(|settings| b.is_due(&settings, now)))
            .map(|(w, _)| w.clone())
            .collect()
    }

    /// When the next open batch closes.
    pub fn next_batch_close(&self) -> Option<Millis> {
        self.batches.values().map(|b| b.closes_at).min()
    }

    /// Keeps a copy of `parts`, so a command whose write fails can be undone.
    pub fn snapshot(&mut self, parts: &[Part<'_>]) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for part in parts {
            if let Part::History(id) = part {
                self.decode_history(id);
            }
        }
        for part in parts {
            match part {
                Part::Registry => snapshot.registry = Some(self.registry.clone()),
                Part::Campaign => snapshot.campaign = Some(self.campaign.clone()),
                Part::History(id) => snapshot.histories.push(((*id).clone(), self.histories.get(*id).cloned())),
                Part::Queue(id) => snapshot.queues.push(((*id).clone(), self.outbox.queue_of(id))),
            }
        }
        snapshot
    }

    /// Turns the queues of a snapshot into what the command just did to them, so that undoing it
    /// touches only that: while its write is under way, deliveries are queued, sent and finished
    /// in those queues too, and putting a whole queue back would drop the new ones and send the
    /// finished ones again.
    pub fn settle(&self, snapshot: &mut Snapshot) {
        // Both lists are in `seq` order, and a delivery keeps its `seq` while it waits: one walk
        // through both finds what is only in one of them.
        for (webhook, before) in std::mem::take(&mut snapshot.queues) {
            let mut after = self.outbox.queue(&webhook).peekable();
            let mut change = QueueChange { webhook: webhook.clone(), removed: Vec::new(), added: Vec::new() };
            for d in before {
                while let Some(new) = after.next_if(|a| a.seq < d.seq) {
                    change.added.push(new.id.clone());
                }
                if after.next_if(|a| a.seq == d.seq).is_none() {
                    change.removed.push(d);
                }
            }
            change.added.extend(after.map(|a| a.id.clone()));
            snapshot.queue_changes.push(change);
        }
    }

    /// Puts the parts back as they were ([`State::settle`] first). After a failed write they are
    /// marked for the next one: its removals may have gone through (they go first, to free space),
    /// so storage may lack a history, a delivery, a body or the watched tab that memory holds again;
    /// and a delivery put back waits for that write before its next attempt (persist first). A
    /// change refused at once reached no storage: what it touched goes back as it was, unmarked.
    pub fn restore(&mut self, snapshot: Snapshot, write_failed: bool) {
        if let Some(registry) = snapshot.registry {
            self.registry = registry;
            self.now.registry |= write_failed;
            self.changed.webhooks = true;
        }
        if let Some(campaign) = snapshot.campaign {
            self.campaign = campaign;
            self.now.campaign |= write_failed;
            self.changed.campaign = true;
        }
        for (id, history) in snapshot.histories {
            self.now.removed_histories.remove(&id);
            match history {
                Some(history) => {
                    if write_failed {
                        self.now.histories.insert(id.clone());
                    }
                    self.histories.insert(id, history);
                }
                None => {
                    self.now.histories.remove(&id);
                    self.histories.remove(&id);
                }
            }
        }
        debug_assert!(snapshot.queues.is_empty(), "settled first");
        for change in snapshot.queue_changes {
            for id in &change.added {
                self.remove_delivery(&change.webhook, id, When::Now);
            }
            for delivery in change.removed {
                if self.outbox.get(&change.webhook, &delivery.id).is_none() {
                    let id = delivery.id.clone();
                    self.outbox.put_back(delivery);
                    self.mark_delivery(&change.webhook, &id, When::Now);
                    if write_failed {
                        self.unstored.insert(id);
                    }
                }
            }
        }
    }

    /// Marks the outbox document and every delivery for writing (after a migration).
    pub fn mark_outbox_for_rewrite(&mut self, deliveries: Vec<(WebhookId, DeliveryId)>) {
        self.now.outbox = true;
        deliveries.iter().for_each(|(w, id)| self.mark_delivery(w, id, When::Now));
    }

    /// Moves the marks made for "soon" to "now", so the next write carries them; returns whether
    /// there were any.
    pub fn hurry(&mut self) -> bool {
        let soon = std::mem::take(&mut self.soon);
        let any = !soon.is_empty();
        self.now.absorb(soon);
        any
    }

    /// Takes what is marked for now as one storage operation.
    pub fn take_writes(&mut self) -> Writes {
        let taken = std::mem::take(&mut self.now);
        let mut entries = std::mem::take(&mut self.backups);
        let mut removals = Vec::new();
        if taken.registry {
            entries.push((REGISTRY_KEY.to_string(), encode(&self.registry)));
        }
        if taken.outbox {
            entries.push((OUTBOX_KEY.to_string(), encode(&self.outbox.document())));
        }
        let mut bodies = Vec::new();
        let mut removed_any = false;
        for (id, mark) in &taken.deliveries {
            let waiting = match mark {
                DeliveryMark::Waiting(webhook) => self.outbox.get(webhook, id),
                DeliveryMark::Gone => None,
            };
            match waiting {
                Some(d) => {
                    entries.push((delivery_key(id), serde_json::to_string(d).unwrap_or_default()));
                    if !self.stored_bodies.contains(&d.body_hash) && !bodies.contains(&d.body_hash) {
                        entries.push((body_key(&d.body_hash), d.body.clone()));
                        bodies.push(d.body_hash.clone());
                    }
                }
                None => {
                    removals.push(delivery_key(id));
                    removed_any = true;
                }
            }
        }
        if removed_any {
            // A body no waiting delivery carries goes with the last one. It counts as gone at
            // once: should the removal fail, the key is left over (and dropped on the next
            // load), never counted as stored when it is not.
            let outbox = &self.outbox;
            let gone: Vec<String> = self.stored_bodies.iter().filter(|h| !outbox.carries_body(h)).cloned().collect();
            for hash in gone {
                self.stored_bodies.remove(&hash);
                removals.push(body_key(&hash));
            }
        }
        if taken.campaign {
            entries.push((CAMPAIGN_KEY.to_string(), encode(&self.campaign)));
            // The one tab whose changes matter, for the worker's tab listeners (see WATCHED_TAB_KEY).
            match self.campaign.watched_tab() {
                Some(tab) => entries.push((WATCHED_TAB_KEY.to_string(), tab.to_string())),
                None => removals.push(WATCHED_TAB_KEY.to_string()),
            }
        }
        for id in &taken.histories {
            if let Some(history) = self.histories.get(id) {
                entries.push((history_key(id), encode(history)));
            }
        }
        removals.extend(taken.removed_histories.iter().map(history_key));
        for webhook in &taken.batches {
            match self.batches.get(webhook) {
                Some(batch) => entries.push((batch_key(webhook), serde_json::to_string(batch).unwrap_or_default())),
                None => removals.push(batch_key(webhook)),
            }
        }
        Writes { entries, removals, taken, bodies }
    }

    /// Notes that a write carrying these deliveries was issued: they may be attempted now.
    pub fn issued(&mut self, taken: &Dirty) {
        taken.deliveries.keys().for_each(|id| {
            self.unstored.remove(id);
        });
    }

    /// Notes that a write succeeded.
    pub fn stored(&mut self, taken: &Dirty, bodies: Vec<String>) {
        self.issued(taken);
        self.stored_bodies.extend(bodies);
    }

    /// Whether a delivery's write has been issued (see [`State::issued`]).
    pub fn is_stored(&self, id: &DeliveryId) -> bool {
        !self.unstored.contains(id)
    }

    /// Puts the marks of a write that failed back, so the next write carries them again; the
    /// deliveries it carried wait for that write before their next attempt.
    pub fn put_back(&mut self, taken: Dirty) {
        for (id, mark) in &taken.deliveries {
            if let DeliveryMark::Waiting(webhook) = mark {
                if self.outbox.get(webhook, id).is_some() {
                    self.unstored.insert(id.clone());
                }
            }
        }
        self.now.absorb(taken);
    }

    /// Takes what the pages should hear about.
    pub fn take_changed(&mut self) -> Changed {
        std::mem::take(&mut self.changed)
    }

    /// Notes that what the webhook list shows changed without anything stored (a request began).
    pub fn touch_webhooks(&mut self) {
        self.changed.webhooks = true;
    }

    /// Whether any change waits to be written.
    pub fn has_marks(&self) -> bool {
        !self.now.is_empty() || !self.soon.is_empty()
    }

    /// Whether the pages have something to hear about.
    pub fn has_changes(&self) -> bool {
        !self.changed.is_empty()
    }
}
