//! What survives a worker stop or a browser restart, and what storage failures and old or unreadable data do.

use super::*;

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
fn a_lone_outcome_is_written_within_a_quarter_second_and_a_burst_once_a_second() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.advance(5_000);
    fake.run();
    let lone = super::super::persist::OUTCOME_WRITE_DELAY.as_millis() as u64;
    let writes = fake.writes();
    emit_error(&fake, &e, "first");
    let after_emit = fake.writes();
    assert!(after_emit > writes, "the event's delivery is stored before its request");
    fake.advance(lone);
    fake.run();
    assert_eq!(fake.writes(), after_emit + 1, "a lone outcome within {lone} ms");
    // More outcomes right after: they wait until a second after that write, together.
    fake.advance(100);
    emit_error(&fake, &e, "second");
    emit_error(&fake, &e, "third");
    let stored = fake.writes();
    fake.advance(lone);
    fake.run();
    assert_eq!(fake.writes(), stored, "not a quarter second later");
    fake.advance(OUTCOME_WRITE_MS - lone - 100);
    fake.run();
    assert_eq!(fake.writes(), stored + 1, "one write a second after the last, for both");
}

#[test]
fn a_history_is_decoded_when_first_needed_and_backed_up_then_if_unreadable() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    emit_error(&fake, &first, "kept");
    fake.advance(OUTCOME_WRITE_MS);
    fake.run();
    drop(first);
    fake.stop_worker();
    let key = crate::store::history_key(&WebhookId(id.clone()));
    let good = fake.stored(&key).expect("a stored history");
    assert!(super::super::state::LazyHistories::accepts(&good), "{good}");

    // Read well: shown, then added to.
    let second = start(&fake);
    let shown = ok(&fake, &second, json!({"type": "getHistory", "webhookId": id}));
    assert_eq!(shown["entries"].as_array().map(Vec::len), Some(1));
    emit_error(&fake, &second, "more");
    fake.advance(OUTCOME_WRITE_MS);
    fake.run();
    let h = ok(&fake, &second, json!({"type": "getHistory", "webhookId": id}));
    assert_eq!(h["entries"].as_array().map(Vec::len), Some(2));
    drop(second);
    fake.stop_worker();

    // Damaged after its version: the start does not notice; the first look backs it up.
    let damaged = "{\"schemaVersion\":1,\"entries\":[{oops";
    fake.put(&key, damaged);
    fake.advance(1_000);
    let third = start(&fake);
    let h = ok(&fake, &third, json!({"type": "getHistory", "webhookId": id}));
    assert_eq!(h["entries"], json!([]));
    fake.advance(OUTCOME_WRITE_MS);
    fake.run(); // looking was enough: the backup is written without waiting for another change
    let backups: Vec<String> =
        fake.keys().into_iter().filter(|k| k.starts_with(&format!("{key}.unreadable."))).collect();
    assert_eq!(backups.len(), 1, "{:?}", fake.keys());
    assert_eq!(fake.stored(&backups[0]).as_deref(), Some(damaged));
    assert!(fake.stored(&key).is_some_and(|t| t != damaged), "replaced by a readable, empty history");
    fake.set_memory_bytes(64 << 20);
    assert_ne!(third.memory_verdict(), crate::engine::MemoryVerdict::Busy, "nothing left waiting");
    emit_error(&fake, &third, "after");
    fake.advance(OUTCOME_WRITE_MS);
    fake.run();
    assert!(fake.stored(&key).is_some_and(|t| t.contains("after")));
}

