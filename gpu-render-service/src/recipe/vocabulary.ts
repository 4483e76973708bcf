/**
 * The media vocabulary: the recipe forms as primitives of a sexp
 * `Registry`, beside the base (pure) primitives, with the metadata every
 * primitive has: a lambda list, a doc (each parameter with its type, range
 * and default), examples, and a static `check` of its calls, which the
 * sexp checker runs on every call (`sexp check`-style: every problem, each
 * at its position). Evaluating a form builds a media value (values.ts); the
 * planner turns those into the DAG the engines run.
 *
 * Grammar (keyword arguments anywhere among the positional ones):
 *
 *   (solid :width W :height H :color "#rrggbb")
 *   (gradient :width W :height H :from "#rrggbb" :to "#rrggbb")
 *   (noise :width W :height H :seed N)
 *   (asset :cid "bafk...")                         PNG (or JPEG/WebP/GIF: first frame) bytes by CID, verified
 *   (fx NAME [source] :param value ...)            an effect; without a source, a step for ->
 *   (-> source step ...)                           steps in order; a run of fx steps is ONE chain
 *   (layer a b ...)                                later over earlier, at the first one's size
 *   (blend a [b] :mode "normal"|"multiply"|"screen"|"overlay"|"add"|"difference" :opacity x)
 *   (resize [source] :width W :height H :fit "contain"|"cover"|"fill")
 *   (crop [source] :x X :y Y :width W :height H)
 *   (frames :count N :fps F recipe-using-t)         t = i / F seconds for frame i
 *   (sequence a b ... :transition "cut"|"crossfade" :duration seconds)
 *   (segment video :start seconds :end seconds)      the frames with start <= t < end
 *
 * and, for parameter expressions, `sin cos tan asin acos atan atan2 sqrt
 * pow exp log clamp lerp smoothstep` and the constants `pi` and `tau` beside
 * the base primitives (all pure).
 */
import {
  EvalError,
  Lambda,
  Registry,
  SexpError,
  Sym,
  basePrimitives,
  didYouMean,
  type CallCheck,
  type CallProblem,
  type EvalContext,
  type Node,
  type PrimitiveSpec,
  type Value,
} from "@rose-ash/sexp";
import type { EffectCall } from "../engine.ts";
import { OPERATIONS } from "../effects/table.ts";
import { effect, effectNames } from "./effects.ts";
import { LIMITS } from "./limits.ts";
import {
  checkKeys,
  describe,
  describeParams,
  literalValue,
  readKeys,
  splitNodes,
  splitValues,
  type ParamSpec,
  type ParamValue,
} from "./params.ts";
import { Step, Still, Video, checkSize, isMedia, lift, type Media } from "./values.ts";

const SIDE = { min: 1, max: LIMITS.maxSide } as const;
const WIDTH: ParamSpec = { name: "width", type: "int", ...SIDE, doc: "pixels" };
const HEIGHT: ParamSpec = { name: "height", type: "int", ...SIDE, doc: "pixels" };
export const BLEND_MODES = ["normal", "multiply", "screen", "overlay", "add", "difference"] as const;
export const FITS = ["fill", "contain", "cover"] as const;
export const TRANSITIONS = ["cut", "crossfade"] as const;

/** One media form: its keyword parameters and how many sources it takes. */
export interface MediaForm {
  readonly name: string;
  readonly keys: readonly ParamSpec[];
  /** Positional media inputs, at least and at most. */
  readonly sources: readonly [number, number];
  /** Without its first source it is a step, for `->`. */
  readonly step: boolean;
  readonly params: string;
  readonly doc: string;
  readonly examples: readonly (readonly [string, string])[];
}

/** A form, its doc followed by the engines' exact formula for it (effects/table.ts) where there is one. */
const form = (f: MediaForm): MediaForm => {
  const formula = OPERATIONS.get(f.name)?.doc;
  return formula ? { ...f, doc: `${f.doc} ${formula}` } : f;
};

