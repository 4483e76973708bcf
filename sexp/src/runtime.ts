/**
 * Runtime structures: frames, the global environment, per-evaluation context
 * (limits, I/O context), callables, and application.
 *
 * Async model: compiled code returns a value or a native Promise. Nothing is
 * wrapped in a promise unless an I/O primitive actually returned one, so pure
 * evaluation never allocates promises; consumers check `instanceof Promise`.
 */
import {
  EvalError,
  LimitError,
  SexpError,
  arityMessage,
  childrenTwiceMessage,
  noChildrenMessage,
  unknownKeyMessage,
  withLoc,
} from "./errors.ts";
import { Keyword, typeName, type Callable, type Loc, type Node, type Value } from "./types.ts";
import { getField } from "./data.ts";
import { Declarations } from "./declarations.ts";
import type { CallCheck } from "./call-check.ts";
import type { Sink } from "./sink.ts";
import type { Within } from "./within.ts";

/** What compiled code returns: a value, or a promise of one when I/O is pending. */
export type Out = Value | Promise<Value>;

/** Compiled code: a closure over the syntax tree. */
export type Code = (frame: Frame | null, ctx: EvalContext) => Out;

/** What writing markup gives: undefined when all of it is written, a promise while parts wait in holes (see emit.ts). */
export type Done = undefined | Promise<void>;

/** Code in render position: writes its markup into `out` (see emit.ts). */
export type Emit = (frame: Frame | null, ctx: EvalContext, out: Sink) => Done;

/** A lexical frame: slots addressed by (depth, index) resolved at compile time. */
export class Frame {
  constructor(
    readonly slots: Out[],
    readonly parent: Frame | null,
  ) {}
}

/** Where an environment finds primitives by name: a `Registry` (registry.ts). */
export interface PrimitiveTable {
  get(name: string): Primitive | undefined;
  /** Every primitive, by name. */
  list(): Primitive[];
}

/**
 * The global environment. Lookups go own bindings -> parent -> primitives, so
 * a site environment can be shared and each request gets a cheap child.
 * What `defroute`, `defquery` and `defaction` declare is kept in
 * `declarations` (see route.ts and query.ts; env-accessors.ts adds the
 * `routes`, `queries`, `query()` and `allQueries()` accessors).
 */
export class Env {
  /**
   * Bumped by every definition anywhere, so compiled code can cache a global
   * lookup per environment and know when it may be stale.
   */
  static generation = 0;
  readonly vars = new Map<string, Out>();
  /** The defining form of every `define`/`defcomp` made in this environment. */
  readonly definitions = new Map<string, Node>();
  /** Routes, queries and actions declared here, by kind (a child sees its parent's too). */
  readonly declarations: Declarations;
  readonly registry: PrimitiveTable;
  readonly parent: Env | null;
  constructor(registryOrParent: PrimitiveTable | Env) {
    if (registryOrParent instanceof Env) {
      this.parent = registryOrParent;
      this.registry = registryOrParent.registry;
    } else {
      this.parent = null;
      this.registry = registryOrParent;
    }
    this.declarations = new Declarations(this.parent?.declarations ?? null);
  }

  lookup(name: string): Out | undefined {
    let e: Env | null = this;
    do {
      const v = e.vars.get(name);
      if (v !== undefined) return v;
      e = e.parent;
    } while (e);
    return this.registry.get(name);
  }

  /** Every name visible here: definitions, host variables and primitives (for "did you mean"). */
  names(): Set<string> {
    const out = new Set<string>();
    for (let e: Env | null = this; e; e = e.parent) for (const k of e.vars.keys()) out.add(k);
    for (const p of this.registry.list()) out.add(p.name);
    return out;
  }

  /** Every definition visible here, nearest first. */
  allDefinitions(): Map<string, Node> {
    const out = new Map<string, Node>();
    for (let e: Env | null = this; e; e = e.parent) for (const [k, v] of e.definitions) if (!out.has(k)) out.set(k, v);
    return out;
  }

