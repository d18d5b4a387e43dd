use super::*;
use crate::rules::event::EventKind;

const T0: u64 = 1_765_128_600_000; // 2025-12-07T17:30:00Z

fn at(ms: u64) -> Moment {
    Moment::new(Millis(ms), 0)
}

fn campaign(messages: &[&str], order: Order, limit: u64) -> Campaign {
    Campaign {
        config: CampaignConfig {
            messages: messages.iter().map(|m| m.to_string()).collect(),
            order,
            min_interval_ms: 30_000,
            max_interval_ms: 60_000,
            daily_limit: limit,
        },
        ..Campaign::default()
    }
}

fn tab(id: u32) -> Target {
    Target { tab_id: id, url: "https://chat.example.com/room/1".into(), title: "Chat".into() }
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(Event::kind).collect()
}

#[test]
fn start_pause_resume_stop() {
    let mut c = campaign(&["a"], Order::Sequential, 10);
    assert_eq!(kinds(&c.start(tab(1), at(T0)).expect("starts")), [EventKind::CampaignStarted]);
    assert_eq!((c.status, c.next_send_at), (Status::Running, Some(Millis(T0))), "the first message goes at once");
    assert!(c.start(tab(1), at(T0)).is_err(), "not twice");
    assert!(c.resume(at(T0)).is_err(), "only a paused campaign resumes");
    let paused = c.pause(None, at(T0)).expect("pauses");
    assert_eq!(
        paused,
        [Event::CampaignPaused { stats: CampaignStats { messages_sent_today: 0, total_messages_sent: 0 } }]
    );
    assert_eq!((c.status, c.next_send_at), (Status::Paused, None), "nothing is due while paused");
    assert_eq!(kinds(&c.resume(at(T0 + 5)).expect("resumes")), [EventKind::CampaignResumed]);
    assert_eq!(c.next_send_at, Some(Millis(T0 + 5)));
    assert_eq!(kinds(&c.stop("user", at(T0 + 6)).expect("stops")), [EventKind::CampaignStopped]);
    assert_eq!((c.status, c.reason.as_deref()), (Status::Stopped, Some("user")));
    assert!(c.stop("again", at(T0)).is_err());
    assert!(c.start(tab(2), at(T0 + 7)).is_ok(), "a stopped campaign can start again");
}

#[test]
fn a_campaign_needs_messages() {
    let mut c = campaign(&[], Order::Random, 10);
    assert!(c.start(tab(1), at(T0)).expect_err("no messages").0.contains("at least one message"));
}

#[test]
fn a_sent_message_is_counted_reported_and_the_next_is_scheduled_between_min_and_max() {
    let mut c = campaign(&["Hello! How are you?"], Order::Sequential, 100);
    c.start(tab(1), at(T0)).expect("starts");
    let events = c.sent("Hello! How are you?", at(T0 + 1_000), 0.5);
    assert_eq!(
        events,
        [Event::MessageSent { message: "Hello! How are you?".into(), messages_sent_today: 1, total_messages_sent: 1 }]
    );
    assert_eq!(c.next_send_at, Some(Millis(T0 + 1_000 + 45_000)));
    c.sent("x", at(T0 + 50_000), 0.0);
    assert_eq!(c.next_send_at, Some(Millis(T0 + 80_000)));
    c.sent("x", at(T0 + 90_000), 0.999_999);
    assert_eq!(c.next_send_at, Some(Millis(T0 + 90_000 + 59_999)));
}

#[test]
fn the_reported_message_is_capped() {
    let mut c = campaign(&["x"], Order::Sequential, 100);
    c.start(tab(1), at(T0)).expect("starts");
    let long = "é".repeat(REPORTED_MESSAGE_CHARS + 50);
    let Event::MessageSent { message, .. } = &c.sent(&long, at(T0), 0.0)[0] else { panic!("message_sent first") };
    assert_eq!(message.chars().count(), REPORTED_MESSAGE_CHARS);
}

