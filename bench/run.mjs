// AutoChat's benchmark: the built extension in headless Chromium against a receiver on
// 127.0.0.1, each figure measured side by side with its limit in the same run. Prints a table and
// writes bench/results.json. Figures are reported, never asserted.
//   ./build.sh bench            (or: node bench/run.mjs [--quick])

import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DIST, deadPort, launch, ROOT, sleep, startReceiver, waitFor } from '../tests/e2e/harness.mjs';

const QUICK = process.argv.includes('--quick');
const REPS = QUICK ? 2 : 5;
const EVENTS = QUICK ? 200 : 1_000;
const WEBHOOKS = 10;
const LATENCY_SAMPLES = QUICK ? 20 : 60;
const STARTS = QUICK ? 5 : 30;
const WARM_UP_STARTS = 3;
const now = () => performance.timeOrigin + performance.now();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const spread = (xs) => [Math.min(...xs), Math.max(...xs)];

async function addWebhooks(ext, base, prefix, events = ['message_sent']) {
  const ids = [];
  for (let i = 0; i < WEBHOOKS; i += 1) {
    const { webhook } = await ext.call({ type: 'addWebhook', webhook: { name: `${prefix} ${i}`, url: `${base}/ok/${prefix}${i}`, events } });
    ids.push(webhook.id);
  }
  return ids;
}

async function clearWebhooks(ext) {
  for (const w of (await ext.call({ type: 'listWebhooks' })).webhooks) await ext.call({ type: 'deleteWebhook', id: w.id });
}

/** Emits `n` message_sent events at once from an extension page. */
function emitMany(page, n) {
  return page.evaluate(async (count) => {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        chrome.runtime.sendMessage({
          type: 'emit',
          event: 'message_sent',
          data: { message: `Benchmark message ${i}`, messagesSentToday: i + 1, totalMessagesSent: i + 1 },
        }),
      ),
    );
  }, n);
}

/** The limit: the same requests from the same worker with plain fetch, one loop per webhook. */
function plainFetchLoop(worker, base, perWebhook, body) {
  return worker.evaluate(
    async ({ base, perWebhook, webhooks, body }) => {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: webhooks }, async (_, w) => {
          for (let i = 0; i < perWebhook; i += 1) {
            const r = await fetch(`${base}/ok/plain${w}`, {
              method: 'POST',
              redirect: 'manual',
              body,
              headers: { 'Content-Type': 'application/json', 'webhook-id': `msg_${w}_${i}`, 'webhook-timestamp': '1765128600' },
            });
            await r.text();
          }
        }),
      );
      return performance.now() - t0;
    },
    { base, perWebhook, webhooks: WEBHOOKS, body },
  );
}

/**
 * Burst: `reps` runs of EVENTS emitted at once, beside plain fetch. With `manager`, the options
 * page (the Webhook Manager) is open in another tab meanwhile, redrawing on the worker's notices.
 */
async function throughput(ext, receiver, { manager = false, reps = REPS } = {}) {
  const worker = ext.context.serviceWorkers()[0];
  await clearWebhooks(ext);
  await addWebhooks(ext, receiver.base, 'tp');
  const managerPage = manager ? await ext.context.newPage() : null;
  await managerPage?.goto(ext.url('options/options.html'));
  const sample = JSON.stringify({
    event: 'message_sent',
    timestamp: '2025-12-07T17:30:00.000Z',
    data: { message: 'Benchmark message 0', messagesSentToday: 1, totalMessagesSent: 1 },
    source: 'AutoChat',
    version: '4.5.0',
  });
  const autochat = [];
  const plain = [];
  let peakWasm = 0;
  for (let rep = 0; rep < reps; rep += 1) {
    receiver.clear();
    const t0 = now();
    await emitMany(ext.page, EVENTS);
    await waitFor(() => receiver.requests.length >= EVENTS * WEBHOOKS, { timeout: 300_000, interval: 20, what: 'all deliveries' });
    const last = Math.max(...receiver.requests.map((r) => r.at));
    autochat.push((EVENTS * WEBHOOKS) / ((last - t0) / 1000));
    await waitFor(
      async () => {
        const status = await ext.call({ type: 'getStatus' });
        peakWasm = Math.max(peakWasm, status.wasmMemoryBytes ?? 0);
        return status.pendingDeliveries === 0;
      },
      { timeout: 60_000 },
    );
    await sleep(1_500); // the core's last writes, and its fresh start (see checkMemorySoon), settle first
    receiver.clear();
    const ms = await plainFetchLoop(worker, receiver.base, EVENTS, sample);
    plain.push((EVENTS * WEBHOOKS) / (ms / 1000));
  }
  await managerPage?.close();
  // The core gives its memory back once idle (a fresh instance, started from storage).
  await sleep(3_000);
  const status = await ext.call({ type: 'getStatus' });
  const heap = await workerHeap(ext);
  const freshStarts = await worker.evaluate(() => globalThis.autochat.freshStarts());
  return { autochat, plain, status, heap, peakWasm, freshStarts };
}

