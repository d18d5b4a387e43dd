// Fake chat services for the end-to-end suite: one HTTPS server on 127.0.0.1 that answers as Slack, Discord, Teams
// Workflows, Google Chat and Telegram do (per /work/shared/destinations.md), picked by the request's Host header.
// Chromium reaches it through `--host-resolver-rules` (see `hostRules`) with `--ignore-certificate-errors`.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { recording } from './harness.mjs';

const SLACK = 'hooks.slack.com';
const DISCORD = 'discord.com';
const TEAMS = 'default0123456789abcdef.01.environment.api.powerplatform.com';
const GCHAT = 'chat.googleapis.com';
const TELEGRAM = 'api.telegram.org';
const HOSTS = [SLACK, DISCORD, TEAMS, GCHAT, TELEGRAM];

const slackUrl = (token) => `https://${SLACK}/services/T0AUTOCHAT/B0AUTOCHAT/${token}`;
const discordUrl = (token) => `https://${DISCORD}/api/webhooks/123456789012345678/${token}`;
const TEAMS_WORKFLOW = '0123456789abcdef0123456789abcdef';
const TEAMS_PATH = `/powerautomate/automations/direct/workflows/${TEAMS_WORKFLOW}/triggers/manual/paths/invoke`;
const TEAMS_QUERY = 'api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0';
const GCHAT_KEY = 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI';
const gchatUrl = (token) => `https://${GCHAT}/v1/spaces/AAAAautochat/messages?key=${GCHAT_KEY}&token=${token}`;
const telegramUrl = (token, query = '?chat_id=424242') => `https://${TELEGRAM}/bot${token}/sendMessage${query}`;

/** Ready-made webhook URLs, all with real hostnames and path shapes. */
export const URLS = {
  slack: slackUrl('abcdefghijklmnopqrstuvwx'),
  slackRevoked: slackUrl('revokedrevokedrevokedrevo'), // 404 no_service
  slackArchived: slackUrl('archivedarchivedarchivedx'), // 410 channel_is_archived
  slackNotFound: slackUrl('channelgonechannelgonexxx'), // 404 channel_not_found
  slackRateLimited: slackUrl('ratelimitedratelimitedxxx'), // first request 429 + Retry-After: 2, then as `slack`
  discord: discordUrl('goodtoken_abc-DEF'),
  discordUnknown: discordUrl('unknowntoken'), // 404 code 10015
  discordBadToken: discordUrl('badtoken'), // 401 code 50027
  discordRateLimited: discordUrl('ratelimited'), // first request 429 with JSON retry_after 1.5 (no header), then as `discord`
  teams: `https://${TEAMS}:443${TEAMS_PATH}?${TEAMS_QUERY}&sig=testsig123`,
  teamsNoSig: `https://${TEAMS}:443${TEAMS_PATH}?${TEAMS_QUERY}`, // 401 DirectApiAuthorizationRequired
  googleChat: gchatUrl('goodtoken'),
  googleChatBadToken: gchatUrl('badtoken'), // 403 PERMISSION_DENIED
  telegram: telegramUrl('123456:ABC-DEF_ghi'),
  telegramNoChat: telegramUrl('123456:ABC-DEF_ghi', ''), // 400 chat_id is empty, unless the body has one
  telegramUnknownChat: telegramUrl('123456:ABC-DEF_ghi', '?chat_id=999'), // 400 chat not found
  telegramRateLimited: telegramUrl('123456:ratelimited'), // first request 429 retry_after 2, then as `telegram`
};

/**
 * Starts one HTTPS server on 127.0.0.1 (random port) that behaves like Slack, Discord, Teams Workflows, Google Chat
 * and Telegram, chosen by the request's Host header. Returns { port, hosts, hostRules, urls, requests, to(host), clear(),
 * close() }; each request is recorded as { host, method, path, query, headers, body, json, at, status, answer }.
 * "First request" rate limits count per host + path and restart after clear().
 */
