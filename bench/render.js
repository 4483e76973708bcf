/**
 * `npm run bench`, render part: megapixels per second for a 6-effect
 * per-pixel chain on a 4K frame (3840x2160): the WebGPU engine's fused chain
 * (ONE generated WGSL compute pass) against one chain call per effect (six
 * passes, each with its upload and read-back), the CPU engine, sharp
 * (libvips) and ffmpeg doing the same chain, in one run, with the ratios.
 * Each contender's pixels are compared with the CPU engine's (the
 * reference) and the difference printed: the engines agree within ±1 an
 * effect; sharp and ffmpeg do the closest operations they have (each within
 * ±1 of the effect alone: they truncate where the engines round), and over
 * six effects the steps add up.
 *
 * On lavapipe (Mesa's software Vulkan) the absolute figures are a CPU's; the
 * fused vs one-pass-per-effect ratio is the point. A contender that is not
 * there (no WebGPU adapter, no ffmpeg) is skipped with the reason.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundle } from "../gpu-render-service/bin/bundled.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
// Inside the repository, so the bundle's native externals (sharp, webgpu) resolve from node_modules.
mkdirSync(join(repo, "node_modules", ".cache"), { recursive: true });
const dir = mkdtempSync(join(repo, "node_modules", ".cache", "rose-ash-bench-render-"));
const out = join(dir, "render-chain.mjs");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Run `fn` once to warm up, then until `minMs` have passed (at least `minRuns`, at most `maxRuns` times): the median and the last output. */
async function measure(fn, { minMs = 1200, minRuns = 3, maxRuns = 15 } = {}) {
  let output = await fn();
  const times = [];
  const t0 = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - t0 < minMs)) {
    const s = performance.now();
    output = await fn();
    times.push(performance.now() - s);
  }
  return { ms: median(times), runs: times.length, output };
}

/** RGB channels of `a` against the reference: the largest difference, the mean, and how many differ by more than 1. */
function compare(a, ref) {
  let max = 0;
  let sum = 0;
  let over = 0;
  let n = 0;
  for (let i = 0; i < ref.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a[i + c] - ref[i + c]);
      if (d > max) max = d;
      if (d > 1) over++;
      sum += d;
      n++;
    }
  }
  return { max, mean: sum / n, over, n };
}

