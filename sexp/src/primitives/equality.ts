/** Structural equality and ordering of values. */
import { EvalError } from "../errors.ts";
import type { EvalContext } from "../runtime.ts";
import { Html, typeName, type Value } from "../types.ts";

/** Structural equality; with a context, every list item and map entry compared costs a step. */
export function equal(a: Value, b: Value, ctx?: EvalContext): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    ctx?.charge(a.length);
    for (let i = 0; i < a.length; i++) if (!equal(a[i]!, b[i]!, ctx)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    ctx?.charge(a.size);
    for (const [k, v] of a) if (!b.has(k) || !equal(v, b.get(k)!, ctx)) return false;
    return true;
  }
  if (a instanceof Html) return b instanceof Html && a.html === b.html;
  return false;
}

/** Order numbers with numbers and strings with strings. */
export function compare(a: Value, b: Value, fn: string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new EvalError(`${fn}: cannot compare ${typeName(a)} with ${typeName(b)}`);
}
