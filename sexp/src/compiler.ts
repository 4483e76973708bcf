/**
 * The compiler: syntax tree -> closures. Each node is compiled once (cached
 * per node) into a function of (frame, ctx); local variables are resolved to
 * frame slots at compile time, globals are looked up in `ctx.env` at run time,
 * static markup is rendered at compile time. The shape of every form is read
 * by forms.ts; the first problem it reports is thrown.
 */
import { EvalError, RenderError, unknownNameMessage, withLoc } from "./errors.ts";
import { getField, toData } from "./data.ts";
import {
  checkLocalDefine,
  hoistDefines,
  isLambdaForm,
  readCond,
  readDefcomp,
  readDefine,
  readDefroute,
  readHead,
  readIf,
  readKeywordAccess,
  readLambda,
  readLet,
  readQuote,
  readWhen,
  type LambdaForm,
  type ParamList,
} from "./forms.ts";
import {
  Component,
  Env,
  EvalContext,
  Frame,
  Lambda,
  Primitive,
  apply,
  abandon,
  callLambda,
  callPrimitive,
  finishParams,
  noop,
  type Code,
  type InlinableBody,
  type KeyParam,
  type Out,
  type Params,
} from "./runtime.ts";
import { compileComponentCall, compileDefer, compileElement, compileFragment, compileRaw } from "./markup.ts";
import { fixedArityCall } from "./fixed-calls.ts";
import { compilingAgainst } from "./inline.ts";
import { declareQuery, readQuery } from "./query.ts";
import { declareRoute, type Route } from "./route.ts";
import { Scope } from "./scope.ts";
import { constant, emitOf, emitValue, fieldValue, fixedMarkup, known, later, settle, valueEmit, withEmit, writeChild, type Done, type Emit } from "./emit.ts";
import type { Sink } from "./sink.ts";
import { Html, Keyword, Sym, truthy, typeName, type ListNode, type Loc, type Node, type Value } from "./types.ts";

const topLevelCode = new WeakMap<Node, Code>();

/**
 * Compile a top-level form (memoized: a cached tree is compiled once). Given
 * the environment it will run in, calls of its components are inlined where
 * they can be (inline.ts); the code stays right in any other environment.
 */
export function compileTop(form: Node, env?: Env): Code {
  let code = topLevelCode.get(form);
  if (!code) topLevelCode.set(form, (code = env ? compilingAgainst(env, () => compile(form, null)) : compile(form, null)));
  return code;
}

const NIL = constant(null);

/** A position on its own, so errors and closures do not keep whole subtrees alive. */
export function locOf(n: Loc): Loc {
  return { src: n.src, line: n.line, col: n.col };
}

/** The compiler's Report (see forms.ts): the first problem is thrown, a RenderError for markup. */
export function fail(message: string, at: Loc, kind?: "render"): never {
  throw kind === "render" ? new RenderError(message, locOf(at)) : new EvalError(message, locOf(at));
}

export function compile(n: Node, scope: Scope | null): Code {
  switch (n.kind) {
    case "str":
    case "num":
    case "bool":
    case "nil":
      return constant(n.value);
    case "kw":
      return constant(Keyword.of(n.value));
    case "sym":
      return compileSymbol(n.value, n, scope);
    case "map":
      return compileMap(n.value, scope);
    case "list":
      return compileList(n, scope);
  }
}

function compileSymbol(name: string, loc: Loc, scope: Scope | null): Code {
  const at = scope?.resolve(name);
  if (at) {
    const [up, i] = at;
    if (up === 0) return (f) => f!.slots[i]!;
    if (up === 1) return (f) => f!.parent!.slots[i]!;
    return (f) => {
      let fr = f!;
      for (let k = 0; k < up; k++) fr = fr.parent!;
      return fr.slots[i]!;
    };
  }
  const global = new Global(name);
  return (_f, ctx) => {
    const v = global.get(ctx);
    if (v === undefined) throw new EvalError(unknownNameMessage(name, [...(scope?.allNames() ?? []), ...ctx.env.names()]), loc);
    return v;
  };
}

