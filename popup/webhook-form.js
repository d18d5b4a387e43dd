// @ts-check
// The Webhook Manager's add/edit form. Validation runs in the page through the core's own wasm
// validator; the choices (methods, events, retry modes with their wording) come from the core's
// catalog, and the limit from the list view.

import { createBatchFields } from './batch-fields.js';
import { catalogText } from './catalog-text.js';
import * as client from './client.js';
import { createConditionFields } from './condition-fields.js';
import { browserName, el, messageOf } from './dom.js';
import { createFormatFields } from './format-fields.js';
import { t } from './i18n.js';
import { createSigningFields } from './signing-fields.js';
import { detectFormat, originPattern, parseHeaders, validateWebhook } from './wasm.js';

/** The host the browser asks about: the URL's, or the URL as typed where the browser cannot read it. */
function hostOf(/** @type {string} */ url) {
  try {
    return new URL(url.trim()).host;
  } catch {
    return url.trim();
  }
}

/**
 * @typedef {import('../types/protocol').WebhookView} WebhookView
 * @typedef {import('../types/protocol').ListView} ListView
 * @typedef {import('../types/protocol').Catalog} Catalog
 * @typedef {{ id: (name: string) => string, catalog: Catalog, latest: () => ListView | null, refresh: () => Promise<unknown> }} FormContext
 */

const FIELDS = ['name', 'url', 'format', 'chatId', 'template', 'method', 'events', 'headers', 'retryMode', 'secret', 'sign', 'conditions', 'batch'];

/**
 * Builds the form; returns it with the calls the rest of the manager needs.
 * @param {FormContext} ctx
 */
