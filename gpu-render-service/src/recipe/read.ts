/**
 * Reading a recipe: source text -> checked, evaluated media value.
 *
 * 1. Parse (positions kept). The recipe is the LAST form; earlier forms may
 *    `define` helpers (values, images, functions of t).
 * 2. Desugar `(frames :count N :fps F body)` into
 *    `(frames :count N :fps F (fn (t) body))`: `t` is a local of the body,
 *    so the checker knows it there and nowhere else.
 * 3. Check statically with the sexp checker over the media registry: every
 *    problem at once (unknown names, effects and parameters with the
 *    nearest, wrong literal types, ranges, colours, sizes over the limits).
 * 4. Evaluate with the sexp evaluator over pure primitives only, within a
 *    step budget: `frames` evaluates its body once per frame with t bound,
 *    so parameters may be any expression of t. A problem only evaluation
 *    can find (a computed value out of range) is reported at its call.
 *
 * Every failure is a `RecipeError` with positioned problems.
 */
import {
  EvalContext,
  SexpError,
  check,
  compileTop,
  createEnv,
  node,
  parse,
  type ListNode,
  type Loc,
  type Node,
} from "@rose-ash/sexp";
import { LIMITS } from "./limits.ts";
import { Still, Video, isMedia } from "./values.ts";
import { CONSTANTS, createMediaRegistry } from "./vocabulary.ts";
import { describe } from "./params.ts";
import type { Registry, Value } from "@rose-ash/sexp";

export interface RecipeProblem {
  readonly loc: Loc;
  readonly message: string;
}

/** A recipe that cannot be rendered: every problem found, each at its position. */
export class RecipeError extends Error {
  override name = "RecipeError";
  constructor(readonly problems: readonly RecipeProblem[]) {
    super(problems.map(problemText).join("\n"));
  }
}

/** `FILE:LINE:COL: message`. */
export function problemText(p: RecipeProblem): string {
  return `${p.loc.src}:${p.loc.line}:${p.loc.col}: ${p.message}`;
}

/** A read recipe: one image, or the frames of a video. */
export interface Recipe {
  readonly kind: "image" | "video";
  readonly frames: readonly Still[];
  /** Frames per second (a still: 0). */
  readonly fps: number;
  /** The last form, where problems found later (planning, executing) are reported. */
  readonly at: Loc;
  /** Where each literal asset CID is written, for problems with its bytes. */
  readonly assets: ReadonlyMap<string, Loc>;
}

let registry: Registry | null = null;

/** The media registry (built once). */
export function mediaRegistry(): Registry {
  return (registry ??= createMediaRegistry());
}

export interface ReadRecipeOptions {
  /** The file name in positions (default `<recipe>`). */
  readonly src?: string;
}

export function readRecipe(source: string, options: ReadRecipeOptions = {}): Recipe {
  const src = options.src ?? "<recipe>";
  let forms: Node[];
  try {
    forms = parse(source, { src });
  } catch (e) {
    throw asRecipeError(e, { src, line: 1, col: 1 });
  }
  const last = forms[forms.length - 1];
  if (!last) throw new RecipeError([{ loc: { src, line: 1, col: 1 }, message: "the recipe is empty: its last form is what is rendered, e.g. (solid :width 64 :height 64 :color \"#ff0000\")" }]);
  const at: Loc = { src: last.src, line: last.line, col: last.col };
  forms = forms.map(desugar);
  const problems = check(forms, { registry: mediaRegistry(), globals: Object.keys(CONSTANTS) });
  if (problems.length) throw new RecipeError(problems);

  const env = createEnv(mediaRegistry());
  for (const [name, value] of Object.entries(CONSTANTS)) env.define(name, value);
  const ctx = new EvalContext(env, { maxSteps: LIMITS.maxSteps });
  let value: Value = null;
  for (const f of forms) {
    try {
      const v = compileTop(f)(null, ctx);
      if (v instanceof Promise) throw new SexpError("a recipe must be pure (no I/O)", at, "eval");
      value = v;
    } catch (e) {
      throw asRecipeError(e, { src: f.src, line: f.line, col: f.col });
    }
  }
  if (!isMedia(value)) {
    throw new RecipeError([{ loc: at, message: `the recipe's last form must give an image or a video, not ${describe(value)}` }]);
  }
  const assets = new Map<string, Loc>();
  for (const f of forms) findAssets(f, assets);
  if (value instanceof Video) return { kind: "video", frames: value.frames, fps: value.fps, at, assets };
  return { kind: "image", frames: [value as Still], fps: 0, at, assets };
}

function asRecipeError(e: unknown, fallback: Loc): RecipeError {
  if (e instanceof RecipeError) return e;
  if (e instanceof SexpError) return new RecipeError([{ loc: e.loc ?? fallback, message: e.message }]);
  if (e instanceof RangeError && e.message.includes("call stack")) return new RecipeError([{ loc: fallback, message: "the recipe nests too deeply" }]);
  throw e;
}

const isSym = (n: Node | undefined, name: string): boolean => n?.kind === "sym" && n.value === name;

/** `(frames ... body)` -> `(frames ... (fn (t) body))`, everywhere outside quotes. */
export function desugar(n: Node): Node {
  if (n.kind !== "list" && n.kind !== "map") return n;
  if (n.kind === "list" && isSym(n.value[0], "quote")) return n;
  const items = n.value.map(desugar);
  if (n.kind === "list" && isSym(items[0], "frames")) {
    for (let i = 1; i < items.length; i++) {
      if (items[i]!.kind === "kw") {
        i++;
        continue;
      }
      const body = items[i]!;
      const at = (kind: "sym", v: string): Node => node(kind, v, body.src, body.line, body.col);
      items[i] = node("list", [at("sym", "fn"), node("list", [at("sym", "t")], body.src, body.line, body.col), body], body.src, body.line, body.col);
    }
  }
  return node(n.kind, items, n.src, n.line, n.col) as ListNode;
}

/** Literal `(asset :cid "...")` CIDs and where they are written. */
function findAssets(n: Node, out: Map<string, Loc>): void {
  if (n.kind !== "list") return;
  if (isSym(n.value[0], "asset")) {
    for (let i = 1; i + 1 < n.value.length; i++) {
      const k = n.value[i]!;
      const v = n.value[i + 1]!;
      if (k.kind === "kw" && k.value === "cid" && v.kind === "str" && !out.has(v.value)) out.set(v.value, { src: v.src, line: v.line, col: v.col });
    }
  }
  for (const c of n.value) findAssets(c, out);
}
