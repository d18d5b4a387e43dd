//! "Start from a template": ready-made starting points for the services people connect first.
//! Choosing one fills the form (name, format, method, events) and says where to get the URL; it
//! never sends anything.

use super::Format;
use crate::rules::event::{CampaignStats, Event, EventKind};
use serde::Serialize;

/// One starting point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Starter {
    /// The service's name, as the gallery lists it.
    pub label: String,
    /// The webhook name it suggests.
    pub name: String,
    /// The format it selects.
    pub format: Format,
    /// The events it ticks.
    pub events: Vec<EventKind>,
    /// Where to get the URL, in steps.
    pub url_hint: String,
    /// The template it fills in (Custom API only).
    pub template: Option<String>,
}

/// The gallery, in the order it is shown.
pub fn starters() -> Vec<Starter> {
    use EventKind::*;
    let activity = vec![CampaignStarted, CampaignStopped, DailyLimitReached, Error, Milestone];
    let everything = EventKind::ALL.to_vec();
    let starter = |label: &str, format: Format, events: &[EventKind], hint: &str| Starter {
        label: label.into(),
        name: format!("{label} notifications"),
        format,
        events: events.to_vec(),
        url_hint: hint.into(),
        template: None,
    };
    vec![
        starter("Slack", Format::Slack, &activity, "In Slack: create an app at api.slack.com/apps → Incoming Webhooks → Add New Webhook to Workspace, pick the channel, and copy the URL (https://hooks.slack.com/services/…)."),
        starter("Discord", Format::Discord, &activity, "In Discord: the channel's ⚙️ Edit Channel → Integrations → Webhooks → New Webhook → Copy Webhook URL (https://discord.com/api/webhooks/…)."),
        starter("Microsoft Teams", Format::Teams, &activity, "In Teams: the channel's ⋯ → Workflows → \"Send webhook alerts to a channel\", finish the flow, and copy the URL it shows (…environment.api.powerplatform.com/…)."),
        starter("Google Chat", Format::GoogleChat, &activity, "In Google Chat: the space's name → Apps & integrations → Webhooks → Add webhook, then copy the URL (https://chat.googleapis.com/v1/spaces/…)."),
        starter("Telegram", Format::Telegram, &activity, "Create a bot with @BotFather, add it to the chat, then use https://api.telegram.org/bot<token>/sendMessage and the chat's id (in the Chat ID field or as ?chat_id=…)."),
        starter("Zapier", Format::AutochatJson, &everything, "In Zapier: a Zap with the trigger \"Webhooks by Zapier\" → Catch Hook, then copy its URL (https://hooks.zapier.com/hooks/catch/…)."),
        starter("IFTTT", Format::Ifttt, &activity, "In IFTTT: an applet with \"Webhooks → Receive a web request\"; your URL is https://maker.ifttt.com/trigger/<event>/with/key/<your key> (the key is under Webhooks → Documentation)."),
        starter("Make", Format::AutochatJson, &everything, "In Make: a scenario starting with Webhooks → Custom webhook; copy the address it gives (https://hook.<zone>.make.com/…) and switch the scenario on."),
        starter("n8n", Format::AutochatJson, &everything, "In n8n: a workflow starting with a Webhook node (POST); copy its Production URL (…/webhook/…) and activate the workflow."),
        starter("Home Assistant", Format::AutochatJson, &activity, "In Home Assistant: an automation with a Webhook trigger; the URL is http://<your Home Assistant>:8123/api/webhook/<webhook id> (AutoChat asks for access to that address)."),
        starter("ntfy", Format::Ntfy, &activity, "Pick a hard-to-guess topic and use https://ntfy.sh/<topic> (or your own server's address); subscribe to the topic in the ntfy app."),
        Starter {
            label: "Custom API".into(),
            name: "My API".into(),
            format: Format::Custom,
            events: everything.clone(),
            url_hint: "Your endpoint's URL. Write the body it expects below; the preview shows what AutoChat will send.".into(),
            template: Some("{\n  \"text\": \"{{text}}\",\n  \"event\": \"{{event}}\",\n  \"at\": \"{{timestamp}}\"\n}".into()),
        },
    ]
}

/// A sample of an event, with the integration guide's example data, for previews.
pub fn sample(kind: EventKind) -> Event {
    let stats = CampaignStats { messages_sent_today: 42, total_messages_sent: 1337 };
    match kind {
        EventKind::MessageSent => Event::MessageSent {
            message: "Hello! How are you?".into(),
            messages_sent_today: 42,
            total_messages_sent: 1337,
        },
        EventKind::CampaignStarted => Event::CampaignStarted {},
        EventKind::CampaignStopped => Event::CampaignStopped { stats },
        EventKind::CampaignPaused => Event::CampaignPaused { stats },
        EventKind::CampaignResumed => Event::CampaignResumed {},
        EventKind::DailyLimitReached => Event::DailyLimitReached { limit: 100, messages_sent_today: 100 },
        EventKind::Error => Event::Error { error: "Failed to find send button".into() },
        EventKind::Milestone => Event::Milestone { milestone: "1000_messages".into(), value: 1000 },
    }
}
