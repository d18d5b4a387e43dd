// @ts-check
// The start-up read of the Storage port (web/src/ports.rs), in JavaScript so that everything
// AutoChat keeps crosses into wasm as one block of bytes. Passed one string at a time, each key
// and each value would cross on its own, copied character by character: at start-up that was
// most of the cost of reading 500 waiting deliveries.

const encoder = new TextEncoder();

/**
 * Reads every entry of `chrome.storage.local` whose key starts with one of `prefixes` (a value
 * that is not text as its JSON), through `issued` when the whole store's read is already under
 * way. Resolves to the entries as UTF-8, key then value, each preceded by its length in bytes
 * (4 bytes, little-endian). Rejects as `chrome.storage.local.get` does.
 * @param {string[]} prefixes
 * @param {Promise<Record<string, unknown>> | undefined} issued
 * @returns {Promise<Uint8Array>}
 */
export async function readPrefixed(prefixes, issued) {
  const all = await (issued ?? chrome.storage.local.get(null));
  /** @type {string[]} */
  const texts = [];
  let units = 0;
  for (const [key, value] of Object.entries(all)) {
    if (!prefixes.some((p) => key.startsWith(p))) continue;
    // AutoChat stores JSON text; anything else is passed on as JSON, for the core to read or,
    // if it cannot, keep aside as unreadable rather than take it for missing.
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    texts.push(key, text);
    units += key.length + text.length;
  }
  // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair, 2 units, takes 4).
  const block = new Uint8Array(units * 3 + texts.length * 4);
  const lengths = new DataView(block.buffer);
  let at = 0;
  for (const text of texts) {
    const { read, written } = encoder.encodeInto(text, block.subarray(at + 4));
    if (read !== text.length) throw new Error('AutoChat could not pass what storage holds to its core.');
    lengths.setUint32(at, written, true);
    at += 4 + written;
  }
  return block.subarray(0, at);
}
