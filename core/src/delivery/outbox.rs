//! The outbox: every delivery not yet finished, in emission order, persisted before it is sent.
//!
//! Per webhook only the oldest delivery is ever attempted, so a receiver sees first attempts in the
//! order the events happened; different webhooks proceed independently and concurrently.

use crate::values::hex::hex;
use crate::values::ids::{DeliveryId, WebhookId};
use crate::values::small_map::SmallMap;
use crate::values::time::Millis;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One event on its way to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Sent as `webhook-id` on every attempt.
    pub id: DeliveryId,
    /// Where it goes.
    pub webhook_id: WebhookId,
    /// The event's wire name.
    pub event: String,
    /// The envelope, serialized once at emission so every attempt sends identical bytes. Stored
    /// apart, once per distinct body (see [`Delivery::body_hash`]), not in the delivery's document.
    #[serde(default, skip_serializing)]
    pub body: String,
    /// The stored body's name: [`body_hash`] of `body`. Deliveries of one event whose bodies are
    /// the same (webhooks of one format) share one stored copy. Set when queued.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body_hash: String,
    /// When the event was emitted.
    pub created_at: Millis,
    /// Attempts made so far.
    pub attempts: u32,
    /// Not attempted before this time.
    pub next_attempt_at: Millis,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Its place in emission order (assigned when queued), so queues are rebuilt in order.
    #[serde(default)]
    pub seq: u64,
}

impl Delivery {
    /// A delivery emitted at `now`, due at once, not yet attempted (its `seq` is given when queued).
    pub fn new(id: DeliveryId, webhook_id: WebhookId, event: String, body: String, now: Millis) -> Delivery {
        Delivery {
            id,
            webhook_id,
            event,
            body,
            body_hash: String::new(),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            seq: 0,
        }
    }
}

/// The name under which a body is stored: 32 hex digits of its SHA-256, so equal bodies share
/// one stored copy and different ones never do.
pub fn body_hash(body: &str) -> String {
    hex(Sha256::digest(body.as_bytes()).get(..16).unwrap_or_default())
}

/// Where `id` is in a webhook's queue, looked for from both ends at once: the deliveries a
/// change touches are nearly always the oldest (being sent) or the newest (just queued), and a
/// burst's queue holds a thousand.
fn position(queue: &VecDeque<Delivery>, id: &DeliveryId) -> Option<usize> {
    let len = queue.len();
    (0..len.div_ceil(2)).find_map(|i| {
        let back = len - 1 - i;
        if queue.get(i).is_some_and(|d| &d.id == id) {
            Some(i)
        } else {
            queue.get(back).is_some_and(|d| &d.id == id).then_some(back)
        }
    })
}

/// At most this many deliveries wait at once (all webhooks together). An event that would go
/// past it is not queued for the webhooks it would overflow, and the drop is counted.
pub const MAX_PENDING_DELIVERIES: usize = 10_000;
/// And at most this many bytes of bodies wait at once, so a burst of long messages cannot fill
/// the disk (storage is unlimited for AutoChat, but the disk is not).
pub const MAX_PENDING_BYTES: usize = 64 * 1024 * 1024;

/// Pending deliveries: one queue per webhook, oldest first, so finding what is due costs one look
/// per webhook however many deliveries wait.
///
/// Storage keeps each delivery under its own key (see [`crate::store::delivery_key`]), so a change
/// writes that delivery alone; the outbox document itself holds only the counters below.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    /// One queue per webhook with deliveries waiting: as many entries as webhooks, not deliveries.
    queues: SmallMap<WebhookId, VecDeque<Delivery>>,
    len: usize,
    /// The bodies' bytes, all deliveries together.
    bytes: usize,
    /// How many waiting deliveries carry each body (by [`Delivery::body_hash`]). As many entries as
    /// distinct bodies, up to [`MAX_PENDING_DELIVERIES`], so a B-tree rather than a [`SmallMap`].
    bodies: BTreeMap<String, usize>,
    /// Deliveries never queued because the outbox was full, since installation.
    pub dropped_when_full: u64,
    /// The `seq` the next queued delivery gets.
    pub next_seq: u64,
}

