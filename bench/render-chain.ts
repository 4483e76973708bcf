/**
 * bench/render.js's workload (bundled with esbuild, as bench/resolver.js
 * bundles resolver-page.ts): the render service's engines and the 6-effect
 * per-pixel chain, with the chain's matrices for sharp and ffmpeg.
 *
 * The chain is ordered as sharp's one libvips pipeline applies its
 * operations (recomb, gamma out, linear, negate), so sharp can do it in one
 * pipeline: saturation and hue-shift are 3x3 matrices (one recomb, or one
 * colorchannelmixer each in ffmpeg), gamma a power, brightness and contrast
 * linear maps, invert a negation.
 */
import { cpuEngine } from "../gpu-render-service/src/engines/cpu.ts";
import { createWebGpuEngine } from "../gpu-render-service/src/engines/webgpu.ts";
import { hueMatrix } from "../gpu-render-service/src/effects/math.ts";
import type { EffectCall, Engine } from "../gpu-render-service/src/engine.ts";
import type { Frame } from "../gpu-render-service/src/frame.ts";

export const WIDTH = 3840;
export const HEIGHT = 2160;

export const SATURATION = 1.3;
export const HUE_DEGREES = 30;
export const GAMMA = 1.5;
export const BRIGHTNESS = 0.1;
export const CONTRAST = 1.2;

export const CHAIN: readonly EffectCall[] = [
  { effect: "saturation", params: { amount: SATURATION } },
  { effect: "hue-shift", params: { degrees: HUE_DEGREES } },
  { effect: "gamma", params: { gamma: GAMMA } },
  { effect: "brightness", params: { amount: BRIGHTNESS } },
  { effect: "contrast", params: { amount: CONTRAST } },
  { effect: "invert", params: {} },
];

/** The saturation effect as a row-major 3x3 matrix: s·I + (1 − s)·[luma; luma; luma]. */
export function saturationMatrix(s: number): number[] {
  const w = [0.2126, 0.7152, 0.0722];
  return [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => (r === c ? s : 0) + (1 - s) * w[c]!));
}

/** a · b, row-major 3x3 (b applied first). */
export function multiply(a: readonly number[], b: readonly number[]): number[] {
  return [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!));
}

export { hueMatrix };

/** The CPU engine and a 4K source frame (the engine's noise). */
export async function setup(): Promise<{ cpu: Engine; source: Frame }> {
  const cpu = cpuEngine();
  return { cpu, source: await cpu.noise(WIDTH, HEIGHT, 7) };
}

/** The WebGPU engine, or why there is none. */
export async function openWebGpu(): Promise<{ engine: Engine & { readonly adapter: string }; why: null } | { engine: null; why: string }> {
  try {
    return { engine: await createWebGpuEngine(), why: null };
  } catch (e) {
    return { engine: null, why: e instanceof Error ? e.message : String(e) };
  }
}
