/**
 * Encoders round trip: PNG exactly; lossless WebP exactly (alpha > 0);
 * GIF, MP4 and WebM within their codec's tolerance (sizes, frame counts,
 * a mean error bound). And every format is deterministic: the same frames,
 * the same bytes.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { decode, decodePng, encode, encodePng, frame, type Format, type Frame } from "../src/index.ts";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;

/** A smooth test card: a gradient in x and y, a square moving with i, opaque. */
function card(w: number, h: number, i = 0): Frame {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      const inSquare = x >= 4 + i * 2 && x < 12 + i * 2 && y >= 4 && y < 12;
      data[o] = inSquare ? 250 : Math.round((x * 255) / (w - 1));
      data[o + 1] = inSquare ? 240 : Math.round((y * 255) / (h - 1));
      data[o + 2] = inSquare ? 20 : 128;
      data[o + 3] = 255;
    }
  }
  return frame(w, h, data);
}

/** Random bytes, alpha included: what only a lossless codec keeps. */
function randomFrame(w: number, h: number, seed: number): Frame {
  const data = new Uint8Array(w * h * 4);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return frame(w, h, data);
}

async function* iterate(frames: readonly Frame[]): AsyncGenerator<Frame> {
  yield* frames;
}

const encodeAll = (format: Format, frames: readonly Frame[], fps = 10) =>
  encode(format, { width: frames[0]!.width, height: frames[0]!.height, fps, count: frames.length, frames: iterate(frames) });

/** Mean absolute difference per RGB channel over all frames. */
function meanError(a: readonly Frame[], b: readonly Frame[]): number {
  let sum = 0;
  let n = 0;
  a.forEach((f, i) => {
    const g = b[i]!;
    for (let o = 0; o < f.data.length; o += 4) for (let c = 0; c < 3; c++) (sum += Math.abs(f.data[o + c]! - g.data[o + c]!)), n++;
  });
  return sum / n;
}

describe("png", () => {
  test("decoding gives the frame back exactly, alpha and all", async () => {
    const f = randomFrame(37, 23, 5);
    const bytes = await encodeAll("png", [f]);
    expect(decodePng(bytes)).toEqual(f);
    expect(await decode("png", bytes)).toEqual([f]);
    expect(encodePng(f)).toEqual(bytes);
  });

  test("one image only", async () => {
    await expect(encodeAll("png", [card(8, 8), card(8, 8)])).rejects.toThrow(/png holds one image/);
  });
});

describe("webp (lossless)", () => {
  test("a still decodes back exactly where it is not fully transparent", async () => {
    const f = randomFrame(31, 17, 9);
    const bytes = await encodeAll("webp", [f]);
    expect(Buffer.from(bytes.subarray(8, 12)).toString()).toBe("WEBP");
    const [back] = await decode("webp", bytes);
    expect([back!.width, back!.height]).toEqual([31, 17]);
    for (let o = 0; o < f.data.length; o += 4) {
      if (f.data[o + 3] === 0) expect(back!.data[o + 3]).toBe(0);
      else expect([...back!.data.subarray(o, o + 4)]).toEqual([...f.data.subarray(o, o + 4)]);
    }
    expect(await encodeAll("webp", [f])).toEqual(bytes);
  });

  test("a video is an animated WebP with every frame", async () => {
    const frames = [0, 1, 2, 3].map((i) => card(24, 16, i));
    const bytes = await encodeAll("webp", frames, 8);
    const back = await decode("webp", bytes);
    expect(back).toEqual(frames);
    expect(await encodeAll("webp", frames, 8)).toEqual(bytes);
  });
});

describe.skipIf(!hasFfmpeg)("through ffmpeg", { timeout: 60_000 }, () => {
  const frames = [0, 1, 2, 3, 4, 5].map((i) => card(32, 24, i));

  test("gif: every frame, the size, a palette's error", async () => {
    const bytes = await encodeAll("gif", frames);
    expect(Buffer.from(bytes.subarray(0, 6)).toString()).toBe("GIF89a");
    const back = await decode("gif", bytes);
    expect(back).toHaveLength(frames.length);
    expect([back[0]!.width, back[0]!.height]).toEqual([32, 24]);
    expect(meanError(frames, back)).toBeLessThan(6);
  });

  test("mp4 (H.264) and webm (VP9): every frame, the size, a small mean error", async () => {
    for (const format of ["mp4", "webm"] as const) {
      const bytes = await encodeAll(format, frames);
      const back = await decode(format, bytes);
      expect(back, format).toHaveLength(frames.length);
      expect([back[0]!.width, back[0]!.height], format).toEqual([32, 24]);
      expect(meanError(frames, back), format).toBeLessThan(6);
    }
  });

  test("deterministic: the same frames give the same bytes", async () => {
    for (const format of ["gif", "mp4", "webm"] as const) expect(await encodeAll(format, frames), format).toEqual(await encodeAll(format, frames));
  });

  test("4:2:0 video needs an even size: refused with what to do", async () => {
    await expect(encodeAll("mp4", [card(33, 24)])).rejects.toThrow("mp4 needs an even width and height (4:2:0 video), not 33x24: resize or crop it");
  });

  test("frames of two sizes are refused", async () => {
    await expect(encodeAll("gif", [card(32, 24), card(16, 16)])).rejects.toThrow(/frame 1 is 16x16, not 32x24/);
  });
});
