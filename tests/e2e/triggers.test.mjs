// Conditional triggers and batched events end to end: a real campaign's events filtered by a
// webhook's conditions, set in the form as a user would.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { configureCampaign, openCampaignPopup, sharedExtension, sleep, waitFor } from './harness.mjs';

let receiver;
let chats;
let ext;
sharedExtension({ before, after, beforeEach }, (shared) => ({ receiver, chats, ext } = shared), { chats: true });

/** Runs a campaign on a local chat page from the popup; resolves once `count` messages are in the chat. */
async function runCampaign(messages, limit) {
  const { chat, popup } = await openCampaignPopup(ext, chats);
  await configureCampaign(popup, { messages: messages.join('\n'), order: 'sequential', limit });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(async () => (await chat.locator('#log li').count()) === limit, { what: `${limit} messages in the chat` });
  await popup.close();
  await chat.close();
}

test("conditions set in the form filter a real campaign's events, and what they hold back is counted", async () => {
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  await page.getByLabel('Name').fill('Orders only');
  await page.getByLabel('URL').fill(`${receiver.base}/ok/orders`);
  await page.getByRole('checkbox', { name: 'Message Sent', exact: true }).check();
  await page.getByRole('button', { name: /Add a condition/ }).click();
  const row = page.locator('.condition-row').first();
  await row.getByLabel('Field').selectOption('data.message');
  await row.getByLabel('Operator').selectOption('contains');
  await row.getByLabel('Value').fill('ORDER');
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  const item = page.getByRole('listitem').filter({ hasText: 'Orders only' });
  await item.waitFor();
  assert.match(await item.textContent(), /only when Message contains ORDER/);

  await runCampaign(['hello there', 'new order #12', 'bye now'], 3);
  await waitFor(async () => /2 held back/.test(await item.textContent()), { what: 'the count shown', timeout: 15_000 });
  const got = receiver.to('/ok/orders').map((r) => r.json.data.message);
  assert.deepEqual(got, ['new order #12']);
  await page.close();
});

test('a bad regular expression is refused on its field and nothing is saved', async () => {
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  await page.getByLabel('Name').fill('Timeouts');
  await page.getByLabel('URL').fill(`${receiver.base}/ok/t`);
  await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
  await page.getByRole('button', { name: /Add a condition/ }).click();
  const row = page.locator('.condition-row').first();
  await row.getByLabel('Field').selectOption('data.error');
  await row.getByLabel('Operator').selectOption('matches');
  await row.getByLabel('Value').fill('/time(out/i');
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await page
    .locator('#options-conditions-error')
    .filter({ hasText: /not valid/ })
    .waitFor();
  assert.deepEqual((await ext.call({ type: 'listWebhooks' })).webhooks, []);
  await page.close();
});

test('a batch set in the form arrives as one request after its window, across a worker stop', async () => {
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  await page.getByLabel('Name').fill('Digest');
  await page.getByLabel('URL').fill(`${receiver.base}/ok/digest`);
  await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
  await page.getByLabel('Send events together, as one request').check();
  await page.getByLabel('Wait up to').fill('3');
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  const item = page.getByRole('listitem').filter({ hasText: 'Digest' });
  await item.waitFor();
  assert.match(await item.textContent(), /Sent together: up to 10 events or 3 s/);

  const started = Date.now();
  await ext.call({ type: 'emit', event: 'error', data: { error: 'first' } });
  await ext.call({ type: 'emit', event: 'error', data: { error: 'second' } });
  await waitFor(async () => /2 collected/.test(await item.textContent()), { what: 'the batch shown while it fills' });
  await ext.markWorker();
  await ext.stopWorker();
  await ext.call({ type: 'emit', event: 'error', data: { error: 'third' } });
  const [request] = await waitFor(() => receiver.to('/ok/digest').length && receiver.to('/ok/digest'), { what: 'the batch', timeout: 15_000 });
  assert.ok(Date.now() - started >= 2_900, 'not before the window ended');
  assert.ok(await ext.workerWasRestarted(), 'the worker really was stopped');
  assert.equal(request.json.batch, true);
  assert.deepEqual(
    request.json.events.map((e) => e.data.error),
    ['first', 'second', 'third'],
  );
  await sleep(1_500);
  assert.equal(receiver.to('/ok/digest').length, 1, 'sent once');
  await page.close();
});

