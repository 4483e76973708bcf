/**
 * Reading a `render-media` or `named-media` call: the recipe with its
 * `:with` values as one source, read once per isolate into its spec (its
 * media key, kind, size), and how the page wants it shown. Errors are at
 * the call, every problem of a recipe with its line and column in it.
 * Nothing here does I/O.
 */
import { EvalError, Keyword, printString, printValue, type Value } from "@rose-ash/sexp";
import { MEDIA_FORMATS, RecipeError, mediaSpec, type MediaFormat, type MediaSpec } from "@rose-ash/render/recipe";
import type { MediaLook } from "./elements.ts";

/** Recipes read in this isolate, by format and source (the oldest let go past the bound). */
const specs = new Map<string, MediaSpec>();
const SPECS_KEPT = 512;

/** A recipe and its `:with` values as one source: each value a `define` on a line of its own before the recipe. */
export function recipeSource(recipe: Value, bindings: Value): string {
  const body = typeof recipe === "string" ? recipe : printValue(recipe);
  if (bindings === null || bindings === undefined) return body;
  if (!(bindings instanceof Map)) throw new EvalError('render-media: :with is a map of the recipe\'s names to values, as in {:from "#264653" :seed 3}');
  const defines: string[] = [];
  for (const [k, v] of bindings) {
    if (!/^[a-z][a-z0-9-]*$/i.test(k)) throw new EvalError(`render-media: :with names a recipe's value ${printString(k)}: a name is letters, digits and dashes`);
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new EvalError(`render-media: :with ${k} is a string, a number or a boolean, not ${printValue(v).slice(0, 40)}`);
    defines.push(`(define ${k} ${printValue(v)})`);
  }
  return [...defines, body].join("\n");
}

/**
 * Read a recipe (once per isolate): its spec, or an error at the call with
 * every problem, each where it is: at its line and column in a recipe
 * written as text (the `:with` lines before it not counted), by the form
 * it is in for a quoted one (which keeps no positions of its own).
 */
export function specOf(source: string, format: MediaFormat | undefined, recipe: Value = source): MediaSpec {
  const id = `${format ?? ""} ${source}`;
  let spec = specs.get(id);
  if (spec === undefined) {
    try {
      spec = mediaSpec(source, format);
    } catch (e) {
      if (!(e instanceof RecipeError)) throw e;
      const lines = source.split("\n");
      const before = typeof recipe === "string" ? lines.length - recipe.split("\n").length : 0;
      const where = (line: number, col: number): string => {
        if (typeof recipe === "string") return `${line - before}:${col}`;
        return `in ${enclosingForm(lines[line - 1] ?? "", col - 1)}`;
      };
      throw new EvalError(`render-media: the recipe has ${e.problems.length === 1 ? "a problem" : `${e.problems.length} problems`}: ${e.problems.map((p) => `${where(p.loc.line, p.loc.col)}: ${p.message}`).join("; ")}`);
    }
    if (specs.size >= SPECS_KEPT) specs.delete(specs.keys().next().value!);
    specs.set(id, spec);
  }
  return spec;
}

/** The form around offset `at` of a line of printed data (which has no strings with parentheses that matter here), shortened. */
function enclosingForm(line: string, at: number): string {
  const start = Math.max(0, line.lastIndexOf("(", at));
  let depth = 0;
  let end = start;
  for (; end < line.length; end++) {
    if (line[end] === "(") depth++;
    else if (line[end] === ")" && --depth === 0) break;
  }
  const form = line.slice(start, end + 1);
  return form.length > 60 ? `${form.slice(0, 59)}…` : form;
}

/** `:name value` options of a call, each one of `allowed`. */
function options(args: readonly Value[], fn: string, allowed: readonly string[]): Map<string, Value> {
  const out = new Map<string, Value>();
  const known = allowed.map((a) => `:${a}`).join(" ");
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    if (!(k instanceof Keyword) || i + 1 >= args.length) throw new EvalError(`${fn}: options come as :name value pairs (${known})`);
    if (!allowed.includes(k.name)) throw new EvalError(`${fn}: unknown option :${k.name} (${known})`);
    out.set(k.name, args[i + 1]!);
  }
  return out;
}

function lookOf(opts: Map<string, Value>, fn: string): MediaLook {
  const alt = opts.get("alt") ?? "";
  const className = opts.get("class") ?? null;
  if (typeof alt !== "string") throw new EvalError(`${fn}: :alt is text`);
  if (className === null) return { alt, className: null };
  if (typeof className !== "string") throw new EvalError(`${fn}: :class is text`);
  return { alt, className };
}

/** `(render-media recipe &key with format alt class)` read: the recipe's source and spec, and its look. */
export function readRenderMedia([recipe, ...rest]: readonly Value[]): { source: string; spec: MediaSpec; look: MediaLook } {
  if (!(typeof recipe === "string" || Array.isArray(recipe))) throw new EvalError("render-media: the recipe is a quoted form, '(layer ...), or its text");
  const opts = options(rest, "render-media", ["with", "format", "alt", "class"]);
  const format = opts.get("format") ?? null;
  if (format !== null && !(typeof format === "string" && (MEDIA_FORMATS as readonly string[]).includes(format))) throw new EvalError(`render-media: :format is one of ${MEDIA_FORMATS.join(", ")}`);
  const source = recipeSource(recipe, opts.get("with") ?? null);
  return { source, spec: specOf(source, (format ?? undefined) as MediaFormat | undefined, recipe), look: lookOf(opts, "render-media") };
}

/** Names given to renders: pointer names of their own, never a page's or a recipe's (no colon). */
export const RENDER_NAME_RULE = "1 to 100 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit";
export function isRenderName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,99}$/.test(name);
}

/** `(named-media name &key alt class)` read. */
export function readNamedMedia([name, ...rest]: readonly Value[]): { name: string; look: MediaLook } {
  if (typeof name !== "string" || !isRenderName(name)) throw new EvalError(`named-media: the name is text, ${RENDER_NAME_RULE}`);
  return { name, look: lookOf(options(rest, "named-media", ["alt", "class"]), "named-media") };
}
