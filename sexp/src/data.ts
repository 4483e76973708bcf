/**
 * Data: syntax read as data (what `quote` gives), and field access on data.
 * Maps are looked up by name; plain JS objects (rows handed in by the host)
 * only by their own properties, so no expression can reach `__proto__`,
 * `constructor` or anything else on a prototype.
 */
import { EvalError } from "./errors.ts";
import { Keyword, Sym, typeName, type Node, type Value } from "./types.ts";

/** Quoted syntax as data: lists become lists, symbols symbols, maps maps. */
export function toData(n: Node): Value {
  switch (n.kind) {
    case "list": return Object.freeze(n.value.map(toData));
    case "map": {
      const m = new Map<string, Value>();
      for (let i = 0; i < n.value.length; i += 2) m.set(String(n.value[i]!.value), toData(n.value[i + 1]!));
      return m;
    }
    case "sym": return Sym.of(n.value);
    case "kw": return Keyword.of(n.value);
    default: return n.value;
  }
}

export function getField(obj: Value, key: string | number): Value {
  if (obj === null || obj === undefined) return null;
  if (obj instanceof Map) return (obj.get(String(key)) ?? null) as Value;
  if (Array.isArray(obj)) {
    if (typeof key !== "number") throw new EvalError(`cannot read :${key} of a list (use an index)`);
    return (obj[key] ?? null) as Value;
  }
  if (isPlainObject(obj)) {
    const k = String(key);
    if (!Object.hasOwn(obj, k)) return null;
    return ((obj as Record<string, unknown>)[k] ?? null) as Value;
  }
  throw new EvalError(`cannot read ${typeof key === "number" ? key : ":" + key} of a ${typeName(obj)}`);
}

/** A key given as keyword, string, symbol or number, as a map key. */
export function keyName(k: Value): string | number {
  if (k instanceof Keyword || k instanceof Sym) return k.name;
  if (typeof k === "string" || typeof k === "number") return k;
  throw new EvalError(`a key must be a keyword, string or number, not a ${typeName(k)}`);
}

/** Host data: an object literal or a null-prototype record (database rows, JSON). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
