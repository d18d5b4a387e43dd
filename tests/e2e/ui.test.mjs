// The screens a user works in, driven as a user would: the popup (opened in a tab), Settings, the
// Webhook Manager modal, and the options page. Saves README's screenshots.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { deadPort, screenshotPath, sharedExtension, sleep, waitFor } from './harness.mjs';

const LABELS = { message_sent: 'Message Sent', error: 'Error', milestone: 'Milestone' };
let receiver;
let ext;
let page;
sharedExtension({ before, after, beforeEach }, (shared) => ({ receiver, ext } = shared));

beforeEach(async () => {
  await page?.close();
  page = await ext.context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.setViewportSize({ width: 400, height: 600 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(ext.url('popup/popup.html'));
});

const dialog = () => page.getByRole('dialog', { name: 'Webhook Manager' });
const stored = async () => (await ext.call({ type: 'listWebhooks' })).webhooks;

async function openManager() {
  await page.getByRole('button', { name: /Settings/ }).click();
  await page.getByRole('button', { name: /Manage Webhooks/ }).click();
  await dialog().waitFor();
}

async function fillForm({ name, url, method, events = [], headers }) {
  const d = dialog();
  if (name !== undefined) await d.getByLabel('Name').fill(name);
  if (url !== undefined) await d.getByLabel('URL').fill(url);
  if (method) await d.getByLabel('Method').selectOption(method);
  for (const e of events) await d.getByRole('checkbox', { name: LABELS[e], exact: true }).check();
  if (headers !== undefined) await d.getByLabel(/Custom Headers/).fill(headers);
}

const item = (name) => dialog().getByRole('listitem').filter({ hasText: name });

test('Settings → Manage Webhooks opens the manager; with no webhooks it explains what they are for', async () => {
  await page.waitForFunction(() => document.getElementById('home-webhooks-summary').textContent !== '…');
  await page.screenshot({ path: screenshotPath('popup-light.png') });
  await page.getByRole('button', { name: /Settings/ }).click();
  await assert.doesNotReject(page.getByRole('heading', { name: /Webhooks & Integrations/ }).waitFor());
  assert.equal(await page.getByRole('switch', { name: 'Send webhooks' }).isChecked(), true);
  await page.screenshot({ path: screenshotPath('settings-light.png') });
  await page.getByRole('button', { name: /Manage Webhooks/ }).click();
  await dialog().waitFor();
  assert.match(await dialog().textContent(), /No webhooks yet/);
  assert.equal(await dialog().getByLabel('Method').inputValue(), 'POST');
  assert.equal(await dialog().getByRole('group', { name: 'Events' }).getByRole('checkbox').count(), 8);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'popup-name', 'focus moves into the modal');
});

test('bad input shows a message next to each field, keeps what was typed, and saves nothing', async () => {
  await openManager();
  const d = dialog();
  await d.getByRole('button', { name: /Add Webhook/ }).click();
  assert.match(await d.locator('#popup-name-error').textContent(), /Give the webhook a name/);
  assert.match(await d.locator('#popup-url-error').textContent(), /Enter the URL/);
  assert.match(await d.locator('#popup-events-error').textContent(), /at least one event/);
  assert.equal(await d.getByLabel('Name').getAttribute('aria-invalid'), 'true');

  for (const [url, says] of [
    ['httpfoo', /full URL/],
    ['javascript:alert(1)', /not javascript:/],
    ['ftp://files.example/x', /not ftp:/],
    ['http://192.168.1.300:8123/api/webhook/x', /not a valid IP address: it takes four numbers from 0 to 255/],
  ]) {
    await fillForm({ name: 'Typed name', url, events: ['error'] });
    await d.getByRole('button', { name: /Add Webhook/ }).click();
    assert.match(await d.locator('#popup-url-error').textContent(), says);
  }
  assert.equal(await d.getByLabel('Name').inputValue(), 'Typed name', 'the form keeps what the user typed');

  await fillForm({ url: `${receiver.base}/ok/x`, headers: '{"Authorization": Bearer}' });
  await d.getByRole('button', { name: /Add Webhook/ }).click();
  assert.match(await d.locator('#popup-headers-error').textContent(), /not valid JSON/);
  await fillForm({ headers: '{"Host": "evil.example"}' });
  await d.getByRole('button', { name: /Add Webhook/ }).click();
  assert.match(await d.locator('#popup-headers-error').textContent(), /set by the browser/);
  await fillForm({ headers: '["Authorization"]' });
  await d.getByRole('button', { name: /Add Webhook/ }).click();
  assert.match(await d.locator('#popup-headers-error').textContent(), /JSON object/);

  await fillForm({ url: 'http://hooks.example.com/x' });
  await waitFor(async () => d.locator('#popup-url-warning').isVisible());
  assert.match(await d.locator('#popup-url-warning').textContent(), /plain http/);
  await waitFor(async () => d.locator('#popup-url-access').isVisible());
  assert.match(await d.locator('#popup-url-access').textContent(), /Chrome will ask you to let AutoChat send requests to hooks\.example\.com/);
  await fillForm({ url: `${receiver.base}/ok/x` });
  assert.equal(await d.locator('#popup-url-warning').isVisible(), false, 'no warning for this machine');
  await waitFor(async () => !(await d.locator('#popup-url-access').isVisible()), { what: 'no access request for this machine' });

  // Editing a saved webhook shows its URL's warnings, not those of the URL typed before.
  await ext.call({ type: 'addWebhook', webhook: { name: 'Saved', url: `${receiver.base}/ok/saved`, events: ['error'] } });
  await item('Saved').waitFor(); // added elsewhere, shown here
  await fillForm({ url: 'http://hooks.example.com/x' });
  await waitFor(async () => d.locator('#popup-url-warning').isVisible());
  await item('Saved').getByRole('button', { name: /Edit/ }).click();
  await waitFor(async () => !(await d.locator('#popup-url-warning').isVisible()), { what: 'the warning cleared' });
  await waitFor(async () => !(await d.locator('#popup-url-access').isVisible()), { what: 'the access notice cleared' });
  await ext.call({ type: 'deleteWebhook', id: (await stored())[0].id });

  assert.deepEqual(await stored(), [], 'nothing was saved');
});

test('add, edit, toggle, test, see stats change live, and delete a webhook', async () => {
  await openManager();
  const d = dialog();
  await fillForm({ name: 'Team Slack', url: `${receiver.base}/ok/team`, events: ['message_sent', 'error'], headers: '{"Authorization": "Bearer T"}' });
  await d.getByRole('button', { name: /Add Webhook/ }).click();
  await item('Team Slack').waitFor();
  assert.match(await d.getByRole('status').first().textContent(), /added/);
  assert.equal(await d.getByLabel('Name').inputValue(), '', 'the form is ready for the next one');
  let [saved] = await stored();
  assert.deepEqual([saved.name, saved.events, saved.headers], ['Team Slack', ['message_sent', 'error'], { Authorization: '********' }], 'values masked');
  assert.deepEqual((await ext.call({ type: 'revealHeaders', id: saved.id })).headers, { Authorization: 'Bearer T' });
  assert.match(await item('Team Slack').textContent(), /✅ Enabled/);
  assert.match(await item('Team Slack').textContent(), new RegExp(`POST\\s*${receiver.base.replace('http://', '')}`));

  // Edit
  await item('Team Slack').getByRole('button', { name: /Edit/ }).click();
  assert.equal(await d.getByLabel('Name').inputValue(), 'Team Slack');
  await fillForm({ name: 'Team Slack (alerts)', method: 'PUT' });
  await d.getByRole('button', { name: /Save Changes/ }).click();
  await item('Team Slack (alerts)').waitFor();
  [saved] = await stored();
  assert.deepEqual([saved.name, saved.method], ['Team Slack (alerts)', 'PUT']);
  assert.deepEqual((await ext.call({ type: 'revealHeaders', id: saved.id })).headers, { Authorization: 'Bearer T' }, 'a masked value kept what was stored');

  // Toggle off and on
  await item('Team Slack (alerts)').getByRole('switch').click();
  await waitFor(async () => (await item('Team Slack (alerts)').textContent()).includes('Disabled'));
  assert.equal((await stored())[0].enabled, false);
  await item('Team Slack (alerts)').getByRole('switch').click();
  await waitFor(async () => (await item('Team Slack (alerts)').textContent()).includes('✅ Enabled'));

  // Test: success shows the status in place
  await item('Team Slack (alerts)').getByRole('button', { name: /Test/ }).click();
  const result = item('Team Slack (alerts)').locator('.test-result');
  await waitFor(async () => /HTTP 200 · \d+ ms/.test(await result.textContent()), { what: 'the test result' });
  assert.equal(receiver.to('/ok/team')[0].json.event, 'test');

  // Statistics update while the modal is open, when a delivery finishes
  await ext.call({ type: 'emit', event: 'error', data: { error: 'Failed to find send button' } });
  const stats = item('Team Slack (alerts)').locator('.stats');
  await waitFor(async () => /Total Triggers\s*1/.test(await stats.textContent()), { what: 'live stats' });
  assert.match(await stats.textContent(), /Last Triggered\s*just now/);
  assert.match(await stats.textContent(), /Success Rate\s*100%/);
  assert.ok((await stats.locator('dd[title]').count()) === 1, 'the exact time is on hover');
  assert.match(await result.textContent(), /HTTP 200/, 'the test result stays in place across the refresh');
  await dialog().screenshot({ path: screenshotPath('manager-light.png') });

  // Delete asks first
  await item('Team Slack (alerts)')
    .getByRole('button', { name: /Delete/ })
    .click();
  await item('Team Slack (alerts)').getByRole('button', { name: 'Keep it' }).click();
  assert.equal((await stored()).length, 1);
  await item('Team Slack (alerts)')
    .getByRole('button', { name: /Delete/ })
    .click();
  await item('Team Slack (alerts)').getByRole('button', { name: 'Delete “Team Slack (alerts)”' }).click();
  await waitFor(async () => (await stored()).length === 0);
  await d.getByText('No webhooks yet.').waitFor();
});

test('a dead endpoint and an error status are explained in words', async () => {
  const port = await deadPort();
  await ext.call({ type: 'addWebhook', webhook: { name: 'Dead', url: `http://127.0.0.1:${port}/hook`, events: ['error'] } });
  await ext.call({ type: 'addWebhook', webhook: { name: 'Wrong path', url: `${receiver.base}/status/404/x`, events: ['error'] } });
  await openManager();
  await item('Dead').getByRole('button', { name: /Test/ }).click();
  await waitFor(async () => /Could not connect/.test(await item('Dead').locator('.test-result').textContent()), { what: 'connection refused' });
  await item('Wrong path').getByRole('button', { name: /Test/ }).click();
  await waitFor(async () => /HTTP 404 Not Found: check the URL/.test(await item('Wrong path').locator('.test-result').textContent()));
});

test('Discard asks first, then gives up the waiting deliveries and shows it at once', async () => {
  const port = await deadPort();
  await ext.call({ type: 'addWebhook', webhook: { name: 'Down', url: `http://127.0.0.1:${port}/hook`, events: ['error'] } });
  await ext.call({ type: 'emit', event: 'error', data: { error: 'nobody listens' } });
  await openManager();
  const down = item('Down');
  await waitFor(async () => /1 delivery waiting/.test(await down.textContent()), { what: 'the waiting delivery' });
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
  await down.getByRole('button', { name: 'Discard waiting deliveries of Down' }).click();
  assert.equal(await focused(), 'Keep', 'the question takes the focus');
  await down.getByRole('button', { name: 'Keep', exact: true }).click();
  assert.match(await down.textContent(), /1 delivery waiting/, 'kept');
  await waitFor(async () => (await focused()) === 'Discard waiting deliveries of Down', { what: 'the focus back on Discard' });
  await down.getByRole('button', { name: 'Discard waiting deliveries of Down' }).click();
  await down.getByRole('button', { name: 'Discard them' }).dblclick();
  await waitFor(async () => !/delivery waiting/.test(await down.textContent()), { what: 'the item drawn afresh' });
  assert.equal((await stored())[0].pendingDeliveries, 0);
  assert.match(await dialog().textContent(), /1 delivery of “Down” discarded\./, 'one Discard, its own count');
});

test('a Test result and an open question survive the item being drawn afresh', async () => {
  await ext.call({ type: 'addWebhook', webhook: { name: 'Slow', url: `${receiver.base}/slow/1500/x`, events: ['error'] } });
  await openManager();
  const slow = item('Slow');
  await slow.getByRole('button', { name: /Test/ }).click();
  await waitFor(async () => /Sending the test payload/.test(await slow.locator('.test-result').textContent()), { what: 'the Test under way' });
  // An event for it while the Test waits: the item shows the delivery, drawn afresh.
  await ext.call({ type: 'emit', event: 'error', data: { error: 'meanwhile' } });
  await waitFor(async () => /Total Triggers\s*1/.test(await slow.locator('.stats').textContent()), { what: 'the delivery shown' });
  await waitFor(async () => /HTTP 200 · \d+ ms/.test(await slow.locator('.test-result').textContent()), { what: 'the Test result' });
  assert.equal(await slow.getByRole('button', { name: /Test/ }).isDisabled(), false);

  await slow.getByRole('button', { name: /Delete/ }).click();
  await ext.call({ type: 'emit', event: 'error', data: { error: 'while deciding' } });
  await waitFor(() => receiver.to('/slow/1500/x').length === 3, { what: 'the second delivery' });
  await waitFor(async () => (await ext.call({ type: 'listWebhooks' })).webhooks[0].triggerCount === 2, { what: 'the second outcome' });
  await sleep(1_500); // its notice, which would draw the item afresh
  assert.match(await slow.locator('.stats').textContent(), /Total Triggers\s*1/, 'left as it was while the question is open');
  await slow.getByRole('button', { name: 'Keep it' }).click();
  // Soon, not at the list's next 15-second display tick.
  await waitFor(async () => /Total Triggers\s*2/.test(await slow.locator('.stats').textContent()), { what: 'drawn afresh once answered', timeout: 2_000 });
  assert.equal((await stored()).length, 1, 'nothing deleted');
});

test('the keyboard alone works; Esc closes the modal and returns focus', async () => {
  await page.getByRole('button', { name: /Settings/ }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: /Manage Webhooks/ }).focus();
  await page.keyboard.press('Enter');
  await dialog().waitFor();
  await page.keyboard.type('Keyboard hook');
  await page.keyboard.press('Tab');
  await page.keyboard.type(`${receiver.base}/ok/kb`);
  await page.keyboard.press('Tab'); // format (detected from the URL)
  await page.keyboard.press('Tab'); // method
  await page.keyboard.press('Tab'); // first event
  await page.keyboard.press('Space');
  await page.keyboard.press('Enter'); // submits the form
  await item('Keyboard hook').waitFor();
  assert.deepEqual((await stored())[0].events, ['message_sent']);
  // Focus stays inside the modal however far one tabs.
  for (let i = 0; i < 30; i += 1) {
    await page.keyboard.press('Tab');
    const inside = await page.evaluate(() => document.activeElement === document.body || Boolean(document.activeElement.closest('dialog')));
    assert.ok(inside, `tab ${i} left the modal`);
  }
  await page.keyboard.press('Escape');
  await waitFor(async () => !(await dialog().isVisible()));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'manage-webhooks');
});

