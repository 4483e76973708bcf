/**
 * Compiling markup: elements (attributes, children, raw text, static parts
 * rendered once), fragments, `raw!`, and component calls.
 */
import { cssValue, scriptJson } from "./embed.ts";
import { escapeHtml, safeUrl, startsSafeUrl } from "./escape.ts";
import { EvalError, notAComponentMessage, unknownNameMessage, withLoc } from "./errors.ts";
import { isLiteral, readDefer, readHead } from "./forms.ts";
import { placeholder } from "./stream.ts";
import { Sink, flat } from "./sink.ts";
import { readComponentCall, readElement, type RawTextPiece } from "./markup-forms.ts";
import { attributeItem, renderAttribute, renderChild, renderRawTextContent } from "./html.ts";
import { VOID_ELEMENTS } from "./html-tags.ts";
import { Global, compile, compileBody, evalAll, fail, locOf } from "./compiler.ts";
import { compileInlined, holds, inlineCall, noHookWants } from "./inline.ts";
import { Component, EvalContext, Primitive, abandon, asSexpError, callComponent, callPrimitive, slotsOf, type Code, type Out } from "./runtime.ts";
import { emitComponent } from "./render-calls.ts";
import type { Scope } from "./scope.ts";
import { Html, type ListNode, type Loc, type Node, type Value } from "./types.ts";
import { constant, emitOf, fieldValue, isConstant, known, later, markupValue, settle, valueEmit, withEmit, writeFailure, type Done, type Emit } from "./emit.ts";
import { withinElement, type Within } from "./within.ts";

/** Markup rendered at compile time; a failure points at the node that caused it. */
function constantMarkup(render: () => string, at: Loc): string {
  try {
    return render();
  } catch (e) {
    throw withLoc(e, { src: at.src, line: at.line, col: at.col });
  }
}

/** One piece of an element's output: fixed text, an attribute, or a child written when it runs. */
type Part = string | Attribute | Emit;

/** An attribute whose value is computed; it takes in the fixed text around it when the element is finished. */
interface Attribute {
  readonly code: Code;
  readonly name: string;
  readonly url: boolean;
  /** Its value as a call of a global, when it is one: maybe a primitive that can be written piece by piece (see piecesPart). */
  readonly call: GlobalCall | null;
}

/** `(name args...)` where `name` is no local: the function looked up where it runs. */
interface GlobalCall {
  readonly global: Global;
  readonly args: readonly Code[];
  readonly loc: Loc;
}

function globalCall(n: Node, scope: Scope | null): GlobalCall | null {
  if (n.kind !== "list" || n.value.length < 2) return null;
  // Only what the compiler reads as a call of a global (not a special form, element or component).
  const head = readHead(n, scope, fail);
  if (head.kind !== "call" || head.name === null) return null;
  return { global: new Global(head.name), args: n.value.slice(1).map((a) => compile(a, scope)), loc: locOf(n) };
}

/** The element a part comes from, for its errors (an element's parts may come from its children). */
interface Owner {
  readonly tag: string;
  readonly loc: Loc;
  readonly fail: (e: unknown) => Promise<never>;
}

/** An element's output as parts, kept so that an element around it can take them in as its own. */
interface ElementParts {
  readonly parts: readonly Part[];
  readonly owners: readonly (Owner | null)[];
  /** Elements these parts make (each is a step). */
  readonly elements: number;
}

/** An element's code, with its parts. */
type ElementCode = Code & { parts?: ElementParts };

/**
 * An element compiles to one emitter over its parts: static markup merged
 * into strings at compile time, and the parts of child elements taken in, so
 * `(li (a :href h t))` writes `<li><a href="`, the URL, `">`, the text and
 * `</a></li>`: five appends and no call per element.
 */
