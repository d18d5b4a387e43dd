//! Messages about one field of a form: what validation says, and what the pages show beside it.

use serde::{Deserialize, Serialize};

/// A message about one field of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldMessage {
    /// The form field: `name`, `url`, `method`, `events`, `headers` or `retryMode`.
    pub field: String,
    /// What is wrong or worth knowing, in words a user can act on.
    pub message: String,
}

impl FieldMessage {
    /// A message about `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldMessage { field: field.to_string(), message: message.into() }
    }
}
