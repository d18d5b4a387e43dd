// The webhook core, end to end: the built extension in Chromium, a real receiver on 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { deadPort, sharedExtension, sleep, waitFor } from './harness.mjs';

const EVENTS = {
  message_sent: { message: 'Hello! How are you?', messagesSentToday: 42, totalMessagesSent: 1337 },
  campaign_started: {},
  campaign_stopped: { stats: { messagesSentToday: 50, totalMessagesSent: 1387 } },
  campaign_paused: { stats: { messagesSentToday: 25, totalMessagesSent: 1362 } },
  campaign_resumed: {},
  daily_limit_reached: { limit: 100, messagesSentToday: 100 },
  error: { error: 'Failed to find send button' },
  milestone: { milestone: '1000_messages', value: 1000 },
};

// What the guide's examples show inside `data`, given the event's timestamp.
const GUIDE_DATA = {
  message_sent: () => ({ message: 'Hello! How are you?', messagesSentToday: 42, totalMessagesSent: 1337 }),
  campaign_started: (ts) => ({ timestamp: ts }),
  campaign_stopped: (ts) => ({ timestamp: ts, stats: { messagesSentToday: 50, totalMessagesSent: 1387 } }),
  campaign_paused: (ts) => ({ timestamp: ts, stats: { messagesSentToday: 25, totalMessagesSent: 1362 } }),
  campaign_resumed: (ts) => ({ timestamp: ts }),
  daily_limit_reached: (ts) => ({ limit: 100, messagesSentToday: 100, timestamp: ts }),
  error: (ts) => ({ error: 'Failed to find send button', timestamp: ts }),
  milestone: (ts) => ({ milestone: '1000_messages', value: 1000, timestamp: ts }),
};

let receiver;
let ext;
sharedExtension({ before, after, beforeEach }, (shared) => ({ receiver, ext } = shared));

async function addWebhook(name, path, events, extra = {}) {
  const { webhook } = await ext.call({ type: 'addWebhook', webhook: { name, url: `${receiver.base}${path}`, events, ...extra } });
  return webhook;
}

const emit = (event, data = EVENTS[event]) => ext.call({ type: 'emit', event, data });
const getWebhook = (id) => ext.call({ type: 'getWebhook', id });

test('each of the eight events reaches exactly the subscribed, enabled webhooks with the guide envelope', async () => {
  const all = await addWebhook('All events', '/ok/all', Object.keys(EVENTS));
  const campaigns = await addWebhook('Campaigns', '/ok/campaigns', ['campaign_started', 'campaign_stopped', 'campaign_paused', 'campaign_resumed']);
  const off = await addWebhook('Disabled', '/ok/off', Object.keys(EVENTS));
  await ext.call({ type: 'setWebhookEnabled', id: off.id, enabled: false });

  for (const event of Object.keys(EVENTS)) await emit(event);
  await waitFor(() => receiver.to('/ok/all').length === 8 && receiver.to('/ok/campaigns').length === 4, { what: '12 deliveries' });
  await sleep(500);
  assert.equal(receiver.to('/ok/off').length, 0, 'a disabled webhook receives nothing');
  assert.equal(receiver.requests.length, 12);

  const manifestVersion = await ext.page.evaluate(() => chrome.runtime.getManifest().version);
  for (const request of receiver.to('/ok/all')) {
    const body = request.json;
    assert.deepEqual(Object.keys(body), ['event', 'timestamp', 'data', 'source', 'version']);
    assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual(body.data, GUIDE_DATA[body.event](body.timestamp));
    assert.equal(body.source, 'AutoChat');
    assert.equal(body.version, manifestVersion);
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.match(request.headers['webhook-id'], /^msg_[0-9a-f]{24}$/);
  }
  assert.deepEqual(
    receiver.to('/ok/all').map((r) => r.json.event),
    Object.keys(EVENTS),
    'first attempts arrive in emission order',
  );
  assert.deepEqual(
    receiver.to('/ok/campaigns').map((r) => r.json.event),
    ['campaign_started', 'campaign_stopped', 'campaign_paused', 'campaign_resumed'],
  );
  await waitFor(async () => (await getWebhook(all.id)).triggerCount === 8, { what: 'stats of the first webhook' });
  assert.equal((await getWebhook(campaigns.id)).triggerCount, 4);
});

test('with the global switch off nothing is sent', async () => {
  await addWebhook('Everything', '/ok/global', Object.keys(EVENTS));
  await ext.call({ type: 'setWebhooksEnabled', enabled: false });
  for (const event of Object.keys(EVENTS)) {
    const result = await emit(event);
    assert.deepEqual(result.deliveries, []);
  }
  await sleep(1_000);
  assert.equal(receiver.requests.length, 0);
});