#[test]
fn the_daily_limit_stops_the_campaign_and_refuses_a_restart_until_tomorrow() {
    let mut c = campaign(&["a", "b"], Order::Sequential, 3);
    c.start(tab(1), at(T0)).expect("starts");
    assert_eq!(kinds(&c.sent("a", at(T0 + 1), 0.0)), [EventKind::MessageSent]);
    assert_eq!(kinds(&c.sent("b", at(T0 + 2), 0.0)), [EventKind::MessageSent]);
    let last = c.sent("a", at(T0 + 3), 0.0);
    assert_eq!(kinds(&last), [EventKind::MessageSent, EventKind::DailyLimitReached, EventKind::CampaignStopped]);
    assert_eq!(last[1], Event::DailyLimitReached { limit: 3, messages_sent_today: 3 });
    assert_eq!(
        last[2],
        Event::CampaignStopped { stats: CampaignStats { messages_sent_today: 3, total_messages_sent: 3 } }
    );
    assert_eq!(c.status, Status::Stopped);
    // Three in the last 24 hours: tomorrow is not soon enough, the refusal says when.
    let refused = c.start(tab(1), at(T0 + 4)).expect_err("limit").0;
    assert!(refused.contains("3 were sent in the last 24 hours; the campaign can start again in 24 h,"), "{refused}");
    assert!(c.start(tab(1), at(T0 + 86_400_000)).is_err(), "the same 24 hours still hold three");
    let tomorrow = T0 + 86_400_000 + 3;
    assert!(c.start(tab(1), at(tomorrow)).is_ok());
    assert_eq!(c.sent_today(at(tomorrow)), 0);
}

#[test]
fn messages_sent_today_resets_at_local_midnight_and_the_total_never_does() {
    // 23:30 local time in UTC+2 is 21:30 UTC; midnight local is 22:00 UTC.
    let evening = Moment::new(Millis(T0 + 4 * 3_600_000), 120); // 2025-12-07T21:30Z = 23:30 local
    let after_midnight = Moment::new(Millis(T0 + 4 * 3_600_000 + 31 * 60_000), 120); // 00:01 local
    assert_eq!(after_midnight.day, evening.day + 1);
    let same_utc_day_elsewhere = Moment::new(after_midnight.now, -300);
    assert_eq!(same_utc_day_elsewhere.day, evening.day, "in UTC-5 it is still the same day");
    let mut c = campaign(&["a"], Order::Sequential, 100);
    c.start(tab(1), evening).expect("starts");
    c.sent("a", evening, 0.0);
    c.sent("a", evening, 0.0);
    assert_eq!(c.sent_today(after_midnight), 0);
    let events = c.sent("a", after_midnight, 0.0);
    assert_eq!(events[0], Event::MessageSent { message: "a".into(), messages_sent_today: 1, total_messages_sent: 3 });
}

#[test]
fn sequential_order_cycles_through_the_messages() {
    let mut c = campaign(&["a", "b", "c"], Order::Sequential, 100);
    let picked: Vec<String> = (0..7).filter_map(|_| c.next_message(0.3)).map(|(_, m)| m).collect();
    assert_eq!(picked, ["a", "b", "c", "a", "b", "c", "a"]);
}

#[test]
fn random_order_never_repeats_the_last_message_and_reaches_all() {
    let mut c = campaign(&["a", "b", "c"], Order::Random, 100);
    let mut previous = None;
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..300 {
        let r = (i as f64 * 0.618_033_988_7) % 1.0;
        let (index, _) = c.next_message(r).expect("a message");
        assert_ne!(Some(index), previous, "no immediate repeat");
        seen.insert(index);
        previous = Some(index);
    }
    assert_eq!(seen.len(), 3);
    let mut single = campaign(&["only"], Order::Random, 100);
    assert_eq!(single.next_message(0.9), Some((0, "only".into())));
    assert_eq!(single.next_message(0.9), Some((0, "only".into())), "one message repeats, of course");
}

#[test]
fn milestones_fire_once_each_when_crossed() {
    let mut c = campaign(&["a"], Order::Sequential, 1_000);
    c.start(tab(1), at(T0)).expect("starts");
    c.total_messages_sent = 8;
    assert_eq!(kinds(&c.sent("a", at(T0), 0.0)), [EventKind::MessageSent]);
    let tenth = c.sent("a", at(T0), 0.0);
    assert_eq!(tenth[1], Event::Milestone { milestone: "10_messages".into(), value: 10 });
    assert_eq!(kinds(&c.sent("a", at(T0), 0.0)), [EventKind::MessageSent], "not again at 11");
    c.total_messages_sent = 999;
    assert_eq!(c.sent("a", at(T0), 0.0)[1], Event::Milestone { milestone: "1000_messages".into(), value: 1000 });
}