/**
 * A global as last looked up, until any definition changes
 * (`Env.generation`): for the environment it was looked up in, and for its
 * other children that do not define it (each request's environment is a
 * new child of its site's).
 */
export class Global {
  /** The environment last looked up from. */
  private env: Env | null = null;
  /** Its parent, when the name is not its own: the answer holds for the parent's other children that do not define it. */
  private above: Env | null = null;
  private generation = -1;
  private value: Out | undefined = undefined;
  constructor(readonly name: string) {}

  get(ctx: EvalContext): Out | undefined {
    const env = ctx.env;
    if (Env.generation === this.generation) {
      if (env === this.env) return this.value;
      if (env.parent === this.above && this.above !== null && !env.vars.has(this.name)) {
        this.env = env;
        return this.value;
      }
    }
    const value = env.lookup(this.name);
    if (value !== undefined) {
      this.value = value;
      this.env = env;
      this.above = env.vars.has(this.name) ? null : env.parent;
      this.generation = Env.generation;
    }
    return value;
  }
}

function compileMap(items: Node[], scope: Scope | null): Code {
  const keys: string[] = [];
  const vals: Code[] = [];
  for (let i = 0; i < items.length; i += 2) {
    keys.push(String(items[i]!.value));
    vals.push(compile(items[i + 1]!, scope));
  }
  const build = (vs: Value[]): Value => {
    const m = new Map<string, Value>();
    for (let i = 0; i < keys.length; i++) m.set(keys[i]!, vs[i]!);
    return m;
  };
  return (f, ctx) => {
    const vs = evalAll(vals, f, ctx);
    return vs instanceof Promise ? vs.then(build) : build(vs);
  };
}

/** Evaluate codes left to right (all start before any is awaited). */
export function evalAll(codes: Code[], f: Frame | null, ctx: EvalContext): Value[] | Promise<Value[]> {
  const out = new Array<Out>(codes.length);
  let pending = false;
  try {
    for (let i = 0; i < codes.length; i++) {
      const v = codes[i]!(f, ctx);
      if (v instanceof Promise) pending = true;
      out[i] = v;
    }
  } catch (e) {
    if (pending) abandon(out);
    throw e;
  }
  return pending ? Promise.all(out) : (out as Value[]);
}

function compileList(n: ListNode, scope: Scope | null): Code {
  const items = n.value;
  if (items.length === 0) return constant(Object.freeze([]) as Value);
  const head = readHead(n, scope, fail);
  switch (head.kind) {
    case "element": return compileElement(head.tag, n, scope);
    case "special": return compileSpecial(head.form, n, scope);
    case "component": return compileComponentCall(head.name, n, scope);
    case "custom": return compileCallOrCustomElement(head.name, n, scope);
    case "keyword": return compileKeywordAccess(head.key, n, scope);
    case "call":
      if (head.name === "map" && items.length === 3 && isOneParamLambda(items[1]!, scope)) return compileMapLambda(n, scope);
      return compileCall(n, scope);
  }
}

function compileSpecial(form: string, n: ListNode, scope: Scope | null): Code {
  switch (form) {
    case "quote": return constant(toData(readQuote(n, fail)!));
    case "if": return compileIf(n, scope);
    case "when": return compileWhen(n, scope, true);
    case "unless": return compileWhen(n, scope, false);
    case "cond": return compileCond(n, scope);
    case "and": return compileAndOr(n, scope, true);
    case "or": return compileAndOr(n, scope, false);
    case "let": return compileLet(n, scope);
    case "lambda":
    case "fn": return compileLambda(readLambda(n, fail)!, scope, "lambda", n);
    case "define": return compileDefine(n, scope);
    case "do": return compileBody(n.value.slice(1), scope);
    case "defcomp": return compileDefcomp(n, scope);
    case "defroute": return compileDefroute(n);
    case "defquery":
    case "defaction": return compileDefquery(n);
    case "<>": return compileFragment(n, scope);
    case "defer": return compileDefer(n, scope);
    default: return compileRaw(n, scope);
  }
}