export function compileElement(tag: string, n: ListNode, scope: Scope | null): Code {
  const { attrs, children, rawText } = readElement(tag, n, scope, fail);
  const isVoid = VOID_ELEMENTS.has(tag);
  const loc = locOf(n);
  const self: Owner = { tag, loc, fail: (e) => Promise.reject(asSexpError(e, tag, loc)) };
  const parts: Part[] = [];
  const owners: (Owner | null)[] = [];
  let elements = 1;
  const push = (p: Part, owner: Owner | null): void => {
    const last = parts.length - 1;
    if (typeof p === "string" && typeof parts[last] === "string") parts[last] += p;
    else (parts.push(p), owners.push(typeof p === "string" ? null : owner));
  };
  push((tag === "html" ? "<!doctype html>" : "") + "<" + tag, null);
  for (const a of attrs) {
    const url = a.kind === "url";
    if (isLiteral(a.value)) push(renderAttribute(a.name, compile(a.value, scope)(null, null as never) as Value, url), null);
    else push({ code: compile(a.value, scope), name: a.name, url, call: globalCall(a.value, scope) }, self);
  }
  push(">", null);
  if (!isVoid) {
    if (rawText) push(rawTextPart(tag, rawText, scope), self);
    else {
      children.forEach((child) => {
        const code = compile(child, scope);
        const inner = (code as ElementCode).parts;
        if (isConstant(code)) push(constantMarkup(() => renderChild(code(null, null as never) as Value), child), null);
        else if (inner) {
          inner.parts.forEach((p, i) => push(p, inner.owners[i]!));
          elements += inner.elements;
        } else push(emitOf(code), self);
      });
    }
    push("</" + tag + ">", null);
  }
  // Entirely static markup is rendered once, here.
  if (parts.length === 1) return constant(new Html(flat(parts[0] as string)));
  const within = withinElement(tag);
  if (within !== undefined) parts.forEach((p, i) => typeof p === "function" && (parts[i] = writtenWithin(within, p)));
  const { emits, by } = finish(parts, owners);
  const count = emits.length;
  const emit: Emit = (f, ctx, out) => {
    ctx.charge(elements, loc);
    let pending: Promise<void>[] | null = null;
    let k = 0;
    try {
      for (; k < count; k++) {
        const p = emits[k]!;
        if (typeof p === "string") out.text += p;
        else {
          const done = p(f, ctx, out);
          if (done !== undefined) (pending ??= []).push(done.catch(by[k]!.fail));
        }
      }
    } catch (e) {
      if (pending) abandon(pending);
      const owner = by[k] ?? self;
      throw asSexpError(e, owner.tag, owner.loc);
    }
    ctx.checkOutput(out.length, loc);
    return settle(pending);
  };
  const code = markupValue(emit);
  (code as ElementCode).parts = { parts, owners, elements };
  return code;
}

/** Emitters that say what their output is written within (an inner element's, taken in, already say). */
const WITHIN = new WeakSet<Emit>();

/** A child of a table's part or a select, written knowing that is where it goes (see within.ts). */
function writtenWithin(within: Within, emit: Emit): Emit {
  if (WITHIN.has(emit)) return emit;
  const written: Emit = (f, ctx, out) => {
    const around = out.within;
    out.within = within;
    try {
      return emit(f, ctx, out);
    } finally {
      out.within = around;
    }
  };
  WITHIN.add(written);
  return written;
}

/**
 * The element's parts as it runs them: each attribute takes in the fixed
 * text on either side of it, so `<a href="` + value + `">` is three appends.
 */
function finish(parts: readonly Part[], owners: readonly (Owner | null)[]): { emits: (string | Emit)[]; by: (Owner | null)[] } {
  const emits: (string | Emit)[] = [];
  const by: (Owner | null)[] = [];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    if (typeof p === "string" || typeof p === "function") {
      emits.push(typeof p === "string" ? flat(p) : p);
      by.push(owners[k]!);
      continue;
    }
    const before = typeof emits[emits.length - 1] === "string" ? (by.pop(), emits.pop() as string) : "";
    const after = typeof parts[k + 1] === "string" ? (parts[++k] as string) : "";
    emits.push(attributePart(p, before, after));
    by.push(owners[k - (after ? 1 : 0)]!);
  }
  return { emits, by };
}