#[test]
fn a_failed_send_reports_the_error_and_pauses() {
    let mut c = campaign(&["a"], Order::Sequential, 10);
    c.start(tab(1), at(T0)).expect("starts");
    let events = c.failed("Failed to find send button", at(T0));
    assert_eq!(events[0], Event::Error { error: "Failed to find send button".into() });
    assert_eq!(kinds(&events), [EventKind::Error, EventKind::CampaignPaused]);
    assert_eq!((c.status, c.reason.as_deref()), (Status::Paused, Some("Failed to find send button")));
    assert_eq!(c.next_send_at, None, "nothing is due after an error");
}

#[test]
fn closing_or_leaving_the_tab_stops_the_campaign() {
    let mut c = campaign(&["a"], Order::Sequential, 10);
    c.start(tab(7), at(T0)).expect("starts");
    assert!(c.tab_closed(8, at(T0)).is_empty(), "another tab");
    assert!(c.tab_navigated(7, "https://chat.example.com/room/2", at(T0)).is_empty(), "same site");
    let events = c.tab_navigated(7, "https://news.example.org/", at(T0));
    assert_eq!(kinds(&events), [EventKind::CampaignStopped]);
    assert!(c.reason.as_deref().is_some_and(|r| r.contains("https://chat.example.com")));
    c.start(tab(7), at(T0)).expect("starts");
    assert_eq!(kinds(&c.tab_closed(7, at(T0))), [EventKind::CampaignStopped]);
    assert_eq!(c.reason.as_deref(), Some("The chat tab was closed."));
}

#[test]
fn a_browser_restart_stops_a_running_campaign_with_a_reason() {
    let mut c = campaign(&["a"], Order::Sequential, 10);
    assert!(c.browser_restarted(at(T0)).is_empty(), "nothing under way");
    c.start(tab(7), at(T0)).expect("starts");
    assert_eq!(kinds(&c.browser_restarted(at(T0))), [EventKind::CampaignStopped]);
    assert!(c.reason.as_deref().is_some_and(|r| r.contains("restarted")));
}

#[test]
fn the_target_is_the_active_web_page_or_the_latest_one() {
    let tab = |id: u32, url: Option<&str>, active: bool, last: f64| TabInfo {
        id,
        url: url.map(String::from),
        title: Some(format!("Tab {id}")),
        active,
        last_accessed: Some(last),
    };
    let popup = "chrome-extension://abc/popup/popup.html";
    // A real popup: the active tab is the chat page.
    let tabs =
        [tab(1, Some("https://chat.example.com/"), true, 5.0), tab(2, Some("https://other.example/"), false, 9.0)];
    assert_eq!(choose_target(&tabs, None).map(|t| t.id), Some(1));
    // The popup in a tab of its own: it is active, so the most recent web page wins.
    let tabs = [
        tab(1, Some("https://chat.example.com/"), false, 8.0),
        tab(2, Some("https://old.example/"), false, 3.0),
        tab(3, Some(popup), true, 9.0),
    ];
    assert_eq!(choose_target(&tabs, Some(3)).map(|t| t.id), Some(1));
    // Pages the extension may not see, and browser pages, are not targets.
    let tabs =
        [tab(1, None, false, 8.0), tab(2, Some("chrome://settings"), false, 9.0), tab(3, Some(popup), true, 10.0)];
    assert_eq!(choose_target(&tabs, Some(3)), None);
}

#[test]
fn a_clock_moved_back_or_a_new_time_zone_never_resets_the_count() {
    let mut c = campaign(&["a"], Order::Sequential, 2);
    c.start(tab(1), at(T0)).expect("starts");
    c.sent("a", at(T0), 0.0);
    // The user flies west: the same instant is the previous local day.
    let west = Moment::new(Millis(T0 + 1_000), -12 * 60);
    let second = c.sent("a", west, 0.0);
    assert_eq!(kinds(&second), [EventKind::MessageSent, EventKind::DailyLimitReached, EventKind::CampaignStopped]);
    // And east: a later calendar day, but within 24 hours of the two messages.
    let east = Moment::new(Millis(T0 + 60_000), 14 * 60);
    assert!(c.start(tab(1), east).is_err(), "the limit holds over any 24 hours");
    assert!(c.start(tab(1), at(T0 - 3_600_000)).is_err(), "a clock moved back changes nothing");
}

