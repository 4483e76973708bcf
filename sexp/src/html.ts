/** Turning values into markup: children, attributes, whole documents. */
import { RenderError } from "./errors.ts";
import { escapeHtml, escapeRawText, safeUrl } from "./escape.ts";
import { Html, Keyword, typeName, type Value } from "./types.ts";

/** What rendering may spend: steps for list items visited, and output size. */
export interface RenderBudget {
  charge(n: number): void;
  checkOutput(length: number): void;
}

/**
 * HTML for a child value: text is escaped, `nil`/booleans render nothing,
 * lists flatten. With a budget, list items are metered and the output is
 * checked as it grows (a list shared with itself can be huge).
 */
export function renderChild(v: Value | undefined, budget?: RenderBudget): string {
  if (v instanceof Html) return v.html;
  if (typeof v === "string") return escapeHtml(v);
  if (v === null || v === undefined || typeof v === "boolean") return "";
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) {
    budget?.charge(v.length);
    let s = "";
    for (let i = 0; i < v.length; i++) {
      s += renderChild(v[i], budget);
      budget?.checkOutput(s.length);
    }
    return s;
  }
  if (v instanceof Keyword) return escapeHtml(v.name);
  throw new RenderError(`cannot render a ${typeName(v)} as HTML`);
}

/**
 * The content of a raw-text element (`script`, `style`) from its pieces:
 * literal text from the page source and embedded values (`(json v)`,
 * `(css-value v)`, which never contain `<`). Escaped once as a whole, since
 * piece by piece is not enough: `(script "</scr" "ipt>")` would close the
 * element.
 */
export function renderRawTextContent(pieces: readonly string[]): string {
  return escapeRawText(pieces.join(""));
}

/** ` name="value"`, ` name` for true, nothing for nil/false. */
export function renderAttribute(name: string, v: Value | undefined, isUrl: boolean): string {
  if (v === null || v === undefined || v === false) return "";
  if (v === true) return " " + name;
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number") s = String(v);
  else if (v instanceof Keyword) s = v.name;
  else if (Array.isArray(v)) s = attributeList(name, v);
  else throw new RenderError(`attribute :${name} cannot be a ${typeName(v)}`);
  if (isUrl) s = safeUrl(s);
  return " " + name + '="' + escapeHtml(s) + '"';
}

/** A list value (e.g. `:class (list "a" (when x "b"))`) joins its non-nil items with spaces. */
export function attributeList(name: string, items: readonly Value[]): string {
  let s = "";
  let first = true;
  for (const x of items) {
    const item = attributeItem(name, x);
    if (item === null) continue;
    s = first ? item : s + " " + item;
    first = false;
  }
  return s;
}

/** One item of a list value as it is joined (see attributeList); null for one left out (nil, false). */
export function attributeItem(name: string, x: Value | undefined): string | null {
  if (x === null || x === false || x === undefined) return null;
  if (typeof x === "string") return x;
  if (typeof x === "number") return String(x);
  if (x instanceof Keyword) return x.name;
  throw new RenderError(`attribute :${name} cannot contain a ${typeName(x)}`);
}
