/**
 * Input keys: what went into a result, apart from the address of its bytes.
 * A component call's key covers the component's Merkle hash (its definition
 * and everything it references, and the engine version) and its arguments;
 * a subtree that did I/O is keyed again with what each I/O call answered, so
 * the same data gives the same key and new data a new one.
 */
import type { Hasher } from "./hash.ts";
import { printValue } from "./printer.ts";
import type { ComponentCall, IoCall } from "./runtime.ts";
import { isCallable, type Value } from "./types.ts";

/** The key of a component call before it runs, or null when it cannot have one (an argument is a function). */
export function callKey(hasher: Hasher, call: ComponentCall): string | null {
  const definition = hasher.definitionHash(call.fn.name);
  if (definition === undefined) return null;
  const nk = call.names.length;
  // Keyword arguments in name order, so `:a 1 :b 2` and `:b 2 :a 1` share a key.
  const order = call.names.map((_, i) => i).sort((a, b) => (call.names[a]! < call.names[b]! ? -1 : call.names[a]! > call.names[b]! ? 1 : 0));
  const fields = ["call", definition, String(nk)];
  for (const i of order) {
    const text = dataText(call.values[i]!);
    if (text === null) return null;
    fields.push(call.names[i]!, text);
  }
  for (let i = nk; i < call.values.length; i++) {
    const text = dataText(call.values[i]!);
    if (text === null) return null;
    fields.push(text);
  }
  return hasher.h(fields);
}

/**
 * The key of a result that did I/O: its key before running, plus every call
 * it made and the answer. Without I/O, the key before running is the key.
 */
export function inputKey(hasher: Hasher, before: string, calls: readonly IoCall[]): string | null {
  if (calls.length === 0) return before;
  const fields = ["io", before, String(calls.length)];
  for (const c of calls) {
    if (c.result === undefined) return null; // still pending: not a finished input
    const args = dataText(c.args as Value[]);
    const result = dataText(c.result);
    if (args === null || result === null) return null;
    fields.push(c.primitive, args, result);
  }
  return hasher.h(fields);
}

/** Canonical text of data, or null when it holds a function (which has no content). */
export function dataText(v: Value): string | null {
  return hasFunction(v) ? null : printValue(v);
}

function hasFunction(v: Value): boolean {
  if (v === null || typeof v !== "object") return false;
  if (isCallable(v)) return true;
  if (Array.isArray(v)) return (v as readonly Value[]).some(hasFunction);
  if (v instanceof Map) for (const x of v.values()) if (hasFunction(x)) return true;
  return false;
}
