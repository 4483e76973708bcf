/**
 * Calls of primitives with one to three arguments: the arguments evaluated
 * in place and, for a pure primitive with a form for that many (see
 * FixedArity), passed without a list. These are the calls a template makes
 * most: `(<= stock 0)`, `(str "/p/" slug "/")`, `(format "%.2f" price)`.
 */
import { abandon, asSexpError, callPrimitive, type Code, type EvalContext, type Frame, type Out, type Primitive } from "./runtime.ts";
import { known } from "./emit.ts";
import type { Loc, Value } from "./types.ts";

/** A call of `fn` (a primitive taking no argument as a name) at one place in the code. */
export type PrimitiveCall = (fn: Primitive, f: Frame | null, ctx: EvalContext) => Out;

/** The call for `args`, or null for another number of them (then the general call). */
export function fixedArityCall(codes: readonly Code[], loc: Loc): PrimitiveCall | null {
  const args = codes.map(argOf);
  if (args.length === 1) {
    const [a] = args as [Arg];
    return (fn, f, ctx) => {
      const x = a.read(f, ctx);
      if (x instanceof Promise) return x.then((x) => callPrimitive(fn, [x], ctx, loc));
      return fn.fn1 === null ? callPrimitive(fn, [x], ctx, loc) : call1(fn, x, ctx, loc);
    };
  }
  if (args.length === 2) {
    const [a, b] = args as [Arg, Arg];
    return (fn, f, ctx) => {
      const x = a.read(f, ctx);
      let y: Out;
      try {
        y = b.read(f, ctx);
      } catch (e) {
        abandon([x]);
        throw e;
      }
      if (x instanceof Promise || y instanceof Promise) return Promise.all([x, y]).then((vs) => callPrimitive(fn, vs, ctx, loc));
      return fn.fn2 === null ? callPrimitive(fn, [x, y], ctx, loc) : call2(fn, x, y, ctx, loc);
    };
  }
  if (args.length === 3) {
    const [a, b, c] = args as [Arg, Arg, Arg];
    return (fn, f, ctx) => {
      const x = a.read(f, ctx);
      let y: Out, z: Out;
      try {
        y = b.read(f, ctx);
        z = c.read(f, ctx);
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

const CONSTANT = 0;
const LOCAL = 1;
const PARENT_LOCAL = 2;
const CODE = 3;

/** An argument as a call reads it: a constant or a local in place, anything else by running its code. */
class Arg {
  constructor(
    private readonly kind: number,
    private readonly code: Code,
    private readonly value: Out,
    private readonly slot: number,
  ) {}

  read(f: Frame | null, ctx: EvalContext): Out {
    switch (this.kind) {
      case CONSTANT: return this.value;
      case LOCAL: return f!.slots[this.slot]!;
      case PARENT_LOCAL: return f!.parent!.slots[this.slot]!;
      default: return this.code(f, ctx);
    }
  }
}

function argOf(code: Code): Arg {
  const k = known(code);
  if (k.constant) return new Arg(CONSTANT, code, code(null, null as never), -1);
  if (k.local) return new Arg(k.local.up === 0 ? LOCAL : PARENT_LOCAL, code, null, k.local.slot);
  return new Arg(CODE, code, null, -1);
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
