// Promises kept under pressure: a trap in the core, bad input the browser would refuse, and pages
// that are not AutoChat's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { configureCampaign, launch, openCampaignPopup, startReceiver, waitFor } from './harness.mjs';

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

test('after a burst the idle core gives its memory back, and nothing it kept is lost', async () => {
  const EVENTS = 400;
  const ids = [];
  for (const name of ['Burst A', 'Burst B', 'Burst C']) {
    const { webhook } = await ext.call({ type: 'addWebhook', webhook: { name, url: `${receiver.base}/ok/${name.at(-1)}`, events: ['message_sent'] } });
    ids.push(webhook.id);
  }
  const [worker] = ext.context.serviceWorkers();
  const before = await worker.evaluate(() => globalThis.autochat.freshStarts());
  receiver.clear();
  await ext.page.evaluate(async (count) => {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        chrome.runtime.sendMessage({
          type: 'emit',
          event: 'message_sent',
          data: { message: `Burst ${i}`, messagesSentToday: i + 1, totalMessagesSent: i + 1 },
        }),
      ),
    );
  }, EVENTS);
  let peak = 0;
  await waitFor(
    async () => {
      const status = await ext.call({ type: 'getStatus' });
      peak = Math.max(peak, status.wasmMemoryBytes);
      return receiver.requests.length >= 3 * EVENTS && status.pendingDeliveries === 0;
    },
    { timeout: 60_000, what: 'every delivery of the burst' },
  );
  await waitFor(async () => (await worker.evaluate(() => globalThis.autochat.freshStarts())) > before, {
    timeout: 15_000,
    what: 'the idle core to start afresh',
  });
  const status = await ext.call({ type: 'getStatus' });
  assert.ok(status.wasmMemoryBytes < peak, `memory given back: ${status.wasmMemoryBytes} B now, ${peak} B at the peak`);
  const { webhooks } = await ext.call({ type: 'listWebhooks' });
  for (const id of ids) {
    const w = webhooks.find((x) => x.id === id);
    assert.equal(w.triggerCount, EVENTS, `${w.name}: every delivery counted after the fresh start`);
    const { entries } = await ext.call({ type: 'getHistory', webhookId: id });
    assert.ok(entries.length > 0, `${w.name}: its history is kept`);
  }
  receiver.clear();
  await ext.call({ type: 'emit', event: 'message_sent', data: { message: 'after the fresh start', messagesSentToday: 1, totalMessagesSent: 1 } });
  await waitFor(() => receiver.requests.length === 3, { what: 'deliveries from the fresh core' });
  for (const id of ids) await ext.call({ type: 'deleteWebhook', id });
});

