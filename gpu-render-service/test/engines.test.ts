/**
 * The pixel engines against the golden images (test/golden/*.png, made by
 * golden/make.ts with the CPU engine): the CPU engine exactly, WebGPU
 * within ±1 per channel; the goldens themselves against values worked out
 * by hand from the effect table's formulas; the fusing rule (a chain of
 * per-pixel effects is ONE pass, blur its own two); typed errors.
 *
 * WebGPU runs on whatever adapter Dawn finds (lavapipe without a GPU) and is
 * skipped, with the reason in the suite's name, only when there is none.
 */
import { mkdirSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode } from "fast-png";
import { beforeAll, describe, expect, it } from "vitest";
import type { EffectCall } from "../src/engine.ts";
import type { Frame } from "../src/frame.ts";
import { passesOf } from "../src/effects/fuse.ts";
import { EffectError } from "../src/effects/resolve.ts";
import { EFFECTS, OPERATIONS } from "../src/effects/table.ts";
import { createCpuEngine } from "../src/engines/cpu.ts";
import { EngineError, NoAdapterError } from "../src/engines/errors.ts";
import { createWebGpuEngine } from "../src/engines/webgpu.ts";
import { CASES, H, PIXEL_CHAIN, W, input, inputPixel } from "./golden/cases.ts";

const GOLDEN = join(import.meta.dirname, "golden");

function golden(name: string): Frame {
  const png = decode(readFileSync(join(GOLDEN, `${name}.png`)));
  expect(png.channels).toBe(4);
  expect(png.depth).toBe(8);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

const px = (f: Frame, x: number, y: number): number[] => [...f.data.subarray((y * f.width + x) * 4, (y * f.width + x) * 4 + 4)];

/** The largest per-channel difference, with where the first one of that size is. */
function maxDiff(a: Frame, b: Frame): { max: number; at: string } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0, at = "";
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (d > max) {
      max = d;
      const p = i >> 2;
      at = `(${p % a.width}, ${Math.floor(p / a.width)}) channel ${"RGBA"[i & 3]}: ${a.data[i]} vs ${b.data[i]}`;
    }
  }
  return { max, at };
}