export async function startServices() {
  const requests = [];
  const seen = new Map();
  const state = { messageId: 0 };
  const server = https.createServer(makeCertificate(), (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'https://127.0.0.1');
      const host = (req.headers.host ?? req.socket.servername ?? '').replace(/:\d+$/, '').toLowerCase();
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { host, method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      Object.assign(entry, { json: parseJson(body), at: Date.now(), status: null, answer: null });
      requests.push(entry);
      const key = host + url.pathname;
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      let out;
      try {
        const handler = HANDLERS[host];
        if (!handler) out = text(421, `misdirected request: no fake service for host ${host}`);
        else if (req.method !== 'POST' && !(host === TELEGRAM && req.method === 'GET')) out = text(405, 'method not allowed');
        else out = handler(entry, count, state);
      } catch (error) {
        out = text(500, `fake service crashed: ${error.stack}`);
      }
      entry.status = out.status;
      entry.answer = out.body;
      res.writeHead(out.status, out.headers).end(out.body);
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    hosts: [...HOSTS],
    hostRules: HOSTS.map((h) => `MAP ${h} 127.0.0.1:${port}`).join(', '),
    urls: { ...URLS },
    requests,
    to: (host) => requests.filter((r) => r.host === host),
    ...recording(server, requests, seen),
  };
}

/** A self-signed certificate for all HOSTS, valid 2 days, made with the openssl CLI in a temp dir that is then removed. */
function makeCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autochat-services-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    const san = `subjectAltName=${HOSTS.map((h) => `DNS:${h}`).join(',')},IP:127.0.0.1`;
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
    args.push('-subj', '/CN=AutoChat fake services', '-addext', san, '-keyout', key, '-out', cert);
    execFileSync(process.env.OPENSSL || '/usr/bin/openssl', args, { stdio: 'pipe' });
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const HANDLERS = { [SLACK]: slack, [DISCORD]: discord, [TEAMS]: teams, [GCHAT]: googleChat, [TELEGRAM]: telegram };

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const text = (status, body, headers = {}) => ({ status, body, headers: { 'content-type': TEXT, ...headers } });
const json = (status, value, headers = {}) => ({ status, body: JSON.stringify(value), headers: { 'content-type': JSON_TYPE, ...headers } });
const empty = (status) => ({ status, body: '', headers: {} });
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isJson = (entry) => /^application\/json\b/i.test(entry.headers['content-type'] ?? '');
const length = (s) => [...String(s)].length; // characters, as the services count them (code points)
const filled = (s) => typeof s === 'string' && s.trim() !== '';

function parseJson(body) {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

// Slack: token errors, then JSON body checks; success is 200 text `ok`. Unknown tokens get 403 invalid_token.
const SLACK_TOKENS = {
  abcdefghijklmnopqrstuvwx: null,
  ratelimitedratelimitedxxx: null,
  revokedrevokedrevokedrevo: [404, 'no_service'],
  archivedarchivedarchivedx: [410, 'channel_is_archived'],
  channelgonechannelgonexxx: [404, 'channel_not_found'],
};

function slack(entry, count) {
  const token = /^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/([A-Za-z0-9]+)$/.exec(entry.path)?.[1];
  if (!token) return text(404, 'no_service');
  if (!(token in SLACK_TOKENS)) return text(403, 'invalid_token');
  if (SLACK_TOKENS[token]) return text(...SLACK_TOKENS[token]);
  if (token.startsWith('ratelimited') && count === 1) return text(429, 'rate_limited', { 'retry-after': '2' });
  const body = entry.json;
  if (!isJson(entry) || !isObject(body)) return text(400, 'invalid_payload');
  if (body.blocks !== undefined && !slackBlocksValid(body.blocks)) return text(400, 'invalid_blocks');
  const some = (list) => Array.isArray(list) && list.length > 0;
  if (!filled(body.text) && !some(body.blocks) && !some(body.attachments)) return text(400, 'missing_text_or_fallback_or_attachments');
  return text(200, 'ok');
}

// Block Kit limits: ≤50 blocks; section text 1–3000 (mrkdwn/plain_text), fields ≤10 × 2000; header plain_text ≤150.
function slackBlocksValid(blocks) {
  const textObject = (t, max) => isObject(t) && ['mrkdwn', 'plain_text'].includes(t.type) && filled(t.text) && length(t.text) <= max;
  if (!Array.isArray(blocks) || blocks.length > 50) return false;
  return blocks.every((b) => {
    if (!isObject(b) || typeof b.type !== 'string') return false;
    if (b.type === 'header') return textObject(b.text, 150) && b.text.type === 'plain_text';
    if (b.type === 'context') return Array.isArray(b.elements) && b.elements.length > 0 && b.elements.length <= 10;
    if (b.type !== 'section') return true;
    if (b.text === undefined && b.fields === undefined) return false;
    if (b.text !== undefined && !textObject(b.text, 3000)) return false;
    return b.fields === undefined || (Array.isArray(b.fields) && b.fields.length <= 10 && b.fields.every((f) => textObject(f, 2000)));
  });
}

// Discord: token errors, then form checks (50035), then emptiness (50006); success 204, or 200 + message with ?wait=true.
// A body that is not application/json is read as empty, as Discord ignores bodies it cannot decode.
function discord(entry, count) {
  const match = /^\/api(?:\/v\d+)?\/webhooks\/(\d{17,20})\/([\w-]+)\/?$/.exec(entry.path);
  if (!match) return json(404, { message: '404: Not Found', code: 0 });
  const [, id, token] = match;
  if (id !== '123456789012345678' || token === 'unknowntoken') return json(404, { message: 'Unknown Webhook', code: 10015 });
  if (token !== 'goodtoken_abc-DEF' && token !== 'ratelimited') return json(401, { message: 'Invalid Webhook Token', code: 50027 });
  if (token === 'ratelimited' && count === 1) return json(429, { message: 'You are being rate limited.', retry_after: 1.5, global: false });
  if (isJson(entry) && entry.json === null) return json(400, { message: 'The request body contains invalid JSON.', code: 50109 });
  const body = isJson(entry) && isObject(entry.json) ? entry.json : {};
  const errors = discordFormErrors(body);
  if (Object.keys(errors).length > 0) return json(400, { code: 50035, errors, message: 'Invalid Form Body' });
  if (!filled(body.content) && !(Array.isArray(body.embeds) && body.embeds.length > 0)) {
    return json(400, { message: 'Cannot send an empty message', code: 50006 });
  }
  if (entry.query.wait !== 'true') return empty(204);
  const author = { id, username: body.username ?? 'AutoChat test hook', bot: true };
  const message = { id: String(Date.now()), type: 0, channel_id: '223456789012345678', webhook_id: id, author };
  return json(200, { ...message, content: body.content ?? '', embeds: body.embeds ?? [], timestamp: new Date().toISOString() });
}

/** Discord's nested `errors` object: { key: { index: { key: { _errors: [{ code, message }] } } } }. */
function discordFormErrors(body) {
  const errors = {};
  const put = (keys, code, message) => {
    let node = errors;
    for (const k of [...keys, '_errors']) {
      node[k] ??= k === '_errors' ? [] : {};
      node = node[k];
    }
    node.push({ code, message });
  };
  const max = (keys, value, limit) => {
    if (value != null && length(value) > limit) put(keys, 'BASE_TYPE_MAX_LENGTH', `Must be ${limit} or fewer in length.`);
    return value == null ? 0 : length(value);
  };
  max(['content'], body.content, 2000);
  if (typeof body.username === 'string') {
    const banned = /discord|clyde/i.exec(body.username)?.[0];
    if (banned) put(['username'], 'USERNAME_INVALID_CONTAINS', `Username cannot contain "${banned.toLowerCase()}"`);
    if (length(body.username) > 80) put(['username'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 80 in length.');
  }
  if (body.embeds === undefined) return errors;
  if (!Array.isArray(body.embeds)) put(['embeds'], 'BASE_TYPE_ARRAY', 'Must be an array.');
  else if (body.embeds.length > 10) put(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  else {
    let total = 0;
    for (const [i, e] of body.embeds.entries()) {
      const at = ['embeds', String(i)];
      if (!isObject(e)) {
        put(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
        continue;
      }
      total += max([...at, 'title'], e.title, 256) + max([...at, 'description'], e.description, 4096);
      total += max([...at, 'footer', 'text'], e.footer?.text, 2048) + max([...at, 'author', 'name'], e.author?.name, 256);
      if (e.fields === undefined) continue;
      if (!Array.isArray(e.fields) || e.fields.length > 25) {
        put([...at, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        continue;
      }
      for (const [j, f] of e.fields.entries()) {
        for (const [k, limit] of Object.entries({ name: 256, value: 1024 })) {
          if (!filled(f?.[k])) put([...at, 'fields', String(j), k], 'BASE_TYPE_REQUIRED', 'This field is required');
          else total += max([...at, 'fields', String(j), k], f[k], limit);
        }
      }
    }
    if (total > 6000) put(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  }
  return errors;
}

// Teams Workflows: needs `sig`; then 202 empty for any body (the flow fails silently later), except undecodable JSON.
function teams(entry) {
  const id = /^\/powerautomate\/automations\/direct\/workflows\/([0-9a-f]{32})\/triggers\/manual\/paths\/invoke$/.exec(entry.path)?.[1];
  if (id !== TEAMS_WORKFLOW) return json(404, { error: { code: 'WorkflowNotFound', message: `The workflow '${id ?? ''}' could not be found.` } });
  if (!entry.query.sig) {
    const message = 'The request must be authorized: add a shared access signature (sig) to the query or a valid bearer token.';
    return json(401, { error: { code: 'DirectApiAuthorizationRequired', message } });
  }
  if (entry.query.sig !== 'testsig123') return json(401, { error: { code: 'AuthorizationFailed', message: 'The provided signature is not valid.' } });
  if (isJson(entry) && entry.json === null) {
    return json(400, { error: { code: 'InvalidRequestContent', message: 'The request content is not valid and could not be deserialized.' } });
  }
  return empty(202);
}

// Google Chat: key, token, size, known fields, non-empty; success 200 with only `name` and `thread.name`.
const GCHAT_FIELDS = ['text', 'cardsV2', 'cards', 'thread', 'fallbackText', 'accessoryWidgets', 'privateMessageViewer'];
const googleError = (code, status, message) => json(code, { error: { code, message, status } });

function googleChat(entry) {
  const space = /^\/v1\/spaces\/([^/]+)\/messages$/.exec(entry.path)?.[1];
  if (!space) return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
  if (!entry.query.key) return googleError(403, 'PERMISSION_DENIED', 'The request is missing a valid API key.');
  if (entry.query.key !== GCHAT_KEY) return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
  if (space !== 'AAAAautochat' || entry.query.token !== 'goodtoken') {
    return googleError(403, 'PERMISSION_DENIED', 'The API is called without a valid token.');
  }
  if (Buffer.byteLength(entry.body) > 32000) return googleError(400, 'INVALID_ARGUMENT', 'Message exceeds the maximum size of 32,000 bytes.');
  const body = entry.json;
  if (body === null) return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.');
  if (!isObject(body)) return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Root element must be a message.');
  const unknown = Object.keys(body).find((k) => !GCHAT_FIELDS.includes(k));
  if (unknown) return googleError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${unknown}" at 'message': Cannot find field.`);
  if (!filled(body.text) && !(Array.isArray(body.cardsV2) && body.cardsV2.length > 0)) {
    return googleError(400, 'INVALID_ARGUMENT', 'Message cannot be empty.');
  }
  return json(200, { name: 'spaces/AAAAautochat/messages/abc.abc', thread: { name: 'spaces/AAAAautochat/threads/xyz' } });
}

// Telegram sendMessage: GET or POST; query params merged with a JSON or urlencoded body (body wins).
const TELEGRAM_TOKENS = ['123456:ABC-DEF_ghi', '123456:ratelimited'];
const TELEGRAM_BOT = { id: 123456, is_bot: true, first_name: 'AutoChat Test Bot', username: 'autochat_test_bot' };
const TELEGRAM_CHATS = {
  424242: { id: 424242, first_name: 'AutoChat', username: 'autochat_user', type: 'private' },
  '@autochat_test': { id: -1001234567890, title: 'AutoChat test', username: 'autochat_test', type: 'channel' },
};
const telegramError = (code, description, extra = {}) => json(code, { ok: false, error_code: code, description, ...extra });

function telegram(entry, count, state) {
  const match = /^\/bot(\d+:[\w-]+)\/(\w+)$/.exec(entry.path);
  if (!match) return telegramError(404, 'Not Found');
  const [, token, method] = match;
  if (!TELEGRAM_TOKENS.includes(token)) return telegramError(401, 'Unauthorized');
  if (method.toLowerCase() !== 'sendmessage') return telegramError(404, 'Not Found');
  if (token.endsWith(':ratelimited') && count === 1) {
    return telegramError(429, 'Too Many Requests: retry after 2', { parameters: { retry_after: 2 } });
  }
  const form = /^application\/x-www-form-urlencoded\b/i.test(entry.headers['content-type'] ?? '');
  const fromBody = form ? Object.fromEntries(new URLSearchParams(entry.body)) : isJson(entry) && isObject(entry.json) ? entry.json : {};
  const params = { ...entry.query, ...fromBody };
  const chatId = params.chat_id == null ? '' : String(params.chat_id).trim();
  if (chatId === '') return telegramError(400, 'Bad Request: chat_id is empty');
  const chat = TELEGRAM_CHATS[chatId.toLowerCase()];
  if (!chat) return telegramError(400, 'Bad Request: chat not found');
  let plain = params.text == null || typeof params.text === 'object' ? '' : String(params.text);
  if (params.parse_mode != null && params.parse_mode !== '') {
    if (!['html', 'markdown', 'markdownv2'].includes(String(params.parse_mode).toLowerCase())) {
      return telegramError(400, 'Bad Request: unsupported parse_mode');
    }
    if (String(params.parse_mode).toLowerCase() === 'html') {
      const parsed = telegramHtml(plain);
      if (parsed.error) return telegramError(400, `Bad Request: can't parse entities: ${parsed.error}`);
      plain = parsed.text;
    }
  }
  if (plain.trim() === '') return telegramError(400, 'Bad Request: message text is empty');
  if (length(plain) > 4096) return telegramError(400, 'Bad Request: message is too long');
  state.messageId += 1;
  const from = chat.type === 'private' ? { from: TELEGRAM_BOT } : { sender_chat: chat };
  return json(200, { ok: true, result: { message_id: state.messageId, ...from, chat, date: Math.floor(Date.now() / 1000), text: plain } });
}

// Telegram's HTML mode: every `<` must open a supported tag (else an error naming the byte offset); the text is what
// remains with tags removed and entities decoded. Tag nesting is not checked.
const TELEGRAM_TAGS = ['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji'];
const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };

function telegramHtml(html) {
  let error = null;
  const stripped = html.replace(/<[^<>]*>?/g, (tag, offset) => {
    const at = `at byte offset ${Buffer.byteLength(html.slice(0, offset))}`;
    const name = /^<\/?([A-Za-z][\w-]*)/.exec(tag)?.[1];
    if (!name) error ??= `Empty tag name ${at}`;
    else if (!TELEGRAM_TAGS.includes(name.toLowerCase())) error ??= `Unsupported start tag "${name}" ${at}`;
    else if (!tag.endsWith('>')) error ??= `Unclosed start tag ${at}`;
    return '';
  });
  if (error) return { error };
  const decode = (m, e) => {
    if (e[0] !== '#') return ENTITIES[e] ?? m;
    const code = /x/i.test(e[1]) ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : m;
  };
  return { text: stripped.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, decode) };
}
