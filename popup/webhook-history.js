// @ts-check
// A webhook's history in the manager: its last attempts, loaded when the panel opens, with
// 🔁 Redeliver where the core's view allows it.
import * as client from './client.js';
import { el } from './dom.js';
import { describeAge } from './wasm.js';

/** @typedef {import('../types/protocol').WebhookView} WebhookView */

// The last 50 attempts, loaded when opened, with 🔁 Redeliver for finished deliveries.
/**
 * @param {WebhookView} webhook
 * @param {{ openHistories: Set<string> }} ctx
 */
export function historyPanel(webhook, ctx) {
  const body = el('div', { class: 'history-body' });
  const panel = el('details', { class: 'history', dataset: { webhook: webhook.id } }, el('summary', {}, '📜 History'), body);
  panel.addEventListener('toggle', () => {
    if (panel.open) loadHistory(webhook, body);
  });
  if (ctx.openHistories.has(webhook.id)) {
    panel.open = true;
  }
  panel.addEventListener('toggle', () => {
    if (panel.open) ctx.openHistories.add(webhook.id);
    else ctx.openHistories.delete(webhook.id);
  });
  return panel;
}

/**
 * Fills a history panel's body from the core.
 * @param {WebhookView} webhook
 * @param {HTMLElement} body
 */
export async function loadHistory(webhook, body) {
  let entries;
  try {
    ({ entries } = await client.send({ type: 'getHistory', webhookId: webhook.id }));
  } catch (error) {
    body.replaceChildren(el('p', { class: 'field-error' }, error instanceof Error ? error.message : String(error)));
    return;
  }
  if (entries.length === 0) {
    body.replaceChildren(el('p', { class: 'hint' }, 'No attempts yet. They appear here as events are delivered.'));
    return;
  }
  body.replaceChildren(
    el(
      'ol',
      { class: 'history-list', 'aria-label': `History of ${webhook.name}` },
      entries.map((e) => historyEntry(webhook, e)),
    ),
  );
}

const OUTCOME_WORDS = { delivered: '✅ Delivered', retrying: '🔁 Will retry', failed: '❌ Failed', discarded: '🗑️ Discarded', dropped: 'Dropped' };

/**
 * @param {WebhookView} webhook
 * @param {import('../types/protocol').HistoryEntry} e
 */
function historyEntry(webhook, e) {
  const result = e.status !== null ? `HTTP ${e.status}` : (e.error ?? '');
  const line = el(
    'p',
    { class: 'history-line' },
    el('span', { class: `outcome ${e.outcome}` }, OUTCOME_WORDS[e.outcome] ?? e.outcome),
    ' · ',
    el('span', { title: new Date(e.at).toLocaleString() }, describeAge(e.at)),
    ' · ',
    el('code', {}, e.event),
    ` · attempt ${e.attempt} · ${result} · ${e.durationMs} ms`,
  );
  const details = [];
  if (e.error && e.status !== null) details.push(el('p', { class: 'hint' }, e.error));
  if (e.response) details.push(el('details', { class: 'response' }, el('summary', {}, 'Response'), el('pre', {}, e.response)));
  details.push(el('details', { class: 'response' }, el('summary', {}, 'Payload'), el('pre', {}, e.body)));
  const redeliverButton = el(
    'button',
    {
      type: 'button',
      class: 'small',
      disabled: !e.redeliver.allowed,
      title: e.redeliver.reason,
      'aria-label': `🔁 Redeliver ${e.event} (${e.deliveryId})`,
    },
    '🔁 Redeliver',
  );
  const said = el('span', { class: 'hint', role: 'status' });
  redeliverButton.addEventListener('click', async () => {
    redeliverButton.disabled = true;
    try {
      const r = await client.send({ type: 'redeliver', webhookId: webhook.id, deliveryId: e.deliveryId });
      said.textContent = r.waitsForEnable ? ' Queued: it goes out when the webhook is switched on.' : ' Queued again with the same id.';
    } catch (error) {
      said.textContent = ` ${error instanceof Error ? error.message : String(error)}`;
      redeliverButton.disabled = false;
    }
  });
  return el('li', { dataset: { delivery: e.deliveryId } }, line, ...details, el('div', {}, redeliverButton, said));
}