#[test]
fn a_limit_reached_over_the_last_24_hours_says_so_and_when_it_frees_up() {
    // Two messages late in the evening, one after midnight: the calendar day counts one, the last
    // 24 hours three.
    let mut c = campaign(&["a"], Order::Sequential, 3);
    let evening = |minutes: u64| Moment::new(Millis(T0 + 4 * 3_600_000 + minutes * 60_000), 120); // 23:30 local
    c.start(tab(1), evening(0)).expect("starts");
    c.sent("a", evening(0), 0.0);
    c.sent("a", evening(10), 0.0);
    let last = c.sent("a", evening(40), 0.0); // 00:10 local
    assert_eq!(last[1], Event::DailyLimitReached { limit: 3, messages_sent_today: 1 });
    assert_eq!(
        c.reason.as_deref(),
        Some("The daily limit of 3 messages was reached: 3 were sent in the last 24 hours.")
    );
    // At 01:10 local, the 23:30 message frees a place at 23:30 tomorrow: 22 h 20 min on.
    let refused = c.start(tab(1), evening(100)).expect_err("still three in 24 hours");
    assert!(
        refused.0.contains("3 were sent in the last 24 hours; the campaign can start again in 22 h 20 min"),
        "{}",
        refused.0
    );
    assert!(c.start(tab(1), evening(24 * 60)).is_ok(), "a place is free 24 hours after the first");

    // Reached in the morning: not "tomorrow" at midnight, but once the first is 24 hours old.
    let mut c = campaign(&["a"], Order::Sequential, 2);
    let local = |hours: u64| Moment::new(Millis(T0 - 23 * 1_800_000 + hours * 3_600_000), 120); // 08:00 + hours
    c.start(tab(1), local(0)).expect("starts");
    c.sent("a", local(0), 0.0);
    c.sent("a", local(1), 0.0); // 09:00: the limit of 2
    let refused = c.start(tab(1), local(13)).expect_err("today's two").0; // 21:00
    assert!(refused.contains("2 were sent in the last 24 hours; the campaign can start again in 11 h,"), "{refused}");
    let mut one = campaign(&["a"], Order::Sequential, 1);
    one.start(tab(1), local(0)).expect("starts");
    one.sent("a", local(0), 0.0);
    assert_eq!(one.reason.as_deref(), Some("Today's limit of 1 message was reached."));
    let refused = one.start(tab(1), local(1)).expect_err("one").0;
    assert!(refused.starts_with("The daily limit of 1 message holds over any 24 hours, and 1 was sent"), "{refused}");

    // The limit lowered below what the last 24 hours hold: as many must leave as it is over by, plus
    // one. Sends at 23:30, 23:40 and 00:10 and a limit of 2: the 23:40 one frees the place.
    let mut c = campaign(&["a"], Order::Sequential, 3);
    c.start(tab(1), evening(0)).expect("starts");
    for minutes in [0, 10, 40] {
        c.sent("a", evening(minutes), 0.0);
    }
    c.config.daily_limit = 2;
    let refused = c.start(tab(1), evening(100)).expect_err("three in 24 hours, limit two");
    assert!(refused.0.contains("can start again in 22 h 30 min"), "{}", refused.0);
}

#[test]
fn raising_the_limit_lets_the_user_go_on_and_lowering_it_stops() {
    let mut c = campaign(&["a"], Order::Sequential, 2);
    c.start(tab(1), at(T0)).expect("starts");
    c.sent("a", at(T0), 0.0);
    c.sent("a", at(T0 + 1), 0.0);
    assert_eq!(c.status, Status::Stopped);
    let raised = CampaignConfig { daily_limit: 5, ..c.config.clone() };
    assert!(c.configure(raised, at(T0 + 2)).is_empty());
    assert!(c.start(tab(1), at(T0 + 3)).is_ok(), "on today, with the higher limit");
    let lowered = CampaignConfig { daily_limit: 2, ..c.config.clone() };
    assert_eq!(kinds(&c.configure(lowered, at(T0 + 4))), [EventKind::DailyLimitReached, EventKind::CampaignStopped]);
    assert_eq!(c.status, Status::Stopped);
}
