/**
 * The compiler: syntax tree -> closures. Each node is compiled once (cached
 * per node) into a function of (frame, ctx); local variables are resolved to
 * frame slots at compile time, globals are looked up in `ctx.env` at run time,
 * static markup is rendered at compile time.
 */
import { EvalError, unknownNameMessage, withLoc } from "./errors.ts";
import { getField } from "./data.ts";
import { HTML_TAGS, isCustomElementName } from "./html-tags.ts";
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
  finishParams,
  noop,
  type Code,
  type KeyParam,
  type Out,
  type Params,
} from "./runtime.ts";
import { compileComponentCall, compileElement, compileFragment, compileRaw } from "./markup.ts";
import { mapFn } from "./primitives/lists.ts";
import { compileQuery, queryKey } from "./query.ts";
import { Keyword, Sym, truthy, typeName, type ListNode, type Loc, type Node, type Value } from "./types.ts";

/** Forms the compiler handles itself when they head a list (unless a local shadows the name). */
export const SPECIAL_FORMS = new Set([
  "quote", "if", "when", "unless", "cond", "and", "or", "let", "lambda", "fn", "define", "do",
  "defcomp", "defroute", "defquery", "defaction", "<>", "raw!",
]);

/** Top-level forms that define rather than produce output. */
export const DEFINING_FORMS = new Set(["define", "defcomp", "defroute", "defquery", "defaction"]);

export function isDefinition(form: Node): boolean {
  return form.kind === "list" && form.value[0]?.kind === "sym" && DEFINING_FORMS.has(form.value[0].value);
}

/** Compile-time scope: the names of one frame's slots. */
export class Scope {
  readonly names: string[] = [];
  constructor(readonly parent: Scope | null) {}
  add(name: string): number {
    this.names.push(name);
    return this.names.length - 1;
  }
  /** Every local name visible here. */
  allNames(): string[] {
    const out: string[] = [];
    for (let s: Scope | null = this; s; s = s.parent) out.push(...s.names);
    return out;
  }

  /** [levels up, slot] of the innermost binding of `name`, or null for a global. */
  resolve(name: string): [number, number] | null {
    let up = 0;
    for (let s: Scope | null = this; s; s = s.parent, up++) {
      const i = s.names.lastIndexOf(name);
      if (i >= 0) return [up, i];
    }
    return null;
  }
}

const topLevelCode = new WeakMap<Node, Code>();

/** Compile a top-level form (memoized: a cached tree is compiled once). */
export function compileTop(form: Node): Code {
  let code = topLevelCode.get(form);
  if (!code) topLevelCode.set(form, (code = compile(form, null)));
  return code;
}

// Codes whose value is known at compile time (literals, static markup).
const constants = new WeakMap<Code, Value>();
export function constant(v: Value): Code {
  const c: Code = () => v;
  constants.set(c, v);
  return c;
}
export function isConstant(c: Code): boolean {
  return constants.has(c);
}
const NIL = constant(null);

/** A position on its own, so errors and closures do not keep whole subtrees alive. */
export function locOf(n: Loc): Loc {
  return { src: n.src, line: n.line, col: n.col };
}

export function fail(message: string, loc: Loc): never {
  throw new EvalError(message, loc);
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
  const lookup = globalLookup(name);
  return (_f, ctx) => {
    const v = lookup(ctx);
    if (v === undefined) throw new EvalError(unknownNameMessage(name, [...(scope?.allNames() ?? []), ...ctx.env.names()]), loc);
    return v;
  };
}

/**
 * A global lookup that remembers its last answer for the environment it was
 * made in, until any definition changes (`Env.generation`).
 */
