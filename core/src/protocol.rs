//! The one command protocol between the pages, the content script and the service worker.
//!
//! A message is a JSON object with a `type` and the command's fields (camelCase). The reply is
//! `{"value": …}` on success or `{"error": {"code", "message", "field"?, "fields"?}}`. README.md
//! lists every command with its shape.

use crate::campaign::config::CampaignDraft;
use crate::error::ErrorBody;
use crate::values::ids::{DeliveryId, WebhookId};
use crate::webhooks::webhook::WebhookDraft;
use crate::Error;
use serde::{Deserialize, Serialize};

/// A command to the core.
///
/// On the wire the variant is named by a `type` field beside the command's own fields;
/// [`parse_command`] reads that shape. (The enum itself derives serde's default representation,
/// whose code is far smaller in the shipped wasm than an internally tagged enum's.)
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum Command {
    /// Every webhook, the global switch and pending counts.
    ListWebhooks,
    /// One webhook.
    GetWebhook {
        /// Which one.
        id: WebhookId,
    },
    /// Validates and adds a webhook.
    AddWebhook {
        /// The form's content.
        webhook: WebhookDraft,
    },
    /// Validates and replaces a webhook's settings (statistics stay).
    UpdateWebhook {
        /// Which one.
        id: WebhookId,
        /// The form's content.
        webhook: WebhookDraft,
    },
    /// Deletes a webhook and its pending deliveries.
    DeleteWebhook {
        /// Which one.
        id: WebhookId,
    },
    /// Enables or disables one webhook.
    SetWebhookEnabled {
        /// Which one.
        id: WebhookId,
        /// The new state.
        enabled: bool,
    },
    /// The global switch.
    SetWebhooksEnabled {
        /// The new state.
        enabled: bool,
    },
    /// Resets statistics of one webhook, or of all when `id` is absent.
    ClearStats {
        /// Which one; absent means all.
        #[serde(default)]
        id: Option<WebhookId>,
    },
    /// Sends the test payload to one webhook now (even a disabled one) and reports the outcome.
    TestWebhook {
        /// Which one.
        id: WebhookId,
    },
    /// Emits one of the eight events.
    Emit {
        /// The event's wire name.
        event: String,
        /// The event's facts (see README); timestamps are added by the core.
        #[serde(default)]
        data: serde_json::Value,
    },
    /// Validates a draft without saving it.
    ValidateWebhook {
        /// The form's content.
        webhook: WebhookDraft,
    },
    /// A webhook's last 50 attempts, newest first.
    GetHistory {
        /// Which webhook.
        webhook_id: WebhookId,
    },
    /// Removes waiting deliveries of a webhook: one, or all when `deliveryId` is absent.
    DiscardDeliveries {
        /// Which webhook.
        webhook_id: WebhookId,
        /// Which delivery; absent means all of the webhook's.
        #[serde(default)]
        delivery_id: Option<DeliveryId>,
    },
    /// Sends a delivery from the history again, with the same id and payload.
    Redeliver {
        /// Which webhook.
        webhook_id: WebhookId,
        /// Which delivery.
        delivery_id: DeliveryId,
    },
    /// Outbox and dispatcher state.
    GetStatus,
    /// The campaign: settings, state, counters.
    GetCampaign,
    /// Validates and saves the campaign's settings.
    SaveCampaign {
        /// The form's content.
        campaign: CampaignDraft,
    },
    /// Starts the campaign in a tab.
    StartCampaign {
        /// The tab.
        tab_id: u32,
        /// Its URL.
        url: String,
        /// Its title.
        #[serde(default)]
        title: String,
    },
    /// Pauses the running campaign.
    PauseCampaign,
    /// Resumes the paused campaign.
    ResumeCampaign,
    /// Stops the campaign.
    StopCampaign,
    /// Remembers elements picked on a site (sent by the page's pick mode).
    SavePicks {
        /// The site, `scheme://host[:port]`.
        origin: String,
        /// The input's CSS selector.
        #[serde(default)]
        input: Option<String>,
        /// The send button's CSS selector.
        #[serde(default)]
        button: Option<String>,
    },
    /// Forgets the elements picked on a site.
    ClearPicks {
        /// The site.
        origin: String,
    },
    /// A tab closed (from the worker's tab listener).
    TabClosed {
        /// The tab.
        tab_id: u32,
    },
    /// A tab loaded a URL (from the worker's tab listener).
    TabNavigated {
        /// The tab.
        tab_id: u32,
        /// The new URL.
        url: String,
    },
}

