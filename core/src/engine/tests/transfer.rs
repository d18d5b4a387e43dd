//! Coming from AutoChat 4.x, and Export / Import.

use super::*;

#[test]
fn autochat_4x_webhooks_are_imported_once_with_their_statistics_and_the_rest_explained() {
    let fake = Fake::at(T0);
    let legacy = r#"[
        {"id": "webhook_1701", "name": "Slack", "url": "https://hooks.slack.com/services/T1/B2/abc", "method": "POST", "events": ["message_sent"], "headers": {}, "enabled": true, "createdAt": "2025-11-01T10:00:00.000Z", "lastTriggered": "2025-12-01T10:00:00.000Z", "triggerCount": 42, "failureCount": 3},
        {"id": "webhook_1702", "name": "Broken", "url": "ftp://x", "method": "POST", "events": ["error"], "headers": {}, "enabled": true},
        {"id": "bad id!", "name": "API", "url": "https://api.example.com/hook", "method": "put", "events": ["error", "milestone"], "headers": {"X-Key": "k"}, "enabled": false}
    ]"#;
    fake.put("webhooks", legacy);
    fake.put("webhooksEnabled", "false");
    let e = start(&fake);
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!(list["webhooksEnabled"], false);
    let names: Vec<Value> = list["webhooks"].as_array().expect("list").iter().map(|w| w["name"].clone()).collect();
    assert_eq!(names, [json!("Slack"), json!("API")]);
    let slack = &list["webhooks"][0];
    assert_eq!(
        (slack["id"].clone(), slack["triggerCount"].clone(), slack["failureCount"].clone()),
        (json!("webhook_1701"), json!(42), json!(3))
    );
    assert_eq!(
        (slack["createdAt"].clone(), slack["format"].clone()),
        (json!("2025-11-01T10:00:00.000Z"), json!("slack"))
    );
    assert_ne!(list["webhooks"][1]["id"], "bad id!", "an unusable id is replaced");
    assert_eq!(list["webhooks"][1]["enabled"], false);
    let report = &list["legacyImport"];
    assert_eq!(report["added"], json!(["Slack", "API"]));
    assert_eq!(report["refused"][0]["name"], "Broken");
    assert!(report["refused"][0]["reason"].as_str().is_some_and(|r| r.contains("http")));
    assert_eq!(fake.stored("webhooks").as_deref(), Some(legacy), "the originals stay");
    ok(&fake, &e, json!({"type": "dismissLegacyImport"}));
    drop(e);
    fake.stop_worker();
    let e = start(&fake);
    let list = ok(&fake, &e, json!({"type": "listWebhooks"}));
    assert_eq!(list["webhooks"].as_array().map(Vec::len), Some(2), "once only");
    assert_eq!(list["legacyImport"], Value::Null);
}

#[test]
fn export_then_import_brings_back_the_same_webhooks_and_secrets_only_when_asked_for() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let filter = json!({"conditions": [{"field": "data.totalMessagesSent", "op": "ge", "value": "10"}]});
    let v = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "API", "url": "https://api.example.com/h", "events": ["message_sent"], "headers": {"Authorization": "Bearer abcdefgh1234"}, "filter": filter, "githubSignature": true}}),
    );
    let id = v["webhook"]["id"].as_str().expect("id").to_string();
    add(&fake, &e, "Slack", "https://hooks.slack.com/services/T1/B2/abc", &["error"]);
    let secret = ok(&fake, &e, json!({"type": "revealSecret", "id": id}))["secret"].clone();
    let without = ok(&fake, &e, json!({"type": "exportWebhooks", "includeSecrets": false}));
    let text = without["text"].as_str().expect("text");
    assert!(!text.contains("abcdefgh1234") && !text.contains("whsec_"), "no secrets unless asked for");
    assert!(without["fileName"].as_str().is_some_and(|n| n.starts_with("autochat-webhooks-2025-12-07")));
    let with = ok(&fake, &e, json!({"type": "exportWebhooks", "includeSecrets": true}))["text"]
        .as_str()
        .expect("text")
        .to_string();

    let fresh = Fake::at(T0);
    let e2 = start(&fresh);
    let preview = ok(&fresh, &e2, json!({"type": "previewImport", "file": text}));
    assert_eq!(preview["added"], json!(["Slack"]));
    assert!(preview["refused"][0]["reason"].as_str().is_some_and(|r| r.contains("Authorization")), "{preview}");
    assert_eq!(ok(&fresh, &e2, json!({"type": "listWebhooks"}))["webhooks"], json!([]), "a preview changes nothing");
    let done = ok(&fresh, &e2, json!({"type": "importWebhooks", "file": with}));
    assert_eq!(done["added"], json!(["API", "Slack"]));
    let list = ok(&fresh, &e2, json!({"type": "listWebhooks"}));
    let api = &list["webhooks"][0];
    assert_eq!(api["filterSummary"], "only when Total sent ≥ 10");
    assert_eq!(api["signing"]["github"], true);
    let new_id = api["id"].as_str().expect("id").to_string();
    assert_eq!(
        ok(&fresh, &e2, json!({"type": "revealHeaders", "id": new_id}))["headers"]["Authorization"],
        "Bearer abcdefgh1234"
    );
    assert_eq!(ok(&fresh, &e2, json!({"type": "revealSecret", "id": new_id}))["secret"], secret);
    let again = ok(&fresh, &e2, json!({"type": "importWebhooks", "file": with}));
    assert_eq!(again["replaced"], json!(["API", "Slack"]), "the same names are replaced, not doubled");
    let bad =
        call(&fresh, &e2, json!({"type": "importWebhooks", "file": "{\"hello\": 1}"})).expect_err("not an export");
    assert!(bad.message().contains("not an AutoChat export file"));
}

#[test]
fn an_import_leaves_the_global_switch_as_the_user_has_it() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    add(&fake, &e, "API", "https://api.example.com/h", &["error"]);
    ok(&fake, &e, json!({"type": "setWebhooksEnabled", "enabled": false}));
    let file = ok(&fake, &e, json!({"type": "exportWebhooks", "includeSecrets": true}))["text"]
        .as_str()
        .expect("text")
        .to_string();
    assert!(file.contains(r#""webhooksEnabled": false"#), "the file records it");

    let fresh = Fake::at(T0);
    let e2 = start(&fresh);
    ok(&fresh, &e2, json!({"type": "importWebhooks", "file": file}));
    let list = ok(&fresh, &e2, json!({"type": "listWebhooks"}));
    assert_eq!((list["webhooksEnabled"].clone(), list["webhooks"][0]["enabled"].clone()), (json!(true), json!(true)));
    emit_error(&fresh, &e2, "sent");
    fresh.run();
    assert_eq!(fresh.sent().len(), 1, "sending goes on");
}
