//! Delivery history: the last attempts of each webhook, what the endpoint answered, and enough of
//! each delivery to send it again (🔁 Redeliver).

use crate::values::ids::DeliveryId;
use crate::values::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Attempts kept per webhook; older ones roll off.
pub const HISTORY_PER_WEBHOOK: usize = 50;
/// How much of a response body is kept, in bytes.
pub const RESPONSE_SNIPPET_BYTES: usize = 1024;

/// What became of a delivery after an attempt (or without one, when discarded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The endpoint accepted it.
    Delivered,
    /// It failed and will be tried again.
    Retrying,
    /// It failed for good.
    Failed,
    /// The user discarded it before it was delivered.
    Discarded,
    /// It was dropped because its webhook was deleted.
    Dropped,
}

/// One line of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// When the attempt started (or the delivery was discarded).
    pub at: Millis,
    /// The delivery.
    pub delivery_id: DeliveryId,
    /// The event's wire name.
    pub event: String,
    /// The attempt's number for this delivery (0 when discarded before any attempt, or when its
    /// body could not be built: see [`Entry::unbuilt`]).
    pub attempt: u32,
    /// The HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// What went wrong, in words.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: u64,
    /// The start of the response body (at most [`RESPONSE_SNIPPET_BYTES`]).
    pub response: Option<String>,
    /// What became of the delivery.
    pub outcome: Outcome,
    /// The payload, so the delivery can be sent again unchanged; for an [`Entry::unbuilt`] one,
    /// the event's envelope (a batch's: a JSON array of envelopes), to build it from again.
    pub body: String,
}

impl Entry {
    /// Whether this is an event that could not be turned into the webhook's body (a template that
    /// no longer fits, a full outbox): failed without an attempt.
    pub fn unbuilt(&self) -> bool {
        self.attempt == 0 && self.outcome == Outcome::Failed
    }
}

/// One webhook's history, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The entries, newest first, at most [`HISTORY_PER_WEBHOOK`].
    pub entries: VecDeque<Entry>,
}

impl History {
    /// Adds an entry, letting the oldest roll off.
    pub fn record(&mut self, entry: Entry) {
        self.entries.push_front(entry);
        self.entries.truncate(HISTORY_PER_WEBHOOK);
    }

    /// The event and payload of a delivery still in the history.
    pub fn payload(&self, delivery: &DeliveryId) -> Option<&Entry> {
        self.entries.iter().find(|e| &e.delivery_id == delivery)
    }
}

/// The start of `text`, cut at a character boundary to at most [`RESPONSE_SNIPPET_BYTES`].
pub fn snippet(text: &str) -> String {
    if text.len() <= RESPONSE_SNIPPET_BYTES {
        return text.to_string();
    }
    let mut end = RESPONSE_SNIPPET_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> Entry {
        Entry {
            at: Millis(u64::from(n)),
            delivery_id: DeliveryId::from_random([n; 12]),
            event: "error".into(),
            attempt: 1,
            status: Some(200),
            error: None,
            duration_ms: 5,
            response: None,
            outcome: Outcome::Delivered,
            body: format!("{{\"n\":{n}}}"),
        }
    }

    #[test]
    fn keeps_the_newest_fifty() {
        let mut h = History::default();
        for n in 0..60 {
            h.record(entry(n));
        }
        assert_eq!(h.entries.len(), HISTORY_PER_WEBHOOK);
        assert_eq!(h.entries.front().map(|e| e.at), Some(Millis(59)));
        assert_eq!(h.entries.back().map(|e| e.at), Some(Millis(10)));
        assert_eq!(
            h.payload(&DeliveryId::from_random([59; 12])).map(|e| (e.event.as_str(), e.body.as_str())),
            Some(("error", "{\"n\":59}"))
        );
        assert_eq!(h.payload(&DeliveryId::from_random([0; 12])), None, "rolled off");
    }

    #[test]
    fn snippets_stop_at_a_kilobyte_on_a_character_boundary() {
        assert_eq!(snippet("ok"), "ok");
        assert_eq!(snippet(&"a".repeat(3000)).len(), 1024);
        let s = format!("{}é", "a".repeat(1023)); // 'é' straddles the limit
        assert_eq!(snippet(&s), "a".repeat(1023));
    }
}
