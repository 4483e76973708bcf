/**
 * WGSL for the WebGPU engine: the fused-chain kernel generated from a
 * stage's groups (effects/fuse.ts), the static kernels of the neighbourhood
 * effects, sources and composition operations, and the packing of every
 * parameter into the uniform buffer.
 *
 * Every kernel has the same bindings: 0 `src` (read storage, u32 = R | G<<8 |
 * B<<16 | A<<24, i.e. the frame's bytes as they are), 1 `dst` (read_write
 * storage, same packing), 2 `U` (uniform: `io` = output width, height, src
 * width, src height; `ex` = four more words; `p` = the parameters), 3 `src2`
 * (a second read input: blend's backdrop, bloom's original). A generated
 * kernel's text depends only on the effects' names and order (each effect's
 * parameters sit at word offsets baked into the text), never on parameter
 * values, so a pipeline cached by its text is reused for any values.
 */
import type { Group, Stage } from "../effects/fuse.ts";
import { gaussianWeights, hueMatrix, RAD, ROUND_BIAS } from "../effects/math.ts";
import { num, str, type ResolvedCall } from "../effects/resolve.ts";

/** Parameter words for the uniform buffer: f32 or u32 values, four to a vec4. */
export class Words {
  private readonly f: number[] = [];
  private readonly kinds: ("f" | "u")[] = [];
  get length(): number {
    return this.f.length;
  }
  float(v: number): this {
    this.f.push(v);
    this.kinds.push("f");
    return this;
  }
  uint(v: number): this {
    this.f.push(v >>> 0);
    this.kinds.push("u");
    return this;
  }
  /** The uniform buffer: io (4 words), ex (4 words), then the parameters padded to whole vec4s (at least one). */
  bytes(io: readonly number[], ex: readonly number[] = [0, 0, 0, 0], minVec4s = 1): Uint8Array {
    const n = 8 + 4 * Math.max(minVec4s, Math.ceil(this.f.length / 4));
    const buf = new ArrayBuffer(n * 4);
    const u = new Uint32Array(buf);
    const f = new Float32Array(buf);
    for (let i = 0; i < 4; i++) u[i] = (io[i] ?? 0) >>> 0;
    for (let i = 0; i < 4; i++) u[4 + i] = (ex[i] ?? 0) | 0;
    this.f.forEach((v, i) => {
      if (this.kinds[i] === "f") f[8 + i] = v;
      else u[8 + i] = v;
    });
    return new Uint8Array(buf);
  }
  /** vec4 count of `p` in the WGSL declaration. */
  get vec4s(): number {
    return Math.max(1, Math.ceil(this.f.length / 4));
  }
}

export const WORKGROUP = 8;

function header(vec4s: number): string {
  return `struct Uniforms { io: vec4<u32>, ex: vec4<i32>, p: array<vec4<u32>, ${vec4s}> }
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> U: Uniforms;
@group(0) @binding(3) var<storage, read> src2: array<u32>;
fn pf(k: u32) -> f32 { return bitcast<f32>(U.p[k >> 2u][k & 3u]); }
fn pu(k: u32) -> u32 { return U.p[k >> 2u][k & 3u]; }
const HALF: f32 = ${0.5 + ROUND_BIAS};
fn q(v: f32) -> f32 { return clamp(floor(v + HALF), 0.0, 255.0); }
fn q3(v: vec3<f32>) -> vec3<f32> { return clamp(floor(v + vec3<f32>(HALF)), vec3<f32>(0.0), vec3<f32>(255.0)); }
fn q4(v: vec4<f32>) -> vec4<f32> { return clamp(floor(v + vec4<f32>(HALF)), vec4<f32>(0.0), vec4<f32>(255.0)); }
fn unpack(w: u32) -> vec4<f32> { return vec4<f32>(f32(w & 255u), f32((w >> 8u) & 255u), f32((w >> 16u) & 255u), f32(w >> 24u)); }
fn pack(c: vec4<f32>) -> u32 { let v = vec4<u32>(c); return v.x | (v.y << 8u) | (v.z << 16u) | (v.w << 24u); }
fn mix32(h0: u32) -> u32 { var h = h0; h ^= h >> 16u; h *= 0x7feb352du; h ^= h >> 15u; h *= 0x846ca68bu; h ^= h >> 16u; return h; }
fn hash(x: u32, y: u32, s: u32) -> u32 { return mix32(x ^ mix32(y ^ mix32(s))); }
fn lumaInt(c: vec4<f32>) -> u32 { return 2126u * u32(c.r) + 7152u * u32(c.g) + 722u * u32(c.b); }
/** src pixel (i, j), clamped to the src frame (io.zw). */
fn load(i: i32, j: i32) -> vec4<f32> {
  let w = i32(U.io.z); let h = i32(U.io.w);
  return unpack(src[u32(clamp(j, 0, h - 1) * w + clamp(i, 0, w - 1))]);
}
`;
}

