//! Everything that crosses the boundary between the core and JavaScript, as Rust types:
//! - [`commands`]: what the pages ask the worker, each with its reply type;
//! - [`views`]: the reply values;
//! - [`Changed`]: the worker's notice to open pages that something they show has changed;
//! - [`content`]: the messages between AutoChat and its script in the chat page;
//! - [`page`]: what the pages' own wasm helpers return (form checks, the catalog);
//! - [`ErrorBody`]: the one form an error takes outside the core.
//!
//! A reply is `{"value": …}` or `{"error": {code, message, field?, fields?}}`. The TypeScript
//! declarations the pages are checked against are generated from these types (`ts` feature).

pub mod commands;
pub mod content;
pub mod page;
pub mod views;

#[cfg(test)]
mod catalog_words;
#[cfg(all(test, feature = "ts"))]
mod typescript;

pub use commands::{Command, Request};

use crate::values::field::FieldMessage;
use crate::values::ids::WebhookId;
use crate::Error;
use serde::Serialize;

/// Reads a command from JSON text: `{"type": "…", …fields}`.
pub fn parse_command(text: &str) -> Result<Command, Error> {
    let value = serde_json::from_str(text).map_err(|e| Error::BadCommand(e.to_string()))?;
    command_from_value(value)
}

/// Reads a command from its JSON value: `{"type": "…", …fields}`.
pub fn command_from_value(value: serde_json::Value) -> Result<Command, Error> {
    let serde_json::Value::Object(mut fields) = value else {
        return Err(Error::BadCommand("a command is a JSON object with a \"type\"".into()));
    };
    let Some(serde_json::Value::String(kind)) = fields.remove("type") else {
        return Err(Error::BadCommand("the command has no \"type\"".into()));
    };
    commands::command_from_fields(&kind, serde_json::Value::Object(fields))
}

/// Who sent a command: one of AutoChat's own pages (or the worker itself), or a script running
/// in a web page. A page's messages are untrusted (a compromised renderer can forge them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An extension page or the worker: every command.
    Extension,
    /// AutoChat's script in a web page, whose origin the browser reported.
    WebPage {
        /// The page's origin, as the browser saw it.
        origin: String,
    },
}

/// Lets a command through for its caller. A web page may only save the elements picked on its
/// own site (its origin taken from the browser, not from the message); everything else — the
/// webhooks, their secrets, events, the campaign — is for AutoChat's own pages.
pub fn admit(command: Command, caller: &Caller) -> Result<Command, Error> {
    match (caller, command) {
        (Caller::Extension, command) => Ok(command),
        (Caller::WebPage { origin }, Command::SavePicks(mut picks)) => {
            picks.origin = origin.clone();
            Ok(Command::SavePicks(picks))
        }
        (Caller::WebPage { .. }, _) => {
            Err(Error::Refused("AutoChat takes this request only from its own pages, not from a web page.".into()))
        }
    }
}

/// The reply to a command of type `C`, as JSON text. Typed by the command, so an answer of the
/// wrong shape does not compile.
pub fn reply<C: Request>(result: Result<C::Reply, Error>) -> String {
    match result {
        Ok(value) => match serde_json::to_string(&value) {
            Ok(json) => format!("{{\"value\":{json}}}"),
            Err(e) => error_reply(&Error::Internal(format!("the reply could not be encoded: {e}"))),
        },
        Err(error) => error_reply(&error),
    }
}

/// An error reply as JSON text.
pub fn error_reply(error: &Error) -> String {
    let body = ErrorBody::from(error);
    serde_json::to_string(&body)
        .map(|json| format!("{{\"error\":{json}}}"))
        .unwrap_or_else(|_| r#"{"error":{"code":"internal","message":"AutoChat could not encode its reply."}}"#.into())
}

/// The stable codes of errors, which pages may switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The form has mistakes; `fields` names them.
    Invalid,
    /// The registry is full.
    LimitReached,
    /// No such webhook.
    NotFound,
    /// The command was not understood.
    BadCommand,
    /// Storage could not be read or written.
    Storage,
    /// Not possible now; the message says why.
    Refused,
    /// The stored data is from a newer AutoChat.
    NewerSchema,
    /// A fault in AutoChat itself.
    Internal,
    /// The page could not reach the worker (set by the pages' client, never by the core).
    Unreachable,
}

/// An error as the pages receive it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    /// A stable machine-readable code.
    pub code: ErrorCode,
    /// What went wrong and what to do, for the user.
    pub message: String,
    /// The form field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
    /// Every field message, for forms (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<FieldMessage>>", optional))]
    pub fields: Vec<FieldMessage>,
}

impl From<&Error> for ErrorBody {
    /// The one conversion of the core's errors for the outside world.
    fn from(error: &Error) -> ErrorBody {
        let code = match error {
            Error::Invalid(_) => ErrorCode::Invalid,
            Error::LimitReached { .. } => ErrorCode::LimitReached,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::BadCommand(_) => ErrorCode::BadCommand,
            Error::Storage(_) => ErrorCode::Storage,
            Error::Refused(_) => ErrorCode::Refused,
            Error::NewerSchema { .. } => ErrorCode::NewerSchema,
            Error::Internal(_) => ErrorCode::Internal,
        };
        let fields = match error {
            Error::Invalid(fields) => fields.clone(),
            _ => Vec::new(),
        };
        ErrorBody { code, message: error.to_string(), field: fields.first().map(|f| f.field.clone()), fields }
    }
}

