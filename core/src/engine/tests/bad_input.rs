//! Bad input through the real commands, case by case: each gets a message on its field and changes
//! nothing, in memory or in storage. And property tests: no input makes a parser or the loader
//! panic.

use super::*;
use proptest::prelude::*;

/// (what is wrong, the command, the field the message is on)
fn cases(id: &str) -> Vec<(&'static str, Value, &'static str)> {
    let add = |webhook: Value| json!({"type": "addWebhook", "webhook": webhook});
    let upd = |webhook: Value| json!({"type": "updateWebhook", "id": id, "webhook": webhook});
    let base = json!({"name": "n", "url": "https://a.com/h", "events": ["error"]});
    let with = |key: &str, value: Value| {
        let mut w = base.clone();
        w[key] = value;
        w
    };
    let campaign = |c: Value| json!({"type": "saveCampaign", "campaign": c});
    let camp = json!({"messages": "hi", "order": "random", "minIntervalSeconds": 30, "maxIntervalSeconds": 60, "dailyLimit": 10});
    let camp_with = |key: &str, value: Value| {
        let mut c = camp.clone();
        c[key] = value;
        c
    };
    let cond = |field: &str, op: &str, value: &str| json!({"conditions": [{"field": field, "op": op, "value": value}]});
    vec![
        ("an empty name", add(with("name", json!(""))), "name"),
        ("a blank name", add(with("name", json!("   "))), "name"),
        ("a name on two lines", add(with("name", json!("a\nb"))), "name"),
        ("a name too long", add(with("name", json!("n".repeat(81)))), "name"),
        ("no URL", add(with("url", json!(""))), "url"),
        ("a URL without scheme", add(with("url", json!("hooks.slack.com/x"))), "url"),
        ("a javascript: URL", add(with("url", json!("javascript:alert(1)"))), "url"),
        ("a data: URL", add(with("url", json!("data:text/html,hi"))), "url"),
        ("a file: URL", add(with("url", json!("file:///etc/passwd"))), "url"),
        ("an ftp URL", add(with("url", json!("ftp://a.com/x"))), "url"),
        ("credentials in the URL", add(with("url", json!("https://user:pw@a.com/x"))), "url"),
        ("a space in the URL", add(with("url", json!("https://a.com/a b"))), "url"),
        ("a bad port", add(with("url", json!("https://a.com:99999/x"))), "url"),
        ("port zero", add(with("url", json!("https://a.com:0/x"))), "url"),
        ("no host", add(with("url", json!("https:///x"))), "url"),
        ("a URL too long", add(with("url", json!(format!("https://a.com/{}", "x".repeat(2_100))))), "url"),
        (
            "a retired Teams connector",
            add(with("url", json!("https://x.webhook.office.com/webhookb2/a/IncomingWebhook/b/c"))),
            "url",
        ),
        ("an unknown method", add(with("method", json!("DELETE"))), "method"),
        ("a method with spaces", add(with("method", json!("PO ST"))), "method"),
        (
            "GET to Slack",
            add(
                json!({"name": "n", "url": "https://hooks.slack.com/services/T1/B2/x", "method": "GET", "events": ["error"]}),
            ),
            "method",
        ),
        ("no events", add(with("events", json!([]))), "events"),
        ("an unknown event", add(with("events", json!(["party"]))), "events"),
        ("an event in the wrong case", add(with("events", json!(["Message_Sent"]))), "events"),
        ("headers as an array", add(with("headers", json!(["a"]))), "headers"),
        ("headers as text", add(with("headers", json!("Authorization: x"))), "headers"),
        ("a header value as a number", add(with("headers", json!({"X-A": 1}))), "headers"),
        ("Host as a header", add(with("headers", json!({"Host": "b"}))), "headers"),
        ("Cookie as a header", add(with("headers", json!({"Cookie": "b"}))), "headers"),
        ("a Sec- header", add(with("headers", json!({"Sec-Fetch-Site": "b"}))), "headers"),
        ("a Proxy- header", add(with("headers", json!({"Proxy-Authorization": "b"}))), "headers"),
        ("webhook-id as a header", add(with("headers", json!({"webhook-id": "b"}))), "headers"),
        ("webhook-signature as a header", add(with("headers", json!({"Webhook-Signature": "b"}))), "headers"),
        ("a header name with a space", add(with("headers", json!({"X A": "b"}))), "headers"),
        ("a header name with a colon", add(with("headers", json!({"X:A": "b"}))), "headers"),
        ("an empty header name", add(with("headers", json!({"": "b"}))), "headers"),
        ("a header value on two lines", add(with("headers", json!({"X-A": "a\r\nInjected: 1"}))), "headers"),
        ("a header value beyond Latin-1", add(with("headers", json!({"X-A": "Bearer …"}))), "headers"),
        ("a header name given twice", add(with("headers", json!({"X-A": "1", "x-a": "2"}))), "headers"),
        (
            "a long non-ASCII header name",
            add(with("headers", json!({format!("{}é{}", "a".repeat(19), "b".repeat(100)): "v"}))),
            "headers",
        ),
        (
            "21 headers",
            add(with("headers", Value::Object((0..21).map(|n| (format!("X-{n}"), json!("v"))).collect()))),
            "headers",
        ),
        ("an unknown retry choice", add(with("retryMode", json!("forever"))), "retryMode"),
        ("an unknown format", add(with("format", json!("pigeon"))), "format"),
        ("a custom format without a template", add(with("format", json!("custom"))), "template"),
        (
            "a template that is not JSON",
            add(
                json!({"name": "n", "url": "https://a.com", "events": ["error"], "format": "custom", "template": "{\"a\": }"}),
            ),
            "template",
        ),
        (
            "an unknown placeholder",
            add(
                json!({"name": "n", "url": "https://a.com", "events": ["error"], "format": "custom", "template": "{\"a\": \"{{who}}\"}"}),
            ),
            "template",
        ),
        (
            "an unclosed placeholder",
            add(
                json!({"name": "n", "url": "https://a.com", "events": ["error"], "format": "custom", "template": "{\"a\": \"{{event\"}"}),
            ),
            "template",
        ),
        (
            "Telegram without a chat",
            add(json!({"name": "n", "url": "https://api.telegram.org/bot1:A/sendMessage", "events": ["error"]})),
            "chatId",
        ),
        (
            "a Telegram chat id with spaces",
            add(
                json!({"name": "n", "url": "https://api.telegram.org/bot1:A/sendMessage", "events": ["error"], "chatId": "my chat"}),
            ),
            "chatId",
        ),
        (
            "ntfy without a topic",
            add(json!({"name": "n", "url": "https://ntfy.sh/", "events": ["error"], "format": "ntfy"})),
            "url",
        ),
        ("a secret without whsec_", add(with("secret", json!("abc"))), "secret"),
        ("a secret that is too short", add(with("secret", json!("whsec_AAAA"))), "secret"),
        (
            "signing a chat format",
            add(
                json!({"name": "n", "url": "https://hooks.slack.com/services/T1/B2/x", "events": ["error"], "sign": true}),
            ),
            "sign",
        ),
        ("a condition on an unknown field", add(with("filter", cond("data.nope", "eq", "1"))), "conditions"),
        (
            "a number compared with text",
            add(with("filter", json!({"conditions": [{"field": "event", "op": "gt", "value": "a"}]}))),
            "conditions",
        ),
        ("a bad regular expression", add(with("filter", cond("data.error", "matches", "/(/"))), "conditions"),
        ("a field the events lack", add(with("filter", cond("data.totalMessagesSent", "ge", "1"))), "conditions"),
        (
            "a throttle of 0 minutes",
            add(with("filter", json!({"conditions": [], "atMostEveryMinutes": 0}))),
            "conditions",
        ),
        ("every first message", add(with("filter", json!({"conditions": [], "everyNthMessage": 1}))), "conditions"),
        ("a batch window of 0 s", add(with("batch", json!({"windowSeconds": 0, "maxEvents": 5}))), "batch"),
        ("a batch of 1 event", add(with("batch", json!({"windowSeconds": 5, "maxEvents": 1}))), "batch"),
        ("a batch of 1,000 events", add(with("batch", json!({"windowSeconds": 5, "maxEvents": 1000}))), "batch"),
        ("an edit with no name", upd(with("name", json!(""))), "name"),
        ("an edit with a bad URL", upd(with("url", json!("nope"))), "url"),
        ("an edit with no events", upd(with("events", json!([]))), "events"),
        ("no messages", campaign(camp_with("messages", json!("  \n "))), "messages"),
        ("an unknown order", campaign(camp_with("order", json!("shuffle"))), "order"),
        ("waits under the minimum", campaign(camp_with("minIntervalSeconds", json!(1))), "minInterval"),
        ("a longest wait under the shortest", campaign(camp_with("maxIntervalSeconds", json!(20))), "maxInterval"),
        ("a daily limit of 0", campaign(camp_with("dailyLimit", json!(0))), "dailyLimit"),
        ("a daily limit over 1,000", campaign(camp_with("dailyLimit", json!(5000))), "dailyLimit"),
        ("a fractional daily limit", campaign(camp_with("dailyLimit", json!(2.5))), "dailyLimit"),
        (
            "201 messages",
            campaign(camp_with("messages", json!((0..201).map(|n| format!("m{n}")).collect::<Vec<_>>().join("\n")))),
            "messages",
        ),
        ("a message too long", campaign(camp_with("messages", json!("x".repeat(2_001)))), "messages"),
    ]
}

