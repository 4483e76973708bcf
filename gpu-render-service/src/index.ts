/**
 * @rose-ash/render: media recipes in s-expressions -> a DAG of
 * content-addressed nodes -> frames from the WebGPU or CPU engine ->
 * encoded bytes, stored (and pinned) by CID.
 */
export type { Frame } from "./frame.ts";
export { frame } from "./frame.ts";
export type { BlendMode, EffectCall, Engine, Fit, Pass, Rgb } from "./engine.ts";
export { RecipeError, desugar, mediaRegistry, problemText, readRecipe, type Recipe, type RecipeProblem, type ReadRecipeOptions } from "./recipe/read.ts";
export { BLEND_MODES, CONSTANTS, FITS, MEDIA_FORMS, TRANSITIONS, createMediaRegistry, unknownEffectMessage, type MediaForm } from "./recipe/vocabulary.ts";
export { LIMITS } from "./recipe/limits.ts";
export { effect, effectNames, passesOf, type EffectInfo, type EffectKind } from "./recipe/effects.ts";
export { COLOR, describeParams, rgb, type ParamSpec, type ParamType } from "./recipe/params.ts";
export { Step, Still, Video, type Media, type StillOp } from "./recipe/values.ts";
export { RENDER_VERSION, explain, nodeKey, plan, type NodeState, type Plan, type PlanNode, type PlanNodeKind, type PlanOptions } from "./plan.ts";
export { mediaLeaves, openEngine, planRecipe, renderRecipe, type Backend, type MediaJob, type MediaOut, type Progress, type RenderOptions, type RenderResult } from "./render.ts";
export { ContentMismatchError, MediaStore, type MediaStoreOptions, type PinningConfig } from "./store.ts";
export {
  FORMATS,
  FfmpegMissingError,
  decode,
  decodePng,
  decodeVideo,
  decodeWebp,
  encode,
  encodePng,
  encodeVideo,
  encodeWebp,
  encoderId,
  ffmpegVersion,
  type EncodeInput,
  type Format,
} from "./encode/index.ts";
export { RenderService, createRenderService, type JobStatus, type RenderServiceOptions } from "./server/service.ts";