/** The forms, by name: what the catalog (and `describeForms`) reads. */
export const MEDIA_FORMS: Readonly<Record<string, MediaForm>> = {
  solid: form({
    name: "solid",
    keys: [WIDTH, HEIGHT, { name: "color", type: "color", default: "#000000" }],
    sources: [0, 0],
    step: false,
    params: "&key width height color",
    doc: "An image of one colour.",
    examples: [['(solid :width 2 :height 2 :color "#FF0000")', '#<image (solid :width 2 :height 2 :color "#ff0000")>']],
  }),
  gradient: form({
    name: "gradient",
    keys: [WIDTH, HEIGHT, { name: "from", type: "color", default: "#000000" }, { name: "to", type: "color", default: "#ffffff" }],
    sources: [0, 0],
    step: false,
    params: "&key width height from to",
    doc: "A horizontal gradient.",
    examples: [['(gradient :width 4 :height 1 :from "#000000" :to "#ffffff")', '#<image (gradient :width 4 :height 1 :from "#000000" :to "#ffffff")>']],
  }),
  noise: form({
    name: "noise",
    keys: [WIDTH, HEIGHT, { name: "seed", type: "int", default: 0, min: 0, max: 4294967295 }],
    sources: [0, 0],
    step: false,
    params: "&key width height seed",
    doc: "Random colours, the same for the same seed.",
    examples: [["(noise :width 8 :height 8 :seed 7)", "#<image (noise :width 8 :height 8 :seed 7)>"]],
  }),
  asset: form({
    name: "asset",
    keys: [{ name: "cid", type: "cid", doc: "the image's bytes, as `ipfs add --cid-version 1 --raw-leaves` names them" }],
    sources: [0, 0],
    step: false,
    params: "&key cid",
    doc: "An image by the CID of its bytes (PNG; JPEG, WebP or GIF's first frame too), fetched from the store and verified against the CID.",
    examples: [],
  }),
  layer: form({
    name: "layer",
    keys: [],
    sources: [1, Infinity],
    step: false,
    params: "image &rest images",
    doc: "Images composited in order, later over earlier.",
    examples: [],
  }),
  blend: form({
    name: "blend",
    keys: [
      { name: "mode", type: "enum", values: BLEND_MODES, default: "normal" },
      { name: "opacity", type: "number", min: 0, max: 1, default: 1 },
    ],
    sources: [2, 2],
    step: true,
    params: "a &optional b &key mode opacity",
    doc: "a over b with a blend mode, a at an opacity. Inside ->, (blend b ...) puts the threaded image over b.",
    examples: [],
  }),
  resize: form({
    name: "resize",
    keys: [WIDTH, HEIGHT, { name: "fit", type: "enum", values: FITS, default: "fill" }],
    sources: [1, 1],
    step: true,
    params: "&optional image &key width height fit",
    doc: 'To width x height: "fill" stretches, "contain" fits inside (transparent bars), "cover" fills and crops.',
    examples: [],
  }),
  crop: form({
    name: "crop",
    keys: [{ name: "x", type: "int", min: 0, max: LIMITS.maxSide - 1, default: 0 }, { name: "y", type: "int", min: 0, max: LIMITS.maxSide - 1, default: 0 }, WIDTH, HEIGHT],
    sources: [1, 1],
    step: true,
    params: "&optional image &key x y width height",
    doc: "Part of an image.",
    examples: [],
  }),
  frames: form({
    name: "frames",
    keys: [
      { name: "count", type: "int", min: 1, max: LIMITS.maxFrames },
      { name: "fps", type: "number", min: 0.01, max: LIMITS.maxFps, default: 24 },
    ],
    sources: [1, 1],
    step: false,
    params: "&key count fps &rest recipe",
    doc: "A video: the recipe evaluated for each frame i with t = i / fps seconds (any parameter may be an expression of t).",
    examples: [],
  }),
  sequence: form({
    name: "sequence",
    keys: [
      { name: "transition", type: "enum", values: TRANSITIONS, default: "cut" },
      { name: "duration", type: "number", min: 0, max: 60, default: 0.5, doc: "seconds of crossfade" },
    ],
    sources: [1, Infinity],
    step: false,
    params: "video &rest videos &key transition duration",
    doc: "Videos one after another, cut or crossfaded (the last `duration` seconds of one under the first of the next); one rate.",
    examples: [],
  }),
  segment: form({
    name: "segment",
    keys: [
      { name: "start", type: "number", min: 0, default: 0 },
      { name: "end", type: "number", min: 0, optional: true },
    ],
    sources: [1, 1],
    step: false,
    params: "video &key start end",
    doc: "Part of a video: its frames with start <= t < end (seconds; to the end without :end).",
    examples: [],
  }),
};

const FX_PARAMS = "name &optional source &rest params";
const FX_DOC = "An effect by name (a symbol or string) with its parameters; without a source, a step for ->. Effects: ";

