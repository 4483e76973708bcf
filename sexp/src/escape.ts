/**
 * Escaping for HTML text, attribute values, URL attributes and raw-text
 * elements. These are the only places where untrusted strings meet markup.
 */

const ESCAPE_RE = /[&<>"']/;
const ESCAPES = /[&<>"']/g;
const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const entity = (c: string): string => ENTITIES[c]!;

/** Escape `& < > " '` for text content and quoted attribute values. */
export function escapeHtml(s: string): string {
  // Most strings need no escaping; the rest are rebuilt in one piece (not a rope a page must walk again).
  return ESCAPE_RE.test(s) ? s.replace(ESCAPES, entity) : s;
}

/** What an unsafe URL is replaced with: inert, and visible when debugging. */
export const UNSAFE_URL = "about:invalid#unsafe-url";

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
// Browsers drop ASCII tab/newline anywhere in a URL and trim C0 controls and
// spaces at the ends, so `java\tscript:` is still javascript:.
const STRIPPED = /[\x00-\x20\x7f]+/g;
const SAFE_DATA = /^data:image\/(?:png|gif|jpeg|jpg|webp|avif|bmp|x-icon)[;,]/i;

/** Whether a URL beginning with `start` is safe whatever follows: a path, a fragment or a query, which no scheme can come before. */
export function startsSafeUrl(start: string): boolean {
  const c = start.charCodeAt(0);
  return c === 47 || c === 35 || c === 63;
}

/** Whether a URL attribute value is safe to emit (no script-running scheme). */
export function isSafeUrl(url: string): boolean {
  if (startsSafeUrl(url)) return true;
  if (!url.includes(":")) return true; // no scheme at all
  const compact = url.replace(STRIPPED, "");
  const m = SCHEME.exec(compact);
  if (!m) return true; // relative URL, fragment or query
  const scheme = m[1]!.toLowerCase();
  if (scheme === "javascript" || scheme === "vbscript") return false;
  if (scheme === "data") return SAFE_DATA.test(compact);
  return true;
}

export function safeUrl(url: string): string {
  return isSafeUrl(url) ? url : UNSAFE_URL;
}

/**
 * Content of a raw-text element (`script`, `style`) is not entity-escaped, so
 * the closing tag and comment openers are broken up instead: `<\/script` is
 * still the same string in JS, and `\/` is a valid CSS escape for `/`.
 */
export function escapeRawText(s: string): string {
  return s.replace(/<(\/?)(script|style|!--)/gi, (_m, slash: string, word: string) => (slash ? "<\\/" : "<\\") + word);
}