  define(name: string, value: Out, form?: Node): void {
    Env.generation++;
    this.vars.set(name, value);
    if (form) this.definitions.set(name, form);
    // A definition bound to pending I/O is replaced by its value once it arrives.
    if (value instanceof Promise) {
      value.then((v) => {
        if (this.vars.get(name) !== value) return;
        Env.generation++;
        this.vars.set(name, v);
      }, noop);
    }
  }
}

export interface Limits {
  /** Calls and element constructions allowed in one evaluation. */
  maxSteps: number;
  /** Nesting of function and component calls. */
  maxDepth: number;
  /** Characters of markup any one element may produce. */
  maxOutput: number;
}

export const DEFAULT_LIMITS: Limits = { maxSteps: 5_000_000, maxDepth: 400, maxOutput: 16 * 1024 * 1024 };

/** State of one evaluation (one request): counters, limits and the I/O context. */
export class EvalContext {
  /** Steps taken, shared by this context and its children (one budget per evaluation). */
  private meter = { steps: 0 };
  depth = 0;
  readonly maxSteps: number;
  readonly maxDepth: number;
  readonly maxOutput: number;
  /** Called instead of every component call when set (caching, holes): see ComponentHook. */
  hook: ComponentHook | null = null;
  /** Where I/O primitive calls are written down (one list per enclosing recording), or null. */
  recorders: IoCall[][] | null = null;
  /**
   * A streamed render: a part that fails after the first byte was sent is
   * written as this error instead (the rest of the page stands; `into` is
   * null inside a tag, where nothing can be written). Null: a failure is the
   * render's.
   */
  renderError: ((error: unknown, into: Sink | null) => void | Promise<void>) | null = null;
  /**
   * A streamed route: told the response a route answers with, before its
   * page is written (`(render page)` hands over the response and writes the
   * page as it renders; a redirect is handed over whole). True when taken.
   */
  respond: ((response: Value) => boolean) | null = null;
  /** A streamed page: where `(defer ...)` sends its content out of order. */
  outOfOrder: OutOfOrder | null = null;
  constructor(
    /** Globals are resolved here at run time, so compiled code is shared across environments. */
    readonly env: Env,
    limits: Partial<Limits> = {},
    /** Whatever the host gives I/O primitives (request, bindings, ...). */
    readonly io: unknown = undefined,
  ) {
    this.maxSteps = limits.maxSteps ?? DEFAULT_LIMITS.maxSteps;
    this.maxDepth = limits.maxDepth ?? DEFAULT_LIMITS.maxDepth;
    this.maxOutput = limits.maxOutput ?? DEFAULT_LIMITS.maxOutput;
  }

  get steps(): number {
    return this.meter.steps;
  }

  /**
   * A context for part of this evaluation with its own I/O context or one
   * more recording: the same limits, hook and step budget, the depth so far.
   */
  child(io: unknown = this.io, record?: IoCall[]): EvalContext {
    const c = new EvalContext(this.env, { maxSteps: this.maxSteps, maxDepth: this.maxDepth, maxOutput: this.maxOutput }, io);
    c.meter = this.meter;
    c.depth = this.depth;
    c.hook = this.hook;
    c.renderError = this.renderError;
    c.outOfOrder = this.outOfOrder;
    c.recorders = record ? [...(this.recorders ?? []), record] : this.recorders;
    return c;
  }

  step(loc?: Loc): void {
    if (++this.meter.steps > this.maxSteps) throw new LimitError(`step budget of ${this.maxSteps} exceeded`, loc);
  }

  /** Count `n` steps of work done inside a primitive or the renderer (per item visited). */
  charge(n: number, loc?: Loc): void {
    // NaN or a negative count would switch the budget off for the rest of the evaluation.
    if (!(n >= 0)) throw new EvalError(`cannot charge ${n} steps`, loc);
    this.meter.steps += n;
    if (this.meter.steps > this.maxSteps) throw new LimitError(`step budget of ${this.maxSteps} exceeded`, loc);
  }

  checkOutput(length: number, loc?: Loc): void {
    if (length > this.maxOutput) throw new LimitError(`output larger than the limit of ${this.maxOutput} characters`, loc);
  }

