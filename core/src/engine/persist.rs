//! Coalesced storage writes.
//!
//! State changes mark what they touched ([`super::state`]). One writer at a time turns the marks
//! into a single storage operation; changes made while a write is under way go out together in
//! the next one. A delivery may be attempted as soon as the write carrying it is issued: the
//! browser completes an issued write even if the worker stops meanwhile. A caller that must know
//! its change is stored (a command, an emitted event) awaits [`Engine::flush`] or
//! [`Engine::flush_urgent`]. Delivery outcomes are marked for "soon" and written within
//! [`OUTCOME_WRITE_DELAY`], or during a burst once every [`OUTCOME_WRITE_SPACING`], so a burst
//! of outcomes costs one write a second and an event's new deliveries never wait behind
//! statistics and history. If the worker is stopped inside that window the outcome is lost and
//! the delivery is sent again later with the same `webhook-id` (at-least-once).

use super::state::{Part, Snapshot, State};
use super::Engine;
use crate::ports::Ports;
use crate::store::BATCH_KEY_PREFIX;
use crate::Error;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// How long outcome-only changes may wait to be written together.
pub(super) const OUTCOME_WRITE_DELAY: Duration = Duration::from_millis(250);
/// While outcomes keep coming (a burst), delayed writes are at least this far apart: each one
/// rewrites the registry and every touched history whole, so a burst pays per write, and four
/// writes a second cost it several percent of its speed. A lone outcome still goes within
/// [`OUTCOME_WRITE_DELAY`]; at most this much of a burst is sent again after a stop.
pub(super) const OUTCOME_WRITE_SPACING: Duration = Duration::from_secs(1);

/// The writer's bookkeeping: changes are numbered, writes record the newest number they carried.
#[derive(Default)]
pub(super) struct Writer {
    /// The number of the latest change.
    changes: u64,
    /// Every change up to this number is stored.
    stored: u64,
    /// The latest failed write: the change number it carried and why it failed.
    failed: Option<(u64, String)>,
    writing: bool,
    /// A delayed write is scheduled.
    delayed: bool,
    /// When the last delayed write started.
    last_delayed: Option<crate::values::time::Millis>,
    waiters: Vec<Waker>,
    /// Storage operations completed, for the status and the benchmark.
    pub count: u64,
    /// The wait before retrying after a failed write; doubles up to [`MAX_RETRY_WAIT`].
    retry_wait: Option<Duration>,
}

/// The first wait before a failed write is tried again.
const FIRST_RETRY_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between tries of a failing write.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

impl Writer {
    fn wake_waiters(&mut self) {
        self.waiters.drain(..).for_each(Waker::wake);
    }
}

impl<P: Ports> Engine<P> {
    /// Carries out a command's change as one unit: applied to memory, then stored; if it cannot be
    /// stored (or the change itself is refused), `parts` are put back as they were, so the command
    /// changes nothing, in memory or on disk, and says so.
    ///
    /// Commands take turns: the next one starts once this one is stored or undone, so an undo
    /// never puts back a part that another command changed meanwhile (and that says it is saved).
    pub(super) async fn commit<T>(
        self: &Rc<Self>,
        parts: &[Part<'_>],
        change: impl FnOnce(&mut State) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let turn = self.turn().await;
        let mut snapshot = self.state.borrow_mut().snapshot(parts);
        let applied = change(&mut self.state.borrow_mut());
        self.state.borrow().settle(&mut snapshot);
        let value = match applied {
            Ok(value) => value,
            Err(refused) => {
                self.state.borrow_mut().restore(snapshot, false);
                return Err(refused);
            }
        };
        self.store_or_undo(turn, snapshot).await?;
        Ok(value)
    }

    /// Waits for the command turn (see [`Engine::commit`]); it is held until the value is dropped.
    pub(super) fn turn(&self) -> impl Future<Output = TurnHeld<'_, P>> {
        Turn { engine: self }
    }

    /// Stores a command's change, or puts back what it changed if that cannot be stored; the
    /// command's turn ends after. (Not generic: one copy for every command.)
    async fn store_or_undo(self: &Rc<Self>, _turn: TurnHeld<'_, P>, snapshot: Snapshot) -> Result<(), Error> {
        match self.flush().await {
            Ok(()) => {
                // Every open page hears of it, whether or not the command goes on to wake the
                // dispatcher (adding a webhook does not).
                self.notify_soon();
                Ok(())
            }
            Err(Error::Storage(why)) => {
                self.state.borrow_mut().restore(snapshot, true);
                self.notify_soon();
                Err(Error::Storage(format!("{why}. Nothing was changed")))
            }
            Err(other) => Err(other),
        }
    }

    /// Stores every change made so far, outcomes included; resolves when they are in storage.
    /// Commands use it, so what a user did and what they then see are stored together.
    pub(super) async fn flush(self: &Rc<Self>) -> Result<(), Error> {
        self.state.borrow_mut().hurry();
        self.flush_urgent().await
    }

    /// Stores the changes marked for now (an event's new deliveries) without waiting for outcome
    /// changes, which follow within [`OUTCOME_WRITE_DELAY`].
    pub(super) async fn flush_urgent(self: &Rc<Self>) -> Result<(), Error> {
        let target = self.write_now();
        Stored { engine: self, target }.await
    }

