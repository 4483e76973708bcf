/**
 * The numeric pieces the effect formulas share, host side: rounding, the
 * hash, and the constants derived from parameters (hue matrix, Gaussian
 * weights) that both engines take from here — the WebGPU engine passes them
 * to its shaders as uniforms, so trigonometry of parameters is done once, in
 * double precision, for both.
 */

/**
 * The rounding bias: a result within 1/1024 below a half rounds up as the
 * half does. Float32 (the GPU) and float64 (the CPU) land a hair either side
 * of an exact half (e.g. contrast 1.2 of 25: (25 − 127.5) · 1.2 + 127.5 = 4.5,
 * 4.4999951 in float32); the bias puts both on the same side, so the engines
 * agree exactly except on results that lie within float error of x.499.
 */
export const ROUND_BIAS = 1 / 1024;

/** q(v) = clamp(floor(v + 0.5 + 1/1024), 0, 255): the one rounding every effect uses (round half up). */
export function q(v: number): number {
  const r = Math.floor(v + 0.5 + ROUND_BIAS);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** The 32-bit integer mixer behind `hash` (lowbias32). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** hash(x, y, seed) = mix(x ^ mix(y ^ mix(seed))): noise and grain. */
export function hash(x: number, y: number, seed: number): number {
  return mix32(x ^ mix32(y ^ mix32(seed)));
}

export const RAD = Math.PI / 180;

/** The CSS hue-rotate matrix for `degrees`, row-major (9 numbers). */
export function hueMatrix(degrees: number): number[] {
  const c = Math.cos(degrees * RAD);
  const s = Math.sin(degrees * RAD);
  return [
    0.213 + c * 0.787 - s * 0.213,
    0.715 - c * 0.715 - s * 0.715,
    0.072 - c * 0.072 + s * 0.928,
    0.213 - c * 0.213 + s * 0.143,
    0.715 + c * 0.285 + s * 0.14,
    0.072 - c * 0.072 - s * 0.283,
    0.213 - c * 0.213 - s * 0.787,
    0.715 - c * 0.715 + s * 0.715,
    0.072 + c * 0.928 + s * 0.072,
  ];
}

/** Gaussian weights w_0..w_r (w_-k = w_k), σ = r / 2, normalised so Σ_{k=-r..r} = 1; r = 0 gives [1]. */
export function gaussianWeights(radius: number): number[] {
  if (radius <= 0) return [1];
  const sigma = radius / 2;
  const w = Array.from({ length: radius + 1 }, (_, k) => Math.exp(-(k * k) / (2 * sigma * sigma)));
  const sum = w[0]! + 2 * w.slice(1).reduce((a, b) => a + b, 0);
  return w.map((x) => x / sum);
}
