// Durable delivery, end to end: nothing is lost when the worker, the browser or the network goes
// away; endpoints' answers are acted on; history and redelivery work from the manager.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { launch, sleep, startReceiver, waitFor } from './harness.mjs';

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function fresh() {
  const receiver = await startReceiver();
  const ext = await launch();
  cleanups.push(
    () => ext.close(),
    () => receiver.close(),
  );
  return { receiver, ext };
}

/** The keys in AutoChat's storage, read from an extension page. */
const storedKeys = (ext) => ext.page.evaluate(async () => Object.keys(await chrome.storage.local.get(null)));

async function add(ext, name, url, events, extra = {}) {
  return (await ext.call({ type: 'addWebhook', webhook: { name, url, events, ...extra } })).webhook;
}

test('receiver down, 20 events to 2 webhooks, worker stopped, browser closed and started again: all 40 arrive, each id once', async () => {
  const probe = await startReceiver();
  const port = probe.port;
  await probe.close(); // the endpoint is down: connections to this port are refused
  const ext = await launch();
  const first = await add(ext, 'First', `http://127.0.0.1:${port}/ok/first`, ['message_sent']);
  const second = await add(ext, 'Second', `http://127.0.0.1:${port}/ok/second`, ['message_sent']);
  for (let n = 1; n <= 20; n += 1) {
    await ext.call({ type: 'emit', event: 'message_sent', data: { message: `Message ${n}`, messagesSentToday: n, totalMessagesSent: n } });
  }
  // Let the quick attempts fail, so the heads of both queues wait for the long schedule.
  await waitFor(
    async () => {
      const { webhooks } = await ext.call({ type: 'listWebhooks' });
      return webhooks.every((w) => w.delivery.state === 'waiting' && w.delivery.lastError && Date.parse(w.delivery.nextAttemptAt) - Date.now() > 30_000);
    },
    { timeout: 15_000, what: 'both webhooks waiting a minute' },
  );
  const status = await ext.call({ type: 'getStatus' });
  assert.equal(status.pendingDeliveries, 40);
  const stored = await storedKeys(ext);
  assert.equal(stored.filter((k) => k.startsWith('autochat.delivery.')).length, 40);
  assert.equal(stored.filter((k) => k.startsWith('autochat.body.')).length, 20, "each event's body stored once for both webhooks");
  await ext.stopWorker();
  await ext.close({ keepProfile: true });

  const receiver = await startReceiver({ port });
  cleanups.push(() => receiver.close());
  const again = await launch({ profile: ext.userDataDir });
  cleanups.push(() => again.close());
  await waitFor(() => receiver.requests.length >= 40, { timeout: 30_000, what: '40 deliveries after the restart' });
  await sleep(1_000);
  assert.equal(receiver.requests.length, 40, 'no duplicates');
  const ids = receiver.requests.map((r) => r.headers['webhook-id']);
  assert.equal(new Set(ids).size, 40, 'each delivery id once');
  for (const path of ['/ok/first', '/ok/second']) {
    const messages = receiver.to(path).map((r) => r.json.data.message);
    assert.deepEqual(
      messages,
      Array.from({ length: 20 }, (_, i) => `Message ${i + 1}`),
      `${path} in emission order`,
    );
  }
  await waitFor(async () => !(await storedKeys(again)).some((k) => k.startsWith('autochat.body.') || k.startsWith('autochat.delivery.')), {
    what: 'the delivered bodies removed from storage',
  });
  const { webhooks } = await again.call({ type: 'listWebhooks' });
  assert.deepEqual(
    webhooks.map((w) => [w.id, w.triggerCount, w.failureCount]),
    [
      [first.id, 20, 0],
      [second.id, 20, 0],
    ],
  );
});

test('a write issued just before the worker stops is kept: the event is sent again from storage', async () => {
  const { receiver, ext } = await fresh();
  await add(ext, 'Hang', `${receiver.base}/ok/hang`, ['error']);
  await ext.markWorker();
  const [worker] = ext.context.serviceWorkers();
  // The request starts once the write storing its delivery is issued; the worker then spins,
  // so the write's completion is never heard and the outcome never recorded, and it is stopped.
  await worker.evaluate(() => {
    globalThis.autochatHangAfterRequest = 30_000;
  });
  const unanswered = ext.call({ type: 'emit', event: 'error', data: { error: 'stopped mid-write' } }).catch(() => 'no reply');
  await sleep(500);
  const stopping = Date.now();
  await ext.stopWorker();
  assert.ok(Date.now() - stopping < 15_000, `stopped while spinning (${Date.now() - stopping} ms), not after`);
  await unanswered;
  // The first request (if it left) arrived while the worker spun; anything later is the new
  // worker's, whose core can only know of the event from storage.
  await waitFor(async () => (await ext.call({ type: 'getStatus' })).pendingDeliveries === 0 && receiver.to('/ok/hang').some((r) => r.at >= stopping), {
    what: 'the delivery sent again by the new worker',
    timeout: 20_000,
  });
  assert.equal(await ext.workerWasRestarted(), true);
  const ids = new Set(receiver.to('/ok/hang').map((r) => r.headers['webhook-id']));
  assert.equal(ids.size, 1, 'the same delivery, with its id');
});