test('user data is shown as text, long values do not break the layout, at 320 and 800 px', async () => {
  const name = '<img src=x onerror=alert(1)> and a name long enough to wrap in a popup';
  await ext.call({ type: 'addWebhook', webhook: { name, url: `${receiver.base}/ok/${'long-path-'.repeat(30)}`, events: ['error'] } });
  for (const width of [320, 800]) {
    await page.setViewportSize({ width, height: 600 });
    await page.goto(ext.url('popup/popup.html'));
    await openManager();
    assert.equal(await item('<img').locator('.webhook-name').textContent(), name);
    assert.equal(await dialog().locator('img').count(), 0);
    const overflow = await page.evaluate(() => {
      const d = document.querySelector('dialog');
      return d.scrollWidth - d.clientWidth;
    });
    assert.ok(overflow <= 0, `no horizontal overflow at ${width} px (${overflow})`);
  }
});

test('at 10 webhooks the form says so instead of failing on submit', async () => {
  for (let n = 1; n <= 10; n += 1) {
    await ext.call({ type: 'addWebhook', webhook: { name: `Hook ${n}`, url: `${receiver.base}/ok/${n}`, events: ['error'] } });
  }
  await openManager();
  assert.match(await dialog().locator('#popup-limit').textContent(), /10 webhooks, the most/);
  assert.equal(
    await dialog()
      .getByRole('button', { name: /Add Webhook/ })
      .isDisabled(),
    true,
  );
  await dialog().getByRole('button', { name: '✏️ Edit Hook 1', exact: true }).click();
  assert.equal(
    await dialog()
      .getByRole('button', { name: /Save Changes/ })
      .isDisabled(),
    false,
    'editing still works',
  );
});

