//! The engine's rules, end to end through commands, with the fake platform.

use super::*;
use crate::testing::Fake;
use crate::values::http::HttpOutcome;
use crate::values::ids::DeliveryId;

const T0: u64 = 1_765_128_600_000; // 2025-12-07T17:30:00.000Z

fn start(fake: &Fake) -> Rc<Engine<Fake>> {
    start_with(fake, crate::campaign::config::CampaignPolicy::default())
}

fn start_with(fake: &Fake, campaign: crate::campaign::config::CampaignPolicy) -> Rc<Engine<Fake>> {
    let retry = RetryPolicy { jitter_permille: 0, ..RetryPolicy::default() };
    fake.block_on(Engine::start(fake.clone(), "4.5.0", Policies { retry, campaign })).expect("starts")
}

fn call(fake: &Fake, engine: &Rc<Engine<Fake>>, command: Value) -> Result<Value, Error> {
    let command = crate::protocol::command_from_value(command).expect("a valid command");
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
    HttpOutcome::Response { status: code, retry_after: None, body: String::new() }
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
    // The two deliveries of the first event go out concurrently, in no particular order.
    let mut urls = urls;
    urls[..2].sort();
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
    let before = fake.sent().len();
    run_alarms(&fake, &e, 3); // a leftover alarm may still fire: it finds nothing to do
    assert_eq!(fake.sent().len(), before, "nothing left to send");
}

#[test]
fn a_quick_only_webhook_fails_after_three_attempts_counting_one_failure() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "down", "url": "https://down.com", "events": ["error"], "retryMode": "quick"}}),
    );
    let id = v["webhook"]["id"].as_str().expect("an id").to_string();
    assert_eq!(v["webhook"]["retryMode"], "quick");
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
    fake.script("busy", [HttpOutcome::Response { status: 503, retry_after: Some("2".into()), body: String::new() }]);
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
    drop(first);
    fake.stop_worker(); // the worker is stopped: memory is gone, storage stays
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
    // The alarm left from before may still fire: it finds nothing that may be sent.
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
    fake.advance(super::persist::OUTCOME_WRITE_DELAY_MS); // the delivery's outcome is written
    fake.run();
    let before = ok(&fake, &first, json!({"type": "listWebhooks"}));
    drop(first);
    fake.stop_worker();
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
    let err = fake.block_on(Engine::start(fake.clone(), "4.5.0", Policies::default())).err().expect("refused");
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

fn add_quick(fake: &Fake, engine: &Rc<Engine<Fake>>, name: &str, url: &str) -> String {
    let v = ok(
        fake,
        engine,
        json!({"type": "addWebhook", "webhook": {"name": name, "url": url, "events": ["error"], "retryMode": "quick"}}),
    );
    v["webhook"]["id"].as_str().expect("an id").to_string()
}

/// Wakes the engine at each due time until nothing is left to wake for (at most `limit` times).
fn run_alarms(fake: &Fake, engine: &Rc<Engine<Fake>>, limit: usize) -> Vec<u64> {
    let mut woke = Vec::new();
    for _ in 0..limit {
        let Some(at) = fake.alarm() else { break };
        let now = fake.now_ms();
        if at.0 > now {
            fake.advance(at.0 - now);
        }
        woke.push(at.0 - T0);
        engine.wake();
        fake.run();
    }
    woke
}

#[test]
fn a_persistent_webhook_keeps_trying_on_the_long_schedule_then_counts_one_failure() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "down for a day", "https://down.com", &["error"]);
    fake.script("down", std::iter::repeat_n(status(503), 20));
    emit_error(&fake, &e, "x");
    run_alarms(&fake, &e, 40);
    let sent = fake.sent_to("down");
    assert_eq!(sent.len(), 13);
    let offsets: Vec<u64> = sent.iter().map(|s| (s.at.0 - T0) / 1000).collect();
    assert_eq!(offsets, [0, 1, 3, 63, 363, 1_263, 3_063, 6_663, 13_863, 28_263, 57_063, 85_863, 114_663]);
    let w = webhook(&fake, &e, &id);
    assert_eq!((w["failureCount"].clone(), w["pendingDeliveries"].clone()), (json!(1), json!(0)));
    assert_eq!(w["consecutiveFailures"], 1);
}