function entry(body: string): string {
  return `@compute @workgroup_size(${WORKGROUP}, ${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= U.io.x || gid.y >= U.io.y) { return; }
  let i = i32(gid.x); let j = i32(gid.y);
  let o = gid.y * U.io.x + gid.x;
${body}
}
`;
}

// ---------------------------------------------------------------- per-pixel

/** Each per-pixel effect: its WGSL (c: the pixel, i/j: its position, k: its first parameter word) and its words. */
const PIXEL: Record<string, { wgsl: string; words(call: ResolvedCall, w: Words, W: number, H: number): void }> = {
  invert: { wgsl: "return vec4<f32>(255.0 - c.rgb, c.a);", words() {} },
  grayscale: { wgsl: "let y = f32((lumaInt(c) + 5000u) / 10000u); return vec4<f32>(y, y, y, c.a);", words() {} },
  sepia: {
    wgsl: `let a = pf(k);
  let s = vec3<f32>(0.393 * c.r + 0.769 * c.g + 0.189 * c.b, 0.349 * c.r + 0.686 * c.g + 0.168 * c.b, 0.272 * c.r + 0.534 * c.g + 0.131 * c.b);
  return vec4<f32>(q3(c.rgb + (s - c.rgb) * a), c.a);`,
    words: (call, w) => void w.float(num(call, "amount")),
  },
  brightness: { wgsl: "return vec4<f32>(q3(c.rgb + pf(k)), c.a);", words: (call, w) => void w.float(num(call, "amount") * 255) },
  contrast: { wgsl: "return vec4<f32>(q3((c.rgb - 127.5) * pf(k) + 127.5), c.a);", words: (call, w) => void w.float(num(call, "amount")) },
  saturation: {
    wgsl: "let y = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; return vec4<f32>(q3(y + (c.rgb - y) * pf(k)), c.a);",
    words: (call, w) => void w.float(num(call, "amount")),
  },
  gamma: {
    wgsl: "let e = pf(k); let v = c.rgb / 255.0; return vec4<f32>(q3(255.0 * select(vec3<f32>(0.0), pow(max(v, vec3<f32>(1e-30)), vec3<f32>(e)), v > vec3<f32>(0.0))), c.a);",
    words: (call, w) => void w.float(1 / num(call, "gamma")),
  },
  "hue-shift": {
    wgsl: `let r = q(pf(k) * c.r + pf(k + 1u) * c.g + pf(k + 2u) * c.b);
  let g = q(pf(k + 3u) * c.r + pf(k + 4u) * c.g + pf(k + 5u) * c.b);
  let b = q(pf(k + 6u) * c.r + pf(k + 7u) * c.g + pf(k + 8u) * c.b);
  return vec4<f32>(r, g, b, c.a);`,
    words: (call, w) => hueMatrix(num(call, "degrees")).forEach((m) => w.float(m)),
  },
  posterize: {
    wgsl: `let n1 = pu(k); let v = vec3<u32>(c.rgb);
  let l = (2u * v * n1 + 255u) / 510u;
  return vec4<f32>(vec3<f32>((510u * l + n1) / (2u * n1)), c.a);`,
    words: (call, w) => void w.uint(num(call, "levels") - 1),
  },
  threshold: { wgsl: "let y = select(0.0, 255.0, lumaInt(c) >= pu(k)); return vec4<f32>(y, y, y, c.a);", words: (call, w) => void w.uint(num(call, "level") * 10000) },
  vignette: {
    wgsl: `let d = vec2<f32>(f32(i) + 0.5 - pf(k + 1u), f32(j) + 0.5 - pf(k + 2u));
  let f = 1.0 - pf(k) * (d.x * d.x + d.y * d.y) / pf(k + 3u);
  return vec4<f32>(q3(c.rgb * f), c.a);`,
    words: (call, w, W, H) => void w.float(num(call, "amount")).float(W / 2).float(H / 2).float((W / 2) ** 2 + (H / 2) ** 2),
  },
  scanlines: {
    wgsl: "let s = pu(k); if (u32(j) % s != s - 1u) { return c; } return vec4<f32>(q3(c.rgb * pf(k + 1u)), c.a);",
    words: (call, w) => void w.uint(num(call, "spacing")).float(1 - num(call, "amount")),
  },
  grain: {
    wgsl: "let g = (f32(hash(u32(i), u32(j), pu(k)) & 255u) - 127.5) / 127.5 * pf(k + 1u); return vec4<f32>(q3(c.rgb + g), c.a);",
    words: (call, w) => void w.uint(num(call, "seed")).float(num(call, "amount") * 255),
  },
};