function compileCall(n: ListNode, scope: Scope | null): Code {
  const items = n.value;
  const head = compile(items[0]!, scope);
  const argNodes = items.slice(1);
  const args = argNodes.map((a) => compile(a, scope));
  // Bare global symbols, which a primitive may take as names (see PrimitiveMeta.names).
  const names = argNodes.map((a) => (a.kind === "sym" && !scope?.resolve(a.value) ? Sym.of(a.value) : null));
  const loc = locOf(n);
  const nargs = args.length;
  // A call of a global that is a primitive (the commonest call: `str`, `format`, `<=`): its arguments, then the primitive.
  const global = items[0]!.kind === "sym" && !scope?.resolve(items[0]!.value) ? new Global(items[0]!.value) : null;
  /** The arguments into `into` (a leading name as a symbol, up to `literal`): whether one is still coming. */
  const evalArgs = (literal: number, f: Frame | null, ctx: EvalContext, into: Out[]): boolean => {
    let pending = false;
    try {
      for (let i = 0; i < nargs; i++) {
        const v = i < literal && names[i] ? names[i]! : args[i]!(f, ctx);
        if (v instanceof Promise) pending = true;
        into[i] = v;
      }
    } catch (e) {
      if (pending) abandon(into);
      throw e;
    }
    return pending;
  };
  const fixed = fixedArityCall(args, loc);
  const primitiveCall = (fn: Primitive, f: Frame | null, ctx: EvalContext): Out => {
    const vals = new Array<Out>(nargs);
    if (!evalArgs(fn.meta.names, f, ctx, vals)) return callPrimitive(fn, vals as Value[], ctx, loc);
    return Promise.all(vals).then((vs) => callPrimitive(fn, vs, ctx, loc));
  };
  const code: Code = (f, ctx) => {
    if (global !== null) {
      const g = global.get(ctx);
      if (g instanceof Primitive) return fixed !== null && g.meta.names === 0 ? fixed(g, f, ctx) : primitiveCall(g, f, ctx);
    }
    const fn = head(f, ctx);
    if (fn instanceof Lambda && fn.params.simple && fn.params.positional.length === nargs) {
      // Evaluate the arguments straight into the callee's frame.
      const slots = fn.params.template.slice();
      if (!evalArgs(0, f, ctx, slots)) return callLambda(fn, slots, ctx, loc);
      return Promise.all(slots.slice(0, nargs)).then((vs) => apply(fn, vs, ctx, loc));
    }
    const vals = new Array<Out>(nargs);
    let pending: boolean;
    try {
      pending = evalArgs(fn instanceof Primitive ? fn.meta.names : 0, f, ctx, vals) || fn instanceof Promise;
    } catch (e) {
      abandon([fn]);
      throw e;
    }
    if (!pending) return apply(fn as Value, vals as Value[], ctx, loc);
    return Promise.all([fn, ...vals]).then((all) => apply(all[0]!, all.slice(1), ctx, loc));
  };
  // Made when first asked for (most calls are never in render position).
  let byValue: Emit | null = null;
  let pageEmits: Emit[] | null = null;
  // A streamed route's `(render page)`: the response is handed over first, the page written as it renders.
  return withEmit(code, (f, ctx, out) => {
    if (ctx.respond === null) return emitValue(code(f, ctx), ctx, out);
    byValue ??= valueEmit(code);
    const fn = head(f, ctx);
    const page = fn instanceof Primitive ? fn.meta.page : null;
    if (page === null || page >= nargs) return byValue(f, ctx, out);
    const vals = new Array<Out>(nargs);
    let pending = false;
    for (let i = 0; i < nargs; i++) {
      const v = i === page ? EMPTY_PAGE : args[i]!(f, ctx);
      if (v instanceof Promise) pending = true;
      vals[i] = v;
    }
    const respond = (vals: Value[], into: Sink): Done => {
      ctx.respond?.(apply(fn as Primitive, vals, ctx, loc) as Value);
      pageEmits ??= args.map(emitOf);
      return pageEmits[page]!(f, ctx, into);
    };
    return pending ? later(out, Promise.all(vals), ctx, respond) : respond(vals as Value[], out);
  });
}

