// @ts-check
// The popup's campaign card: which page it acts on, its state and counters, the controls, the
// messages-and-timing form, and the chat elements on the page. The core decides (including
// whether ▶ Start may be pressed, and why not); this file renders what it says and forwards clicks.
import * as client from './client.js';
import { $, messageOf } from './dom.js';
import { t } from './i18n.js';
import { chooseTarget, describeWait, originOf, originPattern } from './wasm.js';

/**
 * @typedef {import('../types/protocol').CampaignView} CampaignView
 * @typedef {import('../types/protocol').TabInfo} TabInfo
 * @typedef {import('../types/protocol').Detection} Detection
 * @typedef {import('../types/protocol').ContentRequest} ContentRequest
 */

/** The message key of each campaign state's word. */
const STATE_KEYS = { idle: 'campaign_state_idle', running: 'campaign_state_running', paused: 'campaign_state_paused', stopped: 'campaign_state_stopped' };
/** The page a new campaign would run on. @type {TabInfo | null} */
let target = null;
/** @type {CampaignView | null} */
let campaign = null;

/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ ($(id));

async function findTarget() {
  const self = await chrome.tabs.getCurrent(); // undefined in the toolbar popup
  const tabs = await chrome.tabs.query({ currentWindow: true });
  target = chooseTarget(
    tabs.flatMap((t) =>
      t.id === undefined ? [] : [{ id: t.id, url: t.url ?? null, title: t.title ?? null, active: t.active, lastAccessed: t.lastAccessed ?? null }],
    ),
    self?.id,
  );
}

/** The page given with getCampaign, so the core can say whether Start is allowed there. */
const page = () => (target?.url ? { tabId: target.id, url: target.url } : undefined);

/** @param {string} status @param {string} text */
function show(status, text) {
  $(status).textContent = text;
}

/** @param {string} url */
const hostOf = (url) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

function render() {
  const c = campaign;
  if (!c) return;
  const running = c.status === 'running';
  const paused = c.status === 'paused';
  const where = c.target && (running || paused) ? c.target : target;
  $('campaign-target').textContent = where?.url
    ? t(running || paused ? 'campaign_target_sending_on' : 'campaign_target_page', { title: where.title || where.url, host: hostOf(where.url) })
    : t('campaign_target_none');
  let state = t(STATE_KEYS[c.status]);
  if (running) state = c.nextSendAt ? t('campaign_state_running_next', { wait: describeWait(c.nextSendAt) }) : t('campaign_state_running_sending');
  if ((paused || c.status === 'stopped') && c.reason) state = t('campaign_state_with_reason', { state, reason: c.reason });
  $('campaign-state').textContent = state;
  $('campaign-dot').className = `dot ${c.status}`;
  $('sent-today').textContent = String(c.messagesSentToday);
  $('sent-total').textContent = String(c.totalMessagesSent);
  $('daily-limit').textContent = String(c.dailyLimit);
  const start = /** @type {HTMLButtonElement} */ ($('campaign-start'));
  start.hidden = running || paused;
  start.disabled = !c.start.allowed;
  start.title = c.start.reason ?? '';
  $('campaign-pause').hidden = !running;
  $('campaign-resume').hidden = !paused;
  $('campaign-stop').hidden = !(running || paused);
  if (!c.start.allowed && !running && !paused && c.limitReachedToday && c.start.reason) show('campaign-status', c.start.reason);
}

function fillForm() {
  if (!campaign) return;
  const { config: f, limits } = campaign;
  input('campaign-messages').value = f.messages;
  input('campaign-order').value = f.order;
  input('campaign-min').value = String(f.minIntervalSeconds);
  input('campaign-max').value = String(f.maxIntervalSeconds);
  input('campaign-limit').value = String(f.dailyLimit);
  for (const id of ['campaign-min', 'campaign-max']) {
    input(id).min = String(limits.minIntervalSeconds);
    input(id).max = String(limits.maxIntervalSeconds);
  }
  input('campaign-limit').max = String(limits.maxDailyLimit);
}

function draft() {
  return {
    messages: input('campaign-messages').value,
    order: input('campaign-order').value,
    minIntervalSeconds: Number(input('campaign-min').value),
    maxIntervalSeconds: Number(input('campaign-max').value),
    dailyLimit: Number(input('campaign-limit').value),
  };
}

/** @param {import('../types/protocol').FieldMessage[]} [fields] */
function showFieldErrors(fields = []) {
  for (const name of ['messages', 'minInterval', 'maxInterval', 'dailyLimit']) {
    const error = $(`campaign-${name}-error`);
    const message = fields.find((f) => f.field === name)?.message ?? '';
    error.textContent = message;
    error.hidden = !message;
  }
}

