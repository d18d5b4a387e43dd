//! What JavaScript sees: one opaque handle for the worker, and pure helpers for the pages. JSON
//! text crosses the boundary in both directions; the shapes are the protocol's (see README).

#![deny(clippy::unwrap_used)]

mod chrome;
mod ports;

use autochat_core::campaign::{self, TabInfo};
use autochat_core::rules::event::EventKind;
use autochat_core::rules::headers::parse_headers_text;
use autochat_core::rules::url_check::check_url;
use autochat_core::values::time::{self, Millis};
use autochat_core::webhooks::webhook::{validate_draft, WebhookDraft};
use autochat_core::{Engine, Policies};
use ports::{BrowserPorts, OUTBOX_ALARM};
use serde_json::json;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn install_panic_hook() {
    console_error_panic_hook::set_once();
}

/// The running core, owned by the service worker.
#[wasm_bindgen]
pub struct AutoChatCore {
    engine: Rc<Engine<BrowserPorts>>,
}

#[wasm_bindgen]
impl AutoChatCore {
    /// Loads the stored state, re-arms the wake-up alarm and resumes pending deliveries.
    pub async fn start() -> Result<AutoChatCore, JsError> {
        let manifest = chrome::get_manifest().map_err(|_| JsError::new("chrome.runtime.getManifest is unavailable"))?;
        let version =
            js_sys::Reflect::get(&manifest, &"version".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
        let engine =
            Engine::start(BrowserPorts, version, policies()).await.map_err(|e| JsError::new(&e.to_string()))?;
        Ok(AutoChatCore { engine })
    }

    /// Answers one protocol message (JSON text); resolves to the reply (JSON text).
    pub fn handle(&self, message: String) -> js_sys::Promise {
        let engine = Rc::clone(&self.engine);
        wasm_bindgen_futures::future_to_promise(
            async move { Ok(JsValue::from_str(&engine.handle_json(&message).await)) },
        )
    }

    /// Called when the network comes back (the worker's `online` event).
    #[wasm_bindgen(js_name = onOnline)]
    pub fn on_online(&self) {
        self.engine.wake();
    }

    /// Called for every `chrome.alarms` alarm; acts on its own.
    #[wasm_bindgen(js_name = onAlarm)]
    pub fn on_alarm(&self, name: &str) {
        if name == OUTBOX_ALARM {
            self.engine.wake();
        }
    }
}

/// Validates a webhook form (the protocol's draft shape, as JSON text) with the very rules the
/// worker applies. Returns `{valid, warnings, fields, originPattern, needsPermission}` as JSON text:
/// `originPattern` is the host permission the URL needs, and `needsPermission` is false for this
/// machine, which the manifest grants up front.
#[wasm_bindgen(js_name = validateWebhook)]
pub fn validate_webhook(draft: &str) -> String {
    // Through a Value, like every command: one set of deserialisers in the wasm, not two.
    let parsed = serde_json::from_str::<serde_json::Value>(draft).and_then(serde_json::from_value::<WebhookDraft>);
    let result = match parsed {
        Ok(draft) => match validate_draft(&draft) {
            Ok(valid) => json!({
                "valid": true,
                "warnings": valid.warnings,
                "fields": [],
                "originPattern": valid.url.origin_pattern(),
                "needsPermission": !valid.url.is_local(),
            }),
            Err(fields) => json!({ "valid": false, "warnings": [], "fields": fields }),
        },
        Err(e) => json!({ "valid": false, "warnings": [], "fields": [{ "field": "form", "message": e.to_string() }] }),
    };
    result.to_string()
}

/// Reads the Custom Headers box: `{ok: true, headers}` or `{ok: false, message}` as JSON text.
#[wasm_bindgen(js_name = parseHeaders)]
pub fn parse_headers(text: &str) -> String {
    match parse_headers_text(text) {
        Ok(headers) => json!({ "ok": true, "headers": headers }),
        Err(message) => json!({ "ok": false, "message": message }),
    }
    .to_string()
}

/// The host permission a stored webhook URL needs (`https://host/*`), or `null` when the URL is
/// not valid or is on this machine (granted by the manifest).
#[wasm_bindgen(js_name = originPattern)]
pub fn origin_pattern(url: &str) -> Option<String> {
    check_url(url).ok().filter(|u| !u.is_local()).map(|u| u.origin_pattern())
}

/// "5 min ago" for an RFC 3339 time, as the statistics show it; empty for an unreadable time.
#[wasm_bindgen(js_name = describeAge)]
pub fn describe_age(rfc3339: &str, now_ms: f64) -> String {
    Millis::parse_rfc3339(rfc3339).map(|then| time::describe_age(then, Millis(now_ms as u64))).unwrap_or_default()
}

/// "in 5 min" for an RFC 3339 time to come, as a waiting delivery shows it; empty when unreadable.
#[wasm_bindgen(js_name = describeWait)]
pub fn describe_wait(rfc3339: &str, now_ms: f64) -> String {
    Millis::parse_rfc3339(rfc3339).map(|then| time::describe_wait(then, Millis(now_ms as u64))).unwrap_or_default()
}

/// The tab a campaign set up in the popup acts on, from `chrome.tabs.query` results (JSON text)
/// and the popup's own tab id (or a negative number): `{id, url, title, …}` or `null`, as JSON text.
#[wasm_bindgen(js_name = chooseTarget)]
pub fn choose_target(tabs: &str, self_tab: f64) -> String {
    let tabs: Vec<TabInfo> =
        serde_json::from_str::<serde_json::Value>(tabs).and_then(serde_json::from_value).unwrap_or_default();
    let self_tab = (self_tab >= 0.0).then_some(self_tab as u32);
    serde_json::to_string(&campaign::choose_target(&tabs, self_tab)).unwrap_or_else(|_| "null".into())
}

/// The origin (`scheme://host[:port]`) of a web page URL, or `null`.
#[wasm_bindgen(js_name = originOf)]
pub fn origin_of(url: &str) -> Option<String> {
    campaign::origin_of(url).map(String::from)
}

/// The eight events with their labels and descriptions, for forms: JSON text.
#[wasm_bindgen(js_name = eventCatalog)]
pub fn event_catalog() -> String {
    let events: Vec<_> = EventKind::ALL
        .iter()
        .map(|k| json!({ "name": k.name(), "label": k.label(), "description": k.description() }))
        .collect();
    serde_json::Value::Array(events).to_string()
}

/// The shipped build's policies; the end-to-end test build (feature `e2e`) lets campaigns wait as
/// little as 0.1 s.
fn policies() -> Policies {
    #[cfg(feature = "e2e")]
    let campaign = autochat_core::campaign::config::CampaignPolicy::fast_for_tests();
    #[cfg(not(feature = "e2e"))]
    let campaign = autochat_core::campaign::config::CampaignPolicy::default();
    Policies { campaign, ..Policies::default() }
}