export function createForm(ctx) {
  const { id, catalog } = ctx;
  /** The webhook being edited, or null when adding. @type {WebhookView | null} */
  let editing = null;
  const errorFor = (field) => el('p', { class: 'field-error', id: id(`${field}-error`), hidden: true });
  const nameInput = el('input', {
    id: id('name'),
    name: 'name',
    type: 'text',
    autocomplete: 'off',
    placeholder: t('form_name_placeholder'),
    'aria-describedby': id('name-error'),
  });
  const urlInput = el('input', {
    id: id('url'),
    name: 'url',
    type: 'text',
    inputmode: 'url',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'https://hooks.slack.com/services/…',
    'aria-describedby': `${id('url-error')} ${id('url-warning')} ${id('url-access')}`,
  });
  const urlWarning = el('p', { class: 'field-warning', id: id('url-warning'), hidden: true });
  const urlAccess = el('p', { class: 'hint', id: id('url-access'), hidden: true });
  const methodSelect = el(
    'select',
    { id: id('method'), name: 'method', 'aria-describedby': id('method-error') },
    catalog.methods.map((m) => el('option', { value: m.value, title: catalogText('method', m.value, 'description', m.description) }, m.label)),
  );
  const eventBoxes = catalog.events.map((e) =>
    el('input', { type: 'checkbox', id: id(`event-${e.value}`), value: e.value, 'aria-describedby': id(`event-${e.value}-desc`) }),
  );
  const eventsFieldset = el(
    'fieldset',
    { class: 'events', id: id('events'), 'aria-describedby': id('events-error') },
    el('legend', {}, t('form_events_legend')),
    catalog.events.map((e, i) =>
      el(
        'div',
        { class: 'event-option' },
        eventBoxes[i],
        el('label', { for: id(`event-${e.value}`) }, catalogText('event', e.value, 'label', e.label)),
        el('p', { class: 'hint', id: id(`event-${e.value}-desc`) }, catalogText('event', e.value, 'description', e.description), ' ', el('code', {}, e.value)),
      ),
    ),
  );
  const headersInput = el('textarea', {
    id: id('headers'),
    name: 'headers',
    rows: 3,
    spellcheck: 'false',
    placeholder: '{"Authorization": "Bearer …"}',
    'aria-describedby': `${id('headers-hint')} ${id('headers-error')}`,
  });
  const revealHeaders = el('button', { type: 'button', class: 'small', id: id('reveal-headers'), hidden: true }, t('form_headers_reveal'));
  revealHeaders.addEventListener('click', async () => {
    if (!editing) return;
    try {
      const { headers } = await client.send({ type: 'revealHeaders', id: editing.id });
      headersInput.value = JSON.stringify(headers, null, 2);
      revealHeaders.hidden = true;
    } catch (error) {
      formStatus.textContent = messageOf(error);
    }
  });
  const retrySelect = el(
    'select',
    { id: id('retry'), name: 'retryMode', 'aria-describedby': `${id('retry-hint')} ${id('retryMode-error')}` },
    catalog.retryModes.map((r) => el('option', { value: r.value }, catalogText('retry_mode', r.value, 'label', r.label))),
  );
  const retryHint = el('p', { class: 'hint', id: id('retry-hint') });
  const describeRetry = () => {
    const mode = catalog.retryModes.find((r) => r.value === retrySelect.value);
    retryHint.textContent = mode ? catalogText('retry_mode', mode.value, 'description', mode.description) : '';
  };
  retrySelect.addEventListener('change', describeRetry);
  const submitButton = el('button', { type: 'submit', class: 'primary', id: id('submit') }, t('form_submit_add'));
  const cancelButton = el('button', { type: 'button', id: id('cancel'), hidden: true, onclick: () => resetForm() }, t('form_cancel'));
  const formTitle = el('h3', { id: id('form-title') }, t('form_title_add'));
  const formStatus = el('p', { class: 'form-status', id: id('form-status'), role: 'status' });
  const limitNotice = el('p', { class: 'notice', id: id('limit'), hidden: true });
  const methodWarning = el('p', { class: 'field-warning', id: id('method-warning'), hidden: true });
  const methodHint = el('p', { class: 'hint', id: id('method-hint'), hidden: true }, t('form_method_post_only'));
  const signingFields = createSigningFields(id);
  const batchFields = createBatchFields(id);
  const conditionFields = createConditionFields(id, () => eventBoxes.filter((b) => b.checked).map((b) => b.value));
  const formatFields = createFormatFields({
    id,
    catalog,
    draft: () => ({ ...draftFromForm(), headers: null }),
    apply: applyStarter,
    formatChanged,
  });
  const inputs = {
    name: nameInput,
    url: urlInput,
    method: methodSelect,
    events: eventsFieldset,
    headers: headersInput,
    retryMode: retrySelect,
    ...formatFields.inputs,
    ...signingFields.inputs,
    ...conditionFields.inputs,
    ...batchFields.inputs,
  };
  /** @type {Record<string, HTMLElement>} */
  const errors = {
    ...Object.fromEntries(FIELDS.map((f) => [f, errorFor(f)])),
    ...formatFields.errors,
    ...signingFields.errors,
    ...conditionFields.errors,
    ...batchFields.errors,
  };

  const form = el(
    'form',
    { class: 'webhook-form', novalidate: true, 'aria-labelledby': id('form-title'), onsubmit: submit },
    formTitle,
    limitNotice,
    ...formatFields.elements,
    el('div', { class: 'field' }, el('label', { for: id('name') }, t('form_name_label')), nameInput, errors.name),
    el('div', { class: 'field' }, el('label', { for: id('url') }, t('form_url_label')), urlInput, errors.url, urlWarning, urlAccess),
    ...formatFields.formatElements,
    el('div', { class: 'field' }, el('label', { for: id('method') }, t('form_method_label')), methodSelect, methodHint, methodWarning, errors.method),
    el('div', { class: 'field' }, eventsFieldset, errors.events),
    el(
      'div',
      { class: 'field' },
      el('label', { for: id('headers') }, t('form_headers_label'), ' ', el('span', { class: 'optional' }, t('form_headers_optional'))),
      headersInput,
      el(
        'p',
        { class: 'hint', id: id('headers-hint') },
        catalog.hints.headers === undefined ? '' : catalogText('hint', 'headers', '', catalog.hints.headers),
        ' ',
        revealHeaders,
      ),
      errors.headers,
    ),
    el('div', { class: 'field' }, el('label', { for: id('retry') }, t('form_retry_label')), retrySelect, retryHint, errors.retryMode),
    conditionFields.element,
    batchFields.element,
    signingFields.element,
    el('div', { class: 'actions' }, submitButton, cancelButton),
    formStatus,
  );

  function draftFromForm() {
    return {
      name: nameInput.value,
      url: urlInput.value,
      method: methodSelect.value,
      events: eventBoxes.filter((b) => b.checked).map((b) => b.value),
      headers: null,
      enabled: null,
      retryMode: retrySelect.value,
      ...formatFields.read(),
      ...signingFields.read(),
      ...conditionFields.read(),
      ...batchFields.read(),
    };
  }

  /** A starter from the gallery fills the form; nothing is sent. @param {import('../types/protocol').Starter} starter */
  function applyStarter(starter) {
    const suggested = (/** @type {import('../types/protocol').Starter} */ s) => catalogText('starter', s.label, 'name', s.name);
    if (!nameInput.value.trim() || catalog.starters.some((s) => suggested(s) === nameInput.value)) nameInput.value = suggested(starter);
    methodSelect.value = 'POST';
    for (const box of eventBoxes) box.checked = starter.events.includes(/** @type {any} */ (box.value));
    conditionFields.eventsChanged();
    urlInput.focus();
  }

  /** GET is offered only where the core says the format takes it. @param {import('../types/protocol').Format} format */
  function formatChanged(format) {
    const postOnly = catalog.postOnlyFormats.includes(format);
    const get = /** @type {HTMLOptionElement | undefined} */ ([...methodSelect.options].find((o) => o.value === 'GET'));
    if (get) get.disabled = postOnly;
    if (postOnly && methodSelect.value === 'GET') methodSelect.value = 'POST';
    methodHint.hidden = !postOnly;
    signingFields.available(!postOnly);
  }

  function showFieldErrors(fields) {
    // Some fields share one message element (the secret and the sign box): it shows all of theirs.
    /** @type {Map<HTMLElement, string[]>} */
    const shown = new Map();
    for (const f of FIELDS) {
      const messages = fields.filter((m) => m.field === f).map((m) => m.message);
      shown.set(errors[f], [...(shown.get(errors[f]) ?? []), ...messages]);
      inputs[f].setAttribute('aria-invalid', String(messages.length > 0));
    }
    for (const [element, messages] of shown) {
      element.textContent = messages.join(' ');
      element.hidden = messages.length === 0;
    }
    // A fault of no field the form shows (the form as a whole) goes to the status line.
    const elsewhere = fields.filter((m) => !FIELDS.includes(m.field));
    if (elsewhere.length) formStatus.textContent = elsewhere.map((m) => m.message).join(' ');
    const first = FIELDS.find((f) => fields.some((m) => m.field === f));
    if (first) (first === 'events' ? eventBoxes[0] : inputs[first]).focus();
  }

  function showUrlWarning(warnings) {
    const w = warnings.find((m) => m.field === 'url');
    urlWarning.textContent = w ? `⚠️ ${w.message}` : '';
    urlWarning.hidden = !w;
    const m = warnings.find((x) => x.field === 'method');
    methodWarning.textContent = m ? `⚠️ ${m.message}` : '';
    methodWarning.hidden = !m;
  }

  function clearFieldError(field) {
    errors[field].hidden = true;
    errors[field].textContent = '';
    inputs[field].setAttribute('aria-invalid', 'false');
  }

  nameInput.addEventListener('input', () => clearFieldError('name'));
  urlInput.addEventListener('input', () => {
    clearFieldError('url');
    const hint = formatFields.urlChanged(urlInput.value);
    signingFields.suggest(hint.detected?.signed ?? true);
    describeUrl(hint);
  });

  /**
   * The warnings about the URL in the form, and the site access it needs.
   * @param {{ retired: string | null }} hint what the core knows of the URL
   */
  function describeUrl(hint) {
    const check = validateWebhook({ ...draftFromForm(), events: ['error'], name: 'x', headers: null });
    showUrlWarning(hint.retired ? [...check.warnings, { field: 'url', message: hint.retired }] : check.warnings);
    explainAccess(check);
  }

  // Says before saving that the browser will ask for the endpoint's site, and why.
  async function explainAccess(check) {
    let text = '';
    // An edit on the webhook's own site asks nothing (the list marks a site not allowed).
    const sameSite = editing && originPattern(editing.url) === check.originPattern;
    if (check.valid && check.needsPermission && check.originPattern && !sameSite) {
      const host = hostOf(urlInput.value);
      const granted = await chrome.permissions.contains({ origins: [check.originPattern] }).catch(() => false);
      text = granted ? '' : t('form_access_explain', { browser: browserName, host });
    }
    urlAccess.textContent = text;
    urlAccess.hidden = !text;
  }
  headersInput.addEventListener('input', () => clearFieldError('headers'));
  for (const b of eventBoxes) {
    b.addEventListener('change', () => {
      clearFieldError('events');
      conditionFields.eventsChanged();
    });
  }

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

    const payload = { ...draft, headers: headers.headers };
    const host = hostOf(draft.url);
    const pattern = check.needsPermission ? check.originPattern : null;
    submitButton.disabled = true;
    /** @type {Promise<boolean> | null} */
    let asking = null;
    try {
      let saving;
      const target = editing;
      if (target) {
        // An edit to another site asks first and is saved only with that site allowed: until then
        // the webhook keeps working as it is. Edits on the same site ask nothing. (In Chrome the
        // toolbar popup closes for the prompt; once allowed, saving again asks nothing.)
        const moved = pattern && pattern !== originPattern(target.url);
        if (
          moved &&
          !(await siteAllowed(chrome.permissions.request({ origins: [pattern] }), host, 'form_access_denied_edit', 'form_access_request_failed_edit'))
        )
          return;
        // The page stays usable while the browser asks: another Edit or Cancel meanwhile wins.
        if (editing !== target) return;
        saving = client.send({ type: 'updateWebhook', id: target.id, webhook: payload });
      } else {
        // A new webhook's message leaves first, then the browser is asked, both within the click
        // (Firefox takes a request only there): Chrome closes the toolbar popup when its prompt
        // opens, and the webhook is saved all the same. Refused, it stays, marked with Allow again.
        saving = client.send({ type: 'addWebhook', webhook: payload });
        if (pattern) asking = chrome.permissions.request({ origins: [pattern] });
      }
      const result = await saving;
      const done = target ? 'form_saved' : 'form_added';
      resetForm();
      formStatus.textContent = t(done, { name: result.webhook.name });
      showUrlWarning(result.warnings);
      await ctx.refresh(); // the list shows it while the browser asks
      if (asking) {
        await siteAllowed(asking, host, 'form_access_denied', 'form_access_request_failed');
        await ctx.refresh();
      }
    } catch (error) {
      asking?.catch(() => {}); // the save failed: whatever the browser answers changes nothing
      if (error instanceof client.CommandError && error.fields.length) showFieldErrors(error.fields);
      else formStatus.textContent = messageOf(error);
    } finally {
      submitButton.disabled = false;
      updateLimit();
    }
  }

  /**
   * Waits for the browser's answer to a request for a site; says why not in the status line when
   * it is not allowed.
   * @param {Promise<boolean>} request @param {string} host @param {string} deniedKey @param {string} failedKey
   */
  async function siteAllowed(request, host, deniedKey, failedKey) {
    try {
      if (await request) return true;
      formStatus.textContent = t(deniedKey, { host });
    } catch (error) {
      formStatus.textContent = t(failedKey, { host, error: messageOf(error) });
    }
    return false;
  }

  function resetForm() {
    editing = null;
    formStatus.textContent = '';
    form.reset();
    methodSelect.value = 'POST';
    retrySelect.value = 'persistent';
    revealHeaders.hidden = true;
    describeRetry();
    formatFields.reset();
    signingFields.reset();
    conditionFields.reset();
    batchFields.reset();
    formTitle.textContent = t('form_title_add');
    submitButton.textContent = t('form_submit_add');
    cancelButton.hidden = true;
    showFieldErrors([]);
    showUrlWarning([]);
    urlAccess.textContent = '';
    urlAccess.hidden = true;
    updateLimit();
  }

  function startEditing(webhook) {
    editing = webhook;
    nameInput.value = webhook.name;
    urlInput.value = webhook.url;
    methodSelect.value = webhook.method;
    retrySelect.value = webhook.retryMode;
    describeRetry();
    formatFields.edit(webhook);
    signingFields.edit(webhook);
    // The events first: the condition rows offer the fields of the events ticked.
    eventBoxes.forEach((b) => {
      b.checked = webhook.events.includes(b.value);
    });
    conditionFields.edit(webhook.filter);
    batchFields.edit(webhook.batch);
    // Values arrive masked (********1234); sent back unchanged they keep what is stored.
    headersInput.value = Object.keys(webhook.headers).length ? JSON.stringify(webhook.headers, null, 2) : '';
    revealHeaders.hidden = Object.keys(webhook.headers).length === 0;
    formTitle.textContent = t('form_title_edit', { name: webhook.name });
    submitButton.textContent = t('form_submit_save');
    cancelButton.hidden = false;
    formStatus.textContent = '';
    showFieldErrors([]);
    describeUrl(detectFormat(webhook.url)); // this URL's, not the last one typed
    updateLimit();
    nameInput.focus();
    form.scrollIntoView({ block: 'start' });
  }

  function updateLimit() {
    const latest = ctx.latest();
    const full = !editing && latest && !latest.add.allowed;
    limitNotice.hidden = !full;
    limitNotice.textContent = full ? (latest.add.reason ?? '') : '';
    submitButton.disabled = Boolean(full);
  }

  describeRetry();
  formatFields.reset();
  return {
    element: form,
    startEditing,
    resetForm,
    updateLimit,
    /** @param {string} webhookId */
    isEditing: (webhookId) => editing?.id === webhookId,
    focus: () => nameInput.focus(),
  };
}