/// A reply: a value, or an error the page can show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Reply {
    /// Success.
    Value(serde_json::Value),
    /// Failure.
    Error(ErrorBody),
}

impl Reply {
    /// Builds the reply for a command's result.
    pub fn from_result(result: Result<serde_json::Value, Error>) -> Reply {
        match result {
            Ok(value) => Reply::Value(value),
            Err(error) => Reply::Error(error.to_body()),
        }
    }

    /// The reply as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"error":{"code":"internal","message":"AutoChat could not encode its reply."}}"#.into()
        })
    }
}

/// Parses a command from JSON text: `{"type": "…", …fields}`.
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
    // Rewritten as serde's external tagging: a unit command is its name alone; any other
    // command is `{name: fields}` (a unit command given fields is refused as unknown fields).
    let tagged = if fields.is_empty() && UNIT_COMMANDS.contains(&kind.as_str()) {
        serde_json::Value::String(kind)
    } else {
        serde_json::Value::Object(std::iter::once((kind, serde_json::Value::Object(fields))).collect())
    };
    serde_json::from_value(tagged).map_err(|e| Error::BadCommand(e.to_string()))
}

/// The commands that carry no fields.
const UNIT_COMMANDS: [&str; 6] =
    ["listWebhooks", "getStatus", "getCampaign", "pauseCampaign", "resumeCampaign", "stopCampaign"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn commands_parse_from_their_documented_shape() {
        assert_eq!(parse_command(r#"{"type":"listWebhooks"}"#), Ok(Command::ListWebhooks));
        assert_eq!(
            parse_command(r#"{"type":"setWebhookEnabled","id":"wh_1","enabled":false}"#),
            Ok(Command::SetWebhookEnabled { id: WebhookId("wh_1".into()), enabled: false })
        );
        assert_eq!(parse_command(r#"{"type":"clearStats"}"#), Ok(Command::ClearStats { id: None }));
        let c = parse_command(
            r#"{"type":"addWebhook","webhook":{"name":"n","url":"u","events":["error"],"headers":{"A":"b"}}}"#,
        )
        .expect("parses");
        let Command::AddWebhook { webhook } = c else { panic!("wrong command") };
        assert_eq!((webhook.name.as_str(), webhook.headers.clone()), ("n", json!({"A": "b"})));
        let c = parse_command(r#"{"type":"emit","event":"milestone","data":{"milestone":"10_messages","value":10}}"#)
            .expect("parses");
        assert!(matches!(c, Command::Emit { event, .. } if event == "milestone"));
    }

    #[test]
    fn unknown_or_malformed_commands_are_bad_commands() {
        for text in [
            "not json",
            r#"{"type":"dance"}"#,
            r#"{"type":"getWebhook"}"#,
            r#"{"type":"getWebhook","id":"wh_1","extra":1}"#,
        ] {
            assert!(matches!(parse_command(text), Err(Error::BadCommand(_))), "{text}");
        }
    }

    #[test]
    fn replies_are_a_value_or_an_error() {
        assert_eq!(Reply::from_result(Ok(json!({"a": 1}))).to_json(), r#"{"value":{"a":1}}"#);
        let e = Reply::from_result(Err(Error::NotFound(WebhookId("wh_1".into())))).to_json();
        assert!(e.starts_with(r#"{"error":{"code":"not_found","message":"#));
    }
}
