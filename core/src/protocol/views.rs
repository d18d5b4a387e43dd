//! What the pages are shown: every reply value, as a typed struct. The pages display these; what
//! they would otherwise compute or hard-code (limits, schedule wording, delivery state, whether
//! Start is allowed) is part of the view.

use crate::campaign::config::Order;
use crate::campaign::{SitePicks, Status, Target};
use crate::conditions::Filter;
use crate::delivery::batch::BatchSettings;
use crate::delivery::history::Outcome;
use crate::formats::Format;
use crate::rules::event::EventKind;
use crate::rules::retry::RetryMode;
use crate::values::field::FieldMessage;
use crate::values::http::Method;
use crate::values::ids::{DeliveryId, WebhookId};
use crate::values::small_map::SmallMap;
use crate::webhooks::transfer::TransferReport;
use serde::Serialize;

/// Declares view structs with the attributes every one of them shares.
macro_rules! views {
    ($( $(#[$doc:meta])* pub struct $name:ident { $( $(#[$fdoc:meta])* pub $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, Serialize)]
            #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
            #[serde(rename_all = "camelCase")]
            pub struct $name { $( $(#[$fdoc])* pub $field: $ty ),* }
        )*
    };
}

views! {
    /// A webhook as the manager shows it: the guide's webhook object, its settings, its health
    /// and where its deliveries stand.
    pub struct WebhookView {
        /// Unique identifier.
        pub id: WebhookId,
        /// Display name.
        pub name: String,
        /// Endpoint URL.
        pub url: String,
        /// The URL's host and port, for short mentions.
        pub host: String,
        /// HTTP method.
        pub method: Method,
        /// The events it is subscribed to, in the guide's order.
        pub events: Vec<EventKind>,
        /// Custom headers, their values masked (`********` and the last four characters); sent back
        /// unchanged in a draft, a masked value keeps what is stored. `revealHeaders` gives them.
        pub headers: SmallMap<String, String>,
        /// Whether it receives deliveries.
        pub enabled: bool,
        /// When it was created (RFC 3339).
        pub created_at: String,
        /// When a delivery last succeeded (RFC 3339).
        pub last_triggered: Option<String>,
        /// Successful deliveries.
        pub trigger_count: u64,
        /// Deliveries that failed for good.
        pub failure_count: u64,
        /// Percent of finished deliveries that succeeded; null before any.
        pub success_rate: Option<f64>,
        /// How far its deliveries keep trying.
        pub retry_mode: RetryMode,
        /// That choice in words.
        pub retry_description: String,
        /// The body format it sends.
        pub format: Format,
        /// The format's name, e.g. "Slack".
        pub format_label: String,
        /// The custom template (format `custom`).
        pub template: Option<String>,
        /// The Telegram chat id typed in the form (format `telegram`).
        pub chat_id: Option<String>,
        /// How its requests are signed; the secret itself only through `revealSecret`.
        pub signing: SigningView,
        /// The conditions its events must meet.
        pub filter: Filter,
        /// Those conditions in words ("only when Total sent ≥ 100"), when there are any.
        pub filter_summary: Option<String>,
        /// Events its conditions filtered out.
        pub filtered_count: u64,
        /// Its batching, when its events are sent together.
        pub batch: Option<BatchSettings>,
        /// The batch being collected: how many events, and when it goes at the latest (RFC 3339).
        pub collecting: Option<Collecting>,
        /// Why AutoChat switched it off, while it stays off.
        pub disabled_reason: Option<String>,
        /// Deliveries in a row that failed for good.
        pub consecutive_failures: u32,
        /// Deliveries waiting for it.
        pub pending_deliveries: usize,
        /// Where its oldest waiting delivery stands.
        pub delivery: DeliveryState,
        /// The host permission its URL needs (`https://host/*`); null on this machine, which the
        /// manifest grants.
        pub site_permission: Option<String>,
    }

    /// A webhook's signing, with the secret masked.
    pub struct SigningView {
        /// Its format can carry signatures (AutoChat JSON, custom template).
        pub available: bool,
        /// Requests are signed.
        pub enabled: bool,
        /// The secret, masked: `whsec_…` and its last four characters.
        pub masked_secret: Option<String>,
        /// Until when the rotated-out key still signs (RFC 3339), during a rotation.
        pub previous_until: Option<String>,
        /// GitHub's `X-Hub-Signature-256` is sent too.
        pub github: bool,
    }

    /// A batch being collected.
    pub struct Collecting {
        /// Events collected so far.
        pub count: usize,
        /// When it is sent at the latest (RFC 3339).
        pub closes_at: String,
    }

    /// An export file, for the page to save.
    pub struct ExportView {
        /// A file name to offer, e.g. `autochat-webhooks-2025-12-07.json`.
        pub file_name: String,
        /// The file's text (JSON).
        pub text: String,
    }

    /// A webhook's custom headers, revealed on request.
    pub struct HeadersView {
        /// Name to value.
        pub headers: SmallMap<String, String>,
    }

    /// A signing secret, revealed on request.
    pub struct SecretView {
        /// `whsec_…`.
        pub secret: String,
    }

    /// The manager's whole list and the figures of the summary.
    pub struct ListView {
        /// The global switch.
        pub webhooks_enabled: bool,
        /// Every webhook, in the order they were added.
        pub webhooks: Vec<WebhookView>,
        /// How many are switched on.
        pub enabled_count: usize,
        /// Percent of all finished deliveries that succeeded; null before any.
        pub success_rate: Option<f64>,
        /// Deliveries waiting, all webhooks together.
        pub pending_deliveries: usize,
        /// Deliveries never queued because the outbox was full.
        pub dropped_when_full: u64,
        /// Whether another webhook may be added, and if not, why.
        pub add: Permission,
        /// A warning for the whole list (the outbox was full), in words.
        pub warning: Option<String>,
        /// What the import from AutoChat 4.x did, until dismissed.
        pub legacy_import: Option<TransferReport>,
        /// The caps that apply.
        pub limits: Limits,
    }

    /// Whether an action is allowed; when it is not, why, in words.
    pub struct Permission {
        /// Allowed.
        pub allowed: bool,
        /// Why not.
        pub reason: Option<String>,
    }

    /// AutoChat's caps, as the pages mention them.
    pub struct Limits {
        /// Webhooks at most.
        pub max_webhooks: usize,
        /// Deliveries waiting at most, all webhooks together.
        pub max_pending_deliveries: usize,
        /// Bytes of waiting bodies at most.
        pub max_pending_bytes: usize,
        /// Attempts kept in each webhook's history.
        pub history_entries: usize,
    }

    /// A webhook just saved, and what is worth knowing about it.
    pub struct SavedWebhook {
        /// The webhook.
        pub webhook: WebhookView,
        /// Things that did not block saving (plain http, …).
        pub warnings: Vec<FieldMessage>,
    }

    /// A webhook deleted.
    pub struct Deleted {
        /// Its id.
        pub deleted: WebhookId,
        /// The waiting deliveries that went with it.
        pub dropped_deliveries: usize,
    }

    /// The global switch after a change.
    pub struct GlobalSwitch {
        /// On or off.
        pub webhooks_enabled: bool,
    }

    /// What the 🧪 Test button reports.
    pub struct TestResult {
        /// The endpoint answered 2xx.
        pub ok: bool,
        /// The HTTP status, when it answered.
        pub status: Option<u16>,
        /// How long it took.
        pub duration_ms: u64,
        /// What went wrong, in words.
        pub error: Option<String>,
        /// The start of the response body.
        pub response: Option<String>,
        /// Something to know about a success (Teams accepts everything: check the channel).
        pub note: Option<String>,
        /// The `webhook-id` the test request carried.
        pub delivery_id: DeliveryId,
    }

    /// An emitted event and where it was queued.
    pub struct EmitResult {
        /// The event's wire name.
        pub event: EventKind,
        /// When it happened (RFC 3339).
        pub timestamp: String,
        /// One delivery per subscribed, enabled webhook.
        pub deliveries: Vec<DeliveryRef>,
        /// Deliveries not queued because the outbox was full.
        pub dropped_when_full: Vec<DeliveryRef>,
        /// Subscribed webhooks whose conditions the event did not meet.
        pub filtered: Vec<WebhookId>,
    }

    /// One delivery of an event.
    pub struct DeliveryRef {
        /// The delivery.
        pub id: DeliveryId,
        /// Its webhook.
        pub webhook_id: WebhookId,
    }

    /// A draft that would be accepted.
    pub struct Validation {
        /// Always true: an invalid draft is an `invalid` error.
        pub valid: bool,
        /// Things that would not block saving.
        pub warnings: Vec<FieldMessage>,
    }

    /// A webhook's history.
    pub struct HistoryView {
        /// Newest first.
        pub entries: Vec<HistoryEntry>,
    }

    /// One attempt (or a discard) in a webhook's history.
    pub struct HistoryEntry {
        /// When it started (RFC 3339).
        pub at: String,
        /// The delivery.
        pub delivery_id: DeliveryId,
        /// The event's wire name (`test` is never recorded).
        pub event: String,
        /// The attempt's number (0 for a discard before any attempt).
        pub attempt: u32,
        /// The HTTP status, when the endpoint answered.
        pub status: Option<u16>,
        /// What went wrong, in words.
        pub error: Option<String>,
        /// How long the attempt took.
        pub duration_ms: u64,
        /// The start of the response body.
        pub response: Option<String>,
        /// What became of the delivery.
        pub outcome: Outcome,
        /// The payload that was sent.
        pub body: String,
        /// Whether 🔁 Redeliver may queue it again, and if not, why.
        pub redeliver: Permission,
    }

    /// Waiting deliveries removed.
    pub struct Discarded {
        /// How many.
        pub discarded: usize,
    }

    /// A delivery queued again.
    pub struct Redelivered {
        /// Its id, unchanged.
        pub delivery_id: DeliveryId,
        /// The webhook is off (or webhooks are switched off): it waits until they are on.
        pub waits_for_enable: bool,
    }

    /// The dispatcher's state, for diagnostics and the benchmark.
    pub struct StatusView {
        /// Deliveries waiting.
        pub pending_deliveries: usize,
        /// Their bodies' bytes.
        pub pending_bytes: usize,
        /// Requests under way.
        pub in_flight: usize,
        /// Deliveries never queued because the outbox was full.
        pub dropped_when_full: u64,
        /// When the wake-up alarm fires (RFC 3339).
        pub alarm_at: Option<String>,
        /// Whether the browser believes it is online.
        pub online: bool,
        /// Storage operations completed since the worker started.
        pub storage_writes: u64,
        /// The wasm linear memory, in bytes, where the platform can tell.
        pub wasm_memory_bytes: Option<u64>,
        /// AutoChat's version.
        pub version: String,
    }

    /// The campaign as the popup shows it.
    pub struct CampaignView {
        /// Where it stands.
        pub status: Status,
        /// Why it paused or stopped.
        pub reason: Option<String>,
        /// The tab it sends in.
        pub target: Option<Target>,
        /// When the next message goes, while it runs (RFC 3339); null while one is being sent.
        pub next_send_at: Option<String>,
        /// Messages sent since local midnight.
        pub messages_sent_today: u64,
        /// Messages sent since installation.
        pub total_messages_sent: u64,
        /// The daily limit in force.
        pub daily_limit: u64,
        /// The limit was reached today.
        pub limit_reached_today: bool,
        /// Whether ▶ Start may be pressed for the page given with `getCampaign`, and if not, why.
        pub start: Permission,
        /// The saved settings, as the form shows them.
        pub config: CampaignSettings,
        /// The bounds of the settings.
        pub limits: CampaignLimits,
        /// Elements picked per site (by origin).
        pub sites: SmallMap<String, SitePicks>,
    }

    /// A campaign's settings in the form's units.
    pub struct CampaignSettings {
        /// The messages, one per line.
        pub messages: String,
        /// Their order.
        pub order: Order,
        /// The shortest wait, in seconds.
        pub min_interval_seconds: f64,
        /// The longest wait, in seconds.
        pub max_interval_seconds: f64,
        /// Messages per day at most.
        pub daily_limit: u64,
    }

    /// The bounds of a campaign's settings, in the form's units.
    pub struct CampaignLimits {
        /// The shortest wait allowed, in seconds.
        pub min_interval_seconds: f64,
        /// The longest wait allowed, in seconds.
        pub max_interval_seconds: f64,
        /// The highest daily limit.
        pub max_daily_limit: u64,
        /// The most messages.
        pub max_messages: usize,
        /// The longest message, in characters.
        pub max_message_chars: usize,
    }
}

/// Where a webhook's oldest waiting delivery stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum DeliveryState {
    /// Nothing waits.
    Idle,
    /// A request is under way.
    Sending,
    /// The next attempt is scheduled.
    Waiting {
        /// When (RFC 3339).
        next_attempt_at: String,
        /// Why the last attempt failed, in words.
        last_error: Option<String>,
    },
    /// Deliveries wait until the webhook (or webhooks as a whole) is switched on again.
    Held {
        /// Why, in words.
        reason: String,
    },
}

impl Permission {
    /// Allowed.
    pub fn granted() -> Permission {
        Permission { allowed: true, reason: None }
    }

    /// Not allowed, because of `reason`.
    pub fn refused(reason: impl Into<String>) -> Permission {
        Permission { allowed: false, reason: Some(reason.into()) }
    }

    /// From a check that says why not.
    pub fn from_check(check: Result<(), String>) -> Permission {
        match check {
            Ok(()) => Permission::granted(),
            Err(reason) => Permission::refused(reason),
        }
    }
}
