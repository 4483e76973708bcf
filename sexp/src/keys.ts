/**
 * Input keys: what went into a result, apart from the address of its bytes.
 * A component call's key covers the component's Merkle hash (its definition
 * and everything it references, and the engine version) and its arguments;
 * a subtree that did I/O is keyed again with what each I/O call answered, so
 * the same data gives the same key and new data a new one.
 */
import { EvalError } from "./errors.ts";
import { toData } from "./data.ts";
import { callableIn, type Hasher } from "./hash.ts";
import { printValue } from "./printer.ts";
import { parseOne } from "./reader.ts";
import { apply, type ComponentCall, type EvalContext, type IoCall } from "./runtime.ts";
import { Sym, type Value } from "./types.ts";

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
  const asked = new Map<string, string>();
  for (const c of calls) {
    if (c.result === undefined) return null; // still pending: not a finished input
    const question = dataText([Sym.of(c.primitive), ...c.args]);
    const answer = dataText(c.result);
    if (question === null || answer === null) return null;
    asked.set(question, answer);
  }
  // Which call came back first, or was asked twice, is not part of the input.
  const fields = ["io", before, String(asked.size)];
  for (const q of [...asked.keys()].sort()) fields.push(q, asked.get(q)!);
  return hasher.h(fields);
}

/** Canonical text of data, or null when it holds a function (which has no content). */
export function dataText(v: Value): string | null {
  return callableIn(v) ? null : printValue(v);
}

/**
 * I/O calls as text that reads back to the same data (`((query blog nav) ...)`),
 * to ask them again later; null when some argument would not read back.
 */
export function writeCalls(calls: readonly IoCall[]): string | null {
  const parts = new Set<string>();
  for (const c of calls) {
    const text = dataText([Sym.of(c.primitive), ...c.args]);
    if (text === null || dataText(toData(parseOne(text))) !== text) return null;
    parts.add(text);
  }
  return `(${[...parts].sort().join(" ")})`;
}

/**
 * Ask written-down calls again, all at once (one wave), through the
 * primitives of `ctx`'s environment; their answers now. Calls that change
 * something are never repeated.
 */
export async function askAgain(written: string, ctx: EvalContext): Promise<IoCall[]> {
  const calls = (toData(parseOne(written)) as readonly (readonly Value[])[]).map(([name, ...args]) => ({ primitive: (name as Sym).name, args }));
  const answers = await Promise.all(
    calls.map(({ primitive, args }) => {
      const p = ctx.env.registry.get(primitive);
      if (!p?.meta.io || p.meta.effect === "write") throw new EvalError(`cannot ask ${primitive} again: not a read`);
      return apply(p, args, ctx);
    }),
  );
  return calls.map((c, i) => ({ ...c, result: answers[i]! }));
}
