// @ts-check
// The pages' client for the worker's command protocol. `send` is typed by the declarations
// generated from the Rust protocol (types/protocol.d.ts): a command's reply type follows from its
// `type`, so a page cannot misread a reply without the type check failing.

import { t } from './i18n.js';

/**
 * @typedef {import('../types/protocol').Command} Command
 * @typedef {import('../types/protocol').Replies} Replies
 * @typedef {import('../types/protocol').ErrorBody} ErrorBody
 * @typedef {import('../types/protocol').Changed} Changed
 * @typedef {import('../types/protocol').FieldMessage} FieldMessage
 */

/** An error reply from the core. */
export class CommandError extends Error {
  /** @param {ErrorBody} body */
  constructor({ code, message, field, fields }) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.field = field ?? null;
    /** @type {FieldMessage[]} */
    this.fields = fields ?? [];
  }
}

/**
 * Sends one command and resolves to its value, or rejects with a CommandError.
 * @template {Command['type']} T
 * @param {Extract<Command, { type: T }>} command
 * @returns {Promise<Replies[T]>}
 */
export async function send(command) {
  let reply;
  try {
    reply = await chrome.runtime.sendMessage(command);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CommandError({ code: 'unreachable', message: t('client_unreachable', { reason: message }) });
  }
  if (reply && 'value' in reply) return reply.value;
  throw new CommandError(reply?.error ?? { code: 'internal', message: t('client_empty_reply') });
}

/**
 * Calls `listener` with every `changed` notice from the worker while the page is open. The
 * connection is made again if the worker restarts.
 * @param {(changed: Changed) => void} listener
 */
export function watch(listener) {
  const connect = () => {
    const port = chrome.runtime.connect({ name: 'autochat.watch' });
    port.onMessage.addListener((message) => {
      if (message?.changed) listener(message.changed);
    });
    // The worker stopped (idle): connect again, and refresh in case something was missed.
    port.onDisconnect.addListener(() => {
      setTimeout(connect, 250);
      listener({ webhooks: true, campaign: true, histories: [] });
    });
  };
  connect();
}