#[test]
fn every_bad_input_gets_its_field_message_and_changes_nothing() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Keep", "https://keep.example.com", &["error"]);
    ok(
        &fake,
        &e,
        json!({"type": "saveCampaign", "campaign": {"messages": "hi", "minIntervalSeconds": 30, "maxIntervalSeconds": 60, "dailyLimit": 10}}),
    );
    fake.run();
    let all = cases(&id);
    assert!(all.len() >= 60, "{} cases", all.len());
    let before = fake.keys().into_iter().map(|k| (fake.stored(&k), k)).collect::<Vec<_>>();
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    let campaign = ok(&fake, &e, json!({"type": "getCampaign"}));
    for (what, command, field) in all {
        let err = call(&fake, &e, command.clone()).expect_err(what);
        assert_eq!((err.code(), err.field()), ("invalid", Some(field)), "{what}: {}", err.message());
        assert!(
            !err.message().is_empty() && err.message().ends_with(['.', ')', '…', ':']),
            "{what}: {}",
            err.message()
        );
    }
    fake.run();
    assert_eq!(ok(&fake, &e, json!({"type": "listWebhooks"})), list, "memory unchanged");
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"})), campaign);
    let after = fake.keys().into_iter().map(|k| (fake.stored(&k), k)).collect::<Vec<_>>();
    assert_eq!(after, before, "storage unchanged");
}

