//! The core's error type. [`crate::protocol::ErrorBody`] is its one conversion for the outside
//! world.

use crate::values::field::FieldMessage;
use crate::values::ids::WebhookId;

/// Everything that can go wrong in a command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The form has mistakes; each names its field.
    #[error("{}", .0.first().map(|m| m.message.as_str()).unwrap_or("The webhook is not valid."))]
    Invalid(Vec<FieldMessage>),
    /// The registry is full.
    #[error("You already have {limit} webhooks, the most AutoChat supports. Delete one to add another.")]
    LimitReached {
        /// The limit.
        limit: usize,
    },
    /// No webhook has this id (deleted meanwhile, perhaps in another window).
    #[error("That webhook no longer exists; it may have been deleted in another window.")]
    NotFound(WebhookId),
    /// The command was not understood.
    #[error("AutoChat did not understand the request: {0}")]
    BadCommand(String),
    /// Storage could not be read or written.
    #[error("AutoChat could not access its storage: {0}")]
    Storage(String),
    /// The request cannot be carried out now; the text says why.
    #[error("{0}")]
    Refused(String),
    /// The stored data was written by a newer AutoChat; it is left untouched.
    #[error("Your webhooks were saved by a newer version of AutoChat (data version {found}; this version reads up to {supported}). Update AutoChat; your data has not been changed.")]
    NewerSchema {
        /// The version found in storage.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A fault in AutoChat itself (a bug), described for a report.
    #[error("AutoChat ran into an internal error: {0}")]
    Internal(String),
}
