// @ts-check
// A tiny element builder. Text is always set as text (never parsed as HTML), so user data such as a
// webhook's name can contain any characters.

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attributes]
 * @param {...(Node | string | null | undefined | false | Array<Node | string | null | undefined | false>)} children
 * @returns {HTMLElementTagNameMap[K]}
 *
 * el('button', { type: 'button', class: 'x', onclick: fn, 'aria-label': '…' }, 'text', childNode)
 * Attributes named on* become listeners; `dataset` is an object; children are strings or nodes.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter(/** @returns {c is Node | string} */ (c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** The element with `id`; the pages' markup guarantees it exists. @type {(id: string) => HTMLElement} */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The browser's name for page texts that speak of it (its prompts, its settings). */
export const browserName = (() => {
  const agent = navigator.userAgent;
  if (/Firefox\//.test(agent)) return 'Firefox';
  if (/Edg\//.test(agent)) return 'Edge';
  return 'Chrome';
})();

/**
 * Moves the focus to the element with this `aria-label`, if there is one: after a list is drawn
 * afresh, the control the user was on is a new element with the same label.
 * @param {string | null} label
 */
export function focusLabelled(label) {
  const found = [...document.querySelectorAll('[aria-label]')].find((e) => e.getAttribute('aria-label') === label);
  /** @type {HTMLElement | undefined} */ (found)?.focus();
}

/** What went wrong, in words: an error's message, or whatever was thrown as text. @param {unknown} error */
export const messageOf = (error) => (error instanceof Error ? error.message : String(error));
