//! When the platform may drop the core and start afresh to give memory back.

use super::*;
use crate::engine::MemoryVerdict;

/// Lets every short wait run out (the outcome write, the notice spacing).
fn settle(fake: &Fake) {
    fake.advance(2_000);
    fake.run();
}

#[test]
fn an_idle_core_that_grew_may_start_afresh_and_a_busy_one_may_not() {
    let fake = Fake::at(T0);
    fake.set_memory_bytes(1 << 20);
    let e = start(&fake);
    settle(&fake);
    assert_eq!(e.memory_verdict(), MemoryVerdict::Keep, "idle, nothing grown");

    let id = add(&fake, &e, "a", "https://a.com", &["error"]);
    fake.script("a.com", [status(502)]);
    emit_error(&fake, &e, "x");
    fake.set_memory_bytes(64 << 20);
    // The retry is a few seconds away: its timer is under way, and so is the outcome's write.
    assert_eq!(e.memory_verdict(), MemoryVerdict::Busy);
    fake.advance(OUTCOME_WRITE_MS);
    fake.run();
    assert_eq!(e.memory_verdict(), MemoryVerdict::Busy, "the retry's timer still waits");

    fake.advance(60_000);
    fake.run();
    settle(&fake);
    assert_eq!(fake.sent().len(), 2, "the retry went out");
    assert_eq!(e.memory_verdict(), MemoryVerdict::Release);

    // Releasing is what a worker stop does: a fresh core from storage has everything.
    drop(e);
    fake.stop_worker();
    fake.set_memory_bytes(1 << 20);
    let fresh = start(&fake);
    let w = webhook(&fake, &fresh, &id);
    assert_eq!((w["triggerCount"].clone(), w["pendingDeliveries"].clone()), (json!(1), json!(0)));
    settle(&fake);
    assert_eq!(fresh.memory_verdict(), MemoryVerdict::Keep);
}

#[test]
fn a_core_waiting_only_on_its_alarm_may_start_afresh() {
    let fake = Fake::at(T0);
    fake.set_memory_bytes(1 << 20);
    let e = start(&fake);
    add(&fake, &e, "a", "https://a.com", &["error"]);
    // Every attempt fails until the next retry is more than a minute away: only the alarm waits.
    fake.script("a.com", (0..6).map(|_| status(502)));
    emit_error(&fake, &e, "x");
    for _ in 0..4 {
        fake.advance(30_000);
        e.wake();
        fake.run();
    }
    settle(&fake);
    fake.set_memory_bytes(64 << 20);
    let waiting = ok(&fake, &e, json!({"type": "getStatus"}))["pendingDeliveries"].clone();
    assert_eq!(waiting, 1, "the delivery still waits");
    assert!(fake.alarm().is_some(), "the alarm stands for it");
    assert_eq!(e.memory_verdict(), MemoryVerdict::Release);
}

#[test]
fn without_a_memory_reading_the_core_is_kept() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    settle(&fake);
    assert_eq!(e.memory_verdict(), MemoryVerdict::Keep);
}
