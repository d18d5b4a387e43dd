//! The engine's rules, end to end through commands, with the fake platform.

use super::*;
use crate::ports::HttpOutcome;
use crate::testing::Fake;

const T0: u64 = 1_765_128_600_000; // 2025-12-07T17:30:00.000Z

fn start(fake: &Fake) -> Rc<Engine<Fake>> {
    let policy = RetryPolicy { jitter_permille: 0, ..RetryPolicy::default() };
    fake.block_on(Engine::start(fake.clone(), "4.5.0", policy)).expect("starts")
}

fn call(fake: &Fake, engine: &Rc<Engine<Fake>>, command: Value) -> Result<Value, Error> {
    let command: Command = serde_json::from_value(command).expect("a valid command");
    fake.block_on(engine.handle(command))
}

fn ok(fake: &Fake, engine: &Rc<Engine<Fake>>, command: Value) -> Value {
    call(fake, engine, command.clone()).unwrap_or_else(|e| panic!("{command} failed: {e}"))
}

fn add(fake: &Fake, engine: &Rc<Engine<Fake>>, name: &str, url: &str, events: &[&str]) -> String {
    let v = ok(fake, engine, json!({"type": "addWebhook", "webhook": {"name": name, "url": url, "events": events}}));
    v["webhook"]["id"].as_str().expect("an id").to_string()
}

fn emit_error(fake: &Fake, engine: &Rc<Engine<Fake>>, text: &str) -> Value {
    ok(fake, engine, json!({"type": "emit", "event": "error", "data": {"error": text}}))
}

fn webhook(fake: &Fake, engine: &Rc<Engine<Fake>>, id: &str) -> Value {
    ok(fake, engine, json!({"type": "getWebhook", "id": id}))
}

fn status(code: u16) -> HttpOutcome {
    HttpOutcome::Response { status: code, retry_after: None }
}

#[test]
fn add_list_update_and_delete_through_commands() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Slack", "https://hooks.slack.com/services/x", &["message_sent"]);
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!(list["webhooks"][0]["name"], "Slack");
    assert_eq!(list["webhooks"][0]["createdAt"], "2025-12-07T17:30:00.000Z");
    assert_eq!(
        (list["webhooksEnabled"].clone(), list["limit"].clone(), list["enabledCount"].clone()),
        (json!(true), json!(10), json!(1))
    );
    let updated = ok(
        &fake,
        &e,
        json!({"type": "updateWebhook", "id": id, "webhook": {"name": "Team", "url": "https://a.com", "method": "put", "events": ["error"]}}),
    );
    assert_eq!(
        (updated["webhook"]["name"].clone(), updated["webhook"]["method"].clone()),
        (json!("Team"), json!("PUT"))
    );
    ok(&fake, &e, json!({"type": "deleteWebhook", "id": id}));
    assert_eq!(ok(&fake, &e, json!({"type": "listWebhooks"}))["webhooks"], json!([]));
    assert_eq!(call(&fake, &e, json!({"type": "getWebhook", "id": id})).map_err(|e| e.code()), Err("not_found"));
}

#[test]
fn invalid_input_is_refused_and_changes_nothing() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Keep me", "https://a.com", &["error"]);
    let (writes, stored) = (fake.writes(), fake.stored(crate::store::REGISTRY_KEY));
    for bad in [
        json!({"name": "", "url": "https://a.com", "events": ["error"]}),
        json!({"name": "x", "url": "javascript:alert(1)", "events": ["error"]}),
        json!({"name": "x", "url": "https://a.com", "events": []}),
        json!({"name": "x", "url": "https://a.com", "events": ["error"], "headers": {"Host": "b"}}),
    ] {
        let err = call(&fake, &e, json!({"type": "addWebhook", "webhook": bad.clone()})).expect_err("invalid");
        assert_eq!(err.code(), "invalid", "{bad}");
        let err =
            call(&fake, &e, json!({"type": "updateWebhook", "id": id, "webhook": bad.clone()})).expect_err("invalid");
        assert_eq!(err.code(), "invalid", "{bad}");
    }
    assert_eq!((fake.writes(), fake.stored(crate::store::REGISTRY_KEY)), (writes, stored));
    assert_eq!(webhook(&fake, &e, &id)["name"], "Keep me");
}

#[test]
fn the_eleventh_webhook_is_refused() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    for n in 0..10 {
        add(&fake, &e, &format!("w{n}"), "https://a.com", &["error"]);
    }
    let err = call(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "x", "url": "https://a.com", "events": ["error"]}}),
    )
    .expect_err("full");
    assert_eq!(err.code(), "limit_reached");
    assert_eq!(ok(&fake, &e, json!({"type": "listWebhooks"}))["webhooks"].as_array().map(Vec::len), Some(10));
}