// ---------------------------------------------------------------- remaps

/** Each remap's coordinate map (s: position, ch: channel path, k: first word; returns the moved position) and its words. */
const REMAP: Record<string, { wgsl: string; words(call: ResolvedCall, w: Words, W: number, H: number): void }> = {
  flip: {
    wgsl: "if (pu(k) == 0u) { return vec2<f32>(pf(k + 1u) - s.x, s.y); } return vec2<f32>(s.x, pf(k + 2u) - s.y);",
    words: (call, w, W, H) => void w.uint(str(call, "axis") === "x" ? 0 : 1).float(W).float(H),
  },
  rotate: {
    wgsl: "let c = vec2<f32>(pf(k), pf(k + 1u)); let d = s - c; let cs = pf(k + 2u); let sn = pf(k + 3u); return c + vec2<f32>(cs * d.x + sn * d.y, -sn * d.x + cs * d.y);",
    words: (call, w, W, H) => void w.float(W / 2).float(H / 2).float(Math.cos(num(call, "degrees") * RAD)).float(Math.sin(num(call, "degrees") * RAD)),
  },
  zoom: {
    wgsl: "let c = vec2<f32>(pf(k), pf(k + 1u)); return c + (s - c) * pf(k + 2u);",
    words: (call, w, W, H) => void w.float(W / 2).float(H / 2).float(1 / num(call, "factor")),
  },
  pixelate: {
    wgsl: "let n = pf(k); return floor(s / n) * n + pf(k + 1u);",
    words: (call, w) => void w.float(num(call, "size")).float(Math.floor(num(call, "size") / 2) + 0.5),
  },
  wave: {
    wgsl: "let a = pf(k); let f = pf(k + 1u); let ph = pf(k + 2u); if (pu(k + 3u) == 0u) { return vec2<f32>(s.x + a * sin(f * s.y + ph), s.y); } return vec2<f32>(s.x, s.y + a * sin(f * s.x + ph));",
    words: (call, w) =>
      void w
        .float(num(call, "amplitude"))
        .float((2 * Math.PI) / num(call, "wavelength"))
        .float((((num(call, "phase") % 360) + 360) % 360) * RAD)
        .uint(str(call, "axis") === "x" ? 0 : 1),
  },
  swirl: {
    wgsl: `let c = vec2<f32>(pf(k), pf(k + 1u)); let d = s - c; let r = sqrt(d.x * d.x + d.y * d.y); let R = pf(k + 3u);
  if (r >= R) { return s; }
  let u = 1.0 - r / R; let a = pf(k + 2u) * u * u; let cs = cos(a); let sn = sin(a);
  return c + vec2<f32>(cs * d.x + sn * d.y, -sn * d.x + cs * d.y);`,
    words: (call, w, W, H) => void w.float(W / 2).float(H / 2).float(num(call, "degrees") * RAD).float(num(call, "radius") || Math.min(W, H) / 2),
  },
  kaleidoscope: {
    wgsl: `let c = vec2<f32>(pf(k), pf(k + 1u)); let d = s - c; let r = sqrt(d.x * d.x + d.y * d.y);
  let w = pf(k + 2u); let o = pf(k + 3u);
  let phi = atan2(d.y, d.x) - o; let m = phi - w * floor(phi / w); let a = min(m, w - m) + o;
  return c + r * vec2<f32>(cos(a), sin(a));`,
    words: (call, w, W, H) => void w.float(W / 2).float(H / 2).float((2 * Math.PI) / num(call, "segments")).float(num(call, "degrees") * RAD),
  },
  "rgb-split": {
    wgsl: "let o = vec2<f32>(pf(k), pf(k + 1u)); if (ch == 0u) { return s + o; } if (ch == 2u) { return s - o; } return s;",
    words: (call, w) => void w.float(num(call, "offset") * Math.cos(num(call, "degrees") * RAD)).float(num(call, "offset") * Math.sin(num(call, "degrees") * RAD)),
  },
};

