//! Conditional triggers and batched events through the engine.

use super::*;

#[test]
fn conditions_filter_events_and_count_what_they_hold_back() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let filter = json!({"conditions": [{"field": "data.totalMessagesSent", "op": "ge", "value": "3"}], "atMostEveryMinutes": null, "everyNthMessage": null});
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "Big", "url": "https://a.com/big", "events": ["message_sent"], "filter": filter}}),
    );
    let id = v["webhook"]["id"].as_str().expect("id").to_string();
    assert_eq!(v["webhook"]["filterSummary"], "only when Total sent ≥ 3");
    for total in 1..=4 {
        let r = ok(
            &fake,
            &e,
            json!({"type": "emit", "event": "message_sent", "data": {"message": "m", "messagesSentToday": total, "totalMessagesSent": total}}),
        );
        assert_eq!(r["filtered"].as_array().map(Vec::len), Some(usize::from(total < 3)), "total {total}");
    }
    fake.run();
    let totals: Vec<Value> = fake
        .sent()
        .iter()
        .map(|s| {
            serde_json::from_str::<Value>(s.request.body.as_deref().unwrap_or_default()).expect("json")["data"]
                ["totalMessagesSent"]
                .clone()
        })
        .collect();
    assert_eq!(totals, [json!(3), json!(4)]);
    assert_eq!(webhook(&fake, &e, &id)["filteredCount"], 2);
    let bad = json!({"conditions": [{"field": "data.error", "op": "matches", "value": "/time(out/"}]});
    let err = call(&fake, &e, json!({"type": "updateWebhook", "id": id, "webhook": {"name": "Big", "url": "https://a.com/big", "events": ["error"], "filter": bad}}))
        .expect_err("bad regex");
    assert_eq!(err.field(), Some("conditions"));
    assert_eq!(webhook(&fake, &e, &id)["filterSummary"], "only when Total sent ≥ 3", "nothing changed");
}

fn add_batched(fake: &Fake, e: &Rc<Engine<Fake>>, window: u32, max: u32) -> String {
    let v = ok(
        fake,
        e,
        json!({"type": "addWebhook", "webhook": {"name": "Batched", "url": "https://a.com/batch", "events": ["error"], "batch": {"windowSeconds": window, "maxEvents": max}}}),
    );
    v["webhook"]["id"].as_str().expect("id").to_string()
}

#[test]
fn a_batch_goes_as_one_request_when_its_window_ends_or_it_is_full() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add_batched(&fake, &e, 60, 3);
    emit_error(&fake, &e, "one");
    emit_error(&fake, &e, "two");
    assert!(fake.sent().is_empty(), "collected, not sent");
    assert_eq!(webhook(&fake, &e, &id)["collecting"]["count"], 2);
    assert_eq!(fake.alarm(), Some(Millis(T0 + 60_000)), "the window's end is a wake-up");
    fake.advance(60_000);
    e.wake();
    fake.run();
    let body: Value = serde_json::from_str(fake.sent()[0].request.body.as_deref().unwrap_or_default()).expect("JSON");
    assert_eq!((body["batch"].clone(), body["count"].clone()), (json!(true), json!(2)));
    assert_eq!(body["events"][1]["data"]["error"], "two");
    for n in 0..3 {
        emit_error(&fake, &e, &format!("full {n}"));
    }
    fake.run();
    assert_eq!(fake.sent().len(), 2, "a full batch goes at once");
    assert_eq!(webhook(&fake, &e, &id)["collecting"], Value::Null);
}

#[test]
fn a_batch_being_collected_survives_a_worker_stop_and_is_sent_once() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add_batched(&fake, &e, 30, 10);
    emit_error(&fake, &e, "before the stop");
    fake.stop_worker();
    drop(e);
    let e = start(&fake);
    emit_error(&fake, &e, "after the stop");
    fake.advance(30_000);
    e.wake();
    fake.run();
    fake.advance(OUTCOME_WRITE_MS); // the delivery's outcome is stored
    fake.run();
    fake.stop_worker();
    drop(e);
    let e = start(&fake);
    fake.advance(60_000);
    e.wake();
    fake.run();
    let bodies: Vec<Value> = fake
        .sent()
        .iter()
        .map(|s| serde_json::from_str(s.request.body.as_deref().unwrap_or_default()).expect("JSON"))
        .collect();
    assert_eq!(bodies.len(), 1, "sent once");
    let errors: Vec<&Value> =
        bodies[0]["events"].as_array().expect("events").iter().map(|e| &e["data"]["error"]).collect();
    assert_eq!(errors, ["before the stop", "after the stop"]);
}