#[test]
fn only_histories_at_this_schema_version_wait_to_be_decoded() {
    use super::super::state::LazyHistories;
    assert!(LazyHistories::accepts(r#"{"schemaVersion":1,"entries":[]}"#));
    for text in
        [r#"{"schemaVersion":10,"entries":[]}"#, r#"{"schemaVersion":2,"entries":[]}"#, r#"{"entries":[]}"#, "oops", ""]
    {
        assert!(!LazyHistories::accepts(text), "{text}");
    }
}

#[test]
fn a_start_reads_storage_once() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(502)]);
    emit_error(&fake, &first, "x");
    fake.advance(super::super::persist::OUTCOME_WRITE_DELAY.as_millis() as u64);
    fake.run(); // the failed attempt is stored; its retry waits
    drop(first);
    fake.stop_worker();
    let reads = fake.reads();
    let second = start(&fake);
    assert_eq!(fake.reads() - reads, 1, "one read for the registry, outbox, campaign, deliveries and histories");
    assert_eq!(webhook(&fake, &second, &id)["pendingDeliveries"], 1);
    let history = ok(&fake, &second, json!({"type": "getHistory", "webhookId": id}));
    assert_eq!(history["entries"].as_array().map(Vec::len), Some(1));
}

#[test]
fn state_survives_a_restart() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    emit_error(&fake, &first, "x");
    ok(&fake, &first, json!({"type": "setWebhooksEnabled", "enabled": false}));
    fake.advance(OUTCOME_WRITE_MS); // the delivery's outcome is written
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
    assert!(err.message().contains("quota"));
}

#[test]
fn data_from_a_newer_release_is_left_alone() {
    let fake = Fake::at(T0);
    let newer = r#"{"schemaVersion":7,"webhooks":[]}"#;
    fake.put(crate::store::REGISTRY_KEY, newer);
    let err = fake.block_on(Engine::start(fake.clone(), "4.5.0", Policies::default())).err().expect("refused");
    assert!(matches!(err, Error::NewerSchema { found: 7, .. }));
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
fn after_a_browser_restart_waiting_deliveries_go_out_at_once_keeping_their_counts() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(503), status(503), status(503)]);
    emit_error(&fake, &first, "x");
    run_alarms(&fake, &first, 2);
    assert_eq!(fake.sent().len(), 3);
    assert_eq!(
        webhook(&fake, &first, &id)["delivery"]["nextAttemptAt"],
        "2025-12-07T17:31:03.000Z",
        "waiting a minute"
    );
    fake.advance(OUTCOME_WRITE_MS); // let the last outcome be written
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
    fake.advance(OUTCOME_WRITE_MS);
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
    fake.advance(OUTCOME_WRITE_MS);
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

#[test]
fn a_command_whose_write_fails_changes_nothing_in_memory_or_on_disk() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Keep", "https://a.com", &["error"]);
    let stored = fake.stored(crate::store::REGISTRY_KEY);
    fake.fail_writes(true);
    let err = call(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "Ghost", "url": "https://b.com", "events": ["error"]}}),
    )
    .expect_err("storage is full");
    assert!(err.code() == "storage" && err.message().contains("Nothing was changed"), "{}", err.message());
    for command in [
        json!({"type": "deleteWebhook", "id": id}),
        json!({"type": "setWebhookEnabled", "id": id, "enabled": false}),
        json!({"type": "setWebhooksEnabled", "enabled": false}),
        json!({"type": "updateWebhook", "id": id, "webhook": {"name": "Renamed", "url": "https://a.com", "events": ["error"]}}),
    ] {
        assert_eq!(call(&fake, &e, command.clone()).expect_err("fails").code(), "storage", "{command}");
    }
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!(list["webhooksEnabled"], true);
    assert_eq!(
        list["webhooks"].as_array().map(|w| w.iter().map(|w| w["name"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("Keep")])
    );
    assert_eq!(list["webhooks"][0]["enabled"], true);
    fake.fail_writes(false);
    for _ in 0..8 {
        fake.advance(60_000); // the retried writes, after their waits
        fake.run();
    }
    assert_eq!(fake.stored(crate::store::REGISTRY_KEY), stored, "disk as before, and no ghost appears later");
}