// ---------------------------------------------------------------------------
// Static checks (on argument nodes)

function countMessage(f: MediaForm, n: number): string | null {
  const [min, max] = f.sources;
  const low = f.step ? min - 1 : min;
  if (n >= low && n <= max) return null;
  const what = max === 0 ? "no images" : max === Infinity ? `at least ${min} image${min === 1 ? "" : "s"} or videos` : `${min === max ? min : `${low} to ${max}`} image${max === 1 ? "" : "s"}`;
  return `${f.name} takes ${what}, got ${n}`;
}

function checkSources(name: string, nodes: readonly Node[]): CallProblem[] {
  const problems: CallProblem[] = [];
  for (const p of nodes) {
    const v = literalValue(p);
    if (v !== undefined) problems.push({ message: `${name} takes images and videos, not ${describe(v)}`, at: p });
  }
  return problems;
}

function checkLiteralSize(name: string, keys: ReturnType<typeof splitNodes>["keys"], at: Node | { src: string; line: number; col: number }): CallProblem[] {
  const w = keys.get("width")?.value;
  const h = keys.get("height")?.value;
  if (w?.kind !== "num" || h?.kind !== "num" || w.value > LIMITS.maxSide || h.value > LIMITS.maxSide) return [];
  try {
    checkSize(name, w.value, h.value);
    return [];
  } catch (e) {
    return [{ message: (e as Error).message, at: w ?? at }];
  }
}

function checkMediaForm(f: MediaForm): CallCheck {
  return (args, call) => {
    const split = splitNodes(f.name, args);
    const problems = [...split.problems, ...checkKeys(f.name, f.keys, split, call)];
    const count = countMessage(f, split.positional.length);
    if (count) problems.push({ message: count, at: split.positional[f.sources[1]] ?? call });
    if (f.name !== "frames") problems.push(...checkSources(f.name, split.positional));
    problems.push(...checkLiteralSize(f.name, split.keys, call));
    return problems;
  };
}

const checkFx: CallCheck = (args, call) => {
  const nameNode = args[0];
  if (!nameNode || nameNode.kind === "kw") return [{ message: `fx needs an effect name first, e.g. (fx blur :radius 2); effects: ${effectNames().join(", ")}`, at: call }];
  // A computed name (a string from an expression) is checked when evaluated.
  if (nameNode.kind === "list") return [];
  if (nameNode.kind !== "sym" && nameNode.kind !== "str") return [{ message: `fx needs an effect name (a symbol), not ${describe(literalValue(nameNode) ?? null)}`, at: nameNode }];
  const name = nameNode.value;
  const info = effect(name);
  const split = splitNodes(`fx ${name}`, args.slice(1));
  const problems = [...split.problems];
  if (!info) problems.push({ message: unknownEffectMessage(name), at: nameNode });
  else problems.push(...checkKeys(`fx ${name}`, info.params, split, call));
  if (split.positional.length > 1) problems.push({ message: `fx ${name} takes one source at most, got ${split.positional.length}`, at: split.positional[1]! });
  problems.push(...checkSources(`fx ${name}`, split.positional));
  return problems;
};

const checkThread: CallCheck = (args, call) => {
  if (args.length === 0) return [{ message: "-> needs a source, then steps: (-> (solid ...) (fx invert) (fx blur :radius 2))", at: call }];
  const problems = checkSources("->", args.slice(0, 1));
  for (const a of args.slice(1)) {
    const v = literalValue(a);
    if (v !== undefined) problems.push({ message: `-> takes steps such as (fx blur :radius 2), not ${describe(v)}`, at: a });
  }
  return problems;
};

export function unknownEffectMessage(name: string): string {
  const names = effectNames();
  return `unknown effect ${name}${didYouMean(name, names) || ` (effects: ${names.join(", ")})`}`;
}

// ---------------------------------------------------------------------------
// Evaluation (on values)

function media(form: string, v: Value, what = "takes images and videos"): Media {
  if (isMedia(v)) return v;
  throw new EvalError(`${form} ${what}, not ${describe(v)}`);
}

function stillOnly(form: string, m: Media): Still {
  if (m instanceof Still) return m;
  throw new EvalError(`${form} takes an image here, not a video`);
}