test('another tab loading a page wakes the worker but does not start the core', async () => {
  // An extension page that asks the core nothing (the CDP session that stops workers needs one).
  await ext.page.goto(ext.url('icons/icon16.png'));
  await ext.markWorker();
  await ext.stopWorker();
  const other = await ext.context.newPage();
  await other.goto(`${receiver.base}/ok/some-other-site`);
  /** The worker running now, once it is a new one (the stopped one carried the mark). */
  let worker;
  await waitFor(
    async () => {
      const [current] = ext.context.serviceWorkers();
      const fresh = await current?.evaluate(() => globalThis.autochatTestMark !== true && typeof globalThis.autochat === 'object').catch(() => false);
      if (fresh) worker = current;
      return fresh;
    },
    { what: 'the worker woken by the tab' },
  );
  await other.goto(`${receiver.base}/ok/another-page`);
  assert.equal(await worker.evaluate(() => globalThis.autochat.started()), false, 'tab updates of other tabs leave the core unstarted');
  await other.close();
  await ext.page.goto(ext.url('options/options.html'));
  await ext.call({ type: 'listWebhooks' });
  assert.equal(await worker.evaluate(() => globalThis.autochat.started()), true, 'a page of AutoChat starts it');
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

test('webhooks from AutoChat 4.x come over once, with their statistics; invalid ones are explained', async () => {
  const fresh = await launch();
  try {
    await fresh.page.evaluate(() =>
      chrome.storage.local.set({
        webhooks: [
          {
            id: 'webhook_1',
            name: 'Old API',
            url: 'https://api.example.com/hook',
            method: 'POST',
            events: ['message_sent'],
            headers: {},
            enabled: true,
            createdAt: '2025-11-01T10:00:00.000Z',
            lastTriggered: null,
            triggerCount: 7,
            failureCount: 1,
          },
          { id: 'webhook_2', name: 'Broken', url: 'not a url', method: 'POST', events: ['error'], headers: {}, enabled: true },
        ],
        webhooksEnabled: true,
      }),
    );
    await fresh.stopWorker();
    const list = await waitFor(
      async () => {
        const r = await fresh.send({ type: 'listWebhooks' }).catch(() => null);
        return r?.value?.legacyImport && r.value;
      },
      { what: 'the import' },
    );
    assert.deepEqual(
      list.webhooks.map((w) => [w.name, w.triggerCount, w.failureCount]),
      [['Old API', 7, 1]],
    );
    await fresh.page.reload();
    const report = fresh.page.locator('.legacy-import');
    await report.waitFor();
    assert.match(await report.textContent(), /brought over: Old API/);
    assert.match(await report.textContent(), /Broken — /);
    assert.ok((await fresh.page.evaluate(() => chrome.storage.local.get('webhooks'))).webhooks, 'the originals stay');
  } finally {
    await fresh.close();
  }
});

test('Export then Import in the manager brings the webhooks back, after a preview', async () => {
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  for (const w of (await ext.call({ type: 'listWebhooks' })).webhooks) await ext.call({ type: 'deleteWebhook', id: w.id });
  await ext.call({
    type: 'addWebhook',
    webhook: { name: 'Round trip', url: `${receiver.base}/ok/rt`, events: ['error'], headers: { 'X-Key': 'abcdefgh1234' } },
  });
  await page.reload();
  await page.getByLabel('include secrets').check();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export/ }).click();
  const file = await (await download).path();
  await ext.call({ type: 'deleteWebhook', id: (await ext.call({ type: 'listWebhooks' })).webhooks[0].id });
  await page.reload();
  await page.locator('#options-import-file').setInputFiles(file);
  const preview = page.getByRole('region', { name: 'Import' });
  await preview.waitFor();
  assert.match(await preview.textContent(), /adds Round trip/);
  assert.deepEqual((await ext.call({ type: 'listWebhooks' })).webhooks, [], 'nothing before the confirmation');
  await preview.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('listitem').filter({ hasText: 'Round trip' }).waitFor();
  const [back] = (await ext.call({ type: 'listWebhooks' })).webhooks;
  assert.deepEqual((await ext.call({ type: 'revealHeaders', id: back.id })).headers, { 'X-Key': 'abcdefgh1234' });
  await page.close();
});

test('storage full during a campaign: no message is typed unstored, it pauses saying why, and the events follow once there is room', async () => {
  const { startChatServer } = await import('./harness.mjs');
  const chats = await startChatServer();
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  try {
    for (const w of (await ext.call({ type: 'listWebhooks' })).webhooks) await ext.call({ type: 'deleteWebhook', id: w.id });
    const all = ['message_sent', 'campaign_started', 'campaign_stopped', 'campaign_paused', 'campaign_resumed', 'daily_limit_reached', 'error', 'milestone'];
    await ext.call({ type: 'addWebhook', webhook: { name: 'Everything', url: `${receiver.base}/ok/full`, events: all } });
    const { chat, popup } = await openCampaignPopup(ext, chats);
    await configureCampaign(popup, { messages: 'one\ntwo\nthree', min: 1, max: 1, limit: 5 });
    await popup.getByRole('button', { name: '▶ Start' }).click();
    const log = () => chat.locator('#log li').count();
    await waitFor(async () => (await log()) >= 1, { what: 'the first message' });
    // Fill the 10 MB quota (the test build has no unlimitedStorage).
    await page.evaluate(async () => {
      let size = 10 * 1024 * 1024 - (await chrome.storage.local.getBytesInUse(null));
      while (size > 0) {
        try {
          await chrome.storage.local.set({ 'test.junk': 'x'.repeat(size) });
          return;
        } catch {
          size -= 256;
        }
      }
    });
    const paused = await waitFor(
      async () => {
        const c = await ext.call({ type: 'getCampaign' });
        return c.status === 'paused' && c;
      },
      { what: 'the campaign paused', timeout: 15_000 },
    );
    assert.match(paused.reason, /could not save/);
    const typed = await log();
    assert.equal(paused.messagesSentToday, typed, 'every typed message was counted');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(await log(), typed, 'nothing more was typed');
    await page.evaluate(() => chrome.storage.local.remove('test.junk'));
    await waitFor(() => receiver.to('/ok/full').some((r) => r.json?.event === 'campaign_paused'), {
      what: 'the pause reported once there is room',
      timeout: 40_000,
    });
    const error = receiver.to('/ok/full').find((r) => r.json?.event === 'error');
    assert.match(error.json.data.error, /could not save the campaign's progress/);
    await ext.call({ type: 'stopCampaign' });
    await popup.close();
    await chat.close();
  } finally {
    await page.close();
    await chats.close();
  }
});