#[test]
fn events_reach_exactly_the_subscribed_enabled_webhooks() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com/all", &["message_sent", "error", "milestone"]);
    add(&fake, &e, "b", "https://b.com/errors", &["error"]);
    let c = add(&fake, &e, "c", "https://c.com/off", &["error"]);
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": c, "enabled": false}));
    emit_error(&fake, &e, "Failed to find send button");
    ok(&fake, &e, json!({"type": "emit", "event": "milestone", "data": {"milestone": "10_messages", "value": 10}}));
    ok(&fake, &e, json!({"type": "emit", "event": "campaign_started", "data": {}}));
    let urls: Vec<String> = fake
        .sent()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s.request.url,
                serde_json::from_str::<Value>(s.request.body.as_deref().unwrap_or("{}")).expect("json")["event"]
            )
        })
        .collect();
    assert_eq!(
        urls,
        ["https://a.com/all \"error\"", "https://b.com/errors \"error\"", "https://a.com/all \"milestone\""]
    );
}

#[test]
fn the_global_switch_stops_all_delivery() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    ok(&fake, &e, json!({"type": "setWebhooksEnabled", "enabled": false}));
    let emitted = emit_error(&fake, &e, "x");
    assert_eq!(emitted["deliveries"], json!([]));
    assert!(fake.sent().is_empty());
    ok(&fake, &e, json!({"type": "setWebhooksEnabled", "enabled": true}));
    emit_error(&fake, &e, "y");
    assert_eq!(fake.sent().len(), 1);
}

#[test]
fn the_request_carries_the_envelope_headers_and_a_delivery_id() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "api", "url": "https://api.example.com/ev", "events": ["message_sent"], "headers": {"Authorization": "Bearer t", "X-API-Key": "k"}}}),
    );
    ok(
        &fake,
        &e,
        json!({"type": "emit", "event": "message_sent", "data": {"message": "Hello! How are you?", "messagesSentToday": 42, "totalMessagesSent": 1337}}),
    );
    let sent = &fake.sent()[0];
    assert_eq!(sent.request.method.as_str(), "POST");
    assert_eq!(
        sent.request.body.as_deref(),
        Some(
            r#"{"event":"message_sent","timestamp":"2025-12-07T17:30:00.000Z","data":{"message":"Hello! How are you?","messagesSentToday":42,"totalMessagesSent":1337},"source":"AutoChat","version":"4.5.0"}"#
        )
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!((sent.header("Authorization"), sent.header("X-API-Key")), (Some("Bearer t"), Some("k")));
    assert!(sent.header("webhook-id").is_some_and(|id| id.starts_with("msg_")));
    assert_eq!(sent.header("webhook-timestamp"), Some("1765128600"));
    assert_eq!(sent.request.timeout_ms, 10_000);
}

#[test]
fn deliveries_are_stored_before_the_first_request() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    add(&fake, &e, "b", "https://b.com", &["error"]);
    emit_error(&fake, &e, "x");
    assert_eq!(fake.sent().len(), 2);
    assert!(fake.sent().iter().all(|s| s.stored_before_sending));
}

#[test]
fn two_failures_then_success_is_three_attempts_with_one_id_on_the_schedule() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "flaky", "https://flaky.com", &["error"]);
    fake.script("flaky", [status(503), HttpOutcome::NetworkError("connection refused".into())]);
    emit_error(&fake, &e, "x");
    assert_eq!(fake.sent().len(), 1);
    assert_eq!(fake.alarm(), Some(Millis(T0 + 1_000)), "first retry after 1 s");
    fake.advance(999);
    e.wake();
    fake.run();
    assert_eq!(fake.sent().len(), 1, "not before it is due");
    fake.advance(1);
    e.wake();
    fake.run();
    assert_eq!(fake.sent().len(), 2);
    assert_eq!(fake.alarm(), Some(Millis(T0 + 3_000)), "second retry 2 s after the second attempt");
    fake.advance(2_000);
    e.wake();
    fake.run();
    let sent = fake.sent();
    assert_eq!(sent.iter().map(|s| s.at.0 - T0).collect::<Vec<_>>(), [0, 1_000, 3_000]);
    let ids: BTreeSet<_> = sent.iter().map(|s| s.header("webhook-id").map(str::to_string)).collect();
    assert_eq!(ids.len(), 1, "one delivery id across retries");
    let w = webhook(&fake, &e, &id);
    assert_eq!((w["triggerCount"].clone(), w["failureCount"].clone()), (json!(1), json!(0)));
    assert_eq!(w["lastTriggered"], "2025-12-07T17:30:03.000Z");
    assert_eq!(w["pendingDeliveries"], 0);
    assert_eq!(fake.alarm(), None, "nothing left to wake for");
}

