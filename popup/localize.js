// @ts-check
// Words the static markup first, before the page's own script, which waits for the wasm module:
// the page never shows English for a moment in another language.
import { localizePage } from './i18n.js';

localizePage();
