//! What sets work going: a command or an outcome ([`Engine::kick`]), the wake-up alarm and the
//! network coming back ([`Engine::wake`]), a new browser session, and the timers that keep short
//! waits short while the worker lives.

use super::Engine;
use crate::ports::Ports;
use crate::rules::retry::ms;
use crate::values::time::Millis;
use std::rc::Rc;
use std::time::Duration;

/// Waits up to this long also get an in-memory timer; longer ones rely on the alarm alone.
const TIMER_HORIZON: Duration = Duration::from_secs(60);
/// Slack added to the in-flight watchdog alarm beyond the request timeout.
const WATCHDOG_SLACK: Duration = Duration::from_secs(5);
/// While offline, the alarm looks again this often, in case the worker stops meanwhile.
const OFFLINE_RECHECK: Duration = Duration::from_secs(60);
/// While offline and alive, the worker looks again this often (not every browser fires `online`
/// in a service worker).
const OFFLINE_POLL: Duration = Duration::from_secs(2);

impl<P: Ports> Engine<P> {
    /// Called when the wake-up alarm fires or the network comes back: carries on with due work.
    pub fn wake(self: &Rc<Self>) {
        self.state.borrow_mut().alarm_at = None;
        self.kick();
    }

    /// Runs once per browser session, at the first start of the core: a campaign under way is
    /// stopped (its tab is gone), and waiting deliveries are tried at once instead of at their
    /// scheduled time (a restart often follows a network change, and the user expects queued
    /// events to flow), without adding to their attempts.
    pub(super) fn browser_started(self: &Rc<Self>) {
        let m = self.moment();
        let stopped = self.state.borrow_mut().campaign_mut(super::state::When::Now).browser_restarted(m);
        if !stopped.is_empty() {
            let engine = Rc::clone(self);
            self.spawn(async move {
                let _ = engine.emit_all(stopped).await;
            });
        }
        {
            let mut s = self.state.borrow_mut();
            s.bring_forward(m.now);
            s.alarm_at = None;
        }
        self.flush_soon();
        self.kick();
    }

    /// Starts every due attempt and the due campaign message, then re-arms the wake-ups and lets
    /// the pages know what changed.
    pub(super) fn kick(self: &Rc<Self>) {
        let now = self.ports.now();
        let online = self.ports.online();
        let batches_due = {
            let mut s = self.state.borrow_mut();
            let due = !s.closing_batches && !s.due_batches(now).is_empty();
            s.closing_batches |= due;
            due
        };
        if batches_due {
            // Closed, stored, then sent: a batch's delivery is in storage before its request.
            let engine = Rc::clone(self);
            self.spawn(async move { engine.close_due_batches().await });
        }
        if online {
            self.start_due_attempts(now);
        }
        if self.campaign_due_at().is_some_and(|at| at <= now) {
            self.state.borrow_mut().sending = true;
            let engine = Rc::clone(self);
            self.spawn(async move { engine.send_campaign_message().await });
        }
        self.rearm(now, online);
        self.notify_soon();
    }

    /// Keeps the alarm (and, for short waits, a timer) set for the earliest pending work.
    fn rearm(self: &Rc<Self>, now: Millis, online: bool) {
        let campaign_at = self.campaign_due_at();
        let watchdog_after = ms(self.policies.retry.timeout + WATCHDOG_SLACK);
        let timer = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let mut next_due = s.outbox().next_due(|w| s.not_before(w), &s.in_flight);
            if !online {
                next_due = next_due.map(|at| at.max(now.plus(ms(OFFLINE_RECHECK))));
            }
            let watchdog = (!s.in_flight.is_empty() || s.sending).then(|| now.plus(watchdog_after));
            let batch_at = s.next_batch_close();
            let wanted = next_due.into_iter().chain(watchdog).chain(campaign_at).chain(batch_at).min();
            // An alarm that fires earlier than needed is harmless (the wake finds nothing due and
            // re-arms), and each alarm call is an extension API round trip, so the alarm is only
            // moved when it would fire too late, and left to lapse when there is nothing to wait for.
            let keep = match (s.alarm_at, wanted) {
                (Some(armed), Some(want)) => armed > now && armed <= want,
                (_, None) => true,
                (None, Some(_)) => false,
            };
            if !keep {
                self.ports.arm_alarm(wanted);
                s.alarm_at = wanted;
            }
            let deliveries_at = if online { next_due } else { next_due.map(|_| now.plus(ms(OFFLINE_POLL))) };
            let timer_for = deliveries_at.into_iter().chain(campaign_at).chain(batch_at).min();
            match timer_for {
                Some(at)
                    if at > now
                        && at.since(now) <= ms(TIMER_HORIZON)
                        && s.timer_at.is_none_or(|t| t <= now || t > at) =>
                {
                    s.timer_at = Some(at);
                    Some(at)
                }
                _ => None,
            }
        };
        if let Some(at) = timer {
            let engine = Rc::clone(self);
            self.spawn(async move {
                engine.ports.sleep(Duration::from_millis(at.since(now))).await;
                {
                    let mut s = engine.state.borrow_mut();
                    if s.timer_at == Some(at) {
                        s.timer_at = None;
                    }
                }
                engine.kick();
            });
        }
    }
}
