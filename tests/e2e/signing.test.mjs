// Signed webhooks end to end: a receiver checks every signed delivery with the official
// `standardwebhooks` package (and GitHub's scheme with a plain HMAC), through a retry, a rotation
// and a Redeliver; and a web page cannot get a secret out of AutoChat.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, beforeEach, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { sharedExtension, waitFor } from './harness.mjs';

let receiver;
let chats;
let ext;
let page;
sharedExtension({ before, after, beforeEach }, (shared) => ({ receiver, chats, ext, page } = shared), {
  chats: true,
  page: 'options/options.html',
});

const item = (name) => page.getByRole('listitem').filter({ hasText: name });
/** Verifies a recorded request as a Standard Webhooks receiver holding `secret` would. */
const verify = (secret, request) => new Webhook(secret).verify(request.body, request.headers);

async function addInForm(name, path, { github = false } = {}) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('URL').fill(`${receiver.base}${path}`);
  await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
  assert.equal(await page.getByLabel('Sign requests (Standard Webhooks)').isChecked(), true, 'signed by default');
  if (github) await page.getByLabel(/X-Hub-Signature-256/).check();
  await page.getByRole('button', { name: /Add Webhook/ }).click();
  await item(name).waitFor();
}

/** Reveals the secret with the manager's own button, as a user would. */
async function revealed(name) {
  const code = item(name).locator('code.secret');
  const masked = await code.textContent();
  assert.match(masked, /^whsec_….{4}$/);
  await item(name)
    .getByRole('button', { name: /Reveal/ })
    .click();
  await waitFor(async () => (await code.textContent()) !== masked, { what: 'the revealed secret' });
  const secret = await code.textContent();
  const html = await page.content();
  assert.ok(!/value="whsec_|data-[a-z-]+="whsec_/.test(html), 'no secret in an attribute');
  return secret;
}

test('every delivery verifies with standardwebhooks, through a retry, a rotation and a Redeliver', async () => {
  await addInForm('Signed API', '/flaky/1/signed');
  const first = await revealed('Signed API');
  await ext.call({ type: 'emit', event: 'error', data: { error: 'Failed to find send button' } });
  const [failed, retried] = await waitFor(() => receiver.to('/flaky/1/signed').length >= 2 && receiver.to('/flaky/1/signed'), { what: 'the retry' });
  for (const request of [failed, retried]) assert.deepEqual(verify(first, request).event, 'error');
  assert.equal(failed.headers['webhook-id'], retried.headers['webhook-id'], 'one id across attempts');

  await item('Signed API')
    .getByRole('button', { name: /Rotate the secret/ })
    .click();
  await waitFor(async () => /previous secret also signs until/.test(await item('Signed API').textContent()), { what: 'the rotation shown' });
  const second = await revealed('Signed API');
  assert.notEqual(first, second);
  receiver.clear();
  await ext.call({ type: 'emit', event: 'error', data: { error: 'after rotation' } });
  const [rotated] = await waitFor(() => receiver.to('/flaky/1/signed').length && receiver.to('/flaky/1/signed'), { what: 'a delivery' });
  assert.equal(rotated.headers['webhook-signature'].split(' ').length, 2, 'both keys sign for 24 hours');
  assert.equal(verify(first, rotated).data.error, 'after rotation', 'a receiver still on the old secret accepts it');
  assert.equal(verify(second, rotated).data.error, 'after rotation', 'and one on the new secret too');

  const { webhooks } = await ext.call({ type: 'listWebhooks' });
  const entries = await waitFor(
    async () => {
      const history = await ext.call({ type: 'getHistory', webhookId: webhooks[0].id });
      return history.entries[0]?.redeliver.allowed && history.entries;
    },
    { what: 'the delivery recorded as done' },
  );
  receiver.clear();
  await ext.call({ type: 'redeliver', webhookId: webhooks[0].id, deliveryId: entries[0].deliveryId });
  const [again] = await waitFor(() => receiver.to('/flaky/1/signed').length && receiver.to('/flaky/1/signed'), { what: 'the redelivery' });
  assert.equal(again.headers['webhook-id'], entries[0].deliveryId, 'same id');
  assert.equal(verify(second, again).data.error, 'after rotation', 're-signed with the current keys');
  assert.throws(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, again), 'a wrong secret fails');

  // A second rotation while the first secret still signs would end it at once: asked first.
  const rotateAgain = () => item('Signed API').getByRole('button', { name: /Rotate the secret/ });
  const twiceQuickly = (button) => button.evaluate((b) => [b.click(), b.click()]);
  await twiceQuickly(rotateAgain());
  await item('Signed API')
    .getByText(/Rotating again stops it at once/)
    .waitFor();
  await item('Signed API').getByRole('button', { name: 'Keep the secrets' }).click();
  await rotateAgain().waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  await waitFor(async () => (await focused()) === 'Rotate the secret of Signed API', { what: 'the focus back on Rotate' });
  const current = async () => (await ext.call({ type: 'revealSecret', id: webhooks[0].id })).secret;
  assert.equal(await current(), second, 'kept');
  await rotateAgain().click();
  await twiceQuickly(item('Signed API').getByRole('button', { name: 'Rotate again' }));
  await waitFor(async () => (await current()) !== second, { what: 'the second rotation' });
  receiver.clear();
  await ext.call({ type: 'emit', event: 'error', data: { error: 'after two rotations' } });
  const delivered = () => receiver.to('/flaky/1/signed').filter((r) => r.body.includes('after two rotations'));
  const [twice] = await waitFor(() => delivered().length && delivered(), { what: 'a delivery' });
  assert.equal(verify(second, twice).data.error, 'after two rotations', 'one rotation, not two: the last secret still signs');
});