/// The worker's notice to open pages: what they show has changed, so they ask again. Sent at most
/// a few times a second, whatever the rate of changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    /// The webhooks, their statistics or delivery state, or the global switch.
    pub webhooks: bool,
    /// The campaign's state, counters or settings.
    pub campaign: bool,
    /// The webhooks whose history gained or changed entries.
    pub histories: Vec<WebhookId>,
}

impl Changed {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.webhooks && !self.campaign && self.histories.is_empty()
    }

    /// Adds what `other` says changed.
    pub fn absorb(&mut self, other: Changed) {
        self.webhooks |= other.webhooks;
        self.campaign |= other.campaign;
        for id in other.histories {
            if !self.histories.contains(&id) {
                self.histories.push(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::commands::{ClearStats, ListWebhooks, SetWebhookEnabled};
    use super::*;

    #[test]
    fn commands_parse_from_their_documented_shape() {
        assert_eq!(parse_command(r#"{"type":"listWebhooks"}"#), Ok(Command::ListWebhooks(ListWebhooks {})));
        assert_eq!(
            parse_command(r#"{"type":"setWebhookEnabled","id":"wh_1","enabled":false}"#),
            Ok(Command::SetWebhookEnabled(SetWebhookEnabled { id: WebhookId("wh_1".into()), enabled: false }))
        );
        assert_eq!(parse_command(r#"{"type":"clearStats"}"#), Ok(Command::ClearStats(ClearStats { id: None })));
        let c = parse_command(
            r#"{"type":"addWebhook","webhook":{"name":"n","url":"u","events":["error"],"headers":{"A":"b"}}}"#,
        );
        let Ok(Command::AddWebhook(add)) = c else { panic!("wrong command: {c:?}") };
        assert_eq!((add.webhook.name.as_str(), add.webhook.headers.clone()), ("n", serde_json::json!({"A": "b"})));
        let c = parse_command(r#"{"type":"emit","event":"milestone","data":{"milestone":"10_messages","value":10}}"#);
        assert!(matches!(c, Ok(Command::Emit(e)) if e.event == "milestone"));
    }

    #[test]
    fn unknown_or_malformed_commands_are_bad_commands() {
        for text in [
            "not json",
            "[]",
            r#"{"kind":"listWebhooks"}"#,
            r#"{"type":"dance"}"#,
            r#"{"type":"getWebhook"}"#,
            r#"{"type":"getWebhook","id":"wh_1","extra":1}"#,
            r#"{"type":"listWebhooks","extra":1}"#,
        ] {
            assert!(matches!(parse_command(text), Err(Error::BadCommand(_))), "{text}");
        }
    }

    #[test]
    fn replies_are_a_value_or_an_error() {
        let ok = reply::<commands::GetStatus>(Ok(views::StatusView {
            pending_deliveries: 1,
            pending_bytes: 2,
            in_flight: 0,
            dropped_when_full: 0,
            alarm_at: None,
            online: true,
            storage_writes: 2,
            wasm_memory_bytes: None,
            version: "4.5.0".into(),
        }));
        assert!(ok.starts_with(r#"{"value":{"pendingDeliveries":1,"#), "{ok}");
        let e = reply::<commands::GetWebhook>(Err(Error::NotFound(WebhookId("wh_1".into()))));
        assert!(e.starts_with(r#"{"error":{"code":"not_found","message":"#), "{e}");
    }

    #[test]
    fn a_web_page_may_only_save_picks_for_its_own_origin() {
        let page = Caller::WebPage { origin: "https://chat.example.com".into() };
        let reveal = parse_command(r#"{"type":"revealSecret","id":"wh_1"}"#).expect("parses");
        assert!(matches!(admit(reveal.clone(), &page), Err(Error::Refused(_))));
        assert!(admit(reveal, &Caller::Extension).is_ok());
        let picks =
            parse_command(r##"{"type":"savePicks","origin":"https://bank.example","input":"#x"}"##).expect("parses");
        let Ok(Command::SavePicks(admitted)) = admit(picks, &page) else { panic!("admitted") };
        assert_eq!(admitted.origin, "https://chat.example.com", "the browser's origin, not the message's");
    }

    #[test]
    fn validation_errors_name_their_first_field_and_carry_all() {
        let e = Error::Invalid(vec![
            FieldMessage::new("name", "Give the webhook a name."),
            FieldMessage::new("url", "Bad URL."),
        ]);
        let body = serde_json::to_value(ErrorBody::from(&e)).expect("serializes");
        assert_eq!(body["code"], "invalid");
        assert_eq!(body["message"], "Give the webhook a name.");
        assert_eq!(body["field"], "name");
        assert_eq!(body["fields"][1]["field"], "url");
    }

    #[test]
    fn other_errors_have_no_field() {
        let body = serde_json::to_value(ErrorBody::from(&Error::LimitReached { limit: 10 })).expect("serializes");
        assert_eq!(body["code"], "limit_reached");
        assert!(body.get("field").is_none() && body.get("fields").is_none());
        assert!(body["message"].as_str().expect("text").contains("10 webhooks"));
    }
}