/** The fused kernel of a stage: its WGSL and its parameter words for frames of W × H. */
export function fusedKernel(stage: Extract<Stage, { kind: "fused" }>, W: number, H: number): { wgsl: string; words: Words } {
  const words = new Words();
  const fns: string[] = [];
  const used = new Map<string, string>();
  const fnName = (kind: "px" | "map", name: string, body: string): string => {
    const id = `${kind}_${name.replace(/-/g, "_")}`;
    if (!used.has(id)) {
      used.set(id, id);
      fns.push(
        kind === "px"
          ? `fn ${id}(c: vec4<f32>, i: i32, j: i32, k: u32) -> vec4<f32> {\n  ${body}\n}`
          : `fn ${id}(s: vec2<f32>, ch: u32, k: u32) -> vec2<f32> {\n  ${body}\n}`,
      );
    }
    return id;
  };
  const groups: string[] = [];
  stage.groups.forEach((g: Group, gi) => {
    const prev = gi === 0 ? "load" : `group${gi - 1}`;
    const lines: string[] = [];
    if (!g.remaps.length) lines.push(`  var c = ${prev}(i, j);`);
    else {
      // Composed maps, the last remap's first; one bilinear sample per channel path.
      const maps = g.remaps.map((call) => {
        const spec = REMAP[call.spec.name]!;
        const k = words.length;
        spec.words(call, words, W, H);
        return `s = ${fnName("map", call.spec.name, spec.wgsl)}(s, ch, ${k}u);`;
      });
      const path = `fn path${gi}(p: vec2<f32>, ch: u32) -> vec2<f32> {\n  var s = p;\n  ${maps.reverse().join("\n  ")}\n  return s;\n}`;
      const bilinear = `fn sample${gi}(s: vec2<f32>) -> vec4<f32> {
  let u = s - vec2<f32>(0.5); let f = floor(u); let fx = u.x - f.x; let fy = u.y - f.y;
  let i0 = clamp(i32(f.x), 0, i32(U.io.z) - 1); let i1 = clamp(i32(f.x) + 1, 0, i32(U.io.z) - 1);
  let j0 = clamp(i32(f.y), 0, i32(U.io.w) - 1); let j1 = clamp(i32(f.y) + 1, 0, i32(U.io.w) - 1);
  let top = ${prev}(i0, j0) * (1.0 - fx) + ${prev}(i1, j0) * fx;
  let bottom = ${prev}(i0, j1) * (1.0 - fx) + ${prev}(i1, j1) * fx;
  return q4(top * (1.0 - fy) + bottom * fy);
}`;
      fns.push(path, bilinear);
      lines.push(`  let p = vec2<f32>(f32(i) + 0.5, f32(j) + 0.5);`);
      if (g.remaps.some((c) => c.spec.name === "rgb-split")) {
        lines.push(`  let sg = sample${gi}(path${gi}(p, 1u));`);
        lines.push(`  var c = vec4<f32>(sample${gi}(path${gi}(p, 0u)).r, sg.g, sample${gi}(path${gi}(p, 2u)).b, sg.a);`);
      } else lines.push(`  var c = sample${gi}(path${gi}(p, 1u));`);
    }
    for (const call of g.pixels) {
      const spec = PIXEL[call.spec.name]!;
      const k = words.length;
      spec.words(call, words, W, H);
      lines.push(`  c = ${fnName("px", call.spec.name, spec.wgsl)}(c, i, j, ${k}u);`);
    }
    groups.push(`fn group${gi}(i: i32, j: i32) -> vec4<f32> {\n${lines.join("\n")}\n  return c;\n}`);
  });
  const last = stage.groups.length - 1;
  const wgsl = header(words.vec4s) + fns.join("\n") + "\n" + groups.join("\n") + "\n" + entry(`  dst[o] = pack(group${last}(i, j));`);
  return { wgsl, words };
}

