//! AutoChat in the browser: the core's ports over `chrome.*` and `fetch` ([`ports`]), and what
//! JavaScript sees — one opaque handle for the worker, and pure helpers for the pages. JSON text
//! crosses the boundary in both directions, in the shapes of `autochat_core::protocol`.

#![deny(clippy::unwrap_used)]

mod chrome;
mod ports;

use autochat_core::campaign::{self, TabInfo};
use autochat_core::conditions::{Operator, FIELDS};
use autochat_core::formats::detect::{detect, retired};
use autochat_core::formats::gallery::sample;
use autochat_core::formats::{render, Occurrence};
use autochat_core::protocol::page::{Catalog, Choice, DraftCheck, FieldChoice, FormatHint, HeadersCheck, Preview};
use autochat_core::protocol::Caller;
use autochat_core::rules::event::Envelope;
use autochat_core::rules::event::EventKind;
use autochat_core::rules::headers::parse_headers_text;
use autochat_core::rules::url_check::{check_url, web_origin};
use autochat_core::values::field::FieldMessage;
use autochat_core::values::time::Millis as Now;
use autochat_core::values::time::{self, Millis};
use autochat_core::webhooks::format_choice::check_format;
use autochat_core::webhooks::webhook::{draft_from_value, validate_draft, WebhookDraft};
use autochat_core::{Engine, Policies};
use ports::{BrowserPorts, OUTBOX_ALARM};
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
    /// AutoChat's own base URL (`chrome.runtime.getURL("")`), asked once: every message's
    /// sender is compared with it.
    own_url: String,
}

