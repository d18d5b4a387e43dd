// The translation files against each other and against the code that uses them. English is the
// reference: every other language has exactly its keys and the same `{placeholders}`, and every
// key the pages ask for exists. The catalog's English copy (`catalog_*`) is checked against the
// core by the native test `protocol::catalog_words`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file) => fs.readFileSync(path.join(root, file), 'utf8');
const languages = fs.readdirSync(path.join(root, '_locales')).sort();
const messages = Object.fromEntries(languages.map((lang) => [lang, JSON.parse(read(`_locales/${lang}/messages.json`))]));
const english = messages.en;

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** The page sources that show text: the pages' scripts and markup, the content script, the manifest. */
const sources = [
  ...['popup', 'options'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .filter((f) => /\.(js|html)$/.test(f))
      .map((f) => `${dir}/${f}`),
  ),
  'content/chat.js',
  'manifest.json',
].map((file) => ({ file, text: read(file) }));

/** Keys named literally in the sources, and prefixes of keys built at run time (`t(\`x_${…}\`)`). */
function usedKeys() {
  const keys = new Set();
  const prefixes = new Set();
  const named = new Set();
  for (const { text } of sources) {
    for (const m of text.matchAll(/\b(?:t|getMessage)\(\s*'([a-z0-9_]+)'/g)) keys.add(m[1]);
    for (const m of text.matchAll(/\btn\(\s*'([a-z0-9_]+)'/g)) {
      keys.add(`${m[1]}_one`);
      keys.add(`${m[1]}_other`);
    }
    for (const m of text.matchAll(/\b(?:t|tn|getMessage)\(\s*`([a-z0-9_]+)\$\{/g)) prefixes.add(m[1]);
    for (const m of text.matchAll(/data-i18n="([a-z0-9_]+)"/g)) keys.add(m[1]);
    for (const m of text.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1].split(/\s+/)) keys.add(pair.split(':')[1]);
    for (const m of text.matchAll(/__MSG_(\w+)__/g)) keys.add(m[1]);
    // Keys chosen at run time (`t(ok ? 'a_b' : 'a_c')`, a table of keys) are named as literals.
    for (const m of text.matchAll(/'([a-z][a-z0-9]*(?:_[a-z0-9]+)+)'/g)) named.add(m[1]);
  }
  return { keys, prefixes, named };
}

test('English is one of the languages and the manifest’s default', () => {
  assert.ok(languages.includes('en'));
  assert.ok(languages.includes('de'), 'German is the proof that a language is one file');
  assert.equal(JSON.parse(read('manifest.json')).default_locale, 'en');
});

test('every key is lower case (Chrome compares keys case-insensitively) and described in English', () => {
  for (const [key, entry] of Object.entries(english)) {
    assert.match(key, /^[a-z][a-z0-9_]*$|^ext[A-Z]\w*$/, `key ${key}`);
    assert.ok(entry.description?.trim(), `${key} has no description for translators`);
    assert.equal(typeof entry.message, 'string', key);
  }
  for (const lang of languages) {
    const raw = read(`_locales/${lang}/messages.json`);
    const declared = [...raw.matchAll(/^ {2}"(\w+)":/gm)].map((m) => m[1].toLowerCase());
    assert.equal(new Set(declared).size, declared.length, `${lang} declares a key twice`);
  }
});

for (const lang of languages.filter((l) => l !== 'en')) {
  test(`${lang} has exactly the English keys, each with the same placeholders`, () => {
    const theirs = messages[lang];
    assert.deepEqual(Object.keys(theirs).sort(), Object.keys(english).sort());
    for (const [key, entry] of Object.entries(english)) {
      assert.ok(theirs[key].message.trim(), `${lang}: ${key} is empty`);
      assert.deepEqual(placeholders(theirs[key].message), placeholders(entry.message), `${lang}: ${key}`);
    }
    assert.equal(theirs.locale.message, lang, 'the `locale` message names the file’s own language');
  });
}

test('every key the pages ask for exists, and every key is asked for', () => {
  const { keys, prefixes, named } = usedKeys();
  // A literal in an area's namespace (`item_…`, `campaign_…`) that is no key is a typo.
  const areas = new Set(Object.keys(english).map((k) => k.split('_')[0]));
  const isKey = (k) => k in english || `${k}_other` in english;
  const typos = [...named].filter((k) => areas.has(k.split('_')[0]) && !isKey(k) && ![...prefixes].some((p) => k.startsWith(p)));
  const missing = [...keys, ...typos].filter((k) => !(k in english));
  assert.deepEqual(missing, [], 'keys used but not in _locales/en/messages.json');
  const unused = Object.keys(english).filter(
    (k) =>
      !keys.has(k) &&
      !named.has(k) &&
      !named.has(k.replace(/_(one|other)$/, '')) &&
      k !== 'locale' &&
      !k.startsWith('catalog_') &&
      ![...prefixes].some((p) => k.startsWith(p)),
  );
  assert.deepEqual(unused, [], 'keys in _locales/en/messages.json that nothing uses');
});

test('no page builds HTML from text', () => {
  for (const { file, text } of sources) assert.doesNotMatch(text, /\.innerHTML\s*=|insertAdjacentHTML/, file);
});