  /** Apply any callable to positional arguments (used by primitives like `map`). */
  apply(fn: Value, args: Value[], loc?: Loc): Out {
    return apply(fn, args, this, loc);
  }
}

export function noop(): void {}

/**
 * Mark promises whose results are no longer wanted (a sibling failed first)
 * as handled, so a later rejection does not surface as an unhandled one.
 */
export function abandon(values: readonly unknown[]): void {
  for (const v of values) if (v instanceof Promise) v.catch(noop);
}

// ---------------------------------------------------------------------------
// Parameter lists

export interface KeyParam {
  readonly name: string;
  readonly slot: number;
  /** Default expression compiled in the callee's scope, or null for nil. */
  readonly init: Code | null;
}

/** A compiled lambda list: `(a b &rest r &key (size 3) title)`. */
export interface Params {
  readonly positional: readonly string[];
  readonly rest: string | null;
  readonly restSlot: number;
  readonly keys: readonly KeyParam[];
  readonly keyIndex: ReadonlyMap<string, KeyParam>;
  /**
   * A new frame's slots, copied per call: nil everywhere except `&key` slots,
   * left undefined until defaults run. Set by `finishParams` once the body
   * (and so the number of locals) is compiled.
   */
  template: readonly Out[];
  /** Only positional parameters: calls bind by copying arguments. */
  simple: boolean;
  /** The `&key` parameters that have a default expression. */
  defaults: readonly KeyParam[];
}

/** Size the frame once the body's locals are known. */
export function finishParams(p: Params, frameSize: number): void {
  const t: Out[] = new Array(frameSize).fill(null);
  // Only keys with a default need telling "not given" apart from nil.
  for (const k of p.keys) if (k.init) (t as unknown[])[k.slot] = undefined;
  p.template = t;
  p.simple = p.rest === null && p.keys.length === 0;
  p.defaults = p.keys.filter((k) => k.init !== null);
}

export class Lambda implements Callable {
  readonly callableKind = "lambda";
  constructor(
    readonly name: string,
    readonly params: Params,
    readonly body: Code,
    readonly frame: Frame | null,
    readonly loc: Loc,
  ) {}
}

export class Component implements Callable {
  readonly callableKind = "component";
  constructor(
    readonly name: string,
    readonly params: Params,
    readonly body: Code,
    readonly frame: Frame | null,
    readonly loc: Loc,
    /** The parameter that receives positional children (`children` or the &rest name). */
    readonly childrenSlot: number,
    /** Declared `:cache true`: its output may be kept under its input key (see analyze.ts). */
    readonly cache = false,
    /** Its body and `&key` names, when a call may be compiled as the body in place (see inline.ts). */
    readonly inlinable: InlinableBody | null = null,
  ) {}
  /** The body's emitter, once a call in render position has asked for it. */
  emit: Emit | null = null;
}

/** A component body that can stand in for a call: only `&key` parameters, none with a default. */
export interface InlinableBody {
  readonly keys: readonly string[];
  readonly body: readonly Node[];
}

/** A streamed page's out-of-order parts (see stream.ts). */
export interface OutOfOrder {
  /** Start writing a deferred part (to stand `within` that) into a sink of its own; its number, for the placeholder. */
  place(write: (into: Sink) => Done, within: Within): number;
}

/** One component call as a hook sees it: keyword arguments (`names`, then their values), then children. */
export interface ComponentCall {
  readonly fn: Component;
  readonly names: readonly string[];
  readonly values: readonly Value[];
}

/**
 * Intercepts component calls: a host answers from a cache, leaves a hole, or
 * calls `run` (with this context or a child of it) to evaluate as usual.
 */
export interface ComponentHook {
  (call: ComponentCall, run: (ctx: EvalContext) => Out, ctx: EvalContext): Out;
  /**
   * Whether the hook would only run calls of this component as they are: a
   * call in render position then writes straight into the page without
   * waiting for its arguments (what streams a layout before its content).
   */
  passes?: (fn: Component) => boolean;
}

