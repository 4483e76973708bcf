/**
 * Compiling markup: elements (attributes, children, raw text, static parts
 * rendered once), fragments, `raw!`, and component calls.
 */
import { cssValue, scriptJson } from "./embed.ts";
import { EvalError, RenderError, arityMessage, unknownNameMessage, withLoc } from "./errors.ts";
import { renderAttribute, renderChild, renderRawTextContent } from "./html.ts";
import {
  JSON_IN_QUOTES_MESSAGE,
  RAW_TEXT_CHILD_MESSAGE,
  RAW_TEXT_ELEMENTS,
  RAW_TEXT_EMBED,
  SCRIPT_ATTRIBUTE_MESSAGE,
  VOID_ELEMENTS,
  attributeKind,
  isValidAttributeName,
} from "./html-tags.ts";
import { compile, constant, evalAll, fail, globalLookup, isConstant, locOf, type Scope } from "./compiler.ts";
import { Component, EvalContext, abandon, asSexpError, callComponent, slotsOf, type Code, type Out } from "./runtime.ts";
import { Html, type ListNode, type Loc, type Node, type Value } from "./types.ts";

/** Markup rendered at compile time; a failure points at the node that caused it. */
function constantMarkup(render: () => string, at: Loc): string {
  try {
    return render();
  } catch (e) {
    throw withLoc(e, { src: at.src, line: at.line, col: at.col });
  }
}

/** One piece of an element's output: fixed text, or an attribute/child to evaluate. */
type Part = string | { readonly code: Code; readonly render: (v: Value, ctx: EvalContext) => string };

export interface SplitArgs {
  readonly attrs: { name: string; value: Node; key: Node }[];
  readonly children: Node[];
}

/**
 * Keyword literals followed by a value are attributes/keyword arguments; the
 * rest are children. A malformed pair is reported (by default, thrown) and skipped.
 */
export function splitArgs(args: readonly Node[], what: string, report: (message: string, at: Loc) => void = fail): SplitArgs {
  const attrs: SplitArgs["attrs"] = [];
  const children: Node[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.kind !== "kw") {
      children.push(a);
      continue;
    }
    const value = args[i + 1];
    i++;
    if (!value) report(`${what} :${a.value} has no value`, a);
    else if (seen.has(a.value)) report(`${what} :${a.value} given twice`, a);
    else {
      seen.add(a.value);
      attrs.push({ name: a.value, value, key: a });
    }
  }
  return { attrs, children };
}

export function isLiteral(n: Node): boolean {
  return n.kind === "str" || n.kind === "num" || n.kind === "bool" || n.kind === "nil" || n.kind === "kw";
}

/** A piece of a raw-text element's content: literal text from the source, or an expression to embed. */
export type RawTextPiece = { readonly text: string } | { readonly embed: Node; readonly at: ListNode };

function renderFail(message: string, at: Loc): never {
  throw new RenderError(message, locOf(at));
}

/**
 * The children of a `script` or `style` element as pieces: literal strings
 * and numbers, and the element's embedding form (`(json expr)` in a script,
 * `(css-value expr)` in a style; see RAW_TEXT_EMBED) unless a local variable
 * has that name. Anything else is reported (by default, thrown) and skipped:
 * data inside a script would run. `(json expr)` right next to a quote is
 * reported too: JSON inside a JavaScript string can end the string.
 */
export function rawTextPieces(
  tag: string,
  children: readonly Node[],
  scope: Scope | null,
  report: (message: string, at: Loc) => void = renderFail,
): RawTextPiece[] {
  const form = RAW_TEXT_EMBED[tag]!;
  const pieces: RawTextPiece[] = [];
  for (let i = 0; i < children.length; i++) {
    const c = children[i]!;
    if (c.kind === "str" || c.kind === "num") {
      pieces.push({ text: typeof c.value === "string" ? c.value : String(c.value) });
      continue;
    }
    const head = c.kind === "list" ? c.value[0] : undefined;
    if (c.kind !== "list" || head?.kind !== "sym" || head.value !== form || scope?.resolve(form)) {
      report(RAW_TEXT_CHILD_MESSAGE(tag), c);
    } else if (c.value.length !== 2) {
      report(arityMessage(`${form} x`, 1, 1, c.value.length - 1), c);
    } else if (tag === "script" && (endsInQuote(children[i - 1]) || startsWithQuote(children[i + 1]))) {
      report(JSON_IN_QUOTES_MESSAGE, c);
    } else {
      pieces.push({ embed: c.value[1]!, at: c });
    }
  }
  return pieces;
}

