/**
 * What a recipe evaluates to: media values, host objects inside the sexp
 * evaluator. A `Still` is one operation of the engine over its input stills
 * (a DAG: a still used twice is one object, and one plan node); a `Video`
 * is frames of stills at a rate; a `Step` is an operation still missing its
 * source (`(fx blur :radius 2)`, `(resize :width 64 :height 64)`), which
 * `->` applies. An operation given a video applies to every frame.
 */
import { EvalError, Keyword, Sym, printValue, type Value } from "@rose-ash/sexp";
import type { EffectCall } from "../engine.ts";
import { LIMITS } from "./limits.ts";
import type { ParamValue } from "./params.ts";

export type StillOp = "solid" | "gradient" | "noise" | "asset" | "chain" | "blend" | "layer" | "resize" | "crop";

export class Still {
  readonly mediaKind = "still";
  private printed: string | null = null;
  constructor(
    readonly op: StillOp,
    /** Resolved parameters, every one (defaults filled in), in the form's order. */
    readonly params: Readonly<Record<string, ParamValue>>,
    readonly inputs: readonly Still[],
    /** A chain's effects, in order. */
    readonly effects: readonly EffectCall[],
    /** The output's size, or null where it is known only once computed (an asset, and what is made from one). */
    readonly width: number | null,
    readonly height: number | null,
  ) {}

  /**
   * The canonical form of this operation alone, inputs left out (they enter
   * its key by their keys): `(solid :width 64 :height 64 :color "#ff0000")`,
   * `(chain (invert) (blur :radius 2))`. Printed by the sexp printer from the
   * resolved values, so layout, comments, helper names and defaults written
   * out or not make no difference.
   */
  get form(): string {
    if (this.printed === null) {
      const items: Value[] = [Sym.of(this.op), ...keywordItems(this.params)];
      for (const e of this.effects) items.push([Sym.of(e.effect), ...keywordItems(e.params)]);
      this.printed = printValue(items);
    }
    return this.printed;
  }

  get size(): string {
    return this.width === null || this.height === null ? "?x?" : `${this.width}x${this.height}`;
  }

  toString(): string {
    return `#<image ${this.form}>`;
  }
}

function keywordItems(params: Readonly<Record<string, ParamValue>>): Value[] {
  const items: Value[] = [];
  for (const [k, v] of Object.entries(params)) items.push(Keyword.of(k), v);
  return items;
}

export class Video {
  readonly mediaKind = "video";
  constructor(
    readonly fps: number,
    readonly frames: readonly Still[],
  ) {
    if (frames.length > LIMITS.maxFrames) throw new EvalError(`a video of ${frames.length} frames is above the limit of ${LIMITS.maxFrames}`);
    const f = frames[0];
    if (f && f.width !== null && f.height !== null && frames.length * f.width * f.height > LIMITS.maxVideoPixels) {
      throw new EvalError(`${frames.length} frames of ${f.size} are ${frames.length * f.width * f.height} pixels, above the limit of ${LIMITS.maxVideoPixels} for one video`);
    }
  }

  toString(): string {
    return `#<video ${this.frames.length} frames at ${this.fps} fps>`;
  }
}

/** An operation missing its source, for `->`. */
export class Step {
  readonly mediaKind = "step";
  constructor(
    /** `fx` (one effect, fused with its neighbours in a chain), or a form name. */
    readonly form: "fx" | "resize" | "crop" | "blend",
    readonly effect: EffectCall | null,
    /** Applies the step to one source (a still or video). */
    readonly apply: (source: Media) => Media,
  ) {}

  toString(): string {
    return `#<step ${this.effect ? `fx ${this.effect.effect}` : this.form}>`;
  }
}

export type Media = Still | Video;

export function isMedia(v: unknown): v is Media {
  return v instanceof Still || v instanceof Video;
}

/**
 * An operation over stills lifted to videos: given only stills, the
 * operation; given videos (with stills broadcast to every frame), the
 * operation per frame. Videos must agree on rate and length.
 */
export function lift(form: string, inputs: readonly Media[], op: (stills: readonly Still[]) => Still): Media {
  const videos = inputs.filter((m): m is Video => m instanceof Video);
  if (videos.length === 0) return op(inputs as readonly Still[]);
  const first = videos[0]!;
  for (const v of videos) {
    if (v.fps !== first.fps) throw new EvalError(`${form}: videos at ${first.fps} and ${v.fps} fps cannot be combined`);
    if (v.frames.length !== first.frames.length) throw new EvalError(`${form}: videos of ${first.frames.length} and ${v.frames.length} frames cannot be combined (cut one with segment)`);
  }
  const frames: Still[] = [];
  for (let i = 0; i < first.frames.length; i++) frames.push(op(inputs.map((m) => (m instanceof Video ? m.frames[i]! : m))));
  return new Video(first.fps, frames);
}

/** Refuse a frame size beyond the limits. */
export function checkSize(form: string, width: number, height: number): void {
  if (width > LIMITS.maxSide || height > LIMITS.maxSide) throw new EvalError(`${form}: ${width}x${height} is above the limit of ${LIMITS.maxSide} pixels a side`);
  if (width * height > LIMITS.maxPixels) throw new EvalError(`${form}: ${width}x${height} is ${width * height} pixels, above the limit of ${LIMITS.maxPixels} (16 megapixels)`);
}
