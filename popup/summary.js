// @ts-check
// The webhook summary shown in the popup's settings and on the options page: the global switch and
// the figures the core derives (configured, enabled, overall success rate).
import * as client from './client.js';
import { $, el } from './dom.js';
import { t } from './i18n.js';

/** Builds the switch, the figures and the status line into `#webhook-summary`. */
export function buildSummary() {
  const figure = (label, id) => el('div', {}, el('dt', {}, label), el('dd', { id }, '–'));
  $('webhook-summary').replaceWith(
    el('label', { class: 'switch-row' }, el('input', { type: 'checkbox', role: 'switch', id: 'webhooks-enabled' }), el('span', {}, t('summary_send_webhooks'))),
    el(
      'dl',
      { class: 'summary' },
      figure(t('summary_configured'), 'count-configured'),
      figure(t('summary_enabled'), 'count-enabled'),
      figure(t('summary_success_rate'), 'success-rate'),
    ),
    el('p', { class: 'form-status', id: 'settings-status', role: 'status' }),
  );
}

/** Fills the summary elements from a `listWebhooks` value. @param {import('../types/protocol').ListView} list */
export function showSummary(list) {
  /** @type {HTMLInputElement} */ ($('webhooks-enabled')).checked = list.webhooksEnabled;
  $('count-configured').textContent = `${list.webhooks.length} / ${list.limits.maxWebhooks}`;
  $('count-enabled').textContent = String(list.enabledCount);
  $('success-rate').textContent = list.successRate === null ? '—' : t('summary_success_rate_value', { rate: Math.round(list.successRate) });
}

/**
 * Wires the global switch; `after` re-renders once the core has answered.
 * @param {string} statusId
 * @param {() => Promise<void>} after
 */
export function wireGlobalSwitch(statusId, after) {
  const box = /** @type {HTMLInputElement} */ ($('webhooks-enabled'));
  box.addEventListener('change', async () => {
    $(statusId).textContent = '';
    try {
      const { webhooksEnabled } = await client.send({ type: 'setWebhooksEnabled', enabled: box.checked });
      $(statusId).textContent = t(webhooksEnabled ? 'summary_webhooks_on' : 'summary_webhooks_off');
    } catch (error) {
      $(statusId).textContent = /** @type {Error} */ (error).message;
    }
    await after();
  });
}
