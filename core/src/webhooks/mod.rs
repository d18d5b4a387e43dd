//! Webhooks: the webhook object, the validation of the form, and the registry with its statistics.

pub mod format_choice;
pub mod registry;
pub mod signing_choice;
pub mod transfer;
pub mod webhook;