#[test]
fn a_waiting_delivery_shows_when_it_is_next_tried_and_why() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "down", "https://down.com", &["error"]);
    fake.script("down", [status(503)]);
    emit_error(&fake, &e, "x");
    let w = webhook(&fake, &e, &id);
    assert_eq!(w["nextAttemptAt"], "2025-12-07T17:30:01.000Z");
    assert_eq!(w["lastError"], "HTTP 503 Service Unavailable");
    assert_eq!(w["pendingDeliveries"], 1);
}

#[test]
fn gone_disables_the_webhook_keeping_its_other_deliveries() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "gone", "https://gone.com", &["error"]);
    fake.script("gone", [status(503), status(410)]);
    emit_error(&fake, &e, "first");
    emit_error(&fake, &e, "second"); // queued behind the first, which waits for its retry
    run_alarms(&fake, &e, 1);
    let w = webhook(&fake, &e, &id);
    assert_eq!(w["enabled"], false);
    assert!(w["disabledReason"].as_str().is_some_and(|r| r.contains("410 Gone")));
    assert_eq!((w["failureCount"].clone(), w["pendingDeliveries"].clone()), (json!(1), json!(1)));
    assert_eq!(fake.sent().len(), 2, "nothing more goes to a disabled webhook");
    emit_error(&fake, &e, "while off");
    assert_eq!(webhook(&fake, &e, &id)["pendingDeliveries"], 1, "events while it is off are not queued for it");
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": id, "enabled": true}));
    let w = webhook(&fake, &e, &id);
    assert_eq!((w["disabledReason"].clone(), w["pendingDeliveries"].clone()), (Value::Null, json!(0)));
    assert_eq!(fake.sent().len(), 3, "re-enabling sends what waited");
}

#[test]
fn five_exhausted_deliveries_in_a_row_disable_the_webhook() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add_quick(&fake, &e, "flapping", "https://flap.com");
    fake.script("flap", std::iter::repeat_n(status(500), 100));
    for n in 0..6 {
        emit_error(&fake, &e, &format!("e{n}"));
    }
    run_alarms(&fake, &e, 40);
    let w = webhook(&fake, &e, &id);
    assert_eq!(w["enabled"], false);
    assert_eq!(w["failureCount"], 5);
    assert!(w["disabledReason"].as_str().is_some_and(|r| r.contains("5 deliveries in a row")));
    assert_eq!(w["pendingDeliveries"], 1, "the sixth waits for the user");
    let discarded = ok(&fake, &e, json!({"type": "discardDeliveries", "webhookId": id}));
    assert_eq!(discarded["discarded"], 1);
    let history = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    assert_eq!(history["entries"][0]["outcome"], "discarded");
}

#[test]
fn history_records_each_attempt_with_status_duration_and_response() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [HttpOutcome::Response { status: 500, retry_after: None, body: "x".repeat(5_000) }]);
    emit_error(&fake, &e, "x");
    run_alarms(&fake, &e, 5);
    let h = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    let entries = h["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0]["outcome"].clone(), entries[0]["attempt"].clone(), entries[0]["status"].clone()),
        (json!("delivered"), json!(2), json!(200))
    );
    assert_eq!(
        (entries[1]["outcome"].clone(), entries[1]["attempt"].clone(), entries[1]["status"].clone()),
        (json!("retrying"), json!(1), json!(500))
    );
    assert_eq!(entries[1]["error"], "HTTP 500 Internal Server Error");
    assert_eq!(entries[1]["response"].as_str().map(str::len), Some(1024));
    assert_eq!(entries[0]["response"], "{\"ok\":true}");
    assert_eq!(entries[0]["deliveryId"], entries[1]["deliveryId"]);
    assert_eq!(entries[1]["at"], "2025-12-07T17:30:00.000Z");
    assert!(entries[0]["body"].as_str().is_some_and(|b| b.contains("\"event\":\"error\"")));
}

