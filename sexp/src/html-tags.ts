/** HTML vocabulary: which head symbols are elements, and how they behave. */

/** Elements that never have children or a closing tag. */
export const VOID_ELEMENTS = new Set([
  "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
]);

/** Elements whose content is raw text (not entity-escaped). */
export const RAW_TEXT_ELEMENTS = new Set(["script", "style"]);

/** A set of lowercase names matched regardless of case, as HTML matches attribute names. */
class CaseInsensitiveSet extends Set<string> {
  override has(name: string): boolean {
    return super.has(name) || super.has(name.toLowerCase());
  }
}

/**
 * Attributes whose value is a URL and must not carry a script-running scheme.
 * Case-insensitive: `:HREF` is the same attribute as `:href` to a browser.
 */
export const URL_ATTRIBUTES: ReadonlySet<string> = new CaseInsensitiveSet([
  "href", "src", "action", "formaction", "poster", "cite", "background", "longdesc", "usemap",
  "manifest", "icon", "codebase", "data", "srcset", "xlink:href", "ping", "profile", "classid", "archive",
]);

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

/**
 * Attributes whose value runs as script or markup: event handlers, `srcdoc`,
 * and the htmx attributes that evaluate JavaScript (`hx-on*`, `hx-vars`,
 * `hx-vals`/`hx-headers` with `js:`, trigger filters in `hx-trigger`), also
 * in their `data-` spelling. Only literal values are allowed there.
 */
export function isScriptAttribute(name: string): boolean {
  let lower = name.toLowerCase();
  if (lower.startsWith("data-")) lower = lower.slice(5);
  return (
    lower.startsWith("on") ||
    lower.startsWith("hx-on") ||
    lower === "srcdoc" ||
    lower === "hx-vars" ||
    lower === "hx-vals" ||
    lower === "hx-headers" ||
    lower === "hx-trigger"
  );
}

export const SCRIPT_ATTRIBUTE_MESSAGE = (name: string): string =>
  `:${name} can run script, so its value must be a literal string; pass data in another data-* attribute`;
