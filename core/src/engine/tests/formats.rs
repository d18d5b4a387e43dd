//! Destinations through the engine: the format a URL calls for, the bodies and headers that go
//! out, what each service's answers do, and one message a second to chat services.

use super::*;

const SLACK: &str = "https://hooks.slack.com/services/T0AUTOCHAT/B0AUTOCHAT/abcdefghijklmnopqrstuvwx";
const DISCORD: &str = "https://discord.com/api/webhooks/123456789012345678/goodtoken";
const TELEGRAM: &str = "https://api.telegram.org/bot123456:ABC-DEF/sendMessage?chat_id=424242";

fn answer(status: u16, body: &str) -> HttpOutcome {
    HttpOutcome::Response { status, retry_after: None, body: body.into() }
}

fn json_of(sent: &crate::testing::Sent) -> Value {
    serde_json::from_str(sent.request.body.as_deref().unwrap_or_default()).expect("JSON body")
}

#[test]
fn a_slack_url_gets_a_slack_message_without_webhook_headers() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Team Slack", SLACK, &["message_sent"]);
    assert_eq!(webhook(&fake, &e, &id)["format"], "slack", "detected from the URL");
    ok(
        &fake,
        &e,
        json!({"type": "emit", "event": "message_sent", "data": {"message": "<!channel> Hi", "messagesSentToday": 5, "totalMessagesSent": 42}}),
    );
    let sent = &fake.sent()[0];
    let body = json_of(sent);
    assert!(
        body["text"].as_str().is_some_and(|t| t.contains("&lt;") && !t.contains("<!channel>") && t.contains("Hi")),
        "{body}"
    );
    assert_eq!((sent.header("webhook-id"), sent.header("content-type")), (None, Some("application/json")));
}

#[test]
fn an_explicit_format_wins_over_the_url_and_get_is_refused_for_chat() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "raw", "url": SLACK, "events": ["error"], "format": "autochatJson"}}),
    );
    assert_eq!(v["webhook"]["format"], "autochatJson");
    let err = call(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "x", "url": SLACK, "method": "GET", "events": ["error"]}}),
    )
    .expect_err("GET to Slack");
    assert_eq!(err.field(), Some("method"));
    let err = call(&fake, &e, json!({"type": "addWebhook", "webhook": {"name": "x", "url": "https://contoso.webhook.office.com/webhookb2/a/IncomingWebhook/b/c", "events": ["error"]}}))
        .expect_err("retired");
    assert!(err.message().contains("retired"));
}

#[test]
fn slack_saying_the_webhook_is_gone_switches_it_off_in_slacks_words() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Team Slack", SLACK, &["error"]);
    fake.script("hooks.slack.com", [answer(404, "no_service")]);
    emit_error(&fake, &e, "x");
    fake.run();
    let w = webhook(&fake, &e, &id);
    assert_eq!(w["enabled"], false);
    assert!(w["disabledReason"].as_str().is_some_and(|r| r.contains("no_service")), "{w}");
    let history = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    assert!(history["entries"][0]["error"].as_str().is_some_and(|r| r.contains("Slack says: no_service")));
}

#[test]
fn an_archived_slack_channel_is_named_when_the_webhook_is_switched_off() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Team Slack", SLACK, &["error"]);
    fake.script("hooks.slack.com", [answer(410, "channel_is_archived")]);
    emit_error(&fake, &e, "x");
    fake.run();
    let w = webhook(&fake, &e, &id);
    assert_eq!((w["enabled"].clone(), w["failureCount"].clone()), (json!(false), json!(1)));
    assert!(w["disabledReason"].as_str().is_some_and(|r| r.contains("channel_is_archived")), "{w}");
}

