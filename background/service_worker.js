// @ts-check
// AutoChat's service worker: listeners and forwarding only. Every decision is made by the wasm
// core (core/, web/); this file registers the listeners synchronously in the worker's first turn,
// starts the core once, hands it every message, alarm and start-up, and passes its `changed`
// notices on to the open pages.
import init, { AutoChatCore } from '../pkg/autochat.js';
// The same module twice more, under other URLs, so each copy has its own wasm instance: a trap in
// the core (a Rust panic aborts) leaves an instance unusable, and a wasm-bindgen module cannot be
// instantiated twice. After a trap the worker carries on with a fresh copy, loaded from storage.
// @ts-expect-error -- the same declarations, under another URL
import init2, { AutoChatCore as AutoChatCore2 } from '../pkg/autochat.js?copy=2';
// @ts-expect-error -- the same declarations, under another URL
import init3, { AutoChatCore as AutoChatCore3 } from '../pkg/autochat.js?copy=3';

/** @type {Array<[typeof init, typeof AutoChatCore]>} */
const COPIES = [
  [init, AutoChatCore],
  [init2, AutoChatCore2],
  [init3, AutoChatCore3],
];
/** Which copy runs the core now. */
let copy = 0;

/** @typedef {import('../types/protocol').Changed} Changed */

/** @type {Promise<AutoChatCore> | null} */
let core = null;

/** Pages that asked to hear what changed (`chrome.runtime.connect({ name: WATCH })`). */
const WATCH = 'autochat.watch';
/** @type {Set<chrome.runtime.Port>} */
const watchers = new Set();

/** Sends the core's notice to every open page that watches. */
function broadcast(/** @type {string} */ changed) {
  /** @type {Changed} */
  const notice = JSON.parse(changed);
  for (const port of watchers) {
    try {
      port.postMessage({ changed: notice });
    } catch {
      watchers.delete(port); // the page closed meanwhile
    }
  }
}

/** Starts the core once per worker life; every listener awaits this same promise. */
function ready() {
  const [start, Core] = COPIES[copy];
  core ??= start({ module_or_path: chrome.runtime.getURL('pkg/autochat_bg.wasm') })
    .then(() => Core.start(broadcast))
    .catch((error) => {
      core = null; // let the next event try again rather than keep a dead promise
      throw error;
    });
  return core;
}

/**
 * After a trap in the core, the next event starts a fresh copy from what is stored, instead of
 * the worker staying wedged; the request that met the trap is answered `internal`. (Once the
 * spare copies are used up, the worker's next start brings fresh ones.)
 * @param {unknown} error
 */
function recoverFrom(error) {
  if (!(error instanceof WebAssembly.RuntimeError)) return false;
  console.error('AutoChat: the core stopped on an internal error; starting it afresh.', error);
  if (copy + 1 < COPIES.length) {
    copy += 1;
    core = null;
  }
  return true;
}

// For DevTools and the benchmark: `(await autochat.ready()).handle(JSON.stringify({type: 'getStatus'}), '')`
// sends a protocol command from the worker's own console.
/** @type {any} */ (globalThis).autochat = {
  ready,
  /** Whether this worker life has started the core (a wake-up for another tab does not). */
  started: () => core !== null,
  /** The test build's way to cause a trap (its core has `trap`); shows the recovery. */
  trap: () =>
    ready()
      .then((c) => /** @type {any} */ (c).trap())
      .catch((error) => recoverFrom(error)),
};

/** @param {unknown} error */
function failure(error) {
  const message = error instanceof Error ? error.message : String(error);
  if (recoverFrom(error)) {
    return { error: { code: 'internal', message: 'AutoChat ran into an internal error and restarted its core; try again.' } };
  }
  return { error: { code: 'internal', message: `AutoChat's core could not start: ${message}` } };
}

// Content scripts must not read AutoChat's storage (webhook headers, signing secrets): only the
// worker and AutoChat's own pages may. Where the browser lacks this switch (Firefox), AutoChat's
// page script still runs only in the campaign's tab, injected when it is needed.
chrome.storage.local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch((error) => console.error('AutoChat:', error));

// Who asks matters: the core obeys AutoChat's own pages, and from a web page takes only the
// picks of that page's own site (the sender's URL is the browser's word, not the message's).
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready()
    .then((c) => c.handle(JSON.stringify(message), sender.url ?? ''))
    .then(
      (reply) => sendResponse(JSON.parse(reply)),
      (error) => sendResponse(failure(error)),
    );
  return true; // the reply is sent asynchronously
});

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== WATCH) return;
  watchers.add(port);
  port.onDisconnect.addListener(() => watchers.delete(port));
});

chrome.alarms.onAlarm.addListener((alarm) => {
  ready()
    .then((c) => c.onAlarm(alarm.name))
    .catch((error) => recoverFrom(error) || console.error('AutoChat:', error));
});

// Alarms may not survive a browser restart: starting the core re-arms them and resumes the outbox
// (the core itself notices a new browser session and sends what waited at once).
chrome.runtime.onStartup.addListener(() => {
  ready().catch((error) => console.error('AutoChat:', error));
});

// Deliveries wait while the browser is offline; this brings them back as soon as it is online
// (where the browser fires the event in workers; the core also looks again every few seconds).
self.addEventListener('online', () => {
  ready()
    .then((c) => c.onOnline())
    .catch((error) => recoverFrom(error) || console.error('AutoChat:', error));
});
chrome.runtime.onInstalled.addListener(() => {
  ready().catch((error) => console.error('AutoChat:', error));
});

// A campaign stops when its tab closes or leaves the chat's site; the core decides which tab
// matters. A tab that loads a page the extension may not see reports no URL: that is a new site.
/** @param {import('../types/protocol').Command} command */
function forward(command) {
  ready()
    .then((c) => c.handle(JSON.stringify(command), ''))
    .catch((error) => recoverFrom(error) || console.error('AutoChat:', error));
}
// Only the campaign's own tab matters: the core writes its id under autochat.watchedTab while a
// campaign runs or is paused, so other tabs' changes never start the core (see the end of file).
/** @param {number} tabId */
async function watched(tabId) {
  const { 'autochat.watchedTab': tab } = await chrome.storage.local.get('autochat.watchedTab');
  return tab !== undefined && Number(tab) === tabId;
}
chrome.tabs.onRemoved.addListener(async (tabId) => {
  if (await watched(tabId)) forward({ type: 'tabClosed', tabId });
});
chrome.tabs.onUpdated.addListener(async (tabId, change, tab) => {
  if ((change.url || change.status === 'loading') && (await watched(tabId))) {
    forward({ type: 'tabNavigated', tabId, url: change.url ?? tab.url ?? '' });
  }
});

// The core is not started merely because the worker woke: Chrome wakes it for every tab's update
// (tabs.onUpdated takes no filter), and for those the check above costs one storage read, not a
// wasm start. Pending work never depends on a wake-up of that kind: every wait (a retry, a batch
// window, the campaign's next message, a request's watchdog) is backed by the core's alarm, and
// onStartup and onInstalled start the core after a browser restart or an update.