/**
 * Stream: each event emitted in the worker and awaited before the next, as the campaign emits
 * (the emit resolves once the event's deliveries are stored), timed until the receiver has every
 * delivery. Beside it, plain fetch fed the same way: each event queued on the per-webhook loops
 * in turn, nothing stored.
 */
async function stream(ext, receiver) {
  const worker = ext.context.serviceWorkers()[0];
  await clearWebhooks(ext);
  await addWebhooks(ext, receiver.base, 'st');
  const total = EVENTS * WEBHOOKS;
  const lastArrival = () => Math.max(...receiver.requests.map((r) => r.atPrecise));
  const autochat = [];
  const plain = [];
  for (let rep = 0; rep < REPS; rep += 1) {
    receiver.clear();
    const t0 = now();
    await worker.evaluate(async (count) => {
      for (let i = 0; i < count; i += 1) {
        const data = { message: `Stream message ${i}`, messagesSentToday: i + 1, totalMessagesSent: i + 1 };
        await globalThis.autochat.send({ type: 'emit', event: 'message_sent', data });
      }
    }, EVENTS);
    await waitFor(() => receiver.requests.length >= total, { timeout: 300_000, interval: 20, what: 'all streamed deliveries' });
    autochat.push(total / ((lastArrival() - t0) / 1000));
    await waitFor(async () => (await ext.call({ type: 'getStatus' })).pendingDeliveries === 0, { timeout: 60_000 });
    receiver.clear();
    const t1 = now();
    await worker.evaluate(
      async ({ base, count, webhooks }) => {
        const tails = Array.from({ length: webhooks }, () => Promise.resolve());
        for (let i = 0; i < count; i += 1) {
          const body = JSON.stringify({ event: 'message_sent', data: { message: `Stream message ${i}` } });
          for (let w = 0; w < webhooks; w += 1) {
            tails[w] = tails[w].then(() =>
              fetch(`${base}/ok/plain-stream${w}`, { method: 'POST', redirect: 'manual', body, headers: { 'Content-Type': 'application/json' } }).then((r) =>
                r.text(),
              ),
            );
          }
          await Promise.resolve(); // the next event comes in its own turn
        }
        await Promise.all(tails);
      },
      { base: receiver.base, count: EVENTS, webhooks: WEBHOOKS },
    );
    await waitFor(() => receiver.requests.length >= total, { timeout: 300_000, interval: 20, what: 'all plain streamed requests' });
    plain.push(total / ((lastArrival() - t1) / 1000));
  }
  return { autochat, plain };
}

/** The worker's JS heap as it is (garbage included) and what it keeps after a forced collection. */
async function workerHeap(ext) {
  const cdp = await ext.context.newCDPSession(ext.page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const sw = targetInfos.find((t) => t.type === 'service_worker' && t.url.includes(ext.extensionId));
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: sw.targetId, flatten: false });
  const answers = new Map();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    answers.get(m.id)?.(m.result);
  });
  let id = 0;
  const call = (method) =>
    new Promise((resolve) => {
      id += 1;
      answers.set(id, resolve);
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params: {} }) });
    });
  const before = await call('Runtime.getHeapUsage');
  await call('HeapProfiler.collectGarbage');
  const after = await call('Runtime.getHeapUsage');
  await cdp.detach();
  return { usedSize: before.usedSize, totalSize: before.totalSize, keptSize: after.usedSize };
}