#[test]
fn history_keeps_the_last_fifty_attempts_per_webhook() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    for n in 0..60 {
        emit_error(&fake, &e, &format!("e{n}"));
    }
    let h = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    assert_eq!(h["entries"].as_array().map(Vec::len), Some(50));
    fake.advance(super::persist::OUTCOME_WRITE_DELAY_MS); // outcomes are written together, shortly after
    fake.run();
    assert!(fake
        .stored(&crate::store::history_key(&WebhookId(id.clone())))
        .is_some_and(|t| t.contains("e59") && !t.contains("\\\"e9\\\"")));
}

#[test]
fn redeliver_sends_the_same_payload_and_id_again() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    emit_error(&fake, &e, "x");
    let first = fake.sent()[0].clone();
    let delivery = first.header("webhook-id").expect("an id").to_string();
    let r = ok(&fake, &e, json!({"type": "redeliver", "webhookId": id, "deliveryId": delivery}));
    assert_eq!(r["queued"], true);
    let again = fake.sent()[1].clone();
    assert_eq!(again.header("webhook-id"), Some(delivery.as_str()));
    assert_eq!(again.request.body, first.request.body);
    assert_eq!(webhook(&fake, &e, &id)["triggerCount"], 2);
    let err =
        call(&fake, &e, json!({"type": "redeliver", "webhookId": id, "deliveryId": "msg_000000000000000000000000"}))
            .expect_err("unknown");
    assert_eq!(err.code(), "refused");
}

#[test]
fn a_delivery_still_waiting_cannot_be_redelivered() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(500)]);
    emit_error(&fake, &e, "x");
    let delivery = fake.sent()[0].header("webhook-id").expect("an id").to_string();
    let err =
        call(&fake, &e, json!({"type": "redeliver", "webhookId": id, "deliveryId": delivery})).expect_err("waiting");
    assert!(err.to_string().contains("still waiting"));
}

#[test]
fn offline_uses_no_attempts_and_delivers_when_back_online() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add_quick(&fake, &e, "a", "https://a.com");
    fake.set_offline(true);
    emit_error(&fake, &e, "x");
    assert!(fake.sent().is_empty(), "nothing is tried while the browser says it is offline");
    assert_eq!(fake.alarm(), Some(Millis(T0 + 60_000)), "a recheck in case the online event is missed");
    for _ in 0..5 {
        fake.advance(60_000);
        e.wake();
        fake.run();
    }
    assert!(fake.sent().is_empty());
    fake.set_offline(false);
    e.wake(); // the worker's `online` event
    fake.run();
    assert_eq!(fake.sent().len(), 1);
    let w = webhook(&fake, &e, &id);
    assert_eq!((w["triggerCount"].clone(), w["failureCount"].clone()), (json!(1), json!(0)));
}

#[test]
fn a_request_that_fails_because_the_network_dropped_is_not_counted() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add_quick(&fake, &e, "a", "https://a.com");
    fake.script("a.com", [status(500), status(500)]);
    emit_error(&fake, &e, "x");
    fake.advance(1_000);
    fake.set_offline(true);
    // The network drops just as the retry is made: the fetch fails and `online()` says false.
    fake.set_offline(false);
    e.wake();
    fake.run();
    assert_eq!(fake.sent().len(), 2, "a second real attempt");
    fake.set_offline(true);
    fake.advance(2_000);
    e.wake();
    fake.run();
    fake.set_offline(false);
    e.wake();
    fake.run();
    assert_eq!(webhook(&fake, &e, &id)["triggerCount"], 1, "the third attempt was not burnt offline");
}

