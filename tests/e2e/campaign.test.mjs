// Campaigns end to end: local chat pages on 127.0.0.1, the popup (in a tab) driving auto-send,
// and the receiver capturing every webhook the campaign causes.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { configureCampaign, launch, openCampaignPopup, screenshotPath, sleep, startChatServer, startReceiver, waitFor } from './harness.mjs';

const ALL = ['message_sent', 'campaign_started', 'campaign_stopped', 'campaign_paused', 'campaign_resumed', 'daily_limit_reached', 'error', 'milestone'];
const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** A browser with the extension, a receiver subscribed to everything, a chat page, and the popup. */
async function setUp(chatPage) {
  const receiver = await startReceiver();
  const chats = await startChatServer();
  const ext = await launch();
  cleanups.push(
    () => ext.close(),
    () => chats.close(),
    () => receiver.close(),
  );
  await ext.call({ type: 'addWebhook', webhook: { name: 'Everything', url: `${receiver.base}/ok/all`, events: ALL } });
  const { chat, popup } = await openCampaignPopup(ext, chats, chatPage);
  const events = () => receiver.to('/ok/all').map((r) => r.json);
  const log = () => chat.locator('#log li').allTextContents();
  return { receiver, ext, chat, popup, events, log };
}

/** The campaign form, in the order written unless said otherwise. */
const configure = (popup, { order = 'sequential', ...rest }) => configureCampaign(popup, { order, ...rest });

test('with limit 3: three messages in the chat, and started, 3 × sent (1, 2, 3), limit reached, stopped, in order', async () => {
  const { popup, events, log, chat } = await setUp('textarea.html');
  assert.match(await popup.locator('#campaign-target').textContent(), /Team chat \(textarea\) — 127\.0\.0\.1/);
  await waitFor(async () => /Message box: ✓ #message · Send button: ✓ #send/.test(await popup.locator('#campaign-elements').textContent()), {
    what: 'detection',
  });
  await configure(popup, { messages: 'Hello! How are you?\nAnyone around?', limit: 3 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(async () => (await log()).length === 3, { what: '3 messages in the chat' });
  await waitFor(() => events().length === 6, { what: '6 webhooks' });
  await sleep(800);
  assert.deepEqual(await log(), ['Hello! How are you?', 'Anyone around?', 'Hello! How are you?']);
  assert.equal(await chat.locator('#message').inputValue(), '', 'the input was emptied by the page');
  const got = events();
  assert.deepEqual(
    got.map((e) => e.event),
    ['campaign_started', 'message_sent', 'message_sent', 'message_sent', 'daily_limit_reached', 'campaign_stopped'],
  );
  assert.deepEqual(
    got.slice(1, 4).map((e) => [e.data.message, e.data.messagesSentToday, e.data.totalMessagesSent]),
    [
      ['Hello! How are you?', 1, 1],
      ['Anyone around?', 2, 2],
      ['Hello! How are you?', 3, 3],
    ],
  );
  assert.deepEqual(got[4].data, { limit: 3, messagesSentToday: 3, timestamp: got[4].timestamp });
  assert.deepEqual(got[5].data.stats, { messagesSentToday: 3, totalMessagesSent: 3 });
  await waitFor(async () => /Stopped — Today's limit of 3 messages was reached/.test(await popup.locator('#campaign-state').textContent()), {
    what: 'the stopped state',
  });
  assert.equal(await popup.locator('#sent-today').textContent(), '3');
  assert.equal(await popup.getByRole('button', { name: '▶ Start' }).isDisabled(), true, 'no restart until tomorrow');
  await popup.screenshot({ path: screenshotPath('campaign-light.png') });
});

for (const [page, name] of [
  ['editable.html', 'a contenteditable editor'],
  ['framework.html', 'a framework-controlled input'],
]) {
  test(`messages reach ${name}`, async () => {
    const { popup, events, log } = await setUp(page);
    await configure(popup, { messages: 'First line\nSecond line', limit: 2 });
    await popup.getByRole('button', { name: '▶ Start' }).click();
    await waitFor(async () => (await log()).length === 2, { what: `2 messages in ${page}` });
    assert.deepEqual(await log(), ['First line', 'Second line']);
    await waitFor(() => events().filter((e) => e.event === 'message_sent').length === 2);
  });
}