async function latency(ext, receiver) {
  await clearWebhooks(ext);
  await ext.call({ type: 'addWebhook', webhook: { name: 'latency', url: `${receiver.base}/ok/lat`, events: ['error'] } });
  const worker = ext.context.serviceWorkers()[0];
  const autochat = [];
  const inWorker = [];
  const pageFetch = [];
  const workerFetch = [];
  const one = async (fire, bucket) => {
    receiver.clear();
    const t0 = await fire();
    await waitFor(() => receiver.requests.length === 1, { interval: 1 });
    bucket.push(receiver.requests[0].atPrecise - t0);
    await sleep(30);
  };
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    await one(
      () =>
        ext.page.evaluate(() => {
          const t0 = performance.timeOrigin + performance.now();
          chrome.runtime.sendMessage({ type: 'emit', event: 'error', data: { error: 'latency probe' } });
          return t0;
        }),
      autochat,
    );
    await one(
      () =>
        ext.page.evaluate((url) => {
          const t0 = performance.timeOrigin + performance.now();
          fetch(url, { method: 'POST', body: '{"event":"error"}', headers: { 'Content-Type': 'application/json' } });
          return t0;
        }, `${receiver.base}/ok/page`),
      pageFetch,
    );
    await one(
      () =>
        worker.evaluate(async () => {
          await globalThis.autochat.send({ type: 'getStatus' }); // the core is up before the clock starts
          const t0 = performance.timeOrigin + performance.now();
          globalThis.autochat.send({ type: 'emit', event: 'error', data: { error: 'latency probe' } });
          return t0;
        }),
      inWorker,
    );
    await one(
      () =>
        worker.evaluate((url) => {
          const t0 = performance.timeOrigin + performance.now();
          fetch(url, { method: 'POST', body: '{"event":"error"}', headers: { 'Content-Type': 'application/json' } });
          return t0;
        }, `${receiver.base}/ok/worker`),
      workerFetch,
    );
  }
  // What persisting first costs: one chrome.storage.local write of a delivery-sized entry.
  const storageWrite = [];
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    storageWrite.push(
      await worker.evaluate(async () => {
        const t0 = performance.now();
        await chrome.storage.local.set({ 'bench.probe': 'x'.repeat(400) });
        return performance.now() - t0;
      }),
    );
  }
  await worker.evaluate(() => chrome.storage.local.remove('bench.probe'));
  return { autochat, inWorker, pageFetch, workerFetch, storageWrite };
}

/** Round trip of the first command after a worker stop: worker boot + wasm init + core start. */
async function firstReply(ext) {
  await ext.stopWorker();
  await sleep(100);
  const t0 = now();
  await ext.send({ type: 'getStatus' });
  const ms = now() - t0;
  // The worker's own marks (background/service_worker.js): when the wasm was ready, when the core.
  const marks = await ext.context
    .serviceWorkers()
    .at(-1)
    .evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
  coreStarts.get(ext).push(marks['autochat.core-ready'] - marks['autochat.wasm-ready']);
  return ms;
}
/** Per profile: how long the core's start took (loading the stored state), from the worker's marks. */
const coreStarts = new Map();

/**
 * Start-up of an empty and a loaded profile, alternately, so each pair meets the same machine
 * (two browsers are open; one measures while the other waits). Also a warm round trip for reference.
 */
async function startUps(empty, loaded) {
  for (const ext of [empty, loaded]) await ext.page.goto(ext.url('PRIVACY.txt')); // no manager reconnecting
  // A browser just launched is busy with its own start for a while, which made an empty worker's
  // start take 10 ms in some runs and 3 ms in others: the empty profile is launched before the
  // loaded one is built, and a few pairs run unmeasured first.
  coreStarts.set(empty, []).set(loaded, []);
  for (let i = 0; i < WARM_UP_STARTS; i += 1) {
    await firstReply(empty);
    await firstReply(loaded);
  }
  const times = { empty: [], loaded: [] };
  coreStarts.set(empty, []).set(loaded, []); // the warm-up's marks are not kept
  for (let i = 0; i < STARTS; i += 1) {
    times.empty.push(await firstReply(empty));
    times.loaded.push(await firstReply(loaded));
  }
  const warm = [];
  for (let i = 0; i < STARTS; i += 1) {
    const t0 = now();
    await loaded.send({ type: 'getStatus' });
    warm.push(now() - t0);
  }
  return { ...times, warm, coreEmpty: coreStarts.get(empty), coreLoaded: coreStarts.get(loaded) };
}

