/** Turning values into markup: children, attributes, whole documents. */
import { RenderError } from "./errors.ts";
import { escapeHtml, escapeRawText, safeUrl } from "./escape.ts";
import { printNumber } from "./printer.ts";
import { Html, Keyword, typeName, type Value } from "./types.ts";

/** HTML for a child value: text is escaped, `nil`/booleans render nothing, lists flatten. */
export function renderChild(v: Value | undefined): string {
  if (v instanceof Html) return v.html;
  if (typeof v === "string") return escapeHtml(v);
  if (v === null || v === undefined || typeof v === "boolean") return "";
  if (typeof v === "number") return printNumber(v);
  if (Array.isArray(v)) {
    let s = "";
    for (let i = 0; i < v.length; i++) s += renderChild(v[i]);
    return s;
  }
  if (v instanceof Keyword) return escapeHtml(v.name);
  throw new RenderError(`cannot render a ${typeName(v)} as HTML`);
}

/**
 * The content of a whole raw-text element from all its children, escaped once.
 * Escaping child by child is not enough: `(script "</scr" x)` would close the
 * element when `x` is `"ipt>"`.
 */
export function renderRawTextContent(children: readonly (Value | undefined)[]): string {
  let s = "";
  for (let i = 0; i < children.length; i++) s += rawText(children[i]);
  return escapeRawText(s);
}

/** Unescaped text of a raw-text child: strings and markup as-is, lists joined. */
function rawText(v: Value | undefined): string {
  if (typeof v === "string") return v;
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) {
    let s = "";
    for (let i = 0; i < v.length; i++) s += rawText(v[i]);
    return s;
  }
  return renderChild(v);
}

/** ` name="value"`, ` name` for true, nothing for nil/false. */
export function renderAttribute(name: string, v: Value | undefined, isUrl: boolean): string {
  if (v === null || v === undefined || v === false) return "";
  if (v === true) return " " + name;
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number") s = printNumber(v);
  else if (v instanceof Keyword) s = v.name;
  else if (Array.isArray(v)) s = attributeList(name, v);
  else throw new RenderError(`attribute :${name} cannot be a ${typeName(v)}`);
  if (isUrl) s = safeUrl(s);
  return " " + name + '="' + escapeHtml(s) + '"';
}

/** A list value (e.g. `:class (list "a" (when x "b"))`) joins its non-nil items with spaces. */
function attributeList(name: string, items: readonly Value[]): string {
  const parts: string[] = [];
  for (const x of items) {
    if (x === null || x === false || x === undefined) continue;
    if (typeof x === "string") parts.push(x);
    else if (typeof x === "number") parts.push(printNumber(x));
    else if (x instanceof Keyword) parts.push(x.name);
    else throw new RenderError(`attribute :${name} cannot contain a ${typeName(x)}`);
  }
  return parts.join(" ");
}

/** The HTML of any value: what `sexp render` prints for a top-level form. */
export function toHtml(v: Value | undefined): string {
  return renderChild(v);
}