test('the sign box follows the URL: off for Zapier and IFTTT, until the user chooses', async () => {
  const url = page.getByLabel('URL');
  const sign = page.getByLabel('Sign requests (Standard Webhooks)');
  await url.fill('https://hooks.zapier.com/hooks/catch/123/abc/');
  assert.equal(await sign.isChecked(), false, 'Zapier checks no signature');
  await url.fill('https://maker.ifttt.com/trigger/autochat/json/with/key/k');
  assert.equal(await sign.isChecked(), false, "IFTTT's JSON trigger neither");
  await url.fill(`${receiver.base}/ok/own-api`);
  assert.equal(await sign.isChecked(), true, 'your own API is signed');
  await sign.uncheck();
  await url.fill(`${receiver.base}/ok/own-api-2`);
  assert.equal(await sign.isChecked(), false, "the user's choice stays");
  await page.reload();
  await url.fill('https://hooks.zapier.com/hooks/catch/123/abc/');
  await sign.check();
  await url.fill('https://hooks.zapier.com/hooks/catch/123/abcd/');
  assert.equal(await sign.isChecked(), true, 'ticked by hand, Zapier is signed');
});

test('GitHub-style X-Hub-Signature-256 matches a plain HMAC of the body', async () => {
  await addInForm('GitHub style', '/ok/github', { github: true });
  const secret = await revealed('GitHub style');
  await ext.call({ type: 'emit', event: 'error', data: { error: 'x' } });
  const [request] = await waitFor(() => receiver.to('/ok/github').length && receiver.to('/ok/github'), { what: 'a delivery' });
  const expected = `sha256=${crypto.createHmac('sha256', secret).update(request.body).digest('hex')}`;
  assert.equal(request.headers['x-hub-signature-256'], expected);
  verify(secret, request);
});

test('a web page cannot obtain a secret, nor read AutoChat’s storage', async () => {
  const { webhook } = await ext.call({ type: 'addWebhook', webhook: { name: 'Secret keeper', url: `${receiver.base}/ok/k`, events: ['error'] } });
  const chat = await ext.context.newPage();
  await chat.goto(chats.url('textarea.html'));
  const tabId = await page.evaluate(async (url) => (await chrome.tabs.query({ url })).at(0)?.id, chats.url('textarea.html'));
  // Code running in the page's content-script world, as a compromised page could.
  const [{ result }] = await page.evaluate(
    ([tab, id]) =>
      chrome.scripting.executeScript({
        target: { tabId: tab },
        func: async (webhookId) => {
          const reveal = await chrome.runtime.sendMessage({ type: 'revealSecret', id: webhookId });
          const list = await chrome.runtime.sendMessage({ type: 'listWebhooks' });
          const emit = await chrome.runtime.sendMessage({
            type: 'emit',
            event: 'message_sent',
            data: { message: 'forged', messagesSentToday: 1, totalMessagesSent: 1 },
          });
          let storage;
          try {
            storage = JSON.stringify(await chrome.storage.local.get(null));
          } catch (error) {
            storage = `refused: ${error.message}`;
          }
          return { reveal, list, emit, storage };
        },
        args: [id],
      }),
    [tabId, webhook.id],
  );
  for (const reply of [result.reveal, result.list, result.emit]) assert.equal(reply.error?.code, 'refused', JSON.stringify(reply));
  assert.doesNotMatch(result.storage, /whsec_/, 'no secret readable from the page');
  assert.equal(receiver.to('/ok/k').length, 0, 'no forged event was delivered');
  await chat.close();
});

test('the local inspector, autochat-listen, receives a Test and finds its signature valid', async () => {
  const { spawn } = await import('node:child_process');
  const { ROOT } = await import('./harness.mjs');
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const child = spawn(`${ROOT}/target/release/autochat-listen`, ['--port', '0', '--json', '--secret', secret]);
  const lines = [];
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop();
    lines.push(...parts);
  });
  try {
    const first = await waitFor(() => lines[0], { what: 'the inspector listening' });
    const port = Number(first.match(/127\.0\.0\.1:(\d+)/)[1]);
    await page.getByLabel('Name').fill('Inspector');
    await page.getByLabel('URL').fill(`http://127.0.0.1:${port}/`);
    await page.getByRole('checkbox', { name: 'Error', exact: true }).check();
    await page.getByLabel('Your own secret').fill(secret);
    await page.getByRole('button', { name: /Add Webhook/ }).click();
    await item('Inspector').waitFor();
    await item('Inspector').getByRole('button', { name: /Test/ }).click();
    const seen = JSON.parse(await waitFor(() => lines[1], { what: 'the request printed' }));
    assert.deepEqual([seen.event, seen.signature, seen.status, seen.attempt], ['test', 'valid', 200, 1]);
  } finally {
    child.kill();
  }
});