async function loadedProfile(receiver) {
  const ext = await launch();
  await addWebhooks(ext, receiver.base, 'load', ['message_sent']);
  // Full history: 50 delivered events per webhook.
  for (let i = 0; i < 5; i += 1) await emitMany(ext.page, 10);
  await waitFor(async () => (await ext.call({ type: 'listWebhooks' })).webhooks.every((w) => w.triggerCount === 50), { timeout: 60_000, what: 'history' });
  // 500 waiting deliveries: the endpoints go away and the global switch is off, so they stay.
  const port = await deadPort();
  for (const w of (await ext.call({ type: 'listWebhooks' })).webhooks) {
    await ext.call({ type: 'updateWebhook', id: w.id, webhook: { name: w.name, url: `http://127.0.0.1:${port}/gone`, events: w.events } });
  }
  await ext.call({ type: 'setWebhooksEnabled', enabled: false });
  await ext.call({ type: 'setWebhooksEnabled', enabled: true });
  await ext.call({ type: 'setWebhooksEnabled', enabled: false });
  // Events are not queued while the switch is off, so switch on only around the emits.
  await ext.call({ type: 'setWebhooksEnabled', enabled: true });
  await emitMany(ext.page, 50);
  await ext.call({ type: 'setWebhooksEnabled', enabled: false });
  const status = await ext.call({ type: 'getStatus' });
  const histories = await ext.page.evaluate(
    async () => Object.keys(await chrome.storage.local.get(null)).filter((k) => k.startsWith('autochat.history.')).length,
  );
  return { ext, pending: status.pendingDeliveries, histories };
}

