//! AutoChat's core: the webhook registry, the event bus and the durable retry dispatcher,
//! compiled to WebAssembly for the extension's service worker and pages.
//!
//! # Layout
//! Pure logic, platform-free and tested natively:
//! - [`time`]: epoch milliseconds, RFC 3339 and HTTP dates.
//! - [`ids`]: webhook and delivery identifiers.
//! - [`event`]: the eight events, their data and the delivery envelope.
//! - [`url_check`], [`headers`], [`webhook`]: the webhook object and validation of the form.
//! - [`registry`]: the webhooks, the global switch and statistics.
//! - [`outbox`]: pending deliveries, oldest first per webhook.
//! - [`history`]: the last attempts of each webhook, for display and redelivery.
//! - [`retry`]: the retry policy as data and the judgement of each attempt.
//! - [`request`]: the HTTP request for an attempt (headers, GET encoding).
//! - [`store`]: persisted documents and schema versions.
//! - [`protocol`]: the typed commands and replies shared by the worker and the pages.
//! - [`error`]: the error type and its one conversion for the outside world.
//! - [`campaign`]: the auto-send state machine and its settings.
//! - [`engine`]: the single writer tying it together.
//!
//! Effects go through [`ports`]; the browser implements them in `browser` (wasm only).

pub mod campaign;
pub mod engine;
pub mod error;
pub mod event;
pub mod headers;
pub mod history;
pub mod ids;
pub mod outbox;
pub mod ports;
pub mod protocol;
pub mod registry;
pub mod request;
pub mod retry;
pub mod store;
pub mod time;
pub mod url_check;
pub mod webhook;

#[cfg(test)]
pub mod testing;

#[cfg(target_arch = "wasm32")]
mod browser;

pub use engine::Engine;
pub use error::Error;
