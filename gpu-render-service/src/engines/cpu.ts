/**
 * The CPU engine: the effect table's formulas in plain TypeScript, for
 * machines with neither a GPU nor Vulkan, and the reference the WebGPU
 * engine is tested against (within ±1 per channel).
 *
 * A fused pass runs group by group (see effects/fuse.ts), each group one
 * loop over the pixels: sample through the composed remaps (or load), then
 * every per-pixel effect on four numbers held in a scratch array — no
 * allocation per pixel. Each effect is compiled once per call into a closure
 * over its parameters.
 */
import type { BlendMode, ChainOptions, EffectCall, Engine, Fit, Pass, Rgb } from "../engine.ts";
import { frame, type Frame } from "../frame.ts";
import { stagePasses, stagesOf, type Group } from "../effects/fuse.ts";
import { gaussianWeights, hash, hueMatrix, q, RAD } from "../effects/math.ts";
import { num, str, type ResolvedCall } from "../effects/resolve.ts";
import { EngineError, checkSize } from "./errors.ts";
import { checkCrop, checkFrame, checkMode, checkOpacity, checkRgb, resizeBox } from "./geometry.ts";


/** A per-pixel effect: rewrites px = [R, G, B, A] (integers 0–255) for pixel (x, y). */
type PixelFn = (px: Float64Array, x: number, y: number) => void;
/** A remap's coordinate map: moves pt = [x, y] (pixel units) toward the source; ch is the channel path (rgb-split). */
type MapFn = (pt: Float64Array, ch: number) => void;

/**
 * The per-channel effects (R, G, B each a function of itself alone) as a
 * 256-entry table of the formula's values: the same numbers, computed once.
 */
function channelLut(call: ResolvedCall): Uint8Array {
  const lut = new Uint8Array(256);
  let f: (v: number) => number;
  switch (call.spec.name) {
    case "invert":
      f = (v) => 255 - v;
      break;
    case "brightness": {
      const add = num(call, "amount") * 255;
      f = (v) => q(v + add);
      break;
    }
    case "contrast": {
      const a = num(call, "amount");
      f = (v) => q((v - 127.5) * a + 127.5);
      break;
    }
    case "gamma": {
      const e = 1 / num(call, "gamma");
      f = (v) => q(255 * Math.pow(v / 255, e));
      break;
    }
    case "posterize": {
      const n1 = num(call, "levels") - 1;
      f = (v) => Math.floor((510 * Math.floor((2 * v * n1 + 255) / 510) + n1) / (2 * n1));
      break;
    }
    default:
      throw new Error(`not a per-channel effect: ${call.spec.name}`);
  }
  for (let v = 0; v < 256; v++) lut[v] = f(v);
  return lut;
}

/** Applies a per-channel table to R, G, B. */
function lutFn(lut: Uint8Array): PixelFn {
  const fn: PixelFn = (px) => {
    px[0] = lut[px[0]!]!;
    px[1] = lut[px[1]!]!;
    px[2] = lut[px[2]!]!;
  };
  return Object.assign(fn, { lut });
}

/** Runs of per-channel tables composed into one table (exact: each step is 8-bit). */
function composeLuts(fns: readonly PixelFn[]): PixelFn[] {
  const out: PixelFn[] = [];
  for (const f of fns) {
    const prev = out[out.length - 1] as (PixelFn & { lut?: Uint8Array }) | undefined;
    const lut = (f as PixelFn & { lut?: Uint8Array }).lut;
    if (lut && prev?.lut) {
      const both = new Uint8Array(256);
      for (let v = 0; v < 256; v++) both[v] = lut[prev.lut[v]!]!;
      out[out.length - 1] = lutFn(both);
    } else out.push(f);
  }
  return out;
}

