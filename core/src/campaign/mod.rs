//! The campaign: AutoChat's auto-send, as a pure state machine.
//!
//! idle → running ⇄ paused → stopped (and stopped → running again on Start). Every transition
//! returns the events it causes, in order, for the engine to emit; time, the local calendar day
//! and randomness are inputs, so every rule is tested exactly.

pub mod config;

use crate::rules::event::{CampaignStats, Event};
use crate::rules::url_check::web_origin;
use crate::values::small_map::SmallMap;
use crate::values::time::Millis;
use config::{CampaignConfig, Order};
use serde::{Deserialize, Serialize};

/// Totals of sent messages that are celebrated with a `milestone` event, each once.
pub const MILESTONES: [u64; 7] = [10, 50, 100, 500, 1_000, 5_000, 10_000];
/// A day, for the rolling limit.
const DAY_MS: u64 = 86_400_000;
/// A `message_sent` payload carries at most this many characters of the message.
pub const REPORTED_MESSAGE_CHARS: usize = 1_000;

/// Where the campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Never started.
    #[default]
    Idle,
    /// Sending on its schedule.
    Running,
    /// Waiting for Resume.
    Paused,
    /// Ended; Start begins anew.
    Stopped,
}

/// The tab a campaign sends in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// The browser's tab id.
    pub tab_id: u32,
    /// The page's URL when the campaign started.
    pub url: String,
    /// The page's title when the campaign started.
    pub title: String,
}

/// The elements a user picked on a site when detection was not enough (CSS selectors).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct SitePicks {
    /// The message input.
    pub input: Option<String>,
    /// The send button.
    pub button: Option<String>,
}

/// Now, and the user's local calendar day (days since 1970-01-01 in local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// The instant.
    pub now: Millis,
    /// The local day it falls on.
    pub day: i64,
    /// Milliseconds until the next local midnight.
    pub until_midnight: u64,
}

impl Moment {
    /// The moment `now` in a time zone `offset_minutes` east of UTC.
    pub fn new(now: Millis, offset_minutes: i32) -> Moment {
        let local = now.0 as i64 + i64::from(offset_minutes) * 60_000;
        let into_day = local.rem_euclid(86_400_000).unsigned_abs();
        Moment { now, day: local.div_euclid(86_400_000), until_midnight: DAY_MS - into_day }
    }
}

/// Why a command on the campaign cannot be carried out, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// The campaign's settings and state, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Campaign {
    /// The user's settings.
    pub config: CampaignConfig,
    /// Where it stands.
    pub status: Status,
    /// The tab it sends in.
    pub target: Option<Target>,
    /// When the next message goes, while running.
    pub next_send_at: Option<Millis>,
    /// The next message in sequential order.
    pub next_index: usize,
    /// The message sent last (random order avoids repeating it).
    pub last_index: Option<usize>,
    /// The local day `messages_sent_today` counts.
    pub day: i64,
    /// Messages sent on `day`.
    pub messages_sent_today: u64,
    /// Messages sent since installation; never resets.
    pub total_messages_sent: u64,
    /// The local day the daily limit was reached, if it was (kept for stored data; whether the
    /// limit is reached is worked out from the counts, so raising the limit lets the user go on).
    pub limit_reached_day: Option<i64>,
    /// When the messages of the last 24 hours were sent (at most the daily limit of them), so the
    /// limit holds over any 24 hours whatever the calendar or the clock does.
    pub recent_sends: Vec<Millis>,
    /// Why it paused or stopped, for the popup.
    pub reason: Option<String>,
    /// Elements picked per site (by origin).
    pub sites: SmallMap<String, SitePicks>,
}

impl Campaign {
    /// Moves to `m`'s local day. The day only moves forward: a clock moved back or a new time zone
    /// never starts a fresh count.
    fn roll_day(&mut self, m: Moment) {
        if m.day > self.day {
            self.day = m.day;
            self.messages_sent_today = 0;
        }
    }

    fn stats(&self) -> CampaignStats {
        CampaignStats { messages_sent_today: self.messages_sent_today, total_messages_sent: self.total_messages_sent }
    }

    /// The tab whose closing or navigating matters: the campaign's, while it runs or is paused.
    pub fn watched_tab(&self) -> Option<u32> {
        matches!(self.status, Status::Running | Status::Paused)
            .then(|| self.target.as_ref().map(|t| t.tab_id))
            .flatten()
    }

