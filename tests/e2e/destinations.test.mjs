// Destinations end to end: fakes of Slack, Discord, Teams, Google Chat and Telegram (services.mjs)
// answer over HTTPS on 127.0.0.1, reached through the services' real hostnames (Chromium maps them
// with --host-resolver-rules). They accept what the real services accept and refuse the rest with
// the real statuses and bodies, so a test passes only if AutoChat sends what the service wants.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { configureCampaign, openCampaignPopup, sharedExtension, waitFor } from './harness.mjs';
import { startServices } from './services.mjs';

const ALL = ['message_sent', 'campaign_started', 'campaign_stopped', 'campaign_paused', 'campaign_resumed', 'daily_limit_reached', 'error', 'milestone'];
let services;
let receiver;
let chats;
let ext;
let page;

sharedExtension({ before, after, beforeEach }, (shared) => ({ receiver, chats, ext, page } = shared), {
  chats: true,
  page: 'options/options.html',
  launchOptions: async () => {
    services = await startServices();
    return { args: [`--host-resolver-rules=${services.hostRules}`, '--ignore-certificate-errors'] };
  },
});
after(() => services?.close());
beforeEach(() => services.clear());

const hostOf = (url) => new URL(url).host;
const item = (name) => page.getByRole('listitem').filter({ hasText: name });
/** Every request a service got, once at least `n` have arrived. */
const received = (url, n) =>
  waitFor(() => services.to(hostOf(url)).length >= n && services.to(hostOf(url)), { what: `${n} requests at ${hostOf(url)}`, timeout: 20_000 });
const add = (name, url, extra = {}) => ext.call({ type: 'addWebhook', webhook: { name, url, events: ALL, ...extra } });

const CASES = () => [
  { service: 'Slack', url: services.urls.slack, format: 'slack', shape: (b) => typeof b.text === 'string' && Array.isArray(b.blocks) },
  { service: 'Discord', url: services.urls.discord, format: 'discord', shape: (b) => b.embeds?.length === 1 && b.allowed_mentions?.parse?.length === 0 },
  { service: 'Microsoft Teams', url: services.urls.teams, format: 'teams', shape: (b) => b.attachments?.[0]?.content?.type === 'AdaptiveCard' },
  { service: 'Google Chat', url: services.urls.googleChat, format: 'googleChat', shape: (b) => typeof b.text === 'string' },
  { service: 'Telegram', url: services.urls.telegram, format: 'telegram', shape: (b) => b.chat_id === 424242 && b.text.length > 0 },
];

test('pasting a Slack, Discord, Teams, Google Chat or Telegram URL selects its format, and 🧪 Test passes', async () => {
  for (const { service, url, format, shape } of CASES()) {
    const name = `${service} hook`;
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('URL').fill(url);
    assert.equal(await page.getByLabel('Format', { exact: true }).inputValue(), format, `${service}: the format follows the URL`);
    assert.match(await page.locator('.hint.detected').textContent(), new RegExp(`Detected ${service}`));
    assert.equal(await page.getByRole('option', { name: 'GET' }).isDisabled(), true, 'chat services are POST only');
    await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
    await page.getByRole('button', { name: /Add Webhook/ }).click();
    await item(name).waitFor();
    await item(name).getByRole('button', { name: /Test/ }).click();
    const result = item(name).locator('.test-result');
    await waitFor(async () => /✅|❌/.test(await result.textContent()), { what: `${service} test result` });
    const text = await result.textContent();
    assert.match(text, /✅ HTTP 20[024]/, `${service}: ${text}`);
    if (format === 'teams') assert.match(text, /check the channel/);
    const [request] = services.to(hostOf(url));
    assert.ok(shape(request.json), `${service} got ${request.body}`);
    assert.equal(request.headers['webhook-id'], undefined, 'no webhook-* headers for chat services');
  }
});

test("a campaign's events arrive at every service as messages it accepts", async () => {
  for (const { service, url } of CASES()) await add(service, url);
  const { chat, popup } = await openCampaignPopup(ext, chats);
  await configureCampaign(popup, { messages: 'Hello <!channel> @everyone', limit: 2 });
  await popup.getByRole('button', { name: '▶ Start' }).click();
  // started, sent, sent, limit reached, stopped: five messages to each service, a second apart.
  for (const { service, url, shape } of CASES()) {
    const requests = await received(url, 5);
    assert.deepEqual(
      requests.map((r) => r.status >= 200 && r.status < 300),
      [true, true, true, true, true],
      `${service}: ${requests.map((r) => `${r.status} ${r.answer}`).join(' | ')}`,
    );
    assert.ok(
      requests.every((r) => shape(r.json)),
      service,
    );
    const gaps = requests.slice(1).map((r, i) => r.at - requests[i].at);
    assert.ok(
      gaps.every((g) => g >= 950),
      `${service}: at most one message a second (${gaps})`,
    );
    const texts = requests.map((r) => r.body).join('\n');
    assert.doesNotMatch(texts, /<!channel>|@everyone/, `${service}: mentions disarmed`);
  }
  await popup.close();
  await chat.close();
});

