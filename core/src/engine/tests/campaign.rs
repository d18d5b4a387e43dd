//! The campaign through the engine: the send loop, its events, settings and picks.

use super::*;

#[test]
fn a_campaign_sends_on_schedule_and_reports_every_step_in_order() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 3);
    start_in_tab(&fake, &e);
    assert_eq!(fake.chat(), [(7, "Hello!".to_string())], "the first message goes at once");
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"}))["nextSendAt"], "2025-12-07T17:30:30.000Z");
    run_alarms(&fake, &e, 10);
    assert_eq!(fake.chat().iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(), ["Hello!", "How are you?", "Hello!"]);
    assert_eq!(
        events_received(&fake, "hooks.example.com"),
        ["campaign_started", "message_sent", "message_sent", "message_sent", "daily_limit_reached", "campaign_stopped"]
    );
    let counts: Vec<Value> = fake
        .sent_to("hooks")
        .iter()
        .filter_map(|s| {
            let v: Value = serde_json::from_str(s.request.body.as_deref()?).ok()?;
            (v["event"] == "message_sent").then(|| v["data"]["messagesSentToday"].clone())
        })
        .collect();
    assert_eq!(counts, [json!(1), json!(2), json!(3)]);
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!(
        (c["status"].clone(), c["limitReachedToday"].clone(), c["messagesSentToday"].clone()),
        (json!("stopped"), json!(true), json!(3))
    );
    let refused = call(&fake, &e, json!({"type": "startCampaign", "tabId": 7, "url": "https://chat.example.com/room"}))
        .expect_err("limit");
    assert_eq!(refused.code(), "refused");
}

#[test]
fn the_campaign_continues_after_the_worker_restarts_between_messages() {
    let fake = Fake::at(T0);
    let first = start(&fake);
    setup_campaign(&fake, &first, 10);
    start_in_tab(&fake, &first);
    drop(first);
    fake.stop_worker();
    fake.advance(30_000);
    let second = start(&fake); // the alarm started a new worker
    fake.run();
    assert_eq!(fake.chat().len(), 2);
    assert_eq!(ok(&fake, &second, json!({"type": "getCampaign"}))["totalMessagesSent"], 2);
}

#[test]
fn closing_the_tab_or_restarting_the_browser_stops_the_campaign() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    start_in_tab(&fake, &e);
    ok(&fake, &e, json!({"type": "tabClosed", "tabId": 8}));
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"}))["status"], "running");
    ok(&fake, &e, json!({"type": "tabClosed", "tabId": 7}));
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"}))["reason"], "The chat tab was closed.");
    start_in_tab(&fake, &e);
    drop(e);
    fake.stop_worker();
    fake.restart_browser();
    let again = start(&fake);
    fake.run();
    let c = ok(&fake, &again, json!({"type": "getCampaign"}));
    assert_eq!(c["status"], "stopped");
    assert_eq!(events_received(&fake, "hooks").last().map(String::as_str), Some("campaign_stopped"));
}

#[test]
fn campaign_settings_are_validated_and_only_the_test_policy_allows_fast_intervals() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    let fast = json!({"type": "saveCampaign", "campaign": {"messages": "a", "minIntervalSeconds": 0.2, "maxIntervalSeconds": 0.4, "dailyLimit": 3}});
    let err = call(&fake, &e, fast.clone()).expect_err("too fast");
    assert_eq!(err.field(), Some("minInterval"));
    let fake = Fake::at(T0);
    let e = start_with(&fake, CampaignPolicy::fast_for_tests());
    let c = ok(&fake, &e, fast);
    assert_eq!(c["config"]["minIntervalSeconds"], 0.2);
    let refused = call(&fake, &e, json!({"type": "startCampaign", "tabId": 1, "url": "chrome://newtab"}))
        .expect_err("not a web page");
    assert_eq!(refused.code(), "refused");
}

#[test]
fn picks_are_remembered_per_site() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    ok(&fake, &e, json!({"type": "savePicks", "origin": "https://chat.example.com", "input": "#composer"}));
    let c = ok(&fake, &e, json!({"type": "savePicks", "origin": "https://chat.example.com", "button": "button.send"}));
    assert_eq!(c["sites"]["https://chat.example.com"], json!({"input": "#composer", "button": "button.send"}));
    let c = ok(&fake, &e, json!({"type": "clearPicks", "origin": "https://chat.example.com"}));
    assert_eq!(c["sites"], json!({}));
}

