/**
 * The pixel engine: one interface, two implementations that compute the
 * same pixels (within ±1 per channel): `cpu` (pure TypeScript, for machines
 * with neither GPU nor Vulkan) and `webgpu` (Dawn through the `webgpu`
 * package; on lavapipe where there is no GPU). Recipes (recipe/) are planned
 * into calls of these operations; a run of per-pixel and remap effects is
 * one call of `chain`, which the WebGPU engine compiles into ONE fused WGSL
 * compute shader, neighbourhood effects each getting their own pass.
 */
import type { Frame } from "./frame.ts";

/** An effect with its parameters resolved to values (for a frame of a video: `t` already substituted). */
export interface EffectCall {
  readonly effect: string;
  readonly params: Readonly<Record<string, number | string>>;
}

/** One GPU (or CPU) pass of a chain: the effects fused into it. */
export interface Pass {
  readonly kind: "fused" | "neighbourhood";
  readonly effects: readonly string[];
}

/** How a chain runs. */
export interface ChainOptions {
  /**
   * false: every effect its own pass (each remap sampling on its own), the
   * benchmark's "one pass per effect" (still one upload and one read-back).
   * Per-pixel effects give the same pixels either way; default true.
   */
  readonly fuse?: boolean;
}

export type BlendMode = "normal" | "multiply" | "screen" | "overlay" | "add" | "difference";
export type Fit = "contain" | "cover" | "fill";
export type Rgb = readonly [number, number, number];

export interface Engine {
  readonly name: "cpu" | "webgpu";
  solid(width: number, height: number, color: Rgb): Promise<Frame>;
  /** Horizontal: column x gets from + (to - from) * x / (width - 1) per channel, rounded. */
  gradient(width: number, height: number, from: Rgb, to: Rgb): Promise<Frame>;
  noise(width: number, height: number, seed: number): Promise<Frame>;
  /** Apply effects in order; the passes it ran (for --explain and the tests). */
  chain(input: Frame, effects: readonly EffectCall[], options?: ChainOptions): Promise<{ frame: Frame; passes: readonly Pass[] }>;
  /** `a` (source) over `b` (backdrop), at b's size: the formula is OPERATIONS "blend" in effects/table.ts. */
  blend(a: Frame, b: Frame, mode: BlendMode, opacity: number): Promise<Frame>;
  /** Frames composited in order, later over earlier (alpha "over"), at the first one's size. */
  layer(frames: readonly Frame[]): Promise<Frame>;
  resize(input: Frame, width: number, height: number, fit: Fit): Promise<Frame>;
  crop(input: Frame, x: number, y: number, width: number, height: number): Promise<Frame>;
  dispose(): Promise<void>;
}