#[test]
fn discords_json_retry_after_is_waited_out() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "Discord", DISCORD, &["error"]);
    fake.script(
        "discord.com",
        [answer(429, r#"{"message":"You are being rate limited.","retry_after":1.5,"global":false}"#)],
    );
    emit_error(&fake, &e, "x");
    fake.run();
    let times = run_alarms(&fake, &e, 3);
    let sent: Vec<u64> = fake.sent().iter().map(|s| s.at.0 - T0).collect();
    assert_eq!(sent, [0, 1_500], "alarms at {times:?}");
    assert_eq!(json_of(&fake.sent()[1])["allowed_mentions"], json!({"parse": []}));
}

#[test]
fn chat_services_get_at_most_one_message_a_second_and_none_is_dropped() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "Team Slack", SLACK, &["error"]);
    add(&fake, &e, "API", "https://api.example.com/hook", &["error"]);
    for n in 0..3 {
        emit_error(&fake, &e, &format!("e{n}"));
    }
    fake.run();
    for _ in 0..5 {
        fake.advance(500);
        e.wake();
        fake.run();
    }
    let at = |part: &str| fake.sent_to(part).iter().map(|s| s.at.0 - T0).collect::<Vec<_>>();
    assert_eq!(at("hooks.slack.com"), [0, 1_000, 2_000]);
    assert_eq!(at("api.example.com"), [0, 0, 0], "AutoChat JSON is not spaced");
}

#[test]
fn telegram_gets_its_chat_id_in_the_body_and_its_error_text_is_shown() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Bot", TELEGRAM, &["error"]);
    fake.script(
        "api.telegram.org",
        [answer(400, r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#)],
    );
    let result = ok(&fake, &e, json!({"type": "testWebhook", "id": id}));
    let sent = &fake.sent()[0];
    assert_eq!(sent.request.url, "https://api.telegram.org/bot123456:ABC-DEF/sendMessage");
    assert_eq!(json_of(sent)["chat_id"], 424242);
    assert!(
        result["error"].as_str().is_some_and(|r| r.contains("Telegram says: Bad Request: chat not found")),
        "{result}"
    );
}

#[test]
fn a_teams_test_says_to_check_the_channel() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let url = "https://default01.02.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s";
    let id = add(&fake, &e, "Teams", url, &["error"]);
    fake.script("powerplatform.com", [answer(202, "")]);
    let result = ok(&fake, &e, json!({"type": "testWebhook", "id": id}));
    assert_eq!(result["ok"], true);
    assert!(result["note"].as_str().is_some_and(|n| n.contains("check the channel")));
    let card = json_of(&fake.sent()[0]);
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
}

#[test]
fn a_custom_template_is_what_arrives() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let template = r#"{"content": "{{text}}", "total": {{data.totalMessagesSent}}}"#;
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "Mine", "url": "https://api.example.com/mine", "events": ["message_sent"], "format": "custom", "template": template}}),
    );
    assert_eq!(v["webhook"]["template"], template);
    ok(
        &fake,
        &e,
        json!({"type": "emit", "event": "message_sent", "data": {"message": "He said \"hi\"", "messagesSentToday": 1, "totalMessagesSent": 7}}),
    );
    let body = json_of(&fake.sent()[0]);
    assert_eq!(body, json!({"content": "✅ Message sent: He said \"hi\" (Sent today: 1 · Total sent: 7)", "total": 7}));
    assert!(fake.sent()[0].header("webhook-id").is_some(), "custom templates keep the webhook headers");
    let bad = call(&fake, &e, json!({"type": "addWebhook", "webhook": {"name": "Bad", "url": "https://api.example.com/b", "events": ["error"], "format": "custom", "template": "{\"a\": {{nope}}}"}}))
        .expect_err("unknown placeholder");
    assert_eq!(bad.field(), Some("template"));
}

#[test]
fn a_slack_webhook_saved_before_formats_existed_now_sends_slack_messages() {
    let fake = Fake::at(T0);
    let registry = format!(
        r#"{{"schemaVersion":1,"webhooksEnabled":true,"webhooks":[{{"id":"wh_old","name":"Old Slack","url":"{SLACK}","method":"POST","events":["error"],"headers":{{}},"enabled":true,"createdAt":"2025-12-07T17:30:00.000Z","lastTriggered":null,"triggerCount":3,"failureCount":0}}],"meta":{{"wh_old":{{"retryMode":"persistent"}}}}}}"#
    );
    fake.put(crate::store::REGISTRY_KEY, &registry);
    let e = start(&fake);
    assert_eq!(webhook(&fake, &e, "wh_old")["format"], "slack");
    emit_error(&fake, &e, "x");
    assert!(json_of(&fake.sent()[0])["blocks"].is_array());
}