    /// Messages sent today as of `m` (zero after midnight, before anything is sent).
    pub fn sent_today(&self, m: Moment) -> u64 {
        if m.day <= self.day {
            self.messages_sent_today
        } else {
            0
        }
    }

    /// Whether the daily limit was reached on `m`'s day.
    pub fn limit_reached_today(&self, m: Moment) -> bool {
        self.sent_today(m) >= self.config.daily_limit || self.sent_in_last_day(m.now) >= self.config.daily_limit
    }

    /// Messages sent in the 24 hours before `now`.
    pub fn sent_in_last_day(&self, now: Millis) -> u64 {
        let since = now.0.saturating_sub(DAY_MS);
        self.recent_sends.iter().filter(|t| t.0 > since).count() as u64
    }

    /// Whether Start is possible at `m`, as far as the campaign's state and today's count go (the
    /// messages are checked on Start itself: the popup saves its form first).
    pub fn start_check(&self, m: Moment) -> Result<(), Refusal> {
        match self.status {
            Status::Running | Status::Paused => {
                return Err(Refusal("A campaign is already under way; stop it before starting another.".into()))
            }
            Status::Idle | Status::Stopped => {}
        }
        if self.limit_reached_today(m) {
            return Err(Refusal(self.when_free_again(m)));
        }
        Ok(())
    }

    /// What Start says while the limit holds: the wait until the last 24 hours have room (which
    /// is never before midnight once today's own messages reach the limit), or tomorrow when only
    /// today's count stops it (sends the last 24 hours no longer hold, after a clock change).
    fn when_free_again(&self, m: Moment) -> String {
        let limit = self.config.daily_limit;
        let Some(wait) = self.last_day_free_in(m.now) else {
            return format!(
                "Today's limit of {} is reached; the campaign can start again tomorrow, or raise the limit.",
                messages(limit)
            );
        };
        let sent = self.sent_in_last_day(m.now);
        format!(
            "The daily limit of {} holds over any 24 hours, and {sent} {} sent in the last 24 hours; the campaign can start again in {}, or raise the limit.",
            messages(limit),
            were(sent),
            hours_and_minutes(wait.max(if self.sent_today(m) >= limit { m.until_midnight } else { 0 }))
        )
    }

    /// How long until the last 24 hours have room for one more message (`None` when they have).
    fn last_day_free_in(&self, now: Millis) -> Option<u64> {
        let limit = self.config.daily_limit;
        let since = now.0.saturating_sub(DAY_MS);
        let recent: Vec<u64> = self.recent_sends.iter().map(|t| t.0).filter(|t| *t > since).collect();
        let over = recent.len().checked_sub(usize::try_from(limit).unwrap_or(usize::MAX))?;
        // The oldest `over + 1` must leave the window for one more message to fit: the earliest
        // send with that many at or before it. (Quadratic over at most a day's sends, on a refused
        // Start only; a sort would add its own code to the module.)
        let oldest_to_leave =
            recent.iter().copied().filter(|t| recent.iter().filter(|u| **u <= *t).count() > over).min()?;
        Some((oldest_to_leave + DAY_MS).saturating_sub(now.0))
    }

    /// Start: sends the first message now.
    pub fn start(&mut self, target: Target, m: Moment) -> Result<Vec<Event>, Refusal> {
        self.start_check(m)?;
        if self.config.messages.is_empty() {
            return Err(Refusal("Write at least one message and save the campaign first.".into()));
        }
        self.roll_day(m);
        self.status = Status::Running;
        self.target = Some(target);
        self.next_send_at = Some(m.now);
        self.reason = None;
        Ok(vec![Event::CampaignStarted {}])
    }

    /// New settings. A daily limit lowered to today's count or below stops a running campaign (with
    /// `daily_limit_reached` and `campaign_stopped`); a raised one lets it go on today.
    pub fn configure(&mut self, config: config::CampaignConfig, m: Moment) -> Vec<Event> {
        self.config = config;
        let under_way = matches!(self.status, Status::Running | Status::Paused);
        if !under_way || !self.limit_reached_today(m) {
            return Vec::new();
        }
        self.status = Status::Stopped;
        self.next_send_at = None;
        self.reason = Some(format!(
            "The daily limit was lowered to {}, which today's messages have reached.",
            self.config.daily_limit
        ));
        vec![
            Event::DailyLimitReached { limit: self.config.daily_limit, messages_sent_today: self.sent_today(m) },
            Event::CampaignStopped { stats: self.stats() },
        ]
    }