#[test]
fn a_delete_whose_write_fails_leaves_the_history_and_waiting_deliveries_stored() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Keep", "https://a.com", &["error"]);
    fake.script("a.com", [status(502)]);
    emit_error(&fake, &e, "x");
    // Switched off, the webhook keeps its waiting delivery untried: nothing new is written for it.
    ok(&fake, &e, json!({"type": "setWebhookEnabled", "id": id, "enabled": false}));
    fake.advance(500); // the outcome's write
    fake.run();
    let ours = || -> Vec<(String, Option<String>)> {
        let keys = fake.keys().into_iter();
        let keys = keys.filter(|k| k.contains(".delivery.") || k.contains(".body.") || k.contains(".history."));
        keys.map(|k| (k.clone(), fake.stored(&k))).collect()
    };
    let before = ours();
    assert_eq!(before.len(), 3, "a waiting delivery, its body and the history: {before:?}");
    fake.fail_writes(true);
    let err = call(&fake, &e, json!({"type": "deleteWebhook", "id": id})).expect_err("storage is full");
    assert_eq!(err.code(), "storage");
    // The removals of the failed write may have gone through (they go first, to free space);
    // once storage takes writes again, what the delete would have removed is stored again.
    fake.fail_writes(false);
    for _ in 0..3 {
        fake.advance(60_000);
        fake.run();
    }
    assert_eq!(ours(), before);
    drop(e);
    fake.stop_worker();
    let again = start(&fake);
    assert_eq!(webhook(&fake, &again, &id)["pendingDeliveries"], 1);
    let history = ok(&fake, &again, json!({"type": "getHistory", "webhookId": id}));
    assert!(history["entries"].as_array().is_some_and(|e| !e.is_empty()), "{history}");
}

#[test]
fn an_event_that_cannot_be_stored_is_still_tried_and_is_stored_once_there_is_room() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.fail_writes(true);
    fake.script("a.com", [status(502), status(502)]);
    let refused = call(&fake, &e, json!({"type": "emit", "event": "error", "data": {"error": "x"}}));
    assert_eq!(refused.expect_err("storage is full").code(), "storage", "the caller hears it was not saved");
    // Each attempt starts once a write carrying the delivery is issued, before it is known to fail.
    assert_eq!(fake.sent().len(), 1);
    assert!(!fake.sent()[0].stored_before_sending);
    fake.fail_writes(false);
    for _ in 0..8 {
        fake.advance(60_000);
        e.wake();
        fake.run();
    }
    let sent = fake.sent();
    assert!(sent.len() >= 2, "tried again until delivered");
    assert!(sent.last().is_some_and(|s| s.stored_before_sending), "stored once there was room");
    assert!(sent.iter().all(|s| s.header("webhook-id") == sent[0].header("webhook-id")));
    assert_eq!(ok(&fake, &e, json!({"type": "getStatus"}))["pendingDeliveries"], 0);
    assert!(fake.keys().iter().all(|k| !k.starts_with(crate::store::DELIVERY_KEY_PREFIX)), "nothing left over");
}

#[test]
fn a_delivery_starts_once_its_write_is_issued_and_survives_a_stop_before_it_completes() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    add(&fake, &first, "a", "https://a.com", &["error"]);
    fake.hold_writes(true);
    let emit = json!({"type": "emit", "event": "error", "data": {"error": "x"}}).to_string();
    {
        let mut reply = std::pin::pin!(first.handle_json_from(&emit, &crate::protocol::Caller::Extension));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        for _ in 0..10 {
            assert!(std::future::Future::poll(reply.as_mut(), &mut cx).is_pending(), "the emit waits for its write");
            fake.run();
        }
    }
    assert_eq!(fake.sent().len(), 1, "the request did not wait for the write to complete");
    assert!(fake.sent()[0].stored_before_sending, "the write was issued first");
    // The worker stops right there: the write never resolved, the outcome was never recorded.
    drop(first);
    fake.stop_worker();
    fake.hold_writes(false);
    fake.advance(5_000);
    let second = start(&fake);
    fake.run();
    let sent = fake.sent();
    assert_eq!(sent.len(), 2, "sent again from storage (at-least-once)");
    assert_eq!(sent[0].header("webhook-id"), sent[1].header("webhook-id"));
    assert_eq!(ok(&fake, &second, json!({"type": "getStatus"}))["pendingDeliveries"], 0);
}