/** An I/O primitive call written down while recording: what was asked and, once it came, the answer. */
export interface IoCall {
  readonly primitive: string;
  readonly args: readonly Value[];
  result?: Value;
}

export type PrimitiveFn = (args: Value[], ctx: EvalContext) => Out;

/**
 * A pure primitive's forms for exactly one, two or three arguments: the same
 * as its `fn` given them as a list, without the list (for the calls a
 * template makes most: `(<= stock 0)`, `(str "/p/" slug)`; see fixed-calls.ts).
 */
export interface FixedArity {
  readonly fn1?: ((x: Value, ctx: EvalContext) => Out) | null;
  readonly fn2?: ((x: Value, y: Value, ctx: EvalContext) => Out) | null;
  readonly fn3?: ((x: Value, y: Value, z: Value, ctx: EvalContext) => Out) | null;
  /**
   * For a pure primitive whose answer is one text per argument, joined
   * (`str`): that text. A call as an attribute's value is written piece by
   * piece, no string made first (markup.ts).
   */
  readonly piece?: ((x: Value, ctx: EvalContext) => string) | null;
}

/**
 * `user`: the answer depends on who is asking (session, cookies, headers);
 * `volatile`: on when (the clock); `write`: the call changes something.
 */
export type PrimitiveEffect = "user" | "volatile" | "write";

/** Descriptive metadata of a primitive; feeds the LLM catalog and `sexp check`. */
export interface PrimitiveMeta {
  readonly name: string;
  /** Lambda list as written in docs, e.g. `f items` or `x &rest xs`. */
  readonly params: string;
  readonly doc: string;
  /** `[expression, printed result]` pairs; the test suite evaluates each. */
  readonly examples: readonly (readonly [string, string])[];
  /** True when the primitive performs I/O and may return a promise. */
  readonly io: boolean;
  /** Beyond I/O: reads who is asking, reads the clock, or changes something. */
  readonly effect: PrimitiveEffect | null;
  /**
   * How many leading arguments are names: a bare symbol there is passed as a
   * symbol instead of being looked up, as in `(query blog post-by-slug :slug s)`.
   */
  readonly names: number;
  /** The static check of a call's arguments, or null. */
  readonly check: CallCheck | null;
  /**
   * `map`: the compiler may run `(map (fn (x) body...) items)` with this
   * primitive as a loop, without a closure and a call per item. `list`: an
   * attribute's `(list ...)` may be written as its items joined, with no
   * list made. Only the base `map` and `list` say so.
   */
  readonly inline: "map" | "list" | null;
  /**
   * A response with a page, like `(render page)`: the index of the page
   * argument. In a streamed route the call hands over the response first and
   * then writes the page as it renders (see EvalContext.respond).
   */
  readonly page: number | null;
  readonly minArgs: number;
  readonly maxArgs: number;
}

export class Primitive implements Callable {
  readonly callableKind = "primitive";
  readonly name: string;
  readonly fn1: NonNullable<FixedArity["fn1"]> | null;
  readonly fn2: NonNullable<FixedArity["fn2"]> | null;
  readonly fn3: NonNullable<FixedArity["fn3"]> | null;
  readonly piece: NonNullable<FixedArity["piece"]> | null;
  constructor(
    readonly meta: PrimitiveMeta,
    readonly fn: PrimitiveFn,
    fixed: FixedArity = {},
  ) {
    this.name = meta.name;
    this.fn1 = fixed.fn1 ?? null;
    this.fn2 = fixed.fn2 ?? null;
    this.fn3 = fixed.fn3 ?? null;
    this.piece = fixed.piece ?? null;
  }
}

// ---------------------------------------------------------------------------
// Application

export function apply(fn: Value, args: Value[], ctx: EvalContext, loc?: Loc): Out {
  if (fn instanceof Primitive) return callPrimitive(fn, args, ctx, loc);
  if (fn instanceof Lambda) return callLambda(fn, bindArgs(fn, args, loc), ctx, loc);
  if (fn instanceof Component) {
    const { names, values } = splitKeywordArgs(args);
    return callComponent(fn, slotsOf(fn, names), names, values, names.length, ctx, loc);
  }
  if (fn instanceof Keyword) {
    if (args.length !== 1) throw new EvalError(`keyword ${fn} used as a function takes 1 argument, got ${args.length}`, loc);
    return getField(args[0]!, fn.name);
  }
  throw new EvalError(`cannot call a ${typeName(fn)}`, loc);
}

