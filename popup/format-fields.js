// @ts-check
// The webhook form's format part: "Start from a template", the Format select (detected from the
// URL as it is typed, and the user's choice wins), Telegram's Chat ID, and the custom template with
// a live preview built by the core's own code (the body that would be sent, byte for byte).
import { catalogText } from './catalog-text.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import { detectFormat, previewBody } from './wasm.js';

/**
 * @typedef {import('../types/protocol').Catalog} Catalog
 * @typedef {import('../types/protocol').Format} Format
 * @typedef {import('../types/protocol').WebhookView} WebhookView
 * @typedef {import('../types/protocol').Starter} Starter
 * @typedef {{
 *   id: (name: string) => string,
 *   catalog: Catalog,
 *   draft: () => import('../types/protocol').WebhookDraft,
 *   apply: (starter: Starter) => void,
 *   formatChanged: (format: Format) => void,
 * }} FormatContext
 */

/** @param {FormatContext} ctx */
export function createFormatFields(ctx) {
  const { id, catalog } = ctx;
  /** Whether the user picked the format themselves (then typing a URL no longer changes it). */
  let chosen = false;
  /** A format's name in the page's language. @param {Format} format */
  const formatLabel = (format) => {
    const choice = catalog.formats.find((f) => f.value === format);
    return choice ? catalogText('format', choice.value, 'label', choice.label) : format;
  };

  const errorFor = (/** @type {string} */ field) => el('p', { class: 'field-error', id: id(`${field}-error`), hidden: true });
  const errors = { format: errorFor('format'), chatId: errorFor('chatId'), template: errorFor('template') };

  const starterSelect = el(
    'select',
    { id: id('starter'), 'aria-describedby': id('starter-hint') },
    el('option', { value: '' }, t('format_starter_choose')),
    catalog.starters.map((s, i) => el('option', { value: String(i) }, catalogText('starter', s.label, 'label', s.label))),
  );
  const starterHint = el('p', { class: 'hint', id: id('starter-hint'), 'aria-live': 'polite' });
  starterSelect.addEventListener('change', () => {
    const starter = catalog.starters[Number(starterSelect.value)];
    starterHint.textContent = starter ? catalogText('starter', starter.label, 'url_hint', starter.urlHint) : '';
    if (!starter) return;
    chosen = true;
    formatSelect.value = starter.format;
    templateInput.value = starter.template ?? templateInput.value;
    ctx.apply(starter);
    refresh();
  });

  const formatSelect = el(
    'select',
    { id: id('format'), name: 'format', 'aria-describedby': `${id('format-detected')} ${id('format-hint')} ${id('format-error')}` },
    catalog.formats.map((f) => el('option', { value: f.value }, formatLabel(f.value))),
  );
  const detectedHint = el('p', { class: 'hint detected', id: id('format-detected'), 'aria-live': 'polite' });
  const formatHint = el('p', { class: 'hint', id: id('format-hint') });
  formatSelect.addEventListener('change', () => {
    chosen = true;
    errors.format.hidden = true;
    refresh();
  });

  const chatIdInput = el('input', {
    id: id('chatId'),
    name: 'chatId',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: t('format_chat_id_placeholder'),
    'aria-describedby': `${id('chatId-hint')} ${id('chatId-error')}`,
  });
  const chatIdField = el(
    'div',
    { class: 'field', hidden: true },
    el('label', { for: id('chatId') }, t('format_chat_id_label')),
    chatIdInput,
    el('p', { class: 'hint', id: id('chatId-hint') }, t('format_chat_id_hint')),
    errors.chatId,
  );

  const templateInput = el('textarea', {
    id: id('template'),
    name: 'template',
    rows: 6,
    spellcheck: 'false',
    placeholder: '{"text": "{{text}}"}',
    'aria-describedby': `${id('template-hint')} ${id('template-error')}`,
  });
  const sampleSelect = el(
    'select',
    { id: id('sample') },
    catalog.events.map((e) => el('option', { value: e.value }, catalogText('event', e.value, 'label', e.label))),
  );
  const preview = el('pre', { class: 'preview', id: id('preview'), 'aria-live': 'polite' });
  const templateField = el(
    'div',
    { class: 'field', hidden: true },
    el('label', { for: id('template') }, t('format_template_label'), ' ', el('span', { class: 'optional' }, t('format_template_optional'))),
    templateInput,
    el(
      'p',
      { class: 'hint', id: id('template-hint') },
      t('format_placeholders'),
      ' ',
      catalog.placeholders.map((p) => el('code', { title: catalogText('placeholder', p.value, 'description', p.description) }, `{{${p.value}}} `)),
    ),
    errors.template,
  );
  const previewField = el('div', { class: 'field preview-field' }, el('label', { for: id('sample') }, t('format_preview_for'), ' '), sampleSelect, preview);

  function refresh() {
    const format = /** @type {Format} */ (formatSelect.value);
    const chosenFormat = catalog.formats.find((f) => f.value === format);
    formatHint.textContent = chosenFormat ? catalogText('format', chosenFormat.value, 'description', chosenFormat.description) : '';
    chatIdField.hidden = format !== 'telegram';
    templateField.hidden = format !== 'custom';
    previewField.hidden = format !== 'custom';
    ctx.formatChanged(format);
    showPreview();
  }

  function showPreview() {
    const result = previewBody(ctx.draft(), sampleSelect.value);
    preview.textContent = result.ok ? (result.body ?? '') : `⚠️ ${result.error?.message ?? ''}`;
    preview.classList.toggle('invalid', !result.ok);
  }

  /** The URL changed: select the format it calls for, unless the user chose one. */
  function urlChanged(/** @type {string} */ url) {
    const hint = detectFormat(url);
    const found = hint.detected;
    if (found && !chosen) formatSelect.value = found.format;
    const detected = found
      ? found.format === formatSelect.value
        ? t('format_detected', { service: found.service })
        : t('format_detected_other_format', { service: found.service, format: formatLabel(found.format) })
      : '';
    detectedHint.textContent = found?.note ? `${detected} ${found.note}` : detected;
    refresh();
    return hint;
  }

  templateInput.addEventListener('input', () => {
    errors.template.hidden = true;
    showPreview();
  });
  chatIdInput.addEventListener('input', () => {
    errors.chatId.hidden = true;
    showPreview();
  });
  sampleSelect.addEventListener('change', showPreview);

  return {
    elements: [el('div', { class: 'field' }, el('label', { for: id('starter') }, t('format_starter_label')), starterSelect, starterHint)],
    formatElements: [
      el('div', { class: 'field' }, el('label', { for: id('format') }, t('format_format_label')), formatSelect, detectedHint, formatHint, errors.format),
      chatIdField,
      templateField,
      previewField,
    ],
    inputs: { format: formatSelect, chatId: chatIdInput, template: templateInput },
    errors,
    read: () => ({ format: formatSelect.value, template: templateInput.value, chatId: chatIdInput.value }),
    urlChanged,
    showPreview,
    /** @param {WebhookView} webhook */
    edit(webhook) {
      chosen = true;
      formatSelect.value = webhook.format;
      templateInput.value = webhook.template ?? '';
      chatIdInput.value = webhook.chatId ?? '';
      detectedHint.textContent = '';
      starterSelect.value = '';
      starterHint.textContent = '';
      refresh();
    },
    reset() {
      chosen = false;
      formatSelect.value = 'autochatJson';
      templateInput.value = '';
      chatIdInput.value = '';
      detectedHint.textContent = '';
      starterSelect.value = '';
      starterHint.textContent = '';
      refresh();
    },
  };
}