function pixelFn(call: ResolvedCall, W: number, H: number): PixelFn {
  switch (call.spec.name) {
    case "invert":
    case "brightness":
    case "contrast":
    case "gamma":
    case "posterize":
      return lutFn(channelLut(call));
    case "grayscale":
      return (px) => {
        px[0] = px[1] = px[2] = Math.floor((2126 * px[0]! + 7152 * px[1]! + 722 * px[2]! + 5000) / 10000);
      };
    case "sepia": {
      const a = num(call, "amount");
      return (px) => {
        const r = px[0]!, g = px[1]!, b = px[2]!;
        px[0] = q(r + (0.393 * r + 0.769 * g + 0.189 * b - r) * a);
        px[1] = q(g + (0.349 * r + 0.686 * g + 0.168 * b - g) * a);
        px[2] = q(b + (0.272 * r + 0.534 * g + 0.131 * b - b) * a);
      };
    }
    case "saturation": {
      const a = num(call, "amount");
      return (px) => {
        const y = 0.2126 * px[0]! + 0.7152 * px[1]! + 0.0722 * px[2]!;
        px[0] = q(y + (px[0]! - y) * a);
        px[1] = q(y + (px[1]! - y) * a);
        px[2] = q(y + (px[2]! - y) * a);
      };
    }
    case "hue-shift": {
      const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = hueMatrix(num(call, "degrees")) as [number, number, number, number, number, number, number, number, number];
      return (px) => {
        const r = px[0]!, g = px[1]!, b = px[2]!;
        px[0] = q(m0 * r + m1 * g + m2 * b);
        px[1] = q(m3 * r + m4 * g + m5 * b);
        px[2] = q(m6 * r + m7 * g + m8 * b);
      };
    }
    case "threshold": {
      const t = num(call, "level") * 10000;
      return (px) => {
        px[0] = px[1] = px[2] = 2126 * px[0]! + 7152 * px[1]! + 722 * px[2]! >= t ? 255 : 0;
      };
    }
    case "vignette": {
      const a = num(call, "amount");
      const cx = W / 2, cy = H / 2, n = cx * cx + cy * cy;
      return (px, x, y) => {
        const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        const f = 1 - (a * (dx * dx + dy * dy)) / n;
        px[0] = q(px[0]! * f);
        px[1] = q(px[1]! * f);
        px[2] = q(px[2]! * f);
      };
    }
    case "scanlines": {
      const s = num(call, "spacing");
      const f = 1 - num(call, "amount");
      return (px, _x, y) => {
        if (y % s !== s - 1) return;
        px[0] = q(px[0]! * f);
        px[1] = q(px[1]! * f);
        px[2] = q(px[2]! * f);
      };
    }
    case "grain": {
      const seed = num(call, "seed");
      const k = num(call, "amount") * 255;
      return (px, x, y) => {
        const d = (((hash(x, y, seed) & 255) - 127.5) / 127.5) * k;
        px[0] = q(px[0]! + d);
        px[1] = q(px[1]! + d);
        px[2] = q(px[2]! + d);
      };
    }
  }
  throw new Error(`not a per-pixel effect: ${call.spec.name}`);
}