test('a webhook whose site access is missing is marked', async () => {
  // Added through the protocol, so no permission was granted; nothing is sent to it.
  await ext.call({ type: 'addWebhook', webhook: { name: 'Remote', url: 'https://hooks.example.com/services/x', events: ['milestone'] } });
  await openManager();
  assert.match(await item('Remote').textContent(), /Chrome does not let AutoChat reach hooks\.example\.com \(access was refused or removed\)/);
  assert.equal(await item('Remote').getByRole('button', { name: '🔓 Allow hooks.example.com again for Remote' }).count(), 1);
});

test('a webhook is saved before the browser asks for its site, so a popup closed by the prompt loses nothing', async () => {
  // Chrome closes the toolbar popup when its permission prompt opens; headless, the prompt is
  // never answered, which is the same for the page: whatever follows the request never runs.
  await openManager();
  await fillForm({ name: 'Own API', url: 'https://hooks.example.com/own', events: ['error'] });
  await dialog()
    .getByRole('button', { name: /Add Webhook/ })
    .click();
  await waitFor(async () => (await stored()).some((w) => w.name === 'Own API'), { what: 'the webhook saved' });
  await item('Own API').waitFor();
  assert.match(await dialog().locator('#popup-form-status').textContent(), /Own API/);
});

test('an edit to a site not yet allowed is saved only once the browser allows it', async () => {
  await ext.call({ type: 'addWebhook', webhook: { name: 'Working', url: `${receiver.base}/ok/working`, events: ['error'] } });
  await openManager();
  await item('Working').getByRole('button', { name: /Edit/ }).click();
  await dialog().getByLabel('URL').fill('https://hooks.example.com/moved');
  await dialog()
    .getByRole('button', { name: /Save Changes/ })
    .click();
  await sleep(1_000); // the browser's prompt, which nobody answers here
  assert.equal((await stored())[0].url, `${receiver.base}/ok/working`, 'the working URL stays until the site is allowed');
});