/** An attribute with the fixed text around it (a failure in a streamed render leaves the attribute out). */
function attributePart(attr: Attribute, before: string, after: string): Emit {
  const { code, name, url } = attr;
  const render = (v: Value): string => renderAttribute(name, v, url);
  const open = flat(before + " " + name + '="');
  const close = flat('"' + after);
  // A condition's answer (`:disabled (<= stock 0)`): the attribute there or not, with the text around it, written once.
  const present = flat(before + " " + name + after);
  const absent = flat(before + after);
  const write = (v: Out, ctx: EvalContext, out: Sink): Done => {
    if (typeof v === "boolean" || v === null) out.text += v === true ? present : absent;
    else if (typeof v === "string") {
      out.text += open;
      out.text += escapeHtml(url ? safeUrl(v) : v);
      out.text += close;
    } else if (typeof v === "number") {
      // No number needs escaping, or is a URL with a scheme.
      out.text += open + String(v) + close;
    } else if (v instanceof Promise) {
      out.text += before;
      const done = later(out, v, ctx, (v, into) => void (into.text += render(v)), "in-tag");
      out.text += after;
      return done;
    } else out.text += before + render(v) + after;
    return undefined;
  };
  const field = known(code).field;
  const value: Emit =
    field === undefined
      ? (f, ctx, out) => write(code(f, ctx), ctx, out)
      : (f, ctx, out) => {
          const v = fieldValue(field, f);
          return write(v === undefined ? code(f, ctx) : v, ctx, out);
        };
  return attr.call === null ? value : piecesPart(attr, attr.call, open, close, write, value);
}

/**
 * An attribute whose value is a call that can be written piece by piece,
 * with no value made first: `:href (str "/p/" slug "/")` (a primitive whose
 * answer is one text per argument, its `piece`), each piece escaped as it
 * is; `:class (list "card" (when sold-out "sold-out"))` (the base `list`),
 * its items joined as a list value's are (attributeItem). Literal pieces are
 * made once. A URL is written so only from `str` whose first piece is literal
 * text no scheme can come before (startsSafeUrl). Anything else, and a
 * call of something else, is written as its value (`value`).
 */
function piecesPart(attr: Attribute, call: GlobalCall, open: string, close: string, write: (v: Out, ctx: EvalContext, out: Sink) => Done, value: Emit): Emit {
  const { global, args, loc } = call;
  const n = args.length;
  // For the primitive last found under the name: each argument's text, escaped (null: left out; undefined: made where it runs).
  let madeFor: Primitive | null = null;
  let fixed: (string | null | undefined)[] = [];
  let pieceOf: ((v: Value, ctx: EvalContext) => string | null) | null = null;
  let separator = "";
  const make = (fn: Primitive, ctx: EvalContext): void => {
    madeFor = fn;
    pieceOf = null;
    const item = fn.meta.inline === "list" && !attr.url ? (v: Value): string | null => attributeItem(attr.name, v) : null;
    const piece = item ?? fn.piece;
    if (piece === null) return;
    try {
      const texts = args.map((a) => (isConstant(a) ? piece(a(null, null as never) as Value, ctx) : undefined));
      if (attr.url && !(typeof texts[0] === "string" && startsSafeUrl(texts[0]))) return;
      fixed = texts.map((t) => (typeof t === "string" ? flat(escapeHtml(t)) : t));
    } catch {
      // It fails where it runs, as before.
      return;
    }
    pieceOf = piece;
    separator = item ? " " : "";
  };
  return (f, ctx, out) => {
    const fn = global.get(ctx);
    if (!(fn instanceof Primitive)) return value(f, ctx, out);
    if (fn !== madeFor) make(fn, ctx);
    const piece = pieceOf;
    if (piece === null) return value(f, ctx, out);
    const vals = new Array<Out>(n);
    let pending = false;
    try {
      for (let i = 0; i < n; i++) {
        const v = fixed[i] === undefined ? args[i]!(f, ctx) : null;
        if (v instanceof Promise) pending = true;
        vals[i] = v;
      }
    } catch (e) {
      abandon(vals);
      throw e;
    }
    if (pending) {
      // The call made when its arguments are all there, literals with them.
      for (let i = 0; i < n; i++) if (fixed[i] !== undefined) vals[i] = args[i]!(f, ctx);
      return write(Promise.all(vals).then((vs) => callPrimitive(fn, vs, ctx, loc)), ctx, out);
    }
    ctx.step(loc);
    let text = open;
    let first = true;
    try {
      for (let i = 0; i < n; i++) {
        let t = fixed[i];
        if (t === undefined) {
          t = piece(vals[i] as Value, ctx);
          if (t !== null) t = escapeHtml(t);
        }
        if (t === null) continue;
        text += first ? t : separator + t;
        first = false;
      }
    } catch (e) {
      throw asSexpError(e, fn.name, loc);
    }
    out.text += text;
    out.text += close;
    return undefined;
  };
}

