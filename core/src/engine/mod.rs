//! The engine: the single writer of AutoChat's state. It owns the registry, the outbox and the
//! histories, answers commands, turns events into deliveries, drives attempts, and keeps storage
//! and the wake-up alarm in step with memory.
//!
//! Contracts:
//! - Every change is applied to memory synchronously (no `await` while state is borrowed), so
//!   concurrent outcomes can never overwrite one another; storage follows ([`persist`]).
//! - An emitted event's deliveries are in storage before the first request is made.
//! - Whenever work is pending, an alarm is armed for the earliest of it (and, while requests are in
//!   flight, for their timeout), so a stopped worker is woken to carry on ([`deliver`]).

mod campaign;
mod deliver;
mod persist;
mod view;

use crate::campaign::{Campaign, SitePicks, Target};
use crate::delivery::history::History;
use crate::delivery::outbox::Outbox;
use crate::ports::Ports;
use crate::protocol::{parse_command, Command, Reply};
use crate::rules::event::Event;
use crate::rules::retry::RetryPolicy;
use crate::store::{
    decode_campaign, decode_history, decode_outbox, decode_registry, history_key, CAMPAIGN_KEY, OUTBOX_KEY,
    REGISTRY_KEY,
};
use crate::values::ids::WebhookId;
use crate::values::time::Millis;
use crate::webhooks::registry::Registry;
use crate::webhooks::webhook::validate_draft;
use crate::Error;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// The rules that are settings rather than code, injected at start so tests and builds can
/// choose them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policies {
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
    /// The bounds of a campaign's settings.
    pub campaign: crate::campaign::config::CampaignPolicy,
}

/// The core. Create it with [`Engine::start`]; share it as `Rc<Engine<P>>`.
pub struct Engine<P: Ports> {
    ports: P,
    version: String,
    policy: RetryPolicy,
    campaign_policy: crate::campaign::config::CampaignPolicy,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    campaign: Campaign,
    /// A campaign message is being sent.
    sending: bool,
    registry: Registry,
    outbox: Outbox,
    histories: BTreeMap<WebhookId, History>,
    /// Webhooks with a request under way (at most one each).
    in_flight: BTreeSet<WebhookId>,
    /// The time the in-memory timer is set for.
    timer_at: Option<Millis>,
    /// The time the alarm is armed for.
    alarm_at: Option<Millis>,
    /// Changes to store at once, with the next write.
    dirty: persist::Dirty,
    /// Changes from delivery outcomes, stored within a short delay (see [`persist`]).
    lazy: persist::Dirty,
    writes: persist::Writes,
}

impl<P: Ports> Engine<P> {
    /// Loads the stored state, re-arms the wake-up and resumes pending deliveries.
    pub async fn start(ports: P, version: impl Into<String>, policies: Policies) -> Result<Rc<Self>, Error> {
        let now = ports.now();
        let texts = ports.read(&[REGISTRY_KEY, OUTBOX_KEY, CAMPAIGN_KEY]).await.map_err(Error::Storage)?;
        let registry = decode_registry(texts.first().and_then(Option::as_deref), now.0)?;
        let outbox = decode_outbox(texts.get(1).and_then(Option::as_deref), now.0)?;
        let outbox_backup = outbox.backup.clone();
        let campaign = decode_campaign(texts.get(2).and_then(Option::as_deref), now.0)?;
        let (outbox, migrated) = Self::load_outbox(&ports, outbox.value, now).await?;
        let ids: Vec<WebhookId> = registry.value.webhooks.iter().map(|w| w.id.clone()).collect();
        let keys: Vec<String> = ids.iter().map(history_key).collect();
        let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let history_texts = ports.read(&key_refs).await.map_err(Error::Storage)?;
        let mut backups: Vec<(String, String)> =
            registry.backup.into_iter().chain(outbox_backup).chain(campaign.backup).collect();
        let mut histories = BTreeMap::new();
        for ((id, key), text) in ids.into_iter().zip(&keys).zip(&history_texts) {
            let loaded = decode_history(key, text.as_deref(), now.0)?;
            backups.extend(loaded.backup);
            histories.insert(id, loaded.value);
        }
        if !backups.is_empty() {
            ports.write(backups).await.map_err(Error::Storage)?;
        }
        let browser_restarted = ports.claim_browser_session().await;
        let mut state_dirty = persist::Dirty::default();
        if !migrated.is_empty() {
            // Deliveries of the first release's inline outbox move to keys of their own.
            migrated.iter().for_each(|(w, id)| state_dirty.delivery(w, id));
            state_dirty.outbox = true;
        }
        let state = State {
            campaign: campaign.value,
            registry: registry.value,
            outbox,
            histories,
            dirty: state_dirty,
            ..State::default()
        };
        let engine = Rc::new(Engine {
            ports,
            version: version.into(),
            policy: policies.retry,
            campaign_policy: policies.campaign,
            state: RefCell::new(state),
        });
        if migrated_any(&engine) {
            engine.flush().await?;
        }
        if browser_restarted {
            engine.browser_started();
        } else {
            engine.kick();
        }
        Ok(engine)
    }

