// @ts-check
// One webhook in the manager's list: its switch, figures, waiting deliveries, Test, Edit, Delete
// and its history. What it shows comes from the core's WebhookView.
import * as client from './client.js';
import { browserName, el } from './dom.js';
import { signingLine } from './signing-fields.js';
import { describeAge, describeWait } from './wasm.js';
import { historyPanel } from './webhook-history.js';

/**
 * @typedef {import('../types/protocol').WebhookView} WebhookView
 * @typedef {{
 *   labelOf: Record<string, string>,
 *   refresh: (force?: boolean) => Promise<unknown>,
 *   say: (text: string) => void,
 *   edit: (webhook: WebhookView) => void,
 *   deleted: (id: string) => void,
 *   openHistories: Set<string>,
 * }} ItemContext
 */

/** @param {unknown} error */
export const messageOf = (error) => (error instanceof Error ? error.message : String(error));

function stat(label, value, title) {
  return el('div', { class: 'stat' }, el('dt', {}, label), el('dd', { title }, value));
}

/**
 * @param {WebhookView} webhook
 * @param {string | null} missingAccess the host permission the user withdrew, if any
 * @param {ItemContext} ctx
 */
export function webhookItem(webhook, missingAccess, ctx) {
  const host = webhook.host;
  const testResult = el('p', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
  const confirmBox = el('div', { class: 'confirm', hidden: true });
  const toggle = el('input', {
    type: 'checkbox',
    role: 'switch',
    checked: webhook.enabled,
    'aria-label': `Enabled: ${webhook.name}`,
    onchange: async (e) => {
      try {
        await client.send({ type: 'setWebhookEnabled', id: webhook.id, enabled: e.target.checked });
        await ctx.refresh();
      } catch (error) {
        ctx.say(messageOf(error));
      }
    },
  });
  const testButton = el('button', { type: 'button', 'aria-label': `🧪 Test ${webhook.name}` }, '🧪 Test');
  testButton.addEventListener('click', async () => {
    testButton.disabled = true;
    testResult.className = 'test-result pending';
    testResult.textContent = 'Sending the test payload…';
    try {
      const r = await client.send({ type: 'testWebhook', id: webhook.id });
      testResult.className = `test-result ${r.ok ? 'ok' : 'failed'}`;
      testResult.textContent = r.ok ? `✅ HTTP ${r.status} · ${r.durationMs} ms${r.note ? ` — ${r.note}` : ''}` : `❌ ${r.error} · ${r.durationMs} ms`;
    } catch (error) {
      testResult.className = 'test-result failed';
      testResult.textContent = `❌ ${messageOf(error)}`;
    } finally {
      testButton.disabled = false;
    }
  });
  const deleteButton = el('button', { type: 'button', class: 'danger', 'aria-label': `🗑️ Delete ${webhook.name}` }, '🗑️ Delete');
  deleteButton.addEventListener('click', () => {
    const keep = el(
      'button',
      {
        type: 'button',
        onclick: () => {
          confirmBox.hidden = true;
          deleteButton.focus();
        },
      },
      'Keep it',
    );
    const confirm = el(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          try {
            await client.send({ type: 'deleteWebhook', id: webhook.id });
            ctx.deleted(webhook.id);
            ctx.say(`Webhook “${webhook.name}” deleted.`);
            await ctx.refresh();
          } catch (error) {
            ctx.say(messageOf(error));
          }
        },
      },
      `Delete “${webhook.name}”`,
    );
    confirmBox.replaceChildren(
      el('p', {}, `Delete “${webhook.name}”? Its statistics and any pending deliveries go with it.`),
      el('div', { class: 'actions' }, confirm, keep),
    );
    confirmBox.hidden = false;
    keep.focus();
  });

  const pending = webhook.pendingDeliveries > 0 && pendingLine(webhook, ctx);
  const history = historyPanel(webhook, ctx);
  const rate = webhook.successRate === null ? '—' : `${Math.round(webhook.successRate)}%`;
  const last = webhook.lastTriggered ? describeAge(webhook.lastTriggered) : 'Never';
  const lastTitle = webhook.lastTriggered ? new Date(webhook.lastTriggered).toLocaleString() : null;
  return el(
    'li',
    { class: `webhook${webhook.enabled ? '' : ' disabled'}`, dataset: { id: webhook.id } },
    el(
      'div',
      { class: 'webhook-head' },
      el('span', { class: 'webhook-name' }, webhook.name),
      webhook.enabled ? el('span', { class: 'badge on' }, '✅ Enabled') : el('span', { class: 'badge off' }, 'Disabled'),
      el('label', { class: 'switch' }, toggle, el('span', { class: 'switch-track', 'aria-hidden': 'true' })),
    ),
    el('p', { class: 'webhook-url' }, el('span', { class: 'method' }, webhook.method), ' ', host, el('span', { class: 'format' }, ` · ${webhook.formatLabel}`)),
    signingLine(webhook, ctx),
    webhook.batch &&
      el(
        'p',
        { class: 'batch-line' },
        `📦 Sent together: up to ${webhook.batch.maxEvents} events or ${webhook.batch.windowSeconds} s`,
        webhook.collecting ? ` · ${webhook.collecting.count} collected, sent ${describeWait(webhook.collecting.closesAt)} at the latest` : '',
      ),
    webhook.filterSummary &&
      el('p', { class: 'filter-line' }, `🔎 ${webhook.filterSummary}${webhook.filteredCount ? ` · ${webhook.filteredCount} held back` : ''}`),
    missingAccess &&
      el(
        'p',
        { class: 'notice permission', role: 'alert' },
        `⚠️ ${browserName} no longer lets AutoChat reach ${host}: access was removed, so deliveries there fail. `,
        el(
          'button',
          {
            type: 'button',
            class: 'small',
            'aria-label': `🔓 Allow ${host} again for ${webhook.name}`,
            onclick: async () => {
              try {
                const granted = await chrome.permissions.request({ origins: [missingAccess] });
                if (!granted) ctx.say(`Without access to ${host}, AutoChat cannot deliver this webhook.`);
                await ctx.refresh();
              } catch (error) {
                ctx.say(messageOf(error));
              }
            },
          },
          '🔓 Allow again',
        ),
      ),
    webhook.disabledReason && el('p', { class: 'notice disabled-reason', role: 'alert' }, `⚠️ ${webhook.disabledReason}`),
    el(
      'p',
      { class: 'webhook-events' },
      webhook.events.map((e) => el('span', { class: 'chip' }, ctx.labelOf[e] ?? e)),
    ),
    el(
      'dl',
      { class: 'stats' },
      stat('Total Triggers', String(webhook.triggerCount)),
      stat('Failures', String(webhook.failureCount)),
      stat('Last Triggered', last, lastTitle),
      stat('Success Rate', rate),
    ),
    pending,
    el(
      'div',
      { class: 'actions' },
      testButton,
      el('button', { type: 'button', 'aria-label': `✏️ Edit ${webhook.name}`, onclick: () => ctx.edit(webhook) }, '✏️ Edit'),
      deleteButton,
    ),
    confirmBox,
    testResult,
    history,
  );
}

