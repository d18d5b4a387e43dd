//! Delivery: the outbox of waiting deliveries, the history of attempts, and the request each
//! attempt sends.

pub mod batch;
pub mod history;
pub mod outbox;
pub mod request;
