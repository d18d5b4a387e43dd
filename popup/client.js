// The pages' client for the worker's command protocol (see README, "Protocol"). Each function
// sends one command and resolves to its value, or rejects with a CommandError carrying the
// core's {code, message, field, fields}.

/** An error reply from the core. */
export class CommandError extends Error {
  constructor({ code, message, field, fields }) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.field = field ?? null;
    this.fields = fields ?? [];
  }
}

/** Sends one command object and unwraps the reply. */
export async function send(command) {
  let reply;
  try {
    reply = await chrome.runtime.sendMessage(command);
  } catch (error) {
    throw new CommandError({ code: 'unreachable', message: `AutoChat's background worker did not answer (${error.message}).` });
  }
  if (reply && 'value' in reply) return reply.value;
  throw new CommandError(reply?.error ?? { code: 'internal', message: 'AutoChat sent an empty reply.' });
}

export const listWebhooks = () => send({ type: 'listWebhooks' });
export const getWebhook = (id) => send({ type: 'getWebhook', id });
export const addWebhook = (webhook) => send({ type: 'addWebhook', webhook });
export const updateWebhook = (id, webhook) => send({ type: 'updateWebhook', id, webhook });
export const deleteWebhook = (id) => send({ type: 'deleteWebhook', id });
export const setWebhookEnabled = (id, enabled) => send({ type: 'setWebhookEnabled', id, enabled });
export const setWebhooksEnabled = (enabled) => send({ type: 'setWebhooksEnabled', enabled });
export const clearStats = (id) => send(id ? { type: 'clearStats', id } : { type: 'clearStats' });
export const testWebhook = (id) => send({ type: 'testWebhook', id });
export const emit = (event, data = {}) => send({ type: 'emit', event, data });
export const getStatus = () => send({ type: 'getStatus' });
export const getCampaign = () => send({ type: 'getCampaign' });
export const saveCampaign = (campaign) => send({ type: 'saveCampaign', campaign });
export const startCampaign = (tab) => send({ type: 'startCampaign', tabId: tab.id, url: tab.url, title: tab.title ?? '' });
export const pauseCampaign = () => send({ type: 'pauseCampaign' });
export const resumeCampaign = () => send({ type: 'resumeCampaign' });
export const stopCampaign = () => send({ type: 'stopCampaign' });
export const clearPicks = (origin) => send({ type: 'clearPicks', origin });
export const getHistory = (webhookId) => send({ type: 'getHistory', webhookId });
export const discardDeliveries = (webhookId) => send({ type: 'discardDeliveries', webhookId });
export const redeliver = (webhookId, deliveryId) => send({ type: 'redeliver', webhookId, deliveryId });