function mapFn(call: ResolvedCall, W: number, H: number): MapFn {
  const cx = W / 2, cy = H / 2;
  switch (call.spec.name) {
    case "flip":
      return str(call, "axis") === "x"
        ? (pt) => {
            pt[0] = W - pt[0]!;
          }
        : (pt) => {
            pt[1] = H - pt[1]!;
          };
    case "rotate": {
      const c = Math.cos(num(call, "degrees") * RAD), s = Math.sin(num(call, "degrees") * RAD);
      return (pt) => {
        const dx = pt[0]! - cx, dy = pt[1]! - cy;
        pt[0] = cx + c * dx + s * dy;
        pt[1] = cy - s * dx + c * dy;
      };
    }
    case "zoom": {
      const k = 1 / num(call, "factor");
      return (pt) => {
        pt[0] = cx + (pt[0]! - cx) * k;
        pt[1] = cy + (pt[1]! - cy) * k;
      };
    }
    case "pixelate": {
      const n = num(call, "size"), half = Math.floor(n / 2) + 0.5;
      return (pt) => {
        pt[0] = Math.floor(pt[0]! / n) * n + half;
        pt[1] = Math.floor(pt[1]! / n) * n + half;
      };
    }
    case "wave": {
      const a = num(call, "amplitude"), k = (2 * Math.PI) / num(call, "wavelength"), ph = (((num(call, "phase") % 360) + 360) % 360) * RAD;
      return str(call, "axis") === "x"
        ? (pt) => {
            pt[0] = pt[0]! + a * Math.sin(k * pt[1]! + ph);
          }
        : (pt) => {
            pt[1] = pt[1]! + a * Math.sin(k * pt[0]! + ph);
          };
    }
    case "swirl": {
      const t = num(call, "degrees") * RAD, R = num(call, "radius") || Math.min(W, H) / 2;
      return (pt) => {
        const dx = pt[0]! - cx, dy = pt[1]! - cy;
        const r = Math.sqrt(dx * dx + dy * dy);
        if (r >= R) return;
        const u = 1 - r / R, a = t * u * u, c = Math.cos(a), s = Math.sin(a);
        pt[0] = cx + c * dx + s * dy;
        pt[1] = cy - s * dx + c * dy;
      };
    }
    case "kaleidoscope": {
      const w = (2 * Math.PI) / num(call, "segments"), o = num(call, "degrees") * RAD;
      return (pt) => {
        const dx = pt[0]! - cx, dy = pt[1]! - cy;
        const r = Math.sqrt(dx * dx + dy * dy);
        const phi = Math.atan2(dy, dx) - o;
        const m = phi - w * Math.floor(phi / w);
        const a = Math.min(m, w - m) + o;
        pt[0] = cx + r * Math.cos(a);
        pt[1] = cy + r * Math.sin(a);
      };
    }
    case "rgb-split": {
      const d = num(call, "offset"), ox = d * Math.cos(num(call, "degrees") * RAD), oy = d * Math.sin(num(call, "degrees") * RAD);
      return (pt, ch) => {
        if (ch === 0) {
          pt[0] = pt[0]! + ox;
          pt[1] = pt[1]! + oy;
        } else if (ch === 2) {
          pt[0] = pt[0]! - ox;
          pt[1] = pt[1]! - oy;
        }
      };
    }
  }
  throw new Error(`not a remap: ${call.spec.name}`);
}

/** Bilinear sample of src (W × H) at pixel-space (sx, sy), edges clamped, unrounded, into out[0..3]. */
function bilinear(src: Uint8Array, W: number, H: number, sx: number, sy: number, out: Float64Array): void {
  const u = sx - 0.5, v = sy - 0.5;
  const i = Math.floor(u), j = Math.floor(v);
  const fx = u - i, fy = v - j;
  const i0 = i < 0 ? 0 : i > W - 1 ? W - 1 : i, i1 = i + 1 < 0 ? 0 : i + 1 > W - 1 ? W - 1 : i + 1;
  const j0 = j < 0 ? 0 : j > H - 1 ? H - 1 : j, j1 = j + 1 < 0 ? 0 : j + 1 > H - 1 ? H - 1 : j + 1;
  const a = (j0 * W + i0) * 4, b = (j0 * W + i1) * 4, c = (j1 * W + i0) * 4, d = (j1 * W + i1) * 4;
  for (let k = 0; k < 4; k++) {
    const top = src[a + k]! * (1 - fx) + src[b + k]! * fx;
    const bottom = src[c + k]! * (1 - fx) + src[d + k]! * fx;
    out[k] = top * (1 - fy) + bottom * fy;
  }
}