export function globalLookup(name: string): (ctx: EvalContext) => Out | undefined {
  let env: Env | null = null;
  let generation = -1;
  let value: Out | undefined;
  return (ctx) => {
    if (ctx.env === env && Env.generation === generation) return value;
    value = ctx.env.lookup(name);
    if (value !== undefined) {
      env = ctx.env;
      generation = Env.generation;
    }
    return value;
  };
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
  const head = items[0]!;
  // HTML tag names in head position are always elements: `(title title)` is a
  // <title> holding the variable `title`. Special forms yield to a local of the
  // same name, so `fn` can be a parameter as in the seed's `(map fn items)`.
  if (head.kind === "sym" && HTML_TAGS.has(head.value)) return compileElement(head.value, n, scope);
  if (head.kind === "sym" && !scope?.resolve(head.value)) {
    const name = head.value;
    switch (name) {
      case "quote": return compileQuote(n);
      case "if": return compileIf(n, scope);
      case "when": return compileWhen(n, scope, true);
      case "unless": return compileWhen(n, scope, false);
      case "cond": return compileCond(n, scope);
      case "and": return compileAndOr(n, scope, true);
      case "or": return compileAndOr(n, scope, false);
      case "let": return compileLet(n, scope);
      case "lambda":
      case "fn": return compileLambda(n, scope);
      case "define": return compileDefine(n, scope);
      case "do": return compileBody(items.slice(1), scope);
      case "defcomp": return compileDefcomp(n, scope);
      case "defroute": return compileDefroute(n);
      case "defquery":
      case "defaction": return compileDefquery(n);
      case "<>": return compileFragment(n, scope);
      case "raw!": return compileRaw(n, scope);
    }
    if (name.startsWith("~")) return compileComponentCall(name, n, scope);
    if (isCustomElementName(name)) return compileCallOrCustomElement(name, n, scope);
    if (name === "map" && items.length === 3 && isOneParamLambda(items[1]!)) return compileMapLambda(n, scope);
  } else if (head.kind === "kw") {
    return compileKeywordAccess(head.value, n, scope);
  } else if (head.kind !== "list" && head.kind !== "sym") {
    fail(`cannot call a ${head.kind === "str" ? "string" : head.kind === "num" ? "number" : head.kind}: a list's first item must name a function, element or component`, head);
  }
  return compileCall(n, scope);
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
  return (f, ctx) => {
    const fn = head(f, ctx);
    if (fn instanceof Lambda && fn.params.simple && fn.params.positional.length === nargs) {
      // Evaluate the arguments straight into the callee's frame.
      const slots = fn.params.template.slice();
      let pending = false;
      try {
        for (let i = 0; i < nargs; i++) {
          const v = args[i]!(f, ctx);
          if (v instanceof Promise) pending = true;
          slots[i] = v;
        }
      } catch (e) {
        if (pending) abandon(slots);
        throw e;
      }
      if (!pending) return callLambda(fn, slots, ctx, loc);
      return Promise.all(slots.slice(0, nargs)).then((vs) => apply(fn, vs, ctx, loc));
    }
    const literal = fn instanceof Primitive ? fn.meta.names : 0;
    const vals = new Array<Out>(nargs);
    let pending = fn instanceof Promise;
    try {
      for (let i = 0; i < nargs; i++) {
        const v = i < literal && names[i] ? names[i]! : args[i]!(f, ctx);
        if (v instanceof Promise) pending = true;
        vals[i] = v;
      }
    } catch (e) {
      if (pending) abandon([fn, ...vals]);
      throw e;
    }
    if (!pending) return apply(fn as Value, vals as Value[], ctx, loc);
    return Promise.all([fn, ...vals]).then((all) => apply(all[0]!, all.slice(1), ctx, loc));
  };
}

function isOneParamLambda(n: Node): n is ListNode {
  if (n.kind !== "list" || n.value.length < 3) return false;
  const [head, params] = n.value;
  return (
    head!.kind === "sym" && (head!.value === "fn" || head!.value === "lambda") &&
    params!.kind === "list" && params!.value.length === 1 &&
    params!.value[0]!.kind === "sym" && !params!.value[0]!.value.startsWith("&")
  );
}