async function save() {
  showFieldErrors();
  try {
    await client.send({ type: 'saveCampaign', campaign: draft() });
    await refresh();
    return true;
  } catch (error) {
    const fields = error instanceof client.CommandError ? error.fields : [];
    showFieldErrors(fields);
    show('campaign-form-status', fields.length ? t('campaign_fix_fields') : messageOf(error));
    return false;
  }
}

async function refresh() {
  try {
    campaign = await client.send({ type: 'getCampaign', page: page() });
    render();
  } catch (error) {
    show('campaign-status', messageOf(error));
  }
}

/**
 * Injects the page script (absolute path: Firefox resolves a relative one against the popup) and
 * asks it something.
 * @param {number} tabId
 * @param {ContentRequest} request
 */
async function ask(tabId, request) {
  const results = await chrome.scripting.executeScript({ target: { tabId }, files: ['/content/chat.js'] });
  const failed = /** @type {{ error?: unknown }[]} */ (results ?? []).find((r) => r?.error);
  if (failed) throw new Error(String(failed.error));
  return chrome.tabs.sendMessage(tabId, request);
}

/** Asks the page which input and send button AutoChat would use. */
async function detect() {
  const origin = target?.url && originOf(target.url);
  if (!target || !origin || !campaign) {
    $('campaign-elements').textContent = '—';
    return;
  }
  const picks = campaign.sites[origin] ?? { input: null, button: null };
  $('pick-reset').hidden = !(picks.input || picks.button);
  try {
    /** @type {Detection} */
    const found = await ask(target.id, { autochat: 'detect', picks });
    const box = found.input ? `✓ ${found.input}` : t('campaign_input_not_found');
    const button = found.button ? `✓ ${found.button}` : found.enterFallback ? t('campaign_button_enter_fallback') : t('campaign_button_not_found');
    $('campaign-elements').textContent = t('campaign_elements', { input: box, button });
  } catch {
    $('campaign-elements').textContent = t('campaign_elements_unknown');
  }
}

/** @param {'input' | 'button'} what */
async function pick(what) {
  if (!target) return;
  try {
    await chrome.tabs.update(target.id, { active: true });
    show('campaign-status', t(what === 'input' ? 'campaign_pick_input' : 'campaign_pick_button'));
    await ask(target.id, { autochat: 'pick', what });
    await refresh();
    await detect();
  } catch (error) {
    show('campaign-status', t('campaign_page_unreachable', { error: messageOf(error) }));
  }
}

async function start() {
  show('campaign-status', '');
  if (!target?.url) return;
  if (!(await save())) return;
  const pattern = originPattern(target.url);
  if (pattern) {
    // Asked from the click, so the browser shows its prompt; local pages are granted by the manifest.
    const granted = await chrome.permissions.request({ origins: [pattern] }).catch(() => false);
    if (!granted) {
      show('campaign-status', t('campaign_permission_needed', { host: hostOf(target.url) }));
      return;
    }
  }
  try {
    campaign = await client.send({ type: 'startCampaign', tabId: target.id, url: target.url, title: target.title ?? '' });
    await refresh();
  } catch (error) {
    show('campaign-status', messageOf(error));
  }
}

/** @param {'pauseCampaign' | 'resumeCampaign' | 'stopCampaign'} type */
async function control(type) {
  show('campaign-status', '');
  try {
    await client.send({ type });
    await refresh();
  } catch (error) {
    show('campaign-status', messageOf(error));
  }
}

/** Wires the card; call once. */
export async function initCampaign() {
  await findTarget();
  await refresh();
  fillForm();
  render();
  detect();
  $('campaign-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await save()) show('campaign-form-status', t('campaign_saved'));
  });
  $('campaign-start').addEventListener('click', start);
  $('campaign-pause').addEventListener('click', () => control('pauseCampaign'));
  $('campaign-resume').addEventListener('click', () => control('resumeCampaign'));
  $('campaign-stop').addEventListener('click', () => control('stopCampaign'));
  $('pick-input').addEventListener('click', () => pick('input'));
  $('pick-button').addEventListener('click', () => pick('button'));
  $('pick-reset').addEventListener('click', async () => {
    const origin = target?.url && originOf(target.url);
    try {
      if (origin) await client.send({ type: 'clearPicks', origin });
    } catch (error) {
      show('campaign-status', messageOf(error));
      return;
    }
    await refresh();
    detect();
  });
  client.watch((changed) => {
    if (changed.campaign) refresh();
  });
  // The countdown to the next message moves on while the popup is open: a display tick, computed
  // from the view's own nextSendAt (no request to the worker).
  setInterval(render, 1_000);
}
