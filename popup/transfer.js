// @ts-check
// Export and Import in the manager, and the report of the import from AutoChat 4.x. The file is
// made and read by the core; an import shows what it will add or replace and changes nothing until
// the user confirms.
import * as client from './client.js';
import { el, messageOf } from './dom.js';
import { t } from './i18n.js';

/**
 * @typedef {import('../types/protocol').TransferReport} TransferReport
 * @typedef {import('../types/protocol').ListView} ListView
 */

/** @param {TransferReport} report */
function describe(report) {
  const parts = [];
  if (report.added.length) parts.push(t('transfer_adds', { names: report.added.join(', ') }));
  if (report.replaced.length) parts.push(t('transfer_replaces', { names: report.replaced.join(', ') }));
  return parts.length ? parts.join('; ') : t('transfer_adds_nothing');
}

/** @param {TransferReport} report */
function refusals(report) {
  return report.refused.map((r) => el('li', {}, el('strong', {}, r.name), ` — ${r.reason}`));
}

/**
 * @param {(name: string) => string} id
 * @param {{ refresh: () => Promise<unknown>, say: (text: string) => void }} ctx
 */
export function createTransfer(id, ctx) {
  const secrets = el('input', { type: 'checkbox', id: id('export-secrets') });
  const exportButton = el('button', { type: 'button', class: 'small', id: id('export') }, t('transfer_export'));
  exportButton.addEventListener('click', async () => {
    try {
      const file = await client.send({ type: 'exportWebhooks', includeSecrets: secrets.checked });
      const link = el('a', { href: URL.createObjectURL(new Blob([file.text], { type: 'application/json' })), download: file.fileName });
      link.click();
      URL.revokeObjectURL(link.href);
      ctx.say(t(secrets.checked ? 'transfer_exported_with_secrets' : 'transfer_exported', { file: file.fileName }));
    } catch (error) {
      ctx.say(messageOf(error));
    }
  });
  const fileInput = el('input', { type: 'file', accept: 'application/json,.json', id: id('import-file'), class: 'visually-hidden' });
  const importButton = el('button', { type: 'button', class: 'small', id: id('import') }, t('transfer_import_button'));
  importButton.addEventListener('click', () => fileInput.click());
  const preview = el('div', { class: 'import-preview', id: id('import-preview'), hidden: true, role: 'region', 'aria-label': t('transfer_import_region') });
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    try {
      const text = await file.text();
      const plan = await client.send({ type: 'previewImport', file: text });
      const confirm = el('button', { type: 'button', class: 'primary small' }, t('transfer_import_confirm'));
      const cancel = el(
        'button',
        {
          type: 'button',
          class: 'small',
          onclick: () => {
            preview.hidden = true;
          },
        },
        t('transfer_cancel'),
      );
      confirm.addEventListener('click', async () => {
        try {
          const done = await client.send({ type: 'importWebhooks', file: text });
          preview.hidden = true;
          ctx.say(t('transfer_imported', { changes: describe(done) }));
          await ctx.refresh();
        } catch (error) {
          ctx.say(messageOf(error));
        }
      });
      preview.replaceChildren(
        el('p', {}, t('transfer_preview', { changes: describe(plan) })),
        plan.refused.length ? el('p', {}, t('transfer_not_imported')) : null,
        plan.refused.length ? el('ul', {}, refusals(plan)) : null,
        el('div', { class: 'actions' }, confirm, cancel),
      );
      preview.hidden = false;
      confirm.focus();
    } catch (error) {
      ctx.say(messageOf(error));
    }
  });
  const legacy = el('div', { class: 'notice legacy-import', id: id('legacy-import'), hidden: true, role: 'status' });

  return {
    element: el(
      'div',
      { class: 'transfer' },
      el('div', { class: 'actions' }, exportButton, el('label', { class: 'check' }, secrets, ` ${t('transfer_include_secrets')}`), importButton, fileInput),
      preview,
      legacy,
    ),
    /** @param {ListView} list */
    show(list) {
      const report = list.legacyImport;
      legacy.hidden = !report;
      if (!report) return;
      const dismiss = el('button', { type: 'button', class: 'small' }, t('transfer_dismiss'));
      dismiss.addEventListener('click', async () => {
        try {
          await client.send({ type: 'dismissLegacyImport' });
          await ctx.refresh();
        } catch (error) {
          ctx.say(messageOf(error));
        }
      });
      legacy.replaceChildren(
        el('p', {}, report.added.length ? t('transfer_legacy_brought_over', { names: report.added.join(', ') }) : t('transfer_legacy_brought_over_none')),
        report.refused.length ? el('p', {}, t('transfer_legacy_refused')) : null,
        report.refused.length ? el('ul', {}, refusals(report)) : null,
        dismiss,
      );
    },
  };
}