#[test]
fn an_unreadable_document_is_backed_up_once_and_the_core_starts_even_when_storage_is_full() {
    let fake = Fake::at(T0);
    fake.put(crate::store::REGISTRY_KEY, "{garbage");
    for _ in 0..5 {
        let e = start(&fake);
        fake.run();
        drop(e);
        fake.stop_worker();
        fake.advance(1_000);
    }
    let backups = fake.keys().into_iter().filter(|k| k.starts_with("autochat.registry.unreadable.")).count();
    assert_eq!(backups, 1, "one backup, however many starts");
    let full = Fake::at(T0);
    full.put(crate::store::CAMPAIGN_KEY, "{garbage");
    full.fail_writes(true);
    let e = start(&full);
    assert_eq!(ok(&full, &e, json!({"type": "listWebhooks"}))["webhooks"], json!([]), "it starts and answers");
}

#[test]
fn what_storage_holds_is_checked_not_trusted() {
    let fake = Fake::at(T0);
    fake.put(
        crate::store::REGISTRY_KEY,
        r#"{"schemaVersion":1,"webhooksEnabled":true,"webhooks":[{"id":"wh_bad","name":"Bad","url":"javascript:alert(1)","method":"POST","events":["error"],"headers":{},"enabled":true,"createdAt":"2025-12-07T17:30:00.000Z","lastTriggered":null,"triggerCount":0,"failureCount":0}],"meta":{}}"#,
    );
    fake.put(
        "autochat.delivery.msg_000000000000000000000009",
        &format!(r#"{{"id":"msg_000000000000000000000009","webhookId":"wh_gone","event":"error","body":"{{}}","createdAt":{T0},"attempts":0,"nextAttemptAt":{T0},"lastError":null,"seq":0}}"#),
    );
    let e = start(&fake);
    fake.run();
    let w = webhook(&fake, &e, "wh_bad");
    assert_eq!(w["enabled"], false);
    assert!(w["disabledReason"].as_str().is_some_and(|r| r.contains("URL is not valid")), "{w}");
    assert_eq!(ok(&fake, &e, json!({"type": "getStatus"}))["pendingDeliveries"], 0, "the orphan was dropped");
    assert_eq!(fake.stored("autochat.delivery.msg_000000000000000000000009"), None);
    ok(&fake, &e, json!({"type": "deleteWebhook", "id": "wh_bad"}));
    assert!(fake.sent().is_empty());
}

#[test]
fn removals_are_not_held_back_behind_failing_writes() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(503)]);
    emit_error(&fake, &e, "x");
    fake.run();
    let key = fake.keys().into_iter().find(|k| k.starts_with(crate::store::DELIVERY_KEY_PREFIX)).expect("stored");
    fake.fail_writes(true); // the disk is full from now on
    fake.advance(1_000);
    e.wake();
    fake.run();
    fake.advance(OUTCOME_WRITE_MS);
    fake.run();
    assert_eq!(fake.stored(&key), None, "the delivered delivery's key is removed, freeing space, though writes fail");
}

/// The stored bodies' keys.
fn body_keys(fake: &Fake) -> Vec<String> {
    fake.keys().into_iter().filter(|k| k.starts_with(crate::store::BODY_KEY_PREFIX)).collect()
}

/// The waiting deliveries' keys.
fn delivery_keys(fake: &Fake) -> Vec<String> {
    fake.keys().into_iter().filter(|k| k.starts_with(crate::store::DELIVERY_KEY_PREFIX)).collect()
}

