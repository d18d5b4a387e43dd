//! Formats: what a webhook's request body looks like at each destination. AutoChat JSON is the
//! integration guide's envelope; the chat formats turn the same event into a readable message
//! that Slack, Discord, Teams, Google Chat, Telegram, Mattermost, ntfy or IFTTT accept; a custom
//! template lets a user write their own body. A rule of the `rules` layer: it reads events and
//! values, nothing else.
//!
//! - [`detect`]: which format a pasted URL calls for (by host and path, never by substring).
//! - [`wording`]: the one table of titles and facts every chat format uses.
//! - [`chat`]: the body of each chat format, within its service's limits and escaping.
//! - [`template`]: the custom template, its validation and rendering.
//! - [`answers`]: what each service's answers mean (switch off, wait, its own error text).

pub mod answers;
pub mod chat;
pub mod detect;
pub mod gallery;
pub mod template;
pub mod wording;

use crate::rules::event::Envelope;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The body format a webhook sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Format {
    /// The integration guide's envelope (`{event, timestamp, data, source, version}`).
    #[default]
    AutochatJson,
    /// A Slack incoming-webhook message (`text` and Block Kit blocks).
    Slack,
    /// A Discord webhook message (an embed, mentions off).
    Discord,
    /// A Microsoft Teams Workflows request carrying an Adaptive Card.
    Teams,
    /// A Google Chat message (`text`).
    GoogleChat,
    /// A Telegram Bot API `sendMessage` call.
    Telegram,
    /// A Mattermost incoming-webhook message.
    Mattermost,
    /// An ntfy notification (JSON published to the server's root).
    Ntfy,
    /// IFTTT's classic Webhooks trigger (`value1`–`value3`).
    Ifttt,
    /// The user's own JSON body with placeholders.
    Custom,
}

impl Format {
    /// Every format, in the order the form lists them.
    pub const ALL: [Format; 10] = [
        Format::AutochatJson,
        Format::Slack,
        Format::Discord,
        Format::Teams,
        Format::GoogleChat,
        Format::Telegram,
        Format::Mattermost,
        Format::Ntfy,
        Format::Ifttt,
        Format::Custom,
    ];

    /// The name the form shows.
    pub fn label(self) -> &'static str {
        match self {
            Format::AutochatJson => "AutoChat JSON",
            Format::Slack => "Slack",
            Format::Discord => "Discord",
            Format::Teams => "Microsoft Teams",
            Format::GoogleChat => "Google Chat",
            Format::Telegram => "Telegram",
            Format::Mattermost => "Mattermost",
            Format::Ntfy => "ntfy",
            Format::Ifttt => "IFTTT (value1–3)",
            Format::Custom => "Custom template",
        }
    }

    /// One line about what the format sends.
    pub fn description(self) -> &'static str {
        match self {
            Format::AutochatJson => {
                "The integration guide's JSON envelope: for your API, Zapier, Make, n8n, Home Assistant and IFTTT's JSON trigger."
            }
            Format::Slack => "A readable Slack message (an incoming webhook from a Slack app).",
            Format::Discord => "A readable Discord message with a coloured embed; nobody is pinged.",
            Format::Teams => "An Adaptive Card for a Teams channel, through a Workflows \"webhook request\" flow.",
            Format::GoogleChat => "A readable message in a Google Chat space (an incoming webhook).",
            Format::Telegram => "A message from your Telegram bot to a chat (the bot's sendMessage URL and a chat id).",
            Format::Mattermost => "A readable Mattermost message (an incoming webhook).",
            Format::Ntfy => "A push notification through ntfy (ntfy.sh or your own server).",
            Format::Ifttt => "IFTTT's classic Webhooks trigger: value1 is the event, value2 the message, value3 the facts.",
            Format::Custom => "Your own JSON body, with placeholders such as {{event}} and {{data.message}}.",
        }
    }

    /// Whether this format posts a human-readable message to a chat or push service. Those get
    /// no `webhook-*` headers (they mean nothing there), only POST, and at most one message a
    /// second per webhook.
    pub fn is_chat(self) -> bool {
        !matches!(self, Format::AutochatJson | Format::Custom)
    }

    /// The least time between two requests to one webhook of this format.
    pub fn spacing(self) -> Duration {
        if self.is_chat() {
            Duration::from_secs(1)
        } else {
            Duration::ZERO
        }
    }
}

/// What a format needs beyond the event: the per-webhook settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatSettings {
    /// The custom template (format [`Format::Custom`]).
    pub template: Option<String>,
    /// The Telegram chat id (from the field, or the URL's `chat_id`).
    pub chat_id: Option<String>,
    /// The ntfy topic (the URL's path).
    pub topic: Option<String>,
}

/// Everything a body is made from: the envelope (as sent in AutoChat JSON) and the wording.
pub struct Occurrence<'a> {
    /// The envelope.
    pub envelope: &'a Envelope,
    /// The envelope as JSON text (sent unchanged in AutoChat JSON).
    pub envelope_json: &'a str,
}

/// The body to send for `occurrence` in `format`.
pub fn render(format: Format, settings: &FormatSettings, occurrence: &Occurrence<'_>) -> Result<String, String> {
    match format {
        Format::AutochatJson => Ok(occurrence.envelope_json.to_string()),
        Format::Custom => {
            let text = settings.template.as_deref().unwrap_or_default();
            template::render(
                text,
                std::slice::from_ref(occurrence.envelope),
                &wording::wording(occurrence.envelope),
                false,
            )
        }
        chat => render_words(chat, settings, &wording::wording(occurrence.envelope), &occurrence.envelope.version),
    }
}

/// The body of a batch: AutoChat JSON's `{"batch": true, "count", "events": […], "source",
/// "version"}`, one chat message summing the events up, or a custom template whose
/// `{{#events}}…{{/events}}` part is repeated for each event.
pub fn render_batch(
    format: Format,
    settings: &FormatSettings,
    envelopes: &[Envelope],
    version: &str,
) -> Result<String, String> {
    let words = wording::batch_wording(envelopes);
    match format {
        Format::AutochatJson => {
            let events: Vec<String> = envelopes.iter().map(Envelope::to_json).collect();
            Ok(format!(
                "{{\"batch\":true,\"count\":{},\"events\":[{}],\"source\":\"{}\",\"version\":{}}}",
                envelopes.len(),
                events.join(","),
                crate::rules::event::SOURCE,
                serde_json::to_string(version).unwrap_or_default()
            ))
        }
        Format::Custom => template::render(settings.template.as_deref().unwrap_or_default(), envelopes, &words, true),
        chat => render_words(chat, settings, &words, version),
    }
}

/// A chat format's body for a wording.
fn render_words(
    format: Format,
    settings: &FormatSettings,
    words: &wording::Wording,
    version: &str,
) -> Result<String, String> {
    match format {
        Format::Slack => Ok(chat::slack(words)),
        Format::Discord => Ok(chat::discord(words, version)),
        Format::Teams => chat::teams(words),
        Format::GoogleChat => Ok(chat::google_chat(words)),
        Format::Telegram => Ok(chat::telegram(words, settings.chat_id.as_deref().unwrap_or_default())),
        Format::Mattermost => Ok(chat::mattermost(words)),
        Format::Ntfy => Ok(chat::ntfy(words, settings.topic.as_deref().unwrap_or_default())),
        Format::Ifttt => Ok(chat::ifttt(words)),
        Format::AutochatJson | Format::Custom => Err("not a chat format".into()),
    }
}

#[cfg(test)]
mod tests;
