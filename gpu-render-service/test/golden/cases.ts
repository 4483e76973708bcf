/**
 * The golden cases: small inputs and, for every effect, composition
 * operation and source, one or more calls whose expected output is stored
 * as test/golden/NAME.png (made by make.ts with the CPU engine, reviewed
 * against hand-computed values in engines.test.ts). Both engines must
 * reproduce each: the CPU exactly, WebGPU within ±1 per channel.
 */
import type { EffectCall, Engine } from "../../src/engine.ts";
import { frame, type Frame } from "../../src/frame.ts";

export const W = 32;
export const H = 24;

/** The main input, opaque, a formula simple enough to work pixels out by hand: R = 8x, G = 11y, B = (7xy + 3x) mod 256, A = 255. */
export function inputPixel(x: number, y: number): [number, number, number, number] {
  return [8 * x, 11 * y, (7 * x * y + 3 * x) & 255, 255];
}

/** A second input with varying alpha (for blending): R = 255 − 8x, G = 5(x + y), B = 10y, A = (8x + 4y) mod 256. */
export function overlayPixel(x: number, y: number): [number, number, number, number] {
  return [255 - 8 * x, 5 * (x + y), 10 * y, (8 * x + 4 * y) & 255];
}

function make(width: number, height: number, px: (x: number, y: number) => number[]): Frame {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(px(x, y), (y * width + x) * 4);
  return frame(width, height, data);
}

export const input = (): Frame => make(W, H, inputPixel);
export const overlay = (): Frame => make(W, H, overlayPixel);
/** A half-transparent 12 × 8 sprite: R = 20x, G = 200, B = 30y, A = 160. */
export const sprite = (): Frame => make(12, 8, (x, y) => [20 * x, 200, 30 * y, 160]);

export interface GoldenCase {
  readonly name: string;
  run(e: Engine): Promise<Frame>;
}

const fx = (effect: string, params: EffectCall["params"] = {}): EffectCall => ({ effect, params });
const chain = (name: string, effects: readonly EffectCall[]): GoldenCase => ({ name, run: async (e) => (await e.chain(input(), effects)).frame });
const one = (name: string, effect: string, params: EffectCall["params"] = {}): GoldenCase => chain(name, [fx(effect, params)]);

/** Six per-pixel effects: one fused pass. */
export const PIXEL_CHAIN: readonly EffectCall[] = [
  fx("brightness", { amount: 0.1 }),
  fx("contrast", { amount: 1.3 }),
  fx("saturation", { amount: 1.4 }),
  fx("hue-shift", { degrees: 40 }),
  fx("gamma", { gamma: 1.2 }),
  fx("vignette", { amount: 0.4 }),
];

export const CASES: readonly GoldenCase[] = [
  // per-pixel
  one("invert", "invert"),
  one("grayscale", "grayscale"),
  one("sepia", "sepia", { amount: 0.8 }),
  one("brightness", "brightness", { amount: 0.3 }),
  one("brightness-down", "brightness", { amount: -0.5 }),
  one("contrast", "contrast", { amount: 1.6 }),
  one("saturation", "saturation", { amount: 1.8 }),
  one("gamma", "gamma", { gamma: 2.2 }),
  one("hue-shift", "hue-shift", { degrees: 120 }),
  one("posterize", "posterize", { levels: 3 }),
  one("threshold", "threshold", { level: 100 }),
  one("vignette", "vignette", { amount: 0.8 }),
  one("scanlines", "scanlines", { spacing: 3, amount: 0.6 }),
  one("grain", "grain", { seed: 42, amount: 0.25 }),
  // remaps
  one("flip-x", "flip", { axis: "x" }),
  one("flip-y", "flip", { axis: "y" }),
  one("rotate", "rotate", { degrees: 30 }),
  one("zoom", "zoom", { factor: 1.7 }),
  one("zoom-out", "zoom", { factor: 0.6 }),
  one("pixelate", "pixelate", { size: 5 }),
  one("wave", "wave", { amplitude: 3, wavelength: 12, phase: 45 }),
  one("wave-y", "wave", { amplitude: 2.5, wavelength: 9, axis: "y" }),
  one("swirl", "swirl", { degrees: 180 }),
  one("kaleidoscope", "kaleidoscope", { segments: 6, degrees: 15 }),
  one("rgb-split", "rgb-split", { offset: 3, degrees: 20 }),
  // neighbourhood
  one("blur", "blur", { radius: 3 }),
  one("sharpen", "sharpen", { amount: 0.8 }),
  one("edge-detect", "edge-detect"),
  one("emboss", "emboss"),
  one("bloom", "bloom", { threshold: 150, radius: 3, amount: 0.8 }),
  // chains
  chain("chain-pixel6", PIXEL_CHAIN),
  chain("chain-remap-after-pixel", [fx("grayscale"), fx("contrast", { amount: 1.5 }), fx("rotate", { degrees: -20 }), fx("zoom", { factor: 1.2 }), fx("posterize", { levels: 4 })]),
  chain("chain-mixed", [fx("sepia"), fx("wave", { amplitude: 2, wavelength: 10 }), fx("blur", { radius: 1 }), fx("pixelate", { size: 3 }), fx("rgb-split", { offset: 1.5 }), fx("threshold", { level: 90 })]),
  // four groups in one kernel: each remap after per-pixel effects reads its taps through them
  chain("chain-nested", [fx("vignette"), fx("rotate", { degrees: 10 }), fx("grain", { seed: 1 }), fx("swirl", { degrees: 60 }), fx("scanlines"), fx("kaleidoscope", { segments: 4 }), fx("invert")]),
  // sources
  { name: "solid", run: (e) => e.solid(W, H, [51, 102, 204]) },
  { name: "gradient", run: (e) => e.gradient(W, H, [0, 0, 255], [255, 100, 0]) },
  { name: "gradient-odd", run: (e) => e.gradient(7, 3, [10, 200, 30], [240, 20, 31]) },
  { name: "noise", run: (e) => e.noise(W, H, 7) },
  // composition
  ...(["normal", "multiply", "screen", "overlay", "add", "difference"] as const).map((mode) => ({
    name: `blend-${mode}`,
    run: (e: Engine) => e.blend(overlay(), input(), mode, 0.75),
  })),
  { name: "blend-alpha", run: (e) => e.blend(sprite(), overlay(), "screen", 1) },
  { name: "layer", run: (e) => e.layer([input(), overlay(), sprite()]) },
  { name: "resize-fill", run: (e) => e.resize(input(), 20, 30, "fill") },
  { name: "resize-contain", run: (e) => e.resize(input(), 40, 20, "contain") },
  { name: "resize-cover", run: (e) => e.resize(input(), 20, 20, "cover") },
  { name: "resize-down", run: (e) => e.resize(input(), 16, 16, "contain") },
  { name: "crop", run: (e) => e.crop(input(), 5, 3, 20, 15) },
];
