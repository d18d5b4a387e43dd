// @ts-check
// AutoChat's service worker: listeners and forwarding only. Every decision is made by the wasm
// core (core/, web/); this file registers the listeners synchronously in the worker's first turn,
// starts the core once, hands it every message, alarm and start-up, and passes its `changed`
// notices on to the open pages.
// `__wbg_reset_state` swaps in a fresh instance of the same module (wasm-bindgen's
// --experimental-reset-state-function): after a trap (a Rust panic aborts, leaving the instance
// unusable) and to give back memory, which a wasm instance never shrinks.
import init, { AutoChatCore, __wbg_reset_state as freshInstance } from '../pkg/autochat.js';

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
  checkMemorySoon(); // the core's work shows in its notices
  for (const port of watchers) {
    try {
      port.postMessage({ changed: notice });
    } catch {
      watchers.delete(port); // the page closed meanwhile
    }
  }
}

/** Starts the core once per instance; every listener awaits this same promise. */
function ready() {
  core ??= startCore();
  return core;
}

function startCore() {
  // The core's first step is reading the whole store: it is issued now, so the browser reads it
  // while the module compiles, and handed to this start alone (a later start reads afresh).
  const stored = chrome.storage.local.get(null);
  stored.catch(() => {}); // when the module fails to load, no one else looks at it
  return init({ module_or_path: chrome.runtime.getURL('pkg/autochat_bg.wasm') })
    .then(() => {
      performance.mark('autochat.wasm-ready'); // for DevTools and the benchmark's start-up breakdown
      return AutoChatCore.start(broadcast, stored);
    })
    .then((started) => {
      performance.mark('autochat.core-ready');
      return started;
    })
    .catch((error) => {
      core = null; // let the next event try again rather than keep a dead promise
      throw error;
    });
}

let freshStarts = 0;

/** Drops the core; the next event starts a fresh one, in a fresh instance, from storage. */
function startAfresh() {
  core = null;
  freshStarts += 1;
  freshInstance();
}

/**
 * After a trap in the core, the next event starts a fresh core from what is stored, instead of
 * the worker staying wedged; the request that met the trap is answered `internal`.
 * @param {unknown} error
 */
function recoverFrom(error) {
  if (!(error instanceof WebAssembly.RuntimeError)) return false;
  console.error('AutoChat: the core stopped on an internal error; starting it afresh.', error);
  startAfresh();
  return true;
}

// Giving memory back. A burst grows the instance's memory for good, and a worker that a campaign
// keeps alive would hold it for hours. The core says when it is idle and has grown enough to be
// worth a fresh start (everything it keeps is in storage); the worker asks a moment after the core
// was last busy, and never while a reply of its own is outstanding.
/** Commands handed to the core and not yet answered. */
let unanswered = 0;
/** @type {ReturnType<typeof setTimeout> | null} */
let releaseCheck = null;
const RELEASE_CHECK_MS = 1_000;

function checkMemorySoon() {
  if (releaseCheck !== null) return;
  releaseCheck = setTimeout(async () => {
    releaseCheck = null;
    if (core === null) return;
    const current = core;
    const verdict = await current.then((c) => c.memoryVerdict()).catch(() => 'keep');
    if (current !== core) return; // restarted meanwhile
    if (verdict === 'busy' || unanswered > 0) checkMemorySoon();
    else if (verdict === 'release') startAfresh();
  }, RELEASE_CHECK_MS);
}

/**
 * Hands one message to the core and counts it until it is answered.
 * @param {string} message
 * @param {string} senderUrl
 */
async function handle(message, senderUrl) {
  unanswered += 1;
  try {
    return await (await ready()).handle(message, senderUrl);
  } finally {
    unanswered -= 1;
    checkMemorySoon();
  }
}

// For DevTools, the tests and the benchmark: `await autochat.send({type: 'getStatus'})` sends a
// protocol command from the worker's own console.
/** @type {any} */ (globalThis).autochat = {
  /** @param {import('../types/protocol').Command} command */
  send: async (command) => JSON.parse(await handle(JSON.stringify(command), '')),
  /** Whether the core is started (a wake-up for another tab does not start it). */
  started: () => core !== null,
  /** How many times this worker started a fresh core, to give memory back or after a trap. */
  freshStarts: () => freshStarts,
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
  handle(JSON.stringify(message), sender.url ?? '').then(
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
    .then(checkMemorySoon)
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
  handle(JSON.stringify(command), '').catch((error) => recoverFrom(error) || console.error('AutoChat:', error));
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
