// @ts-check
// The core's catalog (events, methods, retry modes, formats, placeholders, starters, hints, and the
// conditions' fields and operators) in the browser's language. The core gives its English; each
// text has a message `catalog_<kind>_<value>_<part>`, and the core's own test
// (core/src/protocol/catalog_words.rs) checks that the English messages file says exactly what
// the core says, with keys built by the same rule as `catalogKey` here.
import { t } from './i18n.js';

/**
 * The message key of one catalog text: `catalog_<kind>_<value>_<part>` (no `_<part>` when `part`
 * is empty), the value lowercased with every character outside [a-z0-9] turned into `_`.
 * @param {string} kind `event`, `method`, `retry_mode`, `format`, `placeholder`, `starter`, `hint`, `tested_field` or `operator`
 * @param {string} value the choice's value (a starter's English label; a hint's name)
 * @param {string} part `label`, `description`, `name`, `url_hint`, or '' for a hint
 */
export function catalogKey(kind, value, part) {
  const safe = value.toLowerCase().replace(/[^a-z0-9]/gu, '_');
  return part ? `catalog_${kind}_${safe}_${part}` : `catalog_${kind}_${safe}`;
}

/**
 * One catalog text in the browser's language. `english` is the core's own text, shown (and the
 * missing key reported) only if the messages lack the key, which the core's test rules out.
 * @param {string} kind
 * @param {string} value
 * @param {string} part
 * @param {string} english
 * @returns {string}
 */
export function catalogText(kind, value, part, english) {
  const key = catalogKey(kind, value, part);
  if (chrome.i18n.getMessage(key)) return t(key);
  console.error(`AutoChat: no text for "${key}"`);
  return english;
}
