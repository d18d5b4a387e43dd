//! Managing webhooks through commands: adding, editing, validation, the limit, the global switch, Test and statistics.

use super::*;

#[test]
fn add_list_update_and_delete_through_commands() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "Slack", "https://hooks.slack.com/services/x", &["message_sent"]);
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!(list["webhooks"][0]["name"], "Slack");
    assert_eq!(list["webhooks"][0]["createdAt"], "2025-12-07T17:30:00.000Z");
    assert_eq!(
        (list["webhooksEnabled"].clone(), list["limits"]["maxWebhooks"].clone(), list["enabledCount"].clone()),
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
    assert_eq!(
        call(&fake, &e, json!({"type": "getWebhook", "id": id})).map_err(|e| e.code().to_string()),
        Err("not_found".into())
    );
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

#[test]
fn header_values_are_masked_in_replies_and_a_masked_value_keeps_what_is_stored() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "a", "url": "https://a.com", "events": ["error"], "headers": {"Authorization": "Bearer abcdefgh1234"}}}),
    );
    let id = v["webhook"]["id"].as_str().expect("id").to_string();
    assert_eq!(v["webhook"]["headers"]["Authorization"], "********1234");
    assert!(!ok(&fake, &e, json!({"type": "listWebhooks"})).to_string().contains("abcdefgh"), "never in a list");
    ok(
        &fake,
        &e,
        json!({"type": "updateWebhook", "id": id, "webhook": {"name": "b", "url": "https://a.com", "events": ["error"], "headers": {"Authorization": "********1234"}}}),
    );
    assert_eq!(
        ok(&fake, &e, json!({"type": "revealHeaders", "id": id}))["headers"]["Authorization"],
        "Bearer abcdefgh1234"
    );
    emit_error(&fake, &e, "x");
    assert_eq!(fake.sent()[0].header("Authorization"), Some("Bearer abcdefgh1234"));
}