/** One group of a fused pass over the whole frame: sample through its composed remaps (or load), then its pixel effects. */
function runGroup(src: Uint8Array, W: number, H: number, group: Group): Uint8Array {
  const dst = new Uint8Array(src.length);
  const maps = group.remaps.map((c) => mapFn(c, W, H)).reverse();
  const pixels = composeLuts(group.pixels.map((c) => pixelFn(c, W, H)));
  const split = group.remaps.some((c) => c.spec.name === "rgb-split");
  const px = new Float64Array(4), pt = new Float64Array(2), s = new Float64Array(4);
  for (let y = 0, o = 0; y < H; y++) {
    for (let x = 0; x < W; x++, o += 4) {
      if (!maps.length) {
        px[0] = src[o]!;
        px[1] = src[o + 1]!;
        px[2] = src[o + 2]!;
        px[3] = src[o + 3]!;
      } else if (!split) {
        pt[0] = x + 0.5;
        pt[1] = y + 0.5;
        for (const m of maps) m(pt, 1);
        bilinear(src, W, H, pt[0]!, pt[1]!, s);
        px[0] = q(s[0]!);
        px[1] = q(s[1]!);
        px[2] = q(s[2]!);
        px[3] = q(s[3]!);
      } else {
        for (let ch = 0; ch < 3; ch++) {
          pt[0] = x + 0.5;
          pt[1] = y + 0.5;
          for (const m of maps) m(pt, ch);
          bilinear(src, W, H, pt[0]!, pt[1]!, s);
          px[ch] = q(s[ch]!);
          if (ch === 1) px[3] = q(s[3]!);
        }
      }
      for (const f of pixels) f(px, x, y);
      dst[o] = px[0]!;
      dst[o + 1] = px[1]!;
      dst[o + 2] = px[2]!;
      dst[o + 3] = px[3]!;
    }
  }
  return dst;
}

/** A separable pass: out = q(Σ w_|k| · tap(x + k·dx, y + k·dy)) per channel in `channels`, others copied. */
function convolve1d(src: Uint8Array, W: number, H: number, w: readonly number[], horizontal: boolean, channels: number, pre?: (src: Uint8Array, o: number, k: number) => number): Uint8Array {
  const dst = new Uint8Array(src.length);
  const r = w.length - 1;
  for (let y = 0, o = 0; y < H; y++) {
    for (let x = 0; x < W; x++, o += 4) {
      for (let ch = 0; ch < 4; ch++) {
        if (ch >= channels) {
          dst[o + ch] = src[o + ch]!;
          continue;
        }
        let acc = 0;
        for (let k = -r; k <= r; k++) {
          const tx = horizontal ? Math.min(W - 1, Math.max(0, x + k)) : x;
          const ty = horizontal ? y : Math.min(H - 1, Math.max(0, y + k));
          const t = (ty * W + tx) * 4;
          acc += w[k < 0 ? -k : k]! * (pre ? pre(src, t, ch) : src[t + ch]!);
        }
        dst[o + ch] = q(acc);
      }
    }
  }
  return dst;
}