#[test]
fn a_batch_already_turned_into_a_delivery_is_not_sent_again() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add_batched(&fake, &e, 30, 10);
    drop(e);
    fake.stop_worker();
    // The worker stopped between writing the batch's delivery and removing the batch.
    let delivery = format!(
        r#"{{"id":"msg_000000000000000000000001","webhookId":"{id}","event":"batch","body":"{{}}","createdAt":{T0},"attempts":0,"nextAttemptAt":{T0},"lastError":null,"seq":0}}"#
    );
    fake.put("autochat.delivery.msg_000000000000000000000001", &delivery);
    let batch =
        format!(r#"{{"id":"msg_000000000000000000000001","webhookId":"{id}","closesAt":{T0},"envelopes":["{{}}"]}}"#);
    fake.put(&format!("autochat.batch.{id}"), &batch);
    let e = start(&fake);
    fake.run();
    e.wake();
    fake.run();
    assert_eq!(fake.sent().len(), 1, "the delivery, once");
    assert_eq!(fake.stored(&format!("autochat.batch.{id}")), None, "the stale batch is gone");
}

#[test]
fn a_batch_that_found_the_outbox_full_is_built_again_when_redelivered() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let holder = fill_outbox(&fake, &e);
    let e = start(&fake);
    let id = add_batched(&fake, &e, 60, 10);
    emit_error(&fake, &e, "one");
    emit_error(&fake, &e, "two");
    fake.advance(60_000);
    e.wake();
    fake.run();
    assert!(fake.sent().is_empty());
    let history = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    let entry = &history["entries"][0];
    assert!(entry["error"].as_str().is_some_and(|e| e.contains("outbox was full")), "{entry}");
    let batch = entry["deliveryId"].as_str().expect("an id").to_string();

    ok(&fake, &e, json!({"type": "deleteWebhook", "id": holder})); // room again
    ok(&fake, &e, json!({"type": "redeliver", "webhookId": id, "deliveryId": batch}));
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("webhook-id"), Some(batch.as_str()));
    let body: Value = serde_json::from_str(sent[0].request.body.as_deref().unwrap_or_default()).expect("JSON");
    assert_eq!((body["batch"].clone(), body["count"].clone()), (json!(true), json!(2)), "{body}");
    assert_eq!(body["events"][1]["data"]["error"], "two");
}

#[test]
fn a_redeliver_refused_for_a_full_outbox_is_not_counted_as_dropped() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Alerts", "https://a.com/alerts", &["error"]);
    emit_error(&fake, &e, "disk full");
    fake.run();
    let past = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}))["entries"][0]["deliveryId"]
        .as_str()
        .expect("an id")
        .to_string();
    fill_outbox(&fake, &e);
    let e = start(&fake);

    let refused =
        call(&fake, &e, json!({"type": "redeliver", "webhookId": id, "deliveryId": past})).expect_err("no room for it");
    assert!(refused.message().contains("outbox is full"), "{}", refused.message());
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!((list["droppedWhenFull"].clone(), list["warning"].clone()), (json!(0), Value::Null));
    assert_eq!(fake.sent().len(), 1, "only the first delivery");
}

#[test]
fn batches_that_find_the_outbox_full_are_dropped_not_failures_of_the_webhook() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    fill_outbox(&fake, &e);
    let e = start(&fake);
    let id = add_batched(&fake, &e, 60, 10);
    // More batches than the failures in a row that switch a webhook off.
    for n in 0..6 {
        emit_error(&fake, &e, &format!("batch {n}"));
        fake.advance(60_000);
        e.wake();
        fake.run();
    }
    let w = webhook(&fake, &e, &id);
    let health = (w["enabled"].clone(), w["consecutiveFailures"].clone(), w["failureCount"].clone());
    assert_eq!(health, (json!(true), json!(0), json!(0)), "{w}");
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!(list["droppedWhenFull"], 6);
    let warning = list["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("the outbox was full (10,000 deliveries or 64 MiB waiting)"), "{warning}");
    let history = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    let entries = history["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 6, "each kept for Redeliver");
    assert!(entries.iter().all(|h| h["error"].as_str().is_some_and(|e| e.starts_with("Never queued"))), "{history}");
}

/// Adds a switched-off webhook and stores as many deliveries for it as the outbox holds; the
/// caller starts a new engine to read them. Returns the holder's id.
fn fill_outbox(fake: &Fake, e: &Rc<Engine<Fake>>) -> String {
    let holder = add(fake, e, "holder", "https://down.example.com", &["milestone"]);
    ok(fake, e, json!({"type": "setWebhookEnabled", "id": holder, "enabled": false}));
    for n in 0..crate::delivery::outbox::MAX_PENDING_DELIVERIES {
        let id = format!("msg_{n:024}");
        let doc = json!({"id": id, "webhookId": holder, "event": "milestone", "bodyHash": "00", "createdAt": T0,
            "attempts": 0, "nextAttemptAt": T0, "lastError": null, "seq": n});
        fake.put(&format!("autochat.delivery.{id}"), &doc.to_string());
    }
    fake.put("autochat.body.00", "{}");
    holder
}
