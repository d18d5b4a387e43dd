// @ts-check
// Signing, in the form and on each webhook. The form says whether to sign (Standard Webhooks) and
// whether to add GitHub's header, and takes a secret the user pastes; the webhook shows its secret
// masked, and only Reveal or Copy asks the worker for it (it is never put into an attribute).
import * as client from './client.js';
import { el } from './dom.js';

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
    placeholder: 'whsec_… (leave empty to keep the current secret)',
    'aria-describedby': `${id('secret-hint')} ${id('secret-error')}`,
  });
  secretInput.addEventListener('input', () => {
    error.hidden = true;
  });
  const fieldset = el(
    'fieldset',
    { class: 'signing', id: id('signing') },
    el('legend', {}, 'Signing'),
    el('div', { class: 'check' }, signBox, el('label', { for: id('sign') }, 'Sign requests (Standard Webhooks)')),
    el(
      'p',
      { class: 'hint', id: id('sign-hint') },
      'Adds webhook-signature, an HMAC-SHA256 of the id, the timestamp and the exact body, so your server can tell AutoChat’s requests from anyone else’s. A new webhook gets its own secret.',
    ),
    el('div', { class: 'check' }, githubBox, el('label', { for: id('github') }, 'Also send X-Hub-Signature-256 (GitHub style)')),
    el('label', { for: id('secret') }, 'Your own secret ', el('span', { class: 'optional' }, '(optional)')),
    secretInput,
    el(
      'p',
      { class: 'hint', id: id('secret-hint') },
      'whsec_ and the base64 of 24 to 64 bytes. Replacing a secret works like a rotation: the old one keeps signing for 24 hours.',
    ),
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
    /** @param {WebhookView} webhook */
    edit(webhook) {
      signBox.checked = webhook.signing.enabled || !webhook.signing.available;
      githubBox.checked = webhook.signing.github;
      secretInput.value = '';
    },
    reset() {
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
  const reveal = el('button', { type: 'button', class: 'small', 'aria-label': `Reveal the secret of ${webhook.name}` }, 'Reveal');
  reveal.addEventListener('click', async () => {
    try {
      const revealed = shown.textContent !== signing.maskedSecret;
      shown.textContent = revealed ? signing.maskedSecret : await secret();
      reveal.textContent = revealed ? 'Reveal' : 'Hide';
    } catch (error) {
      said.textContent = ` ${error instanceof Error ? error.message : String(error)}`;
    }
  });
  const copy = el('button', { type: 'button', class: 'small', 'aria-label': `Copy the secret of ${webhook.name}` }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(await secret());
      said.textContent = ' Copied.';
    } catch (error) {
      said.textContent = ` ${error instanceof Error ? error.message : String(error)}`;
    }
  });
  const rotate = el('button', { type: 'button', class: 'small', 'aria-label': `Rotate the secret of ${webhook.name}` }, 'Rotate secret');
  rotate.addEventListener('click', async () => {
    try {
      await client.send({ type: 'rotateSecret', id: webhook.id });
      ctx.say(`A new secret signs “${webhook.name}”; the old one also signs for 24 hours. Update your server.`);
      await ctx.refresh();
    } catch (error) {
      said.textContent = ` ${error instanceof Error ? error.message : String(error)}`;
    }
  });
  const overlap = signing.previousUntil ? ` · the previous secret also signs until ${new Date(signing.previousUntil).toLocaleString()}` : '';
  return el('p', { class: 'signing-line' }, `🔏 Signed${signing.github ? ' (+ GitHub)' : ''} · `, shown, overlap, ' ', reveal, ' ', copy, ' ', rotate, said);
}