    /// Rebuilds the outbox from its document and the deliveries stored under their own keys.
    /// Returns it with the deliveries that were still inline in the document (to be moved).
    async fn load_outbox(
        ports: &P,
        mut document: crate::delivery::outbox::OutboxDocument,
        now: Millis,
    ) -> Result<(Outbox, Vec<(WebhookId, crate::values::ids::DeliveryId)>), Error> {
        let stored = ports.read_prefix(crate::store::DELIVERY_KEY_PREFIX).await.map_err(Error::Storage)?;
        let mut deliveries = std::mem::take(&mut document.deliveries);
        let migrated = deliveries.iter().map(|d| (d.webhook_id.clone(), d.id.clone())).collect();
        let (mut kept, mut moved) = (Vec::new(), Vec::new());
        for (key, text) in stored {
            // Through a Value, as every document is read: one set of deserialisers in the wasm.
            let parsed = serde_json::from_str::<Value>(&text)
                .and_then(serde_json::from_value::<crate::delivery::outbox::Delivery>);
            match parsed {
                Ok(d) => deliveries.push(d),
                Err(_) => {
                    // Kept outside the prefix, so it is not read as a delivery again.
                    kept.push((format!("autochat.unreadable.{key}.{}", now.0), text));
                    moved.push(key);
                }
            }
        }
        if !kept.is_empty() {
            ports.write(kept).await.map_err(Error::Storage)?;
            ports.remove(moved).await.map_err(Error::Storage)?;
        }
        Ok((Outbox::restore(&document, deliveries), migrated))
    }

    /// Answers one command given as JSON text, with the reply as JSON text.
    pub async fn handle_json(self: &Rc<Self>, text: &str) -> String {
        let result = match parse_command(text) {
            Ok(command) => self.handle(command).await,
            Err(e) => Err(e),
        };
        Reply::from_result(result).to_json()
    }

    /// Answers one command.
    pub async fn handle(self: &Rc<Self>, command: Command) -> Result<Value, Error> {
        match command {
            Command::ListWebhooks => Ok(self.list()),
            Command::GetWebhook { id } => self.view_webhook(&id),
            Command::AddWebhook { webhook } => {
                let valid = validate_draft(&webhook).map_err(Error::Invalid)?;
                let warnings = valid.warnings.clone();
                let id = WebhookId::from_random(self.random_bytes());
                let now = self.ports.now();
                self.change(|s| {
                    s.registry.add(valid, id.clone(), now)?;
                    s.histories.insert(id.clone(), History::default());
                    s.dirty.histories.insert(id.clone());
                    Ok(())
                })
                .await?;
                Ok(json!({ "webhook": self.view_webhook(&id)?, "warnings": warnings }))
            }
            Command::UpdateWebhook { id, webhook } => {
                let valid = validate_draft(&webhook).map_err(Error::Invalid)?;
                let warnings = valid.warnings.clone();
                self.change(|s| s.registry.update(&id, valid).map(drop)).await?;
                self.kick();
                Ok(json!({ "webhook": self.view_webhook(&id)?, "warnings": warnings }))
            }
            Command::DeleteWebhook { id } => {
                let dropped = self
                    .change(|s| {
                        s.registry.delete(&id)?;
                        s.histories.remove(&id);
                        s.dirty.histories.remove(&id);
                        s.dirty.removed.insert(history_key(&id));
                        let gone = s.outbox.remove_for_webhook(&id);
                        gone.iter().for_each(|d| s.dirty.delivery(&id, &d.id));
                        Ok(gone.len())
                    })
                    .await?;
                self.kick();
                Ok(json!({ "deleted": id, "droppedDeliveries": dropped }))
            }
            Command::SetWebhookEnabled { id, enabled } => {
                self.change(|s| s.registry.set_enabled(&id, enabled).map(drop)).await?;
                self.kick();
                Ok(json!({ "webhook": self.view_webhook(&id)? }))
            }
            Command::SetWebhooksEnabled { enabled } => {
                self.change(|s| {
                    s.registry.webhooks_enabled = enabled;
                    Ok(())
                })
                .await?;
                self.kick();
                Ok(json!({ "webhooksEnabled": enabled }))
            }
            Command::ClearStats { id } => {
                self.change(|s| s.registry.clear_stats(id.as_ref())).await?;
                Ok(self.list())
            }
            Command::TestWebhook { id } => self.test(&id).await,
            Command::Emit { event, data } => {
                let event = Event::from_parts(&event, data)
                    .map_err(|e| Error::BadCommand(format!("the event is not valid: {e}")))?;
                self.emit(&event).await
            }
            Command::ValidateWebhook { webhook } => {
                let valid = validate_draft(&webhook).map_err(Error::Invalid)?;
                Ok(json!({ "valid": true, "warnings": valid.warnings }))
            }
            Command::GetHistory { webhook_id } => {
                let s = self.state.borrow();
                s.registry.get(&webhook_id)?;
                Ok(view::history(s.histories.get(&webhook_id), &s.outbox))
            }
            Command::DiscardDeliveries { webhook_id, delivery_id } => {
                self.discard(&webhook_id, delivery_id.as_ref()).await
            }
            Command::Redeliver { webhook_id, delivery_id } => self.redeliver(&webhook_id, &delivery_id).await,
            Command::GetStatus => Ok(self.status()),
            Command::GetCampaign => Ok(self.campaign_view()),
            Command::SaveCampaign { campaign } => self.save_campaign(&campaign).await,
            Command::StartCampaign { tab_id, url, title } => self.start_campaign(Target { tab_id, url, title }).await,
            Command::PauseCampaign => self.transition(|c, m| c.pause(None, m)).await,
            Command::ResumeCampaign => self.transition(|c, m| c.resume(m)).await,
            Command::StopCampaign => self.transition(|c, m| c.stop("Stopped by you.", m)).await,
            Command::SavePicks { origin, input, button } => self.save_picks(origin, SitePicks { input, button }).await,
            Command::ClearPicks { origin } => self.clear_picks(&origin).await,
            Command::TabClosed { tab_id } => self.transition(|c, m| Ok(c.tab_closed(tab_id, m))).await,
            Command::TabNavigated { tab_id, url } => self.transition(|c, m| Ok(c.tab_navigated(tab_id, &url, m))).await,
        }
    }

