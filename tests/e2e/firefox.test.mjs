// AutoChat in Firefox ESR: the Firefox package's test build (dist-firefox-test/: the same sources
// with manifest.firefox.json applied) installed over WebDriver BiDi, driven like a user would:
// a webhook added and tested from the options page, a campaign run on a local chat page, and a
// retry that outlives the event page's suspension.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { ROOT, startChatServer, startReceiver, waitFor } from './harness.mjs';

const BUILD = path.join(ROOT, 'dist-firefox-test');
const ADDON_ID = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.firefox.json'), 'utf8')).browser_specific_settings.gecko.id;
// Fixed so the tests can open moz-extension:// pages (Firefox picks a random one otherwise).
const UUID = '6f1d3c2a-5b7e-4c1d-9a3f-2e8b0c4d7a11';
const extUrl = (page) => `moz-extension://${UUID}/${page}`;
// Firefox suspends an idle event page after 30 s; one second makes suspension happen in a test.
const IDLE_MS = 1000;

let browser;
let receiver;
let chats;

before(async () => {
  receiver = await startReceiver();
  chats = await startChatServer();
  browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [ADDON_ID]: UUID }),
      'extensions.background.idle.timeout': IDLE_MS,
    },
  });
  await browser.installExtension(BUILD);
});

after(async () => {
  await browser?.close().catch(() => {});
  await chats?.close();
  await receiver?.close();
});

/** Opens a page and waits for its load (page.goto waits for events Firefox does not send to extension pages). */
async function open(url) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.mainFrame().browsingContext.navigate(url, 'complete');
  return page;
}

const text = (page, selector) => page.$eval(selector, (e) => e.textContent ?? '');

/** Adds a webhook through the options page's form. */
async function addWebhook(page, { name, url, events }) {
  await page.waitForSelector('#options-name');
  await page.type('#options-name', name);
  await page.type('#options-url', url);
  for (const event of events) await page.click(`#options-event-${event}`);
  await page.click('#options-submit');
  await page.waitForSelector(`button[aria-label="🧪 Test ${name}"]`);
}

/** Which of AutoChat's documents are alive, asked from an extension page (this wakes nothing). */
const liveViews = (page) => page.evaluate(() => browser.extension.getViews().map((w) => w.location.pathname));

test('Firefox: add a webhook in the options page, press 🧪 Test, and the receiver gets it', async () => {
  const page = await open(extUrl('options/options.html'));
  await addWebhook(page, { name: 'Firefox hook', url: `${receiver.base}/ok/firefox`, events: ['message_sent', 'campaign_started'] });
  await page.click('button[aria-label="🧪 Test Firefox hook"]');
  await waitFor(async () => /HTTP 200/.test(await text(page, '.test-result')), { what: 'the test result' });
  const [request] = receiver.to('/ok/firefox');
  assert.equal(request.json.event, 'test');
  assert.match(request.headers['user-agent'], /Firefox\/\d+/);
  const policy = await page.$eval('a[href$="PRIVACY.txt"]', (a) => fetch(/** @type {HTMLAnchorElement} */ (a).href).then((r) => r.text()));
  assert.match(policy, /sends data to one kind of place only/, 'the options page links the privacy policy, shipped in the package');
  assert.match(request.headers['webhook-id'], /^msg_[0-9a-f]{24}$/, 'a delivery id');
  await page.close();
});