#[wasm_bindgen]
impl AutoChatCore {
    /// Loads the stored state, re-arms the wake-up alarm and resumes pending deliveries.
    /// `on_change` is called with a `Changed` notice (JSON text) for the open pages. `stored`, when
    /// given, is `chrome.storage.local.get(null)` issued for this start (the worker issues it while
    /// the module compiles); the start reads through it instead of asking again.
    pub async fn start(
        on_change: Option<js_sys::Function>,
        stored: Option<js_sys::Promise>,
    ) -> Result<AutoChatCore, JsError> {
        let manifest = chrome::get_manifest().map_err(|_| JsError::new("chrome.runtime.getManifest is unavailable"))?;
        let version =
            js_sys::Reflect::get(&manifest, &"version".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
        let engine = Engine::start(
            BrowserPorts { on_change, random: Default::default(), start_read: stored.into() },
            version,
            policies(),
        )
        .await
        .map_err(|e| JsError::new(&e.to_string()))?;
        let own_url = chrome::get_url("").ok().and_then(|v| v.as_string()).unwrap_or_default();
        Ok(AutoChatCore { engine, own_url })
    }

    /// Answers one protocol message (JSON text) sent from `sender_url` (the sender's URL as the
    /// browser reports it; empty for the worker itself); resolves to the reply (JSON text). Only
    /// AutoChat's own pages may give every command; see `autochat_core::protocol::admit`.
    pub fn handle(&self, message: String, sender_url: String) -> js_sys::Promise {
        let engine = Rc::clone(&self.engine);
        let caller = caller_of(&sender_url, &self.own_url);
        wasm_bindgen_futures::future_to_promise(async move {
            Ok(JsValue::from_str(&engine.handle_json_from(&message, &caller).await))
        })
    }

    /// Called when the network comes back (the worker's `online` event).
    #[wasm_bindgen(js_name = onOnline)]
    pub fn on_online(&self) {
        self.engine.wake();
    }

    /// Whether the worker may drop this core and start a fresh one from storage to give memory
    /// back: `"busy"` (ask again later), `"keep"` or `"release"`. The worker must also have no
    /// command of its own unanswered. See `autochat_core::MemoryVerdict`.
    #[wasm_bindgen(js_name = memoryVerdict)]
    pub fn memory_verdict(&self) -> String {
        self.engine.memory_verdict().as_str().into()
    }

    /// The end-to-end test build's way to stop the core on a panic, as a bug would.
    #[cfg(feature = "e2e")]
    pub fn trap(&self) {
        #[allow(clippy::panic)] // the point: a deliberate trap for the recovery test
        {
            panic!("a deliberate trap for the end-to-end test");
        }
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
/// worker applies; returns a `DraftCheck` as JSON text.
#[wasm_bindgen(js_name = validateWebhook)]
pub fn validate_webhook(draft: &str) -> String {
    // Through a Value, like every command: one set of deserialisers in the wasm, not two.
    let parsed = serde_json::from_str::<serde_json::Value>(draft)
        .map_err(|e| vec![FieldMessage::new("form", e.to_string())])
        .and_then(draft_from_value);
    let check = match parsed.and_then(|draft| validate_draft(&draft)) {
        Ok(valid) => DraftCheck {
            valid: true,
            warnings: valid.warnings,
            fields: Vec::new(),
            origin_pattern: Some(valid.url.origin_pattern()),
            needs_permission: !valid.url.is_local(),
        },
        Err(fields) => {
            DraftCheck { valid: false, warnings: Vec::new(), fields, origin_pattern: None, needs_permission: false }
        }
    };
    to_json(&check)
}

/// Reads the Custom Headers box; returns a `HeadersCheck` as JSON text.
#[wasm_bindgen(js_name = parseHeaders)]
pub fn parse_headers(text: &str) -> String {
    to_json(&match parse_headers_text(text) {
        Ok(headers) => HeadersCheck { ok: true, headers, message: None },
        Err(message) => HeadersCheck { ok: false, headers: serde_json::Value::Null, message: Some(message) },
    })
}

/// The host permission a stored webhook URL needs (`https://host/*`), or `null` when the URL is
/// not valid or is on this machine (granted by the manifest).
#[wasm_bindgen(js_name = originPattern)]
pub fn origin_pattern(url: &str) -> Option<String> {
    check_url(url).ok().filter(|u| !u.is_local()).map(|u| u.origin_pattern())
}

/// The host permission that lets AutoChat reach a stored webhook URL, this machine included: the
/// manifest grants `localhost` and `127.0.0.1` up front, but Firefox lets the user withdraw them.
/// `null` for a URL that is not valid.
#[wasm_bindgen(js_name = accessPattern)]
pub fn access_pattern(url: &str) -> Option<String> {
    check_url(url).ok().map(|u| u.origin_pattern())
}

/// How long ago an RFC 3339 time was ("5 min ago"), as the statistics show it: a `Span` as JSON
/// text, `null` for an unreadable time.
#[wasm_bindgen(js_name = describeAge)]
pub fn describe_age(rfc3339: &str, now_ms: f64) -> String {
    to_json(&Millis::parse_rfc3339(rfc3339).map(|then| time::age(then, Millis(now_ms as u64))))
}

/// How long until an RFC 3339 time ("in 5 min"), as a waiting delivery shows it: a `Span` as JSON
/// text, `null` when unreadable.
#[wasm_bindgen(js_name = describeWait)]
pub fn describe_wait(rfc3339: &str, now_ms: f64) -> String {
    to_json(&Millis::parse_rfc3339(rfc3339).map(|then| time::wait(then, Millis(now_ms as u64))))
}

/// The tab a campaign set up in the popup acts on, from `chrome.tabs.query` results (JSON text)
/// and the popup's own tab id (or a negative number): `{id, url, title, …}` or `null`, as JSON text.
#[wasm_bindgen(js_name = chooseTarget)]
pub fn choose_target(tabs: &str, self_tab: f64) -> String {
    let tabs: Vec<TabInfo> =
        serde_json::from_str::<serde_json::Value>(tabs).and_then(serde_json::from_value).unwrap_or_default();
    let self_tab = (self_tab >= 0.0).then_some(self_tab as u32);
    to_json(&campaign::choose_target(&tabs, self_tab))
}

/// The origin (`scheme://host[:port]`) of a web page URL, or `null`.
#[wasm_bindgen(js_name = originOf)]
pub fn origin_of(url: &str) -> Option<String> {
    web_origin(url).map(String::from)
}

/// The webhook form's choices and caps; returns a `Catalog` as JSON text.
#[wasm_bindgen]
pub fn catalog() -> String {
    to_json(&Catalog::build())
}

/// What the form says about a URL as it is typed; returns a `FormatHint` as JSON text.
#[wasm_bindgen(js_name = detectFormat)]
pub fn detect_format(url: &str) -> String {
    to_json(&FormatHint { detected: detect(url), retired: retired(url).map(String::from) })
}

/// The body a draft (JSON text) would send for a sample of `event`, built by the code that sends
/// it; returns a `Preview` as JSON text.
#[wasm_bindgen(js_name = previewBody)]
pub fn preview_body(draft: &str, event: &str, now_ms: f64) -> String {
    let draft = serde_json::from_str::<serde_json::Value>(draft)
        .and_then(serde_json::from_value::<WebhookDraft>)
        .unwrap_or_default();
    let kind = EventKind::from_name(event).unwrap_or(EventKind::MessageSent);
    let url = check_url(&draft.url).ok();
    let method = match draft.method.trim().to_ascii_uppercase().as_str() {
        "GET" => Some(autochat_core::values::http::Method::Get),
        _ => Some(autochat_core::values::http::Method::Post),
    };
    let preview = match check_format(&draft.format, &draft.template, &draft.chat_id, url.as_ref(), method) {
        Err(mut errors) => Preview { ok: false, body: None, error: Some(errors.remove(0)) },
        Ok(choice) => {
            let envelope = Envelope::new(&sample(kind), Now(now_ms as u64), env!("CARGO_PKG_VERSION"));
            let json = envelope.to_json();
            match render(
                choice.format,
                &choice.settings(&draft.url),
                &Occurrence { envelope: &envelope, envelope_json: &json },
            ) {
                Ok(body) => Preview { ok: true, body: Some(body), error: None },
                Err(message) => Preview { ok: false, body: None, error: Some(FieldMessage::new("template", message)) },
            }
        }
    };
    to_json(&preview)
}

/// The fields conditions may test for a webhook subscribed to `events` (JSON text of event
/// names): those every chosen event carries, each with the operators that suit it. Returns
/// `FieldChoice[]` as JSON text.
#[wasm_bindgen(js_name = conditionFields)]
pub fn condition_fields(events: &str) -> String {
    let names: Vec<String> = serde_json::from_str(events).unwrap_or_default();
    let kinds: Vec<EventKind> = names.iter().filter_map(|n| EventKind::from_name(n)).collect();
    let fields: Vec<FieldChoice> = FIELDS
        .iter()
        .filter(|f| f.events.is_empty() || kinds.iter().all(|k| f.events.contains(k)))
        .map(|f| FieldChoice {
            value: f.path.into(),
            label: f.label.into(),
            kind: f.kind,
            operators: Operator::ALL
                .into_iter()
                .filter(|op| op.suits(f.kind))
                .map(|op| Choice { value: op, label: op.label().into(), description: String::new() })
                .collect(),
        })
        .collect();
    to_json(&fields)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Who sent a message: the worker itself (no sender URL) and AutoChat's own pages, which start
/// with `own_url` (its `chrome-extension://<id>/`, or Firefox's `moz-extension://<id>/`), may give
/// every command; anything else is a web page.
fn caller_of(sender_url: &str, own_url: &str) -> Caller {
    if sender_url.is_empty() || (!own_url.is_empty() && sender_url.starts_with(own_url)) {
        Caller::Extension
    } else {
        Caller::WebPage { origin: web_origin(sender_url).unwrap_or("null").to_string() }
    }
}

/// The shipped build's policies; the end-to-end test build (feature `e2e`) lets campaigns wait as
/// little as 0.1 s, and gives memory back after a small burst, so a test can see it.
fn policies() -> Policies {
    #[cfg(feature = "e2e")]
    return Policies {
        campaign: autochat_core::campaign::config::CampaignPolicy::fast_for_tests(),
        memory: autochat_core::MemoryPolicy { release_after_growth: 512 << 10 },
        ..Policies::default()
    };
    #[cfg(not(feature = "e2e"))]
    Policies::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

    #[test]
    fn the_worker_and_autochats_own_pages_may_give_every_command() {
        assert_eq!(caller_of("", OWN), Caller::Extension);
        assert_eq!(caller_of(&format!("{OWN}popup/popup.html"), OWN), Caller::Extension);
    }

    #[test]
    fn a_web_page_or_another_extension_is_a_web_page_of_its_own_origin() {
        assert_eq!(
            caller_of("https://chat.example.com/room/7?x=1", OWN),
            Caller::WebPage { origin: "https://chat.example.com".into() }
        );
        assert_eq!(
            caller_of("chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/page.html", OWN),
            Caller::WebPage { origin: "null".into() }
        );
        // Without its own URL (the browser did not give it), no page passes for AutoChat's own.
        assert!(matches!(caller_of(&format!("{OWN}popup/popup.html"), ""), Caller::WebPage { .. }));
    }
}
