// @ts-check
// A webhook's history in the manager: its last attempts, loaded when the panel opens, with
// 🔁 Redeliver where the core's view allows it.
import * as client from './client.js';
import { el, messageOf } from './dom.js';
import { t } from './i18n.js';
import { describeAge } from './wasm.js';

/** @typedef {import('../types/protocol').WebhookView} WebhookView */

// The last 50 attempts, loaded when opened, with 🔁 Redeliver for finished deliveries.
/**
 * @param {WebhookView} webhook
 * @param {{ openHistories: Set<string> }} ctx
 */
export function historyPanel(webhook, ctx) {
  const body = el('div', { class: 'history-body' });
  const panel = el('details', { class: 'history', dataset: { webhook: webhook.id } }, el('summary', {}, t('history_title')), body);
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
    body.replaceChildren(el('p', { class: 'field-error' }, messageOf(error)));
    return;
  }
  if (entries.length === 0) {
    body.replaceChildren(el('p', { class: 'hint' }, t('history_empty')));
    return;
  }
  body.replaceChildren(
    el(
      'ol',
      { class: 'history-list', 'aria-label': t('history_of', { name: webhook.name }) },
      entries.map((e) => historyEntry(webhook, e)),
    ),
  );
}

/** @param {string} outcome */
const outcomeWords = (outcome) => (['delivered', 'retrying', 'failed', 'discarded', 'dropped'].includes(outcome) ? t(`history_outcome_${outcome}`) : outcome);

/**
 * @param {WebhookView} webhook
 * @param {import('../types/protocol').HistoryEntry} e
 */
function historyEntry(webhook, e) {
  const result = e.status !== null ? `HTTP ${e.status}` : (e.error ?? '');
  const line = el(
    'p',
    { class: 'history-line' },
    el('span', { class: `outcome ${e.outcome}` }, outcomeWords(e.outcome)),
    ' · ',
    el('span', { title: new Date(e.at).toLocaleString() }, describeAge(e.at)),
    ' · ',
    el('code', {}, e.event),
    ` · ${t('history_attempt', { attempt: e.attempt })} · ${result} · ${e.durationMs} ms`,
  );
  const details = [];
  if (e.error && e.status !== null) details.push(el('p', { class: 'hint' }, e.error));
  if (e.response) details.push(el('details', { class: 'response' }, el('summary', {}, t('history_response')), el('pre', {}, e.response)));
  details.push(el('details', { class: 'response' }, el('summary', {}, t('history_payload')), el('pre', {}, e.body)));
  const redeliverButton = el(
    'button',
    {
      type: 'button',
      class: 'small',
      disabled: !e.redeliver.allowed,
      title: e.redeliver.reason,
      'aria-label': t('history_redeliver_label', { event: e.event, id: e.deliveryId }),
    },
    t('history_redeliver'),
  );
  const said = el('span', { class: 'hint', role: 'status' });
  redeliverButton.addEventListener('click', async () => {
    redeliverButton.disabled = true;
    try {
      const r = await client.send({ type: 'redeliver', webhookId: webhook.id, deliveryId: e.deliveryId });
      said.textContent = ` ${t(r.waitsForEnable ? 'history_queued_when_enabled' : 'history_queued_again')}`;
    } catch (error) {
      said.textContent = ` ${messageOf(error)}`;
      redeliverButton.disabled = false;
    }
  });
  return el('li', { dataset: { delivery: e.deliveryId } }, line, ...details, el('div', {}, redeliverButton, said));
}