// XDG_RUNTIME_DIR: where Mesa's Vulkan drivers look for their runtime files; a private one (mode 0700) where it is unset.
if (!process.env.XDG_RUNTIME_DIR) {
  process.env.XDG_RUNTIME_DIR = join(tmpdir(), `xdg-${process.getuid?.() ?? 0}`);
  mkdirSync(process.env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
}
let gpu: Awaited<ReturnType<typeof createWebGpuEngine>> | null = null;
let noGpu = "";
try {
  gpu = await createWebGpuEngine();
} catch (e) {
  if (!(e instanceof NoAdapterError)) throw e;
  noGpu = e.message;
  // Written past the reporter (which keeps a passing file quiet), so a skip is never silent.
  writeSync(2, `engines.test.ts: WebGPU tests skipped: ${noGpu}\n`);
}

const cpu = createCpuEngine();

describe("the effect table", () => {
  const issue: Record<string, string[]> = {
    pixel: ["invert", "grayscale", "sepia", "brightness", "contrast", "saturation", "gamma", "hue-shift", "posterize", "threshold", "vignette", "scanlines", "grain"],
    remap: ["flip", "rotate", "zoom", "pixelate", "wave", "swirl", "kaleidoscope", "rgb-split"],
    neighbourhood: ["blur", "sharpen", "edge-detect", "emboss", "bloom"],
  };

  it("has every effect the issue names, of its kind, each with a formula and defaults in range", () => {
    const named = Object.entries(issue).flatMap(([kind, names]) => names.map((n) => [n, kind]));
    expect(named.map(([n]) => n).sort()).toEqual([...EFFECTS.keys()].sort());
    for (const [name, kind] of named) {
      const e = EFFECTS.get(name!)!;
      expect(e.kind, name).toBe(kind);
      expect(e.doc.length, name).toBeGreaterThan(20);
      for (const p of e.params) {
        if (typeof p.default === "number") {
          expect(p.default, `${name} :${p.name}`).toBeGreaterThanOrEqual(p.min ?? -Infinity);
          expect(p.default, `${name} :${p.name}`).toBeLessThanOrEqual(p.max ?? Infinity);
        }
        if (p.type === "enum") expect(p.values).toContain(p.default);
      }
    }
    expect([...OPERATIONS.keys()].sort()).toEqual(["blend", "crop", "gradient", "layer", "noise", "resize", "solid"]);
  });

  it("plans a run of per-pixel and remap effects as one pass, each neighbourhood effect as its own", () => {
    expect(passesOf(["grayscale", "rotate", "invert", "blur", "flip", "bloom", "sharpen"])).toEqual([
      { kind: "fused", effects: ["grayscale", "rotate", "invert"] },
      { kind: "neighbourhood", effects: ["blur"] },
      { kind: "neighbourhood", effects: ["blur"] },
      { kind: "fused", effects: ["flip"] },
      { kind: "neighbourhood", effects: ["bloom"] },
      { kind: "neighbourhood", effects: ["bloom"] },
      { kind: "neighbourhood", effects: ["sharpen"] },
    ]);
  });
});

describe("the goldens, against values worked out from the formulas by hand", () => {
  it("gradient: column x is from + (to - from) * x / (W - 1), rounded half up", () => {
    const g = golden("gradient");
    const cols: Record<number, number[]> = { 0: [0, 0, 255], 1: [8, 3, 247], 15: [123, 48, 132], 16: [132, 52, 123], 31: [255, 100, 0] };
    for (const [x, rgb] of Object.entries(cols)) for (const y of [0, 11, 23]) expect(px(g, Number(x), y)).toEqual([...rgb, 255]);
    const odd = golden("gradient-odd"); // 7 wide, (10,200,30) -> (240,20,31): x = 3 has B = 30.5 -> 31
    expect(px(odd, 1, 2)).toEqual([48, 170, 30, 255]);
    expect(px(odd, 3, 0)).toEqual([125, 110, 31, 255]);
  });

  it("grayscale: Rec. 709 luma of the stored values, rounded", () => {
    const g = golden("grayscale");
    expect(inputPixel(10, 5)).toEqual([80, 55, 124, 255]); // Y = 65.2968
    expect(px(g, 10, 5)).toEqual([65, 65, 65, 255]);
    expect(inputPixel(31, 23)).toEqual([248, 253, 220, 255]); // Y = 249.5544
    expect(px(g, 31, 23)).toEqual([250, 250, 250, 255]);
  });

  it("threshold 100: luma >= 100 is white, else black", () => {
    const t = golden("threshold");
    expect(px(t, 20, 8)).toEqual([255, 255, 255, 255]); // (160, 88, 156): Y = 108.2
    expect(px(t, 5, 10)).toEqual([0, 0, 0, 255]); // (40, 110, 109): Y = 95.0
  });

  it("brightness adds amount * 255 and clamps", () => {
    expect(inputPixel(31, 0)).toEqual([248, 0, 93, 255]);
    expect(px(golden("brightness"), 31, 0)).toEqual([255, 77, 170, 255]); // +76.5: 324.5 clamps, 76.5 -> 77
    expect(px(golden("brightness-down"), 10, 5)).toEqual([0, 0, 0, 255]); // -127.5 clamps at 0
    expect(px(golden("brightness-down"), 31, 23)).toEqual([121, 126, 93, 255]);
  });

  it("flip mirrors exactly; invert, posterize, pixelate, crop, solid", () => {
    const fx = golden("flip-x"), fy = golden("flip-y"), inv = golden("invert"), crop = golden("crop"), pix = golden("pixelate");
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        expect(px(fx, x, y)).toEqual(inputPixel(W - 1 - x, y));
        expect(px(fy, x, y)).toEqual(inputPixel(x, H - 1 - y));
        const [r, g, b, a] = inputPixel(x, y);
        expect(px(inv, x, y)).toEqual([255 - r, 255 - g, 255 - b, a]);
        if (x < 20 && y < 15) expect(px(crop, x, y)).toEqual(inputPixel(x + 5, y + 3));
        // size 5: each block is its middle pixel (clamped to the frame at the last blocks)
        expect(px(pix, x, y)).toEqual(inputPixel(Math.min(W - 1, Math.floor(x / 5) * 5 + 2), Math.min(H - 1, Math.floor(y / 5) * 5 + 2)));
      }
    }
    expect(px(golden("posterize"), 10, 5)).toEqual([128, 0, 128, 255]); // 3 levels: 80 -> 1 -> 127.5 -> 128
    expect(px(golden("solid"), 7, 7)).toEqual([51, 102, 204, 255]);
  });

  it("noise and grain follow the hash; blend multiply follows the compositing formula", () => {
    expect(px(golden("noise"), 0, 0)).toEqual([74, 237, 21, 255]);
    expect(px(golden("noise"), 5, 3)).toEqual([153, 86, 183, 255]);
    expect(px(golden("grain"), 3, 4)).toEqual([0, 4, 53, 255]); // hash & 255 = 48: g = -0.624 * 0.25 * 255
    expect(px(golden("blend-multiply"), 0, 0)).toEqual(inputPixel(0, 0)); // the overlay's alpha is 0 there
    expect(px(golden("blend-multiply"), 10, 5)).toEqual([73, 44, 95, 255]); // (175,75,50,100) over (80,55,124,255) at 0.75
  });
});