#[test]
fn an_event_for_three_webhooks_stores_its_body_once_and_drops_it_with_the_last_delivery() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    for name in ["a", "b", "c"] {
        add(&fake, &e, name, &format!("https://{name}.com"), &["error"]);
        fake.script(&format!("{name}.com"), [status(503)]);
    }
    emit_error(&fake, &e, &"a long message ".repeat(200));
    assert_eq!(fake.sent().len(), 3);
    assert!(fake.sent().iter().all(|s| s.stored_before_sending));
    let bodies = body_keys(&fake);
    assert_eq!(bodies.len(), 1, "one stored copy for three deliveries");
    let docs: Vec<Value> = delivery_keys(&fake)
        .iter()
        .map(|k| serde_json::from_str(&fake.stored(k).expect("doc")).expect("json"))
        .collect();
    assert_eq!(docs.len(), 3);
    for doc in &docs {
        assert!(doc.get("body").is_none(), "the body is not repeated in the delivery: {doc}");
        assert_eq!(crate::store::body_key(doc["bodyHash"].as_str().expect("hash")), bodies[0]);
    }
    assert_eq!(fake.stored(&bodies[0]).as_deref(), fake.sent()[0].request.body.as_deref());
    // Two succeed on their retry: the body stays for the third.
    fake.script("a.com", [status(200)]);
    fake.script("b.com", [status(200)]);
    fake.advance(60_000);
    e.wake();
    fake.run();
    assert_eq!(fake.sent_to("a.com").len(), 2);
    assert_eq!(body_keys(&fake), bodies);
    fake.script("c.com", [status(200)]);
    fake.advance(60_000);
    e.wake();
    fake.run();
    fake.advance(1_000);
    fake.run();
    assert_eq!(fake.sent_to("c.com").len(), 2);
    assert!(delivery_keys(&fake).is_empty());
    assert!(body_keys(&fake).is_empty(), "the last delivery took the body with it");
}

#[test]
fn after_a_restart_shared_bodies_are_sent_byte_for_byte() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    for name in ["a", "b"] {
        add(&fake, &first, name, &format!("https://{name}.com"), &["error"]);
        fake.script(&format!("{name}.com"), [status(503)]);
    }
    emit_error(&fake, &first, "the same for both");
    let before: Vec<Option<String>> = fake.sent().iter().map(|s| s.request.body.clone()).collect();
    drop(first);
    fake.stop_worker();
    fake.advance(60_000);
    let second = start(&fake);
    second.wake();
    fake.run();
    let sent = fake.sent();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[2].request.body, before[0]);
    assert_eq!(sent[3].request.body, before[1]);
    assert!(sent.iter().all(|s| s.stored_before_sending));
}

#[test]
fn a_body_nobody_names_is_dropped_on_load_and_a_delivery_without_its_body_too() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    let id = add(&fake, &first, "a", "https://a.com", &["error"]);
    drop(first);
    fake.put("autochat.body.00000000000000000000000000000000", "{\"left\":\"over\"}");
    fake.put(
        "autochat.delivery.msg_000000000000000000000007",
        &format!(r#"{{"id":"msg_000000000000000000000007","webhookId":"{id}","event":"error","bodyHash":"ffffffffffffffffffffffffffffffff","createdAt":{T0},"attempts":0,"nextAttemptAt":{T0},"lastError":null,"seq":0}}"#),
    );
    let e = start(&fake);
    fake.run();
    assert!(body_keys(&fake).is_empty());
    assert!(delivery_keys(&fake).is_empty());
    assert!(fake.sent().is_empty(), "nothing is sent without its body");
    assert_eq!(ok(&fake, &e, json!({"type": "getStatus"}))["pendingDeliveries"], 0);
}

