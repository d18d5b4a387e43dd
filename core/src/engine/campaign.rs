//! The campaign inside the engine: commands, the send loop, and the events it emits.

use super::Engine;
use crate::campaign::config::{validate_campaign, CampaignDraft, Order};
use crate::campaign::{origin_of, Campaign, Moment, Refusal, SitePicks, Status, Target};
use crate::ports::Ports;
use crate::rules::event::Event;
use crate::values::time::{describe_wait, Millis};
use crate::Error;
use serde_json::{json, Value};
use std::rc::Rc;

impl<P: Ports> Engine<P> {
    /// Now, with the user's local day.
    pub(super) fn moment(&self) -> Moment {
        let now = self.ports.now();
        Moment::new(now, self.ports.utc_offset_minutes(now))
    }

    /// Emits events one after another, in order.
    pub(super) async fn emit_all(self: &Rc<Self>, events: Vec<Event>) -> Result<(), Error> {
        for event in &events {
            self.emit(event).await?;
        }
        Ok(())
    }

    /// Applies a transition of the campaign, stores it, and emits what it caused.
    pub(super) async fn transition(
        self: &Rc<Self>,
        change: impl FnOnce(&mut Campaign, Moment) -> Result<Vec<Event>, Refusal>,
    ) -> Result<Value, Error> {
        let m = self.moment();
        let events = {
            let mut s = self.state.borrow_mut();
            let events = change(&mut s.campaign, m).map_err(|r| Error::Refused(r.0))?;
            // Every transition that changes the campaign causes an event; no event, no change
            // (most tab updates concern other tabs).
            s.dirty.campaign |= !events.is_empty();
            events
        };
        if !events.is_empty() {
            self.flush().await?;
            self.emit_all(events).await?;
            self.kick();
        }
        Ok(self.campaign_view())
    }

    /// Saves the campaign's settings (allowed while it runs: the next message uses them).
    pub(super) async fn save_campaign(self: &Rc<Self>, draft: &CampaignDraft) -> Result<Value, Error> {
        let config = validate_campaign(draft, &self.campaign_policy).map_err(Error::Invalid)?;
        {
            let mut s = self.state.borrow_mut();
            s.campaign.config = config;
            s.dirty.campaign = true;
        }
        self.flush().await?;
        self.kick();
        Ok(self.campaign_view())
    }

    /// Starts the campaign in a tab.
    pub(super) async fn start_campaign(self: &Rc<Self>, target: Target) -> Result<Value, Error> {
        if origin_of(&target.url).is_none() {
            return Err(Error::Refused(
                "AutoChat can only send on web pages (http:// or https://). Open the chat page first.".into(),
            ));
        }
        self.transition(|c, m| c.start(target, m)).await
    }

    /// Remembers the elements a user picked on a site.
    pub(super) async fn save_picks(self: &Rc<Self>, origin: String, picks: SitePicks) -> Result<Value, Error> {
        {
            let mut s = self.state.borrow_mut();
            let entry = s.campaign.sites.entry(origin).or_default();
            if picks.input.is_some() {
                entry.input = picks.input;
            }
            if picks.button.is_some() {
                entry.button = picks.button;
            }
            s.dirty.campaign = true;
        }
        self.flush().await?;
        Ok(self.campaign_view())
    }

    /// Forgets what was picked on a site, so detection is used again.
    pub(super) async fn clear_picks(self: &Rc<Self>, origin: &str) -> Result<Value, Error> {
        {
            let mut s = self.state.borrow_mut();
            s.campaign.sites.remove(origin);
            s.dirty.campaign = true;
        }
        self.flush().await?;
        Ok(self.campaign_view())
    }

    /// Sends the due message: picks it, stores the next time first (so a worker stopped mid-send
    /// does not send again at once), asks the page to send, then records the outcome.
    pub(super) async fn send_campaign_message(self: Rc<Self>) {
        let random = self.ports.unit();
        let m = self.moment();
        let prepared = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let c = &mut s.campaign;
            let tab = c.target.as_ref().map(|t| (t.tab_id, origin_of(&t.url).unwrap_or_default().to_string()));
            match (tab, c.next_message(random)) {
                (Some((tab_id, origin)), Some((_, text))) => {
                    c.next_send_at = Some(m.now.plus(c.config.min_interval_ms));
                    s.dirty.campaign = true;
                    Some((tab_id, text, c.sites.get(&origin).cloned().unwrap_or_default()))
                }
                _ => None,
            }
        };
        let Some((tab_id, text, picks)) = prepared else {
            self.state.borrow_mut().sending = false;
            return;
        };
        let _ = self.flush().await;
        let result = self.ports.send_in_tab(tab_id, &text, &picks).await;
        let m = self.moment();
        let random = self.ports.unit();
        let events = {
            let mut s = self.state.borrow_mut();
            s.sending = false;
            s.dirty.campaign = true;
            match result {
                Ok(()) => s.campaign.sent(&text, m, random),
                Err(error) => s.campaign.failed(&error, m),
            }
        };
        let _ = self.emit_all(events).await;
        self.flush_soon();
        self.kick();
    }

    /// What the popup shows.
    pub(super) fn campaign_view(&self) -> Value {
        let m = self.moment();
        let s = self.state.borrow();
        let c = &s.campaign;
        let config = &c.config;
        json!({
            "status": c.status,
            "reason": c.reason,
            "target": c.target,
            "nextSendAt": c.next_send_at.filter(|_| c.status == Status::Running).map(|t| t.to_rfc3339()),
            "nextSendIn": c.next_send_at.filter(|_| c.status == Status::Running).map(|t| describe_wait(t, m.now)),
            "messagesSentToday": c.sent_today(m),
            "totalMessagesSent": c.total_messages_sent,
            "dailyLimit": config.daily_limit,
            "limitReachedToday": c.limit_reached_today(m),
            "config": {
                "messages": config.messages.join("\n"),
                "order": match config.order { Order::Random => "random", Order::Sequential => "sequential" },
                "minIntervalSeconds": config.min_interval_ms as f64 / 1000.0,
                "maxIntervalSeconds": config.max_interval_ms as f64 / 1000.0,
                "dailyLimit": config.daily_limit,
            },
            "sites": c.sites,
        })
    }

    /// When the campaign's next message is due, while it runs and nothing is being sent.
    pub(super) fn campaign_due_at(&self) -> Option<Millis> {
        let s = self.state.borrow();
        if s.sending || s.campaign.status != Status::Running {
            None
        } else {
            s.campaign.next_send_at
        }
    }
}