    /// Pause: nothing is sent until Resume.
    pub fn pause(&mut self, reason: Option<String>, m: Moment) -> Result<Vec<Event>, Refusal> {
        if self.status != Status::Running {
            return Err(Refusal("Only a running campaign can be paused.".into()));
        }
        self.roll_day(m);
        self.status = Status::Paused;
        self.next_send_at = None;
        self.reason = reason;
        Ok(vec![Event::CampaignPaused { stats: self.stats() }])
    }

    /// Resume: the next message goes now.
    pub fn resume(&mut self, m: Moment) -> Result<Vec<Event>, Refusal> {
        if self.status != Status::Paused {
            return Err(Refusal("Only a paused campaign can be resumed.".into()));
        }
        self.roll_day(m);
        if self.limit_reached_today(m) {
            return Err(Refusal(self.when_free_again(m)));
        }
        self.status = Status::Running;
        self.next_send_at = Some(m.now);
        self.reason = None;
        Ok(vec![Event::CampaignResumed {}])
    }

    /// Stop, saying why.
    pub fn stop(&mut self, reason: &str, m: Moment) -> Result<Vec<Event>, Refusal> {
        if !matches!(self.status, Status::Running | Status::Paused) {
            return Err(Refusal("No campaign is under way.".into()));
        }
        self.roll_day(m);
        self.status = Status::Stopped;
        self.next_send_at = None;
        self.reason = Some(reason.to_string());
        Ok(vec![Event::CampaignStopped { stats: self.stats() }])
    }

    /// Picks the next message (advancing the order) and returns it with its index. `random` is in
    /// `[0, 1)`.
    pub fn next_message(&mut self, random: f64) -> Option<(usize, String)> {
        let n = self.config.messages.len();
        if n == 0 {
            return None;
        }
        let index = match self.config.order {
            Order::Sequential => {
                let i = self.next_index % n;
                self.next_index = (i + 1) % n;
                i
            }
            Order::Random if n == 1 => 0,
            Order::Random => {
                // Uniform over the messages other than the last one sent.
                let pick = ((random.clamp(0.0, 1.0) * (n - 1) as f64) as usize).min(n - 2);
                match self.last_index {
                    Some(last) if pick >= last => pick + 1,
                    _ => pick,
                }
            }
        };
        self.last_index = Some(index);
        Some((index, self.config.messages.get(index)?.clone()))
    }

    /// A message was confirmed sent: counts it, reports it, celebrates milestones, stops at the
    /// daily limit, or schedules the next one (`random` in `[0, 1)` draws the wait).
    pub fn sent(&mut self, text: &str, m: Moment, random: f64) -> Vec<Event> {
        self.roll_day(m);
        let before = self.total_messages_sent;
        self.messages_sent_today += 1;
        self.total_messages_sent += 1;
        self.recent_sends.retain(|t| t.0 > m.now.0.saturating_sub(DAY_MS));
        self.recent_sends.push(m.now);
        let mut events = vec![Event::MessageSent {
            message: text.chars().take(REPORTED_MESSAGE_CHARS).collect(),
            messages_sent_today: self.messages_sent_today,
            total_messages_sent: self.total_messages_sent,
        }];
        for value in MILESTONES.into_iter().filter(|v| before < *v && *v <= self.total_messages_sent) {
            events.push(Event::Milestone { milestone: format!("{value}_messages"), value });
        }
        if self.status != Status::Running {
            return events; // paused or stopped while the message was on its way
        }
        if self.limit_reached_today(m) {
            self.limit_reached_day = Some(m.day);
            self.status = Status::Stopped;
            self.next_send_at = None;
            let limit = self.config.daily_limit;
            self.reason = Some(if self.messages_sent_today >= limit {
                format!("Today's limit of {} was reached.", messages(limit))
            } else {
                let sent = self.sent_in_last_day(m.now);
                format!(
                    "The daily limit of {} was reached: {sent} {} sent in the last 24 hours.",
                    messages(limit),
                    were(sent)
                )
            });
            events.push(Event::DailyLimitReached {
                limit: self.config.daily_limit,
                messages_sent_today: self.messages_sent_today,
            });
            events.push(Event::CampaignStopped { stats: self.stats() });
        } else {
            let (min, max) =
                (self.config.min_interval_ms, self.config.max_interval_ms.max(self.config.min_interval_ms));
            let wait = min + ((max - min) as f64 * random.clamp(0.0, 1.0)) as u64;
            self.next_send_at = Some(m.now.plus(wait));
        }
        events
    }