/** The content of a `script` or `style` element: fixed text, or its embedded values written in place. */
function rawTextPart(tag: string, pieces: readonly RawTextPiece[], scope: Scope | null): Part {
  const embeds = pieces.filter((p) => "embed" in p);
  if (embeds.length === 0) return renderRawTextContent(pieces.map((p) => ("text" in p ? p.text : "")));
  const codes = embeds.map((p) => compile(p.embed, scope));
  const locs = embeds.map((p) => locOf(p.at));
  const embed: (v: Value, ctx: EvalContext) => string = tag === "script" ? scriptJson : cssValue;
  const render = (vs: Value[], ctx: EvalContext): string => {
    let j = 0;
    const texts = pieces.map((p) => {
      if ("text" in p) return p.text;
      const k = j++;
      try {
        return embed(vs[k]!, ctx);
      } catch (e) {
        throw withLoc(e, locs[k]!);
      }
    });
    return renderRawTextContent(texts);
  };
  return (f, ctx, out) => {
    const vs = evalAll(codes, f, ctx);
    if (vs instanceof Promise) return later(out, vs, ctx, (vs, into) => void (into.text += render(vs, ctx)), "in-tag");
    out.text += render(vs, ctx);
  };
}

export function compileFragment(n: ListNode, scope: Scope | null): Code {
  const children = n.value.slice(1).map((c) => emitOf(compile(c, scope)));
  const loc = locOf(n);
  const count = children.length;
  return markupValue((f, ctx, out) => {
    let pending: Promise<void>[] | null = null;
    try {
      for (let i = 0; i < count; i++) {
        const done = children[i]!(f, ctx, out);
        if (done !== undefined) (pending ??= []).push(done);
      }
    } catch (e) {
      if (pending) abandon(pending);
      throw asSexpError(e, "<>", loc);
    }
    ctx.checkOutput(out.length, loc);
    return pending === null ? undefined : settle(pending)!.catch((e: unknown) => Promise.reject(asSexpError(e, "<>", loc)));
  });
}

/**
 * `(defer [:fallback f] body...)`: in a streamed page, the fallback now in a
 * placeholder and the body out of order (stream.ts); anywhere else (a page
 * rendered whole, markup made into a value), the body in place.
 */
export function compileDefer(n: ListNode, scope: Scope | null): Code {
  const form = readDefer(n, fail)!;
  const body = emitOf(compileFragment({ ...n, value: [n.value[0]!, ...form.body] }, scope));
  const fallback = form.fallback ? emitOf(compile(form.fallback, scope)) : null;
  return markupValue((f, ctx, out) => {
    const late = ctx.outOfOrder;
    if (late === null || !out.streamed) return body(f, ctx, out);
    const within = out.within;
    const id = late.place((into) => {
      let done: Done;
      try {
        done = body(f, ctx, into);
      } catch (e) {
        done = Promise.reject(e);
      }
      const show = ctx.renderError;
      return done === undefined || show === null ? done : done.catch((e: unknown) => (into.clear(), writeFailure(show, e, into)));
    }, within);
    const [open, close] = placeholder(id, within);
    out.text += open;
    let done: Done;
    if (fallback) {
      // Written apart from the page (a defer in it is in place): a placeholder holds no other.
      const apart = new Sink();
      apart.within = within;
      const written = fallback(f, ctx, apart);
      if (written === undefined) out.text += apart.text;
      else done = later(out, written, ctx, (_v, into) => void (into.text += apart.finish()));
    }
    out.text += close;
    return done;
  });
}