// "3 deliveries waiting · next attempt in 5 min · HTTP 503 …" and a way to give up on them.
function pendingLine(webhook, ctx) {
  const n = webhook.pendingDeliveries;
  const parts = [`${n} ${n === 1 ? 'delivery' : 'deliveries'} waiting`];
  const d = webhook.delivery;
  if (d.state === 'held') parts.push(d.reason);
  else if (d.state === 'waiting') parts.push(`next attempt ${describeWait(d.nextAttemptAt)}`, ...(d.lastError ? [d.lastError] : []));
  else if (d.state === 'sending') parts.push('sending now');
  const discard = el('button', { type: 'button', class: 'danger small', 'aria-label': `Discard waiting deliveries of ${webhook.name}` }, 'Discard');
  discard.addEventListener('click', async () => {
    discard.replaceWith(
      el(
        'span',
        { class: 'inline-confirm' },
        `Discard ${n} waiting ${n === 1 ? 'delivery' : 'deliveries'}? `,
        el(
          'button',
          {
            type: 'button',
            class: 'danger small',
            onclick: async () => {
              try {
                const { discarded } = await client.send({ type: 'discardDeliveries', webhookId: webhook.id });
                ctx.say(`${discarded} ${discarded === 1 ? 'delivery' : 'deliveries'} of “${webhook.name}” discarded.`);
                await ctx.refresh();
              } catch (error) {
                ctx.say(messageOf(error));
              }
            },
          },
          'Discard them',
        ),
        ' ',
        el('button', { type: 'button', class: 'small', onclick: () => ctx.refresh(true) }, 'Keep'),
      ),
    );
  });
  return el('p', { class: 'pending' }, `⏳ ${parts.join(' · ')} `, discard);
}
