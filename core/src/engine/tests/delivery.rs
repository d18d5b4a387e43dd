//! From an event to requests: routing, the request, retries and their schedule, ordering, concurrency, what disables a webhook, offline, a full outbox.

use super::*;

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
    assert_eq!(sent.request.timeout, std::time::Duration::from_secs(10));
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
    assert_eq!(w["delivery"]["state"], "waiting");
    assert_eq!(w["delivery"]["nextAttemptAt"], "2025-12-07T17:30:01.000Z");
    assert_eq!(w["delivery"]["lastError"], "HTTP 503 Service Unavailable");
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
    fake.script("a.com", [status(500), status(500), status(500)]); // the dropped request takes one
    emit_error(&fake, &e, "x");
    fake.advance(1_000);
    fake.drop_network_during_next_request();
    e.wake();
    fake.run();
    assert_eq!(fake.sent().len(), 2, "the retry was made, and the network dropped under it");
    let w = webhook(&fake, &e, &id);
    assert_eq!(w["delivery"]["lastError"], "Offline: waiting for the network to come back (no attempt was used).");
    fake.set_offline(false);
    for _ in 0..3 {
        fake.advance(2_000);
        e.wake();
        fake.run();
    }
    // Quick mode has 3 attempts: 500, (dropped: not counted), 500, then 200. Had the dropped
    // request counted, the third attempt would have been the 500 and the delivery would have failed.
    let times: Vec<u64> = fake.sent().iter().map(|s| s.at.0 - T0).collect();
    assert_eq!(times.len(), 4, "{times:?}");
    let w = webhook(&fake, &e, &id);
    assert_eq!((w["triggerCount"].clone(), w["failureCount"].clone()), (json!(1), json!(0)));
}

#[test]
fn a_full_outbox_drops_new_deliveries_and_counts_them() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    // A switched-off webhook holds the outbox full.
    let holder = add(&fake, &e, "holder", "https://down.example.com", &["milestone"]);
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": holder, "enabled": false}));
    for n in 0..crate::delivery::outbox::MAX_PENDING_DELIVERIES {
        // As the first releases stored them: the body inside the delivery's document.
        let id = format!("msg_{n:024}");
        let doc = json!({"id": id, "webhookId": holder, "event": "error", "body": "{}", "createdAt": T0,
            "attempts": 0, "nextAttemptAt": T0, "lastError": null, "seq": n});
        fake.put(&format!("autochat.delivery.{id}"), &doc.to_string());
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
fn open_pages_hear_of_a_webhook_added_elsewhere() {
    // The options page adds one while the popup's manager is open: the popup must redraw.
    let fake = Fake::at(T0);
    let e = start(&fake);
    fake.advance(1_000);
    fake.run();
    fake.take_notices();
    fake.advance(1_000); // a quiet second since that notice
    add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.advance(100);
    fake.run();
    let notices = fake.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].webhooks);
}

#[test]
fn open_pages_hear_of_outcomes_at_most_once_a_second_not_once_per_request() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.advance(1_000);
    fake.run();
    fake.take_notices();
    fake.advance(1_000); // a quiet second since that notice
    for n in 0..20 {
        emit_error(&fake, &e, &format!("e{n}"));
    }
    assert!(fake.take_notices().is_empty(), "nothing is said before the notice delay");
    fake.advance(100);
    fake.run();
    let notices = fake.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].webhooks, "statistics changed");
    assert_eq!(notices[0].histories, vec![WebhookId(id.clone())], "the history gained entries");
    assert!(!notices[0].campaign);

    // While outcomes keep coming, notices are a second apart, each carrying everything meanwhile.
    for n in 0..4 {
        emit_error(&fake, &e, &format!("later{n}"));
        fake.advance(200);
        fake.run();
    }
    assert!(fake.take_notices().is_empty(), "within a second of the last notice, nothing more is said");
    fake.advance(1_000);
    fake.run();
    assert_eq!(fake.take_notices().len(), 1, "then one notice says it all");

    // After a quiet second, a change is told within the notice delay again.
    fake.advance(2_000);
    fake.run();
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": id, "enabled": false}));
    fake.advance(100);
    fake.run();
    assert_eq!(fake.take_notices().len(), 1, "a user's action shows at once");
}

#[test]
fn a_get_url_too_long_for_servers_is_not_sent_and_says_to_use_post() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "g", "url": "https://a.com/g", "method": "GET", "events": ["error"]}}),
    );
    assert_eq!(v["warnings"][0]["field"], "method", "warned when saved");
    let id = v["webhook"]["id"].as_str().expect("id").to_string();
    emit_error(&fake, &e, &"x".repeat(9_000));
    fake.run();
    assert!(fake.sent().is_empty(), "not sent");
    let history = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    assert!(
        history["entries"][0]["error"].as_str().is_some_and(|r| r.contains("Switch this webhook to POST")),
        "{history}"
    );
    assert_eq!(webhook(&fake, &e, &id)["failureCount"], 1);
}