test('pause stops sending, resume carries on, stop ends it; each is reported', async () => {
  const { popup, events, log } = await setUp('textarea.html');
  await configure(popup, { messages: 'ping', min: 0.4, max: 0.5, limit: 100 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(async () => (await log()).length >= 1);
  await popup.getByRole('button', { name: '⏸ Pause' }).click();
  await popup.locator('#campaign-state').filter({ hasText: 'Paused' }).waitFor();
  const atPause = (await log()).length;
  await sleep(1_500);
  assert.equal((await log()).length, atPause, 'nothing is sent while paused');
  await popup.getByRole('button', { name: '▶ Resume' }).click();
  await waitFor(async () => (await log()).length >= atPause + 2, { what: 'messages after resume' });
  await popup.getByRole('button', { name: '⏹ Stop' }).click();
  await popup.locator('#campaign-state').filter({ hasText: 'Stopped' }).waitFor();
  await waitFor(() => events().some((e) => e.event === 'campaign_stopped'));
  const kinds = events()
    .map((e) => e.event)
    .filter((e) => e !== 'message_sent');
  assert.deepEqual(kinds, ['campaign_started', 'campaign_paused', 'campaign_resumed', 'campaign_stopped']);
  const paused = events().find((e) => e.event === 'campaign_paused');
  assert.equal(paused.data.stats.messagesSentToday, atPause);
});

test('a page with no send button gives an error event and a paused campaign', async () => {
  const { popup, events, log } = await setUp('nobutton.html');
  await configure(popup, { messages: 'hello', limit: 5 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(() => events().some((e) => e.event === 'campaign_paused'), { what: 'the pause' });
  const got = events();
  assert.deepEqual(
    got.map((e) => e.event),
    ['campaign_started', 'error', 'campaign_paused'],
  );
  assert.equal(got[1].data.error, 'Failed to find send button');
  await popup.locator('#campaign-state').filter({ hasText: 'Paused — Failed to find send button' }).waitFor();
  await sleep(1_000);
  assert.equal(events().length, 3, 'no spinning');
  assert.deepEqual(await log(), []);
});

test('the milestone fires once when the total crosses 10', async () => {
  const { popup, events } = await setUp('textarea.html');
  await configure(popup, { messages: 'a\nb\nc', min: 0.1, max: 0.15, limit: 12 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(() => events().some((e) => e.event === 'campaign_stopped'), { timeout: 20_000, what: '12 messages' });
  const milestones = events().filter((e) => e.event === 'milestone');
  assert.equal(milestones.length, 1);
  assert.deepEqual([milestones[0].data.milestone, milestones[0].data.value], ['10_messages', 10]);
  const order = events().map((e) => (e.event === 'message_sent' ? e.data.totalMessagesSent : e.event));
  assert.equal(order[order.indexOf(10) + 1], 'milestone', 'right after the tenth message');
});

test('the campaign survives a service-worker stop between messages', async () => {
  const { ext, popup, log } = await setUp('textarea.html');
  await configure(popup, { messages: 'one\ntwo\nthree\nfour', min: 1.5, max: 1.6, limit: 4 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(async () => (await log()).length === 1);
  await popup.close(); // nothing keeps the worker busy
  await ext.markWorker();
  await ext.stopWorker();
  await waitFor(async () => (await log()).length === 4, { timeout: 15_000, what: 'the rest of the messages' });
  assert.deepEqual(await log(), ['one', 'two', 'three', 'four']);
  assert.ok(await ext.workerWasRestarted(), 'a restarted worker carried on');
});

test('invalid settings are refused with a message per field and nothing changes', async () => {
  const { ext, popup } = await setUp('textarea.html');
  await configure(popup, { messages: '   ', min: 0.05, max: 0.5, limit: 0 });
  await popup.getByRole('button', { name: '💾 Save' }).click();
  await popup.locator('#campaign-form-status').filter({ hasText: 'Fix the marked fields' }).waitFor();
  assert.match(await popup.locator('#campaign-messages-error').textContent(), /at least one message/);
  assert.match(await popup.locator('#campaign-minInterval-error').textContent(), /from 0.1 to/);
  assert.match(await popup.locator('#campaign-dailyLimit-error').textContent(), /whole number/);
  const saved = await ext.call({ type: 'getCampaign' });
  assert.deepEqual([saved.config.messages, saved.config.minIntervalSeconds, saved.config.dailyLimit], ['', 30, 100]);
});

test('closing the chat tab stops the campaign with campaign_stopped', async () => {
  const { popup, chat, events, log } = await setUp('textarea.html');
  await configure(popup, { messages: 'hi', min: 30, max: 40, limit: 10 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(async () => (await log()).length === 1);
  await chat.close();
  await waitFor(() => events().some((e) => e.event === 'campaign_stopped'), { what: 'the stop' });
  await popup.locator('#campaign-state').filter({ hasText: 'Stopped — The chat tab was closed.' }).waitFor();
});

test('leaving the chat for another site stops the campaign; moving within the site does not', async () => {
  const { popup, chat, events, log } = await setUp('textarea.html');
  await configure(popup, { messages: 'hi', min: 30, max: 40, limit: 10 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(async () => (await log()).length === 1);
  await chat.goto(chat.url().replace('textarea.html', 'editable.html'));
  await sleep(500);
  assert.ok(!events().some((e) => e.event === 'campaign_stopped'), 'same site: still running');
  await chat.goto(chat.url().replace('127.0.0.1', 'localhost'));
  await waitFor(() => events().some((e) => e.event === 'campaign_stopped'), { what: 'the stop' });
  await popup
    .locator('#campaign-state')
    .filter({ hasText: /left http:\/\/127\.0\.0\.1:\d+ for another site/ })
    .waitFor();
});

test('when detection cannot find the send button, the user picks it on the page and it is remembered', async () => {
  const { ext, popup, chat, log } = await setUp('picker.html');
  await waitFor(async () => /Send button: none found — AutoChat will press Enter/.test(await popup.locator('#campaign-elements').textContent()), {
    what: 'detection',
  });
  await popup.getByRole('button', { name: '🎯 Pick the send button' }).click();
  await chat.locator('text=AutoChat: click the send button').waitFor();
  await chat.locator('#go').click();
  await waitFor(async () => (await ext.call({ type: 'getCampaign' })).sites[new URL(chat.url()).origin]?.button === '#go', { what: 'the pick' });
  await popup.bringToFront();
  await waitFor(async () => /Send button: ✓ #go/.test(await popup.locator('#campaign-elements').textContent()), { what: 'the picked button shown' });
  assert.deepEqual(await log(), [], 'picking did not send anything');
  await configure(popup, { messages: 'picked and sent', limit: 1 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  await waitFor(async () => (await log()).length === 1);
  assert.deepEqual(await log(), ['picked and sent']);
});