test('Firefox: a campaign types into a local chat page and every message reaches the webhook', async () => {
  receiver.clear();
  const chat = await open(chats.url('textarea.html'));
  const popup = await open(extUrl('popup/popup.html'));
  await waitFor(async () => /Page: Team chat \(textarea\)/.test(await text(popup, '#campaign-target')), { what: 'the chat tab' });
  await waitFor(async () => /Message box: ✓ #message/.test(await text(popup, '#campaign-elements')), { what: 'detection' });
  await popup.evaluate(() => {
    const set = (id, value) => {
      const field = /** @type {HTMLInputElement} */ (document.getElementById(id));
      field.value = value;
      field.dispatchEvent(new Event('input', { bubbles: true }));
    };
    set('campaign-messages', 'Hello from Firefox\nSecond line');
    set('campaign-min', '0.2');
    set('campaign-max', '0.3');
    set('campaign-limit', '2');
  });
  await popup.click('#campaign-start');
  const log = () => chat.$$eval('#log li', (items) => items.map((li) => li.textContent));
  await waitFor(async () => (await log()).length === 2, { what: 'two messages in the chat' });
  await waitFor(async () => /limit of 2 messages/.test(await text(popup, '#campaign-state')), { what: 'the stopped state' });
  assert.deepEqual(await log(), ['Hello from Firefox', 'Second line']);
  await waitFor(() => receiver.to('/ok/firefox').length === 3, { what: 'started and two sent' });
  const events = receiver.to('/ok/firefox').map((r) => r.json);
  assert.deepEqual(
    events.map((e) => e.event),
    ['campaign_started', 'message_sent', 'message_sent'],
  );
  assert.deepEqual(
    events.slice(1).map((e) => e.data.message),
    ['Hello from Firefox', 'Second line'],
  );
  await popup.close();
  await chat.close();
});

test('Firefox: after a trap the background carries on with a fresh instance of the core', async () => {
  const page = await open(extUrl('options/options.html'));
  const result = await page.evaluate(async () => {
    const background = /** @type {any} */ (await browser.runtime.getBackgroundPage());
    const caught = await background.autochat.trap();
    const reply = await browser.runtime.sendMessage({ type: 'listWebhooks' });
    return { caught, freshStarts: background.autochat.freshStarts(), names: reply.value.webhooks.map((w) => w.name) };
  });
  assert.equal(result.caught, true, 'the trap was caught');
  assert.equal(result.freshStarts, 1, 'one fresh instance');
  assert.ok(result.names.includes('Firefox hook'), `the stored webhooks are there: ${result.names}`);
  await page.close();
});

test('Firefox: a retry waits out the event page suspension and is delivered by the alarm', async () => {
  receiver.clear();
  const options = await open(extUrl('options/options.html'));
  await addWebhook(options, { name: 'Slow to answer', url: `${receiver.base}/retry-after/15/firefox`, events: ['campaign_started'] });
  // Only the Slow webhook hears the next campaign's start; the first webhook is switched off.
  const firstSwitch = 'input[role="switch"][aria-label="Enabled: Firefox hook"]';
  await options.$eval(firstSwitch, (e) => /** @type {HTMLInputElement} */ (e).click());
  await waitFor(async () => !(await options.$eval(firstSwitch, (e) => /** @type {HTMLInputElement} */ (e).checked)), { what: 'the switch off' });
  const chat = await open(chats.url('textarea.html'));
  const popup = await open(extUrl('popup/popup.html'));
  await waitFor(async () => /Message box: ✓ #message/.test(await text(popup, '#campaign-elements')), { what: 'detection' });
  await popup.evaluate(() => {
    const field = /** @type {HTMLInputElement} */ (document.getElementById('campaign-limit'));
    field.value = '10';
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await popup.click('#campaign-save'); // a higher limit, so the campaign may start again today
  await waitFor(async () => !(await popup.$eval('#campaign-start', (b) => /** @type {HTMLButtonElement} */ (b).disabled)), {
    what: 'Start allowed again',
  });
  await popup.click('#campaign-start');
  await waitFor(() => receiver.to('/retry-after/15/firefox').length === 1, { what: 'the first attempt (answered 503, Retry-After: 15)' });
  await popup.click('#campaign-stop');
  await popup.close();
  await options.close();
  await chat.close();
  // A page of AutoChat's own that holds no connection to the background, to watch it from.
  const watcher = await open(extUrl('icons/icon16.png'));
  const firstAt = receiver.to('/retry-after/15/firefox')[0].at;
  let suspendedAt = 0;
  await waitFor(
    async () => {
      const views = await liveViews(watcher);
      if (!views.some((v) => v.includes('background'))) suspendedAt = Date.now();
      return suspendedAt > 0;
    },
    { what: 'the event page suspended', timeout: 12_000 },
  );
  await waitFor(() => receiver.to('/retry-after/15/firefox').length >= 2, { what: 'the retry', timeout: 30_000 });
  const [first, second] = receiver.to('/retry-after/15/firefox');
  assert.equal(second.json.event, 'campaign_started');
  assert.equal(second.json.timestamp, first.json.timestamp, 'the same event, attempted again');
  assert.equal(second.headers['webhook-id'], first.headers['webhook-id'], 'under the same delivery id');
  assert.ok(second.at - firstAt >= 15_000, `the retry waited for Retry-After (${second.at - firstAt} ms)`);
  assert.ok(second.at > suspendedAt, 'the retry came from an event page woken by the alarm');
  assert.equal(receiver.to('/retry-after/15/firefox').length, 2, 'delivered once more, not twice');
  await watcher.close();
});

// Last: afterwards AutoChat may not reach 127.0.0.1 (no prompt can be answered headless).
test('Firefox: when the user withdraws access to 127.0.0.1, the manager says so and offers to allow it again', async () => {
  const page = await open(extUrl('options/options.html'));
  await page.waitForSelector('button[aria-label="🧪 Test Firefox hook"]');
  assert.equal(await page.$('.notice.permission'), null, 'no notice while access is granted');
  const removed = await page.evaluate(() => browser.permissions.remove({ origins: ['http://127.0.0.1/*'] }));
  assert.equal(removed, true);
  await waitFor(async () => (await page.$$('.notice.permission')).length === 2, { what: 'a notice on both webhooks' });
  const notice = await text(page, '.notice.permission');
  assert.match(notice, new RegExp(`Firefox does not let AutoChat reach 127\\.0\\.0\\.1:${receiver.port} \\(access was refused or removed\\)`));
  assert.ok(await page.$(`button[aria-label="🔓 Allow 127.0.0.1:${receiver.port} again for Firefox hook"]`), 'an Allow again button');
  await page.close();
});
