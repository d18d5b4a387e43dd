//! Conditional triggers: rules an event must meet to be delivered to a webhook — rows of
//! *field — operator — value* over the event's envelope (all must hold), "at most one delivery
//! every N minutes" and "every Nth message_sent". Parsed and checked when the webhook is saved (a
//! bad regex, or a field the chosen events do not carry, is a field error), evaluated when an event
//! is emitted. Events filtered out are counted, not silently lost.

use crate::rules::event::EventKind;
use crate::values::field::FieldMessage;
use crate::values::time::Millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod number;

/// What a field holds, which decides the operators it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum FieldType {
    /// A whole number.
    Number,
    /// Text.
    Text,
}

/// A field a condition may test, with the events that carry it.
pub struct FieldInfo {
    /// Its path in the envelope, e.g. `data.totalMessagesSent`.
    pub path: &'static str,
    /// Its name in the form.
    pub label: &'static str,
    /// What it holds.
    pub kind: FieldType,
    /// The events that carry it (empty: every event).
    pub events: &'static [EventKind],
}

/// Every field conditions may test.
pub const FIELDS: [FieldInfo; 10] = {
    use EventKind::*;
    use FieldType::*;
    [
        FieldInfo { path: "event", label: "Event name", kind: Text, events: &[] },
        FieldInfo { path: "data.message", label: "Message", kind: Text, events: &[MessageSent] },
        FieldInfo {
            path: "data.messagesSentToday",
            label: "Sent today",
            kind: Number,
            events: &[MessageSent, DailyLimitReached],
        },
        FieldInfo { path: "data.totalMessagesSent", label: "Total sent", kind: Number, events: &[MessageSent] },
        FieldInfo {
            path: "data.stats.messagesSentToday",
            label: "Sent today (at pause/stop)",
            kind: Number,
            events: &[CampaignPaused, CampaignStopped],
        },
        FieldInfo {
            path: "data.stats.totalMessagesSent",
            label: "Total sent (at pause/stop)",
            kind: Number,
            events: &[CampaignPaused, CampaignStopped],
        },
        FieldInfo { path: "data.limit", label: "Daily limit", kind: Number, events: &[DailyLimitReached] },
        FieldInfo { path: "data.error", label: "Error text", kind: Text, events: &[Error] },
        FieldInfo { path: "data.milestone", label: "Milestone name", kind: Text, events: &[Milestone] },
        FieldInfo { path: "data.value", label: "Milestone count", kind: Number, events: &[Milestone] },
    ]
};

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Operator {
    /// Equal (numbers, or text exactly).
    Eq,
    /// Not equal.
    Ne,
    /// Greater than (numbers).
    Gt,
    /// At least (numbers).
    Ge,
    /// Less than (numbers).
    Lt,
    /// At most (numbers).
    Le,
    /// Contains, ignoring case (text).
    Contains,
    /// Does not contain, ignoring case (text).
    NotContains,
    /// Matches a regular expression, `/pattern/flags` or a bare pattern (text).
    Matches,
}

impl Operator {
    /// Every operator.
    pub const ALL: [Operator; 9] = [
        Operator::Eq,
        Operator::Ne,
        Operator::Gt,
        Operator::Ge,
        Operator::Lt,
        Operator::Le,
        Operator::Contains,
        Operator::NotContains,
        Operator::Matches,
    ];

    /// Its symbol or words in summaries and the form.
    pub fn label(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::Ne => "≠",
            Operator::Gt => ">",
            Operator::Ge => "≥",
            Operator::Lt => "<",
            Operator::Le => "≤",
            Operator::Contains => "contains",
            Operator::NotContains => "does not contain",
            Operator::Matches => "matches",
        }
    }

    /// Whether it suits a field of type `kind`.
    pub fn suits(self, kind: FieldType) -> bool {
        match self {
            Operator::Eq | Operator::Ne => true,
            Operator::Gt | Operator::Ge | Operator::Lt | Operator::Le => kind == FieldType::Number,
            Operator::Contains | Operator::NotContains | Operator::Matches => kind == FieldType::Text,
        }
    }
}

/// One row of the form: field, operator, value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The field's path.
    pub field: String,
    /// The comparison.
    pub op: Operator,
    /// The value compared with (a number for number fields).
    pub value: String,
}

/// A webhook's filter, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Filter {
    /// Every condition must hold.
    pub conditions: Vec<Condition>,
    /// At most one delivery every this many minutes.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub at_most_every_minutes: Option<u32>,
    /// Only every Nth `message_sent` (other events are not affected).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub every_nth_message: Option<u32>,
}

/// What a filter remembers between events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FilterState {
    /// When the last event passed.
    pub last_passed: Option<Millis>,
    /// `message_sent` events seen, for "every Nth".
    pub messages_seen: u64,
    /// Events filtered out.
    pub filtered: u64,
}

fn field(path: &str) -> Option<&'static FieldInfo> {
    FIELDS.iter().find(|f| f.path == path)
}

/// Parses `/pattern/flags` (flags `i`, `m`, `s`) or a bare pattern.
fn regex(text: &str) -> Result<regex_lite::Regex, String> {
    let (pattern, flags) = match text.strip_prefix('/').and_then(|rest| rest.rsplit_once('/')) {
        Some((pattern, flags)) => (pattern, flags),
        None => (text, ""),
    };
    if let Some(bad) = flags.chars().find(|c| !"ims".contains(*c)) {
        return Err(format!("\"{bad}\" is not a regex flag AutoChat knows; use i, m or s."));
    }
    regex_lite::RegexBuilder::new(pattern)
        .case_insensitive(flags.contains('i'))
        .multi_line(flags.contains('m'))
        .dot_matches_new_line(flags.contains('s'))
        .build()
        .map_err(|e| {
            format!(
                "The regular expression is not valid ({}).",
                e.to_string().lines().last().unwrap_or_default().trim()
            )
        })
}