    /// Stores every change made so far within [`OUTCOME_WRITE_DELAY`] (or, in a burst, one
    /// [`OUTCOME_WRITE_SPACING`] after the last delayed write), without waiting.
    pub(super) fn flush_soon(self: &Rc<Self>) {
        let now = self.ports.now();
        let wait = {
            let mut writer = self.writer.borrow_mut();
            if writer.delayed {
                return;
            }
            writer.delayed = true;
            let spaced = writer.last_delayed.map_or(Duration::ZERO, |at| {
                OUTCOME_WRITE_SPACING.saturating_sub(Duration::from_millis(now.since(at)))
            });
            spaced.max(OUTCOME_WRITE_DELAY)
        };
        let engine = Rc::clone(self);
        self.spawn(async move {
            engine.ports.sleep(wait).await;
            let carried = engine.state.borrow_mut().hurry();
            let mut writer = engine.writer.borrow_mut();
            writer.delayed = false;
            if carried {
                writer.last_delayed = Some(engine.ports.now());
            }
            drop(writer);
            engine.write_now();
        });
    }

    /// Starts storing every change marked for now; returns the change number to wait for.
    fn write_now(self: &Rc<Self>) -> u64 {
        let mut writer = self.writer.borrow_mut();
        writer.changes += 1;
        let target = writer.changes;
        if !writer.writing {
            writer.writing = true;
            let engine = Rc::clone(self);
            self.spawn(async move { engine.write_while_marked().await });
        }
        target
    }

    async fn write_while_marked(self: Rc<Self>) {
        loop {
            let carried = self.writer.borrow().changes;
            let writes = self.state.borrow_mut().take_writes();
            if writes.entries.is_empty() && writes.removals.is_empty() {
                let mut writer = self.writer.borrow_mut();
                writer.stored = carried;
                writer.writing = false;
                writer.wake_waiters();
                return;
            }
            // Removals go first and whatever the write does: they free space, so a full disk
            // never holds them back. A closed batch's key is the exception: it goes only after
            // the write that stores its delivery.
            let (after_write, removals): (Vec<String>, Vec<String>) =
                writes.removals.into_iter().partition(|k| k.starts_with(BATCH_KEY_PREFIX));
            let removed = (!removals.is_empty()).then(|| self.ports.remove(removals));
            let written = (!writes.entries.is_empty()).then(|| self.ports.write(writes.entries));
            // Both operations are with the browser now, which completes them in order even if the
            // worker stops before they resolve (see `Storage::write`): the deliveries they carry
            // may be attempted at once, instead of a storage round trip later.
            if writes.taken.carries_deliveries() {
                self.state.borrow_mut().issued(&writes.taken);
                self.kick();
            }
            let mut result = Ok(());
            if let Some(removed) = removed {
                result = removed.await;
            }
            if let Some(written) = written {
                result = result.and(written.await);
            }
            if result.is_ok() && !after_write.is_empty() {
                result = self.ports.remove(after_write).await;
            }
            let mut writer = self.writer.borrow_mut();
            writer.count += 1;
            match result {
                Ok(()) => {
                    writer.stored = carried;
                    let retried = writer.retry_wait.take().is_some();
                    self.state.borrow_mut().stored(&writes.taken, writes.bodies);
                    if retried && writes.taken.carries_deliveries() {
                        // Deliveries stored by a retried write go out now.
                        writer.wake_waiters();
                        drop(writer);
                        self.kick();
                        continue;
                    }
                }
                Err(message) => {
                    // The marks go back, so the next write carries these changes again, and it is
                    // tried again after a growing wait even if nothing else asks for a write.
                    self.state.borrow_mut().put_back(writes.taken);
                    writer.failed = Some((carried, message));
                    writer.writing = false;
                    writer.wake_waiters();
                    let wait = writer.retry_wait.map_or(FIRST_RETRY_WAIT, |w| (w * 2).min(MAX_RETRY_WAIT));
                    writer.retry_wait = Some(wait);
                    drop(writer);
                    let engine = Rc::clone(&self);
                    self.spawn(async move {
                        engine.ports.sleep(wait).await;
                        engine.write_now();
                    });
                    return;
                }
            }
            writer.wake_waiters();
        }
    }
}

/// Whether a command is changing state, and who waits for its turn.
#[derive(Default)]
pub(super) struct CommandTurn {
    taken: bool,
    waiters: Vec<Waker>,
}

/// Resolves when no other command is changing state, and holds the turn until dropped.
struct Turn<'a, P: Ports> {
    engine: &'a Engine<P>,
}

impl<'a, P: Ports> Future for Turn<'a, P> {
    type Output = TurnHeld<'a, P>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut turn = self.engine.commands.borrow_mut();
        if turn.taken {
            turn.waiters.push(cx.waker().clone());
            return Poll::Pending;
        }
        turn.taken = true;
        Poll::Ready(TurnHeld { engine: self.engine })
    }
}

/// A command's turn; the next command may start once it is dropped.
pub(super) struct TurnHeld<'a, P: Ports> {
    engine: &'a Engine<P>,
}

impl<P: Ports> Drop for TurnHeld<'_, P> {
    fn drop(&mut self) {
        let mut turn = self.engine.commands.borrow_mut();
        turn.taken = false;
        turn.waiters.drain(..).for_each(Waker::wake);
    }
}

/// Resolves once the change numbered `target` is stored, or its write failed.
struct Stored<'a, P: Ports> {
    engine: &'a Engine<P>,
    target: u64,
}

impl<P: Ports> Future for Stored<'_, P> {
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut writer = self.engine.writer.borrow_mut();
        if writer.stored >= self.target {
            return Poll::Ready(Ok(()));
        }
        if let Some((carried, message)) = &writer.failed {
            if *carried >= self.target {
                return Poll::Ready(Err(Error::Storage(message.clone())));
            }
        }
        writer.waiters.push(cx.waker().clone());
        Poll::Pending
    }
}