#[test]
fn after_a_browser_restart_waiting_deliveries_go_out_at_once_keeping_their_counts() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(503), status(503), status(503)]);
    emit_error(&fake, &first, "x");
    run_alarms(&fake, &first, 2);
    assert_eq!(fake.sent().len(), 3);
    assert_eq!(webhook(&fake, &first, &id)["nextAttemptAt"], "2025-12-07T17:31:03.000Z", "waiting a minute");
    fake.advance(super::persist::OUTCOME_WRITE_DELAY_MS); // let the last outcome be written
    fake.run();
    drop(first);
    fake.stop_worker();
    fake.advance(5_000);
    let second = start(&fake);
    fake.run();
    assert_eq!(fake.sent().len(), 3, "a worker start alone keeps the schedule");
    drop(second);
    fake.stop_worker();
    fake.restart_browser();
    let second = start(&fake);
    fake.run();
    assert_eq!(fake.sent().len(), 4, "the first start after a browser restart sends at once");
    let h = ok(&fake, &second, json!({"type": "getHistory", "webhookId": id}));
    assert_eq!(h["entries"][0]["attempt"], 4, "the attempt count carried over");
}

#[test]
fn a_full_outbox_drops_new_deliveries_and_counts_them() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    for n in 0..crate::delivery::outbox::MAX_PENDING_DELIVERIES {
        let d = crate::delivery::outbox::Delivery {
            id: DeliveryId(format!("msg_{n:024}")),
            webhook_id: WebhookId("wh_gone".into()),
            event: "error".into(),
            body: "{}".into(),
            created_at: Millis(T0),
            attempts: 0,
            next_attempt_at: Millis(T0),
            last_error: None,
            seq: n as u64,
        };
        fake.put(&crate::store::delivery_key(&d.id), &serde_json::to_string(&d).expect("json"));
    }
    let e = start(&fake);
    let r = emit_error(&fake, &e, "x");
    assert_eq!(
        (r["deliveries"].as_array().map(Vec::len), r["droppedWhenFull"].as_array().map(Vec::len)),
        (Some(0), Some(1))
    );
    assert_eq!(ok(&fake, &e, json!({"type": "listWebhooks"}))["droppedWhenFull"], 1);
}

#[test]
fn an_outcome_not_yet_written_when_the_worker_stops_means_the_delivery_is_sent_again_with_its_id() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    add(&fake, &first, "a", "https://a.com", &["error"]);
    emit_error(&fake, &first, "x");
    drop(first);
    fake.stop_worker(); // inside the outcome's write delay
    start(&fake);
    fake.run();
    let sent = fake.sent();
    assert_eq!(sent.len(), 2, "at least once");
    assert_eq!(sent[0].header("webhook-id"), sent[1].header("webhook-id"), "receivers can drop the duplicate");
}

#[test]
fn a_burst_of_outcomes_is_stored_in_a_few_writes() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    for n in 0..10 {
        add(&fake, &e, &format!("w{n}"), &format!("https://w{n}.com"), &["error"]);
    }
    let before = fake.writes();
    emit_error(&fake, &e, "x");
    fake.advance(super::persist::OUTCOME_WRITE_DELAY_MS);
    fake.run();
    let writes = fake.writes() - before;
    assert_eq!(writes, 2, "10 deliveries, then their 10 outcomes together");
    assert_eq!(ok(&fake, &e, json!({"type": "listWebhooks"}))["successRate"], 100.0);
    let e2 = start(&fake);
    assert_eq!(
        ok(&fake, &e2, json!({"type": "listWebhooks"}))["webhooks"][9]["triggerCount"],
        1,
        "and all of it is stored"
    );
}

#[test]
fn deleting_a_webhook_removes_its_history_from_storage() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    emit_error(&fake, &e, "x");
    let key = crate::store::history_key(&WebhookId(id.clone()));
    assert!(fake.stored(&key).is_some());
    ok(&fake, &e, json!({"type": "deleteWebhook", "id": id}));
    assert_eq!(fake.stored(&key), None);
}

