// @ts-check
// The sending half of the Http port (web/src/ports.rs), in JavaScript so that one request costs
// one crossing of the wasm boundary each way: the request's parts go in together, and the
// answer's facts come back together. Every rule (what a redirect, a timeout or a status means,
// what is kept of a body) stays in Rust; this only sends and reports what happened.

/**
 * Sends one request. `headers` is one string of names and values, each followed by a NUL
 * (neither can contain one: the core refuses such headers before they are saved).
 *
 * Resolves to `['answer', status, type, retryAfter, bodyStart]`, where `bodyStart` is at most
 * `keepBytes` bytes of the body as text (the rest is never read), or to `['failed', errorName,
 * message]`. Never rejects. The request is under way when this returns.
 * @param {string} url
 * @param {string} method
 * @param {string} headers
 * @param {string | undefined} body
 * @param {number} timeoutMs
 * @param {number} keepBytes
 * @returns {Promise<Array<string | number | null>>}
 */
export function send(url, method, headers, body, timeoutMs, keepBytes) {
  /** @type {Array<[string, string]>} */
  const pairs = [];
  const parts = headers.split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) pairs.push([parts[i], parts[i + 1]]);
  let pending;
  try {
    pending = fetch(url, { method, headers: pairs, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return Promise.resolve(failed(error));
  }
  return pending.then(async (response) => {
    const start = await bodyStart(response, keepBytes).catch(() => '');
    return ['answer', response.status, response.type, response.headers.get('retry-after'), start];
  }, failed);
}

/** @param {unknown} error */
function failed(error) {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return ['failed', name, message];
}

/**
 * The first `keepBytes` bytes of a body, as text (an incomplete last character becomes U+FFFD);
 * the rest of the stream is cancelled unread.
 * @param {Response} response
 * @param {number} keepBytes
 */
async function bodyStart(response, keepBytes) {
  if (!response.body) return '';
  // A short body sent as is (no Content-Encoding, which could inflate it) is read whole.
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared <= keepBytes && !response.headers.has('content-encoding')) return response.text();
  // Otherwise (chunked, as many servers answer) chunk by chunk, up to `keepBytes`. The chunks are
  // kept as they come: a short answer is one chunk, decoded as is, with no buffer of its own.
  const reader = response.body.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let length = 0;
  while (length < keepBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  if (length >= keepBytes) reader.cancel().catch(() => {});
  if (chunks.length === 1) return utf8.decode(chunks[0].subarray(0, keepBytes));
  const kept = new Uint8Array(Math.min(length, keepBytes));
  let at = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.length, kept.length - at);
    kept.set(chunk.subarray(0, take), at);
    at += take;
  }
  return utf8.decode(kept);
}

const utf8 = new TextDecoder();

/**
 * Whether the browser believes it is online; where it cannot tell, online (an attempt then fails
 * and is retried). Asked after every outcome, so it is one call returning a boolean.
 * @returns {boolean}
 */
export function online() {
  return globalThis.navigator?.onLine !== false;
}
