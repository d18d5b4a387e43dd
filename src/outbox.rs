//! The outbox: every delivery not yet finished, in emission order, persisted before it is sent.
//!
//! Per webhook only the oldest delivery is ever attempted, so a receiver sees first attempts in the
//! order the events happened; different webhooks proceed independently and concurrently.

use crate::ids::{DeliveryId, WebhookId};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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
    /// The envelope, serialized once at emission so every attempt sends identical bytes.
    pub body: String,
    /// When the event was emitted.
    pub created_at: Millis,
    /// Attempts made so far.
    pub attempts: u32,
    /// Not attempted before this time.
    pub next_attempt_at: Millis,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
}

/// At most this many deliveries wait at once (all webhooks together). An event that would go
/// past it is not queued for the webhooks it would overflow, and the drop is counted.
pub const MAX_PENDING_DELIVERIES: usize = 10_000;

/// Pending deliveries, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outbox {
    /// The deliveries, in emission order.
    pub deliveries: Vec<Delivery>,
    /// Deliveries never queued because the outbox was full, since installation.
    #[serde(default)]
    pub dropped_when_full: u64,
}

impl Outbox {
    /// Appends a delivery, or counts it as dropped when the outbox is full. Returns whether it
    /// was queued.
    pub fn push(&mut self, delivery: Delivery) -> bool {
        if self.deliveries.len() >= MAX_PENDING_DELIVERIES {
            self.dropped_when_full += 1;
            return false;
        }
        self.deliveries.push(delivery);
        true
    }

    /// Whether a delivery with `id` is waiting.
    pub fn contains(&self, id: &DeliveryId) -> bool {
        self.deliveries.iter().any(|d| &d.id == id)
    }

    /// The delivery with `id`.
    pub fn get_mut(&mut self, id: &DeliveryId) -> Option<&mut Delivery> {
        self.deliveries.iter_mut().find(|d| &d.id == id)
    }

    /// Removes and returns the delivery with `id`.
    pub fn remove(&mut self, id: &DeliveryId) -> Option<Delivery> {
        let index = self.deliveries.iter().position(|d| &d.id == id)?;
        Some(self.deliveries.remove(index))
    }

    /// Removes every delivery to `webhook` and returns them.
    pub fn remove_for_webhook(&mut self, webhook: &WebhookId) -> Vec<Delivery> {
        let (gone, kept) = std::mem::take(&mut self.deliveries).into_iter().partition(|d| &d.webhook_id == webhook);
        self.deliveries = kept;
        gone
    }

    /// The oldest waiting delivery of `webhook`.
    pub fn head_of(&self, webhook: &WebhookId) -> Option<&Delivery> {
        self.deliveries.iter().find(|d| &d.webhook_id == webhook)
    }

    /// Deliveries waiting for `webhook`.
    pub fn pending_for(&self, webhook: &WebhookId) -> usize {
        self.deliveries.iter().filter(|d| &d.webhook_id == webhook).count()
    }

    /// The oldest delivery of each webhook that `may_send` allows and that is not in `busy`.
    fn heads<'a>(
        &'a self,
        may_send: impl Fn(&WebhookId) -> bool + 'a,
        busy: &'a BTreeSet<WebhookId>,
    ) -> impl Iterator<Item = &'a Delivery> + 'a {
        let mut seen = BTreeSet::new();
        self.deliveries
            .iter()
            .filter(move |d| seen.insert(&d.webhook_id) && !busy.contains(&d.webhook_id) && may_send(&d.webhook_id))
    }

    /// The deliveries to attempt now: each webhook's oldest, when due.
    pub fn due(
        &self,
        now: Millis,
        may_send: impl Fn(&WebhookId) -> bool,
        busy: &BTreeSet<WebhookId>,
    ) -> Vec<DeliveryId> {
        self.heads(may_send, busy).filter(|d| d.next_attempt_at <= now).map(|d| d.id.clone()).collect()
    }

    /// When the next attempt falls due, among webhooks that may be sent to and are not busy.
    pub fn next_due(&self, may_send: impl Fn(&WebhookId) -> bool, busy: &BTreeSet<WebhookId>) -> Option<Millis> {
        self.heads(may_send, busy).map(|d| d.next_attempt_at).min()
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
            created_at: Millis(0),
            attempts: 0,
            next_attempt_at: Millis(at),
            last_error: None,
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
    fn only_the_oldest_delivery_per_webhook_is_due() {
        let o = outbox(&[(1, 1, 0), (2, 1, 0), (3, 2, 0), (4, 2, 0)]);
        let due = o.due(Millis(0), |_| true, &BTreeSet::new());
        assert_eq!(due, vec![delivery(1, 1, 0).id, delivery(3, 2, 0).id]);
    }

    #[test]
    fn a_waiting_retry_holds_back_later_deliveries_of_its_webhook_only() {
        let o = outbox(&[(1, 1, 500), (2, 1, 0), (3, 2, 0)]);
        assert_eq!(o.due(Millis(100), |_| true, &BTreeSet::new()), vec![delivery(3, 2, 0).id]);
        assert_eq!(o.next_due(|w| w == &wid(1), &BTreeSet::new()), Some(Millis(500)));
    }

    #[test]
    fn busy_and_blocked_webhooks_are_skipped() {
        let o = outbox(&[(1, 1, 0), (2, 2, 0)]);
        let busy = BTreeSet::from([wid(1)]);
        assert_eq!(o.due(Millis(0), |_| true, &busy), vec![delivery(2, 2, 0).id]);
        assert!(o.due(Millis(0), |w| w != &wid(2), &busy).is_empty());
        assert_eq!(o.next_due(|_| false, &busy), None);
    }

    #[test]
    fn removal_by_id_and_by_webhook() {
        let mut o = outbox(&[(1, 1, 0), (2, 1, 0), (3, 2, 0)]);
        assert_eq!(o.pending_for(&wid(1)), 2);
        assert!(o.remove(&delivery(3, 2, 0).id).is_some());
        assert!(o.remove(&delivery(3, 2, 0).id).is_none());
        assert_eq!(o.remove_for_webhook(&wid(1)).len(), 2);
        assert!(o.deliveries.is_empty());
    }

    #[test]
    fn a_full_outbox_counts_what_it_drops() {
        let mut o = Outbox::default();
        for n in 0..MAX_PENDING_DELIVERIES {
            assert!(o.push(delivery((n % 250) as u8, 1, 0)));
        }
        assert!(!o.push(delivery(1, 2, 0)));
        assert!(!o.push(delivery(2, 2, 0)));
        assert_eq!((o.deliveries.len(), o.dropped_when_full), (MAX_PENDING_DELIVERIES, 2));
    }
}
