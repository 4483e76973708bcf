/**
 * Compiling markup: elements (attributes, children, raw text, static parts
 * rendered once), fragments, `raw!`, and component calls.
 */
import { cssValue, scriptJson } from "./embed.ts";
import { EvalError, notAComponentMessage, unknownNameMessage, withLoc } from "./errors.ts";
import { isLiteral } from "./forms.ts";
import { readComponentCall, readElement, type RawTextPiece } from "./markup-forms.ts";
import { renderAttribute, renderChild, renderRawTextContent } from "./html.ts";
import { VOID_ELEMENTS } from "./html-tags.ts";
import { compile, constant, evalAll, fail, globalLookup, isConstant, locOf } from "./compiler.ts";
import { Component, EvalContext, abandon, asSexpError, callComponent, slotsOf, type Code, type Out } from "./runtime.ts";
import type { Scope } from "./scope.ts";
import { Html, type ListNode, type Loc, type Value } from "./types.ts";

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

export function compileElement(tag: string, n: ListNode, scope: Scope | null): Code {
  const { attrs, children, rawText } = readElement(tag, n, scope, fail);
  const isVoid = VOID_ELEMENTS.has(tag);
  const parts: Part[] = [(tag === "html" ? "<!doctype html>" : "") + "<" + tag];
  const push = (p: Part): void => {
    const last = parts.length - 1;
    if (typeof p === "string" && typeof parts[last] === "string") parts[last] += p;
    else parts.push(p);
  };
  for (const a of attrs) {
    const url = a.kind === "url";
    if (isLiteral(a.value)) push(renderAttribute(a.name, compile(a.value, scope)(null, null as never) as Value, url));
    else push({ code: compile(a.value, scope), render: (v) => renderAttribute(a.name, v, url) });
  }
  push(">");
  if (!isVoid) {
    if (rawText) push(rawTextPart(tag, rawText, scope));
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
function rawTextPart(tag: string, pieces: readonly RawTextPiece[], scope: Scope | null): Part {
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
  const { attrs, children } = readComponentCall(name, n, fail);
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
        throw new EvalError(comp === undefined ? unknownNameMessage(name, ctx.env.names()) : notAComponentMessage(name), loc);
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
