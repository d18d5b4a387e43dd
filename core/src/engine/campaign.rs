//! The campaign inside the engine: its commands, the send loop, and the events it emits.

use super::state::{Part, When};
use super::Engine;
use crate::campaign::config::{validate_campaign, CampaignDraft};
use crate::campaign::{Campaign, Moment, Refusal, SitePicks, Status, Target};
use crate::ports::Ports;
use crate::protocol::commands::PageRef;
use crate::protocol::views::{CampaignLimits, CampaignSettings, CampaignView, Permission};
use crate::rules::event::Event;
use crate::rules::url_check::web_origin;
use crate::values::time::Millis;
use crate::Error;
use std::rc::Rc;
use std::time::Duration;

/// How long the chat page may take to type and send one message.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// Which of two futures finished first.
enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Runs two futures together and gives the first result (the other is dropped).
async fn first<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
            return std::task::Poll::Ready(Either::Left(v));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
}

/// Why Start cannot be pressed when the popup found no page to act on.
const NO_PAGE: &str = "Open the chat page in this window, then click the AutoChat icon.";
/// Why Start cannot be pressed on a page that is not a web page.
const NOT_A_WEB_PAGE: &str = "AutoChat can only send on web pages (http:// or https://). Open the chat page first.";

impl<P: Ports> Engine<P> {
    /// Now, with the user's local day.
    pub(super) fn moment(&self) -> Moment {
        let now = self.ports.now();
        Moment::new(now, self.ports.utc_offset_minutes(now))
    }

    /// Emits events one after another, in order; every one is queued even if one cannot be, and
    /// the first failure is reported.
    pub(super) async fn emit_all(self: &Rc<Self>, events: Vec<Event>) -> Result<(), Error> {
        let mut first_failure = Ok(());
        for event in &events {
            if let Err(e) = self.emit(event).await {
                first_failure = first_failure.and(Err(e));
            }
        }
        first_failure
    }

    /// Stop always stops: in memory once no other command is being stored (a command that fails
    /// to store its change puts back what it changed, which must not bring a stopped campaign
    /// back), and on disk as soon as storage allows (a failed write is retried; it is never
    /// undone); the reply says when it could not be stored yet.
    pub(super) async fn stop_campaign(self: &Rc<Self>) -> Result<CampaignView, Error> {
        let (events, stored) = {
            let _turn = self.turn().await;
            let m = self.moment();
            let events = {
                let mut s = self.state.borrow_mut();
                let mut scratch = s.campaign().clone();
                let events = scratch.stop("Stopped by you.", m).map_err(|r| Error::Refused(r.0))?;
                *s.campaign_mut(When::Now) = scratch;
                events
            };
            (events, self.flush().await)
        };
        let _ = self.emit_all(events).await;
        self.kick();
        let mut view = self.campaign_view(None);
        if let Err(e) = stored {
            view.reason = Some(format!("Stopped by you. {e}; AutoChat keeps trying to save it."));
        }
        Ok(view)
    }

    /// Applies a transition of the campaign, stores it, and emits what it caused.
    pub(super) async fn transition(
        self: &Rc<Self>,
        change: impl FnOnce(&mut Campaign, Moment) -> Result<Vec<Event>, Refusal>,
    ) -> Result<CampaignView, Error> {
        // Every transition that changes the campaign causes an event; no event, no change (most
        // tab updates concern other tabs), so only then is the campaign replaced. Inside the
        // command's turn: the campaign it starts from is the one no other command is changing.
        let events = self
            .commit(&[Part::Campaign], |s| {
                let mut scratch = s.campaign().clone();
                let events = change(&mut scratch, self.moment()).map_err(|r| Error::Refused(r.0))?;
                if !events.is_empty() {
                    *s.campaign_mut(When::Now) = scratch;
                }
                Ok(events)
            })
            .await?;
        if !events.is_empty() {
            self.emit_all(events).await?;
            self.kick();
        }
        Ok(self.campaign_view(None))
    }

    /// Saves the campaign's settings (allowed while it runs: the next message uses them).
    pub(super) async fn save_campaign(self: &Rc<Self>, draft: &CampaignDraft) -> Result<CampaignView, Error> {
        let config = validate_campaign(draft, &self.policies.campaign).map_err(Error::Invalid)?;
        let m = self.moment();
        let events = self.commit(&[Part::Campaign], |s| Ok(s.campaign_mut(When::Now).configure(config, m))).await?;
        let _ = self.emit_all(events).await;
        self.kick();
        Ok(self.campaign_view(None))
    }

    /// Starts the campaign in a tab.
    pub(super) async fn start_campaign(self: &Rc<Self>, target: Target) -> Result<CampaignView, Error> {
        if web_origin(&target.url).is_none() {
            return Err(Error::Refused(NOT_A_WEB_PAGE.into()));
        }
        self.transition(|c, m| c.start(target, m)).await
    }

