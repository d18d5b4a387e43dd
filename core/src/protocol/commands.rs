//! The commands the pages send to the worker, one struct each, and the reply type each one gets.
//!
//! On the wire a command is `{"type": "<wire name>", …its fields}`. The [`commands!`] table below is
//! the single list of commands: it declares the [`Command`] enum, ties each command to its reply
//! type through [`Request`] (so the engine cannot answer a command with the wrong type), reads
//! commands from JSON, and lists them for the TypeScript declarations.

use super::views::{
    CampaignView, Deleted, Discarded, EmitResult, ExportView, GlobalSwitch, HeadersView, HistoryView, ListView,
    Redelivered, SavedWebhook, SecretView, StatusView, TestResult, Validation, WebhookView,
};
use crate::campaign::config::CampaignDraft;
use crate::values::ids::{DeliveryId, WebhookId};
use crate::webhooks::transfer::TransferReport;
use crate::webhooks::webhook::WebhookDraft;
use crate::Error;
use serde::Deserialize;

/// A command and the type of the value it is answered with.
pub trait Request {
    /// The reply's value.
    type Reply: serde::Serialize;
    /// The command's `type` on the wire.
    const TYPE: &'static str;
}

macro_rules! commands {
    ($( $(#[$doc:meta])* $wire:literal => $name:ident -> $reply:ty ),* $(,)?) => {
        /// Every command the worker obeys.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Command {
            $( $(#[$doc])* $name($name), )*
        }

        $( impl Request for $name {
            type Reply = $reply;
            const TYPE: &'static str = $wire;
        } )*

        /// Reads the command named `kind` from its fields (the message without `type`).
        pub(super) fn command_from_fields(kind: &str, fields: serde_json::Value) -> Result<Command, Error> {
            let bad = |e: serde_json::Error| Error::BadCommand(format!("{kind}: {e}"));
            match kind {
                $( $wire => serde_json::from_value(fields).map(Command::$name).map_err(bad), )*
                _ => Err(Error::BadCommand(format!("there is no command \"{kind}\""))),
            }
        }

        /// (wire name, command type, reply type) of every command, for the TypeScript declarations.
        #[cfg(all(test, feature = "ts"))]
        pub(super) fn command_table(cfg: &ts_rs::Config) -> Vec<(&'static str, String, String)> {
            use ts_rs::TS;
            vec![ $( ($wire, <$name as TS>::name(cfg), <$reply as TS>::name(cfg)) ),* ]
        }
    };
}

commands! {
    /// Every webhook, the global switch, counts, limits.
    "listWebhooks" => ListWebhooks -> ListView,
    /// One webhook.
    "getWebhook" => GetWebhook -> WebhookView,
    /// Validates and adds a webhook.
    "addWebhook" => AddWebhook -> SavedWebhook,
    /// Validates and replaces a webhook's settings (statistics stay).
    "updateWebhook" => UpdateWebhook -> SavedWebhook,
    /// Deletes a webhook, its history and its waiting deliveries.
    "deleteWebhook" => DeleteWebhook -> Deleted,
    /// Switches one webhook on or off.
    "setWebhookEnabled" => SetWebhookEnabled -> WebhookView,
    /// The global switch.
    "setWebhooksEnabled" => SetWebhooksEnabled -> GlobalSwitch,
    /// Resets the statistics of one webhook, or of all.
    "clearStats" => ClearStats -> ListView,
    /// Sends the test payload to one webhook now, outside the outbox.
    "testWebhook" => TestWebhook -> TestResult,
    /// Emits one of the eight events.
    "emit" => Emit -> EmitResult,
    /// Validates a draft without saving it.
    "validateWebhook" => ValidateWebhook -> Validation,
    /// A webhook's last attempts, newest first.
    "getHistory" => GetHistory -> HistoryView,
    /// Removes waiting deliveries of a webhook: one, or all.
    "discardDeliveries" => DiscardDeliveries -> Discarded,
    /// Queues a delivery from the history again, with its id and payload.
    "redeliver" => Redeliver -> Redelivered,
    /// The outbox and the dispatcher, for diagnostics.
    "getStatus" => GetStatus -> StatusView,
    /// The campaign, and whether it may start on a page.
    "getCampaign" => GetCampaign -> CampaignView,
    /// Validates and saves the campaign's settings.
    "saveCampaign" => SaveCampaign -> CampaignView,
    /// Starts the campaign in a tab.
    "startCampaign" => StartCampaign -> CampaignView,
    /// Pauses the running campaign.
    "pauseCampaign" => PauseCampaign -> CampaignView,
    /// Resumes the paused campaign.
    "resumeCampaign" => ResumeCampaign -> CampaignView,
    /// Stops the campaign.
    "stopCampaign" => StopCampaign -> CampaignView,
    /// Remembers elements picked on a site (sent by the page's pick mode).
    "savePicks" => SavePicks -> CampaignView,
    /// Forgets the elements picked on a site.
    "clearPicks" => ClearPicks -> CampaignView,
    /// A tab closed (from the worker's tab listener).
    "tabClosed" => TabClosed -> CampaignView,
    /// A tab loaded a URL (from the worker's tab listener).
    "tabNavigated" => TabNavigated -> CampaignView,
    /// A webhook's signing secret, for the manager's explicit Reveal and Copy.
    "revealSecret" => RevealSecret -> SecretView,
    /// Replaces a webhook's signing secret; the old one keeps signing for 24 hours.
    "rotateSecret" => RotateSecret -> WebhookView,
    /// A webhook's custom header values, for the form's explicit Reveal.
    "revealHeaders" => RevealHeaders -> HeadersView,
    /// The webhooks and settings as an export file.
    "exportWebhooks" => ExportWebhooks -> ExportView,
    /// What importing a file would do; changes nothing.
    "previewImport" => PreviewImport -> TransferReport,
    /// Imports a file: adds its webhooks, replaces those of the same name.
    "importWebhooks" => ImportWebhooks -> TransferReport,
    /// Forgets the report of the import from AutoChat 4.x.
    "dismissLegacyImport" => DismissLegacyImport -> ListView,
}

/// Declares the command structs with the attributes every one of them shares.
macro_rules! command_structs {
    ($( $(#[$doc:meta])* pub struct $name:ident { $( $(#[$fdoc:meta])* pub $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, Deserialize)]
            #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            pub struct $name { $( $(#[$fdoc])* pub $field: $ty ),* }
        )*
    };
}

command_structs! {
    /// See [`Command::ListWebhooks`].
    pub struct ListWebhooks {}
    /// See [`Command::GetWebhook`].
    pub struct GetWebhook {
        /// Which one.
        pub id: WebhookId,
    }
    /// See [`Command::AddWebhook`].
    pub struct AddWebhook {
        /// The form's content.
        pub webhook: WebhookDraft,
    }
    /// See [`Command::UpdateWebhook`].
    pub struct UpdateWebhook {
        /// Which one.
        pub id: WebhookId,
        /// The form's content.
        pub webhook: WebhookDraft,
    }
    /// See [`Command::DeleteWebhook`].
    pub struct DeleteWebhook {
        /// Which one.
        pub id: WebhookId,
    }
    /// See [`Command::SetWebhookEnabled`].
    pub struct SetWebhookEnabled {
        /// Which one.
        pub id: WebhookId,
        /// The new state.
        pub enabled: bool,
    }
    /// See [`Command::SetWebhooksEnabled`].
    pub struct SetWebhooksEnabled {
        /// The new state.
        pub enabled: bool,
    }
    /// See [`Command::ClearStats`].
    pub struct ClearStats {
        /// Which one; absent means all.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub id: Option<WebhookId>,
    }
    /// See [`Command::TestWebhook`].
    pub struct TestWebhook {
        /// Which one.
        pub id: WebhookId,
    }
    /// See [`Command::Emit`].
    pub struct Emit {
        /// The event's wire name.
        pub event: String,
        /// The event's facts (see README); the core adds the timestamps.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional, type = "Record<string, unknown>"))]
        pub data: serde_json::Value,
    }
    /// See [`Command::ValidateWebhook`].
    pub struct ValidateWebhook {
        /// The form's content.
        pub webhook: WebhookDraft,
    }
    /// See [`Command::GetHistory`].
    pub struct GetHistory {
        /// Which webhook.
        pub webhook_id: WebhookId,
    }
    /// See [`Command::DiscardDeliveries`].
    pub struct DiscardDeliveries {
        /// Which webhook.
        pub webhook_id: WebhookId,
        /// Which delivery; absent means all of the webhook's.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub delivery_id: Option<DeliveryId>,
    }
    /// See [`Command::Redeliver`].
    pub struct Redeliver {
        /// Which webhook.
        pub webhook_id: WebhookId,
        /// Which delivery.
        pub delivery_id: DeliveryId,
    }
    /// See [`Command::GetStatus`].
    pub struct GetStatus {}
    /// See [`Command::GetCampaign`].
    pub struct GetCampaign {
        /// The page the popup would start a campaign on, if any: the reply says whether it may.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub page: Option<PageRef>,
    }
    /// See [`Command::SaveCampaign`].
    pub struct SaveCampaign {
        /// The form's content.
        pub campaign: CampaignDraft,
    }
    /// See [`Command::StartCampaign`].
    pub struct StartCampaign {
        /// The tab.
        pub tab_id: u32,
        /// Its URL.
        pub url: String,
        /// Its title.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
        pub title: String,
    }
    /// See [`Command::PauseCampaign`].
    pub struct PauseCampaign {}
    /// See [`Command::ResumeCampaign`].
    pub struct ResumeCampaign {}
    /// See [`Command::StopCampaign`].
    pub struct StopCampaign {}
    /// See [`Command::SavePicks`].
    pub struct SavePicks {
        /// The site, `scheme://host[:port]`.
        pub origin: String,
        /// The input's CSS selector.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub input: Option<String>,
        /// The send button's CSS selector.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub button: Option<String>,
    }
    /// See [`Command::ClearPicks`].
    pub struct ClearPicks {
        /// The site.
        pub origin: String,
    }
    /// See [`Command::TabClosed`].
    pub struct TabClosed {
        /// The tab.
        pub tab_id: u32,
    }
    /// See [`Command::TabNavigated`].
    pub struct TabNavigated {
        /// The tab.
        pub tab_id: u32,
        /// The new URL.
        pub url: String,
    }
    /// See [`Command::RevealSecret`].
    pub struct RevealSecret {
        /// Which webhook.
        pub id: WebhookId,
    }
    /// See [`Command::RevealHeaders`].
    pub struct RevealHeaders {
        /// Which webhook.
        pub id: WebhookId,
    }
    /// See [`Command::ExportWebhooks`].
    pub struct ExportWebhooks {
        /// Include header values and signing secrets.
        pub include_secrets: bool,
    }
    /// See [`Command::PreviewImport`].
    pub struct PreviewImport {
        /// The file's text.
        pub file: String,
    }
    /// See [`Command::ImportWebhooks`].
    pub struct ImportWebhooks {
        /// The file's text.
        pub file: String,
    }
    /// See [`Command::DismissLegacyImport`].
    pub struct DismissLegacyImport {}
    /// See [`Command::RotateSecret`].
    pub struct RotateSecret {
        /// Which webhook.
        pub id: WebhookId,
    }
    /// A page a campaign could run on.
    pub struct PageRef {
        /// The tab.
        pub tab_id: u32,
        /// Its URL.
        pub url: String,
    }
}