test("a service's answer that ends a webhook switches it off in the service's words", async () => {
  const slack = await add('Revoked Slack', services.urls.slackRevoked);
  const discord = await add('Deleted Discord', services.urls.discordUnknown);
  await ext.call({ type: 'emit', event: 'error', data: { error: 'x' } });
  const off = await waitFor(
    async () => {
      const { webhooks } = await ext.call({ type: 'listWebhooks' });
      return webhooks.every((w) => !w.enabled) && webhooks;
    },
    { what: 'both switched off' },
  );
  const reason = (id) => off.find((w) => w.id === id).disabledReason;
  assert.match(reason(slack.webhook.id), /no_service/);
  assert.match(reason(discord.webhook.id), /10015/);
  await page.reload();
  assert.match(await item('Revoked Slack').textContent(), /Slack says this webhook no longer works/);
});

test("a 429 is waited out: Slack's Retry-After and Discord's retry_after in JSON", async () => {
  await add('Busy Slack', services.urls.slackRateLimited, { retryMode: 'quick' });
  await add('Busy Discord', services.urls.discordRateLimited, { retryMode: 'quick' });
  await ext.call({ type: 'emit', event: 'error', data: { error: 'x' } });
  for (const [url, wait] of [
    [services.urls.slackRateLimited, 2_000],
    [services.urls.discordRateLimited, 1_500],
  ]) {
    const [first, second] = await received(url, 2);
    assert.deepEqual([first.status, second.status >= 200 && second.status < 300], [429, true]);
    assert.ok(second.at - first.at >= wait - 50, `${hostOf(url)} waited ${second.at - first.at} ms, asked ${wait}`);
  }
});

test("a Telegram error shows Telegram's own words in the Test result", async () => {
  await add('Unknown chat', services.urls.telegramUnknownChat);
  await page.reload();
  await item('Unknown chat').getByRole('button', { name: /Test/ }).click();
  const result = item('Unknown chat').locator('.test-result');
  await waitFor(async () => /❌/.test(await result.textContent()), { what: 'test result' });
  assert.match(await result.textContent(), /Telegram says: Bad Request: chat not found/);
});

test("a custom template's preview is exactly what arrives", async () => {
  const template = '{"content": "{{text}}", "total": {{data.totalMessagesSent}}, "event": "{{event}}"}';
  await page.getByLabel('Name').fill('My API');
  await page.getByLabel('URL').fill(`${receiver.base}/ok/custom`);
  await page.getByLabel('Format', { exact: true }).selectOption('custom');
  await page.getByLabel(/^Template/).fill(template);
  await page.getByLabel('Preview for').selectOption('message_sent');
  const preview = await page.locator('pre.preview').textContent();
  assert.match(preview, /"total": 1337/);
  await page.getByRole('checkbox', { name: 'Message Sent', exact: true }).check();
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await item('My API').waitFor();
  await ext.call({ type: 'emit', event: 'message_sent', data: { message: 'Hello! How are you?', messagesSentToday: 42, totalMessagesSent: 1337 } });
  const [arrived] = await waitFor(() => receiver.to('/ok/custom').length && receiver.to('/ok/custom'), { what: 'the custom body' });
  assert.equal(arrived.body, preview, 'byte for byte');
  await page.getByLabel('Format', { exact: true }).selectOption('custom'); // the form was reset for the next webhook
  await page.getByLabel(/^Template/).fill('{"a": {{nope}}}');
  assert.match(await page.locator('pre.preview').textContent(), /\{\{nope\}\} at line 1, column 7 is not a placeholder/);
});

test('a retired Teams connector URL is explained, and the gallery fills the form without sending', async () => {
  await page.getByLabel('URL').fill('https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d');
  assert.match(await page.locator('.field-warning').first().textContent(), /retired/);
  await page.getByLabel('Start from a template').selectOption({ label: 'Discord' });
  assert.equal(await page.getByLabel('Format', { exact: true }).inputValue(), 'discord');
  assert.equal(await page.getByLabel('Name').inputValue(), 'Discord notifications');
  assert.match(await page.locator(`#${await page.getByLabel('Start from a template').getAttribute('aria-describedby')}`).textContent(), /Integrations/);
  assert.equal(services.requests.length + receiver.requests.length, 0, 'nothing was sent');
});
