//! The one table of wording for every chat format: for each event (and the 🧪 Test payload), a
//! title, the user's text if any (a message, an error), the facts, the time and a tone that each
//! format turns into a colour, an emoji or a priority. Read from the envelope, so the formats say
//! exactly what the AutoChat JSON receivers get.

use crate::rules::event::Envelope;
use serde_json::Value;

/// How an event reads at a glance; each format colours or marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// A message was sent.
    Sent,
    /// A campaign started or resumed.
    Started,
    /// A campaign paused or stopped.
    Halted,
    /// The daily limit was reached.
    Limit,
    /// Something went wrong.
    Error,
    /// A milestone was passed.
    Milestone,
    /// The 🧪 Test payload.
    Test,
}

impl Tone {
    /// The emoji that marks the tone in text formats.
    pub fn emoji(self) -> &'static str {
        match self {
            Tone::Sent => "✅",
            Tone::Started => "▶️",
            Tone::Halted => "⏸️",
            Tone::Limit => "🛑",
            Tone::Error => "⚠️",
            Tone::Milestone => "🏆",
            Tone::Test => "🧪",
        }
    }
}

/// What a chat message says about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    /// The event's wire name (`test` for the Test payload).
    pub event: String,
    /// A short title, e.g. "Message sent".
    pub title: String,
    /// Text that came from the page or the user (the message sent, the error), unescaped.
    pub text: Option<String>,
    /// Label and value pairs, e.g. ("Sent today", "5").
    pub facts: Vec<(&'static str, String)>,
    /// When it happened (RFC 3339).
    pub time: String,
    /// Its tone.
    pub tone: Tone,
}

impl Wording {
    /// The facts on one line: "Sent today: 5 · Total sent: 42".
    pub fn facts_line(&self) -> String {
        self.facts.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ")
    }

    /// The whole message on one line, unescaped (the `{{text}}` placeholder): "✅ Message sent:
    /// Hello (Sent today: 5 · Total sent: 42)".
    pub fn one_line(&self) -> String {
        let mut line = format!("{} {}", self.tone.emoji(), self.title);
        if let Some(text) = &self.text {
            line.push_str(": ");
            line.push_str(&text.replace(['\r', '\n'], " "));
        }
        if !self.facts.is_empty() {
            line.push_str(&format!(" ({})", self.facts_line()));
        }
        line
    }
}

/// The wording of an envelope.
pub fn wording(envelope: &Envelope) -> Wording {
    let data: Value = serde_json::from_str(envelope.data.get()).unwrap_or(Value::Null);
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_string);
    let number = |v: Option<&Value>| v.and_then(Value::as_u64).map(|n| n.to_string()).unwrap_or_else(|| "–".into());
    let counts = |stats: &Value| {
        vec![
            ("Sent today", number(stats.get("messagesSentToday"))),
            ("Total sent", number(stats.get("totalMessagesSent"))),
        ]
    };
    let (title, body, facts, tone) = match envelope.event.as_str() {
        "message_sent" => ("Message sent".to_string(), text("message"), counts(&data), Tone::Sent),
        "campaign_started" => ("Campaign started".to_string(), None, Vec::new(), Tone::Started),
        "campaign_resumed" => ("Campaign resumed".to_string(), None, Vec::new(), Tone::Started),
        "campaign_paused" => {
            ("Campaign paused".to_string(), None, counts(data.get("stats").unwrap_or(&Value::Null)), Tone::Halted)
        }
        "campaign_stopped" => {
            ("Campaign stopped".to_string(), None, counts(data.get("stats").unwrap_or(&Value::Null)), Tone::Halted)
        }
        "daily_limit_reached" => (
            "Daily limit reached".to_string(),
            None,
            vec![("Limit", number(data.get("limit"))), ("Sent today", number(data.get("messagesSentToday")))],
            Tone::Limit,
        ),
        "error" => ("AutoChat error".to_string(), text("error"), Vec::new(), Tone::Error),
        "milestone" => (
            format!("Milestone: {} messages sent", number(data.get("value"))),
            None,
            vec![("Milestone", text("milestone").unwrap_or_default())],
            Tone::Milestone,
        ),
        "test" => (
            "Test from AutoChat".to_string(),
            Some(format!(
                "This is a test message for the webhook \u{201c}{}\u{201d}. If you can read it, the webhook works.",
                text("webhook").unwrap_or_default()
            )),
            Vec::new(),
            Tone::Test,
        ),
        other => (other.to_string(), None, Vec::new(), Tone::Test),
    };
    Wording { event: envelope.event.clone(), title, text: body, facts, time: envelope.timestamp.clone(), tone }
}