    /// A message could not be sent: reports the error and pauses, so nothing spins silently.
    pub fn failed(&mut self, error: &str, m: Moment) -> Vec<Event> {
        let error = without_urls(error);
        let mut events = vec![Event::Error { error: error.clone() }];
        if let Ok(paused) = self.pause(Some(error), m) {
            events.extend(paused);
        }
        events
    }

    /// The campaign's tab was closed.
    pub fn tab_closed(&mut self, tab_id: u32, m: Moment) -> Vec<Event> {
        if self.target.as_ref().is_some_and(|t| t.tab_id == tab_id) {
            self.stop("The chat tab was closed.", m).unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    /// The campaign's tab loaded `url`: a different site stops the campaign; moving within the
    /// same site (chat apps change their URL as you switch conversations) does not.
    pub fn tab_navigated(&mut self, tab_id: u32, url: &str, m: Moment) -> Vec<Event> {
        let Some(target) = self.target.as_ref().filter(|t| t.tab_id == tab_id) else { return Vec::new() };
        if web_origin(url) == web_origin(&target.url) {
            return Vec::new();
        }
        let reason =
            format!("The chat tab left {} for another site.", web_origin(&target.url).unwrap_or("the chat page"));
        self.stop(&reason, m).unwrap_or_default()
    }

    /// The browser restarted: tab ids are no longer valid, so a campaign under way is stopped
    /// (with `campaign_stopped`) rather than resumed in a tab that may now be something else.
    pub fn browser_restarted(&mut self, m: Moment) -> Vec<Event> {
        self.stop("The browser was restarted; open the chat page and start the campaign again.", m).unwrap_or_default()
    }
}

/// Error text with web addresses taken out: an `error` event never carries a page's URL (a
/// browser message may quote one, and it could hold private parts of the chat).
pub fn without_urls(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let bare =
                word.trim_matches(|c: char| c == '"' || c == '\'' || c == '(' || c == ')' || c == ',' || c == '.');
            if bare.contains("://") {
                word.replace(bare, "[the page]")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A browser tab as the popup sees it (`chrome.tabs.query`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TabInfo {
    /// The tab's id.
    pub id: u32,
    /// Its URL, when the extension may see it.
    #[serde(default)]
    pub url: Option<String>,
    /// Its title, when the extension may see it.
    #[serde(default)]
    pub title: Option<String>,
    /// Whether it is the window's active tab.
    #[serde(default)]
    pub active: bool,
    /// When it was last active (ms since the epoch).
    #[serde(default)]
    pub last_accessed: Option<f64>,
}

/// The page a campaign set up in the popup acts on: the window's active tab when that is a web
/// page, else (the popup itself is open in a tab) the most recently active web page. `self_tab`
/// is the popup's own tab, if it has one. Tabs whose URL is hidden from the extension are skipped.
pub fn choose_target(tabs: &[TabInfo], self_tab: Option<u32>) -> Option<TabInfo> {
    let web = |t: &&TabInfo| Some(t.id) != self_tab && t.url.as_deref().and_then(web_origin).is_some();
    tabs.iter()
        .filter(web)
        .find(|t| t.active)
        .or_else(|| {
            tabs.iter()
                .filter(web)
                .max_by(|a, b| a.last_accessed.unwrap_or(0.0).total_cmp(&b.last_accessed.unwrap_or(0.0)))
        })
        .cloned()
}

/// "1 message", "100 messages".
fn messages(n: u64) -> String {
    format!("{n} message{}", if n == 1 { "" } else { "s" })
}

/// "was" for one, "were" for more.
fn were(n: u64) -> &'static str {
    if n == 1 {
        "was"
    } else {
        "were"
    }
}

/// A wait in words, rounded up to the minute: "45 min", "3 h 20 min".
fn hours_and_minutes(ms: u64) -> String {
    let minutes = ms.div_ceil(60_000).max(1);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests;
