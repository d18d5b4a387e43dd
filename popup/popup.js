// @ts-check
// The popup: status at a glance, the Settings view, and the Webhook Manager in a modal dialog.

import { initCampaign } from './campaign.js';
import * as client from './client.js';
import { $ } from './dom.js';
import { t, tn } from './i18n.js';
import { createManager } from './manager.js';
import { buildSummary, showSummary, wireGlobalSwitch } from './summary.js';

const manager = createManager($('manager-root'), { idPrefix: 'popup' });

async function render() {
  let list;
  try {
    list = await client.send({ type: 'listWebhooks' });
  } catch (error) {
    const { message } = /** @type {Error} */ (error);
    $('settings-status').textContent = message;
    $('home-webhooks-summary').textContent = message;
    return;
  }
  showSummary(list);
  const n = list.webhooks.length;
  $('home-webhooks-summary').textContent =
    n === 0
      ? t('popup_no_webhooks')
      : tn(list.webhooksEnabled ? 'popup_webhooks_enabled' : 'popup_webhooks_enabled_switched_off', n, { enabled: list.enabledCount });
}

/** @param {boolean} settings */
function showView(settings) {
  $('home-view').hidden = settings;
  $('settings-view').hidden = !settings;
  $('open-settings').hidden = settings;
  $('close-settings').hidden = !settings;
  (settings ? $('close-settings') : $('open-settings')).focus();
}

$('open-settings').addEventListener('click', () => showView(true));
$('close-settings').addEventListener('click', () => showView(false));
$('open-options').addEventListener('click', () => chrome.runtime.openOptionsPage());
buildSummary();
wireGlobalSwitch('settings-status', render);

const dialog = /** @type {HTMLDialogElement} */ ($('manager-dialog'));
/** @type {HTMLElement | null} */
let opener = null;
$('manage-webhooks').addEventListener('click', async (event) => {
  opener = /** @type {HTMLElement} */ (event.currentTarget);
  await manager.refresh();
  dialog.showModal(); // modal: the page behind is inert, Esc closes
  manager.focus();
});
$('close-manager').addEventListener('click', () => dialog.close());
dialog.addEventListener('close', () => {
  render();
  opener?.focus();
});

client.watch((changed) => {
  if (changed.webhooks) render();
  manager.changed(changed);
});

if (location.hash === '#settings') showView(true);
render();
initCampaign();
