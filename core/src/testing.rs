//! In-memory twins of the ports for native tests: a manual clock, a map for storage, scripted HTTP
//! that records every request, a recorded alarm, and a tiny single-threaded executor.
//!
//! Nothing sleeps: time moves only when a test calls [`Fake::advance`], and the alarm fires only
//! when a test calls [`crate::Engine::wake`], exactly as the browser would after a worker stop.

use crate::campaign::SitePicks;
use crate::ports::{ChatPage, Clock, Http, Random, Runtime, Storage, Task};
use crate::protocol::Changed;
use crate::values::http::{HttpOutcome, HttpRequest};
use crate::values::time::Millis;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// One request the fake HTTP port received.
#[derive(Debug, Clone)]
pub struct Sent {
    /// When it was sent.
    pub at: Millis,
    /// What was sent.
    pub request: HttpRequest,
    /// Whether storage held the request's delivery id when it was sent.
    pub stored_before_sending: bool,
}

impl Sent {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    now: Cell<u64>,
    storage: RefCell<BTreeMap<String, String>>,
    fail_writes: Cell<bool>,
    writes: Cell<usize>,
    script: RefCell<Vec<(String, VecDeque<HttpOutcome>)>>,
    sent: RefCell<Vec<Sent>>,
    alarm: Cell<Option<Millis>>,
    tasks: RefCell<Vec<Task>>,
    progress: Cell<u64>,
    counter: Cell<u64>,
    unit: Cell<f64>,
    in_flight: Cell<usize>,
    max_in_flight: Cell<usize>,
    offline: Cell<bool>,
    session_claimed: Cell<bool>,
    offset_minutes: Cell<i32>,
    chat: RefCell<Vec<(u32, String)>>,
    chat_script: RefCell<VecDeque<Result<(), String>>>,
    notices: RefCell<Vec<Changed>>,
    hang_chat: Cell<bool>,
    tab_origin: RefCell<Option<String>>,
    drop_network: Cell<bool>,
    memory: Cell<Option<u64>>,
    hold_writes: Rc<Cell<bool>>,
    reads: Cell<usize>,
}

/// The fake platform. Clones share state, so a test keeps one while the engine owns another.
#[derive(Clone, Default)]
pub struct Fake(Rc<Inner>);

impl Fake {
    /// A fake whose clock reads `now`.
    pub fn at(now: u64) -> Fake {
        let fake = Fake::default();
        fake.0.now.set(now);
        fake
    }

    /// The clock's reading.
    pub fn now_ms(&self) -> u64 {
        self.0.now.get()
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: u64) {
        self.0.now.set(self.0.now.get() + ms);
    }

    /// Answers requests whose URL contains `url_part` with these outcomes, in order; once used up
    /// (or for URLs not scripted) the answer is 200.
    pub fn script(&self, url_part: &str, outcomes: impl IntoIterator<Item = HttpOutcome>) {
        self.0.script.borrow_mut().push((url_part.to_string(), outcomes.into_iter().collect()));
    }