#[test]
fn exhausted_retries_count_one_failure() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "down", "https://down.com", &["error"]);
    fake.script("down", [status(500), status(500), status(500), status(500)]);
    emit_error(&fake, &e, "x");
    for wait in [1_000, 2_000, 4_000] {
        fake.advance(wait);
        e.wake();
        fake.run();
    }
    assert_eq!(fake.sent().len(), 3);
    let w = webhook(&fake, &e, &id);
    assert_eq!(
        (w["triggerCount"].clone(), w["failureCount"].clone(), w["successRate"].clone()),
        (json!(0), json!(1), json!(0.0))
    );
    assert_eq!(ok(&fake, &e, json!({"type": "getStatus"}))["pendingDeliveries"], 0);
}

#[test]
fn a_client_error_is_not_retried() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "gone", "https://nf.com", &["error"]);
    fake.script("nf", [status(404)]);
    emit_error(&fake, &e, "x");
    fake.advance(60_000);
    e.wake();
    fake.run();
    assert_eq!(fake.sent().len(), 1);
    assert_eq!(webhook(&fake, &e, &id)["failureCount"], 1);
}

#[test]
fn timeouts_are_retried() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "slow", "https://slow.com", &["error"]);
    fake.script("slow", [HttpOutcome::TimedOut]);
    emit_error(&fake, &e, "x");
    assert_eq!(fake.alarm(), Some(Millis(T0 + 11_000)), "retry 1 s after the 10 s timeout");
    fake.advance(1_000);
    e.wake();
    fake.run();
    assert_eq!(webhook(&fake, &e, &id)["triggerCount"], 1);
}

#[test]
fn retry_after_is_honoured() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "busy", "https://busy.com", &["error"]);
    fake.script("busy", [HttpOutcome::Response { status: 503, retry_after: Some("2".into()) }]);
    emit_error(&fake, &e, "x");
    assert_eq!(fake.alarm(), Some(Millis(T0 + 2_000)));
}

#[test]
fn webhooks_are_delivered_concurrently_and_their_stats_never_clash() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let ids: Vec<String> =
        (0..5).map(|n| add(&fake, &e, &format!("w{n}"), &format!("https://w{n}.com"), &["error"])).collect();
    emit_error(&fake, &e, "x");
    assert_eq!(fake.max_in_flight(), 5);
    for id in &ids {
        assert_eq!(webhook(&fake, &e, id)["triggerCount"], 1);
    }
}

#[test]
fn one_webhook_receives_first_attempts_in_emission_order() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    for n in 0..5 {
        emit_error(&fake, &e, &format!("e{n}"));
    }
    assert_eq!(fake.max_in_flight(), 1, "one request at a time per webhook");
    let order: Vec<String> = fake
        .sent()
        .iter()
        .map(|s| {
            serde_json::from_str::<Value>(s.request.body.as_deref().unwrap_or("")).expect("json")["data"]["error"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(order, ["e0", "e1", "e2", "e3", "e4"]);
}

#[test]
fn a_restarted_engine_resumes_pending_deliveries_with_the_same_id() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(502)]);
    emit_error(&fake, &first, "x");
    let delivery = fake.sent()[0].header("webhook-id").map(str::to_string);
    drop(first); // the worker is stopped: memory is gone, storage stays
    fake.advance(5_000);
    let second = start(&fake);
    fake.run();
    let sent = fake.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].header("webhook-id").map(str::to_string), delivery);
    let w = webhook(&fake, &second, &id);
    assert_eq!((w["name"].clone(), w["triggerCount"].clone()), (json!("a"), json!(1)));
}

#[test]
fn disabled_webhooks_keep_their_pending_deliveries_until_enabled() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(500)]);
    emit_error(&fake, &e, "x");
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": id, "enabled": false}));
    assert_eq!(fake.alarm(), None, "nothing may be sent, so nothing to wake for");
    fake.advance(10_000);
    e.wake();
    fake.run();
    assert_eq!(fake.sent().len(), 1);
    assert_eq!(webhook(&fake, &e, &id)["pendingDeliveries"], 1);
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": id, "enabled": true}));
    assert_eq!(fake.sent().len(), 2);
    assert_eq!(webhook(&fake, &e, &id)["triggerCount"], 1);
}

#[test]
fn deleting_a_webhook_drops_its_pending_deliveries() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(500)]);
    emit_error(&fake, &e, "x");
    let deleted = ok(&fake, &e, json!({"type": "deleteWebhook", "id": id}));
    assert_eq!(deleted["droppedDeliveries"], 1);
    assert_eq!(ok(&fake, &e, json!({"type": "getStatus"}))["pendingDeliveries"], 0);
}