function read(f: MediaForm, args: Value[]): { params: Record<string, ParamValue>; sources: Media[] } {
  const { keys, positional } = splitValues(f.name, args);
  const params = readKeys(f.name, f.keys, keys);
  const count = countMessage(f, positional.length);
  if (count) throw new EvalError(count);
  return { params, sources: positional.map((v) => media(f.name, v)) };
}

const num = (v: ParamValue): number => v as number;

function sourceForm(op: "solid" | "gradient" | "noise"): PrimitiveSpec["fn"] {
  return (args) => {
    const { params } = read(MEDIA_FORMS[op]!, args);
    checkSize(op, num(params.width!), num(params.height!));
    return new Still(op, params, [], [], num(params.width!), num(params.height!)) as unknown as Value;
  };
}

/** The chain of `effects` over one still. */
export function chainOf(source: Still, effects: readonly EffectCall[]): Still {
  return new Still("chain", {}, [source], effects, source.width, source.height);
}

/** `a` over `b`, at b's size. */
function blendStill(a: Still, b: Still, params: Record<string, ParamValue>): Still {
  return new Still("blend", params, [a, b], [], b.width, b.height);
}

function resizeStill(s: Still, params: Record<string, ParamValue>): Still {
  const w = num(params.width!);
  const h = num(params.height!);
  checkSize("resize", w, h);
  return new Still("resize", params, [s], [], w, h);
}

function cropStill(s: Still, params: Record<string, ParamValue>): Still {
  const [x, y, w, h] = [num(params.x!), num(params.y!), num(params.width!), num(params.height!)];
  if (s.width !== null && x + w > s.width) throw new EvalError(`crop: x ${x} + width ${w} is beyond the image's width ${s.width}`);
  if (s.height !== null && y + h > s.height) throw new EvalError(`crop: y ${y} + height ${h} is beyond the image's height ${s.height}`);
  return new Still("crop", params, [s], [], w, h);
}

/** A one-source form: applied now when given its source, else a step. */
function oneSource(name: "resize" | "crop", op: (s: Still, params: Record<string, ParamValue>) => Still): PrimitiveSpec["fn"] {
  return (args) => {
    const { params, sources } = read(MEDIA_FORMS[name]!, args);
    const apply = (m: Media): Media => lift(name, [m], ([s]) => op(s!, params));
    return (sources[0] ? apply(sources[0]) : new Step(name, null, apply)) as unknown as Value;
  };
}

function fx(args: Value[]): Value {
  const head = args[0];
  if (!(head instanceof Sym) && typeof head !== "string") throw new EvalError(`fx needs an effect name first, e.g. (fx blur :radius 2), not ${describe(head ?? null)}`);
  const name = head instanceof Sym ? head.name : head;
  const info = effect(name);
  if (!info) throw new EvalError(unknownEffectMessage(name));
  const { keys, positional } = splitValues(`fx ${name}`, args.slice(1));
  const call: EffectCall = { effect: name, params: readKeys(`fx ${name}`, info.params, keys) };
  if (positional.length > 1) throw new EvalError(`fx ${name} takes one source at most, got ${positional.length}`);
  const apply = (m: Media): Media => lift(`fx ${name}`, [m], ([s]) => chainOf(s!, [call]));
  return (positional[0] !== undefined ? apply(media(`fx ${name}`, positional[0])) : new Step("fx", call, apply)) as unknown as Value;
}

function thread(args: Value[]): Value {
  let current = media("->", args[0] ?? null, "needs a source first");
  let run: EffectCall[] = [];
  const flush = (): void => {
    if (!run.length) return;
    const effects = run;
    current = lift("->", [current], ([s]) => chainOf(s!, effects));
    run = [];
  };
  for (let i = 1; i < args.length; i++) {
    const step = args[i]!;
    if (!(step instanceof Step)) {
      const hint = isMedia(step) ? " (write the step without its source: (fx blur), not (fx blur image))" : "";
      throw new EvalError(`-> step ${i} is ${describe(step)}, not a step${hint}`);
    }
    if (step.effect) run.push(step.effect);
    else {
      flush();
      current = step.apply(current);
    }
  }
  flush();
  return current as unknown as Value;
}

