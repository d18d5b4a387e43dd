//! The browser side of the ports: `chrome.storage.local`, `fetch`, `chrome.alarms`, `Date.now`
//! and `crypto.getRandomValues`, all bound to the global scope so they work in the service worker.

use crate::chrome;
use autochat_core::campaign::SitePicks;
use autochat_core::ports::{ChatPage, Clock, Http, Random, Runtime, Storage, Task};
use autochat_core::protocol::content::{ContentRequest, SendOutcome};
use autochat_core::protocol::Changed;
use autochat_core::values::http::{HttpOutcome, HttpRequest};
use autochat_core::values::time::Millis;
use js_sys::{Object, Reflect};
use std::future::Future;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The alarm that wakes the worker for due deliveries.
pub const OUTBOX_ALARM: &str = "autochat.outbox";

/// The `chrome.storage.session` key that marks this browser session as seen.
const SESSION_MARK: &str = "autochat.sessionStarted";

/// The ports as the extension's service worker provides them.
pub struct BrowserPorts {
    /// Called with a [`Changed`] notice (JSON text) for the open pages.
    pub on_change: Option<js_sys::Function>,
    /// Random bytes not handed out yet.
    pub random: std::cell::RefCell<RandomPool>,
    /// `chrome.storage.local.get(null)`, issued for this start before the core existed: the first
    /// [`Storage::read_prefixes`] reads through it, later ones read afresh.
    pub start_read: std::cell::RefCell<Option<js_sys::Promise>>,
}

impl Http for BrowserPorts {
    async fn send(&self, request: HttpRequest) -> HttpOutcome {
        let mut headers = String::new();
        for (name, value) in &request.headers {
            headers.extend([name.as_str(), "\0", value.as_str(), "\0"]);
        }
        let pending = transport::send(
            &request.url,
            request.method.as_str(),
            &headers,
            request.body.as_deref(),
            u32::try_from(request.timeout.as_millis()).unwrap_or(u32::MAX),
            KEPT_BYTES as u32,
        );
        #[cfg(feature = "e2e")]
        hang_if_asked();
        let facts = match JsFuture::from(pending).await {
            Ok(facts) => js_sys::Array::from(&facts),
            Err(error) => return HttpOutcome::NetworkError(error_message(&error)),
        };
        let text = |i: u32| facts.get(i).as_string();
        match text(0).as_deref() {
            Some("answer") => {
                let status = facts.get(1).as_f64().unwrap_or(0.0) as u16;
                if text(2).as_deref() == Some("opaqueredirect") || (300..400).contains(&status) {
                    return HttpOutcome::Redirected;
                }
                HttpOutcome::Response { status, retry_after: text(3), body: text(4).unwrap_or_default() }
            }
            _ if text(1).as_deref() == Some("TimeoutError") => HttpOutcome::TimedOut,
            _ => HttpOutcome::NetworkError(text(2).unwrap_or_default()),
        }
    }
}

/// The sending half of the port, in JavaScript (see web/js/transport.js).
mod transport {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/js/transport.js")]
    extern "C" {
        /// Starts the request at once; resolves to the answer's facts, never rejects.
        pub fn send(
            url: &str,
            method: &str,
            headers: &str,
            body: Option<&str>,
            timeout_ms: u32,
            keep_bytes: u32,
        ) -> js_sys::Promise;

        /// `navigator.onLine`, or true where the browser cannot tell.
        pub fn online() -> bool;
    }
}

/// The start-up read, in JavaScript (see web/js/storage.js).
mod stored {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/js/storage.js")]
    extern "C" {
        /// Resolves to the entries under the prefixes as one block of length-prefixed UTF-8,
        /// read through `issued` (a `chrome.storage.local.get(null)` already under way) if given.
        #[wasm_bindgen(js_name = readPrefixed)]
        pub fn read_prefixed(prefixes: &js_sys::Array, issued: Option<&js_sys::Promise>) -> js_sys::Promise;
    }
}

