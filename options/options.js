// @ts-check
// The options page: the same Webhook Manager as the popup's modal, full page.
import * as client from '../popup/client.js';
import { $ } from '../popup/dom.js';
import { createManager } from '../popup/manager.js';
import { buildSummary, showSummary, wireGlobalSwitch } from '../popup/summary.js';

const manager = createManager($('manager-root'), { idPrefix: 'options' });

async function render() {
  try {
    showSummary(await client.send({ type: 'listWebhooks' }));
  } catch (error) {
    $('settings-status').textContent = /** @type {Error} */ (error).message;
  }
}

buildSummary();
wireGlobalSwitch('settings-status', render);
client.watch((changed) => {
  if (changed.webhooks) render();
  manager.changed(changed);
});
render();
manager.refresh();
