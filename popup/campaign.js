// The popup's campaign card: which page it acts on, its state and counters, the controls, the
// messages-and-timing form, and the chat elements on the page. The core decides; this file
// renders what it says and forwards clicks.
import * as client from './client.js';
import { $ } from './dom.js';
import { chooseTarget, originOf, originPattern } from './wasm.js';

const STATE_WORDS = { idle: 'Not started', running: 'Running', paused: 'Paused', stopped: 'Stopped' };
let target = null; // {id, url, title} of the page a new campaign would run on
let campaign = null;

async function findTarget() {
  const self = await chrome.tabs.getCurrent(); // undefined in the toolbar popup
  const tabs = await chrome.tabs.query({ currentWindow: true });
  target = chooseTarget(tabs.map((t) => ({ id: t.id, url: t.url, title: t.title, active: t.active, lastAccessed: t.lastAccessed })), self?.id);
}

function show(status, text) {
  $(status).textContent = text;
}

function render() {
  const c = campaign;
  const running = c.status === 'running';
  const paused = c.status === 'paused';
  const where = c.target && (running || paused) ? c.target : target;
  $('campaign-target').textContent = where
    ? `${running || paused ? 'Sending on' : 'Page'}: ${where.title || where.url} — ${new URL(where.url).host}`
    : 'Open the chat page in this window, then click the AutoChat icon.';
  let state = STATE_WORDS[c.status];
  if (running) state += c.nextSendIn ? ` · next message ${c.nextSendIn}` : ' · sending…';
  if ((paused || c.status === 'stopped') && c.reason) state += ` — ${c.reason}`;
  $('campaign-state').textContent = state;
  $('campaign-dot').className = `dot ${c.status}`;
  $('sent-today').textContent = String(c.messagesSentToday);
  $('sent-total').textContent = String(c.totalMessagesSent);
  $('daily-limit').textContent = String(c.dailyLimit);
  $('campaign-start').hidden = running || paused;
  $('campaign-start').disabled = !target || c.limitReachedToday;
  $('campaign-pause').hidden = !running;
  $('campaign-resume').hidden = !paused;
  $('campaign-stop').hidden = !(running || paused);
  if (c.limitReachedToday && !running && !paused) show('campaign-status', 'Today’s limit is reached; AutoChat can start again tomorrow.');
}

function fillForm() {
  const f = campaign.config;
  $('campaign-messages').value = f.messages;
  $('campaign-order').value = f.order;
  $('campaign-min').value = String(f.minIntervalSeconds);
  $('campaign-max').value = String(f.maxIntervalSeconds);
  $('campaign-limit').value = String(f.dailyLimit);
}

function draft() {
  return {
    messages: $('campaign-messages').value,
    order: $('campaign-order').value,
    minIntervalSeconds: Number($('campaign-min').value),
    maxIntervalSeconds: Number($('campaign-max').value),
    dailyLimit: Number($('campaign-limit').value),
  };
}

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
    campaign = await client.saveCampaign(draft());
    render();
    return true;
  } catch (error) {
    showFieldErrors(error.fields);
    show('campaign-form-status', error.fields?.length ? 'Fix the marked fields, then save.' : error.message);
    return false;
  }
}

async function refresh() {
  try {
    campaign = await client.getCampaign();
    render();
  } catch (error) {
    show('campaign-status', error.message);
  }
}

/** Asks the page which input and send button AutoChat would use. */
async function detect() {
  const origin = target && originOf(target.url);
  if (!origin) {
    $('campaign-elements').textContent = '—';
    return;
  }
  const picks = campaign.sites[origin] ?? {};
  $('pick-reset').hidden = !(picks.input || picks.button);
  try {
    await chrome.scripting.executeScript({ target: { tabId: target.id }, files: ['content/chat.js'] });
    const found = await chrome.tabs.sendMessage(target.id, { autochat: 'detect', picks });
    const input = found.input ? `✓ ${found.input}` : '✗ not found — pick it';
    const button = found.button ? `✓ ${found.button}` : (found.enterFallback ? 'none found — AutoChat will press Enter' : '✗ not found');
    $('campaign-elements').textContent = `Message box: ${input} · Send button: ${button}`;
  } catch {
    $('campaign-elements').textContent = 'AutoChat will look for the message box and send button when the campaign starts (it may need your permission for this site).';
  }
}

async function pick(what) {
  try {
    await chrome.scripting.executeScript({ target: { tabId: target.id }, files: ['content/chat.js'] });
    await chrome.tabs.update(target.id, { active: true });
    show('campaign-status', what === 'input' ? 'Click the message box on the page.' : 'Click the send button on the page.');
    await chrome.tabs.sendMessage(target.id, { autochat: 'pick', what });
    await refresh();
    await detect();
  } catch (error) {
    show('campaign-status', `AutoChat cannot reach this page: ${error.message}`);
  }
}

async function start() {
  show('campaign-status', '');
  if (!target) return;
  if (!(await save())) return;
  const pattern = originPattern(target.url);
  if (pattern) {
    // Asked from the click, so Chrome shows its prompt; local pages are granted by the manifest.
    const granted = await chrome.permissions.request({ origins: [pattern] }).catch(() => false);
    if (!granted) {
      show('campaign-status', `AutoChat needs your permission to type on ${new URL(target.url).host}. Press ▶ Start again and choose Allow.`);
      return;
    }
  }
  try {
    campaign = await client.startCampaign(target);
    render();
  } catch (error) {
    show('campaign-status', error.message);
  }
}

async function control(action) {
  show('campaign-status', '');
  try {
    campaign = await action();
    render();
  } catch (error) {
    show('campaign-status', error.message);
  }
}

/** Wires the card; call once. */
export async function initCampaign() {
  await Promise.all([findTarget(), refresh()]);
  fillForm();
  render();
  detect();
  $('campaign-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await save()) show('campaign-form-status', 'Saved.');
  });
  $('campaign-start').addEventListener('click', start);
  $('campaign-pause').addEventListener('click', () => control(client.pauseCampaign));
  $('campaign-resume').addEventListener('click', () => control(client.resumeCampaign));
  $('campaign-stop').addEventListener('click', () => control(client.stopCampaign));
  $('pick-input').addEventListener('click', () => pick('input'));
  $('pick-button').addEventListener('click', () => pick('button'));
  $('pick-reset').addEventListener('click', async () => {
    await client.clearPicks(originOf(target.url));
    await refresh();
    detect();
  });
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && changes['autochat.campaign']) refresh();
  });
  // The countdown to the next message moves on while the popup is open.
  setInterval(() => { if (campaign?.status === 'running') refresh(); }, 1_000);
}