function frames(args: Value[], ctx: EvalContext): Value {
  const { keys, positional } = splitValues("frames", args);
  const params = readKeys("frames", MEDIA_FORMS.frames!.keys, keys);
  const body = positional[0];
  if (positional.length !== 1 || !(body instanceof Lambda)) throw new EvalError(`frames takes one recipe (an expression of t), got ${positional.length}`);
  const count = num(params.count!);
  const fps = num(params.fps!);
  const out: Still[] = [];
  for (let i = 0; i < count; i++) {
    const t = i / fps;
    let v: unknown;
    try {
      v = ctx.apply(body, [t]);
    } catch (e) {
      if (e instanceof SexpError) throw new EvalError(`${e.message} (in frame ${i}, t = ${t})`, e.loc);
      throw e;
    }
    if (v instanceof Promise) throw new EvalError("frames: the recipe must be pure");
    if (v instanceof Video) throw new EvalError(`frames: the recipe gives a video for frame ${i}; it must give an image (t is the time)`);
    out.push(stillOnly("frames", media("frames", v as Value, "needs a recipe that gives an image")));
  }
  return new Video(fps, out) as unknown as Value;
}

function sequence(args: Value[]): Value {
  const { params, sources } = read(MEDIA_FORMS.sequence!, args);
  const videos = sources.map((m, i) => {
    if (m instanceof Video) return m;
    throw new EvalError(`sequence joins videos; item ${i + 1} is an image (hold it with (frames :count N image))`);
  });
  const fps = videos[0]!.fps;
  for (const v of videos) if (v.fps !== fps) throw new EvalError(`sequence: videos at ${fps} and ${v.fps} fps cannot be joined`);
  let out: Still[] = [...videos[0]!.frames];
  for (const next of videos.slice(1)) {
    const overlap = params.transition === "crossfade" ? Math.min(Math.round(num(params.duration!) * fps), out.length, next.frames.length) : 0;
    const head = out.slice(0, out.length - overlap);
    const tail = out.slice(out.length - overlap);
    const faded = tail.map((a, j) => blendStill(next.frames[j]!, a, { mode: "normal", opacity: (j + 1) / (overlap + 1) }));
    out = [...head, ...faded, ...next.frames.slice(overlap)];
  }
  return new Video(fps, out) as unknown as Value;
}

function segment(args: Value[]): Value {
  const { params, sources } = read(MEDIA_FORMS.segment!, args);
  const v = sources[0]!;
  if (!(v instanceof Video)) throw new EvalError("segment takes a video, not an image");
  const from = Math.round(num(params.start!) * v.fps);
  const to = params.end === undefined ? v.frames.length : Math.min(v.frames.length, Math.round(num(params.end) * v.fps));
  if (from >= to) throw new EvalError(`segment from ${params.start} s to ${params.end ?? "the end"} has no frames (the video has ${v.frames.length} at ${v.fps} fps)`);
  return new Video(v.fps, v.frames.slice(from, to)) as unknown as Value;
}

// ---------------------------------------------------------------------------
// The registry

function spec(f: MediaForm, fn: PrimitiveSpec["fn"], check: CallCheck = checkMediaForm(f)): PrimitiveSpec {
  const keys = f.keys.length ? ` Parameters: ${describeParams(f.keys)}.` : "";
  // The lambda list as the registry reads it: keyword parameters are optional arguments to it.
  return { name: f.name, params: f.params.replace("&key", "&rest"), doc: f.doc + keys, examples: f.examples, check, fn };
}

const math1 = (name: string, fn: (x: number) => number, doc: string, example: [string, string]): PrimitiveSpec => ({
  name,
  params: "x",
  doc,
  examples: [example],
  fn: ([x]) => {
    if (typeof x !== "number") throw new EvalError(`${name} takes a number, not ${describe(x ?? null)}`);
    return fn(x);
  },
});

const numbers = (name: string, args: readonly Value[]): number[] =>
  args.map((x) => {
    if (typeof x !== "number") throw new EvalError(`${name} takes numbers, not ${describe(x)}`);
    return x;
  });