// ---------------------------------------------------------------- neighbourhood

/** vec4s of the separable kernels' parameters: 4 words and up to 65 weights (radius 64). */
export const WEIGHT_VEC4S = 18;

/** Parameter words of the separable pass: radius, channels, horizontal, bright threshold (luma·10000; 0 none), weights from word 4. */
export function separableWords(radius: number, channels: number, horizontal: boolean, threshold: number): Words {
  const w = new Words().uint(radius).uint(channels).uint(horizontal ? 1 : 0).uint(threshold);
  for (const x of gaussianWeights(radius)) w.float(x);
  return w;
}

/** One direction of a Gaussian: blur's two passes and bloom's first (bright parts only, RGB). */
export const SEPARABLE = header(WEIGHT_VEC4S) + entry(`  let r = i32(pu(0u)); let chans = pu(1u); let horiz = pu(2u) == 1u; let thr = pu(3u);
  var acc = vec4<f32>(0.0);
  for (var t = -r; t <= r; t++) {
    var c = select(load(i, j + t), load(i + t, j), horiz);
    if (thr > 0u && lumaInt(c) < thr) { c = vec4<f32>(0.0, 0.0, 0.0, c.a); }
    acc += pf(4u + u32(abs(t))) * c;
  }
  var out = q4(acc);
  if (chans == 3u) { out.a = load(i, j).a; }
  dst[o] = pack(out);`);

/** Bloom's second pass: src = the first pass (blurred bright parts), src2 = the original; words: radius, amount, weights from word 4. */
export const BLOOM_V = header(WEIGHT_VEC4S) + entry(`  let r = i32(pu(0u)); let a = pf(1u);
  var acc = vec3<f32>(0.0);
  for (var t = -r; t <= r; t++) { acc += pf(4u + u32(abs(t))) * load(i, j + t).rgb; }
  let c = unpack(src2[o]);
  dst[o] = pack(vec4<f32>(q3(c.rgb + a * acc), c.a));`);

export function bloomWords(radius: number, amount: number): Words {
  const w = new Words().uint(radius).float(amount).uint(0).uint(0);
  for (const x of gaussianWeights(radius)) w.float(x);
  return w;
}

/** The 3×3 effects; word 0 picks one: 0 sharpen (word 1 amount), 1 edge-detect, 2 emboss. */
export const NEIGHBOURHOOD3 = header(1) + `fn luma(c: vec4<f32>) -> f32 { return f32(lumaInt(c)) / 10000.0; }
` + entry(`  let mode = pu(0u); let c = load(i, j);
  if (mode == 0u) {
    let n = load(i - 1, j) + load(i + 1, j) + load(i, j - 1) + load(i, j + 1);
    dst[o] = pack(vec4<f32>(q3(c.rgb + pf(1u) * (4.0 * c.rgb - n.rgb)), c.a));
    return;
  }
  if (mode == 1u) {
    let tl = luma(load(i - 1, j - 1)); let t = luma(load(i, j - 1)); let tr = luma(load(i + 1, j - 1));
    let l = luma(load(i - 1, j)); let r = luma(load(i + 1, j));
    let bl = luma(load(i - 1, j + 1)); let b = luma(load(i, j + 1)); let br = luma(load(i + 1, j + 1));
    let gx = tr + 2.0 * r + br - tl - 2.0 * l - bl;
    let gy = bl + 2.0 * b + br - tl - 2.0 * t - tr;
    let m = q(sqrt(gx * gx + gy * gy));
    dst[o] = pack(vec4<f32>(m, m, m, c.a));
    return;
  }
  var acc = vec3<f32>(0.0);
  acc += -2.0 * load(i - 1, j - 1).rgb; acc += -1.0 * load(i, j - 1).rgb;
  acc += -1.0 * load(i - 1, j).rgb; acc += c.rgb; acc += load(i + 1, j).rgb;
  acc += load(i, j + 1).rgb; acc += 2.0 * load(i + 1, j + 1).rgb;
  dst[o] = pack(vec4<f32>(q3(acc), c.a));`);