#[test]
fn malformed_commands_are_refused_not_obeyed() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    for text in [
        "",
        "null",
        "[]",
        "{}",
        "{\"type\":5}",
        "{\"type\":\"addWebhook\"}",
        "{\"type\":\"emit\",\"event\":\"party\"}",
        "{\"type\":\"emit\",\"event\":\"milestone\",\"data\":{\"value\":\"x\"}}",
    ] {
        let reply: Value = serde_json::from_str(&fake.block_on(e.handle_json(text))).expect("a JSON reply");
        assert_eq!(reply["error"]["code"], "bad_command", "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_url_makes_the_checks_panic(url in ".{0,300}") {
        let _ = crate::rules::url_check::check_url(&url);
        let _ = crate::rules::url_check::web_origin(&url);
        let _ = crate::rules::url_check::url_parts(&url);
        let _ = crate::formats::detect::detect(&url);
    }

    #[test]
    fn no_headers_make_the_checks_panic(name in "\\PC{0,120}", value in "\\PC{0,60}", text in ".{0,200}") {
        let _ = crate::rules::headers::check_headers(&json!({ name: value }));
        let _ = crate::rules::headers::parse_headers_text(&text);
    }

    #[test]
    fn no_command_text_makes_the_parser_panic(text in ".{0,300}", kind in "[a-zA-Z]{0,20}") {
        let _ = crate::protocol::parse_command(&text);
        let _ = crate::protocol::parse_command(&format!("{{\"type\":\"{kind}\",\"x\":{text:?}}}"));
    }

    #[test]
    fn no_stored_document_makes_the_loader_panic(registry in ".{0,200}", campaign in ".{0,200}", delivery in ".{0,200}") {
        let fake = Fake::at(T0);
        fake.put(crate::store::REGISTRY_KEY, &registry);
        fake.put(crate::store::CAMPAIGN_KEY, &campaign);
        fake.put("autochat.delivery.msg_1", &delivery);
        fake.put("autochat.batch.wh_1", &delivery);
        let _ = fake.block_on(Engine::start(fake.clone(), "4.5.0", Policies::default()));
    }

    #[test]
    fn no_template_makes_the_check_panic(template in ".{0,200}") {
        let _ = crate::formats::template::check(&template);
    }
}
