/**
 * The canonical printer. One space between items, no comments, strings with a
 * fixed escape set, numbers in JS shortest round-trip form: `parse(print(x))`
 * equals `x`, and two sources that differ only in layout print the same.
 */
import { isPlainObject } from "./data.ts";
import { Html, Keyword, Sym, isCallable, type Node, type Value } from "./types.ts";

/** Map keys printed as keywords: identifier-like ones (others print as strings). */
const KEYWORD_KEY = /^[A-Za-z_][A-Za-z0-9_\-?!*+<>=/.]*$/;
/** Names that read back as a keyword after `:` (no delimiters, backslashes, controls or byte-order marks). */
const READABLE_NAME = /^[^ \t\n\r\f\v,()[\]{}";'`\\\x00-\x1f\x7f\ufeff]+$/;

/** Canonical text of a syntax tree. */
export function print(n: Node): string {
  switch (n.kind) {
    case "list": {
      const items = n.value;
      if (items.length === 2 && items[0]!.kind === "sym" && items[0]!.value === "quote") return "'" + print(items[1]!);
      let s = "(";
      for (let i = 0; i < items.length; i++) s += (i ? " " : "") + print(items[i]!);
      return s + ")";
    }
    case "map": {
      const items = n.value;
      let s = "{";
      for (let i = 0; i < items.length; i++) s += (i ? " " : "") + print(items[i]!);
      return s + "}";
    }
    case "str":
      return printString(n.value);
    case "num":
      return printNumber(n.value);
    case "kw":
      return ":" + n.value;
    case "sym":
      return n.value;
    case "bool":
      return n.value ? "true" : "false";
    case "nil":
      return "nil";
  }
}

/** Canonical text of a runtime value (maps print with keyword keys where possible). */
export function printValue(v: Value | undefined): string {
  if (v === null || v === undefined) return "nil";
  switch (typeof v) {
    case "string":
      return printString(v);
    case "number":
      return printNumber(v);
    case "boolean":
      return v ? "true" : "false";
  }
  if (v instanceof Sym) return v.name;
  // A keyword whose name would not read back as one prints as the call that makes it.
  if (v instanceof Keyword) return READABLE_NAME.test(v.name) ? ":" + v.name : `(keyword ${printString(v.name)})`;
  if (v instanceof Html) return `(raw! ${printString(v.html)})`;
  if (Array.isArray(v)) return "(" + v.map(printValue).join(" ") + ")";
  // Host records (database rows) print like the maps they stand for.
  if (v instanceof Map || isPlainObject(v)) {
    const parts: string[] = [];
    const entries = v instanceof Map ? v.entries() : Object.entries(v as Record<string, Value>);
    for (const [k, x] of entries) parts.push(printMapKey(k) + " " + printValue(x));
    return "{" + parts.join(" ") + "}";
  }
  if (isCallable(v)) return `#<${v.callableKind} ${v.name}>`;
  return String(v);
}

/** A map's key: a keyword where it reads back as one (`:starts_at`), else a string. */
export function printMapKey(k: string): string {
  return KEYWORD_KEY.test(k) ? ":" + k : printString(k);
}

/** Numbers in shortest round-trip form; non-finite ones as `##Inf`, `##-Inf`, `##NaN` (which the reader reads back). */
export function printNumber(x: number): string {
  if (Number.isNaN(x)) return "##NaN";
  if (!Number.isFinite(x)) return x > 0 ? "##Inf" : "##-Inf";
  return String(x); // String(-0) is "0"
}

// Escape what the reader treats specially, control characters, and lone
// surrogates (so any JS string survives the round trip).
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ESCAPES = /["\\\x00-\x1f\x7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function printString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  return (
    '"' +
    s.replace(ESCAPES, (ch) => {
      switch (ch) {
        case '"': return '\\"';
        case "\\": return "\\\\";
        case "\n": return "\\n";
        case "\t": return "\\t";
        case "\r": return "\\r";
        default: return `\\u{${ch.charCodeAt(0).toString(16)}}`;
      }
    }) +
    '"'
  );
}