    /// Called when the wake-up alarm fires or the network comes back: carries on with due work.
    pub fn wake(self: &Rc<Self>) {
        self.state.borrow_mut().alarm_at = None;
        self.kick();
    }

    /// Runs once per browser session, at the first start of the core: waiting deliveries are
    /// tried at once instead of at their scheduled time (a restart often follows a network
    /// change, and the user expects queued events to flow), without adding to their attempts.
    fn browser_started(self: &Rc<Self>) {
        let m = self.moment();
        let now = m.now;
        let stopped = {
            let mut s = self.state.borrow_mut();
            let events = s.campaign.browser_restarted(m);
            s.dirty.campaign |= !events.is_empty();
            events
        };
        if !stopped.is_empty() {
            let engine = Rc::clone(self);
            self.ports.spawn(Box::pin(async move {
                let _ = engine.emit_all(stopped).await;
            }));
        }
        {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            for d in s.outbox.iter_mut().filter(|d| d.next_attempt_at > now) {
                d.next_attempt_at = now;
                s.dirty.delivery(&d.webhook_id, &d.id);
            }
            s.alarm_at = None;
        }
        self.flush_soon();
        self.kick();
    }

    /// Applies `change` to memory at once, marks the registry dirty, then waits until it is stored.
    async fn change<T>(self: &Rc<Self>, change: impl FnOnce(&mut State) -> Result<T, Error>) -> Result<T, Error> {
        let value = {
            let mut s = self.state.borrow_mut();
            let value = change(&mut s)?;
            s.dirty.registry = true;
            value
        };
        self.flush().await?;
        Ok(value)
    }

    fn view_webhook(&self, id: &WebhookId) -> Result<Value, Error> {
        let s = self.state.borrow();
        let w = s.registry.get(id)?;
        Ok(view::webhook(w, &s.registry, &s.outbox, &s.in_flight))
    }

    fn list(&self) -> Value {
        let s = self.state.borrow();
        view::list(&s.registry, &s.outbox, &s.in_flight)
    }

    fn status(&self) -> Value {
        let s = self.state.borrow();
        json!({
            "pendingDeliveries": s.outbox.len(),
            "inFlight": s.in_flight.len(),
            "droppedWhenFull": s.outbox.dropped_when_full,
            "alarmAt": s.alarm_at.map(|t| t.to_rfc3339()),
            "online": self.ports.online(),
            "storageWrites": s.writes.count,
            "wasmMemoryBytes": wasm_memory_bytes(),
            "version": self.version,
        })
    }

    fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut b = [0u8; N];
        self.ports.fill(&mut b);
        b
    }
}

fn migrated_any<P: Ports>(engine: &Engine<P>) -> bool {
    engine.state.borrow().dirty.outbox
}

/// The size of the wasm linear memory, for diagnostics and the benchmark (`None` natively).
fn wasm_memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        Some(core::arch::wasm32::memory_size(0) as u64 * 65_536)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

#[cfg(test)]
mod tests;