/** The page a streamed response is made with: it is written separately. */
const EMPTY_PAGE = new Html("");

/** `(fn (x) body...)` (with `fn` not a local): one positional parameter and a body. */
function isOneParamLambda(n: Node, scope: Scope | null): n is ListNode {
  if (!isLambdaForm(n, scope) || n.value.length < 3) return false;
  const params = n.value[1]!;
  return params.kind === "list" && params.value.length === 1 && params.value[0]!.kind === "sym" && !params.value[0]!.value.startsWith("&");
}

/**
 * `(map (fn (x) body...) items)`, the commonest template loop: when `map` is
 * the built-in, run the body once per item in a fresh frame instead of making
 * a closure and a full call per item. Otherwise it is an ordinary call.
 */
function compileMapLambda(n: ListNode, scope: Scope | null): Code {
  const generic = compileCall(n, scope);
  const lambda = n.value[1] as ListNode;
  const form = readLambda(lambda, fail)!;
  const inner = new Scope(scope);
  const params = compileParams(form.params, inner);
  const body = compileBody(form.body, inner);
  finishParams(params, inner.names.length);
  const coll = compile(n.value[2]!, scope);
  const map = new Global("map");
  const loc = locOf(lambda);
  const run = (items: Value, f: Frame | null, ctx: EvalContext): Out => {
    if (!Array.isArray(items)) {
      if (items === null) return [];
      throw new EvalError(`map: argument 2 must be a list, got ${typeName(items)}`, n);
    }
    const out = new Array<Out>(items.length);
    let pending = false;
    try {
      for (let i = 0; i < items.length; i++) {
        ctx.step(loc);
        const slots = params.template.slice();
        slots[0] = items[i]!;
        const v = body(new Frame(slots, f), ctx);
        if (v instanceof Promise) pending = true;
        out[i] = v;
      }
    } catch (e) {
      if (pending) abandon(out);
      throw e;
    }
    return pending ? Promise.all(out) : (out as Value[]);
  };
  let emitItem: Emit | null = null;
  // An item's frame can serve the next item when it holds only the item and nothing can keep it (no closure made in the body).
  const reusable = inner.names.length === 1 && !makesClosures(form.body);
  const write = (items: Value, f: Frame | null, ctx: EvalContext, out: Sink): Done => {
    if (!Array.isArray(items)) {
      if (items === null) return undefined;
      throw new EvalError(`map: argument 2 must be a list, got ${typeName(items)}`, n);
    }
    let pending: Promise<void>[] | null = null;
    let free: Frame | null = null;
    try {
      for (let i = 0; i < items.length; i++) {
        ctx.step(loc);
        let fr: Frame | null = free;
        if (fr === null) fr = new Frame(params.template.slice(), f);
        fr.slots[0] = items[i]!;
        const done = (emitItem ??= emitOf(body))(fr, ctx, out);
        // A frame whose item is still being written (it waits on I/O) is its own.
        if (done !== undefined) ((pending ??= []).push(done), (free = null));
        else free = reusable ? fr : null;
      }
    } catch (e) {
      if (pending) abandon(pending);
      throw e;
    }
    return settle(pending);
  };
  let emitGeneric: Emit | null = null;
  const code: Code = (f, ctx) => {
    const fn = map.get(ctx);
    if (!(fn instanceof Primitive) || fn.meta.inline !== "map") return generic(f, ctx);
    const c = coll(f, ctx);
    return c instanceof Promise ? c.then((c) => run(c, f, ctx)) : run(c, f, ctx);
  };
  return withEmit(code, (f, ctx, out) => {
    const fn = map.get(ctx);
    if (!(fn instanceof Primitive) || fn.meta.inline !== "map") return (emitGeneric ??= emitOf(generic))(f, ctx, out);
    const c = coll(f, ctx);
    return c instanceof Promise ? later(out, c, ctx, (c, into) => write(c, f, ctx, into)) : write(c, f, ctx, out);
  });
}

