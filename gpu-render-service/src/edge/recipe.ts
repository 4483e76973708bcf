/**
 * What the edge needs of a recipe, without an engine, an encoder or Node:
 * read it (every problem at its position), and name it. The edge's name for
 * a recipe is its media key: the plan's output key with no engine and no
 * encoder in it, so it says what is asked for (the canonical form of every
 * operation with its parameters resolved, asset CIDs, frames, rate and
 * format), whichever machine renders it. The edge's pointer `media:<key>`
 * names the CID the render service made for it.
 *
 * Imported by Workers as `@rose-ash/render/recipe`: only the reader, the
 * planner and their vocabulary come with it.
 */
import { plan } from "../plan.ts";
import { RecipeError, readRecipe, type Recipe } from "../recipe/read.ts";

export { RecipeError, problemText, type Recipe, type RecipeProblem } from "../recipe/read.ts";

/** The formats the edge may ask for (the service's encoders). */
export type MediaFormat = "png" | "webp" | "gif" | "mp4" | "webm";
export const MEDIA_FORMATS: readonly MediaFormat[] = ["png", "webp", "gif", "mp4", "webm"];
const VIDEO_FORMATS: ReadonlySet<MediaFormat> = new Set(["mp4", "webm"]);

/** A read recipe as the edge keeps it. */
export interface MediaSpec {
  /** The media key: what `media:<key>` and the edge's render job are named by. */
  readonly key: string;
  readonly kind: "image" | "video";
  readonly format: MediaFormat;
  /** Its size, where known before rendering (not when an asset decides it). */
  readonly width: number | null;
  readonly height: number | null;
  readonly frames: number;
}

/** The format a recipe is encoded in when none is asked: PNG for an image, MP4 for a video. */
export function defaultFormat(recipe: Recipe): MediaFormat {
  return recipe.kind === "video" ? "mp4" : "png";
}

/** Whether a format is shown by a `<video>` element (else an `<img>`). */
export function isVideoFormat(format: MediaFormat): boolean {
  return VIDEO_FORMATS.has(format);
}

/**
 * Read `source` and name it for `format` (default: `defaultFormat`). Throws
 * RecipeError with every problem at its position, including a video asked
 * for as PNG.
 */
export function mediaSpec(source: string, format?: MediaFormat, src = "recipe"): MediaSpec {
  const recipe = readRecipe(source, { src });
  const f = format ?? defaultFormat(recipe);
  checkFormat(recipe, f);
  const output = plan(recipe, { engine: "any", format: f, encoder: "any" }).output;
  return { key: output.key, kind: recipe.kind, format: f, width: output.width, height: output.height, frames: recipe.frames.length };
}

/** A video cannot be a PNG: RecipeError at the recipe, else nothing. */
export function checkFormat(recipe: Recipe, format: MediaFormat): void {
  if (format === "png" && recipe.kind === "video") {
    throw new RecipeError([{ loc: recipe.at, message: `png holds one image, and this recipe is a video of ${recipe.frames.length} frames: ask for gif, mp4, webm or webp` }]);
  }
}