// ---------------------------------------------------------------- sources and composition

/** Sources; word 0 picks: 0 solid (words 1-3 the colour), 1 gradient (1-3 from, 4-6 to), 2 noise (1 the seed). */
export const SOURCE = header(2) + entry(`  let mode = pu(0u);
  if (mode == 0u) { dst[o] = pack(vec4<f32>(f32(pu(1u)), f32(pu(2u)), f32(pu(3u)), 255.0)); return; }
  if (mode == 1u) {
    let n = max(1u, U.io.x - 1u); let x = gid.x;
    let c0 = vec3<u32>(pu(1u), pu(2u), pu(3u)); let c1 = vec3<u32>(pu(4u), pu(5u), pu(6u));
    let v = (2u * (c0 * (n - x) + c1 * x) + n) / (2u * n);
    dst[o] = pack(vec4<f32>(vec3<f32>(v), 255.0));
    return;
  }
  let h = hash(gid.x, gid.y, pu(1u));
  dst[o] = (h & 0xffffffu) | 0xff000000u;`);

/** Blend: src = a (source, io.zw its size), src2 = b (backdrop, the output size); word 0 the mode index, word 1 the opacity. */
export const BLEND = header(1) + entry(`  let mode = pu(0u); let opacity = pf(1u);
  let inside = gid.x < U.io.z && gid.y < U.io.w;
  var a = vec4<f32>(0.0);
  if (inside) { a = unpack(src[gid.y * U.io.z + gid.x]); }
  let b = unpack(src2[o]);
  let as_ = select(0.0, a.a / 255.0 * opacity, inside); let ab = b.a / 255.0;
  let alpha = as_ + ab * (1.0 - as_);
  let s = a.rgb / 255.0; let d = b.rgb / 255.0;
  var m = s;
  if (mode == 1u) { m = s * d; }
  else if (mode == 2u) { m = s + d - s * d; }
  else if (mode == 3u) { m = select(vec3<f32>(1.0) - 2.0 * (vec3<f32>(1.0) - s) * (vec3<f32>(1.0) - d), 2.0 * s * d, b.rgb <= vec3<f32>(127.0)); }
  else if (mode == 4u) { m = min(vec3<f32>(1.0), s + d); }
  else if (mode == 5u) { m = abs(s - d); }
  let co = as_ * (1.0 - ab) * s + as_ * ab * m + (1.0 - as_) * ab * d;
  var rgb = vec3<f32>(0.0);
  if (alpha > 0.0) { rgb = q3(255.0 * co / alpha); }
  dst[o] = pack(vec4<f32>(rgb, q(255.0 * alpha)));`);

/** Resize: ex = (content width, content height, origin x, origin y); words 0-1 the scale src/content per axis. */
export const RESIZE = header(1) + entry(`  let x = i - U.ex.z; let y = j - U.ex.w;
  if (x < 0 || y < 0 || x >= U.ex.x || y >= U.ex.y) { dst[o] = 0u; return; }
  let s = vec2<f32>((f32(x) + 0.5) * pf(0u), (f32(y) + 0.5) * pf(1u));
  let u = s - vec2<f32>(0.5); let f = floor(u); let fx = u.x - f.x; let fy = u.y - f.y;
  let i0 = i32(f.x); let j0 = i32(f.y);
  let top = load(i0, j0) * (1.0 - fx) + load(i0 + 1, j0) * fx;
  let bottom = load(i0, j0 + 1) * (1.0 - fx) + load(i0 + 1, j0 + 1) * fx;
  dst[o] = pack(q4(top * (1.0 - fy) + bottom * fy));`);

/** Crop: ex.xy = the rectangle's top-left in src. */
export const CROP = header(1) + entry(`  dst[o] = src[u32(j + U.ex.y) * U.io.z + u32(i + U.ex.x)];`);
