//! The chat formats' bodies. Each keeps within its service's documented limits (text is cut with
//! `…`, never sent too long) and escapes what comes from web pages, so a chat message can neither
//! break the markup nor ping anyone: Slack and Mattermost escape `& < >`, Discord always sends
//! `allowed_mentions: {"parse": []}`, and `@everyone`, `@channel`, `@here`, `@all`, `<!channel>` and
//! `<users/all>` in user text are disarmed everywhere.

use super::wording::{Tone, Wording};
use serde_json::{json, Value};

/// User text longer than this is cut in every chat format (each service allows at least this
/// much in the place it goes; the limits below are the services' own).
pub const USER_TEXT_CHARS: usize = 3_000;
/// Slack: a section block's text.
pub const SLACK_SECTION_CHARS: usize = 3_000;
/// Discord: an embed's title.
pub const DISCORD_TITLE_CHARS: usize = 256;
/// Telegram: a message's text.
pub const TELEGRAM_TEXT_CHARS: usize = 4_096;
/// Google Chat: a whole message, in bytes.
pub const GOOGLE_CHAT_BYTES: usize = 32_000;
/// Mattermost: a post.
pub const MATTERMOST_CHARS: usize = 16_383;
/// ntfy: a message, in bytes (longer ones become attachments).
pub const NTFY_MESSAGE_BYTES: usize = 4_096;

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `text` cut to at most `max` bytes at a character boundary, ending in `…` when cut.
pub fn truncate_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or_default())
}

/// Slack's (and Mattermost's) escaping: only `&`, `<` and `>`.
pub fn escape_angle(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Disarms mass mentions in user text with a zero-width space: `@channel`, `@here`, `@all`,
/// `@everyone`, Google Chat's `<users/…>` and Slack-style `<!channel>`.
pub fn disarm_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['@', '<']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let lower = from.get(..12).unwrap_or(from).to_ascii_lowercase();
        let mention = ["@channel", "@here", "@all", "@everyone"].iter().any(|m| lower.starts_with(m));
        let google = lower.starts_with("<users/") || lower.starts_with("<!");
        let mut chars = from.chars();
        if let Some(first) = chars.next() {
            out.push(first);
            if mention || google {
                out.push('\u{200b}');
            }
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out
}

/// The user's text for a chat message: mentions disarmed, cut to [`USER_TEXT_CHARS`]; none when
/// blank (services refuse empty parts).
fn user_text(words: &Wording) -> Option<String> {
    words.text.as_deref().filter(|t| !t.trim().is_empty()).map(|t| truncate(&disarm_mentions(t), USER_TEXT_CHARS))
}

/// The one-line form with the user's text made safe (mentions disarmed, cut).
fn safe_line(words: &Wording) -> String {
    Wording { text: user_text(words), ..words.clone() }.one_line()
}

/// A Slack incoming-webhook message: `text` for notifications, and blocks.
pub fn slack(words: &Wording) -> String {
    let mut section = format!("*{} {}*", words.tone.emoji(), escape_angle(&words.title));
    if let Some(text) = user_text(words) {
        section.push('\n');
        section.push_str(&escape_angle(&text));
    }
    let mut context = words.facts.iter().map(|(k, v)| format!("{k}: *{}*", escape_angle(v))).collect::<Vec<_>>();
    context.push(escape_angle(&words.time));
    json!({
        "text": truncate(&escape_angle(&safe_line(words)), SLACK_SECTION_CHARS),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(&section, SLACK_SECTION_CHARS)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(&context.join(" · "), 2_000)}]},
        ],
    })
    .to_string()
}

/// Discord's embed colour for a tone.
fn discord_colour(tone: Tone) -> u32 {
    match tone {
        Tone::Sent => 0x2E_CC_71,
        Tone::Started => 0x34_98_DB,
        Tone::Halted => 0x95_A5_A6,
        Tone::Limit => 0xE6_7E_22,
        Tone::Error => 0xE7_4C_3C,
        Tone::Milestone => 0xF1_C4_0F,
        Tone::Test => 0x9B_59_B6,
    }
}

/// A Discord webhook message: one embed, and no mention of anyone ever parsed.
pub fn discord(words: &Wording, version: &str) -> String {
    let mut embed = json!({
        "title": truncate(&format!("{} {}", words.tone.emoji(), words.title), DISCORD_TITLE_CHARS),
        "color": discord_colour(words.tone),
        "timestamp": words.time,
        "footer": {"text": format!("AutoChat {version}")},
    });
    if let (Some(text), Some(map)) = (user_text(words), embed.as_object_mut()) {
        map.insert("description".into(), Value::String(text));
    }
    if let (false, Some(map)) = (words.facts.is_empty(), embed.as_object_mut()) {
        let fields: Vec<Value> =
            words.facts.iter().map(|(k, v)| json!({"name": k, "value": truncate(v, 1_024), "inline": true})).collect();
        map.insert("fields".into(), Value::Array(fields));
    }
    json!({"username": "AutoChat", "allowed_mentions": {"parse": []}, "embeds": [embed]}).to_string()
}

/// Teams' Adaptive Card colour for a tone.
fn teams_colour(tone: Tone) -> &'static str {
    match tone {
        Tone::Sent | Tone::Started => "Good",
        Tone::Halted | Tone::Test => "Accent",
        Tone::Limit | Tone::Milestone => "Warning",
        Tone::Error => "Attention",
    }
}

