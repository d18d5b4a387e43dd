//! Every format × every event × awkward text, checked against each service's documented rules;
//! the detection table with real URL shapes and look-alikes; the template's errors.

use super::chat::check_teams_card;
use super::detect::{detect, ntfy_topic, retired, telegram_chat_id};
use super::*;
use crate::rules::event::{CampaignStats, Event};
use crate::values::time::Millis;
use serde_json::Value;

const T0: Millis = Millis(1_765_128_600_000);

/// Text a web page might hand AutoChat.
fn awkward_texts() -> Vec<String> {
    vec![
        String::new(),
        "x".repeat(5_000),
        "🎉".repeat(3_000),
        "<script>alert(1)</script> & <b>".into(),
        "@everyone @here @channel @all look".into(),
        "<!channel> <!here> <users/all> <@U123>".into(),
        "\"quotes\" 'single' \\ back".into(),
        "line one\nline two\r\nthree".into(),
    ]
}

fn events(text: &str) -> Vec<Envelope> {
    let stats = CampaignStats { messages_sent_today: 5, total_messages_sent: 42 };
    let mut all: Vec<Envelope> = [
        Event::MessageSent { message: text.into(), messages_sent_today: 5, total_messages_sent: 42 },
        Event::CampaignStarted {},
        Event::CampaignStopped { stats: stats.clone() },
        Event::CampaignPaused { stats },
        Event::CampaignResumed {},
        Event::DailyLimitReached { limit: 100, messages_sent_today: 100 },
        Event::Error { error: text.into() },
        Event::Milestone { milestone: "100_messages".into(), value: 100 },
    ]
    .iter()
    .map(|e| Envelope::new(e, T0, "4.5.0"))
    .collect();
    all.push(Envelope::test(text, T0, "4.5.0"));
    all
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Mass mentions that would notify, in raw form.
fn pings(text: &str) -> bool {
    ["@everyone", "@here", "@channel", "@all", "<!channel>", "<!here>", "<users/all>"].iter().any(|m| text.contains(m))
}

/// What each service's documentation says it accepts.
fn accepts(format: Format, body: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let fail = |why: &str| Err(format!("{why}: {body}"));
    match format {
        Format::Slack => {
            if chars(&v["text"]) == 0 || chars(&v["text"]) > 40_000 {
                return fail("text");
            }
            let blocks = v["blocks"].as_array().map(Vec::as_slice).unwrap_or_default();
            if blocks.len() > 50 || blocks.iter().any(|b| chars(&b["text"]["text"]) > 3_000) {
                return fail("blocks");
            }
            if pings(body) || body.contains("<script") {
                return fail("unescaped");
            }
        }
        Format::Discord => {
            let embeds = v["embeds"].as_array().map(Vec::as_slice).unwrap_or_default();
            if v["allowed_mentions"]["parse"] != serde_json::json!([]) || embeds.is_empty() || embeds.len() > 10 {
                return fail("mentions or embeds");
            }
            let mut total = 0;
            for e in embeds {
                let fields = e["fields"].as_array().map(Vec::as_slice).unwrap_or_default();
                if chars(&e["title"]) > 256 || chars(&e["description"]) > 4_096 || fields.len() > 25 {
                    return fail("embed limits");
                }
                if e.get("description").is_some_and(|d| chars(d) == 0) {
                    return fail("empty description");
                }
                if fields
                    .iter()
                    .any(|f| chars(&f["name"]) > 256 || chars(&f["value"]) > 1_024 || chars(&f["value"]) == 0)
                {
                    return fail("field limits");
                }
                total += chars(&e["title"]) + chars(&e["description"]) + chars(&e["footer"]["text"]);
                total += fields.iter().map(|f| chars(&f["name"]) + chars(&f["value"])).sum::<usize>();
            }
            if total > 6_000 || v["username"].as_str().is_some_and(|u| u.to_lowercase().contains("discord")) {
                return fail("total or username");
            }
        }
        Format::Teams => check_teams_card(&v)?,
        Format::GoogleChat => {
            if chars(&v["text"]) == 0
                || body.len() > 32_000
                || v.as_object().is_some_and(|o| o.keys().any(|k| k != "text"))
            {
                return fail("text");
            }
            if pings(v["text"].as_str().unwrap_or_default()) {
                return fail("mentions");
            }
        }
        Format::Telegram => {
            if !(1..=4_096).contains(&chars(&v["text"])) || v["chat_id"].is_null() || v.get("parse_mode").is_some() {
                return fail("text or chat");
            }
        }
        Format::Mattermost => {
            let text = v["text"].as_str().unwrap_or_default();
            if text.is_empty() || text.chars().count() > 16_383 || pings(text) || text.contains("<script") {
                return fail("text");
            }
        }
        Format::Ntfy => {
            if v["topic"].as_str().is_none_or(str::is_empty)
                || v["message"].as_str().is_none_or(|m| m.is_empty() || m.len() > 4_096)
            {
                return fail("topic or message");
            }
            if !(1..=5).contains(&v["priority"].as_u64().unwrap_or(0)) {
                return fail("priority");
            }
        }
        Format::Ifttt => {
            if ["value1", "value2", "value3"].iter().any(|k| !v[*k].is_string()) {
                return fail("values");
            }
        }
        Format::AutochatJson | Format::Custom => {}
    }
    Ok(())
}

#[test]
fn every_chat_format_accepts_every_event_with_any_text() {
    let settings = FormatSettings { chat_id: Some("424242".into()), topic: Some("autochat".into()), template: None };
    for format in Format::ALL.into_iter().filter(|f| f.is_chat()) {
        for text in awkward_texts() {
            for envelope in events(&text) {
                let json = envelope.to_json();
                let body = render(format, &settings, &Occurrence { envelope: &envelope, envelope_json: &json })
                    .unwrap_or_else(|e| panic!("{format:?} {}: {e}", envelope.event));
                accepts(format, &body).unwrap_or_else(|e| panic!("{format:?} {}: {e}", envelope.event));
            }
        }
    }
}

#[test]
fn autochat_json_is_the_envelope_unchanged() {
    let envelope = Envelope::new(&Event::CampaignStarted {}, T0, "4.5.0");
    let json = envelope.to_json();
    let body = render(
        Format::AutochatJson,
        &FormatSettings::default(),
        &Occurrence { envelope: &envelope, envelope_json: &json },
    );
    assert_eq!(body.as_deref(), Ok(json.as_str()));
}

#[test]
fn long_text_is_cut_with_an_ellipsis_and_escaped_where_the_service_needs_it() {
    let envelope = Envelope::new(&Event::Error { error: format!("<b>{}", "y".repeat(5_000)) }, T0, "4.5.0");
    let json = envelope.to_json();
    let occurrence = Occurrence { envelope: &envelope, envelope_json: &json };
    let slack: Value =
        serde_json::from_str(&render(Format::Slack, &FormatSettings::default(), &occurrence).unwrap_or_default())
            .unwrap_or_default();
    let section = slack["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
    assert!(section.contains("&lt;b&gt;") && section.ends_with('…'), "{section}");
    let discord: Value =
        serde_json::from_str(&render(Format::Discord, &FormatSettings::default(), &occurrence).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(discord["embeds"][0]["color"], 0xE7_4C_3C, "errors are red");
    assert!(discord["embeds"][0]["description"].as_str().is_some_and(|d| d.starts_with("<b>") && d.ends_with('…')));
}

#[test]
fn urls_are_detected_by_host_and_path_never_by_substring() {
    let cases = [
        ("https://hooks.slack.com/services/T0AUTOCHAT/B0AUTOCHAT/abcdefghijklmnopqrstuvwx", Some(Format::Slack)),
        ("https://hooks.slack-gov.com/services/T123/B456/xyz", Some(Format::Slack)),
        ("https://hooks.slack.com.evil.example/services/T1/B2/x", None),
        ("https://evil.example/hooks.slack.com/services/T1/B2/x", None),
        ("https://hooks.slack.com/triggers/T1/123/abc", None),
        ("https://discord.com/api/webhooks/123456789012345678/goodtoken_abc-DEF", Some(Format::Discord)),
        ("https://discordapp.com/api/v10/webhooks/123456789012345678/tok", Some(Format::Discord)),
        ("https://discord.com/api/webhooks/123456789012345678/tok/slack", Some(Format::Slack)),
        ("https://discord.com/api/webhooks/123/tok", None),
        ("https://discord.com.evil.example/api/webhooks/123456789012345678/tok", None),
        (
            "https://default0123456789abcdef.01.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/0123/triggers/manual/paths/invoke?api-version=1&sig=s",
            Some(Format::Teams),
        ),
        ("https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s", Some(Format::Teams)),
        ("https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t", Some(Format::GoogleChat)),
        ("https://chat.googleapis.com/v1/spaces/AAAA/messages", None),
        ("https://api.telegram.org/bot123456:ABC-DEF_ghi/sendMessage?chat_id=42", Some(Format::Telegram)),
        ("https://api.telegram.org/bot123456:ABC/sendmessage", Some(Format::Telegram)),
        ("https://api.telegram.org/bot123456:ABC/getUpdates", None),
        ("https://hooks.zapier.com/hooks/catch/123/abc/", Some(Format::AutochatJson)),
        ("https://maker.ifttt.com/trigger/sent/with/key/abc", Some(Format::Ifttt)),
        ("https://maker.ifttt.com/trigger/sent/json/with/key/abc", Some(Format::AutochatJson)),
        ("https://hook.eu1.make.com/abcdef", Some(Format::AutochatJson)),
        ("https://n8n.example.com/webhook/autochat", Some(Format::AutochatJson)),
        ("http://homeassistant.local:8123/api/webhook/autochat-1", Some(Format::AutochatJson)),
        ("https://ntfy.sh/autochat_alerts", Some(Format::Ntfy)),
        ("https://chat.example.com/hooks/abcdefghijklmnopqrstuvwxyz", Some(Format::Mattermost)),
        ("https://api.example.com/autochat", None),
    ];
    for (url, want) in cases {
        assert_eq!(detect(url).map(|d| d.format), want, "{url}");
    }
    assert!(detect("https://api.telegram.org/bot1:A/sendMessage").and_then(|d| d.note).is_some(), "no chat id");
    assert!(detect("https://n8n.example.com/webhook-test/x")
        .and_then(|d| d.note)
        .is_some_and(|n| n.contains("test URL")));
    assert_eq!(telegram_chat_id("https://api.telegram.org/bot1:A/sendMessage?chat_id=%40news"), Some("@news".into()));
    assert_eq!(ntfy_topic("https://ntfy.sh/alerts"), Some("alerts".into()));
}

#[test]
fn retired_teams_connectors_are_recognised() {
    assert!(retired("https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456").is_some());
    assert!(retired("https://outlook.office.com/webhook/abc/IncomingWebhook/x/y").is_some());
    assert!(retired("https://webhook.office.com.evil.example/webhookb2/x").is_none());
    assert!(retired("https://hooks.slack.com/services/T1/B2/x").is_none());
}

#[test]
fn templates_fill_placeholders_escaped_and_keep_numbers_numbers() {
    let envelope = Envelope::new(
        &Event::MessageSent {
            message: "He said \"hi\"\n</script>".into(),
            messages_sent_today: 5,
            total_messages_sent: 42,
        },
        T0,
        "4.5.0",
    );
    let words = wording::wording(&envelope);
    let body = template::render(
        r#"{"content": "{{ event }}: {{data.message}}", "total": {{data.totalMessagesSent}}, "missing": {{data.error}}, "all": {{payload}}}"#,
        std::slice::from_ref(&envelope),
        &words,
        false,
    )
    .expect("renders");
    let v: Value = serde_json::from_str(&body).expect("valid JSON");
    assert_eq!(v["content"], "message_sent: He said \"hi\"\n</script>");
    assert_eq!((v["total"].clone(), v["missing"].clone()), (serde_json::json!(42), Value::Null));
    assert_eq!(v["all"]["data"]["totalMessagesSent"], 42);
}

#[test]
fn template_mistakes_are_reported_with_their_position() {
    let unknown = template::check("{\n  \"a\": \"{{data.messagee}}\"\n}").expect_err("unknown");
    assert!(unknown.contains("{{data.messagee}}") && unknown.contains("line 2, column 9"), "{unknown}");
    let invalid = template::check("{\"a\": {{event}} \"b\": 1}").expect_err("invalid");
    assert!(invalid.contains("line 1, column 17"), "{invalid}");
    let unclosed = template::check("{\"a\": \"{{event\"}").expect_err("unclosed");
    assert!(unclosed.contains("line 1, column 8"), "{unclosed}");
    assert!(template::check("   ").is_err());
    assert!(template::check(r#"{"text": "{{text}}"}"#).is_ok());
}

#[test]
fn a_batch_is_one_body_in_every_format() {
    let envelopes = vec![
        Envelope::new(
            &Event::MessageSent { message: "a".into(), messages_sent_today: 1, total_messages_sent: 1 },
            T0,
            "4.5.0",
        ),
        Envelope::new(
            &Event::MessageSent { message: "b".into(), messages_sent_today: 2, total_messages_sent: 2 },
            T0,
            "4.5.0",
        ),
        Envelope::new(&Event::Error { error: "Failed to find send button".into() }, T0, "4.5.0"),
    ];
    let settings = FormatSettings { chat_id: Some("1".into()), topic: Some("t".into()), template: None };
    let json: Value =
        serde_json::from_str(&render_batch(Format::AutochatJson, &settings, &envelopes, "4.5.0").expect("body"))
            .expect("JSON");
    assert_eq!(
        (json["batch"].clone(), json["count"].clone(), json["source"].clone()),
        (Value::Bool(true), 3.into(), "AutoChat".into())
    );
    assert_eq!(json["events"][1]["data"]["message"], "b");
    assert_eq!(json["events"][2]["event"], "error");
    for format in Format::ALL.into_iter().filter(|f| f.is_chat()) {
        let body = render_batch(format, &settings, &envelopes, "4.5.0").expect("body");
        accepts(format, &body).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(body.contains("3 AutoChat events") || format == Format::Ifttt, "{format:?}: {body}");
        assert!(body.contains("Messages sent"), "{format:?} counts by kind: {body}");
    }
    let template = r#"{"n": {{count}}, "items": [{{#events}}{"e": "{{event}}", "m": "{{data.message}}"}{{/events}}]}"#;
    let settings = FormatSettings { template: Some(template.into()), ..FormatSettings::default() };
    let custom: Value =
        serde_json::from_str(&render_batch(Format::Custom, &settings, &envelopes, "4.5.0").expect("body"))
            .expect("JSON");
    assert_eq!(custom["n"], 3);
    assert_eq!(custom["items"][1], serde_json::json!({"e": "message_sent", "m": "b"}));
    assert_eq!(custom["items"][2]["e"], "error");
    assert!(template::check(r#"{"a": [{{/events}}{{#events}}]}"#).is_err(), "markers out of order");
}

#[test]
fn an_events_part_outside_an_array_is_refused_as_it_would_break_with_two_events() {
    // Valid JSON with one event, not with two: {"e": {...},{...}}.
    let outside = r#"{"e": {{#events}}{"a": "{{event}}"}{{/events}}}"#;
    let refused = template::check(outside).expect_err("two events would not be JSON");
    assert!(refused.contains("inside a JSON array"), "{refused}");
    // Members of an object: JSON twice over, but a duplicate key keeps only the last event.
    let members = r#"{"a": 1, {{#events}}"k": "{{text}}"{{/events}}}"#;
    assert!(template::check(members).is_err_and(|e| e.contains("inside a JSON array")));
    let two_arrays = r#"{"a": [{{#events}}"{{text}}"], "b": [0{{/events}}]}"#;
    assert!(template::check(two_arrays).is_err_and(|e| e.contains("inside a JSON array")), "one array, start to end");
    let split = r#"[{{#events}}"x{{/events}}"]"#;
    assert!(template::check(split).is_err_and(|e| e.contains("outside any string")), "a marker in a string");
    // Saved by an earlier release: it still serves single events, and a batch is refused in words.
    let settings = FormatSettings { template: Some(outside.into()), ..FormatSettings::default() };
    let error = || Envelope::new(&Event::Error { error: "x".into() }, T0, "4.5.0");
    let one: Value = serde_json::from_str(&render_batch(Format::Custom, &settings, &[error()], "4.5.0").expect("one"))
        .expect("JSON");
    assert_eq!(one["e"]["a"], "error");
    let two = render_batch(Format::Custom, &settings, &[error(), error()], "4.5.0").expect_err("two");
    assert!(two.contains("inside a JSON array"), "{two}");
    for fine in [
        r#"{"e": [{{#events}}{"a": "{{event}}"}{{/events}}]}"#,
        r#"{"s": "[{", "e": [[0], {{#events}}{"a": ["{{text}}"]}{{/events}}]}"#,
        r#"{"t": "{{text}}", "e": [{{#events}}"{{text}}"{{/events}}], "n": {{count}}}"#,
        r#"[{{#events}}{{count}}{{/events}}]"#,
    ] {
        assert_eq!(template::check(fine), Ok(()), "{fine}");
    }
}
