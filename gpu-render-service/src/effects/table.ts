/**
 * The effect table: the one place that knows each effect — its kind, its
 * parameters (types, defaults, ranges) and its exact formula. Both engines
 * (engines/cpu.ts, engines/webgpu.ts) implement these formulas and agree
 * within ±1 per channel; the recipe language reads the parameter schemas;
 * the README quotes the docs.
 *
 * Conventions every formula below uses:
 * - Channels are the stored 8-bit values R, G, B, A (0–255), straight alpha,
 *   no linearisation. `W`, `H` are the frame's width and height; pixel
 *   (x, y) has its centre at p = (x + 0.5, y + 0.5); c = (W / 2, H / 2).
 * - `q(v) = clamp(floor(v + 0.5 + 1/1024), 0, 255)`: round half up (a result
 *   within 1/1024 below a half counting as the half, so float32 on the GPU
 *   and float64 on the CPU round alike), then clamp. Every effect's output
 *   is q(...) of its float result, so a chain is 8 bits between effects.
 * - Luma (Rec. 709 weights on the stored values): `Y = (2126 R + 7152 G + 722 B) / 10000`.
 * - Per-pixel effects leave A unchanged unless the doc says otherwise.
 * - A remap maps an output pixel's centre p to a source position s and
 *   samples the input there BILINEARLY (all four channels, straight alpha)
 *   with edge clamping: with (u, v) = s − (0.5, 0.5), i = floor(u), j =
 *   floor(v), fx = u − i, fy = v − j, taps at (clamp(i, 0, W−1), clamp(j, 0, H−1))
 *   and their +1 neighbours, `out = q(lerp(lerp(t00, t10, fx), lerp(t01, t11, fx), fy))`.
 *   A run of consecutive remaps composes its coordinate maps (the last
 *   remap's map applied to p first) and samples ONCE; remaps separated by a
 *   per-pixel effect sample separately (see fuse.ts).
 * - Neighbourhood effects read outside the frame by clamping to the edge.
 * - `hash(x, y, seed) = mix(x ^ mix(y ^ mix(seed)))` on unsigned 32-bit
 *   integers, `mix(h)`: h ^= h >> 16; h *= 0x7feb352d; h ^= h >> 15;
 *   h *= 0x846ca68b; h ^= h >> 16 (multiplications modulo 2^32).
 * - Angles are degrees; rotations are clockwise on screen (y points down).
 */

export interface ParamSpec {
  readonly name: string;
  readonly type: "number" | "int" | "color" | "enum";
  /** The value when the parameter is not given; none: it must be given. */
  readonly default?: number | string;
  readonly min?: number;
  readonly max?: number;
  /** An enum's values. */
  readonly values?: readonly string[];
}

export type EffectKind = "pixel" | "remap" | "neighbourhood";

export interface EffectSpec {
  readonly name: string;
  /** pixel: out(x, y) from in(x, y) alone; remap: from in at a moved position; neighbourhood: from a window (own passes). */
  readonly kind: EffectKind;
  readonly params: readonly ParamSpec[];
  /** What it does, with its exact formula. */
  readonly doc: string;
  /** GPU passes a neighbourhood effect takes (blur is separable: 2). Pixel and remap effects fuse. */
  readonly passes?: number;
}

/** A composition operation or source on the Engine (not an `fx`): its parameters and exact formula. */
export interface OperationSpec {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  readonly doc: string;
}

const U32_MAX = 4294967295;

const amount = (def: number, min: number, max: number): ParamSpec => ({ name: "amount", type: "number", default: def, min, max });
const degrees = (def: number): ParamSpec => ({ name: "degrees", type: "number", default: def, min: -1e6, max: 1e6 });
const axis: ParamSpec = { name: "axis", type: "enum", default: "x", values: ["x", "y"] };
const size = (name: string): ParamSpec => ({ name, type: "int", min: 1, max: 16384 });