/** A neighbourhood effect over the whole frame: blur and bloom as separable passes, the 3×3 ones directly; edges clamped. */
function runNeighbourhood(call: ResolvedCall, src: Uint8Array, W: number, H: number): Uint8Array {
  const name = call.spec.name;
  if (name === "blur") {
    const w = gaussianWeights(num(call, "radius"));
    return convolve1d(convolve1d(src, W, H, w, true, 4), W, H, w, false, 4);
  }
  if (name === "bloom") {
    const w = gaussianWeights(num(call, "radius"));
    const t = num(call, "threshold") * 10000, a = num(call, "amount");
    const bright = (s: Uint8Array, o: number, ch: number): number => (2126 * s[o]! + 7152 * s[o + 1]! + 722 * s[o + 2]! >= t ? s[o + ch]! : 0);
    const b1 = convolve1d(src, W, H, w, true, 3, bright);
    const dst = new Uint8Array(src.length);
    const r = w.length - 1;
    for (let y = 0, o = 0; y < H; y++) {
      for (let x = 0; x < W; x++, o += 4) {
        for (let ch = 0; ch < 3; ch++) {
          let acc = 0;
          for (let k = -r; k <= r; k++) acc += w[k < 0 ? -k : k]! * b1[(Math.min(H - 1, Math.max(0, y + k)) * W + x) * 4 + ch]!;
          dst[o + ch] = q(src[o + ch]! + a * acc);
        }
        dst[o + 3] = src[o + 3]!;
      }
    }
    return dst;
  }
  const dst = new Uint8Array(src.length);
  const at = (x: number, y: number, dx: number, dy: number): number => (Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))) * 4;
  const luma = (o: number): number => (2126 * src[o]! + 7152 * src[o + 1]! + 722 * src[o + 2]!) / 10000;
  const amount = name === "sharpen" ? num(call, "amount") : 0;
  const EMBOSS = [-2, -1, 0, -1, 1, 1, 0, 1, 2];
  for (let y = 0, o = 0; y < H; y++) {
    for (let x = 0; x < W; x++, o += 4) {
      if (name === "sharpen") {
        const l = at(x, y, -1, 0), r = at(x, y, 1, 0), u = at(x, y, 0, -1), d = at(x, y, 0, 1);
        for (let ch = 0; ch < 3; ch++) {
          const c = src[o + ch]!;
          dst[o + ch] = q(c + amount * (4 * c - src[l + ch]! - src[r + ch]! - src[u + ch]! - src[d + ch]!));
        }
      } else if (name === "edge-detect") {
        const n = (dx: number, dy: number): number => luma(at(x, y, dx, dy));
        const tl = n(-1, -1), t = n(0, -1), tr = n(1, -1), l = n(-1, 0), r = n(1, 0), bl = n(-1, 1), b = n(0, 1), br = n(1, 1);
        const gx = tr + 2 * r + br - tl - 2 * l - bl;
        const gy = bl + 2 * b + br - tl - 2 * t - tr;
        dst[o] = dst[o + 1] = dst[o + 2] = q(Math.sqrt(gx * gx + gy * gy));
      } else if (name === "emboss") {
        for (let ch = 0; ch < 3; ch++) {
          let acc = 0;
          for (let k = 0; k < 9; k++) acc += EMBOSS[k]! * src[at(x, y, (k % 3) - 1, Math.floor(k / 3) - 1) + ch]!;
          dst[o + ch] = q(acc);
        }
      } else throw new Error(`not a neighbourhood effect: ${name}`);
      dst[o + 3] = src[o + 3]!;
    }
  }
  return dst;
}

/** The blend formula (OPERATIONS "blend") for one pixel: a's (source) channels over b's, written to out at o. */
function blendPixel(a: Uint8Array, ao: number, aIn: boolean, b: Uint8Array, bo: number, mode: number, opacity: number, out: Uint8Array, o: number): void {
  const as = aIn ? (a[ao + 3]! / 255) * opacity : 0;
  const ab = b[bo + 3]! / 255;
  const alpha = as + ab * (1 - as);
  for (let ch = 0; ch < 3; ch++) {
    const s = aIn ? a[ao + ch]! / 255 : 0, d = b[bo + ch]! / 255;
    let m: number;
    switch (mode) {
      case 1: m = s * d; break;
      case 2: m = s + d - s * d; break;
      case 3: m = b[bo + ch]! <= 127 ? 2 * s * d : 1 - 2 * (1 - s) * (1 - d); break;
      case 4: m = Math.min(1, s + d); break;
      case 5: m = Math.abs(s - d); break;
      default: m = s;
    }
    const co = as * (1 - ab) * s + as * ab * m + (1 - as) * ab * d;
    out[o + ch] = alpha > 0 ? q((255 * co) / alpha) : 0;
  }
  out[o + 3] = q(255 * alpha);
}

function blendFrames(a: Frame, b: Frame, mode: number, opacity: number): Frame {
  const out = new Uint8Array(b.data.length);
  for (let y = 0, o = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++, o += 4) {
      const inside = x < a.width && y < a.height;
      blendPixel(a.data, inside ? (y * a.width + x) * 4 : 0, inside, b.data, o, mode, opacity, out, o);
    }
  }
  return frame(b.width, b.height, out);
}

export class CpuEngine implements Engine {
  readonly name = "cpu" as const;

  async solid(width: number, height: number, color: Rgb): Promise<Frame> {
    checkSize(width, height);
    checkRgb(color);
    const data = new Uint8Array(width * height * 4);
    for (let o = 0; o < data.length; o += 4) {
      data[o] = color[0];
      data[o + 1] = color[1];
      data[o + 2] = color[2];
      data[o + 3] = 255;
    }
    return frame(width, height, data);
  }

