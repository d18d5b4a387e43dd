// Shared pieces of the end-to-end suite: a recording HTTP receiver on 127.0.0.1, and a Chromium
// with the extension's test build (dist-test/: the shipped sources with campaign waits down to
// 0.1 s) loaded.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, process.env.AUTOCHAT_DIST ?? 'dist-test');
export const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts');

/**
 * Where a screenshot goes: the untracked artefacts folder, or README's docs/screenshots/ when
 * `./build.sh screenshots` sets SCREENSHOTS. Tests never write into tracked files.
 */
export function screenshotPath(name) {
  const dir = path.resolve(ROOT, process.env.SCREENSHOTS ?? 'tests/e2e/artifacts/screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/**
 * A webhook receiver that records every request. The path picks the answer:
 *   /ok/…                  200
 *   /status/CODE/…         always CODE
 *   /flaky/N/…             503 for the first N requests to that exact path, then 200
 *   /retry-after/S/…       503 with `Retry-After: S` the first time, then 200
 *   /hang/…                never answers (the connection's close is recorded)
 */
export async function startReceiver({ port = 0 } = {}) {
  const requests = [];
  const seen = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const entry = {
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        closedAt: null,
      };
      entry.json = parseJson(entry.body);
      requests.push(entry);
      const count = (seen.get(url.pathname) ?? 0) + 1;
      seen.set(url.pathname, count);
      const [, kind, arg] = url.pathname.split('/');
      if (kind === 'hang') {
        res.on('close', () => {
          entry.closedAt = Date.now();
        });
        return;
      }
      if (kind === 'big') {
        // 4 MB in chunks with no Content-Length: AutoChat must stop reading after its snippet.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = 'b'.repeat(64 * 1024);
        let left = 64;
        const more = () => {
          while (left > 0) {
            left -= 1;
            if (!res.write(chunk)) return res.once('drain', more);
          }
          res.end();
        };
        res.on('error', () => {});
        return more();
      }
      if (kind === 'pieces') {
        // A short answer in pieces with no Content-Length, one character split between two.
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        const pieces = [Buffer.from('read in pieces: caf'), Buffer.from([0xc3]), Buffer.from([0xa9]), Buffer.from(' (3 of them)')];
        const next = () => {
          const piece = pieces.shift();
          if (!piece) return res.end();
          res.write(piece);
          setTimeout(next, 30);
        };
        res.on('error', () => {});
        return next();
      }
      if (kind === 'slow') {
        // Answers 200 after `arg` ms: something to happen while a request is under way.
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":200}'), Number(arg));
        return;
      }
      if (kind === 'deflated') {
        // Under 1 KB on the wire, 800 KB once inflated: a declared length is not the body's size.
        const packed = zlib.gzipSync('z'.repeat(800 * 1024), { level: 9 });
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': packed.length });
        return res.end(packed);
      }
      let status = 200;
      const headers = { 'content-type': 'application/json' };
      if (kind === 'status') status = Number(arg);
      if (kind === 'flaky' && count <= Number(arg)) status = 503;
      if (kind === 'retry-after' && count === 1) {
        status = 503;
        headers['retry-after'] = arg;
      }
      res.writeHead(status, headers).end(JSON.stringify({ status }));
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    port: server.address().port,
    requests,
    to: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    ...recording(server, requests, seen),
  };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Serves the test chat pages in tests/e2e/chat/ on 127.0.0.1. */
export async function startChatServer() {
  const dir = path.join(ROOT, 'tests/e2e/chat');
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url, 'http://127.0.0.1').pathname);
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': types[path.extname(name)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (page) => `http://127.0.0.1:${server.address().port}/${page}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening: connections are refused. */
export async function deadPort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Launches Chromium with the test build loaded; `profile` reuses a user-data dir (a browser restart);
 * `language` sets the browser's UI language, which chrome.i18n follows. `close()` deletes the
 * user-data dir (each profile takes a few MB of /tmp); `close({ keepProfile: true })` leaves it for a
 * restart, whose own `close()` then deletes it.
 */
export async function launch({ profile, colorScheme = 'light', args = [], language } = {}) {
  const userDataDir = profile ?? fs.mkdtempSync(path.join(os.tmpdir(), 'autochat-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    colorScheme,
    ...(language && { env: { ...process.env, LANGUAGE: language, LANG: `${language}.UTF-8` } }),
    args: [
      ...(language ? [`--lang=${language}`] : []),
      `--disable-extensions-except=${DIST}`,
      `--load-extension=${DIST}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      ...args,
    ],
  });
  let [worker] = context.serviceWorkers();
  worker ??= await context.waitForEvent('serviceworker', { timeout: 15_000 });
  const extensionId = new URL(worker.url()).host;
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/options/options.html`);
  const extension = {
    context,
    page,
    userDataDir,
    extensionId,
    url: (p) => `chrome-extension://${extensionId}/${p}`,
    /** Sends one protocol command from an extension page, as the popup does; returns the raw reply. */
    send: (command) => page.evaluate((c) => chrome.runtime.sendMessage(c), command),
    /** Sends a command and returns its value, failing the test on an error reply. */
    async call(command) {
      const reply = await extension.send(command);
      if (!reply || !('value' in reply)) throw new Error(`${command.type} failed: ${JSON.stringify(reply)}`);
      return reply.value;
    },
    /** Stops the extension's service worker, as Chrome does when it is idle. */
    async stopWorker() {
      const cdp = await context.newCDPSession(page);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await cdp.detach();
    },
    /** Leaves a mark in the running worker's memory; a stopped and restarted worker lacks it. */
    async markWorker() {
      const [worker] = context.serviceWorkers();
      await worker.evaluate(() => {
        globalThis.autochatTestMark = true;
      });
    },
    /** True when the worker running now is not the one that was marked. */
    async workerWasRestarted() {
      const [worker] = context.serviceWorkers();
      return !(await worker.evaluate(() => globalThis.autochatTestMark === true));
    },
    async close({ keepProfile = false } = {}) {
      await context.close();
      if (!keepProfile) fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return extension;
}

/** Deletes every webhook, switches webhooks on and forgets what the receiver saw. */
export async function resetWebhooks(ext, receiver) {
  const { webhooks } = await ext.call({ type: 'listWebhooks' });
  for (const w of webhooks) await ext.call({ type: 'deleteWebhook', id: w.id });
  await ext.call({ type: 'setWebhooksEnabled', enabled: true });
  receiver.clear();
}

/**
 * One browser and one receiver for a whole test file, with webhooks reset before each test.
 * Pass the file's node:test hooks; `ready({ ext, receiver, chats, page })` is called once they
 * have started, and again whenever `page` is opened afresh. Options: `chats` also serves the chat
 * pages; `launchOptions` (or a function making them, run first) go to `launch`; `page` is an
 * extension page opened in a new tab before each test, where a page error fails the test.
 */
export function sharedExtension({ before, after, beforeEach }, ready, { chats = false, launchOptions = {}, page } = {}) {
  const shared = {};
  before(async () => {
    const options = typeof launchOptions === 'function' ? await launchOptions() : launchOptions;
    shared.receiver = await startReceiver();
    if (chats) shared.chats = await startChatServer();
    shared.ext = await launch(options);
    ready(shared);
  });
  after(async () => {
    await shared.ext?.close();
    await shared.receiver?.close();
    await shared.chats?.close();
  });
  beforeEach(async () => {
    await resetWebhooks(shared.ext, shared.receiver);
    if (!page) return;
    await shared.page?.close();
    shared.page = await shared.ext.context.newPage();
    shared.page.on('pageerror', (error) => {
      throw error;
    });
    await shared.page.goto(shared.ext.url(page));
    ready(shared);
  });
}

/** Empties a recording server's list, and closes it with its open connections. */
export function recording(server, requests, seen) {
  return {
    clear: () => {
      requests.length = 0;
      seen.clear();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/**
 * Opens a local chat page (`chats.url(chatPage)`), then the popup in a tab beside it, as a user
 * would, and waits until the popup has found the chat page. A page error in the popup fails the test.
 */
export async function openCampaignPopup(ext, chats, chatPage = 'textarea.html') {
  const chat = await ext.context.newPage();
  await chat.goto(chats.url(chatPage));
  await sleep(50); // the chat tab was active last
  const popup = await ext.context.newPage();
  popup.on('pageerror', (error) => {
    throw error;
  });
  await popup.setViewportSize({ width: 400, height: 800 });
  await popup.goto(ext.url('popup/popup.html'));
  await popup.locator('#campaign-target').filter({ hasText: /Page:/ }).waitFor();
  return { chat, popup };
}

/** Fills the popup's campaign form as a user types it; `order` is left as it is unless given. */
export async function configureCampaign(popup, { messages, order, min = 0.2, max = 0.3, limit = 3 }) {
  await popup.getByRole('textbox', { name: /Messages \(one per line\)/ }).fill(messages);
  if (order) await popup.getByRole('combobox', { name: 'Order' }).selectOption(order);
  await popup.getByLabel(/Wait at least/).fill(String(min));
  await popup.getByRole('spinbutton', { name: 'At most (s)' }).fill(String(max));
  await popup.getByRole('spinbutton', { name: 'Daily limit' }).fill(String(limit));
}

/** Polls `check` until it returns a truthy value or `timeout` ms pass. */
export async function waitFor(check, { timeout = 10_000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