    /// Every request so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.0.sent.borrow().clone()
    }

    /// Requests whose URL contains `url_part`.
    pub fn sent_to(&self, url_part: &str) -> Vec<Sent> {
        self.sent().into_iter().filter(|s| s.request.url.contains(url_part)).collect()
    }

    /// The armed alarm.
    pub fn alarm(&self) -> Option<Millis> {
        self.0.alarm.get()
    }

    /// Every stored key.
    pub fn keys(&self) -> Vec<String> {
        self.0.storage.borrow().keys().cloned().collect()
    }

    /// The stored text under `key`.
    pub fn stored(&self, key: &str) -> Option<String> {
        self.0.storage.borrow().get(key).cloned()
    }

    /// Storage writes so far.
    pub fn writes(&self) -> usize {
        self.0.writes.get()
    }

    /// Makes every storage write fail (or succeed again).
    pub fn fail_writes(&self, fail: bool) {
        self.0.fail_writes.set(fail);
    }

    /// Puts text in storage directly, as an earlier release might have.
    pub fn put(&self, key: &str, text: &str) {
        self.0.storage.borrow_mut().insert(key.into(), text.into());
    }

    /// The network drops while the next request is under way: it fails, and the browser then says
    /// it is offline.
    pub fn drop_network_during_next_request(&self) {
        self.0.drop_network.set(true);
    }

    /// The notices the open pages were sent, oldest first; taking them empties the list.
    pub fn take_notices(&self) -> Vec<Changed> {
        std::mem::take(&mut self.0.notices.borrow_mut())
    }

    /// The chat page stops answering: every send hangs.
    pub fn hang_chat(&self) {
        self.0.hang_chat.set(true);
    }

    /// The campaign's tab now shows this origin (before any send).
    pub fn navigate_tab(&self, origin: &str) {
        *self.0.tab_origin.borrow_mut() = Some(origin.to_string());
    }

    /// Messages the fake chat pages received, as (tab, text).
    pub fn chat(&self) -> Vec<(u32, String)> {
        self.0.chat.borrow().clone()
    }

    /// Makes the next sends in a chat page end like this, in order (then they succeed).
    pub fn script_chat(&self, outcomes: impl IntoIterator<Item = Result<(), String>>) {
        self.0.chat_script.borrow_mut().extend(outcomes);
    }

    /// Stops the fake service worker: every task it had under way (timers, requests, writes) is
    /// gone, as memory is when Chrome stops a worker. Storage stays.
    pub fn stop_worker(&self) {
        self.0.tasks.borrow_mut().clear();
    }

    /// Keeps issued writes from resolving (their data is stored, as the browser has it) until
    /// called with `false`: the moment between issuing a write and hearing it completed.
    pub fn hold_writes(&self, hold: bool) {
        self.0.hold_writes.set(hold);
    }

    /// Storage reads so far.
    pub fn reads(&self) -> usize {
        self.0.reads.get()
    }

    /// Sets what the fake reports as the size of the engine's memory.
    pub fn set_memory_bytes(&self, bytes: u64) {
        self.0.memory.set(Some(bytes));
    }

    /// Closes and reopens the fake browser: its session storage is emptied.
    pub fn restart_browser(&self) {
        self.0.session_claimed.set(false);
    }

    /// Takes the fake network down (requests fail, `online()` is false) or back up.
    pub fn set_offline(&self, offline: bool) {
        self.0.offline.set(offline);
    }

    /// The most requests ever under way at once.
    pub fn max_in_flight(&self) -> usize {
        self.0.max_in_flight.get()
    }

    /// Runs spawned tasks until none can make progress.
    pub fn run(&self) {
        while self.run_round() {}
    }

    /// Runs `future` to completion, running spawned tasks as it goes, then runs them until idle.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..100_000 {
            if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
                self.run();
                return value;
            }
            self.run_round();
        }
        panic!("the future never completed");
    }

    fn run_round(&self) -> bool {
        let before = (self.0.progress.get(), self.0.tasks.borrow().len());
        let tasks = std::mem::take(&mut *self.0.tasks.borrow_mut());
        let mut cx = Context::from_waker(Waker::noop());
        let mut pending = Vec::new();
        let mut finished = false;
        for mut task in tasks {
            match task.as_mut().poll(&mut cx) {
                Poll::Ready(()) => finished = true,
                Poll::Pending => pending.push(task),
            }
        }
        let spawned = !self.0.tasks.borrow().is_empty();
        self.0.tasks.borrow_mut().extend(pending);
        finished || spawned || self.0.progress.get() != before.0
    }
}

impl Http for Fake {
    async fn send(&self, request: HttpRequest) -> HttpOutcome {
        let id = request.headers.iter().find(|(k, _)| k == "webhook-id").map(|(_, v)| v.clone()).unwrap_or_default();
        // The delivery's own key must hold it (an empty or unknown id never counts), and its body
        // must be stored too: under the body key it names, or inline (as first releases wrote it).
        let key = format!("{}{id}", crate::store::DELIVERY_KEY_PREFIX);
        let stored_before_sending = !id.is_empty() && {
            let storage = self.0.storage.borrow();
            storage.get(&key).is_some_and(|text| {
                let doc: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                let body_stored = match doc["bodyHash"].as_str() {
                    Some(hash) => storage.contains_key(&crate::store::body_key(hash)),
                    None => doc["body"].is_string(),
                };
                doc["id"] == id.as_str() && body_stored
            })
        };
        if self.0.drop_network.replace(false) {
            self.0.offline.set(true);
        }
        let outcome = {
            let mut script = self.0.script.borrow_mut();
            script
                .iter_mut()
                .find(|(part, q)| request.url.contains(part.as_str()) && !q.is_empty())
                .and_then(|(_, q)| q.pop_front())
        }
        .unwrap_or(HttpOutcome::Response { status: 200, retry_after: None, body: "{\"ok\":true}".into() });
        let outcome = if self.0.offline.get() { HttpOutcome::NetworkError("Failed to fetch".into()) } else { outcome };
        let timeout = u64::try_from(request.timeout.as_millis()).unwrap_or(u64::MAX);
        self.0.sent.borrow_mut().push(Sent { at: self.now(), request, stored_before_sending });
        let in_flight = self.0.in_flight.get() + 1;
        self.0.in_flight.set(in_flight);
        self.0.max_in_flight.set(self.0.max_in_flight.get().max(in_flight));
        YieldOnce(false, &self.0.progress).await;
        self.0.in_flight.set(self.0.in_flight.get() - 1);
        if outcome == HttpOutcome::TimedOut {
            self.advance(timeout);
        }
        outcome
    }
}

