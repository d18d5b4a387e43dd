//! The eight events, their typed data, and the envelope every delivery carries.
//!
//! Field names, types and order follow the integration guide's payload examples exactly. Emitters
//! (the campaign engine, the tests) send an event's facts; the core adds the timestamps, so the
//! envelope's `timestamp` and the one inside `data` are always the same instant.

use crate::values::time::Millis;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The events a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// AutoChat sent a message.
    MessageSent,
    /// An auto-send campaign began.
    CampaignStarted,
    /// An auto-send campaign ended.
    CampaignStopped,
    /// An auto-send campaign was paused.
    CampaignPaused,
    /// A paused campaign resumed.
    CampaignResumed,
    /// The daily message limit was reached.
    DailyLimitReached,
    /// Something went wrong during automation.
    Error,
    /// A message-count milestone was reached.
    Milestone,
}

impl EventKind {
    /// Every event, in the guide's order.
    pub const ALL: [EventKind; 8] = [
        EventKind::MessageSent,
        EventKind::CampaignStarted,
        EventKind::CampaignStopped,
        EventKind::CampaignPaused,
        EventKind::CampaignResumed,
        EventKind::DailyLimitReached,
        EventKind::Error,
        EventKind::Milestone,
    ];

    /// The wire name, e.g. `message_sent`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::MessageSent => "message_sent",
            EventKind::CampaignStarted => "campaign_started",
            EventKind::CampaignStopped => "campaign_stopped",
            EventKind::CampaignPaused => "campaign_paused",
            EventKind::CampaignResumed => "campaign_resumed",
            EventKind::DailyLimitReached => "daily_limit_reached",
            EventKind::Error => "error",
            EventKind::Milestone => "milestone",
        }
    }

    /// Looks an event up by its wire name.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A short label for forms.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::MessageSent => "Message Sent",
            EventKind::CampaignStarted => "Campaign Started",
            EventKind::CampaignStopped => "Campaign Stopped",
            EventKind::CampaignPaused => "Campaign Paused",
            EventKind::CampaignResumed => "Campaign Resumed",
            EventKind::DailyLimitReached => "Daily Limit Reached",
            EventKind::Error => "Error",
            EventKind::Milestone => "Milestone",
        }
    }

    /// One line saying when the event fires.
    pub fn description(self) -> &'static str {
        match self {
            EventKind::MessageSent => "Each time AutoChat sends a message.",
            EventKind::CampaignStarted => "When an auto-send campaign begins.",
            EventKind::CampaignStopped => "When an auto-send campaign ends.",
            EventKind::CampaignPaused => "When auto-send is paused.",
            EventKind::CampaignResumed => "When auto-send resumes after a pause.",
            EventKind::DailyLimitReached => "When the daily message limit is reached.",
            EventKind::Error => "When something goes wrong during automation.",
            EventKind::Milestone => "When the total of sent messages reaches a milestone.",
        }
    }
}

/// Counters reported with stop and pause events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignStats {
    /// Messages sent since local midnight.
    pub messages_sent_today: u64,
    /// Messages sent since installation.
    pub total_messages_sent: u64,
}

/// One event with the facts its emitter supplies; timestamps are added when it is emitted.
/// Read it from the protocol's `event` name and `data` object with [`Event::from_parts`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Event {
    /// See [`EventKind::MessageSent`].
    MessageSent {
        /// The text that was sent.
        message: String,
        /// Messages sent since local midnight, this one included.
        messages_sent_today: u64,
        /// Messages sent in total, this one included.
        total_messages_sent: u64,
    },
    /// See [`EventKind::CampaignStarted`].
    CampaignStarted {},
    /// See [`EventKind::CampaignStopped`].
    CampaignStopped {
        /// Counters when the campaign stopped.
        stats: CampaignStats,
    },
    /// See [`EventKind::CampaignPaused`].
    CampaignPaused {
        /// Counters when the campaign paused.
        stats: CampaignStats,
    },
    /// See [`EventKind::CampaignResumed`].
    CampaignResumed {},
    /// See [`EventKind::DailyLimitReached`].
    DailyLimitReached {
        /// The configured daily limit.
        limit: u64,
        /// Messages sent today (equal to the limit when reached).
        messages_sent_today: u64,
    },
    /// See [`EventKind::Error`].
    Error {
        /// What went wrong, in words.
        error: String,
    },
    /// See [`EventKind::Milestone`].
    Milestone {
        /// The milestone's name, e.g. `1000_messages`.
        milestone: String,
        /// The count reached.
        value: u64,
    },
}

