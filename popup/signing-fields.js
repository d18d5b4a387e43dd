// @ts-check
// Signing, in the form and on each webhook. The form says whether to sign (Standard Webhooks) and
// whether to add GitHub's header, and takes a secret the user pastes; the webhook shows its secret
// masked, and only Reveal or Copy asks the worker for it (it is never put into an attribute).
import * as client from './client.js';
import { el, focusLabelled, messageOf } from './dom.js';
import { t } from './i18n.js';

/**
 * @typedef {import('../types/protocol').WebhookView} WebhookView
 * @typedef {import('../types/protocol').Format} Format
 */

/** The form's signing fields. @param {(name: string) => string} id */
export function createSigningFields(id) {
  const error = el('p', { class: 'field-error', id: id('secret-error'), hidden: true });
  const signBox = el('input', { type: 'checkbox', id: id('sign'), checked: true, 'aria-describedby': id('sign-hint') });
  const githubBox = el('input', { type: 'checkbox', id: id('github') });
  const secretInput = el('input', {
    id: id('secret'),
    name: 'secret',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: t('signing_secret_placeholder'),
    'aria-describedby': `${id('secret-hint')} ${id('secret-error')}`,
  });
  secretInput.addEventListener('input', () => {
    error.hidden = true;
  });
  // The box follows the URL (Zapier's and IFTTT's hooks are not signed by default) until the user
  // ticks or clears it, and never while a saved webhook is edited.
  let followsUrl = true;
  signBox.addEventListener('change', () => {
    followsUrl = false;
  });
  const fieldset = el(
    'fieldset',
    { class: 'signing', id: id('signing') },
    el('legend', {}, t('signing_legend')),
    el('div', { class: 'check' }, signBox, el('label', { for: id('sign') }, t('signing_sign_label'))),
    el('p', { class: 'hint', id: id('sign-hint') }, t('signing_sign_hint')),
    el('div', { class: 'check' }, githubBox, el('label', { for: id('github') }, t('signing_github_label'))),
    el('label', { for: id('secret') }, t('signing_secret_label'), ' ', el('span', { class: 'optional' }, t('signing_secret_optional'))),
    secretInput,
    el('p', { class: 'hint', id: id('secret-hint') }, t('signing_secret_hint')),
    error,
  );
  return {
    element: fieldset,
    errors: { secret: error, sign: error },
    inputs: { secret: secretInput, sign: signBox },
    /** Nothing about signing is sent for a format that cannot be signed. */
    read: () =>
      fieldset.hidden
        ? { sign: null, githubSignature: null, secret: '' }
        : { sign: signBox.checked, githubSignature: githubBox.checked, secret: secretInput.value },
    /** Chat services are never signed: the fields go away for them. @param {boolean} available */
    available(available) {
      fieldset.hidden = !available;
    },
    /** The URL's detected service says whether it is signed by default. @param {boolean} signed */
    suggest(signed) {
      if (followsUrl) signBox.checked = signed;
    },
    /** @param {WebhookView} webhook */
    edit(webhook) {
      followsUrl = false;
      signBox.checked = webhook.signing.enabled || !webhook.signing.available;
      githubBox.checked = webhook.signing.github;
      secretInput.value = '';
    },
    reset() {
      followsUrl = true;
      signBox.checked = true;
      githubBox.checked = false;
      secretInput.value = '';
    },
  };
}

/**
 * A webhook's signing line: the masked secret with Reveal, Copy and Rotate secret.
 * @param {WebhookView} webhook
 * @param {{ refresh: () => Promise<unknown>, say: (text: string) => void }} ctx
 */
export function signingLine(webhook, ctx) {
  const { signing } = webhook;
  if (!signing.available || !signing.enabled || !signing.maskedSecret) return null;
  const shown = el('code', { class: 'secret' }, signing.maskedSecret);
  const said = el('span', { class: 'hint', role: 'status' });
  const secret = async () => (await client.send({ type: 'revealSecret', id: webhook.id })).secret;
  const reveal = el('button', { type: 'button', class: 'small', 'aria-label': t('signing_reveal_label', { name: webhook.name }) }, t('signing_reveal'));
  reveal.addEventListener('click', async () => {
    try {
      const revealed = shown.textContent !== signing.maskedSecret;
      shown.textContent = revealed ? signing.maskedSecret : await secret();
      reveal.textContent = revealed ? t('signing_reveal') : t('signing_hide');
    } catch (error) {
      said.textContent = ` ${messageOf(error)}`;
    }
  });
  const copy = el('button', { type: 'button', class: 'small', 'aria-label': t('signing_copy_label', { name: webhook.name }) }, t('signing_copy'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(await secret());
      said.textContent = ` ${t('signing_copied')}`;
    } catch (error) {
      said.textContent = ` ${messageOf(error)}`;
    }
  });
  const rotate = el('button', { type: 'button', class: 'small', 'aria-label': t('signing_rotate_label', { name: webhook.name }) }, t('signing_rotate'));
  let rotating = false; // a double click would rotate twice, ending the old secret at once
  /** @type {HTMLElement | null} the question asked before a second rotation, while it is open */
  let question = null;
  const answered = () => {
    question?.replaceWith(rotate);
    question = null;
  };
  const rotateNow = async () => {
    if (rotating) return;
    rotating = true;
    rotate.disabled = true;
    try {
      await client.send({ type: 'rotateSecret', id: webhook.id });
      ctx.say(t('signing_rotated', { name: webhook.name }));
    } catch (error) {
      said.textContent = ` ${messageOf(error)}`;
      rotate.disabled = false;
      rotating = false;
    }
    answered();
    await ctx.refresh();
  };
  rotate.addEventListener('click', () => {
    if (question) return; // asked already (a double click)
    if (!signing.previousUntil || Date.parse(signing.previousUntil) <= Date.now()) return rotateNow();
    // While the previous secret still signs, another rotation ends it at once: asked first.
    const keep = el(
      'button',
      {
        type: 'button',
        class: 'small',
        onclick: async () => {
          answered();
          await ctx.refresh();
          focusLabelled(rotate.getAttribute('aria-label'));
        },
      },
      t('signing_rotate_again_keep'),
    );
    question = el(
      'span',
      { class: 'inline-confirm' },
      `${t('signing_rotate_again_question', { time: new Date(signing.previousUntil).toLocaleString() })} `,
      el('button', { type: 'button', class: 'danger small', onclick: rotateNow }, t('signing_rotate_again_confirm')),
      ' ',
      keep,
    );
    rotate.replaceWith(question);
    keep.focus();
  });
  const overlap = signing.previousUntil ? ` · ${t('signing_previous_until', { time: new Date(signing.previousUntil).toLocaleString() })}` : '';
  return el(
    'p',
    { class: 'signing-line' },
    `${t(signing.github ? 'signing_signed_github' : 'signing_signed')} · `,
    shown,
    overlap,
    ' ',
    reveal,
    ' ',
    copy,
    ' ',
    rotate,
    said,
  );
}
