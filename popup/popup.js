// The popup's webhook summary and global switch. Figures come from the core; this file only
// renders them (as text) and forwards clicks.
import { listWebhooks, setWebhooksEnabled } from './client.js';

const $ = (id) => document.getElementById(id);

async function render() {
  try {
    const list = await listWebhooks();
    $('webhooks-enabled').checked = list.webhooksEnabled;
    $('count-configured').textContent = `${list.webhooks.length} / ${list.limit}`;
    $('count-enabled').textContent = String(list.enabledCount);
    $('success-rate').textContent = list.successRate === null ? '–' : `${Math.round(list.successRate)}%`;
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
$('manage').addEventListener('click', () => chrome.runtime.openOptionsPage());

render();