const effects: readonly EffectSpec[] = [
  // ---- per-pixel ----
  { name: "invert", kind: "pixel", params: [], doc: "R' = 255 − R, G' = 255 − G, B' = 255 − B; A kept." },
  {
    name: "grayscale",
    kind: "pixel",
    params: [],
    doc: "Rec. 709 luma on the stored 8-bit values, no linearisation: R' = G' = B' = 0.2126 R + 0.7152 G + 0.0722 B rounded half up, computed exactly in integers as floor((2126 R + 7152 G + 722 B + 5000) / 10000); A kept.",
  },
  {
    name: "sepia",
    kind: "pixel",
    params: [amount(1, 0, 1)],
    doc: "S_R = 0.393 R + 0.769 G + 0.189 B, S_G = 0.349 R + 0.686 G + 0.168 B, S_B = 0.272 R + 0.534 G + 0.131 B; R' = q(R + (S_R − R) · amount), likewise G, B; A kept.",
  },
  {
    name: "brightness",
    kind: "pixel",
    params: [amount(0, -1, 1)],
    doc: "R' = q(R + amount · 255), likewise G, B (so it clamps at 0 and 255); A kept.",
  },
  {
    name: "contrast",
    kind: "pixel",
    params: [amount(1, 0, 10)],
    doc: "Around mid-grey: R' = q((R − 127.5) · amount + 127.5), likewise G, B; amount 1 is no change, 0 is flat grey (128); A kept.",
  },
  {
    name: "saturation",
    kind: "pixel",
    params: [amount(1, 0, 10)],
    doc: "Y = 0.2126 R + 0.7152 G + 0.0722 B (unrounded); R' = q(Y + (R − Y) · amount), likewise G, B; amount 0 is grey, 1 no change; A kept.",
  },
  {
    name: "gamma",
    kind: "pixel",
    params: [{ name: "gamma", type: "number", default: 1, min: 0.01, max: 10 }],
    doc: "R' = q(255 · (R / 255)^(1 / gamma)), likewise G, B; gamma > 1 brightens the mid-tones; A kept.",
  },
  {
    name: "hue-shift",
    kind: "pixel",
    params: [degrees(0)],
    doc:
      "The CSS filter hue-rotate matrix, θ = degrees: M = L + cos θ · C + sin θ · S with rows " +
      "L = [0.213 0.715 0.072] (all three rows), C = [0.787 −0.715 −0.072; −0.213 0.285 −0.072; −0.213 −0.715 0.928], " +
      "S = [−0.213 −0.715 0.928; 0.143 0.140 −0.283; −0.787 0.715 0.072]; [R' G' B'] = q(M · [R G B]); A kept.",
  },
  {
    name: "posterize",
    kind: "pixel",
    params: [{ name: "levels", type: "int", default: 4, min: 2, max: 256 }],
    doc: "n = levels: k = round(R · (n − 1) / 255), R' = round(k · 255 / (n − 1)), both round half up (exact, in integers), likewise G, B; A kept.",
  },
  {
    name: "threshold",
    kind: "pixel",
    params: [{ name: "level", type: "int", default: 128, min: 0, max: 255 }],
    doc: "Luma Y = 0.2126 R + 0.7152 G + 0.0722 B (exact: 2126 R + 7152 G + 722 B >= level · 10000): Y >= level gives white (255, 255, 255), else black (0, 0, 0); A kept.",
  },
  {
    name: "vignette",
    kind: "pixel",
    params: [amount(0.5, 0, 1)],
    doc: "d² = |p − c|² / |c|² (0 at the centre, 1 at the corners); f = 1 − amount · d²; R' = q(R · f), likewise G, B; A kept.",
  },
  {
    name: "scanlines",
    kind: "pixel",
    params: [{ name: "spacing", type: "int", default: 2, min: 1, max: 16384 }, amount(0.5, 0, 1)],
    doc: "Rows with y mod spacing = spacing − 1 (every second row at spacing 2: 1, 3, 5...) are darkened: R' = q(R · (1 − amount)), likewise G, B; other rows unchanged; A kept.",
  },
  {
    name: "grain",
    kind: "pixel",
    params: [{ name: "seed", type: "int", default: 0, min: 0, max: U32_MAX }, amount(0.1, 0, 1)],
    doc: "Monochrome noise: g = ((hash(x, y, seed) & 255) − 127.5) / 127.5 (in [−1, 1]); R' = q(R + g · amount · 255), likewise G, B with the same g; A kept.",
  },
  // ---- remaps (bilinear sample at s, edge clamped) ----
  {
    name: "flip",
    kind: "remap",
    params: [axis],
    doc: 'Mirror: axis "x" mirrors left–right, s = (W − p.x, p.y); axis "y" mirrors top–bottom, s = (p.x, H − p.y). Lands on pixel centres: exact.',
  },
  {
    name: "rotate",
    kind: "remap",
    params: [degrees(0)],
    doc: "Rotates the picture clockwise by θ = degrees about the centre: with d = p − c, s = c + (cos θ · d.x + sin θ · d.y, −sin θ · d.x + cos θ · d.y); outside the frame the edge is clamped.",
  },
  {
    name: "zoom",
    kind: "remap",
    params: [{ name: "factor", type: "number", default: 1, min: 0.01, max: 100 }],
    doc: "Magnifies about the centre: s = c + (p − c) / factor (factor < 1 shrinks, the edges clamped).",
  },
  {
    name: "pixelate",
    kind: "remap",
    params: [{ name: "size", type: "int", default: 8, min: 1, max: 16384 }],
    doc: "Blocks of size × size from the top-left, each the colour of its middle pixel: s = (floor(p.x / size) · size + floor(size / 2) + 0.5, likewise y) (a pixel centre, so exact; clamped at the last row and column).",
  },
  {
    name: "wave",
    kind: "remap",
    params: [
      { name: "amplitude", type: "number", default: 4, min: -16384, max: 16384 },
      { name: "wavelength", type: "number", default: 32, min: 1, max: 1e6 },
      { name: "phase", type: "number", default: 0, min: -1e6, max: 1e6 },
      axis,
    ],
    doc: 'A sine displacement in pixels, phase in degrees: axis "x" shifts rows, s = (p.x + amplitude · sin(2π p.y / wavelength + phase°), p.y); axis "y" shifts columns, s = (p.x, p.y + amplitude · sin(2π p.x / wavelength + phase°)).',
  },
  {
    name: "swirl",
    kind: "remap",
    params: [degrees(90), { name: "radius", type: "number", default: 0, min: 0, max: 1e6 }],
    doc: "Twists about the centre: R = radius, or min(W, H) / 2 when radius is 0; d = p − c, r = |d|; inside r < R the angle a = degrees° · (1 − r / R)², s = c + (cos a · d.x + sin a · d.y, −sin a · d.x + cos a · d.y); outside s = p.",
  },
  {
    name: "kaleidoscope",
    kind: "remap",
    params: [{ name: "segments", type: "int", default: 6, min: 1, max: 64 }, degrees(0)],
    doc: "Mirrored wedges about the centre: d = p − c, r = |d|, φ = atan2(d.y, d.x) − o (o = degrees°), w = 2π / segments, m = φ mod w (in [0, w)), m' = min(m, w − m); s = c + r · (cos(m' + o), sin(m' + o)).",
  },
  {
    name: "rgb-split",
    kind: "remap",
    params: [{ name: "offset", type: "number", default: 4, min: -16384, max: 16384 }, degrees(0)],
    doc: "Chromatic aberration: o = offset · (cos θ, sin θ) pixels, θ = degrees; R' is R sampled at p + o, G' and A' from the sample at p, B' is B sampled at p − o (each a bilinear sample, after any later remap's map).",
  },
  // ---- neighbourhood (own passes, edges clamped) ----
  {
    name: "blur",
    kind: "neighbourhood",
    passes: 2,
    params: [{ name: "radius", type: "int", default: 2, min: 0, max: 64 }],
    doc: "Separable Gaussian, r = radius, σ = r / 2: weights w_k = exp(−k² / (2σ²)) for k = −r..r, normalised to sum 1; horizontal pass H = q(Σ w_k · in(x + k, y)), then vertical pass out = q(Σ w_k · H(x, y + k)); all four channels; radius 0 copies.",
  },
  {
    name: "sharpen",
    kind: "neighbourhood",
    passes: 1,
    params: [amount(1, 0, 10)],
    doc: "Laplacian sharpening: R' = q(R + amount · (4 R − R_left − R_right − R_up − R_down)), likewise G, B; A kept.",
  },
  {
    name: "edge-detect",
    kind: "neighbourhood",
    passes: 1,
    params: [],
    doc: "Sobel on luma Y = 0.2126 R + 0.7152 G + 0.0722 B (unrounded): gx = [−1 0 1; −2 0 2; −1 0 1] ∗ Y, gy = [−1 −2 −1; 0 0 0; 1 2 1] ∗ Y; R' = G' = B' = q(sqrt(gx² + gy²)); A kept.",
  },
  {
    name: "emboss",
    kind: "neighbourhood",
    passes: 1,
    params: [],
    doc: "Per channel R, G, B the 3×3 kernel [−2 −1 0; −1 1 1; 0 1 2] (rows top to bottom; weights sum 1): R' = q(Σ k · R); A kept.",
  },
  {
    name: "bloom",
    kind: "neighbourhood",
    passes: 2,
    params: [
      { name: "threshold", type: "int", default: 200, min: 0, max: 255 },
      { name: "radius", type: "int", default: 4, min: 0, max: 64 },
      amount(1, 0, 10),
    ],
    doc: "Bright parts glow: bright(x, y) = (R, G, B) where 2126 R + 7152 G + 722 B >= threshold · 10000, else (0, 0, 0); the blur weights of :radius; pass 1 B1 = q(Σ w_k · bright(x + k, y)); pass 2 R' = q(R + amount · Σ w_k · B1_R(x, y + k)) (the vertical sum unrounded), likewise G, B; A kept.",
  },
];

