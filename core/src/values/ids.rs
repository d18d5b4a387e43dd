//! Identifiers as newtypes, so a webhook id can never be passed where a delivery id is expected.

use super::hex::push_hex;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A webhook's identifier: `wh_` and 16 lowercase hex digits. Stable for the webhook's life.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct WebhookId(pub String);

/// A delivery's identifier: `msg_` and 24 lowercase hex digits. Sent as the `webhook-id` header on
/// every attempt of one delivery, so a receiver can drop duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct DeliveryId(pub String);

impl WebhookId {
    /// Builds an id from 8 random bytes.
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let mut id = String::from("wh_");
        push_hex(&mut id, &bytes);
        WebhookId(id)
    }
}

impl DeliveryId {
    /// Builds an id from 12 random bytes (96 bits: collisions are not a practical concern).
    pub fn from_random(bytes: [u8; 12]) -> Self {
        let mut id = String::from("msg_");
        push_hex(&mut id, &bytes);
        DeliveryId(id)
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_prefix_and_length() {
        assert_eq!(WebhookId::from_random([0, 1, 2, 3, 4, 5, 6, 255]).0, "wh_00010203040506ff");
        let d = DeliveryId::from_random([0xab; 12]);
        assert_eq!(d.0.len(), 4 + 24);
        assert!(d.0.starts_with("msg_abab"));
    }
}