fn events_received(fake: &Fake, url_part: &str) -> Vec<String> {
    fake.sent_to(url_part)
        .iter()
        .map(|s| {
            serde_json::from_str::<Value>(s.request.body.as_deref().unwrap_or("{}")).expect("json")["event"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn setup_campaign(fake: &Fake, e: &Rc<Engine<Fake>>, limit: u32) {
    add(
        fake,
        e,
        "all",
        "https://hooks.example.com/all",
        &[
            "message_sent",
            "campaign_started",
            "campaign_stopped",
            "campaign_paused",
            "campaign_resumed",
            "daily_limit_reached",
            "error",
            "milestone",
        ],
    );
    ok(
        fake,
        e,
        json!({"type": "saveCampaign", "campaign": {"messages": "Hello!\nHow are you?", "order": "sequential", "minIntervalSeconds": 30, "maxIntervalSeconds": 30, "dailyLimit": limit}}),
    );
}

fn start_in_tab(fake: &Fake, e: &Rc<Engine<Fake>>) -> Value {
    ok(fake, e, json!({"type": "startCampaign", "tabId": 7, "url": "https://chat.example.com/room", "title": "Chat"}))
}

#[test]
fn a_campaign_sends_on_schedule_and_reports_every_step_in_order() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 3);
    start_in_tab(&fake, &e);
    assert_eq!(fake.chat(), [(7, "Hello!".to_string())], "the first message goes at once");
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"}))["nextSendAt"], "2025-12-07T17:30:30.000Z");
    run_alarms(&fake, &e, 10);
    assert_eq!(fake.chat().iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(), ["Hello!", "How are you?", "Hello!"]);
    assert_eq!(
        events_received(&fake, "hooks.example.com"),
        ["campaign_started", "message_sent", "message_sent", "message_sent", "daily_limit_reached", "campaign_stopped"]
    );
    let counts: Vec<Value> = fake
        .sent_to("hooks")
        .iter()
        .filter_map(|s| {
            let v: Value = serde_json::from_str(s.request.body.as_deref()?).ok()?;
            (v["event"] == "message_sent").then(|| v["data"]["messagesSentToday"].clone())
        })
        .collect();
    assert_eq!(counts, [json!(1), json!(2), json!(3)]);
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!(
        (c["status"].clone(), c["limitReachedToday"].clone(), c["messagesSentToday"].clone()),
        (json!("stopped"), json!(true), json!(3))
    );
    let refused = call(&fake, &e, json!({"type": "startCampaign", "tabId": 7, "url": "https://chat.example.com/room"}))
        .expect_err("limit");
    assert_eq!(refused.code(), "refused");
}

#[test]
fn the_campaign_continues_after_the_worker_restarts_between_messages() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    setup_campaign(&fake, &first, 10);
    start_in_tab(&fake, &first);
    drop(first);
    fake.stop_worker();
    fake.advance(30_000);
    let second = start(&fake); // the alarm started a new worker
    fake.run();
    assert_eq!(fake.chat().len(), 2);
    assert_eq!(ok(&fake, &second, json!({"type": "getCampaign"}))["totalMessagesSent"], 2);
}

#[test]
fn a_failed_send_emits_error_and_pauses_until_resumed() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    fake.script_chat([Err("Failed to find send button".to_string())]);
    start_in_tab(&fake, &e);
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!((c["status"].clone(), c["reason"].clone()), (json!("paused"), json!("Failed to find send button")));
    assert_eq!(events_received(&fake, "hooks"), ["campaign_started", "error", "campaign_paused"]);
    let error =
        serde_json::from_str::<Value>(fake.sent_to("hooks")[1].request.body.as_deref().unwrap_or("")).expect("json");
    assert_eq!(error["data"]["error"], "Failed to find send button");
    run_alarms(&fake, &e, 3);
    assert!(fake.chat().is_empty(), "a paused campaign does not spin");
    ok(&fake, &e, json!({"type": "resumeCampaign"}));
    assert_eq!(fake.chat().len(), 1);
    assert_eq!(events_received(&fake, "hooks")[3..], ["campaign_resumed", "message_sent"]);
}

#[test]
fn closing_the_tab_or_restarting_the_browser_stops_the_campaign() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    start_in_tab(&fake, &e);
    ok(&fake, &e, json!({"type": "tabClosed", "tabId": 8}));
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"}))["status"], "running");
    ok(&fake, &e, json!({"type": "tabClosed", "tabId": 7}));
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"}))["reason"], "The chat tab was closed.");
    start_in_tab(&fake, &e);
    drop(e);
    fake.stop_worker();
    fake.restart_browser();
    let again = start(&fake);
    fake.run();
    let c = ok(&fake, &again, json!({"type": "getCampaign"}));
    assert_eq!(c["status"], "stopped");
    assert_eq!(events_received(&fake, "hooks").last().map(String::as_str), Some("campaign_stopped"));
}