/** Every effect by name. */
export const EFFECTS: ReadonlyMap<string, EffectSpec> = new Map(effects.map((e) => [e.name, e]));

const dims: readonly ParamSpec[] = [size("width"), size("height")];

const operations: readonly OperationSpec[] = [
  { name: "solid", params: [...dims, { name: "color", type: "color" }], doc: "Every pixel (R, G, B, 255) of :color." },
  {
    name: "gradient",
    params: [...dims, { name: "from", type: "color" }, { name: "to", type: "color" }],
    doc: "Horizontal: column x gets from + (to − from) · x / (W − 1) per channel, rounded half up (exactly, in integers); W = 1 gives :from; A = 255.",
  },
  {
    name: "noise",
    params: [...dims, { name: "seed", type: "int", default: 0, min: 0, max: U32_MAX }],
    doc: "n = hash(x, y, seed): R = n & 255, G = (n >> 8) & 255, B = (n >> 16) & 255, A = 255.",
  },
  {
    name: "blend",
    params: [
      { name: "mode", type: "enum", default: "normal", values: ["normal", "multiply", "screen", "overlay", "add", "difference"] },
      { name: "opacity", type: "number", default: 1, min: 0, max: 1 },
    ],
    doc:
      "`a` (source) over `b` (backdrop), at b's size, a's pixel (x, y) over b's (transparent where a is smaller). " +
      "Per channel s = a/255, d = b/255, mode B(d, s): normal s; multiply s·d; screen s + d − s·d; " +
      "overlay 2·s·d if b <= 127 else 1 − 2·(1 − s)·(1 − d); add min(1, s + d); difference |s − d|. " +
      "W3C compositing with αs = A_a/255 · opacity, αb = A_b/255: αo = αs + αb·(1 − αs); " +
      "co = αs·(1 − αb)·s + αs·αb·B(d, s) + (1 − αs)·αb·d; out = q(255 · co / αo) per channel (0 where αo = 0), A' = q(255 · αo).",
  },
  {
    name: "layer",
    params: [],
    doc: "Frames composited in order, each later one blended over the result so far with mode normal and opacity 1 (the blend formula), at the first frame's size.",
  },
  {
    name: "resize",
    params: [...dims, { name: "fit", type: "enum", default: "fill", values: ["contain", "cover", "fill"] }],
    doc:
      "To W × H from w × h: fill k = (W/w, H/h); contain k = min(W/w, H/h) on both axes; cover k = max(W/w, H/h). " +
      "Content size (cw, ch) = (round(w · kx), round(h · ky)) (at least 1), origin o = (floor((W − cw) / 2), floor((H − ch) / 2)) " +
      "(negative for cover: cropped centrally). Pixel (x, y) with o.x <= x < o.x + cw and o.y <= y < o.y + ch is the bilinear sample at " +
      "s = (p − o) · (w / cw, h / ch) (edge clamped); outside (contain's bars) it is transparent (0, 0, 0, 0).",
  },
  {
    name: "crop",
    params: [
      { name: "x", type: "int", default: 0, min: 0, max: 16384 },
      { name: "y", type: "int", default: 0, min: 0, max: 16384 },
      size("width"),
      size("height"),
    ],
    doc: "The width × height rectangle whose top-left is (x, y), copied exactly; the rectangle must lie inside the frame.",
  },
];

/** The sources and composition operations (Engine methods other than `chain`), by name. */
export const OPERATIONS: ReadonlyMap<string, OperationSpec> = new Map(operations.map((o) => [o.name, o]));
