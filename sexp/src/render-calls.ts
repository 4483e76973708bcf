/**
 * Calls in render position: a component's or a route's body writes into the
 * sink it is given, instead of returning its markup (see emit.ts). Binding
 * and limits are the runtime's (runtime.ts).
 */
import { LimitError } from "./errors.ts";
import { emitOf, emitValue } from "./emit.ts";
import {
  Component,
  EvalContext,
  Frame,
  Lambda,
  abandon,
  apply,
  asSexpError,
  bindArgs,
  checkChildren,
  fillDefaults,
  noop,
  unknownKey,
  type Code,
  type Done,
  type Out,
} from "./runtime.ts";
import type { Sink } from "./sink.ts";
import type { Loc, Value } from "./types.ts";

/**
 * A component call in render position: the arguments are evaluated straight
 * into the component's frame, and its body writes into `out`. (The caller
 * checked the hook passes this component by.) Arguments still coming are
 * bound as they are (the body waits where it reads one), so what comes
 * before them is written now. The call is done when its arguments have all
 * arrived (a failure is the render's), except in a streamed render, where a
 * failure shows where the argument is read and one never read does not matter.
 */
export function emitComponent(
  fn: Component, slots: readonly number[], names: readonly string[], args: readonly Code[], nk: number,
  f: Frame | null, ctx: EvalContext, out: Sink, loc?: Loc,
): Done {
  ctx.step(loc);
  const frameSlots = fn.params.template.slice();
  let waiting: Promise<Value>[] | null = null;
  let childrenGiven = false;
  try {
    for (let i = 0; i < nk; i++) {
      const slot = slots[i]!;
      if (slot < 0) throw unknownKey(fn, names[i]!, loc);
      const v = args[i]!(f, ctx);
      if (v instanceof Promise) (waiting ??= []).push(v);
      frameSlots[slot] = v;
      if (slot === fn.childrenSlot) childrenGiven = true;
    }
    if (args.length > nk) {
      checkChildren(fn, childrenGiven, loc);
      const children = new Array<Out>(args.length - nk);
      let later = false;
      for (let i = nk; i < args.length; i++) {
        const v = args[i]!(f, ctx);
        if (v instanceof Promise) ((waiting ??= []).push(v), (later = true));
        children[i - nk] = v;
      }
      // Children still coming are one list still coming.
      frameSlots[fn.childrenSlot] = later ? Promise.all(children) : (children as Value[]);
    }
  } catch (e) {
    if (waiting) abandon(waiting);
    throw e;
  }
  if (waiting !== null && ctx.renderError !== null) (abandon(waiting), (waiting = null));
  if (++ctx.depth > ctx.maxDepth) {
    ctx.depth--;
    if (waiting) abandon(waiting);
    throw new LimitError(`recursion deeper than ${ctx.maxDepth} calls (in ${fn.name})`, loc);
  }
  const frame = new Frame(frameSlots, fn.frame);
  let pending: Promise<unknown>[] | null = waiting;
  try {
    if (fn.params.defaults.length) {
      const defaults = fillDefaults(fn.params, frame, ctx);
      if (defaults) pending = pending ? [...pending, ...defaults] : defaults;
    }
    const done = (fn.emit ??= emitOf(fn.body))(frame, ctx, out);
    if (pending === null) return done;
    if (done !== undefined) pending.push(done);
    return Promise.all(pending).then(noop);
  } catch (e) {
    if (pending) abandon(pending);
    throw asSexpError(e, fn.name, loc);
  } finally {
    ctx.depth--;
  }
}

/** Apply a callable in render position: a lambda's body writes into `out`; anything else's value is written. */
export function emitApply(fn: Value, args: Value[], ctx: EvalContext, out: Sink, loc?: Loc): Done {
  if (!(fn instanceof Lambda)) {
    const v = apply(fn, args, ctx, loc);
    return emitValue(v, ctx, out);
  }
  ctx.step(loc);
  const frame = new Frame(bindArgs(fn, args, loc), fn.frame);
  if (++ctx.depth > ctx.maxDepth) {
    ctx.depth--;
    throw new LimitError(`recursion deeper than ${ctx.maxDepth} calls (in ${fn.name})`, loc);
  }
  try {
    const defaults = fn.params.defaults.length ? fillDefaults(fn.params, frame, ctx) : null;
    const done = emitOf(fn.body)(frame, ctx, out);
    if (defaults === null) return done;
    return Promise.all(done === undefined ? defaults : [...defaults, done]).then(noop);
  } catch (e) {
    throw asSexpError(e, fn.name, loc);
  } finally {
    ctx.depth--;
  }
}

