// Promises kept under pressure: a trap in the core, bad input the browser would refuse, and pages
// that are not AutoChat's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, startReceiver, waitFor } from './harness.mjs';

let receiver;
let ext;

before(async () => {
  receiver = await startReceiver();
  ext = await launch();
});
after(async () => {
  await ext?.close();
  await receiver?.close();
});

test('a trap in the core is answered, and a fresh core carries on with everything stored', async () => {
  await ext.call({ type: 'addWebhook', webhook: { name: 'Survivor', url: `${receiver.base}/ok/s`, events: ['error'] } });
  await ext.markWorker();
  const [worker] = ext.context.serviceWorkers();
  assert.equal(await worker.evaluate(() => globalThis.autochat.trap()), true, 'the trap was caught');
  const reply = await ext.call({ type: 'listWebhooks' });
  assert.deepEqual(
    reply.webhooks.map((w) => w.name),
    ['Survivor'],
  );
  assert.equal(await ext.workerWasRestarted(), false, 'the same worker, with a fresh core');
  await ext.call({ type: 'emit', event: 'error', data: { error: 'after the trap' } });
  await waitFor(() => receiver.to('/ok/s').length === 1, { what: 'a delivery after recovery' });
});

test('a header value an HTTP header cannot carry is refused in the form, with the reason', async () => {
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  await page.getByLabel('Name').fill('Ellipsis');
  await page.getByLabel('URL').fill(`${receiver.base}/ok/e`);
  await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
  await page.getByLabel(/Custom Headers/).fill('{"Authorization": "Bearer …"}');
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await page
    .locator('#options-headers-error')
    .filter({ hasText: /cannot carry/ })
    .waitFor();
  const { webhooks } = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'listWebhooks' })).then((r) => r.value);
  assert.equal(
    webhooks.some((w) => w.name === 'Ellipsis'),
    false,
  );
  await page.close();
});
