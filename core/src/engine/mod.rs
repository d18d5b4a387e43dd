//! The engine: the single writer of AutoChat's state. It answers commands, turns events into
//! deliveries, drives attempts and the campaign, and keeps storage, the wake-up alarm and the
//! open pages in step with memory.
//!
//! - [`load`]: starting from storage (schema versions, backups, migration).
//! - [`commands`]: one method per command, each returning its typed reply.
//! - [`dispatch`]: events into deliveries, attempts, outcomes, test, discard, redeliver.
//! - [`campaign`]: the campaign's commands and its send loop.
//! - [`wake`]: what starts work — the alarm, timers, the network, a new browser session.
//! - [`state`] and [`persist`]: every change marked as it is made, and written coalesced.
//! - [`notify`]: telling open pages what changed.
//! - [`views`]: what the pages are shown.
//! - [`memory`]: when the platform may start the core afresh to give memory back.
//!
//! Contracts:
//! - Every change is applied to memory synchronously (no `await` while state is borrowed), so
//!   concurrent outcomes can never overwrite one another; storage follows.
//! - An emitted event's deliveries are handed to storage before the first request is made (the
//!   browser completes an issued write even if the worker stops), and the emit is answered once
//!   the write has completed.
//! - Whenever work is pending, an alarm is armed for the earliest of it (and, while requests are in
//!   flight, for their timeout), so a stopped worker is woken to carry on.

mod campaign;
mod commands;
mod dispatch;
mod load;
mod memory;
mod notify;
mod persist;
mod state;
mod views;
mod wake;

use crate::campaign::config::CampaignPolicy;
use crate::ports::Ports;
use crate::rules::retry::RetryPolicy;
pub use memory::{MemoryPolicy, MemoryVerdict};
use state::State;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The rules that are settings rather than code, injected at start so tests and builds can
/// choose them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policies {
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
    /// The bounds of a campaign's settings.
    pub campaign: CampaignPolicy,
    /// When an idle core is worth starting afresh.
    pub memory: MemoryPolicy,
}

/// The core. Create it with [`Engine::start`]; share it as `Rc<Engine<P>>`.
pub struct Engine<P: Ports> {
    ports: P,
    version: String,
    policies: Policies,
    state: RefCell<State>,
    writer: RefCell<persist::Writer>,
    /// Commands change state one at a time (see [`Engine::commit`]).
    commands: RefCell<persist::CommandTurn>,
    notifier: RefCell<notify::Notifier>,
    /// Background tasks still running (see [`Engine::spawn`]).
    tasks: Rc<Cell<usize>>,
    /// The linear memory's size once started, where the platform can tell.
    memory_at_start: Option<u64>,
}

impl<P: Ports> Engine<P> {
    fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut b = [0u8; N];
        self.ports.fill(&mut b);
        b
    }
}

#[cfg(test)]
mod tests;