/** Whether forms could make a closure over the frame they run in (a lambda, a local definition, a component). */
function makesClosures(forms: readonly Node[]): boolean {
  const closure = (n: Node): boolean =>
    n.kind === "sym" ? n.value === "fn" || n.value === "lambda" || n.value === "define" || n.value === "defcomp" : n.kind === "list" || n.kind === "map" ? n.value.some(closure) : false;
  return forms.some(closure);
}

/** `(my-widget ...)`: a call if a function of that name exists at run time, else a custom element. */
function compileCallOrCustomElement(name: string, n: ListNode, scope: Scope | null): Code {
  const call = compileCall(n, scope);
  let element: Code | null = null;
  return (f, ctx) => {
    if (ctx.env.lookup(name) !== undefined) return call(f, ctx);
    element ??= compileElement(name, n, scope);
    return element(f, ctx);
  };
}

// ---------------------------------------------------------------------------
// Special forms (read by forms.ts)

function compileIf(n: ListNode, scope: Scope | null): Code {
  const form = readIf(n, fail)!;
  const test = compile(form.test, scope);
  const yes = compile(form.then, scope);
  const no = form.else ? compile(form.else, scope) : NIL;
  const code: Code = (f, ctx) => {
    const t = test(f, ctx);
    if (t instanceof Promise) return t.then((t) => (truthy(t) ? yes(f, ctx) : no(f, ctx)));
    return truthy(t) ? yes(f, ctx) : no(f, ctx);
  };
  // Emitters made when first asked for (an `if` in a function used for its value never is).
  let emitYes: Emit | null = null;
  let emitNo: Emit | null = null;
  const branch = (t: Value, f: Frame | null, ctx: EvalContext, out: Sink): Done =>
    truthy(t) ? (emitYes ??= emitOf(yes))(f, ctx, out) : (emitNo ??= emitOf(no))(f, ctx, out);
  const field = known(test).field;
  const [textYes, textNo] = [fixedMarkup(yes), fixedMarkup(no)];
  return withEmit(code, (f, ctx, out) => {
    // A local's field (`(:on_sale p)`) read here, and fixed markup written here: no call for either.
    let t: Out | undefined = field === undefined ? undefined : fieldValue(field, f);
    if (t === undefined) t = test(f, ctx);
    if (t instanceof Promise) return later(out, t, ctx, (t, into) => branch(t, f, ctx, into));
    const text = truthy(t) ? textYes : textNo;
    if (text === null) return branch(t, f, ctx, out);
    out.text += text;
    return undefined;
  });
}

function compileWhen(n: ListNode, scope: Scope | null, when: boolean): Code {
  const form = readWhen(n, fail)!;
  const test = compile(form.test, scope);
  const body = compileBody(form.body, scope);
  const code: Code = (f, ctx) => {
    const t = test(f, ctx);
    if (t instanceof Promise) return t.then((t) => (truthy(t) === when ? body(f, ctx) : null));
    return truthy(t) === when ? body(f, ctx) : null;
  };
  let emitBody: Emit | null = null;
  const field = known(test).field;
  const text = fixedMarkup(body);
  return withEmit(code, (f, ctx, out) => {
    // As `if`'s: a local's field read here, fixed markup written here.
    let t: Out | undefined = field === undefined ? undefined : fieldValue(field, f);
    if (t === undefined) t = test(f, ctx);
    if (t instanceof Promise) return later(out, t, ctx, (t, into) => (truthy(t) === when ? (emitBody ??= emitOf(body))(f, ctx, into) : undefined));
    if (truthy(t) !== when) return undefined;
    if (text === null) return (emitBody ??= emitOf(body))(f, ctx, out);
    out.text += text;
    return undefined;
  });
}

