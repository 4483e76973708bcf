/**
 * The canonical printer. One space between items, no comments, strings with a
 * fixed escape set, numbers in JS shortest round-trip form: `parse(print(x))`
 * equals `x`, and two sources that differ only in layout print the same.
 */
import { Html, Keyword, Sym, isCallable, type Node, type Value } from "./types.ts";

const SYMBOL_SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_\-?!*+<>=/.]*$/;

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
  if (v instanceof Keyword) return ":" + v.name;
  if (v instanceof Html) return `(raw! ${printString(v.html)})`;
  if (Array.isArray(v)) return "(" + v.map(printValue).join(" ") + ")";
  if (v instanceof Map) {
    const parts: string[] = [];
    for (const [k, x] of v) parts.push((SYMBOL_SAFE_KEY.test(k) ? ":" + k : printString(k)) + " " + printValue(x));
    return "{" + parts.join(" ") + "}";
  }
  if (isCallable(v)) return `#<${v.callableKind} ${v.name}>`;
  return String(v);
}

export function printNumber(x: number): string {
  if (Object.is(x, -0)) return "0";
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return String(x);
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
