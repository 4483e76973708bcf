/**
 * Calls of primitives with one to three arguments: the arguments evaluated
 * in place and, for a pure primitive with a form for that many (see
 * FixedArity), passed without a list. These are the calls a template makes
 * most: `(<= stock 0)`, `(str "/p/" slug "/")`, `(format "%.2f" price)`.
 */
import { abandon, asSexpError, callPrimitive, type Code, type EvalContext, type Frame, type Out, type Primitive } from "./runtime.ts";
import type { Loc, Value } from "./types.ts";

/** A call of `fn` (a primitive taking no argument as a name) at one place in the code. */
export type PrimitiveCall = (fn: Primitive, f: Frame | null, ctx: EvalContext) => Out;

/** The call for `args`, or null for another number of them (then the general call). */
export function fixedArityCall(args: readonly Code[], loc: Loc): PrimitiveCall | null {
  if (args.length === 1) {
    const [a] = args as [Code];
    return (fn, f, ctx) => {
      const x = a(f, ctx);
      if (x instanceof Promise) return x.then((x) => callPrimitive(fn, [x], ctx, loc));
      return fn.fn1 === null ? callPrimitive(fn, [x], ctx, loc) : call1(fn, x, ctx, loc);
    };
  }
  if (args.length === 2) {
    const [a, b] = args as [Code, Code];
    return (fn, f, ctx) => {
      const x = a(f, ctx);
      let y: Out;
      try {
        y = b(f, ctx);
      } catch (e) {
        abandon([x]);
        throw e;
      }
      if (x instanceof Promise || y instanceof Promise) return Promise.all([x, y]).then((vs) => callPrimitive(fn, vs, ctx, loc));
      return fn.fn2 === null ? callPrimitive(fn, [x, y], ctx, loc) : call2(fn, x, y, ctx, loc);
    };
  }
  if (args.length === 3) {
    const [a, b, c] = args as [Code, Code, Code];
    return (fn, f, ctx) => {
      const x = a(f, ctx);
      let y: Out, z: Out;
      try {
        y = b(f, ctx);
        z = c(f, ctx);
      } catch (e) {
        abandon([x, y!]);
        throw e;
      }
      if (x instanceof Promise || y instanceof Promise || z instanceof Promise) return Promise.all([x, y, z]).then((vs) => callPrimitive(fn, vs, ctx, loc));
      return fn.fn3 === null ? callPrimitive(fn, [x, y, z], ctx, loc) : call3(fn, x, y, z, ctx, loc);
    };
  }
  return null;
}

// As callPrimitive, for a pure primitive with a form for this many arguments (so its arity holds).

function call1(fn: Primitive, x: Value, ctx: EvalContext, loc: Loc): Out {
  ctx.step(loc);
  try {
    return fn.fn1!(x, ctx);
  } catch (e) {
    throw asSexpError(e, fn.name, loc);
  }
}

function call2(fn: Primitive, x: Value, y: Value, ctx: EvalContext, loc: Loc): Out {
  ctx.step(loc);
  try {
    return fn.fn2!(x, y, ctx);
  } catch (e) {
    throw asSexpError(e, fn.name, loc);
  }
}

function call3(fn: Primitive, x: Value, y: Value, z: Value, ctx: EvalContext, loc: Loc): Out {
  ctx.step(loc);
  try {
    return fn.fn3!(x, y, z, ctx);
  } catch (e) {
    throw asSexpError(e, fn.name, loc);
  }
}