test('an edit on the same site asks nothing, even where the site is not allowed', async () => {
  await ext.call({ type: 'addWebhook', webhook: { name: 'Remote', url: 'https://hooks.example.com/a', events: ['error'] } });
  await openManager();
  await item('Remote').getByRole('button', { name: /Edit/ }).click();
  await sleep(300); // the access note is worked out after a permissions check
  assert.equal(await dialog().locator('#popup-url-access').isVisible(), false, 'no prompt promised for its own site');
  await dialog().getByLabel('Name').fill('Remote renamed');
  await dialog().getByLabel('URL').fill('https://hooks.example.com/b');
  await dialog()
    .getByRole('button', { name: /Save Changes/ })
    .click();
  await waitFor(async () => (await stored())[0].name === 'Remote renamed', { what: 'saved without a prompt' });
  assert.equal((await stored())[0].url, 'https://hooks.example.com/b');
});

test('the global switch in Settings turns delivery off and on', async () => {
  await ext.call({ type: 'addWebhook', webhook: { name: 'G', url: `${receiver.base}/ok/g`, events: ['error'] } });
  await page.getByRole('button', { name: /Settings/ }).click();
  await page.getByRole('switch', { name: 'Send webhooks' }).click();
  await waitFor(async () => (await ext.call({ type: 'listWebhooks' })).webhooksEnabled === false);
  assert.match(await page.locator('#settings-status').textContent(), /off/);
  assert.equal(await page.locator('#count-configured').textContent(), '1 / 10');
});