/// A Teams Workflows request with an Adaptive Card (1.4). Teams accepts any body with 202 and
/// fails later, out of sight, so the card is checked here before it is sent.
pub fn teams(words: &Wording) -> Result<String, String> {
    let mut body = vec![json!({
        "type": "TextBlock", "text": format!("{} {}", words.tone.emoji(), words.title),
        "weight": "Bolder", "size": "Medium", "color": teams_colour(words.tone), "wrap": true,
    })];
    if let Some(text) = user_text(words) {
        body.push(json!({"type": "TextBlock", "text": text, "wrap": true}));
    }
    let mut facts: Vec<Value> = words.facts.iter().map(|(k, v)| json!({"title": k, "value": v})).collect();
    facts.push(json!({"title": "Time", "value": words.time}));
    body.push(json!({"type": "FactSet", "facts": facts}));
    let request = json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard", "version": "1.4", "body": body,
            },
        }],
    });
    check_teams_card(&request)?;
    Ok(request.to_string())
}

/// What the Workflows template needs from the request: a `message` with an Adaptive Card
/// attachment whose body holds only non-empty text blocks and fact sets of strings.
pub fn check_teams_card(request: &Value) -> Result<(), String> {
    let bad = |why: &str| Err(format!("AutoChat built a Teams card it would not send ({why})."));
    let Some([attachment]) = request["attachments"].as_array().map(Vec::as_slice) else {
        return bad("exactly one attachment");
    };
    let card = &attachment["content"];
    if request["type"] != "message"
        || attachment["contentType"] != "application/vnd.microsoft.card.adaptive"
        || card["type"] != "AdaptiveCard"
        || card["version"] != "1.4"
    {
        return bad("type, content type or version");
    }
    let Some(elements) = card["body"].as_array().filter(|b| !b.is_empty()) else { return bad("an empty body") };
    for element in elements {
        let ok = match element["type"].as_str() {
            Some("TextBlock") => element["text"].as_str().is_some_and(|t| !t.trim().is_empty()),
            Some("FactSet") => element["facts"]
                .as_array()
                .is_some_and(|f| f.iter().all(|f| f["title"].is_string() && f["value"].is_string())),
            _ => false,
        };
        if !ok {
            return bad("an element that is not a text block or a fact set of strings");
        }
    }
    Ok(())
}

/// A plain-text message, a line each: the title, the user's text (when the event has one), the
/// facts (when it has any) and the time, the first and last as each service marks them.
fn text_lines(words: &Wording, title: String, time: String) -> String {
    let mut lines = vec![title];
    lines.extend(user_text(words));
    if !words.facts.is_empty() {
        lines.push(words.facts_line());
    }
    lines.push(time);
    lines.join("\n")
}

/// A Google Chat message: text with Chat's own light markup.
pub fn google_chat(words: &Wording) -> String {
    let text = text_lines(words, format!("*{} {}*", words.tone.emoji(), words.title), format!("_{}_", words.time));
    json!({"text": truncate_bytes(&text, GOOGLE_CHAT_BYTES - 64)}).to_string()
}

/// A Telegram `sendMessage` call: plain text (no parse mode, so nothing needs escaping).
pub fn telegram(words: &Wording, chat_id: &str) -> String {
    let text = text_lines(words, format!("{} {}", words.tone.emoji(), words.title), words.time.clone());
    let chat: Value = chat_id.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(chat_id.to_string()));
    json!({
        "chat_id": chat,
        "text": truncate(&text, TELEGRAM_TEXT_CHARS),
        "link_preview_options": {"is_disabled": true},
    })
    .to_string()
}

/// A Mattermost incoming-webhook message (Markdown).
pub fn mattermost(words: &Wording) -> String {
    let mut text = format!("#### {} {}", words.tone.emoji(), escape_angle(&words.title));
    if let Some(user) = user_text(words) {
        text.push('\n');
        text.push_str(&escape_angle(&user));
    }
    let mut footer = words.facts_line();
    if !footer.is_empty() {
        footer.push_str(" · ");
    }
    footer.push_str(&words.time);
    text.push_str(&format!("\n_{}_", escape_angle(&footer)));
    json!({"username": "AutoChat", "text": truncate(&text, MATTERMOST_CHARS)}).to_string()
}

/// ntfy's tag (an emoji short code) and priority (1–5) for a tone.
fn ntfy_marks(tone: Tone) -> (&'static str, u8) {
    match tone {
        Tone::Sent => ("white_check_mark", 3),
        Tone::Started => ("arrow_forward", 3),
        Tone::Halted => ("pause_button", 3),
        Tone::Limit => ("stop_sign", 4),
        Tone::Error => ("warning", 4),
        Tone::Milestone => ("trophy", 3),
        Tone::Test => ("test_tube", 3),
    }
}

/// An ntfy notification, published as JSON to the server's root with its topic.
pub fn ntfy(words: &Wording, topic: &str) -> String {
    let (tag, priority) = ntfy_marks(words.tone);
    let mut message = user_text(words).unwrap_or_default();
    if !words.facts.is_empty() {
        if !message.is_empty() {
            message.push('\n');
        }
        message.push_str(&words.facts_line());
    }
    if message.is_empty() {
        message = words.title.clone();
    }
    json!({
        "topic": topic, "title": words.title, "message": truncate_bytes(&message, NTFY_MESSAGE_BYTES),
        "tags": [tag], "priority": priority,
    })
    .to_string()
}

/// IFTTT's classic trigger: value1 the event, value2 the message (or title), value3 the facts
/// and the time.
pub fn ifttt(words: &Wording) -> String {
    let value2 = user_text(words).unwrap_or_else(|| words.title.clone());
    let mut value3 = words.facts_line();
    if !value3.is_empty() {
        value3.push_str(" · ");
    }
    value3.push_str(&words.time);
    json!({"value1": words.event, "value2": value2, "value3": value3}).to_string()
}
