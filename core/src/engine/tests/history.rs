//! The history of attempts, and redelivery from it.

use super::*;

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
    fake.advance(OUTCOME_WRITE_MS); // outcomes are written together, shortly after
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
    assert_eq!((r["deliveryId"].as_str(), r["waitsForEnable"].as_bool()), (Some(delivery.as_str()), Some(false)));
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
fn a_delivery_redelivered_before_its_outcome_is_written_is_stored_before_it_is_sent() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    emit_error(&fake, &e, "x"); // delivered; removing its key waits for the outcome write
    let delivery = fake.sent()[0].header("webhook-id").expect("an id").to_string();
    let key = crate::store::delivery_key(&crate::values::ids::DeliveryId(delivery.clone()));
    fake.script("a.com", [status(500)]);
    ok(&fake, &e, json!({"type": "redeliver", "webhookId": id, "deliveryId": delivery}));
    assert_eq!(fake.sent().len(), 2, "sent again");
    assert!(fake.stored(&key).is_some(), "the redelivery's write kept it, though the older outcome removed it");
    fake.advance(OUTCOME_WRITE_MS);
    fake.run();
    assert!(fake.stored(&key).is_some(), "still waiting after the 500");
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
    assert!(err.message().contains("still waiting"));
}
