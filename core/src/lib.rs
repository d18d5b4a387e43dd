//! AutoChat's core: every rule of the webhook registry, the event bus, the durable retry
//! dispatcher and the campaign, free of any platform. The `autochat-web` crate implements the
//! [`ports`] over `chrome.*` and `fetch` and compiles both to WebAssembly; the native tests use the
//! in-memory twins in `testing`.
//!
//! # Layers (each uses only the ones above it)
//! - [`values`]: time, ids, HTTP values, field messages.
//! - [`rules`]: URL and header checks, the eight events and their envelope, the retry policy;
//!   [`formats`]: each destination's body (Slack, Discord, Teams, … or a custom template).
//! - Domain: [`webhooks`] (the webhook object, validation, registry), [`delivery`] (outbox,
//!   history, request building), [`campaign`] (the auto-send state machine).
//! - Boundary: [`store`] (persisted documents) and [`protocol`] (commands, replies, views,
//!   notifications and the content script's messages — everything that crosses to JavaScript).
//! - [`ports`]: traits only — Http, Storage, Clock, Random, Runtime, ChatPage.
//! - [`engine`]: the single writer — loading, commands, dispatch, wake-ups, storage writes.
//!
//! [`error`] is the core's error type; [`protocol`] converts it for the outside world, once.

pub mod values;

pub mod rules;

pub mod formats;
pub mod signing;

pub mod conditions;

pub mod campaign;
pub(crate) mod delivery;
pub mod webhooks;

pub mod protocol;
pub(crate) mod store;

pub(crate) mod engine;
pub(crate) mod error;
pub mod ports;

#[cfg(test)]
mod testing;

pub use engine::{Engine, MemoryPolicy, MemoryVerdict, Policies};

/// How much of a response body AutoChat keeps (and so reads): the rest is never downloaded.
pub const fn delivery_snippet_bytes() -> usize {
    delivery::history::RESPONSE_SNIPPET_BYTES
}
pub use error::Error;
