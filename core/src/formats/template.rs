//! The custom template: a JSON body with placeholders, e.g.
//! `{"content": "{{text}}", "count": {{data.totalMessagesSent}}}`.
//!
//! A placeholder inside a JSON string is replaced by the value's text, JSON-escaped, so no value
//! can end the string or break the document; a placeholder outside strings is replaced by the
//! value as JSON (a number stays a number, a missing value is `null`). The template is checked
//! when it is saved: an unknown placeholder or invalid JSON is a field error with its line and
//! column. The preview in the form runs [`render`], the very code that builds what is sent.
//!
//! For batched webhooks, the part between `{{#events}}` and `{{/events}}` is repeated for each
//! event, the copies separated by commas (so it fits in a JSON array), with the placeholders in it
//! standing for that event; `{{count}}` is the number of events. A single event fills the part
//! once.

use super::wording::{wording, Wording};
use crate::rules::event::Envelope;
use serde_json::Value;

/// The placeholders a template may use, with what each stands for.
pub const PLACEHOLDERS: [(&str, &str); 20] = [
    ("count", "the number of events (1, or the batch's size)"),
    ("event", "the event's name, e.g. message_sent"),
    ("timestamp", "when it happened (RFC 3339, UTC)"),
    ("source", "always AutoChat"),
    ("version", "AutoChat's version"),
    ("text", "the readable one-line message"),
    ("title", "the message's title, e.g. Message sent"),
    ("payload", "the whole AutoChat JSON envelope"),
    ("data.message", "message_sent: the text sent"),
    ("data.messagesSentToday", "message_sent, daily_limit_reached: messages sent today"),
    ("data.totalMessagesSent", "message_sent: messages sent in total"),
    ("data.timestamp", "the time inside data"),
    ("data.stats.messagesSentToday", "campaign_paused/stopped: messages sent today"),
    ("data.stats.totalMessagesSent", "campaign_paused/stopped: messages sent in total"),
    ("data.limit", "daily_limit_reached: the limit"),
    ("data.error", "error: what went wrong"),
    ("data.milestone", "milestone: its name, e.g. 100_messages"),
    ("data.value", "milestone: the count reached"),
    ("data.webhook", "test: the webhook's name"),
    ("data", "the event's whole data object"),
];

/// A placeholder found in a template.
struct Slot {
    start: usize,
    end: usize,
    name: String,
    in_string: bool,
}

/// Where a byte offset falls, 1-based, as "line L, column C".
fn position(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    format!("line {line}, column {column}")
}

/// Finds the placeholders, noting which sit inside a JSON string.
fn slots(text: &str) -> Result<Vec<Slot>, String> {
    let mut found = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut i = 0;
    while let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
        if text.get(i..).is_some_and(|rest| rest.starts_with("{{")) {
            let Some(close) = text.get(i + 2..).and_then(|rest| rest.find("}}")) else {
                return Err(format!("A placeholder opened at {} is not closed with }}}}.", position(text, i)));
            };
            let end = i + 2 + close + 2;
            let name = text.get(i + 2..end - 2).unwrap_or_default().trim().to_string();
            found.push(Slot { start: i, end, name, in_string });
            escaped = false;
            i = end;
            continue;
        }
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (false, _, '"') => in_string = true,
            _ => {}
        }
        i += c.len_utf8();
    }
    Ok(found)
}

/// Checks a template as it is saved: [`check_once`], and an events part that stays valid JSON
/// however many events a batch holds.
pub fn check(text: &str) -> Result<(), String> {
    let found = check_once(text)?;
    let (Some(open), Some(close)) =
        (found.iter().find(|s| s.name == "#events"), found.iter().find(|s| s.name == "/events"))
    else {
        return Ok(());
    };
    // Inside one array from start to end, and still JSON written twice: an object's member, or a
    // part that closes one array and opens another, would pass as JSON with a duplicate key and
    // keep only the last event.
    let once = probe(text, &found, false);
    let in_array = open_brackets(once.get(..open.start).unwrap_or_default()).0.last() == Some(&'[');
    let (left_open, closed_outer) = open_brackets(once.get(open.end..close.start).unwrap_or_default());
    let in_one_array = in_array && left_open.is_empty() && !closed_outer;
    if !in_one_array || serde_json::from_str::<Value>(&probe(text, &found, true)).is_err() {
        return Err("{{#events}} … {{/events}} is repeated for each event, with commas between, so it must sit \
                    inside a JSON array, e.g. \"events\": [{{#events}}{\"text\": \"{{text}}\"}{{/events}}]."
            .into());
    }
    Ok(())
}

/// Checks a template for one event: every placeholder known, and valid JSON once they are
/// filled in. Returns its placeholders. (What a template saved by an earlier release is held
/// to when it is sent: one that worked for single events keeps working.)
fn check_once(text: &str) -> Result<Vec<Slot>, String> {
    if text.trim().is_empty() {
        return Err("Write the body as JSON, e.g. {\"text\": \"{{text}}\"}.".into());
    }
    let found = slots(text)?;
    let markers: Vec<&Slot> = found.iter().filter(|s| s.name == "#events" || s.name == "/events").collect();
    match markers.as_slice() {
        [] => {}
        [open, close] if open.name == "#events" && close.name == "/events" && !open.in_string && !close.in_string => {}
        [first, ..] => {
            return Err(format!(
                "{{{{#events}}}} … {{{{/events}}}} at {} must appear once, in that order, outside any string.",
                position(text, first.start)
            ))
        }
    }
    let is_marker = |s: &Slot| s.name == "#events" || s.name == "/events";
    if let Some(unknown) = found.iter().find(|s| !is_marker(s) && !PLACEHOLDERS.iter().any(|(name, _)| *name == s.name))
    {
        let known: Vec<&str> = PLACEHOLDERS.iter().map(|(name, _)| *name).collect();
        return Err(format!(
            "{{{{{}}}}} at {} is not a placeholder AutoChat knows; use one of {}.",
            unknown.name,
            position(text, unknown.start),
            known.join(", ")
        ));
    }
    serde_json::from_str::<Value>(&probe(text, &found, false)).map_err(|e| {
        let what = e.to_string();
        let what = what.split(" at line ").next().unwrap_or(&what).to_string();
        format!("The template is not valid JSON at line {}, column {}: {what}.", e.line(), e.column())
    })?;
    Ok(found)
}