/// The texts of a block from `readPrefixed`, in pairs: each text is its length in bytes (4 bytes,
/// little-endian) and its UTF-8.
fn length_prefixed_pairs(block: &[u8]) -> Result<Vec<(String, String)>, String> {
    let damaged = || "AutoChat could not read what storage returned.".to_string();
    let mut texts = Vec::new();
    let mut rest = block;
    while let Some((length, tail)) = rest.split_first_chunk::<4>() {
        let length = u32::from_le_bytes(*length) as usize;
        let (text, after) = tail.split_at_checked(length).ok_or_else(damaged)?;
        texts.push(String::from_utf8(text.to_vec()).map_err(|_| damaged())?);
        rest = after;
    }
    if !rest.is_empty() || texts.len() % 2 != 0 {
        return Err(damaged());
    }
    let mut texts = texts.into_iter();
    Ok(std::iter::from_fn(|| Some((texts.next()?, texts.next()?))).collect())
}

/// The end-to-end test build's way to stop the worker at one exact point: a request just started,
/// the write that stored its delivery issued but not yet heard back from. When the worker's
/// `autochatHangAfterRequest` holds a number of milliseconds, the thread spins that long (once),
/// so nothing more of the worker runs while the test stops it.
#[cfg(feature = "e2e")]
fn hang_if_asked() {
    let global = js_sys::global();
    let key = JsValue::from_str("autochatHangAfterRequest");
    let Some(ms) = Reflect::get(&global, &key).ok().and_then(|v| v.as_f64()) else { return };
    let _ = Reflect::delete_property(global.unchecked_ref::<Object>(), &key);
    let until = js_sys::Date::now() + ms;
    while js_sys::Date::now() < until {}
}

/// The bytes of a body AutoChat keeps (the history's snippet is cut from them).
const KEPT_BYTES: usize = autochat_core::delivery_snippet_bytes();