/// The wording of a batch: "12 AutoChat events", a count per kind, the latest error (or message)
/// as the text, and the time of the last event.
pub fn batch_wording(envelopes: &[Envelope]) -> Wording {
    let words: Vec<Wording> = envelopes.iter().map(wording).collect();
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for w in &words {
        let label = kind_label(&w.event);
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    let error = words.iter().rev().find(|w| w.tone == Tone::Error);
    let text = error.or_else(|| words.iter().rev().find(|w| w.text.is_some())).and_then(|w| w.text.clone());
    Wording {
        event: "batch".into(),
        title: format!("{} AutoChat event{}", words.len(), if words.len() == 1 { "" } else { "s" }),
        text,
        facts: counts.into_iter().map(|(label, n)| (label, n.to_string())).collect(),
        time: words.last().map(|w| w.time.clone()).unwrap_or_default(),
        tone: if error.is_some() { Tone::Error } else { words.last().map_or(Tone::Sent, |w| w.tone) },
    }
}

/// The plural label of an event kind, for batch summaries.
fn kind_label(event: &str) -> &'static str {
    match event {
        "message_sent" => "Messages sent",
        "campaign_started" => "Started",
        "campaign_resumed" => "Resumed",
        "campaign_paused" => "Paused",
        "campaign_stopped" => "Stopped",
        "daily_limit_reached" => "Limit reached",
        "error" => "Errors",
        "milestone" => "Milestones",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::event::{CampaignStats, Event};
    use crate::values::time::Millis;

    const T0: Millis = Millis(1_765_128_600_000);

    fn words(event: Event) -> Wording {
        wording(&Envelope::new(&event, T0, "4.5.0"))
    }

    #[test]
    fn every_event_has_a_title_its_facts_and_a_tone() {
        let sent =
            words(Event::MessageSent { message: "Hello".into(), messages_sent_today: 5, total_messages_sent: 42 });
        assert_eq!(sent.title, "Message sent");
        assert_eq!(sent.text.as_deref(), Some("Hello"));
        assert_eq!(sent.facts_line(), "Sent today: 5 · Total sent: 42");
        assert_eq!(sent.one_line(), "✅ Message sent: Hello (Sent today: 5 · Total sent: 42)");
        assert_eq!(sent.time, "2025-12-07T17:30:00.000Z");
        let stats = CampaignStats { messages_sent_today: 3, total_messages_sent: 9 };
        assert_eq!(
            words(Event::CampaignStopped { stats: stats.clone() }).facts_line(),
            "Sent today: 3 · Total sent: 9"
        );
        assert_eq!(words(Event::CampaignPaused { stats }).tone, Tone::Halted);
        assert_eq!(words(Event::CampaignStarted {}).tone, Tone::Started);
        assert_eq!(words(Event::CampaignResumed {}).title, "Campaign resumed");
        let limit = words(Event::DailyLimitReached { limit: 100, messages_sent_today: 100 });
        assert_eq!((limit.facts_line().as_str(), limit.tone), ("Limit: 100 · Sent today: 100", Tone::Limit));
        let error = words(Event::Error { error: "Failed to find send button".into() });
        assert_eq!((error.text.as_deref(), error.tone), (Some("Failed to find send button"), Tone::Error));
        let milestone = words(Event::Milestone { milestone: "100_messages".into(), value: 100 });
        assert_eq!(milestone.title, "Milestone: 100 messages sent");
        let test = wording(&Envelope::test("Team Slack", T0, "4.5.0"));
        assert!(test.text.is_some_and(|t| t.contains("\u{201c}Team Slack\u{201d}")));
    }

    #[test]
    fn the_one_line_form_keeps_user_text_on_one_line() {
        let w = words(Event::Error { error: "a\nb\r\nc".into() });
        assert_eq!(w.one_line(), "⚠️ AutoChat error: a b  c");
    }
}