#[test]
fn campaign_settings_are_validated_and_only_the_test_policy_allows_fast_intervals() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let fast = json!({"type": "saveCampaign", "campaign": {"messages": "a", "minIntervalSeconds": 0.2, "maxIntervalSeconds": 0.4, "dailyLimit": 3}});
    let err = call(&fake, &e, fast.clone()).expect_err("too fast");
    assert_eq!(err.to_body().field.as_deref(), Some("minInterval"));
    let fake = Fake::at(T0);
    let e = start_with(&fake, crate::campaign::config::CampaignPolicy::fast_for_tests());
    let c = ok(&fake, &e, fast);
    assert_eq!(c["config"]["minIntervalSeconds"], 0.2);
    let refused = call(&fake, &e, json!({"type": "startCampaign", "tabId": 1, "url": "chrome://newtab"}))
        .expect_err("not a web page");
    assert_eq!(refused.code(), "refused");
}

#[test]
fn picks_are_remembered_per_site() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    ok(&fake, &e, json!({"type": "savePicks", "origin": "https://chat.example.com", "input": "#composer"}));
    let c = ok(&fake, &e, json!({"type": "savePicks", "origin": "https://chat.example.com", "button": "button.send"}));
    assert_eq!(c["sites"]["https://chat.example.com"], json!({"input": "#composer", "button": "button.send"}));
    let c = ok(&fake, &e, json!({"type": "clearPicks", "origin": "https://chat.example.com"}));
    assert_eq!(c["sites"], json!({}));
}

#[test]
fn each_waiting_delivery_is_stored_under_its_own_key_and_removed_when_done() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(503)]);
    emit_error(&fake, &e, "x");
    let keys = |f: &Fake| f.keys().into_iter().filter(|k| k.starts_with(crate::store::DELIVERY_KEY_PREFIX)).count();
    assert_eq!(keys(&fake), 1);
    let outbox_doc = fake.stored(crate::store::OUTBOX_KEY).expect("stored");
    assert!(!outbox_doc.contains("deliveries"), "the outbox document holds counters only: {outbox_doc}");
    run_alarms(&fake, &e, 3);
    fake.advance(super::persist::OUTCOME_WRITE_DELAY_MS);
    fake.run();
    assert_eq!(keys(&fake), 0, "delivered: its key is gone");
}

#[test]
fn an_outbox_stored_inline_by_the_first_release_is_moved_to_keys() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    drop(e);
    fake.stop_worker();
    let inline = format!(
        r#"{{"schemaVersion":1,"deliveries":[{{"id":"msg_aaaaaaaaaaaaaaaaaaaaaaaa","webhookId":"{id}","event":"error","body":"{{}}","createdAt":{T0},"attempts":1,"nextAttemptAt":{T0},"lastError":null}}],"droppedWhenFull":2}}"#
    );
    fake.put(crate::store::OUTBOX_KEY, &inline);
    fake.script("a.com", [status(503)]);
    let e = start(&fake);
    assert!(fake.stored("autochat.delivery.msg_aaaaaaaaaaaaaaaaaaaaaaaa").is_some());
    assert!(!fake.stored(crate::store::OUTBOX_KEY).expect("stored").contains("deliveries"));
    assert_eq!(fake.sent()[0].header("webhook-id"), Some("msg_aaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_eq!(ok(&fake, &e, json!({"type": "listWebhooks"}))["droppedWhenFull"], 2);
}

#[test]
fn an_unreadable_delivery_is_kept_aside_not_lost() {
    let fake = Fake::at(T0);
    fake.put("autochat.delivery.msg_broken", "{oops");
    start(&fake);
    assert_eq!(fake.stored("autochat.delivery.msg_broken"), None);
    assert_eq!(
        fake.stored(&format!("autochat.unreadable.autochat.delivery.msg_broken.{T0}")).as_deref(),
        Some("{oops")
    );
}