fn error_message(error: &JsValue) -> String {
    Reflect::get(error, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{error:?}"))
}

impl Storage for BrowserPorts {
    async fn read(&self, keys: &[&str]) -> Result<Vec<Option<String>>, String> {
        let list: js_sys::Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        let found = JsFuture::from(chrome::storage_get(&list).map_err(|e| error_message(&e))?)
            .await
            .map_err(|e| error_message(&e))?;
        // AutoChat stores JSON text; other values (AutoChat 4.x kept objects) are read as JSON.
        let text = |v: JsValue| {
            v.as_string().or_else(|| {
                (!v.is_undefined()).then(|| js_sys::JSON::stringify(&v).ok().and_then(|t| t.as_string())).flatten()
            })
        };
        Ok(keys.iter().map(|k| Reflect::get(&found, &JsValue::from_str(k)).ok().and_then(text)).collect())
    }

    fn write(&self, entries: Vec<(String, String)>) -> impl Future<Output = Result<(), String>> {
        // Issued here, before any await (see the port's contract).
        let issued = (|| {
            let items = Object::new();
            for (key, value) in &entries {
                Reflect::set(&items, &JsValue::from_str(key), &JsValue::from_str(value))?;
            }
            chrome::storage_set(&items)
        })();
        completion(issued)
    }

    async fn read_prefixes(&self, prefixes: &[&str]) -> Result<Vec<Vec<(String, String)>>, String> {
        // Only the keys asked for cross into wasm (AutoChat 4.x's keys stay in JS), in one block.
        let list: js_sys::Array = prefixes.iter().map(|p| JsValue::from_str(p)).collect();
        let issued = self.start_read.borrow_mut().take();
        let block =
            JsFuture::from(stored::read_prefixed(&list, issued.as_ref())).await.map_err(|e| error_message(&e))?;
        let block = block.unchecked_into::<js_sys::Uint8Array>().to_vec();
        let mut found: Vec<Vec<(String, String)>> = prefixes.iter().map(|_| Vec::new()).collect();
        for (key, value) in length_prefixed_pairs(&block)? {
            if let Some(slot) = prefixes.iter().position(|p| key.starts_with(p)).and_then(|i| found.get_mut(i)) {
                slot.push((key, value));
            }
        }
        Ok(found)
    }

    async fn claim_browser_session(&self) -> bool {
        let key = JsValue::from_str(SESSION_MARK);
        let found = match chrome::session_get(&key) {
            Ok(promise) => JsFuture::from(promise).await.ok(),
            Err(_) => None,
        };
        let marked = found.and_then(|f| Reflect::get(&f, &key).ok()).is_some_and(|v| !v.is_undefined());
        if !marked {
            let items = Object::new();
            let _ = Reflect::set(&items, &key, &JsValue::TRUE);
            if let Ok(promise) = chrome::session_set(&items) {
                let _ = JsFuture::from(promise).await;
            }
        }
        !marked
    }

    fn remove(&self, keys: Vec<String>) -> impl Future<Output = Result<(), String>> {
        let list: js_sys::Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        completion(chrome::storage_remove(&list))
    }
}

/// Resolves when an issued storage operation completes.
async fn completion(issued: Result<js_sys::Promise, JsValue>) -> Result<(), String> {
    JsFuture::from(issued.map_err(|e| error_message(&e))?).await.map_err(|e| error_message(&e))?;
    Ok(())
}

impl Clock for BrowserPorts {
    fn now(&self) -> Millis {
        Millis(js_sys::Date::now() as u64)
    }

    fn utc_offset_minutes(&self, at: Millis) -> i32 {
        // getTimezoneOffset is minutes *west* of UTC.
        -(js_sys::Date::new(&JsValue::from_f64(at.0 as f64)).get_timezone_offset() as i32)
    }
}

impl ChatPage for BrowserPorts {
    async fn send_in_tab(&self, tab_id: u32, origin: &str, text: &str, picks: &SitePicks) -> Result<(), String> {
        let unreachable = |e: JsValue| format!("AutoChat could not reach the chat tab: {}", error_message(&e));
        // The tab must still show the campaign's site (the page script checks again, as the
        // tab may navigate between this look and the typing).
        let tab = JsFuture::from(chrome::tabs_get(tab_id).map_err(unreachable)?).await.map_err(unreachable)?;
        let shown = Reflect::get(&tab, &"url".into()).ok().and_then(|u| u.as_string());
        if shown.as_deref().and_then(autochat_core::rules::url_check::web_origin).is_some_and(|o| o != origin) {
            return Err("The chat tab shows another site now; AutoChat paused rather than type there.".into());
        }
        let injection = json_value(&Injection { target: InjectionTarget { tab_id }, files: [CONTENT_SCRIPT] })?;
        JsFuture::from(chrome::execute_script(&injection).map_err(unreachable)?).await.map_err(unreachable)?;
        let message = json_value(&ContentRequest::Send {
            origin: origin.to_string(),
            text: text.to_string(),
            picks: picks.clone(),
        })?;
        let reply = JsFuture::from(chrome::tabs_send_message(tab_id, &message).map_err(unreachable)?)
            .await
            .map_err(unreachable)?;
        let outcome = js_sys::JSON::stringify(&reply)
            .ok()
            .and_then(|text| text.as_string())
            .and_then(|text| serde_json::from_str::<SendOutcome>(&text).ok());
        match outcome {
            Some(SendOutcome { ok: true, .. }) => Ok(()),
            Some(SendOutcome { error: Some(error), .. }) => Err(error),
            _ => Err("The chat page did not confirm the message.".into()),
        }
    }
}

/// The page-side script the worker injects into the campaign's tab (absolute: Firefox resolves a
/// relative path against the calling page).
const CONTENT_SCRIPT: &str = "/content/chat.js";

/// `chrome.scripting.executeScript`'s argument.
#[derive(serde::Serialize)]
struct Injection {
    target: InjectionTarget,
    files: [&'static str; 1],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct InjectionTarget {
    tab_id: u32,
}

fn json_value<T: serde::Serialize>(value: &T) -> Result<JsValue, String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    js_sys::JSON::parse(&text).map_err(|e| error_message(&e))
}

impl Random for BrowserPorts {
    fn fill(&self, buf: &mut [u8]) {
        let mut pool = self.random.borrow_mut();
        for byte in buf {
            if pool.next >= pool.bytes.len() {
                // Never fails for buffers under 64 KiB; on failure the bytes stay zero and ids
                // would collide only with other failures, which is preferable to losing the event.
                let _ = chrome::get_random_values(&mut pool.bytes);
                pool.next = 0;
            }
            *byte = pool.bytes.get(pool.next).copied().unwrap_or_default();
            pool.next += 1;
        }
    }
}

/// Random bytes fetched a kilobyte at a time: each `crypto.getRandomValues` call crosses the wasm
/// boundary, and a burst needs a few bytes for every delivery and attempt.
pub struct RandomPool {
    bytes: Vec<u8>,
    next: usize,
}

impl Default for RandomPool {
    fn default() -> Self {
        RandomPool { bytes: vec![0; 1024], next: usize::MAX }
    }
}

impl Runtime for BrowserPorts {
    fn spawn(&self, task: Task) {
        wasm_bindgen_futures::spawn_local(task);
    }

    async fn sleep(&self, duration: Duration) {
        gloo_timers::future::sleep(duration).await;
    }

    fn online(&self) -> bool {
        transport::online()
    }

    fn arm_alarm(&self, at: Option<Millis>) {
        let _ = match at {
            Some(at) => {
                let info = Object::new();
                let _ = Reflect::set(&info, &"when".into(), &JsValue::from_f64(at.0 as f64));
                chrome::alarms_create(OUTBOX_ALARM, &info)
            }
            None => chrome::alarms_clear(OUTBOX_ALARM).map(drop),
        };
    }

    fn notify(&self, changed: &Changed) {
        if let (Some(callback), Ok(text)) = (&self.on_change, serde_json::to_string(changed)) {
            let _ = callback.call1(&JsValue::NULL, &JsValue::from_str(&text));
        }
    }

    fn memory_bytes(&self) -> Option<u64> {
        #[cfg(target_arch = "wasm32")]
        return Some(core::arch::wasm32::memory_size(0) as u64 * 65_536);
        #[cfg(not(target_arch = "wasm32"))]
        None
    }
}

#[cfg(test)]
mod tests {
    use super::length_prefixed_pairs;

    fn block(texts: &[&str]) -> Vec<u8> {
        texts.iter().flat_map(|t| (t.len() as u32).to_le_bytes().into_iter().chain(t.bytes())).collect()
    }

    #[test]
    fn a_block_reads_back_as_its_pairs() {
        let pairs = length_prefixed_pairs(&block(&["autochat.a", "{\"x\":\"é…\"}", "autochat.b", ""])).expect("reads");
        assert_eq!(pairs, [("autochat.a".into(), "{\"x\":\"é…\"}".into()), ("autochat.b".into(), String::new())]);
        assert_eq!(length_prefixed_pairs(&[]).expect("reads"), []);
    }

    #[test]
    fn a_damaged_block_is_refused_not_misread() {
        let whole = block(&["autochat.a", "value"]);
        for damaged in
            [&whole[..whole.len() - 1], &whole[..3], &block(&["autochat.a"])[..], &block(&["\u{0}", "x"])[..2]]
        {
            assert!(length_prefixed_pairs(damaged).is_err());
        }
        let mut not_utf8 = block(&["autochat.a", "ab"]);
        *not_utf8.last_mut().expect("has bytes") = 0xff;
        assert!(length_prefixed_pairs(&not_utf8).is_err());
    }
}