/** The media registry: the base primitives, the media forms, and the maths animation needs. */
export function createMediaRegistry(): Registry {
  const r = basePrimitives.extend();
  const f = MEDIA_FORMS;
  r.define(spec(f.solid!, sourceForm("solid")));
  r.define(spec(f.gradient!, sourceForm("gradient")));
  r.define(spec(f.noise!, sourceForm("noise")));
  r.define(
    spec(f.asset!, (args) => {
      const { params } = read(f.asset!, args);
      return new Still("asset", params, [], [], null, null) as unknown as Value;
    }),
  );
  r.define({
    name: "fx",
    params: FX_PARAMS,
    doc:
      FX_DOC +
      effectNames()
        .map((n) => {
          const info = effect(n)!;
          return `${n} (${info.kind}${info.params.length ? `; ${describeParams(info.params)}` : ""}): ${info.doc}`;
        })
        .join("; "),
    examples: [["(fx invert)", "#<step fx invert>"]],
    names: 1,
    check: checkFx,
    fn: fx,
  });
  r.define({
    name: "->",
    params: "source &rest steps",
    doc: "Thread a source through steps in order: (fx ...) effects (a run of them is one chain, fused into one pass where they can be), (resize ...), (crop ...), (blend b ...).",
    examples: [],
    check: checkThread,
    fn: thread,
  });
  r.define(
    spec(f.layer!, (args) => {
      const { sources } = read(f.layer!, args);
      return lift("layer", sources, (stills) => new Still("layer", {}, stills, [], stills[0]!.width, stills[0]!.height)) as unknown as Value;
    }),
  );
  r.define(
    spec(f.blend!, (args) => {
      const { params, sources } = read(f.blend!, args);
      if (sources.length === 2) return lift("blend", sources, ([a, b]) => blendStill(a!, b!, params)) as unknown as Value;
      const other = sources[0]!;
      return new Step("blend", null, (m) => lift("blend", [m, other], ([a, b]) => blendStill(a!, b!, params))) as unknown as Value;
    }),
  );
  r.define(spec(f.resize!, oneSource("resize", resizeStill)));
  r.define(spec(f.crop!, oneSource("crop", cropStill)));
  r.define(spec(f.frames!, frames));
  r.define(spec(f.sequence!, sequence));
  r.define(spec(f.segment!, segment));

  r.define(math1("sin", Math.sin, "Sine of x radians.", ["(sin 0)", "0"]));
  r.define(math1("cos", Math.cos, "Cosine of x radians.", ["(cos 0)", "1"]));
  r.define(math1("tan", Math.tan, "Tangent of x radians.", ["(tan 0)", "0"]));
  r.define(math1("asin", Math.asin, "Arcsine, in radians.", ["(asin 0)", "0"]));
  r.define(math1("acos", Math.acos, "Arccosine, in radians.", ["(acos 1)", "0"]));
  r.define(math1("atan", Math.atan, "Arctangent, in radians.", ["(atan 0)", "0"]));
  r.define(math1("sqrt", Math.sqrt, "Square root.", ["(sqrt 16)", "4"]));
  r.define(math1("exp", Math.exp, "e to the x.", ["(exp 0)", "1"]));
  r.define(math1("log", Math.log, "Natural logarithm.", ["(log 1)", "0"]));
  r.define({
    name: "atan2",
    params: "y x",
    doc: "The angle of the point (x, y), in radians.",
    examples: [["(atan2 0 1)", "0"]],
    fn: (a) => Math.atan2(...(numbers("atan2", a) as [number, number])),
  });
  r.define({
    name: "pow",
    params: "x y",
    doc: "x to the power y.",
    examples: [["(pow 2 10)", "1024"]],
    fn: (a) => Math.pow(...(numbers("pow", a) as [number, number])),
  });
  r.define({
    name: "clamp",
    params: "x lo hi",
    doc: "x, but no less than lo and no more than hi.",
    examples: [["(clamp 1.5 0 1)", "1"]],
    fn: (a) => {
      const [x, lo, hi] = numbers("clamp", a) as [number, number, number];
      return Math.min(hi, Math.max(lo, x));
    },
  });
  r.define({
    name: "lerp",
    params: "a b k",
    doc: "From a to b by k: a + (b - a) * k.",
    examples: [["(lerp 10 20 0.5)", "15"]],
    fn: (a) => {
      const [x, y, k] = numbers("lerp", a) as [number, number, number];
      return x + (y - x) * k;
    },
  });
  r.define({
    name: "smoothstep",
    params: "edge0 edge1 x",
    doc: "0 below edge0, 1 above edge1, a smooth (Hermite) step between.",
    examples: [["(smoothstep 0 1 0.5)", "0.5"]],
    fn: (a) => {
      const [e0, e1, x] = numbers("smoothstep", a) as [number, number, number];
      const k = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
      return k * k * (3 - 2 * k);
    },
  });
  return r;
}

/** Constants bound beside the primitives. */
export const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, tau: 2 * Math.PI };
