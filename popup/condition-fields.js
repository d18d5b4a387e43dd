// @ts-check
// The form's conditions: rows of field — operator — value (all must hold), "at most one delivery
// every N minutes" and "only every Nth message". The fields offered, and the operators each
// takes, come from the core for the events ticked; the core checks the rest when saving.
import { catalogText } from './catalog-text.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import { conditionFields } from './wasm.js';

/**
 * @typedef {import('../types/protocol').Filter} Filter
 * @typedef {import('../types/protocol').Condition} Condition
 * @typedef {import('../types/protocol').FieldChoice} FieldChoice
 */

/**
 * @param {(name: string) => string} id
 * @param {() => string[]} events the events ticked in the form
 */
export function createConditionFields(id, events) {
  const error = el('p', { class: 'field-error', id: id('conditions-error'), hidden: true });
  const rows = el('div', { class: 'condition-rows' });
  /** @type {FieldChoice[]} */
  let fields = [];
  const minutes = el('input', { type: 'number', id: id('throttle'), min: 1, max: 1440, step: 1, placeholder: '—' });
  const nth = el('input', { type: 'number', id: id('nth'), min: 2, max: 10000, step: 1, placeholder: '—' });

  /** @param {Condition} [condition] */
  function addRow(condition) {
    const fieldSelect = el('select', { 'aria-label': t('condition_field_label') });
    const opSelect = el('select', { 'aria-label': t('condition_operator_label') });
    const value = el('input', {
      type: 'text',
      'aria-label': t('condition_value_label'),
      placeholder: t('condition_value_placeholder'),
      value: condition?.value ?? '',
    });
    // A chosen field stays chosen when the ticked events change, even one they no longer all
    // carry (the core refuses that on the Conditions field when saving): a condition never turns
    // silently into another.
    const fillFields = () => {
      const keep = fieldSelect.value || condition?.field;
      const options = fields.map((f) => el('option', { value: f.value }, catalogText('tested_field', f.value, 'label', f.label)));
      if (keep && !fields.some((f) => f.value === keep)) {
        options.push(el('option', { value: keep }, catalogText('tested_field', keep, 'label', keep)));
      }
      fieldSelect.replaceChildren(...options);
      if (keep) fieldSelect.value = keep;
      fillOps();
    };
    const fillOps = () => {
      const keep = opSelect.value || condition?.op;
      const field = fields.find((f) => f.value === fieldSelect.value);
      if (!field) {
        // A field no longer offered keeps its operator as it was.
        if (!opSelect.options.length && keep) opSelect.replaceChildren(el('option', { value: keep }, catalogText('operator', keep, 'label', keep)));
        return;
      }
      opSelect.replaceChildren(...field.operators.map((o) => el('option', { value: o.value }, catalogText('operator', o.value, 'label', o.label))));
      if (keep && field.operators.some((o) => o.value === keep)) opSelect.value = keep;
    };
    fieldSelect.addEventListener('change', fillOps);
    const remove = el('button', { type: 'button', class: 'small', 'aria-label': t('condition_remove_label'), onclick: () => row.remove() }, '✕');
    const row = el('div', { class: 'condition-row' }, fieldSelect, opSelect, value, remove);
    row.addEventListener('refill', fillFields);
    rows.append(row);
    fillFields();
    return row;
  }

  /** The fields follow the ticked events. */
  function eventsChanged() {
    fields = conditionFields(events());
    for (const row of rows.children) row.dispatchEvent(new Event('refill'));
  }

  const add = el('button', { type: 'button', class: 'small', id: id('add-condition') }, t('condition_add'));
  add.addEventListener('click', () => {
    error.hidden = true;
    /** @type {HTMLElement | null} */ (addRow().querySelector('input'))?.focus();
  });
  const fieldset = el(
    'fieldset',
    { class: 'conditions', id: id('conditions'), 'aria-describedby': `${id('conditions-hint')} ${id('conditions-error')}` },
    el('legend', {}, t('condition_legend'), ' ', el('span', { class: 'optional' }, t('condition_optional'))),
    el('p', { class: 'hint', id: id('conditions-hint') }, t('condition_hint')),
    rows,
    add,
    el(
      'div',
      { class: 'inline-field' },
      el('label', { for: id('throttle') }, t('condition_throttle_label')),
      minutes,
      el('span', {}, t('condition_throttle_unit')),
    ),
    el('div', { class: 'inline-field' }, el('label', { for: id('nth') }, t('condition_nth_label')), nth, el('span', {}, t('condition_nth_unit'))),
    error,
  );
  const number = (/** @type {HTMLInputElement} */ input) => (input.value.trim() === '' ? null : Number(input.value));

  return {
    element: fieldset,
    errors: { conditions: error },
    inputs: { conditions: fieldset },
    eventsChanged,
    /** @returns {{ filter: Filter }} */
    read: () => ({
      filter: {
        conditions: [...rows.children].map((row) => {
          const [field, op, value] = /** @type {HTMLInputElement[]} */ ([...row.querySelectorAll('select, input')]);
          return { field: field.value, op: /** @type {Condition['op']} */ (op.value), value: value.value };
        }),
        atMostEveryMinutes: number(minutes),
        everyNthMessage: number(nth),
      },
    }),
    /** @param {Filter} filter */
    edit(filter) {
      rows.replaceChildren();
      eventsChanged();
      for (const c of filter.conditions) addRow(c);
      minutes.value = filter.atMostEveryMinutes ? String(filter.atMostEveryMinutes) : '';
      nth.value = filter.everyNthMessage ? String(filter.everyNthMessage) : '';
    },
    reset() {
      rows.replaceChildren();
      minutes.value = '';
      nth.value = '';
      eventsChanged();
    },
  };
}
