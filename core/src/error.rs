//! The crate's error type and the one place it becomes the `{code, message, field?}` a page shows.

use crate::values::field::FieldMessage;
use crate::values::ids::WebhookId;
use serde::Serialize;

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
}

/// An error as the pages receive it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    /// A stable machine-readable code.
    pub code: &'static str,
    /// What went wrong and what to do, for the user.
    pub message: String,
    /// The form field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field message, for forms (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
}

impl Error {
    /// The stable code pages switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::LimitReached { .. } => "limit_reached",
            Error::NotFound(_) => "not_found",
            Error::BadCommand(_) => "bad_command",
            Error::Storage(_) => "storage",
            Error::Refused(_) => "refused",
            Error::NewerSchema { .. } => "newer_schema",
        }
    }

    /// The error as pages receive it.
    pub fn to_body(&self) -> ErrorBody {
        let fields = match self {
            Error::Invalid(fields) => fields.clone(),
            _ => Vec::new(),
        };
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            field: fields.first().map(|f| f.field.clone()),
            fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_their_first_field_and_carry_all() {
        let e = Error::Invalid(vec![
            FieldMessage { field: "name".into(), message: "Give the webhook a name.".into() },
            FieldMessage { field: "url".into(), message: "Bad URL.".into() },
        ]);
        let body = serde_json::to_value(e.to_body()).expect("serializes");
        assert_eq!(body["code"], "invalid");
        assert_eq!(body["message"], "Give the webhook a name.");
        assert_eq!(body["field"], "name");
        assert_eq!(body["fields"][1]["field"], "url");
    }

    #[test]
    fn other_errors_have_no_field() {
        let body = serde_json::to_value(Error::LimitReached { limit: 10 }.to_body()).expect("serializes");
        assert_eq!(body["code"], "limit_reached");
        assert!(body.get("field").is_none() && body.get("fields").is_none());
        assert!(body["message"].as_str().expect("text").contains("10 webhooks"));
    }
}