  async gradient(width: number, height: number, from: Rgb, to: Rgb): Promise<Frame> {
    checkSize(width, height);
    checkRgb(from);
    checkRgb(to);
    const n = Math.max(1, width - 1);
    const row = new Uint8Array(width * 4);
    for (let x = 0; x < width; x++) {
      // round half up of from + (to - from) * x / n, exactly: floor((2 (from n + (to - from) x) + n) / 2n)
      for (let ch = 0; ch < 3; ch++) row[x * 4 + ch] = Math.floor((2 * (from[ch]! * n + (to[ch]! - from[ch]!) * x) + n) / (2 * n));
      row[x * 4 + 3] = 255;
    }
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) data.set(row, y * width * 4);
    return frame(width, height, data);
  }

  async noise(width: number, height: number, seed: number): Promise<Frame> {
    checkSize(width, height);
    const data = new Uint8Array(width * height * 4);
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++, o += 4) {
        const h = hash(x, y, seed >>> 0);
        data[o] = h & 255;
        data[o + 1] = (h >>> 8) & 255;
        data[o + 2] = (h >>> 16) & 255;
        data[o + 3] = 255;
      }
    }
    return frame(width, height, data);
  }

  async chain(input: Frame, effects: readonly EffectCall[], options: ChainOptions = {}): Promise<{ frame: Frame; passes: readonly Pass[] }> {
    checkFrame(input, "chain input");
    const { width: W, height: H } = input;
    let data = input.data;
    const passes: Pass[] = [];
    for (const stage of stagesOf(effects, options.fuse ?? true)) {
      if (stage.kind === "fused") for (const g of stage.groups) data = runGroup(data, W, H, g);
      else data = runNeighbourhood(stage.call, data, W, H);
      passes.push(...stagePasses(stage));
    }
    return { frame: frame(W, H, data === input.data ? data.slice() : data), passes };
  }

  async blend(a: Frame, b: Frame, mode: BlendMode, opacity: number): Promise<Frame> {
    checkFrame(a, "blend source");
    checkFrame(b, "blend backdrop");
    checkOpacity(opacity);
    return blendFrames(a, b, checkMode(mode), opacity);
  }

  async layer(frames: readonly Frame[]): Promise<Frame> {
    if (!frames.length) throw new EngineError("bad-input", "layer needs at least one frame");
    frames.forEach((f, i) => checkFrame(f, `layer ${i + 1}`));
    let acc = frame(frames[0]!.width, frames[0]!.height, frames[0]!.data.slice());
    for (const f of frames.slice(1)) acc = blendFrames(f, acc, 0, 1);
    return acc;
  }

  async resize(input: Frame, width: number, height: number, fit: Fit): Promise<Frame> {
    checkFrame(input, "resize input");
    checkSize(width, height, "resize");
    const { cw, ch, ox, oy } = resizeBox(input.width, input.height, width, height, fit);
    const kx = input.width / cw, ky = input.height / ch;
    const data = new Uint8Array(width * height * 4);
    const s = new Float64Array(4);
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++, o += 4) {
        if (x < ox || x >= ox + cw || y < oy || y >= oy + ch) continue;
        bilinear(input.data, input.width, input.height, (x - ox + 0.5) * kx, (y - oy + 0.5) * ky, s);
        for (let c = 0; c < 4; c++) data[o + c] = q(s[c]!);
      }
    }
    return frame(width, height, data);
  }

  async crop(input: Frame, x: number, y: number, width: number, height: number): Promise<Frame> {
    checkFrame(input, "crop input");
    checkCrop(input, x, y, width, height);
    const data = new Uint8Array(width * height * 4);
    for (let row = 0; row < height; row++) {
      const start = ((y + row) * input.width + x) * 4;
      data.set(input.data.subarray(start, start + width * 4), row * width * 4);
    }
    return frame(width, height, data);
  }

  async dispose(): Promise<void> {}
}

export function createCpuEngine(): Engine {
  return new CpuEngine();
}

/** The same, by the name the renderer imports. */
export const cpuEngine = createCpuEngine;