export function callPrimitive(fn: Primitive, args: Value[], ctx: EvalContext, loc?: Loc): Out {
  const m = fn.meta;
  if (args.length < m.minArgs || args.length > m.maxArgs) throw arityError(fn.name, m, args.length, loc);
  ctx.step(loc);
  let out: Out;
  try {
    out = fn.fn(args, ctx);
  } catch (e) {
    throw asSexpError(e, fn.name, loc);
  }
  if (m.io && ctx.recorders) out = record(ctx.recorders, fn.name, args, out);
  if (out instanceof Promise) return out.catch((e: unknown) => Promise.reject(asSexpError(e, fn.name, loc)));
  return out;
}

function record(recorders: IoCall[][], primitive: string, args: Value[], out: Out): Out {
  const call: IoCall = { primitive, args: args.slice() };
  for (const r of recorders) r.push(call);
  if (!(out instanceof Promise)) return ((call.result = out), out);
  return out.then((v) => ((call.result = v), v));
}

function arityError(name: string, m: PrimitiveMeta, got: number, loc?: Loc): EvalError {
  return new EvalError(arityMessage(m.params ? `${name} ${m.params}` : name, m.minArgs, m.maxArgs, got), loc);
}

/** Turn anything thrown into a positioned SexpError, without a JS stack in the message. */
export function asSexpError(e: unknown, where: string, loc?: Loc): SexpError {
  if (e instanceof SexpError) return withLoc(e, loc!);
  if (e instanceof RangeError && e.message.includes("call stack")) return new LimitError("recursion too deep for the host stack", loc);
  if (e instanceof RangeError && /Invalid (string|array) length/.test(e.message)) return new LimitError("a value larger than the host can hold", loc);
  const msg = e instanceof Error ? e.message : String(e);
  const err = new EvalError(`${where}: ${msg}`, loc);
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** Bind positional arguments (plus trailing `:key value` pairs) to frame slots. */
export function bindArgs(fn: Lambda | Component, args: Value[], loc?: Loc): Out[] {
  const p = fn.params;
  const slots = p.template.slice();
  const np = p.positional.length;
  if (p.simple && args.length === np) {
    for (let i = 0; i < np; i++) slots[i] = args[i]!;
    return slots;
  }
  if (args.length < np) {
    throw new EvalError(`${fn.name} takes ${np}${p.rest || p.keys.length ? " or more" : ""} argument${np === 1 ? "" : "s"}, got ${args.length}`, loc);
  }
  for (let i = 0; i < np; i++) slots[i] = args[i]!;
  let rest: Value[] | null = null;
  for (let i = np; i < args.length; i++) {
    const a = args[i]!;
    if (p.keys.length && a instanceof Keyword && i + 1 < args.length) {
      const k = p.keyIndex.get(a.name);
      if (k) {
        slots[k.slot] = args[++i]!;
        continue;
      }
      if (!p.rest) throw unknownKey(fn, a.name, loc);
    }
    if (!p.rest) {
      throw new EvalError(`${fn.name} takes ${np} argument${np === 1 ? "" : "s"}, got ${args.length}`, loc);
    }
    (rest ??= []).push(a);
  }
  if (p.rest) slots[p.restSlot] = rest;
  return slots;
}

export function unknownKey(fn: Lambda | Component, key: string, loc?: Loc): EvalError {
  return new EvalError(unknownKeyMessage(fn.name, key, fn.params.keys.map((k) => k.name)), loc);
}

/** Split runtime args into `:key value` pairs, then positional children (in `values` after the keys). */
function splitKeywordArgs(args: Value[]): { names: string[]; values: Value[] } {
  const names: string[] = [];
  const values: Value[] = [];
  const children: Value[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a instanceof Keyword && i + 1 < args.length) {
      names.push(a.name);
      values.push(args[++i]!);
    } else children.push(a);
  }
  values.push(...children);
  return { names, values };
}

