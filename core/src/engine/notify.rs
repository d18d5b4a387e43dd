//! Telling open pages what changed. State changes note it ([`super::state`]); the notice goes out
//! within [`NOTICE_DELAY`] of the first change, carrying everything noted meanwhile, and notices
//! are at least [`NOTICE_SPACING`] apart, so a stream of outcomes costs one notice a second and a
//! page never polls.
//!
//! Each notice makes every open manager ask for the list again and redraw it; at ten notices a
//! second during a burst, an open Webhook Manager cost a fifth of the delivery throughput (the
//! benchmark's "manager open" figure). A user's own action is still shown within [`NOTICE_DELAY`]
//! when nothing was said in the second before.

use super::Engine;
use crate::ports::Ports;
use crate::rules::retry::ms;
use crate::values::time::Millis;
use std::rc::Rc;
use std::time::Duration;

/// How long changes are gathered into one notice.
pub(super) const NOTICE_DELAY: Duration = Duration::from_millis(100);

/// The least time between two notices.
pub(super) const NOTICE_SPACING: Duration = Duration::from_millis(1_000);

/// Whether a notice is scheduled, and when the last one went out.
#[derive(Default)]
pub(super) struct Notifier {
    scheduled: bool,
    last_sent: Option<Millis>,
}

impl<P: Ports> Engine<P> {
    /// Schedules a notice of what changed, unless one is scheduled or nothing changed.
    pub(super) fn notify_soon(self: &Rc<Self>) {
        if !self.state.borrow().has_changes() {
            return;
        }
        let now = self.ports.now();
        let wait = {
            let mut notifier = self.notifier.borrow_mut();
            if notifier.scheduled {
                return;
            }
            notifier.scheduled = true;
            let spaced = notifier.last_sent.map_or(0, |last| last.0 + ms(NOTICE_SPACING)).saturating_sub(now.0);
            Duration::from_millis(spaced).max(NOTICE_DELAY)
        };
        let engine = Rc::clone(self);
        self.spawn(async move {
            engine.ports.sleep(wait).await;
            let changed = engine.state.borrow_mut().take_changed();
            let mut notifier = engine.notifier.borrow_mut();
            notifier.scheduled = false;
            if !changed.is_empty() {
                notifier.last_sent = Some(engine.ports.now());
                drop(notifier);
                engine.ports.notify(&changed);
            }
        });
    }
}
