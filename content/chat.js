// AutoChat's page work in a chat tab, injected by the worker (send) or the popup (detect, pick).
// It finds the message input and the send button, types a message the way the page's own
// framework notices, sends it, confirms it left the input, and reports back. It decides nothing
// about campaigns.
(() => {
  if (globalThis.__autochatChat) return; // injected once per page; later injections reuse it
  globalThis.__autochatChat = true;

  const INPUTS = 'textarea, input[type="text"], input:not([type]), [contenteditable=""], [contenteditable="true"], [role="textbox"]';
  const BUTTONS = 'button, [role="button"], input[type="submit"], input[type="button"]';
  const SEND_WORDS = /\b(send|submit|post|reply|envoyer|enviar|senden|invia|verzenden)\b|➤|➢|▶/i;
  const CONFIRM_MS = 3000;

  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const usable = (el) => visible(el) && !el.disabled && !el.readOnly && el.getAttribute('aria-disabled') !== 'true';
  const labelOf = (el) => [el.getAttribute('aria-label'), el.title, el.value, el.textContent].filter(Boolean).join(' ').trim();
  const isEditable = (el) => el?.isContentEditable || el?.matches?.('textarea, input');

  function findInput(picks) {
    if (picks?.input) {
      const picked = document.querySelector(picks.input);
      if (picked) return picked;
    }
    const candidates = [...document.querySelectorAll(INPUTS)].filter(usable);
    if (candidates.includes(document.activeElement)) return document.activeElement;
    // Chat composers sit at the bottom of the page: prefer the lowest one.
    return candidates.sort((a, b) => a.getBoundingClientRect().bottom - b.getBoundingClientRect().bottom).at(-1) ?? null;
  }

  function findButton(input, picks) {
    if (picks?.button) {
      const picked = document.querySelector(picks.button);
      if (picked) return picked;
    }
    // A send button may be disabled until the page has seen the text, so disabled ones count.
    const buttons = [...document.querySelectorAll(BUTTONS)].filter(visible);
    const form = input.closest('form');
    const named = buttons.filter((b) => SEND_WORDS.test(labelOf(b)));
    const inForm = form ? buttons.filter((b) => form.contains(b) && (('type' in b && b.type === 'submit') || named.includes(b))) : [];
    const pool = inForm.length ? inForm : named;
    if (!pool.length) return null;
    const box = input.getBoundingClientRect();
    const distance = (b) => {
      const r = b.getBoundingClientRect();
      return Math.hypot(r.left - box.right, r.top - box.top);
    };
    return pool.sort((a, b) => distance(a) - distance(b))[0];
  }

  function describe(el) {
    if (!el) return null;
    const name = el.id ? `#${el.id}` : el.tagName.toLowerCase();
    const label = labelOf(el).slice(0, 40);
    return label && !el.matches('textarea, input') ? `${name} “${label}”` : name;
  }

  /** Puts text into the input so that React, Vue and editor frameworks see the change. */
  function typeInto(input, text) {
    input.focus();
    if (input.isContentEditable) {
      const selection = getSelection();
      selection.selectAllChildren(input);
      if (!document.execCommand('insertText', false, text)) {
        input.textContent = text;
        input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
      }
      return;
    }
    // The prototype's setter updates the value behind a framework's back, so its own listeners
    // (React's value tracker included) see a real change when the input event arrives.
    const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(input, text);
    input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  const contentOf = (input) => (input.isContentEditable ? input.textContent : input.value).trim();

  function pressEnter(input) {
    for (const type of ['keydown', 'keypress', 'keyup']) {
      input.dispatchEvent(new KeyboardEvent(type, { key: 'Enter', code: 'Enter', keyCode: 13, which: 13, bubbles: true, cancelable: true }));
    }
  }

  async function confirmSent(input, text) {
    const deadline = Date.now() + CONFIRM_MS;
    while (Date.now() < deadline) {
      if (!input.isConnected || contentOf(input) !== text.trim()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  async function send(text, picks) {
    const input = findInput(picks);
    if (!input) return { ok: false, error: 'Failed to find the message input' };
    typeInto(input, text);
    if (contentOf(input) !== text.trim()) return { ok: false, error: 'The message input did not accept the text' };
    const button = findButton(input, picks);
    if (button) {
      // Frameworks enable the button only once they have processed the input event.
      const deadline = Date.now() + 1000;
      while ((button.disabled || button.getAttribute('aria-disabled') === 'true') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      button.click();
    } else {
      pressEnter(input);
    }
    if (await confirmSent(input, text)) return { ok: true };
    return { ok: false, error: button ? 'The message was not confirmed: it stayed in the input after pressing send' : 'Failed to find send button' };
  }

  function cssPath(el) {
    if (el.id) return `#${CSS.escape(el.id)}`;
    const parts = [];
    for (let node = el; node && node !== document.body && parts.length < 5; node = node.parentElement) {
      if (node.id) {
        parts.unshift(`#${CSS.escape(node.id)}`);
        break;
      }
      const same = [...(node.parentElement?.children ?? [])].filter((c) => c.tagName === node.tagName);
      const nth = same.length > 1 ? `:nth-of-type(${same.indexOf(node) + 1})` : '';
      parts.unshift(`${node.tagName.toLowerCase()}${nth}`);
    }
    return parts.join(' > ');
  }

  /** Lets the user click the element AutoChat should use; Esc cancels. */
  function pick(what) {
    return new Promise((resolve) => {
      const box = document.createElement('div');
      box.style.cssText =
        'position:fixed;pointer-events:none;z-index:2147483647;border:3px solid #2f6fde;background:rgba(47,111,222,.15);border-radius:4px;transition:all .05s';
      const tip = document.createElement('div');
      tip.textContent = chrome.i18n.getMessage(what === 'input' ? 'picker_tip_input' : 'picker_tip_button');
      tip.style.cssText =
        'position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:2147483647;background:#1b2129;color:#fff;font:14px system-ui;padding:6px 12px;border-radius:6px';
      document.documentElement.append(box, tip);
      const target = (e) => {
        const el = e.target.closest(what === 'input' ? INPUTS : BUTTONS) ?? e.target;
        return el;
      };
      const move = (e) => {
        const r = target(e).getBoundingClientRect();
        Object.assign(box.style, { left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px` });
      };
      const finish = (selector) => {
        removeEventListener('mousemove', move, true);
        removeEventListener('click', click, true);
        removeEventListener('keydown', key, true);
        box.remove();
        tip.remove();
        resolve(selector);
      };
      const click = (e) => {
        e.preventDefault();
        e.stopPropagation();
        finish(cssPath(target(e)));
      };
      const key = (e) => {
        if (e.key === 'Escape') finish(null);
      };
      addEventListener('mousemove', move, true);
      addEventListener('click', click, true);
      addEventListener('keydown', key, true);
    });
  }

  /**
   * @typedef {import('../types/protocol').ContentRequest} ContentRequest
   * @typedef {import('../types/protocol').SendOutcome} SendOutcome
   * @typedef {import('../types/protocol').Detection} Detection
   * @typedef {import('../types/protocol').Picked} Picked
   * @typedef {import('../types/protocol').Command} Command
   */
  chrome.runtime.onMessage.addListener((/** @type {ContentRequest} */ message, _sender, reply) => {
    if (message?.autochat === 'send') {
      /** @param {SendOutcome} outcome */
      const answer = (outcome) => reply(outcome);
      if (location.origin !== message.origin) {
        // The tab moved to another site since AutoChat looked: never type there.
        answer({ ok: false, error: 'The chat tab shows another site now; AutoChat paused rather than type there.' });
        return false;
      }
      send(message.text, message.picks ?? { input: null, button: null }).then(answer, (error) => answer({ ok: false, error: String(error?.message ?? error) }));
      return true;
    }
    if (message?.autochat === 'detect') {
      const input = findInput(message.picks);
      const button = input && findButton(input, message.picks);
      /** @type {Detection} */
      const found = {
        origin: location.origin,
        input: describe(input),
        button: describe(button),
        enterFallback: Boolean(input && !button && isEditable(input)),
      };
      reply(found);
      return false;
    }
    if (message?.autochat === 'pick') {
      const what = message.what;
      pick(what).then(async (selector) => {
        if (selector) {
          /** @type {Command} */
          const save = { type: 'savePicks', origin: location.origin, input: what === 'input' ? selector : null, button: what === 'button' ? selector : null };
          await chrome.runtime.sendMessage(save);
        }
        /** @type {Picked} */
        const picked = { selector };
        reply(picked);
      });
      return true;
    }
    return false;
  });
})();
