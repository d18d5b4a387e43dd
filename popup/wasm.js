// The core's pure helpers for pages: the same wasm module the worker runs, so a form can never
// accept what the core would refuse. JSON crosses the boundary; these wrappers parse it.
import init, * as core from '../pkg/autochat.js';

await init({ module_or_path: chrome.runtime.getURL('pkg/autochat_bg.wasm') });

/** `{valid, warnings, fields, originPattern?, needsPermission?}` for a draft. */
export const validateWebhook = (draft) => JSON.parse(core.validateWebhook(JSON.stringify(draft)));
/** `{ok: true, headers}` or `{ok: false, message}` for the Custom Headers box. */
export const parseHeaders = (text) => JSON.parse(core.parseHeaders(text));
/** `[{name, label, description}]`, the eight events in the guide's order. */
export const eventCatalog = () => JSON.parse(core.eventCatalog());
/** The host permission a webhook URL needs, or null when none is needed. */
export const originPattern = (url) => core.originPattern(url) ?? null;
/** "5 min ago" for an ISO time. */
export const describeAge = (iso) => core.describeAge(iso, Date.now());
/** "in 5 min" for an ISO time to come. */
export const describeWait = (iso) => core.describeWait(iso, Date.now());
/** The tab a campaign acts on, from chrome.tabs.query results and the popup's own tab id. */
export const chooseTarget = (tabs, selfTabId) => JSON.parse(core.chooseTarget(JSON.stringify(tabs), selfTabId ?? -1));
/** `scheme://host[:port]` of a web page URL, or null. */
export const originOf = (url) => core.originOf(url) ?? null;
