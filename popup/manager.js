// @ts-check
// The Webhook Manager: the add/edit form (webhook-form.js) beside the list of webhooks
// (webhook-item.js, each with its history, webhook-history.js). One implementation, mounted in the
// popup's modal and on the options page.
//
// Decisions live in the core: validation, choices, limits, delivery states and relative times
// come from the wasm module or the worker's views; every change is a command to the worker. This
// file builds DOM (text only), wires events, and refreshes when the worker says something changed.
import { catalogText } from './catalog-text.js';
import * as client from './client.js';
import { el, messageOf } from './dom.js';
import { t } from './i18n.js';
import { createTransfer } from './transfer.js';
import { accessPattern, describeAge, describeWait, catalog as loadCatalog } from './wasm.js';
import { createForm } from './webhook-form.js';
import { loadHistory } from './webhook-history.js';
import { webhookItem } from './webhook-item.js';

/**
 * @typedef {import('../types/protocol').ListView} ListView
 * @typedef {import('../types/protocol').WebhookView} WebhookView
 * @typedef {import('../types/protocol').Changed} Changed
 */

/**
 * Mounts the manager into `root`.
 * @param {HTMLElement} root
 * @param {{ idPrefix?: string }} [options]
 */
export function createManager(root, { idPrefix = 'wm' } = {}) {
  /** @param {string} name */
  const id = (name) => `${idPrefix}-${name}`;
  const catalog = loadCatalog();
  /** @type {Record<string, string>} */
  const labelOf = Object.fromEntries(catalog.events.map((e) => [e.value, catalogText('event', e.value, 'label', e.label)]));
  /** The last list from the core. @type {ListView | null} */
  let latest = null;
  /** Webhooks whose history panel is open, kept across refreshes. @type {Set<string>} */
  const openHistories = new Set();

  const form = createForm({ id, catalog, latest: () => latest, refresh: () => refresh() });
  const list = el('ul', { class: 'webhook-list', id: id('list'), 'aria-label': t('manager_list_title') });
  const emptyState = el(
    'div',
    { class: 'empty', id: id('empty'), hidden: true },
    el('p', {}, el('strong', {}, t('manager_empty_title'))),
    el('p', {}, t('manager_empty_what')),
    el('p', {}, t('manager_empty_how')),
  );
  const listStatus = el('p', { class: 'form-status', role: 'status', id: id('list-status') });

  const transfer = createTransfer(id, {
    refresh: () => refresh(),
    say: (text) => {
      listStatus.textContent = text;
    },
  });
  root.replaceChildren(
    el('section', { class: 'manager-form' }, form.element),
    el(
      'section',
      { class: 'manager-list', 'aria-labelledby': id('list-title') },
      el('h3', { id: id('list-title') }, t('manager_list_title')),
      transfer.element,
      listStatus,
      emptyState,
      list,
    ),
  );

  /** @type {Map<string, import('./webhook-item.js').TestShown>} each webhook's last Test, while the page is open */
  const tests = new Map();
  const itemContext = {
    labelOf,
    openHistories,
    tests,
    /** @param {string} webhookId @param {import('./webhook-item.js').TestShown} shown */
    showTest: (webhookId, shown) => {
      tests.set(webhookId, shown);
      const item = [...list.children].find((li) => /** @type {HTMLElement} */ (li).dataset.id === webhookId);
      const result = /** @type {HTMLElement | null | undefined} */ (item?.querySelector('.test-result'));
      const button = /** @type {HTMLButtonElement | null | undefined} */ (item?.querySelector('button.test'));
      if (result) {
        result.className = shown.className;
        result.textContent = shown.text;
      }
      if (button) button.disabled = shown.running;
    },
    refresh,
    /** @param {string} text */
    say: (text) => {
      listStatus.textContent = text;
    },
    edit: form.startEditing,
    /** @param {string} webhookId */
    deleted: (webhookId) => {
      if (form.isEditing(webhookId)) form.resetForm();
    },
  };

  /**
   * For each webhook, the host permission it lacks (the user withdrew it), or null.
   * @param {WebhookView[]} webhooks
   * @returns {Promise<Array<string | null>>}
   */
  async function permissionsMissing(webhooks) {
    return Promise.all(
      webhooks.map(async (w) => {
        const pattern = accessPattern(w.url);
        if (!pattern) return null;
        try {
          return (await chrome.permissions.contains({ origins: [pattern] })) ? null : pattern;
        } catch {
          return null;
        }
      }),
    );
  }

  /** @type {string | null} the list's warning last put in the status line */
  let shownWarning = null;

  /** Re-reads the list from the worker, then renders it. */
  async function refresh(force = false) {
    try {
      latest = await client.send({ type: 'listWebhooks' });
    } catch (error) {
      listStatus.textContent = messageOf(error);
      return null;
    }
    await render(latest, force);
    transfer.show(latest);
    reloadOpenHistories();
    return latest;
  }

  /**
   * Renders a list view; items whose view (and relative times) did not change are kept as they are.
   * @param {ListView} current
   */
  async function render(current, force = false) {
    const missing = await permissionsMissing(current.webhooks);
    // Keep test results and open confirmations of items that stay: re-render only changed items.
    const old = new Map([...list.children].map((li) => [/** @type {HTMLElement} */ (li).dataset.id, /** @type {HTMLElement} */ (li)]));
    const items = current.webhooks.map((w, i) => {
      const waitingAt = w.delivery.state === 'waiting' ? w.delivery.nextAttemptAt : null;
      const key = JSON.stringify([w, missing[i], w.lastTriggered && describeAge(w.lastTriggered), waitingAt && describeWait(waitingAt)]);
      const previous = old.get(w.id);
      if (previous && previous.dataset.key === key && !force) return previous;
      // A question the user has open (Delete? Discard?) is answered before the item is drawn
      // afresh: its answer, or Keep, redraws it.
      if (previous && !force && previous.querySelector('.confirm:not([hidden]), .inline-confirm')) return previous;
      const fresh = webhookItem(w, missing[i], itemContext);
      fresh.dataset.key = key;
      return fresh;
    });
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    const focusedItem = active?.closest?.('li.webhook');
    const focusedLabel = active?.getAttribute?.('aria-label');
    list.replaceChildren(...items);
    // A re-rendered item keeps the keyboard focus where it was.
    if (focusedItem && !focusedItem.isConnected && focusedLabel) {
      const again = [...list.querySelectorAll('[aria-label]')].find((n) => n.getAttribute('aria-label') === focusedLabel);
      /** @type {HTMLElement | undefined} */ (again)?.focus();
    }
    emptyState.hidden = current.webhooks.length > 0;
    // Said when it first shows or changes, not on every redraw (which would wipe what the user's
    // last action reported, and the warning stays in the view once the outbox has been full).
    if (current.warning !== shownWarning) {
      shownWarning = current.warning;
      if (current.warning) listStatus.textContent = `⚠️ ${current.warning}`;
    }
    form.updateLimit();
  }

  /** @param {string[]} [only] webhook ids; all open panels when absent */
  function reloadOpenHistories(only) {
    for (const panel of list.querySelectorAll('details.history[open]')) {
      const webhookId = /** @type {HTMLElement} */ (panel).dataset.webhook;
      const w = latest?.webhooks.find((x) => x.id === webhookId);
      if (w && (!only || only.includes(w.id))) loadHistory(w, /** @type {HTMLElement} */ (panel.querySelector('.history-body')));
    }
  }

  /** @param {Changed} changed what the worker says changed */
  function changed(changed) {
    if (changed.webhooks) refresh();
    else if (changed.histories.length) reloadOpenHistories(changed.histories);
  }

  // Relative times ("5 min ago", "in 40 s") move on while the page is open: a display tick that
  // re-renders from the last view, asking the worker nothing.
  setInterval(() => {
    if (latest?.webhooks.some((w) => w.lastTriggered || w.delivery.state === 'waiting')) render(latest);
  }, 15_000);

  // Access withdrawn or given back in the browser's own settings shows at once.
  chrome.permissions.onRemoved?.addListener(() => refresh());
  chrome.permissions.onAdded?.addListener(() => refresh());

  return { refresh, changed, focus: form.focus };
}
