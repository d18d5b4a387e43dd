use super::*;
use crate::signing::Secret;

fn key() -> Secret {
    Secret::generate([3; 32])
}
use crate::webhooks::webhook::{validate_draft, WebhookDraft};

fn valid(name: &str, events: &[&str]) -> ValidDraft {
    validate_draft(&WebhookDraft {
        name: name.into(),
        url: "https://example.com/hook".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        ..Default::default()
    })
    .expect("valid draft")
}

fn id(n: u8) -> WebhookId {
    WebhookId::from_random([n; 8])
}

#[test]
fn adds_up_to_ten_and_refuses_the_eleventh_unchanged() {
    let mut r = Registry::default();
    for n in 0..10 {
        r.add(valid("w", &["error"]), id(n), Millis(0), key()).expect("room");
    }
    let before = r.clone();
    assert!(matches!(r.add(valid("w", &["error"]), id(10), Millis(0), key()), Err(Error::LimitReached { limit: 10 })));
    assert_eq!(r, before);
}

#[test]
fn a_new_webhook_starts_enabled_with_zero_stats() {
    let mut r = Registry::default();
    let w = r.add(valid("Slack", &["error"]), id(1), Millis(1_765_128_600_000), key()).expect("added").clone();
    assert!(w.enabled);
    assert_eq!((w.trigger_count, w.failure_count, w.last_triggered), (0, 0, None));
    assert_eq!(w.created_at, "2025-12-07T17:30:00.000Z");
}

#[test]
fn update_keeps_identity_and_stats() {
    let mut r = Registry::default();
    r.add(valid("Old", &["error"]), id(1), Millis(5), key()).expect("added");
    r.record_success(&id(1), Millis(9));
    let w = r.update(&id(1), valid("New", &["milestone"]), Millis(0)).expect("updated").clone();
    assert_eq!((w.name.as_str(), w.events.as_slice()), ("New", &[EventKind::Milestone][..]));
    assert_eq!((w.trigger_count, w.created_at.as_str()), (1, "1970-01-01T00:00:00.005Z"));
    assert!(matches!(r.update(&id(2), valid("x", &["error"]), Millis(0)), Err(Error::NotFound(_))));
}

#[test]
fn routing_respects_subscription_enabled_flag_and_global_switch() {
    let mut r = Registry::default();
    r.add(valid("a", &["message_sent", "error"]), id(1), Millis(0), key()).expect("added");
    r.add(valid("b", &["error"]), id(2), Millis(0), key()).expect("added");
    r.add(valid("c", &["error"]), id(3), Millis(0), key()).expect("added");
    r.set_enabled(&id(3), false).expect("exists");
    assert_eq!(r.subscribers(EventKind::Error), vec![id(1), id(2)]);
    assert_eq!(r.subscribers(EventKind::MessageSent), vec![id(1)]);
    assert!(r.subscribers(EventKind::Milestone).is_empty());
    r.webhooks_enabled = false;
    assert!(r.subscribers(EventKind::Error).is_empty());
    assert!(!r.may_deliver_to(&id(1)));
}

#[test]
fn stats_count_outcomes_and_clear_one_or_all() {
    let mut r = Registry::default();
    r.add(valid("a", &["error"]), id(1), Millis(0), key()).expect("added");
    r.add(valid("b", &["error"]), id(2), Millis(0), key()).expect("added");
    r.record_success(&id(1), Millis(1_000));
    r.record_success(&id(1), Millis(2_000));
    r.record_failure(&id(1), Some(500), "HTTP 500", Millis(3_000));
    r.record_failure(&id(2), Some(500), "HTTP 500", Millis(3_000));
    r.record_failure(&id(9), Some(500), "HTTP 500", Millis(3_000)); // deleted meanwhile: ignored
    let a = r.get(&id(1)).expect("exists");
    assert_eq!((a.trigger_count, a.failure_count), (2, 1));
    assert_eq!(a.last_triggered.as_deref(), Some("1970-01-01T00:00:02.000Z"));
    r.clear_stats(Some(&id(1))).expect("exists");
    assert_eq!(r.get(&id(1)).expect("exists").trigger_count, 0);
    assert_eq!(r.get(&id(2)).expect("exists").failure_count, 1);
    r.clear_stats(None).expect("all");
    assert_eq!(r.get(&id(2)).expect("exists").failure_count, 0);
}

#[test]
fn gone_switches_a_webhook_off_at_once_with_the_reason() {
    let mut r = Registry::default();
    r.add(valid("a", &["error"]), id(1), Millis(0), key()).expect("added");
    let reason = r.record_failure(&id(1), Some(410), "HTTP 410 Gone", Millis(1_765_128_600_000)).expect("switched off");
    assert!(reason.contains("410 Gone") && reason.contains("2025-12-07T17:30:00.000Z"), "{reason}");
    assert!(!r.get(&id(1)).expect("exists").enabled);
    assert_eq!(r.meta(&id(1)).disabled_reason, Some(reason));
    r.set_enabled(&id(1), true).expect("exists");
    let meta = r.meta(&id(1));
    assert_eq!((meta.disabled_reason, meta.consecutive_failures), (None, 0), "switching on forgets the reason");
}

#[test]
fn five_failures_in_a_row_switch_a_webhook_off_and_a_success_resets_the_run() {
    let mut r = Registry::default();
    r.add(valid("a", &["error"]), id(1), Millis(0), key()).expect("added");
    for _ in 0..4 {
        assert_eq!(r.record_failure(&id(1), Some(500), "HTTP 500", Millis(0)), None);
    }
    r.record_success(&id(1), Millis(0));
    for _ in 0..4 {
        assert_eq!(r.record_failure(&id(1), None, "Could not connect", Millis(0)), None);
    }
    let reason = r.record_failure(&id(1), None, "Could not connect", Millis(0)).expect("the fifth in a row");
    assert!(reason.contains("5 deliveries in a row") && reason.contains("Could not connect"));
    assert_eq!(r.get(&id(1)).expect("exists").failure_count, 9);
    assert_eq!(r.record_failure(&id(1), None, "x", Millis(0)), None, "already off: no new reason");
}

#[test]
fn the_retry_choice_is_kept_per_webhook() {
    let mut r = Registry::default();
    let mut quick = valid("a", &["error"]);
    quick.retry_mode = Some(RetryMode::Quick);
    r.add(quick, id(1), Millis(0), key()).expect("added");
    r.add(valid("b", &["error"]), id(2), Millis(0), key()).expect("added");
    assert_eq!((r.meta(&id(1)).retry_mode, r.meta(&id(2)).retry_mode), (RetryMode::Quick, RetryMode::Persistent));
    r.update(&id(1), valid("a", &["error"]), Millis(0)).expect("updated");
    assert_eq!(r.meta(&id(1)).retry_mode, RetryMode::Quick, "an edit without a choice keeps it");
    r.delete(&id(1)).expect("deleted");
    assert!(!r.meta.contains_key(&id(1)));
}

#[test]
fn delete_removes_only_that_webhook() {
    let mut r = Registry::default();
    r.add(valid("a", &["error"]), id(1), Millis(0), key()).expect("added");
    r.add(valid("b", &["error"]), id(2), Millis(0), key()).expect("added");
    assert_eq!(r.delete(&id(1)).expect("exists").name, "a");
    assert!(matches!(r.delete(&id(1)), Err(Error::NotFound(_))));
    assert_eq!(r.webhooks.len(), 1);
}

#[test]
fn success_rate_is_derived() {
    assert_eq!(success_rate(0, 0), None);
    assert_eq!(success_rate(3, 1), Some(75.0));
}
