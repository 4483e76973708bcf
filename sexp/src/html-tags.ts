/** HTML vocabulary: which head symbols are elements, and how they behave. */

/** Elements that never have children or a closing tag. */
export const VOID_ELEMENTS = new Set([
  "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
]);

/** Elements whose content is raw text (not entity-escaped). */
export const RAW_TEXT_ELEMENTS = new Set(["script", "style"]);

/**
 * The one form that puts data into each raw-text element: a script takes
 * `(json expr)` (see embed.ts `scriptJson`), a style `(css-value expr)`
 * (`cssValue`). Everything else in them must be literal text from the source.
 */
export const RAW_TEXT_EMBED: Readonly<Record<string, string>> = { script: "json", style: "css-value" };

export const RAW_TEXT_CHILD_MESSAGE = (tag: string): string =>
  `<${tag}> content must be literal strings or (${RAW_TEXT_EMBED[tag]} expr): ` +
  (tag === "script" ? "any other data in a script would run as code" : "any other data could rewrite the stylesheet");

export const JSON_IN_QUOTES_MESSAGE =
  "(json expr) is a whole JavaScript value: write it where a value goes, not inside quotes";

/**
 * Head symbols that are always elements. `map` is left out on purpose: in
 * this language `(map f items)` is the list primitive.
 */
export const HTML_TAGS = new Set([
  // document and metadata
  "html", "head", "title", "base", "link", "meta", "style", "body", "script", "noscript", "template", "slot",
  // sections
  "article", "section", "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "header", "footer", "address", "main", "search",
  // grouping
  "p", "hr", "pre", "blockquote", "ol", "ul", "menu", "li", "dl", "dt", "dd", "figure", "figcaption", "div",
  // text-level
  "a", "em", "strong", "small", "s", "cite", "q", "dfn", "abbr", "ruby", "rt", "rp", "data", "time", "code", "var", "samp", "kbd",
  "sub", "sup", "i", "b", "u", "mark", "bdi", "bdo", "span", "br", "wbr", "ins", "del",
  // embedded
  "picture", "source", "img", "iframe", "embed", "object", "video", "audio", "track", "area", "canvas",
  // tables
  "table", "caption", "colgroup", "col", "tbody", "thead", "tfoot", "tr", "td", "th",
  // forms
  "form", "label", "input", "button", "select", "datalist", "optgroup", "option", "textarea", "output", "progress", "meter",
  "fieldset", "legend",
  // interactive
  "details", "summary", "dialog",
  // svg (inline icons)
  "svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "defs", "use", "symbol",
  "lineargradient", "radialgradient", "stop", "clippath", "mask", "pattern", "tspan", "text", "textpath",
  "foreignobject", "marker",
  // mathml
  "math", "mi", "mn", "mo", "ms", "mtext", "mrow", "msup", "msub", "mfrac", "msqrt",
]);

/** Valid custom element names (ASCII subset of the spec): lowercase with a hyphen. */
const CUSTOM_ELEMENT = /^[a-z][a-z0-9._]*-[a-z0-9._-]*$/;
export function isCustomElementName(name: string): boolean {
  return CUSTOM_ELEMENT.test(name);
}

/** Attribute names we will emit: no quotes, spaces, `>`, `/`, `=` or controls. */
const ATTRIBUTE_NAME = /^[a-zA-Z_:@][a-zA-Z0-9_:.@-]*$/;
export function isValidAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name);
}

/** Attributes whose value is a URL and must not carry a script-running scheme (lowercase). */
const URL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "href", "src", "action", "formaction", "poster", "cite", "background", "longdesc", "usemap",
  "manifest", "icon", "codebase", "data", "srcset", "xlink:href", "ping", "profile", "classid", "archive",
]);

/**
 * The htmx attributes data may fill. Every other `hx-*` (and `data-hx-*`)
 * attribute is literal-only: htmx evaluates `hx-on*` handlers, `hx-vars`,
 * `js:`/`javascript:` values of `hx-vals`, `hx-headers` and `hx-request`, and
 * `[...]` filters in `hx-trigger`, and `hx-ext` turns on extensions that read
 * attributes of their own. An allow-list, so an attribute a later htmx adds
 * is literal-only until someone checks how htmx reads it. Checked against
 * htmx 2.0 (node_modules/htmx.org/dist/htmx.js): these are only compared,
 * split into names, used as CSS selectors or swap specs, shown as text
 * (`hx-confirm`, `hx-prompt`), or requested/pushed as URLs.
 */
const HTMX_URL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url",
]);
const HTMX_DATA_ATTRIBUTES: ReadonlySet<string> = new Set([
  "hx-target", "hx-select", "hx-select-oob", "hx-swap", "hx-swap-oob", "hx-include", "hx-indicator", "hx-confirm",
  "hx-prompt", "hx-params", "hx-sync", "hx-disabled-elt", "hx-encoding", "hx-boost", "hx-preserve", "hx-history",
  "hx-history-elt", "hx-disable", "hx-validate", "hx-inherit", "hx-disinherit",
]);

/**
 * What an attribute's value is to a browser (with htmx loaded), by name,
 * whatever its case (HTML attribute names are case-insensitive):
 *
 * - `script`: it runs as script or markup: event handlers `on*`, `srcdoc`,
 *   and every htmx attribute not known to be safe (see HTMX_DATA_ATTRIBUTES),
 *   also as `data-hx-*`. Only a literal from the source may go there.
 * - `url`: a URL, kept only when its scheme cannot run script (`safeUrl`).
 * - `data`: anything else, including `data-*` (a browser runs no `data-onclick`).
 */
export type AttributeKind = "script" | "url" | "data";

export function attributeKind(name: string): AttributeKind {
  let lower = name.toLowerCase();
  if (lower.startsWith("data-")) {
    // htmx reads `data-hx-get` as `hx-get`; no other `data-*` means anything to a browser.
    lower = lower.slice(5);
    if (!lower.startsWith("hx-")) return "data";
  }
  if (lower.startsWith("hx-")) return HTMX_URL_ATTRIBUTES.has(lower) ? "url" : HTMX_DATA_ATTRIBUTES.has(lower) ? "data" : "script";
  if (lower.startsWith("on") || lower === "srcdoc") return "script";
  return URL_ATTRIBUTES.has(lower) ? "url" : "data";
}

export const SCRIPT_ATTRIBUTE_MESSAGE = (name: string): string =>
  `:${name} can run script, so its value must be a literal string; pass data in another data-* attribute`;