    /// Remembers the elements a user picked on a site.
    pub(super) async fn save_picks(self: &Rc<Self>, origin: String, picks: SitePicks) -> Result<CampaignView, Error> {
        self.commit(&[Part::Campaign], |s| {
            let entry = s.campaign_mut(When::Now).sites.entry(origin).or_default();
            if picks.input.is_some() {
                entry.input = picks.input;
            }
            if picks.button.is_some() {
                entry.button = picks.button;
            }
            Ok(())
        })
        .await?;
        Ok(self.campaign_view(None))
    }

    /// Forgets what was picked on a site, so detection is used again.
    pub(super) async fn clear_picks(self: &Rc<Self>, origin: &str) -> Result<CampaignView, Error> {
        self.commit(&[Part::Campaign], |s| {
            s.campaign_mut(When::Now).sites.remove(origin);
            Ok(())
        })
        .await?;
        Ok(self.campaign_view(None))
    }

    /// Sends the due message: picks it, stores the next time first (so a worker stopped mid-send
    /// does not send again at once), asks the page to send, then records the outcome.
    pub(super) async fn send_campaign_message(self: Rc<Self>) {
        let random = self.ports.unit();
        let m = self.moment();
        let prepared = {
            let mut s = self.state.borrow_mut();
            let c = s.campaign_mut(When::Now);
            let tab = c.target.as_ref().map(|t| (t.tab_id, web_origin(&t.url).unwrap_or_default().to_string()));
            match (tab, c.next_message(random)) {
                (Some((tab_id, origin)), Some((_, text))) => {
                    c.next_send_at = Some(m.now.plus(c.config.min_interval_ms));
                    let picks = c.sites.get(&origin).cloned().unwrap_or_default();
                    Some((tab_id, origin, text, picks))
                }
                _ => None,
            }
        };
        let Some((tab_id, origin, text, picks)) = prepared else {
            self.state.borrow_mut().sending = false;
            return;
        };
        if let Err(e) = self.flush().await {
            // Never type a message whose campaign state is not stored: the count and the limit
            // could not be kept. Pause, and say why.
            let m = self.moment();
            let events = {
                let mut s = self.state.borrow_mut();
                s.sending = false;
                s.campaign_mut(When::Now).failed(&format!("AutoChat could not save the campaign's progress ({e}), so it paused rather than send without counting."), m)
            };
            let _ = self.emit_all(events).await;
            self.kick();
            return;
        }
        let send = self.ports.send_in_tab(tab_id, &origin, &text, &picks);
        let result = match first(send, self.ports.sleep(SEND_TIMEOUT)).await {
            Either::Left(result) => result,
            Either::Right(()) => Err(format!(
                "The chat page did not answer within {} s; AutoChat paused the campaign.",
                SEND_TIMEOUT.as_secs()
            )),
        };
        let m = self.moment();
        let random = self.ports.unit();
        let events = {
            let mut s = self.state.borrow_mut();
            s.sending = false;
            let c = s.campaign_mut(When::Now);
            match result {
                Ok(()) => c.sent(&text, m, random),
                Err(error) => c.failed(&error, m),
            }
        };
        let _ = self.emit_all(events).await;
        self.flush_soon();
        self.kick();
    }

    /// What the popup shows; `page` is the page it would start a campaign on.
    pub(super) fn campaign_view(&self, page: Option<&PageRef>) -> CampaignView {
        let m = self.moment();
        let s = self.state.borrow();
        let c = s.campaign();
        let config = &c.config;
        let policy = &self.policies.campaign;
        let running = c.status == Status::Running;
        let start = match page {
            None => Err(NO_PAGE.to_string()),
            Some(p) if web_origin(&p.url).is_none() => Err(NOT_A_WEB_PAGE.to_string()),
            Some(_) => c.start_check(m).map_err(|r| r.0),
        };
        CampaignView {
            status: c.status,
            reason: c.reason.clone(),
            target: c.target.clone(),
            next_send_at: c.next_send_at.filter(|_| running && !s.sending).map(|t| t.to_rfc3339()),
            messages_sent_today: c.sent_today(m),
            total_messages_sent: c.total_messages_sent,
            daily_limit: config.daily_limit,
            limit_reached_today: c.limit_reached_today(m),
            start: Permission::from_check(start),
            config: CampaignSettings {
                messages: config.messages.join("\n"),
                order: config.order,
                min_interval_seconds: seconds(config.min_interval_ms),
                max_interval_seconds: seconds(config.max_interval_ms),
                daily_limit: config.daily_limit,
            },
            limits: CampaignLimits {
                min_interval_seconds: duration_seconds(policy.min_interval),
                max_interval_seconds: duration_seconds(policy.max_interval),
                max_daily_limit: policy.max_daily_limit,
                max_messages: policy.max_messages,
                max_message_chars: policy.max_message_chars,
            },
            sites: c.sites.clone(),
        }
    }

    /// When the campaign's next message is due, while it runs and nothing is being sent.
    pub(super) fn campaign_due_at(&self) -> Option<Millis> {
        let s = self.state.borrow();
        if s.sending || s.campaign().status != Status::Running {
            None
        } else {
            s.campaign().next_send_at
        }
    }
}

fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn duration_seconds(d: Duration) -> f64 {
    d.as_millis() as f64 / 1000.0
}
