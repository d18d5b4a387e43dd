// @ts-check
// The pages' words. Every text a page shows comes from `_locales/<lang>/messages.json` through
// `chrome.i18n`, so a new language is one more file. Substitutions are named, `{count}`, filled here
// (not with chrome.i18n's `$1` placeholders) so a translator sees what each one is and may reorder them.
// English is the default locale: a key missing from a translation falls back to it in the browser.

/**
 * The message `key` in the browser's language, with `{name}` replaced by `values.name`.
 * A key missing from every locale is a bug; it shows as the key itself so it is seen, not hidden.
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
export function t(key, values = {}) {
  const text = chrome.i18n.getMessage(key);
  if (!text) {
    console.error(`AutoChat: no text for "${key}"`);
    return key;
  }
  return fill(text, values);
}

/** The locale the browser resolved for our messages ("en", "de"), from the messages file itself. */
export const locale = chrome.i18n.getMessage('locale') || 'en';

const plurals = new Intl.PluralRules(locale);

/**
 * A counted message: `key_one` / `key_other` (and any other plural category the language has),
 * with `{count}` filled as well as `values`.
 * @param {string} key
 * @param {number} count
 * @param {Record<string, string | number>} [values]
 */
export function tn(key, count, values = {}) {
  const form = `${key}_${plurals.select(count)}`;
  const chosen = chrome.i18n.getMessage(form) ? form : `${key}_other`;
  return t(chosen, { count: count.toLocaleString(locale), ...values });
}

/**
 * @param {string} text
 * @param {Record<string, string | number>} values
 */
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/**
 * Fills the static markup: an element's `data-i18n` attribute names the message for its text, and
 * `data-i18n-attr` pairs of attribute:message (space-separated) set attributes. Also sets `<html lang>`.
 * @param {ParentNode} [root]
 */
export function localizePage(root = document) {
  document.documentElement.lang = locale;
  for (const node of root.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.getAttribute('data-i18n') ?? '');
  }
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of (node.getAttribute('data-i18n-attr') ?? '').split(/\s+/).filter(Boolean)) {
      const [attribute, key] = pair.split(':');
      node.setAttribute(attribute, t(key));
    }
  }
}
