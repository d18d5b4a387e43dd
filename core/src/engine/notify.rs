//! Telling open pages what changed. State changes note it ([`super::state`]); the notice goes out
//! within [`NOTICE_DELAY`] of the first change, carrying everything noted meanwhile, so a burst of
//! outcomes costs a few notices a second and a page never polls.

use super::Engine;
use crate::ports::Ports;
use std::rc::Rc;
use std::time::Duration;

/// How long changes are gathered into one notice.
pub(super) const NOTICE_DELAY: Duration = Duration::from_millis(100);

/// Whether a notice is scheduled.
#[derive(Default)]
pub(super) struct Notifier {
    scheduled: bool,
}

impl<P: Ports> Engine<P> {
    /// Schedules a notice of what changed, unless one is scheduled or nothing changed.
    pub(super) fn notify_soon(self: &Rc<Self>) {
        if !self.state.borrow().has_changes() {
            return;
        }
        {
            let mut notifier = self.notifier.borrow_mut();
            if notifier.scheduled {
                return;
            }
            notifier.scheduled = true;
        }
        let engine = Rc::clone(self);
        self.ports.spawn(Box::pin(async move {
            engine.ports.sleep(NOTICE_DELAY).await;
            engine.notifier.borrow_mut().scheduled = false;
            let changed = engine.state.borrow_mut().take_changed();
            if !changed.is_empty() {
                engine.ports.notify(&changed);
            }
        }));
    }
}
