//! Batched events: a webhook may collect its events for up to a window of seconds or a number of
//! events, whichever comes first, and receive them as one request. A batch being collected is
//! stored like a waiting delivery (`autochat.batch.<webhook id>`), so a worker stop or a browser
//! restart loses nothing; it carries the id its delivery will have, so a batch already turned into
//! a delivery is recognised and never sent twice.

use crate::values::field::FieldMessage;
use crate::values::ids::{DeliveryId, WebhookId};
use crate::values::time::Millis;
use serde::{Deserialize, Serialize};

/// The shortest and longest window, in seconds.
pub const WINDOW_SECONDS: (u32, u32) = (1, 3_600);
/// The fewest and most events in a batch.
pub const BATCH_EVENTS: (u32, u32) = (2, 100);

/// A webhook's batching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BatchSettings {
    /// Collect for at most this many seconds after the first event.
    pub window_seconds: u32,
    /// Or until this many events are collected.
    pub max_events: u32,
}

impl BatchSettings {
    /// Checks the bounds.
    pub fn check(&self) -> Result<(), FieldMessage> {
        let (w0, w1) = WINDOW_SECONDS;
        let (n0, n1) = BATCH_EVENTS;
        if !(w0..=w1).contains(&self.window_seconds) {
            return Err(FieldMessage::new("batch", format!("A batch collects for {w0} to {w1} seconds.")));
        }
        if !(n0..=n1).contains(&self.max_events) {
            return Err(FieldMessage::new("batch", format!("A batch holds {n0} to {n1} events.")));
        }
        Ok(())
    }
}

/// A batch being collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenBatch {
    /// The id its delivery will have.
    pub id: DeliveryId,
    /// Its webhook.
    pub webhook_id: WebhookId,
    /// When it closes at the latest.
    pub closes_at: Millis,
    /// The envelopes collected, as JSON text, in order.
    pub envelopes: Vec<String>,
}

impl OpenBatch {
    /// Whether it is to be closed at `now` under `settings`.
    pub fn is_due(&self, settings: &BatchSettings, now: Millis) -> bool {
        self.closes_at <= now || self.envelopes.len() >= settings.max_events as usize
    }
}