test('a stored document that is not JSON text is kept aside when read, not taken for missing', async () => {
  const { ext } = await fresh();
  await add(ext, 'Kept', 'http://127.0.0.1:9/kept', ['error']);
  // Written as an object (not by AutoChat, which stores text), and not a registry it can read.
  const odd = { schemaVersion: 1, webhooks: 'not a list' };
  await ext.page.evaluate((value) => chrome.storage.local.set({ 'autochat.registry': value }), odd);
  await ext.stopWorker();
  assert.equal((await ext.call({ type: 'listWebhooks' })).webhooks.length, 0, 'started afresh');
  const stored = await ext.page.evaluate(() => chrome.storage.local.get(null));
  const backups = Object.keys(stored).filter((k) => k.startsWith('autochat.registry.unreadable.'));
  assert.equal(backups.length, 1, 'one backup');
  assert.deepEqual(JSON.parse(stored[backups[0]]), odd, 'the odd document, as JSON text');
  assert.equal(typeof stored['autochat.registry'], 'string', 'replaced by a registry AutoChat can read');
});

test('503 with Retry-After: 2 is retried no sooner than 2 s later', async () => {
  const { receiver, ext } = await fresh();
  await add(ext, 'Busy', `${receiver.base}/retry-after/2/x`, ['error']);
  await ext.call({ type: 'emit', event: 'error', data: { error: 'x' } });
  await waitFor(() => receiver.requests.length === 2, { timeout: 10_000 });
  const [a, b] = receiver.requests;
  assert.equal(a.headers['webhook-id'], b.headers['webhook-id']);
  assert.ok(b.at - a.at >= 2_000, `retried after ${b.at - a.at} ms`);
  assert.ok(b.at - a.at < 3_500, `but not much later (${b.at - a.at} ms)`);
});

test('410 Gone switches the webhook off and the manager shows why', async () => {
  const { receiver, ext } = await fresh();
  const gone = await add(ext, 'Old endpoint', `${receiver.base}/status/410/old`, ['error']);
  await ext.call({ type: 'emit', event: 'error', data: { error: 'x' } });
  const w = await waitFor(
    async () => {
      const v = await ext.call({ type: 'getWebhook', id: gone.id });
      return !v.enabled && v;
    },
    { what: 'the webhook switched off' },
  );
  assert.match(w.disabledReason, /410 Gone/);
  assert.equal(w.failureCount, 1);
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  const item = page.getByRole('listitem').filter({ hasText: 'Old endpoint' });
  await item.getByRole('alert').waitFor();
  assert.match(await item.getByRole('alert').textContent(), /410 Gone.*switch the webhook back on/);
  assert.match(await item.textContent(), /Disabled/);
  await item.getByRole('switch').click();
  await waitFor(async () => (await ext.call({ type: 'getWebhook', id: gone.id })).enabled);
  await waitFor(async () => (await item.getByRole('alert').count()) === 0, { what: 'the reason cleared' });
  await page.close();
});

test('the manager shows the history of attempts; 🔁 Redeliver sends the same payload and id again', async () => {
  const { receiver, ext } = await fresh();
  await add(ext, 'Flaky', `${receiver.base}/flaky/1/h`, ['milestone']);
  await ext.call({ type: 'emit', event: 'milestone', data: { milestone: '10_messages', value: 10 } });
  await waitFor(() => receiver.requests.length === 2, { timeout: 10_000 });
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  const item = page.getByRole('listitem').filter({ hasText: 'Flaky' }).first();
  await item.getByText('📜 History').click();
  const history = page.getByRole('list', { name: 'History of Flaky' });
  await history.waitFor();
  const lines = await history.locator('.history-line').allTextContents();
  assert.equal(lines.length, 2);
  assert.match(lines[0], /Delivered.*milestone · attempt 2 · HTTP 200 · \d+ ms/);
  assert.match(lines[1], /Will retry.*milestone · attempt 1 · HTTP 503 · \d+ ms/);
  await history.locator('li').first().getByText('Response').click();
  assert.match(await history.locator('li').first().locator('pre').first().textContent(), /"status":200/);

  await history
    .locator('li')
    .first()
    .getByRole('button', { name: /Redeliver/ })
    .click();
  await waitFor(() => receiver.requests.length === 3, { what: 'the redelivery' });
  const [original, , redelivered] = receiver.requests;
  assert.equal(redelivered.headers['webhook-id'], original.headers['webhook-id']);
  assert.equal(redelivered.body, original.body);
  await page.close();
});

test('offline: no attempt is used up; back online, the delivery goes out', async () => {
  const { receiver, ext } = await fresh();
  const webhook = await add(ext, 'Quick', `${receiver.base}/ok/offline`, ['error'], { retryMode: 'quick' });
  await ext.context.setOffline(true);
  await ext.call({ type: 'emit', event: 'error', data: { error: 'while offline' } });
  await sleep(5_000); // longer than the whole quick schedule
  let w = await ext.call({ type: 'getWebhook', id: webhook.id });
  assert.equal(w.pendingDeliveries, 1, 'still waiting');
  assert.equal(w.failureCount, 0, 'no attempts burnt');
  assert.equal(receiver.requests.length, 0);
  const { entries } = await ext.call({ type: 'getHistory', webhookId: webhook.id });
  assert.equal(entries.length, 0, 'no attempt was recorded');
  await ext.context.setOffline(false);
  await waitFor(() => receiver.requests.length === 1, { timeout: 10_000, what: 'the delivery once online' });
  w = await waitFor(async () => {
    const v = await ext.call({ type: 'getWebhook', id: webhook.id });
    return v.triggerCount === 1 && v;
  });
  assert.equal(w.failureCount, 0);
});