impl Event {
    /// Reads an event from its wire name and its data (`null` reads as `{}`).
    pub fn from_parts(name: &str, data: serde_json::Value) -> Result<Event, serde_json::Error> {
        let data = if data.is_null() { serde_json::Value::Object(Default::default()) } else { data };
        serde_json::from_value(serde_json::Value::Object(std::iter::once((name.to_string(), data)).collect()))
    }

    /// The kind of this event.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::MessageSent { .. } => EventKind::MessageSent,
            Event::CampaignStarted {} => EventKind::CampaignStarted,
            Event::CampaignStopped { .. } => EventKind::CampaignStopped,
            Event::CampaignPaused { .. } => EventKind::CampaignPaused,
            Event::CampaignResumed {} => EventKind::CampaignResumed,
            Event::DailyLimitReached { .. } => EventKind::DailyLimitReached,
            Event::Error { .. } => EventKind::Error,
            Event::Milestone { .. } => EventKind::Milestone,
        }
    }

    /// The payload's `data` object, exactly as the guide shows it for this event, keys in the
    /// guide's order (hence typed structs and raw JSON rather than a sorted `Value` map).
    fn data(&self, ts: &str) -> Box<RawValue> {
        let value = match self {
            Event::MessageSent { message, messages_sent_today, total_messages_sent } => to_raw(&MessageSentData {
                message,
                messages_sent_today: *messages_sent_today,
                total_messages_sent: *total_messages_sent,
            }),
            Event::CampaignStarted {} | Event::CampaignResumed {} => to_raw(&Stamp { timestamp: ts }),
            Event::CampaignStopped { stats } | Event::CampaignPaused { stats } => {
                to_raw(&StampWithStats { timestamp: ts, stats })
            }
            Event::DailyLimitReached { limit, messages_sent_today } => {
                to_raw(&LimitData { limit: *limit, messages_sent_today: *messages_sent_today, timestamp: ts })
            }
            Event::Error { error } => to_raw(&ErrorData { error, timestamp: ts }),
            Event::Milestone { milestone, value } => to_raw(&MilestoneData { milestone, value: *value, timestamp: ts }),
        };
        value.unwrap_or_else(|_| empty_object())
    }
}

fn to_raw<T: Serialize>(value: &T) -> Result<Box<RawValue>, serde_json::Error> {
    serde_json::value::to_raw_value(value)
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".into()).unwrap_or_else(|_| unreachable!("{{}} is valid JSON"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageSentData<'a> {
    message: &'a str,
    messages_sent_today: u64,
    total_messages_sent: u64,
}

#[derive(Serialize)]
struct Stamp<'a> {
    timestamp: &'a str,
}

#[derive(Serialize)]
struct StampWithStats<'a> {
    timestamp: &'a str,
    stats: &'a CampaignStats,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LimitData<'a> {
    limit: u64,
    messages_sent_today: u64,
    timestamp: &'a str,
}

#[derive(Serialize)]
struct ErrorData<'a> {
    error: &'a str,
    timestamp: &'a str,
}

#[derive(Serialize)]
struct MilestoneData<'a> {
    milestone: &'a str,
    value: u64,
    timestamp: &'a str,
}

#[derive(Serialize)]
struct TestData<'a> {
    message: &'a str,
    webhook: &'a str,
    timestamp: &'a str,
}

/// The value of `source` in every envelope.
pub const SOURCE: &str = "AutoChat";

/// The body of every delivery: `{event, timestamp, data, source, version}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// The event's wire name (`test` for the manager's 🧪 Test payload).
    pub event: String,
    /// When the event happened, RFC 3339 UTC with milliseconds.
    pub timestamp: String,
    /// The event's data, as JSON text in the guide's key order.
    pub data: Box<RawValue>,
    /// Always `AutoChat`.
    pub source: String,
    /// The extension's version, from its manifest.
    pub version: String,
}

impl Envelope {
    /// Wraps an event that happened at `at`.
    pub fn new(event: &Event, at: Millis, version: &str) -> Envelope {
        let timestamp = at.to_rfc3339();
        Envelope {
            event: event.kind().name().to_string(),
            data: event.data(&timestamp),
            timestamp,
            source: SOURCE.to_string(),
            version: version.to_string(),
        }
    }

