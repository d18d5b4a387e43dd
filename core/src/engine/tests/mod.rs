//! The engine's rules, end to end through the JSON commands the pages send, with the fake
//! platform. This file is the harness; the tests are grouped by topic beside it.

use super::*;
use crate::campaign::config::CampaignPolicy;
use crate::testing::Fake;
use crate::values::http::HttpOutcome;
use crate::values::ids::WebhookId;
use crate::values::time::Millis;
use crate::Error;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::rc::Rc;

/// The longest an outcome waits to be written (in a burst), in the fake clock's milliseconds.
const OUTCOME_WRITE_MS: u64 = super::persist::OUTCOME_WRITE_SPACING.as_millis() as u64;

const T0: u64 = 1_765_128_600_000; // 2025-12-07T17:30:00.000Z

fn start(fake: &Fake) -> Rc<Engine<Fake>> {
    start_with(fake, CampaignPolicy::default())
}

fn start_with(fake: &Fake, campaign: CampaignPolicy) -> Rc<Engine<Fake>> {
    let retry = RetryPolicy { jitter_permille: 0, ..RetryPolicy::default() };
    fake.block_on(Engine::start(fake.clone(), "4.5.0", Policies { retry, campaign, ..Policies::default() }))
        .expect("starts")
}

/// An error reply, as a page receives it.
#[derive(Debug)]
struct Refused(Value);

impl Refused {
    fn code(&self) -> &str {
        self.0["code"].as_str().unwrap_or_default()
    }

    fn message(&self) -> &str {
        self.0["message"].as_str().unwrap_or_default()
    }

    fn field(&self) -> Option<&str> {
        self.0["field"].as_str()
    }
}

/// Sends a command as a page does (JSON in, JSON out) and unwraps the reply.
fn call(fake: &Fake, engine: &Rc<Engine<Fake>>, command: Value) -> Result<Value, Refused> {
    let text = fake.block_on(engine.handle_json(&command.to_string()));
    let mut reply: Value = serde_json::from_str(&text).expect("the reply is JSON");
    match (reply.get_mut("value").map(Value::take), reply.get_mut("error").map(Value::take)) {
        (Some(value), None) => Ok(value),
        (None, Some(error)) => Err(Refused(error)),
        _ => panic!("a reply is a value or an error: {text}"),
    }
}

/// A command sent as a page does, not awaited: the test moves the fake along and polls it, to
/// see what happens while it is under way (its write held or failing, another command waiting).
struct Pending {
    reply: std::pin::Pin<Box<dyn std::future::Future<Output = String>>>,
    done: Option<String>,
}

impl Pending {
    fn send(engine: &Rc<Engine<Fake>>, command: Value) -> Self {
        let engine = Rc::clone(engine);
        let text = command.to_string();
        let reply = Box::pin(async move { engine.handle_json_from(&text, &crate::protocol::Caller::Extension).await });
        let mut pending = Pending { reply, done: None };
        pending.poll();
        pending
    }

    /// Polls it once unless it has answered; returns the answer, if any.
    fn poll(&mut self) -> Option<&str> {
        if self.done.is_none() {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            if let std::task::Poll::Ready(reply) = self.reply.as_mut().poll(&mut cx) {
                self.done = Some(reply);
            }
        }
        self.done.as_deref()
    }

    /// Moves the fake along for 20 s, a second at a time (a failed write is tried again after a
    /// wait), polling every command under way as it goes.
    fn drive(fake: &Fake, pending: &mut [&mut Pending]) {
        for _ in 0..20 {
            fake.advance(1_000);
            fake.run();
            pending.iter_mut().for_each(|p| {
                p.poll();
            });
        }
    }
}

fn ok(fake: &Fake, engine: &Rc<Engine<Fake>>, command: Value) -> Value {
    call(fake, engine, command.clone()).unwrap_or_else(|e| panic!("{command} failed: {e:?}"))
}

fn add(fake: &Fake, engine: &Rc<Engine<Fake>>, name: &str, url: &str, events: &[&str]) -> String {
    let v = ok(fake, engine, json!({"type": "addWebhook", "webhook": {"name": name, "url": url, "events": events}}));
    v["webhook"]["id"].as_str().expect("an id").to_string()
}

fn emit_error(fake: &Fake, engine: &Rc<Engine<Fake>>, text: &str) -> Value {
    ok(fake, engine, json!({"type": "emit", "event": "error", "data": {"error": text}}))
}

fn webhook(fake: &Fake, engine: &Rc<Engine<Fake>>, id: &str) -> Value {
    ok(fake, engine, json!({"type": "getWebhook", "id": id}))
}

fn status(code: u16) -> HttpOutcome {
    HttpOutcome::Response { status: code, retry_after: None, body: String::new() }
}

fn add_quick(fake: &Fake, engine: &Rc<Engine<Fake>>, name: &str, url: &str) -> String {
    let v = ok(
        fake,
        engine,
        json!({"type": "addWebhook", "webhook": {"name": name, "url": url, "events": ["error"], "retryMode": "quick"}}),
    );
    v["webhook"]["id"].as_str().expect("an id").to_string()
}

/// Wakes the engine at each due time until nothing is left to wake for (at most `limit` times).
fn run_alarms(fake: &Fake, engine: &Rc<Engine<Fake>>, limit: usize) -> Vec<u64> {
    let mut woke = Vec::new();
    for _ in 0..limit {
        let Some(at) = fake.alarm() else { break };
        let now = fake.now_ms();
        if at.0 > now {
            fake.advance(at.0 - now);
        }
        woke.push(at.0 - T0);
        engine.wake();
        fake.run();
    }
    woke
}

fn events_received(fake: &Fake, url_part: &str) -> Vec<String> {
    fake.sent_to(url_part)
        .iter()
        .map(|s| {
            serde_json::from_str::<Value>(s.request.body.as_deref().unwrap_or("{}")).expect("json")["event"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn setup_campaign(fake: &Fake, e: &Rc<Engine<Fake>>, limit: u32) {
    add(
        fake,
        e,
        "all",
        "https://hooks.example.com/all",
        &[
            "message_sent",
            "campaign_started",
            "campaign_stopped",
            "campaign_paused",
            "campaign_resumed",
            "daily_limit_reached",
            "error",
            "milestone",
        ],
    );
    ok(
        fake,
        e,
        json!({"type": "saveCampaign", "campaign": {"messages": "Hello!\nHow are you?", "order": "sequential", "minIntervalSeconds": 30, "maxIntervalSeconds": 30, "dailyLimit": limit}}),
    );
}

fn start_in_tab(fake: &Fake, e: &Rc<Engine<Fake>>) -> Value {
    ok(fake, e, json!({"type": "startCampaign", "tabId": 7, "url": "https://chat.example.com/room", "title": "Chat"}))
}

mod bad_input;
mod campaign;
mod delivery;
mod durability;
mod formats;
mod history;
mod memory;
mod signing;
mod transfer;
mod triggers;
mod webhooks;