test('custom headers arrive with every request', async () => {
  await addWebhook('Custom API', '/ok/headers', ['error'], {
    headers: { Authorization: 'Bearer YOUR_API_TOKEN', 'X-API-Key': 'your-api-key', 'X-Environment': 'production' },
  });
  await emit('error');
  const [request] = await waitFor(() => receiver.to('/ok/headers').length && receiver.to('/ok/headers'));
  assert.equal(request.headers.authorization, 'Bearer YOUR_API_TOKEN');
  assert.equal(request.headers['x-api-key'], 'your-api-key');
  assert.equal(request.headers['x-environment'], 'production');
});

test('GET, PUT and PATCH webhooks use their method; GET carries the envelope in the query', async () => {
  await addWebhook('Get', '/ok/get?token=abc', ['milestone'], { method: 'GET' });
  await addWebhook('Put', '/ok/put', ['milestone'], { method: 'PUT' });
  await addWebhook('Patch', '/ok/patch', ['milestone'], { method: 'PATCH' });
  await emit('milestone');
  await waitFor(() => receiver.requests.length === 3);
  const [get] = receiver.to('/ok/get');
  assert.equal(get.method, 'GET');
  assert.equal(get.body, '');
  assert.equal(get.query.token, 'abc');
  assert.equal(get.query.event, 'milestone');
  assert.deepEqual(JSON.parse(get.query.payload).data, GUIDE_DATA.milestone(JSON.parse(get.query.payload).timestamp));
  assert.equal(receiver.to('/ok/put')[0].method, 'PUT');
  assert.equal(receiver.to('/ok/patch')[0].method, 'PATCH');
  assert.equal(receiver.to('/ok/put')[0].json.event, 'milestone');
});

test('a receiver that fails twice then succeeds sees 3 attempts with one delivery id; stats read 1 trigger, 0 failures', async () => {
  const webhook = await addWebhook('Flaky', '/flaky/2/a', ['message_sent']);
  await emit('message_sent');
  await waitFor(() => receiver.to('/flaky/2/a').length === 3, { timeout: 15_000, what: '3 attempts' });
  const attempts = receiver.to('/flaky/2/a');
  assert.equal(new Set(attempts.map((r) => r.headers['webhook-id'])).size, 1, 'the same delivery id on every attempt');
  assert.equal(new Set(attempts.map((r) => r.body)).size, 1, 'the same payload on every attempt');
  const gaps = [attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at];
  assert.ok(gaps[0] >= 1_000 && gaps[0] < 2_000, `first backoff ${gaps[0]} ms`);
  assert.ok(gaps[1] >= 2_000 && gaps[1] < 3_500, `second backoff ${gaps[1]} ms`);
  const stats = await waitFor(async () => {
    const w = await getWebhook(webhook.id);
    return w.triggerCount === 1 && w;
  });
  assert.equal(stats.failureCount, 0);
  assert.ok(stats.lastTriggered);
});

test('a receiver that always answers 500 sees 3 attempts and failureCount 1 (quick-only retries)', async () => {
  const webhook = await addWebhook('Broken', '/status/500/b', ['error'], { retryMode: 'quick' });
  await emit('error');
  await waitFor(() => receiver.to('/status/500/b').length === 3, { timeout: 15_000 });
  const stats = await waitFor(async () => {
    const w = await getWebhook(webhook.id);
    return w.failureCount === 1 && w;
  });
  assert.equal(stats.triggerCount, 0);
  assert.equal(stats.pendingDeliveries, 0);
  await sleep(4_000);
  assert.equal(receiver.to('/status/500/b').length, 3, 'no fourth attempt');
});

test('large, compressed and piecemeal answers are delivered, and the history keeps their first kilobyte', async () => {
  for (const [name, path, kept] of [
    ['Big', '/big/answer', 'b'.repeat(1024)],
    ['Deflated', '/deflated/answer', 'z'.repeat(1024)],
    ['Pieces', '/pieces/answer', 'read in pieces: café (3 of them)'],
  ]) {
    const webhook = await addWebhook(name, path, ['error']);
    await emit('error');
    await waitFor(async () => (await getWebhook(webhook.id)).triggerCount === 1, { what: `${name} delivered` });
    const { entries } = await ext.call({ type: 'getHistory', webhookId: webhook.id });
    assert.equal(entries[0].outcome, 'delivered');
    assert.equal(entries[0].response, kept, `${name}: the answer's first kilobyte`);
    await ext.call({ type: 'deleteWebhook', id: webhook.id });
  }
});

test('a 404 is not retried', async () => {
  const webhook = await addWebhook('Missing', '/status/404/c', ['error']);
  await emit('error');
  await waitFor(async () => (await getWebhook(webhook.id)).failureCount === 1);
  await sleep(3_500);
  assert.equal(receiver.to('/status/404/c').length, 1);
});