function compileCond(n: ListNode, scope: Scope | null): Code {
  const clauses = readCond(n, fail).map((c) => ({
    test: c.test === null ? constant(true) : compile(c.test, scope),
    // A clause without a body yields its test's value.
    body: c.body.length ? compileBody(c.body, scope) : null,
  }));
  const run = (i: number, f: Frame | null, ctx: EvalContext): Out => {
    for (; i < clauses.length; i++) {
      const c = clauses[i]!;
      const t = c.test(f, ctx);
      if (t instanceof Promise) {
        const next = i + 1;
        return t.then((t) => (truthy(t) ? (c.body ? c.body(f, ctx) : t) : run(next, f, ctx)));
      }
      if (truthy(t)) return c.body ? c.body(f, ctx) : t;
    }
    return null;
  };
  let emits: (Emit | null)[] | null = null;
  // The clause taken writes its body, or its test's value when it has none.
  const chosen = (i: number, t: Value, f: Frame | null, ctx: EvalContext, out: Sink): Done => {
    const body = (emits ??= clauses.map((c) => (c.body ? emitOf(c.body) : null)))[i];
    if (body) return body(f, ctx, out);
    writeChild(out, t, ctx);
    return undefined;
  };
  const emit = (i: number, f: Frame | null, ctx: EvalContext, out: Sink): Done => {
    for (; i < clauses.length; i++) {
      const c = clauses[i]!;
      const t = c.test(f, ctx);
      if (t instanceof Promise) {
        const k = i;
        return later(out, t, ctx, (t, into) => (truthy(t) ? chosen(k, t, f, ctx, into) : emit(k + 1, f, ctx, into)));
      }
      if (truthy(t)) return chosen(i, t, f, ctx, out);
    }
    return undefined;
  };
  return withEmit((f, ctx) => run(0, f, ctx), (f, ctx, out) => emit(0, f, ctx, out));
}

function compileAndOr(n: ListNode, scope: Scope | null, isAnd: boolean): Code {
  const parts = n.value.slice(1).map((p) => compile(p, scope));
  if (parts.length === 0) return constant(isAnd ? true : null);
  const run = (i: number, f: Frame | null, ctx: EvalContext): Out => {
    for (; i < parts.length - 1; i++) {
      const v = parts[i]!(f, ctx);
      if (v instanceof Promise) {
        const next = i + 1;
        return v.then((v) => (truthy(v) === isAnd ? run(next, f, ctx) : v));
      }
      if (truthy(v) !== isAnd) return v;
    }
    return parts[parts.length - 1]!(f, ctx);
  };
  return (f, ctx) => run(0, f, ctx);
}

function compileLet(n: ListNode, scope: Scope | null): Code {
  const form = readLet(n, fail)!;
  const inner = new Scope(scope);
  const inits: Code[] = [];
  const slotsOfBindings: number[] = [];
  for (const b of form.bindings) {
    // Sequential: a binding's value sees the bindings before it, not itself.
    inits.push(compile(b.values[0]!, inner));
    slotsOfBindings.push(inner.add(b.name!));
  }
  const body = compileBody(form.body, inner);
  const count = inits.length;
  const size = inner.names.length;
  /** The let's frame, its bindings started (one still arriving is a promise in its slot, replaced once it is there). */
  const empty: Out[] = new Array<Out>(size).fill(null);
  const bind = (f: Frame | null, ctx: EvalContext): Frame => {
    const slots = empty.slice();
    const fr = new Frame(slots, f);
    try {
      for (let i = 0; i < count; i++) {
        const v = inits[i]!(fr, ctx);
        const slot = slotsOfBindings[i]!;
        slots[slot] = v;
        // Later bindings and the body start now; whoever reads this slot waits.
        if (v instanceof Promise) v.then((x) => (slots[slot] = x), noop);
      }
    } catch (e) {
      abandon(slots);
      throw e;
    }
    return fr;
  };
  /** The bindings still arriving (read before anything could have replaced them); null for none. */
  const arriving = (fr: Frame): Promise<Value>[] | null => {
    let pending: Promise<Value>[] | null = null;
    for (let i = 0; i < count; i++) {
      const v = fr.slots[slotsOfBindings[i]!];
      if (v instanceof Promise) (pending ??= []).push(v);
    }
    return pending;
  };
  const code: Code = (f, ctx) => {
    const fr = bind(f, ctx);
    const pending = arriving(fr);
    let result: Out;
    try {
      result = body(fr, ctx);
    } catch (e) {
      if (pending) abandon(pending);
      throw e;
    }
    if (pending === null) return result;
    // The let is not done until every binding has arrived (so no failure is lost).
    pending.push(result as Promise<Value>);
    return Promise.all(pending).then((all) => all[all.length - 1]!);
  };
  let emitBody: Emit | null = null;
  return withEmit(code, (f, ctx, out) => {
    const fr = bind(f, ctx);
    const pending = arriving(fr);
    let done: Done;
    try {
      done = (emitBody ??= emitOf(body))(fr, ctx, out);
    } catch (e) {
      if (pending) abandon(pending);
      throw e;
    }
    if (pending === null) return done;
    // A streamed render shows a failed binding where it is read (one never read does not matter).
    if (ctx.renderError !== null) return (abandon(pending), done);
    return Promise.all(done === undefined ? pending : [...pending, done]).then(noop);
  });
}

