use super::*;
use serde_json::json;

fn cond(field: &str, op: Operator, value: &str) -> Condition {
    Condition { field: field.into(), op, value: value.into() }
}

fn sent(total: u64, message: &str) -> Value {
    json!({"event": "message_sent", "data": {"message": message, "messagesSentToday": 1, "totalMessagesSent": total}})
}

#[test]
fn conditions_compare_numbers_and_text_and_all_must_hold() {
    let filter = Filter {
        conditions: vec![
            cond("data.totalMessagesSent", Operator::Ge, "100"),
            cond("data.message", Operator::Contains, "ORDER"),
        ],
        ..Filter::default()
    };
    let mut state = FilterState::default();
    assert!(!filter.admit(&mut state, EventKind::MessageSent, &sent(99, "new order"), Millis(0)));
    assert!(filter.admit(&mut state, EventKind::MessageSent, &sent(100, "New Order #5"), Millis(0)));
    assert!(!filter.admit(&mut state, EventKind::MessageSent, &sent(150, "hello"), Millis(0)));
    assert_eq!(state.filtered, 2, "filtered events are counted");
    let error = json!({"event": "error", "data": {"error": "Request Timeout while sending"}});
    let timeout = Filter { conditions: vec![cond("data.error", Operator::Matches, "/timeout/i")], ..Filter::default() };
    assert!(timeout.admit(&mut FilterState::default(), EventKind::Error, &error, Millis(0)));
    let exact = Filter { conditions: vec![cond("data.error", Operator::Matches, "/^timeout$/")], ..Filter::default() };
    assert!(!exact.admit(&mut FilterState::default(), EventKind::Error, &error, Millis(0)));
}

#[test]
fn throttling_and_every_nth_message() {
    let filter = Filter { at_most_every_minutes: Some(5), ..Filter::default() };
    let mut state = FilterState::default();
    let at = |m: u64| Millis(m * 60_000);
    let passed: Vec<bool> =
        [0, 1, 4, 5, 6, 10].iter().map(|m| filter.admit(&mut state, EventKind::Error, &json!({}), at(*m))).collect();
    assert_eq!(passed, [true, false, false, true, false, true]);
    let nth = Filter { every_nth_message: Some(3), ..Filter::default() };
    let mut state = FilterState::default();
    let sent_pass: Vec<bool> =
        (1..=6).map(|n| nth.admit(&mut state, EventKind::MessageSent, &sent(n, "x"), Millis(0))).collect();
    assert_eq!(sent_pass, [false, false, true, false, false, true]);
    assert!(nth.admit(&mut state, EventKind::Error, &json!({}), Millis(0)), "other events are not counted");
}

#[test]
fn mistakes_are_field_errors_with_the_row() {
    let check_one = |c: Condition, events: &[EventKind]| {
        check(&Filter { conditions: vec![c], ..Filter::default() }, events).map_err(|e| e[0].message.clone())
    };
    let sent_only = [EventKind::MessageSent];
    assert!(check_one(cond("data.totalMessagesSent", Operator::Ge, "100"), &sent_only).is_ok());
    assert!(check_one(cond("data.error", Operator::Matches, "/time(out/i"), &[EventKind::Error])
        .is_err_and(|m| m.contains("not valid")));
    assert!(check_one(cond("data.error", Operator::Matches, "/x/g"), &[EventKind::Error])
        .is_err_and(|m| m.contains("flag")));
    assert!(check_one(cond("data.totalMessagesSent", Operator::Ge, "many"), &sent_only)
        .is_err_and(|m| m.contains("number")));
    assert!(check_one(cond("data.message", Operator::Gt, "a"), &sent_only).is_err_and(|m| m.contains("does not apply")));
    let both = [EventKind::MessageSent, EventKind::Error];
    assert!(check_one(cond("data.totalMessagesSent", Operator::Ge, "1"), &both)
        .is_err_and(|m| m.contains("not in error events")));
    assert!(check_one(cond("event", Operator::Eq, "error"), &both).is_ok(), "every event has a name");
    assert!(check(&Filter { every_nth_message: Some(1), ..Filter::default() }, &sent_only).is_err());
}

#[test]
fn the_summary_reads_like_the_rule() {
    let filter = Filter {
        conditions: vec![cond("data.totalMessagesSent", Operator::Ge, "100")],
        at_most_every_minutes: Some(5),
        every_nth_message: None,
    };
    assert_eq!(filter.summary().as_deref(), Some("only when Total sent ≥ 100 · at most one every 5 min"));
    assert_eq!(Filter::default().summary(), None);
    let nth = |n| Filter { every_nth_message: Some(n), ..Filter::default() }.summary().unwrap_or_default();
    let said: Vec<String> = [2, 3, 4, 11, 12, 13, 21, 22, 101, 112].map(nth).to_vec();
    assert_eq!(
        said.iter().map(|s| s.trim_start_matches("only when every ").trim_end_matches(" message")).collect::<Vec<_>>(),
        ["2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "112th"]
    );
}
