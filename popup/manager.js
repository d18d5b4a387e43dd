// The Webhook Manager: the add/edit form and the list of webhooks with their statistics. One
// implementation, mounted in the popup's modal and on the options page.
//
// Decisions live in the core: validation, permission patterns and relative times come from the
// wasm module; every change is a command to the worker. This file builds DOM (text only) and wires
// events.
import * as client from './client.js';
import { validateWebhook, parseHeaders, eventCatalog, originPattern, describeAge, describeWait } from './wasm.js';
import { el } from './dom.js';

const FIELDS = ['name', 'url', 'method', 'events', 'headers', 'retryMode'];
const METHODS = ['POST', 'GET', 'PUT', 'PATCH'];

/** Mounts the manager into `root`; returns `{ refresh, focus }`. */
export function createManager(root, { idPrefix = 'wm' } = {}) {
  const id = (name) => `${idPrefix}-${name}`;
  const catalog = eventCatalog();
  const labelOf = Object.fromEntries(catalog.map((e) => [e.name, e.label]));
  let editing = null; // the webhook being edited, or null when adding
  let latest = null; // the last list from the core
  const openHistories = new Set(); // webhooks whose history panel is open, kept across refreshes

  // ---- the form -------------------------------------------------------------------------------
  const errorFor = (field) => el('p', { class: 'field-error', id: id(`${field}-error`), hidden: true });
  const nameInput = el('input', { id: id('name'), name: 'name', type: 'text', autocomplete: 'off', placeholder: 'Slack Notifications', 'aria-describedby': id('name-error') });
  const urlInput = el('input', { id: id('url'), name: 'url', type: 'text', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://hooks.slack.com/services/…', 'aria-describedby': `${id('url-error')} ${id('url-warning')} ${id('url-access')}` });
  const urlWarning = el('p', { class: 'field-warning', id: id('url-warning'), hidden: true });
  const urlAccess = el('p', { class: 'hint', id: id('url-access'), hidden: true });
  const methodSelect = el('select', { id: id('method'), name: 'method', 'aria-describedby': id('method-error') },
    METHODS.map((m) => el('option', { value: m }, m)));
  const eventBoxes = catalog.map((e) => el('input', { type: 'checkbox', id: id(`event-${e.name}`), value: e.name, 'aria-describedby': id(`event-${e.name}-desc`) }));
  const eventsFieldset = el('fieldset', { class: 'events', id: id('events'), 'aria-describedby': id('events-error') },
    el('legend', {}, 'Events'),
    catalog.map((e, i) => el('div', { class: 'event-option' },
      eventBoxes[i],
      el('label', { for: id(`event-${e.name}`) }, e.label),
      el('p', { class: 'hint', id: id(`event-${e.name}-desc`) }, e.description, ' ', el('code', {}, e.name)))));
  const headersInput = el('textarea', { id: id('headers'), name: 'headers', rows: 3, spellcheck: 'false', placeholder: '{"Authorization": "Bearer …"}', 'aria-describedby': `${id('headers-hint')} ${id('headers-error')}` });
  const retrySelect = el('select', { id: id('retry'), name: 'retryMode', 'aria-describedby': `${id('retry-hint')} ${id('retryMode-error')}` },
    el('option', { value: 'persistent' }, 'Keep retrying for up to 32 hours (recommended)'),
    el('option', { value: 'quick' }, 'Quick only: 3 attempts within 3 seconds'));
  const submitButton = el('button', { type: 'submit', class: 'primary', id: id('submit') }, '➕ Add Webhook');
  const cancelButton = el('button', { type: 'button', id: id('cancel'), hidden: true, onclick: () => resetForm() }, 'Cancel');
  const formTitle = el('h3', { id: id('form-title') }, 'Add a webhook');
  const formStatus = el('p', { class: 'form-status', id: id('form-status'), role: 'status' });
  const limitNotice = el('p', { class: 'notice', id: id('limit'), hidden: true });
  const inputs = { name: nameInput, url: urlInput, method: methodSelect, events: eventsFieldset, headers: headersInput, retryMode: retrySelect };
  const errors = Object.fromEntries(FIELDS.map((f) => [f, errorFor(f)]));

  const form = el('form', { class: 'webhook-form', novalidate: true, 'aria-labelledby': id('form-title'), onsubmit: submit },
    formTitle,
    limitNotice,
    el('div', { class: 'field' }, el('label', { for: id('name') }, 'Name'), nameInput, errors.name),
    el('div', { class: 'field' }, el('label', { for: id('url') }, 'URL'), urlInput, errors.url, urlWarning, urlAccess),
    el('div', { class: 'field' }, el('label', { for: id('method') }, 'Method'), methodSelect, errors.method),
    el('div', { class: 'field' }, eventsFieldset, errors.events),
    el('div', { class: 'field' },
      el('label', { for: id('headers') }, 'Custom Headers ', el('span', { class: 'optional' }, '(optional, JSON)')),
      headersInput,
      el('p', { class: 'hint', id: id('headers-hint') }, 'For authentication, e.g. {"Authorization": "Bearer YOUR_TOKEN"}. Leave empty for Slack, Zapier and IFTTT.'),
      errors.headers),
    el('div', { class: 'field' },
      el('label', { for: id('retry') }, 'Retries'),
      retrySelect,
      el('p', { class: 'hint', id: id('retry-hint') }, 'When the endpoint is down, AutoChat retries after 1 s and 2 s, then (unless you choose quick only) after 1, 5, 15 and 30 minutes and 1, 2, 4 and 8 hours, so no event is lost to an outage.'),
      errors.retryMode),
    el('div', { class: 'actions' }, submitButton, cancelButton),
    formStatus);

  // ---- the list -------------------------------------------------------------------------------
  const list = el('ul', { class: 'webhook-list', id: id('list'), 'aria-label': 'Your webhooks' });
  const emptyState = el('div', { class: 'empty', id: id('empty'), hidden: true },
    el('p', {}, el('strong', {}, 'No webhooks yet.')),
    el('p', {}, 'A webhook tells another service what AutoChat is doing: each time a message is sent, a campaign starts, pauses or stops, the daily limit is reached, an error happens or a milestone is passed, AutoChat sends an HTTP request to the URL you give.'),
    el('p', {}, 'Paste the URL of a Slack or Discord incoming webhook, a Zapier or IFTTT catch hook, or your own API above, pick the events, and press ➕ Add Webhook.'));
  const listStatus = el('p', { class: 'form-status', role: 'status', id: id('list-status') });

  root.replaceChildren(
    el('section', { class: 'manager-form' }, form),
    el('section', { class: 'manager-list', 'aria-labelledby': id('list-title') },
      el('h3', { id: id('list-title') }, 'Your webhooks'), listStatus, emptyState, list));

  // ---- form behaviour -------------------------------------------------------------------------
  function draftFromForm() {
    return {
      name: nameInput.value,
      url: urlInput.value,
      method: methodSelect.value,
      events: eventBoxes.filter((b) => b.checked).map((b) => b.value),
      retryMode: retrySelect.value,
    };
  }

  function showFieldErrors(fields) {
    for (const f of FIELDS) {
      const messages = fields.filter((m) => m.field === f).map((m) => m.message);
      errors[f].textContent = messages.join(' ');
      errors[f].hidden = messages.length === 0;
      inputs[f].setAttribute('aria-invalid', String(messages.length > 0));
    }
    const first = FIELDS.find((f) => fields.some((m) => m.field === f));
    if (first) (first === 'events' ? eventBoxes[0] : inputs[first]).focus();
  }

  function showUrlWarning(warnings) {
    const w = warnings.find((m) => m.field === 'url');
    urlWarning.textContent = w ? `⚠️ ${w.message}` : '';
    urlWarning.hidden = !w;
  }

  function clearFieldError(field) {
    errors[field].hidden = true;
    errors[field].textContent = '';
    inputs[field].setAttribute('aria-invalid', 'false');
  }

  nameInput.addEventListener('input', () => clearFieldError('name'));
  urlInput.addEventListener('input', () => {
    clearFieldError('url');
    const check = validateWebhook({ ...draftFromForm(), events: ['error'], name: 'x' });
    showUrlWarning(check.warnings);
    explainAccess(check);
  });

  // Says before saving that Chrome will ask for the endpoint's site, and why.
  async function explainAccess(check) {
    let text = '';
    if (check.valid && check.needsPermission) {
      const host = new URL(urlInput.value.trim()).host;
      const granted = await chrome.permissions.contains({ origins: [check.originPattern] }).catch(() => false);
      text = granted ? '' : `When you save, Chrome will ask you to let AutoChat send requests to ${host}. AutoChat asks for this one site only, so that it can deliver your webhooks there.`;
    }
    urlAccess.textContent = text;
    urlAccess.hidden = !text;
  }
  headersInput.addEventListener('input', () => clearFieldError('headers'));
  eventBoxes.forEach((b) => b.addEventListener('change', () => clearFieldError('events')));

  async function submit(event) {
    event.preventDefault();
    formStatus.textContent = '';
    const draft = draftFromForm();
    const headers = parseHeaders(headersInput.value);
    const check = validateWebhook({ ...draft, headers: headers.ok ? headers.headers : null });
    const fields = [...check.fields];
    if (!headers.ok) fields.push({ field: 'headers', message: headers.message });
    showFieldErrors(fields);
    showUrlWarning(check.warnings);
    if (fields.length) return;

    // Ask for the endpoint's origin while the click still counts as a user gesture.
    if (check.needsPermission) {
      const host = new URL(draft.url.trim()).host;
      let granted = false;
      try {
        granted = await chrome.permissions.request({ origins: [check.originPattern] });
      } catch (error) {
        formStatus.textContent = `AutoChat could not ask for access to ${host}: ${error.message}`;
        return;
      }
      if (!granted) {
        formStatus.textContent = `The webhook was not saved: AutoChat needs your permission to send requests to ${host}. Press the button again and choose Allow.`;
        return;
      }
    }

    submitButton.disabled = true;
    try {
      const payload = { ...draft, headers: headers.headers };
      const result = editing
        ? await client.updateWebhook(editing.id, payload)
        : await client.addWebhook(payload);
      const verb = editing ? 'saved' : 'added';
      resetForm();
      formStatus.textContent = `Webhook “${result.webhook.name}” ${verb}.`;
      showUrlWarning([]);
      await refresh();
    } catch (error) {
      if (error.fields?.length) showFieldErrors(error.fields);
      else formStatus.textContent = error.message;
    } finally {
      submitButton.disabled = false;
      updateLimit();
    }
  }

  function resetForm() {
    editing = null;
    form.reset();
    methodSelect.value = 'POST';
    retrySelect.value = 'persistent';
    formTitle.textContent = 'Add a webhook';
    submitButton.textContent = '➕ Add Webhook';
    cancelButton.hidden = true;
    showFieldErrors([]);
    showUrlWarning([]);
    explainAccess({ valid: false });
    updateLimit();
  }

  function startEditing(webhook) {
    editing = webhook;
    nameInput.value = webhook.name;
    urlInput.value = webhook.url;
    methodSelect.value = webhook.method;
    retrySelect.value = webhook.retryMode;
    eventBoxes.forEach((b) => { b.checked = webhook.events.includes(b.value); });
    headersInput.value = Object.keys(webhook.headers).length ? JSON.stringify(webhook.headers, null, 2) : '';
    formTitle.textContent = `Edit “${webhook.name}”`;
    submitButton.textContent = '💾 Save Changes';
    cancelButton.hidden = false;
    formStatus.textContent = '';
    showFieldErrors([]);
    updateLimit();
    nameInput.focus();
    form.scrollIntoView({ block: 'start' });
  }

  function updateLimit() {
    const full = !editing && latest && latest.webhooks.length >= latest.limit;
    limitNotice.hidden = !full;
    limitNotice.textContent = full ? `You have ${latest.limit} webhooks, the most AutoChat supports. Delete one to add another.` : '';
    submitButton.disabled = Boolean(full);
  }

  // ---- list behaviour -------------------------------------------------------------------------
  function stat(label, value, title) {
    return el('div', { class: 'stat' }, el('dt', {}, label), el('dd', { title }, value));
  }

  function item(webhook, permissionMissing) {
    const host = new URL(webhook.url).host;
    const testResult = el('p', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
    const confirmBox = el('div', { class: 'confirm', hidden: true });
    const toggle = el('input', {
      type: 'checkbox', role: 'switch', checked: webhook.enabled,
      'aria-label': `Enabled: ${webhook.name}`,
      onchange: async (e) => {
        try {
          await client.setWebhookEnabled(webhook.id, e.target.checked);
          await refresh();
        } catch (error) {
          listStatus.textContent = error.message;
        }
      },
    });
    const testButton = el('button', { type: 'button', 'aria-label': `🧪 Test ${webhook.name}` }, '🧪 Test');
    testButton.addEventListener('click', async () => {
      testButton.disabled = true;
      testResult.className = 'test-result pending';
      testResult.textContent = 'Sending the test payload…';
      try {
        const r = await client.testWebhook(webhook.id);
        testResult.className = `test-result ${r.ok ? 'ok' : 'failed'}`;
        testResult.textContent = r.ok
          ? `✅ HTTP ${r.status} · ${r.durationMs} ms`
          : `❌ ${r.error} · ${r.durationMs} ms`;
      } catch (error) {
        testResult.className = 'test-result failed';
        testResult.textContent = `❌ ${error.message}`;
      } finally {
        testButton.disabled = false;
      }
    });
    const deleteButton = el('button', { type: 'button', class: 'danger', 'aria-label': `🗑️ Delete ${webhook.name}` }, '🗑️ Delete');
    deleteButton.addEventListener('click', () => {
      const keep = el('button', { type: 'button', onclick: () => { confirmBox.hidden = true; deleteButton.focus(); } }, 'Keep it');
      const confirm = el('button', {
        type: 'button', class: 'danger',
        onclick: async () => {
          try {
            await client.deleteWebhook(webhook.id);
            if (editing?.id === webhook.id) resetForm();
            listStatus.textContent = `Webhook “${webhook.name}” deleted.`;
            await refresh();
          } catch (error) {
            listStatus.textContent = error.message;
          }
        },
      }, `Delete “${webhook.name}”`);
      confirmBox.replaceChildren(el('p', {}, `Delete “${webhook.name}”? Its statistics and any pending deliveries go with it.`), el('div', { class: 'actions' }, confirm, keep));
      confirmBox.hidden = false;
      keep.focus();
    });

    const pending = webhook.pendingDeliveries > 0 && pendingLine(webhook);
    const history = historyPanel(webhook);
    const rate = webhook.successRate === null ? '—' : `${Math.round(webhook.successRate)}%`;
    const last = webhook.lastTriggered ? describeAge(webhook.lastTriggered) : 'Never';
    const lastTitle = webhook.lastTriggered ? new Date(webhook.lastTriggered).toLocaleString() : null;
    return el('li', { class: `webhook${webhook.enabled ? '' : ' disabled'}`, dataset: { id: webhook.id } },
      el('div', { class: 'webhook-head' },
        el('span', { class: 'webhook-name' }, webhook.name),
        webhook.enabled
          ? el('span', { class: 'badge on' }, '✅ Enabled')
          : el('span', { class: 'badge off' }, 'Disabled'),
        el('label', { class: 'switch' }, toggle, el('span', { class: 'switch-track', 'aria-hidden': 'true' }))),
      el('p', { class: 'webhook-url' }, el('span', { class: 'method' }, webhook.method), ' ', host),
      permissionMissing && el('p', { class: 'notice permission' }, `⚠️ AutoChat may no longer reach ${host}: access was removed. Edit the webhook and save it to allow it again.`),
      webhook.disabledReason && el('p', { class: 'notice disabled-reason', role: 'alert' }, `⚠️ ${webhook.disabledReason}`),
      el('p', { class: 'webhook-events' }, webhook.events.map((e) => el('span', { class: 'chip' }, labelOf[e] ?? e))),
      el('dl', { class: 'stats' },
        stat('Total Triggers', String(webhook.triggerCount)),
        stat('Failures', String(webhook.failureCount)),
        stat('Last Triggered', last, lastTitle),
        stat('Success Rate', rate)),
      pending,
      el('div', { class: 'actions' },
        testButton,
        el('button', { type: 'button', 'aria-label': `✏️ Edit ${webhook.name}`, onclick: () => startEditing(webhook) }, '✏️ Edit'),
        deleteButton),
      confirmBox,
      testResult,
      history);
  }

  // "3 deliveries waiting · next attempt in 5 min · HTTP 503 …" and a way to give up on them.
  function pendingLine(webhook) {
    const n = webhook.pendingDeliveries;
    const parts = [`${n} ${n === 1 ? 'delivery' : 'deliveries'} waiting`];
    if (!webhook.enabled) parts.push('sent when the webhook is switched back on');
    else if (webhook.nextAttemptAt) parts.push(`next attempt ${describeWait(webhook.nextAttemptAt)}`);
    else parts.push('sending now');
    if (webhook.lastError) parts.push(webhook.lastError);
    const discard = el('button', { type: 'button', class: 'danger small', 'aria-label': `Discard waiting deliveries of ${webhook.name}` }, 'Discard');
    discard.addEventListener('click', async () => {
      discard.replaceWith(el('span', { class: 'inline-confirm' },
        `Discard ${n} waiting ${n === 1 ? 'delivery' : 'deliveries'}? `,
        el('button', {
          type: 'button', class: 'danger small',
          onclick: async () => {
            try {
              const { discarded } = await client.discardDeliveries(webhook.id);
              listStatus.textContent = `${discarded} ${discarded === 1 ? 'delivery' : 'deliveries'} of “${webhook.name}” discarded.`;
              await refresh();
            } catch (error) {
              listStatus.textContent = error.message;
            }
          },
        }, 'Discard them'),
        ' ',
        el('button', { type: 'button', class: 'small', onclick: () => refresh(true) }, 'Keep')));
    });
    return el('p', { class: 'pending' }, `⏳ ${parts.join(' · ')} `, discard);
  }

  // The last 50 attempts, loaded when opened, with 🔁 Redeliver for finished deliveries.
  function historyPanel(webhook) {
    const body = el('div', { class: 'history-body' });
    const panel = el('details', { class: 'history', dataset: { webhook: webhook.id } },
      el('summary', {}, '📜 History'), body);
    panel.addEventListener('toggle', () => { if (panel.open) loadHistory(webhook, body); });
    if (openHistories.has(webhook.id)) {
      panel.open = true;
    }
    panel.addEventListener('toggle', () => {
      if (panel.open) openHistories.add(webhook.id); else openHistories.delete(webhook.id);
    });
    return panel;
  }

  async function loadHistory(webhook, body) {
    let entries;
    try {
      ({ entries } = await client.getHistory(webhook.id));
    } catch (error) {
      body.replaceChildren(el('p', { class: 'field-error' }, error.message));
      return;
    }
    if (entries.length === 0) {
      body.replaceChildren(el('p', { class: 'hint' }, 'No attempts yet. They appear here as events are delivered.'));
      return;
    }
    body.replaceChildren(el('ol', { class: 'history-list', 'aria-label': `History of ${webhook.name}` }, entries.map((e) => historyEntry(webhook, e))));
  }

  const OUTCOME_WORDS = { delivered: '✅ Delivered', retrying: '🔁 Will retry', failed: '❌ Failed', discarded: '🗑️ Discarded', dropped: 'Dropped' };

  function historyEntry(webhook, e) {
    const result = e.status !== null ? `HTTP ${e.status}` : (e.error ?? '');
    const line = el('p', { class: 'history-line' },
      el('span', { class: `outcome ${e.outcome}` }, OUTCOME_WORDS[e.outcome] ?? e.outcome), ' · ',
      el('span', { title: new Date(e.at).toLocaleString() }, describeAge(e.at)), ' · ',
      el('code', {}, e.event), ` · attempt ${e.attempt} · ${result} · ${e.durationMs} ms`);
    const details = [];
    if (e.error && e.status !== null) details.push(el('p', { class: 'hint' }, e.error));
    if (e.response) details.push(el('details', { class: 'response' }, el('summary', {}, 'Response'), el('pre', {}, e.response)));
    details.push(el('details', { class: 'response' }, el('summary', {}, 'Payload'), el('pre', {}, e.body)));
    const redeliverButton = el('button', {
      type: 'button', class: 'small', disabled: e.waiting,
      title: e.waiting ? 'This delivery is still waiting to be sent.' : null,
      'aria-label': `🔁 Redeliver ${e.event} (${e.deliveryId})`,
    }, '🔁 Redeliver');
    const said = el('span', { class: 'hint', role: 'status' });
    redeliverButton.addEventListener('click', async () => {
      redeliverButton.disabled = true;
      try {
        const r = await client.redeliver(webhook.id, e.deliveryId);
        said.textContent = r.waitsForEnable ? ' Queued: it goes out when the webhook is switched on.' : ' Queued again with the same id.';
      } catch (error) {
        said.textContent = ` ${error.message}`;
        redeliverButton.disabled = false;
      }
    });
    return el('li', { dataset: { delivery: e.deliveryId } }, line, ...details, el('div', {}, redeliverButton, said));
  }

  async function permissionsMissing(webhooks) {
    return Promise.all(webhooks.map(async (w) => {
      const pattern = originPattern(w.url);
      if (!pattern) return false;
      try {
        return !(await chrome.permissions.contains({ origins: [pattern] }));
      } catch {
        return false;
      }
    }));
  }

  async function refresh(force = false) {
    try {
      latest = await client.listWebhooks();
    } catch (error) {
      listStatus.textContent = error.message;
      return null;
    }
    const missing = await permissionsMissing(latest.webhooks);
    // Keep test results and open confirmations of items that stay: re-render only changed items.
    const old = new Map([...list.children].map((li) => [li.dataset.id, li]));
    const items = latest.webhooks.map((w, i) => {
      const key = JSON.stringify([w, missing[i], w.lastTriggered && describeAge(w.lastTriggered), w.nextAttemptAt && describeWait(w.nextAttemptAt)]);
      const previous = old.get(w.id);
      if (previous && previous.dataset.key === key && !force) return previous;
      const fresh = item(w, missing[i]);
      fresh.dataset.key = key;
      if (previous) {
        // Carry an in-place test result over to the refreshed item (copied: the fresh item's
        // Test button writes to its own result element).
        const [was, now] = [previous, fresh].map((li) => li.querySelector('.test-result'));
        now.className = was.className;
        now.textContent = was.textContent;
      }
      return fresh;
    });
    const active = document.activeElement;
    const focusedItem = active?.closest?.('li.webhook');
    const focusedLabel = active?.getAttribute?.('aria-label');
    list.replaceChildren(...items);
    // A re-rendered item keeps the keyboard focus where it was.
    if (focusedItem && !focusedItem.isConnected && focusedLabel) {
      const again = [...list.querySelectorAll('[aria-label]')].find((n) => n.getAttribute('aria-label') === focusedLabel);
      again?.focus();
    }
    emptyState.hidden = latest.webhooks.length > 0;
    if (latest.droppedWhenFull > 0) {
      listStatus.textContent = `⚠️ ${latest.droppedWhenFull} ${latest.droppedWhenFull === 1 ? 'delivery was' : 'deliveries were'} never queued because 10,000 were already waiting. Check the endpoints that are failing.`;
    }
    for (const panel of list.querySelectorAll('details.history[open]')) {
      const w = latest.webhooks.find((x) => x.id === panel.dataset.webhook);
      if (w) loadHistory(w, panel.querySelector('.history-body'));
    }
    updateLimit();
    return latest;
  }

  // Statistics change when a delivery finishes: the worker writes the registry, and every open
  // manager re-reads it.
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && changes['autochat.registry']) refresh();
  });
  // Statistics and history change when deliveries finish (the outbox too, while retries wait).
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && !changes['autochat.registry'] && changes['autochat.outbox']) refresh();
  });
  // Relative times ("5 min ago", "in 40 s") move on while the page is open.
  setInterval(() => { if (latest?.webhooks.some((w) => w.lastTriggered || w.nextAttemptAt)) refresh(); }, 15_000);

  return { refresh, focus: () => nameInput.focus() };
}