/**
 * A body: forms in sequence, the last one's value. Internal `define`s are
 * hoisted into the enclosing frame so they can refer to each other.
 */
export function compileBody(forms: readonly Node[], scope: Scope | null): Code {
  hoistDefines(forms, scope);
  const codes = forms.map((form) => compile(form, scope));
  if (codes.length === 0) return NIL;
  if (codes.length === 1) return codes[0]!;
  const last = codes.length - 1;
  const run = (i: number, f: Frame | null, ctx: EvalContext): Out => {
    for (; i < last; i++) {
      const v = codes[i]!(f, ctx);
      if (v instanceof Promise) {
        const next = i + 1;
        return v.then(() => run(next, f, ctx));
      }
    }
    return codes[last]!(f, ctx);
  };
  let emitLast: Emit | null = null;
  const emit = (i: number, f: Frame | null, ctx: EvalContext, out: Sink): Done => {
    for (; i < last; i++) {
      const v = codes[i]!(f, ctx);
      if (v instanceof Promise) {
        const next = i + 1;
        return later(out, v, ctx, (_v, into) => emit(next, f, ctx, into));
      }
    }
    return (emitLast ??= emitOf(codes[last]!))(f, ctx, out);
  };
  return withEmit((f, ctx) => run(0, f, ctx), (f, ctx, out) => emit(0, f, ctx, out));
}

/** A lambda list's names into `scope`, in order; `&key` defaults compiled where they stand (they see the names before them). */
function compileParams(list: ParamList, scope: Scope): Params {
  const keys: KeyParam[] = [];
  let restSlot = -1;
  for (const p of list.params) {
    if (p.kind === "key") {
      const init = p.default ? compile(p.default, scope) : null;
      keys.push({ name: p.name!, slot: scope.add(p.name!), init });
    } else if (p.kind === "rest") restSlot = scope.add(p.name!);
    else scope.add(p.name!);
  }
  return {
    positional: list.positional,
    rest: list.rest,
    restSlot,
    keys,
    keyIndex: new Map(keys.map((k) => [k.name, k])),
    template: [],
    simple: false,
    defaults: [],
  };
}

function compileLambda(form: LambdaForm, scope: Scope | null, name: string, at: Loc): Code {
  const inner = new Scope(scope);
  const params = compileParams(form.params, inner);
  const body = compileBody(form.body, inner);
  finishParams(params, inner.names.length);
  const loc = locOf(at);
  return (f) => new Lambda(name, params, body, f, loc);
}

function compileDefine(n: ListNode, scope: Scope | null): Code {
  const form = readDefine(n, fail)!;
  const name = form.name;
  const value = form.kind === "value" ? compile(form.values[0]!, scope) : compileLambda(form.lambda, scope, name, n);
  if (scope) {
    checkLocalDefine(n, name, scope, fail);
    const slot = scope.names.lastIndexOf(name);
    return (f, ctx) => {
      const v = value(f, ctx);
      f!.slots[slot] = v;
      return v;
    };
  }
  return (f, ctx) => {
    const v = value(f, ctx);
    ctx.env.define(name, v, n);
    return v instanceof Promise ? v.then(() => null) : null;
  };
}