test("editing one webhook after another keeps the second's conditions, and a field the ticked events lack is refused, not swapped", async () => {
  const mine = (name) => ({ name, url: `${receiver.base}/ok/${name}` });
  await ext.call({ type: 'addWebhook', webhook: { ...mine('Chat'), events: ['message_sent'] } });
  const milestoneFilter = { conditions: [{ field: 'data.value', op: 'ge', value: '1000' }], atMostEveryMinutes: null, everyNthMessage: null };
  await ext.call({ type: 'addWebhook', webhook: { ...mine('Big'), events: ['milestone'], filter: milestoneFilter } });
  const stored = async (name) => (await ext.call({ type: 'listWebhooks' })).webhooks.find((w) => w.name === name || w.name === `${name}!`);
  const before = await stored('Big');
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  const edit = (name) => page.getByRole('button', { name: new RegExp(`Edit ${name.replace('!', '\\!')}$`) }).click();
  await edit('Chat');
  await edit('Big'); // without cancelling the first
  const row = page.locator('.condition-row').first();
  assert.equal(await row.getByLabel('Field').inputValue(), 'data.value');
  assert.equal(await row.getByLabel('Operator').inputValue(), 'ge');
  await page.getByLabel('Name').fill('Big!');
  await page.getByRole('button', { name: /Save/ }).click();
  await page.getByRole('listitem').filter({ hasText: 'Big!' }).waitFor();
  assert.deepEqual((await stored('Big')).filter, before.filter, 'the condition as it was');

  // Ticking an event that lacks the row's field keeps the field, and saving is refused on it.
  await edit('Big!');
  await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
  assert.equal(await row.getByLabel('Field').inputValue(), 'data.value');
  await page.getByRole('button', { name: /Save/ }).click();
  await page
    .locator('#options-conditions-error')
    .filter({ hasText: /Milestone count is not in error events/ })
    .waitFor();
  const after = await stored('Big');
  assert.deepEqual([after.events, after.filter], [['milestone'], before.filter], 'nothing saved');
  await page.close();
});

test('numbers that are not whole, and a secret of the wrong shape, are refused with a message on their field', async () => {
  const page = await ext.context.newPage();
  await page.goto(ext.url('options/options.html'));
  await page.getByLabel('Name').fill('Numbers');
  await page.getByLabel('URL').fill(`${receiver.base}/ok/n`);
  await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
  await page.getByLabel('Send events together, as one request').check();
  await page.getByLabel('Wait up to').fill('1.5');
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await page
    .locator('#options-batch-error')
    .filter({ hasText: /whole seconds/ })
    .waitFor();
  await page.getByLabel('Wait up to').fill('2');
  await page.locator('#options-nth').fill('2.5');
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await page
    .locator('#options-conditions-error')
    .filter({ hasText: /Every Nth message.*whole number/ })
    .waitFor();
  assert.equal(await page.locator('#options-batch-error').isHidden(), true, 'the fixed field is clear again');
  await page.locator('#options-nth').fill('');
  await page.locator('#options-secret').fill('mysecret');
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await page
    .locator('#options-secret-error')
    .filter({ hasText: /whsec_/ })
    .waitFor();
  assert.equal(await page.locator('#options-secret').getAttribute('aria-invalid'), 'true');
  assert.deepEqual((await ext.call({ type: 'listWebhooks' })).webhooks, [], 'nothing saved');
  await page.close();
});