/** The frame slot of each keyword argument name (-1 for a name the component does not take). */
export function slotsOf(fn: Component, names: readonly string[]): number[] {
  return names.map((n) => fn.params.keyIndex.get(n)?.slot ?? -1);
}

export function callLambda(fn: Lambda, slots: Out[], ctx: EvalContext, loc?: Loc): Out {
  ctx.step(loc);
  return runBody(fn, new Frame(slots, fn.frame), ctx, loc);
}

/**
 * Invoke a component. `values` holds the keyword arguments (named by `names`,
 * bound to `slots`, see `slotsOf`) followed by the positional children.
 */
export function callComponent(
  fn: Component,
  slots: readonly number[],
  names: readonly string[],
  values: readonly Value[],
  nk: number,
  ctx: EvalContext,
  loc?: Loc,
): Out {
  if (ctx.hook) return ctx.hook({ fn, names: names.slice(0, nk), values }, (c) => invokeComponent(fn, slots, names, values, nk, c, loc), ctx);
  return invokeComponent(fn, slots, names, values, nk, ctx, loc);
}

function invokeComponent(fn: Component, slots: readonly number[], names: readonly string[], values: readonly Value[], nk: number, ctx: EvalContext, loc?: Loc): Out {
  ctx.step(loc);
  return runBody(fn, componentFrame(fn, slots, names, values, nk, loc), ctx, loc);
}

/** A component's frame for a call: its keyword arguments in their slots, positional children in the children slot. */
function componentFrame(fn: Component, slots: readonly number[], names: readonly string[], values: readonly Value[], nk: number, loc?: Loc): Frame {
  const frameSlots = fn.params.template.slice();
  let childrenGiven = false;
  for (let i = 0; i < nk; i++) {
    const slot = slots[i]!;
    if (slot < 0) throw unknownKey(fn, names[i]!, loc);
    frameSlots[slot] = values[i]!;
    if (slot === fn.childrenSlot) childrenGiven = true;
  }
  if (values.length > nk) checkChildren(fn, childrenGiven, loc), (frameSlots[fn.childrenSlot] = values.slice(nk));
  return new Frame(frameSlots, fn.frame);
}

export function checkChildren(fn: Component, childrenGiven: boolean, loc?: Loc): void {
  if (fn.childrenSlot < 0) throw new EvalError(noChildrenMessage(fn.name), loc);
  if (childrenGiven) throw new EvalError(childrenTwiceMessage(fn.name), loc);
}

function runBody(fn: Lambda | Component, frame: Frame, ctx: EvalContext, loc?: Loc): Out {
  if (++ctx.depth > ctx.maxDepth) {
    ctx.depth--;
    throw new LimitError(`recursion deeper than ${ctx.maxDepth} calls (in ${fn.name})`, loc);
  }
  // Defaults that are still arriving (I/O); like a let, the call waits for them.
  let pending: Promise<Value>[] | null = null;
  try {
    if (fn.params.defaults.length) pending = fillDefaults(fn.params, frame, ctx);
    const result = fn.body(frame, ctx);
    if (!pending) return result;
    pending.push(result as Promise<Value>);
    return Promise.all(pending).then((all) => all[all.length - 1]!);
  } catch (e) {
    if (pending) abandon(pending);
    throw asSexpError(e, fn.name, loc);
  } finally {
    ctx.depth--;
  }
}

/** Evaluate `&key` defaults for keys not supplied, in order; the pending ones, if any. */
export function fillDefaults(p: Params, frame: Frame, ctx: EvalContext): Promise<Value>[] | null {
  let pending: Promise<Value>[] | null = null;
  try {
    for (const k of p.defaults) {
      if (frame.slots[k.slot] !== undefined) continue;
      const v = k.init!(frame, ctx);
      frame.slots[k.slot] = v;
      if (v instanceof Promise) (pending ??= []).push(v);
    }
  } catch (e) {
    if (pending) abandon(pending);
    throw e;
  }
  return pending;
}
