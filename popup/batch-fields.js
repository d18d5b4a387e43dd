// @ts-check
// Batching in the form: collect events for up to W seconds or N events, whichever comes first,
// and send them as one request. The bounds are checked by the core when saving.
import { el } from './dom.js';
import { t } from './i18n.js';

/** @typedef {import('../types/protocol').BatchSettings} BatchSettings */

/** @param {(name: string) => string} id */
export function createBatchFields(id) {
  const error = el('p', { class: 'field-error', id: id('batch-error'), hidden: true });
  const on = el('input', { type: 'checkbox', id: id('batch-on'), 'aria-describedby': `${id('batch-hint')} ${id('batch-error')}` });
  const seconds = el('input', { type: 'number', id: id('batch-window'), min: 1, max: 3600, step: 1, value: '60' });
  const events = el('input', { type: 'number', id: id('batch-max'), min: 2, max: 100, step: 1, value: '10' });
  const limits = el(
    'div',
    { class: 'inline-field', hidden: true },
    el('label', { for: id('batch-window') }, t('batch_wait_label')),
    seconds,
    el('label', { for: id('batch-max') }, t('batch_seconds_or')),
    events,
    el('span', {}, t('batch_events_unit')),
  );
  on.addEventListener('change', () => {
    limits.hidden = !on.checked;
    error.hidden = true;
  });
  const fieldset = el(
    'fieldset',
    { class: 'batching', id: id('batch') },
    el('legend', {}, t('batch_legend'), ' ', el('span', { class: 'optional' }, t('batch_optional'))),
    el('div', { class: 'check' }, on, el('label', { for: id('batch-on') }, t('batch_on_label'))),
    el('p', { class: 'hint', id: id('batch-hint') }, t('batch_hint')),
    limits,
    error,
  );
  return {
    element: fieldset,
    errors: { batch: error },
    inputs: { batch: on },
    /** @returns {{ batch: BatchSettings | null }} */
    read: () => ({ batch: on.checked ? { windowSeconds: Number(seconds.value), maxEvents: Number(events.value) } : null }),
    /** @param {BatchSettings | null} batch */
    edit(batch) {
      on.checked = Boolean(batch);
      limits.hidden = !batch;
      seconds.value = String(batch?.windowSeconds ?? 60);
      events.value = String(batch?.maxEvents ?? 10);
    },
    reset() {
      this.edit(null);
    },
  };
}
