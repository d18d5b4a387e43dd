//! Signed webhooks through the engine: every attempt signed for its own timestamp over the exact
//! bytes sent, the secret only through Reveal, rotation, and secrets for webhooks saved before.

use super::*;
use crate::signing::{Secret, Signing};

fn secret_of(fake: &Fake, e: &Rc<Engine<Fake>>, id: &str) -> String {
    ok(fake, e, json!({"type": "revealSecret", "id": id}))["secret"].as_str().expect("a secret").to_string()
}

/// The signatures a receiver holding `secret` expects for a request.
fn expected(secret: &str, sent: &crate::testing::Sent) -> String {
    let signing =
        Signing { enabled: true, secret: Secret::parse(secret).expect("valid"), previous: None, github: false };
    let id = sent.header("webhook-id").expect("id");
    let ts: u64 = sent.header("webhook-timestamp").expect("timestamp").parse().expect("seconds");
    signing.headers(id, ts, sent.request.body.as_deref().unwrap_or_default(), sent.at)[0].1.clone()
}

#[test]
fn every_attempt_is_signed_for_its_own_timestamp_with_the_same_id() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "API", "https://api.example.com/hook", &["error"]);
    let view = webhook(&fake, &e, &id);
    assert_eq!((view["signing"]["enabled"].clone(), view["signing"]["available"].clone()), (json!(true), json!(true)));
    let secret = secret_of(&fake, &e, &id);
    assert!(secret.starts_with("whsec_") && !view.to_string().contains(&secret), "the view never holds the secret");
    fake.script("api.example.com", [status(503)]);
    emit_error(&fake, &e, "x");
    fake.advance(1_000);
    e.wake();
    fake.run();
    let sent = fake.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].header("webhook-id"), sent[1].header("webhook-id"));
    assert_ne!(sent[0].header("webhook-timestamp"), sent[1].header("webhook-timestamp"));
    for s in &sent {
        assert_eq!(s.header("webhook-signature"), Some(expected(&secret, s).as_str()));
    }
}

#[test]
fn after_a_rotation_both_keys_sign_for_a_day_then_only_the_new_one() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let id = add(&fake, &e, "API", "https://api.example.com/hook", &["error"]);
    let old = secret_of(&fake, &e, &id);
    let view = ok(&fake, &e, json!({"type": "rotateSecret", "id": id}));
    assert_eq!(view["signing"]["previousUntil"], "2025-12-08T17:30:00.000Z");
    let new = secret_of(&fake, &e, &id);
    assert_ne!(old, new);
    emit_error(&fake, &e, "x");
    let sent = fake.sent()[0].clone();
    let header = sent.header("webhook-signature").expect("signed").to_string();
    assert_eq!(header, format!("{} {}", expected(&new, &sent), expected(&old, &sent)));
    fake.advance(86_400_000);
    emit_error(&fake, &e, "y");
    let later = fake.sent()[1].clone();
    assert_eq!(later.header("webhook-signature"), Some(expected(&new, &later).as_str()));
}

#[test]
fn a_pasted_secret_is_checked_and_chat_formats_are_never_signed() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let err = call(&fake, &e, json!({"type": "addWebhook", "webhook": {"name": "x", "url": "https://a.com", "events": ["error"], "secret": "whsec_short"}}))
        .expect_err("bad secret");
    assert_eq!(err.field(), Some("secret"));
    let mine = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let id = ok(&fake, &e, json!({"type": "addWebhook", "webhook": {"name": "x", "url": "https://a.com", "events": ["error"], "secret": mine, "githubSignature": true}}))["webhook"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(secret_of(&fake, &e, &id), mine);
    add(&fake, &e, "Slack", "https://hooks.slack.com/services/T1/B2/abc", &["error"]);
    emit_error(&fake, &e, "x");
    assert!(fake.sent_to("a.com")[0].header("X-Hub-Signature-256").is_some_and(|h| h.starts_with("sha256=")));
    let slack = &fake.sent_to("hooks.slack.com")[0];
    assert_eq!((slack.header("webhook-signature"), slack.header("X-Hub-Signature-256")), (None, None));
}

#[test]
fn webhooks_saved_before_signing_get_a_secret_when_loaded() {
    let fake = Fake::at(T0);
    fake.put(
        crate::store::REGISTRY_KEY,
        r#"{"schemaVersion":1,"webhooksEnabled":true,"webhooks":[{"id":"wh_old","name":"Old","url":"https://a.com","method":"POST","events":["error"],"headers":{},"enabled":true,"createdAt":"2025-12-07T17:30:00.000Z","lastTriggered":null,"triggerCount":0,"failureCount":0},{"id":"wh_zap","name":"Zap","url":"https://hooks.zapier.com/hooks/catch/1/a/","method":"POST","events":["error"],"headers":{},"enabled":true,"createdAt":"2025-12-07T17:30:00.000Z","lastTriggered":null,"triggerCount":0,"failureCount":0}],"meta":{}}"#,
    );
    let e = start(&fake);
    assert!(secret_of(&fake, &e, "wh_old").starts_with("whsec_"));
    assert!(fake.stored(crate::store::REGISTRY_KEY).is_some_and(|t| t.contains("whsec_")), "stored at once");
    let signed = |id: &str| webhook(&fake, &e, id)["signing"]["enabled"].clone();
    assert_eq!([signed("wh_old"), signed("wh_zap")], [json!(true), json!(false)], "as a new one for its URL");
}

#[test]
fn zapier_and_ifttt_hooks_are_not_signed_unless_the_user_asks() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let zapier = add(&fake, &e, "Zap", "https://hooks.zapier.com/hooks/catch/123/abc/", &["error"]);
    let ifttt = add(&fake, &e, "Applet", "https://maker.ifttt.com/trigger/autochat/json/with/key/k", &["error"]);
    let api = add(&fake, &e, "API", "https://api.example.com/hook", &["error"]);
    let asked = ok(
        &fake,
        &e,
        json!({"type": "addWebhook", "webhook": {"name": "Zap 2", "url": "https://hooks.zapier.com/hooks/catch/1/b/", "events": ["error"], "sign": true}}),
    )["webhook"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let signed = |id: &str| webhook(&fake, &e, id)["signing"]["enabled"].clone();
    assert_eq!(
        [signed(&zapier), signed(&ifttt), signed(&api), signed(&asked)],
        [false, false, true, true].map(Value::from)
    );
    emit_error(&fake, &e, "x");
    fake.run();
    let by_host: Vec<(String, bool)> =
        fake.sent().iter().map(|s| (s.request.url.clone(), s.header("webhook-signature").is_some())).collect();
    assert_eq!(by_host.len(), 4);
    for (url, has_signature) in by_host {
        assert_eq!(has_signature, url.contains("api.example.com") || url.contains("/1/b/"), "{url}");
    }
}