export function compileRaw(n: ListNode, scope: Scope | null): Code {
  const parts = n.value.slice(1).map((c) => compile(c, scope));
  const loc = locOf(n);
  const build = (vs: Value[], ctx: EvalContext): Html => {
    let out = "";
    for (const v of vs) {
      if (v === null) continue;
      if (typeof v === "string") out += v;
      else if (v instanceof Html) out += v.html;
      else if (typeof v === "number") out += String(v);
      else throw new EvalError("raw! takes strings", loc);
    }
    ctx.checkOutput(out.length, loc);
    return new Html(out);
  };
  return (f, ctx) => {
    const vs = evalAll(parts, f, ctx);
    return vs instanceof Promise ? vs.then((vs) => build(vs, ctx)) : build(vs, ctx);
  };
}

/** Calls a call site makes before it is compiled as the component's body in place (once it is plainly hot; see inline.ts). */
const CALLS_BEFORE_INLINING = 32;

/** A component call: once it has run often, inlined where it can be (see inline.ts), the call itself wherever the inlined body may not run. */
export function compileComponentCall(name: string, n: ListNode, scope: Scope | null): Code {
  const call = compileCallOf(name, n, scope);
  const inline = inlineCall(name, n, scope);
  if (inline === null) return call;
  const emitCall = emitOf(call);
  const global = new Global(name);
  const { comp } = inline;
  const loc = locOf(n);
  let calls = 0;
  let body: Code | null = null;
  let emitBody: Emit | null = null;
  /** The body compiled in place, once this call has run often enough; null until then, and where it may not run. */
  const inlined = (ctx: EvalContext): Code | null => {
    if (!holds(comp, global.get(ctx), ctx)) return null;
    if (body === null && ++calls === CALLS_BEFORE_INLINING + 1) {
      try {
        body = compileInlined(inline, compileBody);
      } catch {
        // It compiled as the component's own body; in place it does not: it stays a call.
      }
    }
    return body;
  };
  const code: Code = (f, ctx) => {
    const b = inlined(ctx);
    if (b === null) return call(f, ctx);
    ctx.step(loc);
    try {
      return b(f, ctx);
    } catch (e) {
      throw asSexpError(e, name, loc);
    }
  };
  return withEmit(code, (f, ctx, out) => {
    const b = inlined(ctx);
    if (b === null) return emitCall(f, ctx, out);
    ctx.step(loc);
    try {
      return (emitBody ??= emitOf(b))(f, ctx, out);
    } catch (e) {
      throw asSexpError(e, name, loc);
    }
  });
}

/** The call itself: the component looked up where it runs, its arguments bound into its frame. */
function compileCallOf(name: string, n: ListNode, scope: Scope | null): Code {
  const { attrs, children } = readComponentCall(name, n, fail);
  const names = attrs.map((a) => a.name);
  const codes = [...attrs.map((a) => compile(a.value, scope)), ...children.map((c) => compile(c, scope))];
  const nk = names.length;
  const loc = locOf(n);
  const global = new Global(name);
  // Inline cache: the slots of this call's keywords for the component last called here.
  let cached: Component | null = null;
  let slots: number[] = [];
  const call = (comp: Out | undefined, vs: Value[], ctx: EvalContext): Out => {
    if (comp !== cached) {
      if (!(comp instanceof Component)) {
        throw new EvalError(comp === undefined ? unknownNameMessage(name, ctx.env.names()) : notAComponentMessage(name), loc);
      }
      slots = slotsOf(comp, names);
      cached = comp;
    }
    return callComponent(comp as Component, slots, names, vs, nk, ctx, loc);
  };
  const code: Code = (f, ctx) => {
    const comp = global.get(ctx);
    const vs = evalAll(codes, f, ctx);
    return vs instanceof Promise ? vs.then((vs) => call(comp, vs, ctx)) : call(comp, vs, ctx);
  };
  let byValue: Emit | null = null;
  return withEmit(code, (f, ctx, out) => {
    const comp = global.get(ctx);
    // A hook that may answer this call itself needs its arguments first.
    if (!(comp instanceof Component) || !noHookWants(comp, ctx)) return (byValue ??= valueEmit(code))(f, ctx, out);
    if (comp !== cached) {
      slots = slotsOf(comp, names);
      cached = comp;
    }
    return emitComponent(comp, slots, names, codes, nk, f, ctx, out, loc);
  });
}