/// The brackets still open at the end of `json` (a piece of JSON text), outermost first, outside
/// strings; and whether it closed one it did not open.
fn open_brackets(json: &str) -> (Vec<char>, bool) {
    let mut open = Vec::new();
    let mut closed_outer = false;
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (false, _, '"') => in_string = true,
            (false, _, '[' | '{') => open.push(c),
            (false, _, ']' | '}') => closed_outer |= open.pop().is_none(),
            _ => {}
        }
    }
    (open, closed_outer)
}

/// The template with each placeholder replaced by filler of the same length (so serde's
/// position is the template's own), and, when `twice`, its events part written twice.
fn probe(text: &str, found: &[Slot], twice: bool) -> String {
    let is_marker = |s: &Slot| s.name == "#events" || s.name == "/events";
    let mut probe = String::with_capacity(text.len() * 2);
    let mut last = 0;
    let mut section_start = 0;
    for slot in found {
        probe.push_str(text.get(last..slot.start).unwrap_or_default());
        if twice && slot.name == "/events" {
            let section = probe.get(section_start..).unwrap_or_default().to_string();
            probe.push(',');
            probe.push_str(&section);
        }
        let width = slot.end - slot.start;
        if is_marker(slot) {
            probe.push_str(&" ".repeat(width));
        } else if slot.in_string {
            probe.push_str(&"x".repeat(width));
        } else {
            probe.push('0');
            probe.push_str(&" ".repeat(width - 1));
        }
        if slot.name == "#events" {
            section_start = probe.len();
        }
        last = slot.end;
    }
    probe.push_str(text.get(last..).unwrap_or_default());
    probe
}

/// The body a template gives for `envelopes` (one event, or a batch when `batch`); `words` is
/// the wording of the event or of the batch.
pub fn render(text: &str, envelopes: &[Envelope], words: &Wording, batch: bool) -> Result<String, String> {
    let found = if envelopes.len() > 1 { check(text).and_then(|()| slots(text))? } else { check_once(text)? };
    let Some(last) = envelopes.last() else { return Err("There is no event to send.".into()) };
    let open = found.iter().position(|s| s.name == "#events");
    let close = found.iter().position(|s| s.name == "/events");
    let mut out = String::with_capacity(text.len() + 256);
    let outside = Context { envelope: last, words, count: envelopes.len(), batch };
    match (open, close) {
        (Some(open), Some(close)) => {
            let (Some(open), Some(close)) = (found.get(open), found.get(close)) else {
                return Err("A template part is missing.".into());
            };
            let (start, end) = (open.end, close.start);
            fill(&mut out, text, 0, open.start, &found, &outside);
            let copies: Vec<String> = envelopes
                .iter()
                .map(|envelope| {
                    let own = wording(envelope);
                    let mut copy = String::new();
                    fill(
                        &mut copy,
                        text,
                        start,
                        end,
                        &found,
                        &Context { envelope, words: &own, count: envelopes.len(), batch: false },
                    );
                    copy
                })
                .collect();
            out.push_str(&copies.join(","));
            fill(&mut out, text, close.end, text.len(), &found, &outside);
        }
        _ => fill(&mut out, text, 0, text.len(), &found, &outside),
    }
    Ok(out)
}

/// What the placeholders of one part of a template stand for.
struct Context<'a> {
    envelope: &'a Envelope,
    words: &'a Wording,
    count: usize,
    batch: bool,
}

impl Context<'_> {
    fn value_of(&self, name: &str) -> Value {
        let envelope = self.envelope;
        let data = || serde_json::from_str::<Value>(envelope.data.get()).unwrap_or(Value::Null);
        match name {
            "event" if self.batch => Value::String("batch".into()),
            "event" => Value::String(envelope.event.clone()),
            "count" => Value::from(self.count),
            "timestamp" => Value::String(envelope.timestamp.clone()),
            "source" => Value::String(envelope.source.clone()),
            "version" => Value::String(envelope.version.clone()),
            "text" => Value::String(self.words.one_line()),
            "title" => Value::String(self.words.title.clone()),
            "payload" => serde_json::to_value(envelope).unwrap_or(Value::Null),
            "data" => data(),
            path => path
                .strip_prefix("data.")
                .map(|p| p.split('.').fold(&data(), |v, key| &v[key]).clone())
                .unwrap_or(Value::Null),
        }
    }
}

/// Writes `text[from..to]` with its placeholders filled from `context`.
fn fill(out: &mut String, text: &str, from: usize, to: usize, found: &[Slot], context: &Context<'_>) {
    let mut last = from;
    for slot in found.iter().filter(|s| s.start >= from && s.end <= to) {
        out.push_str(text.get(last..slot.start).unwrap_or_default());
        let value = context.value_of(&slot.name);
        if slot.in_string {
            let plain = match &value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let quoted = serde_json::to_string(&plain).unwrap_or_default();
            out.push_str(quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default());
        } else {
            out.push_str(&value.to_string());
        }
        last = slot.end;
    }
    out.push_str(text.get(last..to).unwrap_or_default());
}
