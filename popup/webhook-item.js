// @ts-check
// One webhook in the manager's list: its switch, figures, waiting deliveries, Test, Edit, Delete
// and its history. What it shows comes from the core's WebhookView.
import { catalogText } from './catalog-text.js';
import * as client from './client.js';
import { browserName, el, focusLabelled, messageOf } from './dom.js';
import { t, tn } from './i18n.js';
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
 *   tests: Map<string, TestShown>,
 *   showTest: (id: string, shown: TestShown) => void,
 * }} ItemContext
 * @typedef {{ className: string, text: string, running: boolean }} TestShown
 */

/**
 * A confirm button's click handler that acts once however many clicks: the button is disabled
 * while its command runs (a second Discard would report 0 discarded over the real count).
 * @param {() => Promise<void>} act
 */
function oneAtATime(act) {
  return async (/** @type {MouseEvent} */ e) => {
    const button = /** @type {HTMLButtonElement} */ (e.currentTarget);
    if (button.disabled) return;
    button.disabled = true;
    try {
      await act();
    } finally {
      button.disabled = false;
    }
  };
}

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
    'aria-label': t('item_enabled_label', { name: webhook.name }),
    onchange: async (e) => {
      try {
        await client.send({ type: 'setWebhookEnabled', id: webhook.id, enabled: e.target.checked });
        await ctx.refresh();
      } catch (error) {
        ctx.say(messageOf(error));
        e.target.checked = !e.target.checked; // the switch shows what is saved again
      }
    },
  });
  const testButton = el('button', { type: 'button', class: 'test', 'aria-label': t('item_test_label', { name: webhook.name }) }, t('item_test'));
  // The list may draw this webhook afresh while a Test runs (a change notice, a relative time
  // moving on): its result goes to whichever item shows the webhook then, through the manager.
  const shownTest = ctx.tests.get(webhook.id);
  if (shownTest) {
    testResult.className = shownTest.className;
    testResult.textContent = shownTest.text;
    testButton.disabled = shownTest.running;
  }
  testButton.addEventListener('click', async () => {
    ctx.showTest(webhook.id, { className: 'test-result pending', text: t('item_test_sending'), running: true });
    try {
      const r = await client.send({ type: 'testWebhook', id: webhook.id });
      const text = r.ok ? `✅ HTTP ${r.status} · ${r.durationMs} ms${r.note ? ` — ${r.note}` : ''}` : `❌ ${r.error} · ${r.durationMs} ms`;
      ctx.showTest(webhook.id, { className: `test-result ${r.ok ? 'ok' : 'failed'}`, text, running: false });
    } catch (error) {
      ctx.showTest(webhook.id, { className: 'test-result failed', text: `❌ ${messageOf(error)}`, running: false });
    }
  });
  const deleteButton = el('button', { type: 'button', class: 'danger', 'aria-label': t('item_delete_label', { name: webhook.name }) }, t('item_delete'));
  deleteButton.addEventListener('click', () => {
    const keep = el(
      'button',
      {
        type: 'button',
        onclick: () => {
          confirmBox.hidden = true;
          deleteButton.focus();
          ctx.refresh(); // the item was left as it was while the question was open
        },
      },
      t('item_delete_keep'),
    );
    const confirm = el(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: oneAtATime(async () => {
          try {
            await client.send({ type: 'deleteWebhook', id: webhook.id });
            ctx.deleted(webhook.id);
            ctx.say(t('item_deleted', { name: webhook.name }));
            await ctx.refresh();
          } catch (error) {
            ctx.say(messageOf(error));
          }
        }),
      },
      t('item_delete_confirm', { name: webhook.name }),
    );
    confirmBox.replaceChildren(el('p', {}, t('item_delete_question', { name: webhook.name })), el('div', { class: 'actions' }, confirm, keep));
    confirmBox.hidden = false;
    keep.focus();
  });

  const pending = webhook.pendingDeliveries > 0 && pendingLine(webhook, ctx);
  const history = historyPanel(webhook, ctx);
  const rate = webhook.successRate === null ? '—' : t('summary_success_rate_value', { rate: Math.round(webhook.successRate) });
  const last = webhook.lastTriggered ? describeAge(webhook.lastTriggered) : t('item_never');
  const lastTitle = webhook.lastTriggered ? new Date(webhook.lastTriggered).toLocaleString() : null;
  return el(
    'li',
    { class: `webhook${webhook.enabled ? '' : ' disabled'}`, dataset: { id: webhook.id } },
    el(
      'div',
      { class: 'webhook-head' },
      el('span', { class: 'webhook-name' }, webhook.name),
      webhook.enabled ? el('span', { class: 'badge on' }, t('item_badge_enabled')) : el('span', { class: 'badge off' }, t('item_badge_disabled')),
      el('label', { class: 'switch' }, toggle, el('span', { class: 'switch-track', 'aria-hidden': 'true' })),
    ),
    el(
      'p',
      { class: 'webhook-url' },
      el('span', { class: 'method' }, webhook.method),
      ' ',
      host,
      el('span', { class: 'format' }, ` · ${catalogText('format', webhook.format, 'label', webhook.formatLabel)}`),
    ),
    signingLine(webhook, ctx),
    webhook.batch &&
      el(
        'p',
        { class: 'batch-line' },
        t('item_batch_line', { events: webhook.batch.maxEvents, seconds: webhook.batch.windowSeconds }),
        webhook.collecting ? ` · ${t('item_batch_collecting', { count: webhook.collecting.count, when: describeWait(webhook.collecting.closesAt) })}` : '',
      ),
    webhook.filterSummary &&
      el(
        'p',
        { class: 'filter-line' },
        `🔎 ${webhook.filterSummary}${webhook.filteredCount ? ` · ${t('item_held_back', { count: webhook.filteredCount })}` : ''}`,
      ),
    missingAccess &&
      el(
        'p',
        { class: 'notice permission', role: 'alert' },
        `${t('item_access_removed', { browser: browserName, host })} `,
        el(
          'button',
          {
            type: 'button',
            class: 'small',
            'aria-label': t('item_allow_again_label', { host, name: webhook.name }),
            onclick: async () => {
              try {
                const granted = await chrome.permissions.request({ origins: [missingAccess] });
                if (!granted) ctx.say(t('item_access_refused', { host }));
                await ctx.refresh();
              } catch (error) {
                ctx.say(messageOf(error));
              }
            },
          },
          t('item_allow_again'),
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
      stat(t('item_stat_triggers'), String(webhook.triggerCount)),
      stat(t('item_stat_failures'), String(webhook.failureCount)),
      stat(t('item_stat_last'), last, lastTitle),
      stat(t('item_stat_rate'), rate),
    ),
    pending,
    el(
      'div',
      { class: 'actions' },
      testButton,
      el('button', { type: 'button', 'aria-label': t('item_edit_label', { name: webhook.name }), onclick: () => ctx.edit(webhook) }, t('item_edit')),
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
  const parts = [tn('item_waiting', n)];
  const d = webhook.delivery;
  if (d.state === 'held') parts.push(d.reason);
  else if (d.state === 'waiting') parts.push(t('item_next_attempt', { when: describeWait(d.nextAttemptAt) }), ...(d.lastError ? [d.lastError] : []));
  else if (d.state === 'sending') parts.push(t('item_sending_now'));
  const discard = el('button', { type: 'button', class: 'danger small', 'aria-label': t('item_discard_label', { name: webhook.name }) }, t('item_discard'));
  discard.addEventListener('click', () => {
    // While the question is open the list leaves this item as it is (see render); answering it
    // puts the button back first, so the refresh may draw the item afresh.
    const answered = async () => {
      question.replaceWith(discard);
      await ctx.refresh();
      focusLabelled(discard.getAttribute('aria-label')); // on the item as drawn now, if it still has one
    };
    const keep = el('button', { type: 'button', class: 'small', onclick: answered }, t('item_discard_keep'));
    const question = el(
      'span',
      { class: 'inline-confirm' },
      `${tn('item_discard_question', n)} `,
      el(
        'button',
        {
          type: 'button',
          class: 'danger small',
          onclick: oneAtATime(async () => {
            try {
              const { discarded } = await client.send({ type: 'discardDeliveries', webhookId: webhook.id });
              ctx.say(tn('item_discarded', discarded, { name: webhook.name }));
            } catch (error) {
              ctx.say(messageOf(error));
            }
            await answered();
          }),
        },
        t('item_discard_confirm'),
      ),
      ' ',
      keep,
    );
    discard.replaceWith(question);
    keep.focus();
  });
  return el('p', { class: 'pending' }, `⏳ ${parts.join(' · ')} `, discard);
}
