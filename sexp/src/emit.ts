/**
 * Rendering into one sink. Code in render position (a page, an element's
 * child, a component's body) has an emitter besides its value: it appends
 * its markup to the sink instead of returning a string, so a page is built
 * by appending, with no `Html` per element and no nested concatenation. A
 * part waiting on I/O is written into a hole when its answer arrives, and
 * everything after it is written now (the page streams in order).
 *
 * Every compiled code has an emitter: the ones registered here by the
 * compiler (elements, fragments, component calls, if/when/cond/let/do, map),
 * or, for any other code, one that writes its value.
 */
import { escapeHtml } from "./escape.ts";
import { renderChild, type RenderBudget } from "./html.ts";
import type { Code, Done, Emit, EvalContext, Frame, Out } from "./runtime.ts";
import { Sink, flat } from "./sink.ts";
import { Html, type Value } from "./types.ts";
import { fitted } from "./within.ts";

export type { Done, Emit };

/**
 * What the compiler knows of a code, kept on the closure itself (properties
 * cost the collector nothing; a WeakMap per fact made a third of a compile's
 * time garbage collection).
 */
export interface Known {
  /** Its emitter. */
  emit?: Emit;
  /** The local field it reads (see LocalField). */
  field?: LocalField;
  /** Its value is known at compile time (a literal, static markup). */
  constant?: true;
}

/** What the compiler knows of `code`. */
export function known(code: Code): Known {
  return code as Code & Known;
}

/** Code whose value is known at compile time. */
export function constant(v: Value): Code {
  const code: Code = () => v;
  known(code).constant = true;
  return code;
}

export function isConstant(code: Code): boolean {
  return known(code).constant === true;
}

/** Give `code` its emitter (the compiler, for forms that can write directly). */
export function withEmit(code: Code, emit: Emit): Code {
  known(code).emit = emit;
  return code;
}

/** The emitter of compiled code: its own, or one that writes its value. */
export function emitOf(code: Code): Emit {
  const k = known(code);
  return (k.emit ??= valueEmit(code));
}

/** Code that reads one field of a local's map, `(:title link)`: where it is (the compiler's keyword access sets it). */
export interface LocalField {
  /** Frames up: 0 or 1. */
  readonly up: number;
  readonly slot: number;
  readonly key: string;
}

/**
 * The value `code` gives when it reads a field of a local that is a map (the
 * commonest text and attribute of a template), read here without calling
 * it; undefined when the local is not a map (then call `code`).
 */
export function fieldValue(field: LocalField, f: Frame | null): Value | undefined {
  const o = field.up === 0 ? f!.slots[field.slot] : f!.parent!.slots[field.slot];
  if (!(o instanceof Map)) return undefined;
  const v = o.get(field.key);
  return v === undefined ? null : v;
}

/**
 * The markup of code whose value is known at compile time, rendered once;
 * null for any other, or one that cannot render (it fails where it runs, as before).
 */
export function fixedMarkup(code: Code): string | null {
  if (!isConstant(code)) return null;
  try {
    return flat(renderChild(code(null, null as never) as Value));
  } catch {
    return null;
  }
}

/** An emitter that writes the value of `code`. */
export function valueEmit(code: Code): Emit {
  const k = known(code);
  const text = fixedMarkup(code);
  if (text === "") return writesNothing;
  if (text !== null) return (_f, _ctx, out) => void (out.text += text);
  const field = k.field;
  if (field !== undefined) {
    const general = valueEmit(withoutField(code));
    return (f, ctx, out) => {
      const v = fieldValue(field, f);
      return v === undefined ? general(f, ctx, out) : emitValue(v, ctx, out);
    };
  }
  return (f, ctx, out) => emitValue(code(f, ctx), ctx, out);
}

/** Write a value (or one still coming) as a child. */
export function emitValue(v: Out, ctx: EvalContext, out: Sink): Done {
  // Text is the commonest child by far, then numbers.
  if (typeof v === "string") out.text += escapeHtml(v);
  else if (typeof v === "number") out.text += String(v);
  else if (v instanceof Promise) return later(out, v, ctx, (v, into) => (writeValue(into, v, ctx), undefined));
  else writeValue(out, v, ctx);
  return undefined;
}

function writesNothing(): undefined {
  return undefined;
}

/** The same code, not known as a field read (so `valueEmit` of it is the general one). */
function withoutField(code: Code): Code {
  return (f, ctx) => code(f, ctx);
}

/** Write a value as a child: a response the render was waiting for is handed over, anything else rendered. */
function writeValue(out: Sink, v: Value, ctx: EvalContext): void {
  if (ctx.respond !== null && ctx.respond(v)) return;
  writeChild(out, v, ctx);
}

/** Code whose value is the markup its emitter writes (an element used as a value, e.g. a component's child). */
export function markupValue(emit: Emit): Code {
  const code: Code = (f, ctx) => {
    const out = new Sink();
    const done = emit(f, ctx, out);
    return done === undefined ? new Html(out.text) : done.then(() => new Html(out.finish()));
  };
  return withEmit(code, emit);
}

/** A child value into the sink: text escaped, markup as it is, lists flattened (see renderChild). */
export function writeChild(out: Sink, v: Value | undefined, budget?: RenderBudget): void {
  if (typeof v === "string") out.text += escapeHtml(v);
  else if (v instanceof Html) out.text += v.html;
  else if (Array.isArray(v)) {
    budget?.charge(v.length);
    for (let i = 0; i < v.length; i++) writeChild(out, v[i], budget);
    budget?.checkOutput(out.length);
  } else out.text += renderChild(v, budget);
}

/**
 * A part whose value is still coming: a hole now, filled by `fill` when it
 * arrives. When it fails, a streamed render (`ctx.renderError`) writes the
 * error in its place, or nothing `in-tag` (an attribute, a script's
 * content), where no markup can go; otherwise the failure is the render's.
 */
export function later<T>(out: Sink, pending: Promise<T>, ctx: EvalContext, fill: (v: T, into: Sink) => Done, where: "in-tag" | null = null): Promise<void> {
  const into = out.hole();
  return pending
    .then((v) => fill(v, into))
    .then(
      () => into.close(),
      (e: unknown) => failed(e, into, ctx, where),
    );
}

async function failed(e: unknown, into: Sink, ctx: EvalContext, where: "in-tag" | null): Promise<void> {
  try {
    const show = ctx.renderError;
    if (show === null) throw e;
    into.clear();
    if (where === "in-tag") await show(e, null);
    else await writeFailure(show, e, into);
  } finally {
    into.close();
  }
}

/**
 * Write the notice `show` makes for a part that failed (see
 * EvalContext.renderError) where the part was to go, in a form that can
 * stand there (a cell in a table row, an option in a select: see within.ts).
 */
export async function writeFailure(show: NonNullable<EvalContext["renderError"]>, e: unknown, into: Sink): Promise<void> {
  if (into.within === null) return show(e, into);
  const notice = new Sink();
  await show(e, notice);
  into.text += fitted(into.within, notice.finish());
}

/** Wait for the parts still in holes; null when there are none. */
export function settle(pending: Promise<void>[] | null): Done {
  if (pending === null) return undefined;
  return pending.length === 1 ? pending[0] : Promise.all(pending).then(noop);
}

function noop(): void {}