#[test]
fn after_a_failed_write_every_stored_delivery_names_a_stored_body() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(503)]);
    emit_error(&fake, &e, "first");
    fake.fail_writes(true);
    assert!(call(&fake, &e, json!({"type": "emit", "event": "error", "data": {"error": "second"}})).is_err());
    fake.fail_writes(false);
    fake.advance(120_000);
    e.wake();
    fake.run();
    fake.advance(120_000);
    e.wake();
    fake.run();
    for key in delivery_keys(&fake) {
        let doc: Value = serde_json::from_str(&fake.stored(&key).expect("doc")).expect("json");
        let body = crate::store::body_key(doc["bodyHash"].as_str().expect("hash"));
        assert!(fake.stored(&body).is_some(), "{key} names a body that is stored");
    }
    assert!(fake.sent().iter().all(|s| s.stored_before_sending));
}

#[test]
fn undoing_a_command_whose_write_failed_keeps_what_happened_meanwhile() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", std::iter::repeat_n(status(503), 3));
    emit_error(&fake, &e, "old"); // waits after a 503
    let old = fake.sent()[0].header("webhook-id").expect("an id").to_string();
    fake.fail_writes(true);
    fake.hold_writes(true);
    let mut discard = Pending::send(&e, json!({"type": "discardDeliveries", "webhookId": id, "deliveryId": old}));
    fake.run();
    // Meanwhile an event comes for the same webhook: it is queued behind the held write.
    let mut emitted = Pending::send(&e, json!({"type": "emit", "event": "error", "data": {"error": "new"}}));
    fake.run();
    assert!(discard.poll().is_none() && emitted.poll().is_none(), "both wait for the write");
    // The discard's write fails: the discard is undone, and the new event stays.
    fake.fail_writes(false);
    fake.hold_writes(false);
    for _ in 0..20 {
        fake.run();
        if discard.poll().is_some() {
            break;
        }
    }
    assert!(discard.poll().is_some_and(|r| r.contains("\"storage\"")), "{:?}", discard.poll());
    let tried_before = fake.sent().len();
    for _ in 0..4 {
        fake.advance(60_000);
        e.wake();
        fake.run();
    }
    assert!(emitted.poll().is_some());
    let history = ok(&fake, &e, json!({"type": "getHistory", "webhookId": id}));
    let mut delivered: Vec<String> = history["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["outcome"] == "delivered")
        .filter_map(|entry| serde_json::from_str::<Value>(entry["body"].as_str()?).ok())
        .map(|body| body["data"]["error"].as_str().unwrap_or_default().to_string())
        .collect();
    delivered.reverse(); // the history is newest first
    assert_eq!(delivered, ["old", "new"], "both delivered once, in order");
    // The failed write removed the discarded delivery's key first: put back, it waits for the
    // write that stores it again before it is tried (persist first).
    assert!(fake.sent().iter().skip(tried_before).all(|s| s.stored_before_sending));
    assert_eq!(ok(&fake, &e, json!({"type": "getStatus"}))["pendingDeliveries"], 0);
}

#[test]
fn a_command_waits_for_the_one_before_it_so_undoing_that_one_never_undoes_it() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Before", "https://a.com", &["error"]);
    fake.fail_writes(true);
    fake.hold_writes(true);
    let mut first = Pending::send(&e, json!({"type": "setWebhooksEnabled", "enabled": false}));
    fake.run();
    let mut second = Pending::send(
        &e,
        json!({"type": "updateWebhook", "id": id, "webhook": {"name": "After", "url": "https://a.com", "events": ["error"]}}),
    );
    fake.run();
    // The first command's write fails; storage takes the second's.
    fake.fail_writes(false);
    fake.hold_writes(false);
    Pending::drive(&fake, &mut [&mut first, &mut second]);
    assert!(first.poll().is_some_and(|r| r.contains("\"storage\"")), "{:?}", first.poll());
    assert!(second.poll().is_some_and(|r| r.contains("\"value\"")), "{:?}", second.poll());
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!((list["webhooksEnabled"].clone(), list["webhooks"][0]["name"].clone()), (json!(true), json!("After")));
    drop(e);
    fake.stop_worker();
    let again = start(&fake);
    assert_eq!(webhook(&fake, &again, &id)["name"], "After", "and it is stored");
}