#[test]
fn the_test_command_reports_the_outcome_without_touching_stats() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": id, "enabled": false}));
    let result = ok(&fake, &e, json!({"type": "testWebhook", "id": id}));
    assert_eq!(
        (result["ok"].clone(), result["status"].clone(), result["error"].clone()),
        (json!(true), json!(200), Value::Null)
    );
    let body: Value = serde_json::from_str(fake.sent()[0].request.body.as_deref().unwrap_or("")).expect("json");
    assert_eq!((body["event"].clone(), body["data"]["webhook"].clone()), (json!("test"), json!("a")));
    fake.script("a.com", [HttpOutcome::TimedOut]);
    let result = ok(&fake, &e, json!({"type": "testWebhook", "id": id}));
    assert_eq!(
        (result["ok"].clone(), result["status"].clone(), result["durationMs"].clone()),
        (json!(false), Value::Null, json!(10_000))
    );
    assert_eq!(result["error"], "No response within 10 s (timed out).");
    fake.script("a.com", [status(404)]);
    assert_eq!(ok(&fake, &e, json!({"type": "testWebhook", "id": id}))["error"], "HTTP 404 Not Found: check the URL");
    let w = webhook(&fake, &e, &id);
    assert_eq!((w["triggerCount"].clone(), w["failureCount"].clone()), (json!(0), json!(0)));
}

#[test]
fn clear_stats_resets_one_or_all() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let a = add(&fake, &e, "a", "https://a.com", &["error"]);
    let b = add(&fake, &e, "b", "https://b.com", &["error"]);
    emit_error(&fake, &e, "x");
    ok(&fake, &e, json!({"type": "clearStats", "id": a}));
    assert_eq!(
        (webhook(&fake, &e, &a)["triggerCount"].clone(), webhook(&fake, &e, &b)["triggerCount"].clone()),
        (json!(0), json!(1))
    );
    ok(&fake, &e, json!({"type": "clearStats"}));
    assert_eq!(webhook(&fake, &e, &b)["lastTriggered"], Value::Null);
}

#[test]
fn state_survives_a_restart() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    emit_error(&fake, &first, "x");
    ok(&fake, &first, json!({"type": "setWebhooksEnabled", "enabled": false}));
    let before = ok(&fake, &first, json!({"type": "listWebhooks"}));
    drop(first);
    let second = start(&fake);
    assert_eq!(ok(&fake, &second, json!({"type": "listWebhooks"})), before);
    assert_eq!(webhook(&fake, &second, &id)["triggerCount"], 1);
}

#[test]
fn a_failed_write_is_reported() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    fake.fail_writes(true);
    let err = call(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "a", "url": "https://a.com", "events": ["error"]}}),
    )
    .expect_err("storage");
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("quota"));
}

#[test]
fn data_from_a_newer_release_is_left_alone() {
    let fake = Fake::at(T0);
    let newer = r#"{"schemaVersion":7,"webhooks":[]}"#;
    fake.put(crate::store::REGISTRY_KEY, newer);
    let err = fake.block_on(Engine::start(fake.clone(), "4.5.0", RetryPolicy::default())).err().expect("refused");
    assert_eq!(err.code(), "newer_schema");
    assert_eq!(fake.stored(crate::store::REGISTRY_KEY).as_deref(), Some(newer));
}

#[test]
fn unreadable_data_is_backed_up_not_lost() {
    let fake = Fake::at(T0);
    fake.put(crate::store::REGISTRY_KEY, "{garbage");
    let e = start(&fake);
    assert_eq!(fake.stored(&format!("autochat.registry.unreadable.{T0}")).as_deref(), Some("{garbage"));
    assert_eq!(ok(&fake, &e, json!({"type": "listWebhooks"}))["webhooks"], json!([]));
}

#[test]
fn json_commands_get_json_replies() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let reply = fake.block_on(e.handle_json(r#"{"type":"listWebhooks"}"#));
    assert!(reply.starts_with(r#"{"value":{"#));
    let reply: Value = serde_json::from_str(&fake.block_on(e.handle_json(r#"{"type":"nope"}"#))).expect("json");
    assert_eq!(reply["error"]["code"], "bad_command");
    let reply: Value = serde_json::from_str(
        &fake.block_on(e.handle_json(r#"{"type":"emit","event":"daily_limit_reached","data":{"limit":"many"}}"#)),
    )
    .expect("json");
    assert_eq!(reply["error"]["code"], "bad_command");
    let reply: Value = serde_json::from_str(
        &fake.block_on(e.handle_json(r#"{"type":"addWebhook","webhook":{"name":"","url":"x","events":[]}}"#)),
    )
    .expect("json");
    assert_eq!((reply["error"]["code"].clone(), reply["error"]["field"].clone()), (json!("invalid"), json!("name")));
    assert_eq!(reply["error"]["fields"].as_array().map(Vec::len), Some(3));
}

#[test]
fn plain_http_is_saved_with_a_warning() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "a", "url": "http://example.com/x", "events": ["error"]}}),
    );
    assert_eq!(v["warnings"][0]["field"], "url");
}