/** Run a command: its stdout, or a rejection with the last line of its stderr. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks = [];
    const errors = [];
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => errors.push(c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${command} exited ${code}: ${Buffer.concat(errors).toString().trim().split("\n").at(-1)}`))));
  });
}

try {
  // Bundled as the service and the CLI are (sharp and webgpu outside).
  await bundle(fileURLToPath(new URL("./render-chain.ts", import.meta.url)), out);
  const w = await import(pathToFileURL(out).href);
  const { WIDTH, HEIGHT, CHAIN } = w;
  const mp = (WIDTH * HEIGHT) / 1e6;
  const names = CHAIN.map((e) => e.effect).join(", ");
  const { cpu, source } = await w.setup();
  const row = (label, r, ref, note = "") => {
    const mps = mp / (r.ms / 1000);
    const diff = ref && r.output ? compare(r.output, ref) : null;
    const d = diff ? `   vs CPU: max ${String(diff.max).padStart(3)}, mean ${diff.mean.toFixed(3)}, ${((100 * diff.over) / diff.n).toPrecision(2)}% >1` : "";
    console.log(`  ${label.padEnd(58)} ${mps.toFixed(1).padStart(7)} MP/s ${r.ms.toFixed(0).padStart(6)} ms${d}${note}`);
    return mps;
  };
  const skip = (label, why) => console.log(`  ${label.padEnd(58)}  skipped: ${why}`);

  console.log(`\nrender: a 6-effect per-pixel chain (${names}) on a ${WIDTH}x${HEIGHT} frame (${mp.toFixed(1)} MP), median time per frame; ${availableParallelism()} CPUs`);

  // The reference first: the CPU engine (one thread, TypeScript; per-channel effects composed into lookup tables).
  const cpuRun = await measure(async () => (await cpu.chain(source, CHAIN)).frame.data, { minMs: 1500, minRuns: 2, maxRuns: 5 });
  const reference = cpuRun.output;

  const gpu = await w.openWebGpu();
  let fused = null;
  let unfused = null;
  let perCall = null;
  if (gpu.engine) {
    const engine = gpu.engine;
    console.log(`  (WebGPU adapter: ${engine.adapter}${/llvmpipe|lavapipe|swiftshader/i.test(engine.adapter) ? " — software Vulkan: the absolute figures are a CPU's, the fused/unfused ratio is the point" : ""})`);
    let passes = [];
    const f = await measure(async () => {
      const r = await engine.chain(source, CHAIN);
      passes = r.passes;
      return r.frame.data;
    });
    fused = row(`webgpu, fused (${passes.length} WGSL pass${passes.length === 1 ? "" : "es"})`, f, reference);
    // One pass per effect: the engine's chain unfused (six kernels, the frame kept on the device between them).
    let unfusedPasses = [];
    const u = await measure(async () => {
      const r = await engine.chain(source, CHAIN, { fuse: false });
      unfusedPasses = r.passes;
      return r.frame.data;
    });
    unfused = row(`webgpu, one pass per effect (${unfusedPasses.length} WGSL passes)`, u, reference);
    // And one chain call per effect: six uploads and read-backs besides six passes.
    const calls = await measure(async () => {
      let frame = source;
      for (const effect of CHAIN) frame = (await engine.chain(frame, [effect])).frame;
      return frame.data;
    });
    perCall = row(`webgpu, one chain call per effect (${CHAIN.length} calls)`, calls, reference);
    // The engines agree within ±1 an effect; a ±1 early in a chain can grow in later effects (gamma is steep near black).
    const d = compare(f.output, reference);
    if (d.over) console.log(`    (${d.over} of ${d.n} channels differ from the CPU engine by more than 1, up to ${d.max})`);
  } else {
    skip("webgpu, fused", `no WebGPU adapter (${gpu.why})`);
    skip("webgpu, one pass per effect", "no WebGPU adapter");
    skip("webgpu, one chain call per effect", "no WebGPU adapter");
  }
  const cpuMps = row("cpu engine (TypeScript, one thread)", cpuRun, null);

  // sharp: the closest libvips operations, in as few pipelines as give the same chain: a sharp pipeline
  // applies its operations in a fixed order (recomb, gamma, linear, negate), one recomb each, and recomb's
  // float output must be brought back to 8 bits (as every effect's is) before gamma. So three pipelines:
  // recomb (saturation) | recomb (hue) | gamma (out: x^(1/1.5)), linear (brightness then contrast as one a·x + b), negate (alpha kept).
  let sharpMps = null;
  try {
    const { default: sharp } = await import("sharp");
    const raw = { width: WIDTH, height: HEIGHT, channels: /** @type {const} */ (4) };
    /** @type {(m: number[]) => [[number, number, number], [number, number, number], [number, number, number]]} */
    const rows = (m) => [[m[0], m[1], m[2]], [m[3], m[4], m[5]], [m[6], m[7], m[8]]];
    const a = w.CONTRAST;
    const b = (w.BRIGHTNESS * 255 - 127.5) * w.CONTRAST + 127.5;
    const s = await measure(async () => {
      const saturated = await sharp(source.data, { raw }).recomb(rows(w.saturationMatrix(w.SATURATION))).raw().toBuffer();
      const shifted = await sharp(saturated, { raw }).recomb(rows(w.hueMatrix(w.HUE_DEGREES))).raw().toBuffer();
      return sharp(shifted, { raw }).gamma(1, w.GAMMA).linear(a, b).negate({ alpha: false }).raw().toBuffer();
    });
    sharpMps = row(`sharp (libvips ${sharp.versions.vips}): recomb|recomb|gamma,linear,negate`, s, reference);
  } catch (e) {
    skip("sharp", e instanceof Error ? e.message : String(e));
  }

  // ffmpeg: the same chain as -vf filters on raw RGBA frames, one filter per effect:
  // colorchannelmixer (saturation), colorchannelmixer (hue), lutrgb (gamma), lutrgb (brightness), lutrgb (contrast), negate.
  let ffmpegMps = null;
  const ffmpegLabel = "ffmpeg: colorchannelmixer x2, lutrgb x3, negate";
  try {
    const version = (await run("ffmpeg", ["-version"])).toString().split("\n")[0].split(" ")[2].replace(/-.*/, "");
    const mixer = (m) => `colorchannelmixer=${["rr", "rg", "rb", "gr", "gg", "gb", "br", "bg", "bb"].map((k, i) => `${k}=${m[i].toFixed(6)}`).join(":")}`;
    const lut = (expr) => `lutrgb=r='${expr}':g='${expr}':b='${expr}'`;
    const graph = [
      mixer(w.saturationMatrix(w.SATURATION)),
      mixer(w.hueMatrix(w.HUE_DEGREES)),
      lut(`gammaval(${(1 / w.GAMMA).toFixed(6)})`),
      lut(`clip(val+${w.BRIGHTNESS * 255},minval,maxval)`),
      lut(`clip((val-127.5)*${w.CONTRAST}+127.5,minval,maxval)`),
      "negate",
    ].join(",");
    const input = ["-hide_banner", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", `${WIDTH}x${HEIGHT}`];
    const file = join(dir, "frame.rgba");
    writeFileSync(file, source.data);
    // Its pixels, from one frame; its speed over several (the process's start spread thin).
    const pixels = await run("ffmpeg", [...input, "-i", file, "-vf", graph, "-f", "rawvideo", "-pix_fmt", "rgba", "-"]);
    const FRAMES = 6;
    const timed = await measure(() => run("ffmpeg", [...input, "-stream_loop", String(FRAMES - 1), "-i", file, "-vf", graph, "-f", "null", "-"]), { minMs: 1500, minRuns: 2, maxRuns: 5 });
    ffmpegMps = row(ffmpegLabel.replace("ffmpeg", `ffmpeg ${version}`), { ms: timed.ms / FRAMES, output: pixels }, reference, `   (${FRAMES} frames a run)`);
  } catch (e) {
    skip(ffmpegLabel, e && e.code === "ENOENT" ? "ffmpeg is not installed" : e instanceof Error ? e.message : String(e));
  }

  const ratio = (label, x, y) => x && y && console.log(`    ${label.padEnd(56)} ${(x / y).toFixed(2).padStart(7)}x`);
  console.log("  ratios");
  ratio("fused / one pass per effect", fused, unfused);
  ratio("fused / one chain call per effect", fused, perCall);
  ratio("fused / cpu engine", fused, cpuMps);
  ratio("fused / sharp", fused, sharpMps);
  ratio("fused / ffmpeg", fused, ffmpegMps);
  if (!fused) {
    ratio("cpu engine / sharp", cpuMps, sharpMps);
    ratio("cpu engine / ffmpeg", cpuMps, ffmpegMps);
  }
  await cpu.dispose();
  if (gpu.engine) await gpu.engine.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// A GPU device can keep the event loop alive: leave once everything is printed.
process.stdout.write("", () => process.exit(0));
