//! Giving memory back. A wasm instance's linear memory only grows: after a burst of deliveries the
//! allocator reuses the space but never returns it, so a worker kept alive by a long campaign
//! would hold a burst's peak for hours. Every promise the engine makes already survives the worker
//! stopping (everything waits in storage, every wait has an alarm), so the platform may drop the
//! instance and start a fresh core from storage whenever the engine is idle. The engine says when
//! that is safe and worth it; the platform does it between events.

use super::Engine;
use crate::ports::Ports;
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

/// How much the memory may grow beyond what start-up left before a release is worth a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryPolicy {
    /// Bytes of growth since start-up that make a fresh start worth its cost (a start reads and
    /// decodes everything stored, a few tens of milliseconds).
    pub release_after_growth: u64,
}

impl Default for MemoryPolicy {
    fn default() -> Self {
        MemoryPolicy { release_after_growth: 4 << 20 }
    }
}

/// Whether the platform may start the core afresh now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryVerdict {
    /// Work is under way (a request, a write, a timer, a campaign message): ask again later.
    Busy,
    /// Idle, but there is little to give back, or the platform cannot tell.
    Keep,
    /// Idle and grown past the policy: dropping the instance gives memory back and loses nothing.
    Release,
}

impl MemoryVerdict {
    /// The word the platform's shim reads.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryVerdict::Busy => "busy",
            MemoryVerdict::Keep => "keep",
            MemoryVerdict::Release => "release",
        }
    }
}

/// Counts the engine's background tasks that are still running: a task holds one of these, and
/// dropping it (when the task ends) takes it off the count.
pub(super) struct TaskCount(Rc<Cell<usize>>);

impl TaskCount {
    fn enter(count: &Rc<Cell<usize>>) -> TaskCount {
        count.set(count.get() + 1);
        TaskCount(Rc::clone(count))
    }
}

impl Drop for TaskCount {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

impl<P: Ports> Engine<P> {
    /// Runs `task` in the background, counted, so [`Engine::memory_verdict`] knows the engine is
    /// busy until it ends. Every background task of the engine goes through here.
    pub(super) fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        let count = TaskCount::enter(&self.tasks);
        self.ports.spawn(Box::pin(async move {
            let _count = count;
            task.await;
        }));
    }

    /// Whether the platform may drop this core and start a fresh one from storage now. Only the
    /// engine's own work counts; the caller must also have no command of its own unanswered.
    pub fn memory_verdict(&self) -> MemoryVerdict {
        let busy = self.tasks.get() > 0 || {
            let s = self.state.borrow();
            !s.in_flight.is_empty() || s.sending || s.closing_batches || s.has_marks()
        };
        if busy {
            return MemoryVerdict::Busy;
        }
        match (self.ports.memory_bytes(), self.memory_at_start) {
            (Some(now), Some(start)) if now.saturating_sub(start) >= self.policies.memory.release_after_growth => {
                MemoryVerdict::Release
            }
            _ => MemoryVerdict::Keep,
        }
    }
}