/**
 * `(map (fn (x) body...) items)`, the commonest template loop: when `map` is
 * the built-in, run the body once per item in a fresh frame instead of making
 * a closure and a full call per item. Otherwise it is an ordinary call.
 */
function compileMapLambda(n: ListNode, scope: Scope | null): Code {
  const generic = compileCall(n, scope);
  const lambda = n.value[1] as ListNode;
  const inner = new Scope(scope);
  const params = compileParams(lambda.value[1]!, inner, "lambda");
  const body = compileBody(lambda.value.slice(2), inner);
  finishParams(params, inner.names.length);
  const coll = compile(n.value[2]!, scope);
  const lookup = globalLookup("map");
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
  return (f, ctx) => {
    const map = lookup(ctx);
    if (!(map instanceof Primitive) || map.fn !== mapFn) return generic(f, ctx);
    const c = coll(f, ctx);
    return c instanceof Promise ? c.then((c) => run(c, f, ctx)) : run(c, f, ctx);
  };
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
// Special forms

function arity(n: ListNode, min: number, max: number, usage: string): void {
  const got = n.value.length - 1;
  if (got < min || got > max) fail(`bad ${n.value[0]!.value} form: expected ${usage}`, n);
}

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

function compileQuote(n: ListNode): Code {
  arity(n, 1, 1, "(quote form)");
  return constant(toData(n.value[1]!));
}

function compileIf(n: ListNode, scope: Scope | null): Code {
  arity(n, 2, 3, "(if test then [else])");
  const test = compile(n.value[1]!, scope);
  const yes = compile(n.value[2]!, scope);
  const no = n.value[3] ? compile(n.value[3], scope) : NIL;
  return (f, ctx) => {
    const t = test(f, ctx);
    if (t instanceof Promise) return t.then((t) => (truthy(t) ? yes(f, ctx) : no(f, ctx)));
    return truthy(t) ? yes(f, ctx) : no(f, ctx);
  };
}

function compileWhen(n: ListNode, scope: Scope | null, when: boolean): Code {
  arity(n, 1, Infinity, `(${when ? "when" : "unless"} test body...)`);
  const test = compile(n.value[1]!, scope);
  const body = compileBody(n.value.slice(2), scope);
  return (f, ctx) => {
    const t = test(f, ctx);
    if (t instanceof Promise) return t.then((t) => (truthy(t) === when ? body(f, ctx) : null));
    return truthy(t) === when ? body(f, ctx) : null;
  };
}

function compileCond(n: ListNode, scope: Scope | null): Code {
  const clauses = n.value.slice(1).map((c) => {
    if (c.kind !== "list" || c.value.length === 0) fail("cond clause must be a list: (test body...)", c);
    const t = c.value[0]!;
    const isElse = (t.kind === "sym" && t.value === "else") || (t.kind === "kw" && t.value === "else");
    // A clause without a body yields its test's value.
    const body = c.value.length > 1 ? compileBody(c.value.slice(1), scope) : null;
    return { test: isElse ? constant(true) : compile(t, scope), body };
  });
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
  return (f, ctx) => run(0, f, ctx);
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
  arity(n, 1, Infinity, "(let ((name value) ...) body...)");
  const bindings = n.value[1]!;
  if (bindings.kind !== "list") fail("let bindings must be a list: (let ((name value) ...) body...)", bindings);
  const inner = new Scope(scope);
  const inits: Code[] = [];
  const slotsOfBindings: number[] = [];
  for (const b of bindings.value) {
    if (b.kind !== "list" || b.value.length !== 2 || b.value[0]!.kind !== "sym") {
      fail("each let binding must be (name value)", b);
    }
    // Sequential: a binding's value sees the bindings before it, not itself.
    inits.push(compile(b.value[1]!, inner));
    slotsOfBindings.push(inner.add(b.value[0]!.value as string));
  }
  const body = compileBody(n.value.slice(2), inner);
  const count = inits.length;
  return (f, ctx) => {
    const slots = new Array<Out>(inner.names.length).fill(null);
    const fr = new Frame(slots, f);
    let pending: Promise<Value>[] | null = null;
    let result: Out;
    try {
      for (let i = 0; i < count; i++) {
        const v = inits[i]!(fr, ctx);
        const slot = slotsOfBindings[i]!;
        slots[slot] = v;
        if (v instanceof Promise) {
          // Later bindings and the body start now; whoever reads this slot waits.
          (pending ??= []).push(v);
          v.then((x) => (slots[slot] = x), noop);
        }
      }
      result = body(fr, ctx);
    } catch (e) {
      if (pending) abandon(pending);
      throw e;
    }
    if (!pending) return result;
    // The let is not done until every binding has arrived (so no failure is lost).
    pending.push(result as Promise<Value>);
    return Promise.all(pending).then((all) => all[all.length - 1]!);
  };
}

/**
 * A body: forms in sequence, the last one's value. Internal `define`s are
 * hoisted into the enclosing frame so they can refer to each other.
 */
function compileBody(forms: Node[], scope: Scope | null): Code {
  if (scope) for (const form of forms) {
    const name = definedName(form);
    if (name === null) continue;
    if (!scope.names.includes(name)) scope.add(name);
    hoisted.add(form);
  }
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
  return (f, ctx) => run(0, f, ctx);
}

/** Internal defines that a body has given a slot in its frame. */
const hoisted = new WeakSet<Node>();

/** The name a `define` form binds, or null for any other form. */
export function definedName(form: Node): string | null {
  if (form.kind !== "list" || form.value[0]?.kind !== "sym" || form.value[0].value !== "define") return null;
  const target = form.value[1];
  if (target?.kind === "sym") return target.value;
  if (target?.kind === "list" && target.value[0]?.kind === "sym") return target.value[0].value;
  return null;
}

/** The name a `define` or `defcomp` form binds, or null for any other form. */
export function definitionName(form: Node): string | null {
  if (form.kind === "list" && form.value[0]?.kind === "sym" && form.value[0].value === "defcomp") {
    const target = form.value[1];
    return target?.kind === "sym" ? target.value : null;
  }
  return definedName(form);
}

/**
 * Compile a lambda list into `scope`: positional names, `&rest name`, then
 * `&key` names with optional defaults `(name default)`.
 */
export function compileParams(list: Node, scope: Scope, what: string): Params {
  if (list.kind !== "list") fail(`${what} parameters must be a list`, list);
  const positional: string[] = [];
  const keys: KeyParam[] = [];
  let rest: string | null = null;
  let restSlot = -1;
  let mode: "pos" | "rest" | "key" = "pos";
  let keyed = false;
  const seen = new Set<string>();
  const declare = (p: Node): string => {
    if (p.kind !== "sym") fail(`parameter must be a symbol, not ${p.kind === "list" ? "a list" : p.kind}`, p);
    const name = p.value as string;
    if (seen.has(name)) fail(`duplicate parameter '${name}'`, p);
    seen.add(name);
    return name;
  };
  for (const p of list.value) {
    if (p.kind === "sym" && p.value.startsWith("&")) {
      if (mode === "rest" && rest === null) fail("&rest needs a name", p);
      // &rest and &key may come in either order (the seed writes `&key a b &rest content`).
      if (p.value === "&rest") {
        if (restSlot >= 0) fail("&rest given twice", p);
        restSlot = -2; // declared, name pending
        mode = "rest";
      } else if (p.value === "&key") {
        if (keyed) fail("&key given twice", p);
        keyed = true;
        mode = "key";
      } else fail(`unknown parameter marker '${p.value}' (use &rest or &key)`, p);
      continue;
    }
    if (mode === "pos") positional.push(declare(p)), scope.add(p.value as string);
    else if (mode === "rest" && rest !== null) fail("&rest takes exactly one name", p);
    else if (mode === "rest") {
      rest = declare(p);
      restSlot = scope.add(rest);
    } else {
      let nameNode = p;
      let init: Code | null = null;
      if (p.kind === "list") {
        if (p.value.length !== 2) fail("a &key default is written (name default)", p);
        nameNode = p.value[0]!;
        // The default sees the parameters before it.
        init = compile(p.value[1]!, scope);
      }
      const name = declare(nameNode);
      keys.push({ name, slot: scope.add(name), init });
    }
  }
  if (mode === "rest" && rest === null) fail("&rest needs a name", list);
  return { positional, rest, restSlot, keys, keyIndex: new Map(keys.map((k) => [k.name, k])), template: [], simple: false, defaults: [] };
}

function compileLambda(n: ListNode, scope: Scope | null, name = "lambda"): Code {
  arity(n, 1, Infinity, "(lambda (params...) body...)");
  const inner = new Scope(scope);
  const params = compileParams(n.value[1]!, inner, "lambda");
  const body = compileBody(n.value.slice(2), inner);
  finishParams(params, inner.names.length);
  const loc = locOf(n);
  return (f) => new Lambda(name, params, body, f, loc);
}

function compileDefine(n: ListNode, scope: Scope | null): Code {
  arity(n, 2, Infinity, "(define name value) or (define (name params...) body...)");
  const target = n.value[1]!;
  let name: string;
  let value: Code;
  if (target.kind === "sym") {
    arity(n, 2, 2, "(define name value)");
    name = target.value;
    value = compile(n.value[2]!, scope);
  } else if (target.kind === "list" && target.value[0]?.kind === "sym") {
    name = target.value[0].value;
    if (HTML_TAGS.has(name)) fail(`'${name}' is an HTML tag: (${name} ...) always renders <${name}>, so a function needs another name`, target);
    // (define (f a b) body...) is (define f (lambda (a b) body...)).
    const lambda: ListNode = { ...n, value: [n.value[0]!, { ...target, value: target.value.slice(1) }, ...n.value.slice(2)] };
    value = compileLambda(lambda, scope, name);
  } else {
    fail("define needs a name: (define name value) or (define (name params...) body...)", target);
  }
  if (scope) {
    if (!hoisted.has(n)) fail(`(define ${name} ...) is not directly in a body: a local define must be a form of a let, lambda, do, when, unless or cond body`, n);
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
  arity(n, 2, Infinity, "(defcomp ~name (&key ...) body...)");
  const nameNode = n.value[1]!;
  if (nameNode.kind !== "sym" || !nameNode.value.startsWith("~") || nameNode.value.length < 2) {
    fail("component names start with ~, e.g. (defcomp ~card (&key title) ...)", nameNode);
  }
  const name = nameNode.value as string;
  let i = 2;
  if (n.value[i]?.kind === "str") i++; // optional docstring
  const paramList = n.value[i];
  if (!paramList) fail(`defcomp ${name} needs a parameter list`, n);
  const inner = new Scope(scope);
  const params = compileParams(paramList, inner, "component");
  if (params.positional.length) fail(`component parameters must be &key (and &rest): ${name} has positional '${params.positional[0]}'`, paramList);
  const childrenKey = params.keyIndex.get("children");
  if (childrenKey && params.rest) fail(`${name} declares both &rest ${params.rest} and a children key; use one`, paramList);
  const childrenSlot = childrenKey ? childrenKey.slot : params.restSlot;
  // `:cache true` marks the component cacheable (see analyze.ts).
  const { options, body: from, problems } = readOptions(n, i + 1, "defcomp", COMPONENT_OPTIONS);
  if (problems.length) fail(...problems[0]!);
  const cache = options.get("cache")?.value === true;
  const body = compileBody(n.value.slice(from), inner);
  finishParams(params, inner.names.length);
  const loc = locOf(n);
  return (f, ctx) => {
    ctx.env.define(name, new Component(name, params, body, f, loc, childrenSlot, cache), n);
    return null;
  };
}

export const METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** Checks one option's value: null when fine, else what is wrong. */
type OptionCheck = (value: Node) => string | null;

const boolOption: OptionCheck = (v) => (v.kind === "bool" ? null : "takes true or false");
export const COMPONENT_OPTIONS: Record<string, OptionCheck> = { cache: boolOption };
export const ROUTE_OPTIONS: Record<string, OptionCheck> = {
  method: (v) => (v.kind === "str" && METHODS.has(v.value.toUpperCase()) ? null : `must be one of ${[...METHODS].join(", ")}`),
  cache: boolOption,
};

/**
 * `:name value` options after a definition's head, before its body (which
 * keeps at least one form): the options, where the body starts, and what is
 * wrong with them, each with the node to point at.
 */
export function readOptions(n: ListNode, from: number, form: string, known: Record<string, OptionCheck>) {
  const options = new Map<string, Node>();
  const problems: [string, Node][] = [];
  let i = from;
  while (n.value[i]?.kind === "kw" && i + 1 < n.value.length - 1) {
    const [opt, value] = [n.value[i]!, n.value[i + 1]!];
    const name = opt.value as string;
    const check = Object.hasOwn(known, name) ? known[name]! : null;
    if (!check) problems.push([`unknown ${form} option :${name} (known: ${Object.keys(known).map((k) => ":" + k).join(", ")})`, opt]);
    else {
      const wrong = check(value);
      if (wrong) problems.push([`:${name} ${wrong}`, value]);
      else options.set(name, value);
    }
    i += 2;
  }
  return { options, body: i, problems };
}

function compileDefroute(n: ListNode): Code {
  arity(n, 2, Infinity, '(defroute "/path/:param/" [:method "POST"] body...)');
  const pattern = n.value[1]!;
  if (pattern.kind !== "str" || !pattern.value.startsWith("/")) fail('a route pattern is a string starting with "/"', pattern);
  const { options, body, problems } = readOptions(n, 2, "defroute", ROUTE_OPTIONS);
  if (problems.length) fail(...problems[0]!);
  const method = ((options.get("method")?.value as string | undefined) ?? "GET").toUpperCase();
  const route = { pattern: pattern.value as string, method, cache: options.get("cache")?.value !== false, body: n.value.slice(body), form: n as Node };
  return (_f, ctx) => {
    // Evaluating the same route again (a reloaded file) replaces it.
    const routes = ctx.env.routes;
    const at = routes.findIndex((r) => r.pattern === route.pattern && r.method === route.method);
    if (at >= 0) routes[at] = route;
    else routes.push(route);
    return null;
  };
}

/** `(defquery|defaction service name (&key ...) ...)`: validated now, registered in the environment when run. */
function compileDefquery(n: ListNode): Code {
  const query = compileQuery(n);
  return (_f, ctx) => {
    ctx.env.queries.set(queryKey(query.service, query.name), query);
    return null;
  };
}

// ---------------------------------------------------------------------------
// Data access: (:slot obj :a :b) and (:key obj [default])

function compileKeywordAccess(kw: string, n: ListNode, scope: Scope | null): Code {
  const args = n.value.slice(1);
  let obj: Code;
  let path: string[];
  let fallback: Code = NIL;
  if (kw === "slot") {
    if (args.length < 2) fail("(:slot obj :field ...) needs an object and at least one field", n);
    obj = compile(args[0]!, scope);
    path = args.slice(1).map((k) => {
      if (k.kind !== "kw" && k.kind !== "str") fail("(:slot obj :field ...) fields are keywords", k);
      return k.value as string;
    });
  } else {
    if (args.length < 1 || args.length > 2) fail(`(:${kw} obj [default]) takes an object and an optional default`, n);
    obj = compile(args[0]!, scope);
    path = [kw];
    if (args[1]) fallback = compile(args[1], scope);
  }
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
