/** Argument checking and async helpers shared by the primitives. */
import { EvalError } from "../errors.ts";
import type { EvalContext, Out } from "../runtime.ts";
import { typeName, type Value } from "../types.ts";

export function num(v: Value, fn: string, i = 0): number {
  if (typeof v !== "number") throw new EvalError(`${fn}: argument ${i + 1} must be a number, got ${typeName(v)}`);
  return v;
}

export function str(v: Value, fn: string, i = 0): string {
  if (typeof v !== "string") throw new EvalError(`${fn}: argument ${i + 1} must be a string, got ${typeName(v)}`);
  return v;
}

/** A list argument; nil counts as the empty list. */
export function list(v: Value, fn: string, i = 0): readonly Value[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw new EvalError(`${fn}: argument ${i + 1} must be a list, got ${typeName(v)}`);
  return v;
}

/** Values that may include pending I/O, as a list now or a promise of one. */
export function settle(vals: Out[]): Value[] | Promise<Value[]> {
  for (const v of vals) if (v instanceof Promise) return Promise.all(vals);
  return vals as Value[];
}

export function whenReady<T>(v: Out, fn: (v: Value) => T): T | Promise<T> {
  return v instanceof Promise ? v.then(fn) : fn(v);
}

/**
 * Charge a step for every list item and map entry in `v`, nested ones too:
 * primitives that walk a whole value (printing, comparing) pay for its size,
 * so a list shared with itself many times over cannot run away.
 */
export function chargeSize(v: Value, ctx: EvalContext): void {
  if (Array.isArray(v)) {
    ctx.charge(v.length);
    for (const x of v) if (typeof x === "object" && x !== null) chargeSize(x, ctx);
  } else if (v instanceof Map) {
    ctx.charge(v.size);
    for (const x of v.values()) if (typeof x === "object" && x !== null) chargeSize(x, ctx);
  }
}

/** A new list a primitive made by copying: every item costs a step, so copying in a loop is not free. */
export function copied(items: Value[], ctx: EvalContext): Value[] {
  ctx.charge(items.length);
  return items;
}