function compileDefcomp(n: ListNode, scope: Scope | null): Code {
  const form = readDefcomp(n, fail)!;
  const name = form.name;
  const inner = new Scope(scope);
  const params = compileParams(form.params, inner);
  const childrenKey = params.keyIndex.get("children");
  const childrenSlot = childrenKey ? childrenKey.slot : params.restSlot;
  const body = compileBody(form.body, inner);
  finishParams(params, inner.names.length);
  const loc = locOf(n);
  // What a call may be compiled as in place (see inline.ts): `&key` parameters only, no defaults, nothing that makes a frame or keeps one.
  const inlinable: InlinableBody | null =
    form.ok && !form.cache && form.params.positional.length === 0 && form.params.rest === null && !params.keyIndex.has("children") &&
    params.keys.every((k) => k.init === null) && !makesClosures(form.body)
      ? { keys: form.params.keys, body: form.body }
      : null;
  return (f, ctx) => {
    ctx.env.define(name, new Component(name, params, body, f, loc, childrenSlot, form.cache, inlinable), n);
    return null;
  };
}

/** `(defroute ...)`: the route is data for the router, declared in the environment when the form runs. */
function compileDefroute(n: ListNode): Code {
  const form = readDefroute(n, fail)!;
  const route: Route = { pattern: form.pattern!, method: form.method, cache: form.cache, body: [...form.body], form: n };
  return (_f, ctx) => {
    declareRoute(ctx.env.declarations, route);
    return null;
  };
}

/** `(defquery|defaction service name (&key ...) ...)`: validated now, declared in the environment when run. */
function compileDefquery(n: ListNode): Code {
  const query = readQuery(n, fail)!;
  return (_f, ctx) => {
    declareQuery(ctx.env.declarations, query);
    return null;
  };
}

// ---------------------------------------------------------------------------
// Data access: (:slot obj :a :b) and (:key obj [default])

function compileKeywordAccess(kw: string, n: ListNode, scope: Scope | null): Code {
  const form = readKeywordAccess(kw, n, fail);
  const obj = compile(form.object!, scope);
  const path = form.path;
  const fallback = form.fallback ? compile(form.fallback, scope) : NIL;
  const loc = locOf(n);
  const walk = (o: Value, f: Frame | null, ctx: EvalContext): Out => {
    let v = o;
    try {
      for (let i = 0; i < path.length && v !== null; i++) v = getField(v, path[i]!);
    } catch (e) {
      throw withLoc(e, loc);
    }
    return v === null ? fallback(f, ctx) : v;
  };
  if (path.length === 1) {
    // The common case, one field of a map, without the general walk.
    const key = path[0]!;
    const local = form.object!.kind === "sym" ? (scope?.resolve(form.object!.value as string) ?? null) : null;
    if (local !== null && local[0] <= 1 && !form.fallback) {
      // ...of a local, read from its slot here: `(:title link)` in a loop body.
      const [up, slot] = local;
      const read: Code = (f, ctx) => {
        const o = up === 0 ? f!.slots[slot]! : f!.parent!.slots[slot]!;
        if (o instanceof Map) {
          const v = o.get(key);
          return v === undefined ? null : v;
        }
        return o instanceof Promise ? o.then((o) => walk(o, f, ctx)) : walk(o, f, ctx);
      };
      known(read).field = { up, slot, key };
      return read;
    }
    return (f, ctx) => {
      const o = obj(f, ctx);
      if (o instanceof Map) {
        const v = o.get(key);
        return v === undefined || v === null ? fallback(f, ctx) : v;
      }
      return o instanceof Promise ? o.then((o) => walk(o, f, ctx)) : walk(o, f, ctx);
    };
  }
  return (f, ctx) => {
    const o = obj(f, ctx);
    return o instanceof Promise ? o.then((o) => walk(o, f, ctx)) : walk(o, f, ctx);
  };
}