/// Pending once, so concurrent requests really overlap in the executor.
struct YieldOnce<'a>(bool, &'a Cell<u64>);

impl Future for YieldOnce<'_> {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            // Counted as progress: the next round will find it ready.
            self.0 = true;
            self.1.set(self.1.get() + 1);
            Poll::Pending
        }
    }
}

impl Storage for Fake {
    async fn read(&self, keys: &[&str]) -> Result<Vec<Option<String>>, String> {
        self.0.reads.set(self.0.reads.get() + 1);
        let storage = self.0.storage.borrow();
        Ok(keys.iter().map(|k| storage.get(*k).cloned()).collect())
    }

    fn write(&self, entries: Vec<(String, String)>) -> impl Future<Output = Result<(), String>> {
        // Carried out by the call, as the browser does once it has the operation.
        let result = if self.0.fail_writes.get() {
            Err("QUOTA_BYTES quota exceeded".into())
        } else {
            self.0.writes.set(self.0.writes.get() + 1);
            self.0.storage.borrow_mut().extend(entries);
            Ok(())
        };
        let held = Rc::clone(&self.0.hold_writes);
        let mut result = Some(result);
        std::future::poll_fn(move |_| match held.get() {
            true => Poll::Pending,
            false => Poll::Ready(result.take().unwrap_or(Ok(()))),
        })
    }

    async fn read_prefixes(&self, prefixes: &[&str]) -> Result<Vec<Vec<(String, String)>>, String> {
        self.0.reads.set(self.0.reads.get() + 1);
        let mut found: Vec<Vec<(String, String)>> = prefixes.iter().map(|_| Vec::new()).collect();
        for (key, value) in self.0.storage.borrow().iter() {
            if let Some(slot) = prefixes.iter().position(|p| key.starts_with(p)).and_then(|i| found.get_mut(i)) {
                slot.push((key.clone(), value.clone()));
            }
        }
        Ok(found)
    }

    async fn claim_browser_session(&self) -> bool {
        !self.0.session_claimed.replace(true)
    }

    /// Removing never fails for lack of room (a full disk refuses writes, not removals).
    fn remove(&self, keys: Vec<String>) -> impl Future<Output = Result<(), String>> {
        let mut storage = self.0.storage.borrow_mut();
        keys.iter().for_each(|k| {
            storage.remove(k);
        });
        std::future::ready(Ok(()))
    }
}

impl Clock for Fake {
    fn now(&self) -> Millis {
        Millis(self.0.now.get())
    }

    fn utc_offset_minutes(&self, _at: Millis) -> i32 {
        self.0.offset_minutes.get()
    }
}

impl ChatPage for Fake {
    async fn send_in_tab(&self, tab_id: u32, origin: &str, text: &str, _picks: &SitePicks) -> Result<(), String> {
        if self.0.hang_chat.get() {
            return std::future::pending().await;
        }
        if self.0.tab_origin.borrow().as_deref().is_some_and(|shown| shown != origin) {
            return Err("The chat tab shows another site now.".into());
        }
        YieldOnce(false, &self.0.progress).await;
        let outcome = self.0.chat_script.borrow_mut().pop_front().unwrap_or(Ok(()));
        if outcome.is_ok() {
            self.0.chat.borrow_mut().push((tab_id, text.to_string()));
        }
        outcome
    }
}

impl Random for Fake {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf.iter_mut() {
            let n = self.0.counter.get() + 1;
            self.0.counter.set(n);
            *b = (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8;
        }
    }

    fn unit(&self) -> f64 {
        self.0.unit.get()
    }
}

impl Runtime for Fake {
    fn spawn(&self, task: Task) {
        self.0.tasks.borrow_mut().push(task);
    }

    /// Completes once the manual clock has moved `duration` forward (time moves only by
    /// [`Fake::advance`]); the executor polls every task each round, so no waker is needed.
    async fn sleep(&self, duration: Duration) {
        let deadline = self.0.now.get() + u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        std::future::poll_fn(|_| if self.0.now.get() >= deadline { Poll::Ready(()) } else { Poll::Pending }).await;
    }

    fn online(&self) -> bool {
        !self.0.offline.get()
    }

    fn arm_alarm(&self, at: Option<Millis>) {
        self.0.alarm.set(at);
    }

    fn notify(&self, changed: &Changed) {
        self.0.notices.borrow_mut().push(changed.clone());
    }

    fn memory_bytes(&self) -> Option<u64> {
        self.0.memory.get()
    }
}