#[test]
fn a_failed_send_emits_error_and_pauses_until_resumed() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    fake.script_chat([Err("Failed to find send button".to_string())]);
    start_in_tab(&fake, &e);
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!((c["status"].clone(), c["reason"].clone()), (json!("paused"), json!("Failed to find send button")));
    assert_eq!(events_received(&fake, "hooks"), ["campaign_started", "error", "campaign_paused"]);
    let error =
        serde_json::from_str::<Value>(fake.sent_to("hooks")[1].request.body.as_deref().unwrap_or("")).expect("json");
    assert_eq!(error["data"]["error"], "Failed to find send button");
    run_alarms(&fake, &e, 3);
    assert!(fake.chat().is_empty(), "a paused campaign does not spin");
    ok(&fake, &e, json!({"type": "resumeCampaign"}));
    assert_eq!(fake.chat().len(), 1);
    assert_eq!(events_received(&fake, "hooks")[3..], ["campaign_resumed", "message_sent"]);
}

#[test]
fn the_view_says_whether_start_is_allowed_on_the_page_and_why_not() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 2);
    let view = |page: Value| ok(&fake, &e, json!({"type": "getCampaign", "page": page}))["start"].clone();
    let no_page = ok(&fake, &e, json!({"type": "getCampaign"}))["start"].clone();
    assert_eq!(no_page["allowed"], false);
    assert!(no_page["reason"].as_str().is_some_and(|r| r.contains("Open the chat page")));
    let not_web = view(json!({"tabId": 3, "url": "chrome://newtab/"}));
    assert!(not_web["reason"].as_str().is_some_and(|r| r.contains("only send on web pages")));
    let chat = json!({"tabId": 7, "url": "https://chat.example.com/room"});
    assert_eq!(view(chat.clone()), json!({"allowed": true, "reason": null}));
    start_in_tab(&fake, &e);
    assert!(view(chat.clone())["reason"].as_str().is_some_and(|r| r.contains("already under way")));
    fake.advance(30_000); // the second message of the day is sent: the limit is reached
    e.wake();
    fake.run();
    let limited = view(chat);
    assert_eq!(limited["allowed"], false);
    let reason = limited["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("limit of 2 messages holds over any 24 hours") && reason.contains("start again in 24 h"),
        "{limited}"
    );
}

#[test]
fn no_message_is_typed_unless_the_campaigns_next_state_is_stored_and_stop_always_stops() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    start_in_tab(&fake, &e);
    fake.run();
    assert_eq!(fake.chat().len(), 1);
    fake.fail_writes(true);
    fake.advance(30_000);
    e.wake();
    fake.run();
    assert_eq!(fake.chat().len(), 1, "not typed: its count could not be stored");
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!(c["status"], "paused");
    assert!(c["reason"].as_str().is_some_and(|r| r.contains("could not save")), "{c}");
    let refused = call(&fake, &e, json!({"type": "resumeCampaign"})).expect_err("cannot be stored");
    assert_eq!(refused.code(), "storage");
    assert_eq!(ok(&fake, &e, json!({"type": "getCampaign"}))["status"], "paused", "the failed resume changed nothing");
    let stopped = ok(&fake, &e, json!({"type": "stopCampaign"}));
    assert_eq!(stopped["status"], "stopped", "at once, in memory");
    assert!(stopped["reason"].as_str().is_some_and(|r| r.contains("keeps trying")), "{stopped}");
    fake.fail_writes(false);
    for _ in 0..8 {
        fake.advance(60_000);
        fake.run();
    }
    assert!(
        fake.stored(crate::store::CAMPAIGN_KEY).is_some_and(|t| t.contains("\"status\":\"stopped\"")),
        "and on disk once storage allows"
    );
    assert!(events_received(&fake, "hooks").contains(&"error".to_string()), "the error event went out once stored");
}