/// The bounds of N in "at most one delivery every N minutes".
pub const THROTTLE_MINUTES: (u32, u32) = (1, 1_440);
/// The bounds of N in "only every Nth message".
pub const EVERY_NTH_MESSAGE: (u32, u32) = (2, 10_000);

/// What the form says of a throttle out of its bounds (or not a whole number).
pub fn throttle_bounds() -> String {
    let (lo, hi) = THROTTLE_MINUTES;
    format!("\"At most one delivery every N minutes\" takes a whole number of minutes, {lo} to {hi}.")
}

/// What the form says of an "every Nth message" out of its bounds (or not a whole number).
pub fn every_nth_bounds() -> String {
    let (lo, hi) = EVERY_NTH_MESSAGE;
    format!("\"Every Nth message\" takes a whole number, {lo} to {hi}.")
}

/// Checks a filter against the events the webhook is subscribed to.
pub fn check(filter: &Filter, events: &[EventKind]) -> Result<(), Vec<FieldMessage>> {
    let mut errors = Vec::new();
    let mut fail = |message: String| errors.push(FieldMessage::new("conditions", message));
    for (n, c) in filter.conditions.iter().enumerate() {
        let row = n + 1;
        let Some(info) = field(&c.field) else {
            fail(format!("Condition {row}: \"{}\" is not a field AutoChat can test.", c.field));
            continue;
        };
        let missing: Vec<&str> =
            events.iter().filter(|e| !info.events.is_empty() && !info.events.contains(e)).map(|e| e.name()).collect();
        if !missing.is_empty() {
            fail(format!(
                "Condition {row}: {} is not in {} events; untick them, or remove the condition.",
                info.label,
                missing.join(", ")
            ));
            continue;
        }
        if !c.op.suits(info.kind) {
            fail(format!("Condition {row}: \"{}\" does not apply to {}.", c.op.label(), info.label));
            continue;
        }
        match (info.kind, c.op) {
            (_, Operator::Matches) => {
                if let Err(message) = regex(&c.value) {
                    fail(format!("Condition {row}: {message}"));
                }
            }
            (FieldType::Number, _) if number::parse_f64(c.value.trim()).is_none() => {
                fail(format!("Condition {row}: {} is a number; \"{}\" is not.", info.label, c.value));
            }
            _ => {}
        }
    }
    let (t0, t1) = THROTTLE_MINUTES;
    if filter.at_most_every_minutes.is_some_and(|m| !(t0..=t1).contains(&m)) {
        fail(throttle_bounds());
    }
    let (n0, n1) = EVERY_NTH_MESSAGE;
    if filter.every_nth_message.is_some_and(|n| !(n0..=n1).contains(&n)) {
        fail(every_nth_bounds());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn holds(c: &Condition, envelope: &Value) -> bool {
    let value = c.field.split('.').fold(envelope, |v, key| &v[key]);
    match (value, c.op) {
        (Value::Number(n), op) => {
            let (Some(have), Some(want)) = (n.as_f64(), number::parse_f64(c.value.trim())) else { return false };
            match op {
                Operator::Eq => have == want,
                Operator::Ne => have != want,
                Operator::Gt => have > want,
                Operator::Ge => have >= want,
                Operator::Lt => have < want,
                Operator::Le => have <= want,
                _ => false,
            }
        }
        (Value::String(text), op) => match op {
            Operator::Eq => *text == c.value,
            Operator::Ne => *text != c.value,
            Operator::Contains => text.to_lowercase().contains(&c.value.to_lowercase()),
            Operator::NotContains => !text.to_lowercase().contains(&c.value.to_lowercase()),
            Operator::Matches => regex(&c.value).is_ok_and(|r| r.is_match(text)),
            _ => false,
        },
        _ => false,
    }
}

impl Filter {
    /// Whether nothing filters.
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.at_most_every_minutes.is_none() && self.every_nth_message.is_none()
    }

    /// Decides whether an event passes, updating what the filter remembers. `envelope` is the
    /// event's envelope as JSON.
    pub fn admit(&self, state: &mut FilterState, kind: EventKind, envelope: &Value, now: Millis) -> bool {
        let mut pass = self.conditions.iter().all(|c| holds(c, envelope));
        if pass && kind == EventKind::MessageSent {
            if let Some(n) = self.every_nth_message {
                state.messages_seen += 1;
                pass = state.messages_seen % u64::from(n) == 0;
            }
        }
        if pass {
            if let (Some(minutes), Some(last)) = (self.at_most_every_minutes, state.last_passed) {
                pass = now.since(last) >= u64::from(minutes) * 60_000;
            }
        }
        if pass {
            state.last_passed = Some(now);
        } else {
            state.filtered += 1;
        }
        pass
    }

    /// The filter in words for the list: "only when Total sent ≥ 100 · at most one every 5 min".
    pub fn summary(&self) -> Option<String> {
        let mut parts: Vec<String> = self
            .conditions
            .iter()
            .map(|c| {
                let label = field(&c.field).map_or(c.field.as_str(), |f| f.label);
                format!("{label} {} {}", c.op.label(), c.value)
            })
            .collect();
        if let Some(n) = self.every_nth_message {
            parts.push(format!("every {} message", ordinal(n)));
        }
        if let Some(m) = self.at_most_every_minutes {
            parts.push(format!("at most one every {m} min"));
        }
        (!parts.is_empty()).then(|| format!("only when {}", parts.join(" · ")))
    }
}

/// `2` as "2nd", `11` as "11th", `23` as "23rd".
fn ordinal(n: u32) -> String {
    let suffix = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests;