/// The outbox document: the counters, and (written by the first release only) deliveries kept
/// inline, which are moved to their own keys when read.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutboxDocument {
    /// See [`Outbox::dropped_when_full`].
    pub dropped_when_full: u64,
    /// See [`Outbox::next_seq`].
    pub next_seq: u64,
    /// Deliveries stored inline by schema 1 before they had keys of their own; never written now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<Delivery>,
}

impl Outbox {
    /// Appends a delivery, giving it the next `seq`, or counts it as dropped when the outbox is
    /// full. Returns whether it was queued.
    pub fn push(&mut self, mut delivery: Delivery) -> bool {
        if !self.has_room(delivery.body.len()) {
            self.dropped_when_full += 1;
            return false;
        }
        delivery.seq = self.next_seq;
        self.next_seq += 1;
        delivery.body_hash = body_hash(&delivery.body);
        self.admit(delivery);
        true
    }

    /// Whether a delivery whose body has `body_bytes` bytes would be queued now. A caller that can
    /// refuse instead (a Redeliver the user may try again) asks first, so nothing is counted dropped.
    pub fn has_room(&self, body_bytes: usize) -> bool {
        self.len < MAX_PENDING_DELIVERIES && self.bytes + body_bytes <= MAX_PENDING_BYTES
    }

    /// Queues a named delivery last for its webhook and counts it in (its bytes and its body).
    /// Keys are cloned only when new: a start admits every waiting delivery, a burst thousands.
    fn admit(&mut self, delivery: Delivery) {
        self.len += 1;
        self.bytes += delivery.body.len();
        match self.bodies.get_mut(&delivery.body_hash) {
            Some(count) => *count += 1,
            None => {
                self.bodies.insert(delivery.body_hash.clone(), 1);
            }
        }
        match self.queues.get_mut(&delivery.webhook_id) {
            Some(queue) => queue.push_back(delivery),
            None => {
                self.queues.insert(delivery.webhook_id.clone(), VecDeque::from([delivery]));
            }
        }
    }

    /// Puts a delivery taken out by a change that could not be stored back in its place (a queue
    /// is in `seq` order), counted in again.
    pub fn put_back(&mut self, delivery: Delivery) {
        let webhook = delivery.webhook_id.clone();
        let at = self.queues.get(&webhook).map_or(0, |q| q.partition_point(|d| d.seq < delivery.seq));
        self.admit(delivery);
        if let Some(queue) = self.queues.get_mut(&webhook) {
            if let Some(last) = queue.pop_back() {
                queue.insert(at, last); // `at` is at most the length the queue had before
            }
        }
    }

    /// Counts a delivery out.
    fn release(&mut self, delivery: &Delivery) {
        self.len -= 1;
        self.bytes -= delivery.body.len();
        if let Some(count) = self.bodies.get_mut(&delivery.body_hash) {
            *count -= 1;
            if *count == 0 {
                self.bodies.remove(&delivery.body_hash);
            }
        }
    }

    /// Whether a waiting delivery carries the body named `hash`.
    pub fn carries_body(&self, hash: &str) -> bool {
        self.bodies.contains_key(hash)
    }

    /// Rebuilds the outbox from its document and the deliveries read from storage (any order).
    pub fn restore(document: &OutboxDocument, mut deliveries: Vec<Delivery>) -> Outbox {
        deliveries.sort_by_key(|d| (d.seq, d.created_at));
        let mut outbox = Outbox { dropped_when_full: document.dropped_when_full, ..Outbox::default() };
        outbox.next_seq = document.next_seq.max(deliveries.last().map_or(0, |d| d.seq + 1));
        for mut d in deliveries {
            // A delivery read from its key was found by its body's name; only those stored inline
            // by the first release come without one.
            if d.body_hash.is_empty() {
                d.body_hash = body_hash(&d.body);
            }
            outbox.admit(d);
        }
        outbox
    }

