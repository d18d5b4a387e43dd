//! The ports: everything the core needs from the outside world, as small traits.
//!
//! The `autochat-web` crate implements them over `chrome.*` and `fetch`; [`crate::testing`] has in-memory
//! twins with a manual clock and scripted HTTP, so every rule is tested natively and exactly.
//! The core is single-threaded (a service worker has one thread), hence no `Send` bounds.
#![allow(async_fn_in_trait)] // Implemented only inside this crate, on one thread: no Send bound needed.

use crate::campaign::SitePicks;
use crate::protocol::Changed;
use crate::values::http::{HttpOutcome, HttpRequest};
use crate::values::time::Millis;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Sends requests.
pub trait Http {
    /// Sends `request`, aborting it after its timeout. Never fails: every ending is an outcome.
    async fn send(&self, request: HttpRequest) -> HttpOutcome;
}

/// Persistent key-value storage holding JSON text (`chrome.storage.local`).
pub trait Storage {
    /// Reads keys; a missing key reads as `None`.
    async fn read(&self, keys: &[&str]) -> Result<Vec<Option<String>>, String>;
    /// Writes every entry in one operation. The write is issued by the call itself, not when the
    /// future is first polled: once this returns, the platform completes it even if the worker
    /// stops before the future resolves (`chrome.storage` hands it to the browser process at once,
    /// which the end-to-end test `a write issued just before the worker stops is kept` checks),
    /// and operations issued one after another are carried out in that order.
    fn write(&self, entries: Vec<(String, String)>) -> impl Future<Output = Result<(), String>>;
    /// Removes keys; issued by the call itself, like [`Storage::write`].
    fn remove(&self, keys: Vec<String>) -> impl Future<Output = Result<(), String>>;
    /// For each of `prefixes`, the entries whose key starts with it and with no prefix before it
    /// (so a later, shorter prefix gathers what the earlier ones leave), in no particular order;
    /// one storage read for all of them (a start-up reads the whole store once, not once per prefix).
    async fn read_prefixes(&self, prefixes: &[&str]) -> Result<Vec<Vec<(String, String)>>, String>;
    /// True the first time it is asked in a browser session, false after: the browser empties
    /// `chrome.storage.session` when it closes, so a missing mark there means it has restarted.
    /// (`runtime.onStartup` is not delivered reliably enough to build on.)
    async fn claim_browser_session(&self) -> bool;
}

/// The current time.
pub trait Clock {
    /// Now.
    fn now(&self) -> Millis;
    /// The user's time zone at `at`, in minutes east of UTC (so local midnight can be found).
    fn utc_offset_minutes(&self, at: Millis) -> i32;
}

/// The chat page a campaign sends in.
pub trait ChatPage {
    /// Puts `text` into the chat's input in tab `tab_id`, sends it, and confirms it left the input
    /// — only if the tab still shows `origin` (the campaign's site): a send racing a navigation
    /// must never type into another site. `picks` are the elements the user picked on that site,
    /// if any. The error says what went wrong in words (it becomes the `error` event's text).
    async fn send_in_tab(&self, tab_id: u32, origin: &str, text: &str, picks: &SitePicks) -> Result<(), String>;
}

/// Randomness for ids and jitter.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);

    /// A number in `[0, 1)`.
    fn unit(&self) -> f64 {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
    }
}

/// A task the runtime runs to completion in the background.
pub type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Background work and wake-ups.
pub trait Runtime {
    /// Runs `task` concurrently with the caller.
    fn spawn(&self, task: Task);
    /// Completes after `duration`, if the worker lives that long (short waits only).
    async fn sleep(&self, duration: Duration);
    /// Whether the browser believes it is online (`navigator.onLine`). While it is not, no
    /// attempt is made, so offline periods do not use up retries.
    fn online(&self) -> bool;
    /// Arms the persistent wake-up (`chrome.alarms`) for `at`, or clears it with `None`. It fires
    /// even when the worker was stopped meanwhile, and calls [`crate::Engine::wake`].
    fn arm_alarm(&self, at: Option<Millis>);
    /// Tells the open pages what changed, so they ask for fresh views.
    fn notify(&self, changed: &Changed);
    /// The size of the engine's linear memory, where the platform can tell (diagnostics).
    fn memory_bytes(&self) -> Option<u64>;
}

/// Everything the engine needs, implemented by one type per platform.
pub trait Ports: Http + Storage + Clock + Random + Runtime + ChatPage + 'static {}

impl<T: Http + Storage + Clock + Random + Runtime + ChatPage + 'static> Ports for T {}