describe("CPU engine", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s equals its golden exactly", async (_name, c) => {
    const f = await c.run(cpu);
    expect(maxDiff(f, golden(c.name))).toEqual({ max: 0, at: "" });
  });

  it("runs six per-pixel effects as one fused pass and blur as two passes of its own", async () => {
    expect((await cpu.chain(input(), PIXEL_CHAIN)).passes).toEqual([{ kind: "fused", effects: PIXEL_CHAIN.map((e) => e.effect) }]);
    expect((await cpu.chain(input(), [{ effect: "invert", params: {} }, { effect: "blur", params: { radius: 2 } }])).passes).toEqual([
      { kind: "fused", effects: ["invert"] },
      { kind: "neighbourhood", effects: ["blur"] },
      { kind: "neighbourhood", effects: ["blur"] },
    ]);
  });

  it("unfused (fuse: false) runs one pass per effect, with the same pixels for per-pixel effects", async () => {
    const fused = await cpu.chain(input(), PIXEL_CHAIN);
    const unfused = await cpu.chain(input(), PIXEL_CHAIN, { fuse: false });
    expect(unfused.passes).toEqual(PIXEL_CHAIN.map((e) => ({ kind: "fused", effects: [e.effect] })));
    expect(maxDiff(unfused.frame, fused.frame).max).toBe(0);
  });

  it("rotating by 180 degrees equals flipping both ways", async () => {
    const r = await cpu.chain(input(), [{ effect: "rotate", params: { degrees: 180 } }]);
    const f = await cpu.chain(input(), [{ effect: "flip", params: { axis: "x" } }, { effect: "flip", params: { axis: "y" } }]);
    expect(maxDiff(r.frame, f.frame).max).toBe(0);
  });

  it("refuses bad calls with typed errors", async () => {
    await expect(cpu.chain(input(), [{ effect: "blurr", params: {} }])).rejects.toMatchObject({ name: "EffectError", code: "unknown-effect" });
    await expect(cpu.chain(input(), [{ effect: "blur", params: { radius: 2.5 } }])).rejects.toMatchObject({ code: "bad-param" });
    await expect(cpu.chain(input(), [{ effect: "blur", params: { sigma: 2 } }])).rejects.toMatchObject({ code: "unknown-param" });
    await expect(cpu.chain(input(), [{ effect: "flip", params: { axis: "z" } }])).rejects.toBeInstanceOf(EffectError);
    await expect(cpu.crop(input(), 20, 0, 20, 5)).rejects.toMatchObject({ name: "EngineError", code: "bad-rect" });
    await expect(cpu.solid(0, 10, [0, 0, 0])).rejects.toBeInstanceOf(EngineError);
    await expect(cpu.blend(input(), input(), "burn" as never, 1)).rejects.toMatchObject({ code: "bad-input" });
  });
});

describe.skipIf(!gpu)(`WebGPU engine${gpu ? "" : ` (skipped: ${noGpu})`}`, () => {
  const g = (): NonNullable<typeof gpu> => gpu!;
  beforeAll(() => () => g().dispose());

  it.each(CASES.map((c) => [c.name, c] as const))("%s equals its golden within ±1", async (_name, c) => {
    const f = await c.run(g());
    const d = maxDiff(f, golden(c.name));
    expect(d.max, d.at).toBeLessThanOrEqual(1);
  });

  it("runs six per-pixel effects as ONE fused pass, blur as two passes of its own, and reuses pipelines for new values", async () => {
    const r = await g().chain(input(), PIXEL_CHAIN);
    expect(r.passes).toEqual([{ kind: "fused", effects: PIXEL_CHAIN.map((e) => e.effect) }]);
    const compiled = g().pipelineCount;
    const other = PIXEL_CHAIN.map((e) => ({ ...e, params: Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, (v as number) * 0.9])) }));
    const r2 = await g().chain(input(), other);
    expect(g().pipelineCount).toBe(compiled);
    expect(maxDiff(r2.frame, (await cpu.chain(input(), other)).frame).max).toBeLessThanOrEqual(1);
    const blur = await g().chain(input(), [{ effect: "blur", params: { radius: 4 } }]);
    expect(blur.passes).toEqual([
      { kind: "neighbourhood", effects: ["blur"] },
      { kind: "neighbourhood", effects: ["blur"] },
    ]);
  });

  it("runs a chain with remaps after per-pixel effects as one pass, unfused as one pass per effect", async () => {
    const chain: EffectCall[] = [{ effect: "grayscale", params: {} }, { effect: "rotate", params: { degrees: 12 } }, { effect: "posterize", params: { levels: 4 } }, { effect: "zoom", params: { factor: 1.2 } }];
    const fused = await g().chain(input(), chain);
    expect(fused.passes).toEqual([{ kind: "fused", effects: chain.map((e) => e.effect) }]);
    const unfused = await g().chain(input(), PIXEL_CHAIN, { fuse: false });
    expect(unfused.passes).toHaveLength(6);
    expect(maxDiff(unfused.frame, golden("chain-pixel6")).max).toBeLessThanOrEqual(1);
  });

  it("refuses bad calls with the same typed errors", async () => {
    await expect(g().chain(input(), [{ effect: "blurr", params: {} }])).rejects.toMatchObject({ code: "unknown-effect" });
    await expect(g().crop(input(), 0, 20, 5, 5)).rejects.toMatchObject({ code: "bad-rect" });
  });
});

describe("createWebGpuEngine without an adapter", () => {
  it("fails with a NoAdapterError that says how to get one", async () => {
    const err = await createWebGpuEngine({ flags: ["adapter=no such adapter"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoAdapterError);
    expect((err as Error).message).toMatch(/mesa-vulkan-drivers/);
    expect((err as Error).message).toMatch(/--backend cpu/);
  });
});