    /// The counters, as stored.
    pub fn document(&self) -> OutboxDocument {
        OutboxDocument { dropped_when_full: self.dropped_when_full, next_seq: self.next_seq, deliveries: Vec::new() }
    }

    /// The delivery `id` of `webhook`.
    pub fn get(&self, webhook: &WebhookId, id: &DeliveryId) -> Option<&Delivery> {
        let queue = self.queues.get(webhook)?;
        queue.get(position(queue, id)?)
    }

    /// How many bytes of bodies wait.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// How many deliveries wait.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Every waiting delivery, each webhook's in order.
    pub fn iter(&self) -> impl Iterator<Item = &Delivery> {
        self.queues.values().flatten()
    }

    /// The waiting deliveries of `webhook`, in `seq` order.
    pub fn queue(&self, webhook: &WebhookId) -> impl Iterator<Item = &Delivery> {
        self.queues.get(webhook).into_iter().flatten()
    }

    /// Every waiting delivery, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Delivery> {
        self.queues.values_mut().flatten()
    }

    /// Whether a delivery with `id` is waiting.
    pub fn contains(&self, id: &DeliveryId) -> bool {
        self.iter().any(|d| &d.id == id)
    }

    /// The delivery `id` of `webhook`.
    pub fn get_mut(&mut self, webhook: &WebhookId, id: &DeliveryId) -> Option<&mut Delivery> {
        let queue = self.queues.get_mut(webhook)?;
        let at = position(queue, id)?;
        queue.get_mut(at)
    }

    /// Removes and returns the delivery `id` of `webhook`.
    pub fn remove(&mut self, webhook: &WebhookId, id: &DeliveryId) -> Option<Delivery> {
        let queue = self.queues.get_mut(webhook)?;
        let index = position(queue, id)?;
        let removed = queue.remove(index);
        if queue.is_empty() {
            self.queues.remove(webhook);
        }
        if let Some(d) = &removed {
            self.release(d);
        }
        removed
    }

    /// A webhook's waiting deliveries, oldest first (a copy).
    pub fn queue_of(&self, webhook: &WebhookId) -> Vec<Delivery> {
        self.queue(webhook).cloned().collect()
    }

    /// Removes every delivery to `webhook` and returns them.
    pub fn remove_for_webhook(&mut self, webhook: &WebhookId) -> Vec<Delivery> {
        let gone: Vec<Delivery> = self.queues.remove(webhook).map(Vec::from).unwrap_or_default();
        gone.iter().for_each(|d| self.release(d));
        gone
    }

    /// The oldest waiting delivery of `webhook`.
    pub fn head_of(&self, webhook: &WebhookId) -> Option<&Delivery> {
        self.queues.get(webhook)?.front()
    }

    /// Deliveries waiting for `webhook`.
    pub fn pending_for(&self, webhook: &WebhookId) -> usize {
        self.queues.get(webhook).map_or(0, VecDeque::len)
    }

    /// The oldest delivery of each webhook that is not in `busy`, with the time it may go: its
    /// own next attempt, or later when `not_before` says so (`None`: the webhook may not be sent to).
    fn heads(
        &self,
        not_before: impl Fn(&WebhookId) -> Option<Millis>,
        busy: &BTreeSet<WebhookId>,
    ) -> Vec<(&Delivery, Millis)> {
        self.queues
            .iter()
            .filter(|(w, _)| !busy.contains(*w))
            .filter_map(|(w, q)| Some((q.front()?, not_before(w)?)))
            .map(|(d, earliest)| (d, d.next_attempt_at.max(earliest)))
            .collect()
    }

    /// The deliveries to attempt now: each webhook's oldest, when due.
    pub fn due(
        &self,
        now: Millis,
        not_before: impl Fn(&WebhookId) -> Option<Millis>,
        busy: &BTreeSet<WebhookId>,
    ) -> Vec<&Delivery> {
        self.heads(not_before, busy).into_iter().filter(|(_, at)| *at <= now).map(|(d, _)| d).collect()
    }

    /// When the next attempt falls due, among webhooks that may be sent to and are not busy.
    pub fn next_due(
        &self,
        not_before: impl Fn(&WebhookId) -> Option<Millis>,
        busy: &BTreeSet<WebhookId>,
    ) -> Option<Millis> {
        self.heads(not_before, busy).into_iter().map(|(_, at)| at).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wid(n: u8) -> WebhookId {
        WebhookId::from_random([n; 8])
    }

    fn delivery(n: u8, webhook: u8, at: u64) -> Delivery {
        Delivery {
            id: DeliveryId::from_random([n; 12]),
            webhook_id: wid(webhook),
            event: "error".into(),
            body: "{}".into(),
            body_hash: String::new(),
            created_at: Millis(0),
            attempts: 0,
            next_attempt_at: Millis(at),
            last_error: None,
            seq: 0,
        }
    }

    fn outbox(items: &[(u8, u8, u64)]) -> Outbox {
        let mut o = Outbox::default();
        items.iter().for_each(|&(n, w, at)| {
            o.push(delivery(n, w, at));
        });
        o
    }

    #[test]
    fn a_delivery_put_back_takes_its_place_again_and_is_counted() {
        let mut o = Outbox::default();
        for n in 1..=3 {
            assert!(o.push(delivery(n, 1, 0)));
        }
        let (len, bytes) = (o.len, o.bytes);
        let middle = o.remove(&wid(1), &DeliveryId::from_random([2; 12])).expect("queued");
        let first = o.remove(&wid(1), &DeliveryId::from_random([1; 12])).expect("queued");
        o.put_back(middle);
        o.put_back(first);
        let order: Vec<DeliveryId> = o.queue_of(&wid(1)).into_iter().map(|d| d.id).collect();
        assert_eq!(order, (1..=3).map(|n| DeliveryId::from_random([n; 12])).collect::<Vec<_>>());
        assert_eq!((o.len, o.bytes), (len, bytes));
        assert!(o.carries_body(&body_hash("{}")));
    }

    #[test]
    fn the_outbox_is_bounded_by_bytes_as_well_as_by_count() {
        let mut o = Outbox::default();
        let big = |n: u8| Delivery { body: "x".repeat(MAX_PENDING_BYTES / 2), ..delivery(n, 1, 0) };
        assert!(o.push(big(1)) && o.push(big(2)));
        assert!(!o.push(delivery(3, 1, 0)), "no room for one more byte");
        assert_eq!((o.len(), o.dropped_when_full), (2, 1));
        o.remove(&wid(1), &big(1).id);
        assert_eq!(o.bytes(), MAX_PENDING_BYTES / 2);
        assert!(o.push(delivery(3, 1, 0)), "room again");
    }

    #[test]
    fn a_webhook_that_must_wait_holds_its_head_until_then() {
        let o = outbox(&[(1, 1, 0), (2, 2, 0)]);
        let spaced = |w: &WebhookId| Some(if w == &wid(1) { Millis(1_000) } else { Millis(0) });
        let due: Vec<DeliveryId> =
            o.due(Millis(500), spaced, &BTreeSet::new()).into_iter().map(|d| d.id.clone()).collect();
        assert_eq!(due, vec![delivery(2, 2, 0).id]);
        assert_eq!(o.next_due(|w| spaced(w).filter(|_| w == &wid(1)), &BTreeSet::new()), Some(Millis(1_000)));
    }

    #[test]
    fn only_the_oldest_delivery_per_webhook_is_due() {
        let o = outbox(&[(1, 1, 0), (2, 1, 0), (3, 2, 0), (4, 2, 0)]);
        let due: Vec<DeliveryId> =
            o.due(Millis(0), |_| Some(Millis(0)), &BTreeSet::new()).into_iter().map(|d| d.id.clone()).collect();
        assert_eq!(due, vec![delivery(1, 1, 0).id, delivery(3, 2, 0).id]);
    }

    #[test]
    fn a_waiting_retry_holds_back_later_deliveries_of_its_webhook_only() {
        let o = outbox(&[(1, 1, 500), (2, 1, 0), (3, 2, 0)]);
        let ids = |v: Vec<&Delivery>| v.into_iter().map(|d| d.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(o.due(Millis(100), |_| Some(Millis(0)), &BTreeSet::new())), vec![delivery(3, 2, 0).id]);
        assert_eq!(o.next_due(|w| (w == &wid(1)).then_some(Millis(0)), &BTreeSet::new()), Some(Millis(500)));
    }

    #[test]
    fn busy_and_blocked_webhooks_are_skipped() {
        let o = outbox(&[(1, 1, 0), (2, 2, 0)]);
        let busy = BTreeSet::from([wid(1)]);
        let ids = |v: Vec<&Delivery>| v.into_iter().map(|d| d.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(o.due(Millis(0), |_| Some(Millis(0)), &busy)), vec![delivery(2, 2, 0).id]);
        assert!(o.due(Millis(0), |w| (w != &wid(2)).then_some(Millis(0)), &busy).is_empty());
        assert_eq!(o.next_due(|_| None, &busy), None);
    }

    #[test]
    fn removal_by_id_and_by_webhook() {
        let mut o = outbox(&[(1, 1, 0), (2, 1, 0), (3, 2, 0)]);
        assert_eq!(o.pending_for(&wid(1)), 2);
        assert!(o.remove(&wid(2), &delivery(3, 2, 0).id).is_some());
        assert!(o.remove(&wid(2), &delivery(3, 2, 0).id).is_none());
        assert_eq!(o.remove_for_webhook(&wid(1)).len(), 2);
        assert_eq!(o.len(), 0);
    }

    #[test]
    fn a_full_outbox_counts_what_it_drops() {
        let mut o = Outbox::default();
        for n in 0..MAX_PENDING_DELIVERIES {
            assert!(o.push(delivery((n % 250) as u8, 1, 0)));
        }
        assert!(!o.push(delivery(1, 2, 0)));
        assert!(!o.push(delivery(2, 2, 0)));
        assert_eq!((o.len(), o.dropped_when_full), (MAX_PENDING_DELIVERIES, 2));
    }

    #[test]
    fn queued_deliveries_are_numbered_and_restored_in_order() {
        let o = outbox(&[(1, 1, 0), (2, 2, 5), (3, 1, 0)]);
        let seqs: Vec<u64> = o.iter().map(|d| d.seq).collect();
        assert_eq!(seqs, [0, 2, 1], "webhook 1's two, then webhook 2's");
        let mut shuffled: Vec<Delivery> = o.iter().cloned().collect();
        shuffled.reverse();
        let back = Outbox::restore(&o.document(), shuffled);
        assert_eq!(back, o);
        assert_eq!(back.next_seq, 3);
        let text = serde_json::to_string(&o.document()).expect("serializes");
        assert_eq!(text, r#"{"droppedWhenFull":0,"nextSeq":3}"#);
    }

    #[test]
    fn every_waiting_delivery_is_found_from_either_end_and_a_missing_one_is_not() {
        for len in 0..6u8 {
            let o = outbox(&(0..len).map(|n| (n, 1, 0)).collect::<Vec<_>>());
            let queue: Vec<Delivery> = o.iter().cloned().collect();
            for d in &queue {
                assert_eq!(o.get(&d.webhook_id, &d.id), Some(d));
            }
            assert_eq!(o.get(&wid(1), &DeliveryId("msg_none".into())), None);
        }
    }

    #[test]
    fn restoring_keeps_the_stored_body_names_and_names_inline_bodies() {
        let named = Delivery { body_hash: "stored-name".into(), ..delivery(1, 1, 0) };
        let inline = delivery(2, 2, 0);
        let expected = body_hash(&inline.body);
        let back = Outbox::restore(&OutboxDocument::default(), vec![named, inline]);
        assert!(back.carries_body("stored-name"), "found by this name, so not hashed again");
        assert!(back.carries_body(&expected));
        assert_eq!(expected.len(), 32);
    }
}
