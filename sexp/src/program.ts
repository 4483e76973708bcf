/**
 * Running programs: evaluate top-level forms in order, render the
 * non-definition ones to HTML, and convert host data (JSON) into values.
 */
import { compileTop, locOf } from "./compiler.ts";
// The environment's `routes`, `queries`, `query()` and `allQueries()`.
import "./env-accessors.ts";
// Shapes kept through garbage collections that find no render in flight.
import "./resident.ts";
import { isDefinition } from "./forms.ts";
import { emitOf, later, type Done } from "./emit.ts";
import { Sink } from "./sink.ts";
import { PageStream } from "./stream.ts";
import { basePrimitives } from "./primitives/index.ts";
import { LimitError } from "./errors.ts";
import { MAX_NESTING, parse, type ReadOptions } from "./reader.ts";
import type { Registry } from "./registry.ts";
import { Env, EvalContext, asSexpError, noop, type Limits } from "./runtime.ts";
import type { Node, Value } from "./types.ts";

export interface RunOptions {
  limits?: Partial<Limits>;
  /** Passed to I/O primitives as `ctx.io`. */
  io?: unknown;
}

/** A fresh global environment over a registry (the base primitives by default). */
export function createEnv(parent: Registry | Env = basePrimitives): Env {
  return new Env(parent);
}

/**
 * Evaluate forms in order in `env`; each form's value. Forms run one after
 * another (a definition is in place before the next form runs); I/O inside a
 * form runs concurrently. Returns synchronously when nothing did I/O.
 */
export function evaluateForms(forms: readonly Node[], env: Env, options: RunOptions = {}): Value[] | Promise<Value[]> {
  return run(forms, new EvalContext(env, options.limits, options.io));
}

function run(forms: readonly Node[], ctx: EvalContext): Value[] | Promise<Value[]> {
  const out: Value[] = [];
  const from = (i: number): Value[] | Promise<Value[]> => {
    for (; i < forms.length; i++) {
      const v = compileTop(forms[i]!, ctx.env)(null, ctx);
      if (v instanceof Promise) {
        const next = i + 1;
        return v.then((x) => {
          out.push(x);
          return from(next);
        });
      }
      out.push(v);
    }
    return out;
  };
  return from(0);
}

/** Parse and evaluate source text; the value of the last form. */
export async function evaluate(text: string, env: Env = createEnv(), options: RunOptions & ReadOptions = {}): Promise<Value> {
  const values = await evaluateForms(parse(text, options), env, options);
  return values.length ? values[values.length - 1]! : null;
}

/** The HTML of every form that is not a definition, concatenated (within the output limit). */
export function renderForms(forms: readonly Node[], env: Env, options: RunOptions = {}): string | Promise<string> {
  const ctx = new EvalContext(env, options.limits, options.io);
  const out = new Sink();
  const done = emitForms(forms, ctx, out);
  return done === undefined ? out.text : done.then(() => out.finish());
}

/**
 * Run forms in order, writing every one that is not a definition into `out`
 * (a form still waiting holds back the forms after it, not what they write).
 */
export function emitForms(forms: readonly Node[], ctx: EvalContext, out: Sink): Done {
  const from = (i: number, out: Sink): Done => {
    for (; i < forms.length; i++) {
      const form = forms[i]!;
      const code = compileTop(form, ctx.env);
      let done: Done;
      try {
        if (isDefinition(form)) {
          const v = code(null, ctx);
          done = v instanceof Promise ? v.then(noop) : undefined;
        } else {
          done = emitOf(code)(null, ctx, out);
          ctx.checkOutput(out.length);
        }
      } catch (e) {
        throw asSexpError(e, "render", locOf(form));
      }
      if (done !== undefined) {
        const next = i + 1;
        const at = locOf(form);
        const rest = later(out, done, ctx, (_v, into) => from(next, into));
        return rest.catch((e: unknown) => Promise.reject(asSexpError(e, "render", at)));
      }
    }
    return undefined;
  };
  return from(0, out);
}

export interface StreamOptions extends RunOptions {
  /** Writes a part that failed after the page started (see EvalContext.renderError); a notice by default. */
  renderError?: (error: unknown, into: Sink | null) => void | Promise<void>;
}

/**
 * Render forms as a stream of UTF-8: what is ready at once (the shell), the
 * rest in order as I/O answers, `(defer ...)` parts out of order. A failure
 * before anything is written throws here; a part that fails later is
 * written as `renderError`.
 */
export function streamForms(forms: readonly Node[], env: Env, options: StreamOptions = {}): ReadableStream<Uint8Array> {
  const ctx = new EvalContext(env, options.limits, options.io);
  const page = new PageStream();
  ctx.renderError = options.renderError ?? ((_e, into) => void (into && (into.text += RENDER_ERROR)));
  ctx.outOfOrder = page;
  const done = emitForms(forms, ctx, page.sink);
  void page.follow(done, () => RENDER_ERROR);
  return page.body;
}

/** What a streamed page shows where a part failed, by default. */
const RENDER_ERROR = '<div class="render-error" role="status">This part of the page could not be shown.</div>';

/** Parse, evaluate and render source text to HTML. */
export async function render(text: string, env: Env = createEnv(), options: RunOptions & ReadOptions = {}): Promise<string> {
  return renderForms(parse(text, options), env, options);
}

/**
 * JSON data as values: objects become maps, arrays lists. Nesting deeper
 * than the reader's limit is a LimitError (it would exhaust the stack).
 */
export function fromJson(data: unknown): Value {
  return jsonValue(data, 0);
}

function jsonValue(data: unknown, depth: number): Value {
  if (data === null || data === undefined) return null;
  if (typeof data !== "object") return data as Value;
  if (depth >= MAX_NESTING) throw new LimitError(`JSON nested deeper than ${MAX_NESTING} levels`);
  if (Array.isArray(data)) return data.map((x) => jsonValue(x, depth + 1));
  const m = new Map<string, Value>();
  for (const [k, v] of Object.entries(data as object)) m.set(k, jsonValue(v, depth + 1));
  return m;
}

/**
 * Where JSON text nests arrays and objects deeper than `max` levels: the
 * line and column (1-based) of the bracket that goes too deep, or null.
 * Strings are skipped; the text need not be valid JSON.
 */
export function jsonTooDeep(text: string, max = MAX_NESTING): { line: number; col: number } | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, past escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > max) return { line, col: i - lineStart + 1 };
    } else if (c === 93 || c === 125) {
      depth--;
    } else if (c === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return null;
}
