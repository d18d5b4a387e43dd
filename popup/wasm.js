// @ts-check
// The core's pure helpers for pages: the same wasm module the worker runs, so a form can never
// accept what the core would refuse. JSON crosses the boundary; these wrappers parse it into the
// protocol's types.
import init, * as core from '../pkg/autochat.js';
import { t, tn } from './i18n.js';

/**
 * @typedef {import('../types/protocol').WebhookDraft} WebhookDraft
 * @typedef {import('../types/protocol').DraftCheck} DraftCheck
 * @typedef {import('../types/protocol').HeadersCheck} HeadersCheck
 * @typedef {import('../types/protocol').Catalog} Catalog
 * @typedef {import('../types/protocol').TabInfo} TabInfo
 * @typedef {import('../types/protocol').FormatHint} FormatHint
 * @typedef {import('../types/protocol').Preview} Preview
 */

await init({ module_or_path: chrome.runtime.getURL('pkg/autochat_bg.wasm') });

/** @type {(draft: WebhookDraft) => DraftCheck} */
export const validateWebhook = (draft) => JSON.parse(core.validateWebhook(JSON.stringify(draft)));
/** @type {(text: string) => HeadersCheck} */
export const parseHeaders = (text) => JSON.parse(core.parseHeaders(text));
/** @type {() => Catalog} */
export const catalog = () => JSON.parse(core.catalog());
/**
 * A span the core rounded, in the browser's language: message `time_<kind>`, counted ones by plural.
 * @param {string} json a `Span` or `null` as JSON text
 */
function spanWords(json) {
  /** @type {import('../types/protocol').Span | null} */
  const span = JSON.parse(json);
  if (!span) return '';
  return span.count === null ? t(`time_${span.kind}`) : tn(`time_${span.kind}`, span.count);
}
/** @type {(iso: string) => string} "5 min ago" for an ISO time. */
export const describeAge = (iso) => spanWords(core.describeAge(iso, Date.now()));
/** @type {(iso: string) => string} "in 5 min" for an ISO time to come. */
export const describeWait = (iso) => spanWords(core.describeWait(iso, Date.now()));
/** @type {(tabs: TabInfo[], selfTabId: number | undefined) => TabInfo | null} */
export const chooseTarget = (tabs, selfTabId) => JSON.parse(core.chooseTarget(JSON.stringify(tabs), selfTabId ?? -1));
/** @type {(url: string) => string | null} `scheme://host[:port]` of a web page URL. */
export const originOf = (url) => core.originOf(url) ?? null;
/** @type {(url: string) => string | null} The host permission a webhook URL needs, if any. */
export const originPattern = (url) => core.originPattern(url) ?? null;
/** @type {(url: string) => string | null} The permission that reaches a webhook's URL, this machine included. */
export const accessPattern = (url) => core.accessPattern(url) ?? null;
/** @type {(url: string) => FormatHint} What the URL calls for, as it is typed. */
export const detectFormat = (url) => JSON.parse(core.detectFormat(url));
/** @type {(draft: WebhookDraft, event: string) => Preview} The body a draft would send for a sample event. */
export const previewBody = (draft, event) => JSON.parse(core.previewBody(JSON.stringify(draft), event, Date.now()));
/** @type {(events: string[]) => import('../types/protocol').FieldChoice[]} The fields conditions may test for these events. */
export const conditionFields = (events) => JSON.parse(core.conditionFields(JSON.stringify(events)));