const endsInQuote = (n: Node | undefined): boolean => n?.kind === "str" && /['"`]\s*$/.test(n.value);
const startsWithQuote = (n: Node | undefined): boolean => n?.kind === "str" && /^\s*['"`]/.test(n.value);

export function compileElement(tag: string, n: ListNode, scope: Scope | null): Code {
  const { attrs, children } = splitArgs(n.value.slice(1), "attribute");
  const isVoid = VOID_ELEMENTS.has(tag);
  if (isVoid && children.length) {
    throw new RenderError(`<${tag}> is a void element and cannot have children`, children[0]!);
  }
  const rawText = RAW_TEXT_ELEMENTS.has(tag);
  const parts: Part[] = [(tag === "html" ? "<!doctype html>" : "") + "<" + tag];
  const push = (p: Part): void => {
    const last = parts.length - 1;
    if (typeof p === "string" && typeof parts[last] === "string") parts[last] += p;
    else parts.push(p);
  };
  for (const a of attrs) {
    if (!isValidAttributeName(a.name)) throw new RenderError(`invalid attribute name :${a.name}`, a.key);
    const kind = attributeKind(a.name);
    const url = kind === "url";
    if (isLiteral(a.value)) push(renderAttribute(a.name, compile(a.value, scope)(null, null as never) as Value, url));
    else if (kind === "script") throw new RenderError(SCRIPT_ATTRIBUTE_MESSAGE(a.name), locOf(a.value));
    else push({ code: compile(a.value, scope), render: (v) => renderAttribute(a.name, v, url) });
  }
  push(">");
  if (!isVoid) {
    if (rawText) push(rawTextPart(tag, children, scope));
    else {
      const codes = children.map((c) => compile(c, scope));
      codes.forEach((code, i) => {
        if (isConstant(code)) push(constantMarkup(() => renderChild(code(null, null as never) as Value), children[i]!));
        else push({ code, render: renderChild });
      });
    }
    push("</" + tag + ">");
  }
  const loc = locOf(n);
  // Entirely static markup is rendered once, here.
  if (parts.length === 1) return constant(new Html(parts[0] as string));
  // Finish from part `from` once pending values arrive (all remaining parts already started).
  const finishAsync = (out: string, from: number, vals: Out[], ctx: EvalContext): Promise<Value> =>
    Promise.all(vals).then((vs) => {
      try {
        for (let k = from, j = 0; k < parts.length; k++) {
          const p = parts[k]!;
          out += typeof p === "string" ? p : p.render(vs[j++]!, ctx);
        }
      } catch (e) {
        throw asSexpError(e, tag, loc);
      }
      ctx.checkOutput(out.length, loc);
      return new Html(out);
    });
  const count = parts.length;
  return (f, ctx) => {
    ctx.step(loc);
    let out = "";
    try {
      for (let k = 0; k < count; k++) {
        const p = parts[k]!;
        if (typeof p === "string") {
          out += p;
          continue;
        }
        const v = p.code(f, ctx);
        if (v instanceof Promise) {
          // Start every remaining part now so sibling I/O runs concurrently.
          const vals: Out[] = [v];
          try {
            for (let r = k + 1; r < count; r++) {
              const q = parts[r]!;
              if (typeof q !== "string") vals.push(q.code(f, ctx));
            }
          } catch (e) {
            abandon(vals);
            throw e;
          }
          return finishAsync(out, k, vals, ctx);
        }
        out += p.render(v, ctx);
      }
    } catch (e) {
      throw asSexpError(e, tag, loc);
    }
    ctx.checkOutput(out.length, loc);
    return new Html(out);
  };
}

/** The content of a `script` or `style` element: fixed text, or its embedded values rendered in place. */
function rawTextPart(tag: string, children: readonly Node[], scope: Scope | null): Part {
  const pieces = rawTextPieces(tag, children, scope);
  const embeds = pieces.filter((p) => "embed" in p);
  if (embeds.length === 0) return renderRawTextContent(pieces.map((p) => ("text" in p ? p.text : "")));
  const codes = embeds.map((p) => compile(p.embed, scope));
  const locs = embeds.map((p) => locOf(p.at));
  const embed: (v: Value, ctx: EvalContext) => string = tag === "script" ? scriptJson : cssValue;
  return {
    code: (f, ctx) => evalAll(codes, f, ctx),
    render: (vs, ctx) => {
      let j = 0;
      const texts = pieces.map((p) => {
        if ("text" in p) return p.text;
        const k = j++;
        try {
          return embed((vs as Value[])[k]!, ctx);
        } catch (e) {
          throw withLoc(e, locs[k]!);
        }
      });
      return renderRawTextContent(texts);
    },
  };
}

export function compileFragment(n: ListNode, scope: Scope | null): Code {
  const children = n.value.slice(1).map((c) => compile(c, scope));
  const loc = locOf(n);
  const build = (vs: Value[], ctx: EvalContext): Html => {
    let out = "";
    try {
      for (const v of vs) out += renderChild(v, ctx);
    } catch (e) {
      throw asSexpError(e, "<>", loc);
    }
    ctx.checkOutput(out.length, loc);
    return new Html(out);
  };
  return (f, ctx) => {
    const vs = evalAll(children, f, ctx);
    return vs instanceof Promise ? vs.then((vs) => build(vs, ctx)) : build(vs, ctx);
  };
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

export function compileComponentCall(name: string, n: ListNode, scope: Scope | null): Code {
  const { attrs, children } = splitArgs(n.value.slice(1), `${name} argument`);
  const names = attrs.map((a) => a.name);
  const codes = [...attrs.map((a) => compile(a.value, scope)), ...children.map((c) => compile(c, scope))];
  const nk = names.length;
  const loc = locOf(n);
  const lookup = globalLookup(name);
  // Inline cache: the slots of this call's keywords for the component last called here.
  let cached: Component | null = null;
  let slots: number[] = [];
  const call = (comp: Out | undefined, vs: Value[], ctx: EvalContext): Out => {
    if (comp !== cached) {
      if (!(comp instanceof Component)) {
        throw new EvalError(comp === undefined ? unknownNameMessage(name, ctx.env.names()) : `${name} is not a component`, loc);
      }
      slots = slotsOf(comp, names);
      cached = comp;
    }
    return callComponent(comp as Component, slots, names, vs, nk, ctx, loc);
  };
  return (f, ctx) => {
    const comp = lookup(ctx);
    const vs = evalAll(codes, f, ctx);
    return vs instanceof Promise ? vs.then((vs) => call(comp, vs, ctx)) : call(comp, vs, ctx);
  };
}
