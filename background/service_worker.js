// @ts-check
// AutoChat's service worker: listeners and forwarding only. Every decision is made by the wasm
// core (core/, web/); this file registers the listeners synchronously in the worker's first turn,
// starts the core once, hands it every message, alarm and start-up, and passes its `changed`
// notices on to the open pages.
import init, { AutoChatCore } from '../pkg/autochat.js';

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
  core ??= init({ module_or_path: chrome.runtime.getURL('pkg/autochat_bg.wasm') })
    .then(() => AutoChatCore.start(broadcast))
    .catch((error) => {
      core = null; // let the next event try again rather than keep a dead promise
      throw error;
    });
  return core;
}

// For DevTools and the benchmark: `(await autochat.ready()).handle(JSON.stringify({type: 'getStatus'}), '')`
// sends a protocol command from the worker's own console.
/** @type {any} */ (globalThis).autochat = { ready };

/** @param {unknown} error */
function failure(error) {
  const message = error instanceof Error ? error.message : String(error);
  return { error: { code: 'internal', message: `AutoChat's core could not start: ${message}` } };
}

// Content scripts must not read AutoChat's storage (webhook headers, signing secrets): only the
// worker and AutoChat's own pages may. Firefox has no such switch; its content scripts cannot read
// extension storage unless the extension hands it to them.
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
  ready().then(
    (c) => c.onAlarm(alarm.name),
    (error) => console.error('AutoChat:', error),
  );
});

// Alarms may not survive a browser restart: starting the core re-arms them and resumes the outbox
// (the core itself notices a new browser session and sends what waited at once).
chrome.runtime.onStartup.addListener(() => {
  ready().catch((error) => console.error('AutoChat:', error));
});

// Deliveries wait while the browser is offline; this brings them back as soon as it is online
// (where the browser fires the event in workers; the core also looks again every few seconds).
self.addEventListener('online', () => {
  ready().then(
    (c) => c.onOnline(),
    (error) => console.error('AutoChat:', error),
  );
});
chrome.runtime.onInstalled.addListener(() => {
  ready().catch((error) => console.error('AutoChat:', error));
});

// A campaign stops when its tab closes or leaves the chat's site; the core decides which tab
// matters. A tab that loads a page the extension may not see reports no URL: that is a new site.
/** @param {import('../types/protocol').Command} command */
function forward(command) {
  ready().then(
    (c) => c.handle(JSON.stringify(command), ''),
    (error) => console.error('AutoChat:', error),
  );
}
chrome.tabs.onRemoved.addListener((tabId) => forward({ type: 'tabClosed', tabId }));
chrome.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.url || change.status === 'loading') forward({ type: 'tabNavigated', tabId, url: change.url ?? tab.url ?? '' });
});

// Every worker start (after an idle stop, too) resumes pending deliveries.
ready().catch((error) => console.error('AutoChat:', error));