test('a receiver that never answers is aborted at the 10 s timeout and retried', async () => {
  await addWebhook('Silent', '/hang/d', ['error']);
  await emit('error');
  await waitFor(() => receiver.to('/hang/d').length === 2, { timeout: 20_000, what: 'the retry after the timeout' });
  const [first, second] = receiver.to('/hang/d');
  assert.ok(first.closedAt, 'the first request was aborted by the extension');
  const abortedAfter = first.closedAt - first.at;
  assert.ok(abortedAfter >= 9_500 && abortedAfter < 12_000, `aborted after ${abortedAfter} ms`);
  assert.ok(second.at - first.closedAt >= 900, 'retried after the backoff');
});

test('the 11th webhook is refused with a clear message and nothing changes', async () => {
  for (let n = 1; n <= 10; n += 1) await addWebhook(`Webhook ${n}`, `/ok/${n}`, ['error']);
  const reply = await ext.send({ type: 'addWebhook', webhook: { name: 'Eleventh', url: `${receiver.base}/ok/11`, events: ['error'] } });
  assert.equal(reply.error.code, 'limit_reached');
  assert.match(reply.error.message, /10 webhooks/);
  const { webhooks } = await ext.call({ type: 'listWebhooks' });
  assert.equal(webhooks.length, 10);
  assert.ok(!webhooks.some((w) => w.name === 'Eleventh'));
});

test('invalid input gets a message per field and saves nothing', async () => {
  const reply = await ext.send({
    type: 'addWebhook',
    webhook: { name: '  ', url: 'javascript:alert(1)', method: 'DELETE', events: ['party'], headers: { Host: 'evil' } },
  });
  assert.equal(reply.error.code, 'invalid');
  assert.deepEqual(
    reply.error.fields.map((f) => f.field),
    ['name', 'url', 'method', 'events', 'headers'],
  );
  assert.match(reply.error.fields[1].message, /Only http:\/\/ and https:\/\//);
  const bad = await ext.send({ type: 'nonsense' });
  assert.equal(bad.error.code, 'bad_command');
  assert.deepEqual((await ext.call({ type: 'listWebhooks' })).webhooks, []);
});

test('the test command reports status and time, or the error in words, even for a disabled webhook', async () => {
  const good = await addWebhook('Good', '/ok/test', ['error']);
  await ext.call({ type: 'setWebhookEnabled', id: good.id, enabled: false });
  const ok = await ext.call({ type: 'testWebhook', id: good.id });
  assert.equal(ok.ok, true);
  assert.equal(ok.status, 200);
  assert.ok(Number.isInteger(ok.durationMs) && ok.durationMs < 5_000);
  assert.equal(receiver.to('/ok/test')[0].json.event, 'test');

  const port = await deadPort();
  const { webhook: dead } = await ext.call({ type: 'addWebhook', webhook: { name: 'Dead', url: `http://127.0.0.1:${port}/x`, events: ['error'] } });
  const refused = await ext.call({ type: 'testWebhook', id: dead.id });
  assert.equal(refused.ok, false);
  assert.equal(refused.status, null);
  assert.match(refused.error, /Could not connect/);

  const missing = await addWebhook('Missing', '/status/404/test', ['error']);
  const notFound = await ext.call({ type: 'testWebhook', id: missing.id });
  assert.equal(notFound.status, 404);
  assert.match(notFound.error, /HTTP 404 Not Found/);
  assert.equal((await getWebhook(good.id)).triggerCount, 0, 'tests do not count as triggers');
});

test('webhooks and stats survive the service worker being stopped and restarted', async () => {
  const webhook = await addWebhook('Durable', '/ok/durable', ['error'], { headers: { 'X-Token': 't' } });
  await emit('error');
  await waitFor(async () => (await getWebhook(webhook.id)).triggerCount === 1);
  await ext.call({ type: 'setWebhooksEnabled', enabled: false });
  const before = await ext.call({ type: 'listWebhooks' });
  await ext.markWorker();
  await ext.stopWorker();
  const after = await ext.call({ type: 'listWebhooks' });
  assert.ok(await ext.workerWasRestarted(), 'a new worker answered');
  assert.deepEqual(after, before);
  assert.equal(after.webhooksEnabled, false);
});

test('a retry survives the service worker being stopped during the backoff', async () => {
  const webhook = await addWebhook('Retry across stop', '/flaky/1/e', ['error']);
  await emit('error');
  await waitFor(() => receiver.to('/flaky/1/e').length === 1);
  await ext.markWorker();
  await ext.stopWorker();
  // Nothing is sent to the worker here: only its alarm can bring it back for the retry.
  await waitFor(() => receiver.to('/flaky/1/e').length === 2, { timeout: 15_000, what: 'the retry after the worker stop' });
  assert.ok(await ext.workerWasRestarted(), 'the retry came from a restarted worker');
  const [first, second] = receiver.to('/flaky/1/e');
  assert.equal(first.headers['webhook-id'], second.headers['webhook-id']);
  await waitFor(async () => (await getWebhook(webhook.id)).triggerCount === 1);
});