test('the options page holds the same manager, full page', async () => {
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.goto(ext.url('options/options.html'));
  await page.getByLabel('Name').fill('From options');
  await page.getByLabel('URL').fill(`${receiver.base}/ok/options`);
  await page.getByRole('checkbox', { name: 'Milestone', exact: true }).check();
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await page.getByRole('listitem').filter({ hasText: 'From options' }).waitFor();
  assert.equal((await stored())[0].name, 'From options');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath('options-light.png'), fullPage: true });
});

test('dark theme screenshots', async () => {
  await ext.call({
    type: 'addWebhook',
    webhook: { name: 'Slack Notifications', url: `${receiver.base}/ok/slack`, events: ['message_sent', 'daily_limit_reached', 'error'] },
  });
  await ext.call({
    type: 'addWebhook',
    webhook: { name: 'Zapier Automation', url: `${receiver.base}/status/500/zap`, events: ['campaign_started', 'campaign_stopped'] },
  });
  await ext.call({ type: 'emit', event: 'error', data: { error: 'Failed to find send button' } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(ext.url('popup/popup.html'));
  await page.waitForFunction(() => document.getElementById('home-webhooks-summary').textContent !== '…');
  await page.screenshot({ path: screenshotPath('popup-dark.png') });
  await page.getByRole('button', { name: /Settings/ }).click();
  await page.screenshot({ path: screenshotPath('settings-dark.png') });
  await page.getByRole('button', { name: /Manage Webhooks/ }).click();
  await dialog().waitFor();
  await dialog().locator('.manager-list').scrollIntoViewIfNeeded();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(23, 25, 29)', 'the dark palette applies');
  await page.screenshot({ path: screenshotPath('manager-dark.png') });
});
