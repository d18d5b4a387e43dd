// The options page's webhook list. Rendering only: all figures come from the core, all text is
// set with textContent.
import { listWebhooks, setWebhooksEnabled } from '../popup/client.js';

const $ = (id) => document.getElementById(id);

function item(webhook) {
  const li = document.createElement('li');
  li.dataset.id = webhook.id;
  const name = document.createElement('div');
  name.className = 'name';
  name.textContent = `${webhook.enabled ? '✅' : '⏸️'} ${webhook.name}`;
  const meta = document.createElement('div');
  meta.className = 'meta';
  const host = new URL(webhook.url).host;
  const rate = webhook.successRate === null ? '–' : `${Math.round(webhook.successRate)}%`;
  meta.textContent = `${webhook.method} ${host} · ${webhook.events.join(', ')} · ${webhook.triggerCount} triggers, ${webhook.failureCount} failures, success ${rate}`;
  li.append(name, meta);
  return li;
}

async function render() {
  try {
    const list = await listWebhooks();
    $('webhooks-enabled').checked = list.webhooksEnabled;
    $('webhooks').replaceChildren(...list.webhooks.map(item));
    $('empty').hidden = list.webhooks.length > 0;
  } catch (error) {
    $('message').textContent = error.message;
  }
}

$('webhooks-enabled').addEventListener('change', async (event) => {
  try {
    await setWebhooksEnabled(event.target.checked);
  } catch (error) {
    $('message').textContent = error.message;
  }
  render();
});

render();