    /// The payload the 🧪 Test button sends: event `test`, so receivers can tell it apart.
    pub fn test(webhook_name: &str, at: Millis, version: &str) -> Envelope {
        let timestamp = at.to_rfc3339();
        Envelope {
            event: "test".to_string(),
            data: to_raw(&TestData {
                message: "This is a test webhook from AutoChat.",
                webhook: webhook_name,
                timestamp: &timestamp,
            })
            .unwrap_or_else(|_| empty_object()),
            timestamp,
            source: SOURCE.to_string(),
            version: version.to_string(),
        }
    }

    /// The envelope as compact JSON, the form sent on the wire.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AT: Millis = Millis(1_765_128_600_000);

    fn body(event: &Event) -> String {
        Envelope::new(event, AT, "4.5.0").to_json()
    }

    #[test]
    fn message_sent_matches_the_guide_byte_for_byte() {
        let e = Event::MessageSent {
            message: "Hello! How are you?".into(),
            messages_sent_today: 42,
            total_messages_sent: 1337,
        };
        assert_eq!(
            body(&e),
            r#"{"event":"message_sent","timestamp":"2025-12-07T17:30:00.000Z","data":{"message":"Hello! How are you?","messagesSentToday":42,"totalMessagesSent":1337},"source":"AutoChat","version":"4.5.0"}"#
        );
    }

    #[test]
    fn each_event_carries_the_guides_data() {
        let ts = "2025-12-07T17:30:00.000Z";
        let stats = CampaignStats { messages_sent_today: 50, total_messages_sent: 1387 };
        let cases = [
            (Event::CampaignStarted {}, json!({"timestamp": ts})),
            (Event::CampaignResumed {}, json!({"timestamp": ts})),
            (
                Event::CampaignStopped { stats: stats.clone() },
                json!({"timestamp": ts, "stats": {"messagesSentToday": 50, "totalMessagesSent": 1387}}),
            ),
            (
                Event::CampaignPaused { stats },
                json!({"timestamp": ts, "stats": {"messagesSentToday": 50, "totalMessagesSent": 1387}}),
            ),
            (
                Event::DailyLimitReached { limit: 100, messages_sent_today: 100 },
                json!({"limit": 100, "messagesSentToday": 100, "timestamp": ts}),
            ),
            (
                Event::Error { error: "Failed to find send button".into() },
                json!({"error": "Failed to find send button", "timestamp": ts}),
            ),
            (
                Event::Milestone { milestone: "1000_messages".into(), value: 1000 },
                json!({"milestone": "1000_messages", "value": 1000, "timestamp": ts}),
            ),
        ];
        for (event, data) in cases {
            let env: serde_json::Value = serde_json::from_str(&body(&event)).expect("valid json");
            assert_eq!(env["event"], event.kind().name());
            assert_eq!(env["timestamp"], ts);
            assert_eq!(env["data"], data, "{}", event.kind().name());
            assert_eq!(env["source"], "AutoChat");
            assert_eq!(env["version"], "4.5.0");
        }
    }

    #[test]
    fn data_keys_keep_the_guides_order() {
        let e = Event::DailyLimitReached { limit: 3, messages_sent_today: 3 };
        assert!(body(&e).contains(r#""data":{"limit":3,"messagesSentToday":3,"timestamp":"#));
        let e = Event::CampaignStopped { stats: CampaignStats { messages_sent_today: 1, total_messages_sent: 2 } };
        assert!(body(&e).contains(r#""data":{"timestamp":"2025-12-07T17:30:00.000Z","stats":{"messagesSentToday":1"#));
    }

    #[test]
    fn emitters_send_facts_in_camel_case() {
        let e =
            Event::from_parts("message_sent", json!({"message": "hi", "messagesSentToday": 1, "totalMessagesSent": 2}))
                .expect("parses");
        assert_eq!(e.kind(), EventKind::MessageSent);
        let e = Event::from_parts("campaign_started", json!({})).expect("parses");
        assert_eq!(Event::from_parts("campaign_resumed", json!(null)).expect("null is {}"), Event::CampaignResumed {});
        assert_eq!(e, Event::CampaignStarted {});
        assert!(Event::from_parts("party", json!({})).is_err());
        assert!(Event::from_parts("daily_limit_reached", json!({"limit": "x"})).is_err());
    }

    #[test]
    fn names_round_trip_and_every_event_has_words_for_the_form() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.name()), Some(k));
            assert_eq!(serde_json::to_value(k).expect("serializes"), json!(k.name()));
            assert!(!k.label().is_empty() && k.description().ends_with('.'));
        }
        assert_eq!(EventKind::from_name("test"), None);
    }
}
