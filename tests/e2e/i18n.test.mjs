// The pages in German: a browser whose language is German gets German pages from
// `_locales/de/messages.json` alone, and what a user does there works as it does in English.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, ROOT, screenshotPath, startReceiver, waitFor } from './harness.mjs';

const read = (lang) => JSON.parse(fs.readFileSync(path.join(ROOT, `_locales/${lang}/messages.json`), 'utf8'));
const english = read('en');
const german = read('de');

let ext;
let receiver;
let page;
before(async () => {
  receiver = await startReceiver();
  ext = await launch({ language: 'de' });
  page = await ext.context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.setViewportSize({ width: 400, height: 600 });
});
after(async () => {
  await ext?.close();
  await receiver?.close();
});

/**
 * English words left on the page: every text node and accessible attribute that equals an English
 * message whose German differs. Titles are left out: they carry the core's own sentences (why ▶ Start
 * is not possible now), which are English in every language for now.
 */
async function englishLeft() {
  const shown = await page.evaluate(() => {
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) texts.push(walker.currentNode.textContent.trim());
    for (const node of document.querySelectorAll('[aria-label], [placeholder]')) {
      for (const name of ['aria-label', 'placeholder']) if (node.hasAttribute(name)) texts.push(node.getAttribute(name).trim());
    }
    texts.push(document.title);
    return texts.filter(Boolean);
  });
  const untranslated = new Set(
    Object.entries(english)
      .filter(([key, { message }]) => german[key].message !== message && !message.includes('{'))
      .map(([, { message }]) => message),
  );
  return [...new Set(shown.filter((text) => untranslated.has(text)))];
}

test('the popup, the settings and the Webhook Manager speak German', async () => {
  await page.goto(ext.url('popup/popup.html'));
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
  await page.getByRole('button', { name: '⚙️ Einstellungen' }).waitFor();
  await page.getByRole('heading', { name: 'Kampagne' }).waitFor();
  await page.getByRole('button', { name: '▶ Starten' }).waitFor();
  await page.waitForFunction(() => document.getElementById('home-webhooks-summary').textContent !== '…');
  assert.deepEqual(await englishLeft(), [], 'home view');

  await page.getByRole('button', { name: '⚙️ Einstellungen' }).click();
  await page.getByRole('heading', { name: '🔗 Webhooks & Integrationen' }).waitFor();
  await page.getByRole('button', { name: '⚙️ Webhooks verwalten' }).click();
  const dialog = page.getByRole('dialog', { name: 'Webhook-Verwaltung' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Noch keine Webhooks\./);
  assert.deepEqual(await englishLeft(), [], 'the manager');

  // A condition row: its fields and operators come from the core, and are shown in German too.
  await dialog.getByRole('checkbox', { name: 'Nachricht gesendet', exact: true }).check();
  await dialog.getByRole('button', { name: german.condition_add.message }).click();
  const row = dialog.locator('.condition-row').first();
  await row.getByLabel('Feld').selectOption('data.message');
  const shownOptions = async (label) => (await row.getByLabel(label).locator('option').allTextContents()).join(' | ');
  assert.match(await shownOptions('Feld'), /Ereignisname \| Nachricht \| Heute gesendet/);
  assert.match(await shownOptions('Operator'), /enthält \| enthält nicht \| passt auf/);
  assert.deepEqual(await englishLeft(), [], 'a condition row');
});

test('a webhook added and tested in German is delivered, and its item speaks German', async () => {
  await page.goto(ext.url('options/options.html'));
  await waitFor(async () => (await page.title()) === german.page_options_title.message, { what: 'the German title' });
  await page.getByRole('link', { name: 'Datenschutzerklärung' }).waitFor();
  const form = page.locator('form').first();
  await form.getByRole('textbox').first().fill('Mein Empfänger');
  await page.locator('#options-url').fill(`${receiver.base}/de`);
  await page.locator('#options-events input[type=checkbox]').first().check();
  await form.locator('button[type=submit]').click();
  const item = page.getByRole('listitem').filter({ hasText: 'Mein Empfänger' });
  await item.waitFor();
  assert.match(await item.textContent(), /Auslösungen gesamt/);
  await ext.call({
    type: 'addWebhook',
    webhook: { name: 'Vorlage', url: `${receiver.base}/de-template`, events: ['error'], format: 'custom', template: '{"t": "{{text}}"}' },
  });
  const templated = page.getByRole('listitem').filter({ hasText: 'Vorlage' });
  assert.equal(await templated.locator('.format').textContent(), ` · ${german.catalog_format_custom_label.message}`, 'the format in German');
  await ext.call({ type: 'deleteWebhook', id: (await ext.call({ type: 'listWebhooks' })).webhooks[1].id });
  await item.getByRole('button', { name: '🧪 Mein Empfänger testen' }).click();
  await waitFor(() => receiver.to('/de').length === 1, { what: 'the test delivery' });
  await waitFor(async () => /✅ HTTP 200/.test(await item.locator('.test-result').textContent()), { what: 'the test result' });
  await ext.call({ type: 'emit', event: 'message_sent', data: { message: 'Hallo', messagesSentToday: 1, totalMessagesSent: 1 } });
  await waitFor(() => receiver.to('/de').length === 2, { what: 'the event' });
  await waitFor(async () => /Zuletzt ausgelöst\s*gerade eben/.test(await item.textContent()), { what: 'the time in German' });
  await item.getByText('📜 Verlauf').click();
  await item.getByText('✅ Zugestellt').waitFor();
  assert.deepEqual(await englishLeft(), [], 'the options page with a webhook and its history');
  await page.setViewportSize({ width: 640, height: 900 });
  await page.locator('.manager-list').screenshot({ path: screenshotPath('options-de.png') });
});