function sizes() {
  const file = (p) => fs.readFileSync(path.join(DIST, p));
  const wasm = file('pkg/autochat_bg.wasm');
  const glue = file('pkg/autochat.js');
  const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
  return { wasmRaw: wasm.length, wasmGzip: gz(wasm), glueRaw: glue.length, glueGzip: gz(glue) };
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let chromium = 'unknown';
  try {
    chromium = execSync(`${process.env.CHROMIUM || '/usr/bin/chromium'} --version`, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    /* reported as unknown */
  }
  return { cpu, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, chromium };
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
/** A difference with its sign: "+2.10" or "−2.10". */
const signed = (n, d = 0) => `${n < 0 ? '−' : '+'}${fmt(Math.abs(n), d)}`;

async function main() {
  const receiver = await startReceiver();
  // Receipt times with sub-millisecond precision, for latency.
  const origPush = receiver.requests.push.bind(receiver.requests);
  receiver.requests.push = (entry) => {
    entry.atPrecise = now();
    return origPush(entry);
  };

  if (process.argv.includes('--startup-only')) {
    // For work on start-up alone: its two figures, nothing written.
    const empty = await launch(); // first, so both browsers are past their own start-up (see startUps)
    const loaded = await loadedProfile(receiver);
    const starts = await startUps(empty, loaded.ext);
    const [e, l] = [median(starts.empty), median(starts.loaded)];
    const added = median(starts.loaded.map((x, i) => x - starts.empty[i]));
    await empty.close();
    await loaded.ext.close();
    await receiver.close();
    console.log(
      `start-up: empty ${fmt(e, 1)} ms, loaded ${fmt(l, 1)} ms (${signed(added, 1)} ms, the median of the pairs' differences; ${loaded.pending} waiting, ${loaded.histories} histories)`,
    );
    console.log(`core start: empty ${fmt(median(starts.coreEmpty), 1)} ms, loaded ${fmt(median(starts.coreLoaded), 1)} ms`);
    return;
  }
  const results = { date: new Date().toISOString(), machine: machine(), quick: QUICK, reps: REPS };
  console.log(`AutoChat benchmark on ${results.machine.cpu} (${results.machine.cores} cores), ${results.machine.chromium}${QUICK ? ' — quick run' : ''}`);

  const ext = await launch();
  // Commands go through an extension page that shows nothing (as when the popup is closed); the
  // manager's own cost is measured apart, with it open.
  await ext.page.goto(ext.url('PRIVACY.txt'));
  console.log(`• throughput: ${EVENTS} events × ${WEBHOOKS} webhooks, ${REPS} runs …`);
  const tp = await throughput(ext, receiver);
  const managerReps = Math.min(REPS, 3);
  console.log(`• throughput with the Webhook Manager open, ${managerReps} runs …`);
  const tpm = await throughput(ext, receiver, { manager: true, reps: managerReps });
  console.log(`• stream: ${EVENTS} events, each awaited, × ${WEBHOOKS} webhooks, ${REPS} runs …`);
  const st = await stream(ext, receiver);
  console.log('• latency …');
  const lat = await latency(ext, receiver);
  await ext.close();

  console.log('• start-up …');
  const empty = await launch(); // first, so both browsers are past their own start-up (see startUps)
  const loaded = await loadedProfile(receiver);
  const starts = await startUps(empty, loaded.ext);
  await empty.close();
  await loaded.ext.close();
  await receiver.close();

  const size = sizes();
  const tpA = median(tp.autochat);
  const tpP = median(tp.plain);
  const latA = median(lat.autochat);
  const latP = median(lat.pageFetch);
  const startE = median(starts.empty);
  const startL = median(starts.loaded);
  // Each pair ran back to back, so the median of their differences is the steadier figure.
  const startAdded = median(starts.loaded.map((x, i) => x - starts.empty[i]));
  Object.assign(results, {
    throughput: {
      deliveriesPerSecond: { autochat: tp.autochat, plainFetch: tp.plain },
      median: { autochat: tpA, plainFetch: tpP },
      ratio: tpA / tpP,
      target: 0.95,
    },
    throughputManagerOpen: {
      deliveriesPerSecond: { autochat: tpm.autochat, plainFetch: tpm.plain },
      median: { autochat: median(tpm.autochat), plainFetch: median(tpm.plain) },
      ratio: median(tpm.autochat) / median(tpm.plain),
    },
    stream: {
      deliveriesPerSecond: { autochat: st.autochat, plainFetch: st.plain },
      median: { autochat: median(st.autochat), plainFetch: median(st.plain) },
      ratio: median(st.autochat) / median(st.plain),
      target: 0.95,
    },
    latency: {
      ms: { autochat: lat.autochat, emitInWorker: lat.inWorker, plainFetchFromPage: lat.pageFetch, plainFetchFromWorker: lat.workerFetch },
      p50: { autochat: latA, emitInWorker: median(lat.inWorker), plainFetchFromPage: latP, plainFetchFromWorker: median(lat.workerFetch) },
      p95: {
        autochat: quantile(lat.autochat, 0.95),
        emitInWorker: quantile(lat.inWorker, 0.95),
        plainFetchFromPage: quantile(lat.pageFetch, 0.95),
        plainFetchFromWorker: quantile(lat.workerFetch, 0.95),
      },
      p50OverheadMs: latA - latP,
      p50OverheadInWorkerMs: median(lat.inWorker) - median(lat.workerFetch),
      targetMs: 1,
      targetP95Ms: 2,
      storageWriteMs: { p50: median(lat.storageWrite), p95: quantile(lat.storageWrite, 0.95) },
    },
    startUp: {
      ms: { empty: starts.empty, loaded: starts.loaded, warmRoundTrip: starts.warm },
      median: { empty: startE, loaded: startL, warmRoundTrip: median(starts.warm) },
      addedMs: startAdded,
      coreStartMs: { empty: starts.coreEmpty, loaded: starts.coreLoaded },
      coreStartMedian: { empty: median(starts.coreEmpty), loaded: median(starts.coreLoaded) },
      targetMs: 10,
      loadedWith: { webhooks: WEBHOOKS, pendingDeliveries: loaded.pending, histories: loaded.histories },
    },
    size: { ...size, targetRaw: 300 * 1024 },
    memory: {
      jsHeapUsedBytes: tp.heap.usedSize,
      jsHeapTotalBytes: tp.heap.totalSize,
      jsHeapKeptBytes: tp.heap.keptSize,
      wasmMemoryBytes: tp.status.wasmMemoryBytes,
      wasmMemoryPeakBytes: tp.peakWasm,
      freshStarts: tp.freshStarts,
    },
  });

  /** A throughput row: medians with their [min–max], and AutoChat's ratio to plain fetch. */
  const rate = (xs) =>
    `${fmt(median(xs))} [${spread(xs)
      .map((x) => fmt(x))
      .join('–')}]`;
  const throughputRow = (label, runs, target) => [
    label,
    rate(runs.autochat),
    rate(runs.plain),
    `${fmt(median(runs.autochat) / median(runs.plain), 2)}×`,
    target,
  ];
  const rows = [
    throughputRow('Fan-out throughput (deliveries/s)', tp, '≥ 0.95×'),
    throughputRow('… with the Webhook Manager open', tpm, ''),
    throughputRow('Stream throughput (deliveries/s)', st, '≥ 0.95×'),
    ['Latency p50 (ms)', fmt(latA, 2), fmt(latP, 2), `${signed(latA - latP, 2)} ms`, '< +1 ms'],
    [
      'Latency p95 (ms)',
      fmt(quantile(lat.autochat, 0.95), 2),
      fmt(quantile(lat.pageFetch, 0.95), 2),
      `${signed(quantile(lat.autochat, 0.95) - quantile(lat.pageFetch, 0.95), 2)} ms`,
      '< +2 ms',
    ],
    [
      'Latency in the worker p50 (ms)',
      fmt(median(lat.inWorker), 2),
      fmt(median(lat.workerFetch), 2),
      `${signed(median(lat.inWorker) - median(lat.workerFetch), 2)} ms`,
      '< +1 ms',
    ],
    [
      'Latency in the worker p95 (ms)',
      fmt(quantile(lat.inWorker, 0.95), 2),
      fmt(quantile(lat.workerFetch, 0.95), 2),
      `${signed(quantile(lat.inWorker, 0.95) - quantile(lat.workerFetch, 0.95), 2)} ms`,
      '< +2 ms',
    ],
    ['Worker start to first reply (ms)', `${fmt(startL, 1)} (loaded)`, `${fmt(startE, 1)} (empty)`, `${signed(startAdded, 1)} ms`, '< +10 ms'],
    [
      '… of which the core loading (ms)',
      `${fmt(median(starts.coreLoaded), 1)} (loaded)`,
      `${fmt(median(starts.coreEmpty), 1)} (empty)`,
      `${signed(median(starts.coreLoaded) - median(starts.coreEmpty), 1)} ms`,
      '',
    ],
    ['Shipped wasm (bytes)', `${fmt(size.wasmRaw)} raw`, `${fmt(size.wasmGzip)} gzipped`, `${fmt(size.wasmRaw / (300 * 1024), 2)}× target`, '< 307,200 raw'],
    ['JS glue (bytes)', `${fmt(size.glueRaw)} raw`, `${fmt(size.glueGzip)} gzipped`, '', ''],
    [
      'Memory after throughput',
      `JS heap ${fmt(tp.heap.keptSize / 2 ** 20, 1)} MiB kept (${fmt(tp.heap.usedSize / 2 ** 20, 1)} used)`,
      `wasm ${fmt((tp.status.wasmMemoryBytes ?? 0) / 2 ** 20, 1)} MiB idle (${fmt(tp.peakWasm / 2 ** 20, 1)} MiB at the peak, ${tp.freshStarts} fresh starts)`,
      '',
      '',
    ],
  ];
  const header = ['Measure', 'AutoChat', 'Limit / beside', 'Ratio or overhead', 'Target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(['', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line), ''].join('\n'));
  console.log('Latency from a page: emit sent with chrome.runtime.sendMessage, beside a plain fetch from the page. In the worker: the');
  console.log('core handles the emit where the campaign engine emits (no page message), beside a plain fetch from the worker.');
  console.log(
    `Persisting first: one chrome.storage.local write takes p50 ${fmt(median(lat.storageWrite), 2)} ms (p95 ${fmt(quantile(lat.storageWrite, 0.95), 2)} ms); a page→worker message round trip ${fmt(median(starts.warm), 2)} ms.`,
  );
  console.log(
    `Start-up: loaded = ${WEBHOOKS} webhooks, ${loaded.pending} pending deliveries, ${loaded.histories} full histories; a warm round trip is ${fmt(median(starts.warm), 2)} ms.`,
  );
  fs.writeFileSync(path.join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('Figures written to bench/results.json');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