#[test]
fn a_send_to_a_tab_that_left_the_site_or_that_hangs_pauses_with_an_error() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    fake.navigate_tab("https://bank.example.com");
    start_in_tab(&fake, &e);
    fake.run();
    assert!(fake.chat().is_empty(), "nothing typed into another site");
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!(c["status"], "paused");
    assert!(c["reason"].as_str().is_some_and(|r| r.contains("another site")));

    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    fake.hang_chat();
    start_in_tab(&fake, &e);
    fake.run();
    fake.advance(20_000);
    fake.run();
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!(c["status"], "paused", "{c}");
    assert!(c["reason"].as_str().is_some_and(|r| r.contains("did not answer within 20 s")));
    assert!(events_received(&fake, "hooks").contains(&"error".to_string()));
}

#[test]
fn error_events_never_carry_a_page_url() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    fake.script_chat([Err("Cannot access contents of url \"https://chat.example.com/room?token=s3cret\".".into())]);
    start_in_tab(&fake, &e);
    fake.run();
    let bodies: Vec<String> = fake.sent().iter().filter_map(|s| s.request.body.clone()).collect();
    let error = bodies.iter().find(|b| b.contains("\"event\":\"error\"")).expect("an error event");
    assert!(!error.contains("s3cret") && error.contains("[the page]"), "{error}");
}

#[test]
fn the_campaigns_tab_is_written_for_the_tab_listeners_while_it_runs() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    assert_eq!(fake.stored(crate::store::WATCHED_TAB_KEY), None);
    start_in_tab(&fake, &e);
    assert_eq!(fake.stored(crate::store::WATCHED_TAB_KEY).as_deref(), Some("7"));
    ok(&fake, &e, json!({"type": "stopCampaign"}));
    assert_eq!(fake.stored(crate::store::WATCHED_TAB_KEY), None);
}

#[test]
fn a_pause_waiting_for_a_settings_save_keeps_the_new_settings() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    start_in_tab(&fake, &e);
    fake.hold_writes(true);
    // Another command holds the turn while its write is under way; the save and the pause wait.
    let mut first = Pending::send(&e, json!({"type": "setWebhooksEnabled", "enabled": true}));
    fake.run();
    let mut saving = Pending::send(
        &e,
        json!({"type": "saveCampaign", "campaign": {"messages": "New words",
        "order": "sequential", "minIntervalSeconds": 30, "maxIntervalSeconds": 30, "dailyLimit": 10}}),
    );
    fake.run();
    let mut pausing = Pending::send(&e, json!({"type": "pauseCampaign"}));
    fake.run();
    assert!(first.poll().is_none() && saving.poll().is_none() && pausing.poll().is_none(), "all wait");
    fake.hold_writes(false);
    Pending::drive(&fake, &mut [&mut first, &mut saving, &mut pausing]);
    assert!(first.poll().is_some() && saving.poll().is_some() && pausing.poll().is_some());
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!(c["status"], "paused");
    assert_eq!(c["config"]["messages"], "New words", "the pause started from the saved settings: {c}");
}

#[test]
fn stop_pressed_while_a_settings_save_fails_stays_stopped() {
    let fake = Fake::at(T0);
    let e = start(&fake);
    setup_campaign(&fake, &e, 10);
    start_in_tab(&fake, &e);
    fake.fail_writes(true);
    fake.hold_writes(true);
    let mut saving = Pending::send(
        &e,
        json!({"type": "saveCampaign", "campaign": {"messages": "New words",
        "order": "sequential", "minIntervalSeconds": 30, "maxIntervalSeconds": 30, "dailyLimit": 10}}),
    );
    fake.run();
    let mut stopping = Pending::send(&e, json!({"type": "stopCampaign"}));
    fake.run();
    fake.hold_writes(false); // the save's write fails, and the save is undone
    Pending::drive(&fake, &mut [&mut saving, &mut stopping]);
    assert!(saving.poll().is_some_and(|r| r.contains("\"storage\"")), "{:?}", saving.poll());
    assert!(stopping.poll().is_some());
    fake.fail_writes(false);
    fake.advance(60_000);
    fake.run();
    let c = ok(&fake, &e, json!({"type": "getCampaign"}));
    assert_eq!(
        (c["status"].clone(), c["config"]["messages"].clone()),
        (json!("stopped"), json!("Hello!\nHow are you?"))
    );
}
